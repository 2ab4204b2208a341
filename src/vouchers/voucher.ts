// Learning vouchers, after the Learning for the Fourth Age scheme: a relative gives a learner an
// amount, or a set of sessions of an activity, for an occasion. Once the network has the money it
// is held for the learner, ring-fenced, until mentors redeem it session by session. What is left
// at expiry goes where the network's policy said when the voucher was bought: back to the giver,
// or to the network's learning fund. Each voucher is a stream, so its remaining value holds
// however many redemptions race; each session is a stream too, so none is redeemed twice.
import { z } from 'zod';
import { Rejection, type Decider } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import type { Sealed } from '../access/vault.ts';
import { assertNotFuture } from '../pools/pool.ts';
import { formatPence, pence, wholePence, MAX_PENCE } from '../units.ts';
import { id, isoDate, name, reasonText, refusalFields } from '../bounds.ts';

const date = isoDate();
export const atExpiry = z.enum(['refund-to-giver', 'learning-fund']);

/** What a network says happens to vouchers: how long they last (null: never) and where unused value goes. */
export const policyShape = z.strictObject({ expiryMonths: z.number().int().min(1).max(120).nullable(), atExpiry });
export type LearningPolicy = z.infer<typeof policyShape>;
export const defaultPolicy: LearningPolicy = { expiryMonths: 24, atExpiry: 'refund-to-giver' };

export const LearningPolicySet = defineEvent('vouchers.LearningPolicySet', policyShape.extend({ networkId: id(), setBy: id() }));

export const voucherValue = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('amount'), pence: pence }),
  z
    .strictObject({ kind: z.literal('sessions'), activity: name(120), sessions: z.number().int().min(1).max(200), pencePerSession: pence })
    // Its price is one amount, under the same ceiling as a voucher of an amount.
    .refine((v) => v.sessions * v.pencePerSession <= MAX_PENCE, { path: ['pencePerSession'], message: 'the voucher would cost more than £1,000,000' }),
]);
export type VoucherValue = z.infer<typeof voucherValue>;

const ids = { voucherId: id(), networkId: id() };
export const VoucherBought = defineEvent(
  'vouchers.VoucherBought',
  z.strictObject({
    ...ids,
    giverId: id(),
    learnerId: id(),
    value: voucherValue,
    occasion: name(120),
    /** The giver's message to the learner, sealed with the giver's key: personal, and erasable. */
    message: z.string(),
    boughtOn: date,
    expiresOn: date.nullable(),
    atExpiry,
  }),
);
/** The network has the money: from now it is held for the learner. */
/** The bank account money went through: a pool of the network, whose bank reconciliation shows it. */
const accountPoolId = id().nullable().describe("The pool whose bank account the money went through, to appear in its bank reconciliation; null when it went through none Hearth keeps");
export const VoucherPaid = defineEvent(
  'vouchers.VoucherPaid',
  z.strictObject({ ...ids, pence: pence, reference: name(140), receivedOn: date, recordedBy: id(), accountPoolId: accountPoolId.optional() }),
);
/** Value used for one session: a whole session of a sessions voucher, or pence of an amount voucher. */
export const VoucherRedeemed = defineEvent(
  'vouchers.VoucherRedeemed',
  z.strictObject({ ...ids, sessionId: id(), mentorId: id(), activity: name(120), deliveredOn: date, pence: pence, sessions: z.number().int().min(0).max(1), redeemedBy: id() }),
);
export const VoucherRefunded = defineEvent('vouchers.VoucherRefunded', z.strictObject({ ...ids, pence: pence, reason: reasonText(), refundedOn: date, recordedBy: id() }));
export const VoucherExpired = defineEvent(
  'vouchers.VoucherExpired',
  z.strictObject({ ...ids, pence: wholePence, sessions: z.number().int().min(0).max(200), disposition: atExpiry, expiredOn: date }),
);

/** How money went back to a giver. */
export const payoutMethod = z.enum(['bank-transfer', 'cheque', 'cash']);
/**
 * Money paid back to the giver: what a refund on their request, or an expiry back to them, owed.
 * The reference is the one the bank or the cheque shows, so the payment can be found on a statement.
 */
