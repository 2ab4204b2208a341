import { sql, type Kysely } from 'kysely';

// An import's batch of transfers is a process: begun on the network's import log with every
// posting it plans, written a stream at a time, then ended. This table holds batches begun and not
// yet ended (projection "timebank"), so that the sweeper that finishes what a stopped run left
// looks only at the few rows in flight.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE timebank_imports_in_flight (batch_id uuid PRIMARY KEY, network_id uuid NOT NULL, position bigint NOT NULL)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE timebank_imports_in_flight`.execute(db);
}
