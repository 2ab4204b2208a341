// Streams' histories kept in memory. Events never change once written, so what was read of a
// stream stays true, and a later read asks the store only for what came after it. A command
// reading a busy account, or an import posting to one, then reads a few rows, not years of them.
// Events are frozen as they are cached: whoever reads one shares it and must not change it.
// A whole read of a stream waits for this process's appends to it that are under way: a command
// then decides on what is being committed rather than lose the race to it, read again and retry.
import type { AppendResult, EventStore, ExpectedRevision, NewEvent, ReadStreamOptions, RecordedEvent, StreamWrite } from './port.ts';

/** Most events held across all streams; the streams least recently read are dropped first. */
const DEFAULT_CAPACITY = 200_000;

export class CachingEventStore implements EventStore {
  /** Map order is recency: a stream read is moved to the end. */
  readonly #streams = new Map<string, RecordedEvent[]>();
  #held = 0;
  /** Each stream's appends under way in this process: settled (never rejected) when the last of them is. */
  readonly #writing = new Map<string, Promise<void>>();

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
    const writing = this.#writing.get(streamId);
    if (writing) await writing;
    const known = this.#streams.get(streamId) ?? [];
    const newer = await this.inner.readStream(streamId, known.length > 0 ? { fromRevision: known.length } : {});
    const events = newer.length > 0 ? [...known, ...newer.map(deepFreeze)] : known;
    // Another read of the stream may have come back first with more: keep the longer.
    if (events.length >= (this.#streams.get(streamId)?.length ?? 0)) this.#remember(streamId, events);
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
