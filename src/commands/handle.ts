// Runs a command against one stream: load, fold, decide, append at the exact revision read.
// A concurrent writer makes the append fail; then the stream is read again and the command
// decided again on the new state, a bounded number of times.
import { v5 as uuidv5 } from 'uuid';
import { fold, Rejection, type Decider } from './decider.ts';
import { NO_STREAM, WrongExpectedRevision, type EventMetadata, type EventStore } from '../eventstore/port.ts';

export interface CommandContext {
  actor: string;
  onBehalfOf: string | null;
  /** Stable across retries of one request: derived from its Idempotency-Key. */
  commandId: string;
  correlationId: string;
  causationId: string | null;
  /** ISO 8601 UTC. */
  now: string;
}

export interface Handled<State> {
  state: State;
  /** The stream's revision after the command, -1 if it still does not exist. */
  revision: number;
  /** Global position of the command's last event; of the stream's last event when it wrote none. */
  position: number;
  /** The events this command wrote (or, on a replay, had written). */
  events: Array<{ type: string; data: unknown }>;
  /** True when this command id had already been applied: nothing new was written. */
  replayed: boolean;
}

/** The client's If-Match named a revision the stream is no longer at. */
export class PreconditionFailed extends Error {
  constructor(readonly actual: number) {
    super(`the stream is at revision ${actual}`);
    this.name = 'PreconditionFailed';
  }
}

export interface HandleOptions {
  /** Revision the client last saw (If-Match); a mismatch fails instead of deciding again. */
  expectedRevision?: number;
  maxAttempts?: number;
}

export async function handleCommand<Command, State, Event extends { type: string; data: unknown }>(
  store: EventStore,
  decider: Decider<Command, State, Event>,
  streamId: string,
  command: Command,
  context: CommandContext,
  options: HandleOptions = {},
): Promise<Handled<State>> {
  const maxAttempts = options.maxAttempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    const history = await store.readStream(streamId);
    const revision = history.at(-1)?.revision ?? NO_STREAM;
    const state = fold(decider, history as unknown as Event[]);

    const earlier = history.filter((e) => e.metadata.commandId === context.commandId);
    if (earlier.length > 0) {
      return { state, revision, position: earlier.at(-1)!.position, events: earlier, replayed: true };
    }
    if (options.expectedRevision !== undefined && options.expectedRevision !== revision) {
      throw new PreconditionFailed(revision);
    }

    const decided = decider.decide(command, state);
    if (decided.length === 0) {
      return { state, revision, position: history.at(-1)?.position ?? 0, events: [], replayed: false };
    }

    const metadata: EventMetadata = {
      actor: context.actor,
      onBehalfOf: context.onBehalfOf,
      commandId: context.commandId,
      correlationId: context.correlationId,
      causationId: context.causationId,
      recordedAt: context.now,
    };
    // Ids follow from the command id, so a retry of the same command is recognised by the store.
    const events = decided.map((e, i) => ({ id: uuidv5(String(i), context.commandId), type: e.type, schemaVersion: 0, data: e.data, metadata }));
    try {
      const result = await store.append(streamId, events, revision === NO_STREAM ? 'no_stream' : revision);
      return {
        state: decided.reduce(decider.evolve, state),
        revision: result.revision,
        position: result.position,
        events: decided,
        replayed: result.replayed,
      };
    } catch (err) {
      if (!(err instanceof WrongExpectedRevision)) throw err;
      if (options.expectedRevision !== undefined) throw new PreconditionFailed(err.actual);
      if (attempt >= maxAttempts) {
        throw new Rejection('concurrency-conflict', 'Others changed this at the same moment, again and again. Please try once more.', 409);
      }
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }
}
