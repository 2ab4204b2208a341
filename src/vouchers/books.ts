// Learning vouchers read from the projection: one voucher and every use of it, as its giver and
// its learner see it; a family member's gifts and a learner's vouchers; a mentor's sessions and
// who paid for them; and the treasurer's liability: the value held for learners as at a date,
// what expired and where it went, and the learning fund.
import { shownName } from '../access/person.ts';
import { sql } from 'kysely';
import { keyset, mapPage, pageFrom, type Page, type Paged } from '../db/keyset.ts';
import type { Db } from '../db/database.ts';
import { Rejection } from '../commands/decider.ts';
import type { VoucherValue } from './voucher.ts';

export interface Named {
  personId: string;
  name: string;
}


export interface VoucherRow {
  voucherId: string;
  giver: Named;
  learner: Named;
  value: VoucherValue;
  pricePence: number;
  occasion: string;
  /** Sealed with the giver's key: opened, or not, by whoever shows it. */
  sealedMessage: string;
  boughtOn: string;
  expiresOn: string | null;
  atExpiry: string;
  status: string;
  paidOn: string | null;
  leftPence: number;
  /** A sessions voucher's sessions still to use; null for an amount. */
  leftSessions: number | null;
  /** Value used in sessions so far, and in how many. */
  usedPence: number;
  uses: number;
}

function vouchers(db: Db, networkId: string) {
  return db
    .selectFrom('vouchers as v')
    .leftJoin('people as g', 'g.person_id', 'v.giver_id')
    .leftJoin('people as l', 'l.person_id', 'v.learner_id')
    .select((eb) => [
      'v.voucher_id', 'v.giver_id', 'v.learner_id', 'v.value_kind', 'v.activity', 'v.sessions', 'v.pence_per_session', 'v.price_pence', 'v.occasion', 'v.message',
      'v.bought_on', 'v.expires_on', 'v.at_expiry', 'v.status', 'v.paid_on', 'v.left_pence', 'v.left_sessions',
      'g.name as giver_name', 'g.erased as giver_erased', 'l.name as learner_name', 'l.erased as learner_erased',
      eb.selectFrom('voucher_redemptions as r').select(sql<number>`coalesce(sum(r.pence), 0)::bigint`.as('u')).whereRef('r.voucher_id', '=', 'v.voucher_id').as('used_pence'),
      eb.selectFrom('voucher_redemptions as r').select(sql<number>`count(*)::integer`.as('n')).whereRef('r.voucher_id', '=', 'v.voucher_id').as('uses'),
    ])
    .where('v.network_id', '=', networkId);
}

type Row = Awaited<ReturnType<ReturnType<typeof vouchers>['executeTakeFirstOrThrow']>>;

function toVoucher(r: Row): VoucherRow {
  const value: VoucherValue =
    r.value_kind === 'sessions' ? { kind: 'sessions', activity: r.activity!, sessions: r.sessions!, pencePerSession: Number(r.pence_per_session) } : { kind: 'amount', pence: Number(r.price_pence) };
  return {
    voucherId: r.voucher_id,
    giver: { personId: r.giver_id, name: shownName(r.giver_name, r.giver_erased) },
    learner: { personId: r.learner_id, name: shownName(r.learner_name, r.learner_erased) },
    value,
    pricePence: Number(r.price_pence),
    occasion: r.occasion,
    sealedMessage: r.message,
    boughtOn: r.bought_on,
    expiresOn: r.expires_on,
    atExpiry: r.at_expiry,
    status: r.status,
    paidOn: r.paid_on,
    leftPence: Number(r.left_pence),
    leftSessions: r.left_sessions,
    usedPence: Number(r.used_pence ?? 0),
    uses: r.uses ?? 0,
  };
}

export interface Use {
  sessionId: string;
  /** The day the session was delivered, and when it started (null only if its session is not projected). */
  date: string;
  startsAt: string | null;
  activity: string;
  mentor: Named;
  pence: number;
  sessions: number;
}

export interface VoucherWithUse {
  voucher: VoucherRow;
  uses: Use[];
  refunds: Array<{ refundedOn: string; pence: number; reason: string }>;
  /** Money paid back to the giver for refunds and an expiry back to them. */
  payouts: Array<{ paidOn: string; pence: number; method: string; reference: string }>;
  expiry: { expiredOn: string; pence: number; sessions: number; disposition: string } | null;
}

