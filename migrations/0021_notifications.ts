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
  // What the projection must know to address a notification, kept by the projection itself (a
  // rebuild cannot read other projections' tables, which are not beside it then): who holds which
  // roles in each network, and for a pool its network, for a voucher its giver, for a proposal
  // when voting closes.
  await sql`
    CREATE TABLE notification_roles (
      network_id uuid NOT NULL,
      person_id uuid NOT NULL,
      roles text[] NOT NULL,
      PRIMARY KEY (network_id, person_id)
    )`.execute(db);
  await sql`
    CREATE TABLE notification_subjects (
      subject_id uuid PRIMARY KEY,
      network_id uuid NOT NULL,
      person_id uuid,
      at timestamptz
    )`.execute(db);
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
  await sql`DROP TABLE notification_subjects`.execute(db);
  await sql`DROP TABLE notification_roles`.execute(db);
  await sql`DROP TABLE notification_outbox`.execute(db);
}
