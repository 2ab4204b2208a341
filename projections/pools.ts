// The pools' books: each pool, its entries posted double-entry to its accounts, its payments and
// their approvals, its closed periods, and its bank statement lines with what they are matched to.
import { sql } from 'kysely';
import type { Db } from '../src/db/database.ts';
import type { Projection } from '../src/projections/engine.ts';
import type { RecordedEvent } from '../src/eventstore/port.ts';
import { domainEvents } from '../src/eventstore/events.ts';
import { direction, type EntryKind, type PoolEvent } from '../src/pools/pool.ts';
import { sharedByWords } from '../src/pools/statement.ts';
import type { PaymentEvent } from '../src/pools/payment.ts';
import type { Share } from '../src/pools/apportion.ts';
import { poolEventTypes } from '../src/pools/pool.ts';
import { paymentEventTypes } from '../src/pools/payment.ts';
import { reconciliationEventTypes, type ReconciliationEvent } from '../src/pools/reconciliation.ts';
import { clearText, storedText } from '../src/access/vault.ts';

/** The event as its domain types it: the store checked it against its schema when it was read. */
const checked = <E>(event: RecordedEvent): E => domainEvents<E>([event])[0]!;

/** The account on the other side of the pool's bank account, for each kind of entry. */
export const accountFor: Record<EntryKind, string> = {
  contribution: 'contributions',
  council: 'council income',
  grant: 'grant income',
  payment: 'payments',
  expense: 'pool expenses',
  'bank-charge': 'bank charges',
  refund: 'payments',
  'transfer-in': 'transfers in',
  'transfer-out': 'transfers out',
  reinvestment: 'reinvested',
  'claw-back': 'clawed back',
};

const clear = (text: string) => storedText(clearText(text));

interface Entry {
  poolId: string;
  entryId: string;
  kind: EntryKind;
  on: string;
  /** The entry's amount, unsigned; its direction comes from its kind. */
  pence: number;
  shares: Share[];
  counterparty: string;
  /** As the read table holds it (vault.ts `storedText`): sealed where it may name a holder, clear otherwise. */
  reference: string;
  purpose?: string;
  corrects?: string;
  proposalId?: string;
}

/**
 * An entry and its postings: the bank account moves by the amount; the other side is credited
 * (money in) or debited (money out), split by budget holder where the entry is theirs.
 */
async function post(db: Db, position: number, e: Entry): Promise<void> {
  const signed = direction(e.kind) * e.pence;
  await db
    .insertInto('pool_entries')
    .values({ pool_id: e.poolId, entry_id: e.entryId, position, kind: e.kind, entry_date: e.on, pence: signed, counterparty: e.counterparty, reference: e.reference, purpose: e.purpose ?? '', corrects: e.corrects ?? null, proposal_id: e.proposalId ?? null })
    .execute();
  const other = e.shares.length > 0 ? e.shares : [{ holderId: null, pence: e.pence }];
  const sign = -direction(e.kind);
  await db
    .insertInto('pool_postings')
    .values([
      { pool_id: e.poolId, entry_id: e.entryId, line: 0, account: 'bank', holder_id: null, entry_date: e.on, pence: signed },
      ...other.map((s, i) => ({ pool_id: e.poolId, entry_id: e.entryId, line: i + 1, account: accountFor[e.kind], holder_id: s.holderId, entry_date: e.on, pence: sign * s.pence })),
    ])
    .execute();
}

