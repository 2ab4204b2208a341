// A learning session delivered by a mentor, and what paid for it: one learner's voucher, or, for a
// regular group activity, several learners' vouchers and small contributions together making up
// the fee. The session is a stream of its own whose id follows from the mentor and the start
// time, so two requests for the same session, however close together, redeem it once.
import { z } from 'zod';
import { v5 as uuidv5 } from 'uuid';
import { Rejection } from '../commands/decider.ts';
import { decideAcross, PreconditionFailed, type CommandContext, type Folder, type StreamRead } from '../commands/decide.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { formatPence, pence } from '../units.ts';
import { decideDraw, decideReturn, decideVoucher, VoucherRedeemed, voucherDecider, voucherStream, type VoucherEvent, type VoucherState } from './voucher.ts';
import { id, isoDate, isoDateTime, name, refusalFields } from '../bounds.ts';
import type { Deps } from '../access/caller.ts';
import { endedAs, stepContext, type Ended, type Refusal } from '../commands/process.ts';
import { domainEvents } from '../eventstore/events.ts';

const share = z.strictObject({ learnerId: id(), voucherId: id().nullable(), pence });
export const SessionDelivered = defineEvent(
  'vouchers.SessionDelivered',
  z.strictObject({
    sessionId: id(),
    networkId: id(),
    mentorId: id(),
    activity: name(120),
    startsAt: isoDateTime(),
    feePence: pence,
    /** Who paid what: a voucher's value, or (voucherId null) a learner's own contribution. */
    shares: z.array(share).min(1),
    recordedBy: id(),
  }),
);
/**
 * Redeeming a session is a process, so that it runs on a store that commits one stream at a time:
 * the session says redeeming began, with each voucher's draw and the session as it will be
 * recorded; each voucher is drawn on in a write of its own (or records why it no longer can, and
 * the draws already made are given back); then the session is recorded delivered, or refused.
 */
export const SessionRedemptionStarted = defineEvent(
  'vouchers.SessionRedemptionStarted',
  z.strictObject({ sessionId: id(), processId: id(), by: id(), today: isoDate(), draws: z.array(VoucherRedeemed.schema).max(1_000), delivered: SessionDelivered.schema }),
);
export const SessionRedemptionRefused = defineEvent('vouchers.SessionRedemptionRefused', z.strictObject({ sessionId: id(), processId: id(), ...refusalFields }));
export const sessionEventTypes = [SessionDelivered, SessionRedemptionStarted, SessionRedemptionRefused];
export type SessionEvent = DomainEvent<typeof SessionDelivered> | DomainEvent<typeof SessionRedemptionStarted> | DomainEvent<typeof SessionRedemptionRefused>;

export const sessionStream = (sessionId: string) => `learning-session-${sessionId}`;

/** One mentor can give one session starting at one moment: that is the session's identity. */
const SESSION_NAMESPACE = 'a3f0b9a2-5d1c-4b8e-9f57-3c2d1e0f4a6b';
export const sessionIdFor = (networkId: string, mentorId: string, startsAt: string) => uuidv5(`${networkId}/${mentorId}/${new Date(startsAt).toISOString()}`, SESSION_NAMESPACE);

export interface SessionPayment {
  networkId: string;
  mentorId: string;
  activity: string;
  startsAt: string;
  /** The fee for a group session; null for one learner's session, which costs what the voucher gives. */
  feePence: number | null;
  /** `pence` null: a sessions voucher's whole session. */
  shares: Array<{ learnerId: string; voucherId: string | null; pence: number | null }>;
  recordedBy: string;
}

/**
 * A voucher's refusal, naming the field of the session that caused it: the day is the session's
 * start, the pence the share's; a refusal of the voucher as a whole (not paid, used up) names it.
 */
function asShare<T>(i: number, decide: () => T): T {
  try {
    return decide();
  } catch (err) {
    if (!(err instanceof Rejection)) throw err;
    const field = err.field === 'activity' ? 'activity' : err.field === 'pence' ? `shares/${i}/pence` : err.field === undefined ? `shares/${i}/voucherId` : 'startsAt';
    throw new Rejection(err.type, err.message, err.status, field);
  }
}

export type SessionState = { status: 'none' } | { status: 'redeeming'; redeeming: z.infer<typeof SessionRedemptionStarted.schema> } | { status: 'delivered' };

