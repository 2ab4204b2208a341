// Concurrent writers against the real PostgreSQL server while a live subscriber follows the log:
// the subscriber must see every event exactly once, each stream in revision order, even when
// writers hold their transactions open after appending and so commit late.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { freshPglite, freshPostgres, postgresAvailable } from './support/db.ts';
import { opened, renamed } from './support/events.ts';
import { PostgresEventStore } from '../src/eventstore/postgres.ts';
import { WrongExpectedRevision, type AppendResult, type RecordedEvent } from '../src/eventstore/port.ts';

const WRITERS = 8;
const APPENDS_PER_WRITER = 160;
const STREAMS = 24;

if (!(await postgresAvailable())) {
  t.comment('no PostgreSQL server answers: the race test needs one (CI always has it)');
  t.plan(0, 'PGlite is a single connection: racing it proves nothing');
} else {
  t.test('8 writers, 2,000+ events, one live subscriber: every event once, streams in order', async (t) => {
    const database = await freshPostgres({ max: WRITERS + 4 });
    t.teardown(() => database.close());
    const store = new PostgresEventStore(database.db, 'postgres', 5);
    const networks = Array.from({ length: STREAMS }, () => randomUUID());

    const controller = new AbortController();
    const seen: RecordedEvent[] = [];
    // A second store object, so the subscriber is woken only by polling, as one in another process would be.
    const follower = new PostgresEventStore(database.db, 'postgres', 2);
    const following = (async () => {
      for await (const e of follower.subscribeToAll({ signal: controller.signal })) seen.push(e);
    })();

    const written: string[] = [];
    let conflicts = 0;
    async function writer(w: number) {
      for (let i = 0; i < APPENDS_PER_WRITER; i++) {
        const n = (w * 7 + i * 13) % STREAMS;
        const networkId = networks[n]!;
        const streamId = `network-${networkId}`;
        for (;;) {
          const last = (await store.readStream(streamId, { direction: 'backwards', maxCount: 1 }))[0];
          const batch = last ? Array.from({ length: 1 + (i % 3) }, (_, k) => renamed(networkId, `w${w}-${i}-${k}`)) : [opened(networkId)];
          try {
            if (i % 4 === 0) {
              // Append inside a longer transaction that commits only after a pause.
              await database.db.transaction().execute(async (trx) => {
                await new PostgresEventStore(trx, 'postgres').append(streamId, batch, last ? last.revision : 'no_stream');
                await new Promise((r) => setTimeout(r, 1 + (i % 5)));
              });
            } else {
              await store.append(streamId, batch, last ? last.revision : 'no_stream');
            }
            written.push(...batch.map((e) => e.id));
            break;
          } catch (err) {
            if (!(err instanceof WrongExpectedRevision)) throw err;
            conflicts++;
          }
        }
      }
    }
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));

    const head = await store.headPosition();
    const deadline = Date.now() + 30_000;
    while (seen.length < head && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    await following;

    t.ok(written.length >= 2000, `${written.length} events written by ${WRITERS} writers (${conflicts} concurrency conflicts retried)`);
    t.equal(head, written.length, 'global positions are dense: one per event written');
    t.equal(seen.length, written.length, 'the subscriber saw as many events as were written');
    t.same(seen.map((e) => e.position), Array.from({ length: head }, (_, i) => i + 1), 'positions 1..head, each once, in order');
    const seenIds = new Set(seen.map((e) => e.id));
    t.equal(seenIds.size, seen.length, 'no event seen twice');
    t.ok(written.every((id) => seenIds.has(id)), 'every written event seen');
    const byStream = new Map<string, number[]>();
    for (const e of seen) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e.revision]);
    t.ok([...byStream.values()].every((revs) => revs.every((r, i) => r === i)), 'each stream seen in revision order 0, 1, 2, ...');
  });
}

