// Free text that names a person goes with them: after Philippa is erased, the description of an
// exchange she was party to, the reference of her Direct Payment and the bank line matched to it
// no longer read (on the PostgreSQL server where there is one, PGlite otherwise); other people's text still reads, and no event holds hers in clear.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { serverFirstBackend } from './support/db.ts';
import { testHearth } from './support/hearth.ts';
import { joined, send, signUp } from './support/http.ts';
import { buildApp } from '../src/http/app.ts';
import { ERASED_TEXT } from '../src/access/vault.ts';

const sorted = (texts: string[]) => [...texts].sort();
const hers = { description: 'Took Philippa to the GP', reference: 'DP QUIXOTIC', bankLine: 'QUIXOTIC P DIRECT PAYMENT' };
const theirs = { description: 'Weeded the front beds for Harold', reference: 'DP HAROLD', bankLine: 'HAROLD DIRECT PAYMENT' };

const backend = await serverFirstBackend();
t.test(`free text after erasure, on ${backend.name}`, async (t) => {
  const hearth = await testHearth(await backend.open());
  await hearth.engine.start();
  const app = await buildApp(hearth);
  t.teardown(async () => { await app.close(); await hearth.close(); });
  const ok = async (path: string, body: unknown, auth: Record<string, string>) => {
    const res = await send(app, 'POST', path, body, auth);
    if (res.statusCode >= 300) throw new Error(`${path}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const get = async (url: string, auth: Record<string, string>) => {
    await hearth.engine.waitFor(hearth.engine.projections.map((p) => p.name), await hearth.store.headPosition(), 10_000);
    const res = await app.inject({ method: 'GET', url, headers: auth });
    return res.headers['content-type']?.toString().startsWith('text/csv') ? res.body : res.json();
  };
  const coordinator = await signUp(app, 'Reg Coordinator');
  const today = new Date().toISOString().slice(0, 10);

  // A time bank: Philippa and Harold each have an exchange with Gwen.
  const timebankNetwork = `/api/v1/networks/${(await ok('/api/v1/networks', { name: 'Beeston Time Bank', kind: 'time_bank' }, coordinator.auth)).networkId}`;
  const timebank = `${timebankNetwork}/timebank`;
  const member = async (api: string, name: string) => (await ok(`${api}/members`, { name }, coordinator.auth)).personId as string;
  const [philippa, harold, gwen] = [await member(timebankNetwork, 'Philippa Quixote'), await member(timebankNetwork, 'Harold Lamb'), await member(timebankNetwork, 'Gwen Ashby')];
  const exchange = async (receiverId: string, description: string) =>
    (await ok(`${timebank}/exchanges`, { providerId: gwen, receiverId, minutes: 60, category: 'lifts', description, occurredOn: today }, coordinator.auth)).exchangeId as string;
  const [herExchange, hisExchange] = [await exchange(philippa, hers.description), await exchange(harold, theirs.description)];

  // A Neighbourhood Network's pool: each holder's Direct Payment, and the bank lines that show them.
  const networkId = (await ok('/api/v1/networks', { name: 'Armley Good Neighbours', kind: 'neighbourhood_network' }, coordinator.auth)).networkId as string;
  const network = `/api/v1/networks/${networkId}`;
  const treasurer = await joined(app, networkId, coordinator, 'Tess Treasurer', 'treasurer');
  const [holderPhilippa, holderHarold] = [await member(network, 'Philippa Quixote'), await member(network, 'Harold Lamb')];
  const pool = `${network}/pools/${(await ok(`${network}/pools`, { name: 'Lunch club', twoApproversAbovePence: 20_000 }, coordinator.auth)).poolId}`;
  await ok(`${pool}/receipts`, { source: 'contribution', holderId: holderPhilippa, pence: 15_000, reference: hers.reference, receivedOn: today }, treasurer.auth);
  await ok(`${pool}/receipts`, { source: 'contribution', holderId: holderHarold, pence: 12_000, reference: theirs.reference, receivedOn: today }, treasurer.auth);
  const imported = await app.inject({
    method: 'POST', url: `${pool}/bank-statements`, headers: { ...treasurer.auth, 'content-type': 'text/csv', 'idempotency-key': randomUUID() },
    payload: `Date,Description,Amount,Balance\n${today},${hers.bankLine},150.00,150.00\n${today},${theirs.bankLine},120.00,270.00\n`,
  });
  t.match(imported.json(), { imported: 2, matched: 2 }, 'both lines matched to the receipts they show, by reference');

  const read = async () => ({
    herExchange: (await get(`${timebank}/exchanges/${herExchange}`, coordinator.auth)).description,
    hisExchange: (await get(`${timebank}/exchanges/${hisExchange}`, coordinator.auth)).description,
    csv: (await get(`${timebank}/exchanges.csv`, coordinator.auth)) as string,
    ledger: (await get(`${pool}/ledger?from=${today}&to=${today}`, treasurer.auth)).lines.map((l: { reference: string }) => l.reference),
    lines: (await get(`${pool}/reconciliation`, treasurer.auth)).matched.map((l: { description: string }) => l.description),
  });
  const before = await read();
  t.same([before.herExchange, before.hisExchange], [hers.description, theirs.description], 'before erasure both descriptions read');
  t.ok(before.csv.includes(hers.description));
  t.same(sorted(before.ledger), sorted([hers.reference, theirs.reference]), 'both references read');
  t.same(sorted(before.lines), sorted([hers.bankLine, theirs.bankLine]), 'both bank lines read');

  const events = async () => (await sql<{ text: string }>`SELECT data::text AS text FROM events`.execute(hearth.database.db)).rows.map((r) => r.text).join('\n');
  const stored = await events();
  for (const text of [...Object.values(hers), ...Object.values(theirs)]) t.notOk(stored.includes(text), `"${text}" is in no event, even before erasure`);

  for (const personId of [philippa, holderPhilippa]) t.equal((await send(app, 'POST', `/api/v1/people/${personId}/erasure`, { confirm: true }, coordinator.auth)).statusCode, 200);
  const after = await read();
  t.equal(after.herExchange, ERASED_TEXT, "her exchange's description no longer reads");
  t.equal(after.hisExchange, theirs.description, "Harold's still does");
  t.notOk(after.csv.includes(hers.description), 'nor in the CSV');
  t.ok(after.csv.includes(theirs.description));
  t.same(sorted(after.ledger), sorted([ERASED_TEXT, theirs.reference]), 'her reference no longer reads; his does');
  t.same(sorted(after.lines), sorted([ERASED_TEXT, theirs.bankLine]), 'nor the bank line matched to her receipt; his does');

  for (const p of hearth.engine.projections) await hearth.engine.rebuild(p.name);
  t.equal((await read()).herExchange, ERASED_TEXT, 'a rebuild brings nothing back');
  const keys = await hearth.database.db.selectFrom('text_key_subjects').select('person_id').where('person_id', 'in', [philippa, holderPhilippa]).execute();
  t.same(keys, [], 'no key is linked to her any more');
});
