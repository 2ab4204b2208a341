import { sql, type Kysely } from 'kysely';

// Redeeming a learning session is a process: begun on the session, each voucher drawn on in turn,
// then the session recorded. This table holds sessions begun and not yet ended (projection
// "vouchers"), so that the sweeper that finishes what a stopped request left looks only at the few
// rows in flight.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE voucher_sessions_in_flight (session_id uuid PRIMARY KEY, position bigint NOT NULL)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE voucher_sessions_in_flight`.execute(db);
}
