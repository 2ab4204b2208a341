// Pool commands, each one decision over the streams it names: a payment is decided on together
// with its pool, and the approval that pays is a process that writes the payment, the pool (and,
// for a transfer, the receiving pool) one at a time. Each checks that the pool is the network's
// and the payment the pool's, on the streams it reads anyway. The rules of who may do what are the application's (app.ts).
import { v5 as uuidv5 } from 'uuid';
import type { Deps } from '../access/caller.ts';
import { decideAcross, type CommandContext } from '../commands/decide.ts';
import { endedAs, stepContext, type Ended } from '../commands/process.ts';
import { Rejection, type Actor } from '../commands/decider.ts';
import { domainEvents } from '../eventstore/events.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';
import { assertOpen, PaymentRefused, poolDecider, poolStream, TransferredIn, type OpenPool, type PoolCommand, type PoolEvent, type PoolState } from './pool.ts';
import {
  decideApproval,
  decideBeginApproval,
  decidePaymentEnd,
  decidePoolPays,
  decideRejection,
  decideSubmission,
  decideTransfer,
  PaymentApprovalRefused,
  PaymentApprovalStarted,
  paymentFolder,
  paymentStream,
  type Outgoing,
  type PaymentEvent,
  type PaymentState,
} from './payment.ts';
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
 * An approval, decided on the payment and the pool as they are. One that completes the approvals
 * begins paying on the payment's stream alone, and is then carried on (finishPayment): the pool
 * pays in a write of its own, a transfer's receiving pool in another, and the payment records the
 * end. A payment's `toPool` is read for its decision only.
 */
export async function approvePayment(deps: Pick<Deps, 'store' | 'clock'>, networkId: string, poolId: string, paymentId: string, by: Actor, today: string, context: CommandContext, ifMatch?: IfMatch, paidOn?: string) {
  const processId = uuidv5('approval', context.commandId);
  const begun = await decideAcross(
    deps.store,
    { payment: paymentRead(paymentId), pool: poolRead(poolId) },
    (s) => ({ payment: decideBeginApproval(decideApproval(paymentIn(poolId, s.payment), openIn(s.pool, networkId), by, today, paidOn), processId) }),
    context,
    { ifMatch: { stream: 'payment', revision: ifMatch } },
  );
  if (!begun.events.payment?.some((e) => e.type === PaymentApprovalStarted.type)) return { revision: begun.revisions.payment, position: begun.position };
  const end = await finishPayment(deps, paymentId);
  if (end.state.status === 'paid') return { revision: end.revision, position: Math.max(begun.position, end.position) };
  if (end.refused) throw new Rejection(end.refused.problem, end.refused.detail, 409);
  throw new Rejection('payment-settled', `This payment is ${end.state.status} now.`, 409);
}

/** Carries on the completing approval under way on a payment, if one is: the pool's step, a transfer's receipt, then the end. Each written once, whoever carries it on. */
export async function finishPayment(deps: Pick<Deps, 'store' | 'clock'>, paymentId: string): Promise<Ended<PaymentState>> {
  const history = await deps.store.readStream(paymentStream(paymentId));
  const state = domainEvents<PaymentEvent>(history).reduce(paymentFolder.evolve, paymentFolder.initialState);
  if (state.status !== 'paying') return endedAs(state, history, PaymentApprovalRefused.type);
  const { processId, approvedBy, out, into } = state.paying;
  const context = stepContext(deps.clock, approvedBy, processId);
  const paid = await decideAcross(deps.store, { pool: poolRead(out.data.poolId) }, (s) => {
    assertOpen(s.pool);
    return { pool: decidePoolPays(s.pool, out) };
  }, context('pool'));
  const outcome = paid.events.pool?.[0];
  const refused = outcome?.type === PaymentRefused.type ? { problem: outcome.data.problem, detail: outcome.data.detail } : undefined;
  if (!refused && into) await decideAcross(deps.store, { pool: poolRead(into.poolId) }, () => ({ pool: [{ type: TransferredIn.type, data: into }] }), context('into'));
  const end = await decideAcross(deps.store, { payment: paymentRead(paymentId) }, (s) => ({ payment: decidePaymentEnd(s.payment, processId, refused) }), context('end'));
  return { state: end.states.payment, revision: end.revisions.payment, position: end.position, ...(refused ? { refused } : {}) };
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
