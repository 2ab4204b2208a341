// The pool's books, read from the projection: the ledger, each budget holder's figures and
// statement, the trial balance, a closed period's statement, and the bank reconciliation. Every
// figure is a sum of postings, so each report agrees with every other by construction, and the
// trial balance's zero is the double entry's own check.
import { shownName } from '../access/person.ts';
import { clearText, storedText } from '../access/vault.ts';
import { voucherMoneyThrough } from '../vouchers/books.ts';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { Rejection } from '../commands/decider.ts';
import { addDays } from '../dates.ts';
import { sharesOfBalance, unattributedOf, type HolderFigures, type Unattributed } from './pool.ts';
import type { PeriodStatement } from './statement.ts';
import { oldestFirst } from './bank-statement.ts';

export interface Pool {
  poolId: string;
  networkId: string;
  name: string;
  balancePence: number;
  twoApproversAbovePence: number;
  closedThrough: string | null;
}

export async function poolOf(db: Db, networkId: string, poolId: string): Promise<Pool> {
  const row = await db
    .selectFrom('pools as p')
    .select((eb) => [
      'p.pool_id',
      'p.network_id',
      'p.name',
      'p.two_approvers_above_pence',
      eb.selectFrom('pool_postings').select(sql<number>`coalesce(sum(pence), 0)::bigint`.as('b')).where('pool_id', '=', poolId).where('account', '=', 'bank').as('balance'),
      eb.selectFrom('pool_periods').select(sql<string | null>`max(period_end)`.as('c')).where('pool_id', '=', poolId).as('closed'),
    ])
    .where('p.pool_id', '=', poolId)
    .where('p.network_id', '=', networkId)
    .executeTakeFirst();
  if (!row) throw new Rejection('pool-not-found', 'There is no such pool in this network.', 404);
  return { poolId, networkId, name: row.name, balancePence: Number(row.balance ?? 0), twoApproversAbovePence: row.two_approvers_above_pence, closedThrough: row.closed ?? null };
}

export interface HolderRow extends HolderFigures {
  holderId: string;
  name: string;
  /** Contributed, less spent on them and clawed back: may be negative when the pool paid for more. */
  unspent: number;
  shareOfBalance: number;
}

/** The line that is no holder's, with the accounts it comes from: money in positive, the pool's costs negative. */
export interface UnattributedLine extends Unattributed {
  accounts: Array<{ account: string; pence: number }>;
}

/** Each budget holder's figures at the end of a day, with their share of the balance then, and the line that is no holder's. */
export async function holdersAsAt(db: Db, poolId: string, asAt: string): Promise<{ balancePence: number; holders: HolderRow[]; unattributed: UnattributedLine }> {
  const { rows } = await sql<{ holder_id: string; name: string | null; erased: boolean | null; contributed: number; spent: number; clawed_back: number }>`
    SELECT p.holder_id, pe.name, pe.erased,
           (-coalesce(sum(p.pence) FILTER (WHERE p.account = 'contributions'), 0))::bigint AS contributed,
           coalesce(sum(p.pence) FILTER (WHERE p.account IN ('payments', 'pool expenses')), 0)::bigint AS spent,
           coalesce(sum(p.pence) FILTER (WHERE p.account = 'clawed back'), 0)::bigint AS clawed_back
      FROM pool_postings p LEFT JOIN people pe ON pe.person_id = p.holder_id
     WHERE p.pool_id = ${poolId} AND p.entry_date <= ${asAt} AND p.holder_id IS NOT NULL
     GROUP BY p.holder_id, pe.name, pe.erased`.execute(db);
  const bank = await db.selectFrom('pool_postings').select(sql<number>`coalesce(sum(pence), 0)::bigint`.as('b')).where('pool_id', '=', poolId).where('account', '=', 'bank').where('entry_date', '<=', asAt).executeTakeFirstOrThrow();
  const noHolders = await db
    .selectFrom('pool_postings')
    .select(['account', sql<number>`sum(pence)::bigint`.as('net')])
    .where('pool_id', '=', poolId)
    .where('account', '!=', 'bank')
    .where('holder_id', 'is', null)
    .where('entry_date', '<=', asAt)
    .groupBy('account')
    .orderBy('account')
    .execute();
  const holders = rows;
  const figures = new Map(holders.map((r) => [r.holder_id, { contributed: Number(r.contributed), spent: Number(r.spent), clawedBack: Number(r.clawed_back) }]));
  const shares = sharesOfBalance({ balance: Number(bank.b), holders: figures });
  // Credits are money in: shown from the pool's side, money in positive.
  const accounts = noHolders.map((r) => ({ account: r.account, pence: -Number(r.net) })).filter((a) => a.pence !== 0);
  return {
    balancePence: Number(bank.b),
    unattributed: { ...unattributedOf({ balance: Number(bank.b), holders: figures }), accounts },
    holders: holders
      .map((r) => {
        const f = figures.get(r.holder_id)!;
        return { holderId: r.holder_id, name: holderName(r), ...f, unspent: f.contributed - f.spent - f.clawedBack, shareOfBalance: shares.get(r.holder_id) ?? 0 };
      })
      .sort((a, b) => a.name.localeCompare(b.name, 'en-GB') || a.holderId.localeCompare(b.holderId)),
  };
}

