// Backups taken and restored on both stores: the demo's network (exchanges, a pool, vouchers, a
// co-op) backed up from PGlite, restored on the PostgreSQL server, backed up again from the
// server and restored on PGlite, and each copy proved whole by the audit. Then what a restore refuses, what the
// file must not hold, and the two commands as an operator runs them.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type RawBuilder } from 'kysely';
import { backup } from '../src/backup/backup.ts';
import { restore } from '../src/backup/restore.ts';
import { BackupRefused } from '../src/backup/file.ts';
import { appliedMigrations } from '../src/db/migrate.ts';
import { auditDifferences, verifyAudit } from '../src/audit/verify.ts';
import { hashesUpTo } from '../src/audit/chain.ts';
import { openPglite, type Database, type Db } from '../src/db/database.ts';
import { serverFirstBackend, freshPglite, freshPostgres, postgresAvailable, TEST_DATABASE_URL } from './support/db.ts';
import { demoHearth } from './support/demo.ts';
import { caughtUp, testHearth, testSecret } from './support/hearth.ts';
import { opened } from './support/events.ts';

const { hearth } = await demoHearth(t);
// Nothing is asserted before the subtests: an assertion at the top would let the file end while the backup runs.
const projected = await caughtUp(hearth);
const secret = hearth.secret;
const dir = mkdtempSync(join(tmpdir(), 'hearth-backup-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const demoFile = join(dir, 'demo.backup');

const progress: Array<[number, number | undefined]> = [];
const taken = await backup(hearth.database, secret, demoFile, { onProgress: (done, total) => progress.push([done, total]) });

/** What members and treasurers read as their balances, holdings and vouchers. */
async function balances(db: Db): Promise<unknown> {
  const read = async (query: RawBuilder<{ r: string }>) => (await query.execute(db)).rows.map((row) => row.r);
  return {
    timebank: await read(sql`SELECT to_jsonb(a)::text AS r FROM timebank_accounts a ORDER BY r`),
    pools: await read(sql`SELECT pool_id || ' ' || sum(pence) AS r FROM pool_entries GROUP BY pool_id ORDER BY r`),
    coop: await read(sql`SELECT to_jsonb(m)::text AS r FROM coop_members m ORDER BY r`),
    vouchers: await read(sql`SELECT to_jsonb(v)::text AS r FROM vouchers v ORDER BY r`),
  };
}

const eventCount = async (db: Db) => Number((await sql<{ n: string }>`SELECT count(*)::text AS n FROM events`.execute(db)).rows[0]!.n);

/**
 * Restores FILE into DATABASE and proves the copy whole: the audit finds nothing, the chain and
 * the balances are the demo's, and the log goes on after it. The copy closes DATABASE with it.
 */
async function restoredWhole(t: Test, file: string, database: Database): Promise<void> {
  const done = await restore(database, secret, file);
  t.equal(done.head, taken.head, 'the log up to the position backed up');
  const copy = await testHearth(database, { HEARTH_SECRET: secret.toString('base64') });
  t.teardown(() => copy.close());
  const report = await verifyAudit(copy);
  t.same(auditDifferences(report), [], 'audit verify finds the events and every projection whole');
  t.same(await hashesUpTo(copy.database.db, taken.head), await hashesUpTo(hearth.database.db, taken.head), 'every hash byte for byte');
  t.same(await balances(copy.database.db), await balances(hearth.database.db), 'the same balances, pools, holdings and vouchers');
  const next = await copy.store.append(`network-${randomUUID()}`, [opened()], 'no_stream');
  t.equal(next.position, taken.head + 1, 'the next append continues after the restored positions');
}

t.test('a backup holds every row of the snapshot, and says how far it has got', async (t) => {
  t.ok(projected, 'the demo was projected before it was backed up');
  t.equal(taken.tables.find((x) => x.name === 'events')?.rows, await eventCount(hearth.database.db));
  t.ok(taken.tables.find((x) => x.name === 'person_keys')!.rows > 0, 'the vault is in it');
  t.notOk(taken.tables.some((x) => x.name === 'kysely_migration'), 'the migrations are named in its header, not copied');
  const total = taken.tables.reduce((sum, x) => sum + x.rows, 0);
  t.same(progress.at(-1), [total, total], 'the last progress is every row');
  t.ok(taken.bytes > 0);
});

// Each store restores once: the PGlite demo on the server, and the server's backup back on
// PGlite; with no server, the demo on a fresh PGlite.
t.test('restored on the other store, the demo is whole, and a backup of the copy restores whole again', async (t) => {
  for (const backend of [await serverFirstBackend()]) {
    await t.test(backend.name, async (t) => {
      const database = await backend.open();
      await restoredWhole(t, demoFile, database);
      if (backend.name !== 'postgres') return;
      // Taken again from the server, in its REPEATABLE READ snapshot, and brought back to PGlite.
      const again = join(dir, 'from-postgres.backup');
      const copyTaken = await backup(database, secret, again);
      t.equal(copyTaken.head, taken.head + 1, 'the event appended since is in it');
      const back = await freshPglite();
      await restore(back, secret, again);
      const copy = await testHearth(back, { HEARTH_SECRET: secret.toString('base64') });
      t.teardown(() => copy.close());
      t.same(auditDifferences(await verifyAudit(copy)), [], 'whole on PGlite too');
      t.same(await hashesUpTo(back.db, copyTaken.head), await hashesUpTo(database.db, copyTaken.head));
    });
  }
});

t.test('what a restore refuses, it writes nothing for', async (t) => {
  const target = await freshPglite();
  t.teardown(() => target.close());
  const migrations = await appliedMigrations(target.db);
  const untouched = async (t: Test) => {
    t.equal(await eventCount(target.db), 0, 'no events written');
    t.equal(Number((await sql<{ n: string }>`SELECT count(*)::text AS n FROM person_keys`.execute(target.db)).rows[0]!.n), 0, 'no keys written');
    t.same(await appliedMigrations(target.db), migrations);
  };
  const refusedWith = async (t: Test, file: string, pattern: RegExp, key = secret, into: Database = target) => {
    const err = await restore(into, key, file).then(() => undefined, (e: unknown) => e);
    t.type(err, BackupRefused);
    t.match((err as Error).message, pattern);
  };
  const original = readFileSync(demoFile);
  const variant = (name: string, bytes: Buffer) => {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    return file;
  };

  await t.test('into a database that holds events', async (t) => {
    const before = await eventCount(hearth.database.db);
    await refusedWith(t, demoFile, /already holds events/, secret, hearth.database);
    t.equal(await eventCount(hearth.database.db), before);
  });

  await t.test('a byte changed, anywhere', async (t) => {
    for (const at of [Math.floor(original.length / 2), original.length - 3, original.indexOf('"head"') + 8]) {
      const damaged = Buffer.from(original);
      damaged[at] = damaged[at]! ^ 0x01;
      await refusedWith(t, variant(`damaged-${at}.backup`, damaged), /damaged|altered/);
    }
    await untouched(t);
  });

  await t.test('a file cut short', async (t) => {
    await refusedWith(t, variant('short.backup', original.subarray(0, Math.floor(original.length * 0.7))), /damaged|cut short/);
    await refusedWith(t, variant('header-only.backup', original.subarray(0, original.indexOf(0x0a) + 1)), /damaged|cut short/);
    await untouched(t);
  });

  await t.test('a file sealed under another secret', async (t) => {
    await refusedWith(t, demoFile, /another HEARTH_SECRET/, randomBytes(32));
    await untouched(t);
  });

  await t.test('a file from a newer Hearth, with a migration this one does not know', async (t) => {
    const end = original.indexOf(0x0a);
    const header = JSON.parse(original.subarray(0, end).toString('utf8')) as { migrations: string[] };
    header.migrations.push('9999_from_the_future');
    await refusedWith(t, variant('future.backup', Buffer.concat([Buffer.from(JSON.stringify(header)), original.subarray(end)])), /newer Hearth.*9999_from_the_future/);
    await untouched(t);
  });
});

t.test('the file holds neither HEARTH_SECRET nor anyone’s name in the clear', async (t) => {
  const bytes = readFileSync(demoFile);
  t.equal(bytes.indexOf(secret.toString('base64')), -1, 'not the secret in base64');
  t.equal(bytes.indexOf(secret), -1, 'not its bytes');
  t.equal(bytes.indexOf(secret.toString('hex')), -1, 'not in hex');
  const names = (await hearth.database.db.selectFrom('people').select('name').where('name', 'is not', null).execute()).map((p) => p.name!);
  t.ok(names.length >= 10, `${names.length} names to look for`);
  for (const name of names) {
    t.equal(bytes.indexOf(name), -1, `${name} is not in it`);
  }
});

t.test('hearth backup and hearth restore, as an operator runs them', async (t) => {
  const bin = fileURLToPath(new URL('../bin/hearth.js', import.meta.url));
  const run = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', HEARTH_SECRET: testSecret, ...env }, encoding: 'utf8', timeout: 120_000 });
  let source: Record<string, string>;
  let target: Record<string, string>;
  if (await postgresAvailable()) {
    const from = await freshPostgres();
    const into = await freshPostgres();
    t.teardown(() => Promise.all([from.close(), into.close()]));
    const h = await testHearth(from);
    await h.store.append(`network-${randomUUID()}`, [opened()], 'no_stream');
    source = { DATABASE_URL: from.connectionString! };
    target = { DATABASE_URL: into.connectionString! };
  } else {
    t.comment(`no PostgreSQL at ${TEST_DATABASE_URL}: on PGlite data directories`);
    const h = await testHearth(await openPglite(join(dir, 'source')));
    await h.store.append(`network-${randomUUID()}`, [opened()], 'no_stream');
    await h.close();
    source = { DATA_DIR: join(dir, 'source') };
    target = { DATA_DIR: join(dir, 'target') };
  }
  const file = join(dir, 'cli.backup');
  const taken = run(['backup', file], source);
  t.equal(taken.status, 0, taken.stderr);
  t.match(taken.stdout, /^Backed up [\d,]+ rows, the log up to position \d+, to .+ \([\d.]+ kB\) in [\d.]+ s:\n {2}.*events \d+/);
  t.match(taken.stdout, /HEARTH_SECRET is not in the file, and the file cannot be read without it: keep the secret apart from the backups\./);

  const restored = run(['restore', file], target);
  t.equal(restored.status, 0, restored.stderr);
  t.match(restored.stdout, /^Restored .+ \(taken \S+ by Hearth \S+\), the log up to position \d+, in [\d.]+ s:\n {2}.*events \d+/);
  t.match(restored.stdout, /hearth audit verify/);

  const again = run(['restore', file], target);
  t.equal(again.status, 1);
  t.match(again.stderr, /^Refused: this database already holds events/);
});
