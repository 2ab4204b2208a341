// Pools through the HTTP API on PGlite: a Neighbourhood Network's treasurer records money in,
// payments are submitted and approved under the pool's policy, and bad input writes nothing.
import t from 'tap';
import { openApp, send, signUp, written, type Person } from './support/http.ts';

const { hearth, app, close } = await openApp();
t.teardown(close);

const coordinator = await signUp(app, 'Cath Coordinator');
const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Armley Good Neighbours', kind: 'neighbourhood_network' }, coordinator.auth)).json().networkId;
const base = `/api/v1/networks/${networkId}`;
async function member(name: string, role: string): Promise<Person> {
  const p = await signUp(app, name);
  await send(app, 'POST', `${base}/invitations`, { personId: p.personId }, coordinator.auth);
  await send(app, 'POST', `${base}/invitations/acceptance`, undefined, p.auth);
  await send(app, 'PUT', `${base}/members/${p.personId}/roles`, { roles: [role], reason: 'elected at the AGM' }, coordinator.auth);
  return p;
}
const treasurer = await member('Tess Treasurer', 'treasurer');
const board = await member('Bert Board', 'board');
const holder = async (name: string) => (await send(app, 'POST', `${base}/members`, { name }, coordinator.auth)).json().personId as string;
const [edna, walter] = [await holder('Edna Firth'), await holder('Walter Greenwood')];
// Taken afresh for each test, so that a run across midnight does not date one step yesterday and the next today.
let today = new Date().toISOString().slice(0, 10);
t.beforeEach(() => {
  today = new Date().toISOString().slice(0, 10);
});

const poolId = (await send(app, 'POST', `${base}/pools`, { name: 'Lunch club', twoApproversAbovePence: 20_000 }, coordinator.auth)).json().poolId as string;
const pool = `${base}/pools/${poolId}`;
/** The pool as the books show it, once they include every write so far. */
const balance = async () => (await app.inject({ method: 'GET', url: `${pool}?after=${await hearth.store.headPosition()}`, headers: treasurer.auth })).json();
const payment = (over: Record<string, unknown> = {}) => ({
  payee: 'Kirkstall Kitchen CIC', purpose: 'Lunches', invoiceReference: 'INV-7', pence: 6_000,
  beneficiaries: [{ holderId: edna, pence: 3_000 }, { holderId: walter, pence: 3_000 }], submittedOn: today, ...over,
});

t.test('money in, then a payment approved by one treasurer is paid', async (t) => {
  t.equal((await send(app, 'POST', `${pool}/receipts`, { source: 'contribution', holderId: edna, pence: 15_000, reference: 'DP April', receivedOn: today }, treasurer.auth)).statusCode, 201);
  t.equal((await send(app, 'POST', `${pool}/receipts`, { source: 'council', pence: 20_000, reference: 'Leeds CC', receivedOn: today }, treasurer.auth)).statusCode, 201);
  t.match(await balance(), {
    poolId,
    name: 'Lunch club',
    balance: { pence: 35_000, pounds: '£350.00' },
    twoApproversAbovePence: 20_000,
    closedThrough: null,
    asAt: today,
    holders: [{ holderId: edna, name: 'Edna Firth', contributed: { pence: 15_000 }, spent: { pence: 0 }, unspent: { pence: 15_000 }, shareOfBalance: { pence: 15_000 } }],
  });
  const submitted = await send(app, 'POST', `${pool}/payments`, payment(), coordinator.auth);
  t.equal(submitted.statusCode, 201);
  t.match(await balance(), { balance: { pence: 35_000 } }, 'nothing leaves before approval');
  const approved = await send(app, 'POST', `${pool}/payments/${submitted.json().paymentId}/approval`, undefined, treasurer.auth);
  t.equal(approved.statusCode, 200);
  t.match(await balance(), { balance: { pence: 29_000, pounds: '£290.00' } });
  const { holders } = await balance();
  t.same(
    holders.map((h: { name: string; contributed: { pence: number }; spent: { pence: number }; unspent: { pence: number }; shareOfBalance: { pence: number } }) => [h.name, h.contributed.pence, h.spent.pence, h.unspent.pence, h.shareOfBalance.pence]),
    [['Edna Firth', 15_000, 3_000, 12_000, 12_000], ['Walter Greenwood', 0, 3_000, -3_000, 0]],
    'each holder: what they put in, what was spent on them, and their share of the balance',
  );
});

