// Every input bounded at the edge: the exact requests of issue 18 that were answered 2xx or 5xx
// now get a 400 naming the field and write nothing; a command that does not fit the network's
// kind, and a conflicting repeat, get a 409.
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { joined, openApp, send, setUp, signUp, written, type Person } from './support/http.ts';

const { hearth, app, close } = await openApp();
t.teardown(close);

const problem = 'application/problem+json; charset=utf-8';
// Taken afresh for each test, so that a run across midnight does not date one step yesterday and the next today.
let today = new Date().toISOString().slice(0, 10);
t.beforeEach(() => {
  today = new Date().toISOString().slice(0, 10);
});
type Answer = Awaited<ReturnType<typeof send>>;

/** A refusal: its status and type, problem+json, the field it names, and nothing written, not even the key. */
async function refused(t: Test, why: string, call: () => Promise<Answer>, status: number, type: string, pointer?: string) {
  const before = await written(hearth);
  const res = await call();
  t.equal(res.statusCode, status, `${why}: ${status} (${res.body.slice(0, 300)})`);
  t.equal(res.headers['content-type'], problem, `${why}: problem+json`);
  t.match(res.json(), { type: `/problems/${type}`, status }, `${why}: ${type}`);
  if (pointer) t.ok((res.json().errors ?? []).some((e: { pointer: string }) => e.pointer === pointer), `${why}: names ${pointer}`);
  t.same(await written(hearth), before, `${why}: nothing written`);
  return res;
}
const invalid = (t: Test, why: string, call: () => Promise<Answer>, pointer: string) => refused(t, why, call, 400, 'validation', pointer);
const get = (url: string, who: Person) => app.inject({ method: 'GET', url, headers: who.auth });

// A neighbourhood network keeps every area: a time bank, a care bank, pools and vouchers.
const cora = await signUp(app, 'Cora Coordinator', { dateOfBirth: '1960-04-01' });
const networkId = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Armley Good Neighbours', kind: 'neighbourhood_network' }, cora.auth), 201)).json().networkId as string;
const base = `/api/v1/networks/${networkId}`;
const ann = await joined(app, networkId, cora, 'Ann Atkinson');
const bob = await joined(app, networkId, cora, 'Bob Barraclough');
const tess = await joined(app, networkId, cora, 'Tess Treasurer', 'treasurer');
await setUp(send(app, 'PUT', `${base}/timebank/categories/gardening`, {}, cora.auth), 200);
const poolId = (await setUp(send(app, 'POST', `${base}/pools`, { name: 'Lunch club', twoApproversAbovePence: 10_000 }, cora.auth), 201)).json().poolId as string;

const exchange = (over: Record<string, unknown> = {}) => ({ providerId: ann.personId, receiverId: bob.personId, minutes: 60, category: 'gardening', description: 'Weeding', occurredOn: today, ...over });
const care = (over: Record<string, unknown> = {}) => ({ volunteerId: ann.personId, recipientId: bob.personId, minutes: 60, activity: 'befriending', occurredOn: today, ...over });
const rules = (over: Record<string, unknown> = {}) => ({ minimumAgeToBank: 18, claimFromAge: 60, dailyCapMinutes: 300, lifetimeCapMinutes: null, effectiveFrom: today, ...over });
const voucher = (over: Record<string, unknown> = {}) => ({ learnerId: bob.personId, value: { kind: 'amount', pence: 5_000 }, occasion: 'Birthday', message: 'Enjoy it', ...over });
const payment = (over: Record<string, unknown> = {}) => ({
  payee: 'Kitchen CIC', purpose: 'Lunches', invoiceReference: 'INV-1', pence: 500, beneficiaries: [{ holderId: ann.personId, pence: 500 }], submittedOn: today, ...over,
});

