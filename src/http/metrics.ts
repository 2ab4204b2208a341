// What operators see of the server: GET /metrics in Prometheus' text format, the hooks that count
// every request and every command as the API answers it, and quiet request logs for the routes
// that machines poll. A command is a request to a route whose guard says it writes; pages and the
// hearth command go through the API in-process, so each command is counted here once, whoever
// sent it, with the outcome the API gave.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LogController } from 'fastify';
import fp from 'fastify-plugin';
import type { Hearth } from '../hearth.ts';
import type { CommandOutcome } from '../metrics.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Polled by machines (health checks, scrapes): its requests are logged at debug, not info. */
    probe?: boolean;
  }
}

/** Requests that matched no route are counted together: an address can name people and networks. */
export const UNMATCHED = 'unmatched';
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const CONFLICTS = new Set(['concurrency-conflict', 'precondition-failed']);

export function metricsPlugin(hearth: Hearth) {
  const { metrics } = hearth;
  return fp(async (app: FastifyInstance) => {
    // onSend sees the answer's body, where a refusal names its problem type.
    app.addHook('onSend', async (request, reply, payload) => {
      if (request.routeOptions.config?.guard?.write) metrics.command(...commandOutcome(reply, payload));
      return payload;
    });
    app.addHook('onResponse', async (request, reply) => {
      metrics.request(request.routeOptions.url ?? UNMATCHED, METHODS.has(request.method) ? request.method : 'other', reply.statusCode, reply.elapsedTime / 1000);
    });

    app.get('/metrics', { config: { guard: { who: 'operator' }, probe: true }, schema: { hide: true } }, async (_request, reply) => {
      const { contentType, text } = await metrics.scrape();
      return reply.type(contentType).header('cache-control', 'no-store').send(text);
    });
  });
}

function commandOutcome(reply: FastifyReply, payload: unknown): [CommandOutcome, string?] {
  if (reply.statusCode >= 500) return ['failed'];
  if (reply.statusCode < 400) return [reply.getHeader('idempotent-replayed') === 'true' ? 'replayed' : 'written'];
  const problem = problemName(payload);
  return [CONFLICTS.has(problem) ? 'conflict' : 'refused', problem];
}

/** The problem type's name (validation, limit-reached …): stable words, never the detail, which may quote what was sent. */
function problemName(payload: unknown): string {
  if (typeof payload !== 'string') return 'other';
  try {
    const type = (JSON.parse(payload) as { type?: unknown }).type;
    const name = typeof type === 'string' ? type.replace(/^\/problems\//, '') : '';
    return /^[a-z0-9-]{1,64}$/.test(name) ? name : 'other';
  } catch {
    return 'other';
  }
}

const isProbe = (request: FastifyRequest) => request.routeOptions?.config?.probe === true;

/**
 * Fastify logs each request as it comes and as it is answered, at info. A health check every few
 * seconds and a scrape every fifteen would bury everything else, so theirs go at debug; a probe
 * answered with a server error is still logged as any request is.
 */
export class QuietProbes extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    if (isProbe(request)) request.log.debug({ req: request }, 'incoming request');
    else super.incomingRequest(request, reply);
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (!error && isProbe(request) && reply.statusCode < 500) reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
    else super.requestCompleted(error, request, reply);
  }
}
