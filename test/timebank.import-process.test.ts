// An import's batches of transfers are processes: each begun on the network's import log with every
// posting it plans, its exchanges and accounts written one stream at a time, then ended. Here the
// store commits one stream at a time, as EventStoreDB does. A run stopped after any of its writes
// is finished once, by finishers racing and by the run retried; the sweeper finishes one nobody
// retries; two imports of one file at once write its transfers once.
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Writable } from 'node:stream';
import { openHearth, type Hearth } from '../src/hearth.ts';
import { Rejection } from '../src/commands/decider.ts';
import { domainEvents } from '../src/eventstore/events.ts';
import { accountStream, ORGANISATION } from '../src/timebank/account.ts';
import { BATCH, finishImports, importMovingIn, importStream, readMovingIn, unfinishedImports } from '../src/timebank/import.ts';
import { keepFinishing } from '../src/processes.ts';
import { freshPglite } from './support/db.ts';
import { bound, caughtUp, quietLog, testConfig } from './support/hearth.ts';
import { openNetwork } from './support/timebank.ts';

const hearth = await openHearth(testConfig(), quietLog, { database: await freshPglite() });
await hearth.engine.start();
t.teardown(() => hearth.close());

// Ten members, and transfers between them and with the organisation (ID 0), more than two batches' worth.
const MEMBERS = 10;
const header = 'Date,from,from ID,to,to ID,post,post ID,Reason,quantity';
const transfers = Array.from({ length: 2 * BATCH + 30 }, (_, i) => {
  const from = i % 7 === 0 ? 0 : 1 + (i % MEMBERS);
  const to = 1 + ((i * 3 + 1) % MEMBERS) === from ? 1 + ((i * 3 + 2) % MEMBERS) : 1 + ((i * 3 + 1) % MEMBERS);
  return { at: `2024-0${1 + (i % 9)}-1${i % 10} 10:${String(i % 60).padStart(2, '0')}:00 UTC`, from, to, quantity: [0.5, 1, 1.5, 2][i % 4]! };
});
const name = (n: number) => (n === 0 ? 'Moortown Time Bank' : `Member ${n} (${n})`);
const csv = [header, ...transfers.map((x, i) => `${x.at},${name(x.from)},${x.from},${name(x.to)},${x.to},Help at home,${i},Visit number ${i},${x.quantity}`)].join('\r\n') + '\r\n';
const movingIn = () => readMovingIn([{ name: '', content: csv }]);

/** What the rows add up to, in minutes, for each member and the organisation. */
const expected = new Map<number, number>();
for (const x of transfers) {
  expected.set(x.to, (expected.get(x.to) ?? 0) + x.quantity * 60);
  expected.set(x.from, (expected.get(x.from) ?? 0) - x.quantity * 60);
}

async function setting() {
  const coordinator = randomUUID();
  const networkId = await openNetwork(hearth, 'Moortown Time Bank', coordinator);
  const base = { actor: coordinator, onBehalfOf: null, correlationId: randomUUID(), causationId: null, now: new Date().toISOString() };
  return { networkId, base, importId: randomUUID() };
}

/** The member's person id, as the import derives it, found through their membership's member number. */
async function holders(networkId: string): Promise<Map<number, string>> {
  const rows = await hearth.database.db.selectFrom('memberships').select(['person_id', 'former_member_number']).where('network_id', '=', networkId).execute();
  return new Map([[0, ORGANISATION], ...rows.filter((r) => r.former_member_number !== null).map((r) => [Number(r.former_member_number), r.person_id] as const)]);
}

const typesIn = async (stream: string) => (await hearth.store.readStream(stream)).map((e) => e.type);
const balanceOf = async (networkId: string, holder: string) =>
  domainEvents(await hearth.store.readStream(accountStream(networkId, holder))).reduce((sum, e) => sum + (e.type === 'timebank.Posted' ? (e.data as { minutes: number }).minutes : 0), 0);

/** Every account as its postings add up, and as the read table shows it, equal to what the rows add up to; each exchange written once. */
async function checkBooks(t: Test, networkId: string) {
  await caughtUp(hearth);
  const people = await holders(networkId);
  const table = new Map((await hearth.database.db.selectFrom('timebank_accounts').select(['holder', 'balance']).where('network_id', '=', networkId).execute()).map((r) => [r.holder, Number(r.balance)]));
  for (const [n, minutes] of expected) {
    const holder = people.get(n)!;
    t.equal(await balanceOf(networkId, holder), minutes, `${n === 0 ? 'the organisation' : `member ${n}`}: ${minutes} minutes, posted once`);
    t.equal(table.get(holder), minutes, 'and so in the read table');
  }
  const exchanges = await hearth.database.db.selectFrom('timebank_exchanges').select(({ fn }) => fn.countAll<number>().as('n')).where('network_id', '=', networkId).executeTakeFirstOrThrow();
  t.equal(Number(exchanges.n), transfers.filter((x) => x.from !== 0 && x.to !== 0).length, 'each exchange between members logged once');
  const log = await typesIn(importStream(networkId));
  t.equal(log.filter((type) => type === 'timebank.ImportBatchBegun').length, 3, 'three batches begun');
  t.equal(log.filter((type) => type === 'timebank.ImportBatchEnded').length, 3, 'and each ended once');
  t.same(await unfinishedImports(hearth), [], 'nothing left in flight');
}

