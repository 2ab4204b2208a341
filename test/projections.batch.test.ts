// A projection that applies whole batches must leave exactly the rows it leaves given the same
// events one at a time. The history is the demo's (loaded once for every test that starts from it),
// with limits set too, through the API.
import t, { type Test } from 'tap';
import { sql } from 'kysely';
import { freshPglite } from './support/db.ts';
import { demoHearth } from './support/demo.ts';
import { Ledger } from '../src/cli/ledger.ts';
import { createProjections } from '../projections/index.ts';
import { PersonalDataVault } from '../src/access/vault.ts';
import type { RecordedEvent } from '../src/eventstore/port.ts';
import type { Db } from '../src/db/database.ts';

const { hearth } = await demoHearth(t);
const ledger = await Ledger.over(hearth);
const { networkId } = (await ledger.call('GET', '/me', undefined, { token: await signIn() })).body.memberships[0];
await ledger.call('PUT', `/networks/${networkId}/timebank/limits`, { lowerMinutes: -900, upperMinutes: 6000, maxExchangeMinutes: 600, reason: 'A bigger time bank now' }, { token: await signIn() });
const history: RecordedEvent[] = [];
for (let batch; (batch = await ledger.hearth.store.readAll({ after: history.at(-1)?.position ?? 0, maxCount: 1000 })).length > 0; ) history.push(...batch);
await ledger.close();

async function signIn() {
  return (await ledger.call('POST', '/sessions', { email: 'coordinator@demo.hearth.example', password: 'kirkstall demo passphrase' })).body.token as string;
}

async function rows(db: Db, tables: readonly string[]) {
  const out: Record<string, unknown[]> = {};
  for (const table of tables) out[table] = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)} ORDER BY 1, 2, 3`.execute(db)).rows;
  return out;
}

/** What some projections' rows must say, worked out from the history without them. */
const oracles: Record<string, (t: Test, db: Db, handled: RecordedEvent[]) => Promise<void>> = {
  async event_type_counts(t, db, handled) {
    const counts = new Map<string, { type: string; count: number; last_position: number }>();
    for (const e of handled) counts.set(e.type, { type: e.type, count: (counts.get(e.type)?.count ?? 0) + 1, last_position: e.position });
    const stored = await db.selectFrom('event_type_counts').select(['type', 'count', 'last_position']).execute();
    // Sorted here on both sides: the database's collation need not be JavaScript's.
    const byType = (a: { type: string }, b: { type: string }) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0);
    t.same(stored.map((r) => ({ ...r, count: Number(r.count), last_position: Number(r.last_position) })).sort(byType), [...counts.values()].sort(byType), 'each type counted once');
  },
  async timebank(t, db, handled) {
    const balances = new Map<string, number>();
    for (const e of handled.filter((e) => e.type === 'timebank.Posted')) {
      const p = e.data as { networkId: string; holder: string; minutes: number };
      balances.set(`${p.networkId} ${p.holder}`, (balances.get(`${p.networkId} ${p.holder}`) ?? 0) + p.minutes);
    }
    t.ok(balances.size > 5, `${balances.size} accounts have postings`);
    const stored = await db.selectFrom('timebank_accounts').select(['network_id', 'holder', 'balance']).execute();
    t.same(new Map(stored.filter((r) => balances.has(`${r.network_id} ${r.holder}`)).map((r) => [`${r.network_id} ${r.holder}`, Number(r.balance)])), balances, 'every balance is the sum of its postings');
  },
};

for (const projection of createProjections({ vault: new PersonalDataVault({} as Db, Buffer.alloc(32)) }).filter((p) => p.applyBatch)) {
  t.test(`${projection.name}: batches leave the rows that single events leave`, async (t) => {
    const handled = history.filter((e) => projection.handles.includes(e.type));
    t.ok(handled.length > 20, `${handled.length} events it handles`);
    const one = await freshPglite();
    const many = await freshPglite();
    t.teardown(async () => { await one.close(); await many.close(); });
    for (const event of handled) await one.db.transaction().execute((trx) => projection.applyBatch!(trx, [event]));
    // Batches of every size from 1 to 40, so an event and the one it follows land together and apart.
    for (let i = 0, size = 1; i < handled.length; i += size, size = (size % 40) + 1) {
      await many.db.transaction().execute((trx) => projection.applyBatch!(trx, handled.slice(i, i + size)));
    }
    const expected = await rows(one.db, projection.tables);
    t.ok(Object.values(expected).some((r) => r.length > 0), 'the projection holds rows');
    t.same(await rows(many.db, projection.tables), expected);
    await oracles[projection.name]?.(t, many.db, handled);
  });
}
