// Hearth committing one stream at a time (EVENT_STORE_COMMITS=one-stream), as it would with the
// events in EventStoreDB: a command that writes one stream, whatever it reads, works; a network is
// opened and joined, a member recorded offline and a coordinator steps down, each write to one
// stream; an exchange is confirmed and reversed, gifts made and taken back, care confirmed and
// banked hours pledged, pool payments approved, an import's transfers written, as processes, one
// stream at a time.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { joined, openApp, send, signUp } from './support/http.ts';
import { freshPglite } from './support/db.ts';
import { importStream } from '../src/timebank/import.ts';

const { hearth, app, close } = await openApp(await freshPglite(), { EVENT_STORE_COMMITS: 'one-stream' });
t.teardown(close);

const coordinator = await signUp(app, 'Cora Coordinator');
const opened = await send(app, 'POST', '/api/v1/networks', { name: 'Headingley Time Bank', kind: 'time_bank' }, coordinator.auth);
const networkId = opened.json().networkId as string;
const base = `/api/v1/networks/${networkId}`;
const ann = await joined(app, networkId, coordinator, 'Ann Giver');
const bob = await joined(app, networkId, coordinator, 'Bob Receiver');
const at = (res: { json(): { position: number } }) => `?after=${res.json().position}`;

t.test('a network is opened with its founder as coordinator, and members join by invitation and by request', async (t) => {
  t.equal(opened.statusCode, 201, 'opened: the founder enrolled, then the network, each a write of its own');
  const members = (await app.inject({ method: 'GET', url: `${base}/members${at(opened)}`, headers: coordinator.auth })).json().items as Array<{ personId: string; roles: string[]; status: string }>;
  t.match(members.find((m) => m.personId === coordinator.personId), { status: 'active', roles: ['member', 'coordinator'] });
  t.equal(members.filter((m) => m.status === 'active').length, 3, 'Ann and Bob joined by invitation');
  const dee = await signUp(app, 'Dee Asker');
  t.equal((await send(app, 'POST', `${base}/join-requests`, undefined, dee.auth)).statusCode, 202);
  const approved = await send(app, 'POST', `${base}/members/${dee.personId}/approval`, { roles: ['member'] }, coordinator.auth);
  t.equal(approved.statusCode, 200, 'approved: the person\'s stream names the network first, then the membership');
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/me${at(approved)}`, headers: dee.auth })).json().memberships[0].status, 'active');
});

t.test('a coordinator records a member who is not online', async (t) => {
  const res = await send(app, 'POST', `${base}/members`, { name: 'Edna Offline' }, coordinator.auth);
  t.equal(res.statusCode, 201, 'the person registered, then enrolled');
  const members = (await app.inject({ method: 'GET', url: `${base}/members${at(res)}`, headers: coordinator.auth })).json().items as Array<{ personId: string; name: string; hasAccount: boolean }>;
  t.match(members.find((m) => m.personId === res.json().personId), { name: 'Edna Offline', hasAccount: false });
});

t.test('an exchange is logged, confirmed and reversed, one stream at a time', async (t) => {
  const tb = `/api/v1/networks/${networkId}/timebank`;
  const logged = await send(app, 'POST', `${tb}/exchanges`, { providerId: ann.personId, receiverId: bob.personId, minutes: 60, category: 'gardening', description: 'Weeding', occurredOn: '2026-11-30' }, ann.auth);
  t.equal(logged.statusCode, 201, 'logged: it reads both accounts and the rules, and writes the exchange alone');
  const exchangeId = logged.json().exchangeId as string;
  const confirmed = await send(app, 'POST', `${tb}/exchanges/${exchangeId}/confirmation`, undefined, bob.auth);
  t.equal(confirmed.statusCode, 200, 'confirmed: begun on the exchange, each account posted in a write of its own');
  const balance = async (personId: string, auth: { authorization: string }, after: number) =>
    (await app.inject({ method: 'GET', url: `${tb}/accounts/${personId}?after=${after}`, headers: auth })).json().balanceMinutes as number;
  t.equal(await balance(ann.personId, ann.auth, confirmed.json().position), 60);
  t.equal(await balance(bob.personId, bob.auth, confirmed.json().position), -60);
  const reversed = await send(app, 'POST', `${tb}/exchanges/${exchangeId}/reversal`, { reason: 'Logged twice' }, coordinator.auth);
  t.equal(reversed.statusCode, 200, 'reversed the same way');
  t.equal(await balance(ann.personId, ann.auth, reversed.json().position), 0);
  t.equal(await balance(bob.personId, bob.auth, reversed.json().position), 0);
});

t.test('gifts to and from the community chest and the network\'s account, and their reversal, one account at a time', async (t) => {
  const tb = `/api/v1/networks/${networkId}/timebank`;
  const balance = async (holder: string, after: number) =>
    ((await app.inject({ method: 'GET', url: `${tb}/network-accounts?after=${after}`, headers: coordinator.auth })).json().accounts as Array<{ holder: string; balanceMinutes: number }>).find((a) => a.holder === holder)?.balanceMinutes;
  const donated = await send(app, 'POST', `${tb}/chest/donations`, { minutes: 30 }, ann.auth);
  t.equal(donated.statusCode, 201, 'donated: begun on the gift, then the member, then the chest');
  t.equal(await balance('community', donated.json().position), 30);
  const granted = await send(app, 'POST', `${tb}/chest/grants`, { personId: bob.personId, minutes: 20 }, coordinator.auth);
  t.equal(granted.statusCode, 201, 'granted: the chest first, then the member');
  t.equal(await balance('community', granted.json().position), 10);
  const overdrawn = await send(app, 'POST', `${tb}/chest/grants`, { personId: bob.personId, minutes: 20 }, coordinator.auth);
  t.equal(overdrawn.json().type, '/problems/limit-reached', 'the chest never below zero');
  const adjusted = await send(app, 'POST', `${tb}/accounts/${bob.personId}/opening-adjustments`, { minutes: 45, reason: 'As the paper ledger showed' }, coordinator.auth);
  t.equal(adjusted.statusCode, 201, 'an opening adjustment, the member then the organisation');
  t.equal(await balance('organisation', adjusted.json().position), -45);
  const grant = (await hearth.store.readStream(`account-${networkId}-community`)).find((e) => (e.data as { reason: string }).reason === 'grant')!;
  const reversed = await send(app, 'POST', `${tb}/gifts/${(grant.data as { ref: string }).ref}/reversal`, { reason: 'Granted by mistake' }, coordinator.auth);
  t.equal(reversed.statusCode, 200, 'a grant taken back');
  t.equal(await balance('community', reversed.json().position), 30);
});

t.test('care is confirmed as a process, and banked hours are pledged and given to the pool one bank at a time', async (t) => {
  const opened = await send(app, 'POST', '/api/v1/networks', { name: 'Wharfedale Care Bank', kind: 'care_bank_scheme' }, coordinator.auth);
  const careBank = opened.json().networkId as string;
  const member = async (name: string, dateOfBirth: string) => {
    const p = await signUp(app, name, { dateOfBirth });
    await send(app, 'POST', `/api/v1/networks/${careBank}/invitations`, { personId: p.personId }, coordinator.auth);
    await send(app, 'POST', `/api/v1/networks/${careBank}/invitations/acceptance`, undefined, p.auth);
    return p;
  };
  const vic = await member('Vic Volunteer', '1990-05-01');
  const edna = await member('Edna Elder', '1938-02-11');
  const cb = `/api/v1/networks/${careBank}/carebank`;
  const logged = await send(app, 'POST', `${cb}/care`, { volunteerId: vic.personId, recipientId: edna.personId, minutes: 90, activity: 'befriending', occurredOn: '2026-12-01' }, vic.auth);
  t.equal(logged.statusCode, 201, 'logging care writes the care alone');
  const confirmed = await send(app, 'POST', `${cb}/care/${logged.json().careId}/confirmation`, undefined, edna.auth);
  t.equal(confirmed.statusCode, 200, 'confirmed: begun on the care record, the volunteer\'s bank written on its own, then the end');
  const account = await app.inject({ method: 'GET', url: `${cb}/accounts/${vic.personId}?after=${confirmed.json().position}`, headers: vic.auth });
  t.equal(account.json().balanceMinutes, 90, 'banked');
  const pledged = await send(app, 'POST', `${cb}/pledges`, { relativeId: edna.personId, minutes: 30 }, vic.auth);
  t.equal(pledged.statusCode, 201, 'pledged: the giver\'s bank written, then the relative\'s');
  const donated = await send(app, 'POST', `${cb}/pool-donations`, { minutes: 15 }, vic.auth);
  t.equal(donated.statusCode, 201, 'given to the pool the same way');
  const after = `?after=${donated.json().position}`;
  t.equal((await app.inject({ method: 'GET', url: `${cb}/accounts/${vic.personId}${after}`, headers: vic.auth })).json().balanceMinutes, 45);
  t.equal((await app.inject({ method: 'GET', url: `${cb}/accounts/${edna.personId}${after}`, headers: edna.auth })).json().balanceMinutes, 30, 'the relative received the pledge');
});

t.test('a pool payment and a transfer are approved as processes, one pool at a time', async (t) => {
  const network = (await send(app, 'POST', '/api/v1/networks', { name: 'Armley Good Neighbours', kind: 'neighbourhood_network' }, coordinator.auth)).json().networkId as string;
  const api = `/api/v1/networks/${network}`;
  const board = await joined(app, network, coordinator, 'Bert Board', 'board');
  const treasurer = await joined(app, network, coordinator, 'Tess Treasurer', 'treasurer');
  const ok = async (path: string, body: unknown, who = coordinator) => {
    const res = await send(app, 'POST', path, body, who.auth);
    t.ok(res.statusCode < 300, `${path}: ${res.statusCode}`);
    return res.json();
  };
  const lunchClub = (await ok(`${api}/pools`, { name: 'Lunch club', twoApproversAbovePence: 20_000 })).poolId as string;
  const outings = (await ok(`${api}/pools`, { name: 'Outings', twoApproversAbovePence: 20_000 })).poolId as string;
  const pool = `${api}/pools/${lunchClub}`;
  const today = new Date().toISOString().slice(0, 10);
  await ok(`${pool}/receipts`, { source: 'council', pence: 20_000, reference: 'Leeds CC', receivedOn: today }, treasurer);
  const edna = (await ok(`${api}/members`, { name: 'Edna Firth' })).personId as string;
  const { paymentId } = await ok(`${pool}/payments`, { payee: 'Kirkstall Kitchen CIC', purpose: 'Lunches', invoiceReference: 'INV-1', pence: 6_000, beneficiaries: [{ holderId: edna, pence: 6_000 }], submittedOn: today });
  const paid = await send(app, 'POST', `${pool}/payments/${paymentId}/approval`, undefined, board.auth);
  t.equal(paid.statusCode, 200, 'approved: begun on the payment, paid by the pool, ended on the payment');
  const transfer = await ok(`${pool}/transfers`, { toPoolId: outings, pence: 4_000, reason: 'Outings need it more', submittedOn: today }, treasurer);
  const moved = await send(app, 'POST', `${pool}/payments/${transfer.paymentId}/approval`, undefined, board.auth);
  t.equal(moved.statusCode, 200, 'a transfer: out of one pool, then into the other');
  const balance = async (poolId: string) => (await app.inject({ method: 'GET', url: `${api}/pools/${poolId}?after=${moved.json().position}`, headers: treasurer.auth })).json().balance.pence;
  t.equal(await balance(lunchClub), 10_000);
  t.equal(await balance(outings), 4_000);
});

t.test("an import of a time bank's transfers: its members recorded, then each batch begun on the import log, each exchange and account written in turn, and ended", async (t) => {
  const csv = [
    'Date,from,from ID,to,to ID,post,post ID,Reason,quantity',
    '2024-03-05 10:22:11 UTC,Joan Smith (12),12,Raj Patel (7),7,Lifts to the surgery,31,Tuesday appointment,1.5',
    '2024-04-01 09:00:00 UTC,Headingley Time Bank,0,Joan Smith (12),12,,,Welcome hours,2',
  ].join('\r\n') + '\r\n';
  const upload = () => app.inject({ method: 'POST', url: `${base}/timebank/imports`, headers: { ...coordinator.auth, 'content-type': 'text/csv', 'idempotency-key': randomUUID() }, payload: csv });
  const res = await upload();
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { members: 2, transfers: 2, alreadyImported: 0 });
  t.same((await hearth.store.readStream(importStream(networkId))).map((e) => e.type), ['timebank.ImportBatchBegun', 'timebank.ImportBatchEnded'], 'one batch, begun and ended');
  const members = (await app.inject({ method: 'GET', url: `${base}/members?after=${res.json().position}`, headers: coordinator.auth })).json().items as Array<{ personId: string; name: string; status: string }>;
  const idOf = (name: string) => members.find((m) => m.name === name)!.personId;
  const balance = async (personId: string) => (await app.inject({ method: 'GET', url: `${base}/timebank/accounts/${personId}?after=${res.json().position}`, headers: coordinator.auth })).json().balanceMinutes;
  t.equal(await balance(idOf('Joan Smith')), -90 + 120, 'Joan: an hour and a half given to Raj, two hours granted');
  t.equal(await balance(idOf('Raj Patel')), 90);
  t.match((await upload()).json(), { transfers: 2, alreadyImported: 2 }, 'the same file again adds nothing');
});

t.test('a command that writes the network\'s stream alone still works', async (t) => {
  const res = await send(app, 'PUT', `/api/v1/networks/${networkId}/help-contact`, { helpContact: 'Ring Cora on 0113 496 0001' }, coordinator.auth);
  t.equal(res.statusCode, 200);
  t.ok(res.json().position > 0);
});

t.test('the last coordinator cannot step down; with another, they can', async (t) => {
  const stepDown = () => send(app, 'PUT', `${base}/members/${coordinator.personId}/roles`, { roles: ['member'], reason: 'stepping back' }, coordinator.auth);
  const refused = await stepDown();
  t.equal(refused.statusCode, 409);
  t.equal(refused.json().type, '/problems/last-coordinator');
  const made = await send(app, 'PUT', `${base}/members/${ann.personId}/roles`, { roles: ['member', 'coordinator'], reason: 'elected' }, coordinator.auth);
  t.equal(made.statusCode, 200);
  await app.inject({ method: 'GET', url: `${base}/members${at(made)}`, headers: coordinator.auth });
  t.equal((await stepDown()).statusCode, 200, 'marked on the coordination stream, then the membership');
  const lastStanding = await send(app, 'PUT', `${base}/members/${ann.personId}/roles`, { roles: ['member'], reason: 'stepping back too' }, ann.auth);
  t.equal(lastStanding.json().type, '/problems/last-coordinator', 'Ann is now the last');
});
