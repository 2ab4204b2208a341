// The time bank through the HTTP API on PGlite: what a member and a coordinator do every day.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { joined, openApp, send, signUp, spreadsheet, written } from './support/http.ts';

const { hearth, app, close } = await openApp();
t.teardown(close);

const coordinator = await signUp(app, 'Cath Coordinator');
const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Kirkstall Time Bank', kind: 'time_bank' }, coordinator.auth)).json().networkId;
const base = `/api/v1/networks/${networkId}`;
const tb = `${base}/timebank`;
const member = (name: string) => joined(app, networkId, coordinator, name);
const ann = await member('Ann Giver');
const bob = await member('Bob Receiver');
await send(app, 'PUT', `${tb}/categories/gardening`, {}, coordinator.auth);
await send(app, 'PUT', `${tb}/categories/${encodeURIComponent('personal care')}`, { ratePercent: 200 }, coordinator.auth);
// Taken afresh for each test, so that a run across midnight does not date one step yesterday and the next today.
let today = new Date().toISOString().slice(0, 10);
t.beforeEach(() => {
  today = new Date().toISOString().slice(0, 10);
});
const exchange = (over: Record<string, unknown> = {}) => ({ providerId: ann.personId, receiverId: bob.personId, minutes: 90, category: 'gardening', description: 'Weeded the front beds', occurredOn: today, ...over });

t.test('log, confirm, and both balances move; the statement shows it', async (t) => {
  const logged = await send(app, 'POST', `${tb}/exchanges`, exchange(), ann.auth);
  t.equal(logged.statusCode, 201);
  const { exchangeId } = logged.json();
  const before = await app.inject({ method: 'GET', url: `${tb}/accounts/${ann.personId}?after=${logged.json().position}`, headers: ann.auth });
  t.match(before.json(), { balanceMinutes: 0, balance: '0:00', lowerMinutes: -600, upperMinutes: 45000 }, 'nothing moves until it is confirmed');
  const own = await send(app, 'POST', `${tb}/exchanges/${exchangeId}/confirmation`, undefined, ann.auth);
  t.equal(own.statusCode, 403, 'confirming one\'s own exchange is refused');
  t.match(own.json(), { type: '/problems/own-exchange' });
  const confirmed = await send(app, 'POST', `${tb}/exchanges/${exchangeId}/confirmation`, undefined, bob.auth);
  t.equal(confirmed.statusCode, 200);
  const position = confirmed.json().position;
  t.match((await app.inject({ method: 'GET', url: `${tb}/accounts/${ann.personId}?after=${position}`, headers: ann.auth })).json(), { balanceMinutes: 90, balance: '1:30' });
  t.match((await app.inject({ method: 'GET', url: `${tb}/accounts/${bob.personId}?after=${position}`, headers: bob.auth })).json(), { balanceMinutes: -90, balance: '-1:30' });
  const statement = (await app.inject({ method: 'GET', url: `${tb}/accounts/${ann.personId}/statement?from=${today}&to=${today}&after=${position}`, headers: ann.auth })).json();
  t.match(statement, { opening: { minutes: 0 }, closing: { minutes: 90, text: '1:30' }, entries: [{ date: today, minutes: 90, reason: 'exchange', category: 'gardening', description: 'Weeded the front beds', with: 'Bob Receiver' }] });
  const again = await send(app, 'POST', `${tb}/exchanges/${exchangeId}/confirmation`, undefined, bob.auth);
  t.equal(again.statusCode, 200, 'confirming twice changes nothing');
  t.match((await app.inject({ method: 'GET', url: `${tb}/accounts/${ann.personId}`, headers: ann.auth })).json(), { balanceMinutes: 90 });
});

