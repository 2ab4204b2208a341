// One typed way to decide over several streams. A command names each stream it reads with the
// decider that folds it ({ exchange: [id, exchangeDecider], provider: [id, accountDecider] }),
// `decide` gets each state by that name and returns events by name.
//
// Only the streams a command writes are held at the revision read: a concurrent writer to any of
// them makes the append fail, and the command is read and decided again, a bounded number of times.
// A stream only read (a network's rules, a partnership) is not held, so that a command writing one
// stream commits as one stream, as EventStoreDB commits. That loses no rule: every rule over a
// stream's own events is checked against that stream's revision when it is written, and a decision
// on a stream read but not written is the one that would have been made just before the write
// that overtook it. Where a rule spans streams so that two commands could each pass it alone and
// break it together (the last coordinator stepping down while another does), the commands meet on
// one stream of their own (a network's coordination stream) before writing the others.
import { v5 as uuidv5 } from 'uuid';
import { Rejection } from './decider.ts';
import { domainEvents } from '../eventstore/events.ts';
import { NO_STREAM, WrongExpectedRevision, type EventMetadata, type EventStore, type RecordedEvent } from '../eventstore/port.ts';

/** What folds a stream: every domain decider is one. */
export interface Folder<State, Event> {
  initialState: State;
  evolve(state: State, event: Event): State;
}

/**
 * A folder that also counts the stream's revision, for a decision that names the revision it was
 * made on (a step-down marks the membership revision it changes).
 */
export const withRevision = <State, Event>(folder: Folder<State, Event>): Folder<{ state: State; revision: number }, Event> => ({
  initialState: { state: folder.initialState, revision: NO_STREAM },
  evolve: (s, e) => ({ state: folder.evolve(s.state, e), revision: s.revision + 1 }),
});

export type StreamRead<State = any, Event = any> = readonly [streamId: string, folder: Folder<State, Event>];
export type Reads = Record<string, StreamRead>;
export type StateOf<R> = R extends StreamRead<infer S, any> ? S : never;
export type EventOf<R> = R extends StreamRead<any, infer E> ? E : never;
export type States<R extends Reads> = { [K in keyof R]: StateOf<R[K]> };
export type EventsByName<R extends Reads> = { [K in keyof R]?: Array<EventOf<R[K]>> };

export interface CommandContext {
  actor: string;
  onBehalfOf: string | null;
  /** Stable across retries of one request: derived from its Idempotency-Key. */
  commandId: string;
  correlationId: string;
  causationId: string | null;
  /** ISO 8601 UTC, from the one clock. */
  now: string;
}

/** The client's If-Match named a revision the stream is no longer at. */
export class PreconditionFailed extends Error {
  constructor(readonly actual: number) {
    super(`the stream is at revision ${actual}`);
    this.name = 'PreconditionFailed';
  }
}

export interface DecideOptions<R extends Reads> {
  /** The revision a client last saw of one named stream (If-Match): a mismatch fails instead of deciding again. */
  ifMatch?: { stream: keyof R & string; revision: number | undefined };
  maxAttempts?: number;
}

export interface Decision<R extends Reads> {
  /** Each stream's state after the command. */
  states: States<R>;
  /** Each stream's revision after the command (-1: it still does not exist). */
  revisions: { [K in keyof R]: number };
  /** Global position of the command's last event; of the newest event read when it wrote none. */
  position: number;
  /** What was decided for each stream; on a replay, what had been written. */
  events: EventsByName<R>;
  /** True when this command id had already been applied: nothing new was written. */
  replayed: boolean;
}

