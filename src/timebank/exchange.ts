// An exchange: an hour given by one member to another. It is logged by either party or a
// coordinator, and moves credits only when the other party or a coordinator confirms it. Before
// that it can be disputed or cancelled; after it, only a reversal that points at it corrects it.
// Confirming and reversing are processes: the exchange records that one began, each account is
// posted in a write of its own (settlement.ts), and the exchange records how it ended.
import { z } from 'zod';
import { Rejection, type Actor, type Decider } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { categoryName, type TimebankSettings } from './settings.ts';
import { checkPosting, CLEARING, limitsOf, type AccountEvent, type AccountState, type Limits } from './account.ts';
import { careRefusal, type SafeguardingPolicy } from '../access/safeguarding.ts';
import type { MembershipState } from '../access/membership.ts';
import type { PartnershipState } from '../networks/partnership.ts';
import { id, isoDate, reasonText, refusalFields } from '../bounds.ts';
import { minutes, MAX_MINUTES } from '../units.ts';
import { clearText, sealedText, type SealedText } from '../access/vault.ts';

const ids = { exchangeId: id() };
export const ExchangeLogged = defineEvent(
  'timebank.ExchangeLogged',
  z.strictObject({
    ...ids,
    networkId: id(),
    providerId: id(),
    receiverId: id(),
    /** Set when the receiver belongs to another time bank: the credits pass through both clearing accounts. */
    receiverNetworkId: id().optional(),
    minutes: minutes,
    category: categoryName,
    /** The category's rate when the exchange was logged: 100 is an hour for an hour. */
    ratePercent: z.number().int().positive().max(1000),
    /** Minutes moved between the accounts once confirmed: minutes × rate. */
    credited: z.number().int().positive().max(10 * MAX_MINUTES),
    /** Sealed under a key of its own linked to both parties: it may name either, or someone they care for. */
    description: sealedText,
    occurredOn: isoDate(),
    loggedBy: id(),
  }),
  // v1 carried the description in the clear; it is read as it was recorded, never rewritten.
  { version: 2, upcast: { 1: (d: { description: string }) => ({ ...d, description: clearText(d.description) }) } },
);
export const ExchangeConfirmed = defineEvent('timebank.ExchangeConfirmed', z.strictObject({ ...ids, confirmedBy: id() }));
export const ExchangeDisputed = defineEvent('timebank.ExchangeDisputed', z.strictObject({ ...ids, disputedBy: id(), reason: reasonText() }));
export const ExchangeCancelled = defineEvent('timebank.ExchangeCancelled', z.strictObject({ ...ids, cancelledBy: id(), reason: reasonText() }));
export const ExchangeReversed = defineEvent('timebank.ExchangeReversed', z.strictObject({ ...ids, reversedBy: id(), reason: reasonText() }));
/** Confirming began: the postings follow, each under an id derived from `processId`. */
export const ExchangeConfirmationStarted = defineEvent('timebank.ExchangeConfirmationStarted', z.strictObject({ ...ids, confirmedBy: id(), processId: id() }));
/** Reversing began: the opposite postings follow, each under an id derived from `processId`. */
export const ExchangeReversalStarted = defineEvent('timebank.ExchangeReversalStarted', z.strictObject({ ...ids, reversedBy: id(), reason: reasonText(), processId: id() }));
/**
 * An account refused its posting after confirming began (a limit reached by another exchange in
 * between): the postings made were given back, and the exchange waits as it did before.
 */
export const ExchangeConfirmationRefused = defineEvent(
  'timebank.ExchangeConfirmationRefused',
  z.strictObject({ ...ids, processId: id(), ...refusalFields, resumes: z.enum(['logged', 'disputed']) }),
);

