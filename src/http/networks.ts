// Networks over HTTP: open one, rename it, read one, list them.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Selectable } from 'kysely';
import type { NetworksTable } from '../db/tables.ts';
import { v5 as uuidv5 } from 'uuid';
import type { Hearth } from '../hearth.ts';
import { handleCommand, type CommandContext } from '../commands/handle.ts';
import { networkDecider, networkKinds, networkName, networkStream } from '../networks/network.ts';
import { idempotent } from './idempotency.ts';
import { makeProblem, sendProblem } from './problem.ts';
import { ifMatchRevision, waitForProjections, writeResult, readAfter } from './reads.ts';

const networkId = z.object({ networkId: z.uuid() });
const network = z.object({
  networkId: z.uuid(),
  name: z.string(),
  kind: z.enum(networkKinds),
  openedAt: z.string(),
  revision: z.number().int(),
});

function contextFor(request: FastifyRequest, commandId: string): CommandContext {
  // Until accounts exist every request acts as the anonymous actor; the Access work replaces this.
  return { actor: 'anonymous', onBehalfOf: null, commandId, correlationId: request.id, causationId: null, now: new Date().toISOString() };
}

export function networkRoutes(hearth: Hearth): FastifyPluginAsync {
  const { db } = hearth.database;
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/networks',
      {
        schema: {
          summary: 'Open a network',
          headers: z.object({ 'idempotency-key': z.string().optional() }),
          body: z.strictObject({ name: networkName, kind: z.enum(networkKinds) }),
          response: { 201: writeResult.extend({ networkId: z.uuid() }) },
        },
      },
      async (request, reply) =>
        idempotent(db, request, reply, 'anonymous', async (commandId) => {
          const id = uuidv5('network', commandId);
          const context = contextFor(request, commandId);
          const done = await handleCommand(hearth.store, networkDecider, networkStream(id), { type: 'OpenNetwork', networkId: id, ...request.body, now: context.now }, context);
          return {
            status: 201,
            body: { networkId: id, revision: done.revision, position: done.position },
            headers: { location: `/api/v1/networks/${id}`, etag: `"${done.revision}"` },
          };
        }),
    );

    app.patch(
      '/networks/:networkId',
      {
        schema: {
          summary: 'Rename a network',
          params: networkId,
          headers: z.object({
            'idempotency-key': z.string().optional(),
            'if-match': z.string().regex(/^(W\/)?"\d+"$/, 'must be the ETag of the network, such as "3"').optional(),
          }),
          body: z.strictObject({ name: networkName }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) =>
        idempotent(db, request, reply, 'anonymous', async (commandId) => {
          const { networkId: id } = request.params;
          const done = await handleCommand(
            hearth.store,
            networkDecider,
            networkStream(id),
            { type: 'RenameNetwork', networkId: id, name: request.body.name },
            contextFor(request, commandId),
            { expectedRevision: ifMatchRevision(request.headers['if-match']) },
          );
          return { status: 200, body: { revision: done.revision, position: done.position }, headers: { etag: `"${done.revision}"` } };
        }),
    );

    app.get(
      '/networks/:networkId',
      { schema: { summary: 'Read a network', params: networkId, querystring: readAfter, response: { 200: network } } },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['networks'], request.query.after))) return reply;
        const row = await db.selectFrom('networks').selectAll().where('network_id', '=', request.params.networkId).executeTakeFirst();
        if (!row) return sendProblem(reply, makeProblem('network-not-found', 404, 'There is no network with that id.'));
        reply.header('etag', `"${row.revision}"`);
        return toNetwork(row);
      },
    );

    app.get(
      '/networks',
      {
        schema: {
          summary: 'List networks by name',
          querystring: readAfter.extend({
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().max(512).optional(),
          }),
          response: { 200: z.object({ items: z.array(network), next: z.string().nullable() }) },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['networks'], request.query.after))) return reply;
        const after = decodeCursor(request.query.cursor);
        if (request.query.cursor !== undefined && !after) {
          return sendProblem(reply, makeProblem('validation', 400, 'querystring cursor: is not a cursor Hearth gave out', { errors: [{ in: 'querystring', pointer: '/cursor', detail: 'is not a cursor Hearth gave out' }] }));
        }
        let query = db.selectFrom('networks').selectAll().orderBy('name').orderBy('network_id').limit(request.query.limit + 1);
        if (after) query = query.where((eb) => eb.or([eb('name', '>', after.name), eb.and([eb('name', '=', after.name), eb('network_id', '>', after.id)])]));
        const rows = await query.execute();
        const page = rows.slice(0, request.query.limit);
        const last = page.at(-1);
        return {
          items: page.map(toNetwork),
          next: rows.length > page.length && last ? encodeCursor({ name: last.name, id: last.network_id }) : null,
        };
      },
    );
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
