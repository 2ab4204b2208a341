import { sql, type Kysely } from 'kysely';

// A pool payment's three dates, as an auditor asks for them: the invoice's own date, the day its
// approvals were completed, and the day the money left the account (the ledger's date). Payments
// paid before these were kept were paid on the day of their last approval, which is the day
// their ledger entry carries; they had no invoice date. Listed by date, newest first, a page at a
// time: the index serves that order.
export async function up(db: Kysely<any>): Promise<void> {
  // And the payee, when they are a person of the network: they are not asked to approve it.
  await sql`ALTER TABLE pool_payments ADD COLUMN invoice_date text, ADD COLUMN approved_on text, ADD COLUMN paid_on text, ADD COLUMN payee_id uuid`.execute(db);
  await sql`
    UPDATE pool_payments p SET approved_on = e.entry_date, paid_on = e.entry_date
      FROM pool_entries e
     WHERE p.status = 'paid' AND e.pool_id = p.pool_id AND e.entry_id = p.payment_id`.execute(db);
  await sql`CREATE INDEX pool_payments_by_date ON pool_payments (pool_id, submitted_on DESC, payment_id DESC)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX pool_payments_by_date`.execute(db);
  await sql`ALTER TABLE pool_payments DROP COLUMN invoice_date, DROP COLUMN approved_on, DROP COLUMN paid_on, DROP COLUMN payee_id`.execute(db);
}
