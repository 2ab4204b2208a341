import type { Projection } from '../src/projections/engine.ts';
import type { PersonalDataVault } from '../src/access/vault.ts';
import { networksProjection } from './networks.ts';
import { eventTypeCountsProjection } from './event-type-counts.ts';
import { peopleProjection } from './people.ts';
import { membershipsProjection } from './memberships.ts';
import { personHistoryProjection } from './person-history.ts';
import { timebankProjection } from './timebank.ts';
import { carebankProjection } from './carebank.ts';
import { carebankCareProjection } from './carebank-care.ts';
import { poolsProjection } from './pools.ts';
import { vouchersProjection } from './vouchers.ts';
import { coopProjection } from './coop.ts';
import { notificationsProjection } from './notifications.ts';
import { passwordResetsProjection } from './password-resets.ts';
import { postAnswersProjection } from './post-answers.ts';
import { postsProjection } from './posts.ts';

export interface ProjectionDependencies {
  vault: PersonalDataVault;
}

export function createProjections({ vault }: ProjectionDependencies): readonly Projection[] {
  return [networksProjection, eventTypeCountsProjection, peopleProjection(vault), membershipsProjection, personHistoryProjection, timebankProjection, carebankProjection, poolsProjection, coopProjection, vouchersProjection, notificationsProjection, passwordResetsProjection, carebankCareProjection, postsProjection, postAnswersProjection];
}
