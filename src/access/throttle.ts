// Throttles for signing in and signing up. Every attempt is counted before a password is checked,
// in one atomic statement per key, in the database: a burst from many requests or many Hearth
// processes at once is counted in full, and no request is let through between a check and a count.
// Keys are HMACs of what they count, so the tables hold no email or address.
import { createHmac } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

interface Limit {
  key: string;
  limit: number;
  windowSeconds: number;
}

const SIGN_IN_WINDOW = 15 * 60;
/** One account from one address: a person who mistypes gets five tries. */
const ACCOUNT_AT_ADDRESS_LIMIT = 5;
/** One address, whatever accounts it tries: one person guessing many accounts. */
const ADDRESS_LIMIT = 20;
/**
 * One account, from addresses where it has not signed in lately: many people guessing one
 * account. Where the person usually signs in is not counted, so guesses from elsewhere cannot
 * lock them out there.
 */
const ACCOUNT_ELSEWHERE_LIMIT = 20;
const KNOWN_ADDRESS_DAYS = 90;

const SIGN_UP_WINDOW = 60 * 60;
const SIGN_UP_ADDRESS_LIMIT = 20;

const hmac = (secret: Buffer, text: string) => createHmac('sha256', secret).update(text).digest('hex');

/**
 * An IPv6 client usually holds a whole /64, so one is counted as one address; IPv4 (also when
 * mapped into IPv6) is counted as it is.
 */
export function addressBlock(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

const addressHash = (secret: Buffer, address: string) => hmac(secret, `address:${addressBlock(address)}`);

/** Counts one attempt on the key; answers the count in the current window and when that window ends. */
async function count(db: Db, { key, windowSeconds }: Limit, now: Date): Promise<{ count: number; endsAt: Date }> {
  const expired = sql<boolean>`throttle_counts.window_started_at <= ${now}::timestamptz - make_interval(secs => ${windowSeconds})`;
  const row = await db
    .insertInto('throttle_counts')
    .values({ key, window_started_at: now, count: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql`CASE WHEN ${expired} THEN 1 ELSE throttle_counts.count + 1 END`,
        window_started_at: sql`CASE WHEN ${expired} THEN ${now}::timestamptz ELSE throttle_counts.window_started_at END`,
      }),
    )
    .returning(['count', 'window_started_at'])
    .executeTakeFirstOrThrow();
  return { count: row.count, endsAt: new Date(new Date(row.window_started_at).getTime() + windowSeconds * 1000) };
}

/** Counts the attempt against every limit; answers the seconds until all of them allow it, or 0. */
async function countAll(db: Db, limits: Limit[], now: Date): Promise<number> {
  let wait = 0;
  for (const limit of limits) {
    const counted = await count(db, limit, now);
    if (counted.count > limit.limit) wait = Math.max(wait, Math.max(1, Math.ceil((counted.endsAt.getTime() - now.getTime()) / 1000)));
  }
  return wait;
}

export interface SignInAttempt {
  /** 0 when the password may be checked; otherwise how long to wait, and the password is not checked. */
  retryAfterSeconds: number;
  accountHash: string;
  addressHash: string;
  /** The keys this attempt was counted on, but for the account at this address. */
  counted: Limit[];
  pair: Limit;
}

/**
 * Counts a sign-in attempt for an account (its email lookup, which is itself an HMAC of the
 * email, known or not) from an address, before anything else is done with it.
 */
export async function countSignIn(db: Db, secret: Buffer, input: { accountHash: string; address: string; now: Date }): Promise<SignInAttempt> {
  const { accountHash, now } = input;
  const address = addressHash(secret, input.address);
  const known = await db
    .selectFrom('known_sign_in_addresses')
    .select('last_success_at')
    .where('account_hash', '=', accountHash)
    .where('address_hash', '=', address)
    .where('last_success_at', '>', new Date(now.getTime() - KNOWN_ADDRESS_DAYS * 86_400_000))
    .executeTakeFirst();
  const pair = { key: hmac(secret, `sign-in:account-address:${accountHash}:${address}`), limit: ACCOUNT_AT_ADDRESS_LIMIT, windowSeconds: SIGN_IN_WINDOW };
  const counted = [
    { key: hmac(secret, `sign-in:address:${address}`), limit: ADDRESS_LIMIT, windowSeconds: SIGN_IN_WINDOW },
    ...(known ? [] : [{ key: accountKey(secret, accountHash), limit: ACCOUNT_ELSEWHERE_LIMIT, windowSeconds: SIGN_IN_WINDOW }]),
  ];
  const retryAfterSeconds = await countAll(db, [pair, ...counted], now);
  return { retryAfterSeconds, accountHash, addressHash: address, counted, pair };
}

