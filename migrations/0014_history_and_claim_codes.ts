import { sql, type Kysely } from 'kysely';

// A member's history now holds every event done in their name (its actor or onBehalfOf), of
// every domain, not only the access events about them. Its rows are dropped and its checkpoint
// set back, so the projection reads the whole log again and fills them in.
//
// Claim codes: the way in a coordinator gives a member they recorded who was not online. Only
// the code's hash is kept, as with session tokens; a code is used once.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE claim_codes (
      code_hash text PRIMARY KEY,
      person_id uuid NOT NULL,
      expires_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX claim_codes_by_person ON claim_codes (person_id)`.execute(db);
  await sql`DELETE FROM person_history`.execute(db);
  await sql`UPDATE projection_checkpoints SET position = 0, status = 'running', failed_position = NULL, error = NULL WHERE name = 'person_history'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE claim_codes`.execute(db);
  // The history's rows are rebuilt from the log either way.
}