/** A person's name as the books show it: erased people, and people never registered, are not named. */
export const holderName = (r: { name: string | null; erased: boolean | null }) => shownName(r.name, r.erased);

export interface LedgerLine {
  entryId: string;
  date: string;
  kind: string;
  counterparty: string;
  reference: string;
  purpose: string;
  corrects: string | null;
  /** The co-op proposal whose vote authorised a payment. */
  proposalId: string | null;
  pence: number;
  balance: number;
}

/** The ledger between two days inclusive, with the running balance, and the balance brought forward. */
export async function ledger(db: Db, poolId: string, from: string, to: string): Promise<{ opening: number; lines: LedgerLine[] }> {
  const [opening, rows] = await Promise.all([
    db.selectFrom('pool_entries').select(sql<number>`coalesce(sum(pence), 0)::bigint`.as('b')).where('pool_id', '=', poolId).where('entry_date', '<', from).executeTakeFirstOrThrow(),
    db
      .selectFrom('pool_entries')
      .select(['entry_id', 'entry_date', 'kind', 'counterparty', 'reference', 'purpose', 'corrects', 'proposal_id', 'pence'])
      .where('pool_id', '=', poolId)
      .where('entry_date', '>=', from)
      .where('entry_date', '<=', to)
      .orderBy('entry_date')
      .orderBy('position')
      .execute(),
  ]);
  let balance = Number(opening.b);
  const lines = rows.map((r) => {
    balance += Number(r.pence);
    return { entryId: r.entry_id, date: r.entry_date, kind: r.kind, counterparty: r.counterparty, reference: r.reference, purpose: r.purpose, corrects: r.corrects, proposalId: r.proposal_id, pence: Number(r.pence), balance };
  });
  return { opening: Number(opening.b), lines };
}

export interface TrialBalanceLine {
  account: string;
  debit: number;
  credit: number;
}

/** Every account's balance at the end of a day, as debits and credits; the two columns agree. */
export async function trialBalance(db: Db, poolId: string, asAt: string): Promise<TrialBalanceLine[]> {
  const rows = await db
    .selectFrom('pool_postings')
    .select(['account', sql<number>`sum(pence)::bigint`.as('net')])
    .where('pool_id', '=', poolId)
    .where('entry_date', '<=', asAt)
    .groupBy('account')
    .orderBy('account')
    .execute();
  return rows.map((r) => ({ account: r.account, debit: Math.max(0, Number(r.net)), credit: Math.max(0, -Number(r.net)) }));
}

export interface StatementLine {
  date: string;
  kind: string;
  payee: string;
  purpose: string;
  reference: string;
  /** Into the pool for this holder (+), spent on them (−), clawed back (−). */
  pence: number;
}

export interface HolderStatement {
  pool: Pool;
  holder: { holderId: string; name: string };
  from: string;
  to: string;
  opening: HolderRow | null;
  lines: StatementLine[];
  closing: HolderRow | null;
  /** The pool's balance at the statement's end, of which the holder's share is in `closing`. */
  poolBalancePence: number;
  /** What of that balance is no holder's (council and grant money less the pool's own costs). */
  poolUnattributedPence: number;
}

