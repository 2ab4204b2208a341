import { sql, type Kysely } from 'kysely';

// A passed proposal's payment is written one stream at a time: where the money leaves (the co-op's
// funds or a pool) first, then the proposal. This table holds those whose money has left and that
// are not yet seen paid (projection "coop"), so that the sweeper that finishes what a stopped
// request left looks only at the few rows in flight.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE coop_payments_in_flight (proposal_id uuid PRIMARY KEY, position bigint NOT NULL)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE coop_payments_in_flight`.execute(db);
}
