// Sessions. A session token is shown to its holder once; only its hash is
// stored. Cookie sessions (pages) carry a CSRF token; bearer sessions (the API) do not need one.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Db } from '../db/database.ts';

export const SESSION_COOKIE = 'hearth_session';

export interface Principal {
  personId: string;
  kind: 'cookie' | 'bearer';
  csrfToken: string;
  tokenHash: string;
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** The key credentials are found by: an HMAC of the email, so the table holds no email addresses. */
export function emailLookup(secret: Buffer, email: string): string {
  return createHmac('sha256', secret).update(`email:${email.trim().toLowerCase()}`).digest('hex');
}

export async function createSession(db: Db, personId: string, kind: 'cookie' | 'bearer', hours: number, now: Date = new Date()) {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = new Date(now.getTime() + hours * 3600_000);
  await db.insertInto('sessions').values({ token_hash: hashToken(token), person_id: personId, kind, csrf_token: csrfToken, expires_at: expiresAt }).execute();
  return { token, csrfToken, expiresAt };
}

export async function findSession(db: Db, token: string, kind: 'cookie' | 'bearer', now: Date = new Date()): Promise<Principal | null> {
  const tokenHash = hashToken(token);
  const row = await db
    .selectFrom('sessions')
    .select(['person_id', 'csrf_token'])
    .where('token_hash', '=', tokenHash)
    .where('kind', '=', kind)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row ? { personId: row.person_id, kind, csrfToken: row.csrf_token, tokenHash } : null;
}

export async function endSessions(db: Db, personId: string, except?: string): Promise<void> {
  let query = db.deleteFrom('sessions').where('person_id', '=', personId);
  if (except) query = query.where('token_hash', '<>', except);
  await query.execute();
}