/** A voucher of this network with every session that used it, its refunds and its expiry. */
export async function voucherOf(db: Db, networkId: string, voucherId: string): Promise<VoucherWithUse> {
  const row = await vouchers(db, networkId).where('v.voucher_id', '=', voucherId).executeTakeFirst();
  if (!row) throw new Rejection('voucher-not-found', 'There is no such voucher in this network.', 404);
  const [uses, refunds, expiry, payouts] = await Promise.all([
    db
      .selectFrom('voucher_redemptions as r')
      .leftJoin('learning_sessions as s', 's.session_id', 'r.session_id')
      .leftJoin('people as m', 'm.person_id', 'r.mentor_id')
      .select(['r.session_id', 'r.delivered_on', 's.starts_at', 'r.activity', 'r.mentor_id', 'm.name', 'm.erased', 'r.pence', 'r.sessions'])
      .where('r.voucher_id', '=', voucherId)
      .orderBy('r.delivered_on')
      .orderBy('s.starts_at')
      .orderBy('r.session_id')
      .execute(),
    db.selectFrom('voucher_refunds').select(['refunded_on', 'pence', 'reason']).where('voucher_id', '=', voucherId).orderBy('position').execute(),
    db.selectFrom('voucher_expiries').select(['expired_on', 'pence', 'sessions', 'disposition']).where('voucher_id', '=', voucherId).executeTakeFirst(),
    db.selectFrom('voucher_payouts').select(['paid_on', 'pence', 'method', 'reference']).where('voucher_id', '=', voucherId).orderBy('position').execute(),
  ]);
  return {
    voucher: toVoucher(row),
    uses: uses.map((u) => ({
      sessionId: u.session_id, date: u.delivered_on, startsAt: u.starts_at, activity: u.activity,
      mentor: { personId: u.mentor_id, name: shownName(u.name, u.erased) }, pence: Number(u.pence), sessions: u.sessions,
    })),
    refunds: refunds.map((r) => ({ refundedOn: r.refunded_on, pence: Number(r.pence), reason: r.reason })),
    payouts: payouts.map((p) => ({ paidOn: p.paid_on, pence: Number(p.pence), method: p.method, reference: p.reference })),
    expiry: expiry ? { expiredOn: expiry.expired_on, pence: Number(expiry.pence), sessions: expiry.sessions, disposition: expiry.disposition } : null,
  };
}

/** Where a page of vouchers ends: the day it was bought and its id. */
export type VoucherKey = readonly [string, string];
const voucherKey = (v: VoucherRow): VoucherKey => [v.boughtOn, v.voucherId];

/** A page of the vouchers a person gave, or those given to them, newest first. */
export async function vouchersOf(db: Db, networkId: string, who: { giverId: string } | { learnerId: string }, page: Page<VoucherKey>): Promise<Paged<VoucherRow, VoucherKey>> {
  const query = 'giverId' in who ? vouchers(db, networkId).where('v.giver_id', '=', who.giverId) : vouchers(db, networkId).where('v.learner_id', '=', who.learnerId);
  return pageFrom((await keyset(query, ['v.bought_on', 'v.voucher_id'], 'desc', page).execute()).map(toVoucher), page.limit, voucherKey);
}

/** A page of the vouchers in one state, oldest bought first: what the treasurer has to act on. */
export async function vouchersIn(db: Db, networkId: string, status: 'awaiting-payment' | 'held', page: Page<VoucherKey>): Promise<Paged<VoucherRow, VoucherKey>> {
  return pageFrom((await keyset(vouchers(db, networkId).where('v.status', '=', status), ['v.bought_on', 'v.voucher_id'], 'asc', page).execute()).map(toVoucher), page.limit, voucherKey);
}

/**
 * The vouchers a mentor may redeem a session from on a day: paid for, something left, not past
 * their last day; for one learner or activity when asked. An amount voucher suits any activity.
 */
export async function redeemableVouchers(db: Db, networkId: string, on: string, only: { learnerId?: string; activity?: string }, page: Page<readonly [string, string, string]>): Promise<Paged<VoucherRow, readonly [string, string, string]>> {
  // By the learner's name as it is shown, then oldest bought first.
  const learner = sql<string>`(CASE WHEN l.erased THEN 'erased member' ELSE coalesce(l.name, 'unknown') END)`;
  let query = vouchers(db, networkId)
    .where('v.status', '=', 'held')
    .where('v.left_pence', '>', 0)
    .where((eb) => eb.or([eb('v.expires_on', 'is', null), eb('v.expires_on', '>=', on)]));
  if (only.learnerId) query = query.where('v.learner_id', '=', only.learnerId);
  if (only.activity) query = query.where((eb) => eb.or([eb('v.value_kind', '=', 'amount'), eb(sql`lower(v.activity)`, '=', only.activity!.toLowerCase())]));
  const rows = (await keyset(query, [learner, 'v.bought_on', 'v.voucher_id'], 'asc', page).execute()).map(toVoucher);
  return pageFrom(rows, page.limit, (v) => [v.learner.name, v.boughtOn, v.voucherId] as const);
}

