// The community chest: members give minutes to it, a coordinator grants from it. Each is two
// postings decided on both accounts and the network's limits, held at the revisions read. A grant
// or a donation, to the chest or to the network's own account, is taken back by a reversal that
// points at it, never by an edit.
import { Rejection } from '../commands/decider.ts';
import type { SealedText } from '../access/vault.ts';
import { checkPosting, chestPostings, COMMUNITY, emptyAccount, evolveAccount, limitsOf, type AccountEvent, type AccountState, type Limits, type NetworkHolder } from './account.ts';

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

/** A grant or donation as the network's account holds it: the minutes it posted there, and whether it was taken back. */
export interface GiftHeld {
  reason: 'grant' | 'donation';
  member: string;
  /** Signed, as posted on the network's account: negative for a grant, positive for a donation. */
  minutes: number;
  reversed: boolean;
}

/** One of the network's own accounts (the chest, the organisation's): its balance and limits, and the gifts it holds. */
export interface NetworkAccountState {
  account: AccountState;
  gifts: Record<string, GiftHeld>;
}

export const networkAccountFolder = {
  initialState: { account: emptyAccount, gifts: {} } as NetworkAccountState,
  evolve(state: NetworkAccountState, event: AccountEvent): NetworkAccountState {
    const account = evolveAccount(state.account, event);
    if (event.type === 'timebank.Posted' && (event.data.reason === 'grant' || event.data.reason === 'donation')) {
      const { ref, reason, counterparty: member, minutes } = event.data;
      return { account, gifts: { ...state.gifts, [ref]: { reason, member, minutes, reversed: false } } };
    }
    if (event.type === 'timebank.GiftReversed' && state.gifts[event.data.ref]) {
      return { account, gifts: { ...state.gifts, [event.data.ref]: { ...state.gifts[event.data.ref]!, reversed: true } } };
    }
    return { ...state, account };
  },
};

export interface GiftReversal {
  networkId: string;
  holder: NetworkHolder;
  ref: string;
  reason: SealedText;
  reversedBy: string;
}

/**
 * Takes a grant or a donation back: equal and opposite postings on both accounts, and the reason.
 * Once only. The chest never goes below zero, so a donation whose hours were granted onward cannot
 * be taken back until the chest holds them again; the organisation's account has no such floor.
 * The member's limits are not asked, as an exchange's reversal does not: it undoes a mistake.
 */
export function decideGiftReversal(s: { network: NetworkAccountState; member: AccountState; rules: Limits }, r: GiftReversal): { network: AccountEvent[]; member: AccountEvent[] } {
  const gift = s.network.gifts[r.ref];
  if (!gift) throw new Rejection('gift-not-found', 'There is no such grant or donation in this network.', 404);
  if (gift.reversed) throw new Rejection('already-reversed', 'This grant or donation has already been reversed.', 409);
  const back = -gift.minutes;
  if (back < 0) checkPosting(s.network.account, limitsOf(s.network.account, s.rules, r.holder), back, r.holder === COMMUNITY ? 'chest' : 'network account');
  const common = { networkId: r.networkId, reason: 'reversal' as const, ref: r.ref };
  return {
    network: [
      { type: 'timebank.Posted', data: { ...common, holder: r.holder, minutes: back, counterparty: gift.member } },
      { type: 'timebank.GiftReversed', data: { networkId: r.networkId, holder: r.holder, ref: r.ref, member: gift.member, reversedBy: r.reversedBy, reason: r.reason } },
    ],
    member: [{ type: 'timebank.Posted', data: { ...common, holder: gift.member, minutes: -back, counterparty: r.holder } }],
  };
}
