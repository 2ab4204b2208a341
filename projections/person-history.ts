// Everything done to each person or in their name, and who did it: every event, of any domain,
// is indexed under the person it concerns (its personId), its actor and the member it was done
// for (onBehalfOf), so a member sees what a coordinator did for them anywhere. Ids only; names
// stay sealed in the log.
import type { Projection } from '../src/projections/engine.ts';
import type { RecordedEvent } from '../src/eventstore/port.ts';
import { registeredEventTypes } from '../src/events.ts';
import { readTable } from '../src/projections/upsert.ts';

const history = readTable(
  'person_history',
  { person_id: 'uuid', position: 'bigint', type: 'text', network_id: 'uuid', actor: 'text', on_behalf_of: 'text', recorded_at: 'text' },
  ['person_id', 'position'],
);

const PERSON_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The people an event is about or was done by: system actors ("system:cli", "anonymous") are not people. */
function peopleOf(event: RecordedEvent): string[] {
  const { personId } = event.data as { personId?: unknown };
  const candidates = [typeof personId === 'string' ? personId : null, event.metadata.actor, event.metadata.onBehalfOf];
  return [...new Set(candidates.filter((p): p is string => typeof p === 'string' && PERSON_ID.test(p)))];
}

export const personHistoryProjection: Projection = {
  name: 'person_history',
  tables: ['person_history'],
  handles: registeredEventTypes.map((t) => t.type),
  async applyBatch(db, events) {
    const rows = events.flatMap((event) => {
      const { networkId } = event.data as { networkId?: unknown };
      return peopleOf(event).map((personId) => ({
        person_id: personId,
        position: event.position,
        type: event.type,
        network_id: typeof networkId === 'string' && PERSON_ID.test(networkId) ? networkId : null,
        actor: event.metadata.actor,
        on_behalf_of: event.metadata.onBehalfOf,
        recorded_at: event.metadata.recordedAt,
      }));
    });
    await history.insertNew(db, rows);
  },
};
