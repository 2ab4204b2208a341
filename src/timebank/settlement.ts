// Confirming or reversing an exchange, carried out: one write per account, so that it runs on a
// store that commits one stream at a time. Every step's id is derived from the process, so the
// request that began it, a retry of that request, or a sweeper after a crash can each carry it on,
// at the same time even, and each posting is written once. An account that refuses its posting
// (a limit reached by another exchange since confirming began) records the refusal under the same
// id; the postings already made are given back, and the exchange waits again.
import { v5 as uuidv5 } from 'uuid';
import { sql } from 'kysely';
import { Rejection } from '../commands/decider.ts';
import { decideAcross, readStates, type CommandContext } from '../commands/decide.ts';
import type { Deps } from '../access/caller.ts';
import { isoNow } from '../clock.ts';
import type { Logger } from 'pino';
import { settingsDecider, timebankStream } from './settings.ts';
import { accountFolder, accountStream, checkPosting, CLEARING, limitsOf, type AccountEvent } from './account.ts';
import { decideEnd, exchangeDecider, exchangeStream, postingsFor, receiverNetwork, type Logged } from './exchange.ts';

interface Step {
  networkId: string;
  holder: string;
  posting: AccountEvent;
  /** Whose limits the posting must keep: a confirmation's two members; never a clearing account or a correction. */
  checked?: 'provider' | 'receiver';
}

/** The postings in the order they are made: the receiver, who is debited, first. */
function stepsOf(e: Logged, confirming: boolean): Step[] {
  const p = postingsFor(e, confirming ? 'exchange' : 'reversal', confirming ? e.credited : -e.credited);
  const theirs = receiverNetwork(e);
  return [
    { networkId: theirs, holder: e.receiverId, posting: p.receiver[0]!, ...(confirming ? { checked: 'receiver' as const } : {}) },
    { networkId: e.networkId, holder: e.providerId, posting: p.provider[0]!, ...(confirming ? { checked: 'provider' as const } : {}) },
    ...p.providerClearing.map((posting) => ({ networkId: e.networkId, holder: CLEARING, posting })),
    ...p.receiverClearing.map((posting) => ({ networkId: theirs, holder: CLEARING, posting })),
  ];
}

/**
 * Carries on the confirmation or reversal in flight on an exchange, to its end. Answers the
 * refusal when an account refused its posting; nothing when nothing was in flight.
 */
export async function finishExchange(deps: Pick<Deps, 'store' | 'clock'>, exchangeId: string): Promise<{ refused?: { problem: string; detail: string } } | undefined> {
  const { exchange: state } = await readStates(deps.store, { exchange: [exchangeStream(exchangeId), exchangeDecider] as const });
  if (state.status !== 'confirming' && state.status !== 'reversing') return undefined;
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
  let refused: { problem: string; detail: string } | undefined;
  for (const step of stepsOf(state.exchange, state.status === 'confirming')) {
    const done = await decideAcross(
      deps.store,
      { account: [accountStream(step.networkId, step.holder), accountFolder] as const, rules: [timebankStream(step.networkId), settingsDecider] as const },
      (s) => ({ account: [postingOrRefusal(step, s)] }),
      context(`post ${step.networkId} ${step.holder}`),
    );
    const outcome = done.events.account?.[0];
    if (outcome?.type === 'timebank.PostingRefused') {
      refused = { problem: outcome.data.problem, detail: outcome.data.detail };
      break;
    }
    made.push(step);
  }
  if (refused) {
    for (const step of made.reverse()) {
      const posting = step.posting as Extract<AccountEvent, { type: 'timebank.Posted' }>;
      const giveBack: AccountEvent = { type: 'timebank.Posted', data: { ...posting.data, minutes: -posting.data.minutes, reason: 'reversal' } };
      await decideAcross(deps.store, { account: [accountStream(step.networkId, step.holder), accountFolder] as const }, () => ({ account: [giveBack] }), context(`give back ${step.networkId} ${step.holder}`));
    }
  }
  await decideAcross(deps.store, { exchange: [exchangeStream(exchangeId), exchangeDecider] as const }, (s) => ({ exchange: decideEnd(s.exchange, processId, refused) }), context('end'));
  return refused ? { refused } : {};
}

/** The step's posting, or, past a limit of the account as it is now, the refusal recorded in its place. */
function postingOrRefusal(step: Step, s: { account: typeof accountFolder.initialState; rules: typeof settingsDecider.initialState }): AccountEvent {
  const posting = step.posting as Extract<AccountEvent, { type: 'timebank.Posted' }>;
  if (!step.checked) return posting;
  try {
    checkPosting(s.account, limitsOf(s.account, s.rules, step.holder), posting.data.minutes, step.checked);
    return posting;
  } catch (err) {
    if (!(err instanceof Rejection)) throw err;
    const { networkId, holder, minutes, ref } = posting.data;
    return { type: 'timebank.PostingRefused', data: { networkId, holder, minutes, ref, problem: err.type, detail: err.message } };
  }
}

/**
 * Confirms or reverses as the caller asked, after the beginning was written: carries the process
 * to its end, and answers the refusal as the caller's when an account refused its posting.
 */
export async function settle(deps: Pick<Deps, 'store' | 'clock'>, exchangeId: string, processId: string): Promise<void> {
  await finishExchange(deps, exchangeId);
  const history = await deps.store.readStream(exchangeStream(exchangeId));
  const refusal = history.find((e) => e.type === 'timebank.ExchangeConfirmationRefused' && (e.data as { processId: string }).processId === processId);
  if (refusal) {
    const { problem, detail } = refusal.data as { problem: string; detail: string };
    throw new Rejection(problem, detail, 409);
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
