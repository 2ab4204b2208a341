// Moving in from TimeOverflow: its complete transfer report imported through the HTTP API on
// PGlite. Balances are checked against sums worked out here from the file itself.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { openApp, send, signUp, written } from './support/http.ts';
import { readMovingIn } from '../src/timebank/import.ts';

const readTransferReport = (content: string) => readMovingIn([{ name: '', content }]);
import { actFor } from '../src/access/guard.ts';

const { hearth, app, close } = await openApp();
t.teardown(close);

const coordinator = await signUp(app, 'Cath Coordinator');
const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Armley Time Bank', kind: 'time_bank' }, coordinator.auth)).json().networkId;
const base = `/api/v1/networks/${networkId}`;

// As TimeOverflow writes it: "from" is debited, "to" credited, the organisation is ID 0, quantities
// are decimal hours rounded to two places, and a departed member has no name or ID.
const header = 'Date,from,from ID,to,to ID,post,post ID,Reason,quantity';
const rows = [
  '2024-03-05 10:22:11 UTC,Joan Smith (12),12,Raj Patel (7),7,Lifts to the surgery,31,Tuesday appointment,1.5',
  '2024-03-09 15:00:00 UTC,Raj Patel (7),7,"Lee, Pat (3)",3,Gardening,44,,2',
  '2024-04-01 09:00:00 UTC,Armley Time Bank,0,Joan Smith (12),12,,,"Welcome hours, as agreed",3',
  '2024-04-02 11:30:00 UTC,Lee Pat (3),3,Armley Time Bank,0,,,Gift to the chest,0.33',
  '2024-05-20 14:00:00 UTC,deleted_user,deleted_user,Joan Smith (12),12,Shopping,52,,1',
  // Two identical rows are two transfers.
  '2024-06-01 10:00:00 UTC,Joan Smith (12),12,Raj Patel (7),7,Lifts to the surgery,31,,0.75',
  '2024-06-01 10:00:00 UTC,Joan Smith (12),12,Raj Patel (7),7,Lifts to the surgery,31,,0.75',
];
const csv = [header, ...rows].join('\r\n') + '\r\n';

const upload = (body: string, who = coordinator.auth, key = randomUUID()) =>
  app.inject({ method: 'POST', url: `${base}/timebank/imports`, headers: { ...who, 'content-type': 'text/csv', 'idempotency-key': key }, payload: body });

/** Each member's expected balance, from the file: credited when "to", debited when "from". */
function expectedBalances(text: string) {
  const report = readTransferReport(text);
  const sums = new Map<string, number>();
  const add = (party: { kind: string; number?: string }, m: number) => {
    const name = party.kind === 'organisation' ? 'chest' : party.kind === 'former' ? 'Former members (imported)' : report.members.get(party.number!)!.name;
    sums.set(name, (sums.get(name) ?? 0) + m);
  };
  for (const x of report.transfers) {
    add(x.to, x.minutes);
    add(x.from, -x.minutes);
  }
  return sums;
}

t.test('reading the export: parties, direction, minutes and names', async (t) => {
  const report = readTransferReport(csv);
  t.same([...report.members.values()].map((m) => m.name).sort(), ['Joan Smith', 'Lee, Pat', 'Raj Patel'], 'names without their old IDs');
  t.match(report.transfers[0], { occurredOn: '2024-03-05', to: { number: '7' }, from: { number: '12' }, minutes: 90, description: 'Lifts to the surgery: Tuesday appointment' });
  t.equal(report.transfers[3]!.minutes, 20, '0.33 h is 20 minutes');
  t.equal(report.transfers.length, 7, 'identical rows are two transfers');
  t.same(expectedBalances(csv).get('Joan Smith'), -90 + 180 + 60 - 45 - 45);
});