/** A budget holder's Direct Payment statement: what they put in, what was spent on them, and for what. */
export async function holderStatement(db: Db, pool: Pool, holderId: string, from: string, to: string): Promise<HolderStatement> {
  const [before, after, rows, person] = await Promise.all([
    holdersAsAt(db, pool.poolId, addDays(from, -1)),
    holdersAsAt(db, pool.poolId, to),
    db
      .selectFrom('pool_postings as p')
      .innerJoin('pool_entries as e', (j) => j.onRef('e.pool_id', '=', 'p.pool_id').onRef('e.entry_id', '=', 'p.entry_id'))
      .select(['p.entry_date', 'e.kind', 'e.counterparty', 'e.purpose', 'e.reference', 'e.position', 'p.account', 'p.pence'])
      .where('p.pool_id', '=', pool.poolId)
      .where('p.holder_id', '=', holderId)
      .where('p.entry_date', '>=', from)
      .where('p.entry_date', '<=', to)
      .orderBy('p.entry_date')
      .orderBy('e.position')
      .execute(),
    db.selectFrom('people').select(['name', 'erased']).where('person_id', '=', holderId).executeTakeFirst(),
  ]);
  const opening = before.holders.find((h) => h.holderId === holderId) ?? null;
  const closing = after.holders.find((h) => h.holderId === holderId) ?? null;
  if (!closing) throw new Rejection('unknown-holder', 'That person has no money in this pool.', 404, 'holderId');
  return {
    pool,
    holder: { holderId, name: holderName(person ?? { name: null, erased: null }) },
    from,
    to,
    opening,
    // A contribution is credited to the holder; spending and claw-backs are debited: shown from their side.
    lines: rows.map((r) => ({ date: r.entry_date, kind: r.kind, payee: r.counterparty, purpose: r.purpose, reference: r.reference, pence: -Number(r.pence) })),
    closing,
    poolBalancePence: after.balancePence,
    poolUnattributedPence: after.unattributed.pence,
  };
}

/** The pool's balance at the close of each of these days, in order. */
export async function closingBalances(db: Db, poolId: string, days: string[]): Promise<Array<{ date: string; pence: number }>> {
  const [from, to] = [days[0]!, days.at(-1)!];
  const [opening, net] = await Promise.all([
    db.selectFrom('pool_entries').select(sql<number>`coalesce(sum(pence), 0)::bigint`.as('b')).where('pool_id', '=', poolId).where('entry_date', '<', from).executeTakeFirstOrThrow(),
    db.selectFrom('pool_entries').select(['entry_date', sql<number>`sum(pence)::bigint`.as('net')]).where('pool_id', '=', poolId).where('entry_date', '>=', from).where('entry_date', '<=', to).groupBy('entry_date').orderBy('entry_date').execute(),
  ]);
  let balance = Number(opening.b);
  let next = 0;
  return days.map((date) => {
    for (; next < net.length && net[next]!.entry_date <= date; next++) balance += Number(net[next]!.net);
    return { date, pence: balance };
  });
}

export interface PaymentRow {
  paymentId: string;
  kind: 'payment' | 'transfer';
  payee: string;
  purpose: string;
  invoiceReference: string;
  toPoolId: string | null;
  pence: number;
  beneficiaries: Array<{ holderId: string; pence: number }>;
  submittedBy: string;
  submittedOn: string;
  /** The date on the invoice, where it was given. */
  invoiceDate: string | null;
  /** The day its approvals were completed, once they were. */
  approvedOn: string | null;
  /** The day the money left the account, once it did: its ledger entry's date. */
  paidOn: string | null;
  status: string;
  approvedBy: string[];
  rejectionReason: string | null;
}

/** Where a page of payments ends: the next page starts after it. */
export interface PaymentsCursor {
  submittedOn: string;
  paymentId: string;
}

/**
 * The pool's payments and transfers by date, newest submitted first (and, on one day, by id, so
 * that the order never changes between pages); or the one asked for. With `limit`, a page of them
 * after `after`.
 */
