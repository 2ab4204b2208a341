// One contract, every adapter present: PGlite always, PostgreSQL when its server answers (always
// in CI), EventStoreDB when EVENTSTOREDB_URL is set.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { v7 as uuidv7 } from 'uuid';
import { backends, serverFirstBackend } from './support/db.ts';
import { metadata, opened, renamed } from './support/events.ts';
import { PostgresEventStore } from '../src/eventstore/postgres.ts';
import { EventStoreDbEventStore } from '../src/eventstore/eventstoredb.ts';
import { CheckedEventStore, EventRegistry, InvalidEventData, UnknownEventType, defineEvent } from '../src/eventstore/events.ts';
import { eventRegistry } from '../src/events.ts';
import { canonicalJson, eventHash } from '../src/eventstore/hash.ts';
import { UnsupportedByStore, WrongExpectedRevision, type EventStore, type RecordedEvent } from '../src/eventstore/port.ts';

interface Subject {
  name: string;
  /** Commits one stream at a time, as EventStoreDB does: an append to several is refused. */
  oneStream?: boolean;
  open(): Promise<{ store: EventStore; close(): Promise<void> }>;
}

const subjects: Subject[] = (await backends()).map((b) => ({
  name: b.name,
  async open() {
    const database = await b.open();
    const store = new CheckedEventStore(new PostgresEventStore(database.db, database.kind, 20), eventRegistry);
    return { store, close: () => database.close() };
  },
}));
// PostgreSQL with EventStoreDB's commit semantics, which stands in for it where no EventStoreDB runs.
const oneStream = await serverFirstBackend();
subjects.push({
  name: `${oneStream.name}, one stream at a time`,
  oneStream: true,
  async open() {
    const database = await oneStream.open();
    const store = new CheckedEventStore(new PostgresEventStore(database.db, database.kind, 20, undefined, true), eventRegistry);
    return { store, close: () => database.close() };
  },
});
if (process.env.EVENTSTOREDB_URL) {
  const url = process.env.EVENTSTOREDB_URL;
  subjects.push({
    name: 'eventstoredb',
    oneStream: true,
    async open() {
      const store = new CheckedEventStore(new EventStoreDbEventStore(url), eventRegistry);
      return { store, close: () => store.close() };
    },
  });
} else {
  t.comment('EVENTSTOREDB_URL is not set: the EventStoreDB adapter is not exercised in this run');
}

const stream = () => `network-${randomUUID()}`;