export const VoucherPaidOut = defineEvent(
  'vouchers.VoucherPaidOut',
  z.strictObject({ ...ids, payoutId: id(), pence: pence, method: payoutMethod, reference: name(140), paidOn: date, recordedBy: id(), accountPoolId }),
);

/**
 * A session's draw on the voucher that this voucher no longer allowed when its turn came (used up
 * or expired by another session since the redemption began), under the id the draw would have
 * had: whoever carries the redemption on finds the same answer.
 */
export const VoucherDrawRefused = defineEvent('vouchers.VoucherDrawRefused', z.strictObject({ ...ids, sessionId: id(), ...refusalFields }));
/** A draw given back: another voucher paying for the same session refused its draw, so the session was not redeemed. */
export const RedemptionReturned = defineEvent(
  'vouchers.RedemptionReturned',
  z.strictObject({ ...ids, sessionId: id(), pence: pence, sessions: z.number().int().min(0).max(1) }),
);

export const voucherEventTypes = [VoucherBought, VoucherPaid, VoucherRedeemed, VoucherRefunded, VoucherExpired, VoucherPaidOut, VoucherDrawRefused, RedemptionReturned];
export type VoucherEvent =
  | DomainEvent<typeof VoucherBought>
  | DomainEvent<typeof VoucherPaid>
  | DomainEvent<typeof VoucherRedeemed>
  | DomainEvent<typeof VoucherRefunded>
  | DomainEvent<typeof VoucherExpired>
  | DomainEvent<typeof VoucherPaidOut>
  | DomainEvent<typeof VoucherDrawRefused>
  | DomainEvent<typeof RedemptionReturned>;
export type PolicyEvent = DomainEvent<typeof LearningPolicySet>;

type Bought = z.infer<typeof VoucherBought.schema>;
export type VoucherState =
  | { status: 'none' }
  | {
      status: 'awaiting-payment' | 'held' | 'refunded' | 'expired';
      voucher: Bought;
      /** Value still held for the learner, in pence. */
      leftPence: number;
      /** For a sessions voucher, the sessions still to use. */
      leftSessions: number;
      redeemed: Set<string>;
      /** Refunded, or expired back to the giver, and not yet paid out to them. */
      owedToGiver: number;
      /** The payment received, once it is: a repeat must say the same to be the same payment. */
      payment?: { pence: number; reference: string; receivedOn: string };
    };
export type HeldVoucher = Exclude<VoucherState, { status: 'none' }>;

export const voucherStream = (voucherId: string) => `voucher-${voucherId}`;
export const policyStream = (networkId: string) => `learning-${networkId}`;

/** The price of a voucher: its amount, or its sessions at their price. */
export const priceOf = (value: VoucherValue) => (value.kind === 'amount' ? value.pence : value.sessions * value.pencePerSession);

export function evolveVoucher(state: VoucherState, event: VoucherEvent): VoucherState {
  if (event.type === 'vouchers.VoucherBought') {
    const v = event.data.value;
    return { status: 'awaiting-payment', voucher: event.data, leftPence: 0, leftSessions: v.kind === 'sessions' ? v.sessions : 0, redeemed: new Set(), owedToGiver: 0 };
  }
  if (state.status === 'none') return state;
  // Changed in place: a folded state belongs to the fold that made it.
  switch (event.type) {
    case 'vouchers.VoucherPaid':
      state.status = 'held';
      state.leftPence = event.data.pence;
      state.payment = { pence: event.data.pence, reference: event.data.reference, receivedOn: event.data.receivedOn };
      return state;
    case 'vouchers.VoucherRedeemed':
      state.leftPence -= event.data.pence;
      state.leftSessions -= event.data.sessions;
      state.redeemed.add(event.data.sessionId);
      return state;
    case 'vouchers.VoucherRefunded':
      state.leftPence -= event.data.pence;
      state.owedToGiver += event.data.pence;
      if (state.leftPence === 0) {
        state.status = 'refunded';
        state.leftSessions = 0;
      }
      return state;
    case 'vouchers.VoucherExpired':
      state.status = 'expired';
      state.leftPence = 0;
      state.leftSessions = 0;
      if (event.data.disposition === 'refund-to-giver') state.owedToGiver += event.data.pence;
      return state;
    case 'vouchers.VoucherPaidOut':
      state.owedToGiver -= event.data.pence;
      return state;
    case 'vouchers.VoucherDrawRefused':
      return state;
    case 'vouchers.RedemptionReturned':
      state.leftPence += event.data.pence;
      state.leftSessions += event.data.sessions;
      state.redeemed.delete(event.data.sessionId);
      return state;
  }
}