export const exchangeEventTypes = [ExchangeLogged, ExchangeConfirmed, ExchangeDisputed, ExchangeCancelled, ExchangeReversed, ExchangeConfirmationStarted, ExchangeReversalStarted, ExchangeConfirmationRefused];
export type ExchangeEvent =
  | DomainEvent<typeof ExchangeLogged>
  | DomainEvent<typeof ExchangeConfirmed>
  | DomainEvent<typeof ExchangeDisputed>
  | DomainEvent<typeof ExchangeCancelled>
  | DomainEvent<typeof ExchangeReversed>
  | DomainEvent<typeof ExchangeConfirmationStarted>
  | DomainEvent<typeof ExchangeReversalStarted>
  | DomainEvent<typeof ExchangeConfirmationRefused>;

export type Logged = z.infer<typeof ExchangeLogged.schema>;
/** A confirmation or reversal under way: whose, its process, and where a refused confirmation goes back to. */
export interface InFlight {
  processId: string;
  by: string;
  reason?: string;
  resumes: 'logged' | 'disputed';
}
export type ExchangeState =
  | { status: 'none' }
  | { status: 'logged' | 'disputed' | 'confirmed' | 'cancelled' | 'reversed'; exchange: Logged }
  | { status: 'confirming' | 'reversing'; exchange: Logged; inFlight: InFlight };

export type ExchangeCommand =
  | {
      type: 'LogExchange';
      exchangeId: string;
      networkId: string;
      providerId: string;
      receiverId: string;
      receiverNetworkId?: string;
      minutes: number;
      category: string;
      /** Sealed by the application before deciding: the decider never sees the text. */
      description: SealedText;
      occurredOn: string;
      by: Actor;
      today: string;
      settings: TimebankSettings;
      /** Across two time banks: their partnership, which must be active. */
      partnership?: PartnershipState;
      care: Care;
    }
  | { type: 'DisputeExchange'; by: Actor; reason: string }
  | { type: 'CancelExchange'; by: Actor; reason: string };

/**
 * What the safeguarding rule asks of care given: the policy of the network of the person cared for
 * (the receiver's), the giver's membership where their DBS check is recorded, and whether the
 * receiver is flagged.
 */
export interface Care {
  policy: SafeguardingPolicy;
  provider: MembershipState;
  receiverNeedsSafeguarding: boolean;
}

/** Refuses care the safeguarding rule does not allow, naming the giver. */
export function requireSafeCare(care: Care, today: string): void {
  const refusal = careRefusal(care.policy, care.provider, care.receiverNeedsSafeguarding, today);
  if (refusal) throw new Rejection('safeguarding', refusal, 422, 'providerId');
}

/** Two time banks trade only while their partnership is active. */
export function requirePartnership(partnership: PartnershipState | undefined): void {
  if (partnership?.status !== 'active') {
    throw new Rejection('no-partnership', "These two time banks have no active partnership: one network's coordinator proposes it and the other's accepts it first.", 403, 'receiverNetworkId');
  }
}

export const exchangeStream = (exchangeId: string) => `exchange-${exchangeId}`;

