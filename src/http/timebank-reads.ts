// What the time bank's pages read: a member's exchanges (those waiting for them first), one
// exchange, the network's categories and limits, and every account against its limits for the
// coordinators who keep members from running too far into debt.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sql } from 'kysely';
import type { Hearth } from '../hearth.ts';
import * as timebank from '../timebank/app.ts';
import { formatMinutes } from '../units.ts';
import { shownName } from '../access/person.ts';
import { readAfter, waitForProjections, etag } from './reads.ts';
import { makeProblem, sendProblem } from './problem.ts';
import { answerPage, pageOf, pageQuery } from './paging.ts';
import { keyset, pageFrom, type Page } from '../db/keyset.ts';
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
  status: z.enum(['logged', 'disputed', 'confirmed', 'cancelled', 'reversed']),
  loggedBy: z.string(),
});

/** Near a limit: within this share of the way from nothing to the limit. */
const NEAR_LIMIT_PERCENT = 80;

const named = (name: string, network: string | null) => (network ? `${name} (${network})` : name);

export function timebankReadRoutes(hearth: Hearth): FastifyPluginAsync {
  const { db } = hearth.database;

  const exchanges = (networkId: string) =>
    db
      .selectFrom('timebank_exchanges as x')
      .leftJoin('people as p', 'p.person_id', 'x.provider_id')
      .leftJoin('people as r', 'r.person_id', 'x.receiver_id')
      // A party kept by another time bank is named with it.
      .leftJoin('networks as pn', (join) => join.onRef('pn.network_id', '=', 'x.network_id').on('x.network_id', '<>', networkId))
      .leftJoin('networks as rn', (join) => join.onRef('rn.network_id', '=', 'x.receiver_network_id').on('x.receiver_network_id', '<>', networkId))
      .select(['x.exchange_id', 'x.occurred_on', 'x.provider_id', 'p.name as provider', 'p.erased as providerErased', 'pn.name as providerNetwork', 'x.receiver_id', 'r.name as receiver', 'r.erased as receiverErased', 'rn.name as receiverNetwork', 'x.minutes', 'x.credited', 'x.category', 'x.description', 'x.status', 'x.logged_by'])
      .where((eb) => eb.or([eb('x.network_id', '=', networkId), eb('x.receiver_network_id', '=', networkId)]));
  type Row = Awaited<ReturnType<ReturnType<typeof exchanges>['execute']>>[number];
  // Descriptions are sealed in the read table: one vault read opens a whole page.
  const shaped = async (rows: Row[]): Promise<Array<z.infer<typeof exchange>>> => {
    const descriptions = await hearth.vault.openTexts(rows.map((r) => r.description));
    return rows.map((r, i) => shapedOne(r, descriptions[i]!));
  };
  const shapedOne = (r: Row, description: string): z.infer<typeof exchange> => ({
    exchangeId: r.exchange_id,
    occurredOn: r.occurred_on,
    providerId: r.provider_id,
    providerName: named(shownName(r.provider, r.providerErased), r.providerNetwork),
    receiverId: r.receiver_id,
    receiverName: named(shownName(r.receiver, r.receiverErased), r.receiverNetwork),
    minutes: r.minutes,
    creditedMinutes: r.credited,
    category: r.category,
    description,
    status: r.status as z.infer<typeof exchange>['status'],
    loggedBy: r.logged_by,
  });

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
        const { networkId } = request.params;
        await timebank.mayReadNetwork(hearth, request.caller, networkId);
        const { settings, revision } = await timebank.rulesOf(hearth, networkId);
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
        await timebank.mayReadAccount(hearth, request.caller, networkId, personId);
        if (!(await waitForProjections(hearth, reply, ['timebank', 'people'], request.query.after))) return reply;
        const read = async (page: Page<readonly [string, number]>) => {
          let mine = exchanges(networkId).select('x.position').where((eb) => eb.or([eb('x.provider_id', '=', personId), eb('x.receiver_id', '=', personId)]));
          if (state) mine = mine.where('x.status', state === 'waiting' ? 'in' : 'not in', ['logged', 'disputed']);
          const found = pageFrom(await keyset(mine, ['x.occurred_on', 'x.position'], 'desc', page).execute(), page.limit, (r) => [r.occurred_on, Number(r.position)] as const);
          return { items: await shaped(found.items), next: found.next };
        };
        return (await answerPage(hearth, reply, { list: 'exchanges', scope: { networkId, personId, state }, query: request.query }, read)) ?? reply;
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
        const { networkId, exchangeId } = request.params;
        await timebank.mayReadNetwork(hearth, request.caller, networkId);
        if (!(await waitForProjections(hearth, reply, ['timebank', 'people'], request.query.after))) return reply;
        const row = await exchanges(networkId).where('x.exchange_id', '=', exchangeId).executeTakeFirst();
        if (!row) return sendProblem(reply, makeProblem('exchange-not-found', 404, 'There is no such exchange in this network.'));
        await timebank.mayReadExchange(hearth, request.caller, networkId, { providerId: row.provider_id, receiverId: row.receiver_id });
        reply.header('etag', etag(await timebank.revisionOf(hearth, { exchangeId })));
        return (await shaped([row]))[0]!;
      },
    );

    app.get(
      `${base}/accounts`,
      {
        config: { guard: { who: ['coordinator'] } },
        schema: {
          summary: `Every member's balance against their limits, those nearest a limit first, a page at a time; near is ${NEAR_LIMIT_PERCENT}% of the way to it (coordinators)`,
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
        await timebank.mayReadNetworkLedger(hearth, request.caller, networkId);
        if (!(await waitForProjections(hearth, reply, ['timebank', 'memberships', 'people'], request.query.after))) return reply;
        const { settings } = await timebank.rulesOf(hearth, networkId);
        // How far towards its limit, worked out in the query so that pages follow that order.
        const balance = sql<number>`coalesce(a.balance, 0)`;
        const limit = sql<number>`(CASE WHEN coalesce(a.balance, 0) < 0 THEN coalesce(a.lower_override, ${settings.lowerMinutes}::int) ELSE coalesce(a.upper_override, ${settings.upperMinutes}::int) END)`;
        const used = sql<number>`(CASE WHEN ${limit} = 0 THEN (CASE WHEN ${balance} = 0 THEN 0 ELSE 100 END) ELSE floor(${balance}::numeric * 100 / ${limit})::int END)`;
        const name = sql<string>`(CASE WHEN p.erased THEN '' ELSE coalesce(p.name, '') END)`;
        const query = db
          .selectFrom('memberships as m')
          .leftJoin('people as p', 'p.person_id', 'm.person_id')
          .leftJoin('timebank_accounts as a', (join) => join.on('a.network_id', '=', networkId).on(sql`a.holder`, '=', sql`m.person_id::text`))
          .select(['m.person_id', 'p.name', 'p.erased', 'a.balance', 'a.lower_override', 'a.upper_override', sql<number>`-${used}`.as('unused'), name.as('sort_name')])
          .where('m.network_id', '=', networkId)
          .where('m.status', '=', 'active');
        const read = async (page: Page<readonly [number, string, string]>) =>
          pageFrom(await keyset(query, [sql`-${used}`, name, 'm.person_id'], 'asc', page).execute(), page.limit, (r) => [Number(r.unused), r.sort_name, r.person_id] as const);
        const shown = (r: { person_id: string; name: string | null; erased: boolean | null; balance: number | null; lower_override: number | null; upper_override: number | null; unused: number }) => {
          const balanceMinutes = r.balance ?? 0;
          const usedPercent = -Number(r.unused);
          return {
            personId: r.person_id,
            name: shownName(r.name, r.erased),
            balanceMinutes,
            balance: formatMinutes(balanceMinutes),
            lowerMinutes: r.lower_override ?? settings.lowerMinutes,
            upperMinutes: r.upper_override ?? settings.upperMinutes,
            ownLimits: r.lower_override !== null || r.upper_override !== null,
            usedPercent,
            nearLimit: usedPercent >= NEAR_LIMIT_PERCENT,
          };
        };
        return (await answerPage(hearth, reply, { list: 'balances', scope: { networkId }, query: request.query }, read, shown)) ?? reply;
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
        await timebank.mayReadNetwork(hearth, request.caller, networkId);
        if (!(await waitForProjections(hearth, reply, ['memberships', 'people'], request.query.after))) return reply;
        const query = db
          .selectFrom('memberships as m')
          .innerJoin('people as p', 'p.person_id', 'm.person_id')
          .select(['m.person_id', 'p.name'])
          .where('m.network_id', '=', networkId)
          .where('m.status', '=', 'active')
          .where('p.erased', '=', false)
          .where('p.name', 'is not', null);
        const read = async (page: Page<readonly [string, string]>) => pageFrom(await keyset(query, ['p.name', 'm.person_id'], 'asc', page).execute(), page.limit, (r) => [r.name!, r.person_id] as const);
        return (await answerPage(hearth, reply, { list: 'directory', scope: { networkId }, query: request.query }, read, (r) => ({ personId: r.person_id, name: r.name! }))) ?? reply;
      },
    );
  };
}
