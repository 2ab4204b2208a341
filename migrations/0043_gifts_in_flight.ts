import { sql, type Kysely } from 'kysely';

// Gifts to and from the network's own accounts are processes, as confirmations are: this table
// holds those begun and not yet ended (projection "timebank"), so that the sweeper that finishes
// what a stopped process left looks only at the few rows in flight.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE timebank_gifts_in_flight (gift_id uuid PRIMARY KEY, network_id uuid NOT NULL, position bigint NOT NULL)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE timebank_gifts_in_flight`.execute(db);
}
