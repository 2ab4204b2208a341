// The OpenAPI document tells the truth: each operation is named once and tagged, lists the
// problem+json answers it can give, declares the headers the guard requires and honours (checked
// here against the guard's own answers for every write), and gives CSV, HTML and JSON Lines
// answers their media types; the document names its server and Hearth's version.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { json, openApp, send, setUp, signUp } from './support/http.ts';
import { today } from '../src/dates.ts';
import type { Schema } from './support/attacks.ts';

interface Parameter { in: string; name: string; required?: boolean; schema: Schema }
interface Response { description: string; content?: Record<string, { schema: Schema }>; 'x-problem-types'?: string[] }
interface Operation {
  operationId?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, Response>;
  security?: Array<Record<string, string[]>>;
}

const { app, close } = await openApp();
t.teardown(close);
const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
  info: { version: string };
  servers?: Array<{ url: string }>;
  tags?: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};
const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op, name: `${method.toUpperCase()} ${path}` })));
const header = (op: Operation, name: string) => op.parameters?.find((p) => p.in === 'header' && p.name === name);
const problemAnswer = (op: Operation, status: number) => op.responses[String(status)]?.content?.['application/problem+json']?.schema.$ref === '#/components/schemas/Problem';

t.test('every operation has a name of its own and one of the document’s tags', async (t) => {
  t.ok(operations.length > 150, `${operations.length} operations`);
  const ids = operations.map((o) => o.op.operationId);
  t.same(operations.filter((o) => !/^[a-z][A-Za-z]+$/.test(o.op.operationId ?? '')).map((o) => o.name), [], 'camelCase operationIds');
  t.same(ids.filter((id, i) => ids.indexOf(id) !== i), [], 'no operationId twice');
  const tags = new Set(doc.tags?.filter((tag) => tag.description).map((tag) => tag.name));
  t.same(operations.filter((o) => o.op.tags?.length !== 1 || !tags.has(o.op.tags[0]!)).map((o) => o.name), [], 'one described tag each');
  t.equal(doc.paths['/api/v1/networks/{networkId}/timebank/exchanges']?.post?.operationId, 'logExchange');
  t.equal(doc.paths['/api/v1/networks/{networkId}/timebank/exchanges/{exchangeId}/confirmation']?.post?.operationId, 'confirmExchange');
  t.equal(doc.paths['/api/v1/networks']?.get?.operationId, 'listNetworks');
});

t.test('refusals are problem+json, after one Problem schema, by status', async (t) => {
  const problem = doc.components.schemas.Problem!;
  t.same(Object.keys(problem.properties ?? {}).sort(), ['detail', 'errors', 'instance', 'status', 'title', 'type']);
  t.same(Object.keys(problem.properties!.errors!.items!.properties ?? {}).sort(), ['detail', 'in', 'pointer']);
  t.same(problem.required?.sort(), ['detail', 'status', 'title', 'type']);
  const missing: string[] = [];
  const expect = (o: (typeof operations)[number], status: number, type?: string) => {
    if (!problemAnswer(o.op, status)) missing.push(`${o.name} ${status}`);
    else if (type && !o.op.responses[String(status)]!['x-problem-types']?.includes(`/problems/${type}`)) missing.push(`${o.name} ${status} ${type}`);
  };
  for (const o of operations) {
    const open = o.op.security?.some((s) => Object.keys(s).length === 0);
    expect(o, 400, 'bad-url');
    expect(o, 500, 'internal');
    if (o.op.requestBody?.content['application/json']) (expect(o, 400, 'malformed-json'), expect(o, 413, 'body-too-large'), expect(o, 415, 'unsupported-media-type'));
    if (o.path.includes('{')) (expect(o, 404), expect(o, 414, 'uri-too-long'));
    if (o.path.startsWith('/api/v1/') && !open) expect(o, 401, 'sign-in-required');
    if (header(o.op, 'idempotency-key')) (expect(o, 409, 'idempotency-key-reused'), expect(o, 422), expect(o, 428, 'idempotency-key-required'));
    if (header(o.op, 'if-match')) expect(o, 412, 'precondition-failed');
    if (o.op.parameters?.some((p) => p.in === 'query' && p.name === 'after')) expect(o, 503, 'projection-behind');
    for (const [status, answer] of Object.entries(o.op.responses)) {
      if (Number(status) >= 400 && answer.content && !answer.content['application/problem+json'] && o.path !== '/health') missing.push(`${o.name} ${status} is not problem+json`);
    }
  }
  t.same(missing, [], 'each operation lists what it can be refused with');
  t.match(doc.paths['/api/v1/sessions']?.post?.responses['429'], { 'x-problem-types': ['/problems/too-many-sign-in-attempts'] }, 'a refusal of the route’s own');
  t.match(doc.paths['/health']?.get?.responses['503']?.content, { 'application/json': {} }, 'an answer of the route’s own is kept');
});

