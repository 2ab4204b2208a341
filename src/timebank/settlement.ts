// Confirming or reversing an exchange, or making a gift to or from the network's own accounts,
// carried out: one write per account, so that it runs on a store that commits one stream at a
// time. Every step's id is derived from the process, so the request that began it, a retry of that request, or a sweeper after a crash can each carry it on,
// at the same time even, and each posting is written once. An account that refuses its posting
// (a limit reached by another exchange since confirming began) records the refusal under the same
// id; the postings already made are given back, and the exchange waits again (or the gift is
// recorded refused).
import { sql } from 'kysely';
import { fold, Rejection } from '../commands/decider.ts';
import { decideAcross, type CommandContext } from '../commands/decide.ts';
import { domainEvents } from '../eventstore/events.ts';
import type { Deps } from '../access/caller.ts';
import { endedAs, stepContext, type Ended, type Refusal } from '../commands/process.ts';
import { rulesRead, type TimebankSettings } from './settings.ts';
import { accountRead, checkPosting, CLEARING, limitsOf, type AccountEvent, type AccountState } from './account.ts';
import { giftDecider, giftRead, GiftRefused, giftStream, type GiftEvent, type GiftState } from './gift.ts';
import {
  decideEnd,
  ExchangeConfirmationRefused,
  exchangeDecider,
  exchangeRead,
  exchangeStream,
  postingsFor,
  receiverNetwork,
  type ExchangeEvent,
  type ExchangeState,
  type Logged,
} from './exchange.ts';

type Posting = Extract<AccountEvent, { type: 'timebank.Posted' }>;

interface Step {
  networkId: string;
  holder: string;
  /** A posting first; for a gift's reversal, the record of it after. */
  events: [Posting, ...AccountEvent[]];
  /** Whose limits the posting must keep, as a refusal names them; a step with none is never refused. */
  checked?: 'provider' | 'receiver' | 'member' | 'chest' | 'network account';
}

/** The postings in the order they are made: the receiver, who is debited, first. */
function stepsOf(e: Logged, confirming: boolean): Step[] {
  const p = postingsFor(e, confirming ? 'exchange' : 'reversal', confirming ? e.credited : -e.credited) as Record<'provider' | 'receiver' | 'providerClearing' | 'receiverClearing', Posting[]>;
  const theirs = receiverNetwork(e);
  return [
    { networkId: theirs, holder: e.receiverId, events: [p.receiver[0]!], ...(confirming ? { checked: 'receiver' as const } : {}) },
    { networkId: e.networkId, holder: e.providerId, events: [p.provider[0]!], ...(confirming ? { checked: 'provider' as const } : {}) },
    ...p.providerClearing.map((posting) => ({ networkId: e.networkId, holder: CLEARING, events: [posting] as [Posting] })),
    ...p.receiverClearing.map((posting) => ({ networkId: theirs, holder: CLEARING, events: [posting] as [Posting] })),
  ];
}

/**
 * Writes each step to its account in turn, under ids derived from the process; at the first
 * refusal, gives back what the steps before it posted, and answers the refusal.
 */
async function carryOut(deps: Pick<Deps, 'store'>, steps: Step[], context: (step: string) => CommandContext): Promise<Refusal | undefined> {
  const made: Step[] = [];
  let refused: Refusal | undefined;
  for (const step of steps) {
    const account = accountRead(step.networkId, step.holder);
    const stepContext = context(`post ${step.networkId} ${step.holder}`);
    const done = step.checked
      ? await decideAcross(deps.store, { account, rules: rulesRead(step.networkId) }, (s) => ({ account: eventsOrRefusal(step, s) }), stepContext)
      : await decideAcross(deps.store, { account }, () => ({ account: step.events }), stepContext);
    const outcome = done.events.account?.[0];
    if (outcome?.type === 'timebank.PostingRefused') {
      refused = { problem: outcome.data.problem, detail: outcome.data.detail };
      break;
    }
    made.push(step);
  }
  for (const step of refused ? made.reverse() : []) {
    const posting = step.events[0];
    const giveBack: Posting = { type: 'timebank.Posted', data: { ...posting.data, minutes: -posting.data.minutes, reason: 'reversal' } };
    await decideAcross(deps.store, { account: accountRead(step.networkId, step.holder) }, () => ({ account: [giveBack] }), context(`give back ${step.networkId} ${step.holder}`));
  }
  return refused;
}

