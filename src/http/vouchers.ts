// Learning vouchers over HTTP, the commands: a coordinator sets the network's policy; a family
// member (or a coordinator for them) gives a learner a voucher; the treasurer records the money,
// refunds on the giver's request and expires what has run out; a mentor redeems the sessions
// they deliver, one learner's or a group's. Each route parses, calls src/vouchers/app.ts and maps
// the answer; the rules are there.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import { asMoney, pence } from '../units.ts';
import { policyShape, VoucherBought, VoucherPaid, VoucherPaidOut, VoucherRefunded, voucherValue } from '../vouchers/voucher.ts';
import { FundPaymentRejected, FundPaymentRequested } from '../vouchers/fund.ts';
import { SessionDelivered } from '../vouchers/session.ts';
import { approveFundPayment, expireDue, giveVoucher, recordPayment, recordPayout, redeem, refundVoucher, rejectFundPayment, requestFundPayment, setPolicy } from '../vouchers/app.ts';
import { writeResult, etag } from './reads.ts';
import { money } from './voucher-reads.ts';
import { id, isoDate, isoDateTime, text } from '../bounds.ts';

const networkParams = z.object({ networkId: id() });
const voucherParams = networkParams.extend({ voucherId: id() });
const share = z.strictObject({
  learnerId: id(),
  voucherId: id().nullable().default(null).describe("The learner's voucher; null for their own contribution"),
  pence: pence.nullable().default(null).describe("What this share pays: an amount voucher's part, or the contribution; null for a sessions voucher's whole session"),
});

/** The stream's revision as an ETag: send it back in If-Match. */

