import { sql, type Kysely } from 'kysely';

// The sweeper that finishes confirmations and reversals left in flight looks for them every few
// seconds in every process that runs the projections: a partial index keeps that look to the few
// rows in flight, however many exchanges a time bank has.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX timebank_exchanges_in_flight ON timebank_exchanges (exchange_id) WHERE status IN ('confirming', 'reversing')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX timebank_exchanges_in_flight`.execute(db);
}
