// Pool commands that span streams: a payment is decided on together with its pool, and the
// approval that pays writes to both at once (and, for a transfer, to the receiving pool too).
// Each checks that the pool is the network's and the payment the pool's, on the streams it reads
// anyway.
import { fold, Rejection, type Actor } from '../commands/decider.ts';
import { handleAcross, type CommandContext } from '../commands/handle.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';
import { assertOpen, poolDecider, poolStream, type OpenPool, type PoolEvent } from './pool.ts';
import { decideApproval, decideRejection, decideSubmission, decideTransfer, evolvePayment, paymentStream, type Approved, type Outgoing, type PaymentEvent, type PaymentState } from './payment.ts';

const paymentOf = (h: RecordedEvent[]): PaymentState => (h as unknown as PaymentEvent[]).reduce(evolvePayment, { status: 'none' } as PaymentState);
const poolOf = (h: RecordedEvent[]) => fold(poolDecider, h as unknown as PoolEvent[]);

/** The pool, open in this network. */
export function poolIn(networkId: string, history: RecordedEvent[]): OpenPool {
  const pool = poolOf(history);
  assertOpen(pool, networkId);
  return pool;
}

/** The payment, submitted to this pool. */
function paymentIn(poolId: string, history: RecordedEvent[]): Extract<PaymentState, { payment: unknown }> {
  const payment = paymentOf(history);
  if (payment.status === 'none' || payment.payment.poolId !== poolId) throw new Rejection('payment-not-found', 'There is no such payment in this pool.', 404);
  return payment;
}

export function submitPayment(store: EventStore, networkId: string, payment: Omit<Extract<Outgoing, { kind: 'payment' }>, 'kind'>, today: string, context: CommandContext) {
  return handleAcross(
    store,
    [paymentStream(payment.paymentId), poolStream(payment.poolId)],
    ([mine, pool]) => [decideSubmission(paymentOf(mine!), poolIn(networkId, pool!), payment, today), []],
    context,
  );
}

export function submitTransfer(store: EventStore, networkId: string, transfer: Omit<Extract<Outgoing, { kind: 'transfer' }>, 'kind'>, today: string, context: CommandContext) {
  return handleAcross(
    store,
    [paymentStream(transfer.paymentId), poolStream(transfer.poolId), poolStream(transfer.toPoolId)],
    ([mine, pool, to]) => [decideTransfer(paymentOf(mine!), poolIn(networkId, pool!), poolOf(to!), transfer, today), [], []],
    context,
  );
}

/**
 * Approving reads the payment first to learn where a transfer goes; the decision itself is made
 * on fresh reads of every stream it writes, each at its expected revision.
 */
export async function approvePayment(store: EventStore, networkId: string, poolId: string, paymentId: string, by: Actor, today: string, context: CommandContext) {
  const submitted = paymentIn(poolId, await store.readStream(paymentStream(paymentId)));
  const to = submitted.payment.kind === 'transfer' ? [poolStream(submitted.payment.toPoolId)] : [];
  return handleAcross(
    store,
    [paymentStream(paymentId), poolStream(poolId), ...to],
    ([mine, pool]) => {
      const decided: Approved = decideApproval(paymentIn(poolId, mine!), poolIn(networkId, pool!), by, today);
      return to.length > 0 ? [decided.payment, decided.pool, decided.to] : [decided.payment, decided.pool];
    },
    context,
  );
}

export function rejectPayment(store: EventStore, networkId: string, poolId: string, paymentId: string, by: Actor, reason: string, context: CommandContext) {
  return handleAcross(
    store,
    [paymentStream(paymentId), poolStream(poolId)],
    ([mine, pool]) => {
      poolIn(networkId, pool!);
      return [decideRejection(paymentIn(poolId, mine!), by, reason), []];
    },
    context,
  );
}
