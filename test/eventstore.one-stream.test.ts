// Hearth committing one stream at a time (EVENT_STORE_COMMITS=one-stream), as it would with the
// events in EventStoreDB: a command that writes one stream, whatever it reads, works; a network is
// opened and joined, a member recorded offline and a coordinator steps down, each write to one
// stream; an exchange is confirmed and reversed as a process, one account at a time; a command
// that still needs several streams in one commit is refused with a problem that says why, writing
// nothing.
import t from 'tap';
import { joined, openApp, send, signUp } from './support/http.ts';
import { freshPglite } from './support/db.ts';

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

t.test('a gift to the community chest, which writes the member\'s account and the chest\'s at once, is refused as not possible here and writes nothing', async (t) => {
  const before = await hearth.store.headPosition();
  const res = await send(app, 'POST', `/api/v1/networks/${networkId}/timebank/chest/donations`, { minutes: 30 }, ann.auth);
  t.equal(res.statusCode, 501);
  t.match(res.headers['content-type'], /^application\/problem\+json/);
  t.match(res.json(), { type: '/problems/not-on-this-event-store', detail: /several streams[\s\S]*needs PostgreSQL as the event store/ });
  t.equal(await hearth.store.headPosition(), before, 'nothing written');
  t.equal((await app.inject({ method: 'GET', url: '/problems/not-on-this-event-store' })).statusCode, 200, 'the problem type explains itself');
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
