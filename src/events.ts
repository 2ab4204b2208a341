// Every event type Hearth records. An event whose type is not here cannot be appended or read.
import { EventRegistry } from './eventstore/events.ts';
import { networkEventTypes } from './networks/network.ts';

export const registeredEventTypes = [...networkEventTypes];

export const eventRegistry = new EventRegistry(registeredEventTypes);
