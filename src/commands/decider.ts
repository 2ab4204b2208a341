// The decider pattern: pure functions from a command and the state folded from past events
// to new events. No I/O, no clock, no randomness: time and ids arrive inside the command.

export interface Decider<Command, State, Event> {
  initialState: State;
  evolve(state: State, event: Event): State;
  /** Returns the events the command causes, or throws a Rejection. */
  decide(command: Command, state: State): Event[];
}

/** Who is acting, and whether they coordinate the network: the handler finds out, the decider judges. */
export interface Actor {
  personId: string;
  isCoordinator: boolean;
}

/** A command the domain refuses. `type` is stable and becomes the problem type of the HTTP answer. */
export class Rejection extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status: 403 | 404 | 409 | 422 = 422,
    /** The field of the request that the refusal concerns, when there is one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'Rejection';
  }
}

export function fold<State, Event>(decider: Pick<Decider<unknown, State, Event>, 'evolve' | 'initialState'>, events: Iterable<Event>): State {
  let state = decider.initialState;
  for (const event of events) state = decider.evolve(state, event);
  return state;
}
