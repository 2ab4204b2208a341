import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../src/config.ts';

t.test('defaults give an embedded Hearth under ./data', async (t) => {
  const config = loadConfig({});
  t.match(config, { PORT: 3000, DATA_DIR: './data', PROJECTIONS: true, DATABASE_URL: undefined, EVENTSTOREDB_URL: undefined });
});

t.test('values are parsed and checked', async (t) => {
  const config = loadConfig({ PORT: '8080', PROJECTIONS: 'off', DATABASE_URL: 'postgres://hearth@db:5432/hearth', EVENTSTOREDB_URL: 'esdb://es:2113?tls=false', DATA_DIR: '' });
  t.match(config, { PORT: 8080, PROJECTIONS: false, DATABASE_URL: 'postgres://hearth@db:5432/hearth', EVENTSTOREDB_URL: 'esdb://es:2113?tls=false', DATA_DIR: './data' });
});

t.test('an EventStoreDB cluster is named by its nodes', async (t) => {
  const cluster = 'esdb://esdb-1:2113,esdb-2:2113,esdb-3:2113?tls=false&nodePreference=leader';
  t.equal(loadConfig({ EVENTSTOREDB_URL: cluster }).EVENTSTOREDB_URL, cluster);
  t.equal(loadConfig({ EVENTSTOREDB_URL: 'esdb+discover://dns.example:2113' }).EVENTSTOREDB_URL, 'esdb+discover://dns.example:2113');
});

t.test('a bad value is refused naming the variable', async (t) => {
  for (const [name, value] of [
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x@y/z'],
    ['EVENTSTOREDB_URL', 'http://es:2113'],
    ['EVENTSTOREDB_URL', 'esdb://'],
    ['PROJECTIONS', 'maybe'],
    ['LOG_LEVEL', 'loud'],
  ] as const) {
    const error = (() => {
      try {
        loadConfig({ [name]: value });
      } catch (err) {
        return err;
      }
    })();
    t.type(error, ConfigError, `${name}=${value} is refused`);
    t.match((error as Error).message, new RegExp(`\\b${name}\\b`), `the message names ${name}`);
  }
});

t.test('the hearth command stops with a message naming the variable', async (t) => {
  const bin = fileURLToPath(new URL('../bin/hearth.js', import.meta.url));
  const run = spawnSync(process.execPath, [bin, 'serve'], { env: { ...process.env, PORT: 'eighty' }, encoding: 'utf8', timeout: 30_000 });
  t.equal(run.status, 2);
  t.match(run.stderr, /PORT/);
  t.notMatch(run.stderr, /at .*\.ts:\d+/, 'no stack trace, just the message');
});
