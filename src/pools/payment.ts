// A payment from a pool to a provider, for a purpose, attributed to the budget holders it
// benefits so that each can show their council how their Direct Payment was spent. Nothing leaves
// the pool until it is approved: never by whoever submitted it, and by two different people
// above the pool's threshold. A rejection says why.
import { z } from 'zod';
import { Rejection, type Actor } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { pence, type PoolEvent, type PoolState } from './pool.ts';

export const PaymentSubmitted = defineEvent(
  'pools.PaymentSubmitted',
  z.strictObject({
    paymentId: z.uuid(),
    poolId: z.uuid(),
    payee: z.string().trim().min(1).max(200),
    purpose: z.string().trim().min(1).max(500),
    invoiceReference: z.string().trim().min(1).max(140),
    pence,
    /** Who benefits, and how much of the payment is spent on each one's behalf; the shares sum to the payment. */
    beneficiaries: z.array(z.strictObject({ holderId: z.uuid(), pence })).min(1),
    submittedBy: z.uuid(),
    submittedOn: z.iso.date(),
  }),
);
/** `paid` when this approval completed the approvals, and the pool paid it. */
export const PaymentApproved = defineEvent('pools.PaymentApproved', z.strictObject({ paymentId: z.uuid(), approvedBy: z.uuid(), paid: z.boolean() }));
export const PaymentRejected = defineEvent('pools.PaymentRejected', z.strictObject({ paymentId: z.uuid(), rejectedBy: z.uuid(), reason: z.string().trim().min(1).max(500) }));

export const paymentEventTypes = [PaymentSubmitted, PaymentApproved, PaymentRejected];
export type PaymentEvent = DomainEvent<typeof PaymentSubmitted> | DomainEvent<typeof PaymentApproved> | DomainEvent<typeof PaymentRejected>;

type Submitted = z.infer<typeof PaymentSubmitted.schema>;
export type PaymentState =
  | { status: 'none' }
  | { status: 'submitted' | 'paid' | 'rejected'; payment: Submitted; approvedBy: string[] };

export const paymentStream = (paymentId: string) => `pool-payment-${paymentId}`;

export function evolvePayment(state: PaymentState, event: PaymentEvent): PaymentState {
  if (event.type === 'pools.PaymentSubmitted') return { status: 'submitted', payment: event.data, approvedBy: [] };
  if (state.status === 'none') return state;
  if (event.type === 'pools.PaymentRejected') return { ...state, status: 'rejected' };
  return { ...state, status: event.data.paid ? 'paid' : state.status, approvedBy: [...state.approvedBy, event.data.approvedBy] };
}

export function decideSubmission(state: PaymentState, pool: PoolState, payment: Submitted, today: string): PaymentEvent[] {
  if (state.status !== 'none') throw new Rejection('payment-exists', 'This payment is already submitted.', 409);
  if (pool.status === 'none') throw new Rejection('pool-not-found', 'There is no such pool.', 404);
  if (payment.beneficiaries.reduce((sum, b) => sum + b.pence, 0) !== payment.pence) {
    throw new Rejection('shares-do-not-add-up', "The beneficiaries' shares must add up to the payment.", 422, 'beneficiaries');
  }
  if (new Set(payment.beneficiaries.map((b) => b.holderId)).size !== payment.beneficiaries.length) {
    throw new Rejection('beneficiary-twice', 'Name each beneficiary once, with their whole share.', 422, 'beneficiaries');
  }
  if (payment.submittedOn > today) throw new Rejection('date-in-future', 'The date cannot be in the future.', 422, 'submittedOn');
  return [{ type: 'pools.PaymentSubmitted', data: payment }];
}

/** Approvals a payment needs under the pool's policy. */
export const approvalsNeeded = (pool: Extract<PoolState, { status: 'open' }>, amount: number) => (amount > pool.twoApproversAbovePence ? 2 : 1);

/**
 * An approval. The one that completes the approvals pays: the payment and the pool's debit are
 * written together, and only if the pool holds enough, so no approval, however it races, can take
 * the pool below zero.
 */
export function decideApproval(state: PaymentState, pool: PoolState, by: Actor, today: string): { payment: PaymentEvent[]; pool: PoolEvent[] } {
  if (state.status === 'none') throw new Rejection('payment-not-found', 'There is no such payment.', 404);
  if (pool.status === 'none') throw new Rejection('pool-not-found', 'There is no such pool.', 404);
  const { payment } = state;
  // An approver's retry, once the payment is paid, changes nothing.
  if (state.status === 'paid' && state.approvedBy.includes(by.personId)) return { payment: [], pool: [] };
  if (state.status !== 'submitted') throw new Rejection('payment-settled', `This payment is already ${state.status}.`, 409);
  if (by.personId === payment.submittedBy) throw new Rejection('own-payment', 'Whoever submits a payment cannot approve it.', 403);
  if (state.approvedBy.includes(by.personId)) throw new Rejection('already-approved', 'You have approved this payment; it needs a second, different approver.', 409);
  const approve = (paid: boolean): PaymentEvent => ({ type: 'pools.PaymentApproved', data: { paymentId: payment.paymentId, approvedBy: by.personId, paid } });
  if (state.approvedBy.length + 1 < approvalsNeeded(pool, payment.pence)) return { payment: [approve(false)], pool: [] };
  if (pool.balance < payment.pence) {
    throw new Rejection('not-enough-in-pool', `The pool holds ${formatPence(pool.balance)}; this payment is ${formatPence(payment.pence)}.`, 409);
  }
  return { payment: [approve(true)], pool: [{ type: 'pools.PaymentMade', data: { poolId: pool.poolId, paymentId: payment.paymentId, pence: payment.pence, paidOn: today } }] };
}

export function decideRejection(state: PaymentState, by: Actor, reason: string): PaymentEvent[] {
  if (state.status === 'none') throw new Rejection('payment-not-found', 'There is no such payment.', 404);
  if (state.status !== 'submitted') throw new Rejection('payment-settled', `This payment is already ${state.status}.`, 409);
  return [{ type: 'pools.PaymentRejected', data: { paymentId: state.payment.paymentId, rejectedBy: by.personId, reason } }];
}

/** Pence as pounds: £1,234.05, with a sign when negative. */
export function formatPence(amount: number): string {
  const sign = amount < 0 ? '-' : '';
  const p = Math.abs(amount);
  return `${sign}£${Math.floor(p / 100).toLocaleString('en-GB')}.${String(p % 100).padStart(2, '0')}`;
}
