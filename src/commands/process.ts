// What every process shares (an exchange's confirmation, a gift, care confirmed): each step's
// context, its ids derived from the process so that each step is written once whoever carries it
// on, and the answer given once the process has ended.
import { v5 as uuidv5 } from 'uuid';
import { isoNow, type Clock } from '../clock.ts';
import type { CommandContext } from './decide.ts';
import type { RecordedEvent } from '../eventstore/port.ts';

/** Why a step was refused, as the process recorded it and the request is answered. */
export type Refusal = { problem: string; detail: string };

/** A process's stream as the process left it: its state, revision and last position, and the refusal that ended it, if one did. */
export interface Ended<State> {
  state: State;
  revision: number;
  position: number;
  refused?: Refusal;
}

/** The context of one step of a process: acting as whoever began it (for whom they began it), under an id derived from the process. */
export const stepContext = (clock: Clock, by: string, processId: string, onBehalfOf: string | null = null) => (step: string): CommandContext => ({
  actor: by,
  onBehalfOf,
  commandId: uuidv5(step, processId),
  correlationId: processId,
  causationId: processId,
  now: isoNow(clock),
});

/** A process with nothing in flight, answered from its stream: a refusal if its last event records one. */
export function endedAs<State>(state: State, history: readonly RecordedEvent[], refusedType: string): Ended<State> {
  const last = history.at(-1);
  const refused = last?.type === refusedType ? { refused: { problem: (last.data as Refusal).problem, detail: (last.data as Refusal).detail } } : {};
  return { state, revision: last?.revision ?? -1, position: last?.position ?? 0, ...refused };
}