t.test('above the threshold: two different approvers, never the submitter', async (t) => {
  const { paymentId } = (await send(app, 'POST', `${pool}/payments`, payment({ pence: 25_000, beneficiaries: [{ holderId: edna, pence: 25_000 }] }), treasurer.auth)).json();
  const own = await send(app, 'POST', `${pool}/payments/${paymentId}/approval`, undefined, treasurer.auth);
  t.equal(own.statusCode, 403);
  t.match(own.json(), { type: '/problems/own-payment' });
  t.equal((await send(app, 'POST', `${pool}/payments/${paymentId}/approval`, undefined, board.auth)).statusCode, 200);
  t.match(await balance(), { balance: { pence: 29_000 } }, 'one approval of two moves nothing');
  t.match((await send(app, 'POST', `${pool}/payments/${paymentId}/approval`, undefined, board.auth)).json(), { status: 409, type: '/problems/already-approved' });
});

t.test('a rejection records why; a payment the pool cannot cover is refused', async (t) => {
  const { paymentId } = (await send(app, 'POST', `${pool}/payments`, payment(), coordinator.auth)).json();
  t.equal((await send(app, 'POST', `${pool}/payments/${paymentId}/rejection`, { reason: 'Invoice is for February' }, board.auth)).statusCode, 200);
  const [, rejected] = await hearth.store.readStream(`pool-payment-${paymentId}`);
  t.match(rejected, { type: 'pools.PaymentRejected', data: { reason: 'Invoice is for February' } });
  const big = (await send(app, 'POST', `${pool}/payments`, payment({ pence: 29_001, beneficiaries: [{ holderId: walter, pence: 29_001 }] }), coordinator.auth)).json();
  const first = await send(app, 'POST', `${pool}/payments/${big.paymentId}/approval`, undefined, treasurer.auth);
  t.equal(first.statusCode, 200, 'the first of two approvals');
  const second = await send(app, 'POST', `${pool}/payments/${big.paymentId}/approval`, undefined, board.auth);
  t.match(second.json(), { status: 409, type: '/problems/not-enough-in-pool', detail: /holds £290\.00; this payment is £290\.01/ });
});

t.test('bad input is refused, naming the field, and nothing is written', async (t) => {
  const stranger = (await signUp(app, 'Sam Stranger')).personId;
  const cases: Array<[string, string, unknown, string]> = [
    ['negative pence', 'receipts', { source: 'grant', pence: -100, reference: 'x', receivedOn: today }, '/pence'],
    ['pence with decimals', 'receipts', { source: 'grant', pence: 10.5, reference: 'x', receivedOn: today }, '/pence'],
    ['a contribution without its holder', 'receipts', { source: 'contribution', pence: 100, reference: 'x', receivedOn: today }, '/holderId'],
    ['an unknown holder', 'receipts', { source: 'contribution', holderId: stranger, pence: 100, reference: 'x', receivedOn: today }, '/holderId'],
    ['a date in the future', 'receipts', { source: 'grant', pence: 100, reference: 'x', receivedOn: '2999-01-01' }, '/receivedOn'],
    ['shares that do not add up', 'payments', payment({ pence: 6_001 }), '/beneficiaries'],
    ['an unknown beneficiary', 'payments', payment({ beneficiaries: [{ holderId: stranger, pence: 6_000 }] }), '/beneficiaries/0/holderId'],
  ];
  for (const [why, path, body, pointer] of cases) {
    const before = await written(hearth);
    const res = await send(app, 'POST', `${pool}/${path}`, body, treasurer.auth);
    t.ok(res.statusCode === 400 || res.statusCode === 422, `${why}: ${res.statusCode}`);
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.match(res.json(), { errors: [{ pointer }] }, why);
    t.same(await written(hearth), before, `${why}: nothing written`);
  }
});

