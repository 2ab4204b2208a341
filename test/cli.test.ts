// The hearth command as an operator uses it: a real process each time. The other CLI tests run
// the same entry point in-process.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { freshPostgres, postgresAvailable } from './support/db.ts';
import { opened } from './support/events.ts';
import { testHearth, testSecret } from './support/hearth.ts';

const bin = fileURLToPath(new URL('../bin/hearth.js', import.meta.url));
const hearth = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, encoding: 'utf8', timeout: 120_000 });

t.test('migrate, projections status and projections rebuild', async (t) => {
  let env: Record<string, string>;
  if (await postgresAvailable()) {
    const database = await freshPostgres();
    t.teardown(() => database.close());
    const h = await testHearth(database);
    const id = randomUUID();
    await h.store.append(`network-${id}`, [opened(id)], 'no_stream');
    env = { DATABASE_URL: database.connectionString!, HEARTH_SECRET: testSecret };
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-cli-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    env = { DATA_DIR: dir };
  }
  const migrate = hearth(['migrate'], env);
  t.equal(migrate.status, 0, migrate.stderr);
  t.match(migrate.stdout, /Already up to date|Applied: 0001_event_store/);

  const before = hearth(['projections', 'status'], env);
  t.equal(before.status, 0, before.stderr);
  t.match(before.stdout, /Head of the log: \d+/);
  t.match(before.stdout, /networks\s+position\s+0/);

  const rebuild = hearth(['projections', 'rebuild', 'networks'], env);
  t.equal(rebuild.status, 0, rebuild.stderr);
  t.match(rebuild.stdout, /Rebuilt networks from \d+ events up to position \d+/);
  const after = hearth(['projections', 'status'], env);
  t.match(after.stdout, /networks\s+position\s+\d+\s+lag\s+0\s+running/);

  // Ledger commands go through the API in the process the binary starts: the other CLI tests run
  // them in-process, so here one runs end to end, refused as a stranger to the network.
  const stranger = hearth(['network', 'members', '--network', randomUUID(), '--as', randomUUID()], env);
  t.equal(stranger.status, 1, stranger.stderr);
  t.match(stranger.stderr, /^Refused: /);

  const unknown = hearth(['projections', 'rebuild', 'nonsense'], env);
  t.equal(unknown.status, 1);
  t.match(unknown.stderr, /no projection named nonsense/);
  const usage = hearth(['frobnicate'], env);
  t.equal(usage.status, 2);
  t.match(usage.stderr, /Usage: hearth/);
});

t.test('the embedded database refuses a second process', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-lock-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const server = spawn(process.execPath, [bin, 'serve'], { env: { ...process.env, DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  server.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  // A new embedded database is made and migrated first: slow on a busy machine, so the wait is long
  // and ends as soon as the server says it listens, or has exited.
  const deadline = Date.now() + 180_000;
  while (!out.includes('Hearth is listening') && server.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  t.match(out, /Hearth is listening/);
  const second = hearth(['migrate'], { DATA_DIR: dir });
  t.equal(second.status, 1);
  t.match(second.stderr, new RegExp(`in use by process ${server.pid}`));
  server.kill('SIGTERM');
  const [code] = await once(server, 'exit');
  t.equal(code, 0, 'a clean shutdown on SIGTERM');
});
