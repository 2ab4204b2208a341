// Idempotency-Key handling for state-changing requests. The key is claimed with the request's
// fingerprint before anything runs; the command id (and so every event id) is derived from the
// key, so a retry after a crash, or a twin request racing this one, is recognised by the event
// store and written once. The first successful answer is kept and replayed.
import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { v5 as uuidv5 } from 'uuid';
import type { Db } from '../db/database.ts';
import type { Hearth } from '../hearth.ts';
import { makeProblem, sendProblem } from './problem.ts';

const KEY_NAMESPACE = '6d1f6e0a-4f3c-4a61-9a43-2f3b1c7a9e55';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface CommandReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export async function idempotent(
  { database: { db }, secret }: Pick<Hearth, 'database' | 'secret'>,
  request: FastifyRequest,
  reply: FastifyReply,
  /** Who is asking: keys are theirs alone. */
  principal: string,
  run: (commandId: string) => Promise<CommandReply>,
): Promise<void> {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
    sendProblem(
      reply,
      makeProblem('idempotency-key-required', 428, 'Send an Idempotency-Key header (1 to 255 visible characters, for example a UUID) so that a retry is never applied twice.', {
        errors: [{ in: 'headers', pointer: '/idempotency-key', detail: key === undefined ? 'missing' : 'must be 1 to 255 visible ASCII characters' }],
      }),
    );
    return;
  }
  const scope = `${principal} ${request.method} ${request.routeOptions.url}`;
  // Keyed, because bodies hold passwords and personal details: without the secret a stored
  // fingerprint cannot be used to test guesses of them.
  const fingerprint = createHmac('sha256', secret).update(canonicalJson({ params: request.params, query: request.query, body: request.body })).digest('hex');

  // A new key is claimed in one statement; only a key seen before is read back.
  const claimed =
    (await db
      .insertInto('idempotency_keys')
      .values({ scope, key, fingerprint, status: null, body: null })
      .onConflict((oc) => oc.doNothing())
      .returning(['fingerprint', 'status', 'body'])
      .executeTakeFirst()) ??
    (await db.selectFrom('idempotency_keys').select(['fingerprint', 'status', 'body']).where('scope', '=', scope).where('key', '=', key).executeTakeFirstOrThrow());
  if (claimed.fingerprint !== fingerprint) {
    sendProblem(reply, makeProblem('idempotency-key-reused', 409, 'This Idempotency-Key was first sent with a different request. Use a new key for a new request.'));
    return;
  }
  if (claimed.status !== null) {
    const stored = claimed.body as { body: unknown; headers?: Record<string, string> };
    reply.code(claimed.status).headers({ ...stored.headers, 'idempotent-replayed': 'true' }).send(stored.body);
    return;
  }

  // Still pending: this is the first attempt, a retry after a crash, or a twin running now.
  // All run the same command id, and the event store writes it once.
  let answer: CommandReply;
  try {
    answer = await run(uuidv5(`${scope}\n${key}`, KEY_NAMESPACE));
  } catch (err) {
    // A refusal keeps nothing: the key may be used again once the cause is put right.
    await db.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).where('status', 'is', null).execute();
    throw err;
  }
  await db
    .updateTable('idempotency_keys')
    .set({ status: answer.status, body: sql`${JSON.stringify({ body: answer.body, headers: answer.headers ?? {} })}::text::jsonb` })
    .where('scope', '=', scope)
    .where('key', '=', key)
    .execute();
  reply.code(answer.status).headers(answer.headers ?? {}).send(answer.body);
}

/** JSON with object keys sorted, so equal requests fingerprint alike whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Forgets the kept answers that name a person: erasure leaves no fingerprint of their details behind. */
export async function forgetAnswersAbout(db: Db, personId: string): Promise<void> {
  await db.deleteFrom('idempotency_keys').where(sql`body::text`, 'like', `%${personId}%`).execute();
}
