// Moving in from TimeOverflow as it really exports: its "Download all" ZIP and its CSV reports,
// written here as its Ruby code writes them, imported through the HTTP API. Every balance is
// compared with one worked out here from the rows themselves; a later export in which a member has
// become inactive adds only what is new; differences with the members report are reported, and an
// opening adjustment settles them. On PGlite, and on PostgreSQL when it answers.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { openApp, send, signUp, written } from './support/http.ts';
import { freshPostgres, postgresAvailable } from './support/db.ts';
import { downloadAll, headers, hm, rubyCsv, type Cell } from './support/timeoverflow.ts';
import { matchTransfers, readMovingIn, type ImportedTransfer } from '../src/timebank/import.ts';
import { readStates } from '../src/commands/decide.ts';
import { postDecider, postStream } from '../src/timebank/post.ts';
import { v5 as uuidv5 } from 'uuid';

const ORGANISATION = 'Banco del Tiempo de Armley, Leeds (LS12)';

/** The members as TimeOverflow holds them; Raj leaves (inactive) before the second export. */
const people = [
  { n: 1, name: 'María José Núñez', email: 'mj@example.es', phone: '612 345 678', alt: '' },
  { n: 2, name: 'Pat (Sunny) Lee', email: 'pat@example.org', phone: '', alt: '' },
  { n: 3, name: 'Joan Smith', email: '', phone: '0113 496 0000', alt: '07700 900123' },
  { n: 4, name: 'Joan Smith', email: 'joan.smith@example.org', phone: '', alt: '' },
  { n: 5, name: 'Raj Patel', email: 'raj@example.org', phone: '', alt: '' },
];
type Party = number | 'org' | 'inactive' | 'deleted';
interface Row {
  at: string;
  from: Party;
  to: Party;
  post: string;
  minutes: number;
}
/** Oldest first here; TimeOverflow writes them newest first. */
const history: Row[] = [
  { at: '2024-01-10 09:00:00 UTC', from: 'org', to: 1, post: 'Bienvenida', minutes: 180 },
  { at: '2024-02-01 10:15:00 +0100', from: 1, to: 2, post: 'Lifts, to the "surgery"', minutes: 90 },
  { at: '2024-02-03 11:00:00 UTC', from: 3, to: 4, post: 'Jardinería', minutes: 45 },
  // Clicked twice: two identical rows, two transfers.
  { at: '2024-02-03 11:00:00 UTC', from: 3, to: 4, post: 'Jardinería', minutes: 45 },
  { at: '2024-03-01 12:00:00 UTC', from: 5, to: 1, post: 'Compras', minutes: 90 },
  { at: '2024-03-02 12:00:00 +0000', from: 'deleted', to: 3, post: 'Compras', minutes: 120 },
  { at: '2024-03-03 12:00:00 UTC', from: 2, to: 'org', post: '', minutes: 20 },
  { at: '2024-03-04 12:00:00 UTC', from: 'inactive', to: 'deleted', post: '', minutes: 60 },
  { at: '2024-03-05 08:00:00 UTC', from: 'org', to: 5, post: '', minutes: 600 },
];

/** Each member's balance, worked out from the rows alone: credited when "to", debited when "from". */
function balancesOf(rows: Row[]): Map<number, number> {
  const sums = new Map<number, number>(people.map((p) => [p.n, 0]));
  for (const r of rows) {
    if (typeof r.from === 'number') sums.set(r.from, sums.get(r.from)! - r.minutes);
    if (typeof r.to === 'number') sums.set(r.to, sums.get(r.to)! + r.minutes);
  }
  return sums;
}

function transfersCsv(lang: keyof typeof headers, rows: Row[], inactive: number[] = []): string {
  const h = headers[lang];
  const party = (p: Party): Cell => {
    if (p === 'org') return ORGANISATION;
    if (p === 'inactive' || inactive.includes(p as number)) return h.inactive;
    if (p === 'deleted') return h.deleted;
    const who = people.find((x) => x.n === p)!;
    return `${who.name} (${who.n})`;
  };
  return rubyCsv([h.transfers, ...[...rows].reverse().map((r) => [r.at, party(r.from), party(r.to), r.post, hm(r.minutes)])]);
}

function membersCsv(lang: 'en' | 'es', balances: Map<number, number>, adjust: Record<number, number> = {}): string {
  const h = headers[lang];
  return rubyCsv([
    h.members,
    ...people.map((p) => [p.n, p.name, p.email, p.phone, p.alt, '2023-11-01 10:00:00 UTC', null, lang, balances.get(p.n)! * 60 + (adjust[p.n] ?? 0)]),
  ]);
}

