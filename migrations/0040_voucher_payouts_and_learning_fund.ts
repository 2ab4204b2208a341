import { sql, type Kysely } from 'kysely';

// Learning vouchers' read tables (projection "vouchers"), for the books: money paid back to givers
// (what a refund or an expiry back to them owed), each with how, its reference and its day; and
// payments out of the learning fund, each with its purpose and who asked for and approved it.
// Each names the pool whose bank account the money went through, if any, as does a voucher's
// payment now: that pool's bank reconciliation shows them beside its own entries.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE vouchers ADD COLUMN paid_through_pool_id uuid`.execute(db);
  await sql`CREATE INDEX vouchers_by_account ON vouchers (paid_through_pool_id) WHERE paid_through_pool_id IS NOT NULL`.execute(db);
  await sql`
    CREATE TABLE voucher_payouts (
      payout_id uuid NOT NULL,
      voucher_id uuid NOT NULL,
      position bigint NOT NULL,
      account_pool_id uuid,
      network_id uuid NOT NULL,
      paid_on text NOT NULL,
      pence bigint NOT NULL,
      method text NOT NULL,
      reference text NOT NULL,
      recorded_by uuid NOT NULL,
      PRIMARY KEY (voucher_id, position)
    )`.execute(db);
  await sql`CREATE INDEX voucher_payouts_by_date ON voucher_payouts (network_id, paid_on)`.execute(db);
  await sql`
    CREATE TABLE learning_fund_payments (
      payment_id uuid PRIMARY KEY,
      network_id uuid NOT NULL,
      pence bigint NOT NULL,
      payee text NOT NULL,
      purpose text NOT NULL,
      submitted_by uuid NOT NULL,
      submitted_on text NOT NULL,
      status text NOT NULL,
      account_pool_id uuid,
      approved_by uuid,
      paid_on text,
      rejection_reason text
    )`.execute(db);
  await sql`CREATE INDEX learning_fund_payments_by_network ON learning_fund_payments (network_id, submitted_on)`.execute(db);
  await sql`CREATE INDEX voucher_payouts_by_account ON voucher_payouts (account_pool_id) WHERE account_pool_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX learning_fund_payments_by_account ON learning_fund_payments (account_pool_id) WHERE account_pool_id IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE learning_fund_payments`.execute(db);
  await sql`DROP TABLE voucher_payouts`.execute(db);
  await sql`ALTER TABLE vouchers DROP COLUMN paid_through_pool_id`.execute(db);
}
