// Whether a member may give care to another, under the network's safeguarding policy. Pure, so the
// time bank's exchanges and a coordinator's matching both ask the same question.
import type { MembershipState } from './membership.ts';

export interface SafeguardingPolicy {
  requireDbsForSafeguarded: boolean;
}

/** The reason care may not be given, in words a coordinator can act on; null when it may. */
export function careRefusal(policy: SafeguardingPolicy, provider: MembershipState, receiverNeedsSafeguarding: boolean, today: string): string | null {
  if (provider.status !== 'active') return 'The person giving care is not an active member of this network.';
  if (!policy.requireDbsForSafeguarded || !receiverNeedsSafeguarding) return null;
  if (!provider.dbs) return 'This network needs a current DBS check before anyone gives care to a member flagged for safeguarding, and none is recorded for the person giving care.';
  if (provider.dbs.expiresOn <= today) return `This network needs a current DBS check before anyone gives care to a member flagged for safeguarding; the one recorded expired on ${provider.dbs.expiresOn}.`;
  return null;
}