export const exchangeDecider: Decider<ExchangeCommand, ExchangeState, ExchangeEvent> = {
  initialState: { status: 'none' },

  evolve(state, event) {
    if (event.type === 'timebank.ExchangeLogged') return { status: 'logged', exchange: event.data };
    if (state.status === 'none') return state;
    const { exchange } = state;
    switch (event.type) {
      case 'timebank.ExchangeConfirmed':
        return { status: 'confirmed', exchange };
      case 'timebank.ExchangeDisputed':
        return { status: 'disputed', exchange };
      case 'timebank.ExchangeCancelled':
        return { status: 'cancelled', exchange };
      case 'timebank.ExchangeReversed':
        return { status: 'reversed', exchange };
      case 'timebank.ExchangeConfirmationStarted':
        return { status: 'confirming', exchange, inFlight: { processId: event.data.processId, by: event.data.confirmedBy, resumes: state.status === 'disputed' ? 'disputed' : 'logged' } };
      case 'timebank.ExchangeReversalStarted':
        return { status: 'reversing', exchange, inFlight: { processId: event.data.processId, by: event.data.reversedBy, reason: event.data.reason, resumes: 'logged' } };
      case 'timebank.ExchangeConfirmationRefused':
        return { status: event.data.resumes, exchange };
    }
  },

  decide(command, state) {
    if (command.type === 'LogExchange') {
      if (state.status !== 'none') throw new Rejection('exchange-exists', 'This exchange is already logged.', 409);
      const { by, settings } = command;
      if (command.providerId === command.receiverId) throw new Rejection('exchange-with-oneself', 'Someone cannot give time to themselves.', 422, 'receiverId');
      if (by.personId !== command.providerId && by.personId !== command.receiverId && !by.isCoordinator) {
        throw new Rejection('not-a-party', 'Only the two people in an exchange, or a coordinator, may log it.', 403);
      }
      if (command.minutes > settings.maxExchangeMinutes) {
        throw new Rejection('exchange-too-long', `One exchange may be at most ${settings.maxExchangeMinutes / 60} hours in this network.`, 422, 'minutes');
      }
      if (command.occurredOn > command.today) throw new Rejection('date-in-future', 'The date cannot be in the future.', 422, 'occurredOn');
      const categories = Object.keys(settings.categories);
      const rate = settings.categories[command.category];
      if (categories.length > 0 && rate === undefined) {
        throw new Rejection('unknown-category', `This network's categories are: ${categories.join(', ')}.`, 422, 'category');
      }
      const across = command.receiverNetworkId !== undefined && command.receiverNetworkId !== command.networkId;
      if (across) requirePartnership(command.partnership);
      requireSafeCare(command.care, command.today);
      const ratePercent = rate ?? 100;
      return [
        {
          type: 'timebank.ExchangeLogged',
          data: {
            exchangeId: command.exchangeId,
            networkId: command.networkId,
            providerId: command.providerId,
            receiverId: command.receiverId,
            ...(across ? { receiverNetworkId: command.receiverNetworkId } : {}),
            minutes: command.minutes,
            category: command.category,
            ratePercent,
            credited: Math.round((command.minutes * ratePercent) / 100),
            description: command.description,
            occurredOn: command.occurredOn,
            loggedBy: by.personId,
          },
        },
      ];
    }
    if (state.status === 'none') throw new Rejection('exchange-not-found', 'There is no such exchange.', 404);
    const { exchange } = state;
    switch (command.type) {
      case 'DisputeExchange':
        if (state.status !== 'logged') throw new Rejection('exchange-settled', `This exchange is ${state.status}; only one waiting for confirmation can be disputed.`, 409);
        requireOtherPartyOrCoordinator(exchange, command.by, 'dispute');
        return [{ type: 'timebank.ExchangeDisputed', data: { exchangeId: exchange.exchangeId, disputedBy: command.by.personId, reason: command.reason } }];
      case 'CancelExchange':
        if (state.status !== 'logged' && state.status !== 'disputed') throw new Rejection('exchange-settled', `This exchange is ${state.status}; a confirmed exchange is corrected by a reversal.`, 409);
        if (!isParty(exchange, command.by.personId) && !command.by.isCoordinator) throw new Rejection('not-a-party', 'Only the two people in an exchange, or a coordinator, may cancel it.', 403);
        return [{ type: 'timebank.ExchangeCancelled', data: { exchangeId: exchange.exchangeId, cancelledBy: command.by.personId, reason: command.reason } }];
    }
  },
};

/** An exchange as a command names it among its reads. */
export const exchangeRead = (exchangeId: string) => [exchangeStream(exchangeId), exchangeDecider] as const;

const isParty = (e: Logged, personId: string) => e.providerId === personId || e.receiverId === personId;

function requireOtherPartyOrCoordinator(e: Logged, by: Actor, what: string): void {
  if (by.personId === e.loggedBy && !by.isCoordinator) throw new Rejection('own-exchange', `You logged this exchange, so the other person (or a coordinator) must ${what} it.`, 403);
  if (!isParty(e, by.personId) && !by.isCoordinator) throw new Rejection('not-a-party', `Only the other person in the exchange, or a coordinator, may ${what} it.`, 403);
  if (by.personId === e.loggedBy && by.isCoordinator && isParty(e, by.personId)) {
    throw new Rejection('own-exchange', `You logged this exchange and are part of it, so the other person or another coordinator must ${what} it.`, 403);
  }
}

