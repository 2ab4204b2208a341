// Networks and their members over HTTP. Each route declares who may call it (the one guard) and
// then parses, calls the application function (src/networks/app.ts, src/access/app.ts) and maps
// its answer.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import { helpContact, networkKinds, networkName } from '../networks/network.ts';
import { dbsCheckTypes, roleList } from '../access/membership.ts';
import { personalDetails } from '../access/person.ts';
import { sendCsv } from './csv.ts';
import * as access from '../access/app.ts';
import * as networks from '../networks/app.ts';
import { readAfter, waitForProjections, writeResult, etag } from './reads.ts';
import { answerPage, pageOf, pageQuery } from './paging.ts';
import { whole } from '../db/keyset.ts';
import { id, isoDate, reasonText } from '../bounds.ts';

const networkParams = z.object({ networkId: id() });
const memberParams = networkParams.extend({ personId: id() });
const network = z.object({ networkId: id(), name: z.string(), kind: z.enum(networkKinds), openedAt: z.string(), requireDbsForSafeguarded: z.boolean().describe('Whether care for a member flagged for safeguarding needs a current DBS check'), revision: z.number().int() });
const member = z.object({
  personId: id(),
  name: z.string().nullable(),
  status: z.string(),
  roles: z.array(z.string()),
  approvedBy: z.string().nullable(),
  approvedAt: z.string().nullable(),
  dbsExpiresOn: z.string().nullable(),
  needsSafeguarding: z.boolean(),
  hasAccount: z.boolean().describe('Whether they sign in themselves; a member without an account can be given a claim code'),
  formerMemberNumber: z.string().nullable().describe('Their member number in the system this network moved in from (TimeOverflow), kept as it was'),
});

