// The audit over HTTP: the log's signed digests, for those who keep a network's books to download
// and keep elsewhere, as JSON or as a small JSON Lines file (`hearth audit verify --digests FILE`).
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import * as audit from '../audit/app.ts';
import { logDigestSchema, toJsonLines } from '../audit/log-digests.ts';

/** A file to keep, not a page: the JSON schema of the answer does not apply to it. */
function sendJsonLines(reply: FastifyReply, text: string) {
  reply.header('content-disposition', 'attachment; filename="hearth-log-digests.jsonl"');
  return reply.type('application/jsonl; charset=utf-8').send(text);
}

export function auditRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/networks/:networkId/audit/digests',
      {
        config: { guard: { who: audit.digestReaders } },
        schema: {
          summary: 'The signed digests of the whole event log, oldest first, and the public key that checks them (coordinators, treasurers, board)',
          description:
            'Recorded at every closing of a period and daily. Keep the file (?format=jsonl) somewhere other than Hearth\'s database, and publish the public key: `hearth audit verify --digests FILE --public-key KEY` then shows any change to the log up to the newest digest kept.',
          params: z.object({ networkId: z.uuid() }),
          querystring: z.object({ format: z.enum(['json', 'jsonl']).default('json').describe('json, or jsonl for a file of one digest a line') }),
          response: { 200: z.object({ publicKey: z.string().describe('Ed25519, raw 32 bytes in base64url'), digests: z.array(logDigestSchema) }) },
        },
      },
      async (request, reply) => {
        const { publicKey, digests } = await audit.readLogDigests(hearth, request.caller, request.params);
        if (request.query.format === 'jsonl') return sendJsonLines(reply, toJsonLines(digests));
        return { publicKey, digests };
      },
    );
  };
}
