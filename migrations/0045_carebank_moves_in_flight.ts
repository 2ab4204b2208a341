import { sql, type Kysely } from 'kysely';

// Hours pledged or given to a care bank's pool are written one bank at a time, the giver's first:
// this table holds those moved out and not yet seen received (projection "carebank"), so that
// the sweeper that finishes what a stopped request left looks only at the few rows in flight.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE carebank_moves_in_flight (ref uuid PRIMARY KEY, network_id uuid NOT NULL, holder text NOT NULL, position bigint NOT NULL)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE carebank_moves_in_flight`.execute(db);
}
