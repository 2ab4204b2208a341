import { sql, type Kysely } from 'kysely';

// Notifications: the outbox is a projection's table, so it can be dropped and rebuilt like any
// other; what was sent is kept apart, in notification_deliveries, under the same deterministic
// id, so that a rebuild finds its rows already delivered and sends nothing again.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE notification_outbox (
      notification_id uuid PRIMARY KEY,
      event_id uuid NOT NULL,
      position bigint NOT NULL,
      recipient_id uuid NOT NULL,
      kind text NOT NULL,
      network_id uuid,
      subject_id uuid NOT NULL,
      due_at timestamptz NOT NULL,
      expires_at timestamptz,
      recorded_at timestamptz NOT NULL,
      UNIQUE (event_id, recipient_id, kind)
    )`.execute(db);
  await sql`CREATE INDEX notification_outbox_due ON notification_outbox (due_at)`.execute(db);
  await sql`
    CREATE TABLE notification_deliveries (
      notification_id uuid PRIMARY KEY,
      state text NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL,
      claimed_until timestamptz,
      sent_at timestamptz,
      last_error text
    )`.execute(db);
  await sql`CREATE INDEX notification_deliveries_waiting ON notification_deliveries (state, next_attempt_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE notification_deliveries`.execute(db);
  await sql`DROP TABLE notification_outbox`.execute(db);
}
