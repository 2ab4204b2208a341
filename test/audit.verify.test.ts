// The audit as a whole (on the PostgreSQL server where there is one, PGlite otherwise): chains, digests and every projection rebuilt
// beside its live tables and compared, naming each difference without personal values; and
// `hearth audit verify` as a real process, exiting 1 on an edited event.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { serverFirstBackend, freshPglite, freshPostgres, postgresAvailable, type Backend } from './support/db.ts';
import { opened, renamed } from './support/events.ts';
import { openApp, send, signUp } from './support/http.ts';
import { testHearth, testSecret } from './support/hearth.ts';
import { editData } from './support/tamper.ts';
import { openPglite, type Database } from '../src/db/database.ts';
import { auditDifferences, auditSummary, verifyAudit } from '../src/audit/verify.ts';
import type { Hearth } from '../src/hearth.ts';

/** People with sealed names, a network with its coordinator, and a network renamed: most projections hold something. */
async function ledger(t: Test, backend: Backend) {
  const { hearth, app, close } = await openApp(await backend.open());
  t.teardown(close);
  const coordinator = await signUp(app, 'Margaret Holroyd');
  await signUp(app, 'Jean Armitage');
  const res = await send(app, 'POST', '/api/v1/networks', { name: 'Chapel Allerton Good Neighbours', kind: 'time_bank' }, coordinator.auth);
  t.equal(res.statusCode, 201, res.body);
  const networkId = randomUUID();
  await hearth.store.append(`network-${networkId}`, [opened(networkId, 'Meanwood'), renamed(networkId, 'Meanwood Valley')], 'no_stream');
  await caughtUp(t, hearth);
  return { hearth, coordinator, networkId };
}

async function caughtUp(t: Test, hearth: Hearth) {
  t.ok(await hearth.engine.waitFor(hearth.engine.projections.map((p) => p.name), await hearth.store.headPosition(), 20_000), 'projections caught up');
}

const backend = await serverFirstBackend();
t.test(`audit on ${backend.name}`, async (t) => {
  t.test('a clean ledger verifies', async (t) => {
    const { hearth } = await ledger(t, backend);
    const report = await verifyAudit(hearth);
    t.same(auditDifferences(report), []);
    const head = await hearth.store.headPosition();
    t.same(
      report.projections.map((p) => ('error' in p ? p.error : [p.name, p.position])),
      hearth.engine.projections.map((p) => [p.name, head]),
      'every projection compared at the head',
    );
    t.match(auditSummary(report).join('\n'), new RegExp(`^Event log: ${head} events in \\d+ streams, every hash recomputed \\(\\d+ events? written before writers kept hashes, which PostgreSQL's own chain covers\\)\\.\nPostgreSQL's own chain: ${head} events, every hash recomputed\\.\nDigests: 0 recorded`));
    const schemas = await sql<{ n: number }>`SELECT count(*)::integer AS n FROM pg_namespace WHERE nspname LIKE 'verify_%'`.execute(hearth.database.db);
    t.equal(schemas.rows[0]!.n, 0, 'no scratch schema left behind');
  });

  t.test('a row edited in a live projection table is named by table, key and column, not by value', async (t) => {
    const { hearth, coordinator } = await ledger(t, backend);
    await hearth.engine.stop();
    await hearth.database.db.updateTable('people').set({ name: 'Someone Else' }).where('person_id', '=', coordinator.personId).execute();
    const differences = auditDifferences(await verifyAudit(hearth));
    t.same(differences, [
      `projection people, table people: 1 row only in the live table, 1 row only in the rebuild; e.g. person_id=${coordinator.personId} (name differs)`,
    ]);
    t.notMatch(differences.join('\n'), /Someone Else|Margaret|Holroyd/, 'no personal value printed');
  });

  t.test('an event edited in the log is named by stream and revision, and so is what it changed in the projections', async (t) => {
    const { hearth, networkId } = await ledger(t, backend);
    const stream = `network-${networkId}`;
    const [, rename] = await hearth.store.readStream(stream);
    await editData(hearth.database.db, stream, 1, { networkId, name: 'Somewhere Else' });
    const differences = auditDifferences(await verifyAudit(hearth));
    t.same(differences, [
      `stream ${stream} revision 1 (position ${rename!.position}): its hash does not match the event and the hash before it`,
      `projection networks, table networks: 1 row only in the live table, 1 row only in the rebuild; e.g. network_id=${networkId} (name differs)`,
    ]);
  });

  t.test('the comparison holds while the live projections follow new writes', async (t) => {
    const { hearth, networkId } = await ledger(t, backend);
    // Writes back to back: PGlite runs in this thread, where a timer would not fire until the comparisons were done.
    let writing = true;
    const writer = (async () => {
      for (let revision = 1; writing && revision < 5000; revision++) {
        await hearth.store.append(`network-${networkId}`, [renamed(networkId, `Meanwood ${revision}`)], revision);
      }
    })();
    const compared = [];
    for (let round = 0; round < 5; round++) {
      for (const name of ['networks', 'event_type_counts']) compared.push(await hearth.engine.compare(name));
    }
    writing = false;
    await writer;
    t.same(compared.flatMap((c) => c.differences), [], 'no difference, wherever the live projection stood');
    t.ok(new Set(compared.map((c) => c.position)).size > 1, 'compared at several positions while writes went on');
  });
});

