// Row types of every table, for kysely. Projection tables are listed here too: projections
// own them, migrations create them, and a rebuild recreates them beside the live ones.
import type { ColumnType, Generated } from 'kysely';

type Int8 = ColumnType<number, number | bigint, number | bigint>;

export interface EventsTable {
  global_position: Int8;
  stream_id: string;
  stream_revision: Int8;
  event_id: string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: unknown;
  /** Chained to the stream's previous event; set by the database on insert (migrations/0009). */
  hash: ColumnType<Uint8Array, never, never>;
}

export interface StreamsTable {
  stream_id: string;
  revision: Int8;
}

export interface ProjectionCheckpointsTable {
  name: string;
  position: ColumnType<number, number | bigint | undefined, number | bigint>;
  status: ColumnType<'running' | 'failed', 'running' | 'failed' | undefined, 'running' | 'failed'>;
  failed_position: ColumnType<number | null, number | null | undefined, number | null>;
  error: ColumnType<string | null, string | null | undefined, string | null>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** An event a projection set aside, and so the scope (network or stream) it parked. */
export interface ProjectionParkedTable {
  projection: string;
  /** A network's id, or the stream's when the event names no network. */
  scope: string;
  position: Int8;
  event_type: string;
  /** Why it failed, without row values; null for a later event set aside because its scope was parked. */
  error: string | null;
  parked_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface ProjectionLeasesTable {
  name: string;
  /** The worker holding it: host, process id and a random part, so a restarted process is another holder. */
  holder: string;
  expires_at: ColumnType<Date, Date | string, Date | string>;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  fingerprint: string;
  status: number | null;
  body: unknown;
  created_at: Generated<Date>;
}

export interface NetworksTable {
  network_id: string;
  name: string;
  kind: string;
  revision: Int8;
  opened_at: string;
  updated_position: Int8;
  require_dbs_for_safeguarded: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface EventTypeCountsTable {
  type: string;
  count: Int8;
  last_position: Int8;
}

/** A key of one text's own (vault.ts): destroyed when any person the text concerns is erased. */
export interface TextKeysTable {
  key_id: string;
  wrapped_key: Buffer;
  created_at: Generated<Date>;
}

export interface TextKeySubjectsTable {
  key_id: string;
  person_id: string;
}

export interface PersonKeysTable {
  person_id: string;
  /** Null once the person is erased: the row stays as a tombstone. */
  wrapped_key: Buffer | null;
  created_at: Generated<Date>;
  erased_at: Date | null;
}

export interface CredentialsTable {
  person_id: string;
  email_lookup: string;
  password_hash: string;
  updated_at: Generated<Date>;
  /** The Idempotency-Key the account was signed up with, so that erasure forgets its kept answer (migrations/0017). */
  sign_up_key: string | null;
}

/** A way in for a person recorded without an account: the code's hash, used once (migrations/0014). */
export interface ClaimCodesTable {
  code_hash: string;
  person_id: string;
  expires_at: Date;
}

export interface SessionsTable {
  token_hash: string;
  person_id: string;
  kind: 'cookie' | 'bearer';
  csrf_token: string;
  created_at: Generated<Date>;
  expires_at: Date;
}

export interface ThrottleCountsTable {
  key: string;
  window_started_at: Date;
  count: number;
}

export interface KnownSignInAddressesTable {
  account_hash: string;
  address_hash: string;
  last_success_at: Date;
}

export interface PeopleTable {
  person_id: string;
  name: string | null;
  erased: Generated<boolean>;
  has_account: boolean;
  needs_safeguarding: Generated<boolean>;
  registered_at: string;
}

export interface MembershipsTable {
  network_id: string;
  person_id: string;
  status: string;
  roles: string[];
  approved_by: string | null;
  approved_at: string | null;
  dbs_type: string | null;
  dbs_expires_on: string | null;
  /** The member's number in the system the network moved in from. */
  former_member_number: string | null;
  revision: Int8;
}

/** A person's stream naming a network, with what then makes them a member: the joining, until the membership is active. */
export interface MembershipsJoiningTable {
  network_id: string;
  person_id: string;
  position: Int8;
  /** A founder's joining, which opens the network too: kept until the network is open. */
  opens_network: boolean;
}

/** A coordinator marked stepping down, with the membership's change to come: carried on while the membership is at the marked revision. */
export interface CoordinatorsSteppingDownTable {
  network_id: string;
  person_id: string;
  membership_revision: Int8;
  position: Int8;
}

export interface PersonHistoryTable {
  person_id: string;
  position: Int8;
  type: string;
  network_id: string | null;
  actor: string;
  on_behalf_of: string | null;
  recorded_at: string;
}

export interface TimebankAccountsTable {
  network_id: string;
  holder: string;
  balance: number;
  lower_override: number | null;
  upper_override: number | null;
}

export interface TimebankEntriesTable {
  network_id: string;
  holder: string;
  position: Int8;
  entry_date: string;
  minutes: number;
  reason: string;
  ref: string;
  counterparty: string;
  category: string | null;
  description: string | null;
}

export interface PartnershipsTable {
  network_id: string;
  partner_network_id: string;
  status: 'proposed' | 'active' | 'ended';
  proposed_by_network_id: string;
  updated_position: Int8;
}

export interface TimebankPostsTable {
  post_id: string;
  network_id: string;
  kind: 'offer' | 'request';
  owner_id: string;
  title: string;
  /** Sealed (see storedText): opened on read, never searched. */
  description: string;
  category: string;
  tags: string[];
  /** The tags as words, for the search vector. */
  tag_words: string;
  area: string | null;
  suits_note: string;
  weekdays: string[];
  needed_by: string | null;
  status: 'open' | 'paused' | 'arranged' | 'closed';
  open_until: string;
  published_at: ColumnType<Date, string, string>;
  published_position: Int8;
  revision: Int8;
  search: ColumnType<string, never, never>;
}

export interface TimebankPostSharesTable {
  post_id: string;
  /** A partner time bank whose members find the post too. */
  network_id: string;
}

/** A gift to or from the network's own accounts begun and not yet ended (see src/timebank/gift.ts). */
export interface TimebankGiftsInFlightTable {
  gift_id: string;
  network_id: string;
  position: Int8;
}

/** Batches of an import begun on a network's import log and not yet ended. */
export interface TimebankImportsInFlightTable {
  batch_id: string;
  network_id: string;
  position: Int8;
}

/** Hours moved out of a care bank (pledged, given to the pool) not yet seen received. */
export interface CarebankMovesInFlightTable {
  ref: string;
  network_id: string;
  /** The giver, whose bank holds the entry that says what is to be received. */
  holder: string;
  position: Int8;
}

export interface TimebankExchangesTable {
  exchange_id: string;
  network_id: string;
  provider_id: string;
  receiver_id: string;
  receiver_network_id: string | null;
  minutes: number;
  credited: number;
  rate_percent: number;
  category: string;
  description: string;
  occurred_on: string;
  status: string;
  logged_by: string;
  settled_by: string | null;
  position: Int8;
}

export interface CarebankEntriesTable {
  network_id: string;
  holder: string;
  position: Int8;
  entry_date: string;
  minutes: number;
  kind: string;
  ref: string;
  counterparty: string | null;
  rules_version: number | null;
  /** The day the entry was recorded; null for one projected before it was kept (see migration 0039). */
  recorded_on: string | null;
}

/** An erased holder's age band from each day on (migration 0039). */
export interface CarebankAgeBandsTable {
  network_id: string;
  holder: string;
  from_on: string;
  band: string;
  erased_on: string;
}

export interface CarebankCareTable {
  care_id: string;
  network_id: string;
  volunteer_id: string;
  recipient_id: string;
  minutes: number;
  activity: string;
  occurred_on: string;
  logged_by: string;
  status: string;
  settled_by: string | null;
  position: Int8;
}

export interface TimebankAnswerPostsTable {
  post_id: string;
  network_id: string;
  kind: string;
  owner_id: string;
  title: string;
  category: string;
  status: string;
}

export interface TimebankAnswersTable {
  answer_id: string;
  post_id: string;
  network_id: string;
  answerer_id: string;
  answerer_network_id: string;
  owner_id: string;
  status: string;
  answered_at: string;
  last_message_at: string;
  messages: number;
  position: Int8;
}

export interface TimebankAnswerMessagesTable {
  message_id: string;
  answer_id: string;
  from_id: string;
  /** Sealed text as stored (see storedText): opened with the vault when read. */
  message: string;
  sent_at: string;
  position: Int8;
}

export interface TimebankArrangementsTable {
  arrangement_id: string;
  post_id: string;
  network_id: string;
  answer_id: string | null;
  provider_id: string;
  provider_network_id: string;
  receiver_id: string;
  receiver_network_id: string;
  category: string;
  brokered: boolean;
  arranged_by: string;
  arranged_at: string;
  exchange_id: string | null;
  position: Int8;
}

export interface TimebankPostFiguresTable {
  network_id: string;
  month: string;
  category: string;
  offers: number;
  requests: number;
  answers: number;
  arrangements: number;
  exchanges: number;
}

export interface PoolsTable {
  pool_id: string;
  network_id: string;
  name: string;
  two_approvers_above_pence: Int8;
}

export interface PoolEntriesTable {
  pool_id: string;
  entry_id: string;
  position: Int8;
  kind: string;
  entry_date: string;
  pence: Int8;
  counterparty: string;
  reference: string;
  purpose: string;
  corrects: string | null;
  /** The co-op proposal a payment was voted for, when it was. */
  proposal_id: string | null;
}

export interface PoolPostingsTable {
  pool_id: string;
  entry_id: string;
  line: number;
  account: string;
  holder_id: string | null;
  entry_date: string;
  pence: Int8;
}

export interface PoolPaymentsTable {
  payment_id: string;
  pool_id: string;
  kind: string;
  payee: string;
  purpose: string;
  invoice_reference: string;
  to_pool_id: string | null;
  pence: Int8;
  beneficiaries: ColumnType<Array<{ holderId: string; pence: number }>, string, string>;
  submitted_by: string;
  submitted_on: string;
  status: string;
  approved_by: ColumnType<string[], string, string>;
  rejected_by: string | null;
  rejection_reason: string | null;
  /** The invoice's own date, when it was given (migrations/0031). */
  invoice_date: string | null;
  /** The day the approvals were completed. */
  approved_on: string | null;
  /** The day the money left the account: its ledger entry's date. */
  paid_on: string | null;
  /** The payee, when they are a person of the network. */
  payee_id: string | null;
}

export interface PoolPeriodsTable {
  pool_id: string;
  period_end: string;
  closed_by: string;
  closed_on: string;
  balance_pence: Int8;
  up_to_position: Int8;
  digest: string;
  /** 2: the head of the chain writers keep; 1: of PostgreSQL's own chain. */
  digest_version: number;
}

export interface PoolBankLinesTable {
  pool_id: string;
  line_id: string;
  statement_id: string;
  line: number;
  line_date: string;
  pence: Int8;
  balance_pence: Int8 | null;
  description: string;
}

export interface PoolMatchesTable {
  pool_id: string;
  line_id: string;
  entry_id: string;
  how: string;
  matched_by: string | null;
}

export interface VouchersTable {
  voucher_id: string;
  network_id: string;
  giver_id: string;
  learner_id: string;
  value_kind: 'amount' | 'sessions';
  activity: string | null;
  sessions: number | null;
  pence_per_session: Int8 | null;
  price_pence: Int8;
  occasion: string;
  /** Sealed with the giver's key, as in the event. */
  message: string;
  bought_on: string;
  expires_on: string | null;
  at_expiry: string;
  status: string;
  left_pence: Int8;
  left_sessions: number | null;
  paid_on: string | null;
  paid_pence: Int8 | null;
  payment_reference: string | null;
  /** The pool whose bank account the money came in through (migration 0040). */
  paid_through_pool_id: string | null;
}

export interface LearningSessionsTable {
  session_id: string;
  network_id: string;
  mentor_id: string;
  activity: string;
  starts_at: string;
  fee_pence: Int8;
  shares: ColumnType<Array<{ learnerId: string; voucherId: string | null; pence: number }>, string, string>;
  recorded_by: string;
}

export interface VoucherRedemptionsTable {
  voucher_id: string;
  session_id: string;
  network_id: string;
  mentor_id: string;
  activity: string;
  delivered_on: string;
  pence: Int8;
  sessions: number;
}

export interface VoucherRefundsTable {
  voucher_id: string;
  position: Int8;
  network_id: string;
  refunded_on: string;
  pence: Int8;
  reason: string;
  recorded_by: string;
}

/** Money paid back to a giver (migration 0040). */
export interface VoucherPayoutsTable {
  payout_id: string;
  voucher_id: string;
  account_pool_id: string | null;
  position: Int8;
  network_id: string;
  paid_on: string;
  pence: Int8;
  method: string;
  reference: string;
  recorded_by: string;
}

/** A payment out of a network's learning fund, asked for, then approved or rejected (migration 0040). */
export interface LearningFundPaymentsTable {
  payment_id: string;
  network_id: string;
  pence: Int8;
  payee: string;
  purpose: string;
  submitted_by: string;
  submitted_on: string;
  status: string;
  account_pool_id: string | null;
  approved_by: string | null;
  paid_on: string | null;
  rejection_reason: string | null;
}

export interface VoucherExpiriesTable {
  voucher_id: string;
  network_id: string;
  expired_on: string;
  pence: Int8;
  sessions: number;
  disposition: string;
}

export interface CoopsTable {
  network_id: string;
  name: string;
  rules: ColumnType<unknown, string, string>;
  founded_on: string;
  funds_pence: Int8;
  reserves_pence: Int8;
  withdrawals_suspended: boolean;
}

export interface CoopMembersTable {
  network_id: string;
  person_id: string;
  admission: Int8;
  member_class: string;
  admitted_on: string;
  ended_on: string | null;
  end_reason: string | null;
}

export interface CoopShareMovementsTable {
  network_id: string;
  position: Int8;
  line: number;
  person_id: string;
  kind: string;
  record_date: string;
  pence: Int8;
  ref: string | null;
}

export interface CoopApplicationsTable {
  application_id: string;
  network_id: string;
  person_id: string;
  member_class: string;
  pence: Int8;
  status: string;
  applied_on: string;
  issued_on: string | null;
  decline_reason: string | null;
}

export interface CoopWithdrawalsTable {
  withdrawal_id: string;
  network_id: string;
  person_id: string;
  pence: Int8;
  paid_pence: Int8;
  requested_on: string;
  due_on: string;
}

export interface CoopDeclarationsTable {
  declaration_id: string;
  network_id: string;
  position: Int8;
  kind: string;
  rate_basis_points: number | null;
  basis: string | null;
  pence: Int8;
  period_from: string;
  period_to: string;
  paid_on: string;
  declared_by: string;
}

export interface CoopAllocationsTable {
  declaration_id: string;
  person_id: string;
  network_id: string;
  pence: Int8;
  participation: Int8 | null;
}

export interface CoopProposalsTable {
  proposal_id: string;
  network_id: string;
  title: string;
  pence: Int8;
  payee: string;
  purpose: string;
  source_kind: string;
  source_pool_id: string | null;
  closes_at: string;
  quorum_percent: number;
  threshold_percent: number;
  secret: boolean;
  hide_results_until_close: boolean;
  proposed_by: string;
  made_at: string;
  status: string;
  opened_at: string | null;
  closed_at: string | null;
  electorate: number | null;
  ballots: number | null;
  votes_for: number | null;
  votes_against: number | null;
  votes_abstain: number | null;
  quorum_met: boolean | null;
  passed: boolean | null;
}

export interface CoopElectorateTable {
  proposal_id: string;
  person_id: string;
  member_class: string;
  weight: number;
}

export interface CoopBallotsTable {
  proposal_id: string;
  position: Int8;
  voter_id: string;
  cast_by: string;
  cast_at: string;
  /** Null for a secret ballot: its choice is never projected. */
  choice: string | null;
}

export interface CoopProxiesTable {
  proposal_id: string;
  grantor_id: string;
  proxy_id: string;
  document_reference: string;
  recorded_by: string;
  recorded_at: string;
}

/** Learning sessions whose redemption is under way. */
export interface VoucherSessionsInFlightTable {
  session_id: string;
  position: Int8;
}

/** Co-op proposals whose money has left (the funds or a pool) and that are not yet seen paid. */
export interface CoopPaymentsInFlightTable {
  proposal_id: string;
  position: Int8;
}

export interface CoopProposalPaymentsTable {
  proposal_id: string;
  payment_id: string;
  pence: Int8;
  source_kind: string;
  source_pool_id: string | null;
  invoice_reference: string;
  paid_on: string;
  paid_by: string;
}

/** A notification owed to someone, keyed by the event and recipient that cause it (projection `notifications`). */
export interface NotificationOutboxTable {
  notification_id: string;
  event_id: string;
  position: Int8;
  recipient_id: string;
  kind: string;
  network_id: string | null;
  subject_id: string;
  due_at: ColumnType<Date, Date | string, Date | string>;
  expires_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  recorded_at: ColumnType<Date, Date | string, Date | string>;
}

/** Who holds which roles where, as the notifications projection needs to address them. */
export interface NotificationRolesTable {
  network_id: string;
  person_id: string;
  roles: string[];
}

/** A pool's network, a voucher's giver, a proposal's closing time: for addressing notifications. */
export interface NotificationSubjectsTable {
  subject_id: string;
  network_id: string;
  person_id: string | null;
  at: string | null;
}

/** What became of a notification; kept apart from the outbox so that rebuilding it sends nothing again. */
export interface NotificationDeliveriesTable {
  notification_id: string;
  state: 'sending' | 'pending' | 'sent' | 'failed' | 'skipped';
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | string, Date | string>;
  claimed_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  sent_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  last_error: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface PasswordResetsTable {
  reset_id: string;
  person_id: string;
}

export interface Tables {
  vouchers: VouchersTable;
  learning_sessions: LearningSessionsTable;
  voucher_redemptions: VoucherRedemptionsTable;
  voucher_refunds: VoucherRefundsTable;
  voucher_payouts: VoucherPayoutsTable;
  learning_fund_payments: LearningFundPaymentsTable;
  voucher_expiries: VoucherExpiriesTable;
  coops: CoopsTable;
  coop_members: CoopMembersTable;
  coop_share_movements: CoopShareMovementsTable;
  coop_applications: CoopApplicationsTable;
  coop_withdrawals: CoopWithdrawalsTable;
  coop_declarations: CoopDeclarationsTable;
  coop_allocations: CoopAllocationsTable;
  coop_proposals: CoopProposalsTable;
  coop_electorate: CoopElectorateTable;
  coop_ballots: CoopBallotsTable;
  coop_proxies: CoopProxiesTable;
  coop_proposal_payments: CoopProposalPaymentsTable;
  coop_payments_in_flight: CoopPaymentsInFlightTable;
  voucher_sessions_in_flight: VoucherSessionsInFlightTable;
  pools: PoolsTable;
  pool_entries: PoolEntriesTable;
  pool_postings: PoolPostingsTable;
  pool_payments: PoolPaymentsTable;
  pool_periods: PoolPeriodsTable;
  pool_bank_lines: PoolBankLinesTable;
  pool_matches: PoolMatchesTable;
  carebank_entries: CarebankEntriesTable;
  carebank_moves_in_flight: CarebankMovesInFlightTable;
  carebank_age_bands: CarebankAgeBandsTable;
  carebank_care: CarebankCareTable;
  timebank_accounts: TimebankAccountsTable;
  timebank_entries: TimebankEntriesTable;
  timebank_exchanges: TimebankExchangesTable;
  timebank_gifts_in_flight: TimebankGiftsInFlightTable;
  timebank_imports_in_flight: TimebankImportsInFlightTable;
  memberships_joining: MembershipsJoiningTable;
  coordinators_stepping_down: CoordinatorsSteppingDownTable;
  timebank_posts: TimebankPostsTable;
  timebank_post_shares: TimebankPostSharesTable;
  partnerships: PartnershipsTable;
  timebank_answer_posts: TimebankAnswerPostsTable;
  timebank_answers: TimebankAnswersTable;
  timebank_answer_messages: TimebankAnswerMessagesTable;
  timebank_arrangements: TimebankArrangementsTable;
  timebank_post_figures: TimebankPostFiguresTable;
  person_keys: PersonKeysTable;
  text_keys: TextKeysTable;
  text_key_subjects: TextKeySubjectsTable;
  credentials: CredentialsTable;
  claim_codes: ClaimCodesTable;
  sessions: SessionsTable;
  throttle_counts: ThrottleCountsTable;
  known_sign_in_addresses: KnownSignInAddressesTable;
  people: PeopleTable;
  memberships: MembershipsTable;
  person_history: PersonHistoryTable;
  events: EventsTable;
  streams: StreamsTable;
  projection_checkpoints: ProjectionCheckpointsTable;
  projection_leases: ProjectionLeasesTable;
  projection_parked: ProjectionParkedTable;
  idempotency_keys: IdempotencyKeysTable;
  networks: NetworksTable;
  event_type_counts: EventTypeCountsTable;
  notification_outbox: NotificationOutboxTable;
  notification_deliveries: NotificationDeliveriesTable;
  notification_roles: NotificationRolesTable;
  notification_subjects: NotificationSubjectsTable;
  password_resets: PasswordResetsTable;
}
