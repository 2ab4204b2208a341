// Partnerships between time banks over HTTP: propose, accept, end, list. The rules are in
// src/networks/partnership-app.ts.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import { acceptPartnership, endPartnership, listPartnerships, proposePartnership } from '../networks/partnership-app.ts';
import { answerPage, pageOf, pageQuery } from './paging.ts';
import { waitForProjections, writeResult, etag } from './reads.ts';
import { id, reasonText } from '../bounds.ts';

const networkParams = z.object({ networkId: id() });
const pairParams = networkParams.extend({ partnerNetworkId: id() });
const answer = writeResult.extend({ status: z.enum(['none', 'proposed', 'active', 'ended']) });

export function partnershipRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/partnerships';

    app.post(
      base,
      {
        config: { guard: { who: ['coordinator'], write: true } },
        schema: {
          operationId: 'proposePartnership',
          summary: "Propose a partnership to another time bank, so that members of the two may trade time; the other network's coordinator accepts it (coordinators)",
          params: networkParams,
          body: z.strictObject({ partnerNetworkId: id() }),
          response: { 201: answer },
        },
      },
      async (request, reply) => {
        const done = await proposePartnership(hearth, request.caller, { ...request.params, ...request.body });
        return reply.code(201).header('etag', etag(done.revision)).send(done);
      },
    );

    app.post(
      `${base}/:partnerNetworkId/acceptance`,
      {
        config: { guard: { who: ['coordinator'], write: true, ifMatch: true } },
        schema: { summary: "Accept the partner network's proposal; a network cannot accept its own (coordinators)", params: pairParams, response: { 200: answer } },
      },
      async (request, reply) => {
        const done = await acceptPartnership(hearth, request.caller, request.params);
        return reply.header('etag', etag(done.revision)).send(done);
      },
    );

    app.post(
      `${base}/:partnerNetworkId/ending`,
      {
        config: { guard: { who: ['coordinator'], write: true, ifMatch: true } },
        schema: {
          summary: 'End a partnership, with a reason: no new exchange between the two is logged or confirmed (coordinators of either network)',
          params: pairParams,
          body: z.strictObject({ reason: reasonText() }),
          response: { 200: answer },
        },
      },
      async (request, reply) => {
        const done = await endPartnership(hearth, request.caller, { ...request.params, ...request.body });
        return reply.header('etag', etag(done.revision)).send(done);
      },
    );

    app.get(
      base,
      {
        config: { guard: { who: 'member' } },
        schema: {
          summary: "This network's partnerships with other time banks by the partner's name, with their status, a page at a time (any member)",
          params: networkParams,
          querystring: pageQuery(),
          response: {
            200: pageOf(z.object({ partnerNetworkId: id(), partnerName: z.string(), status: z.enum(['proposed', 'active', 'ended']), proposedBy: z.enum(['this network', 'partner']) })),
          },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['timebank', 'networks'], request.query.after))) return reply;
        const { networkId } = request.params;
        return (await answerPage(hearth, reply, { list: 'partnerships', scope: { networkId }, query: request.query }, (page) => listPartnerships(hearth, request.caller, networkId, page))) ?? reply;
      },
    );
  };
}
