// What happened to each person, and who did it: so a member sees what a coordinator recorded
// for them. Ids only; names stay sealed in the log.
import type { Projection } from '../src/projections/engine.ts';
import { personEventTypes } from '../src/access/person.ts';
import { membershipEventTypes } from '../src/access/membership.ts';

export const personHistoryProjection: Projection = {
  name: 'person_history',
  tables: ['person_history'],
  handles: [...personEventTypes, ...membershipEventTypes].map((t) => t.type),
  async apply(db, event) {
    const { personId, networkId } = event.data as { personId: string; networkId?: string };
    await db
      .insertInto('person_history')
      .values({
        person_id: personId,
        position: event.position,
        type: event.type,
        network_id: networkId ?? null,
        actor: event.metadata.actor,
        on_behalf_of: event.metadata.onBehalfOf,
        recorded_at: event.metadata.recordedAt,
      })
      .execute();
  },
};