export async function decideAcross<R extends Reads>(
  store: EventStore,
  reads: R,
  decide: (states: States<R>) => EventsByName<R>,
  context: CommandContext,
  options: DecideOptions<R> = {},
): Promise<Decision<R>> {
  const names = Object.keys(reads) as Array<keyof R & string>;
  // Two names may read one stream (both parties' rules within one time bank): it is read, held
  // and written once.
  const streamIds = [...new Set(names.map((n) => reads[n]![0]))];
  const maxAttempts = options.maxAttempts ?? 8;
  // Streams this command lost a race on: its next attempt waits its turn on them behind this
  // process's other commands that lost, and they no longer race each other.
  let contested: string[] = [];
  let pause = 0;
  for (let attempt = 1; ; attempt++) {
    if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    const tried = await inTurn(store, contested, () => once(attempt));
    if (!('again' in tried)) return tried;
    if (tried.again === 'lost') {
      contested = tried.streams;
      // The first retry reads at once: a writer in this process is waited for by the read itself
      // (CachingEventStore). Later ones back off a little, for writers in other processes.
      pause = attempt > 1 ? Math.random() * 5 * attempt : 0;
    }
  }

  /** One read, decision and append: the decision, or why to try again (the streams moved under a refusal, or the append lost a race on these). */
  async function once(attempt: number): Promise<Decision<R> | { again: 'moved' } | { again: 'lost'; streams: string[] }> {
    const histories = new Map<string, RecordedEvent[]>(await Promise.all(streamIds.map(async (s) => [s, await store.readStream(s)] as const)));
    const revisionOf = (s: string) => histories.get(s)!.at(-1)?.revision ?? NO_STREAM;
    const fold = (n: keyof R & string, extra: unknown[] = []) => {
      const [streamId, folder] = reads[n]!;
      return [...domainEvents(histories.get(streamId)!), ...extra].reduce(folder.evolve, folder.initialState);
    };
    const byName = <T>(f: (n: keyof R & string) => T) => Object.fromEntries(names.map((n) => [n, f(n)])) as { [K in keyof R]: T };

    const earlier = new Map(streamIds.map((s) => [s, histories.get(s)!.filter((e) => e.metadata.commandId === context.commandId)]));
    if ([...earlier.values()].some((e) => e.length > 0)) {
      const states = byName((n) => fold(n)) as States<R>;
      return {
        states,
        revisions: byName((n) => revisionOf(reads[n]![0])),
        position: Math.max(...[...earlier.values()].flat().map((e) => e.position)),
        replayed: true,
        events: byName((n) => domainEvents(earlier.get(reads[n]![0])!)) as EventsByName<R>,
      };
    }
    if (options.ifMatch) {
      const actual = revisionOf(reads[options.ifMatch.stream]![0]);
      if (options.ifMatch.revision !== undefined && options.ifMatch.revision !== actual) throw new PreconditionFailed(actual);
    }

    const before = byName((n) => fold(n)) as States<R>;
    let decided: EventsByName<R>;
    try {
      decided = decide(before);
    } catch (refusal) {
      // The streams were read one by one, not as one snapshot: a refusal is given only on states
      // that all still hold, or it may name the wrong reason (a pool "too low" that another
      // command's payment of the same proposal emptied, rather than "already paid").
      if (attempt < maxAttempts && (await anyMoved(store, streamIds, revisionOf))) return { again: 'moved' };
      throw refusal;
    }
    const writes = new Map<string, Array<{ type: string; data: unknown }>>(streamIds.map((s) => [s, []]));
    for (const n of names) writes.get(reads[n]![0])!.push(...((decided[n] ?? []) as Array<{ type: string; data: unknown }>));

    // Two names on one stream both see every event written to it.
    const after = () => byName((n) => fold(n, writes.get(reads[n]![0])!)) as States<R>;
    const events = byName((n) => writes.get(reads[n]![0])!) as EventsByName<R>;
    // The stream a client's If-Match names is the one it expects to be unchanged, written or not.
    const held = new Set(options.ifMatch ? [reads[options.ifMatch.stream]![0]] : []);
    const written = streamIds.filter((s) => writes.get(s)!.length > 0 || held.has(s));
    if (written.every((s) => writes.get(s)!.length === 0)) {
      const last = [...histories.values()].flat().reduce((p, e) => Math.max(p, e.position), 0);
      return { states: before, revisions: byName((n) => revisionOf(reads[n]![0])), position: last, replayed: false, events };
    }

    const metadata: EventMetadata = {
      actor: context.actor,
      onBehalfOf: context.onBehalfOf,
      commandId: context.commandId,
      correlationId: context.correlationId,
      causationId: context.causationId,
      recordedAt: context.now,
    };
    try {
      const results = await store.appendMany(
        written.map((streamId) => ({
          streamId,
          // Ids follow from the command id, so a retry of the same command is recognised by the store.
          events: writes.get(streamId)!.map((e, i) => ({ id: uuidv5(`${streamId}/${i}`, context.commandId), type: e.type, schemaVersion: 0, data: e.data, metadata })),
          expected: revisionOf(streamId) === NO_STREAM ? ('no_stream' as const) : revisionOf(streamId),
          // Held at that revision, the append follows the last event read: the new events chain to its hash.
          previousHash: histories.get(streamId)!.at(-1)?.metadata.hash ?? null,
        })),
      );
      const resultOf = new Map(written.map((s, i) => [s, results[i]!]));
      return {
        states: after(),
        revisions: byName((n) => resultOf.get(reads[n]![0])?.revision ?? revisionOf(reads[n]![0])),
        position: Math.max(...written.filter((s) => writes.get(s)!.length > 0).map((s) => resultOf.get(s)!.position)),
        replayed: results.every((r) => r.replayed),
        events,
      };
    } catch (err) {
      if (!(err instanceof WrongExpectedRevision)) throw err;
      if (options.ifMatch?.revision !== undefined && err.streamId === reads[options.ifMatch.stream]![0]) throw new PreconditionFailed(err.actual);
      if (attempt >= maxAttempts) {
        throw new Rejection('concurrency-conflict', 'Others changed this at the same moment, again and again. Please try once more.', 409);
      }
      return { again: 'lost', streams: written };
    }
  }
}

