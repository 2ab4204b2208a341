// The one guard. Each API route declares in its config who may call it, whether a coordinator may
// act on a member's behalf, whether it changes state (and so takes an Idempotency-Key) and
// whether it honours If-Match; one preHandler enforces all of it, and the OpenAPI document is
// told the same. Rules of a use case (who may confirm, consent, safeguarding) are not here: they
// are in the domains' application modules, which this hook and the routes call.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { sql } from 'kysely';
import { v4 as uuidv4, v5 as uuidv5 } from 'uuid';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import type { Role } from '../access/membership.ts';
import { actFor, requireMember, signedIn } from '../access/guard.ts';
import type { Caller } from '../access/caller.ts';
import { makeProblem, sendProblem } from './problem.ts';
import { id } from '../bounds.ts';

export interface Guard {
  /**
   * Who may call: anyone at all; anyone signed in; any member of the network named by the path's
   * networkId; members of it holding one of the roles listed; or operators, who send
   * METRICS_TOKEN as a bearer token (when none is set, whoever reaches the server).
   */
  who: 'anyone' | 'signed-in' | 'member' | 'operator' | readonly Role[];
  /** A coordinator of the network may act for a member of it, with On-Behalf-Of. */
  onBehalf?: boolean;
  /** It changes state: an Idempotency-Key is required, and a retry answers as the first did. */
  write?: boolean;
  /** It names one resource whose revision If-Match may carry: a stale one answers 412. */
  ifMatch?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    guard?: Guard;
  }
  interface FastifyRequest {
    /** Who acts, for whom, under which command id: set by the guard on every guarded route. */
    caller: Caller;
    idempotency: { scope: string; key: string } | null;
  }
}

const KEY_NAMESPACE = '6d1f6e0a-4f3c-4a61-9a43-2f3b1c7a9e55';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
// "-1" is what a resource not yet written answers: If-Match "-1" means "only if still unwritten".
const ETAG_PATTERN = /^(?:W\/)?"(-1|\d+)"$/;

// The guard checks these once it knows who calls, and refuses a missing key as 428: so to the
// validator they are optional free text (its 400 would come first), while the document gives the
// guard's own patterns and marks the key required.
const headerDocs = {
  idempotencyKey: z.string().meta({ pattern: KEY_PATTERN.source }).optional().describe('1 to 255 visible characters, new for each request. A retry with the same key answers as the first did and writes nothing; without one the answer is 428.'),
  onBehalfOf: id().optional().describe('A coordinator acting for a member of this network, with their consent rules (see the README)'),
  ifMatch: z.string().meta({ pattern: ETAG_PATTERN.source }).optional().describe('The ETag last read ("3"): the write is refused with 412 if the resource has changed since'),
};

/** What the document says of a guarded route's headers, in its JSON Schema: what the guard requires. */
export function documentGuard(guard: Guard, schema: { headers?: { required?: string[] } }) {
  if (guard.write && schema.headers) schema.headers.required = [...new Set([...(schema.headers.required ?? []), 'idempotency-key'])];
}

