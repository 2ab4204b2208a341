// The care bank over HTTP: scheme rules, care given and confirmed, pledges, pool gifts, claims,
// a holder's bank, and the scheme's outstanding obligation as at any date. Each route parses,
// calls the care bank's application function, and maps its answer; the rules live there.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import * as carebank from '../carebank/app.ts';
import { careActivities, rulesShape } from '../carebank/scheme.ts';
import { minutes } from '../units.ts';
import { readAfter, waitForProjections, writeResult, etag } from './reads.ts';
import { id, isoDate, reasonText } from '../bounds.ts';

const networkParams = z.object({ networkId: id() });
const careParams = networkParams.extend({ careId: id() });

const rulesVersion = z.object({ ...rulesShape.shape, version: z.number().int().min(0) });
const careRecord = z.object({
  careId: id(),
  status: z.enum(['logged', 'disputed', 'confirming', 'confirmed']),
  networkId: id(),
  volunteerId: id(),
  recipientId: id(),
  minutes: z.number().int(),
  activity: z.enum(careActivities),
  occurredOn: z.string(),
  loggedBy: id(),
  revision: z.number().int().describe('The revision of the care record; send it back in If-Match when confirming'),
  volunteerName: z.string(),
  recipientName: z.string(),
  youMayConfirm: z.boolean().describe('Whether the reader may confirm (or dispute) it now'),
  lastRefusal: z
    .object({ problem: z.string(), detail: z.string() })
    .nullable()
    .describe('Why the last confirmation was refused while the hours were being banked (a cap reached by other care meanwhile), until anything else happens to the care'),
});

