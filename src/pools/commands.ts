// Pool commands that span streams: an approval is decided on the payment and the pool together,
// and the approval that pays writes to both at once.
import type { z } from 'zod';
import { fold, Rejection, type Actor } from '../commands/decider.ts';
import { handleAcross, type CommandContext } from '../commands/handle.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';
import { poolDecider, poolStream, type PoolEvent } from './pool.ts';
import { decideApproval, decideRejection, decideSubmission, evolvePayment, paymentStream, type PaymentEvent, type PaymentState, type PaymentSubmitted } from './payment.ts';

const poolOf = (h: RecordedEvent[]) => fold(poolDecider, h as unknown as PoolEvent[]);
const paymentOf = (h: RecordedEvent[]): PaymentState => (h as unknown as PaymentEvent[]).reduce(evolvePayment, { status: 'none' } as PaymentState);

export function submitPayment(store: EventStore, payment: z.infer<typeof PaymentSubmitted.schema>, today: string, context: CommandContext) {
  return handleAcross(store, [paymentStream(payment.paymentId), poolStream(payment.poolId)], ([mine, pool]) => [decideSubmission(paymentOf(mine!), poolOf(pool!), payment, today), []], context);
}

export async function approvePayment(store: EventStore, paymentId: string, by: Actor, today: string, context: CommandContext) {
  const [submitted] = await store.readStream(paymentStream(paymentId), { maxCount: 1 });
  if (!submitted) throw new Rejection('payment-not-found', 'There is no such payment.', 404);
  const { poolId } = submitted.data as { poolId: string };
  return handleAcross(
    store,
    [paymentStream(paymentId), poolStream(poolId)],
    ([mine, pool]) => {
      const decided = decideApproval(paymentOf(mine!), poolOf(pool!), by, today);
      return [decided.payment, decided.pool];
    },
    context,
  );
}

export function rejectPayment(store: EventStore, paymentId: string, by: Actor, reason: string, context: CommandContext) {
  return handleAcross(store, [paymentStream(paymentId)], ([mine]) => [decideRejection(paymentOf(mine!), by, reason)], context);
}
