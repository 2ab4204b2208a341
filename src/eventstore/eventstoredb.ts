// The event store on EventStoreDB / KurrentDB, for deployments that outgrow one PostgreSQL.
// EventStoreDB already has the semantics of the port; this adapter only translates shapes.
// Global positions are the log's commit positions: increasing, but not dense.
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
  type AllStreamResolvedEvent,
  type ResolvedEvent,
  type Position,
} from '@eventstore/db-client';
import {
  AppendSignal,
  UnsupportedByStore,
  WrongExpectedRevision,
  assertSafePosition,
  type AppendObserver,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamWrite,
  type SubscribeOptions,
} from './port.ts';

type StoredMetadata = EventMetadata & { schemaVersion: number };

const READ_PAGE = 500;

export class EventStoreDbEventStore implements EventStore {
  readonly kind = 'eventstoredb' as const;
  readonly #client: EventStoreDBClient;
  readonly #appended = new AppendSignal();

  constructor(
    connectionString: string,
    private readonly observer?: AppendObserver,
  ) {
    this.#client = EventStoreDBClient.connectionString(connectionString);
  }

  async append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    try {
      const result = await this.#client.appendToStream(
        streamId,
        events.map((e) =>
          jsonEvent({
            id: e.id,
            type: e.type,
            data: e.data as Record<string, unknown>,
            metadata: { ...e.metadata, schemaVersion: e.schemaVersion } satisfies StoredMetadata,
          }),
        ),
        { expectedRevision: typeof expected === 'number' ? BigInt(expected) : expected },
      );
      // EventStoreDB does not say whether a retry was deduplicated: when the last event was
      // written before this call's own commit position, the ids were already there.
      const written = await this.#lastOf(streamId, events);
      this.#appended.notify();
      const committed = result.position ? assertSafePosition(result.position.commit) : undefined;
      const replayed = written !== undefined && committed !== undefined && written.position < committed;
      this.observer?.appended(events.length, replayed);
      return { revision: Number(result.nextExpectedRevision), position: written?.position ?? committed ?? 0, replayed };
    } catch (err) {
      if (err instanceof WrongExpectedVersionError) {
        const actual = typeof err.actualVersion === 'bigint' ? Number(err.actualVersion) : -1;
        throw new WrongExpectedRevision(streamId, expected, actual);
      }
      throw err;
    }
  }

  async appendMany(writes: StreamWrite[]): Promise<AppendResult[]> {
    // EventStoreDB commits one stream at a time; a write across streams could be half done.
    if (writes.length === 1) return [await this.append(writes[0]!.streamId, writes[0]!.events, writes[0]!.expected)];
    throw new UnsupportedByStore('an atomic append to several streams', 'EventStoreDB');
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const out: RecordedEvent[] = [];
    try {
      for await (const resolved of this.#client.readStream(streamId, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: options.fromRevision === undefined ? (backwards ? END : START) : BigInt(options.fromRevision),
        ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
      })) {
        const event = toRecorded(resolved);
        if (event) out.push(event);
      }
    } catch (err) {
      if (err instanceof StreamNotFoundError) return [];
      throw err;
    }
    return out;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? 1000;
    let lastSeen = options.after ?? 0;
    let from: Position | typeof START = lastSeen === 0 ? START : { commit: BigInt(lastSeen), prepare: BigInt(lastSeen) };
    const out: RecordedEvent[] = [];
    // The log holds system events too; they are skipped after reading, so page until enough
    // of ours are found. A page starts at the last position seen, inclusive.
    while (out.length < maxCount) {
      let returned = 0;
      for await (const resolved of this.#client.readAll({ fromPosition: from, maxCount: READ_PAGE, direction: FORWARDS })) {
        returned++;
        const position = resolved.event?.position;
        if (!position || Number(position.commit) <= lastSeen) continue;
        lastSeen = assertSafePosition(position.commit);
        from = position;
        const event = toRecorded(resolved);
        if (event && out.length < maxCount) out.push(event);
      }
      if (returned < READ_PAGE) break;
    }
    return out;
  }

  async *subscribeToAll(options: SubscribeOptions = {}): AsyncIterable<RecordedEvent> {
    const after = options.after ?? 0;
    const subscription = this.#client.subscribeToAll({
      fromPosition: after === 0 ? START : { commit: BigInt(after), prepare: BigInt(after) },
      filter: excludeSystemEvents(),
    });
    const stop = () => void subscription.unsubscribe();
    options.signal?.addEventListener('abort', stop, { once: true });
    try {
      for await (const resolved of subscription) {
        const event = toRecorded(resolved);
        if (event && event.position > after) yield event;
      }
    } finally {
      options.signal?.removeEventListener('abort', stop);
      await subscription.unsubscribe();
    }
  }

  async headPosition(): Promise<number> {
    for await (const resolved of this.#client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 64 })) {
      const event = toRecorded(resolved);
      if (event) return event.position;
    }
    return 0;
  }

  waitForAppend(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.#appended.wait(timeoutMs, signal);
  }

  async close(): Promise<void> {
    this.#appended.notify();
    await this.#client.dispose();
  }

  async #lastOf(streamId: string, events: NewEvent[]): Promise<RecordedEvent | undefined> {
    const lastId = events.at(-1)?.id;
    if (!lastId) return undefined;
    const recent = await this.readStream(streamId, { direction: 'backwards', maxCount: Math.max(events.length, 1) * 2 });
    return recent.find((e) => e.id === lastId);
  }
}

function toRecorded(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event || event.type.startsWith('$') || event.streamId.startsWith('$') || !event.isJson || !event.position) return undefined;
  const { schemaVersion, ...metadata } = event.metadata as unknown as StoredMetadata;
  return {
    id: event.id,
    streamId: event.streamId,
    revision: Number(event.revision),
    position: assertSafePosition(event.position.commit),
    type: event.type,
    schemaVersion: schemaVersion ?? 1,
    data: event.data,
    metadata,
  };
}
