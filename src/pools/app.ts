// Pooled personal budgets, the application: every use case of a pool as one function of its
// dependencies, the caller and the input. The route has already let in only the roles it names
// (a coordinator opens a pool, a treasurer keeps its books, a treasurer or the board approves);
// what is decided here is the rest: who is a holder of this network, who may see which statement,
// the ids a command makes, the day it happens on (from the one clock), and which stream If-Match
// names. Routes parse, call and map; pages and the CLI go through the routes.
import { sql } from 'kysely';
import { v5 as uuidv5 } from 'uuid';
import type { z } from 'zod';
import { contextOf, type Caller, type Deps } from '../access/caller.ts';
import { membershipOf, requireActiveMembers } from '../access/guard.ts';
import { brokenChains, hashesUpTo } from '../audit/chain.ts';
import { recordDigest } from '../audit/app.ts';
import { checkHashes, EMPTY_LOG, headOf } from '../audit/log-hashes.ts';
import { logPointAt } from '../audit/log-digests.ts';
import { todayOn } from '../clock.ts';
import { readStates, type Decision, type Reads } from '../commands/decide.ts';
import { Rejection } from '../commands/decider.ts';
import { addDays, addMonths } from '../dates.ts';
import { domainEvents } from '../eventstore/events.ts';
import { readStatement, StatementError, type BankLine } from './bank-statement.ts';
import {
  closedPeriods, closingBalances, holdersAsAt, type ClosedPeriod, holderStatement, ledger, paymentsOf, periodStatement, poolOf, reconciliationRows, trialBalance, type PaymentRow, type PaymentsCursor, type Pool,
} from './books.ts';
import { approvePayment, onPool, onReconciliation, rejectPayment, submitPayment, submitTransfer } from './commands.ts';
import { paymentStream, type PaymentSubmitted, type TransferSubmitted } from './payment.ts';
import { poolDecider, poolStream, type BankCharged, type EntryCorrected, type MoneyReceived, type RefundReceived } from './pool.ts';
import { ERASED_TEXT, type SealedText } from '../access/vault.ts';
import { bankAgainstBooks, decideAutoMatch, decideImport, decideManualMatch, decideUnmatch, reconciliationStream, type ReconciliationEvent } from './reconciliation.ts';
import type { LedgerEntry } from './matching.ts';
import { voucherMoneyThrough } from '../vouchers/books.ts';
import { keyset, pageFrom, type Page, type Paged } from '../db/keyset.ts';

/** Where a command or a read is: a pool of a network. */
export interface InPool {
  networkId: string;
  poolId: string;
}

/** What a write answers: the revision of the stream of the resource it names (its ETag), and the position written. */
export interface Written {
  revision: number;
  position: number;
}

/** The roles that keep a pool's books, and so may read all of them. */
export const bookKeepers = ['coordinator', 'treasurer', 'board'] as const;

const written = <R extends Reads>(done: Decision<R>, resource: keyof R): Written => ({ revision: done.revisions[resource], position: done.position });
const approver = (caller: Caller) => ({ personId: caller.personId, isCoordinator: false });

/** The revision a stream is at now (-1 when it has none): the ETag of the resource it holds. */
async function revisionOf(deps: Deps, streamId: string): Promise<number> {
  const [last] = await deps.store.readStream(streamId, { direction: 'backwards', maxCount: 1 });
  return last?.revision ?? -1;
}

// ---- Commands ---------------------------------------------------------------------------------

export async function openPool(deps: Deps, caller: Caller, input: { networkId: string; name: string; twoApproversAbovePence: number }): Promise<Written & { poolId: string }> {
  const poolId = uuidv5('pool', caller.commandId);
  const done = await onPool(deps.store, poolId, { type: 'OpenPool', poolId, ...input }, contextOf(deps, caller));
  return { poolId, ...written(done, 'pool') };
}

type Receipt = Omit<z.infer<typeof MoneyReceived.schema>, 'poolId' | 'receiptId' | 'reference'> & { reference: string };