type Draw = z.infer<typeof VoucherRedeemed.schema>;

/**
 * A session's draw on the voucher, as the redemption planned it when it began: made if the
 * voucher, as it is now, still gives exactly that; else the refusal in its place.
 */
export function decideDraw(draw: Draw, today: string, state: VoucherState): VoucherEvent[] {
  const { voucherId, networkId, sessionId, mentorId, activity, deliveredOn, redeemedBy } = draw;
  try {
    const [now] = decideVoucher({ type: 'Redeem', sessionId, mentorId, activity, deliveredOn, pence: draw.pence, redeemedBy, today }, state);
    if (now?.type !== 'vouchers.VoucherRedeemed' || now.data.pence !== draw.pence || now.data.sessions !== draw.sessions) {
      throw new Rejection('voucher-changed', 'This voucher changed while the session was being redeemed. Please try again.', 409);
    }
    return [{ type: 'vouchers.VoucherRedeemed', data: draw }];
  } catch (err) {
    if (!(err instanceof Rejection)) throw err;
    return [{ type: 'vouchers.VoucherDrawRefused', data: { voucherId, networkId, sessionId, problem: err.type, detail: err.message } }];
  }
}

/** A draw given back, the session it paid for not having been redeemed. */
export const decideReturn = (draw: Draw): VoucherEvent[] => [
  { type: 'vouchers.RedemptionReturned', data: { voucherId: draw.voucherId, networkId: draw.networkId, sessionId: draw.sessionId, pence: draw.pence, sessions: draw.sessions } },
];

export type VoucherCommand =
  | { type: 'BuyVoucher'; voucherId: string; networkId: string; giverId: string; learnerId: string; value: VoucherValue; occasion: string; message: Sealed; policy: LearningPolicy; today: string }
  | { type: 'RecordPayment'; pence: number; reference: string; receivedOn: string; recordedBy: string; today: string; accountPoolId?: string | null }
  /** `pence` for an amount voucher; a sessions voucher uses one session at its price. */
  | { type: 'Redeem'; sessionId: string; mentorId: string; activity: string; deliveredOn: string; pence: number | null; redeemedBy: string; today: string }
  | { type: 'Refund'; pence: number; reason: string; recordedBy: string; today: string }
  | { type: 'Expire'; today: string }
  /** Money paid back to the giver: all or part of what they are owed. */
  | { type: 'RecordPayout'; payoutId: string; pence: number; method: z.infer<typeof payoutMethod>; reference: string; paidOn: string; recordedBy: string; today: string; accountPoolId: string | null };

/** The day a voucher bought today stops, under the policy: so many months on, or never. */
export function expiryFrom(day: string, policy: LearningPolicy): string | null {
  if (policy.expiryMonths === null) return null;
  const d = new Date(`${day}T00:00:00Z`);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + policy.expiryMonths, 1));
  // The same day of the month, or the month's last day when it is shorter (31 January + 1 month: 28 February).
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return target.toISOString().slice(0, 10);
}

function existing(state: VoucherState): HeldVoucher {
  if (state.status === 'none') throw new Rejection('voucher-not-found', 'There is no such voucher.', 404);
  return state;
}