async function applyPool(db: Db, event: RecordedEvent): Promise<void> {
  const { type, data: d } = checked<PoolEvent>(event);
  const at = event.position;
  switch (type) {
    case 'pools.PoolOpened':
      await db.insertInto('pools').values({ pool_id: d.poolId, network_id: d.networkId, name: d.name, two_approvers_above_pence: d.twoApproversAbovePence }).execute();
      return;
    case 'pools.MoneyReceived':
      return post(db, at, { poolId: d.poolId, entryId: d.receiptId, kind: d.source, on: d.receivedOn, pence: d.pence, shares: d.holderId ? [{ holderId: d.holderId, pence: d.pence }] : [], counterparty: d.source, reference: storedText(d.reference) });
    case 'pools.PaymentMade':
      // The payment's own row (a co-op's voted payment has none) is dated by the day the money left;
      // a pool expense's says whom its rule shared it across.
      await db.updateTable('pool_payments').set({ paid_on: d.paidOn, ...(d.expense ? { beneficiaries: JSON.stringify(d.beneficiaries) } : {}) }).where('payment_id', '=', d.paymentId).execute();
      // A pool's own expense says on the ledger how it was attributed.
      return post(db, at, {
        poolId: d.poolId, entryId: d.paymentId, kind: d.expense ? 'expense' : 'payment', on: d.paidOn, pence: d.pence, shares: d.beneficiaries, counterparty: d.payee, reference: clear(d.invoiceReference),
        purpose: d.expense ? `${d.purpose} (${sharedByWords[d.expense.sharedBy]})` : d.purpose, proposalId: d.proposalId,
      });
    case 'pools.BankCharged':
      return post(db, at, { poolId: d.poolId, entryId: d.chargeId, kind: 'bank-charge', on: d.chargedOn, pence: d.pence, shares: [], counterparty: 'bank', reference: clear(d.description) });
    case 'pools.RefundReceived':
      return post(db, at, { poolId: d.poolId, entryId: d.refundId, kind: 'refund', on: d.receivedOn, pence: d.pence, shares: d.shares, counterparty: 'refund', reference: clear(d.reference), corrects: d.paymentId });
    case 'pools.TransferredOut':
      await db.updateTable('pool_payments').set({ paid_on: d.transferredOn }).where('payment_id', '=', d.transferId).execute();
      return post(db, at, { poolId: d.poolId, entryId: d.transferId, kind: 'transfer-out', on: d.transferredOn, pence: d.pence, shares: [], counterparty: d.toPoolId, reference: clear(d.reference) });
    case 'pools.TransferredIn':
      return post(db, at, { poolId: d.poolId, entryId: d.transferId, kind: 'transfer-in', on: d.transferredOn, pence: d.pence, shares: [], counterparty: d.fromPoolId, reference: clear(d.reference) });
    case 'pools.SurplusReinvested':
      return post(db, at, { poolId: d.poolId, entryId: d.entryId, kind: 'reinvestment', on: d.on, pence: d.pence, shares: [], counterparty: 'community', reference: clear(''), purpose: d.purpose });
    case 'pools.ClawedBack':
      return post(db, at, { poolId: d.poolId, entryId: d.entryId, kind: 'claw-back', on: d.on, pence: d.pence, shares: [{ holderId: d.holderId, pence: d.pence }], counterparty: 'council', reference: storedText(d.reference) });
    case 'pools.EntryCorrected': {
      const corrected = await db.selectFrom('pool_entries').select(['kind', 'counterparty', 'reference']).where('pool_id', '=', d.poolId).where('entry_id', '=', d.corrects).executeTakeFirstOrThrow();
      // A correction of −£5 to a payment is £5 back in: posted as a payment of −£5.
      const kind = corrected.kind as EntryKind;
      await post(db, at, { poolId: d.poolId, entryId: d.correctionId, kind, on: d.correctedOn, pence: d.pence, shares: d.shares, counterparty: corrected.counterparty, reference: corrected.reference, purpose: d.reason, corrects: d.corrects });
      return;
    }
    case 'pools.PeriodClosed':
      await db
        .insertInto('pool_periods')
        .values({ pool_id: d.poolId, period_end: d.periodEnd, closed_by: d.closedBy, closed_on: d.closedOn, balance_pence: d.balancePence, up_to_position: d.digest.upToPosition, digest: d.digest.sha256, digest_version: d.digest.version ?? 1 })
        .execute();
      return;
    case 'pools.PaymentRefused':
      // Nothing left the pool: the payment's own row says it waits again.
      return;
  }
}

