// How many events of each type the log holds: an operator's view of what the ledger records.
// Its counts go wrong if any event is applied twice or skipped, so the crash test leans on it.
import type { Projection } from '../src/projections/engine.ts';
import { readTable } from '../src/projections/upsert.ts';
import { registeredEventTypes } from '../src/events.ts';

const counted = readTable('event_type_counts', { type: 'text', count: 'bigint', last_position: 'bigint' }, ['type']);

export const eventTypeCountsProjection: Projection = {
  name: 'event_type_counts',
  tables: ['event_type_counts'],
  handles: registeredEventTypes.map((t) => t.type),
  async applyBatch(db, events) {
    const counts = new Map<string, { type: string; count: number; last_position: number }>();
    for (const e of events) counts.set(e.type, { type: e.type, count: (counts.get(e.type)?.count ?? 0) + 1, last_position: e.position });
    await counted.upsert(db, [...counts.values()], { add: ['count'] });
  },
};