t.test('projection tables hold only what events give them, so that a rebuild can equal them', async (t) => {
  const hearth = await testHearth(await freshPglite());
  t.teardown(() => hearth.close());
  const tables = hearth.engine.projections.flatMap((p) => p.tables);
  // A default such as now(), or a sequence's next value (which LIKE ... INCLUDING ALL shares with
  // the scratch table), would differ between the live table and its rebuild.
  const { rows } = await sql<{ column: string; default: string | null; identity: boolean }>`
    SELECT c.relname || '.' || a.attname AS column, pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity <> '' AS identity
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE c.relname = ANY (${tables}::text[]) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
       AND (d.adbin IS NOT NULL OR a.attidentity <> '')`.execute(hearth.database.db);
  const constant = /^(true|false|NULL|-?\d+(\.\d+)?|'[^']*'::[a-z ]+(\[\])?)$/;
  t.same(rows.filter((r) => r.identity || !constant.test(r.default ?? '')), [], 'no column defaults to anything but a constant');
  const keyed = await sql<{ table: string }>`
    SELECT c.relname AS table FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
     WHERE i.indisprimary AND c.relnamespace = 'public'::regnamespace AND c.relname = ANY (${tables}::text[])`.execute(hearth.database.db);
  t.same(keyed.rows.map((r) => r.table).sort(), [...tables].sort(), 'every table has a primary key, to name a differing row by');
});

t.test('hearth audit verify, as a real process', async (t) => {
  const bin = fileURLToPath(new URL('../bin/hearth.js', import.meta.url));
  const hearth = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', HEARTH_SECRET: testSecret, ...env }, encoding: 'utf8', timeout: 120_000 });
  // PostgreSQL when it answers, where the ledger can be written to while the command runs; else a PGlite directory.
  let env: Record<string, string>;
  let open: () => Promise<Database>;
  if (await postgresAvailable()) {
    const database = await freshPostgres();
    t.teardown(() => database.close());
    env = { DATABASE_URL: database.connectionString! };
    open = async () => ({ ...database, close: async () => {} });
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-audit-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    env = { DATA_DIR: dir };
    open = () => openPglite(dir);
  }
  const networkId = randomUUID();
  const stream = `network-${networkId}`;
  const before = await testHearth(await open());
  await before.store.append(stream, [opened(networkId, 'Meanwood'), renamed(networkId, 'Meanwood Valley'), renamed(networkId, 'Meanwood Vale')], 'no_stream');
  await before.engine.start();
  await caughtUp(t, before);
  await before.close();

  const clean = hearth(['audit', 'verify'], env);
  t.equal(clean.status, 0, clean.stderr);
  t.match(clean.stdout, /^Event log: 3 events in 1 stream, every hash recomputed \(3 events written before writers kept hashes, which PostgreSQL's own chain covers\)\./);
  t.match(clean.stdout, /networks\s+position 3, equal/);
  t.match(clean.stdout, /No differences\.\n$/);

  const database = await open();
  await editData(database.db, stream, 1, { networkId, name: 'Somewhere Else' });
  await database.close();
  const edited = hearth(['audit', 'verify'], env);
  t.equal(edited.status, 1, edited.stderr);
  t.match(edited.stdout, new RegExp(`stream ${stream} revision 1 \\(position 2\\): its hash does not match`));
  t.match(edited.stdout, /1 difference:/, 'the projection is as it was: a later rename overrides the edited one');
  t.notMatch(edited.stdout, /revision 2/, 'the event after it still chains to the hash it was given');
});