t.test('a NUL or a lone surrogate is refused wherever text is taken', async (t) => {
  const eve = { name: 'Eve\u0000Null', email: `eve.${randomUUID().slice(0, 8)}@example.org`, password: 'correct horse battery staple' };
  await invalid(t, 'a new account named "Eve\\u0000Null"', () => app.inject({ method: 'POST', url: '/api/v1/accounts', headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() }, payload: JSON.stringify(eve) }), '/name');
  await invalid(t, 'a member recorded with a lone surrogate in the name', () => send(app, 'POST', `${base}/members`, { name: 'Olga \ud800Offline' }, cora.auth), '/name');
  await invalid(t, 'a reason with a NUL', () => send(app, 'PUT', `${base}/members/${ann.personId}/roles`, { roles: ['member'], reason: 'because\u0000' }, cora.auth), '/reason');
  await invalid(t, 'a purpose with a lone surrogate', () => send(app, 'POST', `${base}/pools/${poolId}/payments`, payment({ purpose: 'Lunch\udc00es' }), cora.auth), '/purpose');
  await invalid(t, 'a payee with a NUL', () => send(app, 'POST', `${base}/pools/${poolId}/payments`, payment({ payee: 'Kitchen\u0000CIC' }), cora.auth), '/payee');
  await invalid(t, 'an invoice reference with a NUL', () => send(app, 'POST', `${base}/pools/${poolId}/payments`, payment({ invoiceReference: 'INV\u00001' }), cora.auth), '/invoiceReference');
  await invalid(t, 'an occasion with a lone surrogate', () => send(app, 'POST', `${base}/vouchers`, voucher({ occasion: 'Birth\ud83dday' }), ann.auth), '/occasion');
  await invalid(t, 'a description with a NUL', () => send(app, 'POST', `${base}/timebank/exchanges`, exchange({ description: 'Weed\u0000ing' }), ann.auth), '/description');
  // A NUL anywhere in the address is refused before routing, as an address that cannot be read.
  await refused(t, 'a category path with a NUL', () => send(app, 'PUT', `${base}/timebank/categories/garden%00ing`, {}, cora.auth), 400, 'bad-url');
  await invalid(t, 'a category path with a control character', () => send(app, 'PUT', `${base}/timebank/categories/garden%1Bing`, {}, cora.auth), '/category');
  // A pair of surrogates is one character, and welcome.
  t.equal((await send(app, 'POST', `${base}/members`, { name: 'Olga 🌻 Offline' }, cora.auth)).statusCode, 201, 'an emoji in a name is a character like any other');
});

t.test('names hide nothing and do not turn round', async (t) => {
  await invalid(t, 'a network named with a right-to-left override', () => send(app, 'POST', '/api/v1/networks', { name: 'Good \u202eNeighbours', kind: 'time_bank' }, cora.auth), '/name');
  await invalid(t, 'a member named with a zero-width space', () => send(app, 'POST', `${base}/members`, { name: 'Ann\u200bAtkinson' }, cora.auth), '/name');
  await invalid(t, 'a payee with a zero-width joiner', () => send(app, 'POST', `${base}/pools/${poolId}/payments`, payment({ payee: 'Kitchen\u200dCIC' }), cora.auth), '/payee');
  await invalid(t, 'a name over two lines', () => send(app, 'POST', `${base}/members`, { name: 'Ann\nAtkinson' }, cora.auth), '/name');
});

t.test('dates lie between 1900-01-01 and 2100-12-31', async (t) => {
  const refusal = await invalid(t, 'an exchange dated 0000-01-01', () => send(app, 'POST', `${base}/timebank/exchanges`, exchange({ occurredOn: '0000-01-01' }), ann.auth), '/occurredOn');
  t.match(refusal.json().errors, [{ pointer: '/occurredOn', detail: /1900-01-01 to 2100-12-31/ }], 'the window is said');
  await invalid(t, 'care dated 0000-01-01', () => send(app, 'POST', `${base}/carebank/care`, care({ occurredOn: '0000-01-01' }), ann.auth), '/occurredOn');
  await invalid(t, 'a DBS check expiring 9999-12-31', () => send(app, 'POST', `${base}/members/${ann.personId}/dbs-checks`, { checkType: 'enhanced', issuedOn: today, expiresOn: '9999-12-31' }, cora.auth), '/expiresOn');
  await invalid(t, 'care-bank rules effective 9999-12-31', () => send(app, 'POST', `${base}/carebank/rules`, rules({ effectiveFrom: '9999-12-31' }), cora.auth), '/effectiveFrom');
  await invalid(t, 'pool balances from 0000-01-01', () => get(`${base}/pools/${poolId}/balances?from=0000-01-01`, cora), '/from');
  await invalid(t, 'the co-op register as at 0000-01-01', () => get(`${base}/coop/register?asAt=0000-01-01`, cora), '/asAt');
});