/** Held, and not past its last day. */
function assertUsable(voucher: HeldVoucher, on: string, field: string) {
  if (voucher.status === 'awaiting-payment') throw new Rejection('voucher-not-paid', 'The network has not received the money for this voucher yet.', 409);
  if (voucher.status !== 'held') throw new Rejection('voucher-closed', `This voucher was ${voucher.status}.`, 409);
  const { expiresOn } = voucher.voucher;
  if (expiresOn !== null && on > expiresOn) throw new Rejection('voucher-expired', `This voucher could be used until ${expiresOn}.`, 409, field);
}

/** What one session takes from the voucher. */
function sessionCost(voucher: HeldVoucher, command: Extract<VoucherCommand, { type: 'Redeem' }>): { pence: number; sessions: number } {
  const value = voucher.voucher.value;
  if (value.kind === 'sessions') {
    if (command.activity !== value.activity) throw new Rejection('wrong-activity', `This voucher is for ${value.activity}.`, 422, 'activity');
    if (voucher.leftSessions < 1) throw new Rejection('nothing-left', 'Every session on this voucher has been used.', 409);
    // The last session takes whatever pence are left, so the held value always ends at nothing.
    return { pence: voucher.leftSessions === 1 ? voucher.leftPence : Math.min(value.pencePerSession, voucher.leftPence), sessions: 1 };
  }
  if (command.pence === null || command.pence <= 0) throw new Rejection('pence-required', 'Say how much of the voucher this session uses.', 422, 'pence');
  if (command.pence > voucher.leftPence) throw new Rejection('more-than-left', `${formatPence(voucher.leftPence)} is left on this voucher.`, 409, 'pence');
  return { pence: command.pence, sessions: 0 };
}