/** Money in. A contribution is a budget holder's, and a holder is an active member of the network. */
export async function receiveMoney(deps: Deps, caller: Caller, { networkId, poolId, ...receipt }: InPool & Receipt): Promise<Written & { receiptId: string }> {
  if (receipt.holderId) await requireActiveMembers(deps.store, networkId, [[receipt.holderId, 'holderId']]);
  const receiptId = uuidv5('receipt', caller.commandId);
  // Council or grant income names no holder: its reference is sealed all the same, under a key nobody's erasure destroys.
  const reference = await deps.vault.sealText(receipt.reference, receipt.holderId ? [receipt.holderId] : []);
  const done = await deps.vault.recording([reference], () =>
    onPool(deps.store, poolId, { type: 'ReceiveMoney', networkId, receiptId, ...receipt, reference, today: todayOn(deps.clock) }, contextOf(deps, caller), caller.ifMatch),
  );
  return { receiptId, ...written(done, 'pool') };
}

type Refund = Omit<z.infer<typeof RefundReceived.schema>, 'poolId' | 'refundId' | 'shares'>;

export async function receiveRefund(deps: Deps, caller: Caller, { networkId, poolId, ...refund }: InPool & Refund): Promise<Written & { refundId: string }> {
  const refundId = uuidv5('refund', caller.commandId);
  const done = await onPool(deps.store, poolId, { type: 'ReceiveRefund', networkId, refundId, ...refund, today: todayOn(deps.clock) }, contextOf(deps, caller), caller.ifMatch);
  return { refundId, ...written(done, 'pool') };
}

type Correction = Omit<z.infer<typeof EntryCorrected.schema>, 'poolId' | 'correctionId' | 'shares'>;

export async function correctEntry(deps: Deps, caller: Caller, { networkId, poolId, ...correction }: InPool & Correction): Promise<Written & { correctionId: string }> {
  const correctionId = uuidv5('correction', caller.commandId);
  const done = await onPool(deps.store, poolId, { type: 'CorrectEntry', networkId, correctionId, ...correction, today: todayOn(deps.clock) }, contextOf(deps, caller), caller.ifMatch);
  return { correctionId, ...written(done, 'pool') };
}

type Charge = Omit<z.infer<typeof BankCharged.schema>, 'poolId' | 'chargeId'>;

/** The bank's charge on the pool's account: the pool's own cost, named by the bank's description. */
export async function recordBankCharge(deps: Deps, caller: Caller, { networkId, poolId, ...charge }: InPool & Charge): Promise<Written & { chargeId: string }> {
  const chargeId = uuidv5('bank charge', caller.commandId);
  const done = await onPool(deps.store, poolId, { type: 'RecordBankCharge', networkId, chargeId, ...charge, today: todayOn(deps.clock) }, contextOf(deps, caller), caller.ifMatch);
  return { chargeId, ...written(done, 'pool') };
}

export interface PeriodEnd {
  periodEnd: string;
  reinvest: { pence: number; purpose: string } | null;
  clawBacks: Array<{ holderId: string; pence: number; reference: string }>;
}

/** Closes the books to a day, sealed with a digest of the whole log as it stands now. */
export async function closePeriod(deps: Deps, caller: Caller, { networkId, poolId, periodEnd, reinvest, clawBacks }: InPool & PeriodEnd): Promise<Written & { periodEnd: string; digest: string }> {
  const upToPosition = await deps.store.headPosition();
  const at = await logPointAt({ store: deps.store, db: deps.database.db }, upToPosition);
  const digest = { upToPosition, sha256: at ? headOf(at) : EMPTY_LOG, version: 2 as const };
  const references = await deps.vault.sealTexts(clawBacks.map((c) => ({ text: c.reference, concerns: [c.holderId] })));
  const done = await deps.vault.recording(references, () => onPool(
    deps.store,
    poolId,
    {
      type: 'ClosePeriod',
      networkId,
      periodEnd,
      closedBy: caller.personId,
      today: todayOn(deps.clock),
      reinvest: reinvest && { entryId: uuidv5('reinvestment', caller.commandId), ...reinvest },
      clawBacks: clawBacks.map((c, i) => ({ entryId: uuidv5(`claw-back ${c.holderId}`, caller.commandId), ...c, reference: references[i]! })),
      digest,
    },
    contextOf(deps, caller),
    caller.ifMatch,
  ));
  // Signed too, with the close in it: the period's own digest is in the database alone, where whoever can change the log can change it.
  await recordDigest(deps);
  return { periodEnd, digest: digest.sha256, ...written(done, 'pool') };
}

type Payment = Omit<z.infer<typeof PaymentSubmitted.schema>, 'paymentId' | 'poolId' | 'submittedBy'>;

