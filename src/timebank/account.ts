// One holder's time account in one network: a member, the community chest, or the network's
// clearing account. Its postings and its own limits live in its stream, so a limit holds however
// many confirmations race for the same account.
import { z } from 'zod';
import { Rejection } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { formatMinutes, signedMinutes, lowerLimitMinutes, upperLimitMinutes } from '../units.ts';
import { id, isoDate, reasonText, refusalFields } from '../bounds.ts';
import { sealedText, type SealedText } from '../access/vault.ts';

export const COMMUNITY = 'community';
/** The account through which a time bank trades hours with another. */
export const CLEARING = 'clearing';
/**
 * The network's own account, as a time bank moved in from elsewhere kept it: TimeOverflow's
 * organisation account gives newcomers their first hours and so often runs below zero, which
 * the community chest never may.
 */
export const ORGANISATION = 'organisation';

export const Posted = defineEvent(
  'timebank.Posted',
  z.strictObject({
    networkId: id(),
    holder: z.string().min(1),
    /** Signed: positive credits the holder (time given), negative debits (time received). */
    minutes: signedMinutes.refine((m) => m !== 0, 'must not be zero'),
    reason: z.enum(['exchange', 'reversal', 'donation', 'grant', 'adjustment']),
    /** The exchange, donation or grant this posting belongs to. */
    ref: id(),
    counterparty: z.string().min(1),
    /** For a donation or grant brought over from another system: when it happened there. */
    occurredOn: isoDate().optional(),
    /** Why an adjustment was made, in the coordinator's words: sealed, as it may name the member. */
    note: sealedText.optional(),
  }),
);
export const AccountLimitsSet = defineEvent(
  'timebank.AccountLimitsSet',
  z.strictObject({
    networkId: id(),
    holder: z.string().min(1),
    lowerMinutes: lowerLimitMinutes.nullable(),
    upperMinutes: upperLimitMinutes.nullable(),
    reason: reasonText(),
  }),
);

/**
 * A grant or a donation taken back, with a reason, on the stream of the network's account it came
 * from or went to; its postings (reason 'reversal', the gift's ref) come with it. The reason may
 * name the member, so it is sealed with their key.
 */
export const GiftReversed = defineEvent(
  'timebank.GiftReversed',
  z.strictObject({ networkId: id(), holder: z.enum([COMMUNITY, ORGANISATION]), ref: id(), member: z.string().min(1), reversedBy: id(), reason: sealedText }),
);

/**
 * A posting this account refused, a limit being in the way, recorded under the id the posting
 * would have had: whoever carries the process on afterwards finds the same answer. The balance
 * does not move.
 */
export const PostingRefused = defineEvent(
  'timebank.PostingRefused',
  z.strictObject({ networkId: id(), holder: z.string().min(1), minutes: signedMinutes, ref: id(), ...refusalFields }),
);
export const accountEventTypes = [Posted, AccountLimitsSet, GiftReversed, PostingRefused];
export type AccountEvent = DomainEvent<typeof Posted> | DomainEvent<typeof AccountLimitsSet> | DomainEvent<typeof GiftReversed> | DomainEvent<typeof PostingRefused>;

export interface AccountState {
  balance: number;
  /** Overrides of the network's limits for this holder; null means the network's. */
  lowerMinutes: number | null;
  upperMinutes: number | null;
}

export const accountStream = (networkId: string, holder: string) => `account-${networkId}-${holder}`;

export const emptyAccount: AccountState = { balance: 0, lowerMinutes: null, upperMinutes: null };

/** An account's fold, as every command that reads one names it. */
export const accountFolder = { initialState: emptyAccount, evolve: (state: AccountState, event: AccountEvent) => evolveAccount(state, event) };
/** An account as a command names it among its reads. */
export const accountRead = (networkId: string, holder: string) => [accountStream(networkId, holder), accountFolder] as const;

export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'timebank.Posted':
      return { ...state, balance: state.balance + event.data.minutes };
    case 'timebank.AccountLimitsSet':
      return { ...state, lowerMinutes: event.data.lowerMinutes, upperMinutes: event.data.upperMinutes };
    case 'timebank.GiftReversed':
    case 'timebank.PostingRefused':
      return state;
  }
}

