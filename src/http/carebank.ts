// The care bank over HTTP: scheme rules, care given and confirmed, pledges, pool gifts, claims,
// a holder's bank, and the scheme's outstanding obligation as at any date.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { v5 as uuidv5 } from 'uuid';
import type { Hearth } from '../hearth.ts';
import { handleCommand, handleAcross } from '../commands/handle.ts';
import { actorIn, requireActiveMembers, requireMember, signedIn } from '../access/guard.ts';
import { currentDetails } from '../access/register.ts';
import { ageOn, careActivities, rulesShape, schemeDecider, schemeStream } from '../carebank/scheme.ts';
import { careStream, decideLogCare, POOL } from '../carebank/bank.ts';
import { careOf, claimCare, confirmCare, donateToPool, moveBanked } from '../carebank/commands.ts';
import { formatMinutes } from '../units.ts';
import { idempotent } from './idempotency.ts';
import { asCoordinator, writtenAcross } from './guarded.ts';
import { today } from '../dates.ts';
import { commandContext } from './commands.ts';
import { readAfter, waitForProjections, writeResult } from './reads.ts';

const networkParams = z.object({ networkId: z.uuid() });
const minutes = z.number().int('must be whole minutes').positive('must be more than zero');
const onBehalf = z.object({ 'idempotency-key': z.string().optional(), 'on-behalf-of': z.uuid().optional() });
const BANDS = [
  { band: 'under 40', below: 40 },
  { band: '40 to 59', below: 60 },
  { band: '60 to 74', below: 75 },
  { band: '75 and over', below: Infinity },
];

