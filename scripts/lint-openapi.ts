// `npm run lint:openapi`: the OpenAPI document as /api/v1/openapi.json serves it, checked by an
// independent linter (Redocly, with the rules in redocly.yaml). The document depends on the
// routes alone, so it is taken from a Hearth on an empty in-memory database and written to a
// temporary file; the linter's exit code is this script's.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { openHearth } from '../src/hearth.ts';
import { openPgliteInMemory } from '../src/db/database.ts';
import { buildApp } from '../src/http/app.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const config = loadConfig({ ...process.env, DATABASE_URL: '', EVENTSTOREDB_URL: '', HEARTH_SECRET: randomBytes(32).toString('base64') });
const hearth = await openHearth(config, pino({ level: 'silent' }), { database: await openPgliteInMemory() });
const app = await buildApp(hearth);
await app.ready();
const dir = mkdtempSync(join(tmpdir(), 'hearth-openapi-'));
const file = join(dir, 'openapi.json');
writeFileSync(file, JSON.stringify(app.swagger(), null, 2));
await app.close();
await hearth.close();

const redocly = join(root, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
const args = process.argv.slice(2);
const lint = spawnSync(process.execPath, [redocly, 'lint', file, '--config', join(root, 'redocly.yaml'), ...args], {
  stdio: 'inherit',
  env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
});
rmSync(dir, { recursive: true, force: true });
process.exit(lint.status ?? 1);
