import { sql, type Kysely } from 'kysely';

// Partnerships between time banks (projection "timebank"): one row for each side of a pair, so a
// network's list is one indexed read.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE partnerships (
      network_id uuid NOT NULL,
      partner_network_id uuid NOT NULL,
      status text NOT NULL,
      proposed_by_network_id uuid NOT NULL,
      updated_position bigint NOT NULL,
      PRIMARY KEY (network_id, partner_network_id)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE partnerships`.execute(db);
}