/** Carries on the confirmation or reversal in flight on an exchange, if one is, and answers the exchange as it then is. */
export async function finishExchange(deps: Pick<Deps, 'store' | 'clock'>, exchangeId: string): Promise<Ended<ExchangeState>> {
  const history = await deps.store.readStream(exchangeStream(exchangeId));
  const state = fold(exchangeDecider, domainEvents(history) as ExchangeEvent[]);
  if (state.status !== 'confirming' && state.status !== 'reversing') return endedAs(state, history, ExchangeConfirmationRefused.type);
  const { processId, by } = state.inFlight;
  const context = stepContext(deps.clock, by, processId);
  const refused = await carryOut(deps, stepsOf(state.exchange, state.status === 'confirming'), context);
  const end = await decideAcross(deps.store, { exchange: exchangeRead(exchangeId) }, (s) => ({ exchange: decideEnd(s.exchange, processId, refused) }), context('end'));
  return { state: end.states.exchange, revision: end.revisions.exchange, position: end.position, ...(refused ? { refused } : {}) };
}

/** Carries on the gift (or its reversal) in flight, if one is, and answers the gift as it then is. */
export async function finishGift(deps: Pick<Deps, 'store' | 'clock'>, giftId: string): Promise<Ended<GiftState>> {
  const history = await deps.store.readStream(giftStream(giftId));
  const state = fold(giftDecider, domainEvents(history) as GiftEvent[]);
  if (state.status !== 'in flight') return endedAs(state, history, GiftRefused.type);
  const { processId, by, networkId, steps } = state.inFlight;
  const context = stepContext(deps.clock, by, processId);
  const refused = await carryOut(deps, steps.map((s) => ({ networkId, holder: s.holder, events: s.events as Step['events'], ...(s.checked ? { checked: s.checked } : {}) })), context);
  const end = await decideAcross(deps.store, { gift: giftRead(giftId) }, (s) => ({ gift: giftDecider.decide({ type: 'EndGift', giftId, processId, ...(refused ? { refusal: refused } : {}) }, s.gift) }), context('end'));
  return { state: end.states.gift, revision: end.revisions.gift, position: end.position, ...(refused ? { refused } : {}) };
}

/** The step's events, or, past a limit of the account as it is now, the refusal recorded in their place. */
function eventsOrRefusal(step: Step, s: { account: AccountState; rules: TimebankSettings }): AccountEvent[] {
  const posting = step.events[0];
  try {
    checkPosting(s.account, limitsOf(s.account, s.rules, step.holder), posting.data.minutes, step.checked!);
    return step.events;
  } catch (err) {
    if (!(err instanceof Rejection)) throw err;
    const { networkId, holder, minutes, ref } = posting.data;
    return [{ type: 'timebank.PostingRefused', data: { networkId, holder, minutes, ref, problem: err.type, detail: err.message } }];
  }
}

/** Exchanges whose confirmation or reversal is under way, as the read table has them. */
export async function unfinishedExchanges(deps: Pick<Deps, 'database'>): Promise<string[]> {
  // Written out, so that the partial index on exactly these statuses serves it.
  const rows = await deps.database.db.selectFrom('timebank_exchanges').select('exchange_id').where(sql<boolean>`status IN ('confirming', 'reversing')`).execute();
  return rows.map((r) => r.exchange_id);
}

/** Gifts to or from the network's own accounts begun and not yet ended, as the read table has them. */
export async function unfinishedGifts(deps: Pick<Deps, 'database'>): Promise<string[]> {
  const rows = await deps.database.db.selectFrom('timebank_gifts_in_flight').select('gift_id').execute();
  return rows.map((r) => r.gift_id);
}
