import { sql, type Kysely } from 'kysely';

// Confirming care is a process, as confirming an exchange is: the sweeper that finishes what a
// stopped one left looks for care being confirmed every few seconds, through this partial index.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX carebank_care_in_flight ON carebank_care (care_id) WHERE status = 'confirming'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX carebank_care_in_flight`.execute(db);
}
