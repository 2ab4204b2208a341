// The HTTP spine: commands with Idempotency-Key, reading your own writes, If-Match, and bad
// input refused as problem+json naming the field, with nothing written.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { backends, freshPglite } from './support/db.ts';
import { testHearth } from './support/hearth.ts';
import { json, openApp, send, signUp, written } from './support/http.ts';
import { buildApp } from '../src/http/app.ts';

let auth: Record<string, string> = {};

const open = (key: string, body: unknown = { name: 'Holbeck Elderly Aid', kind: 'neighbourhood_network' }) => ({
  method: 'POST' as const,
  url: '/api/v1/networks',
  headers: { ...json, ...auth, 'idempotency-key': key },
  payload: JSON.stringify(body),
});

t.test('HTTP on PGlite', async (t) => {
  const { hearth, app, close } = await openApp();
  t.teardown(close);
  auth = (await signUp(app)).auth;

  t.test('open a network, then read it back at once by its position', async (t) => {
    const res = await app.inject(open(randomUUID()));
    t.equal(res.statusCode, 201);
    const body = res.json();
    t.match(body, { networkId: /^[0-9a-f-]{36}$/, revision: 0, position: Number });
    t.equal(res.headers.location, `/api/v1/networks/${body.networkId}`);
    t.equal(res.headers.etag, '"0"');
    const read = await app.inject({ method: 'GET', url: `/api/v1/networks/${body.networkId}?after=${body.position}`, headers: auth });
    t.equal(read.statusCode, 200, 'read your own write');
    t.match(read.json(), { networkId: body.networkId, name: 'Holbeck Elderly Aid', kind: 'neighbourhood_network', revision: 0 });
    t.equal(read.headers.etag, '"0"');
  });

  t.test('the same Idempotency-Key and body replay the first answer and write nothing', async (t) => {
    const key = randomUUID();
    const first = await app.inject(open(key));
    const before = await written(hearth);
    const again = await app.inject(open(key));
    t.equal(again.statusCode, 201);
    t.same(again.json(), first.json());
    t.equal(again.headers.location, first.headers.location);
    t.equal(again.headers['idempotent-replayed'], 'true');
    t.same(await written(hearth), before, 'nothing written by the retry');
    const reordered = await app.inject(open(key, { kind: 'neighbourhood_network', name: 'Holbeck Elderly Aid' }));
    t.equal(reordered.statusCode, 201, 'key order in the body does not matter');
  });

  t.test('the same Idempotency-Key with a different body is a 409', async (t) => {
    const key = randomUUID();
    await app.inject(open(key));
    const before = await written(hearth);
    const other = await app.inject(open(key, { name: 'Somewhere else', kind: 'time_bank' }));
    t.equal(other.statusCode, 409);
    t.equal(other.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.match(other.json(), { type: '/problems/idempotency-key-reused', status: 409 });
    t.same(await written(hearth), before);
  });

  t.test('a state-changing request without an Idempotency-Key is refused, naming the header', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/networks', headers: { ...json, ...auth }, payload: JSON.stringify({ name: 'X', kind: 'time_bank' }) });
    t.equal(res.statusCode, 428);
    t.match(res.json(), { type: '/problems/idempotency-key-required', errors: [{ in: 'headers', pointer: '/idempotency-key' }] });
  });

  t.test('bad input: 400 problem+json naming the field, and nothing written', async (t) => {
    const cases: Array<{ why: string; payload: string; status: number; type: string; pointers: string[] }> = [
      { why: 'malformed JSON', payload: '{"name": "Leeds', status: 400, type: 'malformed-json', pointers: [''] },
      { why: 'an unknown field', payload: JSON.stringify({ name: 'A', kind: 'time_bank', balance: 100 }), status: 400, type: 'validation', pointers: ['/balance'] },
      { why: 'a wrong type', payload: JSON.stringify({ name: 42, kind: 'time_bank' }), status: 400, type: 'validation', pointers: ['/name'] },
      { why: 'a missing field', payload: JSON.stringify({ name: 'A' }), status: 400, type: 'validation', pointers: ['/kind'] },
      { why: 'a value out of the list', payload: JSON.stringify({ name: 'A', kind: 'bank' }), status: 400, type: 'validation', pointers: ['/kind'] },
      { why: 'a blank name', payload: JSON.stringify({ name: '   ', kind: 'time_bank' }), status: 400, type: 'validation', pointers: ['/name'] },
      { why: 'an oversized body', payload: JSON.stringify({ name: 'x'.repeat(70_000), kind: 'time_bank' }), status: 413, type: 'body-too-large', pointers: [] },
    ];
    for (const c of cases) {
      const before = await written(hearth);
      const res = await app.inject({ method: 'POST', url: '/api/v1/networks', headers: { ...json, ...auth, 'idempotency-key': randomUUID() }, payload: c.payload });
      t.equal(res.statusCode, c.status, `${c.why}: status`);
      t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', `${c.why}: problem+json`);
      const problem = res.json();
      t.equal(problem.type, `/problems/${c.type}`, `${c.why}: type`);
      t.match(problem, { title: String, status: c.status, detail: String });
      t.same((problem.errors ?? []).map((e: { pointer: string }) => e.pointer), c.pointers, `${c.why}: names the field`);
      for (const pointer of c.pointers.filter(Boolean)) t.match(problem.detail, pointer.slice(1), `${c.why}: the detail names ${pointer}`);
      t.same(await written(hearth), before, `${c.why}: nothing written`);
    }
    const text = await app.inject({ method: 'POST', url: '/api/v1/networks', headers: { ...auth, 'content-type': 'text/plain', 'idempotency-key': randomUUID() }, payload: 'hello' });
    t.equal(text.statusCode, 415);
    const badId = await app.inject({ method: 'GET', url: '/api/v1/networks/not-a-uuid', headers: auth });
    t.match(badId.json(), { status: 400, errors: [{ in: 'params', pointer: '/networkId' }] });
  });

  t.test('If-Match: a stale revision is refused with 412 and the current ETag', async (t) => {
    const created = (await app.inject(open(randomUUID()))).json();
    const rename = (name: string, ifMatch: string) => app.inject({
      method: 'PATCH',
      url: `/api/v1/networks/${created.networkId}`,
      headers: { ...json, ...auth, 'idempotency-key': randomUUID(), 'if-match': ifMatch },
      payload: JSON.stringify({ name }),
    });
    const ok = await rename('Holbeck Elderly Aid (South)', '"0"');
    t.equal(ok.statusCode, 200);
    t.match(ok.json(), { revision: 1 });
    t.equal(ok.headers.etag, '"1"');
    const before = await written(hearth);
    const stale = await rename('Lost update', '"0"');
    t.equal(stale.statusCode, 412);
    t.equal(stale.headers.etag, '"1"');
    t.match(stale.json(), { type: '/problems/precondition-failed' });
    t.same((await written(hearth)).events, before.events, 'nothing written');
    const garbled = await rename('x', 'yesterday');
    t.match(garbled.json(), { status: 400, errors: [{ in: 'headers', pointer: '/if-match' }] });
    const missing = await app.inject({ method: 'PATCH', url: `/api/v1/networks/${randomUUID()}`, headers: { ...json, ...auth, 'idempotency-key': randomUUID() }, payload: JSON.stringify({ name: 'Ghost' }) });
    t.equal(missing.statusCode, 403, 'nobody coordinates a network that does not exist');
  });

  t.test('lists page with cursors', async (t) => {
    for (const name of ['Armley Helping Hands', 'Bramley Elderly Action', 'Crossgates Good Neighbours']) await app.inject(open(randomUUID(), { name, kind: 'neighbourhood_network' }));
    const seen: string[] = [];
    let url: string | null = '/api/v1/networks?limit=2';
    while (url) {
      const page = (await app.inject({ method: 'GET', url, headers: auth })).json() as { items: { name: string }[]; next: string | null };
      seen.push(...page.items.map((i) => i.name));
      url = page.next ? `/api/v1/networks?limit=2&cursor=${page.next}` : null;
    }
    const all = (await app.inject({ method: 'GET', url: '/api/v1/networks?limit=200', headers: auth })).json().items.map((i: { name: string }) => i.name);
    t.same(seen, all, 'paging visits every network once, in order');
    t.same([...all].sort(), all);
    const bad = await app.inject({ method: 'GET', url: '/api/v1/networks?cursor=nonsense', headers: auth });
    t.match(bad.json(), { status: 400, errors: [{ in: 'querystring', pointer: '/cursor' }] });
  });

  t.test('a read that asks for a position the projections never reach answers 503, not stale data', async (t) => {
    const { app: slowApp, hearth: slow, close: closeSlow } = await openApp(undefined, { READ_WAIT_MS: '200' });
    t.teardown(closeSlow);
    const reader = await signUp(slowApp);
    await slow.engine.stop();
    // A position in the log that no projection will reach while the engine is stopped.
    const { position } = (await send(slowApp, 'POST', '/api/v1/networks', { name: 'Stillwater Time Bank', kind: 'time_bank' }, reader.auth)).json();
    const res = await slowApp.inject({ method: 'GET', url: `/api/v1/networks?after=${position}`, headers: reader.auth });
    t.equal(res.statusCode, 503);
    t.equal(res.headers['retry-after'], '1');
    t.match(res.json(), { type: '/problems/projection-behind' });
  });

  t.test('health, OpenAPI, problem pages and unknown routes', async (t) => {
    const health = await app.inject({ method: 'GET', url: '/health' });
    t.equal(health.statusCode, 200);
    t.match(health.json(), { status: 'ok', eventStore: 'pglite', readStore: 'pglite', head: Number });
    t.same(health.json().projections.map((p: { name: string }) => p.name), hearth.engine.projections.map((p) => p.name).sort(), 'every projection, by name');
    t.ok(health.json().projections.every((p: { lag: unknown; position: unknown }) => typeof p.lag === 'number' && typeof p.position === 'number'));
    const openapi = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    t.equal(openapi.openapi, '3.1.0');
    t.ok(openapi.paths['/api/v1/networks'].post.requestBody, 'request bodies come from the zod schemas');
    t.same(Object.keys(openapi.paths['/api/v1/networks'].post.requestBody.content['application/json'].schema.properties).sort(), ['kind', 'name']);
    t.ok(openapi.paths['/api/v1/networks/{networkId}'].patch);
    const page = await app.inject({ method: 'GET', url: '/problems/idempotency-key-reused' });
    t.equal(page.statusCode, 200);
    t.match(page.body, /<h1>This Idempotency-Key was already used/);
    const missing = await app.inject({ method: 'GET', url: '/nowhere' });
    t.equal(missing.statusCode, 404);
    t.match(missing.json(), { type: '/problems/not-found' });
  });
});