/** A payment to a provider, for budget holders of this network; whoever submits it is on record, and may not approve it. */
export async function submitPaymentFor(deps: Deps, caller: Caller, { networkId, poolId, ...payment }: InPool & Payment): Promise<Written & { paymentId: string }> {
  await requireActiveMembers(deps.store, networkId, [
    ...payment.beneficiaries.map((b, i): [string, string] => [b.holderId, `beneficiaries/${i}/holderId`]),
    ...(payment.payeeId ? [[payment.payeeId, 'payeeId'] as [string, string]] : []),
  ]);
  const paymentId = uuidv5('payment', caller.commandId);
  const done = await submitPayment(deps.store, networkId, { paymentId, poolId, submittedBy: caller.personId, ...payment }, todayOn(deps.clock), contextOf(deps, caller));
  return { paymentId, ...written(done, 'payment') };
}

type Transfer = Omit<z.infer<typeof TransferSubmitted.schema>, 'paymentId' | 'poolId' | 'submittedBy'>;

export async function submitTransferFor(deps: Deps, caller: Caller, { networkId, poolId, ...transfer }: InPool & Transfer): Promise<Written & { paymentId: string }> {
  const paymentId = uuidv5('transfer', caller.commandId);
  const done = await submitTransfer(deps.store, networkId, { paymentId, poolId, submittedBy: caller.personId, ...transfer }, todayOn(deps.clock), contextOf(deps, caller));
  return { paymentId, ...written(done, 'payment') };
}

/**
 * An approval: never by whoever submitted the payment, benefits from it or is paid by it; two
 * people above the pool's threshold. The one that completes them may say the day the money left
 * the account (`paidOn`, today when left out): the ledger is dated by it. If-Match names the payment.
 */
export async function approve(deps: Deps, caller: Caller, { networkId, poolId, paymentId, paidOn }: InPool & { paymentId: string; paidOn?: string | undefined }): Promise<Written> {
  return approvePayment(deps, networkId, poolId, paymentId, approver(caller), todayOn(deps.clock), contextOf(deps, caller), caller.ifMatch, paidOn);
}

/** Payments whose completing approval is under way, as the read table has them. */
export async function unfinishedPayments(deps: Pick<Deps, 'database'>): Promise<string[]> {
  // Written out, so that the partial index on exactly this status serves it.
  const rows = await deps.database.db.selectFrom('pool_payments').select('payment_id').where(sql<boolean>`status = 'paying'`).execute();
  return rows.map((r) => r.payment_id);
}

/** A rejection, saying why. If-Match names the payment. */
export async function reject(deps: Deps, caller: Caller, { networkId, poolId, paymentId, reason }: InPool & { paymentId: string; reason: string }): Promise<Written> {
  const done = await rejectPayment(deps.store, networkId, poolId, paymentId, approver(caller), reason, contextOf(deps, caller), caller.ifMatch);
  return written(done, 'payment');
}

// ---- Reconciliation ----------------------------------------------------------------------------

const count = <T extends ReconciliationEvent['type']>(events: ReconciliationEvent[] | undefined, type: T, of: (e: Extract<ReconciliationEvent, { type: T }>) => number) =>
  (events ?? []).filter((e): e is Extract<ReconciliationEvent, { type: T }> => e.type === type).reduce((n, e) => n + of(e), 0);

/**
 * A bank statement's CSV, read whole first: a line Hearth cannot read refuses the file, naming the
 * line. Lines not seen before are recorded, each description (they name people) sealed under a
 * key of its own, and matched where nothing is in doubt.
 */
