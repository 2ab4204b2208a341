import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, passwordCost } from '../src/config.ts';
import { hashPassword, verifyPassword } from '../src/access/passwords.ts';

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
    ['PASSWORD_COST', '9'],
    ['PASSWORD_COST', '21'],
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

t.test('a password hash keeps the cost it was made at, so raising PASSWORD_COST later is safe', async (t) => {
  t.equal(passwordCost({}), 15, 'the default');
  t.equal(passwordCost({ PASSWORD_COST: '12' }), 12);
  const made = await hashPassword('correct horse battery');
  t.match(made, new RegExp(`^scrypt\\$${2 ** passwordCost()}\\$8\\$1\\$`), 'the hash names its parameters');
  const older = made.replace(/^scrypt\$\d+/, 'scrypt$2048');
  t.notOk(await verifyPassword('correct horse battery', older), 'the parameters stored are the ones checked with');
  t.ok(await verifyPassword('correct horse battery', made));
  t.notOk(await verifyPassword('wrong horse battery', made));
});
