// The time bank's use cases: every rule that decides whether a caller may do something here, and
// what is decided. Routes, pages and the CLI only parse, call and map. Each command names the
// streams it reads and decides over them at once, so a membership, a DBS check, a partnership or
// a limit changed at the same moment makes the command read and decide again.
import { v5 as uuidv5 } from 'uuid';
import { Rejection, type Actor } from '../commands/decider.ts';
import { decideAcross, PreconditionFailed, readStates, type Decision, type EventsByName, type Reads, type States } from '../commands/decide.ts';
import { contextOf, subjectOf, type Caller, type Deps } from '../access/caller.ts';
import { membershipOf as membershipIn, requireMember as memberOf } from '../access/guard.ts';
import { membershipDecider, membershipStream, type MembershipState, type Role } from '../access/membership.ts';
import { personDecider, personStream, type PersonState } from '../access/person.ts';
import { networkDecider, networkKinds, networkStream, requireKind, type NetworkState } from '../networks/network.ts';
import { partnershipDecider, partnershipStream, type PartnershipState } from '../networks/partnership.ts';
import { todayOn } from '../clock.ts';
import { rulesRead, settingsDecider } from './settings.ts';
import { accountRead, accountStream, adjustmentPostings, COMMUNITY, networkHolders, ORGANISATION, type NetworkHolder } from './account.ts';
import { beginning, decideConfirmation, decideReversal, exchangeDecider, exchangeRead, receiverNetwork, type Care, type ExchangeCommand, type Logged } from './exchange.ts';
import { decideDonation, decideGiftReversal, decideGrant, networkAccountFolder } from './chest.ts';
import { filesOf, importFiles, type ImportSummary } from './import.ts';
import { finishExchange, finishGift } from './settlement.ts';
import { giftDecider, giftRead, stepOf, type GiftEvent, type GiftState } from './gift.ts';
import type { SealedText } from '../access/vault.ts';
import type { Hearth } from '../hearth.ts';

/** What a command answers: its resource's revision (the next If-Match) and the position written. */
export interface Written {
  revision: number;
  position: number;
}

const membershipRead = (networkId: string, personId: string) => [membershipStream(networkId, personId), membershipDecider] as const;

const membershipOf = (deps: Deps, networkId: string, personId: string) => membershipIn(deps.store, networkId, personId);

const holds = (m: MembershipState, roles?: readonly Role[]) => m.status === 'active' && (!roles || m.roles.some((r) => roles.includes(r)));

const requireMember = (deps: Deps, caller: Caller, networkId: string, roles?: readonly Role[]) => memberOf(deps.store, networkId, caller, roles);

/**
 * The caller as a decider sees them within a network. Acting for a member, a coordinator does
 * exactly what the member could, and no more.
 */
async function actorIn(deps: Deps, caller: Caller, networkId: string): Promise<Actor> {
  const own = await requireMember(deps, caller, networkId);
  return { personId: subjectOf(caller), isCoordinator: caller.onBehalfOf === null && own.roles.includes('coordinator') };
}

const requireActive = (m: MembershipState, field: string, where = 'their time bank') => {
  if (m.status !== 'active') throw new Rejection('unknown-member', `This person is not an active member of ${where}.`, 422, field);
};

/** The safeguarding question, under the policy of the network of the person cared for. */
const careOf = (receiverNetwork: NetworkState, provider: MembershipState, receiver: PersonState): Care => ({
  policy: { requireDbsForSafeguarded: receiverNetwork.status === 'open' && receiverNetwork.requireDbsForSafeguarded },
  provider,
  receiverNeedsSafeguarding: receiver.status === 'active' && receiver.needsSafeguarding,
});

// A care bank keeps banked hours under its own rules, never a time bank's accounts.
const timeBankKinds = networkKinds.filter((kind) => kind !== 'care_bank_scheme');
async function requireTimeBank(deps: Deps, networkId: string): Promise<void> {
  const { network } = await readStates(deps.store, { network: [networkStream(networkId), networkDecider] as const });
  requireKind(network, timeBankKinds, 'A time bank');
}