export async function importBankStatement(deps: Deps, caller: Caller, { networkId, poolId, csv }: InPool & { csv: string }) {
  const statement = readOrRefuse(csv);
  const statementId = uuidv5('bank statement', caller.commandId);
  const descriptions = await deps.vault.sealTexts(statement.lines.map((l) => ({ text: l.description, concerns: [] })));
  const sealed = new Map(statement.lines.map((l, i) => [l.lineId, descriptions[i]!] as const));
  const [references, vouchers] = await Promise.all([openedReferences(deps, poolId), voucherEntries(deps, poolId)]);
  const done = await deps.vault.recording(descriptions, () =>
    onReconciliation(
      deps.store,
      networkId,
      poolId,
      (state, entries) => decideImport(state, { poolId, statementId, layout: statement.layout, importedBy: caller.personId, lines: statement.lines, sealed }, entries),
      contextOf(deps, caller),
      caller.ifMatch,
      references,
      vouchers,
    ),
  );
  const events = done.events.reconciliation;
  // Lines imported before keep the description they were recorded with: the keys made for them again go.
  const recorded = new Set((events ?? []).flatMap((e) => (e.type === 'pools.BankStatementImported' ? e.data.lines.map((l) => l.lineId) : [])));
  if (!done.replayed) await deps.vault.discardTexts(statement.lines.filter((l) => !recorded.has(l.lineId)).map((l) => sealed.get(l.lineId)));
  await concernMatchedLines(deps, poolId, events);
  return {
    statementId,
    layout: statement.layout,
    lines: statement.lines.length,
    imported: count(events, 'pools.BankStatementImported', (e) => e.data.lines.length),
    matched: count(events, 'pools.LinesMatched', (e) => e.data.matches.length),
    ...written(done, 'reconciliation'),
  };
}

/**
 * Learning vouchers' money through the pool's bank account, as ledger entries to match: read from
 * the vouchers' read tables, so money recorded a moment ago may be matched by the next run.
 */
async function voucherEntries(deps: Deps, poolId: string): Promise<LedgerEntry[]> {
  return (await voucherMoneyThrough(deps.database.db, poolId)).map((m) => ({ entryId: m.entryId, on: m.date, pence: m.pence, reference: m.reference }));
}

/** Each entry's reference, opened for matching: one vault read for the whole pool. */
async function openedReferences(deps: Deps, poolId: string): Promise<Map<string, string>> {
  const { pool } = await readStates(deps.store, { pool: [poolStream(poolId), poolDecider] as const });
  if (pool.status !== 'open') return new Map();
  const entries = [...pool.entries];
  const opened = await deps.vault.openTexts(entries.map(([, e]) => e.reference));
  return new Map(entries.map(([entryId], i) => [entryId, opened[i]!]));
}

/**
 * A bank line matched to entries may name the holders they are for (a Direct Payment's payer):
 * its description is linked to them, so that erasing any of them makes it unreadable.
 */
async function concernMatchedLines(deps: Deps, poolId: string, events: ReconciliationEvent[] | undefined): Promise<void> {
  const matches = (events ?? []).flatMap((e) => (e.type === 'pools.LinesMatched' ? e.data.matches : []));
  if (matches.length === 0) return;
  const [history, { pool }] = await Promise.all([
    deps.store.readStream(reconciliationStream(poolId)),
    readStates(deps.store, { pool: [poolStream(poolId), poolDecider] as const }),
  ]);
  if (pool.status !== 'open') return;
  const descriptions = new Map<string, SealedText>();
  for (const e of domainEvents<ReconciliationEvent>(history)) {
    if (e.type === 'pools.BankStatementImported') for (const l of e.data.lines) descriptions.set(l.lineId, l.description);
  }
  for (const m of matches) {
    const description = descriptions.get(m.lineId);
    const holders = m.entryIds.flatMap((id) => pool.entries.get(id)?.shares.map((s) => s.holderId) ?? []);
    if (description && 'textKey' in description && holders.length > 0) await deps.vault.concern(description.textKey, holders);
  }
}

function readOrRefuse(csv: string) {
  try {
    return readStatement(csv);
  } catch (err) {
    if (err instanceof StatementError) throw new Rejection('statement-malformed', `Line ${err.line}: ${err.reason}`, 422, String(err.line));
    throw err;
  }
}

/** Matches again, after new entries were recorded, what amount, date and reference leave no doubt about. */
export async function autoMatch(deps: Deps, caller: Caller, { networkId, poolId }: InPool): Promise<Written & { matched: number }> {
  const [lines, references, vouchers] = await Promise.all([unmatchedLines(deps, poolId), openedReferences(deps, poolId), voucherEntries(deps, poolId)]);
  const done = await onReconciliation(deps.store, networkId, poolId, (state, entries) => decideAutoMatch(state, poolId, caller.personId, lines, entries), contextOf(deps, caller), caller.ifMatch, references, vouchers);
  await concernMatchedLines(deps, poolId, done.events.reconciliation);
  return { matched: count(done.events.reconciliation, 'pools.LinesMatched', (e) => e.data.matches.length), ...written(done, 'reconciliation') };
}

