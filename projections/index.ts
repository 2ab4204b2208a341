import type { Projection } from '../src/projections/engine.ts';
import { networksProjection } from './networks.ts';
import { eventTypeCountsProjection } from './event-type-counts.ts';

export const projections: readonly Projection[] = [networksProjection, eventTypeCountsProjection];
