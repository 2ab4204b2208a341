// The pool's books, read from the projection: the ledger, each budget holder's figures and
// statement, the trial balance, a closed period's statement, and the bank reconciliation. Every
// figure is a sum of postings, so each report agrees with every other by construction, and the
// trial balance's zero is the double entry's own check.
import { shownName } from '../access/person.ts';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { Rejection } from '../commands/decider.ts';
import { addDays } from '../dates.ts';
import { sharesOfBalance, type HolderFigures } from './pool.ts';

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

/** Each budget holder's figures at the end of a day, with their share of the balance then. */
export async function holdersAsAt(db: Db, poolId: string, asAt: string): Promise<{ balancePence: number; holders: HolderRow[] }> {
  const { rows } = await sql<{ holder_id: string; name: string | null; erased: boolean | null; contributed: number; spent: number; clawed_back: number }>`
    SELECT p.holder_id, pe.name, pe.erased,
           (-coalesce(sum(p.pence) FILTER (WHERE p.account = 'contributions'), 0))::bigint AS contributed,
           coalesce(sum(p.pence) FILTER (WHERE p.account = 'payments'), 0)::bigint AS spent,
           coalesce(sum(p.pence) FILTER (WHERE p.account = 'clawed back'), 0)::bigint AS clawed_back
      FROM pool_postings p LEFT JOIN people pe ON pe.person_id = p.holder_id
     WHERE p.pool_id = ${poolId} AND p.entry_date <= ${asAt} AND p.holder_id IS NOT NULL
     GROUP BY p.holder_id, pe.name, pe.erased`.execute(db);
  const bank = await db.selectFrom('pool_postings').select(sql<number>`coalesce(sum(pence), 0)::bigint`.as('b')).where('pool_id', '=', poolId).where('account', '=', 'bank').where('entry_date', '<=', asAt).executeTakeFirstOrThrow();
  const holders = rows;
  const figures = new Map(holders.map((r) => [r.holder_id, { contributed: Number(r.contributed), spent: Number(r.spent), clawedBack: Number(r.clawed_back) }]));
  const shares = sharesOfBalance({ balance: Number(bank.b), holders: figures });
  return {
    balancePence: Number(bank.b),
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
  };
}
