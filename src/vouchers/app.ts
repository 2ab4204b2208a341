// Learning vouchers, the use cases: a coordinator sets the network's policy; a family member (or a
// coordinator for them) gives a learner a voucher; the treasurer records the money, refunds on the
// giver's request and expires what has run out; a mentor redeems the sessions they deliver, one
// learner's or a group's. And who may see what: a voucher's giver sees how the gift was used, its
// learner sees theirs, a mentor their own sessions, those who keep the books every voucher.
//
// The route's guard has already checked the coarse role (a treasurer pays, a mentor or coordinator
// redeems); every rule finer than that is here.
import { v5 as uuidv5 } from 'uuid';
import type { Hearth } from '../hearth.ts';
import { contextOf, subjectOf, type Caller, type Deps } from '../access/caller.ts';
import { Forbidden, membershipOf, requireActiveMembers } from '../access/guard.ts';
import type { Sealed } from '../access/vault.ts';
import { todayOn } from '../clock.ts';
import { Rejection } from '../commands/decider.ts';
import { decideAcross, readStates } from '../commands/decide.ts';
import { poolDecider, poolStream } from '../pools/pool.ts';
import { domainEvents } from '../eventstore/events.ts';
import { buyVoucher, expireVouchers, onVoucher } from './commands.ts';
import { redeemSession, sessionIdFor } from './session.ts';
import { fundPaymentsOf, learningFundOf, liabilityAsAt, mentorSessions, receivedByFund, redeemableVouchers, voucherOf, vouchersOf, vouchersIn, dueToExpire, type VoucherKey, type VoucherRow } from './books.ts';
import { mapPage, whole, type Page } from '../db/keyset.ts';
import { policyDecider, policyStream, priceOf, voucherStream, type LearningPolicy, type payoutMethod, type PolicyEvent, type VoucherValue } from './voucher.ts';
import { fundDecider, fundStream, type FundCommand } from './fund.ts';
import type { z } from 'zod';

/** Reads from the read tables wait for the projections to take in what they show. */
export type VoucherDeps = Deps & Pick<Hearth, 'engine' | 'config'>;

/** Roles that may see any voucher of the network. */
const keepers: readonly string[] = ['treasurer', 'coordinator'];

const written = (done: { revision: number; position: number }) => ({ revision: done.revision, position: done.position });

// ---- the policy

export async function setPolicy(deps: Deps, caller: Caller, input: { networkId: string; policy: LearningPolicy }) {
  const { networkId, policy } = input;
  const done = await decideAcross(
    deps.store,
    { policy: [policyStream(networkId), policyDecider] },
    (states) => ({ policy: policyDecider.decide({ type: 'SetPolicy', networkId, policy, setBy: caller.personId }, states.policy) }),
    contextOf(deps, caller),
    { ifMatch: { stream: 'policy', revision: caller.ifMatch } },
  );
  return { revision: done.revisions.policy, position: done.position };
}

/** The policy a voucher bought now is bought under, and the revision of the stream it is kept in. */
export async function policyOf(deps: Deps, _caller: Caller, input: { networkId: string }) {
  const history = await deps.store.readStream(policyStream(input.networkId));
  const policy = domainEvents<PolicyEvent>(history).reduce(policyDecider.evolve, policyDecider.initialState);
  return { policy, revision: history.at(-1)?.revision ?? -1 };
}

// ---- giving and the money

export interface Gift {
  networkId: string;
  learnerId: string;
  value: VoucherValue;
  occasion: string;
  message: string;
}

/** The giver is whoever the caller acts as; the voucher's id follows from the command, so a retry gives one voucher. */
export async function giveVoucher(deps: Deps, caller: Caller, gift: Gift) {
  const { networkId, learnerId, value, occasion } = gift;
  await requireActiveMembers(deps.store, networkId, [[learnerId, 'learnerId']]);
  const giverId = subjectOf(caller);
  const voucherId = uuidv5('voucher', caller.commandId);
  // Sealed with the giver's key: it is personal, and erased with them.
  const message: Sealed = await deps.vault.seal(giverId, gift.message);
  const done = await buyVoucher(deps.store, { voucherId, networkId, giverId, learnerId, value, occasion, message, today: todayOn(deps.clock) }, contextOf(deps, caller));
  return { voucherId, expiresOn: done.voucher.voucher.expiresOn, pricePence: priceOf(value), ...written(done) };
}

