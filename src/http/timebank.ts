// The time bank over HTTP: rules, exchanges, the community chest, balances, statements, export.
// Each route parses, calls the time bank's application function (src/timebank/app.ts, where every
// rule lives) and maps the answer.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sql } from 'kysely';
import type { Hearth } from '../hearth.ts';
import { shownName } from '../access/person.ts';
import { categoryName } from '../timebank/settings.ts';
import { CLEARING, COMMUNITY, ORGANISATION } from '../timebank/account.ts';
import * as timebank from '../timebank/app.ts';
import { formatMinutes, lowerLimitMinutes, minutes, upperLimitMinutes } from '../units.ts';
import { makeProblem, sendProblem } from './problem.ts';
import { readAfter, waitForProjections, writeResult, etag } from './reads.ts';
import { sendCsv } from './csv.ts';
import { answerPage, pageOf, pageQuery } from './paging.ts';
import { keyset, pageFrom, type Page } from '../db/keyset.ts';
import { id, isoDate, text, reasonText } from '../bounds.ts';

const networkParams = z.object({ networkId: id() });
const exchangeParams = networkParams.extend({ exchangeId: id() });
const accountParams = networkParams.extend({ personId: id() });
const reason = z.strictObject({ reason: reasonText() });

/** A party's name, with their time bank's when it is not the one reading. */
const named = (name: string, network: string | null | undefined) => (network ? `${name} (${network})` : name);

