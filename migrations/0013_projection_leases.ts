import { sql, type Kysely } from 'kysely';

// Which process runs each projection. A worker holds a projection's lease while it renews it;
// when a worker dies its leases run out and another takes them over. Checkpoints still guard
// every batch, so the lease is what keeps one runner per projection, not what keeps it correct.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE projection_leases (
      name text PRIMARY KEY,
      holder text NOT NULL,
      expires_at timestamptz NOT NULL
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE projection_leases`.execute(db);
}