export async function matchLine(deps: Deps, caller: Caller, { networkId, poolId, lineId, entryIds }: InPool & { lineId: string; entryIds: string[] }): Promise<Written> {
  const vouchers = await voucherEntries(deps, poolId);
  const done = await onReconciliation(deps.store, networkId, poolId, (state, entries) => decideManualMatch(state, poolId, caller.personId, lineId, entryIds, entries), contextOf(deps, caller), caller.ifMatch, undefined, vouchers);
  await concernMatchedLines(deps, poolId, done.events.reconciliation);
  return written(done, 'reconciliation');
}

export async function unmatchLine(deps: Deps, caller: Caller, { networkId, poolId, lineId, reason }: InPool & { lineId: string; reason: string }): Promise<Written> {
  const done = await onReconciliation(deps.store, networkId, poolId, (state) => decideUnmatch(state, poolId, caller.personId, lineId, reason), contextOf(deps, caller), caller.ifMatch);
  return written(done, 'reconciliation');
}

/** The unmatched lines of the pool's statements, their descriptions opened for matching. */
async function unmatchedLines(deps: Deps, poolId: string): Promise<BankLine[]> {
  const history = domainEvents<ReconciliationEvent>(await deps.store.readStream(reconciliationStream(poolId)));
  const matched = new Set<string>();
  for (const e of history) {
    if (e.type === 'pools.LinesMatched') for (const m of e.data.matches) matched.add(m.lineId);
    if (e.type === 'pools.MatchRemoved') matched.delete(e.data.lineId);
  }
  const unmatched = history.flatMap((e) => (e.type === 'pools.BankStatementImported' ? e.data.lines.filter((l) => !matched.has(l.lineId)) : []));
  const descriptions = await deps.vault.openTexts(unmatched.map((l) => l.description));
  // A description erased with a person is matched by amount and date alone.
  return unmatched.map((l, i) => ({ ...l, description: descriptions[i] === ERASED_TEXT ? '' : descriptions[i]! }));
}

// ---- Reads -------------------------------------------------------------------------------------
// Every read is of a pool of the path's network: a pool of another network is not found.

/** The network's pools by name, a page at a time. */
export async function listPools(deps: Deps, _caller: Caller, { networkId, page }: { networkId: string; page: Page<readonly [string, string]> }): Promise<Paged<Pool, readonly [string, string]>> {
  const rows = await keyset(deps.database.db.selectFrom('pools').select(['pool_id', 'name']).where('network_id', '=', networkId), ['name', 'pool_id'], 'asc', page).execute();
  const found = pageFrom(rows, page.limit, (r) => [r.name, r.pool_id] as const);
  return { items: await Promise.all(found.items.map((r) => poolOf(deps.database.db, networkId, r.pool_id))), next: found.next };
}

/** A pool and its holders' figures at the end of a day (today when left out); `revision` is its ETag. */
export async function readPool(deps: Deps, _caller: Caller, { networkId, poolId, asAt = todayOn(deps.clock) }: InPool & { asAt?: string | undefined }) {
  const db = deps.database.db;
  const [pool, figures, revision] = await Promise.all([poolOf(db, networkId, poolId), holdersAsAt(db, poolId, asAt), revisionOf(deps, poolStream(poolId))]);
  return { pool, asAt, ...figures, revision };
}

export const MOST_PAYMENTS = 200;

/**
 * A page of the pool's payments and transfers by date, newest first; `next` is where the next
 * page starts (null on the last).
 */
export async function listPayments(
  deps: Deps,
  _caller: Caller,
  { networkId, poolId, status, limit = 50, after }: InPool & { status?: string | undefined; limit?: number | undefined; after?: PaymentsCursor | undefined },
): Promise<{ items: PaymentRow[]; next: PaymentsCursor | null }> {
  await poolOf(deps.database.db, networkId, poolId);
  const rows = await paymentsOf(deps.database.db, poolId, { ...(status ? { status } : {}), ...(after ? { after } : {}), limit: Math.min(limit, MOST_PAYMENTS) + 1 });
  const items = rows.slice(0, Math.min(limit, MOST_PAYMENTS));
  const last = items.at(-1);
  return { items, next: rows.length > items.length && last ? { submittedOn: last.submittedOn, paymentId: last.paymentId } : null };
}

