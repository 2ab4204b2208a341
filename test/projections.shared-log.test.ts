// Projections share their reads of the log: readers following at their own pace each see exactly
// the log, every event once and in order, while the store is read about once between them. And a
// follower at the head of the log lingers, so that writes close together are applied together.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { freshPglite } from './support/db.ts';
import { opened, renamed } from './support/events.ts';
import { PostgresEventStore } from '../src/eventstore/postgres.ts';
import type { ReadAllOptions, RecordedEvent } from '../src/eventstore/port.ts';
import { SharedLog } from '../src/projections/shared-log.ts';
import { ProjectionEngine, type Projection } from '../src/projections/engine.ts';
import { quietLog, testHearth } from './support/hearth.ts';

const database = await freshPglite();
t.teardown(() => database.close());

let reads = 0;
class Counting extends PostgresEventStore {
  override readAll(options?: ReadAllOptions) {
    reads++;
    return super.readAll(options);
  }
}
const store = new Counting(database.db, 'pglite');
for (let n = 0; n < 40; n++) {
  const id = randomUUID();
  await store.appendMany([{ streamId: `network-${id}`, events: [opened(id), ...Array.from({ length: 24 }, (_, i) => renamed(id, `Name ${i}`))], expected: 'no_stream' }]);
}
const whole = await store.readAll({ after: 0, maxCount: 10_000 });

/** Reads the log from `after` to its end in batches of `size`, pausing `pause` ms between them. */
async function follow(log: SharedLog, after: number, size: number, pause: number): Promise<RecordedEvent[]> {
  const seen: RecordedEvent[] = [];
  for (let batch = await log.read(after, size); batch.length > 0; batch = await log.read(seen.at(-1)!.position, size)) {
    seen.push(...batch);
    await new Promise((r) => setTimeout(r, pause));
  }
  return seen;
}

t.test('readers at different paces each read the whole log, which the store gives about once', async (t) => {
  t.equal(whole.length, 1000);
  reads = 0;
  const log = new SharedLog(store, 200, 2000);
  const followed = await Promise.all([follow(log, 0, 50, 0), follow(log, 0, 50, 1), follow(log, 0, 50, 3), follow(log, 0, 30, 2)]);
  for (const seen of followed) t.same(seen.map((e) => e.position), whole.map((e) => e.position), 'every event once, in order');
  t.same(followed[0]!.map((e) => e.id), whole.map((e) => e.id));
  // Five reads of 200 give the thousand events; the readers' last reads, at the end, find nothing new.
  t.ok(reads <= 10, `${reads} reads of the store for four readers of 1,000 events`);
});

t.test('a reader behind what is kept, and one ahead of it, read from the store and still see the log', async (t) => {
  const log = new SharedLog(store, 100, 200);
  t.same((await follow(log, 0, 50, 0)).length, 1000, 'the first reader, to the end');
  reads = 0;
  const behind = await log.read(whole[10]!.position, 50);
  t.same(behind.map((e) => e.position), whole.slice(11, 61).map((e) => e.position), 'behind the stretch kept: read for it alone');
  t.equal(reads, 1);
  const kept = await log.read(whole[900]!.position, 50);
  t.same(kept.map((e) => e.position), whole.slice(901, 951).map((e) => e.position), 'inside it: no read of the store');
  t.equal(reads, 1);
  const id = randomUUID();
  await store.append(`network-${id}`, [opened(id)], 'no_stream');
  const newer = await log.read(whole.at(-1)!.position, 50);
  t.same(newer.map((e) => e.type), ['network.NetworkOpened'], 'at its end: what was appended since');
});

t.test('a reader that joins a read begun before the append that woke it still finds that append', async (t) => {
  let answered!: () => void;
  const held = new Promise<void>((resolve) => (answered = resolve));
  let holding = true;
  // The store answers the first read only when told, with what it found when asked.
  class Late extends PostgresEventStore {
    override async readAll(options?: ReadAllOptions) {
      const found = await super.readAll(options);
      if (holding) {
        holding = false;
        await held;
      }
      return found;
    }
  }
  const log = new SharedLog(new Late(database.db, 'pglite'), 100, 1000);
  const head = await store.headPosition();
  const first = log.read(head, 50);
  await new Promise((r) => setTimeout(r, 50));
  const id = randomUUID();
  await store.append(`network-${id}`, [opened(id)], 'no_stream');
  const second = log.read(head, 50);
  answered();
  t.same(await first, [], 'the read begun before the append found nothing');
  t.same((await second).map((e) => e.streamId), [`network-${id}`], 'the reader woken by the append read again, and found it');
});

t.test('a follower at the head of the log lingers after a batch, and applies the writes that came meanwhile in one', async (t) => {
  const hearth = await testHearth(await freshPglite());
  t.teardown(() => hearth.close());
  const batches = (lingerMs: number) => {
    const sizes: number[] = [];
    const probe: Projection = { name: `linger_${lingerMs}`, tables: [], handles: ['network.NetworkRenamed'], applyBatch: async (_db, events) => void sizes.push(events.length) };
    return { sizes, engine: new ProjectionEngine(hearth.database.db, hearth.store, [probe], quietLog, { lingerMs, pollMs: 250 }) };
  };
  const id = randomUUID();
  await hearth.store.append(`network-${id}`, [opened(id)], 'no_stream');
  for (const lingerMs of [0, 400]) {
    const { sizes, engine } = batches(lingerMs);
    await engine.start();
    const head = await hearth.store.headPosition();
    t.ok(await engine.waitFor([`linger_${lingerMs}`], head, 5000));
    sizes.length = 0;
    // Six renames, 20 ms apart: the first is applied at once, the rest come while it lingers.
    for (let i = 0; i < 6; i++) {
      const revision = (await hearth.store.readStream(`network-${id}`)).length - 1;
      await hearth.store.append(`network-${id}`, [renamed(id, `Name ${lingerMs} ${i}`)], revision);
      await new Promise((r) => setTimeout(r, 20));
    }
    t.ok(await engine.waitFor([`linger_${lingerMs}`], await hearth.store.headPosition(), 5000));
    await engine.stop();
    t.equal(sizes.reduce((a, b) => a + b, 0), 6, `linger ${lingerMs} ms: every rename applied once`);
    if (lingerMs > 0) t.ok(sizes.length <= 3, `in ${sizes.length} transactions (${sizes.join(', ')})`);
    else t.comment(`without lingering: ${sizes.length} transactions (${sizes.join(', ')})`);
  }
});
