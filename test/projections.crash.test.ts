// A real Hearth process is killed with SIGKILL while a projection batch is open in PostgreSQL.
// When projections resume, every event is counted exactly once: none skipped, none doubled.
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { freshPostgres, postgresAvailable } from './support/db.ts';
import { opened, renamed } from './support/events.ts';
import { testHearth, testSecret } from './support/hearth.ts';

const hearthBin = fileURLToPath(new URL('../bin/hearth.js', import.meta.url));
const STREAMS = 40;
const RENAMES = 300;

if (!(await postgresAvailable())) {
  t.plan(0, 'needs a PostgreSQL server to watch the open transaction of another process');
} else {
  t.test('SIGKILL in the middle of a batch: no event skipped or applied twice', async (t) => {
    const database = await freshPostgres();
    const hearth = await testHearth(database);
    t.teardown(() => hearth.close());
    const { db } = database;

    for (let s = 0; s < STREAMS; s++) {
      const id = randomUUID();
      await hearth.store.append(`network-${id}`, [opened(id)], 'no_stream');
      for (let block = 0; block < RENAMES / 60; block++) {
        const renames = Array.from({ length: 60 }, (_, i) => renamed(id, `Network ${s} v${block * 60 + i + 1}`));
        await hearth.store.append(`network-${id}`, renames, 'stream_exists');
      }
    }
    const head = await hearth.store.headPosition();
    t.equal(head, STREAMS * (RENAMES + 1));

    const child = spawn(process.execPath, [hearthBin, 'serve'], {
      env: { ...process.env, DATABASE_URL: database.connectionString, HEARTH_SECRET: testSecret, PORT: '0', LOG_LEVEL: 'warn', PROJECTION_BATCH_SIZE: '1000', PROJECTION_POLL_MS: '50' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const exited = once(child, 'exit');

    // Wait until at least one batch has committed and another is open, with rows written, in the child.
    const deadline = Date.now() + 60_000;
    let openBatch = false;
    while (!openBatch && Date.now() < deadline) {
      const { rows } = await sql<{ committed: number; open: number }>`
        SELECT (SELECT coalesce(max(position), 0) FROM projection_checkpoints)::int AS committed,
               (SELECT count(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid())::int AS open`.execute(db);
      openBatch = rows[0]!.committed > 0 && rows[0]!.open > 0;
      if (!openBatch) await new Promise((r) => setTimeout(r, 2));
    }
    t.ok(openBatch, 'caught the child with a batch open in the database');
    child.kill('SIGKILL');
    const [, signal] = await exited;
    t.equal(signal, 'SIGKILL');

    const { projections: atKill } = await hearth.engine.status();
    t.ok(atKill.some((p) => p.position > 0 && p.position < head), `killed mid-run (checkpoints ${atKill.map((p) => `${p.name} ${p.position}`).join(', ')} of ${head})`);

    await hearth.engine.start();
    t.ok(await hearth.engine.waitFor(hearth.engine.projections.map((p) => p.name), head, 60_000), 'projections resumed and caught up');
    await hearth.engine.stop();

    const counted = await db.selectFrom('event_type_counts').select(['type', 'count']).orderBy('type').execute();
    const truth = await sql<{ type: string; count: number }>`SELECT type, count(*)::int AS count FROM events GROUP BY type ORDER BY type`.execute(db);
    t.same(counted.map((c) => [c.type, Number(c.count)]), truth.rows.map((r) => [r.type, r.count]), 'each event counted exactly once');
    const names = await db.selectFrom('networks').select(['name', 'revision']).execute();
    t.equal(names.length, STREAMS);
    t.ok(names.every((n) => n.name.endsWith(`v${RENAMES}`) && Number(n.revision) === RENAMES), 'every network has its last name');
  });
}
