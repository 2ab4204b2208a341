// The projection engine on both PGlite and PostgreSQL: catching up, rebuilding beside the live
// tables, parking the scope of a failing handler's event, and two runners of one projection not doubling anything.
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { backends, freshPostgres, postgresAvailable } from './support/db.ts';
import { opened, renamed } from './support/events.ts';
import { quietLog, testHearth } from './support/hearth.ts';
import { ProjectionEngine, type Projection } from '../src/projections/engine.ts';
import type { Db } from '../src/db/database.ts';
import type { RecordedEvent } from '../src/eventstore/port.ts';
import type { Hearth } from '../src/hearth.ts';

async function snapshot(db: Db) {
  return {
    networks: await db.selectFrom('networks').selectAll().orderBy('network_id').execute(),
    counts: await db.selectFrom('event_type_counts').selectAll().orderBy('type').execute(),
  };
}

async function writeHistory(hearth: Hearth, networks: number, renamesEach: number) {
  for (let n = 0; n < networks; n++) {
    const id = randomUUID();
    await hearth.store.append(`network-${id}`, [opened(id, `Network ${n}`)], 'no_stream');
    for (let r = 0; r < renamesEach; r++) await hearth.store.append(`network-${id}`, [renamed(id, `Network ${n} (${r})`)], r);
  }
}

async function caughtUp(t: Test, hearth: Hearth) {
  const head = await hearth.store.headPosition();
  t.ok(await hearth.engine.waitFor(hearth.engine.projections.map((p) => p.name), head, 20_000), 'projections caught up');
}

for (const backend of await backends()) {
  t.test(`projections on ${backend.name}`, async (t) => {
    t.test('a rebuild yields exactly the rows the live projection holds', async (t) => {
      const hearth = await testHearth(await backend.open(), { PROJECTION_BATCH_SIZE: '7' });
      t.teardown(() => hearth.close());
      await hearth.engine.start();
      await writeHistory(hearth, 12, 3);
      await caughtUp(t, hearth);
      const live = await snapshot(hearth.database.db);
      t.equal(live.networks.length, 12);
      t.same(live.counts.map((c) => [c.type, Number(c.count)]), [['network.NetworkOpened', 12], ['network.NetworkRenamed', 36]]);

      await hearth.engine.stop();
      for (const p of hearth.engine.projections) await hearth.engine.rebuild(p.name);
      t.same(await snapshot(hearth.database.db), live, 'rebuilt rows equal live rows');
      const { head, projections: statuses } = await hearth.engine.status();
      t.ok(statuses.every((s) => s.position === head && s.status === 'running'), 'checkpoints at the head after the swap');
      const schemas = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname LIKE 'rebuild_%'`.execute(hearth.database.db);
      t.equal(schemas.rows[0]!.n, 0, 'no scratch schema left behind');
      const indexes = await sql<{ indexname: string }>`SELECT indexname FROM pg_indexes WHERE tablename = 'networks' ORDER BY indexname`.execute(hearth.database.db);
      t.same(indexes.rows.map((r) => r.indexname), ['networks_by_name', 'networks_pkey'], 'the swapped-in table keeps its indexes');
    });

    t.test('a rebuild while the live projection runs and writes go on ends equal to a fresh rebuild', async (t) => {
      const hearth = await testHearth(await backend.open(), { PROJECTION_BATCH_SIZE: '5' });
      t.teardown(() => hearth.close());
      await hearth.engine.start();
      await writeHistory(hearth, 5, 2);
      const writing = writeHistory(hearth, 10, 2);
      await hearth.engine.rebuild('event_type_counts');
      await hearth.engine.rebuild('networks');
      await writing;
      await caughtUp(t, hearth);
      const live = await snapshot(hearth.database.db);
      t.same(live.counts.map((c) => Number(c.count)), [15, 30], 'every event counted once across the swap');
      await hearth.engine.stop();
      for (const p of hearth.engine.projections) await hearth.engine.rebuild(p.name);
      t.same(await snapshot(hearth.database.db), live);
    });

    for (const batched of [false, true]) t.test(`a failing handler${batched ? ' (batches)' : ''} parks its event's network, says why, and the other networks carry on`, async (t) => {
      const database = await backend.open();
      const hearth = await testHearth(database);
      t.teardown(() => hearth.close());
      let poisoned = '';
      const check = (event: RecordedEvent) => {
        if ((event.data as { name: string }).name === poisoned) throw new Error('cannot handle this rename');
      };
      const applied: string[] = [];
      const fragile: Projection = {
        name: 'fragile',
        tables: [],
        handles: ['network.NetworkRenamed'],
        // A batch fails as a whole; the engine must still find the event to blame, and keep what the others did.
        ...(batched
          ? { applyBatch: async (_db: Db, events: RecordedEvent[]) => { events.forEach(check); applied.push(...events.map((e) => (e.data as { name: string }).name)); } }
          : { apply: async (_db: Db, event: RecordedEvent) => { check(event); applied.push((event.data as { name: string }).name); } }),
      };
      const logs: string[] = [];
      const log = quietLog.child({});
      log.level = 'error';
      const captured = Object.assign(log, { error: (obj: object, msg: string) => void logs.push(JSON.stringify({ ...obj, msg })) });
      const engine = new ProjectionEngine(database.db, hearth.store, [fragile], captured, { batchSize: 100, pollMs: 20 });
      await engine.register();
      const id = randomUUID();
      const other = randomUUID();
      poisoned = 'Poisoned';
      await hearth.store.append(`network-${id}`, [opened(id), renamed(id, 'Fine'), renamed(id, 'Poisoned'), renamed(id, 'After')], 'no_stream');
      await hearth.store.append(`network-${other}`, [opened(other), renamed(other, 'Elsewhere')], 'no_stream');
      t.equal(await engine.runOnce('fragile'), 6, 'the batch is applied, but for the parked event');
      const [status] = (await engine.status()).projections;
      t.equal(status!.status, 'parked');
      t.equal(status!.position, 6, 'the checkpoint moved past the failing event');
      t.match(status!.parked, [{ scope: id, position: 3, eventType: 'network.NetworkRenamed', events: 2 }], 'it names the network and the event; the later rename of that network is set aside too');
      t.match(status!.parked[0]!.error, /cannot handle this rename/);
      // A first try of the whole batch is rolled back in the database, not in this list: what matters is what was never tried.
      t.ok(applied.includes('Elsewhere'), 'the other network carried on');
      t.notOk(applied.includes('After'), 'nothing of the parked network after the failing event was applied');
      t.match(logs.join('\n'), /"scope":"[^"]+","position":3,"eventType":"network.NetworkRenamed".*projection parked a scope/, 'the log says which event and why');

      const app = await (await import('../src/http/app.ts')).buildApp({ ...hearth, engine });
      const health = await app.inject({ method: 'GET', url: '/health' });
      t.equal(health.statusCode, 200, 'parked is degraded, not unavailable');
      t.match(health.json(), { status: 'degraded', projections: [{ name: 'fragile', status: 'parked', parked: [{ scope: id, position: 3, eventType: 'network.NetworkRenamed', events: 2 }] }] });
      t.notOk(JSON.stringify(health.json()).includes('cannot handle'), 'the public answer leaves out the error');
      await app.close();

      applied.length = 0;
      await engine.rebuild('fragile');
      t.match((await engine.status()).projections[0], { status: 'parked', parked: [{ scope: id, position: 3, events: 2 }] }, 'a rebuild before the fix parks the same');
      t.same((await engine.compare('fragile')).differences, [], 'a rebuild and the live projection agree on what is parked');

      poisoned = '';
      applied.length = 0;
      await engine.rebuild('fragile');
      const [after] = (await engine.status()).projections;
      t.match(after, { status: 'running', position: 6, parked: [] }, 'a rebuild after the fix clears the scope');
      t.same(applied, ['Fine', 'Poisoned', 'After', 'Elsewhere']);
    });
  });
}