export interface Postings {
  exchange: ExchangeEvent[];
  provider: AccountEvent[];
  receiver: AccountEvent[];
  /** Across two time banks: each one's clearing account; empty within one. */
  providerClearing: AccountEvent[];
  receiverClearing: AccountEvent[];
}

/** Where the receiver's account is kept: their own time bank's, for an exchange across two. */
export const receiverNetwork = (e: Logged) => e.receiverNetworkId ?? e.networkId;

/**
 * Moves `minutes` from the receiver to the provider: the receiver's account debited, the
 * provider's credited, and across two time banks through each one's clearing account, so that
 * every network's accounts sum to zero after every write. The one way an exchange is posted:
 * live confirmations, reversals and imports all come here.
 */
export function postingsFor(e: Logged, reason: 'exchange' | 'reversal', minutes: number): Omit<Postings, 'exchange'> {
  const posting = (networkId: string, holder: string, signed: number, counterparty: string): AccountEvent => ({
    type: 'timebank.Posted',
    data: { networkId, holder, minutes: signed, reason, ref: e.exchangeId, counterparty },
  });
  const across = e.receiverNetworkId !== undefined;
  const theirs = receiverNetwork(e);
  return {
    provider: [posting(e.networkId, e.providerId, minutes, across ? CLEARING : e.receiverId)],
    receiver: [posting(theirs, e.receiverId, -minutes, across ? CLEARING : e.providerId)],
    providerClearing: across ? [posting(e.networkId, CLEARING, -minutes, theirs)] : [],
    receiverClearing: across ? [posting(theirs, CLEARING, minutes, e.networkId)] : [],
  };
}

/** An exchange brought over from another system: logged and confirmed at once, posted as a live one is. */
export function importedExchange(e: Logged, confirmedBy: string): Postings {
  return {
    exchange: [
      { type: 'timebank.ExchangeLogged', data: e },
      { type: 'timebank.ExchangeConfirmed', data: { exchangeId: e.exchangeId, confirmedBy } },
    ],
    ...postingsFor(e, 'exchange', e.credited),
  };
}

/**
 * Who confirms. `personId` is whose action it is (the member acted for, or the actor), `actorId`
 * who actually acts; `isCoordinator` holds only when acting for oneself, as a coordinator of the
 * time bank that keeps the receiver's account.
 */
export interface Confirmer extends Actor {
  actorId: string;
}

const nothing: Postings = { exchange: [], provider: [], receiver: [], providerClearing: [], receiverClearing: [] };

/**
 * Nobody confirms an exchange they gave or received for someone else; the one who logged it asks
 * the other party or a coordinator; across two time banks only the member it debits, or a
 * coordinator of their own time bank, lets hours leave that bank.
 */
export function requireConfirmer(e: Logged, by: Confirmer): void {
  if (by.actorId !== by.personId && isParty(e, by.actorId)) {
    throw new Rejection('own-exchange', 'You gave or received this time, so another coordinator or the other person must confirm it.', 403);
  }
  if (e.receiverNetworkId !== undefined && by.personId !== e.receiverId && !by.isCoordinator) {
    throw new Rejection('receiver-confirms', "An exchange across two time banks is confirmed by the member it takes hours from, or by a coordinator of that member's own time bank.", 403);
  }
  requireOtherPartyOrCoordinator(e, by, 'confirm');
}

/**
 * What confirming an exchange does: the exchange confirmed and the credited minutes posted to
 * every account it touches. Limits are checked here on the accounts as read, so that a
 * confirmation plainly past a limit is refused before anything is written, and again as each
 * account is posted (settlement.ts); each member's limits are those of the time bank that keeps
 * their account. The safeguarding rule and the partnership are asked again: either may have
 * changed since logging.
 */
