import { sql, type Kysely } from 'kysely';

// Who is who. Keys and credentials are security state, not ledger facts: they live in tables
// that can be deleted from (erasure must be able to destroy them), while events record that a
// password was changed or a person erased, never the secret itself.
export async function up(db: Kysely<any>): Promise<void> {
  // One data key per person, wrapped with the server's secret. Deleting the row is erasure:
  // every personal field sealed with it in the log becomes unreadable.
  await sql`
    CREATE TABLE person_keys (
      person_id uuid PRIMARY KEY,
      wrapped_key bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE credentials (
      person_id uuid PRIMARY KEY,
      email_lookup text NOT NULL UNIQUE,
      password_hash text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  // Only a hash of each session token is kept, so a copy of this table opens no sessions.
  await sql`
    CREATE TABLE sessions (
      token_hash text PRIMARY KEY,
      person_id uuid NOT NULL,
      kind text NOT NULL CHECK (kind IN ('cookie', 'bearer')),
      csrf_token text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX sessions_by_person ON sessions (person_id)`.execute(db);

  // Failed sign-ins per account and per address, in a fixed window, shared by every process.
  await sql`
    CREATE TABLE sign_in_failures (
      key text PRIMARY KEY,
      window_started_at timestamptz NOT NULL,
      failures integer NOT NULL
    )`.execute(db);

  // Projection tables.
  await sql`
    CREATE TABLE people (
      person_id uuid PRIMARY KEY,
      name text,
      erased boolean NOT NULL DEFAULT false,
      has_account boolean NOT NULL,
      needs_safeguarding boolean NOT NULL DEFAULT false,
      registered_at text NOT NULL
    )`.execute(db);

  await sql`
    CREATE TABLE memberships (
      network_id uuid NOT NULL,
      person_id uuid NOT NULL,
      status text NOT NULL,
      roles text[] NOT NULL,
      approved_by text,
      approved_at text,
      dbs_type text,
      dbs_expires_on text,
      revision bigint NOT NULL,
      PRIMARY KEY (network_id, person_id)
    )`.execute(db);
  await sql`CREATE INDEX memberships_by_person ON memberships (person_id)`.execute(db);

  await sql`
    CREATE TABLE person_history (
      person_id uuid NOT NULL,
      position bigint NOT NULL,
      type text NOT NULL,
      network_id uuid,
      actor text NOT NULL,
      on_behalf_of text,
      recorded_at text NOT NULL,
      PRIMARY KEY (person_id, position)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['person_history', 'memberships', 'people', 'sign_in_failures', 'sessions', 'credentials', 'person_keys']) {
    await sql`DROP TABLE ${sql.id(table)}`.execute(db);
  }
}
