// Event types: a name, a version and a zod schema each. Data is checked against the schema
// when it is appended and again when it is read; older versions are upcast on read, never rewritten.
import { z } from 'zod';
import { NO_STREAM, type EventStore, type ExpectedRevision, type NewEvent, type RecordedEvent, type EventMetadata, type AppendResult, type StreamWrite } from './port.ts';
import { eventHash } from './hash.ts';
import { id, isoDateTime } from '../bounds.ts';

export interface EventType<T extends string = string, S extends z.ZodType = z.ZodType> {
  type: T;
  version: number;
  schema: S;
  /** upcast[v] turns data of version v into version v + 1. */
  upcast: Record<number, (data: any) => unknown>;
}

export function defineEvent<T extends string, S extends z.ZodType>(
  type: T,
  schema: S,
  options: { version?: number; upcast?: Record<number, (data: any) => unknown> } = {},
): EventType<T, S> {
  return { type, schema, version: options.version ?? 1, upcast: options.upcast ?? {} };
}

/** The domain's view of an event: its type and its data, nothing the store adds. */
export type DomainEvent<D extends EventType> = D extends EventType<infer T, infer S> ? { type: T; data: z.infer<S> } : never;

export type Recorded<E> = E & Omit<RecordedEvent, 'type' | 'data'>;

export class InvalidEventData extends Error {
  constructor(
    readonly eventType: string,
    readonly issues: z.core.$ZodIssue[],
  ) {
    super(`${eventType}: ${issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`);
    this.name = 'InvalidEventData';
  }
}

export class UnknownEventType extends Error {
  constructor(readonly eventType: string) {
    super(`no schema is registered for event type ${eventType}`);
    this.name = 'UnknownEventType';
  }
}

export const metadataSchema = z.strictObject({
  actor: z.string().min(1),
  onBehalfOf: z.string().min(1).nullable(),
  commandId: id(),
  correlationId: id(),
  causationId: id().nullable(),
  recordedAt: isoDateTime(),
  hash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});

export class EventRegistry {
  readonly #types = new Map<string, EventType>();

  constructor(types: Iterable<EventType>) {
    for (const t of types) {
      if (this.#types.has(t.type)) throw new Error(`event type ${t.type} is registered twice`);
      for (let v = 1; v < t.version; v++) {
        if (!t.upcast[v]) throw new Error(`event type ${t.type} v${t.version} has no upcaster from v${v}`);
      }
      this.#types.set(t.type, t);
    }
  }

  has(type: string): boolean {
    return this.#types.has(type);
  }

  /** Checks data as the current version of its type and stamps that version. */
  encode(type: string, data: unknown): { schemaVersion: number; data: unknown } {
    const def = this.#definition(type);
    return { schemaVersion: def.version, data: this.#parse(def, data) };
  }

  /** Upcasts stored data to the current version and checks it. */
  decode(type: string, schemaVersion: number, data: unknown): { schemaVersion: number; data: unknown } {
    const def = this.#definition(type);
    if (schemaVersion > def.version) throw new Error(`${type} v${schemaVersion} is newer than this Hearth knows (v${def.version})`);
    let current = data;
    for (let v = schemaVersion; v < def.version; v++) current = def.upcast[v]!(current);
    return { schemaVersion: def.version, data: this.#parse(def, current) };
  }

  #definition(type: string): EventType {
    const def = this.#types.get(type);
    if (!def) throw new UnknownEventType(type);
    return def;
  }

  #parse(def: EventType, data: unknown): unknown {
    const result = def.schema.safeParse(data);
    if (!result.success) throw new InvalidEventData(def.type, result.error.issues);
    return result.data;
  }
}

/**
 * A recorded event that does not meet its type's schema (it was written past the schema, or
 * before the schema was tightened). Carries the events read before it, so that a reader of the
 * whole log (a projection) can take those and set this one aside rather than stop.
 */
export class UndecodableEvent extends Error {
  constructor(
    readonly event: RecordedEvent,
    readonly before: RecordedEvent[],
    readonly reason: unknown,
  ) {
    super(`${event.type} at position ${event.position} does not meet its schema`);
    this.name = 'UndecodableEvent';
  }
}

/**
 * Wraps any adapter so that nothing unchecked goes in or comes out: data is validated on
 * append and upcast and validated on read, and metadata always has the full shape.
 */
export class CheckedEventStore implements EventStore {
  constructor(
    readonly inner: EventStore,
    readonly registry: EventRegistry,
  ) {}

  get kind() {
    return this.inner.kind;
  }

  async append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return this.inner.append(streamId, this.#check({ streamId, events, expected }), expected);
  }

  async appendMany(writes: StreamWrite[]): Promise<AppendResult[]> {
    return this.inner.appendMany(writes.map(({ previousHash: _, ...w }) => ({ ...w, events: this.#check(w, _) })));
  }

  /** Each event as it will be stored, and, when the writer names the hash it follows, hashed in a chain from it. */
  #check(w: StreamWrite, previousHash?: string | null): NewEvent[] {
    let previous = previousHash ?? null;
    let revision = typeof w.expected === 'number' ? w.expected : NO_STREAM;
    const chained = previousHash !== undefined && (typeof w.expected === 'number' || w.expected === 'no_stream');
    return w.events.map((e) => {
      const { schemaVersion, data } = this.registry.encode(e.type, e.data);
      const metadata: EventMetadata = metadataSchema.parse(e.metadata);
      const event = { ...e, schemaVersion, data, metadata };
      if (!chained) return event;
      previous = eventHash(previous, { ...event, streamId: w.streamId, revision: ++revision });
      return { ...event, metadata: { ...metadata, hash: previous } };
    });
  }

  async readStream(...args: Parameters<EventStore['readStream']>): Promise<RecordedEvent[]> {
    return (await this.inner.readStream(...args)).map((e) => this.#decode(e));
  }

  async readAll(...args: Parameters<EventStore['readAll']>): Promise<RecordedEvent[]> {
    const raw = await this.inner.readAll(...args);
    const decoded: RecordedEvent[] = [];
    for (const e of raw) {
      try {
        decoded.push(this.#decode(e));
      } catch (err) {
        throw new UndecodableEvent(e, decoded, err);
      }
    }
    return decoded;
  }

  async *subscribeToAll(...args: Parameters<EventStore['subscribeToAll']>): AsyncIterable<RecordedEvent> {
    for await (const e of this.inner.subscribeToAll(...args)) yield this.#decode(e);
  }

  waitForAppend(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.inner.waitForAppend(timeoutMs, signal);
  }

  headPosition(): Promise<number> {
    return this.inner.headPosition();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  #decode(e: RecordedEvent): RecordedEvent {
    return { ...e, ...this.registry.decode(e.type, e.schemaVersion, e.data) };
  }
}

/**
 * The one place where recorded events become domain events. Every read goes through
 * CheckedEventStore, which has checked each event against its type's schema (after upcasting),
 * so the data is what the domain's event type says it is.
 */
export function domainEvents<E = { type: string; data: unknown }>(recorded: readonly RecordedEvent[]): E[] {
  return recorded.map((e) => ({ type: e.type, data: e.data }) as E);
}
