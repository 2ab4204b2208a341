import { sql, type Kysely } from 'kysely';

// Free text that can name people (descriptions, references, bank lines) is sealed under a key of
// its own, linked to every person it concerns: erasing any of them destroys the key. Read tables
// now hold the text as stored (vault.ts `storedText`): what they held in the clear is kept as
// clear text, and bank lines sealed under their statement's key say so.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE text_keys (
      key_id uuid PRIMARY KEY,
      wrapped_key bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE text_key_subjects (
      key_id uuid NOT NULL REFERENCES text_keys ON DELETE CASCADE,
      person_id uuid NOT NULL,
      PRIMARY KEY (key_id, person_id)
    )`.execute(db);
  // Erasure finds a person's texts by this index.
  await sql`CREATE INDEX text_key_subjects_person ON text_key_subjects (person_id)`.execute(db);

  await sql`UPDATE timebank_exchanges SET description = json_build_object('clear', description)::text`.execute(db);
  await sql`UPDATE timebank_entries SET description = json_build_object('clear', description)::text WHERE description IS NOT NULL`.execute(db);
  await sql`UPDATE pool_entries SET reference = json_build_object('clear', reference)::text`.execute(db);
  await sql`UPDATE pool_bank_lines SET description = json_build_object('sealedUnder', statement_id, 'sealed', description)::text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`UPDATE pool_bank_lines SET description = (description::json)->>'sealed' WHERE (description::json)->>'sealedUnder' IS NOT NULL`.execute(db);
  await sql`UPDATE pool_entries SET reference = coalesce((reference::json)->>'clear', '')`.execute(db);
  await sql`UPDATE timebank_entries SET description = (description::json)->>'clear' WHERE description IS NOT NULL`.execute(db);
  await sql`UPDATE timebank_exchanges SET description = coalesce((description::json)->>'clear', '')`.execute(db);
  await sql`DROP TABLE text_key_subjects`.execute(db);
  await sql`DROP TABLE text_keys`.execute(db);
}
