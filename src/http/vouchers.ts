// Learning vouchers over HTTP, the commands: a coordinator sets the network's policy; a family
// member (or a coordinator for them) gives a learner a voucher; the treasurer records the money,
// refunds on the giver's request and expires what has run out; a mentor redeems the sessions
// they deliver, one learner's or a group's.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { v5 as uuidv5 } from 'uuid';
import type { Hearth } from '../hearth.ts';
import { fold, Rejection } from '../commands/decider.ts';
import { handleCommand } from '../commands/handle.ts';
import { actorIn, Forbidden, membershipOf, requireActiveMembers, requireMember, signedIn } from '../access/guard.ts';
import { today } from '../dates.ts';
import { pence } from '../units.ts';
import { policyDecider, policyShape, policyStream, priceOf, VoucherBought, voucherDecider, VoucherPaid, VoucherRefunded, voucherStream, voucherValue, type HeldVoucher, type PolicyEvent } from '../vouchers/voucher.ts';
import { redeemSession, sessionIdFor, SessionDelivered } from '../vouchers/session.ts';
import { expireVouchers, onVoucher } from '../vouchers/commands.ts';
import { dueToExpire } from '../vouchers/books.ts';
import { asCoordinator, inRole, writtenAcross } from './guarded.ts';
import { idempotent } from './idempotency.ts';
import { commandContext } from './commands.ts';
import { writeResult } from './reads.ts';
import { money } from './voucher-reads.ts';
import { asMoney } from '../units.ts';

const networkParams = z.object({ networkId: z.uuid() });
const voucherParams = networkParams.extend({ voucherId: z.uuid() });
const onBehalf = z.object({ 'idempotency-key': z.string().optional(), 'on-behalf-of': z.uuid().optional() });
const share = z.strictObject({
  learnerId: z.uuid(),
  voucherId: z.uuid().nullable().default(null).describe("The learner's voucher; null for their own contribution"),
  pence: pence.nullable().default(null).describe("What this share pays: an amount voucher's part, or the contribution; null for a sessions voucher's whole session"),
});

