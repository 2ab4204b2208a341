// A Hearth on a test database, quiet unless a test asks for its log.
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { openHearth, type Hearth } from '../../src/hearth.ts';
import type { Database } from '../../src/db/database.ts';

export const quietLog = pino({ level: 'silent' });

export async function testHearth(database: Database, env: Record<string, string> = {}, log = quietLog): Promise<Hearth> {
  const config = loadConfig({ PROJECTION_POLL_MS: '20', READ_WAIT_MS: '5000', ...env });
  return openHearth(config, log, { database });
}
