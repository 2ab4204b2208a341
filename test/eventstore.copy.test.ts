// Moving the log to another store: a time bank's log on PGlite, written through the application
// and by raw appends, copied into a PostgreSQL server committing one stream at a time as
// EventStoreDB does. The copy is checked event by event, run again, interrupted and resumed,
// stopped by a target that holds another event, and checked by verify; then the two commands as
// an operator runs them, whose output names no one.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { CopyConflict, copyLog, verifyCopy } from '../src/eventstore/copy.ts';
import { PostgresEventStore } from '../src/eventstore/postgres.ts';
import type { EventStore, NewEvent, RecordedEvent } from '../src/eventstore/port.ts';
import { confirmExchange, logExchange } from '../src/timebank/app.ts';
import type { Database } from '../src/db/database.ts';
import { commandOn } from './support/cli.ts';
import { freshPglite, freshPostgres, postgresAvailable } from './support/db.ts';
import { metadata, opened, renamed } from './support/events.ts';
import { bound, signedUp, testHearth } from './support/hearth.ts';
import { callerFor, enrol, openNetwork } from './support/timebank.ts';

const networkName = 'Meanwood Valley Time Bank';
const memberName = 'Philippa Ogunleye-Hartley';
const memberEmail = `philippa.${randomUUID().slice(0, 8)}@example.org`;

// The source: a time bank with two members who log and confirm exchanges, through the application.
const hearth = await testHearth(await freshPglite());
t.teardown(() => hearth.close());
const coordinator = randomUUID();
const networkId = await openNetwork(hearth, networkName, coordinator);
const philippa = await enrol(hearth, networkId, await signedUp(hearth, { name: memberName, email: memberEmail }));
const bert = await enrol(hearth, networkId, randomUUID());
for (const [provider, receiver] of [[philippa, bert], [bert, philippa], [philippa, bert]] as const) {
  const { exchangeId } = await logExchange(hearth, callerFor(provider), { networkId, providerId: provider, receiverId: receiver, minutes: 90, category: 'gardening', description: 'Weeding the allotment', occurredOn: '2026-12-01' });
  await confirmExchange(hearth, callerFor(receiver), { networkId, exchangeId });
}

// Then raw appends: one command's three events in one stream, one command across two streams,
// and a stream written last, in two commands, whose second event the tests below stand in for.
const source = new PostgresEventStore(hearth.database.db, hearth.database.kind);
const sameCommand = (events: NewEvent[]) => {
  const shared = metadata();
  return events.map((e) => ({ ...e, metadata: shared }));
};
const raw = randomUUID();
await source.append(`network-${raw}`, sameCommand([opened(raw), renamed(raw, 'Moortown Neighbours'), renamed(raw, 'Moortown Good Neighbours')]), 'no_stream');
const [left, right] = [randomUUID(), randomUUID()];
const [l0, r0] = sameCommand([opened(left), opened(right)]);
await source.appendMany([
  { streamId: `network-${left}`, events: [l0!], expected: 'no_stream' },
  { streamId: `network-${right}`, events: [r0!], expected: 'no_stream' },
]);
await source.append(`network-${raw}`, [renamed(raw, 'Moortown Time Bank')], 2);
const last = randomUUID();
const lastStream = `network-${last}`;
await source.append(lastStream, [opened(last)], 'no_stream');
await source.append(lastStream, [renamed(last, 'Adel Good Neighbours')], 0);
const lastEvent = (await source.readStream(lastStream)).at(-1)!;

/** All of a log, in its order: positions aside, what a copy must keep. */
async function logOf(store: EventStore): Promise<Array<Omit<RecordedEvent, 'position'>>> {
  const out: RecordedEvent[] = [];
  for (let page = await store.readAll({ after: 0, maxCount: 100 }); page.length > 0; page = await store.readAll({ after: page.at(-1)!.position, maxCount: 100 })) out.push(...page);
  return out.map(({ position: _, ...event }) => event);
}