export function networkRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();

    app.put(
      '/networks/:networkId/help-contact',
      {
        config: { guard: { who: ['coordinator'], write: true } },
        schema: {
          summary: "How the network's members get help: shown on every member's help page (coordinators)",
          params: networkParams,
          body: z.strictObject({ helpContact }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => written(reply, await networks.setHelpContact(hearth, request.caller, { ...request.params, ...request.body })),
    );

    // Whole: one line per network the caller belongs to.
    app.get(
      '/help-contacts',
      {
        config: { guard: { who: 'signed-in' } },
        schema: {
          summary: 'How to get help in each network I belong to',
          querystring: readAfter,
          response: { 200: z.object({ items: z.array(z.object({ networkId: id(), name: z.string(), helpContact: z.string().nullable() })) }) },
        },
      },
      async (request, reply) => {
        // Which networks are the caller's comes from the memberships table.
        if (!(await waitForProjections(hearth, reply, ['memberships'], request.query.after))) return reply;
        return { items: await networks.helpContacts(hearth, request.caller) };
      },
    );

    app.post(
      '/networks',
      {
        config: { guard: { who: 'signed-in', write: true } },
        schema: {
          operationId: 'openNetwork',
          summary: 'Open a network; whoever opens it becomes its coordinator',
          body: z.strictObject({ name: networkName, kind: z.enum(networkKinds) }),
          response: { 201: writeResult.extend({ networkId: id() }) },
        },
      },
      async (request, reply) => {
        const opened = await networks.openNetwork(hearth, request.caller, request.body);
        return reply.code(201).headers({ location: `/api/v1/networks/${opened.networkId}`, etag: etag(opened.revision) }).send(opened);
      },
    );

    app.get(
      '/networks',
      {
        config: { guard: { who: 'signed-in' } },
        schema: {
          summary: 'The networks I belong to, by name',
          querystring: pageQuery(),
          response: { 200: pageOf(network) },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['networks', 'memberships'], request.query.after))) return reply;
        return (await answerPage(hearth, reply, { list: 'networks', scope: {}, query: request.query }, (page) => networks.myNetworks(hearth, request.caller, page))) ?? reply;
      },
    );

    app.get(
      '/networks/:networkId',
      { config: { guard: { who: 'member' } }, schema: { summary: 'Read a network and its safeguarding policy (its members only)', params: networkParams, querystring: readAfter, response: { 200: network } } },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['networks'], request.query.after))) return reply;
        const found = await networks.readNetwork(hearth, request.params);
        reply.header('etag', etag(found.revision));
        return found;
      },
    );

    app.patch(
      '/networks/:networkId',
      {
        config: { guard: { who: ['coordinator'], write: true, ifMatch: true } },
        schema: { summary: 'Rename a network (coordinators)', params: networkParams, body: z.strictObject({ name: networkName }), response: { 200: writeResult } },
      },
      async (request, reply) => written(reply, await networks.renameNetwork(hearth, request.caller, { ...request.params, ...request.body })),
    );

    app.put(
      '/networks/:networkId/safeguarding-policy',
      {
        config: { guard: { who: ['coordinator'], write: true, ifMatch: true } },
        schema: {
          summary: 'Require a current DBS check before care is given to members flagged for safeguarding (coordinators)',
          params: networkParams,
          body: z.strictObject({ requireDbsForSafeguarded: z.boolean() }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => written(reply, await networks.setSafeguardingPolicy(hearth, request.caller, { ...request.params, ...request.body })),
    );

    app.post(
      '/networks/:networkId/join-requests',
      { config: { guard: { who: 'signed-in', write: true } }, schema: { operationId: 'askToJoin', summary: 'Ask to join a network (for oneself only)', params: networkParams, response: { 202: writeResult } } },
      async (request, reply) => written(reply, await access.requestToJoin(hearth, request.caller, request.params), 202),
    );

    app.post(
      '/networks/:networkId/invitations',
      {
        config: { guard: { who: ['coordinator'], write: true } },
        schema: { operationId: 'invite', summary: 'Invite a person to join (coordinators): a person with an account joins only by accepting it themselves', params: networkParams, body: z.strictObject({ personId: id() }), response: { 201: writeResult } },
      },
      async (request, reply) => written(reply, await access.invite(hearth, request.caller, { ...request.params, ...request.body }), 201),
    );

    app.post(
      '/networks/:networkId/invitations/acceptance',
      {
        config: { guard: { who: 'signed-in', write: true, onBehalf: true } },
        schema: {
          operationId: 'acceptInvitation',
          summary: 'Accept an invitation, for oneself. With On-Behalf-Of, a coordinator accepts only for a person without an account whom they may act for',
          params: networkParams,
          response: { 200: writeResult },
        },
      },
      async (request, reply) => written(reply, await access.acceptInvitation(hearth, request.caller, request.params)),
    );

    app.post(
      '/networks/:networkId/members/:personId/approval',
      {
        config: { guard: { who: ['coordinator'], write: true, ifMatch: true } },
        schema: { summary: 'Approve a request to join (coordinators)', params: memberParams, body: z.strictObject({ roles: roleList.default(['member']) }), response: { 200: writeResult } },
      },
      async (request, reply) => written(reply, await access.approve(hearth, request.caller, { ...request.params, ...request.body })),
    );

    app.post(
      '/networks/:networkId/members/:personId/leaving',
      {
        config: { guard: { who: 'member', write: true, ifMatch: true } },
        schema: {
          operationId: 'leaveNetwork',
          summary: 'Leave the network (the member themselves), or record that a member left (coordinators); their open offers and requests close',
          params: memberParams,
          body: z.strictObject({ reason: reasonText().optional() }).default({}),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => written(reply, await access.leaveNetwork(hearth, request.caller, { ...request.params, ...request.body })),
    );

    app.post(
      '/networks/:networkId/members/:personId/decline',
      {
        config: { guard: { who: ['coordinator'], write: true, ifMatch: true } },
        schema: { summary: 'Decline a request to join (coordinators, never their own); the person may ask again later', params: memberParams, response: { 200: writeResult } },
      },
      async (request, reply) => written(reply, await access.decline(hearth, request.caller, request.params)),
    );

    app.put(
      '/networks/:networkId/members/:personId/roles',
      {
        config: { guard: { who: ['coordinator'], write: true, ifMatch: true } },
        schema: {
          summary: "Change a member's roles, with a reason (coordinators)",
          params: memberParams,
          body: z.strictObject({ roles: roleList, reason: reasonText() }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => written(reply, await access.changeRoles(hearth, request.caller, { ...request.params, ...request.body })),
    );

    app.post(
      '/networks/:networkId/members',
      {
        config: { guard: { who: ['coordinator'], write: true } },
        schema: {
          operationId: 'recordOfflineMember',
          summary: 'Record a member who is not online (coordinators): no account, active at once, recorded by this network',
          params: networkParams,
          body: personalDetails.extend({ roles: roleList.default(['member']) }).strict(),
          response: { 201: writeResult.extend({ personId: id() }) },
        },
      },
      async (request, reply) => {
        const { roles, ...details } = request.body;
        const recorded = await access.recordMember(hearth, request.caller, { ...request.params, details, roles });
        return reply.code(201).header('etag', etag(recorded.revision)).send(recorded);
      },
    );

    app.post(
      '/networks/:networkId/members/:personId/claim-code',
      {
        // Not a ledger write, and its answer is a secret that must not be kept for a replay: each call gives a new code.
        config: { guard: { who: ['coordinator'] } },
        schema: {
          operationId: 'giveClaimCode',
          summary: 'Give a member recorded without an account a way in: a one-time code to read out or print (coordinators who may act for them)',
          params: memberParams,
          response: { 201: z.object({ code: z.string(), expiresAt: z.string() }) },
        },
      },
      async (request, reply) => {
        const given = await access.giveWayIn(hearth, request.caller, request.params);
        return reply.code(201).header('cache-control', 'no-store').send({ code: given.code, expiresAt: given.expiresAt.toISOString() });
      },
    );

    app.post(
      '/networks/:networkId/members/:personId/way-in-invitation',
      {
        config: { guard: { who: ['coordinator'], write: true } },
        schema: {
          operationId: 'inviteToWayIn',
          summary: 'Invite a member recorded without an account, by email to the address on file, to choose a password and sign in themselves (coordinators who may act for them)',
          description: 'The email links to /claim with a one-time code, good for 30 days; it replaces any earlier code.',
          params: memberParams,
          response: { 202: z.object({ expiresAt: z.string(), revision: z.number().int(), position: z.number().int() }) },
        },
      },
      async (request, reply) => {
        const sent = await access.inviteToWayIn(hearth, request.caller, request.params);
        return reply.code(202).send({ expiresAt: sent.expiresAt.toISOString(), revision: sent.revision, position: sent.position });
      },
    );

    app.get(
      '/networks/:networkId/members',
      {
        config: { guard: { who: ['coordinator'] } },
        schema: { summary: 'Members by name, with their roles, who approved them and whether they have an account, a page at a time (coordinators)', params: networkParams, querystring: pageQuery(), response: { 200: pageOf(member) } },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['memberships', 'people'], request.query.after))) return reply;
        return (await answerPage(hearth, reply, { list: 'members', scope: request.params, query: request.query }, (page) => access.members(hearth, request.params, page))) ?? reply;
      },
    );

    app.get(
      '/networks/:networkId/members.csv',
      {
        config: { guard: { who: ['coordinator'] } },
        schema: { summary: 'The member list as CSV: name, status, roles, the member number they had in the system the network moved in from, whether they have an account, when approved (coordinators)', params: networkParams, querystring: readAfter },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['memberships', 'people'], request.query.after))) return reply;
        const { items } = await access.members(hearth, request.params, whole);
        return sendCsv(reply, `members-${request.params.networkId}`, [
          ['name', 'status', 'roles', 'former member number', 'has account', 'approved at'],
          ...items.map((m) => [m.name ?? '', m.status, m.roles.join(' '), m.formerMemberNumber ?? '', m.hasAccount ? 'yes' : 'no', m.approvedAt ?? '']),
        ]);
      },
    );

    app.post(
      '/networks/:networkId/members/:personId/dbs-checks',
      {
        config: { guard: { who: ['coordinator'], write: true, ifMatch: true } },
        schema: {
          operationId: 'recordDbsCheck',
          summary: "Record a member's DBS check: its type and dates, never the certificate (coordinators)",
          params: memberParams,
          body: z.strictObject({ checkType: z.enum(dbsCheckTypes), issuedOn: isoDate(), expiresOn: isoDate() }),
          response: { 201: writeResult },
        },
      },
      async (request, reply) => written(reply, await access.recordDbsCheck(hearth, request.caller, { ...request.params, ...request.body }), 201),
    );

    app.put(
      '/networks/:networkId/members/:personId/safeguarding',
      {
        config: { guard: { who: ['coordinator'], write: true, ifMatch: true } },
        schema: { operationId: 'setSafeguarding', summary: 'Flag whether a member needs safeguarding (coordinators)', params: memberParams, body: z.strictObject({ needsSafeguarding: z.boolean() }), response: { 200: writeResult } },
      },
      async (request, reply) => written(reply, await access.flagSafeguarding(hearth, request.caller, { ...request.params, ...request.body })),
    );

    app.get(
      '/networks/:networkId/care-check',
      {
        config: { guard: { who: 'member' } },
        schema: {
          summary: 'May this member give care to that one, under the safeguarding policy? (coordinators, or the provider)',
          params: networkParams,
          querystring: z.object({ providerId: id(), receiverId: id() }),
          response: { 200: z.object({ allowed: z.boolean(), reason: z.string().nullable() }) },
        },
      },
      async (request) => access.careCheck(hearth, request.caller, { ...request.params, ...request.query }),
    );
  };
}

/** A write's answer: the revision (also as ETag, for the next If-Match) and the position. */
function written(reply: import('fastify').FastifyReply, done: { revision: number; position: number }, status = 200) {
  return reply.code(status).header('etag', etag(done.revision)).send({ revision: done.revision, position: done.position });
}
