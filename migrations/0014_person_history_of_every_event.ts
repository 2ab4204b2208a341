import { sql, type Kysely } from 'kysely';

// A member's history now holds every event done in their name (its actor or onBehalfOf), of
// every domain, not only the access events about them. Its rows are dropped and its checkpoint
// set back, so the projection reads the whole log again and fills them in.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`DELETE FROM person_history`.execute(db);
  await sql`UPDATE projection_checkpoints SET position = 0, status = 'running', failed_position = NULL, error = NULL WHERE name = 'person_history'`.execute(db);
}

export async function down(): Promise<void> {
  // Nothing to undo: the rows are rebuilt from the log either way.
}