export function decideConfirmation(
  s: {
    exchange: ExchangeState;
    provider: AccountState;
    receiver: AccountState;
    providerRules: Limits;
    receiverRules: Limits;
    partnership?: PartnershipState;
  },
  by: Confirmer,
  care: Care,
  today: string,
): Postings {
  const state = s.exchange;
  if (state.status === 'none') throw new Rejection('exchange-not-found', 'There is no such exchange.', 404);
  const { exchange } = state;
  // Confirmed, or being confirmed: the one confirmation is finished, not begun again.
  if (state.status === 'confirmed' || state.status === 'confirming') return nothing;
  if (state.status === 'disputed' && !by.isCoordinator) throw new Rejection('exchange-disputed', 'This exchange is disputed; a coordinator must settle it.', 409);
  if (state.status !== 'logged' && state.status !== 'disputed') throw new Rejection('exchange-settled', `This exchange is ${state.status}.`, 409);
  requireConfirmer(exchange, by);
  if (exchange.receiverNetworkId !== undefined) requirePartnership(s.partnership);
  requireSafeCare(care, today);
  checkPosting(s.receiver, limitsOf(s.receiver, s.receiverRules, exchange.receiverId), -exchange.credited, 'receiver');
  checkPosting(s.provider, limitsOf(s.provider, s.providerRules, exchange.providerId), exchange.credited, 'provider');
  return {
    exchange: [{ type: 'timebank.ExchangeConfirmed', data: { exchangeId: exchange.exchangeId, confirmedBy: by.personId } }],
    ...postingsFor(exchange, 'exchange', exchange.credited),
  };
}

/** A coordinator reverses a confirmed exchange: equal and opposite postings, pointing at it. Limits do not stop a correction. */
export function decideReversal(state: ExchangeState, by: Actor, reason: string): Postings {
  if (state.status === 'none') throw new Rejection('exchange-not-found', 'There is no such exchange.', 404);
  if (!by.isCoordinator) throw new Rejection('coordinators-only', 'Only a coordinator may reverse a confirmed exchange.', 403);
  if (state.status === 'reversed' || state.status === 'reversing') return nothing;
  if (state.status !== 'confirmed') throw new Rejection('not-confirmed', 'Only a confirmed exchange is reversed; cancel one that is not.', 409);
  const { exchange } = state;
  return {
    exchange: [{ type: 'timebank.ExchangeReversed', data: { exchangeId: exchange.exchangeId, reversedBy: by.personId, reason } }],
    ...postingsFor(exchange, 'reversal', -exchange.credited),
  };
}

/**
 * A confirmation or reversal decided (`decideConfirmation`, `decideReversal`) begins as one write
 * to the exchange: the start of a process whose postings follow one account at a time.
 */
export function beginning(plan: Postings, processId: string): ExchangeEvent[] {
  return plan.exchange.map((e): ExchangeEvent => {
    if (e.type === 'timebank.ExchangeConfirmed') return { type: 'timebank.ExchangeConfirmationStarted', data: { exchangeId: e.data.exchangeId, confirmedBy: e.data.confirmedBy, processId } };
    if (e.type === 'timebank.ExchangeReversed') return { type: 'timebank.ExchangeReversalStarted', data: { exchangeId: e.data.exchangeId, reversedBy: e.data.reversedBy, reason: e.data.reason, processId } };
    return e;
  });
}

/**
 * How a process ends, once its postings are written: confirmed or reversed, or, when an account
 * refused its posting, the confirmation refused and the exchange waiting again. Nothing when the
 * process has already ended.
 */
export function decideEnd(state: ExchangeState, processId: string, refusal?: { problem: string; detail: string }): ExchangeEvent[] {
  if ((state.status !== 'confirming' && state.status !== 'reversing') || state.inFlight.processId !== processId) return [];
  const { exchangeId } = state.exchange;
  const { by, reason, resumes } = state.inFlight;
  if (state.status === 'reversing') return [{ type: 'timebank.ExchangeReversed', data: { exchangeId, reversedBy: by, reason: reason! } }];
  if (refusal) return [{ type: 'timebank.ExchangeConfirmationRefused', data: { exchangeId, processId, problem: refusal.problem, detail: refusal.detail, resumes } }];
  return [{ type: 'timebank.ExchangeConfirmed', data: { exchangeId, confirmedBy: by } }];
}