/**
 * The bank account money went through: a pool of this network, whose bank reconciliation then
 * shows the money beside the pool's own entries. Pools are never deleted, so a read first holds.
 */
async function requireAccount(deps: Deps, networkId: string, poolId: string | null | undefined): Promise<string | null> {
  if (!poolId) return null;
  const { pool } = await readStates(deps.store, { pool: [poolStream(poolId), poolDecider] as const });
  if (pool.status === 'none' || pool.networkId !== networkId) throw new Rejection('pool-not-found', 'There is no such pool in this network to name as the bank account.', 404, 'accountPoolId');
  return poolId;
}

export async function recordPayment(deps: Deps, caller: Caller, input: { networkId: string; voucherId: string; pence: number; reference: string; receivedOn: string; accountPoolId?: string | null | undefined }) {
  const { networkId, voucherId, pence, reference, receivedOn } = input;
  const accountPoolId = await requireAccount(deps, networkId, input.accountPoolId);
  const command = { type: 'RecordPayment' as const, pence, reference, receivedOn, recordedBy: caller.personId, today: todayOn(deps.clock), accountPoolId };
  return written(await onVoucher(deps.store, networkId, voucherId, command, contextOf(deps, caller), caller.ifMatch));
}

export async function refundVoucher(deps: Deps, caller: Caller, input: { networkId: string; voucherId: string; pence: number; reason: string }) {
  const { networkId, voucherId, pence, reason } = input;
  const command = { type: 'Refund' as const, pence, reason, recordedBy: caller.personId, today: todayOn(deps.clock) };
  return written(await onVoucher(deps.store, networkId, voucherId, command, contextOf(deps, caller), caller.ifMatch));
}

/**
 * Money paid back to a giver, for a refund on their request or an expiry back to them: how, the
 * reference the bank or the cheque shows, and the day. Never more than the voucher owes them.
 */
export async function recordPayout(
  deps: Deps,
  caller: Caller,
  input: { networkId: string; voucherId: string; pence: number; method: z.infer<typeof payoutMethod>; reference: string; paidOn: string; accountPoolId?: string | null | undefined },
) {
  const { networkId, voucherId, pence, method, reference, paidOn } = input;
  const accountPoolId = await requireAccount(deps, networkId, input.accountPoolId);
  const payoutId = uuidv5('voucher payout', caller.commandId);
  const command = { type: 'RecordPayout' as const, payoutId, pence, method, reference, paidOn, recordedBy: caller.personId, today: todayOn(deps.clock), accountPoolId };
  return written(await onVoucher(deps.store, networkId, voucherId, command, contextOf(deps, caller), caller.ifMatch));
}

/** Expires every voucher of the network past its last day, as the policy it was bought under said. */
export async function expireDue(deps: VoucherDeps, caller: Caller, input: { networkId: string }) {
  // The vouchers are found in the read tables: first let them take in everything written so far.
  // One the projection has not reached in time is expired by the next run.
  await deps.engine.waitFor(['vouchers'], await deps.store.headPosition(), deps.config.READ_WAIT_MS);
  const today = todayOn(deps.clock);
  const due = await dueToExpire(deps.database.db, input.networkId, today);
  const expired = await expireVouchers(deps.store, input.networkId, due, today, contextOf(deps, caller));
  return { expired: expired.map(({ voucherId, pence, sessions, disposition }) => ({ voucherId, pence, sessions, disposition })), position: Math.max(0, ...expired.map((e) => e.position)) };
}

// ---- sessions

export interface Session {
  networkId: string;
  /** The mentor who gave it: a coordinator names them; a mentor records their own. */
  mentorId?: string | undefined;
  startsAt: string;
  activity: string;
  feePence: number | null;
  shares: Array<{ learnerId: string; voucherId: string | null; pence: number | null }>;
}

/**
 * A mentor redeems the sessions they gave; a coordinator may record one for a mentor of the
 * network, and then acts on the mentor's behalf: the events say both. Every learner is a member.
 */