t.test('a weighted category credits at the rate in force when logged', async (t) => {
  const logged = (await send(app, 'POST', `${tb}/exchanges`, exchange({ category: 'personal care', minutes: 30 }), ann.auth)).json();
  await send(app, 'PUT', `${tb}/categories/${encodeURIComponent('personal care')}`, { ratePercent: 100 }, coordinator.auth);
  const done = (await send(app, 'POST', `${tb}/exchanges/${logged.exchangeId}/confirmation`, undefined, bob.auth)).json();
  t.match((await app.inject({ method: 'GET', url: `${tb}/accounts/${ann.personId}?after=${done.position}`, headers: ann.auth })).json(), { balanceMinutes: 150 }, '90 + 30 × 2');
});

t.test('a coordinator logs on a member\'s behalf; the other member confirms; a coordinator reverses', async (t) => {
  const logged = await send(app, 'POST', `${tb}/exchanges`, exchange({ minutes: 60 }), { ...coordinator.auth, 'on-behalf-of': ann.personId });
  t.equal(logged.statusCode, 201);
  const [event] = await hearth.store.readStream(`exchange-${logged.json().exchangeId}`);
  t.match(event, { data: { loggedBy: ann.personId }, metadata: { actor: coordinator.personId, onBehalfOf: ann.personId } });
  await send(app, 'POST', `${tb}/exchanges/${logged.json().exchangeId}/confirmation`, undefined, bob.auth);
  const reversed = await send(app, 'POST', `${tb}/exchanges/${logged.json().exchangeId}/reversal`, { reason: 'Logged against the wrong member' }, coordinator.auth);
  t.equal(reversed.statusCode, 200);
  t.match((await app.inject({ method: 'GET', url: `${tb}/accounts/${ann.personId}?after=${reversed.json().position}`, headers: ann.auth })).json(), { balanceMinutes: 150 }, 'back where it was');
  const twice = await send(app, 'POST', `${tb}/exchanges/${logged.json().exchangeId}/cancellation`, { reason: 'x' }, ann.auth);
  t.match(twice.json(), { status: 409, type: '/problems/exchange-settled' });
});

