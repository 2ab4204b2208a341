// The requests of issue 18 that answered 5xx or not problem+json, exactly as they were sent: JSON
// nested 20,000 deep on join-requests, a path parameter over 100 characters, a path nothing
// answers, and the two reads dated 0000-01-01. Each is refused as problem+json and writes nothing.
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { openApp, written } from './support/http.ts';
import { seedEveryKind } from './support/attacks.ts';
import { canonicalJson } from '../src/http/guard.ts';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../src/http/edges.ts';
import { addDays, addMonths, daysBetween } from '../src/dates.ts';

const problem = 'application/problem+json; charset=utf-8';
const { hearth, app, close } = await openApp(undefined, { PROJECTION_POLL_MS: '1000' });
t.teardown(close);
const seeded = await seedEveryKind(app);
const { cora } = seeded;
const [timeBank, neighbourhood, coop] = seeded.networkIds as [string, string, string, string];
const poolId = seeded.known.find(([field]) => field === 'poolId')![1];

type Answer = Awaited<ReturnType<typeof app.inject>>;

/** Refused with this status as problem+json of this type, and nothing written: neither an event nor a key. */
async function refused(t: Test, why: string, call: () => Promise<Answer>, status: number, type: string) {
  const before = await written(hearth);
  const res = await call();
  t.equal(res.statusCode, status, `${why}: ${status}`);
  t.equal(res.headers['content-type'], problem, `${why}: problem+json`);
  t.match(res.json(), { type: `/problems/${type}`, status, detail: String }, `${why}: ${type}`);
  t.same(await written(hearth), before, `${why}: nothing written`);
  return res;
}

const post = (url: string, payload: string) => app.inject({ method: 'POST', url, headers: { ...cora.auth, 'content-type': 'application/json', 'idempotency-key': randomUUID() }, payload });
const get = (url: string) => app.inject({ method: 'GET', url, headers: cora.auth });

t.test('JSON nested 20,000 deep', async (t) => {
  const deep = '['.repeat(20_000) + ']'.repeat(20_000);
  await refused(t, 'on join-requests, by anyone signed in', () => post(`/api/v1/networks/${timeBank}/join-requests`, deep), 400, 'malformed-json');
  const deepObject = '{"a":'.repeat(MAX_JSON_DEPTH + 1) + '1' + '}'.repeat(MAX_JSON_DEPTH + 1);
  await refused(t, `an object one level past ${MAX_JSON_DEPTH}`, () => post(`/api/v1/networks/${timeBank}/join-requests`, deepObject), 400, 'malformed-json');
  // At the limit the body is read, and refused for what it says, not for its depth.
  const atLimit = '{"a":'.repeat(MAX_JSON_DEPTH) + '1' + '}'.repeat(MAX_JSON_DEPTH);
  const res = await post(`/api/v1/networks/${neighbourhood}/pools`, atLimit);
  t.equal(res.statusCode, 400);
  t.match(res.json(), { type: '/problems/validation' }, `${MAX_JSON_DEPTH} levels are parsed and then validated`);
  t.match((await post(`/api/v1/networks/${timeBank}/join-requests`, '{"__proto__":{"polluted":true}}')).json(), { status: 400 }, 'a poisoned prototype is still refused');
});

t.test('the depth of JSON text is counted outside its strings only', async (t) => {
  t.notOk(nestsDeeperThan('[[1]]', 2));
  t.ok(nestsDeeperThan('[[[1]]]', 2));
  t.notOk(nestsDeeperThan('["[[[[[", {"a": "{{{{"}]', 2), 'brackets inside strings do not count');
  t.notOk(nestsDeeperThan('["\\"[[[[", 1]', 1), 'an escaped quote does not end a string');
  t.ok(nestsDeeperThan('["\\\\", [[1]]]', 2), 'an escaped backslash does');
});

t.test('the fingerprint of a deep value takes no stack', async (t) => {
  let deep: unknown = 1;
  for (let i = 0; i < 200_000; i++) deep = i % 2 ? [deep] : { b: deep, a: undefined };
  const text = canonicalJson(deep);
  t.equal(text.length, 100_000 * '[]'.length + 100_000 * '{"b":}'.length + 1);
  t.equal(canonicalJson({ b: [1, { d: null, c: 'x' }], a: undefined, e: [undefined] }), '{"b":[1,{"c":"x","d":null}],"e":[null]}', 'keys sorted, undefined left out of objects and null in arrays, as before');
});