export async function paymentsOf(db: Db, poolId: string, only: { status?: string; paymentId?: string; limit?: number; after?: PaymentsCursor } = {}): Promise<PaymentRow[]> {
  let query = db.selectFrom('pool_payments').selectAll().where('pool_id', '=', poolId);
  if (only.status) query = query.where('status', '=', only.status);
  if (only.paymentId) query = query.where('payment_id', '=', only.paymentId);
  if (only.after) {
    const { submittedOn, paymentId } = only.after;
    query = query.where((eb) => eb.or([eb('submitted_on', '<', submittedOn), eb.and([eb('submitted_on', '=', submittedOn), eb('payment_id', '<', paymentId)])]));
  }
  if (only.limit !== undefined) query = query.limit(only.limit);
  const rows = await query.orderBy('submitted_on', 'desc').orderBy('payment_id', 'desc').execute();
  return rows.map((r) => ({
    paymentId: r.payment_id, kind: r.kind as 'payment' | 'transfer', payee: r.payee, purpose: r.purpose, invoiceReference: r.invoice_reference, toPoolId: r.to_pool_id,
    pence: r.pence, beneficiaries: r.beneficiaries, submittedBy: r.submitted_by, submittedOn: r.submitted_on,
    invoiceDate: r.invoice_date, approvedOn: r.approved_on, paidOn: r.paid_on,
    status: r.status, approvedBy: r.approved_by, rejectionReason: r.rejection_reason,
  }));
}

export interface ClosedPeriod {
  periodEnd: string;
  closedOn: string;
  closedBy: string;
  balancePence: number;
  digest: string;
  upToPosition: number;
  /** 2: the head of the chain of hashes writers keep; 1: over PostgreSQL's own chain. */
  digestVersion: number;
}

/** The pool's closed periods, oldest first (or the latest `last`, newest first). */
export async function closedPeriods(db: Db, poolId: string, last?: number): Promise<ClosedPeriod[]> {
  let query = db.selectFrom('pool_periods').selectAll().where('pool_id', '=', poolId);
  query = last === undefined ? query.orderBy('period_end') : query.orderBy('period_end', 'desc').limit(last);
  const rows = await query.execute();
  return rows.map((r) => ({ periodEnd: r.period_end, closedOn: r.closed_on, closedBy: r.closed_by, balancePence: r.balance_pence, digest: r.digest, upToPosition: r.up_to_position, digestVersion: r.digest_version }));
}

/** A closed period's statement: its entries, balances brought and carried forward, each holder's figures at its end. */
export async function periodStatement(db: Db, pool: Pool, periodEnd: string): Promise<PeriodStatement> {
  const periods = await closedPeriods(db, pool.poolId);
  const index = periods.findIndex((p) => p.periodEnd === periodEnd);
  if (index < 0) throw new Rejection('period-not-found', 'No period of this pool was closed on that date.', 404, 'periodEnd');
  const closed = periods[index]!;
  const from = index === 0 ? '0001-01-01' : addDays(periods[index - 1]!.periodEnd, 1);
  const [{ opening, lines }, { holders, unattributed }, closer] = await Promise.all([
    ledger(db, pool.poolId, from, periodEnd),
    holdersAsAt(db, pool.poolId, periodEnd),
    db.selectFrom('people').select(['name', 'erased']).where('person_id', '=', closed.closedBy).executeTakeFirst(),
  ]);
  return {
    pool,
    from: index === 0 ? (lines[0]?.date ?? periodEnd) : from,
    to: periodEnd,
    closedOn: closed.closedOn,
    closedBy: shownName(closer?.name, closer?.erased),
    opening,
    closing: lines.at(-1)?.balance ?? opening,
    lines,
    holders,
    unattributed,
    digest: { upToPosition: closed.upToPosition, sha256: closed.digest },
  };
}

export interface BankLineRow {
  lineId: string;
  statementId: string;
  line: number;
  date: string;
  /** Sealed under the statement's key. */
  sealedDescription: string;
  pence: number;
  balancePence: number | null;
}

