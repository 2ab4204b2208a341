import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Hearth } from '../hearth.ts';

/** The version this server runs, as package.json gives it: read once, at start. */
export const version: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string().describe("Hearth's version, from its package.json"),
  eventStore: z.enum(['postgres', 'pglite', 'eventstoredb']),
  readStore: z.enum(['postgres', 'pglite']),
  head: z.number().int().describe('Global position of the newest event'),
  projections: z.array(
    z.object({
      name: z.string(),
      position: z.number().int(),
      lag: z.number().int().describe('Positions between the projection and the head of the log'),
      status: z.enum(['running', 'parked', 'failed']).describe('parked: running, with the scopes listed set aside'),
      failedPosition: z.number().int().nullable(),
      error: z.string().nullable(),
      parked: z
        .array(
          z.object({
            scope: z.string().describe("A network's id, or a stream's name when the event names no network"),
            position: z.number().int().describe('The event that failed'),
            eventType: z.string(),
            events: z.number().int().describe("Events of the scope set aside since, the failing one included"),
          }),
        )
        .describe('Scopes whose events this projection sets aside until it is rebuilt after a fix'),
    }),
  ),
});

export function healthRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (app) => {
    app.withTypeProvider<ZodTypeProvider>().get(
      '/health',
      { config: { guard: { who: 'anyone' }, probe: true }, schema: { summary: 'Which stores are in use and how far each projection has got', response: { 200: healthSchema, 503: healthSchema } } },
      async (_request, reply) => {
        const { head, projections } = await hearth.engine.status();
        const failed = projections.some((p) => p.status === 'failed');
        // Parked scopes leave the rest serving: degraded, but not unavailable.
        const parked = projections.some((p) => p.status === 'parked');
        return reply.code(failed ? 503 : 200).send({
          status: failed || parked ? 'degraded' : 'ok',
          version,
          eventStore: hearth.store.kind,
          readStore: hearth.database.kind,
          head,
          // The parked events' errors stay with the operator (`hearth projections status`): this answer is public.
          projections: projections.map((p) => ({ ...p, parked: p.parked.map(({ scope, position, eventType, events }) => ({ scope, position, eventType, events })) })),
        });
      },
    );
  };
}
