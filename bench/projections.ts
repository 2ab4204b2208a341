// Projections and reads over a long history: a time bank of 100,000 members and 1,000,000 events
// (250,000 confirmed exchanges: logged, confirmed, and a posting to each account), written
// straight into the log by SQL, as a decade of use would leave it. Then: every projection
// catching up from nothing; a full rebuild of the time bank's; a plain SELECT of the same events
// for comparison; and balance and statement reads through the API, as members make them.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { scratchHearth } from './scratch.ts';
import { percentiles, type Row } from './measure.ts';
import { buildApp } from '../src/http/app.ts';
import { eventRegistry } from '../src/events.ts';

export interface ProjectionOptions {
  events: number;
  members: number;
  reads: number;
}

export async function projectionBench(options: ProjectionOptions): Promise<Row[]> {
  const scratch = await scratchHearth(8);
  const { hearth } = scratch;
  const app = await buildApp(hearth);
  const raw = new pg.Client({ connectionString: scratch.url });
  await raw.connect();
  try {
    // A coordinator and a network made through the API, so reads are asked as a coordinator would.
    const headers = (token?: string) => ({ 'content-type': 'application/json', 'idempotency-key': randomUUID(), ...(token ? { authorization: `Bearer ${token}` } : {}) });
    const account = { name: 'Bench Coordinator', email: 'coordinator@bench.example', password: 'a bench passphrase, long enough' };
    const post = async (url: string, payload: object, token?: string) => {
      const res = await app.inject({ method: 'POST', url: `/api/v1${url}`, headers: headers(token), payload });
      if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
      return res.json();
    };
    // Signing up answers alike whether or not the address was known: who signed up is learnt by signing in.
    await post('/accounts', account);
    const session = await post('/sessions', { email: account.email, password: account.password });
    const [coordinator, token] = [session.personId as string, session.token as string];
    const networkId = (await post('/networks', { name: 'Bench Time Bank', kind: 'time_bank' }, token)).networkId as string;
    await hearth.engine.start();
    await hearth.engine.waitFor(hearth.engine.projections.map((p) => p.name), await hearth.store.headPosition(), 30_000);
    await hearth.engine.stop();

    const exchanges = Math.floor(options.events / 4);
    const version = (type: string) => eventRegistry.encode(type, sample[type]).schemaVersion;
    await raw.query(`CREATE FUNCTION pg_temp.u(t text) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$ SELECT (substr(h, 1, 12) || '4' || substr(h, 14, 3) || '8' || substr(h, 18, 15))::uuid FROM md5(t) AS h $$`);
    const generated = performance.now();
    await raw.query(
      `INSERT INTO events (global_position, stream_id, stream_revision, event_id, type, schema_version, data, metadata)
       WITH x AS (
         SELECT k, pg_temp.u('x' || k) AS xid, pg_temp.u('m' || (k * 7919) % $3) AS p,
                pg_temp.u('m' || ((k * 7919) % $3 + 1 + (k * 104729) % ($3 - 1)) % $3) AS r,
                30 + k % 90 AS minutes, (date '2016-01-01' + (k * 3653 / $4)::integer)::text AS day
           FROM generate_series(1, $4::bigint) AS k
       ), e AS (
         SELECT $5::bigint + (x.k - 1) * 4 + v.j AS position, v.stream_id, v.revision, v.type, v.version, v.data,
                jsonb_build_object('actor', $2::text, 'onBehalfOf', NULL, 'commandId', pg_temp.u('c' || x.k), 'correlationId', pg_temp.u('r' || x.k),
                                   'causationId', NULL, 'recordedAt', x.day || 'T12:00:00.000Z') AS metadata
           FROM x CROSS JOIN LATERAL (VALUES
             (1, 'exchange-' || x.xid, 0::bigint, 'timebank.ExchangeLogged', $6::integer, jsonb_build_object('exchangeId', x.xid, 'networkId', $1::uuid, 'providerId', x.p, 'receiverId', x.r,
                 'minutes', x.minutes, 'category', 'gardening', 'ratePercent', 100, 'credited', x.minutes, 'description', jsonb_build_object('clear', 'Weeding'), 'occurredOn', x.day, 'loggedBy', $2::uuid)),
             (2, 'exchange-' || x.xid, 1::bigint, 'timebank.ExchangeConfirmed', $7::integer, jsonb_build_object('exchangeId', x.xid, 'confirmedBy', $2::uuid)),
             (3, 'account-' || $1::text || '-' || x.p, NULL, 'timebank.Posted', $8::integer, jsonb_build_object('networkId', $1::uuid, 'holder', x.p, 'minutes', x.minutes, 'reason', 'exchange', 'ref', x.xid, 'counterparty', x.r)),
             (4, 'account-' || $1::text || '-' || x.r, NULL, 'timebank.Posted', $8::integer, jsonb_build_object('networkId', $1::uuid, 'holder', x.r, 'minutes', -x.minutes, 'reason', 'exchange', 'ref', x.xid, 'counterparty', x.p))
           ) AS v(j, stream_id, revision, type, version, data)
       )
       SELECT e.position, e.stream_id, coalesce(e.revision, row_number() OVER (PARTITION BY e.stream_id ORDER BY e.position) - 1), pg_temp.u('e' || e.position), e.type, e.version, e.data, e.metadata
         FROM e ORDER BY e.position`,
      [networkId, coordinator, options.members, exchanges, await hearth.store.headPosition(), version('timebank.ExchangeLogged'), version('timebank.ExchangeConfirmed'), version('timebank.Posted')],
    );
    // As a long-lived table would be: vacuumed and analysed, so no autovacuum runs in the middle of a measurement.
    await raw.query('VACUUM (ANALYZE) events');
    const head = await hearth.store.headPosition();
    const total = exchanges * 4;
    const rows: Row[] = [{ section: 'history', system: 'events written by SQL', perSecond: Math.round(total / ((performance.now() - generated) / 1000)), note: `${total} events, ${options.members} members` }];

    const names = hearth.engine.projections.map((p) => p.name);
    let started = performance.now();
    await hearth.engine.start();
    if (!(await hearth.engine.waitFor(names, head, 3_600_000))) throw new Error('projections did not catch up');
    rows.push({ section: 'projections', system: `catch-up, all ${names.length} projections`, perSecond: Math.round(total / ((performance.now() - started) / 1000)), note: `${((performance.now() - started) / 1000).toFixed(1)} s` });
    await hearth.engine.stop();

    started = performance.now();
    await hearth.engine.rebuild('timebank');
    const rebuild = total / ((performance.now() - started) / 1000);
    rows.push({ section: 'projections', system: 'full rebuild of timebank', perSecond: Math.round(rebuild), note: `${((performance.now() - started) / 1000).toFixed(1)} s` });

    // The same events read the way a rebuild reads them, in position order and batches, and nothing done with them.
    started = performance.now();
    for (let after = 0; ; ) {
      const { rows: batch } = await raw.query('SELECT * FROM events WHERE global_position > $1 ORDER BY global_position LIMIT 5000', [after]);
      if (batch.length === 0) break;
      after = Number(batch.at(-1).global_position);
    }
    const select = head / ((performance.now() - started) / 1000);
    rows.push({ section: 'projections', system: 'plain SELECT of the events', perSecond: Math.round(select), note: `rebuild at ${Math.round((rebuild / select) * 100)}% of it` });

    // What a rebuild's reading costs on its own: the same batches through the event store, checked and upcast.
    started = performance.now();
    for (let after = 0; ; ) {
      const batch = await hearth.store.readAll({ after, maxCount: 5000 });
      if (batch.length === 0) break;
      after = batch.at(-1)!.position;
    }
    rows.push({ section: 'projections', system: 'reading the events through the store', perSecond: Math.round(head / ((performance.now() - started) / 1000)), note: 'checked by their schemas, upcast' });

    const holders = (await raw.query(`SELECT holder FROM timebank_accounts WHERE network_id = $1 ORDER BY random() LIMIT $2`, [networkId, options.reads])).rows.map((r) => r.holder as string);
    for (const [label, path] of [
      ['balance', (id: string) => `/api/v1/networks/${networkId}/timebank/accounts/${id}`],
      ['statement, one year', (id: string) => `/api/v1/networks/${networkId}/timebank/accounts/${id}/statement?from=2020-01-01&to=2020-12-31`],
    ] as const) {
      const latencies: number[] = [];
      for (const id of holders) {
        const t0 = performance.now();
        const res = await app.inject({ method: 'GET', url: path(id), headers: { authorization: `Bearer ${token}` } });
        latencies.push(performance.now() - t0);
        if (res.statusCode !== 200) throw new Error(`${label}: ${res.statusCode} ${res.body}`);
      }
      rows.push({ section: 'reads', system: `${label} over the API`, ...percentiles(latencies), note: `${holders.length} members at random, one at a time` });
    }
    return rows;
  } finally {
    await app.close();
    await raw.end();
    await scratch.drop();
  }
}

/** One valid example of each generated event's data, to learn its current schema version. */
const sample: Record<string, unknown> = {
  'timebank.ExchangeLogged': {
    exchangeId: randomUUID(), networkId: randomUUID(), providerId: randomUUID(), receiverId: randomUUID(), minutes: 60, category: 'gardening',
    ratePercent: 100, credited: 60, description: { clear: 'Weeding' }, occurredOn: '2020-01-01', loggedBy: randomUUID(),
  },
  'timebank.ExchangeConfirmed': { exchangeId: randomUUID(), confirmedBy: randomUUID() },
  'timebank.Posted': { networkId: randomUUID(), holder: randomUUID(), minutes: 60, reason: 'exchange', ref: randomUUID(), counterparty: randomUUID() },
};