const accountKey = (secret: Buffer, accountHash: string) => hmac(secret, `sign-in:account:${accountHash}`);

/**
 * The right password: the account at this address starts afresh, the address becomes one the
 * account is known at, and this attempt no longer counts against the address or the account, so
 * a busy office behind one address is held back only by failures.
 */
export async function signInSucceeded(db: Db, attempt: SignInAttempt, now: Date): Promise<void> {
  await db.deleteFrom('throttle_counts').where('key', '=', attempt.pair.key).execute();
  for (const { key } of attempt.counted) {
    await db.updateTable('throttle_counts').set({ count: sql`count - 1` }).where('key', '=', key).where('count', '>', 0).execute();
  }
  await db
    .insertInto('known_sign_in_addresses')
    .values({ account_hash: attempt.accountHash, address_hash: attempt.addressHash, last_success_at: now })
    .onConflict((oc) => oc.columns(['account_hash', 'address_hash']).doUpdateSet({ last_success_at: now }))
    .execute();
}

/** Counts a sign-up from an address; answers the seconds to wait, or 0. */
export function countSignUp(db: Db, secret: Buffer, input: { address: string; now: Date }): Promise<number> {
  return countAll(db, [{ key: hmac(secret, `sign-up:address:${addressHash(secret, input.address)}`), limit: SIGN_UP_ADDRESS_LIMIT, windowSeconds: SIGN_UP_WINDOW }], input.now);
}

/** An erased account leaves no trace of where it signed in. */
export async function forgetAccount(db: Db, secret: Buffer, accountHash: string): Promise<void> {
  await db.deleteFrom('known_sign_in_addresses').where('account_hash', '=', accountHash).execute();
  await db.deleteFrom('throttle_counts').where('key', '=', accountKey(secret, accountHash)).execute();
}

const RESET_REQUEST_WINDOW = 60 * 60;
/** Resets asked for one email: enough for a lost email or two, too few to fill an inbox. */
const RESET_REQUEST_ACCOUNT_LIMIT = 3;
const RESET_REQUEST_ADDRESS_LIMIT = 20;
const RESET_CODE_WINDOW = 15 * 60;
/** Codes tried for one account: a coordinator's code is short enough to be worth guessing otherwise. */
const RESET_CODE_ACCOUNT_LIMIT = 10;
const RESET_CODE_ADDRESS_LIMIT = 20;

/**
 * Counts a request for a reset link for an email (its lookup, known or not) from an address;
 * answers the seconds to wait, or 0.
 */
export function countResetRequest(db: Db, secret: Buffer, input: { accountHash: string; address: string; now: Date }): Promise<number> {
  return countAll(
    db,
    [
      { key: hmac(secret, `reset-request:account:${input.accountHash}`), limit: RESET_REQUEST_ACCOUNT_LIMIT, windowSeconds: RESET_REQUEST_WINDOW },
      { key: hmac(secret, `reset-request:address:${addressHash(secret, input.address)}`), limit: RESET_REQUEST_ADDRESS_LIMIT, windowSeconds: RESET_REQUEST_WINDOW },
    ],
    input.now,
  );
}

const resetCodeAccountKey = (secret: Buffer, account: string) => hmac(secret, `reset-code:account:${account}`);

/**
 * Counts a reset code tried for an account (the person, or whatever the code was said to be for)
 * from an address, before the code is checked; answers the seconds to wait, or 0.
 */
export function countResetCode(db: Db, secret: Buffer, input: { account: string; address: string; now: Date }): Promise<number> {
  return countAll(
    db,
    [
      { key: resetCodeAccountKey(secret, input.account), limit: RESET_CODE_ACCOUNT_LIMIT, windowSeconds: RESET_CODE_WINDOW },
      { key: hmac(secret, `reset-code:address:${addressHash(secret, input.address)}`), limit: RESET_CODE_ADDRESS_LIMIT, windowSeconds: RESET_CODE_WINDOW },
    ],
    input.now,
  );
}

/**
 * A password set with a reset lifts what held the account back: its sign-in lock-out at the
 * address the reset came from and from elsewhere, and the count of codes tried for it.
 */
export async function liftLockOut(db: Db, secret: Buffer, input: { accountHash: string; personId: string; address: string }): Promise<void> {
  const address = addressHash(secret, input.address);
  const keys = [hmac(secret, `sign-in:account-address:${input.accountHash}:${address}`), accountKey(secret, input.accountHash), resetCodeAccountKey(secret, input.personId)];
  await db.deleteFrom('throttle_counts').where('key', 'in', keys).execute();
}
