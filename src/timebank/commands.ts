// The time bank's commands that span streams: confirming and reversing an exchange (the exchange
// and both accounts), donating to and granting from the community chest, setting a member's
// limits. Each reads the network's rules too, and holds them at the revision read.
import { v5 as uuidv5 } from 'uuid';
import { fold, Rejection, type Actor } from '../commands/decider.ts';
import { handleAcross, type CommandContext, type Decided } from '../commands/handle.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';
import { settingsDecider, timebankStream, type SettingsEvent } from './settings.ts';
import { accountStream, checkPosting, CLEARING, COMMUNITY, emptyAccount, evolveAccount, limitsOf, type AccountEvent, type AccountState } from './account.ts';
import { decideConfirmation, decideReversal, exchangeDecider, exchangeStream, type ExchangeEvent, type ExchangeState, type Postings } from './exchange.ts';

const settingsOf = (history: RecordedEvent[]) => fold(settingsDecider, history as unknown as SettingsEvent[]);
const accountOf = (history: RecordedEvent[]): AccountState => (history as unknown as AccountEvent[]).reduce(evolveAccount, emptyAccount);
const exchangeOf = (history: RecordedEvent[]): ExchangeState => fold(exchangeDecider, history as unknown as ExchangeEvent[]);

async function partiesOf(store: EventStore, exchangeId: string) {
  const [logged] = await store.readStream(exchangeStream(exchangeId), { maxCount: 1 });
  if (!logged) throw new Rejection('exchange-not-found', 'There is no such exchange.', 404);
  const e = logged.data as { networkId: string; providerId: string; receiverId: string; receiverNetworkId?: string };
  const theirs = e.receiverNetworkId ?? e.networkId;
  const across = theirs !== e.networkId;
  // The exchange, both members' accounts, the clearing accounts when across two time banks,
  // and each time bank's rules, held at the revisions read.
  const streams = [
    exchangeStream(exchangeId),
    accountStream(e.networkId, e.providerId),
    accountStream(theirs, e.receiverId),
    ...(across ? [accountStream(e.networkId, CLEARING), accountStream(theirs, CLEARING)] : []),
    timebankStream(e.networkId),
    ...(across ? [timebankStream(theirs)] : []),
  ];
  return { across, streams };
}

function writesFor(across: boolean, p: Postings): Decided[] {
  return across ? [p.exchange, p.provider, p.receiver, p.clearing[0], p.clearing[1], [], []] : [p.exchange, p.provider, p.receiver, []];
}

export async function confirmExchange(store: EventStore, exchangeId: string, by: Actor, context: CommandContext) {
  const { across, streams } = await partiesOf(store, exchangeId);
  return handleAcross(
    store,
    streams,
    (histories) => {
      const [exchange, provider, receiver] = histories;
      const rules = across ? [histories[5]!, histories[6]!] : [histories[3]!, histories[3]!];
      const postings = decideConfirmation(
        exchangeOf(exchange!),
        by,
        { provider: accountOf(provider!), receiver: accountOf(receiver!) },
        { provider: settingsOf(rules[0]!), receiver: settingsOf(rules[1]!) },
      );
      return writesFor(across, postings);
    },
    context,
  );
}

export async function reverseExchange(store: EventStore, exchangeId: string, by: Actor, reason: string, context: CommandContext) {
  const { across, streams } = await partiesOf(store, exchangeId);
  return handleAcross(store, streams, ([exchange]) => writesFor(across, decideReversal(exchangeOf(exchange!), by, reason)), context);
}

/** A member gives minutes to the community chest. */
export async function donate(store: EventStore, networkId: string, personId: string, minutes: number, context: CommandContext) {
  const ref = uuidv5('donation', context.commandId);
  return handleAcross(
    store,
    [accountStream(networkId, personId), accountStream(networkId, COMMUNITY), timebankStream(networkId)],
    ([member, , settings]) => {
      const account = accountOf(member!);
      checkPosting(account, limitsOf(account, settingsOf(settings!), personId), -minutes, 'member');
      const posting = { networkId, reason: 'donation' as const, ref };
      return [
        [{ type: 'timebank.Posted', data: { ...posting, holder: personId, minutes: -minutes, counterparty: COMMUNITY } }],
        [{ type: 'timebank.Posted', data: { ...posting, holder: COMMUNITY, minutes, counterparty: personId } }],
        [],
      ];
    },
    context,
  );
}

/** A coordinator grants minutes from the community chest to a member. */
export async function grant(store: EventStore, networkId: string, personId: string, minutes: number, context: CommandContext) {
  const ref = uuidv5('grant', context.commandId);
  return handleAcross(
    store,
    [accountStream(networkId, COMMUNITY), accountStream(networkId, personId), timebankStream(networkId)],
    ([chest, member, settings]) => {
      const rules = settingsOf(settings!);
      const [chestAccount, memberAccount] = [accountOf(chest!), accountOf(member!)];
      checkPosting(chestAccount, limitsOf(chestAccount, rules, COMMUNITY), -minutes, 'chest');
      checkPosting(memberAccount, limitsOf(memberAccount, rules, personId), minutes, 'member');
      const posting = { networkId, reason: 'grant' as const, ref };
      return [
        [{ type: 'timebank.Posted', data: { ...posting, holder: COMMUNITY, minutes: -minutes, counterparty: personId } }],
        [{ type: 'timebank.Posted', data: { ...posting, holder: personId, minutes, counterparty: COMMUNITY } }],
        [],
      ];
    },
    context,
  );
}

/** A coordinator sets one member's limits (null: the network's), with a reason. */
export async function setMemberLimits(
  store: EventStore,
  networkId: string,
  personId: string,
  limits: { lowerMinutes: number | null; upperMinutes: number | null; reason: string },
  context: CommandContext,
) {
  return handleAcross(
    store,
    [accountStream(networkId, personId)],
    ([history]) => {
      const account = accountOf(history!);
      if (account.lowerMinutes === limits.lowerMinutes && account.upperMinutes === limits.upperMinutes) return [[]];
      return [[{ type: 'timebank.AccountLimitsSet', data: { networkId, holder: personId, ...limits } }]];
    },
    context,
  );
}
