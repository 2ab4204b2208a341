// An exchange: an hour given by one member to another. It is logged by either party or a
// coordinator, and moves credits only when the other party or a coordinator confirms it. Before
// that it can be disputed or cancelled; after it, only a reversal that points at it corrects it.
import { z } from 'zod';
import { Rejection, type Actor, type Decider } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { categoryName, type TimebankSettings } from './settings.ts';
import { checkPosting, CLEARING, limitsOf, type AccountEvent, type AccountState, type Limits } from './account.ts';

const ids = { exchangeId: z.uuid() };
export const ExchangeLogged = defineEvent(
  'timebank.ExchangeLogged',
  z.strictObject({
    ...ids,
    networkId: z.uuid(),
    providerId: z.uuid(),
    receiverId: z.uuid(),
    /** Set when the receiver belongs to another time bank: the credits pass through both clearing accounts. */
    receiverNetworkId: z.uuid().optional(),
    minutes: z.number().int().positive(),
    category: categoryName,
    /** The category's rate when the exchange was logged: 100 is an hour for an hour. */
    ratePercent: z.number().int().positive(),
    /** Minutes moved between the accounts once confirmed: minutes × rate. */
    credited: z.number().int().positive(),
    description: z.string().max(500),
    occurredOn: z.iso.date(),
    loggedBy: z.uuid(),
  }),
);
export const ExchangeConfirmed = defineEvent('timebank.ExchangeConfirmed', z.strictObject({ ...ids, confirmedBy: z.uuid() }));
export const ExchangeDisputed = defineEvent('timebank.ExchangeDisputed', z.strictObject({ ...ids, disputedBy: z.uuid(), reason: z.string().min(1).max(500) }));
export const ExchangeCancelled = defineEvent('timebank.ExchangeCancelled', z.strictObject({ ...ids, cancelledBy: z.uuid(), reason: z.string().min(1).max(500) }));
export const ExchangeReversed = defineEvent('timebank.ExchangeReversed', z.strictObject({ ...ids, reversedBy: z.uuid(), reason: z.string().min(1).max(500) }));

export const exchangeEventTypes = [ExchangeLogged, ExchangeConfirmed, ExchangeDisputed, ExchangeCancelled, ExchangeReversed];
export type ExchangeEvent =
  | DomainEvent<typeof ExchangeLogged>
  | DomainEvent<typeof ExchangeConfirmed>
  | DomainEvent<typeof ExchangeDisputed>
  | DomainEvent<typeof ExchangeCancelled>
  | DomainEvent<typeof ExchangeReversed>;

type Logged = z.infer<typeof ExchangeLogged.schema>;
export type ExchangeState =
  | { status: 'none' }
  | { status: 'logged' | 'disputed' | 'confirmed' | 'cancelled' | 'reversed'; exchange: Logged };

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
      description: string;
      occurredOn: string;
      by: Actor;
      today: string;
      settings: TimebankSettings;
    }
  | { type: 'DisputeExchange'; by: Actor; reason: string }
  | { type: 'CancelExchange'; by: Actor; reason: string };

export const exchangeStream = (exchangeId: string) => `exchange-${exchangeId}`;