export interface Limits {
  lowerMinutes: number;
  upperMinutes: number;
}

/**
 * The limits in force for an account: its own, else the network's. The community chest cannot go
 * below zero, and has no ceiling. The network's own account has no limits unless a coordinator
 * sets some: it gave newcomers their first hours in the system it came from.
 */
export function limitsOf(account: AccountState, network: Limits, holder: string): Limits {
  // A clearing account carries whatever members trade across time banks; it has no limits.
  if (holder === CLEARING) return { lowerMinutes: Number.MIN_SAFE_INTEGER, upperMinutes: Number.MAX_SAFE_INTEGER };
  if (holder === ORGANISATION) return { lowerMinutes: account.lowerMinutes ?? Number.MIN_SAFE_INTEGER, upperMinutes: account.upperMinutes ?? Number.MAX_SAFE_INTEGER };
  return {
    lowerMinutes: holder === COMMUNITY ? 0 : (account.lowerMinutes ?? network.lowerMinutes),
    upperMinutes: account.upperMinutes ?? (holder === COMMUNITY ? Number.MAX_SAFE_INTEGER : network.upperMinutes),
  };
}

/** Refuses a posting that would take the account past a limit, saying whose and by how much. */
export function checkPosting(account: AccountState, limits: Limits, minutes: number, who: 'provider' | 'receiver' | 'member' | 'chest' | 'network account'): void {
  const after = account.balance + minutes;
  if (minutes < 0 && after < limits.lowerMinutes) {
    throw new Rejection(
      'limit-reached',
      `This would take the ${who}'s balance to ${formatMinutes(after)}, below their lower limit of ${formatMinutes(limits.lowerMinutes)}.`,
      409,
    );
  }
  if (minutes > 0 && after > limits.upperMinutes) {
    throw new Rejection('limit-reached', `This would take the ${who}'s balance to ${formatMinutes(after)}, above their limit of ${formatMinutes(limits.upperMinutes)}.`, 409);
  }
}


/** The network's own accounts a gift comes from or goes to: the community chest, or the organisation's. */
export type NetworkHolder = typeof COMMUNITY | typeof ORGANISATION;
export const networkHolders: readonly NetworkHolder[] = [COMMUNITY, ORGANISATION];

/**
 * The two postings of a gift to or from one of the network's own accounts (the community chest
 * unless another is named): a donation debits the member and credits that account, a grant the
 * other way. Live commands and imports both build them here.
 */
export function chestPostings(p: { networkId: string; member: string; minutes: number; reason: 'donation' | 'grant'; ref: string; occurredOn?: string; holder?: NetworkHolder }): { member: AccountEvent[]; chest: AccountEvent[] } {
  const holder = p.holder ?? COMMUNITY;
  const signed = p.reason === 'grant' ? p.minutes : -p.minutes;
  const common = { networkId: p.networkId, reason: p.reason, ref: p.ref, ...(p.occurredOn ? { occurredOn: p.occurredOn } : {}) };
  return {
    member: [{ type: 'timebank.Posted', data: { ...common, holder: p.member, minutes: signed, counterparty: holder } }],
    chest: [{ type: 'timebank.Posted', data: { ...common, holder, minutes: -signed, counterparty: p.member } }],
  };
}

/**
 * An opening adjustment: a member's balance brought to what the old system showed, against the
 * organisation's account, with the coordinator's reason. Signed: positive credits the member.
 */
export function adjustmentPostings(p: { networkId: string; member: string; minutes: number; ref: string; note: SealedText }): { member: AccountEvent[]; organisation: AccountEvent[] } {
  const common = { networkId: p.networkId, reason: 'adjustment' as const, ref: p.ref, note: p.note };
  return {
    member: [{ type: 'timebank.Posted', data: { ...common, holder: p.member, minutes: p.minutes, counterparty: ORGANISATION } }],
    organisation: [{ type: 'timebank.Posted', data: { ...common, holder: ORGANISATION, minutes: -p.minutes, counterparty: p.member } }],
  };
}
