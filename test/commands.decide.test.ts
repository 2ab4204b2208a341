// The one way to decide over several streams: states by name, events by name, the streams written
// held at the revision read, a retry of the same command written once, If-Match honoured by name.
// No command writes two streams at once any more, but decideAcross still can, on a store that
// commits several streams at once: shown here on one.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { decideAcross, PreconditionFailed, readStates, type CommandContext } from '../src/commands/decide.ts';
import { networkDecider, networkStream } from '../src/networks/network.ts';
import { Rejection } from '../src/commands/decider.ts';
import type { EventStore } from '../src/eventstore/port.ts';
import { freshPglite } from './support/db.ts';
import { bound, testHearth } from './support/hearth.ts';

const context = (commandId = randomUUID()): CommandContext => ({
  actor: randomUUID(),
  onBehalfOf: null,
  commandId,
  correlationId: randomUUID(),
  causationId: null,
  now: '2026-12-01T10:00:00.000Z',
});

const open = (networkId: string, name: string) =>
  networkDecider.decide({ type: 'OpenNetwork', networkId, name, kind: 'time_bank', openedBy: 'system:test', now: '2026-12-01T10:00:00.000Z' }, networkDecider.initialState);

const hearth = await testHearth(await freshPglite(), { EVENT_STORE_COMMITS: 'several-streams' });
t.teardown(() => hearth.close());
const { store } = hearth;

t.test('states by name, events by name, and what was written folded into the states', async (t) => {
  const [a, b] = [randomUUID(), randomUUID()];
  const reads = { first: [networkStream(a), networkDecider], second: [networkStream(b), networkDecider] } as const;
  const done = await decideAcross(store, reads, (s) => {
    t.equal(s.first.status, 'none');
    t.equal(s.second.status, 'none');
    return { first: open(a, 'Leeds'), second: open(b, 'Bradford') };
  }, context());
  t.equal(done.states.first.status === 'open' && done.states.first.name, 'Leeds');
  t.equal(done.states.second.status === 'open' && done.states.second.name, 'Bradford');
  t.same(done.revisions, { first: 0, second: 0 });
  t.equal(done.replayed, false);

  const after = await readStates(store, reads);
  t.equal(after.second.status === 'open' && after.second.name, 'Bradford', 'the store holds what was decided');
});

t.test('two names on one stream read it once, write it once, and both see the write', async (t) => {
  const a = randomUUID();
  const done = await decideAcross(store, { mine: [networkStream(a), networkDecider], theirs: [networkStream(a), networkDecider] } as const, () => ({ mine: open(a, 'Otley') }), context());
  t.same(done.revisions, { mine: 0, theirs: 0 });
  t.equal(done.states.theirs.status, 'open');
  t.equal((await store.readStream(networkStream(a))).length, 1);
});

t.test('the same command id again writes nothing and answers with what was written', async (t) => {
  const a = randomUUID();
  const ctx = context();
  const reads = { network: [networkStream(a), networkDecider] } as const;
  const first = await decideAcross(store, reads, () => ({ network: open(a, 'Ilkley') }), ctx);
  const again = await decideAcross(store, reads, () => ({ network: [{ type: 'network.NetworkRenamed' as const, data: { networkId: a, name: 'Other' } }] }), ctx);
  t.equal(again.replayed, true);
  t.equal(again.position, first.position);
  t.same(again.events.network?.map((e) => e.type), ['network.NetworkOpened']);
  t.equal((await store.readStream(networkStream(a))).length, 1);
});

t.test('If-Match names a stream: a stale revision fails before deciding, a current one goes through', async (t) => {
  const a = randomUUID();
  const reads = { network: [networkStream(a), networkDecider] } as const;
  await decideAcross(store, reads, () => ({ network: open(a, 'Wetherby') }), context());
  const rename = (name: string) => () => ({ network: networkDecider.decide({ type: 'RenameNetwork', networkId: a, name }, { status: 'open', networkId: a, name: 'x', kind: 'time_bank', requireDbsForSafeguarded: false }) });
  await t.rejects(decideAcross(store, reads, rename('Stale'), context(), { ifMatch: { stream: 'network', revision: 5 } }), PreconditionFailed);
  const done = await decideAcross(store, reads, rename('Current'), context(), { ifMatch: { stream: 'network', revision: 0 } });
  t.equal(done.revisions.network, 1);
  t.equal((await store.readStream(networkStream(a))).length, 2, 'the stale one wrote nothing');
});

