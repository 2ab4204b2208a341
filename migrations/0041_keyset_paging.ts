import { sql, type Kysely } from 'kysely';

// Lists are read a page at a time, each page starting after the sort key of the last row of the
// one before. These indexes serve those orders, so that a page reads its own rows and not every
// row before it.
const indexes = [
  ['timebank_exchanges_by_provider', 'timebank_exchanges (provider_id, occurred_on, position)'],
  ['timebank_exchanges_by_receiver', 'timebank_exchanges (receiver_id, occurred_on, position)'],
  ['timebank_entries_by_position', 'timebank_entries (network_id, holder, position)'],
  ['timebank_posts_by_owner', 'timebank_posts (owner_id, network_id, published_position)'],
  ['timebank_answer_posts_open_by_title', "timebank_answer_posts (network_id, title, post_id) WHERE status = 'open'"],
  ['carebank_entries_by_holder_date', 'carebank_entries (network_id, holder, entry_date, position)'],
  ['carebank_care_by_position', 'carebank_care (network_id, position)'],
  ['pools_by_name', 'pools (network_id, name, pool_id)'],
  ['coop_applications_by_day', 'coop_applications (network_id, applied_on, application_id)'],
  ['coop_proposals_by_day', 'coop_proposals (network_id, made_at, proposal_id)'],
  ['coop_withdrawals_due', 'coop_withdrawals (network_id, due_on, withdrawal_id) WHERE pence > paid_pence'],
  ['vouchers_by_giver_day', 'vouchers (network_id, giver_id, bought_on, voucher_id)'],
  ['vouchers_by_learner_day', 'vouchers (network_id, learner_id, bought_on, voucher_id)'],
  ['vouchers_by_status_day', 'vouchers (network_id, status, bought_on, voucher_id)'],
  ['learning_fund_payments_by_day', 'learning_fund_payments (network_id, submitted_on, payment_id)'],
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, on] of indexes) await sql`CREATE INDEX ${sql.raw(name)} ON ${sql.raw(on)}`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [name] of indexes) await sql`DROP INDEX ${sql.raw(name)}`.execute(db);
}
