import { sql, type Kysely } from 'kysely';

// A network's safeguarding policy is read with the network, so its coordinators see what is in
// force before they change it. The networks projection now also follows the policy's events: its
// rows are dropped and its checkpoint set back, so it reads the log again and fills them in.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE networks ADD COLUMN require_dbs_for_safeguarded boolean NOT NULL DEFAULT false`.execute(db);
  await sql`DELETE FROM networks`.execute(db);
  await sql`DELETE FROM projection_parked WHERE projection = 'networks'`.execute(db);
  await sql`UPDATE projection_checkpoints SET position = 0, status = 'running', failed_position = NULL, error = NULL WHERE name = 'networks'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE networks DROP COLUMN require_dbs_for_safeguarded`.execute(db);
}
