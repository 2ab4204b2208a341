// Streams' histories kept in memory. Events never change once written, so what was read of a
// stream stays true, and a later read asks the store only for what came after it. A command
// reading a busy account, or an import posting to one, then reads a few rows, not years of them.
// Events are frozen as they are cached: whoever reads one shares it and must not change it.
// A whole read of a stream waits for this process's appends to it that are under way: a command
// then decides on what is being committed rather than lose the race to it, read again and retry.
// Within a unit of work (an HTTP request), a stream read once is not asked of the store again
// while no append to it has begun in this process since: the guards of a command, its decision and
// the steps that carry it out read each stream once between them, as the request found it. What
// the request writes is still checked by the store at the revision it read, and any append to the
// stream (this request's own, or a conflict lost) sends the next read to the store.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AppendResult, EventStore, ExpectedRevision, NewEvent, ReadStreamOptions, RecordedEvent, StreamWrite } from './port.ts';

/** Most events held across all streams; the streams least recently read are dropped first. */
const DEFAULT_CAPACITY = 200_000;

/** A stream as a unit of work read it, and the last append begun in this process before that read. */
interface Seen {
  events: RecordedEvent[];
  tick: number;
}

const unitOfWork = new AsyncLocalStorage<Map<string, Seen>>();

/**
 * Runs `work` as one unit of work: each stream it reads is asked of the store once, until appended
 * to. Within another unit of work, it is part of that one.
 */
export function withinUnitOfWork<T>(work: () => T): T {
  return unitOfWork.getStore() ? work() : unitOfWork.run(new Map(), work);
}

/** Streams appended to that are remembered; past that, all are forgotten and every earlier read is asked again. */
const WRITES_REMEMBERED = 10_000;

export class CachingEventStore implements EventStore {
  /** Map order is recency: a stream read is moved to the end. */
  readonly #streams = new Map<string, RecordedEvent[]>();
  #held = 0;
  /** Each stream's appends under way in this process: settled (never rejected) when the last of them is. */
  readonly #writing = new Map<string, Promise<void>>();
  /** Counts appends begun; each stream's last is noted, so that a unit of work knows when what it read may be old. */
  #tick = 0;
  readonly #lastWrite = new Map<string, number>();
  /** Reads of units of work made before this tick are asked again: the notes of appends before it were dropped. */
  #floor = 0;

  constructor(
    readonly inner: EventStore,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  get kind() {
    return this.inner.kind;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const whole = options.direction !== 'backwards' && options.fromRevision === undefined && options.maxCount === undefined;
    if (!whole) return this.inner.readStream(streamId, options);
    const seen = unitOfWork.getStore();
    const before = seen?.get(streamId);
    if (before && before.tick >= this.#floor && before.tick >= (this.#lastWrite.get(streamId) ?? 0)) return before.events.slice();
    const tick = this.#tick;
    const writing = this.#writing.get(streamId);
    if (writing) await writing;
    const known = this.#streams.get(streamId) ?? [];
    const newer = await this.inner.readStream(streamId, known.length > 0 ? { fromRevision: known.length } : {});
    const events = newer.length > 0 ? [...known, ...newer.map(deepFreeze)] : known;
    // Another read of the stream may have come back first with more: keep the longer.
    if (events.length >= (this.#streams.get(streamId)?.length ?? 0)) this.#remember(streamId, events);
    seen?.set(streamId, { events, tick });
    return events.slice();
  }

  #remember(streamId: string, events: RecordedEvent[]): void {
    this.#held -= this.#streams.get(streamId)?.length ?? 0;
    this.#streams.delete(streamId);
    if (events.length === 0 || events.length > this.capacity) return;
    this.#streams.set(streamId, events);
    this.#held += events.length;
    for (const [oldest, dropped] of this.#streams) {
      if (this.#held <= this.capacity) break;
      this.#streams.delete(oldest);
      this.#held -= dropped.length;
    }
  }

  append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return this.#writes([streamId], this.inner.append(streamId, events, expected));
  }

  appendMany(writes: StreamWrite[]): Promise<AppendResult[]> {
    return this.#writes(
      writes.map((w) => w.streamId),
      this.inner.appendMany(writes),
    );
  }

  /** Marks the streams written until the append settles, whichever way. */
  #writes<T>(streamIds: string[], append: Promise<T>): Promise<T> {
    const tick = ++this.#tick;
    if (this.#lastWrite.size > WRITES_REMEMBERED) {
      this.#lastWrite.clear();
      this.#floor = tick;
    }
    for (const s of streamIds) this.#lastWrite.set(s, tick);
    const settled = append.then(
      () => undefined,
      () => undefined,
    );
    for (const s of streamIds) this.#writing.set(s, settled);
    void settled.then(() => {
      for (const s of streamIds) if (this.#writing.get(s) === settled) this.#writing.delete(s);
    });
    return append;
  }

  readAll(...args: Parameters<EventStore['readAll']>): Promise<RecordedEvent[]> {
    return this.inner.readAll(...args);
  }

  subscribeToAll(...args: Parameters<EventStore['subscribeToAll']>): AsyncIterable<RecordedEvent> {
    return this.inner.subscribeToAll(...args);
  }

  waitForAppend(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.inner.waitForAppend(timeoutMs, signal);
  }

  headPosition(): Promise<number> {
    return this.inner.headPosition();
  }

  close(): Promise<void> {
    this.#streams.clear();
    this.#held = 0;
    return this.inner.close();
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