/** A session is delivered once: what its own stream says. A redemption refused leaves it as it was. */
export const sessionFolder: Folder<SessionState, SessionEvent> = {
  initialState: { status: 'none' },
  evolve: (state, event) => {
    switch (event.type) {
      case 'vouchers.SessionDelivered':
        return { status: 'delivered' };
      case 'vouchers.SessionRedemptionStarted':
        return { status: 'redeeming', redeeming: event.data };
      case 'vouchers.SessionRedemptionRefused':
        return state.status === 'redeeming' ? { status: 'none' } : state;
    }
  },
};

/** How the redemption under way ended: delivered, or refused by a voucher. Once, by the process that began it. */
export function decideSessionEnd(state: SessionState, processId: string, refusal?: Refusal): SessionEvent[] {
  if (state.status !== 'redeeming' || state.redeeming.processId !== processId) return [];
  if (refusal) return [{ type: 'vouchers.SessionRedemptionRefused', data: { sessionId: state.redeeming.sessionId, processId, ...refusal } }];
  return [{ type: 'vouchers.SessionDelivered', data: state.redeeming.delivered }];
}

/** Each voucher paying for a session is read under a name of its own, from its id. */
type VoucherName = `voucher ${string}`;
const voucherName = (voucherId: string): VoucherName => `voucher ${voucherId}`;
type SessionReads = { session: StreamRead<SessionState, SessionEvent> } & { [name: VoucherName]: StreamRead<VoucherState, VoucherEvent> };

export interface RedeemOptions {
  /** The revision a client last saw of the one voucher paying for the session (If-Match). */
  ifMatch?: number;
}

/**
 * Redeems a session: decided on the session and every voucher that pays for it as they are, begun
 * on the session alone, then carried on (finishRedemption). If-Match, naming the one voucher, is
 * compared with it as read rather than held.
 */
export async function redeemSession(deps: Pick<Deps, 'store' | 'clock'>, payment: SessionPayment, today: string, context: CommandContext, options: RedeemOptions = {}) {
  const { store } = deps;
  const sessionId = sessionIdFor(payment.networkId, payment.mentorId, payment.startsAt);
  const vouchers = payment.shares.filter((s) => s.voucherId !== null).map((s) => s.voucherId!);
  if (new Set(vouchers).size !== vouchers.length) throw new Rejection('voucher-twice', 'Each voucher pays once for a session.', 422, 'shares');
  if (options.ifMatch !== undefined && vouchers.length !== 1) {
    throw new Rejection('if-match-one-voucher', 'If-Match names the revision of one voucher: send it only for a session paid by one voucher.', 422, 'shares');
  }
  const deliveredOn = payment.startsAt.slice(0, 10);
  const processId = uuidv5('redeem', context.commandId);
  if (options.ifMatch !== undefined) {
    const revision = (await store.readStream(voucherStream(vouchers[0]!), { direction: 'backwards', maxCount: 1 }))[0]?.revision ?? -1;
    if (revision !== options.ifMatch) throw new PreconditionFailed(revision);
  }
  const reads: SessionReads = { session: [sessionStream(sessionId), sessionFolder] };
  for (const voucherId of vouchers) reads[voucherName(voucherId)] = [voucherStream(voucherId), voucherDecider];
  const begun = await decideAcross(
    store,
    reads,
    (states) => {
      if (states.session.status === 'delivered') throw new Rejection('session-redeemed', 'This session has already been redeemed.', 409, 'startsAt');
      if (states.session.status === 'redeeming') throw new Rejection('session-redeemed', 'This session is being redeemed already.', 409, 'startsAt');
      const draws: Array<z.infer<typeof VoucherRedeemed.schema>> = [];
      const shares = payment.shares.map((s, i) => {
        if (s.voucherId === null) {
          if (s.pence === null || s.pence <= 0) throw new Rejection('contribution-amount', "Say how much the learner's own contribution is.", 422, `shares/${i}/pence`);
          return { learnerId: s.learnerId, voucherId: null, pence: s.pence };
        }
        const voucher = states[voucherName(s.voucherId)]!;
        if (voucher.status === 'none' || voucher.voucher.networkId !== payment.networkId || voucher.voucher.learnerId !== s.learnerId) {
          throw new Rejection('voucher-not-found', 'There is no such voucher for this learner.', 404, `shares/${i}/voucherId`);
        }
        const events = asShare(i, () => decideVoucher({ type: 'Redeem', sessionId, mentorId: payment.mentorId, activity: payment.activity, deliveredOn, pence: s.pence, redeemedBy: payment.recordedBy, today }, voucher));
        for (const e of events) if (e.type === 'vouchers.VoucherRedeemed') draws.push(e.data);
        return { learnerId: s.learnerId, voucherId: s.voucherId, pence: events.reduce((sum, e) => sum + (e.type === 'vouchers.VoucherRedeemed' ? e.data.pence : 0), 0) };
      });
      const paid = shares.reduce((sum, s) => sum + s.pence, 0);
      if (payment.feePence !== null && paid !== payment.feePence) throw new Rejection('shares-do-not-add-up', `The shares come to ${formatPence(paid)}; the fee is ${formatPence(payment.feePence)}.`, 422, 'shares');
      const { networkId, mentorId, activity, startsAt, recordedBy } = payment;
      const delivered = { sessionId, networkId, mentorId, activity, startsAt, feePence: paid, shares, recordedBy };
      const started: SessionEvent = { type: 'vouchers.SessionRedemptionStarted', data: { sessionId, processId, by: context.actor, today, draws, delivered } };
      return { session: [started] };
    },
    context,
  );
  const end = await finishRedemption(deps, sessionId);
  if (end.state.status !== 'delivered') {
    if (end.refused) throw new Rejection(end.refused.problem, end.refused.detail, 409);
    throw new Rejection('session-redeemed', 'This session is being redeemed already.', 409, 'startsAt');
  }
  const single = vouchers.length === 1 ? (await store.readStream(voucherStream(vouchers[0]!), { direction: 'backwards', maxCount: 1 }))[0]?.revision : undefined;
  return { sessionId, revision: end.revision, position: Math.max(begun.position, end.position), replayed: begun.replayed, ...(single === undefined ? {} : { voucherRevision: single }) };
}

