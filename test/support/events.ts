// Events for storage tests: built through the real network event types, so the checked store
// accepts them, with metadata a command would carry.
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { EventMetadata, NewEvent } from '../../src/eventstore/port.ts';

export function metadata(overrides: Partial<EventMetadata> = {}): EventMetadata {
  return {
    actor: 'system:test',
    onBehalfOf: null,
    commandId: randomUUID(),
    correlationId: randomUUID(),
    causationId: null,
    recordedAt: new Date().toISOString(),
    ...overrides,
  };
}

export function opened(networkId: string = randomUUID(), name = 'Chapel Allerton Good Neighbours'): NewEvent {
  return {
    id: uuidv7(),
    type: 'network.NetworkOpened',
    schemaVersion: 2,
    data: { networkId, name, kind: 'time_bank', openedAt: '2026-11-01T10:00:00.000Z', openedBy: 'system:test' },
    metadata: metadata(),
  };
}

export function renamed(networkId: string, name: string): NewEvent {
  return { id: uuidv7(), type: 'network.NetworkRenamed', schemaVersion: 1, data: { networkId, name }, metadata: metadata() };
}
