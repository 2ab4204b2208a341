// Networks and their members over HTTP. Every route decides on the server who may use it.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Selectable } from 'kysely';
import { v5 as uuidv5 } from 'uuid';
import type { Hearth } from '../hearth.ts';
import type { NetworksTable } from '../db/tables.ts';
import { fold, Rejection } from '../commands/decider.ts';
import { handleCommand } from '../commands/handle.ts';
import { networkDecider, networkKinds, networkName, networkStream, type NetworkEvent } from '../networks/network.ts';
import { dbsCheckTypes, membershipDecider, membershipStream, roleList, type MembershipCommand } from '../access/membership.ts';
import { personalDetails, personDecider, personStream, type PersonEvent } from '../access/person.ts';
import { registerPerson } from '../access/register.ts';
import { actingIn, membershipOf, requireMember, signedIn } from '../access/guard.ts';
import { careRefusal } from '../access/safeguarding.ts';
import { idempotent } from './idempotency.ts';
import { asCoordinator } from './guarded.ts';
import { commandContext } from './commands.ts';
import { makeProblem, sendProblem } from './problem.ts';
import { ifMatchRevision, readAfter, waitForProjections, writeResult } from './reads.ts';

const networkParams = z.object({ networkId: z.uuid() });
const memberParams = networkParams.extend({ personId: z.uuid() });
const network = z.object({ networkId: z.uuid(), name: z.string(), kind: z.enum(networkKinds), openedAt: z.string(), revision: z.number().int() });
const idempotencyHeader = { 'idempotency-key': z.string().optional() };

