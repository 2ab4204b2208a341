import { sql, type Kysely } from 'kysely';

// A projection that cannot apply an event parks the event's scope (a network, or the stream when
// the event names no network) instead of stopping for everyone: one row per event it set aside,
// the one that failed with its error, the later ones of that scope with none, so a person can
// see what the scope's tables are missing. Kept beside the checkpoints, which it shares a
// transaction with.
//
// And the read tables' figures of time, counts and line numbers go to bigint: a valid event could carry a
// figure, or make a sum, past the 32-bit integers these were.
const widened: Record<string, string[]> = {
  timebank_accounts: ['balance', 'lower_override', 'upper_override'],
  timebank_entries: ['minutes'],
  timebank_exchanges: ['minutes', 'credited', 'rate_percent'],
  carebank_entries: ['minutes', 'rules_version'],
  coop_declarations: ['rate_basis_points'],
  coop_electorate: ['weight'],
  coop_proposals: ['electorate', 'ballots', 'votes_for', 'votes_against', 'votes_abstain', 'quorum_percent', 'threshold_percent'],
  vouchers: ['sessions', 'left_sessions'],
  voucher_redemptions: ['sessions'],
  voucher_expiries: ['sessions'],
  // Line numbers of an imported statement or a register: the schemas bound them only as whole numbers.
  pool_bank_lines: ['line'],
  pool_postings: ['line'],
  coop_share_movements: ['line'],
};

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE projection_parked (
      projection text NOT NULL,
      scope text NOT NULL,
      position bigint NOT NULL,
      event_type text NOT NULL,
      error text,
      parked_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (projection, position)
    )`.execute(db);
  await sql`CREATE INDEX projection_parked_by_scope ON projection_parked (projection, scope, position)`.execute(db);
  for (const [table, columns] of Object.entries(widened)) {
    await sql`ALTER TABLE ${sql.id(table)} ${sql.join(columns.map((c) => sql`ALTER COLUMN ${sql.id(c)} TYPE bigint`))}`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [table, columns] of Object.entries(widened)) {
    await sql`ALTER TABLE ${sql.id(table)} ${sql.join(columns.map((c) => sql`ALTER COLUMN ${sql.id(c)} TYPE integer`))}`.execute(db);
  }
  await sql`DROP TABLE projection_parked`.execute(db);
}