/** One payment or transfer of the pool; `revision` is its ETag, for If-Match on its approval or rejection. */
export async function readPayment(deps: Deps, _caller: Caller, { networkId, poolId, paymentId }: InPool & { paymentId: string }) {
  await poolOf(deps.database.db, networkId, poolId);
  const [[payment], revision] = await Promise.all([paymentsOf(deps.database.db, poolId, { paymentId }), revisionOf(deps, paymentStream(paymentId))]);
  if (!payment) throw new Rejection('payment-not-found', 'There is no such payment in this pool.', 404);
  return { payment, revision };
}

export async function poolLedger(deps: Deps, _caller: Caller, { networkId, poolId, from, to = todayOn(deps.clock) }: InPool & { from: string; to?: string | undefined }) {
  await poolOf(deps.database.db, networkId, poolId);
  const { opening, lines } = await ledger(deps.database.db, poolId, from, to);
  const references = await deps.vault.openTexts(lines.map((l) => l.reference));
  return { from, to, opening, lines: lines.map((l, i) => ({ ...l, reference: references[i]! })) };
}

export async function poolTrialBalance(deps: Deps, _caller: Caller, { networkId, poolId, asAt = todayOn(deps.clock) }: InPool & { asAt?: string | undefined }) {
  await poolOf(deps.database.db, networkId, poolId);
  const [lines, figures] = await Promise.all([trialBalance(deps.database.db, poolId, asAt), holdersAsAt(deps.database.db, poolId, asAt)]);
  // The bank account's balance, split as the pool's figures split it: the holders' shares and the line that is no holder's.
  const holdersPence = figures.holders.reduce((sum, h) => sum + h.shareOfBalance, 0);
  return { asAt, lines, balancePence: figures.balancePence, holdersPence, unattributed: figures.unattributed };
}

/** A budget holder's Direct Payment statement: for the holder themselves, and for those who keep the books. */
export async function directPaymentStatement(deps: Deps, caller: Caller, { networkId, poolId, holderId, from, to }: InPool & { holderId: string; from: string; to: string }) {
  if (caller.personId !== holderId) {
    const membership = await membershipOf(deps.store, networkId, caller.personId);
    const keeps = membership.status === 'active' && membership.roles.some((r) => (bookKeepers as readonly string[]).includes(r));
    if (!keeps) throw new Rejection('forbidden', 'Only the budget holder, or those who keep the books, can see this statement.', 403);
  }
  if (from > to) throw new Rejection('dates-reversed', 'The period must start on or before its end.', 422, 'from');
  const statement = await holderStatement(deps.database.db, await poolOf(deps.database.db, networkId, poolId), holderId, from, to);
  const references = await deps.vault.openTexts(statement.lines.map((l) => l.reference));
  return { ...statement, lines: statement.lines.map((l, i) => ({ ...l, reference: references[i]! })) };
}

export async function listPeriods(deps: Deps, _caller: Caller, { networkId, poolId }: InPool) {
  await poolOf(deps.database.db, networkId, poolId);
  return closedPeriods(deps.database.db, poolId);
}

export async function closedPeriodStatement(deps: Deps, _caller: Caller, { networkId, poolId, periodEnd }: InPool & { periodEnd: string }) {
  const statement = await periodStatement(deps.database.db, await poolOf(deps.database.db, networkId, poolId), periodEnd);
  // A receipt's reference is sealed (it may name its holder): opened here, as the ledger's are.
  const references = await deps.vault.openTexts(statement.lines.map((l) => l.reference));
  return { ...statement, lines: statement.lines.map((l, i) => ({ ...l, reference: references[i]! })) };
}

export const [MOST_DAYS, MOST_MONTHS] = [400, 120];

/**
 * The pool's balance at the close of each day or month of a range, for a chart. Left out, the
 * range is the last 30 days (by day) or the last 12 months to today (by month); a month's point
 * is its last day, or the range's end when that comes first.
 */
export async function balanceChart(deps: Deps, _caller: Caller, { networkId, poolId, by, ...range }: InPool & { by: 'day' | 'month'; from?: string | undefined; to?: string | undefined }) {
  await poolOf(deps.database.db, networkId, poolId);
  const to = range.to ?? todayOn(deps.clock);
  const from = range.from ?? (by === 'day' ? addDays(to, -29) : `${monthsBefore(to, 11)}-01`);
  if (from > to) throw new Rejection('dates-reversed', 'The range must start on or before its end.', 422, 'from');
  const ends = closingDays(by, from, to);
  if (ends.length > (by === 'day' ? MOST_DAYS : MOST_MONTHS)) throw new Rejection('range-too-long', `Ask for at most ${MOST_DAYS} days or ${MOST_MONTHS} months at a time.`, 422, 'from');
  return { by, from, to, points: await closingBalances(deps.database.db, poolId, ends) };
}