// A value that fits a schema, with what every field needs and no more.
function fitting(s: Schema, name = ''): unknown {
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  const choices = s.anyOf ?? s.oneOf;
  if (choices) return fitting(choices.find((c) => c.type !== 'null') ?? choices[0]!, name);
  const type = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  switch (type) {
    case 'object':
      return Object.fromEntries((s.required ?? []).map((k) => [k, fitting(s.properties?.[k] ?? {}, k)]));
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => fitting(s.items ?? {}, name));
    case 'integer':
    case 'number':
      return Math.min(Math.max(1, s.minimum ?? 1, s.exclusiveMinimum === undefined ? 1 : s.exclusiveMinimum + 1), s.maximum ?? Infinity);
    case 'boolean':
      return true;
    default:
      if (s.format === 'uuid') return randomUUID();
      if (s.format === 'date') return today();
      if (s.format === 'date-time') return new Date().toISOString();
      if (s.format === 'email') return `someone.${randomUUID().slice(0, 8)}@example.org`;
      return [`Something${'.'.repeat(Math.max(0, (s.minLength ?? 0) - 9))}`, '1', '12.50', '1:30', today()].find((v) => !s.pattern || new RegExp(s.pattern, 'u').test(v));
  }
}

t.test('the headers the document declares are the ones the guard requires and honours, on every write', async (t) => {
  const cora = await signUp(app, 'Cora Coordinator');
  const networkId = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Contract Network', kind: 'time_bank' }, cora.auth), 201)).json().networkId as string;
  const roles = ['member', 'coordinator', 'treasurer', 'board', 'mentor', 'family'];
  await setUp(send(app, 'PUT', `/api/v1/networks/${networkId}/members/${cora.personId}/roles`, { roles, reason: 'holds every role' }, cora.auth), 200);
  // Signing out ends the session it is sent with: the one write that may reach its handler here runs as someone else.
  const dee = await signUp(app, 'Dee Departing');

  const writes = operations.filter((o) => o.method !== 'GET' && o.path.startsWith('/api/v1/'));
  t.ok(writes.length > 90, `${writes.length} writes`);
  const differences: string[] = [];
  for (const o of writes) {
    const url = o.path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'networkId' ? networkId : String(fitting(o.op.parameters!.find((p) => p.in === 'path' && p.name === name)!.schema, name))));
    const query = new URLSearchParams((o.op.parameters ?? []).filter((p) => p.in === 'query' && p.required).map((p) => [p.name, String(fitting(p.schema, p.name))])).toString();
    const content = o.op.requestBody?.content ?? {};
    const body = content['application/json'] ? { headers: json, payload: JSON.stringify(fitting(content['application/json'].schema)) } : content['text/csv'] ? { headers: { 'content-type': 'text/csv' }, payload: 'x\n' } : { headers: {} };
    const auth = o.name === 'DELETE /api/v1/sessions/current' ? dee.auth : cora.auth;
    const sent = (headers: Record<string, string>) => app.inject({ method: o.method as 'POST', url: query ? `${url}?${query}` : url, payload: body.payload, headers: { ...body.headers, ...auth, ...headers } });
    const refused = (res: { statusCode: number; body: string }, status: number, type: string, pointer: string) => {
      if (res.statusCode !== status) return false;
      const problem = JSON.parse(res.body) as { type: string; errors?: Array<{ pointer: string }> };
      return problem.type === `/problems/${type}` && problem.errors?.some((e) => e.pointer === pointer) === true;
    };
    const documented = (status: number) => {
      if (status >= 400 && !problemAnswer(o.op, status)) differences.push(`${o.name}: answered ${status}, which the document does not list`);
    };

    // On-Behalf-Of and If-Match are read before the key, and the bare request comes last: of
    // these, only it may reach a handler (signing in, signing out) with the session it was sent with.
    const forSomeone = await sent({ 'on-behalf-of': randomUUID() });
    documented(forSomeone.statusCode);
    if (forSomeone.statusCode === 400 && JSON.parse(forSomeone.body).type === '/problems/validation') {
      differences.push(`${o.name}: the test's request does not fit: ${forSomeone.body}`);
      continue;
    }
    const takesOnBehalf = !refused(forSomeone, 400, 'on-behalf-not-accepted', '/on-behalf-of');
    if (takesOnBehalf !== Boolean(header(o.op, 'on-behalf-of'))) differences.push(`${o.name}: the guard ${takesOnBehalf ? 'takes' : 'refuses'} On-Behalf-Of (${forSomeone.statusCode}); the document ${header(o.op, 'on-behalf-of') ? 'declares' : 'does not declare'} it`);

    const stale = await sent({ 'if-match': 'not an etag' });
    documented(stale.statusCode);
    const honoursIfMatch = refused(stale, 400, 'validation', '/if-match');
    if (honoursIfMatch !== Boolean(header(o.op, 'if-match'))) differences.push(`${o.name}: the guard ${honoursIfMatch ? 'reads' : 'ignores'} If-Match; the document ${header(o.op, 'if-match') ? 'declares' : 'does not declare'} it`);
    if (header(o.op, 'if-match')?.required) differences.push(`${o.name}: If-Match is never required`);

    const key = header(o.op, 'idempotency-key');
    const bare = await sent({});
    documented(bare.statusCode);
    const keyNeeded = refused(bare, 428, 'idempotency-key-required', '/idempotency-key');
    if (keyNeeded !== (key?.required === true)) differences.push(`${o.name}: the guard ${keyNeeded ? 'requires' : 'does not require'} an Idempotency-Key (${bare.statusCode}); the document ${key ? (key.required ? 'requires it' : 'has it optional') : 'does not have it'}`);
  }
  t.same(differences, [], 'the document and the guard agree');
  const keys = writes.flatMap((o) => header(o.op, 'idempotency-key')?.schema ?? []);
  t.ok(keys.length > 0 && keys.every((k) => k.pattern && new RegExp(k.pattern).test(randomUUID()) && !new RegExp(k.pattern).test('has space')), 'with the pattern the guard checks a key against');
  t.same(
    writes.filter((o) => !header(o.op, 'idempotency-key')?.required).map((o) => o.name),
    ['POST /api/v1/sessions', 'DELETE /api/v1/sessions/current', 'POST /api/v1/networks/{networkId}/members/{personId}/claim-code'],
    'every write needs a key but signing in and out and a claim code, which write nothing to the ledger',
  );
});

