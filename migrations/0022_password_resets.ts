import { sql, type Kysely } from 'kysely';

// Which person a reset is for, found from the resetId a reset link carries. No code is kept: the
// code is derived from the resetId with the server's secret, so this table opens nothing.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE password_resets (reset_id uuid PRIMARY KEY, person_id uuid NOT NULL)`.execute(db);
  await sql`CREATE INDEX password_resets_person ON password_resets (person_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE password_resets`.execute(db);
}