const written = <R extends Reads>(d: Decision<R>, resource: keyof R) => ({ revision: d.revisions[resource], position: d.position });

// ---- rules of a network ----

export async function defineCategory(deps: Deps, caller: Caller, input: { networkId: string; category: string; ratePercent: number }): Promise<Written> {
  await requireMember(deps, caller, input.networkId, ['coordinator']);
  await requireTimeBank(deps, input.networkId);
  const d = await decideAcross(
    deps.store,
    { rules: rulesRead(input.networkId) },
    (s) => ({ rules: settingsDecider.decide({ type: 'DefineCategory', ...input }, s.rules) }),
    contextOf(deps, caller),
    { ifMatch: { stream: 'rules', revision: caller.ifMatch } },
  );
  return written(d, 'rules');
}

export async function setNetworkLimits(
  deps: Deps,
  caller: Caller,
  input: { networkId: string; lowerMinutes: number; upperMinutes: number; maxExchangeMinutes: number; reason: string },
): Promise<Written> {
  await requireMember(deps, caller, input.networkId, ['coordinator']);
  await requireTimeBank(deps, input.networkId);
  const d = await decideAcross(
    deps.store,
    { rules: rulesRead(input.networkId) },
    (s) => ({ rules: settingsDecider.decide({ type: 'SetNetworkLimits', ...input }, s.rules) }),
    contextOf(deps, caller),
    { ifMatch: { stream: 'rules', revision: caller.ifMatch } },
  );
  return written(d, 'rules');
}

/** A coordinator sets one member's limits (null: the network's), with a reason. */
export async function setMemberLimits(
  deps: Deps,
  caller: Caller,
  input: { networkId: string; personId: string; lowerMinutes: number | null; upperMinutes: number | null; reason: string },
): Promise<Written> {
  const { networkId, personId, ...limits } = input;
  await requireMember(deps, caller, networkId, ['coordinator']);
  await requireTimeBank(deps, networkId);
  const d = await decideAcross(
    deps.store,
    { account: accountRead(networkId, personId), member: membershipRead(networkId, personId) },
    (s) => {
      requireActive(s.member, 'personId', 'this network');
      if (s.account.lowerMinutes === limits.lowerMinutes && s.account.upperMinutes === limits.upperMinutes) return {};
      return { account: [{ type: 'timebank.AccountLimitsSet' as const, data: { networkId, holder: personId, ...limits } }] };
    },
    contextOf(deps, caller),
    { ifMatch: { stream: 'account', revision: caller.ifMatch } },
  );
  return written(d, 'account');
}

// ---- exchanges ----

/** What a caller says of an exchange; the rest of the command comes from the streams and the clock. */
export type ExchangeInput = Omit<Extract<ExchangeCommand, { type: 'LogExchange' }>, 'type' | 'exchangeId' | 'by' | 'today' | 'settings' | 'partnership' | 'care' | 'description'> & { description: string };

/**
 * Logs an exchange in the provider's time bank. Across two time banks it needs their active
 * partnership; anywhere, the safeguarding rule of the receiver's time bank.
 */
