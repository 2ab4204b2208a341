// The time bank over HTTP: rules, exchanges, the community chest, balances, statements, export.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sql } from 'kysely';
import { v5 as uuidv5 } from 'uuid';
import type { Hearth } from '../hearth.ts';
import { fold, Rejection } from '../commands/decider.ts';
import { handleCommand } from '../commands/handle.ts';
import { actorIn, membershipOf, requireMember, signedIn } from '../access/guard.ts';
import { careRefusal } from '../access/safeguarding.ts';
import { networkDecider, networkStream, type NetworkEvent } from '../networks/network.ts';
import { personDecider, personStream, shownName, type PersonEvent } from '../access/person.ts';
import { categoryName, settingsDecider, timebankStream, type SettingsEvent } from '../timebank/settings.ts';
import { exchangeDecider, exchangeStream } from '../timebank/exchange.ts';
import { confirmExchange, donate, grant, reverseExchange, setMemberLimits } from '../timebank/commands.ts';
import { formatMinutes } from '../units.ts';
import { idempotent } from './idempotency.ts';
import { asCoordinator, writtenAcross } from './guarded.ts';
import { today } from '../dates.ts';
import { commandContext } from './commands.ts';
import { makeProblem, sendProblem } from './problem.ts';
import { readAfter, waitForProjections, writeResult } from './reads.ts';
import { toCsv } from './csv.ts';

const networkParams = z.object({ networkId: z.uuid() });
const exchangeParams = networkParams.extend({ exchangeId: z.uuid() });
const accountParams = networkParams.extend({ personId: z.uuid() });
const minutes = z.number().int('must be whole minutes').positive('must be more than zero');
const reason = z.strictObject({ reason: z.string().trim().min(1).max(500) });

