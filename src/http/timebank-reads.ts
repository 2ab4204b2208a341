// What the time bank's pages read: a member's exchanges (those waiting for them first), one
// exchange, the network's categories and limits, and every account against its limits for the
// coordinators who keep members from running too far into debt.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import * as reads from '../timebank/reads.ts';
import { readAfter, waitForProjections, etag } from './reads.ts';
import { answerPage, pageOf, pageQuery } from './paging.ts';
import { id } from '../bounds.ts';

const networkParams = z.object({ networkId: id() });

const exchange = z.object({
  exchangeId: id(),
  occurredOn: z.string(),
  providerId: id(),
  providerName: z.string(),
  receiverId: id(),
  receiverName: z.string(),
  minutes: z.number().int(),
  creditedMinutes: z.number().int(),
  category: z.string(),
  description: z.string(),
  status: z.enum(['logged', 'disputed', 'confirming', 'confirmed', 'cancelled', 'reversing', 'reversed']).describe('confirming and reversing: the hours are being moved'),
  loggedBy: z.string(),
});

export function timebankReadRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/timebank';

    app.get(
      `${base}/settings`,
      {
        config: { guard: { who: 'member' } },
        schema: {
          summary: "The time bank's categories with their rates, its balance limits and its longest exchange (any member)",
          params: networkParams,
          response: { 200: z.object({ categories: z.array(z.object({ category: z.string(), ratePercent: z.number().int() })), lowerMinutes: z.number().int(), upperMinutes: z.number().int(), maxExchangeMinutes: z.number().int() }) },
        },
      },
      async (request, reply) => {
        const { settings, revision } = await reads.networkRules(hearth, request.caller, request.params);
        reply.header('etag', etag(revision));
        return {
          categories: Object.entries(settings.categories).sort(([a], [b]) => a.localeCompare(b)).map(([category, ratePercent]) => ({ category, ratePercent })),
          lowerMinutes: settings.lowerMinutes,
          upperMinutes: settings.upperMinutes,
          maxExchangeMinutes: settings.maxExchangeMinutes,
        };
      },
    );

    app.get(
      `${base}/accounts/:personId/exchanges`,
      {
        config: { guard: { who: 'member' } },
        schema: {
          summary: "A member's exchanges, newest first, a page at a time: state=waiting those waiting for someone to confirm or disputed, state=settled the rest (the member, or a coordinator)",
          params: networkParams.extend({ personId: id() }),
          querystring: pageQuery({ default: 20, max: 200 }).extend({ state: z.enum(['waiting', 'settled']).optional().describe('Every exchange when left out') }),
          response: { 200: pageOf(exchange) },
        },
      },
      async (request, reply) => {
        const { networkId, personId } = request.params;
        const { state } = request.query;
        if (!(await waitForProjections(hearth, reply, ['timebank', 'people'], request.query.after))) return reply;
        return (await answerPage(hearth, reply, { list: 'exchanges', scope: { networkId, personId, state }, query: request.query }, (page) => reads.exchangesOf(hearth, request.caller, { networkId, personId, state, page }))) ?? reply;
      },
    );

    app.get(
      `${base}/exchanges/:exchangeId`,
      {
        config: { guard: { who: 'member' } },
        schema: {
          summary: 'One exchange, with its ETag (its parties, or a coordinator)',
          params: networkParams.extend({ exchangeId: id() }),
          querystring: readAfter,
          response: { 200: exchange },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['timebank', 'people'], request.query.after))) return reply;
        const { exchange, revision } = await reads.exchangeOf(hearth, request.caller, request.params);
        reply.header('etag', etag(revision));
        return exchange;
      },
    );

    app.get(
      `${base}/accounts`,
      {
        config: { guard: { who: ['coordinator'] } },
        schema: {
          summary: `Every member's balance against their limits, those nearest a limit first, a page at a time; near is ${reads.NEAR_LIMIT_PERCENT}% of the way to it (coordinators)`,
          params: networkParams,
          querystring: pageQuery(),
          response: {
            200: pageOf(
              z.object({
                personId: id(),
                name: z.string(),
                balanceMinutes: z.number().int(),
                balance: z.string(),
                lowerMinutes: z.number().int(),
                upperMinutes: z.number().int(),
                ownLimits: z.boolean().describe("Limits set for this member rather than the network's"),
                usedPercent: z.number().int().describe('How far the balance has gone towards the limit on its side'),
                nearLimit: z.boolean(),
              }),
            ),
          },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        if (!(await waitForProjections(hearth, reply, ['timebank', 'memberships', 'people'], request.query.after))) return reply;
        return (await answerPage(hearth, reply, { list: 'balances', scope: { networkId }, query: request.query }, (page) => reads.balances(hearth, request.caller, { networkId, page }))) ?? reply;
      },
    );

    app.get(
      '/networks/:networkId/directory',
      {
        config: { guard: { who: 'member' } },
        schema: {
          summary: 'The active members of a network by name, a page at a time, so that members can say who they gave time to or received it from (any member)',
          params: networkParams,
          querystring: pageQuery(),
          response: { 200: pageOf(z.object({ personId: id(), name: z.string() })) },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        if (!(await waitForProjections(hearth, reply, ['memberships', 'people'], request.query.after))) return reply;
        return (await answerPage(hearth, reply, { list: 'directory', scope: { networkId }, query: request.query }, (page) => reads.directory(hearth, request.caller, { networkId, page }))) ?? reply;
      },
    );
  };
}