export async function logExchange(deps: Deps, caller: Caller, input: ExchangeInput): Promise<Written & { exchangeId: string }> {
  const { networkId } = input;
  const by = await actorIn(deps, caller, networkId);
  await requireTimeBank(deps, networkId);
  // Logged for a member by a coordinator who is the other party, the exchange would be logged and
  // then confirmed by one person: she logs it as herself, and the member confirms.
  if (caller.onBehalfOf !== null && (input.providerId === caller.personId || input.receiverId === caller.personId)) {
    throw new Rejection('own-exchange', 'You are a party to this exchange: log it as yourself, and the other member or another coordinator confirms it.', 403, 'providerId');
  }
  const theirs = input.receiverNetworkId ?? networkId;
  const exchangeId = uuidv5('exchange', caller.commandId);
  const today = todayOn(deps.clock);
  const base = {
    exchange: exchangeRead(exchangeId),
    rules: rulesRead(networkId),
    provider: membershipRead(networkId, input.providerId),
    receiver: membershipRead(theirs, input.receiverId),
    receiverPerson: [personStream(input.receiverId), personDecider] as const,
    receiverNetwork: [networkStream(theirs), networkDecider] as const,
  };
  // The description may name either party, or someone one of them cares for: erasing either makes it unreadable.
  const description = await deps.vault.sealText(input.description, [input.providerId, input.receiverId]);
  const decide = (s: States<typeof base>, partnership?: PartnershipState) => {
    requireActive(s.provider, 'providerId');
    requireActive(s.receiver, 'receiverId');
    return exchangeDecider.decide(
      { type: 'LogExchange', exchangeId, ...input, description, by, today, settings: s.rules, partnership, care: careOf(s.receiverNetwork, s.provider, s.receiverPerson) },
      s.exchange,
    );
  };
  const context = contextOf(deps, caller);
  const d = await deps.vault.recording([description], () =>
    theirs === networkId
      ? decideAcross(deps.store, base, (s) => ({ exchange: decide(s) }), context)
      : decideAcross(
          deps.store,
          { ...base, partnership: [partnershipStream(networkId, theirs), partnershipDecider] as const },
          (s) => ({ exchange: decide(s, s.partnership) }),
          context,
        ),
  );
  return { exchangeId, ...written(d, 'exchange') };
}

/** The exchange as logged, when it belongs to this time bank: logged here, or its receiver's account is kept here. */
async function exchangeIn(deps: Deps, networkId: string, exchangeId: string): Promise<Logged> {
  const { exchange } = await readStates(deps.store, { exchange: exchangeRead(exchangeId) });
  if (exchange.status === 'none' || (exchange.exchange.networkId !== networkId && exchange.exchange.receiverNetworkId !== networkId)) {
    throw new Rejection('exchange-not-found', 'There is no such exchange in this network.', 404);
  }
  return exchange.exchange;
}

/**
 * Confirms an exchange: credits move. Only the member it debits or a coordinator of their time
 * bank confirms one across two banks; nobody confirms what they gave or received for someone
 * else; the safeguarding rule and the partnership are asked again. The confirmation is checked on
 * the accounts as they are and begun in one write to the exchange; the postings follow, one
 * account at a time (settlement.ts), before the answer.
 */
export async function confirmExchange(deps: Deps, caller: Caller, input: { networkId: string; exchangeId: string }): Promise<Written> {
  const e = await exchangeIn(deps, input.networkId, input.exchangeId);
  await requireMember(deps, caller, input.networkId);
  const theirs = receiverNetwork(e);
  const across = e.receiverNetworkId !== undefined;
  // Confirming is a coordinator's power only in the time bank that keeps the receiver's account.
  const own = await membershipOf(deps, theirs, caller.personId);
  const coordinatesReceiver = holds(own, ['coordinator']);
  if (across && caller.onBehalfOf !== null && !coordinatesReceiver) {
    throw new Rejection('receiver-confirms', "Only a coordinator of the receiver's own time bank confirms on their behalf.", 403);
  }
  const by = { personId: subjectOf(caller), actorId: caller.personId, isCoordinator: caller.onBehalfOf === null && coordinatesReceiver };
  const today = todayOn(deps.clock);
  const base = {
    exchange: exchangeRead(e.exchangeId),
    provider: accountRead(e.networkId, e.providerId),
    receiver: accountRead(theirs, e.receiverId),
    providerRules: rulesRead(e.networkId),
    receiverRules: rulesRead(theirs),
    providerMembership: membershipRead(e.networkId, e.providerId),
    receiverPerson: [personStream(e.receiverId), personDecider] as const,
    receiverNetwork: [networkStream(theirs), networkDecider] as const,
  };
  const context = contextOf(deps, caller);
  const begin = (s: States<typeof base>, partnership?: PartnershipState) => ({
    exchange: beginning(decideConfirmation({ ...s, partnership }, by, careOf(s.receiverNetwork, s.providerMembership, s.receiverPerson), today), context.commandId),
  });
  const ifMatch = { stream: 'exchange' as const, revision: caller.ifMatch };
  const d = across
    ? await decideAcross(deps.store, { ...base, partnership: [partnershipStream(e.networkId, theirs), partnershipDecider] as const }, (s) => begin(s, s.partnership), context, { ifMatch })
    : await decideAcross(deps.store, base, (s) => begin(s), context, { ifMatch });
  return carriedOn(deps, e.exchangeId, 'confirmed', d.position);
}

