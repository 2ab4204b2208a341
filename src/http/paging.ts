// Every list that can grow is read a page at a time: one querystring (limit, cursor), one answer
// ({ items, next }) and one kind of cursor. A cursor holds where the last page ended (the sort key
// of its last row) sealed with AES-256-GCM under a key of its own derived from the server's
// secret, and bound to the list it came from (its name and filters): a client can neither read
// it, nor change it, nor take it to another list, another network or another filter.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import { makeProblem, sendProblem } from './problem.ts';
import { readAfter } from './reads.ts';
import type { Key, Page, Paged } from '../db/keyset.ts';

/** The limits most lists take; a list whose rows are heavy or light says its own. */
export const standardLimits = { default: 50, max: 200 } as const;

/** The querystring of every paged list: how many rows, and where the previous page ended. */
export const pageQuery = (limits: { default: number; max: number } = standardLimits) =>
  readAfter.extend({
    limit: z.coerce.number().int().min(1).max(limits.max).default(limits.default).describe(`How many rows a page holds: ${limits.default} unless asked, at most ${limits.max}`),
    cursor: z.string().max(1200).optional().describe('The `next` of the previous page, as it was given: opaque and sealed, not to be read or built'),
  });

/** The answer of every paged list. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    next: z.string().nullable().describe('Pass as ?cursor= for the next page; null on the last'),
  });

const keys = new WeakMap<Buffer, Buffer>();
function cursorKey(secret: Buffer): Buffer {
  let key = keys.get(secret);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'hearth list cursors aes-256-gcm v1', 32));
    keys.set(secret, key);
  }
  return key;
}

/** What a cursor is bound to: the list's name and every filter that shapes it. */
const boundTo = (list: string, scope: Record<string, unknown>) =>
  Buffer.from(JSON.stringify([list, Object.keys(scope).sort().map((k) => [k, scope[k] ?? null])]));

const keyShape = z.array(z.union([z.string().max(400), z.number()])).min(1).max(4);

export function sealCursor(secret: Buffer, list: string, scope: Record<string, unknown>, key: Key): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', cursorKey(secret), nonce);
  cipher.setAAD(boundTo(list, scope));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(key), 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** The key a cursor holds; undefined when it was not sealed by this server for this list. */
export function openCursor(secret: Buffer, list: string, scope: Record<string, unknown>, cursor: string): Key | undefined {
  const bytes = Buffer.from(cursor, 'base64url');
  // base64url decoding skips what it cannot read: a cursor must be exactly what was given.
  if (bytes.length < 29 || bytes.toString('base64url') !== cursor) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', cursorKey(secret), bytes.subarray(0, 12));
    decipher.setAAD(boundTo(list, scope));
    decipher.setAuthTag(bytes.subarray(12, 28));
    const plain = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    const parsed = keyShape.safeParse(JSON.parse(plain));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export const badCursor = () =>
  makeProblem('validation', 400, 'querystring cursor: is not a cursor Hearth gave out for this list', {
    errors: [{ in: 'querystring', pointer: '/cursor', detail: 'is not a cursor Hearth gave out for this list' }],
  });

export interface ListRequest {
  /** The list's name: a cursor of one list is refused by every other. */
  list: string;
  /** The filters that shape the list (its network, pool, status …). */
  scope: Record<string, unknown>;
  query: { limit: number; cursor?: string | undefined };
}

/**
 * A route's paged answer: the cursor opened (400 naming it when it is not one of this list's),
 * the page read from its position, and the next page's cursor sealed. Undefined when the 400 was sent.
 */
export async function answerPage<T, K extends Key, U = T>(
  hearth: Hearth,
  reply: FastifyReply,
  { list, scope, query }: ListRequest,
  // The key handed back is one this list gave out (its seal says so): whatever key type `read` takes.
  read: (page: Page<never>) => Promise<Paged<T, K>>,
  map?: (item: T) => U,
): Promise<{ items: U[]; next: string | null } | undefined> {
  let after: Key | undefined;
  if (query.cursor !== undefined) {
    after = openCursor(hearth.secret, list, scope, query.cursor);
    if (!after) {
      sendProblem(reply, badCursor());
      return undefined;
    }
  }
  const page = await read({ limit: query.limit, ...(after ? { after: after as never } : {}) });
  return {
    items: map ? page.items.map(map) : (page.items as unknown as U[]),
    next: page.next ? sealCursor(hearth.secret, list, scope, page.next) : null,
  };
}
