// Streams' histories kept in memory: a read always sees everything stored, whoever appended it,
// and what it returns cannot be changed under the cache.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { freshPglite } from './support/db.ts';
import { opened, renamed } from './support/events.ts';
import { PostgresEventStore } from '../src/eventstore/postgres.ts';
import { CachingEventStore, withinUnitOfWork } from '../src/eventstore/cache.ts';
import type { ReadStreamOptions } from '../src/eventstore/port.ts';

const database = await freshPglite();
t.teardown(() => database.close());

/** The real store, noting from which revision each stream read asks. */
let asked: Array<number | undefined> = [];
class Counting extends PostgresEventStore {
  override readStream(id: string, o: ReadStreamOptions = {}) {
    asked.push(o.fromRevision);
    return super.readStream(id, o);
  }
}

t.test('reads see appends made through the cache and past it, in order, without gaps', async (t) => {
  const stored = new PostgresEventStore(database.db, 'pglite');
  const cached = new CachingEventStore(new Counting(database.db, 'pglite'));
  const id = randomUUID();
  const stream = `network-${id}`;
  t.same(await cached.readStream(stream), [], 'an unknown stream is empty');
  await cached.append(stream, [opened(id)], 'no_stream');
  await cached.append(stream, [renamed(id, 'one')], 0);
  t.same((await cached.readStream(stream)).map((e) => e.revision), [0, 1]);
  // Another process appends straight to the store.
  await stored.append(stream, [renamed(id, 'two'), renamed(id, 'three')], 1);
  asked = [];
  const events = await cached.readStream(stream);
  t.same(events.map((e) => (e.data as { name: string }).name), ['Chapel Allerton Good Neighbours', 'one', 'two', 'three']);
  t.same(asked, [2], 'only what came after the cached events was asked for');
  t.same(await cached.readStream(stream), await stored.readStream(stream), 'the same as reading the store');
  t.same(await cached.readStream(stream, { direction: 'backwards', maxCount: 1 }), [await stored.readStream(stream, { direction: 'backwards', maxCount: 1 })][0]);

  t.throws(() => {
    (events[1]!.data as { name: string }).name = 'changed';
  }, TypeError, 'cached events are frozen');
  events.push(events[0]!);
  t.equal((await cached.readStream(stream)).length, 4, 'changing the returned list does not change the cache');
});

t.test('a small cache drops the least recently read streams and stays correct', async (t) => {
  const cached = new CachingEventStore(new Counting(database.db, 'pglite'), 5);
  const ids = Array.from({ length: 4 }, () => randomUUID());
  for (const id of ids) await cached.append(`network-${id}`, [opened(id), renamed(id, 'a')], 'no_stream');
  for (let round = 0; round < 3; round++) {
    for (const id of ids) t.equal((await cached.readStream(`network-${id}`)).length, 2 + round);
    for (const id of ids) await cached.append(`network-${id}`, [renamed(id, `r${round}`)], 1 + round);
  }
  // Five events fit: one stream's worth now, so reading one drops the one read before.
  asked = [];
  for (const id of ids.slice(0, 2)) await cached.readStream(`network-${id}`);
  await cached.readStream(`network-${ids[1]}`);
  await cached.readStream(`network-${ids[0]}`);
  t.same(asked, [undefined, undefined, 5, undefined], 'a dropped stream is read whole again; a held one only from where it ended');
});

t.test("a read of a stream waits for this process's append to it under way, and no other stream's", async (t) => {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  class Held extends PostgresEventStore {
    override async appendMany(...args: Parameters<PostgresEventStore['appendMany']>) {
      await gate;
      return super.appendMany(...args);
    }
  }
  const cached = new CachingEventStore(new Held(database.db, 'pglite'));
  const [id, other] = [randomUUID(), randomUUID()];
  const appending = cached.append(`network-${id}`, [opened(id)], 'no_stream');
  const reading = cached.readStream(`network-${id}`);
  t.same(await cached.readStream(`network-${other}`), [], 'another stream is read at once');
  open();
  const [read] = await Promise.all([reading, appending]);
  t.same(read.map((e) => e.type), ['network.NetworkOpened'], 'the read saw the append it waited for');
  // A failed append holds nobody up: it is settled all the same.
  await t.rejects(cached.append(`network-${id}`, [renamed(id, 'late')], 'no_stream'));
  t.equal((await cached.readStream(`network-${id}`)).length, 1);
});

t.test('a unit of work asks the store for a stream once, until an append to it begins in this process', async (t) => {
  const stored = new PostgresEventStore(database.db, 'pglite');
  const cached = new CachingEventStore(new Counting(database.db, 'pglite'));
  const [id, other] = [randomUUID(), randomUUID()];
  const [stream, elsewhere] = [`network-${id}`, `network-${other}`];
  await cached.append(stream, [opened(id)], 'no_stream');
  asked = [];
  await cached.readStream(stream);
  await cached.readStream(stream);
  t.equal(asked.length, 2, 'outside a unit of work, every read asks the store');

  let readSoFar!: () => void;
  let goOn!: () => void;
  const [hasRead, mayGoOn] = [new Promise<void>((r) => (readSoFar = r)), new Promise<void>((r) => (goOn = r))];
  const unit = withinUnitOfWork(async () => {
    asked = [];
    t.equal((await cached.readStream(stream)).length, 1);
    t.same(await cached.readStream(elsewhere), [], 'an empty stream is read as empty');
    // Another process appends: the unit of work goes on with the stream as it found it, and the store refuses what it decides on it.
    await stored.append(stream, [renamed(id, 'elsewhere')], 0);
    t.equal((await cached.readStream(stream)).length, 1, 'read again, the stream is as the unit of work found it');
    t.equal((await cached.readStream(elsewhere)).length, 0);
    t.equal(asked.length, 2, 'each stream was asked of the store once');
    await t.rejects(cached.append(stream, [renamed(id, 'stale')], 0), { name: 'WrongExpectedRevision' }, 'a decision on what it read is checked by the store');
    t.same((await cached.readStream(stream)).map((e) => e.revision), [0, 1], 'after the append it lost, the next read asks the store');
    t.equal(asked.length, 3);
    readSoFar();
    await mayGoOn;
    t.equal((await cached.readStream(elsewhere)).length, 1, 'an append by another request in this process is seen');
    t.equal(asked.length, 4);
  });
  // Another request, a unit of work of its own, appends to a stream the first has read.
  await hasRead;
  await withinUnitOfWork(() => cached.append(elsewhere, [opened(other)], 'no_stream'));
  goOn();
  await unit;

  await withinUnitOfWork(async () => {
    asked = [];
    await cached.readStream(stream);
    t.equal(asked.length, 1, 'a new unit of work asks the store afresh');
  });
});