t.test("a payment is found only through its own pool and network", async (t) => {
  const other = (await send(app, 'POST', `${base}/pools`, { name: 'Outings', twoApproversAbovePence: 0 }, coordinator.auth)).json().poolId;
  const { paymentId } = (await send(app, 'POST', `${pool}/payments`, payment(), coordinator.auth)).json();
  t.match((await send(app, 'POST', `${base}/pools/${other}/payments/${paymentId}/approval`, undefined, treasurer.auth)).json(), { status: 404, type: '/problems/payment-not-found' });
  const elsewhere = (await send(app, 'POST', '/api/v1/networks', { name: 'Elsewhere', kind: 'neighbourhood_network' }, treasurer.auth)).json().networkId;
  t.match((await app.inject({ method: 'GET', url: `/api/v1/networks/${elsewhere}/pools/${poolId}`, headers: treasurer.auth })).json(), { status: 404, type: '/problems/pool-not-found' }, "not through another network, even by that network's coordinator");
});

t.test('If-Match on an approval and a close: a stale one answers 412 and writes nothing; reads carry the ETag', async (t) => {
  const { paymentId, revision } = (await send(app, 'POST', `${pool}/payments`, payment({ pence: 20_001, beneficiaries: [{ holderId: edna, pence: 20_001 }] }), coordinator.auth)).json();
  const read = await app.inject({ method: 'GET', url: `${pool}/payments/${paymentId}?after=${await hearth.store.headPosition()}`, headers: board.auth });
  t.equal(read.statusCode, 200);
  t.equal(read.headers.etag, `"${revision}"`, "a payment's ETag is its revision");
  t.match(read.json(), { paymentId, status: 'submitted', amount: { pence: 20_001 } });
  const first = await send(app, 'POST', `${pool}/payments/${paymentId}/approval`, undefined, { ...treasurer.auth, 'if-match': read.headers.etag as string });
  t.equal(first.statusCode, 200);
  t.equal(first.headers.etag, `"${revision + 1}"`);

  const before = await written(hearth);
  const stale = await send(app, 'POST', `${pool}/payments/${paymentId}/approval`, undefined, { ...board.auth, 'if-match': read.headers.etag as string });
  t.equal(stale.statusCode, 412);
  t.equal(stale.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.match(stale.json(), { type: '/problems/precondition-failed' });
  t.equal(stale.headers.etag, `"${revision + 1}"`, 'and says where it is now');
  t.same(await written(hearth), before, 'nothing written, not even the key');
  t.equal((await send(app, 'POST', `${pool}/payments/${paymentId}/approval`, undefined, { ...board.auth, 'if-match': first.headers.etag as string })).statusCode, 200);

  const poolRead = await app.inject({ method: 'GET', url: `${pool}?after=${await hearth.store.headPosition()}`, headers: treasurer.auth });
  t.match(poolRead.headers.etag, /^"\d+"$/, "a pool's ETag is its revision");
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const closing = { periodEnd: yesterday };
  const staleClose = await send(app, 'POST', `${pool}/periods`, closing, { ...treasurer.auth, 'if-match': '"0"' });
  t.equal(staleClose.statusCode, 412, 'a close on a pool that has moved on since');
  t.equal((await send(app, 'POST', `${pool}/periods`, closing, { ...treasurer.auth, 'if-match': poolRead.headers.etag as string })).statusCode, 201);
  t.match((await send(app, 'POST', `${pool}/periods`, closing, { ...treasurer.auth, 'if-match': 'soon' })).json(), { status: 400, errors: [{ pointer: '/if-match' }] }, 'an If-Match Hearth never gave is refused');
});