/** A target that fails, as a lost connection would, when asked to append what `fails` picks. */
function failing(store: EventStore, fails: (streamId: string, events: NewEvent[], appends: number) => boolean): EventStore {
  let appends = 0;
  return new Proxy(store, {
    get(target, property) {
      if (property === 'append') {
        return async (streamId: string, events: NewEvent[], expected: Parameters<EventStore['append']>[2]) => {
          if (fails(streamId, events, ++appends)) throw new Error('connection lost');
          return target.append(streamId, events, expected);
        };
      }
      return bound(target, property);
    },
  });
}

const sourceLog = await logOf(source);

if (!(await postgresAvailable())) {
  t.plan(0, 'needs a PostgreSQL server to copy into');
} else {
  /** A fresh database on the server, with the event store committing one stream at a time. */
  const oneStreamTarget = async (): Promise<{ database: Database; store: EventStore }> => {
    const database = await freshPostgres({ max: 4 });
    t.teardown(() => database.close());
    return { database, store: new PostgresEventStore(database.db, database.kind, undefined, undefined, true) };
  };

  t.test('a copy keeps every event, in order, and running it again writes nothing', async (t) => {
    const { store: target } = await oneStreamTarget();
    const progress: Array<[number, number | undefined]> = [];
    const done = await copyLog(source, target, { pageSize: 10, onProgress: (at, head) => progress.push([at, head]) });
    t.match(done, { events: sourceLog.length, copied: sourceLog.length, alreadyThere: 0, head: await source.headPosition() });
    t.ok(sourceLog.length >= 25, `${sourceLog.length} events, from the application and raw appends`);
    t.same(progress.at(-1), [done.head, done.head], 'the last progress is the head');
    t.same(await logOf(target), sourceLog, 'every stream, revision, id, type, schema version, data and metadata, in the same order');
    t.same(await verifyCopy(source, target), { sourceEvents: sourceLog.length, targetEvents: sourceLog.length, differing: 0, differences: [] }, 'verify finds them the same');

    const head = await target.headPosition();
    const again = await copyLog(source, target, { pageSize: 7 });
    t.match(again, { events: sourceLog.length, copied: 0, alreadyThere: sourceLog.length }, 'run again, all there already');
    t.equal(await target.headPosition(), head, 'nothing new in the target');

    await target.append(`network-${randomUUID()}`, [opened()], 'no_stream');
    const extra = await verifyCopy(source, target);
    t.equal(extra.differing, 1, 'an event the target has more makes a difference');
    t.match(extra.differences, [{ event: sourceLog.length + 1, kind: 'extra', fields: [] }]);
  });

  t.test('a copy that fails midway, run again, ends the same as one that did not', async (t) => {
    const { store: target } = await oneStreamTarget();
    // Read one event a page, the three-event command is cut after its first, and fails there.
    const [, second] = await source.readStream(`network-${raw}`);
    await t.rejects(copyLog(source, failing(target, (_stream, events) => events[0]!.id === second!.id), { pageSize: 1 }), /connection lost/);
    const partway = await logOf(target);
    t.ok(partway.length > 0 && partway.length < sourceLog.length, `${partway.length} of ${sourceLog.length} events copied before it failed`);
    t.same(partway, sourceLog.slice(0, partway.length), 'what was copied is the start of the log');
    t.equal(partway.at(-1)!.id, sourceLog.find((e) => e.streamId === `network-${raw}`)!.id, 'the command half copied');
    // Read in whole pages now, the command's write holds an event the target has and two it has not.
    const resumed = await copyLog(source, target);
    t.match(resumed, { copied: sourceLog.length - partway.length, alreadyThere: partway.length });
    t.same(await logOf(target), sourceLog, 'the whole log, each event once, in order');
    t.equal((await verifyCopy(source, target)).differing, 0);
  });

  t.test('another event where the source has one stops the copy there, and verify names it', async (t) => {
    const { store: target } = await oneStreamTarget();
    await t.rejects(copyLog(source, failing(target, (_stream, events) => events[0]!.id === lastEvent.id)), /connection lost/);
    const foreign = renamed(last, 'Cookridge Time Bank');
    await target.append(lastStream, [foreign], 0);
    const stopped = await copyLog(source, target).catch((err: unknown) => err);
    t.type(stopped, CopyConflict);
    t.match(stopped, { streamId: lastStream, revision: 1, message: `the target's stream ${lastStream} holds another event at revision 1: the copy stopped there` });

    const report = await verifyCopy(source, target);
    t.same(report, {
      sourceEvents: sourceLog.length,
      targetEvents: sourceLog.length,
      differing: 1,
      differences: [{ event: sourceLog.length, streamId: lastStream, revision: 1, eventId: lastEvent.id, kind: 'differs', fields: ['id', 'data', 'metadata'] }],
    });
  });

  t.test('hearth eventstore copy and verify, as an operator runs them', async (t) => {
    const run = commandOn(hearth);
    const { database, store: target } = await oneStreamTarget();
    const to = database.connectionString!;
    const said: string[] = [];
    const ran = async (...args: string[]) => {
      const r = await run(...args);
      said.push(r.stdout, r.stderr);
      return r;
    };

    const copied = await ran('eventstore', 'copy', '--to', to);
    t.equal(copied.status, 0, copied.stderr);
    t.match(copied.stdout, new RegExp(`^Copied the log up to position \\d+, ${sourceLog.length} events \\(${sourceLog.length} written now, 0 there already\\), in [\\d.]+ s\\.`));
    t.match(copied.stderr, /Copying the log, position: \d+ of \d+ \(100%\)/, 'progress, on the error lines');
    t.same(await logOf(target), sourceLog);

    const verified = await ran('eventstore', 'verify', '--to', to);
    t.equal(verified.status, 0, verified.stderr);
    t.match(verified.stdout, `The target holds the source's ${sourceLog.length} events, in the same order, and nothing more.`);

    const again = await ran('eventstore', 'copy', '--to', to);
    t.equal(again.status, 0, again.stderr);
    t.match(again.stdout, `(0 written now, ${sourceLog.length} there already)`);

    // The target's copy of an exchange's stream, given another event after it: the copy cannot
    // tell it from a later write, verify can.
    const exchange = sourceLog.find((e) => e.streamId.startsWith('exchange-'))!;
    const tail = (await target.readStream(exchange.streamId, { direction: 'backwards', maxCount: 1 }))[0]!;
    await target.append(exchange.streamId, [{ ...tail, id: uuidv7(), metadata: metadata() }], tail.revision);
    const differs = await ran('eventstore', 'verify', '--to', to);
    t.equal(differs.status, 1);
    t.match(differs.stdout, `The target differs from the source at 1 event (the source holds ${sourceLog.length}, the target ${sourceLog.length + 1}):`);
    t.match(differs.stdout, new RegExp(`event ${sourceLog.length + 1}: stream ${exchange.streamId}, revision ${tail.revision + 1}, id \\S+: in the target only`));

    const conflicting = await oneStreamTarget();
    await conflicting.store.append(lastStream, [opened(last, 'Alwoodley Good Neighbours')], 'no_stream');
    const stopped = await ran('eventstore', 'copy', '--to', conflicting.database.connectionString!);
    t.equal(stopped.status, 1);
    t.match(stopped.stderr, `Stopped: the target's stream ${lastStream} holds another event at revision 0`);
    const named = await ran('eventstore', 'verify', '--to', conflicting.database.connectionString!);
    t.equal(named.status, 1);
    t.match(named.stdout, /event 1: stream network-\S+, revision 0, id \S+: streamId, id, data, metadata differ/);

    for (const args of [['eventstore', 'copy'], ['eventstore', 'verify', '--to', 'http://example.org/'], ['eventstore', 'copy', '--to', 'esdb://']]) {
      const usage = await ran(...args);
      t.equal(usage.status, 2, args.join(' '));
      t.match(usage.stderr, /^--to: give the event store/);
    }
    t.equal((await ran('eventstore', 'move', '--to', to)).status, 2);

    const output = said.join('');
    for (const secret of [memberName, memberEmail, networkName, 'Weeding the allotment', 'Adel Good Neighbours', to]) {
      t.notOk(output.includes(secret), `the output does not hold ${secret === to ? 'the connection string' : secret}`);
    }
  });
}