for (const subject of subjects) {
  t.test(`event store contract: ${subject.name}`, async (t) => {
    const { store, close } = await subject.open();
    t.teardown(close);

    t.test('appends to a new stream and reads it forwards and backwards', async (t) => {
      const s = stream();
      const id = randomUUID();
      const first = await store.append(s, [opened(id), renamed(id, 'B'), renamed(id, 'C')], 'no_stream');
      t.equal(first.revision, 2);
      t.equal(first.replayed, false);
      const forwards = await store.readStream(s);
      t.same(forwards.map((e) => e.revision), [0, 1, 2]);
      t.same(forwards.map((e) => (e.data as { name: string }).name), ['Chapel Allerton Good Neighbours', 'B', 'C']);
      t.equal(forwards.at(-1)!.position, first.position, 'the append reports the position of its last event');
      t.ok(forwards[0]!.position < forwards[1]!.position && forwards[1]!.position < forwards[2]!.position, 'positions increase');
      t.same((await store.readStream(s, { direction: 'backwards' })).map((e) => e.revision), [2, 1, 0]);
      t.same((await store.readStream(s, { fromRevision: 1, maxCount: 1 })).map((e) => e.revision), [1]);
      t.same((await store.readStream(s, { direction: 'backwards', fromRevision: 1 })).map((e) => e.revision), [1, 0]);
      t.same(await store.readStream(stream()), [], 'a stream that does not exist reads as empty');
      const [e] = forwards;
      t.equal(e!.streamId, s);
      t.equal(e!.schemaVersion, 2, 'the current version of network.NetworkOpened');
      t.match(e!.metadata, { actor: 'system:test', onBehalfOf: null, causationId: null });
    });

    t.test('data and metadata read back as written, so that a hash the writer took of them holds on read', async (t) => {
      const s = stream();
      const id = randomUUID();
      // Keys out of order, text beyond ASCII, nesting, nulls and whole numbers: what the hash's canonical JSON must meet again.
      const data = { name: 'Ŵrexham “Cymorth” 🌿', networkId: id, kind: 'time_bank', openedBy: 'system:test', openedAt: '2026-11-01T10:00:00.000Z' };
      const written = { ...opened(id), data, metadata: { ...metadata({ onBehalfOf: null }), hash: 'ab'.repeat(32) } };
      await store.append(s, [written], 'no_stream');
      const [read] = await store.readStream(s);
      t.equal(canonicalJson(read!.data), canonicalJson(data));
      t.equal(canonicalJson(read!.metadata), canonicalJson(written.metadata), 'the writer\'s hash kept in the metadata');
      t.equal(eventHash(null, read!), eventHash(null, { ...written, streamId: s, revision: 0 }), 'the same hash from what was read as from what was written');
      const [all] = (await store.readAll({ after: read!.position - 1, maxCount: 1 })).filter((e) => e.streamId === s);
      t.equal(canonicalJson(all?.metadata), canonicalJson(written.metadata), 'and so through the log');
    });

    t.test('expected revision: no_stream, stream_exists, exact and any', async (t) => {
      const s = stream();
      const id = randomUUID();
      await t.rejects(store.append(s, [renamed(id, 'x')], 'stream_exists'), WrongExpectedRevision);
      await t.rejects(store.append(s, [renamed(id, 'x')], 0), WrongExpectedRevision);
      await store.append(s, [opened(id)], 'no_stream');
      const error = await store.append(s, [renamed(id, 'x')], 'no_stream').catch((e: unknown) => e);
      t.type(error, WrongExpectedRevision);
      t.equal((error as WrongExpectedRevision).actual, 0, 'the error says where the stream is');
      await t.rejects(store.append(s, [renamed(id, 'x')], 5), WrongExpectedRevision);
      t.equal((await store.append(s, [renamed(id, 'y')], 0)).revision, 1);
      t.equal((await store.append(s, [renamed(id, 'z')], 'stream_exists')).revision, 2);
      t.equal((await store.append(s, [renamed(id, 'w')], 'any')).revision, 3);
      t.equal((await store.readStream(s)).length, 4, 'refused appends wrote nothing');
    });

    t.test('idempotent retries by event id', async (t) => {
      const s = stream();
      const id = randomUUID();
      const batch = [opened(id), renamed(id, 'B')];
      const first = await store.append(s, batch, 'no_stream');
      const again = await store.append(s, batch, 'no_stream');
      t.same(again, { ...first, replayed: subject.name === 'eventstoredb' ? again.replayed : true }, 'same ids at the same expected revision: same answer');
      const anyRetry = await store.append(s, batch, 'any');
      t.equal(anyRetry.revision, first.revision);
      t.equal(anyRetry.position, first.position);
      t.equal((await store.readStream(s)).length, 2, 'retries wrote nothing');

      const next = renamed(id, 'C');
      await t.rejects(store.append(s, [batch[1]!, next], 1), WrongExpectedRevision, 'a partial overlap is a concurrency error');
      t.equal((await store.readStream(s)).length, 2);
      await t.rejects(store.append(s, batch, 1), WrongExpectedRevision, 'the same ids at another revision are refused');

      const elsewhere = await store.append(stream(), [batch[0]!], 'no_stream');
      t.equal(elsewhere.revision, 0, 'event ids are unique per stream, not across streams');
    });

    t.test('reads all from a position, in order', async (t) => {
      const before = await store.headPosition();
      const s1 = stream();
      const s2 = stream();
      const a = randomUUID();
      const b = randomUUID();
      await store.append(s1, [opened(a)], 'no_stream');
      await store.append(s2, [opened(b), renamed(b, 'two')], 'no_stream');
      await store.append(s1, [renamed(a, 'one')], 0);
      const all = (await store.readAll({ after: before, maxCount: 100 })).filter((e) => e.streamId === s1 || e.streamId === s2);
      t.same(all.map((e) => [e.streamId, e.revision]), [[s1, 0], [s2, 0], [s2, 1], [s1, 1]]);
      const head = await store.headPosition();
      t.equal(head, all.at(-1)!.position, 'the head is the newest position');
      t.same(await store.readAll({ after: head }), [], 'nothing after the head');
      const limited = await store.readAll({ after: before, maxCount: 2 });
      t.equal(limited.length, 2);
      t.same(limited.map((e) => e.position), all.slice(0, 2).map((e) => e.position));
    });

    t.test('subscribes to all: catches up, then follows live appends', async (t) => {
      const from = await store.headPosition();
      const s = stream();
      const id = randomUUID();
      await store.append(s, [opened(id), renamed(id, 'one')], 'no_stream');
      const controller = new AbortController();
      const seen: RecordedEvent[] = [];
      const following = (async () => {
        for await (const e of store.subscribeToAll({ after: from, signal: controller.signal })) {
          if (e.streamId === s) seen.push(e);
          if (seen.length === 4) controller.abort();
        }
      })();
      await store.append(s, [renamed(id, 'two')], 1);
      await store.append(s, [renamed(id, 'three')], 2);
      const timer = setTimeout(() => controller.abort(), 10_000);
      await following;
      clearTimeout(timer);
      t.same(seen.map((e) => e.revision), [0, 1, 2, 3], 'every event, once, in order');
    });

    t.test('appends to several streams: all or nothing, each at its expected revision', async (t) => {
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      const streams = [a, b, c].map((id) => `network-${id}`);
      if (subject.oneStream) {
        const head = await store.headPosition();
        await t.rejects(store.appendMany(streams.map((s, i) => ({ streamId: s, events: [opened([a, b, c][i])], expected: 'no_stream' as const }))), UnsupportedByStore);
        t.equal(await store.headPosition(), head, 'nothing written');
        const [only] = await store.appendMany([{ streamId: streams[0]!, events: [opened(a)], expected: 'no_stream' }]);
        t.equal(only!.revision, 0, 'one stream alone is appended');
        return;
      }
      const first = [opened(a), opened(b), opened(c)];
      const results = await store.appendMany(streams.map((streamId, i) => ({ streamId, events: [first[i]!], expected: 'no_stream' as const })));
      t.same(results.map((r) => r.revision), [0, 0, 0]);
      t.ok(results[0]!.position < results[1]!.position && results[1]!.position < results[2]!.position, 'positions in the order of the writes');
      const again = await store.appendMany(streams.map((streamId, i) => ({ streamId, events: [first[i]!], expected: 'no_stream' as const })));
      t.same(again, results.map((r) => ({ ...r, replayed: true })), 'a retry of the whole write is recognised, nothing written');

      const before = await store.headPosition();
      const refused = await store
        .appendMany([
          { streamId: streams[0]!, events: [renamed(a, 'x')], expected: 0 },
          { streamId: streams[1]!, events: [renamed(b, 'x')], expected: 7 },
        ])
        .catch((e: unknown) => e);
      t.type(refused, WrongExpectedRevision);
      t.equal((refused as WrongExpectedRevision).streamId, streams[1], 'the error names the stream that was elsewhere');
      t.equal(await store.headPosition(), before, 'nothing written to any stream');

      const half = renamed(a, 'half');
      await store.append(streams[0]!, [half], 0);
      const partial = store.appendMany([
        { streamId: streams[0]!, events: [half], expected: 0 },
        { streamId: streams[1]!, events: [renamed(b, 'new')], expected: 0 },
      ]);
      await t.rejects(partial, WrongExpectedRevision, 'a retry found only half written is a concurrency error');
      t.same((await store.readStream(streams[1]!)).length, 1, 'and writes nothing');
    });

    t.test('data is checked against its schema on append, and nothing invalid is written', async (t) => {
      const s = stream();
      const bad = { ...opened(), data: { networkId: 'not-a-uuid', name: '', kind: 'time_bank', openedAt: 'yesterday' } };
      await t.rejects(store.append(s, [bad], 'no_stream'), InvalidEventData);
      await t.rejects(store.append(s, [{ ...opened(), type: 'network.Unheard' }], 'no_stream'), UnknownEventType);
      await t.rejects(store.append(s, [{ ...opened(), metadata: { ...metadata(), commandId: 'x' } }], 'no_stream'));
      t.same(await store.readStream(s), []);
    });
  });
}