export const exchangeDecider: Decider<ExchangeCommand, ExchangeState, ExchangeEvent> = {
  initialState: { status: 'none' },

  evolve(state, event) {
    if (event.type === 'timebank.ExchangeLogged') return { status: 'logged', exchange: event.data };
    if (state.status === 'none') return state;
    switch (event.type) {
      case 'timebank.ExchangeConfirmed':
        return { ...state, status: 'confirmed' };
      case 'timebank.ExchangeDisputed':
        return { ...state, status: 'disputed' };
      case 'timebank.ExchangeCancelled':
        return { ...state, status: 'cancelled' };
      case 'timebank.ExchangeReversed':
        return { ...state, status: 'reversed' };
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
      const ratePercent = rate ?? 100;
      return [
        {
          type: 'timebank.ExchangeLogged',
          data: {
            exchangeId: command.exchangeId,
            networkId: command.networkId,
            providerId: command.providerId,
            receiverId: command.receiverId,
            ...(command.receiverNetworkId && command.receiverNetworkId !== command.networkId ? { receiverNetworkId: command.receiverNetworkId } : {}),
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
  /** Across two time banks: the provider's network's clearing account, then the receiver's. */
  clearing: [AccountEvent[], AccountEvent[]];
}

/** Where the receiver's account is kept: their own time bank's, for an exchange across two. */
export const receiverNetwork = (e: Logged) => e.receiverNetworkId ?? e.networkId;

/**
 * Moves `minutes` from the receiver to the provider: the receiver's account debited, the
 * provider's credited, and across two time banks through each one's clearing account, so that
 * every network's accounts sum to zero after every write.
 */
function postings(e: Logged, reason: 'exchange' | 'reversal', minutes: number): Omit<Postings, 'exchange'> {
  const posting = (networkId: string, holder: string, signed: number, counterparty: string): AccountEvent => ({
    type: 'timebank.Posted',
    data: { networkId, holder, minutes: signed, reason, ref: e.exchangeId, counterparty },
  });
  const across = e.receiverNetworkId !== undefined;
  const theirs = receiverNetwork(e);
  return {
    provider: [posting(e.networkId, e.providerId, minutes, across ? CLEARING : e.receiverId)],
    receiver: [posting(theirs, e.receiverId, -minutes, across ? CLEARING : e.providerId)],
    clearing: across ? [[posting(e.networkId, CLEARING, -minutes, theirs)], [posting(theirs, CLEARING, minutes, e.networkId)]] : [[], []],
  };
}

/**
 * Confirming moves the credited minutes, in one write across the exchange and every account it
 * touches. Limits are enforced here, on the accounts as they are at the revisions the write
 * expects; each member's limits are those of the time bank that keeps their account.
 */
export function decideConfirmation(
  state: ExchangeState,
  by: Actor,
  accounts: { provider: AccountState; receiver: AccountState },
  limits: { provider: Limits; receiver: Limits },
): Postings {
  const none: Postings = { exchange: [], provider: [], receiver: [], clearing: [[], []] };
  if (state.status === 'none') throw new Rejection('exchange-not-found', 'There is no such exchange.', 404);
  const { exchange } = state;
  if (state.status === 'confirmed') return none;
  if (state.status === 'disputed' && !by.isCoordinator) throw new Rejection('exchange-disputed', 'This exchange is disputed; a coordinator must settle it.', 409);
  if (state.status !== 'logged' && state.status !== 'disputed') throw new Rejection('exchange-settled', `This exchange is ${state.status}.`, 409);
  requireOtherPartyOrCoordinator(exchange, by, 'confirm');
  checkPosting(accounts.receiver, limitsOf(accounts.receiver, limits.receiver, exchange.receiverId), -exchange.credited, 'receiver');
  checkPosting(accounts.provider, limitsOf(accounts.provider, limits.provider, exchange.providerId), exchange.credited, 'provider');
  return {
    exchange: [{ type: 'timebank.ExchangeConfirmed', data: { exchangeId: exchange.exchangeId, confirmedBy: by.personId } }],
    ...postings(exchange, 'exchange', exchange.credited),
  };
}

/** A coordinator reverses a confirmed exchange: equal and opposite postings, pointing at it. Limits do not stop a correction. */
export function decideReversal(state: ExchangeState, by: Actor, reason: string): Postings {
  if (state.status === 'none') throw new Rejection('exchange-not-found', 'There is no such exchange.', 404);
  if (!by.isCoordinator) throw new Rejection('coordinators-only', 'Only a coordinator may reverse a confirmed exchange.', 403);
  if (state.status === 'reversed') return { exchange: [], provider: [], receiver: [], clearing: [[], []] };
  if (state.status !== 'confirmed') throw new Rejection('not-confirmed', 'Only a confirmed exchange is reversed; cancel one that is not.', 409);
  const { exchange } = state;
  return {
    exchange: [{ type: 'timebank.ExchangeReversed', data: { exchangeId: exchange.exchangeId, reversedBy: by.personId, reason } }],
    ...postings(exchange, 'reversal', -exchange.credited),
  };
}