/** The pool's bank lines, each line's matched entries, and its entries as the bank would show them. */
export async function reconciliationRows(db: Db, poolId: string) {
  const [lines, matches, entries, vouchers] = await Promise.all([
    db.selectFrom('pool_bank_lines').selectAll().where('pool_id', '=', poolId).orderBy('line_date').orderBy('statement_id').orderBy('line').execute(),
    db.selectFrom('pool_matches').selectAll().where('pool_id', '=', poolId).execute(),
    // An entry as the bank would show it: with its corrections. A correction is posted as an
    // entry of the kind it corrects, pointing at it; a refund points at its payment, of
    // another kind, and is an entry of its own (whose own corrections are folded into it).
    db
      .selectFrom('pool_entries as e')
      .select((eb) => [
        'e.entry_id', 'e.entry_date', 'e.kind', 'e.counterparty', 'e.reference',
        eb.fn<number>('coalesce', [eb.selectFrom('pool_entries as c').select((c) => c.fn.sum<number>('c.pence').as('s')).whereRef('c.corrects', '=', 'e.entry_id').whereRef('c.kind', '=', 'e.kind').where('c.pool_id', '=', poolId), eb.lit(0)]).as('corrected'),
        'e.pence',
      ])
      .where('e.pool_id', '=', poolId)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('pool_entries as t').select('t.entry_id').whereRef('t.entry_id', '=', 'e.corrects').whereRef('t.kind', '=', 'e.kind').where('t.pool_id', '=', poolId))))
      .orderBy('e.entry_date').orderBy('e.position')
      .execute(),
    // Learning vouchers' money through the pool's bank account: not the pool's, but on its statement.
    voucherMoneyThrough(db, poolId),
  ]);
  const byLine = new Map<string, { entryIds: string[]; how: string }>();
  for (const m of matches) byLine.set(m.line_id, { entryIds: [...(byLine.get(m.line_id)?.entryIds ?? []), m.entry_id], how: m.how });
  const matchedEntries = new Set(matches.map((m) => m.entry_id));
  const { ordered, closing } = inBankOrder(lines);
  return {
    closing,
    lines: ordered.map((l): BankLineRow & { match: { entryIds: string[]; how: string } | null } => ({
      lineId: l.line_id, statementId: l.statement_id, line: l.line, date: l.line_date, sealedDescription: l.description, pence: l.pence, balancePence: l.balance_pence, match: byLine.get(l.line_id) ?? null,
    })),
    unmatchedEntries: entries
      .filter((e) => !matchedEntries.has(e.entry_id))
      .map((e) => ({ entryId: e.entry_id, date: e.entry_date, kind: e.kind, counterparty: e.counterparty, reference: e.reference, pence: Number(e.pence) + Number(e.corrected) }))
      .concat(vouchers.filter((v) => !matchedEntries.has(v.entryId)).map(({ entryId, date, kind, counterparty, reference, pence }) => ({ entryId, date, kind, counterparty, reference: storedText(clearText(reference)), pence })))
      .sort((a, b) => a.date.localeCompare(b.date)),
  };
}

interface StoredLine {
  line_id: string;
  statement_id: string;
  line: number;
  line_date: string;
  pence: number;
  balance_pence: number | null;
}

/**
 * The stored lines in the order the money moved: each statement's lines as its bank printed them
 * (newest first or oldest first, whichever it wrote), then by date across statements. The bank's
 * closing balance is the last balance of the statement that ends latest, in that statement's own
 * order: a newest-first statement closes on its first line, not on the last line of its last day.
 */
export function inBankOrder<L extends StoredLine>(lines: readonly L[]): { ordered: L[]; closing: { on: string; pence: number; statementId: string } | null } {
  const statements = new Map<string, L[]>();
  for (const l of lines) statements.set(l.statement_id, [...(statements.get(l.statement_id) ?? []), l]);
  const rank = new Map<string, number>();
  let closing: { on: string; pence: number; statementId: string } | null = null;
  for (const [statementId, printed] of statements) {
    const order = oldestFirst(
      [...printed].sort((a, b) => a.line - b.line).map((l) => ({ row: l, on: l.line_date, pence: Number(l.pence), balancePence: l.balance_pence === null ? null : Number(l.balance_pence) })),
    );
    order.forEach((l, i) => rank.set(l.row.line_id, i));
    const last = order.filter((l) => l.balancePence !== null).at(-1);
    if (last && (closing === null || order.at(-1)!.on > closing.on)) closing = { on: order.at(-1)!.on, pence: last.balancePence!, statementId };
  }
  const ordered = [...lines].sort(
    (a, b) => a.line_date.localeCompare(b.line_date) || a.statement_id.localeCompare(b.statement_id) || rank.get(a.line_id)! - rank.get(b.line_id)!,
  );
  return { ordered, closing };
}
