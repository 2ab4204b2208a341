// Money going out of a pool: a payment to a provider, for a purpose, attributed to the budget
// holders it benefits (so that each can show their council how their Direct Payment was spent),
// or a transfer to another pool of the network. Nothing leaves the pool until it is approved:
// never by whoever submitted it, and by two different people above the pool's threshold. A
// rejection says why.
import { z } from 'zod';
import { Rejection, type Actor } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { assertNotFuture, assertOpenDate, expenseSharing, PaymentMade, sharesOfBalance, TransferredIn, TransferredOut, type ExpenseSharing, type OpenPool, type PoolEvent, type PoolState } from './pool.ts';
import { apportion, type Share } from './apportion.ts';
import { formatPence, pence } from '../units.ts';
import { id, isoDate, text, name, reasonText, refusalFields } from '../bounds.ts';

const submission = {
  paymentId: id(),
  poolId: id(),
  pence,
  submittedBy: id(),
  submittedOn: isoDate(),
};

export const PaymentSubmitted = defineEvent(
  'pools.PaymentSubmitted',
  z.strictObject({
    ...submission,
    payee: name(200),
    /**
     * The payee, when they are a person of the network (an activity leader who is a member, a
     * board member paid for a service): they benefit, so they may not approve it.
     */
    payeeId: id().optional(),
    purpose: text(500, { lines: true }),
    invoiceReference: name(140),
    /** The date written on the invoice; left out by payments submitted before it was asked for. */
    invoiceDate: isoDate().optional(),
    /**
     * Who benefits, and how much of the payment is spent on each one's behalf; the shares sum to
     * the payment. None for a pool's own expense, whose rule shares it when it is paid.
     */
    beneficiaries: z.array(z.strictObject({ holderId: id(), pence })),
    /** A cost of the pool itself (insurance, room hire), attributed by the rule the treasurer chose. */
    expense: z.strictObject({ sharedBy: expenseSharing }).optional(),
  }),
);
/** A transfer to another pool of the same network; `paymentId` identifies it on both sides. */
export const TransferSubmitted = defineEvent(
  'pools.TransferSubmitted',
  z.strictObject({ ...submission, toPoolId: id(), reason: reasonText() }),
);
/**
 * `paid` when this approval completed the approvals, and the money moved. `on` is the day of the
 * approval; approvals recorded before it was kept leave it out (their day is when they were recorded).
 */
export const PaymentApproved = defineEvent('pools.PaymentApproved', z.strictObject({ paymentId: id(), approvedBy: id(), paid: z.boolean(), on: isoDate().optional() }));
export const PaymentRejected = defineEvent('pools.PaymentRejected', z.strictObject({ paymentId: id(), rejectedBy: id(), reason: reasonText() }));

/**
 * The approval that completes a payment's approvals is a process, as confirming an exchange is:
 * the payment records the approval begun, with the money out the pool is to pay (and, for a
 * transfer, what the other pool is to receive); the pool pays in a write of its own, or records
 * why it no longer can; then the payment records the approval (`paid`), or that it was refused
 * and waits as before.
 */
export const PaymentApprovalStarted = defineEvent(
  'pools.PaymentApprovalStarted',
  z.strictObject({
    paymentId: id(),
    approvedBy: id(),
    on: isoDate(),
    processId: id(),
    out: z.discriminatedUnion('type', [
      z.strictObject({ type: z.literal(PaymentMade.type), data: PaymentMade.schema }),
      z.strictObject({ type: z.literal(TransferredOut.type), data: TransferredOut.schema }),
    ]),
    into: TransferredIn.schema.optional(),
  }),
);
export const PaymentApprovalRefused = defineEvent(
  'pools.PaymentApprovalRefused',
  z.strictObject({ paymentId: id(), processId: id(), ...refusalFields }),
);

export const paymentEventTypes = [PaymentSubmitted, TransferSubmitted, PaymentApproved, PaymentRejected, PaymentApprovalStarted, PaymentApprovalRefused];
export type PaymentEvent =
  | DomainEvent<typeof PaymentSubmitted>
  | DomainEvent<typeof TransferSubmitted>
  | DomainEvent<typeof PaymentApproved>
  | DomainEvent<typeof PaymentRejected>
  | DomainEvent<typeof PaymentApprovalStarted>
  | DomainEvent<typeof PaymentApprovalRefused>;

