import { sql, type Kysely } from 'kysely';

// The co-ops' read tables (projection "coop"). The register is a legal record that must be
// stated as at any past date, so every movement of share capital is a row dated by the society's
// record date, and each admission a row with the dates it began and ended: a holding, the register
// and the total share capital as at a day are sums and filters over them. A secret ballot's choice
// is never held here: only who voted, who cast it, and when.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE coops (
      network_id uuid PRIMARY KEY,
      name text NOT NULL,
      rules jsonb NOT NULL,
      founded_on text NOT NULL,
      funds_pence bigint NOT NULL,
      reserves_pence bigint NOT NULL,
      withdrawals_suspended boolean NOT NULL
    )`.execute(db);

  // One row per admission, keyed by the position of the issue that admitted the member: someone
  // who leaves and is admitted again has two.
  await sql`
    CREATE TABLE coop_members (
      network_id uuid NOT NULL,
      person_id uuid NOT NULL,
      admission bigint NOT NULL,
      member_class text NOT NULL,
      admitted_on text NOT NULL,
      ended_on text,
      end_reason text,
      PRIMARY KEY (network_id, person_id, admission)
    )`.execute(db);

  // kind: issue, membership, withdrawal, transfer-out, transfer-in, forfeit. pence is signed: what
  // the movement did to the member's holding. Membership shares move by 'membership' and 'forfeit'.
  await sql`
    CREATE TABLE coop_share_movements (
      network_id uuid NOT NULL,
      position bigint NOT NULL,
      line integer NOT NULL,
      person_id uuid NOT NULL,
      kind text NOT NULL,
      record_date text NOT NULL,
      pence bigint NOT NULL,
      ref uuid,
      PRIMARY KEY (network_id, position, line)
    )`.execute(db);
  await sql`CREATE INDEX coop_share_movements_by_member ON coop_share_movements (network_id, person_id, record_date)`.execute(db);

  await sql`
    CREATE TABLE coop_applications (
      application_id uuid PRIMARY KEY,
      network_id uuid NOT NULL,
      person_id uuid NOT NULL,
      member_class text NOT NULL,
      pence bigint NOT NULL,
      status text NOT NULL,
      applied_on text NOT NULL,
      issued_on text,
      decline_reason text
    )`.execute(db);
  await sql`CREATE INDEX coop_applications_by_network ON coop_applications (network_id, applied_on)`.execute(db);

  await sql`
    CREATE TABLE coop_withdrawals (
      withdrawal_id uuid PRIMARY KEY,
      network_id uuid NOT NULL,
      person_id uuid NOT NULL,
      pence bigint NOT NULL,
      paid_pence bigint NOT NULL,
      requested_on text NOT NULL,
      due_on text NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX coop_withdrawals_by_member ON coop_withdrawals (network_id, person_id)`.execute(db);

  // Interest and patronage dividends: the declaration, and what each member was allocated.
  await sql`
    CREATE TABLE coop_declarations (
      declaration_id uuid PRIMARY KEY,
      network_id uuid NOT NULL,
      position bigint NOT NULL,
      kind text NOT NULL,
      rate_basis_points integer,
      basis text,
      pence bigint NOT NULL,
      period_from text NOT NULL,
      period_to text NOT NULL,
      paid_on text NOT NULL,
      declared_by uuid NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE coop_allocations (
      declaration_id uuid NOT NULL,
      person_id uuid NOT NULL,
      network_id uuid NOT NULL,
      pence bigint NOT NULL,
      participation bigint,
      PRIMARY KEY (declaration_id, person_id)
    )`.execute(db);
  await sql`CREATE INDEX coop_allocations_by_member ON coop_allocations (network_id, person_id)`.execute(db);

  await sql`
    CREATE TABLE coop_proposals (
      proposal_id uuid PRIMARY KEY,
      network_id uuid NOT NULL,
      title text NOT NULL,
      pence bigint NOT NULL,
      payee text NOT NULL,
      purpose text NOT NULL,
      source_kind text NOT NULL,
      source_pool_id uuid,
      closes_at text NOT NULL,
      quorum_percent integer NOT NULL,
      threshold_percent integer NOT NULL,
      secret boolean NOT NULL,
      hide_results_until_close boolean NOT NULL,
      proposed_by uuid NOT NULL,
      made_at text NOT NULL,
      status text NOT NULL,
      opened_at text,
      closed_at text,
      electorate integer,
      ballots integer,
      votes_for integer,
      votes_against integer,
      votes_abstain integer,
      quorum_met boolean,
      passed boolean
    )`.execute(db);
  await sql`CREATE INDEX coop_proposals_by_network ON coop_proposals (network_id, made_at)`.execute(db);

  await sql`
    CREATE TABLE coop_electorate (
      proposal_id uuid NOT NULL,
      person_id uuid NOT NULL,
      member_class text NOT NULL,
      weight integer NOT NULL,
      PRIMARY KEY (proposal_id, person_id)
    )`.execute(db);

  // Every ballot cast, the latest of each voter's counting; choice is null for a secret ballot.
  await sql`
    CREATE TABLE coop_ballots (
      proposal_id uuid NOT NULL,
      position bigint NOT NULL,
      voter_id uuid NOT NULL,
      cast_by uuid NOT NULL,
      cast_at text NOT NULL,
      choice text,
      PRIMARY KEY (proposal_id, position)
    )`.execute(db);
  await sql`CREATE INDEX coop_ballots_by_voter ON coop_ballots (proposal_id, voter_id, position)`.execute(db);

  await sql`
    CREATE TABLE coop_proxies (
      proposal_id uuid NOT NULL,
      grantor_id uuid NOT NULL,
      proxy_id uuid NOT NULL,
      document_reference text NOT NULL,
      recorded_by uuid NOT NULL,
      recorded_at text NOT NULL,
      PRIMARY KEY (proposal_id, grantor_id)
    )`.execute(db);

  await sql`
    CREATE TABLE coop_proposal_payments (
      proposal_id uuid PRIMARY KEY,
      payment_id uuid NOT NULL,
      pence bigint NOT NULL,
      source_kind text NOT NULL,
      source_pool_id uuid,
      invoice_reference text NOT NULL,
      paid_on text NOT NULL,
      paid_by uuid NOT NULL
    )`.execute(db);

  // A pool payment a co-op's members voted for points at their proposal.
  await sql`ALTER TABLE pool_entries ADD COLUMN proposal_id uuid`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE pool_entries DROP COLUMN proposal_id`.execute(db);
  for (const table of [
    'coop_proposal_payments', 'coop_proxies', 'coop_ballots', 'coop_electorate', 'coop_proposals', 'coop_allocations',
    'coop_declarations', 'coop_withdrawals', 'coop_applications', 'coop_share_movements', 'coop_members', 'coops',
  ]) {
    await sql`DROP TABLE ${sql.table(table)}`.execute(db);
  }
}