/** For each store, the streams whose turns commands of this process are waiting for, and the last to wait. */
const turns = new WeakMap<EventStore, Map<string, Promise<void>>>();

/**
 * Runs `work` in this process's turn on the streams named, if any: after the commands of this
 * process that asked before for a turn on any of them, holding them until it ends. Each takes its
 * place on every stream at once, behind only those who asked before it, so two never wait for
 * each other.
 */
async function inTurn<T>(store: EventStore, streamIds: string[], work: () => Promise<T>): Promise<T> {
  if (streamIds.length === 0) return work();
  let queue = turns.get(store);
  if (!queue) turns.set(store, (queue = new Map()));
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const before = streamIds.map((s) => {
    const earlier = queue.get(s);
    queue.set(s, mine);
    return earlier;
  });
  try {
    await Promise.all(before);
    return await work();
  } finally {
    for (const s of streamIds) if (queue.get(s) === mine) queue.delete(s);
    release();
  }
}

async function anyMoved(store: EventStore, streamIds: string[], revisionOf: (s: string) => number): Promise<boolean> {
  const heads = await Promise.all(streamIds.map(async (s) => (await store.readStream(s, { direction: 'backwards', maxCount: 1 }))[0]?.revision ?? NO_STREAM));
  return heads.some((head, i) => head !== revisionOf(streamIds[i]!));
}

/** Reads and folds streams without deciding anything: what a check before a command sees. */
export async function readStates<R extends Reads>(store: EventStore, reads: R): Promise<States<R>> {
  const names = Object.keys(reads) as Array<keyof R & string>;
  const histories = await Promise.all(names.map((n) => store.readStream(reads[n]![0])));
  return Object.fromEntries(names.map((n, i) => [n, domainEvents(histories[i]!).reduce(reads[n]![1].evolve, reads[n]![1].initialState)])) as States<R>;
}