if (await postgresAvailable()) {
  t.test('writers appending to pairs of streams in opposite orders never deadlock, and lose nothing', async (t) => {
    const database = await freshPostgres({ max: WRITERS + 2 });
    t.teardown(() => database.close());
    const store = new PostgresEventStore(database.db, 'postgres', 5);
    const networks = Array.from({ length: 4 }, () => randomUUID());
    for (const id of networks) await store.append(`network-${id}`, [opened(id)], 'no_stream');
    let conflicts = 0;
    let written = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (let i = 0; i < 40; i++) {
          const pair = [networks[(w + i) % 4]!, networks[(w + i + 1 + (w % 3)) % 4]!];
          if (pair[0] === pair[1]) continue;
          if (w % 2) pair.reverse();
          for (;;) {
            const revisions = await Promise.all(pair.map(async (id) => (await store.readStream(`network-${id}`, { direction: 'backwards', maxCount: 1 }))[0]!.revision));
            try {
              await store.appendMany(pair.map((id, k) => ({ streamId: `network-${id}`, events: [renamed(id, `w${w} i${i}`)], expected: revisions[k]! })));
              written += 2;
              break;
            } catch (err) {
              if (!(err instanceof WrongExpectedRevision)) throw err;
              conflicts++;
            }
          }
        }
      }),
    );
    const total = (await Promise.all(networks.map((id) => store.readStream(`network-${id}`)))).reduce((n, events) => {
      t.ok(events.every((e, i) => e.revision === i), 'revisions without gaps');
      return n + events.length;
    }, 0);
    t.equal(total, written + networks.length, `every write landed whole (${conflicts} conflicts retried, no deadlock)`);
    t.equal(await store.headPosition(), total, 'positions dense');
  });
}

// Group commit: commands arriving together are written in shared transactions, and each is still
// judged on its own. Run on PGlite too, where one connection makes every burst a batch.
for (const kind of ['pglite', 'postgres'] as const) {
  t.test(`a burst of commands through one ${kind} store: each judged alone, positions dense`, async (t) => {
    if (kind === 'postgres' && !(await postgresAvailable())) return t.plan(0, 'no PostgreSQL server');
    const database = kind === 'postgres' ? await freshPostgres({ max: 12 }) : await freshPglite();
    t.teardown(() => database.close());
    const store = new PostgresEventStore(database.db, kind, 5);
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const first = ids.map((id) => opened(id));
    for (const [i, id] of ids.entries()) await store.append(`network-${id}`, [first[i]!], 'no_stream');
    const fresh = Array.from({ length: 10 }, () => randomUUID());
    const doomed = [randomUUID(), randomUUID()];

    const burst = await Promise.allSettled([
      // Two commands race for each stream at the same revision: exactly one may land.
      ...ids.flatMap((id) => [store.append(`network-${id}`, [renamed(id, 'a')], 0), store.append(`network-${id}`, [renamed(id, 'b')], 0)]),
      // Retries of the first appends: recognised, nothing written.
      ...ids.slice(0, 5).map((id, i) => store.append(`network-${id}`, [first[i]!], 'no_stream')),
      // New streams, two events each.
      ...fresh.map((id) => store.append(`network-${id}`, [opened(id), renamed(id, 'x')], 'no_stream')),
      // Two streams at once, one expectation wrong: neither written.
      store.appendMany([
        { streamId: `network-${doomed[0]}`, events: [opened(doomed[0])], expected: 'no_stream' },
        { streamId: `network-${doomed[1]}`, events: [opened(doomed[1])], expected: 4 },
      ]),
    ]);

    const racing = burst.slice(0, ids.length * 2);
    for (let i = 0; i < ids.length; i++) {
      const pair = racing.slice(i * 2, i * 2 + 2);
      t.equal(pair.filter((r) => r.status === 'fulfilled').length, 1, `stream ${i}: one of two racing appends lands`);
      t.ok(pair.some((r) => r.status === 'rejected' && r.reason instanceof WrongExpectedRevision), `stream ${i}: the other is told the revision moved`);
    }
    const single = (r: PromiseSettledResult<unknown>) => (r.status === 'fulfilled' ? (r.value as AppendResult) : undefined);
    const retries = burst.slice(ids.length * 2, ids.length * 2 + 5).map(single);
    t.ok(retries.every((r) => r?.replayed && r.revision === 0), 'retries are replays, at the revision first written');
    const created = burst.slice(ids.length * 2 + 5, ids.length * 2 + 15).map(single);
    t.ok(created.every((r) => r?.revision === 1 && !r.replayed), 'new streams written whole');
    const mixed = burst.at(-1)!;
    t.ok(mixed.status === 'rejected' && mixed.reason instanceof WrongExpectedRevision && mixed.reason.streamId === `network-${doomed[1]}`, 'the failing expectation is named');
    t.same(await store.readStream(`network-${doomed[0]}`), [], 'and nothing of that command is written');

    const all = await store.readAll({ maxCount: 10_000 });
    t.equal(all.length, ids.length * 2 + fresh.length * 2, 'every landed event, once');
    t.same(all.map((e) => e.position), Array.from({ length: all.length }, (_, i) => i + 1), 'positions dense and in order');
  });
}
