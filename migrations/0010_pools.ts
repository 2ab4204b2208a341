import { sql, type Kysely } from 'kysely';

// The pools' read tables (projection "pools"). Every movement of a pool's money is an entry, and
// every entry is posted twice or more to the pool's accounts, debits positive and credits
// negative, so that each entry's postings, and so the trial balance, sum to zero. Budget holders'
// figures are their postings: contributions, payments on their behalf, claw-backs.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE pools (
      pool_id uuid PRIMARY KEY,
      network_id uuid NOT NULL,
      name text NOT NULL,
      two_approvers_above_pence bigint NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX pools_by_network ON pools (network_id)`.execute(db);

  // pence: the entry's effect on the pool's money, signed. A correction is an entry of its own,
  // of the kind it corrects, pointing at it.
  await sql`
    CREATE TABLE pool_entries (
      pool_id uuid NOT NULL,
      entry_id uuid NOT NULL,
      position bigint NOT NULL,
      kind text NOT NULL,
      entry_date text NOT NULL,
      pence bigint NOT NULL,
      counterparty text NOT NULL,
      reference text NOT NULL,
      purpose text NOT NULL,
      corrects uuid,
      PRIMARY KEY (pool_id, entry_id)
    )`.execute(db);
  await sql`CREATE INDEX pool_entries_by_date ON pool_entries (pool_id, entry_date, position)`.execute(db);

  await sql`
    CREATE TABLE pool_postings (
      pool_id uuid NOT NULL,
      entry_id uuid NOT NULL,
      line integer NOT NULL,
      account text NOT NULL,
      holder_id uuid,
      entry_date text NOT NULL,
      pence bigint NOT NULL,
      PRIMARY KEY (pool_id, entry_id, line)
    )`.execute(db);
  await sql`CREATE INDEX pool_postings_by_holder ON pool_postings (pool_id, holder_id, entry_date)`.execute(db);

  await sql`
    CREATE TABLE pool_payments (
      payment_id uuid PRIMARY KEY,
      pool_id uuid NOT NULL,
      kind text NOT NULL,
      payee text NOT NULL,
      purpose text NOT NULL,
      invoice_reference text NOT NULL,
      to_pool_id uuid,
      pence bigint NOT NULL,
      beneficiaries jsonb NOT NULL,
      submitted_by uuid NOT NULL,
      submitted_on text NOT NULL,
      status text NOT NULL,
      approved_by jsonb NOT NULL,
      rejected_by uuid,
      rejection_reason text
    )`.execute(db);
  await sql`CREATE INDEX pool_payments_by_pool ON pool_payments (pool_id, status)`.execute(db);

  await sql`
    CREATE TABLE pool_periods (
      pool_id uuid NOT NULL,
      period_end text NOT NULL,
      closed_by uuid NOT NULL,
      closed_on text NOT NULL,
      balance_pence bigint NOT NULL,
      up_to_position bigint NOT NULL,
      digest text NOT NULL,
      PRIMARY KEY (pool_id, period_end)
    )`.execute(db);

  // Bank statement lines, their descriptions sealed (they often name people), and what each is
  // matched to: one line to one entry when matched by Hearth, to one or more by a treasurer.
  await sql`
    CREATE TABLE pool_bank_lines (
      pool_id uuid NOT NULL,
      line_id uuid NOT NULL,
      statement_id uuid NOT NULL,
      line integer NOT NULL,
      line_date text NOT NULL,
      pence bigint NOT NULL,
      balance_pence bigint,
      description text NOT NULL,
      PRIMARY KEY (pool_id, line_id)
    )`.execute(db);
  await sql`
    CREATE TABLE pool_matches (
      pool_id uuid NOT NULL,
      line_id uuid NOT NULL,
      entry_id uuid NOT NULL,
      how text NOT NULL,
      matched_by uuid,
      PRIMARY KEY (pool_id, line_id, entry_id)
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX pool_matches_entry_once ON pool_matches (pool_id, entry_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['pool_matches', 'pool_bank_lines', 'pool_periods', 'pool_payments', 'pool_postings', 'pool_entries', 'pools']) {
    await sql`DROP TABLE ${sql.table(table)}`.execute(db);
  }
}
