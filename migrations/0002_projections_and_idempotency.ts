import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // One row per projection. Its position moves in the same transaction as the projection's rows.
  await sql`
    CREATE TABLE projection_checkpoints (
      name text PRIMARY KEY,
      position bigint NOT NULL DEFAULT 0,
      status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'failed')),
      failed_position bigint,
      error text,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  // Responses to state-changing requests, by Idempotency-Key, so a retry gets the first answer.
  await sql`
    CREATE TABLE idempotency_keys (
      scope text NOT NULL,
      key text NOT NULL,
      fingerprint text NOT NULL,
      status integer,
      body jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (scope, key)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE idempotency_keys`.execute(db);
  await sql`DROP TABLE projection_checkpoints`.execute(db);
}
