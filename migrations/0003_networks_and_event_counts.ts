import { sql, type Kysely } from 'kysely';

// Projection tables. No serial columns or foreign keys: a rebuild recreates them with
// CREATE TABLE ... (LIKE ... INCLUDING ALL) and swaps them in.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE networks (
      network_id uuid PRIMARY KEY,
      name text NOT NULL,
      kind text NOT NULL,
      revision bigint NOT NULL,
      opened_at text NOT NULL,
      updated_position bigint NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX networks_by_name ON networks (name, network_id)`.execute(db);

  await sql`
    CREATE TABLE event_type_counts (
      type text PRIMARY KEY,
      count bigint NOT NULL,
      last_position bigint NOT NULL
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE event_type_counts`.execute(db);
  await sql`DROP TABLE networks`.execute(db);
}