export function carebankRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/carebank';

    app.post(
      `${base}/rules`,
      {
        schema: { operationId: 'setCarebankRules', summary: "A new version of the scheme's rules (coordinators)", params: networkParams, body: rulesShape, response: { 201: writeResult } },
        config: { guard: { who: ['coordinator'], write: true, ifMatch: true } },
      },
      async (request, reply) => {
        const done = await carebank.versionRules(hearth, request.caller, { networkId: request.params.networkId, rules: request.body });
        return reply.code(201).header('etag', etag(done.revision)).send(done);
      },
    );

    app.get(
      `${base}/rules`,
      {
        schema: {
          operationId: 'getCarebankRules',
          summary: "The scheme's rules: those in force today, and every version (members)",
          params: networkParams,
          response: { 200: z.object({ revision: z.number().int(), inForce: rulesVersion, versions: z.array(rulesVersion) }) },
        },
        config: { guard: { who: 'member' } },
      },
      async (request, reply) => {
        const rules = await carebank.schemeRules(hearth, request.caller, request.params);
        return reply.header('etag', etag(rules.revision)).send(rules);
      },
    );

    app.post(
      `${base}/care`,
      {
        schema: {
          operationId: 'logCare',
          summary: 'Log non-personal care given to an older person (the volunteer, or a coordinator); refused without a current DBS check where the scheme asks one for a person flagged for safeguarding',
          params: networkParams,
          body: z.strictObject({ volunteerId: id(), recipientId: id(), minutes: minutes.max(24 * 60), activity: z.enum(careActivities), occurredOn: isoDate() }),
          response: { 201: writeResult.extend({ careId: id() }) },
        },
        config: { guard: { who: 'member', onBehalf: true, write: true } },
      },
      async (request, reply) => {
        const done = await carebank.logCare(hearth, request.caller, { networkId: request.params.networkId, ...request.body });
        return reply.code(201).header('etag', etag(done.revision)).send(done);
      },
    );

    app.get(
      `${base}/care/:careId`,
      {
        schema: { summary: 'A care record (its volunteer, the person cared for, or a coordinator)', params: careParams, response: { 200: careRecord } },
        config: { guard: { who: 'member' } },
      },
      async (request, reply) => {
        const record = await carebank.careRecord(hearth, request.caller, request.params);
        return reply.header('etag', etag(record.revision)).send(record);
      },
    );

    app.post(
      `${base}/care/:careId/confirmation`,
      {
        schema: {
          summary: 'Confirm care received: the hours are banked (the person cared for, or a coordinator who neither gave nor received it); safeguarding is asked again',
          params: careParams,
          response: { 200: writeResult },
        },
        config: { guard: { who: 'member', onBehalf: true, write: true, ifMatch: true } },
      },
      async (request, reply) => {
        const done = await carebank.confirmCare(hearth, request.caller, request.params);
        return reply.header('etag', etag(done.revision)).send(done);
      },
    );

    app.post(
      `${base}/care/:careId/dispute`,
      {
        schema: {
          summary: 'Dispute care before it is banked, saying what is wrong (whoever could confirm it); a coordinator who is no party to it settles it',
          params: careParams,
          body: z.strictObject({ reason: reasonText() }),
          response: { 200: writeResult },
        },
        config: { guard: { who: 'member', onBehalf: true, write: true, ifMatch: true } },
      },
      async (request, reply) => {
        const done = await carebank.disputeCare(hearth, request.caller, { ...request.params, ...request.body });
        return reply.header('etag', etag(done.revision)).send(done);
      },
    );

    app.post(
      `${base}/pledges`,
      {
        schema: { operationId: 'pledgeHours', summary: 'Pledge banked hours to a named relative', params: networkParams, body: z.strictObject({ relativeId: id(), minutes }), response: { 201: writeResult } },
        config: { guard: { who: 'member', onBehalf: true, write: true } },
      },
      async (request, reply) => reply.code(201).send(await carebank.pledge(hearth, request.caller, { networkId: request.params.networkId, ...request.body })),
    );

    app.post(
      `${base}/pool-donations`,
      {
        schema: { operationId: 'giveHoursToPool', summary: "Give banked hours to the scheme's pool", params: networkParams, body: z.strictObject({ minutes }), response: { 201: writeResult } },
        config: { guard: { who: 'member', onBehalf: true, write: true } },
      },
      async (request, reply) => reply.code(201).send(await carebank.donateToPool(hearth, request.caller, { networkId: request.params.networkId, ...request.body })),
    );

    app.post(
      `${base}/claims`,
      {
        schema: { operationId: 'claimHours', summary: 'Claim care funded from your banked hours', params: networkParams, body: z.strictObject({ minutes }), response: { 201: writeResult } },
        config: { guard: { who: 'member', onBehalf: true, write: true } },
      },
      async (request, reply) => reply.code(201).send(await carebank.claimCare(hearth, request.caller, { networkId: request.params.networkId, ...request.body })),
    );

    app.get(
      `${base}/accounts/:personId`,
      {
        schema: { operationId: 'getCarebankAccount', summary: "A holder's banked hours (the holder, or a coordinator)", params: networkParams.extend({ personId: id() }), querystring: readAfter.extend({ asAt: isoDate().optional() }) },
        config: { guard: { who: 'member' } },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['carebank'], request.query.after))) return reply;
        return carebank.bankAsAt(hearth, request.caller, { ...request.params, ...(request.query.asAt ? { asAt: request.query.asAt } : {}) });
      },
    );

    app.get(
      `${base}/obligation`,
      {
        schema: {
          summary: "The scheme's outstanding obligation (banked, unclaimed hours) by holders' age band, as at a date, as recorded on a day: the same figure however much care dated before it is confirmed later (coordinators, treasurers, board)",
          params: networkParams,
          querystring: readAfter.extend({
            asAt: isoDate(),
            recordedOn: isoDate().optional().describe('Only what had been recorded by the end of this day; today when left out. Ask with the day a figure was given to state it again.'),
          }),
        },
        config: { guard: { who: ['coordinator', 'treasurer', 'board'] } },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['carebank'], request.query.after))) return reply;
        return carebank.obligation(hearth, request.caller, { networkId: request.params.networkId, asAt: request.query.asAt, recordedOn: request.query.recordedOn });
      },
    );
  };
}