export function guardPlugin(hearth: Hearth) {
  return fp(async (app: FastifyInstance) => {
    app.decorateRequest('caller', null as unknown as Caller);
    app.decorateRequest('idempotency', null);

    // Every API route says who may call it, and the OpenAPI document shows the headers it takes.
    app.addHook('onRoute', (route: RouteOptions) => {
      if (!route.url.startsWith('/api/v1/') || (route.schema as { hide?: boolean } | undefined)?.hide) return;
      const guard = route.config?.guard;
      if (!guard) throw new Error(`${route.method} ${route.url} declares no guard`);
      const schema = (route.schema ??= {}) as { headers?: z.ZodObject };
      const headers = schema.headers ?? z.object({});
      schema.headers = headers.extend({
        ...(guard.write ? { 'idempotency-key': headerDocs.idempotencyKey } : {}),
        ...(guard.onBehalf ? { 'on-behalf-of': headerDocs.onBehalfOf } : {}),
        ...(guard.ifMatch ? { 'if-match': headerDocs.ifMatch } : {}),
      });
    });

    app.addHook('preHandler', async (request, reply) => {
      const guard = request.routeOptions.config.guard;
      if (!guard) return;
      if (guard.who === 'operator') return operatorOnly(hearth.config.METRICS_TOKEN, request, reply);
      const commandIdFor = (scope: string, key: string) => uuidv5(`${scope}\n${key}`, KEY_NAMESPACE);
      if (guard.who === 'anyone' && !request.principal && !guard.write) {
        request.caller = { personId: 'anonymous', onBehalfOf: null, commandId: uuidv4(), correlationId: request.id };
        return;
      }
      // A write open to anyone (sign-up) is still claimed by its Idempotency-Key, scoped to 'anonymous'.
      const principal = guard.who === 'anyone' && !request.principal ? { personId: 'anonymous' } : signedIn(request);
      const networkId = (request.params as { networkId?: string }).networkId;
      if (guard.who === 'member' || Array.isArray(guard.who)) {
        if (!networkId) throw new Error(`${request.routeOptions.url} guards by network but has no networkId`);
        await requireMember(hearth.store, networkId, principal, guard.who === 'member' ? undefined : (guard.who as readonly Role[]));
      }

      const header = request.headers['on-behalf-of'];
      let onBehalfOf: string | null = null;
      if (header !== undefined && header !== principal.personId) {
        if (!guard.onBehalf || !networkId) return refuse(reply, 'on-behalf-not-accepted', 400, 'No one can act on another person\'s behalf here.', '/on-behalf-of');
        onBehalfOf = await actFor(hearth, principal.personId, networkId, String(header));
      }

      let ifMatch: number | undefined;
      const sentIfMatch = request.headers['if-match'];
      if (guard.ifMatch && typeof sentIfMatch === 'string') {
        const match = ETAG_PATTERN.exec(sentIfMatch.trim());
        if (!match) return refuse(reply, 'validation', 400, 'If-Match must be an ETag Hearth gave, such as "3".', '/if-match');
        ifMatch = Number(match[1]);
      }

      let commandId = uuidv4();
      if (guard.write) {
        const key = request.headers['idempotency-key'];
        if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
          return refuse(
            reply,
            'idempotency-key-required',
            428,
            'Send an Idempotency-Key header (1 to 255 visible characters, for example a UUID) so that a retry is never applied twice.',
            '/idempotency-key',
            key === undefined ? 'missing' : 'must be 1 to 255 visible ASCII characters',
          );
        }
        const scope = `${principal.personId} ${request.method} ${request.routeOptions.url}`;
        const claimed = await claim(hearth, request, scope, key);
        if (claimed === 'reused') return sendProblem(reply, makeProblem('idempotency-key-reused', 409, 'This Idempotency-Key was first sent with a different request. Use a new key for a new request.'));
        if (claimed !== 'claimed') {
          return reply.code(claimed.status).headers({ ...claimed.headers, 'idempotent-replayed': 'true' }).send(claimed.body);
        }
        request.idempotency = { scope, key };
        commandId = commandIdFor(scope, key);
      }
      request.caller = { personId: principal.personId, onBehalfOf, commandId, correlationId: request.id, ...(ifMatch === undefined ? {} : { ifMatch }) };
    });

    // The first answer to a key is kept and replayed; a refusal keeps nothing, so the key may be
    // used again once the cause is put right.
    app.addHook('onSend', async (request, reply, payload) => {
      const claim = request.idempotency;
      if (!claim) return payload;
      request.idempotency = null;
      const { db } = hearth.database;
      const mine = db.updateTable('idempotency_keys').where('scope', '=', claim.scope).where('key', '=', claim.key).where('status', 'is', null);
      if (reply.statusCode >= 400) {
        await db.deleteFrom('idempotency_keys').where('scope', '=', claim.scope).where('key', '=', claim.key).where('status', 'is', null).execute();
        return payload;
      }
      const kept = Object.fromEntries(['etag', 'location', 'content-type'].flatMap((h) => (reply.getHeader(h) === undefined ? [] : [[h, String(reply.getHeader(h))]])));
      const body = typeof payload === 'string' && payload.length > 0 && String(reply.getHeader('content-type') ?? '').includes('json') ? JSON.parse(payload) : (payload ?? null);
      await mine.set({ status: reply.statusCode, body: sql`${JSON.stringify({ body, headers: kept })}::text::jsonb` }).execute();
      return payload;
    });
  });
}