export function timebankRoutes(hearth: Hearth): FastifyPluginAsync {
  const { db } = hearth.database;

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
        const { networkId } = request.params;
        await timebank.mayReadNetworkLedger(hearth, request.caller, networkId);
        if (!(await waitForProjections(hearth, reply, ['timebank', 'networks'], request.query.after))) return reply;
        const own = await db.selectFrom('timebank_accounts').select(['holder', 'balance']).where('network_id', '=', networkId).where('holder', 'in', [COMMUNITY, ORGANISATION]).execute();
        const balanceOf = (holder: string) => own.find((r) => r.holder === holder)?.balance ?? 0;
        // A clearing posting's counterparty is the partner time bank.
        const clearing = await db
          .selectFrom('timebank_entries as e')
          .leftJoin('networks as n', (join) => join.on(sql`n.network_id::text`, '=', sql.ref('e.counterparty')))
          .select(['e.counterparty', 'n.name', sql<number>`sum(e.minutes)::bigint`.as('total')])
          .where('e.network_id', '=', networkId).where('e.holder', '=', CLEARING)
          .groupBy(['e.counterparty', 'n.name'])
          .orderBy('n.name')
          .execute();
        const shown = (holder: typeof COMMUNITY | typeof ORGANISATION | typeof CLEARING, name: string, minutes: number, partnerNetworkId: string | null = null) => ({
          holder, name, partnerNetworkId, balanceMinutes: minutes, balance: formatMinutes(minutes),
        });
        return {
          accounts: [
            shown(COMMUNITY, 'Community chest', balanceOf(COMMUNITY)),
            shown(ORGANISATION, "The network's own account", balanceOf(ORGANISATION)),
            ...clearing.map((c) => shown(CLEARING, `Clearing with ${c.name ?? 'a partner time bank'}`, Number(c.total), c.counterparty)),
          ],
        };
      },
    );

    /** Grants and donations of the network's own accounts, newest first, each with whether it was reversed. */
    const giftsOf = (networkId: string, o: { page: Page<readonly [number]>; ref?: string }) => {
      let query = db
        .selectFrom('timebank_entries as e')
        .leftJoin('people as p', (join) => join.on(sql`p.person_id::text`, '=', sql.ref('e.counterparty')))
        .select(['e.ref', 'e.holder', 'e.reason', 'e.entry_date', 'e.counterparty', 'e.minutes', 'e.position', 'p.name', 'p.erased'])
        .select(sql<boolean>`exists (SELECT 1 FROM timebank_entries r WHERE r.network_id = e.network_id AND r.holder = e.holder AND r.ref = e.ref AND r.reason = 'reversal')`.as('reversed'))
        .where('e.network_id', '=', networkId).where('e.holder', 'in', [COMMUNITY, ORGANISATION]).where('e.reason', 'in', ['grant', 'donation']);
      if (o.ref !== undefined) query = query.where('e.ref', '=', o.ref);
      return keyset(query, ['e.position'], 'desc', o.page).execute();
    };
    type GiftRow = Awaited<ReturnType<typeof giftsOf>>[number];
    const giftShown = (r: GiftRow) => ({
      ref: r.ref, holder: r.holder as typeof COMMUNITY | typeof ORGANISATION, kind: r.reason as 'grant' | 'donation', date: r.entry_date, personId: r.counterparty,
      name: r.name === null ? null : shownName(r.name, r.erased), minutes: -r.minutes, text: formatMinutes(-r.minutes), reversed: r.reversed,
    });

    const gift = z.object({
      ref: id(),
      holder: z.enum([COMMUNITY, ORGANISATION]),
      kind: z.enum(['grant', 'donation']),
      date: isoDate(),
      personId: z.string(),
      name: z.string().nullable(),
      minutes: z.number().int().describe('To the member: positive for a grant, negative for a donation'),
      text: z.string(),
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
        await timebank.mayReadNetworkLedger(hearth, request.caller, networkId);
        if (!(await waitForProjections(hearth, reply, ['timebank', 'people'], request.query.after))) return reply;
        const read = async (page: Page<readonly [number]>) => pageFrom(await giftsOf(networkId, { page }), page.limit, (r) => [Number(r.position)] as const);
        return (await answerPage(hearth, reply, { list: 'gifts', scope: { networkId }, query: request.query }, read, giftShown)) ?? reply;
      },
    );

    app.get(
      `${base}/gifts/:ref`,
      {
        config: { guard: { who: ['coordinator'] } },
        schema: { summary: "One grant or donation of the chest or the network's own account (coordinators)", params: networkParams.extend({ ref: id() }), querystring: readAfter, response: { 200: gift } },
      },
      async (request, reply) => {
        const { networkId, ref } = request.params;
        await timebank.mayReadNetworkLedger(hearth, request.caller, networkId);
        if (!(await waitForProjections(hearth, reply, ['timebank', 'people'], request.query.after))) return reply;
        const [row] = await giftsOf(networkId, { page: { limit: 1 }, ref });
        if (!row) return sendProblem(reply, makeProblem('gift-not-found', 404, 'There is no such grant or donation in this network.'));
        return giftShown(row);
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
        const { networkId, personId } = request.params;
        await timebank.mayReadAccount(hearth, request.caller, networkId, personId);
        if (!(await waitForProjections(hearth, reply, ['timebank'], request.query.after))) return reply;
        const [row, { settings }, revision] = await Promise.all([
          db.selectFrom('timebank_accounts').selectAll().where('network_id', '=', networkId).where('holder', '=', personId).executeTakeFirst(),
          timebank.rulesOf(hearth, networkId),
          timebank.revisionOf(hearth, { account: { networkId, personId } }),
        ]);
        const balance = row?.balance ?? 0;
        reply.header('etag', etag(revision));
        return { personId, balanceMinutes: balance, balance: formatMinutes(balance), lowerMinutes: row?.lower_override ?? settings.lowerMinutes, upperMinutes: row?.upper_override ?? settings.upperMinutes };
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
        const { networkId, personId } = request.params;
        const { from, to } = request.query;
        await timebank.mayReadAccount(hearth, request.caller, networkId, personId);
        if (to < from) return sendProblem(reply, makeProblem('validation', 400, 'querystring to: must not be before from', { errors: [{ in: 'querystring', pointer: '/to', detail: 'must not be before from' }] }));
        if (!(await waitForProjections(hearth, reply, ['timebank', 'people', 'networks'], request.query.after))) return reply;
        const opening = await db
          .selectFrom('timebank_entries')
          .select(sql<number>`coalesce(sum(minutes), 0)::bigint`.as('total'))
          .where('network_id', '=', networkId).where('holder', '=', personId).where('entry_date', '<', from)
          .executeTakeFirstOrThrow();
        const lines = await db
          .selectFrom('timebank_entries as e')
          .leftJoin('people', (join) => join.on(sql`people.person_id::text`, '=', sql.ref('e.counterparty')))
          // Across two time banks, the other member's time bank.
          .leftJoin('timebank_exchanges as x', (join) => join.onRef('x.exchange_id', '=', 'e.ref').on('x.receiver_network_id', 'is not', null))
          .leftJoin('networks as n', (join) => join.on(sql`n.network_id`, '=', sql`CASE WHEN x.network_id = e.network_id THEN x.receiver_network_id ELSE x.network_id END`))
          .select(['e.entry_date', 'e.minutes', 'e.reason', 'e.counterparty', 'e.category', 'e.description', 'people.name', 'people.erased', 'n.name as network'])
          .where('e.network_id', '=', networkId).where('e.holder', '=', personId).where('e.entry_date', '>=', from).where('e.entry_date', '<=', to)
          .orderBy('e.entry_date').orderBy('e.position')
          .execute();
        const descriptions = await hearth.vault.openTexts(lines.map((l) => l.description));
        // A printed statement says whose it is.
        const holder = await db.selectFrom('people').select(['name', 'erased']).where('person_id', '=', personId).executeTakeFirst();
        const openingMinutes = Number(opening.total);
        const closingMinutes = lines.reduce((sum, l) => sum + l.minutes, openingMinutes);
        return {
          personId, name: holder ? shownName(holder.name, holder.erased) : null, networkId, from, to,
          opening: { minutes: openingMinutes, text: formatMinutes(openingMinutes) },
          closing: { minutes: closingMinutes, text: formatMinutes(closingMinutes) },
          entries: lines.map((l, i) => ({
            date: l.entry_date, minutes: l.minutes, text: formatMinutes(l.minutes), reason: l.reason, category: l.category, description: descriptions[i]!,
            with: l.counterparty === COMMUNITY ? 'community chest' : l.counterparty === ORGANISATION ? "the network's own account" : named(shownName(l.name, l.erased), l.network),
            ...(l.network ? { network: l.network } : {}),
          })),
        };
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
        await timebank.mayReadNetworkLedger(hearth, request.caller, networkId);
        if (!(await waitForProjections(hearth, reply, ['timebank', 'people', 'networks'], request.query.after))) return reply;
        const rows = await db
          .selectFrom('timebank_exchanges as x')
          .leftJoin('people as p', 'p.person_id', 'x.provider_id')
          .leftJoin('people as r', 'r.person_id', 'x.receiver_id')
          .leftJoin('networks as pn', (join) => join.onRef('pn.network_id', '=', 'x.network_id').on('x.network_id', '<>', networkId))
          .leftJoin('networks as rn', (join) => join.onRef('rn.network_id', '=', 'x.receiver_network_id').on('x.receiver_network_id', '<>', networkId))
          .select(['x.occurred_on', 'p.name as provider', 'p.erased as providerErased', 'r.name as receiver', 'r.erased as receiverErased', 'pn.name as providerNetwork', 'rn.name as receiverNetwork', 'x.category', 'x.description', 'x.minutes', 'x.credited', 'x.status'])
          .where((eb) => eb.or([eb('x.network_id', '=', networkId), eb('x.receiver_network_id', '=', networkId)]))
          .orderBy('x.occurred_on').orderBy('x.position')
          .execute();
        const descriptions = await hearth.vault.openTexts(rows.map((r) => r.description));
        const lines = [
          ['date', 'provider', 'receiver', 'category', 'description', 'minutes', 'credited minutes', 'status'],
          ...rows.map((r, i) => [
            r.occurred_on,
            named(shownName(r.provider, r.providerErased), r.providerNetwork),
            named(shownName(r.receiver, r.receiverErased), r.receiverNetwork),
            r.category, descriptions[i]!, String(r.minutes), String(r.credited), r.status,
          ]),
        ];
        return sendCsv(reply, `exchanges-${networkId}`, lines);
      },
    );

    /** The exchange belongs to this time bank: it was logged here, or its receiver's account is kept here. */
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
        const { networkId } = request.params;
        await timebank.mayReadNetwork(hearth, request.caller, networkId);
        if (!(await waitForProjections(hearth, reply, ['timebank'], request.query.after))) return reply;
        const [total, months] = await Promise.all([
          db.selectFrom('timebank_accounts').select(sql<number>`coalesce(sum(balance), 0)::bigint`.as('total')).where('network_id', '=', networkId).executeTakeFirstOrThrow(),
          sql<{ month: string; exchanges: number; minutes: number; active: number }>`
            WITH confirmed AS (
              SELECT substr(occurred_on, 1, 7) AS month, credited,
                     CASE WHEN network_id = ${networkId}::uuid THEN provider_id END AS our_provider,
                     CASE WHEN coalesce(receiver_network_id, network_id) = ${networkId}::uuid THEN receiver_id END AS our_receiver
                FROM timebank_exchanges
               WHERE (network_id = ${networkId}::uuid OR receiver_network_id = ${networkId}::uuid) AND status = 'confirmed')
            SELECT month, count(*)::int AS exchanges, sum(credited)::bigint AS minutes,
                   (SELECT count(DISTINCT person)::int FROM (
                      SELECT our_provider AS person FROM confirmed c2 WHERE c2.month = c.month
                      UNION SELECT our_receiver FROM confirmed c2 WHERE c2.month = c.month) parties) AS active
              FROM confirmed c GROUP BY month ORDER BY month`.execute(db),
        ]);
        return {
          totalBalanceMinutes: Number(total.total),
          months: months.rows.map((m) => ({ month: m.month, exchanges: m.exchanges, minutes: m.minutes, hours: formatMinutes(m.minutes), activeMembers: m.active })),
        };
      },
    );
  };
}