/**
 * Carries the confirmation or reversal under way on an exchange to its end, whoever began it, and
 * answers as the exchange then is: `wanted`, or the refusal that ended it.
 */
async function carriedOn(deps: Deps, exchangeId: string, wanted: 'confirmed' | 'reversed', begun: number): Promise<Written> {
  const end = await finishExchange(deps, exchangeId);
  if (end.state.status === wanted) return { revision: end.revision, position: Math.max(begun, end.position) };
  if (end.refused) throw new Rejection(end.refused.problem, end.refused.detail, 409);
  throw new Rejection('exchange-settled', `This exchange is ${end.state.status}.`, 409);
}

async function settle(deps: Deps, caller: Caller, input: { networkId: string; exchangeId: string; reason: string }, type: 'DisputeExchange' | 'CancelExchange'): Promise<Written> {
  await exchangeIn(deps, input.networkId, input.exchangeId);
  const by = await actorIn(deps, caller, input.networkId);
  const d = await decideAcross(
    deps.store,
    { exchange: exchangeRead(input.exchangeId) },
    (s) => ({ exchange: exchangeDecider.decide({ type, by, reason: input.reason }, s.exchange) }),
    contextOf(deps, caller),
    { ifMatch: { stream: 'exchange', revision: caller.ifMatch } },
  );
  return written(d, 'exchange');
}

/** The other party, or a coordinator, disputes an exchange before it is confirmed. */
export const disputeExchange = (deps: Deps, caller: Caller, input: { networkId: string; exchangeId: string; reason: string }) => settle(deps, caller, input, 'DisputeExchange');
/** Either party, or a coordinator, cancels an exchange before it is confirmed. */
export const cancelExchange = (deps: Deps, caller: Caller, input: { networkId: string; exchangeId: string; reason: string }) => settle(deps, caller, input, 'CancelExchange');

/** A coordinator reverses a confirmed exchange with a reason: equal and opposite postings. */
export async function reverseExchange(deps: Deps, caller: Caller, input: { networkId: string; exchangeId: string; reason: string }): Promise<Written> {
  const e = await exchangeIn(deps, input.networkId, input.exchangeId);
  await requireMember(deps, caller, input.networkId, ['coordinator']);
  // A reversal takes the hours back from the provider: across two time banks, only their own
  // time bank's coordinator does that, as only the receiver's confirms.
  if (e.networkId !== input.networkId && !holds(await membershipOf(deps, e.networkId, caller.personId), ['coordinator'])) {
    throw new Rejection('provider-reverses', "An exchange across two time banks is reversed by a coordinator of the provider's own time bank.", 403);
  }
  const by = { personId: caller.personId, isCoordinator: true };
  const context = contextOf(deps, caller);
  const d = await decideAcross(
    deps.store,
    { exchange: exchangeRead(e.exchangeId) },
    (s) => ({ exchange: beginning(decideReversal(s.exchange, by, input.reason), context.commandId) }),
    context,
    { ifMatch: { stream: 'exchange', revision: caller.ifMatch } },
  );
  return carriedOn(deps, e.exchangeId, 'reversed', d.position);
}

// ---- the community chest ----

/**
 * A gift to or from one of the network's own accounts, as a process (gift.ts): decided on the
 * accounts as they are and begun on the gift's own stream, then carried to its end, each account
 * written on its own. Answers the revision of the account named, as it then is; a step refused
 * by a race (a limit reached meanwhile) is answered as the refusal.
 */