function refuse(reply: FastifyReply, type: string, status: number, detail: string, pointer: string, why = detail) {
  return sendProblem(reply, makeProblem(type, status, detail, { errors: [{ in: 'headers', pointer, detail: why }] }));
}

/** Operators prove themselves by the token they were given; no session is one of theirs. */
function operatorOnly(token: string | undefined, request: FastifyRequest, reply: FastifyReply) {
  if (token === undefined) return;
  const sent = /^Bearer\s+(\S+)\s*$/.exec(request.headers.authorization ?? '')?.[1];
  // Compared as digests, so that the time taken says nothing of the token, not even its length.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  if (sent !== undefined && timingSafeEqual(digest(sent), digest(token))) return;
  reply.header('www-authenticate', 'Bearer');
  return refuse(reply, 'operator-token-required', 401, "Send the operators' token (METRICS_TOKEN) as a bearer token.", '/authorization', sent === undefined ? 'missing' : "is not the operators' token");
}

type Claim = 'claimed' | 'reused' | { status: number; body: unknown; headers: Record<string, string> };

/** Claims a new key in one statement; only a key seen before is read back. */
async function claim({ database: { db }, secret }: Pick<Hearth, 'database' | 'secret'>, request: FastifyRequest, scope: string, key: string): Promise<Claim> {
  // Keyed, because bodies hold passwords and personal details: without the secret a stored
  // fingerprint cannot be used to test guesses of them.
  const fingerprint = createHmac('sha256', secret).update(canonicalJson({ params: request.params, query: request.query, body: request.body })).digest('hex');
  const inserted = await db
    .insertInto('idempotency_keys')
    .values({ scope, key, fingerprint, status: null, body: null })
    .onConflict((oc) => oc.doNothing())
    .returning(['fingerprint'])
    .executeTakeFirst();
  if (inserted) return 'claimed';
  const earlier = await db.selectFrom('idempotency_keys').select(['fingerprint', 'status', 'body']).where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
  // Gone since the insert met it: a twin was refused (which keeps nothing), or an erasure forgot it.
  if (!earlier) return claim({ database: { db }, secret } as Pick<Hearth, 'database' | 'secret'>, request, scope, key);
  if (earlier.fingerprint !== fingerprint) return 'reused';
  // Still pending: a retry after a crash, or a twin running now. Both run the same command id,
  // and the event store writes it once.
  if (earlier.status === null) return 'claimed';
  const stored = earlier.body as { body: unknown; headers?: Record<string, string> };
  return { status: earlier.status, body: stored.body, headers: stored.headers ?? {} };
}

/**
 * JSON with object keys sorted, so equal requests fingerprint alike whatever their key order.
 * Walked with a stack of its own rather than by recursion, so no body can exhaust the call stack.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  // Each item is a value still to write, or (as { text }) punctuation already decided.
  const work: Array<{ value: unknown } | { text: string }> = [{ value }];
  while (work.length > 0) {
    const item = work.pop()!;
    if ('text' in item) {
      out.push(item.text);
      continue;
    }
    const v = item.value;
    if (Array.isArray(v)) {
      const next: Array<{ value: unknown } | { text: string }> = [{ text: '[' }];
      v.forEach((element, i) => next.push(...(i > 0 ? [{ text: ',' }] : []), { value: element }));
      next.push({ text: ']' });
      for (let i = next.length - 1; i >= 0; i--) work.push(next[i]!);
    } else if (v && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>)
        .filter(([, e]) => e !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const next: Array<{ value: unknown } | { text: string }> = [{ text: '{' }];
      entries.forEach(([k, e], i) => next.push({ text: `${i > 0 ? ',' : ''}${JSON.stringify(k)}:` }, { value: e }));
      next.push({ text: '}' });
      for (let i = next.length - 1; i >= 0; i--) work.push(next[i]!);
    } else {
      out.push(JSON.stringify(v) ?? 'null');
    }
  }
  return out.join('');
}
