import { sql, type Kysely } from 'kysely';

// Signed digests of the event log (src/audit/log-digests.ts). The key that signs them is never
// here: a row edited or made up cannot carry a good signature, and the rows are meant to be copied
// out and kept elsewhere, where a row deleted here is still found.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE log_digests (
      position bigint PRIMARY KEY CHECK (position > 0),
      events bigint NOT NULL,
      head text NOT NULL,
      recorded_at timestamptz NOT NULL,
      public_key text NOT NULL,
      signature text NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX log_digests_recorded_at ON log_digests (recorded_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE log_digests`.execute(db);
}