export function networkRoutes(hearth: Hearth): FastifyPluginAsync {
  const { db } = hearth.database;
  const { store } = hearth;

  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();

    /** Runs a membership command for one person in one network, as `acting`. */
    const onMembership = (networkId: string, personId: string, command: MembershipCommand, commandId: string, acting: { actor: string; onBehalfOf: string | null }, request: Parameters<typeof commandContext>[0]) =>
      handleCommand(store, membershipDecider, membershipStream(networkId, personId), command, commandContext(request, commandId, acting));

    app.post(
      '/networks',
      {
        schema: {
          summary: 'Open a network; whoever opens it becomes its coordinator',
          headers: z.object(idempotencyHeader),
          body: z.strictObject({ name: networkName, kind: z.enum(networkKinds) }),
          response: { 201: writeResult.extend({ networkId: z.uuid() }) },
        },
      },
      async (request, reply) => {
        const { personId } = signedIn(request);
        return idempotent(hearth, request, reply, personId, async (commandId) => {
          const id = uuidv5('network', commandId);
          const acting = { actor: personId, onBehalfOf: null };
          const context = commandContext(request, commandId, acting);
          const done = await handleCommand(store, networkDecider, networkStream(id), { type: 'OpenNetwork', networkId: id, ...request.body, openedBy: personId, now: context.now }, context);
          // A second stream: a retry with the same key completes it, and writes each event once.
          const enrolled = await onMembership(id, personId, { type: 'EnrolMember', networkId: id, personId, approvedBy: personId, roles: ['member', 'coordinator'], now: context.now }, commandId, acting, request);
          return {
            status: 201,
            body: { networkId: id, revision: done.revision, position: Math.max(done.position, enrolled.position) },
            headers: { location: `/api/v1/networks/${id}`, etag: `"${done.revision}"` },
          };
        });
      },
    );

    app.get(
      '/networks',
      {
        schema: {
          summary: 'The networks I belong to, by name',
          querystring: readAfter.extend({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(512).optional() }),
          response: { 200: z.object({ items: z.array(network), next: z.string().nullable() }) },
        },
      },
      async (request, reply) => {
        const { personId } = signedIn(request);
        if (!(await waitForProjections(hearth, reply, ['networks', 'memberships'], request.query.after))) return reply;
        const after = decodeCursor(request.query.cursor);
        if (request.query.cursor !== undefined && !after) {
          return sendProblem(reply, makeProblem('validation', 400, 'querystring cursor: is not a cursor Hearth gave out', { errors: [{ in: 'querystring', pointer: '/cursor', detail: 'is not a cursor Hearth gave out' }] }));
        }
        let query = db
          .selectFrom('networks')
          .innerJoin('memberships', 'memberships.network_id', 'networks.network_id')
          .selectAll('networks')
          .where('memberships.person_id', '=', personId)
          .where('memberships.status', '=', 'active')
          .orderBy('networks.name')
          .orderBy('networks.network_id')
          .limit(request.query.limit + 1);
        if (after) query = query.where((eb) => eb.or([eb('networks.name', '>', after.name), eb.and([eb('networks.name', '=', after.name), eb('networks.network_id', '>', after.id)])]));
        const rows = await query.execute();
        const page = rows.slice(0, request.query.limit);
        const last = page.at(-1);
        return { items: page.map(toNetwork), next: rows.length > page.length && last ? encodeCursor({ name: last.name, id: last.network_id }) : null };
      },
    );

    app.get(
      '/networks/:networkId',
      { schema: { summary: 'Read a network (its members only)', params: networkParams, querystring: readAfter, response: { 200: network } } },
      async (request, reply) => {
        await requireMember(store, request.params.networkId, signedIn(request));
        if (!(await waitForProjections(hearth, reply, ['networks'], request.query.after))) return reply;
        const row = await db.selectFrom('networks').selectAll().where('network_id', '=', request.params.networkId).executeTakeFirst();
        if (!row) return sendProblem(reply, makeProblem('network-not-found', 404, 'There is no network with that id.'));
        reply.header('etag', `"${row.revision}"`);
        return toNetwork(row);
      },
    );

    app.patch(
      '/networks/:networkId',
      {
        schema: {
          summary: 'Rename a network (coordinators)',
          params: networkParams,
          headers: z.object({ ...idempotencyHeader, 'if-match': z.string().regex(/^(W\/)?"\d+"$/, 'must be the ETag of the network, such as "3"').optional() }),
          body: z.strictObject({ name: networkName }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        return asCoordinator(hearth, request, reply, networkId, 200, (commandId, acting) =>
          handleCommand(store, networkDecider, networkStream(networkId), { type: 'RenameNetwork', networkId, name: request.body.name }, commandContext(request, commandId, acting), {
            expectedRevision: ifMatchRevision(request.headers['if-match']),
          }),
        );
      },
    );

    app.put(
      '/networks/:networkId/safeguarding-policy',
      {
        schema: {
          summary: 'Require a current DBS check before care is given to members flagged for safeguarding (coordinators)',
          params: networkParams,
          body: z.strictObject({ requireDbsForSafeguarded: z.boolean() }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        return asCoordinator(hearth, request, reply, networkId, 200, (commandId, acting) =>
          handleCommand(store, networkDecider, networkStream(networkId), { type: 'SetSafeguardingPolicy', networkId, ...request.body }, commandContext(request, commandId, acting)),
        );
      },
    );

    app.post(
      '/networks/:networkId/join-requests',
      { schema: { summary: 'Ask to join a network', params: networkParams, response: { 202: writeResult } } },
      async (request, reply) => {
        const { personId } = signedIn(request);
        const { networkId } = request.params;
        const opened = await store.readStream(networkStream(networkId), { maxCount: 1 });
        if (opened.length === 0) return sendProblem(reply, makeProblem('network-not-found', 404, 'There is no network with that id.'));
        return idempotent(hearth, request, reply, personId, async (commandId) => {
          const done = await onMembership(networkId, personId, { type: 'RequestMembership', networkId, personId }, commandId, { actor: personId, onBehalfOf: null }, request);
          return { status: 202, body: { revision: done.revision, position: done.position } };
        });
      },
    );

    app.post(
      '/networks/:networkId/invitations',
      { schema: { summary: 'Invite a person to join (coordinators)', params: networkParams, body: z.strictObject({ personId: z.uuid() }), response: { 201: writeResult } } },
      async (request, reply) => {
        const { networkId } = request.params;
        const { personId } = request.body;
        return asCoordinator(hearth, request, reply, networkId, 201, async (commandId, acting) => {
          await requirePerson(personId);
          return onMembership(networkId, personId, { type: 'InviteMember', networkId, personId, invitedBy: acting.actor }, commandId, acting, request);
        });
      },
    );

    app.post(
      '/networks/:networkId/invitations/acceptance',
      {
        schema: {
          summary: 'Accept an invitation (or, with On-Behalf-Of, a coordinator accepts for the invitee)',
          params: networkParams,
          headers: z.object({ ...idempotencyHeader, 'on-behalf-of': z.uuid().optional() }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        const acting = await actingIn(store, networkId, request);
        return idempotent(hearth, request, reply, acting.actor, async (commandId) => {
          const context = commandContext(request, commandId, acting);
          const done = await onMembership(networkId, acting.subject, { type: 'AcceptInvitation', networkId, personId: acting.subject, now: context.now }, commandId, acting, request);
          return { status: 200, body: { revision: done.revision, position: done.position } };
        });
      },
    );

    app.post(
      '/networks/:networkId/members/:personId/approval',
      {
        schema: {
          summary: 'Approve a request to join (coordinators)',
          params: memberParams,
          body: z.strictObject({ roles: roleList.default(['member']) }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId, personId } = request.params;
        return asCoordinator(hearth, request, reply, networkId, 200, (commandId, acting) =>
          onMembership(networkId, personId, { type: 'ApproveMembership', networkId, personId, approvedBy: acting.actor, roles: request.body.roles, now: new Date().toISOString() }, commandId, acting, request),
        );
      },
    );

    app.put(
      '/networks/:networkId/members/:personId/roles',
      {
        schema: {
          summary: "Change a member's roles, with a reason (coordinators)",
          params: memberParams,
          body: z.strictObject({ roles: roleList, reason: z.string().trim().min(1).max(500) }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId, personId } = request.params;
        return asCoordinator(hearth, request, reply, networkId, 200, (commandId, acting) =>
          onMembership(networkId, personId, { type: 'ChangeRoles', networkId, personId, ...request.body }, commandId, acting, request),
        );
      },
    );

    app.post(
      '/networks/:networkId/members',
      {
        schema: {
          summary: 'Record a member who is not online (coordinators): no account, active at once',
          params: networkParams,
          body: personalDetails.extend({ roles: roleList.default(['member']) }).strict(),
          response: { 201: writeResult.extend({ personId: z.uuid() }) },
        },
      },
      async (request, reply) => {
        const principal = signedIn(request);
        const { networkId } = request.params;
        await requireMember(store, networkId, principal, ['coordinator']);
        return idempotent(hearth, request, reply, principal.personId, async (commandId) => {
          const { roles, ...details } = request.body;
          const personId = uuidv5('person', commandId);
          const acting = { actor: principal.personId, onBehalfOf: personId };
          const context = commandContext(request, commandId, acting);
          await registerPerson(hearth, context, personId, details, false);
          const done = await onMembership(networkId, personId, { type: 'EnrolMember', networkId, personId, approvedBy: principal.personId, roles, now: context.now }, commandId, acting, request);
          return { status: 201, body: { personId, revision: done.revision, position: done.position } };
        });
      },
    );

    app.get(
      '/networks/:networkId/members',
      {
        schema: {
          summary: 'Members, with their roles and who approved them (coordinators)',
          params: networkParams,
          querystring: readAfter,
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  personId: z.uuid(),
                  name: z.string().nullable(),
                  status: z.string(),
                  roles: z.array(z.string()),
                  approvedBy: z.string().nullable(),
                  approvedAt: z.string().nullable(),
                  dbsExpiresOn: z.string().nullable(),
                  needsSafeguarding: z.boolean(),
                }),
              ),
            }),
          },
        },
      },
      async (request, reply) => {
        await requireMember(store, request.params.networkId, signedIn(request), ['coordinator']);
        if (!(await waitForProjections(hearth, reply, ['memberships', 'people'], request.query.after))) return reply;
        const rows = await db
          .selectFrom('memberships')
          .leftJoin('people', 'people.person_id', 'memberships.person_id')
          .select(['memberships.person_id', 'people.name', 'people.erased', 'people.needs_safeguarding', 'memberships.status', 'memberships.roles', 'memberships.approved_by', 'memberships.approved_at', 'memberships.dbs_expires_on'])
          .where('memberships.network_id', '=', request.params.networkId)
          .orderBy('people.name')
          .execute();
        return {
          items: rows.map((r) => ({
            personId: r.person_id,
            name: r.erased ? 'erased member' : r.name,
            status: r.status,
            roles: r.roles,
            approvedBy: r.approved_by,
            approvedAt: r.approved_at,
            dbsExpiresOn: r.dbs_expires_on,
            needsSafeguarding: r.needs_safeguarding ?? false,
          })),
        };
      },
    );

    app.post(
      '/networks/:networkId/members/:personId/dbs-checks',
      {
        schema: {
          summary: "Record a member's DBS check: its type and dates, never the certificate (coordinators)",
          params: memberParams,
          body: z.strictObject({ checkType: z.enum(dbsCheckTypes), issuedOn: z.iso.date(), expiresOn: z.iso.date() }),
          response: { 201: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId, personId } = request.params;
        return asCoordinator(hearth, request, reply, networkId, 201, (commandId, acting) =>
          onMembership(networkId, personId, { type: 'RecordDbsCheck', networkId, personId, ...request.body }, commandId, acting, request),
        );
      },
    );

    app.put(
      '/networks/:networkId/members/:personId/safeguarding',
      {
        schema: {
          summary: 'Flag whether a member needs safeguarding (coordinators)',
          params: memberParams,
          body: z.strictObject({ needsSafeguarding: z.boolean() }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId, personId } = request.params;
        return asCoordinator(hearth, request, reply, networkId, 200, async (commandId, acting) => {
          if ((await membershipOf(store, networkId, personId)).status !== 'active') {
            throw new Rejection('not-a-member', 'This person is not a member of the network.', 404);
          }
          return handleCommand(store, personDecider, personStream(personId), { type: 'FlagSafeguarding', personId, ...request.body }, commandContext(request, commandId, acting));
        });
      },
    );

    app.get(
      '/networks/:networkId/care-check',
      {
        schema: {
          summary: 'May this member give care to that one, under the safeguarding policy? (coordinators, or the provider)',
          params: networkParams,
          querystring: z.object({ providerId: z.uuid(), receiverId: z.uuid() }),
          response: { 200: z.object({ allowed: z.boolean(), reason: z.string().nullable() }) },
        },
      },
      async (request) => {
        const principal = signedIn(request);
        const { networkId } = request.params;
        const { providerId, receiverId } = request.query;
        await requireMember(store, networkId, principal, principal.personId === providerId ? undefined : ['coordinator']);
        const policy = fold(networkDecider, (await store.readStream(networkStream(networkId))) as unknown as NetworkEvent[]);
        const receiver = fold(personDecider, (await store.readStream(personStream(receiverId))) as unknown as PersonEvent[]);
        const reason = careRefusal(
          { requireDbsForSafeguarded: policy.status === 'open' && policy.requireDbsForSafeguarded },
          await membershipOf(store, networkId, providerId),
          receiver.status === 'active' && receiver.needsSafeguarding,
          new Date().toISOString().slice(0, 10),
        );
        return { allowed: reason === null, reason };
      },
    );

    async function requirePerson(personId: string) {
      const known = await store.readStream(personStream(personId), { maxCount: 1 });
      if (known.length === 0) throw new Rejection('person-not-found', 'There is no such person.', 404, 'personId');
    }
  };
}

function toNetwork(row: Selectable<NetworksTable>): z.infer<typeof network> {
  return { networkId: row.network_id, name: row.name, kind: row.kind as (typeof networkKinds)[number], openedAt: row.opened_at, revision: Number(row.revision) };
}

const cursorShape = z.object({ name: z.string(), id: z.uuid() });

function encodeCursor(value: z.infer<typeof cursorShape>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeCursor(cursor: string | undefined): z.infer<typeof cursorShape> | undefined {
  if (!cursor) return undefined;
  try {
    const parsed = cursorShape.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