export interface MentorSession {
  sessionId: string;
  startsAt: string;
  activity: string;
  feePence: number;
  shares: Array<{ learner: Named; voucherId: string | null; pence: number }>;
}

/** The sessions a mentor delivered, oldest first, and who paid each fee: vouchers and learners' own contributions. */
export async function mentorSessions(db: Db, networkId: string, mentorId: string): Promise<MentorSession[]> {
  const sessions = await db.selectFrom('learning_sessions').selectAll().where('network_id', '=', networkId).where('mentor_id', '=', mentorId).orderBy('starts_at').orderBy('session_id').execute();
  const learnerIds = [...new Set(sessions.flatMap((s) => s.shares.map((x) => x.learnerId)))];
  const people = learnerIds.length === 0 ? [] : await db.selectFrom('people').select(['person_id', 'name', 'erased']).where('person_id', 'in', learnerIds).execute();
  const names = new Map(people.map((p) => [p.person_id, shownName(p.name, p.erased)]));
  return sessions.map((s) => ({
    sessionId: s.session_id,
    startsAt: s.starts_at,
    activity: s.activity,
    feePence: Number(s.fee_pence),
    shares: s.shares.map((x) => ({ learner: { personId: x.learnerId, name: names.get(x.learnerId) ?? 'unknown' }, voucherId: x.voucherId, pence: x.pence })),
  }));
}

export interface LearnerHeld {
  learner: Named;
  vouchers: number;
  paid: number;
  redeemed: number;
  refunded: number;
  expired: number;
  /** paid − redeemed − refunded − expired: what the network holds for them. */
  outstanding: number;
}

export interface Liability {
  asAt: string;
  learners: LearnerHeld[];
  totals: Omit<LearnerHeld, 'learner'>;
  expired: Array<{ voucherId: string; expiredOn: string; giver: Named; learner: Named; pence: number; sessions: number; disposition: string }>;
  expiredToGiver: number;
  expiredToLearningFund: number;
  /** Paid back to givers by then, and what refunds and expiries back to them still owe them. */
  paidOutToGivers: number;
  owedToGivers: number;
  /** Paid out of the learning fund by approved payments by then. */
  learningFundSpent: number;
  /** What expired into the learning fund by then, less what it paid out. */
  learningFund: number;
}

/**
 * What the network held for learners at the end of a day. A voucher counts from the day its money
 * was received; a session counts from the day it was delivered, or, delivered before the money
 * came in, from the day the money did: the value was held from then, and only then used.
 */
