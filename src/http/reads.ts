// What reads and writes share: the position a write reports, and waiting for it on a read.
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import { makeProblem, sendProblem } from './problem.ts';

export const writeResult = z.object({
  revision: z.number().int().describe('The revision of the stream after the write; send it back in If-Match'),
  position: z.number().int().describe('Global position written; pass it as ?after= to read your own write'),
});

export const readAfter = z.object({
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().describe('Wait until the figures include this global position'),
});

/** False (with the answer already sent) when the position was never written (400), or the projections did not reach it in time (503). */
export async function waitForProjections(hearth: Hearth, reply: FastifyReply, names: readonly string[], position: number | undefined): Promise<boolean> {
  if (position === undefined || position === 0) return true;
  // A position the log has not reached was never given out: refuse it now rather than wait for it.
  const head = await hearth.store.headPosition();
  if (position > head) {
    sendProblem(reply, makeProblem('validation', 400, `querystring after: is past the newest position written (${head})`, { errors: [{ in: 'querystring', pointer: '/after', detail: 'is past the newest position written' }] }));
    return false;
  }
  if (await hearth.engine.waitFor(names, position, hearth.config.READ_WAIT_MS)) return true;
  reply.header('retry-after', '1');
  sendProblem(reply, makeProblem('projection-behind', 503, `The figures have not yet reached position ${position}. Try again in a moment.`));
  return false;
}

/** A stream's revision as an ETag ("3"; "-1" before anything is written): what If-Match sends back. */
export const etag = (revision: number) => `"${revision}"`;

/** A write that names one resource answers with its ETag, to send back in If-Match. */
export const tagged = <T extends { revision: number }>(reply: { header(name: string, value: string): unknown }, body: T) => (reply.header('etag', etag(body.revision)), body);

/** A write's answer with its status, and the ETag of the resource it named. */
export const sendWritten = <T extends { revision: number }>(reply: FastifyReply, status: number, body: T) => reply.code(status).send(tagged(reply, body));