export function decideVoucher(command: VoucherCommand, state: VoucherState): VoucherEvent[] {
  if (command.type === 'BuyVoucher') {
    if (state.status !== 'none') return [];
    if (command.giverId === command.learnerId) throw new Rejection('own-voucher', 'A voucher is a gift to someone else.', 422, 'learnerId');
    const { voucherId, networkId, giverId, learnerId, value, occasion, message, policy, today } = command;
    return [{ type: 'vouchers.VoucherBought', data: { voucherId, networkId, giverId, learnerId, value, occasion, message, boughtOn: today, expiresOn: expiryFrom(today, policy), atExpiry: policy.atExpiry } }];
  }
  const voucher = existing(state);
  const ids = { voucherId: voucher.voucher.voucherId, networkId: voucher.voucher.networkId };
  switch (command.type) {
    case 'RecordPayment': {
      // Money for a voucher that has expired is not taken: it would be held for no one.
      if (voucher.status === 'expired') throw new Rejection('voucher-closed', 'This voucher has expired.', 409);
      if (voucher.status !== 'awaiting-payment') {
        // The same money under the same reference told twice is recorded once, whatever day it is
        // said to have come; other figures for a paid voucher are a mistake to put right, not
        // something to answer 200 to and drop.
        const first = voucher.payment;
        if (!first || (first.pence === command.pence && first.reference === command.reference)) return [];
        throw new Rejection(
          'voucher-already-paid',
          `This voucher was paid on ${first.receivedOn}: ${formatPence(first.pence)}, reference ${first.reference}. A payment with other figures is not recorded.`,
          409,
        );
      }
      const price = priceOf(voucher.voucher.value);
      if (command.pence !== price) throw new Rejection('wrong-amount', `This voucher costs ${formatPence(price)}.`, 422, 'pence');
      assertNotFuture(command.receivedOn, command.today, 'receivedOn');
      if (command.receivedOn < voucher.voucher.boughtOn) throw new Rejection('paid-before-bought', `The voucher was bought on ${voucher.voucher.boughtOn}.`, 422, 'receivedOn');
      const through = command.accountPoolId ? { accountPoolId: command.accountPoolId } : {};
      return [{ type: 'vouchers.VoucherPaid', data: { ...ids, pence: command.pence, reference: command.reference, receivedOn: command.receivedOn, recordedBy: command.recordedBy, ...through } }];
    }
    case 'Redeem': {
      if (voucher.redeemed.has(command.sessionId)) throw new Rejection('session-redeemed', 'This session has already been redeemed on this voucher.', 409, 'sessionId');
      // A session is redeemed once it has been delivered.
      assertNotFuture(command.deliveredOn, command.today, 'deliveredOn');
      assertUsable(voucher, command.deliveredOn, 'deliveredOn');
      if (command.deliveredOn < voucher.voucher.boughtOn) throw new Rejection('delivered-before-bought', `The voucher was bought on ${voucher.voucher.boughtOn}.`, 422, 'deliveredOn');
      const cost = sessionCost(voucher, command);
      const { sessionId, mentorId, activity, deliveredOn, redeemedBy } = command;
      return [{ type: 'vouchers.VoucherRedeemed', data: { ...ids, sessionId, mentorId, activity, deliveredOn, ...cost, redeemedBy } }];
    }
    case 'Refund': {
      assertUsable(voucher, command.today, 'pence');
      if (command.pence > voucher.leftPence) throw new Rejection('more-than-left', `${formatPence(voucher.leftPence)} is left on this voucher.`, 422, 'pence');
      if (voucher.voucher.value.kind === 'sessions' && command.pence !== voucher.leftPence) {
        throw new Rejection('whole-sessions-refund', `A sessions voucher is refunded whole: ${formatPence(voucher.leftPence)} is left.`, 422, 'pence');
      }
      return [{ type: 'vouchers.VoucherRefunded', data: { ...ids, pence: command.pence, reason: command.reason, refundedOn: command.today, recordedBy: command.recordedBy } }];
    }
    case 'Expire': {
      const { expiresOn } = voucher.voucher;
      if (voucher.status === 'expired') return [];
      if (expiresOn === null || command.today <= expiresOn) throw new Rejection('not-expired', expiresOn ? `This voucher can be used until ${expiresOn}.` : 'This voucher never expires.', 409);
      // Nothing held (never paid for, or refunded in full) expires with nothing to move.
      const held = voucher.status === 'held' ? voucher.leftPence : 0;
      const sessions = voucher.status === 'held' ? voucher.leftSessions : 0;
      return [{ type: 'vouchers.VoucherExpired', data: { ...ids, pence: held, sessions, disposition: voucher.voucher.atExpiry, expiredOn: command.today } }];
    }
    case 'RecordPayout': {
      // Only what a refund or an expiry owes the giver goes back to them, and never more.
      if (voucher.owedToGiver === 0) throw new Rejection('nothing-owed', 'Nothing on this voucher is owed to its giver: it pays out only what a refund or an expiry back to them owes.', 409);
      if (command.pence > voucher.owedToGiver) throw new Rejection('more-than-owed-to-giver', `${formatPence(voucher.owedToGiver)} is owed to the giver.`, 422, 'pence');
      assertNotFuture(command.paidOn, command.today, 'paidOn');
      if (command.paidOn < voucher.voucher.boughtOn) throw new Rejection('paid-before-bought', `The voucher was bought on ${voucher.voucher.boughtOn}.`, 422, 'paidOn');
      const { payoutId, pence, method, reference, paidOn, recordedBy, accountPoolId } = command;
      return [{ type: 'vouchers.VoucherPaidOut', data: { ...ids, payoutId, pence, method, reference, paidOn, recordedBy, accountPoolId } }];
    }
  }
}

export const voucherDecider: Decider<VoucherCommand, VoucherState, VoucherEvent> = {
  initialState: { status: 'none' },
  evolve: evolveVoucher,
  decide: decideVoucher,
};

export const policyDecider: Decider<{ type: 'SetPolicy'; networkId: string; policy: LearningPolicy; setBy: string }, LearningPolicy, PolicyEvent> = {
  initialState: defaultPolicy,
  evolve: (_state, event) => ({ expiryMonths: event.data.expiryMonths, atExpiry: event.data.atExpiry }),
  decide: (command, state) =>
    state.expiryMonths === command.policy.expiryMonths && state.atExpiry === command.policy.atExpiry ? [] : [{ type: 'vouchers.LearningPolicySet', data: { networkId: command.networkId, ...command.policy, setBy: command.setBy } }],
};
