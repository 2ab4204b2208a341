// The event log's hash chains and digests on PGlite and PostgreSQL: every event chained as
// migration 0009 says, edits named by stream and revision, and what only a digest can show.
import t, { type Test } from 'tap';
import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { backends, type Backend } from './support/db.ts';
import { metadata, opened, renamed } from './support/events.ts';
import { editData, forge, removeLastEvent, tamper } from './support/tamper.ts';
import { PostgresEventStore } from '../src/eventstore/postgres.ts';
import type { Database, Db } from '../src/db/database.ts';
import { brokenChains, digestUpTo } from '../src/audit/chain.ts';
import { checkDigests as checkClosings, isClosing } from '../src/audit/digests.ts';
import type { EventStore } from '../src/eventstore/port.ts';

const network = (id: string) => `network-${id}`;

/**
 * Three networks: A opened and renamed twice in one append; B opened together with A's third
 * rename; then several commands at once, which the store writes as one batch, C among them with
 * two events. Returns the streams and the raw store (which checks nothing, like SQL would not).
 */
async function history(database: Database) {
  const store = new PostgresEventStore(database.db, database.kind, 20);
  const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
  await store.append(network(a), [opened(a, 'A'), renamed(a, 'A1'), renamed(a, 'A2')], 'no_stream');
  await store.appendMany([
    { streamId: network(a), events: [renamed(a, 'A3')], expected: 2 },
    { streamId: network(b), events: [opened(b, 'B')], expected: 'no_stream' },
  ]);
  await Promise.all([
    store.append(network(c), [opened(c, 'C'), renamed(c, 'C1')], 'no_stream'),
    store.append(network(b), [renamed(b, 'B1')], 0),
    store.append(network(a), [renamed(a, 'A4')], 3),
    ...Array.from({ length: 4 }, () => {
      const id = randomUUID();
      return store.append(network(id), [opened(id, 'D')], 'no_stream');
    }),
  ]);
  return { store, a, b, c };
}