const offersCsv = rubyCsv([
  headers.es.offers,
  ['', 'Jardinería', '', '', ''],
  [12, 'Cortar el césped', 'jardín, exterior', 'Joan Smith (3)', '2024-01-05 10:00:00 UTC'],
  [15, 'Podar setos', '', 'Joan Smith (4)', '2024-01-06 10:00:00 UTC'],
  ['', 'Acompañamiento', '', '', ''],
  [18, 'Paseos por el parque', 'paseo', 'María José Núñez (1)', '2024-01-07 10:00:00 UTC'],
]);
const inquiriesCsv = rubyCsv([headers.es.inquiries, ['', '-', '', '', ''], [21, 'Ayuda con el ordenador', '', 'Pat (Sunny) Lee (2)', '2024-01-08 10:00:00 UTC']]);

t.test('reading: every layout recognised by its header, members matched by number', async (t) => {
  const data = readMovingIn([
    { name: 'Transfers_2025-03-05.csv', content: transfersCsv('es', history) },
    { name: 'Members_2025-03-05.csv', content: membersCsv('es', balancesOf(history)) },
    { name: 'Offers_2025-03-05.csv', content: offersCsv },
    { name: 'Inquiries_2025-03-05.csv', content: inquiriesCsv },
  ]);
  t.same(data.files.map((f) => f.report).sort(), ['members', 'offers', 'requests', 'transfers']);
  t.same([...data.members.keys()].sort(), ['1', '2', '3', '4', '5']);
  t.equal(data.members.get('2')!.name, 'Pat (Sunny) Lee', 'parentheses in a username');
  t.match(data.members.get('3'), { phone: '0113 496 0000', alternativePhone: '07700 900123' });
  t.equal(data.transfers.length, 8, 'the row between two former members apart');
  t.equal(data.withinFormerMembers.length, 1);
  const lift = data.transfers.find((x) => x.post.startsWith('Lifts'))!;
  t.match(lift, { at: '2024-02-01T09:15:00Z', occurredOn: '2024-02-01', minutes: 90, from: { number: '1' }, to: { number: '2' } }, '+0100 read as UTC');
  t.match(data.transfers.find((x) => x.minutes === 180), { from: { kind: 'organisation' }, to: { number: '1' } }, 'the organisation by its name, commas and all');
  t.match(data.transfers.find((x) => x.minutes === 120), { from: { kind: 'former' }, to: { number: '3' } });
  t.same(data.posts.map((p) => [p.kind, p.category, p.ownerNumber]), [['offer', 'Jardinería', '3'], ['offer', 'Jardinería', '4'], ['offer', 'Acompañamiento', '1'], ['request', 'Other', '2']]);
  // A request's file, in English, on its own.
  const en = readMovingIn([{ name: '', content: rubyCsv([headers.en.inquiries, ['', 'Garden', '', '', ''], [3, 'Weeding', '', 'Joan Smith (4)', '2024-01-08 10:00:00 +0100']]) }]);
  t.match(en.posts, [{ kind: 'request', ownerNumber: '4' }]);
});

t.test('reading: a third language, Basque, its sentences for former members and its headers as TimeOverflow writes them', async (t) => {
  const data = readMovingIn([{ name: '', content: transfersCsv('eu', history) }]);
  t.same(data.files.map((f) => f.report), ['transfers'], 'a quoted header with a comma in it');
  t.equal(data.transfers.length, 8);
  t.equal(data.withinFormerMembers.length, 1, 'the row between the two sentences apart');
  t.match(data.transfers.find((x) => x.minutes === 120), { from: { kind: 'former' }, to: { number: '3' } }, 'the deleted member, full stop and all');
  const posts = readMovingIn([{ name: '', content: rubyCsv([headers.eu.offers, ['', 'Lorezaintza', '', '', ''], [7, 'Belarra moztu', '', 'Joan Smith (3)', '2024-01-05 10:00:00 UTC']]) }]);
  t.match(posts.posts, [{ kind: 'offer', ownerNumber: '3' }], 'the model name with its trailing space');
});

