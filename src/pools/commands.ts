// Pool commands that span streams: a payment is decided on together with its pool, and the
// approval that pays writes to both at once. Each checks that the pool is the network's and the
// payment the pool's, on the streams it reads anyway.
import type { z } from 'zod';
import { fold, Rejection, type Actor } from '../commands/decider.ts';
import { handleAcross, type CommandContext, type Decided } from '../commands/handle.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';
import { poolDecider, poolStream, type PoolEvent } from './pool.ts';
import { decideApproval, decideRejection, decideSubmission, evolvePayment, paymentStream, type PaymentEvent, type PaymentState, type PaymentSubmitted } from './payment.ts';

const paymentOf = (h: RecordedEvent[]): PaymentState => (h as unknown as PaymentEvent[]).reduce(evolvePayment, { status: 'none' } as PaymentState);

/** The pool, open in this network. */
export function poolIn(networkId: string, history: RecordedEvent[]) {
  const pool = fold(poolDecider, history as unknown as PoolEvent[]);
  if (pool.status === 'none' || pool.networkId !== networkId) throw new Rejection('pool-not-found', 'There is no such pool in this network.', 404);
  return pool;
}

/** The payment, submitted to this pool. */
function paymentIn(poolId: string, history: RecordedEvent[]): PaymentState {
  const payment = paymentOf(history);
  if (payment.status === 'none' || payment.payment.poolId !== poolId) throw new Rejection('payment-not-found', 'There is no such payment in this pool.', 404);
  return payment;
}

export function submitPayment(store: EventStore, networkId: string, payment: z.infer<typeof PaymentSubmitted.schema>, today: string, context: CommandContext) {
  return handleAcross(
    store,
    [paymentStream(payment.paymentId), poolStream(payment.poolId)],
    ([mine, pool]) => [decideSubmission(paymentOf(mine!), poolIn(networkId, pool!), payment, today), []],
    context,
  );
}

/** A decision on a payment of this pool, in this network, with the pool's money in view. */
function onPayment(
  store: EventStore,
  ids: { networkId: string; poolId: string; paymentId: string },
  decide: (payment: PaymentState, pool: ReturnType<typeof poolIn>) => Decided[],
  context: CommandContext,
) {
  return handleAcross(store, [paymentStream(ids.paymentId), poolStream(ids.poolId)], ([mine, pool]) => decide(paymentIn(ids.poolId, mine!), poolIn(ids.networkId, pool!)), context);
}

export function approvePayment(store: EventStore, networkId: string, poolId: string, paymentId: string, by: Actor, today: string, context: CommandContext) {
  return onPayment(store, { networkId, poolId, paymentId }, (payment, pool) => {
    const decided = decideApproval(payment, pool, by, today);
    return [decided.payment, decided.pool];
  }, context);
}

export function rejectPayment(store: EventStore, networkId: string, poolId: string, paymentId: string, by: Actor, reason: string, context: CommandContext) {
  return onPayment(store, { networkId, poolId, paymentId }, (payment) => [decideRejection(payment, by, reason), []], context);
}