/** sha256 of the previous hash and each field's UTF-8 text after its length in 4 bytes, as 0009 documents, worked out here. */
async function expectedHashes(db: Db): Promise<Map<number, string>> {
  const { rows } = await sql<{ fields: string[]; revision: number; position: number; stream_id: string }>`
    SELECT ARRAY[global_position::text, stream_id, stream_revision::text, event_id::text, type, schema_version::text, data::text, metadata::text] AS fields,
           stream_revision AS revision, global_position AS position, stream_id
      FROM events ORDER BY stream_id, stream_revision`.execute(db);
  const hashes = new Map<number, string>();
  let previous = Buffer.alloc(0);
  for (const row of rows) {
    if (Number(row.revision) === 0) previous = Buffer.alloc(0);
    const hash = createHash('sha256').update(previous);
    for (const field of row.fields) {
      const bytes = Buffer.from(field, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      hash.update(length).update(bytes);
    }
    previous = hash.digest();
    hashes.set(Number(row.position), previous.toString('hex'));
  }
  return hashes;
}

async function storedHashes(db: Db): Promise<Buffer[]> {
  const { rows } = await sql<{ hash: Uint8Array }>`SELECT hash FROM events ORDER BY global_position`.execute(db);
  return rows.map((r) => Buffer.from(r.hash));
}

/** The digests recorded at closings, taken again, as audit verify takes them. */
const checkDigests = async (store: EventStore, db: Db) => checkClosings({ store, db }, (await store.readAll()).filter(isClosing));

function periodClosed(digest: { upToPosition: number; sha256: string }) {
  const data = { poolId: randomUUID(), periodEnd: '2026-03-31', closedBy: randomUUID(), closedOn: '2026-04-01', balancePence: 0, digest };
  return { id: uuidv7(), type: 'pools.PeriodClosed', schemaVersion: 1, data, metadata: metadata() };
}

async function fresh(t: Test, backend: Backend) {
  const database = await backend.open();
  t.teardown(() => database.close());
  return { database, db: database.db, ...(await history(database)) };
}

for (const backend of await backends()) {
  t.test(`hash chains on ${backend.name}`, async (t) => {
    t.test('every event is chained to the one before it in its stream, in one append and across batches', async (t) => {
      const { db, a } = await fresh(t, backend);
      const expected = await expectedHashes(db);
      const { rows } = await sql<{ position: number; hash: Uint8Array }>`SELECT global_position AS position, hash FROM events ORDER BY 1`.execute(db);
      t.equal(rows.length, 13);
      t.same(
        rows.map((r) => Buffer.from(r.hash).toString('hex')),
        rows.map((r) => expected.get(Number(r.position))),
        'each stored hash is the documented encoding, chained',
      );
      const positionsOfA = await sql<{ position: number }>`SELECT global_position AS position FROM events WHERE stream_id = ${network(a)} ORDER BY stream_revision`.execute(db);
      t.same(positionsOfA.rows.map((r) => Number(r.position)).slice(0, 3), [1, 2, 3], 'three events of A went in by one statement');
      t.same(await brokenChains(db), { events: 13, streams: 7, broken: [], gaps: [], missingPositions: [] }, 'a clean log has nothing to report');
    });

    t.test('an event edited in place is named by its stream and revision', async (t) => {
      const { db, a } = await fresh(t, backend);
      await editData(db, network(a), 1, { networkId: a, name: 'Someone else' });
      const check = await brokenChains(db);
      t.same(check.broken, [{ streamId: network(a), revision: 1, position: 2 }]);
      t.same([check.gaps, check.missingPositions], [[], []]);
    });

    t.test('an edit that rewrites the hash too shows at the next event of its stream', async (t) => {
      const { db, a } = await fresh(t, backend);
      await forge(db, network(a), 1, { networkId: a, name: 'Someone else' });
      t.same((await brokenChains(db)).broken, [{ streamId: network(a), revision: 2, position: 3 }]);
    });

    t.test("an edit of a stream's last event with its hash rewritten passes the chain; a digest shows it", async (t) => {
      const { db, store, c } = await fresh(t, backend);
      const head = await store.headPosition();
      await store.append(`pool-${randomUUID()}`, [periodClosed({ upToPosition: head, sha256: await digestUpTo(db, head) })], 'no_stream');
      t.same(await checkDigests(store, db), { checked: 1, notHere: 0, mismatches: [] });
      await forge(db, network(c), 1, { networkId: c, name: 'C, forged' });
      t.same((await brokenChains(db)).broken, [], 'the chain cannot see past the end of a stream');
      const { mismatches } = await checkDigests(store, db);
      t.equal(mismatches.length, 1);
      t.match(mismatches[0], { revision: 0, position: head + 1, upToPosition: head, reason: /no longer has the digest recorded/ });
    });

    t.test('a removed event leaves a gap; the last of a stream removed with its tracks covered, only a digest shows', async (t) => {
      const { db, store, a, b } = await fresh(t, backend);
      const head = await store.headPosition();
      await store.append(`pool-${randomUUID()}`, [periodClosed({ upToPosition: head, sha256: await digestUpTo(db, head) })], 'no_stream');
      const positionOf = async (stream: string, revision: number) =>
        Number((await sql<{ p: number }>`SELECT global_position AS p FROM events WHERE stream_id = ${stream} AND stream_revision = ${revision}`.execute(db)).rows[0]!.p);

      // Carelessly: a gap within A, and B's last event gone though its head says otherwise.
      const [a2, b1] = [await positionOf(network(a), 2), await positionOf(network(b), 1)];
      await tamper(db, (trx) => sql`DELETE FROM events WHERE global_position IN (${a2}, ${b1})`.execute(trx));
      const careless = await brokenChains(db);
      t.same(careless.broken, [], 'the event after a gap is not judged');
      t.same(careless.gaps, [
        { streamId: network(a), fromRevision: 2, toRevision: 2 },
        { streamId: network(b), fromRevision: 1, toRevision: 1 },
      ].sort((x, y) => x.streamId.localeCompare(y.streamId)));
      t.same(careless.missingPositions, [a2, b1].sort((x, y) => x - y).map((p) => ({ from: p, to: p })));
      t.equal((await checkDigests(store, db)).mismatches.length, 1);
    });

    t.test('the last event of a stream removed, positions renumbered and every hash remade: only a digest shows', async (t) => {
      const { db, store, b } = await fresh(t, backend);
      const head = await store.headPosition();
      await store.append(`pool-${randomUUID()}`, [periodClosed({ upToPosition: head, sha256: await digestUpTo(db, head) })], 'no_stream');
      await removeLastEvent(db, network(b));
      t.same(await brokenChains(db), { events: 13, streams: 8, broken: [], gaps: [], missingPositions: [] }, 'the chains, stream heads and positions all agree');
      const { mismatches } = await checkDigests(store, db);
      t.equal(mismatches.length, 1);
      t.match(mismatches[0], { upToPosition: head, reason: /no longer has the digest recorded$/ });
    });

    t.test('digests', async (t) => {
      const { db, store } = await fresh(t, backend);
      const head = await store.headPosition();
      const concatenated = Buffer.concat(await storedHashes(db));
      t.equal(await digestUpTo(db, head), createHash('sha256').update(concatenated).digest('hex'), 'sha256 over the hashes in position order');
      t.equal(await digestUpTo(db, 2), createHash('sha256').update(concatenated.subarray(0, 64)).digest('hex'));
      t.equal(await digestUpTo(db, 0), createHash('sha256').digest('hex'), 'nothing yet: the digest of nothing');
      await t.rejects(digestUpTo(db, head + 1), /holds 13 events up to position 14/, 'no digest of positions not yet written');
      await t.rejects(digestUpTo(db, 1.5), RangeError);

      const right = { upToPosition: 5, sha256: await digestUpTo(db, 5) };
      const wrong = { upToPosition: 6, sha256: right.sha256 };
      const pool = `pool-${randomUUID()}`;
      await store.append(pool, [periodClosed(right), periodClosed(wrong)], 'no_stream');
      await store.append(`pool-${randomUUID()}`, [{ ...periodClosed(right), data: { digest: 'gone' } }], 'no_stream');
      const check = await checkDigests(store, db);
      t.equal(check.checked, 3);
      t.match(check.mismatches, [
        { streamId: pool, revision: 1, position: head + 2, upToPosition: 6, reason: /up to position 6 no longer has the digest recorded$/ },
        { revision: 0, position: head + 3, upToPosition: null, reason: 'no digest recorded' },
      ]);
      t.equal(check.mismatches.length, 2);
    });
  });
}