export function voucherRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/vouchers';

    app.put(
      `${base}/policy`,
      {
        config: { guard: { who: ['coordinator'], write: true, ifMatch: true } },
        schema: {
          operationId: 'setVoucherPolicy',
          summary: "Set how long the network's vouchers last (null: for ever) and where unused value goes when they expire; vouchers keep the policy they were bought under (coordinators)",
          params: networkParams,
          body: policyShape,
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const done = await setPolicy(hearth, request.caller, { networkId: request.params.networkId, policy: request.body });
        return reply.header('etag', etag(done.revision)).send(done);
      },
    );

    app.post(
      base,
      {
        config: { guard: { who: 'member', onBehalf: true, write: true } },
        schema: {
          operationId: 'giveVoucher',
          summary: 'Give a learner a voucher: an amount, or sessions of an activity, with an occasion and a message (any member, or a coordinator on their behalf)',
          description: "The message is sealed with the giver's key. The voucher expires under the network's policy of today, and is held for the learner once the treasurer records the money.",
          params: networkParams,
          body: z.strictObject({
            learnerId: id(),
            value: voucherValue,
            occasion: VoucherBought.schema.shape.occasion.describe('A birthday, Christmas, a thank-you'),
            message: text(1000, { min: 0, lines: true }).default(''),
          }),
          response: { 201: writeResult.extend({ voucherId: id(), expiresOn: isoDate().nullable(), price: money }) },
        },
      },
      async (request, reply) => {
        const done = await giveVoucher(hearth, request.caller, { networkId: request.params.networkId, ...request.body });
        const { voucherId, expiresOn, revision, position } = done;
        return reply.code(201).header('etag', etag(revision)).send({ voucherId, expiresOn, price: asMoney(done.pricePence), revision, position });
      },
    );

    app.post(
      `${base}/:voucherId/payment`,
      {
        config: { guard: { who: ['treasurer'], write: true, ifMatch: true } },
        schema: {
          summary: 'Record the money for a voucher: from the day it is received it is held for the learner (treasurers)',
          params: voucherParams,
          body: VoucherPaid.schema.pick({ pence: true, reference: true, receivedOn: true, accountPoolId: true }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const done = await recordPayment(hearth, request.caller, { ...request.params, ...request.body });
        return reply.header('etag', etag(done.revision)).send(done);
      },
    );

    app.post(
      `${base}/:voucherId/refund`,
      {
        config: { guard: { who: ['treasurer'], write: true, ifMatch: true } },
        schema: {
          summary: "Refund what is left of a voucher, on the giver's request, before it expires; a sessions voucher is refunded whole (treasurers)",
          params: voucherParams,
          body: VoucherRefunded.schema.pick({ pence: true, reason: true }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const done = await refundVoucher(hearth, request.caller, { ...request.params, ...request.body });
        return reply.header('etag', etag(done.revision)).send(done);
      },
    );

    app.post(
      `${base}/:voucherId/payouts`,
      {
        config: { guard: { who: ['treasurer'], write: true, ifMatch: true } },
        schema: {
          operationId: 'payBackGiver',
          summary: 'Record money paid back to the giver: all or part of what a refund on their request, or an expiry back to them, owes them; how, the reference the bank or cheque shows, and the day (treasurers)',
          params: voucherParams,
          body: VoucherPaidOut.schema.pick({ pence: true, method: true, reference: true, paidOn: true }).extend({ accountPoolId: VoucherPaidOut.schema.shape.accountPoolId.default(null) }),
          response: { 201: writeResult },
        },
      },
      async (request, reply) => {
        const done = await recordPayout(hearth, request.caller, { ...request.params, ...request.body });
        return reply.code(201).header('etag', etag(done.revision)).send(done);
      },
    );

    const fundParams = networkParams.extend({ paymentId: id() });
    app.post(
      `${base}/learning-fund/payments`,
      {
        config: { guard: { who: ['treasurer', 'coordinator'], write: true } },
        schema: {
          operationId: 'requestLearningFundPayment',
          summary: 'Ask for a payment out of the learning fund, with a payee and a purpose; it is paid once someone else approves it (treasurers, coordinators)',
          params: networkParams,
          body: FundPaymentRequested.schema.pick({ pence: true, payee: true, purpose: true }).extend({ accountPoolId: FundPaymentRequested.schema.shape.accountPoolId.default(null) }),
          response: { 201: writeResult.extend({ paymentId: id() }) },
        },
      },
      async (request, reply) => reply.code(201).send(await requestFundPayment(hearth, request.caller, { networkId: request.params.networkId, ...request.body })),
    );

    app.post(
      `${base}/learning-fund/payments/:paymentId/approval`,
      {
        config: { guard: { who: ['treasurer', 'board'], write: true, ifMatch: true } },
        schema: {
          operationId: 'approveLearningFundPayment',
          summary: 'Approve a payment out of the learning fund, and so pay it today: never by whoever asked for it, never more than the fund holds (treasurers, board)',
          params: fundParams,
          response: { 200: writeResult },
        },
      },
      async (request) => approveFundPayment(hearth, request.caller, request.params),
    );

    app.post(
      `${base}/learning-fund/payments/:paymentId/rejection`,
      {
        config: { guard: { who: ['treasurer', 'board'], write: true, ifMatch: true } },
        schema: { operationId: 'rejectLearningFundPayment', summary: 'Reject a payment out of the learning fund, with a reason (treasurers, board)', params: fundParams, body: FundPaymentRejected.schema.pick({ reason: true }), response: { 200: writeResult } },
      },
      async (request) => rejectFundPayment(hearth, request.caller, { ...request.params, ...request.body }),
    );

    app.post(
      `${base}/expiry`,
      {
        config: { guard: { who: ['treasurer'], write: true } },
        schema: {
          summary: "Expire every voucher past its last day: what is left goes back to the giver or to the learning fund, as the policy said when it was bought (treasurers)",
          params: networkParams,
          response: {
            200: z.object({
              expired: z.array(z.object({ voucherId: id(), pence: z.number().int(), sessions: z.number().int(), disposition: z.string() })),
              position: z.number().int().describe('Global position written; pass it as ?after= to read your own write'),
            }),
          },
        },
      },
      async (request) => expireDue(hearth, request.caller, { networkId: request.params.networkId }),
    );

    app.post(
      `${base}/sessions`,
      {
        config: { guard: { who: ['mentor', 'coordinator'], write: true, ifMatch: true } },
        schema: {
          operationId: 'redeemVoucher',
          summary: "Redeem a session delivered: one learner's voucher, or a group's vouchers and own contributions making up the fee (mentors, or a coordinator naming the mentor)",
          description:
            "A session is the mentor and its start: the same session is redeemed once, however many ask. feePence null: the session costs what its shares pay. If-Match, for a session paid by one voucher, is that voucher's ETag; the answer's ETag is the voucher's revision after it.",
          params: networkParams,
          body: z.strictObject({
            mentorId: id().optional().describe('The mentor who gave it: a coordinator names them; a mentor records their own'),
            startsAt: isoDateTime(),
            activity: SessionDelivered.schema.shape.activity,
            feePence: pence.nullable().default(null),
            shares: z.array(share).min(1).max(50),
          }),
          response: { 201: writeResult.extend({ sessionId: id() }) },
        },
      },
      async (request, reply) => {
        const { sessionId, revision, position, voucherRevision } = await redeem(hearth, request.caller, { networkId: request.params.networkId, ...request.body });
        if (voucherRevision !== undefined) reply.header('etag', etag(voucherRevision));
        return reply.code(201).send({ sessionId, revision, position });
      },
    );
  };
}
