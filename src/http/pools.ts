// Pools over HTTP, the commands: a Neighbourhood Network's coordinator opens a pool; its treasurer
// records the money that comes in, refunds, corrections and the close of each period; payments
// and transfers are submitted, then approved or rejected by the treasurer or the board under the
// pool's policy.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { v5 as uuidv5 } from 'uuid';
import type { Hearth } from '../hearth.ts';
import { handleCommand, type CommandContext } from '../commands/handle.ts';
import { requireActiveMembers } from '../access/guard.ts';
import { today } from '../dates.ts';
import { digestUpTo } from '../audit/chain.ts';
import { EntryCorrected, MoneyReceived, poolDecider, poolStream, RefundReceived, type PoolCommand } from '../pools/pool.ts';
import { PaymentSubmitted, TransferSubmitted } from '../pools/payment.ts';
import { approvePayment, rejectPayment, submitPayment, submitTransfer } from '../pools/commands.ts';
import { inRole, writtenAcross } from './guarded.ts';
import { writeResult } from './reads.ts';
import { pence } from '../units.ts';

export const poolParams = z.object({ networkId: z.uuid(), poolId: z.uuid() });
const paymentParams = poolParams.extend({ paymentId: z.uuid() });
const approval = { personId: '', isCoordinator: false };