t.test('a path parameter over 100 characters: 414 as problem+json', async (t) => {
  const res = await refused(t, 'a network id of 101 characters', () => get(`/api/v1/networks/${'a'.repeat(101)}`), 414, 'uri-too-long');
  t.ok(res.headers['x-request-id'], 'with its request id');
  await refused(t, 'and on a write', () => post(`/api/v1/networks/${'a'.repeat(101)}/join-requests`, '{}'), 414, 'uri-too-long');
});

t.test('nothing at the address: 404 as problem+json', async (t) => {
  await refused(t, 'an unknown API path', () => get('/api/v1/nothing-here'), 404, 'not-found');
  await refused(t, 'an unknown method on a known path', () => app.inject({ method: 'DELETE', url: `/api/v1/networks/${timeBank}`, headers: cora.auth }), 404, 'not-found');
});

t.test('addresses that cannot be read', async (t) => {
  await refused(t, 'a broken percent-encoding', () => get('/api/v1/networks/%E0%A4%A'), 400, 'bad-url');
  await refused(t, 'a NUL in the path', () => get(`/api/v1/networks/${timeBank}%00`), 400, 'bad-url');
  const nul = await refused(t, 'a NUL in the query', () => get(`/api/v1/networks/${neighbourhood}/vouchers/redeemable?activity=a%00b`), 400, 'bad-url');
  t.match(nul.json(), { errors: [{ in: 'querystring' }] });
  const head = await hearth.store.headPosition();
  const past = await refused(t, 'a position past the head of the log', () => get(`/api/v1/networks/${timeBank}?after=${head + 1_000}`), 400, 'validation');
  t.match(past.json(), { errors: [{ in: 'querystring', pointer: '/after' }] }, 'naming after');
  t.equal((await get(`/api/v1/networks/${timeBank}?after=${head}`)).statusCode, 200, 'the head itself is read');
});

t.test('the reads dated 0000-01-01', async (t) => {
  // Refused for the date's window where the query is validated (400), or else, for a range of
  // centuries, as too long to show (422): never a 5xx, always naming the parameter.
  const names = (res: Answer, param: string) => ((res.json().errors ?? []) as Array<{ in: string; pointer: string }>).some((e) => e.pointer === `/${param}`);
  const balances = `/api/v1/networks/${neighbourhood}/pools/${poolId}/balances`;
  for (const query of ['from=0000-01-01']) {
    const before = await written(hearth);
    const res = await get(`${balances}?${query}`);
    t.ok(res.statusCode === 400 || res.statusCode === 422, `pool balances ?${query}: refused (${res.statusCode})`);
    t.equal(res.headers['content-type'], problem, 'as problem+json');
    t.ok(names(res, 'from'), `naming from: ${res.body}`);
    t.same(await written(hearth), before, 'nothing written');
  }
  const register = await refused(t, 'the co-op register asAt=0000-01-01', () => get(`/api/v1/networks/${coop}/coop/register?asAt=0000-01-01`), 400, 'validation');
  t.ok(names(register, 'asAt'), `naming asAt: ${register.body}`);
});

t.test('date arithmetic at the ends of the calendar', async (t) => {
  t.equal(addDays('0000-01-01', -1), '0000-01-01', 'stops at the first day');
  t.equal(addDays('9999-12-31', 1), '9999-12-31', 'and at the last');
  t.equal(addDays('2024-02-28', 1), '2024-02-29');
  t.equal(addMonths('0000-03-15', -11), '0000-01', 'months stay four-digit years');
  t.equal(addMonths('2026-01-31', -1), '2025-12');
  t.equal(addMonths('9999-12-01', 1), '9999-12');
  t.equal(daysBetween('0000-01-01', '0000-01-02'), 1);
  t.throws(() => addDays('0-01-01', 1), RangeError, 'what is not a date is said to be one no more');
});
