// A Hearth on a test database, quiet unless a test asks for its log.
import { randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { openHearth, type Hearth } from '../../src/hearth.ts';
import * as access from '../../src/access/app.ts';
import type { Test } from 'tap';
import type { Database } from '../../src/db/database.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import { freshPostgres, postgresAvailable } from './db.ts';

export const quietLog = pino({ level: 'silent' });

/** One secret per test process: personal data sealed in a test is opened in the same test. */
export const testSecret = randomBytes(32).toString('base64');

/**
 * How a test's event store commits: one stream at a time, as EventStoreDB does, so that the whole
 * suite shows every command running on such a store; or as HEARTH_TEST_COMMITS says, for the files
 * run again committing several streams at once (test/races.several-streams.test.ts).
 */
export const testCommits = process.env.HEARTH_TEST_COMMITS ?? 'one-stream';

/** A test's settings: its secret, its way of committing, and whatever the test sets. */
export const testConfig = (env: Record<string, string> = {}) => loadConfig({ HEARTH_SECRET: testSecret, EVENT_STORE_COMMITS: testCommits, ...env });

/**
 * Projections poll as the binary's do (250 ms): an append in this process wakes them at once, and
 * faster polling only keeps a PGlite's one connection busy (a third of a test's CPU at 20 ms).
 * They do not linger after a batch: a test's steps come one after another, each waiting for the
 * last, and would each wait out the linger (test/projections.test.ts shows it at work).
 */
export async function testHearth(database: Database, env: Record<string, string> = {}, log = quietLog): Promise<Hearth> {
  return openHearth(testConfig({ PROJECTION_POLL_MS: '250', PROJECTION_LINGER_MS: '0', READ_WAIT_MS: '5000', ...env }), log, { database });
}

/**
 * A Hearth on a fresh PostgreSQL database with room for racing writers, closed after the test; or,
 * with no server to race on, undefined and the test planned empty.
 */
export async function racingHearth(t: Test, env: Record<string, string> = {}): Promise<Hearth | undefined> {
  if (!(await postgresAvailable())) {
    t.plan(0, 'needs PostgreSQL for real concurrency');
    return undefined;
  }
  const hearth = await testHearth(await freshPostgres({ max: 16 }), env);
  t.teardown(() => hearth.close());
  return hearth;
}

/** Waits until every projection has passed the head of the log. */
export async function caughtUp(hearth: Hearth, timeoutMs = 30_000): Promise<boolean> {
  const head = await hearth.store.headPosition();
  return hearth.engine.waitFor(hearth.engine.projections.map((p) => p.name), head, timeoutMs);
}

let addresses = 0;
/**
 * An address of its own for each person a test signs up: sign-up and sign-in are throttled per
 * address, and a test's cast is not one person signing up dozens of accounts from one place.
 */
export function testAddress(): string {
  const n = ++addresses;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** Someone signed up through the application layer (the API's answer never names them); their person id. */
export async function signedUp(hearth: Hearth, details: { name: string; email: string }, password = 'correct horse battery staple'): Promise<string> {
  const caller = { personId: 'anonymous', onBehalfOf: null, commandId: randomUUID(), correlationId: randomUUID() };
  const done = await access.signUp(hearth, caller, { details, password, address: testAddress() });
  if (done.outcome !== 'accepted' || done.personId === null) throw new Error(`sign-up of ${details.name} was not accepted: ${JSON.stringify(done)}`);
  return done.personId;
}

/** A property of a store behind a proxy, its methods called on the store itself (which keeps private fields). */
export function bound(target: EventStore, key: string | symbol): unknown {
  const value = Reflect.get(target, key) as unknown;
  return typeof value === 'function' ? value.bind(target) : value;
}

/** The same Hearth, its store failing every append after the first `writes`: a process killed there. */
export function stoppedAfter(hearth: Hearth, writes: number): Hearth {
  let left = writes;
  const store: EventStore = new Proxy(hearth.store, {
    get: (target, key) => {
      if (key === 'appendMany') return (...args: Parameters<EventStore['appendMany']>) => (left-- > 0 ? target.appendMany(...args) : Promise.reject(new Error('stopped')));
      if (key === 'append') return (...args: Parameters<EventStore['append']>) => (left-- > 0 ? target.append(...args) : Promise.reject(new Error('stopped')));
      return bound(target, key);
    },
  });
  return { ...hearth, store };
}
