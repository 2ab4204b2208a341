// The event store port. Semantics follow EventStoreDB's so that every adapter
// (PostgreSQL, PGlite, EventStoreDB) can be held to one contract test suite.

/** What the writer believes about the stream before appending. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface EventMetadata {
  /** Who did it: a person's id, or a system actor such as "system:cli". */
  actor: string;
  /** The member the actor acted for, when a coordinator acts on someone's behalf. */
  onBehalfOf: string | null;
  commandId: string;
  correlationId: string;
  causationId: string | null;
  /** ISO 8601 UTC, from the command's clock, not the database's. */
  recordedAt: string;
  /**
   * This event's hash, chained to the previous event of its stream, as the writer computed it
   * (src/eventstore/hash.ts); absent on events written before writers kept it.
   */
  hash?: string;
}

/** An event as the writer hands it over. */
export interface NewEvent {
  id: string;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: EventMetadata;
}

/** An event as it was stored. Positions are whole numbers; the global position is gap-free on PostgreSQL. */
export interface RecordedEvent extends NewEvent {
  streamId: string;
  revision: number;
  position: number;
}

export interface AppendResult {
  /** The stream's revision after the append (the revision of its last event). */
  revision: number;
  /** Global position of the last event written, or of the original write on an idempotent retry. */
  position: number;
  /** True when every event was already there: nothing was written. */
  replayed: boolean;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Revision to start from, inclusive. Defaults to the start (forwards) or the end (backwards). */
  fromRevision?: number;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events after this global position. 0 reads from the beginning. */
  after?: number;
  maxCount?: number;
}

export interface SubscribeOptions {
  after?: number;
  signal?: AbortSignal;
}

export interface StreamWrite {
  streamId: string;
  events: NewEvent[];
  expected: ExpectedRevision;
  /**
   * The hash of the stream's event at the expected revision (null: none, or one written before
   * hashes were kept), when the writer read it: the new events are hashed in a chain from it as
   * they are checked (CheckedEventStore). Without it, events keep whatever hash they carry.
   */
  previousHash?: string | null;
}

/** What an adapter tells of its writes, for the metrics: counts only, nothing that names a stream. */
export interface AppendObserver {
  /** One append (one command's write, across its streams): its events, and whether all were already there. */
  appended(events: number, replayed: boolean): void;
  /** Appends written together in one commit. */
  batched(commands: number): void;
}

export interface EventStore {
  readonly kind: 'postgres' | 'pglite' | 'eventstoredb';
  append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /**
   * Appends to several streams, all or nothing, each at its expected revision; throws
   * WrongExpectedRevision naming the first stream that was not where its writer expected.
   * Results are in the order of the writes.
   */
  appendMany(writes: StreamWrite[]): Promise<AppendResult[]>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catches up from `after`, then follows live appends until the signal aborts. */
  subscribeToAll(options?: SubscribeOptions): AsyncIterable<RecordedEvent>;
  /**
   * Resolves when this process next appends, or after timeoutMs (other processes' appends are
   * seen by polling), or when the signal aborts.
   */
  waitForAppend(timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** Global position of the newest event, 0 when the store is empty. */
  headPosition(): Promise<number>;
  close(): Promise<void>;
}

/** The stream was not at the revision the writer expected, or the retried event ids only partly match. */
export class WrongExpectedRevision extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** -1 when the stream does not exist. */
    readonly actual: number,
  ) {
    super(`stream ${streamId} is at revision ${actual}, expected ${String(expected)}`);
    this.name = 'WrongExpectedRevision';
  }
}

export const NO_STREAM = -1;

/** The store cannot do this at all (EventStoreDB has no atomic write across streams). */
export class UnsupportedByStore extends Error {
  constructor(what: string, kind: string) {
    super(`${what} is not possible on ${kind}`);
    this.name = 'UnsupportedByStore';
  }
}

export function assertSafePosition(n: bigint | number): number {
  const value = Number(n);
  if (!Number.isSafeInteger(value)) throw new RangeError(`position ${n} is beyond what Hearth can count exactly`);
  return value;
}

/** A wake-up for followers of the log: `notify` after an append, `wait` until then or a timeout. */
export class AppendSignal {
  #waiters = new Set<() => void>();

  notify(): void {
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  wait(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      this.#waiters.add(done);
    });
  }
}