type Payment = z.infer<typeof PaymentSubmitted.schema>;
type Transfer = z.infer<typeof TransferSubmitted.schema>;
export type Outgoing = ({ kind: 'payment' } & Payment) | ({ kind: 'transfer' } & Transfer);
/** The completing approval under way: the money out and in it will write, under its process. */
export type Paying = z.infer<typeof PaymentApprovalStarted.schema>;
export type PaymentState =
  | { status: 'none' }
  | { status: 'submitted' | 'paid' | 'rejected'; payment: Outgoing; approvedBy: string[] }
  | { status: 'paying'; payment: Outgoing; approvedBy: string[]; paying: Paying };

export const paymentStream = (paymentId: string) => `pool-payment-${paymentId}`;

/** What folds a payment's stream, for a decision that reads it. */
export const paymentFolder = { initialState: { status: 'none' } as PaymentState, evolve: evolvePayment };

export function evolvePayment(state: PaymentState, event: PaymentEvent): PaymentState {
  if (event.type === 'pools.PaymentSubmitted') return { status: 'submitted', payment: { kind: 'payment', ...event.data }, approvedBy: [] };
  if (event.type === 'pools.TransferSubmitted') return { status: 'submitted', payment: { kind: 'transfer', ...event.data }, approvedBy: [] };
  if (state.status === 'none') return state;
  const { payment, approvedBy } = state;
  switch (event.type) {
    case 'pools.PaymentRejected':
      return { status: 'rejected', payment, approvedBy };
    case 'pools.PaymentApprovalStarted':
      return { status: 'paying', payment, approvedBy, paying: event.data };
    case 'pools.PaymentApprovalRefused':
      return { status: 'submitted', payment, approvedBy };
    case 'pools.PaymentApproved':
      return { status: event.data.paid ? 'paid' : state.status === 'paying' ? 'submitted' : state.status, payment, approvedBy: [...approvedBy, event.data.approvedBy] };
  }
}

function assertSubmittable(state: PaymentState, pool: PoolState, submitted: { submittedOn: string }, today: string): asserts pool is OpenPool {
  if (state.status !== 'none') throw new Rejection('payment-exists', 'This payment is already submitted.', 409);
  if (pool.status === 'none') throw new Rejection('pool-not-found', 'There is no such pool.', 404);
  assertNotFuture(submitted.submittedOn, today, 'submittedOn');
  assertOpenDate(pool, submitted.submittedOn, 'submittedOn');
}

export function decideSubmission(state: PaymentState, pool: PoolState, payment: Payment, today: string): PaymentEvent[] {
  assertSubmittable(state, pool, payment, today);
  if (payment.invoiceDate !== undefined) assertNotFuture(payment.invoiceDate, today, 'invoiceDate');
  if (payment.expense) {
    if (payment.beneficiaries.length > 0) throw new Rejection('expense-beneficiaries', "A pool's own expense names no beneficiaries: its rule shares it when it is paid.", 422, 'beneficiaries');
  } else {
    if (payment.beneficiaries.length === 0) throw new Rejection('beneficiaries-needed', 'Name the budget holders the payment is for, or submit it as a pool expense.', 422, 'beneficiaries');
    assertBeneficiaries(payment);
  }
  return [{ type: 'pools.PaymentSubmitted', data: payment }];
}

function assertBeneficiaries(payment: Pick<Payment, 'pence' | 'beneficiaries'>) {
  if (payment.beneficiaries.reduce((sum, b) => sum + b.pence, 0) !== payment.pence) {
    throw new Rejection('shares-do-not-add-up', "The beneficiaries' shares must add up to the payment.", 422, 'beneficiaries');
  }
  if (new Set(payment.beneficiaries.map((b) => b.holderId)).size !== payment.beneficiaries.length) {
    throw new Rejection('beneficiary-twice', 'Name each beneficiary once, with their whole share.', 422, 'beneficiaries');
  }
}

/** A transfer goes to another open pool of the same network. */
export function decideTransfer(state: PaymentState, pool: PoolState, to: PoolState, transfer: Transfer, today: string): PaymentEvent[] {
  assertSubmittable(state, pool, transfer, today);
  if (to.status === 'none' || to.networkId !== pool.networkId) throw new Rejection('pool-not-found', 'There is no such pool in this network to transfer to.', 404, 'toPoolId');
  if (to.poolId === pool.poolId) throw new Rejection('same-pool', 'A transfer goes to another pool.', 422, 'toPoolId');
  return [{ type: 'pools.TransferSubmitted', data: transfer }];
}

/**
 * A pool expense's parts by its rule, among the holders with money in the pool now: none for no
 * holder; for the others, in whole pence that add up to the amount.
 */