export async function liabilityAsAt(db: Db, networkId: string, asAt: string): Promise<Liability> {
  const [byLearner, expiries, paidOut, fundSpent] = await Promise.all([
    sql<{ learner_id: string; name: string | null; erased: boolean | null; vouchers: number; paid: number; redeemed: number; refunded: number; expired: number }>`
      WITH held AS (
        SELECT v.learner_id, v.paid_pence AS paid,
               coalesce((SELECT sum(r.pence) FROM voucher_redemptions r WHERE r.voucher_id = v.voucher_id AND greatest(r.delivered_on, v.paid_on) <= ${asAt}), 0) AS redeemed,
               coalesce((SELECT sum(f.pence) FROM voucher_refunds f WHERE f.voucher_id = v.voucher_id AND f.refunded_on <= ${asAt}), 0) AS refunded,
               coalesce((SELECT x.pence FROM voucher_expiries x WHERE x.voucher_id = v.voucher_id AND x.expired_on <= ${asAt}), 0) AS expired
          FROM vouchers v
         WHERE v.network_id = ${networkId} AND v.paid_on <= ${asAt}
      )
      SELECT h.learner_id, p.name, p.erased, count(*)::integer AS vouchers,
             sum(h.paid)::bigint AS paid, sum(h.redeemed)::bigint AS redeemed, sum(h.refunded)::bigint AS refunded, sum(h.expired)::bigint AS expired
        FROM held h LEFT JOIN people p ON p.person_id = h.learner_id
       GROUP BY h.learner_id, p.name, p.erased`.execute(db),
    db
      .selectFrom('voucher_expiries as x')
      .innerJoin('vouchers as v', 'v.voucher_id', 'x.voucher_id')
      .leftJoin('people as g', 'g.person_id', 'v.giver_id')
      .leftJoin('people as l', 'l.person_id', 'v.learner_id')
      .select(['x.voucher_id', 'x.expired_on', 'x.pence', 'x.sessions', 'x.disposition', 'v.giver_id', 'g.name as giver_name', 'g.erased as giver_erased', 'v.learner_id', 'l.name as learner_name', 'l.erased as learner_erased'])
      .where('x.network_id', '=', networkId)
      .where('x.expired_on', '<=', asAt)
      .orderBy('x.expired_on')
      .orderBy('x.voucher_id')
      .execute(),
    db.selectFrom('voucher_payouts').select(sql<string | null>`sum(pence)`.as('pence')).where('network_id', '=', networkId).where('paid_on', '<=', asAt).executeTakeFirst(),
    spentFromFund(db, networkId, asAt),
  ]);
  const all = byLearner.rows.map((r) => {
    const figures = { vouchers: r.vouchers, paid: Number(r.paid), redeemed: Number(r.redeemed), refunded: Number(r.refunded), expired: Number(r.expired) };
    return { learner: { personId: r.learner_id, name: shownName(r.name, r.erased) }, ...figures, outstanding: figures.paid - figures.redeemed - figures.refunded - figures.expired };
  });
  // The totals are the rows added up, never counted apart from them.
  const totals = all.reduce(
    (t, l) => ({ vouchers: t.vouchers + l.vouchers, paid: t.paid + l.paid, redeemed: t.redeemed + l.redeemed, refunded: t.refunded + l.refunded, expired: t.expired + l.expired, outstanding: t.outstanding + l.outstanding }),
    { vouchers: 0, paid: 0, redeemed: 0, refunded: 0, expired: 0, outstanding: 0 },
  );
  const expired = expiries.map((x) => ({
    voucherId: x.voucher_id, expiredOn: x.expired_on,
    giver: { personId: x.giver_id, name: shownName(x.giver_name, x.giver_erased) }, learner: { personId: x.learner_id, name: shownName(x.learner_name, x.learner_erased) },
    pence: Number(x.pence), sessions: x.sessions, disposition: x.disposition,
  }));
  const to = (disposition: string) => expired.filter((x) => x.disposition === disposition).reduce((sum, x) => sum + x.pence, 0);
  const paidOutToGivers = Number(paidOut?.pence ?? 0);
  return {
    asAt,
    // Every learner with a voucher paid for by then, nothing held for them or not: an auditor adds
    // the rows up to the totals, so a row left out is money the report cannot account for.
    learners: all.sort((a, b) => a.learner.name.localeCompare(b.learner.name, 'en-GB') || a.learner.personId.localeCompare(b.learner.personId)),
    totals,
    expired,
    expiredToGiver: to('refund-to-giver'),
    expiredToLearningFund: to('learning-fund'),
    paidOutToGivers,
    owedToGivers: totals.refunded + to('refund-to-giver') - paidOutToGivers,
    learningFundSpent: fundSpent,
    learningFund: to('learning-fund') - fundSpent,
  };
}

/** Paid out of the learning fund by the end of a day. */
async function spentFromFund(db: Db, networkId: string, asAt: string): Promise<number> {
  const row = await db.selectFrom('learning_fund_payments').select(sql<string | null>`sum(pence)`.as('pence')).where('network_id', '=', networkId).where('status', '=', 'paid').where('paid_on', '<=', asAt).executeTakeFirst();
  return Number(row?.pence ?? 0);
}

/** What vouchers left to the learning fund at expiry by the end of a day. */
export async function receivedByFund(db: Db, networkId: string, asAt: string): Promise<number> {
  const row = await db
    .selectFrom('voucher_expiries')
    .select(sql<string | null>`sum(pence)`.as('pence'))
    .where('network_id', '=', networkId)
    .where('disposition', '=', 'learning-fund')
    .where('expired_on', '<=', asAt)
    .executeTakeFirst();
  return Number(row?.pence ?? 0);
}

export interface FundPaymentRow {
  paymentId: string;
  pence: number;
  payee: string;
  purpose: string;
  requestedBy: Named;
  requestedOn: string;
  status: string;
  approvedBy: Named | null;
  paidOn: string | null;
  rejectionReason: string | null;
}

