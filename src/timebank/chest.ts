// The community chest: members give minutes to it, a coordinator grants from it. Each is two
// postings decided on both accounts and the network's limits, held at the revisions read.
import { checkPosting, chestPostings, COMMUNITY, limitsOf, type AccountEvent, type AccountState, type Limits } from './account.ts';

interface ChestStates {
  member: AccountState;
  chest: AccountState;
  rules: Limits;
}
type Gift = { networkId: string; member: string; minutes: number; ref: string };

/** A member gives minutes to the chest, within their lower limit. */
export function decideDonation(s: ChestStates, gift: Gift): { member: AccountEvent[]; chest: AccountEvent[] } {
  checkPosting(s.member, limitsOf(s.member, s.rules, gift.member), -gift.minutes, 'member');
  return chestPostings({ ...gift, reason: 'donation' });
}

/** The chest gives minutes to a member: it cannot go below zero, nor the member above their limit. */
export function decideGrant(s: ChestStates, gift: Gift): { member: AccountEvent[]; chest: AccountEvent[] } {
  checkPosting(s.chest, limitsOf(s.chest, s.rules, COMMUNITY), -gift.minutes, 'chest');
  checkPosting(s.member, limitsOf(s.member, s.rules, gift.member), gift.minutes, 'member');
  return chestPostings({ ...gift, reason: 'grant' });
}