export function expenseShares(pool: OpenPool, amount: number, sharedBy: ExpenseSharing): Share[] {
  if (sharedBy === 'no-holder') return [];
  const holding = [...sharesOfBalance(pool)].filter(([, p]) => p > 0).map(([holderId, p]) => ({ holderId, pence: p }));
  if (holding.length === 0) throw new Rejection('no-holders-to-share', 'No budget holder has money in the pool to share it across: attribute it to no holder.', 422, 'expense');
  return apportion(amount, sharedBy === 'equally' ? holding.map((h) => ({ holderId: h.holderId, pence: 1 })) : holding);
}

/** Who a payment is spent on: its beneficiaries, or for a pool expense the holders its rule shares it across. */
const beneficiariesOf = (pool: OpenPool, payment: Payment): Share[] => (payment.expense ? expenseShares(pool, payment.pence, payment.expense.sharedBy) : payment.beneficiaries);

/** Approvals a payment needs under the pool's policy. */
export const approvalsNeeded = (pool: OpenPool, amount: number) => (amount > pool.twoApproversAbovePence ? 2 : 1);

export interface Approved {
  payment: PaymentEvent[];
  pool: PoolEvent[];
  /** The receiving pool's side of a transfer. */
  to: PoolEvent[];
}

/**
 * An approval. The one that completes the approvals moves the money: the approval, the pool's
 * debit (and a transfer's credit to the other pool) are written together, and only if the pool
 * holds enough, so no approval, however it races, can take the pool below zero. The ledger is
 * dated by the day the money left the account, `paidOn`: today unless the approver says it left
 * earlier (the bank's own two signatures came first), never before the payment was submitted.
 */
export function decideApproval(state: PaymentState, pool: PoolState, by: Actor, today: string, paidOn?: string): Approved {
  const nothing: Approved = { payment: [], pool: [], to: [] };
  if (state.status === 'none') throw new Rejection('payment-not-found', 'There is no such payment.', 404);
  if (pool.status === 'none') throw new Rejection('pool-not-found', 'There is no such pool.', 404);
  const { payment } = state;
  // An approver's retry, once the payment is paid, changes nothing.
  if (state.status === 'paid' && state.approvedBy.includes(by.personId)) return nothing;
  if (state.status === 'paying') throw new Rejection('payment-paying', BEING_PAID, 409);
  if (state.status !== 'submitted') throw new Rejection('payment-settled', `This payment is already ${state.status}.`, 409);
  if (by.personId === payment.submittedBy) throw new Rejection('own-payment', 'Whoever submits a payment cannot approve it.', 403);
  // Money spent on someone, or paid to them, is approved by others, so that no one signs off their
  // own benefit: a pool expense shared across the holders benefits each of them.
  const spentOn = payment.kind === 'payment' ? beneficiariesOf(pool, payment) : [];
  if (payment.kind === 'payment' && (payment.payeeId === by.personId || spentOn.some((b) => b.holderId === by.personId))) {
    throw new Rejection('beneficiary-approval', 'Whoever benefits from a payment, or is paid by it, cannot approve it; ask another treasurer or a board member.', 403);
  }
  if (state.approvedBy.includes(by.personId)) throw new Rejection('already-approved', 'You have approved this payment; it needs a second, different approver.', 409);
  const approve = (paid: boolean): PaymentEvent => ({ type: 'pools.PaymentApproved', data: { paymentId: payment.paymentId, approvedBy: by.personId, paid, on: today } });
  if (state.approvedBy.length + 1 < approvalsNeeded(pool, payment.pence)) {
    if (paidOn !== undefined) throw new Rejection('not-paid-yet', 'This approval does not complete the approvals, so no money leaves yet: leave the paid date out.', 422, 'paidOn');
    return { ...nothing, payment: [approve(false)] };
  }
  if (pool.balance < payment.pence) {
    throw new Rejection('not-enough-in-pool', `The pool holds ${formatPence(pool.balance)}; this payment is ${formatPence(payment.pence)}.`, 409);
  }
  const left = paidOn ?? today;
  assertNotFuture(left, today, 'paidOn');
  assertOpenDate(pool, left, 'paidOn');
  if (left < payment.submittedOn) throw new Rejection('paid-before-submitted', `Money leaves once a payment is submitted and approved: ${payment.submittedOn} or later.`, 422, 'paidOn');
  const { paymentId, poolId, pence: amount } = payment;
  if (payment.kind === 'transfer') {
    return {
      payment: [approve(true)],
      pool: [{ type: 'pools.TransferredOut', data: { poolId, transferId: paymentId, toPoolId: payment.toPoolId, pence: amount, reference: payment.reason, transferredOn: left } }],
      to: [{ type: 'pools.TransferredIn', data: { poolId: payment.toPoolId, transferId: paymentId, fromPoolId: poolId, pence: amount, reference: payment.reason, transferredOn: left } }],
    };
  }
  const { payee, purpose, invoiceReference } = payment;
  return {
    payment: [approve(true)],
    pool: [{ type: 'pools.PaymentMade', data: { poolId, paymentId, payee, purpose, invoiceReference, pence: amount, beneficiaries: spentOn, paidOn: left, ...(payment.expense ? { expense: payment.expense } : {}) } }],
    to: [],
  };
}

