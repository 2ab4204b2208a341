// A Hearth on a test database, quiet unless a test asks for its log.
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { openHearth, type Hearth } from '../../src/hearth.ts';
import type { Test } from 'tap';
import type { Database } from '../../src/db/database.ts';
import { freshPostgres, postgresAvailable } from './db.ts';

export const quietLog = pino({ level: 'silent' });

/** One secret per test process: personal data sealed in a test is opened in the same test. */
export const testSecret = randomBytes(32).toString('base64');

/**
 * Projections poll as the binary's do (250 ms): an append in this process wakes them at once, and
 * faster polling only keeps a PGlite's one connection busy (a third of a test's CPU at 20 ms).
 */
export async function testHearth(database: Database, env: Record<string, string> = {}, log = quietLog): Promise<Hearth> {
  const config = loadConfig({ PROJECTION_POLL_MS: '250', READ_WAIT_MS: '5000', HEARTH_SECRET: testSecret, ...env });
  return openHearth(config, log, { database });
}

/**
 * A Hearth on a fresh PostgreSQL database with room for racing writers, closed after the test; or,
 * with no server to race on, undefined and the test planned empty.
 */
export async function racingHearth(t: Test): Promise<Hearth | undefined> {
  if (!(await postgresAvailable())) {
    t.plan(0, 'needs PostgreSQL for real concurrency');
    return undefined;
  }
  const hearth = await testHearth(await freshPostgres({ max: 16 }));
  t.teardown(() => hearth.close());
  return hearth;
}
