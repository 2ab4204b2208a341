// Confirming or reversing an exchange, carried out: one write per account, so that it runs on a
// store that commits one stream at a time. Every step's id is derived from the process, so the
// request that began it, a retry of that request, or a sweeper after a crash can each carry it on,
// at the same time even, and each posting is written once. An account that refuses its posting
// (a limit reached by another exchange since confirming began) records the refusal under the same
// id; the postings already made are given back, and the exchange waits again.
import { v5 as uuidv5 } from 'uuid';
import { sql } from 'kysely';
import { fold, Rejection } from '../commands/decider.ts';
import { decideAcross, type CommandContext } from '../commands/decide.ts';
import { domainEvents } from '../eventstore/events.ts';
import type { Deps } from '../access/caller.ts';
import { isoNow } from '../clock.ts';
import type { Logger } from 'pino';
import { rulesRead, type TimebankSettings } from './settings.ts';
import { accountRead, checkPosting, CLEARING, limitsOf, type AccountEvent, type AccountState } from './account.ts';
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
type Refusal = { problem: string; detail: string };

interface Step {
  networkId: string;
  holder: string;
  posting: Posting;
  /** Whose limits the posting must keep: a confirmation's two members; never a clearing account or a correction. */
  checked?: 'provider' | 'receiver';
}

/** The postings in the order they are made: the receiver, who is debited, first. */
function stepsOf(e: Logged, confirming: boolean): Step[] {
  const p = postingsFor(e, confirming ? 'exchange' : 'reversal', confirming ? e.credited : -e.credited) as Record<'provider' | 'receiver' | 'providerClearing' | 'receiverClearing', Posting[]>;
  const theirs = receiverNetwork(e);
  return [
    { networkId: theirs, holder: e.receiverId, posting: p.receiver[0]!, ...(confirming ? { checked: 'receiver' as const } : {}) },
    { networkId: e.networkId, holder: e.providerId, posting: p.provider[0]!, ...(confirming ? { checked: 'provider' as const } : {}) },
    ...p.providerClearing.map((posting) => ({ networkId: e.networkId, holder: CLEARING, posting })),
    ...p.receiverClearing.map((posting) => ({ networkId: theirs, holder: CLEARING, posting })),
  ];
}

/** An exchange as a process left it: its state and revision, the position of its last event, and the refusal that ended it, if one did. */
export interface Ended {
  state: ExchangeState;
  revision: number;
  position: number;
  refused?: Refusal;
}

/** Carries on the confirmation or reversal in flight on an exchange, if one is, and answers the exchange as it then is. */
export async function finishExchange(deps: Pick<Deps, 'store' | 'clock'>, exchangeId: string): Promise<Ended> {
  const history = await deps.store.readStream(exchangeStream(exchangeId));
  const state = fold(exchangeDecider, domainEvents(history) as ExchangeEvent[]);
  if (state.status !== 'confirming' && state.status !== 'reversing') {
    const last = history.at(-1);
    return { state, revision: last?.revision ?? -1, position: last?.position ?? 0, ...(last?.type === ExchangeConfirmationRefused.type ? { refused: last.data as Refusal } : {}) };
  }
  const { processId, by } = state.inFlight;
  const context = (step: string): CommandContext => ({
    actor: by,
    onBehalfOf: null,
    commandId: uuidv5(step, processId),
    correlationId: processId,
    causationId: processId,
    now: isoNow(deps.clock),
  });

  const made: Step[] = [];
  let refused: Refusal | undefined;
  for (const step of stepsOf(state.exchange, state.status === 'confirming')) {
    const account = accountRead(step.networkId, step.holder);
    const stepContext = context(`post ${step.networkId} ${step.holder}`);
    const done = step.checked
      ? await decideAcross(deps.store, { account, rules: rulesRead(step.networkId) }, (s) => ({ account: [postingOrRefusal(step, s)] }), stepContext)
      : await decideAcross(deps.store, { account }, () => ({ account: [step.posting] }), stepContext);
    const outcome = done.events.account?.[0];
    if (outcome?.type === 'timebank.PostingRefused') {
      refused = { problem: outcome.data.problem, detail: outcome.data.detail };
      break;
    }
    made.push(step);
  }
  for (const step of refused ? made.reverse() : []) {
    const giveBack: Posting = { type: 'timebank.Posted', data: { ...step.posting.data, minutes: -step.posting.data.minutes, reason: 'reversal' } };
    await decideAcross(deps.store, { account: accountRead(step.networkId, step.holder) }, () => ({ account: [giveBack] }), context(`give back ${step.networkId} ${step.holder}`));
  }
  const end = await decideAcross(deps.store, { exchange: exchangeRead(exchangeId) }, (s) => ({ exchange: decideEnd(s.exchange, processId, refused) }), context('end'));
  return { state: end.states.exchange, revision: end.revisions.exchange, position: end.position, ...(refused ? { refused } : {}) };
}

/** The step's posting, or, past a limit of the account as it is now, the refusal recorded in its place. */
function postingOrRefusal(step: Step, s: { account: AccountState; rules: TimebankSettings }): AccountEvent {
  try {
    checkPosting(s.account, limitsOf(s.account, s.rules, step.holder), step.posting.data.minutes, step.checked!);
    return step.posting;
  } catch (err) {
    if (!(err instanceof Rejection)) throw err;
    const { networkId, holder, minutes, ref } = step.posting.data;
    return { type: 'timebank.PostingRefused', data: { networkId, holder, minutes, ref, problem: err.type, detail: err.message } };
  }
}

/** Exchanges whose confirmation or reversal is under way, as the read table has them. */
export async function unfinishedExchanges(deps: Pick<Deps, 'database'>): Promise<string[]> {
  // Written out, so that the partial index on exactly these statuses serves it.
  const rows = await deps.database.db.selectFrom('timebank_exchanges').select('exchange_id').where(sql<boolean>`status IN ('confirming', 'reversing')`).execute();
  return rows.map((r) => r.exchange_id);
}

/**
 * Finishes what a process killed between two steps left in flight. An exchange is taken up once
 * it has been seen in flight at two looks in a row, so that a request still carrying it on is
 * rarely joined; joining it would be harmless, each step being written once. Logs ids only.
 */
export function keepFinishing(deps: Pick<Deps, 'store' | 'clock' | 'database'> & { log: Logger }, everyMs = 5000): () => Promise<void> {
  let seen = new Set<string>();
  let running: Promise<unknown> = Promise.resolve();
  const look = () => {
    running = (async () => {
      const now = await unfinishedExchanges(deps);
      for (const exchangeId of now.filter((id) => seen.has(id))) {
        await finishExchange(deps, exchangeId);
        deps.log.info({ exchangeId }, 'an exchange left in flight was finished');
      }
      seen = new Set(now);
    })().catch((err: unknown) => deps.log.error({ err: err instanceof Error ? err.message : String(err) }, 'finishing exchanges left in flight failed; trying again'));
  };
  const timer = setInterval(() => void running.then(look), everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
