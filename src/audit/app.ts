// The audit, the application: the signed digests of the log, recorded at every closing of a
// period and daily, and read by those who keep a network's books so that they can keep a copy
// elsewhere. The digests cover the whole log, not one network's part of it: they hold hashes,
// positions and counts, nothing of any network's records.
import type { Logger } from 'pino';
import type { Caller, Deps } from '../access/caller.ts';
import { digestKey, listLogDigests, recordLogDigest, recordLogDigestIfDue, type DigestKey, type LogDigest } from './log-digests.ts';

/** Who may read the digests of a network's ledger: those who keep or oversee its books. */
export const digestReaders = ['coordinator', 'treasurer', 'board'] as const;

const keys = new WeakMap<Buffer, DigestKey>();

/** This server's signing key, derived once per secret. */
export function signingKey(deps: Pick<Deps, 'secret'>): DigestKey {
  let key = keys.get(deps.secret);
  if (!key) keys.set(deps.secret, (key = digestKey(deps.secret)));
  return key;
}

const digestDeps = (deps: Pick<Deps, 'store' | 'database'>) => ({ store: deps.store, db: deps.database.db });

/** The digests recorded so far, oldest first, and the public key to check them with. */
export async function readLogDigests(deps: Deps, _caller: Caller, _input: { networkId: string }): Promise<{ publicKey: string; digests: LogDigest[] }> {
  return { publicKey: signingKey(deps).publicKey, digests: await listLogDigests(deps.database.db) };
}

/** A digest of the log as it stands, as every closing of a period records. */
export async function recordDigest(deps: Pick<Deps, 'store' | 'database' | 'clock' | 'secret'>): Promise<LogDigest | null> {
  return recordLogDigest(digestDeps(deps), signingKey(deps), deps.clock);
}

export const CHECK_EVERY_MS = 60 * 60 * 1000;

/**
 * The daily digest: looked for at once and then hourly, recorded when the newest is a day old and
 * the log has moved. Several servers on one database may look at once; a position is recorded once.
 * Returns what stops it.
 */
export function keepDailyDigests(deps: Pick<Deps, 'store' | 'database' | 'clock' | 'secret'> & { log: Logger }, everyMs = CHECK_EVERY_MS): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const check = () => {
    running = recordLogDigestIfDue(digestDeps(deps), signingKey(deps), deps.clock).then(
      (digest) => digest && deps.log.info({ position: digest.position }, 'log digest recorded'),
      (err: unknown) => deps.log.error({ err: err instanceof Error ? err.message : String(err) }, 'log digest not recorded; trying again within the hour'),
    );
  };
  check();
  const timer = setInterval(check, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