t.test('commands of one process that lose a race on a stream wait their turn on it: forty renames at once, every one made', async (t) => {
  const a = randomUUID();
  const reads = { network: [networkStream(a), networkDecider] } as const;
  await decideAcross(store, reads, () => ({ network: open(a, 'Harrogate') }), context());
  let lost = 0;
  const counting: EventStore = new Proxy(store, {
    get: (target, key) =>
      key === 'appendMany'
        ? (writes: Parameters<EventStore['appendMany']>[0]) =>
            target.appendMany(writes).catch((err: unknown) => {
              lost++;
              throw err;
            })
        : bound(target, key),
  });
  const renames = Array.from({ length: 40 }, (_, i) =>
    decideAcross(counting, reads, (s) => ({ network: networkDecider.decide({ type: 'RenameNetwork', networkId: a, name: `Name ${i}` }, s.network) }), context()),
  );
  const outcomes = await Promise.allSettled(renames);
  t.same(outcomes.filter((o) => o.status === 'rejected'), [], 'none refused for want of a turn');
  t.equal((await store.readStream(networkStream(a))).length, 41, 'each written once');
  // Every command reads at once, one wins; each of the others loses once, then waits its turn.
  t.ok(lost <= 40, `${lost} appends lost a race`);
});

/**
 * A store on which another writer renames `renamed` just after a command has first read it, and
 * a decision that opens `written` naming what it saw of `renamed`.
 */
async function renamedAfterFirstRead(renamed: string) {
  const reads = { renamed: [networkStream(renamed), networkDecider] } as const;
  await decideAcross(store, reads, () => ({ renamed: open(renamed, 'Before') }), context());
  let interleaved = false;
  const racing: EventStore = new Proxy(store, {
    get: (target, key) =>
      key === 'readStream'
        ? async (...args: Parameters<EventStore['readStream']>) => {
            const events = await target.readStream(...args);
            if (!interleaved && args[0] === networkStream(renamed)) {
              interleaved = true;
              await decideAcross(target, reads, () => ({ renamed: [{ type: 'network.NetworkRenamed' as const, data: { networkId: renamed, name: 'After' } }] }), context());
            }
            return events;
          }
        : bound(target, key),
  });
  const seen: string[] = [];
  const openKnowing = (written: string) => (s: { renamed: typeof networkDecider.initialState }) => {
    const name = s.renamed.status === 'open' ? s.renamed.name : 'none';
    seen.push(name);
    return { written: open(written, `Opened knowing ${name}`) };
  };
  return { racing, seen, openKnowing };
}

t.test('a stream only read is not held: the command commits the one stream it writes, as decided on what it read', async (t) => {
  const [renamed, written] = [randomUUID(), randomUUID()];
  const { racing, seen, openKnowing } = await renamedAfterFirstRead(renamed);
  const appends: string[][] = [];
  const counting: EventStore = new Proxy(racing, {
    get: (target, key) => (key === 'appendMany' ? (writes: Parameters<EventStore['appendMany']>[0]) => (appends.push(writes.map((w) => w.streamId)), target.appendMany(writes)) : bound(target, key)),
  });
  const reads = { renamed: [networkStream(renamed), networkDecider], written: [networkStream(written), networkDecider] } as const;
  const done = await decideAcross(counting, reads, openKnowing(written), context());
  t.same(seen, ['Before'], 'decided once');
  t.same(appends, [[networkStream(written)]], 'one append, of the one stream written');
  t.equal(done.revisions.renamed, 0, 'the revision it read');
  t.equal(done.states.written.status === 'open' && done.states.written.name, 'Opened knowing Before');
});

t.test('a refusal is given only on states that still hold: a stream that moved meanwhile is read again', async (t) => {
  const [a, b] = [randomUUID(), randomUUID()];
  await decideAcross(store, { network: [networkStream(a), networkDecider] } as const, () => ({ network: open(a, 'Keighley') }), context());
  const reads = { first: [networkStream(a), networkDecider], second: [networkStream(b), networkDecider] } as const;
  // Another command opens the second network between this one's reads and its refusal; the real
  // store is used, and its reads wait for that write to land.
  let other: Promise<unknown> = Promise.resolve();
  const waiting: EventStore = new Proxy(store, {
    get: (target, key) => (key === 'readStream' ? async (...args: Parameters<EventStore['readStream']>) => (await other, target.readStream(...args)) : bound(target, key)),
  });
  const seen: string[] = [];
  const done = await decideAcross(waiting, reads, (s) => {
    seen.push(s.second.status);
    if (s.second.status === 'none') {
      if (seen.length === 1) other = decideAcross(store, { network: [networkStream(b), networkDecider] } as const, () => ({ network: open(b, 'Skipton') }), context());
      throw new Rejection('network-not-found', 'There is no such network.', 404);
    }
    return {};
  }, context());
  t.same(seen, ['none', 'open'], 'decided again on the states as they now are');
  t.equal(done.states.second.status, 'open');
  await t.rejects(
    decideAcross(store, { network: [networkStream(randomUUID()), networkDecider] } as const, () => {
      throw new Rejection('network-not-found', 'There is no such network.', 404);
    }, context()),
    { message: 'There is no such network.' },
    'a refusal on streams that did not move stands',
  );
});