t.test('limits are enforced, and a coordinator changes them with a reason', async (t) => {
  const big = (await send(app, 'POST', `${tb}/exchanges`, exchange({ minutes: 600 }), ann.auth)).json();
  const refused = await send(app, 'POST', `${tb}/exchanges/${big.exchangeId}/confirmation`, undefined, bob.auth);
  t.equal(refused.statusCode, 409);
  t.match(refused.json(), { type: '/problems/limit-reached', detail: /receiver's balance to -12:30, below their lower limit of -10:00/ });
  const noReason = await send(app, 'PUT', `${tb}/accounts/${bob.personId}/limits`, { lowerMinutes: -900, upperMinutes: null }, coordinator.auth);
  t.match(noReason.json(), { status: 400, errors: [{ pointer: '/reason' }] });
  t.equal((await send(app, 'PUT', `${tb}/accounts/${bob.personId}/limits`, { lowerMinutes: -900, upperMinutes: null, reason: 'Recovering from an operation' }, coordinator.auth)).statusCode, 200);
  t.equal((await send(app, 'POST', `${tb}/exchanges/${big.exchangeId}/confirmation`, undefined, bob.auth)).statusCode, 200, 'within the new limit');
});

t.test('the community chest: members donate, a coordinator grants', async (t) => {
  t.equal((await send(app, 'POST', `${tb}/chest/donations`, { minutes: 60 }, ann.auth)).statusCode, 201);
  const tooMuch = await send(app, 'POST', `${tb}/chest/grants`, { personId: bob.personId, minutes: 61 }, coordinator.auth);
  t.match(tooMuch.json(), { status: 409, type: '/problems/limit-reached', detail: /chest/ });
  const granted = await send(app, 'POST', `${tb}/chest/grants`, { personId: bob.personId, minutes: 60 }, coordinator.auth);
  t.equal(granted.statusCode, 201);
  await hearth.engine.waitFor(['timebank'], granted.json().position, 5000);
  const { rows } = await (await import('kysely')).sql<{ total: number }>`SELECT sum(balance)::int AS total FROM timebank_accounts WHERE network_id = ${networkId}`.execute(hearth.database.db);
  t.equal(rows[0]!.total, 0, 'the network\'s accounts sum to zero');
});

t.test('bad input is refused, naming the field, and nothing is written', async (t) => {
  const stranger = await signUp(app, 'Stan Stranger');
  const cases: Array<[string, Record<string, unknown>, number, string, string]> = [
    ['zero minutes', { minutes: 0 }, 400, 'validation', '/minutes'],
    ['negative minutes', { minutes: -30 }, 400, 'validation', '/minutes'],
    ['minutes with a fraction', { minutes: 1.5 }, 400, 'validation', '/minutes'],
    ['more than the longest exchange', { minutes: 13 * 60 }, 422, 'exchange-too-long', '/minutes'],
    ['an exchange with oneself', { receiverId: ann.personId }, 422, 'exchange-with-oneself', '/receiverId'],
    ['an unknown member', { receiverId: stranger.personId }, 422, 'unknown-member', '/receiverId'],
    ['a date in the future', { occurredOn: '2099-01-01' }, 422, 'date-in-future', '/occurredOn'],
    ['an unknown category', { category: 'juggling' }, 422, 'unknown-category', '/category'],
  ];
  for (const [why, over, status, type, pointer] of cases) {
    const before = await written(hearth);
    const res = await send(app, 'POST', `${tb}/exchanges`, exchange(over), ann.auth);
    t.equal(res.statusCode, status, `${why}: ${status}`);
    t.match(res.json(), { type: `/problems/${type}`, errors: [{ pointer }] }, `${why}: names ${pointer}`);
    t.same(await written(hearth), before, `${why}: nothing written`);
  }
  const ghost = await send(app, 'POST', `${tb}/exchanges/${randomUUID()}/confirmation`, undefined, bob.auth);
  t.equal(ghost.statusCode, 404);
});

t.test('the CSV export carries date, parties, category, description and minutes', async (t) => {
  await send(app, 'POST', `${tb}/exchanges`, exchange({ description: '=HYPERLINK("x")', minutes: 15 }), ann.auth);
  const head = await hearth.store.headPosition();
  const csv = await app.inject({ method: 'GET', url: `${tb}/exchanges.csv?after=${head}`, headers: coordinator.auth });
  t.equal(csv.statusCode, 200);
  spreadsheet(t, csv);
  const lines = csv.body.slice(1).trim().split('\r\n');
  t.equal(lines[0], 'date,provider,receiver,category,description,minutes,credited minutes,status');
  t.ok(lines.some((l) => l === `${today},Ann Giver,Bob Receiver,gardening,Weeded the front beds,90,90,confirmed`));
  t.ok(lines.some((l) => l.includes(`"'=HYPERLINK(""x"")"`)), 'a cell that looks like a formula is defused');
});

t.test('an exchange across two time banks goes through both clearing accounts; both still sum to zero', async (t) => {
  const other = (await send(app, 'POST', '/api/v1/networks', { name: 'Horsforth Time Bank', kind: 'time_bank' }, coordinator.auth)).json().networkId;
  const dora = await signUp(app, 'Dora Elsewhere');
  await send(app, 'POST', `/api/v1/networks/${other}/invitations`, { personId: dora.personId }, coordinator.auth);
  await send(app, 'POST', `/api/v1/networks/${other}/invitations/acceptance`, undefined, dora.auth);
  const wrong = await send(app, 'POST', `${tb}/exchanges`, exchange({ receiverId: dora.personId }), ann.auth);
  t.match(wrong.json(), { status: 422, type: '/problems/unknown-member', errors: [{ pointer: '/receiverId' }] }, 'not a member here without naming her time bank');
  const unpartnered = await send(app, 'POST', `${tb}/exchanges`, exchange({ receiverId: dora.personId, receiverNetworkId: other, minutes: 45 }), ann.auth);
  t.match(unpartnered.json(), { status: 403, type: '/problems/no-partnership', errors: [{ pointer: '/receiverNetworkId' }] }, 'not without a partnership');
  t.equal((await send(app, 'POST', `${base}/partnerships`, { partnerNetworkId: other }, coordinator.auth)).statusCode, 201);
  t.match((await send(app, 'POST', `${base}/partnerships/${other}/acceptance`, undefined, coordinator.auth)).json(), { status: 409, type: '/problems/own-proposal' }, 'a network cannot accept its own proposal');
  const accepted = await send(app, 'POST', `/api/v1/networks/${other}/partnerships/${networkId}/acceptance`, undefined, coordinator.auth);
  t.equal(accepted.statusCode, 200);
  const list = (await app.inject({ method: 'GET', url: `${base}/partnerships?after=${accepted.json().position}`, headers: ann.auth })).json();
  t.same(list.items, [{ partnerNetworkId: other, partnerName: 'Horsforth Time Bank', status: 'active', proposedBy: 'this network' }], 'any member sees the partnerships, with the partner\'s name');
  const logged = await send(app, 'POST', `${tb}/exchanges`, exchange({ receiverId: dora.personId, receiverNetworkId: other, minutes: 45 }), ann.auth);
  t.equal(logged.statusCode, 201);
  const confirmed = await send(app, 'POST', `/api/v1/networks/${other}/timebank/exchanges/${logged.json().exchangeId}/confirmation`, undefined, dora.auth);
  t.equal(confirmed.statusCode, 200, 'the receiver confirms from her own time bank');
  await hearth.engine.waitFor(['timebank'], confirmed.json().position, 5000);
  const { sql } = await import('kysely');
  const sums = await sql<{ network_id: string; total: number }>`SELECT network_id, sum(balance)::int AS total FROM timebank_accounts WHERE network_id IN (${networkId}, ${other}) GROUP BY network_id`.execute(hearth.database.db);
  t.same(sums.rows.map((r) => r.total), [0, 0], 'each time bank sums to zero');
  const clearing = await sql<{ network_id: string; balance: number }>`SELECT network_id, balance FROM timebank_accounts WHERE holder = 'clearing' AND network_id IN (${networkId}, ${other})`.execute(hearth.database.db);
  t.same(Object.fromEntries(clearing.rows.map((r) => [r.network_id, r.balance])), { [networkId]: -45, [other]: 45 });
  t.match((await app.inject({ method: 'GET', url: `/api/v1/networks/${other}/timebank/accounts/${dora.personId}`, headers: dora.auth })).json(), { balanceMinutes: -45 });
  const after = `after=${confirmed.json().position}`;
  const hers = (await app.inject({ method: 'GET', url: `/api/v1/networks/${other}/timebank/accounts/${dora.personId}/statement?from=${today}&to=${today}&${after}`, headers: dora.auth })).json();
  t.match(hers.entries, [{ minutes: -45, with: 'Ann Giver (Kirkstall Time Bank)', network: 'Kirkstall Time Bank' }], "her statement names the giver and her time bank");
  const his = (await app.inject({ method: 'GET', url: `${tb}/accounts/${ann.personId}/statement?from=${today}&to=${today}&${after}`, headers: ann.auth })).json();
  t.ok(his.entries.some((e: { with: string }) => e.with === 'Dora Elsewhere (Horsforth Time Bank)'), "the giver's statement names the receiver and her time bank");
  for (const [id, line] of [[networkId, `${today},Ann Giver,Dora Elsewhere (Horsforth Time Bank),gardening,Weeded the front beds,45,45,confirmed`], [other, `${today},Ann Giver (Kirkstall Time Bank),Dora Elsewhere,gardening,Weeded the front beds,45,45,confirmed`]] as const) {
    const csv = await app.inject({ method: 'GET', url: `/api/v1/networks/${id}/timebank/exchanges.csv?${after}`, headers: coordinator.auth });
    t.ok(csv.body.split('\r\n').includes(line), `both networks' exports show it: ${line}`);
  }
  const theirFigures = (await app.inject({ method: 'GET', url: `/api/v1/networks/${other}/timebank/figures?${after}`, headers: dora.auth })).json();
  t.match(theirFigures.months.find((m: { month: string }) => m.month === today.slice(0, 7)), { exchanges: 1, minutes: 45, activeMembers: 1 }, "the receiver's network counts it");
});

t.test('network figures: hours exchanged per month and active members', async (t) => {
  const head = await hearth.store.headPosition();
  const figures = (await app.inject({ method: 'GET', url: `${tb}/figures?after=${head}`, headers: bob.auth })).json();
  t.equal(figures.totalBalanceMinutes, 0);
  const month = figures.months.find((m: { month: string }) => m.month === today.slice(0, 7));
  t.match(month, { exchanges: Number, minutes: Number, hours: String, activeMembers: 2 }, 'Ann and Bob exchanged this month; Dora belongs to another time bank');
  t.ok(month.exchanges >= 3);
});

t.test('If-Match: a stale revision is refused with 412 and writes nothing; reads carry the ETag', async (t) => {
  const logged = await send(app, 'POST', `${tb}/exchanges`, exchange({ minutes: 10 }), ann.auth);
  const { exchangeId, position } = logged.json();
  const read = await app.inject({ method: 'GET', url: `${tb}/exchanges/${exchangeId}?after=${position}`, headers: bob.auth });
  t.equal(read.headers.etag, '"0"', 'one exchange answers with its ETag');
  const before = await written(hearth);
  const stale = await send(app, 'POST', `${tb}/exchanges/${exchangeId}/confirmation`, undefined, { ...bob.auth, 'if-match': '"7"' });
  t.equal(stale.statusCode, 412, 'a stale confirmation');
  t.match(stale.json(), { type: '/problems/precondition-failed' });
  t.equal(stale.headers.etag, '"0"', 'and says where the exchange is now');
  t.equal((await written(hearth)).events, before.events, 'nothing written');
  const fresh = await send(app, 'POST', `${tb}/exchanges/${exchangeId}/confirmation`, undefined, { ...bob.auth, 'if-match': read.headers.etag as string });
  t.equal(fresh.statusCode, 200, 'the revision read');
  t.equal(fresh.headers.etag, '"2"', 'confirming begun, then confirmed');

  const settings = await app.inject({ method: 'GET', url: `${tb}/settings`, headers: coordinator.auth });
  const limits = { lowerMinutes: -600, upperMinutes: 45000, maxExchangeMinutes: 720, reason: 'Back to the defaults' };
  const staleLimits = await send(app, 'PUT', `${tb}/limits`, limits, { ...coordinator.auth, 'if-match': `"${Number(JSON.parse(settings.headers.etag as string)) + 5}"` });
  t.equal(staleLimits.statusCode, 412, "stale network limits");
  t.equal((await send(app, 'PUT', `${tb}/limits`, limits, { ...coordinator.auth, 'if-match': settings.headers.etag as string })).statusCode, 200, 'current network limits');

  const account = await app.inject({ method: 'GET', url: `${tb}/accounts/${bob.personId}`, headers: coordinator.auth });
  t.match(account.headers.etag, /^"\d+"$/, 'an account answers with its ETag');
  const memberLimits = { lowerMinutes: -900, upperMinutes: null, reason: 'Recovering from an operation, still' };
  const staleMember = await send(app, 'PUT', `${tb}/accounts/${bob.personId}/limits`, { ...memberLimits, lowerMinutes: -960 }, { ...coordinator.auth, 'if-match': '"0"' });
  t.equal(staleMember.statusCode, 412, "stale member limits");
  t.equal((await send(app, 'PUT', `${tb}/accounts/${bob.personId}/limits`, { ...memberLimits, lowerMinutes: -960 }, { ...coordinator.auth, 'if-match': account.headers.etag as string })).statusCode, 200, 'current member limits');
});