export function poolRoutes(hearth: Hearth): FastifyPluginAsync {
  const { store } = hearth;

  /** A command on the pool's own stream, answered with the id it made and what was written. */
  async function onPool(poolId: string, command: PoolCommand, context: CommandContext) {
    const done = await handleCommand(store, poolDecider, poolStream(poolId), command, context);
    return { revision: done.revision, position: done.position };
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
        return inRole(hearth, request, reply, networkId, ['coordinator'], async (context) => {
          const poolId = uuidv5('pool', context.commandId);
          const done = await handleCommand(store, poolDecider, poolStream(poolId), { type: 'OpenPool', poolId, networkId, ...request.body }, context);
          return { status: 201, body: { poolId, revision: done.revision, position: done.position } };
        });
      },
    );

    app.post(
      `${base}/:poolId/receipts`,
      {
        schema: {
          summary: "Record money in: a budget holder's contribution, or council or grant income (treasurers)",
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
          return { status: 201, body: { receiptId, ...(await onPool(poolId, { type: 'ReceiveMoney', networkId, receiptId, ...request.body, today: today() }, context)) } };
        });
      },
    );

    app.post(
      `${base}/:poolId/refunds`,
      {
        schema: {
          summary: "Record a provider's refund of (part of) a payment; it is given back to the payment's beneficiaries in proportion (treasurers)",
          params: poolParams,
          body: RefundReceived.schema.omit({ poolId: true, refundId: true, shares: true }),
          response: { 201: writeResult.extend({ refundId: z.uuid() }) },
        },
      },
      async (request, reply) => {
        const { networkId, poolId } = request.params;
        return inRole(hearth, request, reply, networkId, ['treasurer'], async (context) => {
          const refundId = uuidv5('refund', context.commandId);
          return { status: 201, body: { refundId, ...(await onPool(poolId, { type: 'ReceiveRefund', networkId, refundId, ...request.body, today: today() }, context)) } };
        });
      },
    );

    app.post(
      `${base}/:poolId/corrections`,
      {
        schema: {
          summary: 'Correct the amount of an entry, in the open period, pointing at it (treasurers)',
          description: 'pence is the change to the entry: negative when it was recorded too high. A payment can be corrected down, never up: money leaves only by an approved payment.',
          params: poolParams,
          body: EntryCorrected.schema.omit({ poolId: true, correctionId: true, shares: true }),
          response: { 201: writeResult.extend({ correctionId: z.uuid() }) },
        },
      },
      async (request, reply) => {
        const { networkId, poolId } = request.params;
        return inRole(hearth, request, reply, networkId, ['treasurer'], async (context) => {
          const correctionId = uuidv5('correction', context.commandId);
          return { status: 201, body: { correctionId, ...(await onPool(poolId, { type: 'CorrectEntry', networkId, correctionId, ...request.body, today: today() }, context)) } };
        });
      },
    );

    app.post(
      `${base}/:poolId/periods`,
      {
        schema: {
          summary: 'Close the books to a date: reinvest a surplus, record council claw-backs, and seal the period with a digest of the log (treasurers)',
          params: poolParams,
          body: z.strictObject({
            periodEnd: z.iso.date(),
            reinvest: z.strictObject({ pence, purpose: z.string().trim().min(1).max(500) }).nullable().default(null),
            clawBacks: z.array(z.strictObject({ holderId: z.uuid(), pence, reference: z.string().trim().max(140).default('') })).default([]),
          }),
          response: { 201: writeResult.extend({ periodEnd: z.iso.date(), digest: z.string() }) },
        },
      },
      async (request, reply) => {
        const { networkId, poolId } = request.params;
        return inRole(hearth, request, reply, networkId, ['treasurer'], async (context) => {
          const { periodEnd, reinvest, clawBacks } = request.body;
          const upToPosition = await store.headPosition();
          const digest = { upToPosition, sha256: await digestUpTo(hearth.database.db, upToPosition) };
          const command: PoolCommand = {
            type: 'ClosePeriod',
            networkId,
            periodEnd,
            closedBy: context.actor,
            today: today(),
            reinvest: reinvest && { entryId: uuidv5('reinvestment', context.commandId), ...reinvest },
            clawBacks: clawBacks.map((c) => ({ entryId: uuidv5(`claw-back ${c.holderId}`, context.commandId), ...c })),
            digest,
          };
          return { status: 201, body: { periodEnd, digest: digest.sha256, ...(await onPool(poolId, command, context)) } };
        });
      },
    );

    app.post(
      `${base}/:poolId/payments`,
      {
        schema: {
          summary: 'Submit a payment to a provider, for the budget holders it benefits (coordinators, treasurers)',
          params: poolParams,
          body: PaymentSubmitted.schema.omit({ paymentId: true, poolId: true, submittedBy: true }),
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
      `${base}/:poolId/transfers`,
      {
        schema: {
          summary: 'Submit a transfer to another pool of the network; it is approved like a payment (coordinators, treasurers)',
          params: poolParams,
          body: TransferSubmitted.schema.omit({ paymentId: true, poolId: true, submittedBy: true }),
          response: { 201: writeResult.extend({ paymentId: z.uuid() }) },
        },
      },
      async (request, reply) => {
        const { networkId, poolId } = request.params;
        return inRole(hearth, request, reply, networkId, ['coordinator', 'treasurer'], async (context) => {
          const paymentId = uuidv5('transfer', context.commandId);
          const done = await submitTransfer(store, networkId, { paymentId, poolId, submittedBy: context.actor, ...request.body }, today(), context);
          return { status: 201, body: { paymentId, ...writtenAcross(done) } };
        });
      },
    );

    app.post(
      `${base}/:poolId/payments/:paymentId/approval`,
      { schema: { summary: 'Approve a payment or transfer: the approval that completes the policy moves the money (treasurers, board)', params: paymentParams, response: { 200: writeResult } } },
      async (request, reply) => {
        const { networkId, poolId, paymentId } = request.params;
        return inRole(hearth, request, reply, networkId, ['treasurer', 'board'], async (context) => ({
          status: 200,
          body: writtenAcross(await approvePayment(store, networkId, poolId, paymentId, { ...approval, personId: context.actor }, today(), context)),
        }));
      },
    );

    app.post(
      `${base}/:poolId/payments/:paymentId/rejection`,
      {
        schema: {
          summary: 'Reject a payment or transfer, saying why (treasurers, board)',
          params: paymentParams,
          body: z.strictObject({ reason: z.string().trim().min(1).max(500) }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId, poolId, paymentId } = request.params;
        return inRole(hearth, request, reply, networkId, ['treasurer', 'board'], async (context) => ({
          status: 200,
          body: writtenAcross(await rejectPayment(store, networkId, poolId, paymentId, { ...approval, personId: context.actor }, request.body.reason, context)),
        }));
      },
    );
  };
}
