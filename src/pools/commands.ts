// Pool commands, each one decision over the streams it names: a payment is decided on together
// with its pool, and the approval that pays writes to both at once (and, for a transfer, to the
// receiving pool too). Each checks that the pool is the network's and the payment the pool's, on
// the streams it reads anyway. The rules of who may do what are the application's (app.ts).
import { decideAcross, readStates, type CommandContext } from '../commands/decide.ts';
import { Rejection, type Actor } from '../commands/decider.ts';
import { domainEvents } from '../eventstore/events.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';
import { assertOpen, poolDecider, poolStream, type OpenPool, type PoolCommand, type PoolEvent, type PoolState } from './pool.ts';
import { decideApproval, decideRejection, decideSubmission, decideTransfer, paymentFolder, paymentStream, type Outgoing, type PaymentEvent, type PaymentState } from './payment.ts';
import { ledgerEntries, reconciliationFolder, reconciliationStream, type ReconciliationEvent, type ReconciliationState } from './reconciliation.ts';
import type { LedgerEntry } from './matching.ts';

/** The revision of the named resource's stream a client last saw (If-Match), if it sent one. */
export type IfMatch = number | undefined;

/** The pool, open in this network. */
export function openIn(pool: PoolState, networkId: string): OpenPool {
  assertOpen(pool, networkId);
  return pool;
}

/** The pool folded from its history, open in this network: for the co-op, which pays out of pools. */
export function poolIn(networkId: string, history: RecordedEvent[]): OpenPool {
  return openIn(domainEvents<PoolEvent>(history).reduce(poolDecider.evolve, poolDecider.initialState), networkId);
}

/** The payment, submitted to this pool. */
function paymentIn(poolId: string, payment: PaymentState): Extract<PaymentState, { payment: unknown }> {
  if (payment.status === 'none' || payment.payment.poolId !== poolId) throw new Rejection('payment-not-found', 'There is no such payment in this pool.', 404);
  return payment;
}

const poolRead = (poolId: string) => [poolStream(poolId), poolDecider] as const;
const paymentRead = (paymentId: string) => [paymentStream(paymentId), paymentFolder] as const;

/** A command on the pool's own stream. */
export function onPool(store: EventStore, poolId: string, command: PoolCommand, context: CommandContext, ifMatch?: IfMatch) {
  return decideAcross(store, { pool: poolRead(poolId) }, ({ pool }) => ({ pool: poolDecider.decide(command, pool) }), context, { ifMatch: { stream: 'pool', revision: ifMatch } });
}

export function submitPayment(store: EventStore, networkId: string, payment: Omit<Extract<Outgoing, { kind: 'payment' }>, 'kind'>, today: string, context: CommandContext) {
  return decideAcross(
    store,
    { payment: paymentRead(payment.paymentId), pool: poolRead(payment.poolId) },
    (s) => ({ payment: decideSubmission(s.payment, openIn(s.pool, networkId), payment, today) }),
    context,
  );
}

export function submitTransfer(store: EventStore, networkId: string, transfer: Omit<Extract<Outgoing, { kind: 'transfer' }>, 'kind'>, today: string, context: CommandContext) {
  return decideAcross(
    store,
    { payment: paymentRead(transfer.paymentId), pool: poolRead(transfer.poolId), toPool: poolRead(transfer.toPoolId) },
    (s) => ({ payment: decideTransfer(s.payment, openIn(s.pool, networkId), s.toPool, transfer, today) }),
    context,
  );
}

/**
 * Approving reads the payment first to learn where a transfer goes; the decision itself is made
 * on fresh reads of every stream it writes, each at its expected revision. A payment's `toPool`
 * is its own pool, read once.
 */
export async function approvePayment(store: EventStore, networkId: string, poolId: string, paymentId: string, by: Actor, today: string, context: CommandContext, ifMatch?: IfMatch, paidOn?: string) {
  const { payment } = await readStates(store, { payment: paymentRead(paymentId) });
  const submitted = paymentIn(poolId, payment).payment;
  const toPoolId = submitted.kind === 'transfer' ? submitted.toPoolId : poolId;
  return decideAcross(
    store,
    { payment: paymentRead(paymentId), pool: poolRead(poolId), toPool: poolRead(toPoolId) },
    (s) => {
      const decided = decideApproval(paymentIn(poolId, s.payment), openIn(s.pool, networkId), by, today, paidOn);
      return { payment: decided.payment, pool: decided.pool, toPool: decided.to };
    },
    context,
    { ifMatch: { stream: 'payment', revision: ifMatch } },
  );
}

export function rejectPayment(store: EventStore, networkId: string, poolId: string, paymentId: string, by: Actor, reason: string, context: CommandContext, ifMatch?: IfMatch) {
  return decideAcross(
    store,
    { payment: paymentRead(paymentId), pool: poolRead(poolId) },
    (s): { payment: PaymentEvent[] } => {
      openIn(s.pool, networkId);
      return { payment: decideRejection(paymentIn(poolId, s.payment), by, reason) };
    },
    context,
    { ifMatch: { stream: 'payment', revision: ifMatch } },
  );
}

/** A decision on the pool's reconciliation, with the pool's ledger entries in view; the pool is only read. */
export function onReconciliation(
  store: EventStore,
  networkId: string,
  poolId: string,
  decide: (state: ReconciliationState, entries: LedgerEntry[]) => ReconciliationEvent[],
  context: CommandContext,
  ifMatch?: IfMatch,
  /** The entries' references, opened before deciding: the decider cannot open a sealed one. */
  references: ReadonlyMap<string, string> = new Map(),
  /** Other money through the pool's bank account (learning vouchers'), matched like its entries. */
  alsoThrough: readonly LedgerEntry[] = [],
) {
  return decideAcross(
    store,
    { reconciliation: [reconciliationStream(poolId), reconciliationFolder] as const, pool: poolRead(poolId) },
    (s) => ({ reconciliation: decide(s.reconciliation, [...ledgerEntries(openIn(s.pool, networkId), references), ...alsoThrough]) }),
    context,
    { ifMatch: { stream: 'reconciliation', revision: ifMatch } },
  );
}