t.test('matching a later export: the same transfer whoever has left since; several possible ones reported, not guessed', async (t) => {
  const prior: ImportedTransfer[] = [
    { at: '2024-01-01T10:00:00Z', minutes: 60, post: '0000000000000000', from: '7', to: '12', ref: randomUUID() },
    { at: '2024-01-02T10:00:00Z', minutes: 60, post: '0000000000000000', from: '7', to: '12', ref: randomUUID() },
    { at: '2024-01-02T10:00:00Z', minutes: 60, post: '0000000000000000', from: '8', to: '12', ref: randomUUID() },
  ];
  const row = (at: string, from: string, line: number) => ({
    file: 'Transfers.csv', line, at, occurredOn: at.slice(0, 10), minutes: 60, post: '', description: '',
    from: from === 'former' ? ({ kind: 'former' } as const) : ({ kind: 'member', number: from, name: 'x' } as const), to: { kind: 'member', number: '12', name: 'y' } as const,
  });
  // The digest of an empty post.
  const digest = (await import('node:crypto')).createHash('sha256').update('').digest('hex').slice(0, 16);
  for (const p of prior) p.post = digest;
  const m = matchTransfers(prior, [row('2024-01-01T10:00:00Z', 'former', 2), row('2024-01-02T10:00:00Z', 'former', 3), row('2024-01-02T10:00:00Z', 'former', 4), row('2024-01-02T10:00:00Z', 'former', 5), row('2024-01-03T10:00:00Z', '7', 6)]);
  t.same(m.already.map((x) => x.line).sort(), [2, 3, 4], 'member 7 left: still the same transfer');
  t.same(m.ambiguous.map((x) => x.line), [5], 'a third row where two transfers between different members were: reported');
  t.same(m.fresh.map((x) => x.line), [6]);
});

const backends: Array<[string, () => ReturnType<typeof openApp>]> = [['PGlite', () => openApp()]];
if (await postgresAvailable()) backends.push(['PostgreSQL', async () => openApp(await freshPostgres())]);

