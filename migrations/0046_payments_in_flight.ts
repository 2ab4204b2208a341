import { sql, type Kysely } from 'kysely';

// The approval that completes a pool payment is a process: the sweeper that finishes what a
// stopped one left looks for payments being paid every few seconds, through this partial index.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX pool_payments_in_flight ON pool_payments (payment_id) WHERE status = 'paying'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX pool_payments_in_flight`.execute(db);
}
