// Pools over HTTP: a Neighbourhood Network's coordinator opens a pool; its treasurer records the
// money that comes in; payments are submitted, then approved or rejected by the treasurer or the
// board under the pool's policy.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { v5 as uuidv5 } from 'uuid';
import type { Hearth } from '../hearth.ts';
import { fold, Rejection, type Actor } from '../commands/decider.ts';
import { handleCommand, type CommandContext, type HandledAcross } from '../commands/handle.ts';
import { membershipOf, requireMember, signedIn } from '../access/guard.ts';
import type { Role } from '../access/membership.ts';
import { MoneyReceived, pence, poolDecider, poolStream, type PoolEvent } from '../pools/pool.ts';
import { PaymentSubmitted, formatPence, paymentStream } from '../pools/payment.ts';
import { approvePayment, rejectPayment, submitPayment } from '../pools/commands.ts';
import { idempotent } from './idempotency.ts';
import { commandContext } from './commands.ts';
import { writeResult } from './reads.ts';

const poolParams = z.object({ networkId: z.uuid(), poolId: z.uuid() });
const paymentParams = poolParams.extend({ paymentId: z.uuid() });
const today = () => new Date().toISOString().slice(0, 10);
const written = (done: HandledAcross) => ({ revision: done.revisions[0]!, position: done.position });

