// Events at the edges of what their schemas allow, and a way past the schemas: the store itself,
// as a direct write to the database or an event kept from before a schema was tightened reaches it.
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Hearth } from '../../src/hearth.ts';
import { PostgresEventStore } from '../../src/eventstore/postgres.ts';
import type { EventStore, NewEvent } from '../../src/eventstore/port.ts';
import { metadata } from './events.ts';

/** The store beneath the schema checks: what it is given is written as it is. */
export function uncheckedStore(hearth: Hearth): EventStore {
  return new PostgresEventStore(hearth.database.db, hearth.database.kind);
}

export function event(type: string, data: unknown, schemaVersion = 1): NewEvent {
  return { id: uuidv7(), type, schemaVersion, data, metadata: metadata() };
}

/** Waits until every projection has passed the head of the log. */
export async function caughtUp(hearth: Hearth, timeoutMs = 30_000): Promise<boolean> {
  const head = await hearth.store.headPosition();
  return hearth.engine.waitFor(hearth.engine.projections.map((p) => p.name), head, timeoutMs);
}

export const someId = () => randomUUID();