const BEING_PAID = 'This payment is being paid: the money is leaving the pool. Look again in a moment.';

/**
 * An approval as it is written: one that completes the approvals begins paying (the money out
 * decided now, on the pool as it is, carried by the beginning), any other is recorded as it is.
 */
export function decideBeginApproval(approved: Approved, processId: string): PaymentEvent[] {
  const [approval] = approved.payment;
  const [out] = approved.pool;
  if (approval?.type !== 'pools.PaymentApproved' || !approval.data.paid || !out) return approved.payment;
  if (out.type !== 'pools.PaymentMade' && out.type !== 'pools.TransferredOut') throw new Error(`an approval pays by ${out.type}`);
  const [into] = approved.to;
  const { paymentId, approvedBy, on } = approval.data;
  return [{ type: 'pools.PaymentApprovalStarted', data: { paymentId, approvedBy, on: on!, processId, out, ...(into?.type === 'pools.TransferredIn' ? { into: into.data } : {}) } }];
}

/** The pool's step of a completing approval: the money out, or, past what the pool as it is now allows, the refusal in its place. */
export function decidePoolPays(pool: OpenPool, out: Paying['out']): PoolEvent[] {
  const { poolId, pence: amount } = out.data;
  const paymentId = out.type === 'pools.PaymentMade' ? out.data.paymentId : out.data.transferId;
  try {
    if (pool.balance < amount) throw new Rejection('not-enough-in-pool', `The pool holds ${formatPence(pool.balance)}; this payment is ${formatPence(amount)}.`, 409);
    assertOpenDate(pool, out.type === 'pools.PaymentMade' ? out.data.paidOn : out.data.transferredOn, 'paidOn');
    return [out];
  } catch (err) {
    if (!(err instanceof Rejection)) throw err;
    return [{ type: 'pools.PaymentRefused', data: { poolId, paymentId, pence: amount, problem: err.type, detail: err.message } }];
  }
}

/** How the completing approval under way ended: paid, or refused by the pool. Once, by the process that began it. */
export function decidePaymentEnd(state: PaymentState, processId: string, refusal?: { problem: string; detail: string }): PaymentEvent[] {
  if (state.status !== 'paying' || state.paying.processId !== processId) return [];
  const { paymentId, approvedBy, on } = state.paying;
  if (refusal) return [{ type: 'pools.PaymentApprovalRefused', data: { paymentId, processId, ...refusal } }];
  return [{ type: 'pools.PaymentApproved', data: { paymentId, approvedBy, paid: true, on } }];
}

export function decideRejection(state: PaymentState, by: Actor, reason: string): PaymentEvent[] {
  if (state.status === 'none') throw new Rejection('payment-not-found', 'There is no such payment.', 404);
  if (state.status === 'paying') throw new Rejection('payment-paying', BEING_PAID, 409);
  if (state.status !== 'submitted') throw new Rejection('payment-settled', `This payment is already ${state.status}.`, 409);
  return [{ type: 'pools.PaymentRejected', data: { paymentId: state.payment.paymentId, rejectedBy: by.personId, reason } }];
}

/**
 * A payment out of a pool that a co-op's members voted for: their passed proposal is its approval.
 * Like any payment it names the budget holders it benefits, and only if the pool holds enough.
 */
export function decideProposalPayment(pool: OpenPool, payment: Omit<Payment, 'submittedBy' | 'submittedOn'> & { proposalId: string }, today: string): PoolEvent[] {
  if (pool.proposalsPaid.has(payment.proposalId)) throw new Rejection('proposal-already-paid', 'This proposal has authorised its one payment already.', 409);
  assertOpenDate(pool, today, 'paidOn');
  assertBeneficiaries(payment);
  if (pool.balance < payment.pence) throw new Rejection('not-enough-in-pool', `The pool holds ${formatPence(pool.balance)}; this payment is ${formatPence(payment.pence)}.`, 409);
  const { poolId, paymentId, payee, purpose, invoiceReference, pence: amount, beneficiaries, proposalId } = payment;
  return [{ type: 'pools.PaymentMade', data: { poolId, paymentId, payee, purpose, invoiceReference, pence: amount, beneficiaries, paidOn: today, proposalId } }];
}