t.test('old event versions are upcast on read, never rewritten', async (t) => {
  const [backend] = await backends();
  const database = await backend!.open();
  t.teardown(() => database.close());
  const raw = new PostgresEventStore(database.db, database.kind);
  const v1 = defineEvent('test.Visited', z.strictObject({ minutes: z.number().int() }));
  const v2 = defineEvent('test.Visited', z.strictObject({ minutes: z.number().int(), category: z.string() }), {
    version: 2,
    upcast: { 1: (data: { minutes: number }) => ({ ...data, category: 'befriending' }) },
  });
  await new CheckedEventStore(raw, new EventRegistry([v1])).append('visit-1', [{ ...opened(), type: 'test.Visited', data: { minutes: 60 } }], 'no_stream');
  const [read] = await new CheckedEventStore(raw, new EventRegistry([v2])).readStream('visit-1');
  t.equal(read!.schemaVersion, 2);
  t.same(read!.data, { minutes: 60, category: 'befriending' });
  const [stored] = await raw.readStream('visit-1');
  t.equal(stored!.schemaVersion, 1, 'the stored event keeps its version');
  t.same(stored!.data, { minutes: 60 });
  t.throws(() => new EventRegistry([defineEvent('test.Broken', z.object({}), { version: 2 })]), /no upcaster/);
  t.ok(uuidv7());
});