t.test('two runners of one projection on PostgreSQL apply every event once', async (t) => {
  if (!(await postgresAvailable())) return t.plan(0, 'needs a PostgreSQL server');
  const database = await freshPostgres();
  const a = await testHearth(database, { PROJECTION_BATCH_SIZE: '3' });
  t.teardown(() => a.close());
  const b = new ProjectionEngine(database.db, a.store, a.engine.projections, quietLog, { batchSize: 4, pollMs: 10 });
  await writeHistory(a, 20, 4);
  await Promise.all([a.engine.start(), b.start()]);
  await caughtUp(t, a);
  await Promise.all([a.engine.stop(), b.stop()]);
  const { counts } = await snapshot(database.db);
  t.same(counts.map((c) => [c.type, Number(c.count)]), [['network.NetworkOpened', 20], ['network.NetworkRenamed', 80]]);
});

t.test('each projection runs in one engine at a time, and a stopped engine hands its leases over', async (t) => {
  if (!(await postgresAvailable())) return t.plan(0, 'needs a PostgreSQL server');
  const database = await freshPostgres();
  const hearth = await testHearth(database);
  t.teardown(() => hearth.close());
  // Both renew a lease only every 20 s, so that a lease made to run out below is not renewed by
  // its holder before the other engine, which looks every second, can take it.
  const engine = () => new ProjectionEngine(database.db, hearth.store, hearth.engine.projections, quietLog, { pollMs: 10, leaseMs: 60_000 });
  const a = engine();
  const b = engine();
  t.teardown(() => Promise.all([a.stop(), b.stop()]));
  await a.start();
  await writeHistory(hearth, 3, 1);
  const names = hearth.engine.projections.map((p) => p.name).sort();
  t.ok(await a.waitFor(names, await hearth.store.headPosition(), 10_000), 'projections caught up');
  await b.start();
  t.same((await a.leases()).map((l) => [l.name, l.holder]), names.map((n) => [n, a.holder]), 'the first engine holds every lease');
  await new Promise((r) => setTimeout(r, 300));
  t.ok((await b.leases()).every((l) => l.holder === a.holder), 'the second does not take a lease that is held');

  // A lease run out is anyone's; one held by another is not.
  await database.db.updateTable('projection_leases').set({ expires_at: new Date(Date.now() - 1000) }).where('name', '=', 'networks').execute();
  const holderOf = async (name: string) => (await b.leases()).find((l) => l.name === name)?.holder;
  for (let i = 0; i < 100 && (await holderOf('networks')) !== b.holder; i++) await new Promise((r) => setTimeout(r, 50));
  t.equal(await holderOf('networks'), b.holder, 'a lease that ran out is taken over');

  await a.stop();
  const allB = async () => (await b.leases()).filter((l) => l.holder === b.holder).length === names.length;
  for (let i = 0; i < 100 && !(await allB()); i++) await new Promise((r) => setTimeout(r, 50));
  t.same((await b.leases()).map((l) => l.holder), names.map(() => b.holder), 'stopped, the first hands every lease to the second at once');
  await writeHistory(hearth, 2, 1);
  const head = await hearth.store.headPosition();
  t.ok(await b.waitFor(names, head, 10_000), 'and the second carries on from the checkpoints');
});
