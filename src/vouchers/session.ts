// A learning session delivered by a mentor, and what paid for it: one learner's voucher, or, for a
// regular group activity, several learners' vouchers and small contributions together making up
// the fee. The session is a stream of its own whose id follows from the mentor and the start
// time, so two requests for the same session, however close together, redeem it once.
import { z } from 'zod';
import { v5 as uuidv5 } from 'uuid';
import { Rejection } from '../commands/decider.ts';
import { decideAcross, type CommandContext, type EventsByName, type Folder, type StreamRead } from '../commands/decide.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import type { EventStore } from '../eventstore/port.ts';
import { formatPence, pence } from '../units.ts';
import { decideVoucher, voucherDecider, voucherStream, type VoucherEvent, type VoucherState } from './voucher.ts';
import { id, isoDateTime, name } from '../bounds.ts';

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
export const sessionEventTypes = [SessionDelivered];
export type SessionEvent = DomainEvent<typeof SessionDelivered>;

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

/** A session is delivered once: what its own stream says. */
export const sessionFolder: Folder<{ delivered: boolean }, SessionEvent> = {
  initialState: { delivered: false },
  evolve: () => ({ delivered: true }),
};

/** Each voucher paying for a session is read under a name of its own, from its id. */
type VoucherName = `voucher ${string}`;
const voucherName = (voucherId: string): VoucherName => `voucher ${voucherId}`;
type SessionReads = { session: StreamRead<{ delivered: boolean }, SessionEvent> } & { [name: VoucherName]: StreamRead<VoucherState, VoucherEvent> };

export interface RedeemOptions {
  /** The revision a client last saw of the one voucher paying for the session (If-Match). */
  ifMatch?: number;
}

/** Redeems a session: the session and every voucher that pays for it are written together, or nothing is. */
export async function redeemSession(store: EventStore, payment: SessionPayment, today: string, context: CommandContext, options: RedeemOptions = {}) {
  const sessionId = sessionIdFor(payment.networkId, payment.mentorId, payment.startsAt);
  const vouchers = payment.shares.filter((s) => s.voucherId !== null).map((s) => s.voucherId!);
  if (new Set(vouchers).size !== vouchers.length) throw new Rejection('voucher-twice', 'Each voucher pays once for a session.', 422, 'shares');
  if (options.ifMatch !== undefined && vouchers.length !== 1) {
    throw new Rejection('if-match-one-voucher', 'If-Match names the revision of one voucher: send it only for a session paid by one voucher.', 422, 'shares');
  }
  const deliveredOn = payment.startsAt.slice(0, 10);
  const reads: SessionReads = { session: [sessionStream(sessionId), sessionFolder] };
  for (const voucherId of vouchers) reads[voucherName(voucherId)] = [voucherStream(voucherId), voucherDecider];
  const done = await decideAcross(
    store,
    reads,
    (states) => {
      if (states.session.delivered) throw new Rejection('session-redeemed', 'This session has already been redeemed.', 409, 'startsAt');
      const decided: EventsByName<SessionReads> = {};
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
        decided[voucherName(s.voucherId)] = events;
        return { learnerId: s.learnerId, voucherId: s.voucherId, pence: events.reduce((sum, e) => sum + (e.type === 'vouchers.VoucherRedeemed' ? e.data.pence : 0), 0) };
      });
      const paid = shares.reduce((sum, s) => sum + s.pence, 0);
      if (payment.feePence !== null && paid !== payment.feePence) throw new Rejection('shares-do-not-add-up', `The shares come to ${formatPence(paid)}; the fee is ${formatPence(payment.feePence)}.`, 422, 'shares');
      const { networkId, mentorId, activity, startsAt, recordedBy } = payment;
      const delivered: SessionEvent = { type: 'vouchers.SessionDelivered', data: { sessionId, networkId, mentorId, activity, startsAt, feePence: paid, shares, recordedBy } };
      return { ...decided, session: [delivered] };
    },
    context,
    options.ifMatch === undefined ? {} : { ifMatch: { stream: voucherName(vouchers[0]!), revision: options.ifMatch } },
  );
  const single = vouchers.length === 1 ? done.revisions[voucherName(vouchers[0]!)] : undefined;
  return { sessionId, revision: done.revisions.session, position: done.position, replayed: done.replayed, ...(single === undefined ? {} : { voucherRevision: single }) };
}
