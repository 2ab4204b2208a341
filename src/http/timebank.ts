// The time bank over HTTP: rules, exchanges, the community chest, balances, statements, export.
// Each route parses, calls the time bank's application function (src/timebank/app.ts for what it
// does, src/timebank/reads.ts for what it shows and to whom: every rule lives there) and maps the answer.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import { categoryName } from '../timebank/settings.ts';
import { CLEARING, COMMUNITY, ORGANISATION } from '../timebank/account.ts';
import * as timebank from '../timebank/app.ts';
import * as reads from '../timebank/reads.ts';
import { lowerLimitMinutes, minutes, upperLimitMinutes } from '../units.ts';
import { makeProblem, sendProblem } from './problem.ts';
import { readAfter, waitForProjections, writeResult, etag } from './reads.ts';
import { sendCsv } from './csv.ts';
import { answerPage, pageOf, pageQuery } from './paging.ts';
import { id, isoDate, text, reasonText } from '../bounds.ts';

const networkParams = z.object({ networkId: id() });
const exchangeParams = networkParams.extend({ exchangeId: id() });
const accountParams = networkParams.extend({ personId: id() });
const reason = z.strictObject({ reason: reasonText() });

export function timebankRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/timebank';
    const coordinators = { who: ['coordinator'] as const, write: true, ifMatch: true };

    app.put(
      `${base}/categories/:category`,
      {
        config: { guard: coordinators },
        schema: {
          summary: 'Define a category, with its rate: 100 is an hour for an hour (coordinators)',
          params: networkParams.extend({ category: categoryName }),
          body: z.strictObject({ ratePercent: z.number().int().min(1).max(1000).default(100) }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const done = await timebank.defineCategory(hearth, request.caller, { ...request.params, ...request.body });
        return reply.header('etag', etag(done.revision)).send(done);
      },
    );

    app.put(
      `${base}/limits`,
      {
        config: { guard: coordinators },
        schema: {
          operationId: 'setNetworkLimits',
          summary: "Set the network's balance limits and longest exchange, with a reason (coordinators)",
          params: networkParams,
          body: z.strictObject({
            lowerMinutes: lowerLimitMinutes,
            upperMinutes: upperLimitMinutes,
            maxExchangeMinutes: minutes.max(24 * 60),
            reason: reasonText(),
          }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const done = await timebank.setNetworkLimits(hearth, request.caller, { ...request.params, ...request.body });
        return reply.header('etag', etag(done.revision)).send(done);
      },
    );

    app.put(
      `${base}/accounts/:personId/limits`,
      {
        config: { guard: coordinators },
        schema: {
          operationId: 'setMemberLimits',
          summary: "Set one member's limits (null: the network's), with a reason (coordinators)",
          params: accountParams,
          body: z.strictObject({ lowerMinutes: lowerLimitMinutes.nullable(), upperMinutes: upperLimitMinutes.nullable(), reason: reasonText() }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const done = await timebank.setMemberLimits(hearth, request.caller, { ...request.params, ...request.body });
        return reply.header('etag', etag(done.revision)).send(done);
      },
    );

    app.post(
      `${base}/exchanges`,
      {
        config: { guard: { who: 'member', onBehalf: true, write: true } },
        schema: {
          operationId: 'logExchange',
          summary: 'Log an exchange: time given by one member to another (the parties, or a coordinator); across two time banks, only under their active partnership',
          params: networkParams,
          body: z.strictObject({
            providerId: id(),
            receiverId: id(),
            receiverNetworkId: id().optional().describe("The receiver's own time bank, when it is not this one: the two must be partners"),
            minutes,
            category: categoryName,
            description: text(500, { min: 0, lines: true }).default(''),
            occurredOn: isoDate(),
          }),
          response: { 201: writeResult.extend({ exchangeId: id() }) },
        },
      },
      async (request, reply) => {
        const done = await timebank.logExchange(hearth, request.caller, { ...request.params, ...request.body });
        return reply.code(201).header('etag', etag(done.revision)).send(done);
      },
    );

    const onExchange = { who: 'member', onBehalf: true, write: true, ifMatch: true } as const;

    app.post(
      `${base}/exchanges/:exchangeId/confirmation`,
      {
        config: { guard: onExchange },
        schema: {
          summary: "Confirm an exchange: credits move (the other party, or a coordinator; across two time banks, the receiver or their own time bank's coordinator)",
          params: exchangeParams,
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const done = await timebank.confirmExchange(hearth, request.caller, request.params);
        return reply.header('etag', etag(done.revision)).send(done);
      },
    );

    for (const [path, settle, summary] of [
      ['dispute', timebank.disputeExchange, 'Dispute an exchange before it is confirmed (the other party, or a coordinator)'],
      ['cancellation', timebank.cancelExchange, 'Cancel an exchange before it is confirmed (either party, or a coordinator)'],
    ] as const) {
      app.post(
        `${base}/exchanges/:exchangeId/${path}`,
        { config: { guard: onExchange }, schema: { summary, params: exchangeParams, body: reason, response: { 200: writeResult } } },
        async (request, reply) => {
          const done = await settle(hearth, request.caller, { ...request.params, ...request.body });
          return reply.header('etag', etag(done.revision)).send(done);
        },
      );
    }

    app.post(
      `${base}/exchanges/:exchangeId/reversal`,
      {
        config: { guard: coordinators },
        schema: { summary: 'Reverse a confirmed exchange, with a reason (coordinators)', params: exchangeParams, body: reason, response: { 200: writeResult } },
      },
      async (request, reply) => {
        const done = await timebank.reverseExchange(hearth, request.caller, { ...request.params, ...request.body });
        return reply.header('etag', etag(done.revision)).send(done);
      },
    );

    app.post(
      `${base}/chest/donations`,
      {
        config: { guard: { who: 'member', onBehalf: true, write: true } },
        schema: { operationId: 'donateToChest', summary: 'Give minutes to the community chest', params: networkParams, body: z.strictObject({ minutes }), response: { 201: writeResult } },
      },
      async (request, reply) => reply.code(201).send(await timebank.donateToChest(hearth, request.caller, { ...request.params, ...request.body })),
    );

    app.post(
      `${base}/chest/grants`,
      {
        config: { guard: { who: ['coordinator'], write: true } },
        schema: { operationId: 'grantFromChest', summary: 'Grant minutes from the community chest to a member (coordinators)', params: networkParams, body: z.strictObject({ personId: id(), minutes }), response: { 201: writeResult } },
      },
      async (request, reply) => reply.code(201).send(await timebank.grantFromChest(hearth, request.caller, { ...request.params, ...request.body })),
    );

    app.post(
      `${base}/gifts/:ref/reversal`,
      {
        config: { guard: coordinators },
        schema: {
          summary: "Reverse a grant or a donation of the community chest or of the network's own account, with a reason (coordinators)",
          description: 'A reversal is a new pair of postings pointing at the gift, once only. A donation to the chest whose hours were already granted onward cannot be reversed while that would take the chest below zero. If-Match carries the revision of the network account that holds the gift.',
          params: networkParams.extend({ ref: id() }),
          body: reason,
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const done = await timebank.reverseGift(hearth, request.caller, { ...request.params, ...request.body });
        return reply.header('etag', etag(done.revision)).send({ revision: done.revision, position: done.position });
      },
    );

    const networkAccount = z.object({
      holder: z.enum([COMMUNITY, ORGANISATION, CLEARING]),
      name: z.string(),
      partnerNetworkId: id().nullable().describe('For a clearing account: the partner time bank whose trade it carries'),
      balanceMinutes: z.number().int(),
      balance: z.string().describe('h:mm'),
    });

    // Whole: the chest, the network's own account, and one clearing account per partner.
    app.get(
      `${base}/network-accounts`,
      {
        config: { guard: { who: ['coordinator'] } },
        schema: {
          summary: "The network's own accounts with their balances: the community chest, the organisation's account, and the clearing account with each partner time bank (coordinators)",
          params: networkParams,
          querystring: readAfter,
          response: { 200: z.object({ accounts: z.array(networkAccount) }) },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['timebank', 'networks'], request.query.after))) return reply;
        return reads.networkAccounts(hearth, request.caller, request.params);
      },
    );

    const gift = z.object({
      ref: id(),
      holder: z.enum([COMMUNITY, ORGANISATION]),
      kind: z.enum(['grant', 'donation']),
      date: isoDate(),
      personId: z.string(),
      name: z.string().nullable(),
      minutes: z.number().int().describe('To the member: positive for a grant, negative for a donation'),
      text: z.string(),
      status: z.enum(['in flight', 'made', 'refused', 'reversed']).describe('in flight: being made or taken back; refused: a limit reached while it was being made, so nothing moved'),
      reversed: z.boolean(),
    });

    app.get(
      `${base}/gifts`,
      {
        config: { guard: { who: ['coordinator'] } },
        schema: {
          summary: "Grants and donations of the community chest and of the network's own account, newest first, and whether each was reversed (coordinators)",
          params: networkParams,
          querystring: pageQuery(),
          response: { 200: pageOf(gift) },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        if (!(await waitForProjections(hearth, reply, ['timebank', 'people'], request.query.after))) return reply;
        return (await answerPage(hearth, reply, { list: 'gifts', scope: { networkId }, query: request.query }, (page) => reads.gifts(hearth, request.caller, { networkId, page }))) ?? reply;
      },
    );

    app.get(
      `${base}/gifts/:ref`,
      {
        config: { guard: { who: ['coordinator'] } },
        schema: { summary: "One grant or donation of the chest or the network's own account (coordinators)", params: networkParams.extend({ ref: id() }), querystring: readAfter, response: { 200: gift } },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['timebank', 'people'], request.query.after))) return reply;
        return reads.giftOf(hearth, request.caller, request.params);
      },
    );

    const account = z.object({ personId: id(), balanceMinutes: z.number().int(), balance: z.string().describe('h:mm'), lowerMinutes: z.number().int(), upperMinutes: z.number().int() });

    app.get(
      `${base}/accounts/:personId`,
      {
        config: { guard: { who: 'member' } },
        schema: { operationId: 'getTimebankAccount', summary: "A member's balance and limits, with its ETag (the member, or a coordinator)", params: accountParams, querystring: readAfter, response: { 200: account } },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['timebank'], request.query.after))) return reply;
        const { account, revision } = await reads.accountOf(hearth, request.caller, request.params);
        reply.header('etag', etag(revision));
        return account;
      },
    );

    app.get(
      `${base}/accounts/:personId/statement`,
      {
        config: { guard: { who: 'member' } },
        schema: {
          summary: "A statement for a period, with opening and closing balances; across two time banks a line names the other member and their time bank (the member, or a coordinator)",
          params: accountParams,
          querystring: readAfter.extend({ from: isoDate(), to: isoDate() }),
        },
      },
      async (request, reply) => {
        const { from, to } = request.query;
        if (to < from) return sendProblem(reply, makeProblem('validation', 400, 'querystring to: must not be before from', { errors: [{ in: 'querystring', pointer: '/to', detail: 'must not be before from' }] }));
        if (!(await waitForProjections(hearth, reply, ['timebank', 'people', 'networks'], request.query.after))) return reply;
        return reads.statementOf(hearth, request.caller, { ...request.params, from, to });
      },
    );

    app.get(
      `${base}/exchanges.csv`,
      {
        config: { guard: { who: ['coordinator'] } },
        schema: {
          summary: "All exchanges as CSV: date, parties, category, description, minutes; those with another time bank too, its members named with their time bank (coordinators)",
          params: networkParams,
          querystring: readAfter,
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        if (!(await waitForProjections(hearth, reply, ['timebank', 'people', 'networks'], request.query.after))) return reply;
        const rows = await reads.exchangesExport(hearth, request.caller, { networkId });
        const lines = [
          ['date', 'provider', 'receiver', 'category', 'description', 'minutes', 'credited minutes', 'status'],
          ...rows.map((r) => [r.occurredOn, r.providerName, r.receiverName, r.category, r.description, String(r.minutes), String(r.creditedMinutes), r.status]),
        ];
        return sendCsv(reply, `exchanges-${networkId}`, lines);
      },
    );

    app.get(
      `${base}/figures`,
      {
        config: { guard: { who: 'member' } },
        schema: {
          summary: "The network's figures by month: exchanges, hours credited, active members; exchanges with partner time banks count on both sides (any member)",
          params: networkParams,
          querystring: readAfter,
          response: {
            200: z.object({
              totalBalanceMinutes: z.number().int().describe('Always 0: every minute credited was debited somewhere'),
              months: z.array(z.object({ month: z.string(), exchanges: z.number().int(), minutes: z.number().int(), hours: z.string(), activeMembers: z.number().int() })),
            }),
          },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['timebank'], request.query.after))) return reply;
        return reads.figures(hearth, request.caller, request.params);
      },
    );
  };
}