/** Hearth whose store takes every write until the import log's first, then `more`, then fails the rest. */
function stoppedAfterBegun(h: Hearth, more: number): Hearth {
  let left: number | undefined;
  const passes = (streams: string[]) => {
    if (left === undefined) {
      if (streams.some((s) => s.startsWith('timebank-import-'))) left = more;
      return true;
    }
    return left-- > 0;
  };
  const store = new Proxy(h.store, {
    get: (target, key) => {
      if (key === 'appendMany') return (writes: Parameters<Hearth['store']['appendMany']>[0]) => (passes(writes.map((w) => w.streamId)) ? target.appendMany(writes) : Promise.reject(new Error('stopped')));
      if (key === 'append') return (streamId: string, ...rest: [never, never]) => (passes([streamId]) ? target.append(streamId, ...rest) : Promise.reject(new Error('stopped')));
      return bound(target, key);
    },
  });
  return { ...h, store };
}

t.test('an import stopped after any of its writes is finished once, by two finishers at once and by the run retried', async (t) => {
  // After the first batch's beginning: nothing more; one exchange; every exchange and some accounts.
  for (const more of [0, 1, 90]) {
    await t.test(`stopped ${more} writes after the first batch began`, async (t) => {
      const { networkId, base, importId } = await setting();
      await t.rejects(importMovingIn(stoppedAfterBegun(hearth, more), networkId, movingIn(), base, { importId }), /stopped/);
      await caughtUp(hearth);
      t.same(await unfinishedImports(hearth), [networkId], 'seen in flight');
      const begun = (await typesIn(importStream(networkId))).filter((type) => type === 'timebank.ImportBatchBegun').length;
      t.ok(begun >= 1, 'begun');
      t.notOk((await typesIn(importStream(networkId))).includes('timebank.ImportBatchEnded'), 'none ended');
      await Promise.all([finishImports(hearth, networkId), finishImports(hearth, networkId)]);
      const again = await importMovingIn(hearth, networkId, movingIn(), base, { importId });
      t.match(again, { transfers: transfers.length, alreadyImported: Math.min(begun * BATCH, transfers.length), ambiguous: [] }, 'the retried run recognises the batches finished, and writes the rest');
      await checkBooks(t, networkId);
    });
  }
});

t.test('the sweeper finishes a batch that nobody runs again, and logs ids only', async (t) => {
  const { networkId, base, importId } = await setting();
  await t.rejects(importMovingIn(stoppedAfterBegun(hearth, 3), networkId, movingIn(), base, { importId }), /stopped/);
  const lines: string[] = [];
  const log = pino({ level: 'info' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
  const stop = keepFinishing({ ...hearth, log }, 100);
  const count = async (type: string) => (await typesIn(importStream(networkId))).filter((x) => x === type).length;
  for (let i = 0; i < 100 && (await count('timebank.ImportBatchEnded')) < (await count('timebank.ImportBatchBegun')); i++) await new Promise((r) => setTimeout(r, 50));
  await stop();
  const begun = await count('timebank.ImportBatchBegun');
  t.equal(await count('timebank.ImportBatchEnded'), begun, 'every batch begun has ended');
  t.match(lines.join(''), new RegExp(`"importNetworkId":"${networkId}"`), 'logged under the network id');
  t.notMatch(lines.join(''), /Member \d|Visit number/, 'no name or title');
  const rest = await importMovingIn(hearth, networkId, movingIn(), base, { importId: randomUUID() });
  t.match(rest, { alreadyImported: Math.min(begun * BATCH, transfers.length) }, 'a later run writes only the rest');
  await checkBooks(t, networkId);
});

t.test('two imports of one file at once: its transfers written once', async (t) => {
  const { networkId, base } = await setting();
  const runs = await Promise.allSettled([importMovingIn(hearth, networkId, movingIn(), base, { importId: randomUUID() }), importMovingIn(hearth, networkId, movingIn(), base, { importId: randomUUID() })]);
  for (const run of runs) {
    if (run.status === 'rejected') t.ok(run.reason instanceof Rejection && run.reason.type === 'import-concurrent' && run.reason.status === 409, 'the other is told to run again');
  }
  t.ok(runs.some((r) => r.status === 'fulfilled'), 'one of them imports');
  // Whatever the loser left, a run now writes what is missing and nothing twice.
  const after = await importMovingIn(hearth, networkId, movingIn(), base, { importId: randomUUID() });
  t.match(after, { alreadyImported: transfers.length, ambiguous: [] });
  await checkBooks(t, networkId);
});