export function timebankRoutes(hearth: Hearth): FastifyPluginAsync {
  const { db } = hearth.database;
  const { store } = hearth;

  async function mayReadAccount(request: FastifyRequest, networkId: string, personId: string) {
    const principal = signedIn(request);
    await requireMember(store, networkId, principal, principal.personId === personId ? undefined : ['coordinator']);
  }

  const settingsOf = async (networkId: string) => fold(settingsDecider, (await store.readStream(timebankStream(networkId))) as unknown as SettingsEvent[]);

  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/timebank';

    app.put(
      `${base}/categories/:category`,
      {
        schema: {
          summary: 'Define a category, with its rate: 100 is an hour for an hour (coordinators)',
          params: networkParams.extend({ category: categoryName }),
          body: z.strictObject({ ratePercent: z.number().int().min(1).max(1000).default(100) }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId, category } = request.params;
        return asCoordinator(hearth, request, reply, networkId, 200, (commandId, acting) =>
          handleCommand(store, settingsDecider, timebankStream(networkId), { type: 'DefineCategory', networkId, category, ratePercent: request.body.ratePercent }, commandContext(request, commandId, acting)),
        );
      },
    );

    app.put(
      `${base}/limits`,
      {
        schema: {
          summary: "Set the network's balance limits and longest exchange, with a reason (coordinators)",
          params: networkParams,
          body: z.strictObject({
            lowerMinutes: z.number().int().max(0),
            upperMinutes: z.number().int().min(0),
            maxExchangeMinutes: minutes.max(24 * 60),
            reason: z.string().trim().min(1).max(500),
          }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        return asCoordinator(hearth, request, reply, networkId, 200, (commandId, acting) =>
          handleCommand(store, settingsDecider, timebankStream(networkId), { type: 'SetNetworkLimits', networkId, ...request.body }, commandContext(request, commandId, acting)),
        );
      },
    );

    app.put(
      `${base}/accounts/:personId/limits`,
      {
        schema: {
          summary: "Set one member's limits (null: the network's), with a reason (coordinators)",
          params: accountParams,
          body: z.strictObject({ lowerMinutes: z.number().int().max(0).nullable(), upperMinutes: z.number().int().min(0).nullable(), reason: z.string().trim().min(1).max(500) }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId, personId } = request.params;
        return asCoordinator(hearth, request, reply, networkId, 200, async (commandId, acting) =>
          writtenAcross(await setMemberLimits(store, networkId, personId, request.body, commandContext(request, commandId, acting))),
        );
      },
    );

    app.post(
      `${base}/exchanges`,
      {
        schema: {
          summary: 'Log an exchange: time given by one member to another (the parties, or a coordinator)',
          params: networkParams,
          headers: z.object({ 'idempotency-key': z.string().optional(), 'on-behalf-of': z.uuid().optional() }),
          body: z.strictObject({
            providerId: z.uuid(),
            receiverId: z.uuid(),
            receiverNetworkId: z.uuid().optional().describe("The receiver's own time bank, when it is not this one"),
            minutes,
            category: categoryName,
            description: z.string().trim().max(500).default(''),
            occurredOn: z.iso.date(),
          }),
          response: { 201: writeResult.extend({ exchangeId: z.uuid() }) },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        const { acting, by } = await actorIn(store, networkId, request);
        return idempotent(hearth, request, reply, acting.actor, async (commandId) => {
          const body = request.body;
          // Read together, so that the store can fetch them in one query.
          const [provider, receiverMembership, networkEvents, receiverEvents, settings] = await Promise.all([
            membershipOf(store, networkId, body.providerId),
            membershipOf(store, body.receiverNetworkId ?? networkId, body.receiverId),
            store.readStream(networkStream(networkId)),
            store.readStream(personStream(body.receiverId)),
            settingsOf(networkId),
          ]);
          for (const [field, membership] of [['providerId', provider], ['receiverId', receiverMembership]] as const) {
            if (membership.status !== 'active') throw new Rejection('unknown-member', 'This person is not an active member of their time bank.', 422, field);
          }
          const network = fold(networkDecider, networkEvents as unknown as NetworkEvent[]);
          const receiver = fold(personDecider, receiverEvents as unknown as PersonEvent[]);
          const refusal = careRefusal(
            { requireDbsForSafeguarded: network.status === 'open' && network.requireDbsForSafeguarded },
            provider,
            receiver.status === 'active' && receiver.needsSafeguarding,
            today(),
          );
          if (refusal) throw new Rejection('safeguarding', refusal, 422, 'providerId');
          const exchangeId = uuidv5('exchange', commandId);
          const done = await handleCommand(
            store,
            exchangeDecider,
            exchangeStream(exchangeId),
            { type: 'LogExchange', exchangeId, networkId, ...body, by, today: today(), settings },
            commandContext(request, commandId, acting),
          );
          return { status: 201, body: { exchangeId, revision: done.revision, position: done.position } };
        });
      },
    );

    const onBehalf = z.object({ 'idempotency-key': z.string().optional(), 'on-behalf-of': z.uuid().optional() });

    app.post(
      `${base}/exchanges/:exchangeId/confirmation`,
      { schema: { summary: 'Confirm an exchange: credits move (the other party, or a coordinator)', params: exchangeParams, headers: onBehalf, response: { 200: writeResult } } },
      async (request, reply) => {
        const { networkId, exchangeId } = request.params;
        const { acting, by } = await actorIn(store, networkId, request);
        return idempotent(hearth, request, reply, acting.actor, async (commandId) => {
          await sameNetwork(exchangeId, networkId);
          return { status: 200, body: writtenAcross(await confirmExchange(store, exchangeId, by, commandContext(request, commandId, acting))) };
        });
      },
    );

    for (const [path, type, summary] of [
      ['dispute', 'DisputeExchange', 'Dispute an exchange before it is confirmed (the other party, or a coordinator)'],
      ['cancellation', 'CancelExchange', 'Cancel an exchange before it is confirmed (either party, or a coordinator)'],
    ] as const) {
      app.post(
        `${base}/exchanges/:exchangeId/${path}`,
        { schema: { summary, params: exchangeParams, headers: onBehalf, body: reason, response: { 200: writeResult } } },
        async (request, reply) => {
          const { networkId, exchangeId } = request.params;
          const { acting, by } = await actorIn(store, networkId, request);
          return idempotent(hearth, request, reply, acting.actor, async (commandId) => {
            await sameNetwork(exchangeId, networkId);
            const done = await handleCommand(store, exchangeDecider, exchangeStream(exchangeId), { type, by, reason: request.body.reason }, commandContext(request, commandId, acting));
            return { status: 200, body: { revision: done.revision, position: done.position } };
          });
        },
      );
    }

    app.post(
      `${base}/exchanges/:exchangeId/reversal`,
      { schema: { summary: 'Reverse a confirmed exchange, with a reason (coordinators)', params: exchangeParams, body: reason, response: { 200: writeResult } } },
      async (request, reply) => {
        const { networkId, exchangeId } = request.params;
        return asCoordinator(hearth, request, reply, networkId, 200, async (commandId, acting) => {
          await sameNetwork(exchangeId, networkId);
          return writtenAcross(await reverseExchange(store, exchangeId, { personId: acting.actor, isCoordinator: true }, request.body.reason, commandContext(request, commandId, acting)));
        });
      },
    );

    app.post(
      `${base}/chest/donations`,
      { schema: { summary: 'Give minutes to the community chest', params: networkParams, headers: onBehalf, body: z.strictObject({ minutes }), response: { 201: writeResult } } },
      async (request, reply) => {
        const { networkId } = request.params;
        const { acting } = await actorIn(store, networkId, request);
        return idempotent(hearth, request, reply, acting.actor, async (commandId) => ({
          status: 201,
          body: writtenAcross(await donate(store, networkId, acting.subject, request.body.minutes, commandContext(request, commandId, acting))),
        }));
      },
    );

    app.post(
      `${base}/chest/grants`,
      { schema: { summary: 'Grant minutes from the community chest to a member (coordinators)', params: networkParams, body: z.strictObject({ personId: z.uuid(), minutes }), response: { 201: writeResult } } },
      async (request, reply) => {
        const { networkId } = request.params;
        return asCoordinator(hearth, request, reply, networkId, 201, async (commandId, acting) => {
          if ((await membershipOf(store, networkId, request.body.personId)).status !== 'active') {
            throw new Rejection('unknown-member', 'This person is not an active member of the network.', 422, 'personId');
          }
          return writtenAcross(await grant(store, networkId, request.body.personId, request.body.minutes, commandContext(request, commandId, acting)));
        });
      },
    );

    const account = z.object({ personId: z.uuid(), balanceMinutes: z.number().int(), balance: z.string().describe('h:mm'), lowerMinutes: z.number().int(), upperMinutes: z.number().int() });

    app.get(
      `${base}/accounts/:personId`,
      { schema: { summary: 'A member\'s balance and limits (the member, or a coordinator)', params: accountParams, querystring: readAfter, response: { 200: account } } },
      async (request, reply) => {
        const { networkId, personId } = request.params;
        await mayReadAccount(request, networkId, personId);
        if (!(await waitForProjections(hearth, reply, ['timebank'], request.query.after))) return reply;
        const [row, settings] = await Promise.all([
          db.selectFrom('timebank_accounts').selectAll().where('network_id', '=', networkId).where('holder', '=', personId).executeTakeFirst(),
          settingsOf(networkId),
        ]);
        const balance = row?.balance ?? 0;
        return { personId, balanceMinutes: balance, balance: formatMinutes(balance), lowerMinutes: row?.lower_override ?? settings.lowerMinutes, upperMinutes: row?.upper_override ?? settings.upperMinutes };
      },
    );

    app.get(
      `${base}/accounts/:personId/statement`,
      {
        schema: {
          summary: 'A statement for a period, with opening and closing balances (the member, or a coordinator)',
          params: accountParams,
          querystring: readAfter.extend({ from: z.iso.date(), to: z.iso.date() }),
        },
      },
      async (request, reply) => {
        const { networkId, personId } = request.params;
        const { from, to } = request.query;
        await mayReadAccount(request, networkId, personId);
        if (to < from) return sendProblem(reply, makeProblem('validation', 400, 'querystring to: must not be before from', { errors: [{ in: 'querystring', pointer: '/to', detail: 'must not be before from' }] }));
        if (!(await waitForProjections(hearth, reply, ['timebank', 'people'], request.query.after))) return reply;
        const opening = await db
          .selectFrom('timebank_entries')
          .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('minutes'), eb.lit(0)).as('total'))
          .where('network_id', '=', networkId).where('holder', '=', personId).where('entry_date', '<', from)
          .executeTakeFirstOrThrow();
        const lines = await db
          .selectFrom('timebank_entries')
          .leftJoin('people', (join) => join.on(sql`people.person_id::text`, '=', sql.ref('timebank_entries.counterparty')))
          .select(['entry_date', 'minutes', 'reason', 'counterparty', 'category', 'description', 'people.name', 'people.erased'])
          .where('network_id', '=', networkId).where('holder', '=', personId).where('entry_date', '>=', from).where('entry_date', '<=', to)
          .orderBy('entry_date').orderBy('position')
          .execute();
        const openingMinutes = Number(opening.total);
        const closingMinutes = lines.reduce((sum, l) => sum + l.minutes, openingMinutes);
        return {
          personId, networkId, from, to,
          opening: { minutes: openingMinutes, text: formatMinutes(openingMinutes) },
          closing: { minutes: closingMinutes, text: formatMinutes(closingMinutes) },
          entries: lines.map((l) => ({
            date: l.entry_date, minutes: l.minutes, text: formatMinutes(l.minutes), reason: l.reason, category: l.category, description: l.description,
            with: l.counterparty === 'community' ? 'community chest' : shownName(l.name, l.erased),
          })),
        };
      },
    );

    app.get(
      `${base}/exchanges.csv`,
      { schema: { summary: 'All exchanges as CSV: date, parties, category, description, minutes (coordinators)', params: networkParams, querystring: readAfter } },
      async (request, reply) => {
        const { networkId } = request.params;
        await requireMember(store, networkId, signedIn(request), ['coordinator']);
        if (!(await waitForProjections(hearth, reply, ['timebank', 'people'], request.query.after))) return reply;
        const rows = await db
          .selectFrom('timebank_exchanges as x')
          .leftJoin('people as p', 'p.person_id', 'x.provider_id')
          .leftJoin('people as r', 'r.person_id', 'x.receiver_id')
          .select(['x.occurred_on', 'p.name as provider', 'p.erased as providerErased', 'r.name as receiver', 'r.erased as receiverErased', 'x.category', 'x.description', 'x.minutes', 'x.credited', 'x.status'])
          .where('x.network_id', '=', networkId)
          .orderBy('x.occurred_on').orderBy('x.position')
          .execute();
        const lines = [
          ['date', 'provider', 'receiver', 'category', 'description', 'minutes', 'credited minutes', 'status'],
          ...rows.map((r) => [r.occurred_on, shownName(r.provider, r.providerErased), shownName(r.receiver, r.receiverErased), r.category, r.description, String(r.minutes), String(r.credited), r.status]),
        ];
        reply.header('content-disposition', `attachment; filename="exchanges-${networkId}.csv"`);
        return reply.type('text/csv; charset=utf-8').send(toCsv(lines));
      },
    );

    /** The exchange belongs to this time bank: it was logged here, or its receiver's account is kept here. */
    app.get(
      `${base}/figures`,
      {
        schema: {
          summary: "The network's figures by month: exchanges, hours credited, active members (any member)",
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
        await requireMember(store, networkId, signedIn(request));
        if (!(await waitForProjections(hearth, reply, ['timebank'], request.query.after))) return reply;
        const [total, months] = await Promise.all([
          db.selectFrom('timebank_accounts').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('balance'), eb.lit(0)).as('total')).where('network_id', '=', networkId).executeTakeFirstOrThrow(),
          sql<{ month: string; exchanges: number; minutes: number; active: number }>`
            WITH confirmed AS (
              SELECT substr(occurred_on, 1, 7) AS month, credited,
                     CASE WHEN network_id = ${networkId}::uuid THEN provider_id END AS our_provider,
                     CASE WHEN coalesce(receiver_network_id, network_id) = ${networkId}::uuid THEN receiver_id END AS our_receiver
                FROM timebank_exchanges
               WHERE (network_id = ${networkId}::uuid OR receiver_network_id = ${networkId}::uuid) AND status = 'confirmed')
            SELECT month, count(*)::int AS exchanges, sum(credited)::int AS minutes,
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

    async function sameNetwork(exchangeId: string, networkId: string) {
      const [logged] = await store.readStream(exchangeStream(exchangeId), { maxCount: 1 });
      const e = logged?.data as { networkId: string; receiverNetworkId?: string } | undefined;
      if (!e || (e.networkId !== networkId && e.receiverNetworkId !== networkId)) throw new Rejection('exchange-not-found', 'There is no such exchange in this network.', 404);
    }
  };
}