for (const backend of await backends()) {
  t.test(`ten racing retries of one request write once (${backend.name})`, async (t) => {
    const { hearth, app, close } = await openApp(await backend.open());
    t.teardown(close);
    auth = (await signUp(app)).auth;
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 10 }, () => app.inject(open(key))));
    t.same(answers.map((a) => a.statusCode), Array(10).fill(201), 'every twin gets the answer');
    t.equal(new Set(answers.map((a) => a.json().networkId)).size, 1, 'all about the same network');
    t.equal((await written(hearth)).events, 4, 'written once: the sign-up, the network, its coordinator, and that membership on the coordinator\'s own stream');

    const created = answers[0]!.json();
    const renames = await Promise.all(
      Array.from({ length: 8 }, (_, i) => app.inject({
        method: 'PATCH',
        url: `/api/v1/networks/${created.networkId}`,
        headers: { ...json, ...auth, 'idempotency-key': randomUUID() },
        payload: JSON.stringify({ name: `Name ${i}` }),
      })),
    );
    t.same(renames.map((r) => r.statusCode), Array(8).fill(200), 'concurrent commands on one stream all succeed by deciding again');
    t.same(renames.map((r) => r.json().revision).sort((a: number, b: number) => a - b), [1, 2, 3, 4, 5, 6, 7, 8], 'each got its own revision');
  });
}

t.test('logs: JSON with a request id on every line, and no request bodies', async (t) => {
  const lines: string[] = [];
  const { default: pino } = await import('pino');
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const hearth = await testHearth(await freshPglite(), {}, log);
  const app = await buildApp(hearth);
  t.teardown(async () => { await app.close(); await hearth.close(); });
  auth = (await signUp(app)).auth;
  const key = randomUUID();
  const res = await app.inject(open(key, { name: 'Mrs Agnes Whitworth Befriending Circle', kind: 'time_bank' }));
  t.equal(res.statusCode, 201);
  const parsed = lines.map((l) => JSON.parse(l));
  t.ok(parsed.filter((l) => l.req || l.res).every((l) => typeof l.reqId === 'string'), 'every request line carries a request id');
  t.equal(parsed.filter((l) => l.reqId === res.headers['x-request-id']).length, 2, 'the request is logged as it comes and goes, under the id the client was given');
  t.notMatch(lines.join('\n'), /Agnes|Whitworth/, 'the body never reaches the log');
  t.notMatch(lines.join('\n'), key, 'nor the idempotency key');
});