t.test('amounts and minutes stay under their ceilings', async (t) => {
  await invalid(t, 'a voucher worth 2^53 - 1 pence', () => send(app, 'POST', `${base}/vouchers`, voucher({ value: { kind: 'amount', pence: Number.MAX_SAFE_INTEGER } }), ann.auth), '/value/pence');
  await invalid(t, 'a voucher of sessions costing more than £1m', () => send(app, 'POST', `${base}/vouchers`, voucher({ value: { kind: 'sessions', activity: 'Pottery', sessions: 200, pencePerSession: 1_000_000 } }), ann.auth), '/value/pencePerSession');
  await invalid(t, 'an upper limit of 2^31 minutes', () => send(app, 'PUT', `${base}/timebank/limits`, { lowerMinutes: -600, upperMinutes: 2_147_483_648, maxExchangeMinutes: 720, reason: 'more room' }, cora.auth), '/upperMinutes');
  await invalid(t, "a member's lower limit of -2^31 minutes", () => send(app, 'PUT', `${base}/timebank/accounts/${ann.personId}/limits`, { lowerMinutes: -2_147_483_648, upperMinutes: null, reason: 'more room' }, cora.auth), '/lowerMinutes');
  await invalid(t, 'a pool receipt of 2^53 - 1 pence', () => send(app, 'POST', `${base}/pools/${poolId}/receipts`, { source: 'council', pence: Number.MAX_SAFE_INTEGER, reference: 'LCC', receivedOn: today }, cora.auth), '/pence');
  await invalid(t, 'a donation of more than a million minutes', () => send(app, 'POST', `${base}/timebank/chest/donations`, { minutes: 1_000_001 }, ann.auth), '/minutes');
});

t.test('ids name something', async (t) => {
  await invalid(t, 'limits for the nil uuid', () => send(app, 'PUT', `${base}/timebank/accounts/00000000-0000-0000-0000-000000000000/limits`, { lowerMinutes: -60, upperMinutes: 60, reason: 'nobody' }, cora.auth), '/personId');
  await invalid(t, 'an exchange with the max uuid', () => send(app, 'POST', `${base}/timebank/exchanges`, exchange({ receiverId: 'ffffffff-ffff-ffff-ffff-ffffffffffff' }), ann.auth), '/receiverId');
});

t.test('text over its limit is refused, never cut', async (t) => {
  await invalid(t, 'a description of 501 characters', () => send(app, 'POST', `${base}/timebank/exchanges`, exchange({ description: 'x'.repeat(501) }), ann.auth), '/description');
  const fits = await send(app, 'POST', `${base}/timebank/exchanges`, exchange({ description: 'x'.repeat(500) }), ann.auth);
  t.equal(fits.statusCode, 201, 'one of 500 is taken');
});

t.test("a command that does not fit the network's kind", async (t) => {
  const timeBank = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Meanwood Time Bank', kind: 'time_bank' }, cora.auth), 201)).json().networkId as string;
  const scheme = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Wharfedale Care Bank', kind: 'care_bank_scheme' }, cora.auth), 201)).json().networkId as string;
  await refused(t, 'care-bank rules on a time bank', () => send(app, 'POST', `/api/v1/networks/${timeBank}/carebank/rules`, rules(), cora.auth), 409, 'wrong-network-kind');
  await refused(t, 'time-bank limits on a care bank', () => send(app, 'PUT', `/api/v1/networks/${scheme}/timebank/limits`, { lowerMinutes: -600, upperMinutes: 600, maxExchangeMinutes: 720, reason: 'tighter' }, cora.auth), 409, 'wrong-network-kind');
  await refused(t, 'a time-bank category in a care bank', () => send(app, 'PUT', `/api/v1/networks/${scheme}/timebank/categories/gardening`, {}, cora.auth), 409, 'wrong-network-kind');
  t.equal((await send(app, 'POST', `/api/v1/networks/${scheme}/carebank/rules`, rules(), cora.auth)).statusCode, 201, 'care-bank rules in a care bank');
  t.equal((await send(app, 'PUT', `/api/v1/networks/${timeBank}/timebank/limits`, { lowerMinutes: -600, upperMinutes: 600, maxExchangeMinutes: 720, reason: 'tighter' }, cora.auth)).statusCode, 200, 'limits in a time bank');
});

t.test('a second payment for a paid voucher', async (t) => {
  const voucherId = (await setUp(send(app, 'POST', `${base}/vouchers`, voucher(), ann.auth), 201)).json().voucherId as string;
  const pay = (body: Record<string, unknown>) => send(app, 'POST', `${base}/vouchers/${voucherId}/payment`, { pence: 5_000, reference: 'GIFT BOB', receivedOn: today, ...body }, tess.auth);
  t.equal((await pay({})).statusCode, 200, 'paid');
  const before = await hearth.store.headPosition();
  t.equal((await pay({})).statusCode, 200, 'the same payment again, with a new key: 200');
  t.equal(await hearth.store.headPosition(), before, 'and nothing more recorded');
  await refused(t, 'another payment with other figures', () => pay({ pence: 4_000 }), 409, 'voucher-already-paid');
  await refused(t, 'another payment with another reference', () => pay({ reference: 'GIFT AGAIN' }), 409, 'voucher-already-paid');
});
