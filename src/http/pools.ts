// Pools over HTTP, the commands: a Neighbourhood Network's coordinator opens a pool; its treasurer
// records the money that comes in, refunds, corrections and the close of each period; payments
// and transfers are submitted, then approved or rejected by the treasurer or the board under the
// pool's policy. Each route parses, calls the application (src/pools/app.ts) and maps its answer.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import * as pools from '../pools/app.ts';
import { BankCharged, EntryCorrected, MoneyReceived, referenceInput, RefundReceived } from '../pools/pool.ts';
import { PaymentSubmitted, TransferSubmitted } from '../pools/payment.ts';
import { writeResult, sendWritten } from './reads.ts';
import { pence, wholePence } from '../units.ts';
import { id, isoDate, text, name, reasonText } from '../bounds.ts';

export const poolParams = z.object({ networkId: id(), poolId: id() });
const paymentParams = poolParams.extend({ paymentId: id() });

const treasurer = { who: ['treasurer'], write: true } as const;
/** A write to one pool's books: If-Match may carry the pool's ETag. */
const onThePool = { ...treasurer, ifMatch: true } as const;
const submitter = { who: ['coordinator', 'treasurer'], write: true } as const;
/** A decision on one payment: If-Match may carry the payment's ETag. */
const onThePayment = { who: ['treasurer', 'board'], write: true, ifMatch: true } as const;


export function poolRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/pools';

    app.post(
      base,
      {
        config: { guard: { who: ['coordinator'], write: true } },
        schema: {
          operationId: 'openPool',
          summary: 'Open a pool (coordinators)',
          params: z.object({ networkId: id() }),
          body: z.strictObject({ name: name(120), twoApproversAbovePence: wholePence }),
          response: { 201: writeResult.extend({ poolId: id() }) },
        },
      },
      async (request, reply) => sendWritten(reply, 201, await pools.openPool(hearth, request.caller, { ...request.params, ...request.body })),
    );

    app.post(
      `${base}/:poolId/receipts`,
      {
        config: { guard: onThePool },
        schema: {
          operationId: 'receiveMoney',
          summary: "Record money in: a budget holder's contribution, or council or grant income (treasurers)",
          params: poolParams,
          body: MoneyReceived.schema.omit({ poolId: true, receiptId: true }).extend({ holderId: id().nullable().default(null), reference: referenceInput }),
          response: { 201: writeResult.extend({ receiptId: id() }) },
        },
      },
      async (request, reply) => sendWritten(reply, 201, await pools.receiveMoney(hearth, request.caller, { ...request.params, ...request.body })),
    );

    app.post(
      `${base}/:poolId/refunds`,
      {
        config: { guard: onThePool },
        schema: {
          summary: "Record a provider's refund of (part of) a payment; it is given back to the payment's beneficiaries in proportion (treasurers)",
          params: poolParams,
          body: RefundReceived.schema.omit({ poolId: true, refundId: true, shares: true }),
          response: { 201: writeResult.extend({ refundId: id() }) },
        },
      },
      async (request, reply) => sendWritten(reply, 201, await pools.receiveRefund(hearth, request.caller, { ...request.params, ...request.body })),
    );

    app.post(
      `${base}/:poolId/bank-charges`,
      {
        config: { guard: onThePool },
        schema: {
          summary: "Record a charge the bank took from the pool's account: the pool's own cost, shared by no beneficiary and needing no approval (treasurers)",
          params: poolParams,
          body: BankCharged.schema.omit({ poolId: true, chargeId: true }),
          response: { 201: writeResult.extend({ chargeId: id() }) },
        },
      },
      async (request, reply) => sendWritten(reply, 201, await pools.recordBankCharge(hearth, request.caller, { ...request.params, ...request.body })),
    );

    app.post(
      `${base}/:poolId/corrections`,
      {
        config: { guard: onThePool },
        schema: {
          summary: 'Correct the amount of an entry, in the open period, pointing at it (treasurers)',
          description: 'pence is the change to the entry: negative when it was recorded too high. A payment can be corrected down, never up: money leaves only by an approved payment.',
          params: poolParams,
          body: EntryCorrected.schema.omit({ poolId: true, correctionId: true, shares: true }),
          response: { 201: writeResult.extend({ correctionId: id() }) },
        },
      },
      async (request, reply) => sendWritten(reply, 201, await pools.correctEntry(hearth, request.caller, { ...request.params, ...request.body })),
    );

    app.post(
      `${base}/:poolId/periods`,
      {
        config: { guard: onThePool },
        schema: {
          operationId: 'closePeriod',
          summary: 'Close the books to a date: reinvest a surplus, record council claw-backs, and seal the period with a digest of the log (treasurers)',
          params: poolParams,
          body: z.strictObject({
            periodEnd: isoDate(),
            reinvest: z.strictObject({ pence, purpose: text(500, { lines: true }) }).nullable().default(null),
            clawBacks: z.array(z.strictObject({ holderId: id(), pence, reference: name(140, { min: 0 }).default('') })).default([]),
          }),
          response: { 201: writeResult.extend({ periodEnd: isoDate(), digest: z.string() }) },
        },
      },
      async (request, reply) => sendWritten(reply, 201, await pools.closePeriod(hearth, request.caller, { ...request.params, ...request.body })),
    );

    app.post(
      `${base}/:poolId/payments`,
      {
        config: { guard: submitter },
        schema: {
          operationId: 'submitPayment',
          summary: 'Submit a payment to a provider, for the budget holders it benefits (coordinators, treasurers)',
          params: poolParams,
          body: PaymentSubmitted.schema.omit({ paymentId: true, poolId: true, submittedBy: true }),
          response: { 201: writeResult.extend({ paymentId: id() }) },
        },
      },
      async (request, reply) => sendWritten(reply, 201, await pools.submitPaymentFor(hearth, request.caller, { ...request.params, ...request.body })),
    );

    app.post(
      `${base}/:poolId/transfers`,
      {
        config: { guard: submitter },
        schema: {
          operationId: 'transferToPool',
          summary: 'Submit a transfer to another pool of the network; it is approved like a payment (coordinators, treasurers)',
          params: poolParams,
          body: TransferSubmitted.schema.omit({ paymentId: true, poolId: true, submittedBy: true }),
          response: { 201: writeResult.extend({ paymentId: id() }) },
        },
      },
      async (request, reply) => sendWritten(reply, 201, await pools.submitTransferFor(hearth, request.caller, { ...request.params, ...request.body })),
    );

    app.post(
      `${base}/:poolId/payments/:paymentId/approval`,
      {
        config: { guard: onThePayment },
        schema: {
          summary: 'Approve a payment or transfer: the approval that completes the policy moves the money (treasurers, board; never whoever submitted it, benefits from it or is paid by it)',
          description: 'The approval that completes the policy may give paidOn, the day the money left the account (today when left out, never before the payment was submitted): the ledger is dated by it.',
          params: paymentParams,
          body: z.strictObject({ paidOn: isoDate().optional() }).nullish().describe('Only for the approval that completes the policy; may be left out'),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => sendWritten(reply, 200, await pools.approve(hearth, request.caller, { ...request.params, paidOn: request.body?.paidOn ?? undefined })),
    );

    app.post(
      `${base}/:poolId/payments/:paymentId/rejection`,
      {
        config: { guard: onThePayment },
        schema: {
          summary: 'Reject a payment or transfer, saying why (treasurers, board)',
          params: paymentParams,
          body: z.strictObject({ reason: reasonText() }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => sendWritten(reply, 200, await pools.reject(hearth, request.caller, { ...request.params, ...request.body })),
    );
  };
}