t.test('CSV, HTML and JSON Lines answers have their own media types', async (t) => {
  const ok = (path: string, method = 'get') => doc.paths[path]?.[method]?.responses['200']?.content ?? {};
  const csv = operations.filter((o) => o.op.responses['200']?.content?.['text/csv']).map((o) => o.name).sort();
  t.same(csv, [
    'GET /api/v1/networks/{networkId}/coop/register',
    'GET /api/v1/networks/{networkId}/members.csv',
    'GET /api/v1/networks/{networkId}/pools/{poolId}/holders/{holderId}/statement',
    'GET /api/v1/networks/{networkId}/pools/{poolId}/ledger',
    'GET /api/v1/networks/{networkId}/pools/{poolId}/periods/{periodEnd}/statement',
    'GET /api/v1/networks/{networkId}/pools/{poolId}/trial-balance',
    'GET /api/v1/networks/{networkId}/timebank/exchanges.csv',
    'GET /api/v1/networks/{networkId}/vouchers/liability',
  ], 'every export');
  t.same(Object.keys(ok('/api/v1/networks/{networkId}/members.csv')), ['text/csv'], 'a CSV address answers CSV alone');
  t.same(Object.keys(ok('/api/v1/networks/{networkId}/pools/{poolId}/periods/{periodEnd}/statement')).sort(), ['application/json', 'text/csv', 'text/html'], 'by ?format=');
  t.same(Object.keys(ok('/api/v1/networks/{networkId}/audit/digests')).sort(), ['application/json', 'application/jsonl']);
  t.same(Object.keys(ok('/problems/{name}')), ['text/html']);

  // And they are what the server sends.
  const cora = await signUp(app, 'Cora Exporter');
  const networkId = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Export Network', kind: 'time_bank' }, cora.auth), 201)).json().networkId as string;
  const mediaOf = async (url: string, headers: Record<string, string> = cora.auth) => String((await app.inject({ method: 'GET', url, headers })).headers['content-type']).split(';')[0];
  t.equal(await mediaOf(`/api/v1/networks/${networkId}/members.csv`), 'text/csv');
  t.equal(await mediaOf(`/api/v1/networks/${networkId}/timebank/exchanges.csv`), 'text/csv');
  t.equal(await mediaOf(`/api/v1/networks/${networkId}/audit/digests?format=jsonl`), 'application/jsonl');
  t.equal(await mediaOf('/problems/validation', {}), 'text/html');
  t.equal(await mediaOf('/problems/no-such-type', {}), 'application/problem+json', 'an unknown type is a problem of its own');
});

t.test('the document names its server and the version of Hearth', async (t) => {
  t.same(doc.servers?.map((s) => s.url), ['http://127.0.0.1:3000'], 'PUBLIC_URL');
  t.equal(doc.info.version, JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version);
});