async function applyPayment(db: Db, event: RecordedEvent): Promise<void> {
  const e = checked<PaymentEvent>(event);
  switch (e.type) {
    case 'pools.PaymentSubmitted':
    case 'pools.TransferSubmitted': {
      const d = e.data;
      const payment = 'payee' in d ? { kind: 'payment', payee: d.payee, purpose: d.purpose, invoice_reference: d.invoiceReference, to_pool_id: null, beneficiaries: JSON.stringify(d.beneficiaries) } : { kind: 'transfer', payee: '', purpose: d.reason, invoice_reference: '', to_pool_id: d.toPoolId, beneficiaries: '[]' };
      await db
        .insertInto('pool_payments')
        .values({ payment_id: d.paymentId, pool_id: d.poolId, pence: d.pence, submitted_by: d.submittedBy, submitted_on: d.submittedOn, status: 'submitted', approved_by: '[]', invoice_date: 'invoiceDate' in d ? (d.invoiceDate ?? null) : null, payee_id: 'payeeId' in d ? (d.payeeId ?? null) : null, ...payment })
        .execute();
      return;
    }
    case 'pools.PaymentApproved':
      await db
        .updateTable('pool_payments')
        // An approval recorded before its day was kept is dated by when it was recorded.
        .set({ approved_by: sql`approved_by || jsonb_build_array(${e.data.approvedBy}::text)`, ...(e.data.paid ? { status: 'paid', approved_on: e.data.on ?? event.metadata.recordedAt.slice(0, 10) } : {}) })
        .where('payment_id', '=', e.data.paymentId)
        .execute();
      return;
    case 'pools.PaymentApprovalStarted':
      await db.updateTable('pool_payments').set({ status: 'paying' }).where('payment_id', '=', e.data.paymentId).execute();
      return;
    case 'pools.PaymentApprovalRefused':
      await db.updateTable('pool_payments').set({ status: 'submitted' }).where('payment_id', '=', e.data.paymentId).execute();
      return;
    case 'pools.PaymentRejected':
      await db.updateTable('pool_payments').set({ status: 'rejected', rejected_by: e.data.rejectedBy, rejection_reason: e.data.reason }).where('payment_id', '=', e.data.paymentId).execute();
      return;
  }
}

async function applyReconciliation(db: Db, event: RecordedEvent): Promise<void> {
  const e = checked<ReconciliationEvent>(event);
  switch (e.type) {
    case 'pools.BankStatementImported': {
      const d = e.data;
      if (d.lines.length === 0) return;
      await db
        .insertInto('pool_bank_lines')
        .values(d.lines.map((l) => ({ pool_id: d.poolId, line_id: l.lineId, statement_id: d.statementId, line: l.line, line_date: l.on, pence: l.pence, balance_pence: l.balancePence, description: storedText(l.description) })))
        .execute();
      return;
    }
    case 'pools.LinesMatched': {
      const d = e.data;
      await db
        .insertInto('pool_matches')
        .values(d.matches.flatMap((m) => m.entryIds.map((entryId) => ({ pool_id: d.poolId, line_id: m.lineId, entry_id: entryId, how: m.how, matched_by: d.matchedBy }))))
        .execute();
      return;
    }
    case 'pools.MatchRemoved':
      await db.deleteFrom('pool_matches').where('pool_id', '=', e.data.poolId).where('line_id', '=', e.data.lineId).execute();
      return;
  }
}

const paymentTypes = new Set<string>(paymentEventTypes.map((t) => t.type));
const reconciliationTypes = new Set<string>(reconciliationEventTypes.map((t) => t.type));

export const poolsProjection: Projection = {
  name: 'pools',
  tables: ['pools', 'pool_entries', 'pool_postings', 'pool_payments', 'pool_periods', 'pool_bank_lines', 'pool_matches'],
  handles: [...poolEventTypes, ...paymentEventTypes, ...reconciliationEventTypes].map((t) => t.type),
  async apply(db, event) {
    if (paymentTypes.has(event.type)) return applyPayment(db, event);
    if (reconciliationTypes.has(event.type)) return applyReconciliation(db, event);
    return applyPool(db, event);
  },
};
