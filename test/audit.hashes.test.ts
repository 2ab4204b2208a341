// The hashes writers keep, the same on every store: each event a command writes carries, in its
// metadata, a hash chained to the previous event of its stream, as src/eventstore/hash.ts
// documents; the check through the event store names an edit, a forged hash and a hash taken off;
// events written before hashes were kept are counted, and a later command chains from them; a
// signed digest of the log's chain of hashes shows what no stream's chain can.
import t, { type Test } from 'tap';
import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { backends, type Backend } from './support/db.ts';
import { opened, renamed } from './support/events.ts';
import { editData, forge, tamper } from './support/tamper.ts';
import { testHearth } from './support/hearth.ts';
import { decideAcross } from '../src/commands/decide.ts';
import { checkHashes, headsAt, storedLog } from '../src/audit/log-hashes.ts';
import { checkLogDigests, digestKey, logPointAt, recordLogDigest, recordLogDigestIfDue } from '../src/audit/log-digests.ts';
import { fixedClock } from '../src/clock.ts';
import type { Hearth } from '../src/hearth.ts';
import type { RecordedEvent } from '../src/eventstore/port.ts';

const stream = (id: string) => `network-${id}`;
const held = { initialState: null, evolve: () => null };

/** One command writing `events` to a network's stream, as every command writes. */
async function write(hearth: Hearth, networkId: string, events: Array<{ type: string; data: unknown }>) {
  const context = { actor: 'system:test', onBehalfOf: null, commandId: randomUUID(), correlationId: randomUUID(), causationId: null, now: new Date().toISOString() };
  return decideAcross(hearth.store, { network: [stream(networkId), held] as const }, () => ({ network: events as never[] }), context);
}

/** Network A opened and renamed in one command, then renamed twice more; B opened. */
async function history(t: Test, backend: Backend) {
  const hearth = await testHearth(await backend.open());
  t.teardown(() => hearth.close());
  const [a, b] = [randomUUID(), randomUUID()];
  await write(hearth, a, [opened(a, 'A'), renamed(a, 'A1')]);
  await write(hearth, b, [opened(b, 'B')]);
  await write(hearth, a, [renamed(a, 'A2')]);
  await write(hearth, a, [renamed(a, 'A3')]);
  return { hearth, db: hearth.database.db, a, b };
}

// The documented encoding, worked out here on its own: sorted keys, no spaces; each field's UTF-8 after its length in 4 bytes.
const sorted = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(sorted) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([k, x]) => [k, sorted(x)])) : v;
function documentedHash(previous: string | null, e: RecordedEvent): string {
  const { hash: _, ...metadata } = e.metadata;
  const hash = createHash('sha256').update(previous === null ? Buffer.alloc(0) : Buffer.from(previous, 'hex'));
  for (const text of [e.streamId, String(e.revision), e.id, e.type, String(e.schemaVersion), JSON.stringify(sorted(e.data)), JSON.stringify(sorted(metadata))]) {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  }
  return hash.digest('hex');
}

const positionOf = async (hearth: Hearth, streamId: string, revision: number) => (await hearth.store.readStream(streamId)).find((e) => e.revision === revision)!.position;

