// Hearth committing one stream at a time (EVENT_STORE_COMMITS=one-stream), as it would with the
// events in EventStoreDB: a command that writes one stream, whatever it reads, works; an exchange
// is confirmed and reversed as a process, one account at a time; a command that still needs
// several streams in one commit is refused with a problem that says why, writing nothing. A network
// is set up in the usual mode first, then opened in this one.
import t from 'tap';
import { joined, openApp, send, signUp } from './support/http.ts';
import { dumpablePglite } from './support/db.ts';

const setUp = await dumpablePglite();
const usual = await openApp(setUp.database);
const coordinator = await signUp(usual.app, 'Cora Coordinator');
const networkId = (await send(usual.app, 'POST', '/api/v1/networks', { name: 'Headingley Time Bank', kind: 'time_bank' }, coordinator.auth)).json().networkId as string;
const ann = await joined(usual.app, networkId, coordinator, 'Ann Giver');
const bob = await joined(usual.app, networkId, coordinator, 'Bob Receiver');
const image = await setUp.dump();
await usual.close();

const { hearth, app, close } = await openApp((await dumpablePglite(image)).database, { EVENT_STORE_COMMITS: 'one-stream' });
t.teardown(close);

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