/** The learning fund at the end of a day: what came in, what went out, and what it holds. */
export async function learningFundOf(db: Db, networkId: string, asAt: string) {
  const [received, spent] = await Promise.all([receivedByFund(db, networkId, asAt), spentFromFund(db, networkId, asAt)]);
  return { asAt, received, spent, balance: received - spent };
}

/** A page of the payments asked for from the learning fund, newest asked for first. */
export async function fundPaymentsOf(db: Db, networkId: string, page: Page<readonly [string, string]>): Promise<Paged<FundPaymentRow, readonly [string, string]>> {
  const query = db
    .selectFrom('learning_fund_payments as f')
    .leftJoin('people as r', 'r.person_id', 'f.submitted_by')
    .leftJoin('people as a', 'a.person_id', 'f.approved_by')
    .select(['f.payment_id', 'f.pence', 'f.payee', 'f.purpose', 'f.submitted_by', 'f.submitted_on', 'f.status', 'f.approved_by', 'f.paid_on', 'f.rejection_reason', 'r.name as r_name', 'r.erased as r_erased', 'a.name as a_name', 'a.erased as a_erased'])
    .where('f.network_id', '=', networkId);
  const rows = await keyset(query, ['f.submitted_on', 'f.payment_id'], 'desc', page).execute();
  return mapPage(pageFrom(rows, page.limit, (r) => [r.submitted_on, r.payment_id] as const), (r): FundPaymentRow => ({
    paymentId: r.payment_id, pence: Number(r.pence), payee: r.payee, purpose: r.purpose,
    requestedBy: { personId: r.submitted_by, name: shownName(r.r_name, r.r_erased) }, requestedOn: r.submitted_on, status: r.status,
    approvedBy: r.approved_by ? { personId: r.approved_by, name: shownName(r.a_name, r.a_erased) } : null, paidOn: r.paid_on, rejectionReason: r.rejection_reason,
  }));
}

/** Vouchers past their last day that have not expired yet, in the order they ran out. */
export async function dueToExpire(db: Db, networkId: string, today: string): Promise<string[]> {
  const rows = await db
    .selectFrom('vouchers')
    .select('voucher_id')
    .where('network_id', '=', networkId)
    .where('status', '<>', 'expired')
    .where('expires_on', '<', today)
    .orderBy('expires_on')
    .orderBy('voucher_id')
    .execute();
  return rows.map((r) => r.voucher_id);
}

/** Voucher money as a bank account shows it, for that account's reconciliation: signed, in pence. */
export interface MoneyThroughAccount {
  entryId: string;
  date: string;
  kind: 'voucher-payment' | 'voucher-payout' | 'learning-fund-payment';
  counterparty: string;
  reference: string;
  pence: number;
}

/**
 * The voucher money that went through a pool's bank account: paid in for vouchers, paid back to
 * givers, paid out of the learning fund. It is not the pool's own money (its balance and its
 * holders' shares leave it out), but its bank shows it, so its reconciliation must too.
 */
export async function voucherMoneyThrough(db: Db, poolId: string): Promise<MoneyThroughAccount[]> {
  const [paid, payouts, fund] = await Promise.all([
    db.selectFrom('vouchers').select(['voucher_id', 'paid_on', 'paid_pence', 'payment_reference']).where('paid_through_pool_id', '=', poolId).where('paid_on', 'is not', null).execute(),
    db.selectFrom('voucher_payouts').select(['payout_id', 'paid_on', 'pence', 'reference']).where('account_pool_id', '=', poolId).execute(),
    db.selectFrom('learning_fund_payments').select(['payment_id', 'paid_on', 'pence', 'payee', 'purpose']).where('account_pool_id', '=', poolId).where('status', '=', 'paid').execute(),
  ]);
  const rows: MoneyThroughAccount[] = [
    ...paid.map((v) => ({ entryId: v.voucher_id, date: v.paid_on!, kind: 'voucher-payment' as const, counterparty: 'learning voucher', reference: v.payment_reference ?? '', pence: Number(v.paid_pence) })),
    ...payouts.map((p) => ({ entryId: p.payout_id, date: p.paid_on, kind: 'voucher-payout' as const, counterparty: "voucher's giver", reference: p.reference, pence: -Number(p.pence) })),
    ...fund.map((f) => ({ entryId: f.payment_id, date: f.paid_on!, kind: 'learning-fund-payment' as const, counterparty: f.payee, reference: f.purpose, pence: -Number(f.pence) })),
  ];
  return rows.sort((a, b) => a.date.localeCompare(b.date) || a.entryId.localeCompare(b.entryId));
}