for (const backend of await backends()) {
  t.test(`the hashes writers keep, on ${backend.name}`, async (t) => {
    t.test('every event a command writes carries its hash, chained in its stream as documented', async (t) => {
      const { hearth } = await history(t, backend);
      const events = await storedLog(hearth.store).readAll();
      t.ok(events.length >= 5);
      const last = new Map<string, string>();
      for (const e of events) {
        t.equal(e.metadata.hash, documentedHash(last.get(e.streamId) ?? null, e), `${e.streamId} revision ${e.revision}`);
        last.set(e.streamId, e.metadata.hash!);
      }
      const check = await checkHashes(hearth.store);
      t.same(check, { events: events.length, streams: last.size, unhashed: 0, broken: [], gaps: [] }, 'a clean log has nothing to report');
    });

    t.test('an event edited in place is named by its stream and revision', async (t) => {
      const { hearth, db, a } = await history(t, backend);
      await editData(db, stream(a), 1, { networkId: a, name: 'Someone else' });
      t.same((await checkHashes(hearth.store)).broken, [{ streamId: stream(a), revision: 1, position: await positionOf(hearth, stream(a), 1) }]);
    });

    t.test('an edit that remakes its hash too shows at the next event of its stream', async (t) => {
      const { hearth, db, a } = await history(t, backend);
      await forge(db, stream(a), 1, { networkId: a, name: 'Someone else' });
      t.same((await checkHashes(hearth.store)).broken, [{ streamId: stream(a), revision: 2, position: await positionOf(hearth, stream(a), 2) }]);
    });

    t.test('a hash taken off an event is named there, as writers keep one from the first', async (t) => {
      const { hearth, db, a } = await history(t, backend);
      await tamper(db, (trx) => sql`UPDATE events SET metadata = metadata - 'hash' WHERE stream_id = ${stream(a)} AND stream_revision = 2`.execute(trx));
      t.match((await checkHashes(hearth.store)).broken, [{ streamId: stream(a), revision: 2 }]);
    });

    t.test('events written before hashes were kept are counted, not judged; the next command chains from them', async (t) => {
      const { hearth } = await history(t, backend);
      const old = randomUUID();
      // Written as a Hearth before this one wrote: straight to the store, with no hash.
      await storedLog(hearth.store).append(stream(old), [opened(old, 'Old'), renamed(old, 'Old 1')], 'no_stream');
      await write(hearth, old, [renamed(old, 'Old 2')]);
      const check = await checkHashes(hearth.store);
      t.equal(check.unhashed, 2);
      t.same(check.broken, []);
      const [newest] = await hearth.store.readStream(stream(old), { direction: 'backwards', maxCount: 1 });
      t.equal(newest!.metadata.hash, documentedHash(null, newest!), 'chained from nothing, as after a revision 0');
    });

    t.test("a signed digest of the log's chain: carried on from the one before, and showing a stream's last event forged", async (t) => {
      const { hearth, db, b } = await history(t, backend);
      const key = digestKey(hearth.secret);
      const deps = { store: hearth.store, db };
      const first = (await recordLogDigest(deps, key, fixedClock('2026-12-01T10:00:00Z')))!;
      t.equal(first.version, 2);
      t.equal(first.events, await hearth.store.headPosition());
      await write(hearth, b, [renamed(b, 'B1')]);
      const second = (await recordLogDigest(deps, key, fixedClock('2026-12-02T10:00:00Z')))!;
      const fromStart = (await headsAt(hearth.store, [second.position])).get(second.position)!;
      t.same([second.events, second.head], [fromStart.events, fromStart.head], 'carried on from the first, the same as read from the start');
      t.same(await logPointAt(deps, first.position), { position: first.position, events: first.events, head: first.head });

      t.same((await checkLogDigests(deps, [first, second], key.publicKey)).findings, []);
      // B's last event, forged with its hash remade: no stream's chain can show it.
      await forge(db, stream(b), 1, { networkId: b, name: 'B, forged' });
      t.same((await checkHashes(hearth.store)).broken, []);
      const check = await checkLogDigests(deps, [first, second], key.publicKey);
      t.equal(check.holdsUpTo, first.position, 'the first digest still holds');
      t.match(check.findings, [{ position: second.position, kind: 'differs', detail: new RegExp(`first change is in positions ${first.position + 1} to ${second.position}`) }]);
    });

    t.test('the first digest after an upgrade is taken at once, so that later ones carry on from it rather than read the whole log', async (t) => {
      const { hearth, db } = await history(t, backend);
      const key = digestKey(hearth.secret);
      const deps = { store: hearth.store, db };
      // A digest over PostgreSQL's own chain, as taken before writers kept hashes, an hour ago.
      await sql`INSERT INTO log_digests (position, events, head, recorded_at, public_key, signature) VALUES (1, 1, ${'00'.repeat(32)}, now() - interval '1 hour', ${key.publicKey}, ${'A'.repeat(86)})`.execute(db);
      const clock = fixedClock(new Date());
      const taken = await recordLogDigestIfDue(deps, key, clock);
      t.match(taken, { version: 2, position: await hearth.store.headPosition() });
      t.equal(await recordLogDigestIfDue(deps, key, clock), null, 'and then a day later, as before');
    });
  });
}
