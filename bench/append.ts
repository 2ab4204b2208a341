// Append throughput and latency: W writers, each command reading its stream and appending one
// event at the revision read. Hearth (through its command handler), Emmett's PostgreSQL event
// store doing the same work, and a bare single-row INSERT per commit as the database's own
// limit for one-event transactions, in one run on one database.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { isExpectedVersionConflictError } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { decideAcross } from '../src/commands/decide.ts';
import { networkDecider, networkStream } from '../src/networks/network.ts';
import { scratchHearth } from './scratch.ts';
import { percentiles, type Row } from './measure.ts';

export interface AppendOptions {
  seconds: number;
  writers: number[];
  streams: number;
}

/** Runs `work` from W concurrent loops for the given time; every call's latency counts. */
export async function drive(writers: number, seconds: number, work: () => Promise<void>) {
  const latencies: number[] = [];
  const stopAt = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < stopAt) {
        const started = performance.now();
        await work();
        latencies.push(performance.now() - started);
      }
    }),
  );
  return { perSecond: Math.round(latencies.length / seconds), ...percentiles(latencies) };
}

export async function appendBench(options: AppendOptions): Promise<Row[]> {
  const connections = Math.max(...options.writers) + 2;
  const scratch = await scratchHearth(connections);
  const { hearth } = scratch;
  const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)]!;
  const context = () => ({ actor: 'system:bench', onBehalfOf: null, commandId: randomUUID(), correlationId: randomUUID(), causationId: null, now: new Date().toISOString() });

  const ids = Array.from({ length: options.streams }, () => randomUUID());
  for (const id of ids) {
    await decideAcross(hearth.store, { network: [networkStream(id), networkDecider] }, (s) => ({ network: networkDecider.decide({ type: 'OpenNetwork', networkId: id, name: 'Bench', kind: 'time_bank', openedBy: 'system:bench', now: new Date().toISOString() }, s.network) }), context());
  }
  let renames = 0;
  const hearthCommand = async () => {
    const id = pick(ids);
    await decideAcross(hearth.store, { network: [networkStream(id), networkDecider] }, (s) => ({ network: networkDecider.decide({ type: 'RenameNetwork', networkId: id, name: `Bench ${renames++}` }, s.network) }), context());
  };

  // Emmett on the same database, with a pool as large as Hearth's, streams created the same way.
  const emmettPool = new pg.Pool({ connectionString: scratch.url, max: connections });
  // The scratch database is dropped at the end with its connections; a closing pool may see that.
  emmettPool.on('error', () => {});
  const emmett = getPostgreSQLEventStore(scratch.url, { connectionOptions: { pool: emmettPool } });
  const emmettStreams = ids.map((id) => `network-emmett-${id}`);
  for (const stream of emmettStreams) await emmett.appendToStream(stream, [{ type: 'NetworkOpened', data: { name: 'Bench' } }]);
  // A conflict is read and decided again, as Hearth's handler and Emmett's own command handler do.
  const emmettCommand = async () => {
    const stream = pick(emmettStreams);
    for (;;) {
      const { currentStreamVersion } = await emmett.readStream(stream);
      try {
        await emmett.appendToStream(stream, [{ type: 'NetworkRenamed', data: { name: `Bench ${renames++}` } }], { expectedStreamVersion: currentStreamVersion });
        return;
      } catch (err) {
        if (!isExpectedVersionConflictError(err)) throw err;
      }
    }
  };

  // The floor of one transaction per event: an autocommitted INSERT of one row like an event's.
  const raw = new pg.Pool({ connectionString: scratch.url, max: connections });
  raw.on('error', () => {});
  await raw.query('CREATE TABLE raw_events (id bigserial PRIMARY KEY, stream_id text NOT NULL, event_id uuid NOT NULL, type text NOT NULL, data jsonb NOT NULL)');
  const rawInsert = async () => {
    await raw.query('INSERT INTO raw_events (stream_id, event_id, type, data) VALUES ($1, $2, $3, $4)', [`network-${pick(ids)}`, randomUUID(), 'NetworkRenamed', JSON.stringify({ name: 'Bench' })]);
  };

  const rows: Row[] = [];
  try {
    for (const writers of options.writers) {
      for (const [system, work] of [['Hearth', hearthCommand], ['Emmett', emmettCommand], ['single-row INSERT', rawInsert]] as const) {
        const r = await drive(writers, options.seconds, work);
        rows.push({ section: 'append', system, writers, perSecond: r.perSecond, p50: r.p50, p99: r.p99, p999: r.p999 });
      }
    }
  } finally {
    await emmett.close();
    await emmettPool.end().catch(() => {});
    await raw.end();
    await scratch.drop();
  }
  return rows;
}