async function give<R extends Reads>(
  deps: Deps,
  caller: Caller,
  giftId: string,
  answers: { networkId: string; holder: string },
  reads: R,
  plan: (s: States<R>, gift: GiftState, processId: string) => GiftEvent[],
  sealed: ReadonlyArray<SealedText> = [],
): Promise<Written> {
  const context = contextOf(deps, caller);
  const begun = await deps.vault.recording(sealed, () =>
    decideAcross(deps.store, { ...reads, gift: giftRead(giftId) }, (s) => ({ gift: plan(s, s.gift, context.commandId) }) as EventsByName<R & { gift: ReturnType<typeof giftRead> }>, context),
  );
  const end = await finishGift(deps, giftId);
  if (end.refused) throw new Rejection(end.refused.problem, end.refused.detail, 409);
  const [head] = await deps.store.readStream(accountStream(answers.networkId, answers.holder), { direction: 'backwards', maxCount: 1 });
  return { revision: head?.revision ?? -1, position: Math.max(begun.position, end.position) };
}

/** A member (or a coordinator for them) gives minutes to the community chest: the member's account first, whose limit may refuse it. */
export async function donateToChest(deps: Deps, caller: Caller, input: { networkId: string; minutes: number }): Promise<Written> {
  const { networkId, minutes } = input;
  await requireMember(deps, caller, networkId);
  await requireTimeBank(deps, networkId);
  const member = subjectOf(caller);
  const ref = uuidv5('donation', caller.commandId);
  return give(
    deps, caller, ref, { networkId, holder: member },
    { member: accountRead(networkId, member), chest: accountRead(networkId, COMMUNITY), rules: rulesRead(networkId), membership: membershipRead(networkId, member) },
    (s, gift, processId) => {
      requireActive(s.membership, 'minutes', 'this network');
      const postings = decideDonation(s, { networkId, member, minutes, ref });
      return giftDecider.decide({ type: 'BeginGift', giftId: ref, networkId, kind: 'donation', by: caller.personId, processId, steps: [stepOf(member, postings.member, 'member'), stepOf(COMMUNITY, postings.chest)] }, gift);
    },
  );
}

/** A coordinator grants minutes from the community chest to a member: the chest first, which never goes below zero. */
export async function grantFromChest(deps: Deps, caller: Caller, input: { networkId: string; personId: string; minutes: number }): Promise<Written> {
  const { networkId, personId: member, minutes } = input;
  await requireMember(deps, caller, networkId, ['coordinator']);
  await requireTimeBank(deps, networkId);
  const ref = uuidv5('grant', caller.commandId);
  return give(
    deps, caller, ref, { networkId, holder: member },
    { chest: accountRead(networkId, COMMUNITY), member: accountRead(networkId, member), rules: rulesRead(networkId), membership: membershipRead(networkId, member) },
    (s, gift, processId) => {
      requireActive(s.membership, 'personId', 'this network');
      const postings = decideGrant(s, { networkId, member, minutes, ref });
      return giftDecider.decide({ type: 'BeginGift', giftId: ref, networkId, kind: 'grant', by: caller.personId, processId, steps: [stepOf(COMMUNITY, postings.chest, 'chest'), stepOf(member, postings.member, 'member')] }, gift);
    },
  );
}

/**
 * A coordinator takes back a grant or a donation, of the community chest or of the network's own
 * account, with a reason: equal and opposite postings, once, the network's account first. The
 * gift is found on the network's accounts; once only is decided on the gift's own stream (or, for
 * a gift made before gifts had streams, on the account that holds it).
 */