export async function redeem(deps: Deps, caller: Caller, session: Session) {
  const { networkId, startsAt, activity, feePence, shares } = session;
  const own = await membershipOf(deps.store, networkId, caller.personId);
  const roles: readonly string[] = own.status === 'active' ? own.roles : [];
  const mentorId = session.mentorId ?? caller.personId;
  const forAnother = mentorId !== caller.personId;
  if (forAnother && !roles.includes('coordinator')) throw new Forbidden('A mentor redeems the sessions they gave; a coordinator may record one for a mentor.');
  if (!forAnother && !roles.includes('mentor')) throw new Rejection('mentor-required', 'Name the mentor who gave the session.', 422, 'mentorId');
  if (forAnother) {
    const mentor = await membershipOf(deps.store, networkId, mentorId);
    if (mentor.status !== 'active' || !mentor.roles.includes('mentor')) throw new Rejection('not-a-mentor', 'This person is not a mentor of this network.', 422, 'mentorId');
  }
  await requireActiveMembers(deps.store, networkId, shares.map((s, i) => [s.learnerId, `shares/${i}/learnerId`]));
  const context = contextOf(deps, { ...caller, onBehalfOf: forAnother ? mentorId : null });
  const payment = { networkId, mentorId, activity, startsAt, feePence, shares, recordedBy: caller.personId };
  const done = await redeemSession(deps, payment, todayOn(deps.clock), context, caller.ifMatch === undefined ? {} : { ifMatch: caller.ifMatch });
  return { sessionId: sessionIdFor(networkId, mentorId, startsAt), revision: done.revision, position: done.position, voucherRevision: done.voucherRevision };
}

// ---- who sees what

export interface ShownVoucher extends Omit<VoucherRow, 'sealedMessage'> {
  /** The giver's message, or "(erased)" once their key is gone. */
  message: string;
}

async function opened(deps: Deps, v: VoucherRow): Promise<ShownVoucher> {
  const { sealedMessage, ...rest } = v;
  return { ...rest, message: (await deps.vault.open<string>(v.giver.personId, sealedMessage)) ?? '(erased)' };
}

/**
 * A voucher and how it was used, for its giver, its learner, and those who keep the books; with
 * the revision of its stream, which the figures shown have reached.
 */
export async function voucherFor(deps: VoucherDeps, caller: Caller, input: { networkId: string; voucherId: string }) {
  const { networkId, voucherId } = input;
  // The revision is read first and the tables waited for until they hold it: what is shown is at
  // least that new, so an If-Match sent back with it can only be refused as stale, never pass stale.
  const last = (await deps.store.readStream(voucherStream(voucherId))).at(-1);
  if (last && !(await deps.engine.waitFor(['vouchers', 'people'], last.position, deps.config.READ_WAIT_MS))) {
    throw new Rejection('projection-behind', 'The voucher is still being brought up to date. Try again in a moment.', 409);
  }
  const { voucher, ...use } = await voucherOf(deps.database.db, networkId, voucherId);
  const reader = subjectOf(caller);
  if (reader !== voucher.giver.personId && reader !== voucher.learner.personId) {
    const member = await membershipOf(deps.store, networkId, caller.personId);
    if (member.status !== 'active' || !member.roles.some((r) => keepers.includes(r))) throw new Forbidden('Only its giver, its learner, or those who keep the books can see this voucher.');
  }
  return { voucher: await opened(deps, voucher), ...use, revision: last?.revision ?? -1 };
}

/** The vouchers the caller (or the member they act for) gave, or was given. */
export async function ownVouchers(deps: Deps, caller: Caller, input: { networkId: string; as: 'giver' | 'learner'; page?: Page<VoucherKey> }) {
  const who = subjectOf(caller);
  const found = await vouchersOf(deps.database.db, input.networkId, input.as === 'giver' ? { giverId: who } : { learnerId: who }, input.page ?? whole);
  return { items: await Promise.all(found.items.map((v) => opened(deps, v))), next: found.next };
}

/** A mentor's own sessions and who paid for each; a coordinator reads a mentor's on their behalf. */
export async function sessionsOf(deps: Deps, caller: Caller, input: { networkId: string }) {
  const mentorId = subjectOf(caller);
  return { mentorId, sessions: await mentorSessions(deps.database.db, input.networkId, mentorId) };
}

