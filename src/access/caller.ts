// Who a use case is carried out for. Every application function takes the caller beside its
// dependencies and its input: who acts, for whom, and under which command id.
import type { Clock } from '../clock.ts';
import { isoNow } from '../clock.ts';
import type { CommandContext } from '../commands/decide.ts';
import type { Database } from '../db/database.ts';
import type { EventStore } from '../eventstore/port.ts';
import type { PersonalDataVault } from './vault.ts';

export interface Caller {
  /** Who acts: the signed-in person, or a system actor such as "system:cli". */
  personId: string;
  /** The member they act for (On-Behalf-Of), already allowed by the consent rules. */
  onBehalfOf: string | null;
  /** Stable across retries of one request: derived from its Idempotency-Key. */
  commandId: string;
  correlationId: string;
  /** The revision the caller last saw of the resource it names (If-Match). */
  ifMatch?: number;
}

/** Whose action it is: the member acted for, or the actor. */
export const subjectOf = (caller: Caller) => caller.onBehalfOf ?? caller.personId;

/** The metadata every event of the command carries; its time from the one clock. */
export function contextOf(deps: { clock: Clock }, caller: Caller): CommandContext {
  return {
    actor: caller.personId,
    onBehalfOf: caller.onBehalfOf,
    commandId: caller.commandId,
    correlationId: caller.correlationId,
    causationId: null,
    now: isoNow(deps.clock),
  };
}

/** What an application function needs: the event store, the one clock, the read tables and the vault. Hearth is one. */
export interface Deps {
  store: EventStore;
  clock: Clock;
  database: Database;
  vault: PersonalDataVault;
  secret: Buffer;
}