export function carebankRoutes(hearth: Hearth): FastifyPluginAsync {
  const { db } = hearth.database;
  const { store } = hearth;

  async function ageOf(personId: string, on: string): Promise<number | null> {
    const dob = (await currentDetails(hearth, personId))?.dateOfBirth;
    return dob ? ageOn(dob, on) : null;
  }

  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/carebank';

    app.post(
      `${base}/rules`,
      { schema: { summary: "A new version of the scheme's rules (coordinators)", params: networkParams, body: rulesShape, response: { 201: writeResult } } },
      async (request, reply) => {
        const { networkId } = request.params;
        return asCoordinator(hearth, request, reply, networkId, 201, (commandId, acting) =>
          handleCommand(store, schemeDecider, schemeStream(networkId), { type: 'VersionRules', networkId, rules: request.body }, commandContext(request, commandId, acting)),
        );
      },
    );

    app.post(
      `${base}/care`,
      {
        schema: {
          summary: 'Log non-personal care given to an older person (the volunteer, or a coordinator)',
          params: networkParams,
          headers: onBehalf,
          body: z.strictObject({ volunteerId: z.uuid(), recipientId: z.uuid(), minutes: minutes.max(24 * 60), activity: z.enum(careActivities), occurredOn: z.iso.date() }),
          response: { 201: writeResult.extend({ careId: z.uuid() }) },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        const { acting, by } = await actorIn(store, networkId, request);
        return idempotent(hearth, request, reply, acting.actor, async (commandId) => {
          await requireActiveMembers(store, networkId, [[request.body.volunteerId, 'volunteerId'], [request.body.recipientId, 'recipientId']]);
          const careId = uuidv5('care', commandId);
          const done = await handleAcross(
            store,
            [careStream(careId)],
            ([history]) => [decideLogCare(careOf(history!), { careId, networkId, ...request.body, by, today: today() })],
            commandContext(request, commandId, acting),
          );
          return { status: 201, body: { careId, ...writtenAcross(done) } };
        });
      },
    );

    app.post(
      `${base}/care/:careId/confirmation`,
      { schema: { summary: 'Confirm care received: the hours are banked (the person cared for, or a coordinator)', params: networkParams.extend({ careId: z.uuid() }), headers: onBehalf, response: { 200: writeResult } } },
      async (request, reply) => {
        const { networkId, careId } = request.params;
        const { acting, by } = await actorIn(store, networkId, request);
        return idempotent(hearth, request, reply, acting.actor, async (commandId) => {
          return { status: 200, body: writtenAcross(await confirmCare(store, networkId, careId, by, ageOf, commandContext(request, commandId, acting))) };
        });
      },
    );

    app.post(
      `${base}/pledges`,
      { schema: { summary: 'Pledge banked hours to a named relative', params: networkParams, headers: onBehalf, body: z.strictObject({ relativeId: z.uuid(), minutes }), response: { 201: writeResult } } },
      async (request, reply) => {
        const { networkId } = request.params;
        const { acting } = await actorIn(store, networkId, request);
        return idempotent(hearth, request, reply, acting.actor, async (commandId) => {
          await requireActiveMembers(store, networkId, [[request.body.relativeId, 'relativeId']]);
          return { status: 201, body: writtenAcross(await moveBanked(store, networkId, acting.subject, request.body.relativeId, request.body.minutes, 'pledge', today(), commandContext(request, commandId, acting))) };
        });
      },
    );

    app.post(
      `${base}/pool-donations`,
      { schema: { summary: "Give banked hours to the scheme's pool", params: networkParams, headers: onBehalf, body: z.strictObject({ minutes }), response: { 201: writeResult } } },
      async (request, reply) => {
        const { networkId } = request.params;
        const { acting } = await actorIn(store, networkId, request);
        return idempotent(hearth, request, reply, acting.actor, async (commandId) => ({
          status: 201,
          body: writtenAcross(await donateToPool(store, networkId, acting.subject, request.body.minutes, today(), commandContext(request, commandId, acting))),
        }));
      },
    );

    app.post(
      `${base}/claims`,
      { schema: { summary: 'Claim care funded from your banked hours', params: networkParams, headers: onBehalf, body: z.strictObject({ minutes }), response: { 201: writeResult } } },
      async (request, reply) => {
        const { networkId } = request.params;
        const { acting } = await actorIn(store, networkId, request);
        return idempotent(hearth, request, reply, acting.actor, async (commandId) => ({
          status: 201,
          body: writtenAcross(await claimCare(store, networkId, acting.subject, request.body.minutes, await ageOf(acting.subject, today()), today(), commandContext(request, commandId, acting))),
        }));
      },
    );

    app.get(
      `${base}/accounts/:personId`,
      { schema: { summary: "A holder's banked hours (the holder, or a coordinator)", params: networkParams.extend({ personId: z.uuid() }), querystring: readAfter.extend({ asAt: z.iso.date().optional() }) } },
      async (request, reply) => {
        const { networkId, personId } = request.params;
        const principal = signedIn(request);
        await requireMember(store, networkId, principal, principal.personId === personId ? undefined : ['coordinator']);
        if (!(await waitForProjections(hearth, reply, ['carebank'], request.query.after))) return reply;
        const asAt = request.query.asAt ?? today();
        const entries = await db.selectFrom('carebank_entries').selectAll().where('network_id', '=', networkId).where('holder', '=', personId).where('entry_date', '<=', asAt).orderBy('entry_date').orderBy('position').execute();
        const balance = entries.reduce((sum, e) => sum + e.minutes, 0);
        return {
          personId, asAt, balanceMinutes: balance, balance: formatMinutes(balance),
          entries: entries.map((e) => ({ date: e.entry_date, minutes: e.minutes, kind: e.kind, rulesVersion: e.rules_version })),
        };
      },
    );

    app.get(
      `${base}/obligation`,
      {
        schema: {
          summary: "The scheme's outstanding obligation (banked, unclaimed hours) by holders' age band, as at a date (coordinators, treasurers, board)",
          params: networkParams,
          querystring: readAfter.extend({ asAt: z.iso.date() }),
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        const { asAt } = request.query;
        await requireMember(store, networkId, signedIn(request), ['coordinator', 'treasurer', 'board']);
        if (!(await waitForProjections(hearth, reply, ['carebank'], request.query.after))) return reply;
        const holders = await db
          .selectFrom('carebank_entries')
          .select(['holder', (eb) => eb.fn.sum<number>('minutes').as('minutes')])
          .where('network_id', '=', networkId)
          .where('entry_date', '<=', asAt)
          .groupBy('holder')
          .execute();
        const bands = new Map<string, { holders: number; minutes: number }>();
        const add = (band: string, m: number) => {
          const b = bands.get(band) ?? { holders: 0, minutes: 0 };
          bands.set(band, { holders: b.holders + 1, minutes: b.minutes + m });
        };
        // Each holder's age needs their details opened: all at once, not one after another.
        const owing = holders.filter((h) => Number(h.minutes) !== 0);
        const ages = await Promise.all(owing.map((h) => (h.holder === POOL ? null : ageOf(h.holder, asAt))));
        owing.forEach((h, i) => {
          const age = ages[i]!;
          add(h.holder === POOL ? "the scheme's pool" : age === null ? 'age not known' : BANDS.find((b) => age < b.below)!.band, Number(h.minutes));
        });
        const total = [...bands.values()].reduce((sum, b) => sum + b.minutes, 0);
        const order = [...BANDS.map((b) => b.band), 'age not known', "the scheme's pool"];
        return {
          networkId,
          asAt,
          outstandingMinutes: total,
          outstanding: formatMinutes(total),
          bands: order.filter((b) => bands.has(b)).map((band) => ({ band, holders: bands.get(band)!.holders, minutes: bands.get(band)!.minutes, hours: formatMinutes(bands.get(band)!.minutes) })),
        };
      },
    );
  };
}
