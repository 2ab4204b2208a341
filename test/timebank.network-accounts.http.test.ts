// The network's own accounts over HTTP and on the coordinator's pages: balances of the chest, the
// organisation's account and clearing; grants and donations listed and reversed with a reason; and
// the claim page that an invitation's link fills in.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { browserOf, joined, openApp, send, signUp, written } from './support/http.ts';

const { hearth, app, close } = await openApp();
t.teardown(close);

const coordinator = await signUp(app, 'Cath Coordinator');
const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Armley Time Bank', kind: 'time_bank' }, coordinator.auth)).json().networkId;
const base = `/api/v1/networks/${networkId}`;
const tb = `${base}/timebank`;
const member = (name: string) => joined(app, networkId, coordinator, name);
const ann = await member('Ann Giver');
const read = async (url: string, who = coordinator) => (await app.inject({ method: 'GET', url, headers: who.auth })).json();

t.test('balances of the network accounts, and a grant reversed once with a reason', async (t) => {
  await send(app, 'POST', `${tb}/chest/donations`, { minutes: 120 }, ann.auth);
  const granted = await send(app, 'POST', `${tb}/chest/grants`, { personId: ann.personId, minutes: 45 }, coordinator.auth);
  t.equal(granted.statusCode, 201);
  const csv = ['Date,from,from ID,to,to ID,post,post ID,Reason,quantity', '2024-04-01 09:00:00 UTC,Armley Time Bank,0,Joan Smith (12),12,,,Welcome hours,3'].join('\r\n');
  const imported = await app.inject({ method: 'POST', url: `${tb}/imports`, headers: { ...coordinator.auth, 'content-type': 'text/csv', 'idempotency-key': randomUUID() }, payload: csv });
  t.equal(imported.statusCode, 201, imported.body);

  const { accounts } = await read(`${tb}/network-accounts?after=${imported.json().position}`);
  t.match(accounts, [
    { holder: 'community', name: 'Community chest', balanceMinutes: 75, balance: '1:15' },
    { holder: 'organisation', name: "The network's own account", balanceMinutes: -180, balance: '-3:00' },
  ], "the chest and the organisation's account, apart");
  t.equal((await app.inject({ method: 'GET', url: `${tb}/network-accounts`, headers: ann.auth })).statusCode, 403, 'coordinators only');

  const gifts = await read(`${tb}/gifts?limit=2`);
  t.equal(gifts.items.length, 2);
  t.match(gifts.items[0], { holder: 'organisation', kind: 'grant', minutes: 180, date: '2024-04-01', reversed: false });
  t.match(gifts.items[1], { holder: 'community', kind: 'grant', minutes: 45, name: 'Ann Giver', reversed: false });
  t.ok(gifts.next, 'a cursor to the older ones');
  t.match((await read(`${tb}/gifts?cursor=${gifts.next}`)).items, [{ kind: 'donation', minutes: -120 }]);
  const grant = gifts.items[1].ref as string;

  const noReason = await send(app, 'POST', `${tb}/gifts/${grant}/reversal`, {}, coordinator.auth);
  t.equal(noReason.statusCode, 400);
  t.match(noReason.json(), { errors: [{ pointer: '/reason' }] }, 'the problem names the field');
  const key = randomUUID();
  const reverse = () => app.inject({ method: 'POST', url: `${tb}/gifts/${grant}/reversal`, headers: { ...coordinator.auth, 'content-type': 'application/json', 'idempotency-key': key }, payload: JSON.stringify({ reason: 'granted to the wrong member' }) });
  const first = await reverse();
  t.equal(first.statusCode, 200, first.body);
  t.ok(first.headers.etag);
  const before = await written(hearth);
  const again = await reverse();
  t.equal(again.headers['idempotent-replayed'], 'true', 'a retry returns the first answer');
  t.same(again.json(), first.json());
  t.same(await written(hearth), before, 'and writes nothing');
  const twice = await send(app, 'POST', `${tb}/gifts/${grant}/reversal`, { reason: 'again' }, coordinator.auth);
  t.equal(twice.statusCode, 409);
  t.match(twice.json(), { type: '/problems/already-reversed' });
  t.equal((await send(app, 'POST', `${tb}/gifts/${grant}/reversal`, { reason: 'mine' }, ann.auth)).statusCode, 403);

  const position = first.json().position;
  t.match((await read(`${tb}/network-accounts?after=${position}`)).accounts[0], { holder: 'community', balanceMinutes: 120 });
  t.match(await read(`${tb}/gifts/${grant}?after=${position}`), { reversed: true });
  const statement = await read(`${tb}/accounts/${ann.personId}/statement?from=2000-01-01&to=2100-01-01&after=${position}`, ann);
  t.match(statement.entries.at(-1), { reason: 'reversal', minutes: -45, with: 'community chest' });
});

t.test("the coordinator's page lists the accounts and reverses a donation with a reason", async (t) => {
  const browser = await browserOf(app, coordinator);
  const page = await browser.get(`/networks/${networkId}/chest/accounts`);
  t.equal(page.statusCode, 200);
  t.match(page.body, /Community chest/);
  t.match(page.body, /The network(&#39;|&#x27;|')s own account/);
  const donation = (await read(`${tb}/gifts`)).items.find((g: { kind: string }) => g.kind === 'donation').ref as string;
  t.match(page.body, new RegExp(`/chest/gifts/${donation}`), 'each gift links to its reversal');
  const form = `/networks/${networkId}/chest/gifts/${donation}`;
  const empty = await browser.post(`${form}/reverse`, { reason: '' }, form);
  t.equal(empty.statusCode, 422);
  t.match(empty.body, /Say why it is being reversed/);
  const done = await browser.post(`${form}/reverse`, { reason: 'given by mistake' }, form);
  t.equal(done.statusCode, 303, done.body);
  const shown = await browser.get(String(done.headers.location));
  t.match(shown.body, /Reversed/);
});

t.test('the claim page comes filled in from a link, and never echoes anything else', async (t) => {
  const filled = await app.inject({ method: 'GET', url: '/claim?code=ABCD-EFGH-JKMN-PQRS-TUVW' });
  t.equal(filled.statusCode, 200);
  t.match(filled.body, /value="ABCD-EFGH-JKMN-PQRS-TUVW"/);
  const odd = await app.inject({ method: 'GET', url: `/claim?code=${encodeURIComponent('"><script>')}` });
  t.notMatch(odd.body, /<script>/);
});