t.test('import, then every balance equals the sum of that member\'s transfers', async (t) => {
  const res = await upload(csv);
  t.equal(res.statusCode, 201, res.body);
  const summary = res.json();
  t.match(summary, { members: 4, transfers: 7, alreadyImported: 0, minutes: 90 + 120 + 180 + 20 + 60 + 45 + 45 });

  const members = (await app.inject({ method: 'GET', url: `${base}/members?after=${summary.position}`, headers: coordinator.auth })).json().items as Array<{ personId: string; name: string; status: string }>;
  const expected = expectedBalances(csv);
  for (const [name, minutes] of expected) {
    if (name === 'chest') continue;
    const member = members.find((m) => m.name === name);
    t.equal(member?.status, 'active', `${name} is an active member`);
    const account = (await app.inject({ method: 'GET', url: `${base}/timebank/accounts/${member!.personId}`, headers: coordinator.auth })).json();
    t.equal(account.balanceMinutes, minutes, `${name}: ${minutes} minutes`);
  }
  const { db } = hearth.database;
  const accounts = await db.selectFrom('timebank_accounts').select(['holder', 'balance']).where('network_id', '=', networkId).execute();
  t.equal(accounts.reduce((s, a) => s + Number(a.balance), 0), 0, 'the network sums to zero');
  t.equal(Number(accounts.find((a) => a.holder === 'organisation')!.balance), expected.get('chest'), "the network's own account holds the organisation's gifts less its grants, below zero");
  t.notOk(accounts.find((a) => a.holder === 'community'), 'the community chest is not the organisation');

  const joan = members.find((m) => m.name === 'Joan Smith')!;
  const statement = (await app.inject({ method: 'GET', url: `${base}/timebank/accounts/${joan.personId}/statement?from=2024-01-01&to=2024-12-31`, headers: coordinator.auth })).json();
  t.match(statement.entries[1], { date: '2024-04-01', minutes: 180, reason: 'grant' }, 'a grant keeps the date it was made');
  t.match(statement.entries[0], { date: '2024-03-05', minutes: -90, category: 'imported', description: 'Lifts to the surgery: Tuesday appointment' });

  // Moved in as members recorded by this time bank: their own stream says so, so its coordinator
  // reaches them (to act for them, export or erase) as any member recorded here.
  const joanStream = await hearth.store.readStream(`person-${joan.personId}`);
  t.same(joanStream.filter((e) => e.type === 'access.NetworkJoined').map((e) => (e.data as { networkId: string }).networkId), [networkId], 'joined this time bank, on her own stream');
  t.match(joanStream[0]!.data, { hasAccount: false, recordedIn: networkId });
  t.equal(await actFor(hearth, coordinator.personId, networkId, joan.personId), joan.personId, 'her coordinator may act for her');
});

t.test('importing the same export again adds nothing', async (t) => {
  const before = await written(hearth);
  const res = await upload(csv);
  t.equal(res.statusCode, 201);
  t.match(res.json(), { transfers: 7, alreadyImported: 7 });
  t.equal((await written(hearth)).events, before.events, 'no new events');

  // A later export holds the same rows and one more: only the new one is added.
  const later = csv + '2024-07-01 10:00:00 UTC,Raj Patel (7),7,Joan Smith (12),12,Shopping,52,,1\r\n';
  const more = await upload(later);
  t.match(more.json(), { transfers: 8, alreadyImported: 7 });
});

t.test('a row between two former members moves nothing, and is counted apart', async (t) => {
  const report = [header, '2024-08-01 10:00:00 UTC,deleted_user,deleted_user,inactive_user,inactive_user,,,,1', rows[0]].join('\n');
  t.same(readTransferReport(report).withinFormerMembers, [{ file: '', line: 2 }]);
  const res = await upload(report);
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { transfers: 1, withinFormerMembers: 1, alreadyImported: 1 }, 'the other row was imported before');
});

t.test('a bad row refuses the whole file, naming the line and column, and writes nothing', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['not hours', [header, rows[0], '2024-03-09 15:00:00 UTC,Raj Patel (7),7,Lee Pat (3),3,Gardening,44,,two'].join('\n'), '/3/quantity'],
    ['no time', [header, '2024-03-09 15:00:00 UTC,Raj Patel (7),7,Lee Pat (3),3,Gardening,44,,0'].join('\n'), '/2/quantity'],
    ['not a date', [header, 'yesterday,Raj Patel (7),7,Lee Pat (3),3,Gardening,44,,1'].join('\n'), '/2/date'],
    ['missing columns', [header, '2024-03-09,Raj Patel (7),7,Lee Pat (3)'].join('\n'), '/2/row'],
    ['oneself', [header, '2024-03-09,Raj Patel (7),7,Raj Patel (7),7,,,,1'].join('\n'), '/2/to ID'],
    ['other columns', 'when,who,minutes\n2024-03-09,Raj,60', '/1/header'],
  ];
  for (const [why, body, pointer] of cases) {
    const before = await written(hearth);
    const res = await upload(body);
    t.equal(res.statusCode, 422, why);
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.match(res.json(), { type: '/problems/import-invalid', errors: [{ pointer }] }, why);
    t.same(await written(hearth), before, `${why}: nothing written`);
  }
});

t.test('only a coordinator imports', async (t) => {
  const stranger = await signUp(app, 'Sam Stranger');
  const res = await upload(csv, stranger.auth);
  t.equal(res.statusCode, 403);
});