export function poolRoutes(hearth: Hearth): FastifyPluginAsync {
  const { store } = hearth;

  /** The pool, which must belong to this network. */
  async function poolIn(networkId: string, poolId: string) {
    const pool = fold(poolDecider, (await store.readStream(poolStream(poolId))) as unknown as PoolEvent[]);
    if (pool.status === 'none' || pool.networkId !== networkId) throw new Rejection('pool-not-found', 'There is no such pool in this network.', 404);
    return pool;
  }

  /** The payment, which must have been submitted to this pool. */
  async function paymentIn(poolId: string, paymentId: string) {
    const [submitted] = await store.readStream(paymentStream(paymentId), { maxCount: 1 });
    if (!submitted || (submitted.data as { poolId: string }).poolId !== poolId) throw new Rejection('payment-not-found', 'There is no such payment in this pool.', 404);
  }

  async function activeHolder(networkId: string, personId: string, field: string) {
    if ((await membershipOf(store, networkId, personId)).status !== 'active') throw new Rejection('unknown-holder', 'This person is not an active member of the network.', 422, field);
  }

  /** Authorised first, then run once per Idempotency-Key. */
  async function as(roles: readonly Role[], request: Parameters<typeof signedIn>[0], networkId: string) {
    const principal = signedIn(request);
    await requireMember(store, networkId, principal, roles);
    return { personId: principal.personId, context: (commandId: string) => commandContext(request, commandId, { actor: principal.personId, onBehalfOf: null }) };
  }

  /** Approving or rejecting: by a treasurer or the board, once per key, on a payment of this pool. */
  async function settle(
    request: FastifyRequest<{ Params: z.infer<typeof paymentParams> }>,
    reply: FastifyReply,
    run: (by: Actor, context: CommandContext) => Promise<HandledAcross>,
  ) {
    const { networkId, poolId, paymentId } = request.params;
    const actor = await as(['treasurer', 'board'], request, networkId);
    return idempotent(hearth, request, reply, actor.personId, async (commandId) => {
      await poolIn(networkId, poolId);
      await paymentIn(poolId, paymentId);
      return { status: 200, body: written(await run({ personId: actor.personId, isCoordinator: false }, actor.context(commandId))) };
    });
  }

  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/pools';

    app.post(
      base,
      {
        schema: {
          summary: 'Open a pool (coordinators)',
          params: z.object({ networkId: z.uuid() }),
          body: z.strictObject({ name: z.string().trim().min(1).max(120), twoApproversAbovePence: z.number().int('must be whole pence').min(0) }),
          response: { 201: writeResult.extend({ poolId: z.uuid() }) },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        const actor = await as(['coordinator'], request, networkId);
        return idempotent(hearth, request, reply, actor.personId, async (commandId) => {
          const poolId = uuidv5('pool', commandId);
          const done = await handleCommand(store, poolDecider, poolStream(poolId), { type: 'OpenPool', poolId, networkId, ...request.body }, actor.context(commandId));
          return { status: 201, body: { poolId, revision: done.revision, position: done.position } };
        });
      },
    );

    app.get(
      `${base}/:poolId`,
      {
        schema: {
          summary: "A pool's balance and approval threshold (coordinators, treasurers, board)",
          params: poolParams,
          response: { 200: z.object({ poolId: z.uuid(), balancePence: z.number().int(), balance: z.string(), twoApproversAbovePence: z.number().int() }) },
        },
      },
      async (request) => {
        const { networkId, poolId } = request.params;
        await as(['coordinator', 'treasurer', 'board'], request, networkId);
        const pool = await poolIn(networkId, poolId);
        return { poolId, balancePence: pool.balance, balance: formatPence(pool.balance), twoApproversAbovePence: pool.twoApproversAbovePence };
      },
    );

    app.post(
      `${base}/:poolId/receipts`,
      {
        schema: {
          summary: "Record money in: a budget holder's contribution, council or grant income, a refund (treasurers)",
          params: poolParams,
          body: MoneyReceived.schema.omit({ poolId: true, receiptId: true }).extend({ holderId: z.uuid().nullable().default(null) }),
          response: { 201: writeResult.extend({ receiptId: z.uuid() }) },
        },
      },
      async (request, reply) => {
        const { networkId, poolId } = request.params;
        const actor = await as(['treasurer'], request, networkId);
        return idempotent(hearth, request, reply, actor.personId, async (commandId) => {
          await poolIn(networkId, poolId);
          if (request.body.holderId) await activeHolder(networkId, request.body.holderId, 'holderId');
          const receiptId = uuidv5('receipt', commandId);
          const done = await handleCommand(store, poolDecider, poolStream(poolId), { type: 'ReceiveMoney', receiptId, ...request.body, today: today() }, actor.context(commandId));
          return { status: 201, body: { receiptId, revision: done.revision, position: done.position } };
        });
      },
    );

    app.post(
      `${base}/:poolId/payments`,
      {
        schema: {
          summary: 'Submit a payment to a provider, for the budget holders it benefits (coordinators, treasurers)',
          params: poolParams,
          body: PaymentSubmitted.schema.omit({ paymentId: true, poolId: true, submittedBy: true }).extend({ pence }),
          response: { 201: writeResult.extend({ paymentId: z.uuid() }) },
        },
      },
      async (request, reply) => {
        const { networkId, poolId } = request.params;
        const actor = await as(['coordinator', 'treasurer'], request, networkId);
        return idempotent(hearth, request, reply, actor.personId, async (commandId) => {
          await poolIn(networkId, poolId);
          for (const [i, b] of request.body.beneficiaries.entries()) await activeHolder(networkId, b.holderId, `beneficiaries/${i}/holderId`);
          const paymentId = uuidv5('payment', commandId);
          const done = await submitPayment(store, { paymentId, poolId, submittedBy: actor.personId, ...request.body }, today(), actor.context(commandId));
          return { status: 201, body: { paymentId, ...written(done) } };
        });
      },
    );

    app.post(
      `${base}/:poolId/payments/:paymentId/approval`,
      { schema: { summary: 'Approve a payment: the approval that completes the policy pays it (treasurers, board)', params: paymentParams, response: { 200: writeResult } } },
      async (request, reply) =>
        settle(request, reply, (by, context) => approvePayment(store, request.params.paymentId, by, today(), context)),
    );

    app.post(
      `${base}/:poolId/payments/:paymentId/rejection`,
      {
        schema: {
          summary: 'Reject a payment, saying why (treasurers, board)',
          params: paymentParams,
          body: z.strictObject({ reason: z.string().trim().min(1).max(500) }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) =>
        settle(request, reply, (by, context) => rejectPayment(store, request.params.paymentId, by, request.body.reason, context)),
    );
  };
}