export async function reverseGift(deps: Deps, caller: Caller, input: { networkId: string; ref: string; reason: string }): Promise<Written & { holder: NetworkHolder }> {
  const { networkId, ref } = input;
  await requireMember(deps, caller, networkId, ['coordinator']);
  await requireTimeBank(deps, networkId);
  let holder: NetworkHolder | undefined;
  let member: string | undefined;
  for (const h of networkHolders) {
    const { network } = await readStates(deps.store, { network: [accountStream(networkId, h), networkAccountFolder] as const });
    const gift = network.gifts[ref];
    if (gift) [holder, member] = [h, gift.member];
  }
  if (!holder || !member) throw new Rejection('gift-not-found', 'There is no such grant or donation in this network.', 404);
  const [head] = await deps.store.readStream(accountStream(networkId, holder), { direction: 'backwards', maxCount: 1 });
  // Compared here, not held: the reversal begins on the gift's stream, and the account is written by a later step.
  if (caller.ifMatch !== undefined && caller.ifMatch !== (head?.revision ?? -1)) throw new PreconditionFailed(head?.revision ?? -1);
  // The reason may name the member: erasing them makes it unreadable.
  const reason = await deps.vault.sealText(input.reason, [member]);
  const done = await give(
    deps, caller, ref, { networkId, holder },
    { network: [accountStream(networkId, holder), networkAccountFolder] as const, member: accountRead(networkId, member), rules: rulesRead(networkId) },
    (s, gift, processId) => {
      const held = s.network.gifts[ref];
      const postings = decideGiftReversal(s, { networkId, holder, ref, reason, reversedBy: caller.personId });
      // Taking back a donation debits the network's account, whose floor may refuse it; a grant's credit cannot.
      const debits = held!.minutes > 0;
      const steps = [stepOf(holder, postings.network, debits ? (holder === COMMUNITY ? 'chest' : 'network account') : undefined), stepOf(member, postings.member)];
      return giftDecider.decide({ type: 'BeginGift', giftId: ref, networkId, kind: 'reversal', by: caller.personId, processId, steps, legacy: { reversed: held!.reversed } }, gift);
    },
    [reason],
  );
  return { holder, ...done };
}
// ---- moving in ----

/**
 * A coordinator imports what another time bank exported (TimeOverflow's reports, alone or in its
 * ZIP): every file checked whole, then written; a later export adds only what is new. The
 * exporter's organisation account becomes the network's own account, which may run below zero,
 * unless the coordinator says it was their community chest.
 */
export async function importTimeBank(hearth: Hearth, caller: Caller, input: { networkId: string; body: Buffer | string; organisationAs?: NetworkHolder }): Promise<ImportSummary> {
  await requireMember(hearth, caller, input.networkId, ['coordinator']);
  await requireTimeBank(hearth, input.networkId);
  const files = filesOf(input.body);
  const { commandId, ...base } = contextOf(hearth, caller);
  return importFiles(hearth, input.networkId, files, base, { importId: commandId, organisationAs: input.organisationAs ?? ORGANISATION });
}

/**
 * A coordinator brings a member's balance to what the old system showed, with a reason: postings
 * against the organisation's account, on the member's statement like any other line.
 */
export async function recordOpeningAdjustment(deps: Deps, caller: Caller, input: { networkId: string; personId: string; minutes: number; reason: string }): Promise<Written> {
  const { networkId, personId, minutes } = input;
  await requireMember(deps, caller, networkId, ['coordinator']);
  await requireTimeBank(deps, networkId);
  if (minutes === 0) throw new Rejection('validation', 'An adjustment of no time changes nothing.', 422, 'minutes');
  const note = await deps.vault.sealText(input.reason, [personId]);
  const ref = uuidv5('adjustment', caller.commandId);
  return give(
    deps, caller, ref, { networkId, holder: personId },
    { membership: membershipRead(networkId, personId) },
    (s, gift, processId) => {
      requireActive(s.membership, 'personId', 'this network');
      const postings = adjustmentPostings({ networkId, member: personId, minutes, ref, note });
      return giftDecider.decide({ type: 'BeginGift', giftId: ref, networkId, kind: 'adjustment', by: caller.personId, processId, steps: [stepOf(personId, postings.member), stepOf(ORGANISATION, postings.organisation)] }, gift);
    },
    [note],
  );
}