for (const [backend, open] of backends) {
  t.test(`moving in on ${backend}`, async (t) => {
    const { hearth, app, close } = await open();
    t.teardown(close);
    const coordinator = await signUp(app, 'Cath Coordinator');
    const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Armley Time Bank', kind: 'time_bank' }, coordinator.auth)).json().networkId;
    const base = `/api/v1/networks/${networkId}`;
    const upload = (body: Buffer | string, type: string, who = coordinator.auth) =>
      app.inject({ method: 'POST', url: `${base}/timebank/imports`, headers: { ...who, 'content-type': type, 'idempotency-key': randomUUID() }, payload: body });
    const get = async (url: string) => (await app.inject({ method: 'GET', url, headers: coordinator.auth })).json();

    const expected = balancesOf(history);
    // TimeOverflow deleted a transfer of 30 minutes to Pat, and Joan (4) holds half a minute more: the report says so.
    const zip = downloadAll('2025-03-05', { members: membersCsv('es', expected, { 2: -1800, 4: 30 }), transfers: transfersCsv('es', history), offers: offersCsv, inquiries: inquiriesCsv });

    const res = await upload(zip, 'application/zip');
    t.equal(res.statusCode, 201, res.body);
    const summary = res.json();
    t.match(summary, { members: 6, transfers: 8, alreadyImported: 0, withinFormerMembers: 1, ambiguous: [], posts: { published: 4, alreadyImported: 0 } });
    t.same(
      summary.balanceDifferences.map((d: { formerMemberNumber: string; expectedMinutes: number; importedMinutes: number }) => [d.formerMemberNumber, d.expectedMinutes, d.importedMinutes]),
      [['2', expected.get(2)! - 30, expected.get(2)!], ['4', expected.get(4)! + 1, expected.get(4)!]],
      'each difference, with the member number and both figures (half a minute rounds away from zero)',
    );

    const members = (await get(`${base}/members?after=${summary.position}`)).items as Array<{ personId: string; name: string; formerMemberNumber: string | null; status: string }>;
    const byNumber = new Map(members.filter((m) => m.formerMemberNumber).map((m) => [Number(m.formerMemberNumber), m]));
    t.same([...byNumber.keys()].sort(), [1, 2, 3, 4, 5], 'each keeps their member number');
    t.equal(byNumber.get(3)!.name, 'Joan Smith');
    t.equal(byNumber.get(4)!.name, 'Joan Smith', 'two members with one username stay two');
    t.equal(byNumber.get(1)!.name, 'María José Núñez');
    const csv = (await app.inject({ method: 'GET', url: `${base}/members.csv`, headers: coordinator.auth })).body;
    t.match(csv, /name,status,roles,former member number,has account,approved at\r\n/);
    t.match(csv, /Joan Smith,active,member,3,no,/, 'the member list CSV shows the number too');
    t.match(csv, /Joan Smith,active,member,4,no,/);
    const balanceOf = async (n: number, after = summary.position) => (await get(`${base}/timebank/accounts/${byNumber.get(n)!.personId}?after=${after}`)).balanceMinutes as number;
    for (const [n, minutes] of expected) t.equal(await balanceOf(n), minutes, `member ${n}: ${minutes} minutes, as the rows add up`);
    const { db } = hearth.database;
    const accounts = await db.selectFrom('timebank_accounts').select(['holder', 'balance']).where('network_id', '=', networkId).execute();
    t.equal(accounts.reduce((s, a) => s + Number(a.balance), 0), 0, 'the network sums to zero');
    t.equal(Number(accounts.find((a) => a.holder === 'organisation')!.balance), -180 + 20 - 600, "the organisation's own account");

    // Contact details are sealed with the person's key, never kept in clear.
    const stored = JSON.stringify(await hearth.store.readStream(`person-${byNumber.get(1)!.personId}`));
    t.notMatch(stored, /mj@example\.es|612 345 678|Núñez/, 'no personal data in clear in the events');

    // Offers and requests, in their categories, owned by the member whose number they carry.
    const rules = await get(`${base}/timebank/settings`);
    t.ok(['Jardinería', 'Acompañamiento', 'Other'].every((c) => rules.categories.some((x: { category: string }) => x.category === c)), 'the categories exist');
    const postId = uuidv5(`${networkId}/post/offer/15`, '6f1c9a52-3b8e-4d71-9a0e-2c5d8b7e4f13');
    const { post } = await readStates(hearth.store, { post: [postStream(postId), postDecider] as const });
    t.match(post, { status: 'open', post: { kind: 'offer', ownerId: byNumber.get(4)!.personId, category: 'Jardinería', title: 'Podar setos' } });

    // The same ZIP again adds nothing.
    const before = await written(hearth);
    const again = await upload(zip, 'application/zip');
    t.match(again.json(), { transfers: 8, alreadyImported: 8, posts: { published: 0, alreadyImported: 4 } });
    t.equal((await written(hearth)).events, before.events, 'no new events');

    // A later export, in English: Raj has since become inactive, and one transfer is new.
    const later = [...history, { at: '2024-04-01 09:30:00 UTC', from: 4, to: 1, post: 'Jardinería', minutes: 30 } as Row];
    const more = await upload(transfersCsv('en', later, [5]), 'text/csv');
    t.equal(more.statusCode, 201, more.body);
    t.match(more.json(), { transfers: 9, alreadyImported: 8, ambiguous: [] });
    t.equal(await balanceOf(5, more.json().position), expected.get(5)!, 'Raj keeps his balance: his transfers are not imported again');
    t.equal(await balanceOf(1, more.json().position), expected.get(1)! + 30);

    // The coordinator settles a difference with an opening adjustment, shown on the statement.
    const pat = byNumber.get(2)!.personId;
    const adjusted = await send(app, 'POST', `${base}/timebank/accounts/${pat}/opening-adjustments`, { minutes: -30, reason: 'TimeOverflow showed 30 minutes less' }, coordinator.auth);
    t.equal(adjusted.statusCode, 201, adjusted.body);
    t.equal(await balanceOf(2, adjusted.json().position), expected.get(2)! - 30, 'now as the old system showed');
    const statement = await get(`${base}/timebank/accounts/${pat}/statement?from=2024-01-01&to=2099-12-31&after=${adjusted.json().position}`);
    t.match(statement.entries.at(-1), { minutes: -30, reason: 'adjustment', description: 'TimeOverflow showed 30 minutes less' });

    // A bad line anywhere refuses everything, naming the file, the line and the column.
    const bad = downloadAll('2025-03-06', { members: membersCsv('es', expected), transfers: transfersCsv('es', history).replace('1:30', '1:75') });
    const beforeBad = await written(hearth);
    const refused = await upload(bad, 'application/zip');
    t.equal(refused.statusCode, 422);
    t.match(refused.json(), { type: '/problems/import-invalid', errors: [{ pointer: '/Transfers_2025-03-06.csv/6/Cantidad' }] });
    t.same(await written(hearth), beforeBad, 'nothing written');
  });
}
