import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Hearth } from '../hearth.ts';

const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  eventStore: z.enum(['postgres', 'pglite', 'eventstoredb']),
  readStore: z.enum(['postgres', 'pglite']),
  head: z.number().int().describe('Global position of the newest event'),
  projections: z.array(
    z.object({
      name: z.string(),
      position: z.number().int(),
      lag: z.number().int().describe('Positions between the projection and the head of the log'),
      status: z.enum(['running', 'failed']),
      failedPosition: z.number().int().nullable(),
      error: z.string().nullable(),
    }),
  ),
});

export function healthRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (app) => {
    app.withTypeProvider<ZodTypeProvider>().get(
      '/health',
      { config: { guard: { who: 'anyone' } }, schema: { summary: 'Which stores are in use and how far each projection has got', response: { 200: healthSchema, 503: healthSchema } } },
      async (_request, reply) => {
        const { head, projections } = await hearth.engine.status();
        const failed = projections.some((p) => p.status === 'failed');
        return reply.code(failed ? 503 : 200).send({
          status: failed ? 'degraded' : 'ok',
          eventStore: hearth.store.kind,
          readStore: hearth.database.kind,
          head,
          projections,
        });
      },
    );
  };
}
