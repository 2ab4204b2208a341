// The event store on PostgreSQL: a server through pg, or embedded PGlite. Both speak the same
// SQL, so one adapter serves both; see migrations/0001_event_store.ts for why reading by
// global position alone is safe under concurrent writers.
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import {
  AppendSignal,
  UnsupportedByStore,
  WrongExpectedRevision,
  type AppendObserver,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamWrite,
  type SubscribeOptions,
} from './port.ts';
import { Batcher } from './batcher.ts';

const READ_BATCH = 1000;

type Command = Array<{ stream: string; expected: string; events: unknown[] }>;
type Outcome = { stream: string; outcome: string; revision: number; last_position: number | null };
type Row = Parameters<typeof toRecorded>[0];

/** Most commands in one commit, or streams in one read: enough to ride out a burst, few enough to keep each short. */
const MAX_BATCH = 256;

export class PostgresEventStore implements EventStore {
  readonly #appended = new AppendSignal();
  /**
   * Group commit: the appends of concurrent commands go to the database together, in one
   * transaction (see 0008). A command sharing a stream with one already in the batch waits for
   * the next, so that each is judged on what is stored.
   */
  readonly #appends = new Batcher<Command, Outcome[]>({
    max: MAX_BATCH,
    holds: (command) => command.map((w) => w.stream),
    taken: (size) => this.observer?.batched(size),
    run: async (commands) => {
      const { rows } = await sql<Outcome & { command: number }>`SELECT * FROM hearth_append_batch(${JSON.stringify(commands)}::text::jsonb)`.execute(this.db);
      const byCommand = commands.map((): Outcome[] => []);
      for (const row of rows) byCommand[row.command - 1]!.push(row);
      return byCommand;
    },
  });

  /** Reads of whole streams (or their ends) asked for together go as one query; one alone takes the simplest. */
  readonly #reads = new Batcher<{ streamId: string; from: number }, RecordedEvent[]>({
    max: MAX_BATCH,
    concurrency: 2,
    run: async (reads) => {
      if (reads.length === 1) return [await this.#select(reads[0]!.streamId, { fromRevision: reads[0]!.from })];
      // One index probe a stream (see 0029): as a join, the planner scanned the whole table.
      const { rows } = await sql<Row & { read: number }>`
        SELECT * FROM hearth_read_streams(${reads.map((r) => r.streamId)}::text[], ${reads.map((r) => r.from)}::bigint[])`.execute(this.db);
      const byRead = reads.map((): RecordedEvent[] => []);
      for (const row of rows) byRead[row.read - 1]!.push(toRecorded(row));
      return byRead;
    },
  });

  constructor(
    private readonly db: Db,
    readonly kind: 'postgres' | 'pglite',
    /** How often a live subscription looks for events appended by other processes. */
    private readonly pollMs = 250,
    private readonly observer?: AppendObserver,
    /** Commit one stream at a time, as EventStoreDB does: an append to several streams is refused. */
    private readonly oneStream = false,
  ) {}

  async append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const [result] = await this.appendMany([{ streamId, events, expected }]);
    return result!;
  }

  async appendMany(writes: StreamWrite[]): Promise<AppendResult[]> {
    if (this.oneStream && writes.length > 1) throw new UnsupportedByStore('an atomic append to several streams', 'PostgreSQL committing one stream at a time');
    const streams = new Set(writes.map((w) => w.streamId));
    if (streams.size !== writes.length) throw new Error('each stream may appear once in an append');
    for (const w of writes) {
      if (new Set(w.events.map((e) => e.id)).size !== w.events.length) throw new Error('event ids must be unique within an append');
    }
    const command = writes.map((w) => ({
      stream: w.streamId,
      expected: String(w.expected),
      events: w.events.map((e) => ({ id: e.id, type: e.type, schemaVersion: e.schemaVersion, data: e.data, metadata: e.metadata })),
    }));
    const rows = await this.#appends.submit(command);
    const failed = rows.find((r) => r.outcome === 'wrong_expected_revision') ?? rows.find((r) => r.outcome === 'not_written');
    if (failed) {
      const write = writes.find((w) => w.streamId === failed.stream)!;
      throw new WrongExpectedRevision(failed.stream, write.expected, Number(failed.revision));
    }
    if (rows.some((r) => r.outcome === 'appended') && writes.some((w) => w.events.length > 0)) this.#appended.notify();
    // A stream written with no events is only held at its revision: it says nothing of a replay.
    this.observer?.appended(writes.reduce((n, w) => n + w.events.length, 0), writes.every((w, i) => w.events.length === 0 || rows[i]!.outcome === 'replayed'));
    return Promise.all(
      rows.map(async (row) => ({
        revision: Number(row.revision),
        position: row.last_position === null ? await this.#streamPosition(row.stream) : Number(row.last_position),
        replayed: row.outcome === 'replayed',
      })),
    );
  }

  readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    if (options.direction !== 'backwards' && options.maxCount === undefined) return this.#reads.submit({ streamId, from: options.fromRevision ?? 0 });
    return this.#select(streamId, options);
  }

  async #select(streamId: string, options: ReadStreamOptions): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    let query = this.db.selectFrom('events').selectAll().where('stream_id', '=', streamId);
    if (options.fromRevision !== undefined) query = query.where('stream_revision', backwards ? '<=' : '>=', options.fromRevision);
    query = query.orderBy('stream_revision', backwards ? 'desc' : 'asc');
    if (options.maxCount !== undefined) query = query.limit(options.maxCount);
    return (await query.execute()).map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .where('global_position', '>', options.after ?? 0)
      .orderBy('global_position')
      .limit(options.maxCount ?? READ_BATCH)
      .execute();
    return rows.map(toRecorded);
  }

  async *subscribeToAll(options: SubscribeOptions = {}): AsyncIterable<RecordedEvent> {
    let after = options.after ?? 0;
    const { signal } = options;
    while (!signal?.aborted) {
      const batch = await this.readAll({ after, maxCount: READ_BATCH });
      for (const event of batch) {
        yield event;
        after = event.position;
      }
      if (batch.length === READ_BATCH) continue;
      await this.waitForAppend(this.pollMs, signal);
    }
  }

  async headPosition(): Promise<number> {
    const row = await this.db.selectFrom('events').select((eb) => eb.fn.max('global_position').as('head')).executeTakeFirst();
    return Number(row?.head ?? 0);
  }

  waitForAppend(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.#appended.wait(timeoutMs, signal);
  }

  async close(): Promise<void> {
    this.#appended.notify();
  }

  async #streamPosition(streamId: string): Promise<number> {
    const [last] = await this.readStream(streamId, { direction: 'backwards', maxCount: 1 });
    return last?.position ?? 0;
  }
}

function toRecorded(row: {
  global_position: number;
  stream_id: string;
  stream_revision: number;
  event_id: string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: unknown;
}): RecordedEvent {
  return {
    id: row.event_id,
    streamId: row.stream_id,
    revision: Number(row.stream_revision),
    position: Number(row.global_position),
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata as RecordedEvent['metadata'],
  };
}
