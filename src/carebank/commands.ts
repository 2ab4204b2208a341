// Care-bank commands that span streams: confirming care banks it in the volunteer's bank; pledges
// and pool donations move banked minutes between banks; a claim draws on the claimant's own.
import { v5 as uuidv5 } from 'uuid';
import { fold, Rejection, type Actor } from '../commands/decider.ts';
import { handleAcross, type CommandContext } from '../commands/handle.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';
import { rulesOn, schemeDecider, schemeStream, type SchemeEvent } from './scheme.ts';
import { bankStream, careStream, decideConfirmCare, emptyBank, evolveBank, evolveCare, POOL, requireBalance, type BankEvent, type CareEvent, type CareState } from './bank.ts';

const bankOf = (h: RecordedEvent[]) => (h as unknown as BankEvent[]).reduce(evolveBank, emptyBank);
export const careOf = (h: RecordedEvent[]): CareState => (h as unknown as CareEvent[]).reduce(evolveCare, { status: 'none' } as CareState);
const schemeOf = (h: RecordedEvent[]) => fold(schemeDecider, h as unknown as SchemeEvent[]);

export async function confirmCare(
  store: EventStore,
  networkId: string,
  careId: string,
  by: Actor,
  ageOf: (personId: string, on: string) => Promise<number | null>,
  context: CommandContext,
) {
  const [logged] = await store.readStream(careStream(careId), { maxCount: 1 });
  const care = logged?.data as { networkId: string; volunteerId: string; occurredOn: string } | undefined;
  if (!care || care.networkId !== networkId) throw new Rejection('care-not-found', 'There is no such care record in this scheme.', 404);
  // A coordinator acting for the person cared for still acts: the volunteer cannot vouch for their own care.
  if (context.actor === care.volunteerId) throw new Rejection('own-care', 'Care you gave is confirmed by the person cared for, or another coordinator.', 403);
  const age = await ageOf(care.volunteerId, care.occurredOn);
  return handleAcross(
    store,
    [careStream(careId), bankStream(care.networkId, care.volunteerId), schemeStream(care.networkId)],
    ([record, bank, scheme]) => {
      const decided = decideConfirmCare(careOf(record!), by, bankOf(bank!), schemeOf(scheme!), age);
      return [decided.care, decided.bank, []];
    },
    context,
  );
}

type Move = 'pledge' | 'donation';

/** Moves banked minutes from one holder to another: a pledge to a relative, or a gift to the scheme's pool. */
export async function moveBanked(store: EventStore, networkId: string, from: string, to: string, minutes: number, move: Move, today: string, context: CommandContext) {
  if (from === to) throw new Rejection('pledge-to-oneself', 'Hours cannot be pledged to oneself.', 422, 'relativeId');
  const ref = uuidv5(move, context.commandId);
  const [out, into] = move === 'pledge' ? (['pledged', 'pledge-received'] as const) : (['donated', 'pool-received'] as const);
  return handleAcross(
    store,
    [bankStream(networkId, from), bankStream(networkId, to)],
    ([giver]) => {
      requireBalance(bankOf(giver!), minutes);
      const entry = { networkId, ref, entryDate: today, rulesVersion: null };
      return [
        [{ type: 'carebank.BankEntry', data: { ...entry, holder: from, minutes: -minutes, kind: out, counterparty: to } }],
        [{ type: 'carebank.BankEntry', data: { ...entry, holder: to, minutes, kind: into, counterparty: from } }],
      ];
    },
    context,
  );
}

export const donateToPool = (store: EventStore, networkId: string, from: string, minutes: number, today: string, context: CommandContext) =>
  moveBanked(store, networkId, from, POOL, minutes, 'donation', today, context);

/** Draws care funded from the claimant's banked hours, from the age the rules in force allow. */
export async function claimCare(store: EventStore, networkId: string, claimantId: string, minutes: number, claimantAge: number | null, today: string, context: CommandContext) {
  const ref = uuidv5('claim', context.commandId);
  return handleAcross(
    store,
    [bankStream(networkId, claimantId), schemeStream(networkId)],
    ([bank, scheme]) => {
      const rules = rulesOn(schemeOf(scheme!), today);
      if (claimantAge === null) throw new Rejection('age-unknown', 'The claimant\'s date of birth is not recorded, so their age cannot be checked.', 422);
      if (claimantAge < rules.claimFromAge) throw new Rejection('too-young-to-claim', `Banked hours can be claimed from age ${rules.claimFromAge} in this scheme.`, 422);
      requireBalance(bankOf(bank!), minutes);
      return [[{ type: 'carebank.BankEntry', data: { networkId, holder: claimantId, minutes: -minutes, kind: 'claimed', ref, counterparty: null, entryDate: today, rulesVersion: rules.version } }], []];
    },
    context,
  );
}
