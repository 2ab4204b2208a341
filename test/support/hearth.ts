// A Hearth on a test database, quiet unless a test asks for its log.
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { openHearth, type Hearth } from '../../src/hearth.ts';
import type { Database } from '../../src/db/database.ts';

export const quietLog = pino({ level: 'silent' });

/** One secret per test process: personal data sealed in a test is opened in the same test. */
export const testSecret = randomBytes(32).toString('base64');

export async function testHearth(database: Database, env: Record<string, string> = {}, log = quietLog): Promise<Hearth> {
  const config = loadConfig({ PROJECTION_POLL_MS: '20', READ_WAIT_MS: '5000', HEARTH_SECRET: testSecret, ...env });
  return openHearth(config, log, { database });
}