/** What a session can be redeemed from today: only what a mentor needs to choose, not the giver nor the message. */
export async function redeemableToday(deps: Deps, _caller: Caller, input: { networkId: string; learnerId?: string | undefined; activity?: string | undefined; page?: Page<readonly [string, string, string]> }) {
  const only = { ...(input.learnerId ? { learnerId: input.learnerId } : {}), ...(input.activity ? { activity: input.activity } : {}) };
  const found = await redeemableVouchers(deps.database.db, input.networkId, todayOn(deps.clock), only, input.page ?? whole);
  return mapPage(found, (v) => ({ voucherId: v.voucherId, learner: v.learner, value: v.value, leftPence: v.leftPence, leftSessions: v.leftSessions, expiresOn: v.expiresOn }));
}

/**
 * The vouchers the treasurer acts on: those whose money has not come in yet, or those held (which
 * a giver may ask to have refunded). Without the giver's message: it is for the learner, not the books.
 */
export async function vouchersToKeep(deps: Deps, _caller: Caller, input: { networkId: string; status: 'awaiting-payment' | 'held'; page?: Page<VoucherKey> }) {
  return mapPage(await vouchersIn(deps.database.db, input.networkId, input.status, input.page ?? whole), ({ sealedMessage: _, ...v }) => v);
}

/** What the network held for learners at the end of a day: today's, unless another is asked for. */
export async function liability(deps: Deps, _caller: Caller, input: { networkId: string; asAt?: string | undefined }) {
  return liabilityAsAt(deps.database.db, input.networkId, input.asAt ?? todayOn(deps.clock));
}

// ---- the learning fund

/** What the fund has received by today, from the expiries. */
async function receivedToday(deps: VoucherDeps, networkId: string): Promise<number> {
  // What came in is read from the expiries: let the tables take in everything written so far.
  // Any the projection has not reached only makes the fund look smaller, never larger.
  await deps.engine.waitFor(['vouchers'], await deps.store.headPosition(), deps.config.READ_WAIT_MS);
  return receivedByFund(deps.database.db, networkId, todayOn(deps.clock));
}

async function onFund(deps: Deps, caller: Caller, networkId: string, command: FundCommand) {
  const done = await decideAcross(
    deps.store,
    { fund: [fundStream(networkId), fundDecider] },
    ({ fund }) => ({ fund: fundDecider.decide(command, fund) }),
    contextOf(deps, caller),
    { ifMatch: { stream: 'fund', revision: caller.ifMatch } },
  );
  return { revision: done.revisions.fund, position: done.position };
}

/** A payment out of the learning fund asked for, with a payee and a purpose; paid once someone else approves it. */
export async function requestFundPayment(deps: VoucherDeps, caller: Caller, input: { networkId: string; pence: number; payee: string; purpose: string; accountPoolId?: string | null | undefined }) {
  const { networkId, pence, payee, purpose } = input;
  const accountPoolId = await requireAccount(deps, networkId, input.accountPoolId);
  const paymentId = uuidv5('learning-fund-payment', caller.commandId);
  const today = todayOn(deps.clock);
  const done = await onFund(deps, caller, networkId, { type: 'RequestPayment', paymentId, networkId, pence, payee, purpose, requestedBy: caller.personId, today, accountPoolId });
  return { paymentId, ...done };
}

/** Approved by someone other than whoever asked, and so paid today: only what the fund holds. */
export async function approveFundPayment(deps: VoucherDeps, caller: Caller, input: { networkId: string; paymentId: string }) {
  const { networkId, paymentId } = input;
  const today = todayOn(deps.clock);
  const received = await receivedToday(deps, networkId);
  return onFund(deps, caller, networkId, { type: 'ApprovePayment', paymentId, networkId, approvedBy: caller.personId, received, today });
}

export async function rejectFundPayment(deps: VoucherDeps, caller: Caller, input: { networkId: string; paymentId: string; reason: string }) {
  const { networkId, paymentId, reason } = input;
  return onFund(deps, caller, networkId, { type: 'RejectPayment', paymentId, networkId, rejectedBy: caller.personId, reason });
}

/** The learning fund at the end of a day (today's unless another is asked for): its balance and every payment. */
export async function learningFund(deps: Deps, _caller: Caller, input: { networkId: string; asAt?: string | undefined }) {
  return learningFundOf(deps.database.db, input.networkId, input.asAt ?? todayOn(deps.clock));
}

/** The payments asked for from the learning fund, newest first, a page at a time. */
export async function fundPayments(deps: Deps, _caller: Caller, input: { networkId: string; page: Page<readonly [string, string]> }) {
  return fundPaymentsOf(deps.database.db, input.networkId, input.page);
}
