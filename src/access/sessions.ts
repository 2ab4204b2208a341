// Sessions and sign-in throttling. A session token is shown to its holder once; only its hash is
// stored. Cookie sessions (pages) carry a CSRF token; bearer sessions (the API) do not need one.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
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

/**
 * Failed sign-ins counted per key (an account's email lookup, a client address) in fixed windows,
 * in the database so that every Hearth process counts together.
 */
export class SignInThrottle {
  constructor(
    private readonly db: Db,
    private readonly windowMinutes = 15,
  ) {}

  /** Seconds until the first of these keys may try again, or 0 when none is over its limit. */
  async retryAfter(limits: Array<{ key: string; limit: number }>, now: Date = new Date()): Promise<number> {
    const rows = await this.db
      .selectFrom('sign_in_failures')
      .select(['key', 'failures', 'window_started_at'])
      .where('key', 'in', limits.map((l) => l.key))
      .execute();
    let wait = 0;
    for (const row of rows) {
      const limit = limits.find((l) => l.key === row.key)!.limit;
      const ends = new Date(row.window_started_at).getTime() + this.windowMinutes * 60_000;
      if (row.failures >= limit && ends > now.getTime()) wait = Math.max(wait, Math.ceil((ends - now.getTime()) / 1000));
    }
    return wait;
  }

  async failed(keys: string[]): Promise<void> {
    const window = sql.raw(`interval '${this.windowMinutes} minutes'`);
    for (const key of keys) {
      await this.db
        .insertInto('sign_in_failures')
        .values({ key, window_started_at: sql<Date>`now()`, failures: 1 })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            failures: sql`CASE WHEN sign_in_failures.window_started_at < now() - ${window} THEN 1 ELSE sign_in_failures.failures + 1 END`,
            window_started_at: sql`CASE WHEN sign_in_failures.window_started_at < now() - ${window} THEN now() ELSE sign_in_failures.window_started_at END`,
          }),
        )
        .execute();
    }
  }

  async succeeded(key: string): Promise<void> {
    await this.db.deleteFrom('sign_in_failures').where('key', '=', key).execute();
  }
}
