import { sql, type Kysely } from 'kysely';

// Learning vouchers' read tables (projection "vouchers"). A voucher row holds what it is and what
// is left of it; every use of it, refund and expiry is a row of its own, dated, so that what was
// held for learners can be stated as at any past date. The giver's message stays sealed here as
// in the event: it is opened only when read, so erasing the giver leaves nothing readable behind.
// (0011 is another branch's.)
export async function up(db: Kysely<any>): Promise<void> {
  // activity, sessions and pence_per_session are a sessions voucher's; left_sessions too (null
  // for an amount voucher). paid_on and paid_pence stay null until the network has the money.
  await sql`
    CREATE TABLE vouchers (
      voucher_id uuid PRIMARY KEY,
      network_id uuid NOT NULL,
      giver_id uuid NOT NULL,
      learner_id uuid NOT NULL,
      value_kind text NOT NULL,
      activity text,
      sessions integer,
      pence_per_session bigint,
      price_pence bigint NOT NULL,
      occasion text NOT NULL,
      message text NOT NULL,
      bought_on text NOT NULL,
      expires_on text,
      at_expiry text NOT NULL,
      status text NOT NULL,
      left_pence bigint NOT NULL,
      left_sessions integer,
      paid_on text,
      paid_pence bigint,
      payment_reference text
    )`.execute(db);
  await sql`CREATE INDEX vouchers_by_giver ON vouchers (network_id, giver_id)`.execute(db);
  await sql`CREATE INDEX vouchers_by_learner ON vouchers (network_id, learner_id)`.execute(db);
  await sql`CREATE INDEX vouchers_by_expiry ON vouchers (network_id, expires_on) WHERE status <> 'expired'`.execute(db);

  // A session and who paid its fee: learners' vouchers and their own contributions (voucher null).
  await sql`
    CREATE TABLE learning_sessions (
      session_id uuid PRIMARY KEY,
      network_id uuid NOT NULL,
      mentor_id uuid NOT NULL,
      activity text NOT NULL,
      starts_at text NOT NULL,
      fee_pence bigint NOT NULL,
      shares jsonb NOT NULL,
      recorded_by uuid NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX learning_sessions_by_mentor ON learning_sessions (network_id, mentor_id, starts_at)`.execute(db);

  await sql`
    CREATE TABLE voucher_redemptions (
      voucher_id uuid NOT NULL,
      session_id uuid NOT NULL,
      network_id uuid NOT NULL,
      mentor_id uuid NOT NULL,
      activity text NOT NULL,
      delivered_on text NOT NULL,
      pence bigint NOT NULL,
      sessions integer NOT NULL,
      PRIMARY KEY (voucher_id, session_id)
    )`.execute(db);
  await sql`CREATE INDEX voucher_redemptions_by_mentor ON voucher_redemptions (network_id, mentor_id)`.execute(db);

  // A refund has no id of its own: its place in the log names it.
  await sql`
    CREATE TABLE voucher_refunds (
      voucher_id uuid NOT NULL,
      position bigint NOT NULL,
      network_id uuid NOT NULL,
      refunded_on text NOT NULL,
      pence bigint NOT NULL,
      reason text NOT NULL,
      recorded_by uuid NOT NULL,
      PRIMARY KEY (voucher_id, position)
    )`.execute(db);

  await sql`
    CREATE TABLE voucher_expiries (
      voucher_id uuid PRIMARY KEY,
      network_id uuid NOT NULL,
      expired_on text NOT NULL,
      pence bigint NOT NULL,
      sessions integer NOT NULL,
      disposition text NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX voucher_expiries_by_date ON voucher_expiries (network_id, expired_on)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['voucher_expiries', 'voucher_refunds', 'voucher_redemptions', 'learning_sessions', 'vouchers']) {
    await sql`DROP TABLE ${sql.table(table)}`.execute(db);
  }
}
