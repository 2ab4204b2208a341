// What operators see: /metrics moves as commands run (requests, outcomes, appends, projections),
// names no one in its labels, and is kept to operators when METRICS_TOKEN is set; /health gives the
// version, and neither fills the log at info.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { serverFirstBackend } from './support/db.ts';
import { caughtUp } from './support/hearth.ts';
import { joined, openApp, send, setUp, signUp } from './support/http.ts';
import { buildApp, type App } from '../src/http/app.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';

/** One figure of a scrape: the sum of the samples of that name whose labels include those given. */
function figure(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample || sample[1] !== name) continue;
    const has = Object.fromEntries([...(sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => has[k] === v)) sum += Number(sample[3]);
  }
  return sum;
}

const scrape = async (app: App, headers: Record<string, string> = {}) => {
  const res = await app.inject({ method: 'GET', url: '/metrics', headers });
  if (res.statusCode !== 200) throw new Error(`scrape failed: ${res.statusCode} ${res.body}`);
  return res.body;
};

// The server where there is one; PGlite otherwise: what is counted does not depend on the store.
for (const backend of [await serverFirstBackend()]) {
  t.test(`metrics on ${backend.name}`, async (t) => {
    const { hearth, app, close } = await openApp(await backend.open());
    t.teardown(close);
    const coordinator = await signUp(app, 'Cath Coordinator');
    const networkId = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Armley Time Bank', kind: 'time_bank' }, coordinator.auth), 201)).json().networkId;
    const tb = `/api/v1/networks/${networkId}/timebank`;
    const ann = await joined(app, networkId, coordinator, 'Ann Giver');
    const bob = await joined(app, networkId, coordinator, 'Bob Receiver');
    await setUp(send(app, 'PUT', `${tb}/categories/gardening`, {}, coordinator.auth), 200);
    const exchange = { providerId: ann.personId, receiverId: bob.personId, minutes: 90, category: 'gardening', description: 'Weeded the front beds', occurredOn: new Date().toISOString().slice(0, 10) };
    const exchanges = '/api/v1/networks/:networkId/timebank/exchanges';

    t.test('an exchange logged and confirmed moves the requests, the commands, the appends and the projections', async (t) => {
      t.ok(await caughtUp(hearth), 'projections caught up before');
      const before = await scrape(app);
      const logged = await send(app, 'POST', `${tb}/exchanges`, exchange, ann.auth);
      t.equal(logged.statusCode, 201);
      const confirmed = await send(app, 'POST', `${tb}/exchanges/${logged.json().exchangeId}/confirmation`, undefined, bob.auth);
      t.equal(confirmed.statusCode, 200);
      t.ok(await caughtUp(hearth), 'projections caught up after');
      const after = await scrape(app);
      const moved = (name: string, labels: Record<string, string> = {}) => figure(after, name, labels) - figure(before, name, labels);

      t.equal(moved('hearth_http_requests_total', { route: exchanges, method: 'POST', status: '201' }), 1, 'the log, by its route pattern');
      t.equal(moved('hearth_http_requests_total', { route: `${exchanges}/:exchangeId/confirmation`, method: 'POST', status: '200' }), 1, 'the confirmation');
      t.equal(moved('hearth_http_request_duration_seconds_count', { route: exchanges, method: 'POST' }), 1, 'its latency observed');
      t.equal(moved('hearth_commands_total', { outcome: 'written' }), 2, 'two commands written');
      t.ok(moved('hearth_appends_total', { outcome: 'written' }) >= 2, 'appended at least twice');
      t.ok(moved('hearth_append_events_sum') >= 2, 'the events appended, counted per append');
      t.ok(moved('hearth_append_batch_commands_count') >= 1, 'and the commits that wrote them');
      const head = await hearth.store.headPosition();
      t.equal(figure(after, 'hearth_log_head_position'), head, 'the head of the log');
      t.ok(head >= confirmed.json().position);
      t.equal(figure(after, 'hearth_projection_position', { projection: 'timebank' }), head, 'the time bank projection at the head');
      t.ok(moved('hearth_projection_position', { projection: 'timebank' }) > 0, 'and moved with the commands');
      t.equal(figure(after, 'hearth_projection_lag_events'), 0, 'no projection behind');
      t.ok(after.includes('process_resident_memory_bytes') && after.includes('nodejs_eventloop_lag_seconds'), 'memory and event-loop delay');
      for (const id of [networkId, ann.personId, bob.personId, logged.json().exchangeId]) t.notOk(after.includes(id), 'no id in any label');
    });

    t.test('a replayed command, a refused one and an unmatched route each move their own counter', async (t) => {
      const before = await scrape(app);
      const key = randomUUID();
      const first = await send(app, 'POST', `${tb}/exchanges`, exchange, { ...ann.auth, 'idempotency-key': key });
      t.equal(first.statusCode, 201);
      const again = await send(app, 'POST', `${tb}/exchanges`, exchange, { ...ann.auth, 'idempotency-key': key });
      t.equal(again.headers['idempotent-replayed'], 'true');
      const own = await send(app, 'POST', `${tb}/exchanges/${first.json().exchangeId}/confirmation`, undefined, ann.auth);
      t.equal(own.statusCode, 403);
      const invalid = await send(app, 'POST', `${tb}/exchanges`, { ...exchange, minutes: -5 }, ann.auth);
      t.equal(invalid.statusCode, 400);
      const lost = await app.inject({ method: 'GET', url: `/no/such/place/${ann.personId}` });
      t.equal(lost.statusCode, 404);
      const after = await scrape(app);
      const moved = (name: string, labels: Record<string, string>) => figure(after, name, labels) - figure(before, name, labels);

      t.equal(moved('hearth_commands_total', { outcome: 'written' }), 1, 'the first written');
      t.equal(moved('hearth_commands_total', { outcome: 'replayed' }), 1, 'the retry replayed');
      t.equal(moved('hearth_commands_total', { outcome: 'refused', problem: 'own-exchange' }), 1, 'a refusal, by its problem type');
      t.equal(moved('hearth_commands_total', { outcome: 'refused', problem: 'validation' }), 1, 'bad input, by its problem type');
      t.equal(moved('hearth_commands_total', { outcome: 'conflict' }), 0);
      t.equal(moved('hearth_http_requests_total', { route: 'unmatched', method: 'GET', status: '404' }), 1, 'an unknown address, counted as unmatched');
      t.notOk(after.includes('/no/such/place'), 'and never by the address asked for');
    });

    t.test('a stale If-Match counts as a conflict', async (t) => {
      const logged = await send(app, 'POST', `${tb}/exchanges`, exchange, ann.auth);
      const before = await scrape(app);
      const stale = await send(app, 'POST', `${tb}/exchanges/${logged.json().exchangeId}/confirmation`, undefined, { ...bob.auth, 'if-match': '"7"' });
      t.equal(stale.statusCode, 412, stale.body);
      const after = await scrape(app);
      t.equal(figure(after, 'hearth_commands_total', { outcome: 'conflict', problem: 'precondition-failed' }) - figure(before, 'hearth_commands_total', { outcome: 'conflict', problem: 'precondition-failed' }), 1);
    });

    t.test('METRICS_TOKEN keeps /metrics to operators', async (t) => {
      const token = 'operators-only-0123456789abcdef';
      // The same Hearth, served as it is when METRICS_TOKEN is set.
      const guarded = await buildApp({ ...hearth, config: { ...hearth.config, METRICS_TOKEN: token } });
      t.teardown(() => guarded.close());
      const refusals = async () => figure(await scrape(app), 'hearth_http_requests_total', { route: '/metrics', status: '401' });
      const before = await refusals();
      const none = await guarded.inject({ method: 'GET', url: '/metrics' });
      t.equal(none.statusCode, 401);
      t.match(none.headers['content-type'], /^application\/problem\+json/);
      t.equal(none.headers['www-authenticate'], 'Bearer');
      t.match(none.json(), { type: '/problems/operator-token-required', errors: [{ in: 'headers', pointer: '/authorization', detail: 'missing' }] });
      const wrong = await guarded.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}x` } });
      t.equal(wrong.statusCode, 401, 'a wrong token');
      t.equal((await guarded.inject({ method: 'GET', url: '/metrics', headers: ann.auth })).statusCode, 401, "a person's session is not the operators' token");
      const right = await guarded.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } });
      t.equal(right.statusCode, 200);
      t.match(right.headers['content-type'], /^text\/plain; version=0\.0\.4/);
      t.equal((await refusals()) - before, 3, 'the refused scrapes counted too');
    });

    t.test('/health gives the version; it and /metrics are logged at debug, not info', async (t) => {
      const lines: Array<{ level: number; reqId?: string; msg: string }> = [];
      const log = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) });
      const logged = await buildApp({ ...hearth, log });
      t.teardown(() => logged.close());
      const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
      const linesOf = (res: { headers: Record<string, unknown> }) => lines.filter((l) => l.reqId === res.headers['x-request-id']);

      const health = await logged.inject({ method: 'GET', url: '/health' });
      t.equal(health.json().version, version, 'the version package.json gives');
      const metrics = await logged.inject({ method: 'GET', url: '/metrics' });
      const other = await logged.inject({ method: 'GET', url: '/api/v1/openapi.json' });
      t.same(linesOf(health), [], '/health: nothing at info');
      t.same(linesOf(metrics), [], '/metrics: nothing at info');
      t.ok(linesOf(other).length >= 2, 'while other requests are logged at info, as they come and as they are answered');

      log.level = 'debug';
      for (const url of ['/health', '/metrics']) {
        const res = await logged.inject({ method: 'GET', url });
        t.match(linesOf(res), [{ level: 20, msg: 'incoming request' }, { level: 20, msg: 'request completed' }], `${url} at debug: both lines`);
      }
    });
  });
}

t.test('METRICS_TOKEN is checked at start', async (t) => {
  t.throws(() => loadConfig({ METRICS_TOKEN: 'short' }), ConfigError, 'a token too short to be a secret stops the start');
  t.equal(loadConfig({ METRICS_TOKEN: 'operators-only-0123456789abcdef' }).METRICS_TOKEN, 'operators-only-0123456789abcdef');
  t.equal(loadConfig({}).METRICS_TOKEN, undefined, 'unset, /metrics is open');
});
