// Runs a command: load the streams it decides on, decide, append at exactly the revisions read.
// A concurrent writer to any of them makes the append fail; then everything is read again and the
// command decided again on the new state, a bounded number of times.
import { v5 as uuidv5 } from 'uuid';
import { fold, Rejection, type Decider } from './decider.ts';
import { PreconditionFailed, type CommandContext } from './decide.ts';
export { PreconditionFailed, type CommandContext };
import { NO_STREAM, WrongExpectedRevision, type EventMetadata, type EventStore, type RecordedEvent } from '../eventstore/port.ts';


export interface Handled<State> {
  state: State;
  /** The (first) stream's revision after the command, -1 if it still does not exist. */
  revision: number;
  /** Global position of the command's last event; of the stream's last event when it wrote none. */
  position: number;
  /** The events this command wrote to the (first) stream, or had written, on a replay. */
  events: Array<{ type: string; data: unknown }>;
  /** True when this command id had already been applied: nothing new was written. */
  replayed: boolean;
}


export interface HandleOptions {
  /** Revision the client last saw of the (first) stream (If-Match); a mismatch fails instead of deciding again. */
  expectedRevision?: number;
  maxAttempts?: number;
}

export type Decided = Array<{ type: string; data: unknown }>;

export interface HandledAcross {
  /** Each stream's revision after the command, in the order given. */
  revisions: number[];
  position: number;
  replayed: boolean;
  /** What was decided for each stream (on a replay, what had been written). */
  decided: Decided[];
}

/**
 * The general case: `decide` sees every stream's history and returns the events for each. Streams
 * it writes nothing to are still held at the revision read, so a decision that rests on them (a
 * balance, a limit) cannot be overtaken by a write to them in between.
 */
export async function handleAcross(
  store: EventStore,
  streamIds: string[],
  decide: (histories: RecordedEvent[][]) => Decided[],
  context: CommandContext,
  options: HandleOptions = {},
): Promise<HandledAcross> {
  const maxAttempts = options.maxAttempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    const histories = await Promise.all(streamIds.map((s) => store.readStream(s)));
    const revisions = histories.map((h) => h.at(-1)?.revision ?? NO_STREAM);

    const earlier = histories.map((h) => h.filter((e) => e.metadata.commandId === context.commandId));
    if (earlier.some((e) => e.length > 0)) {
      return {
        revisions,
        position: Math.max(...earlier.flat().map((e) => e.position)),
        replayed: true,
        decided: earlier.map((events) => events.map((e) => ({ type: e.type, data: e.data }))),
      };
    }
    if (options.expectedRevision !== undefined && options.expectedRevision !== revisions[0]) {
      throw new PreconditionFailed(revisions[0]!);
    }

    const decided = decide(histories);
    if (decided.every((d) => d.length === 0)) {
      const last = histories.flat().reduce((p, e) => Math.max(p, e.position), 0);
      return { revisions, position: last, replayed: false, decided };
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
        streamIds.map((streamId, s) => ({
          streamId,
          // Ids follow from the command id, so a retry of the same command is recognised by the store.
          events: decided[s]!.map((e, i) => ({ id: uuidv5(`${streamId}/${i}`, context.commandId), type: e.type, schemaVersion: 0, data: e.data, metadata })),
          expected: revisions[s] === NO_STREAM ? ('no_stream' as const) : revisions[s]!,
        })),
      );
      return {
        revisions: results.map((r) => r.revision),
        position: Math.max(...results.filter((_, s) => decided[s]!.length > 0).map((r) => r.position)),
        replayed: results.every((r) => r.replayed),
        decided,
      };
    } catch (err) {
      if (!(err instanceof WrongExpectedRevision)) throw err;
      if (options.expectedRevision !== undefined && err.streamId === streamIds[0]) throw new PreconditionFailed(err.actual);
      if (attempt >= maxAttempts) {
        throw new Rejection('concurrency-conflict', 'Others changed this at the same moment, again and again. Please try once more.', 409);
      }
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }
}

/** One stream, one decider. */
export async function handleCommand<Command, State, Event extends { type: string; data: unknown }>(
  store: EventStore,
  decider: Decider<Command, State, Event>,
  streamId: string,
  command: Command,
  context: CommandContext,
  options: HandleOptions = {},
): Promise<Handled<State>> {
  let state = decider.initialState;
  const done = await handleAcross(
    store,
    [streamId],
    ([history]) => {
      state = fold(decider, history as unknown as Event[]);
      return [decider.decide(command, state)];
    },
    context,
    options,
  );
  if (done.replayed) state = fold(decider, (await store.readStream(streamId)) as unknown as Event[]);
  else state = done.decided[0]!.reduce((s, e) => decider.evolve(s, e as Event), state);
  return { state, revision: done.revisions[0]!, position: done.position, events: done.decided[0]!, replayed: done.replayed };
}