/** The ISO month (2026-03) `n` months before the month of `day`. */
const monthsBefore = (day: string, n: number): string => addMonths(day, -n);

/** The days whose closing balance a chart shows: each day, or each month's last day (the range's end for the last). */
function closingDays(by: 'day' | 'month', from: string, to: string): string[] {
  const ends: string[] = [];
  if (by === 'day') {
    // Bounded, so that a range of centuries does not build a list before it is refused.
    for (let d = from; d <= to && ends.length <= MOST_DAYS; d = addDays(d, 1)) ends.push(d);
    return ends;
  }
  for (let month = from.slice(0, 7); ends.length <= MOST_MONTHS; month = monthsBefore(`${month}-01`, -1)) {
    const last = addDays(`${monthsBefore(`${month}-01`, -1)}-01`, -1);
    ends.push(last < to ? last : to);
    if (last >= to) break;
  }
  return ends;
}

/** The reconciliation: matched lines, what is unmatched on either side, descriptions opened; `revision` is its ETag. */
export async function readReconciliation(deps: Deps, _caller: Caller, { networkId, poolId }: InPool) {
  const pool = await poolOf(deps.database.db, networkId, poolId);
  const [{ lines, unmatchedEntries, closing }, revision] = await Promise.all([reconciliationRows(deps.database.db, poolId), revisionOf(deps, reconciliationStream(poolId))]);
  // One vault read for every line and entry on the page.
  const texts = await deps.vault.openTexts([...lines.map((l) => l.sealedDescription), ...unmatchedEntries.map((e) => e.reference)]);
  const [descriptions, references] = [texts.slice(0, lines.length), texts.slice(lines.length)];
  const opened = lines.map(({ sealedDescription: _, ...l }, i) => ({ ...l, description: descriptions[i]! }));
  // The bank's word is its statement's own closing balance; the books' is their balance on that day.
  const first = lines[0];
  const againstBooks = closing && first
    ? bankAgainstBooks({
        closing,
        booksPence: (await closingBalances(deps.database.db, poolId, [closing.on]))[0]!.pence,
        broughtForwardPence: first.balancePence === null ? 0 : first.balancePence - first.pence,
        unmatchedLines: lines.filter((l) => l.match === null),
        unmatchedEntries,
      })
    : null;
  return { pool, lines: opened, unmatchedEntries: unmatchedEntries.map((e, i) => ({ ...e, reference: references[i]! })), bankBalancePence: closing?.pence ?? null, againstBooks, revision };
}

/**
 * The latest closed periods with the digest recorded at each, taken again over the log as it
 * stands; with `chains`, every event's hash recomputed too (counts only: a finding may be in
 * another network). A digest taken over PostgreSQL's own chain cannot be taken again once the
 * events are in EventStoreDB.
 */
export async function poolAudit(deps: Deps, _caller: Caller, { networkId, poolId, last, chains }: InPool & { last: number; chains: boolean }) {
  const db = deps.database.db;
  await poolOf(db, networkId, poolId);
  const onPostgres = deps.store.kind !== 'eventstoredb';
  // The digest as the log gives it now: '' where it no longer reaches the position; null where it cannot be taken here.
  const digestOf = async (p: ClosedPeriod): Promise<string | null> => {
    if (p.digestVersion !== 2) return onPostgres ? (await hashesUpTo(db, p.upToPosition)).sha256 : null;
    const at = await logPointAt({ store: deps.store, db }, p.upToPosition);
    return at ? headOf(at) : '';
  };
  const periods = await Promise.all(
    (await closedPeriods(db, poolId, last)).map(async (p) => {
      const now = await digestOf(p);
      return { ...p, digestHolds: now === null ? null : now === p.digest };
    }),
  );
  const found = chains ? await checkHashes(deps.store) : undefined;
  const missingPositions = chains && onPostgres ? (await brokenChains(db)).missingPositions.length : 0;
  return {
    periods,
    chains: found
      ? {
          events: found.events, streams: found.streams, broken: found.broken.length, gaps: found.gaps.length, missingPositions,
          verify: found.broken.length + found.gaps.length + missingPositions === 0,
        }
      : null,
  };
}