export function voucherRoutes(hearth: Hearth): FastifyPluginAsync {
  const { store } = hearth;
  const { db } = hearth.database;

  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/vouchers';

    app.put(
      `${base}/policy`,
      {
        schema: {
          summary: "Set how long the network's vouchers last (null: for ever) and where unused value goes when they expire; vouchers keep the policy they were bought under (coordinators)",
          params: networkParams,
          body: policyShape,
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        return asCoordinator(hearth, request, reply, networkId, 200, (commandId, acting) =>
          handleCommand(store, policyDecider, policyStream(networkId), { type: 'SetPolicy', networkId, policy: request.body, setBy: acting.actor }, commandContext(request, commandId, acting)),
        );
      },
    );

    app.post(
      base,
      {
        schema: {
          summary: 'Give a learner a voucher: an amount, or sessions of an activity, with an occasion and a message (any member, or a coordinator on their behalf)',
          description: "The message is sealed with the giver's key. The voucher expires under the network's policy of today, and is held for the learner once the treasurer records the money.",
          params: networkParams,
          headers: onBehalf,
          body: z.strictObject({
            learnerId: z.uuid(),
            value: voucherValue,
            occasion: VoucherBought.schema.shape.occasion.describe('A birthday, Christmas, a thank-you'),
            message: z.string().trim().max(1000).default(''),
          }),
          response: { 201: writeResult.extend({ voucherId: z.uuid(), expiresOn: z.iso.date().nullable(), price: money }) },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        const { acting } = await actorIn(store, networkId, request);
        return idempotent(hearth, request, reply, acting.actor, async (commandId) => {
          const { learnerId, value, occasion } = request.body;
          await requireActiveMembers(store, networkId, [[learnerId, 'learnerId']]);
          const voucherId = uuidv5('voucher', commandId);
          const policy = fold(policyDecider, (await store.readStream(policyStream(networkId))) as unknown as PolicyEvent[]);
          const message = await hearth.vault.seal(acting.subject, request.body.message);
          const command = { type: 'BuyVoucher' as const, voucherId, networkId, giverId: acting.subject, learnerId, value, occasion, message, policy, today: today() };
          const done = await handleCommand(store, voucherDecider, voucherStream(voucherId), command, commandContext(request, commandId, acting));
          const { expiresOn } = (done.state as HeldVoucher).voucher;
          return { status: 201, body: { voucherId, expiresOn, price: asMoney(priceOf(value)), revision: done.revision, position: done.position } };
        });
      },
    );

    app.post(
      `${base}/:voucherId/payment`,
      {
        schema: {
          summary: 'Record the money for a voucher: from the day it is received it is held for the learner (treasurers)',
          params: voucherParams,
          body: VoucherPaid.schema.pick({ pence: true, reference: true, receivedOn: true }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId, voucherId } = request.params;
        return inRole(hearth, request, reply, networkId, ['treasurer'], async (context) => ({
          status: 200,
          body: writtenAcross(await onVoucher(store, networkId, voucherId, { type: 'RecordPayment', ...request.body, recordedBy: context.actor, today: today() }, context)),
        }));
      },
    );

    app.post(
      `${base}/:voucherId/refund`,
      {
        schema: {
          summary: "Refund what is left of a voucher, on the giver's request, before it expires; a sessions voucher is refunded whole (treasurers)",
          params: voucherParams,
          body: VoucherRefunded.schema.pick({ pence: true, reason: true }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId, voucherId } = request.params;
        return inRole(hearth, request, reply, networkId, ['treasurer'], async (context) => ({
          status: 200,
          body: writtenAcross(await onVoucher(store, networkId, voucherId, { type: 'Refund', ...request.body, recordedBy: context.actor, today: today() }, context)),
        }));
      },
    );

    app.post(
      `${base}/expiry`,
      {
        schema: {
          summary: "Expire every voucher past its last day: what is left goes back to the giver or to the learning fund, as the policy said when it was bought (treasurers)",
          params: networkParams,
          response: {
            200: z.object({
              expired: z.array(z.object({ voucherId: z.uuid(), pence: z.number().int(), sessions: z.number().int(), disposition: z.string() })),
              position: z.number().int().describe('Global position written; pass it as ?after= to read your own write'),
            }),
          },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        return inRole(hearth, request, reply, networkId, ['treasurer'], async (context) => {
          // The vouchers are found in the read tables: first let them take in everything written so
          // far. One the projection has not reached in time is expired by the next run.
          await hearth.engine.waitFor(['vouchers'], await store.headPosition(), hearth.config.READ_WAIT_MS);
          const on = today();
          const expired = await expireVouchers(store, networkId, await dueToExpire(db, networkId, on), on, context);
          return {
            status: 200,
            body: { expired: expired.map(({ voucherId, pence, sessions, disposition }) => ({ voucherId, pence, sessions, disposition })), position: Math.max(0, ...expired.map((e) => e.position)) },
          };
        });
      },
    );

    app.post(
      `${base}/sessions`,
      {
        schema: {
          summary: "Redeem a session delivered: one learner's voucher, or a group's vouchers and own contributions making up the fee (mentors, or a coordinator naming the mentor)",
          description: 'A session is the mentor and its start: the same session is redeemed once, however many ask. feePence null: the session costs what its shares pay.',
          params: networkParams,
          body: z.strictObject({
            mentorId: z.uuid().optional().describe('The mentor who gave it: a coordinator names them; a mentor records their own'),
            startsAt: z.iso.datetime(),
            activity: SessionDelivered.schema.shape.activity,
            feePence: pence.nullable().default(null),
            shares: z.array(share).min(1).max(50),
          }),
          response: { 201: writeResult.extend({ sessionId: z.uuid() }) },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        const principal = signedIn(request);
        const own = await requireMember(store, networkId, principal, ['mentor', 'coordinator']);
        const mentorId = request.body.mentorId ?? principal.personId;
        const forAnother = mentorId !== principal.personId;
        if (forAnother && !own.roles.includes('coordinator')) throw new Forbidden('A mentor redeems the sessions they gave; a coordinator may record one for a mentor.');
        // A coordinator recording a mentor's session acts on the mentor's behalf: the events say both.
        const acting = { actor: principal.personId, onBehalfOf: forAnother ? mentorId : null };
        return idempotent(hearth, request, reply, principal.personId, async (commandId) => {
          if (!forAnother && !own.roles.includes('mentor')) throw new Rejection('mentor-required', 'Name the mentor who gave the session.', 422, 'mentorId');
          if (forAnother) {
            const mentor = await membershipOf(store, networkId, mentorId);
            if (mentor.status !== 'active' || !mentor.roles.includes('mentor')) throw new Rejection('not-a-mentor', 'This person is not a mentor of this network.', 422, 'mentorId');
          }
          const { startsAt, activity, feePence, shares } = request.body;
          await requireActiveMembers(store, networkId, shares.map((s, i) => [s.learnerId, `shares/${i}/learnerId`]));
          const done = await redeemSession(store, { networkId, mentorId, activity, startsAt, feePence, shares, recordedBy: principal.personId }, today(), commandContext(request, commandId, acting));
          return { status: 201, body: { sessionId: sessionIdFor(networkId, mentorId, startsAt), ...writtenAcross(done) } };
        });
      },
    );
  };
}