/**
 * Carries on the redemption under way on a session, if one is: each voucher drawn on in turn,
 * under ids derived from the process; at the first refusal, the draws made are given back; then
 * the session's end. Each written once, whoever carries it on.
 */
export async function finishRedemption(deps: Pick<Deps, 'store' | 'clock'>, sessionId: string): Promise<Ended<SessionState>> {
  const { store } = deps;
  const history = await store.readStream(sessionStream(sessionId));
  const state = domainEvents<SessionEvent>(history).reduce(sessionFolder.evolve, sessionFolder.initialState);
  if (state.status !== 'redeeming') return endedAs(state, history, SessionRedemptionRefused.type);
  const { processId, by, today, draws } = state.redeeming;
  // A coordinator recording a mentor's session does so on the mentor's behalf, every step of it.
  const begun = [...history].reverse().find((e) => e.type === SessionRedemptionStarted.type);
  const step = stepContext(deps.clock, by, processId, begun?.metadata.onBehalfOf ?? null);
  const drawn: typeof draws = [];
  let refused: Refusal | undefined;
  for (const draw of draws) {
    const done = await decideAcross(store, { voucher: [voucherStream(draw.voucherId), voucherDecider] as const }, (s) => ({ voucher: decideDraw(draw, today, s.voucher) }), step(`draw on ${draw.voucherId}`));
    const outcome = done.events.voucher?.[0];
    if (outcome?.type === 'vouchers.VoucherDrawRefused') {
      refused = { problem: outcome.data.problem, detail: outcome.data.detail };
      break;
    }
    drawn.push(draw);
  }
  for (const draw of refused ? drawn.reverse() : []) {
    await decideAcross(store, { voucher: [voucherStream(draw.voucherId), voucherDecider] as const }, () => ({ voucher: decideReturn(draw) }), step(`give back ${draw.voucherId}`));
  }
  const end = await decideAcross(store, { session: [sessionStream(sessionId), sessionFolder] as const }, (s) => ({ session: decideSessionEnd(s.session, processId, refused) }), step('end'));
  return { state: end.states.session, revision: end.revisions.session, position: end.position, ...(refused ? { refused } : {}) };
}

/** Sessions whose redemption is under way, as the read table has them. */
export async function unfinishedRedemptions(deps: Pick<Deps, 'database'>): Promise<string[]> {
  const rows = await deps.database.db.selectFrom('voucher_sessions_in_flight').select('session_id').execute();
  return rows.map((r) => r.session_id);
}
