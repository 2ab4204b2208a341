// Pools over HTTP: a Neighbourhood Network's coordinator opens a pool; its treasurer records the
// money that comes in; payments are submitted, then approved or rejected by the treasurer or the
// board under the pool's policy.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { v5 as uuidv5 } from 'uuid';
import type { Hearth } from '../hearth.ts';
import { handleCommand } from '../commands/handle.ts';
import { requireActiveMembers, requireMember, signedIn } from '../access/guard.ts';
import { today } from '../dates.ts';
import { MoneyReceived, pence, poolDecider, poolStream } from '../pools/pool.ts';
import { PaymentSubmitted, formatPence } from '../pools/payment.ts';
import { approvePayment, poolIn, rejectPayment, submitPayment } from '../pools/commands.ts';
import { inRole, writtenAcross } from './guarded.ts';
import { writeResult } from './reads.ts';

const poolParams = z.object({ networkId: z.uuid(), poolId: z.uuid() });
const paymentParams = poolParams.extend({ paymentId: z.uuid() });

export function poolRoutes(hearth: Hearth): FastifyPluginAsync {
  const { store } = hearth;

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
        return inRole(hearth, request, reply, networkId, ['coordinator'], async (context) => {
          const poolId = uuidv5('pool', context.commandId);
          const done = await handleCommand(store, poolDecider, poolStream(poolId), { type: 'OpenPool', poolId, networkId, ...request.body }, context);
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
        await requireMember(store, networkId, signedIn(request), ['coordinator', 'treasurer', 'board']);
        const pool = poolIn(networkId, await store.readStream(poolStream(poolId)));
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
        return inRole(hearth, request, reply, networkId, ['treasurer'], async (context) => {
          if (request.body.holderId) await requireActiveMembers(store, networkId, [[request.body.holderId, 'holderId']]);
          const receiptId = uuidv5('receipt', context.commandId);
          const done = await handleCommand(store, poolDecider, poolStream(poolId), { type: 'ReceiveMoney', networkId, receiptId, ...request.body, today: today() }, context);
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
        return inRole(hearth, request, reply, networkId, ['coordinator', 'treasurer'], async (context) => {
          await requireActiveMembers(store, networkId, request.body.beneficiaries.map((b, i) => [b.holderId, `beneficiaries/${i}/holderId`]));
          const paymentId = uuidv5('payment', context.commandId);
          const done = await submitPayment(store, networkId, { paymentId, poolId, submittedBy: context.actor, ...request.body }, today(), context);
          return { status: 201, body: { paymentId, ...writtenAcross(done) } };
        });
      },
    );

    app.post(
      `${base}/:poolId/payments/:paymentId/approval`,
      { schema: { summary: 'Approve a payment: the approval that completes the policy pays it (treasurers, board)', params: paymentParams, response: { 200: writeResult } } },
      async (request, reply) => {
        const { networkId, poolId, paymentId } = request.params;
        return inRole(hearth, request, reply, networkId, ['treasurer', 'board'], async (context) => ({
          status: 200,
          body: writtenAcross(await approvePayment(store, networkId, poolId, paymentId, { personId: context.actor, isCoordinator: false }, today(), context)),
        }));
      },
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
      async (request, reply) => {
        const { networkId, poolId, paymentId } = request.params;
        return inRole(hearth, request, reply, networkId, ['treasurer', 'board'], async (context) => ({
          status: 200,
          body: writtenAcross(await rejectPayment(store, networkId, poolId, paymentId, { personId: context.actor, isCoordinator: false }, request.body.reason, context)),
        }));
      },
    );
  };
}
