// Setting up time banks for application-level tests: networks, members, partnerships and the
// safeguarding facts, written through the deciders as the other areas' commands write them.
import { randomUUID } from 'node:crypto';
import { decideAcross, readStates } from '../../src/commands/decide.ts';
import { accountFolder, accountStream } from '../../src/timebank/account.ts';
import { logExchange } from '../../src/timebank/app.ts';
import { contextOf, type Caller } from '../../src/access/caller.ts';
import { membershipDecider, membershipStream, type Role } from '../../src/access/membership.ts';
import { personDecider, personStream } from '../../src/access/person.ts';
import { registerPerson } from '../../src/access/register.ts';
import { networkDecider, networkStream } from '../../src/networks/network.ts';
import { acceptPartnership, proposePartnership } from '../../src/networks/partnership-app.ts';
import type { Hearth } from '../../src/hearth.ts';

/** A caller acting for themselves, with a fresh command id; `over` for On-Behalf-Of or If-Match. */
export const callerFor = (personId: string, over: Partial<Caller> = {}): Caller => ({ personId, onBehalfOf: null, commandId: randomUUID(), correlationId: randomUUID(), ...over });

const as = (hearth: Hearth, personId: string) => contextOf(hearth, callerFor(personId));

export async function openNetwork(hearth: Hearth, name: string, coordinator: string, policy = false): Promise<string> {
  const networkId = randomUUID();
  await decideAcross(
    hearth.store,
    { network: [networkStream(networkId), networkDecider] as const },
    (s) => {
      const opened = networkDecider.decide({ type: 'OpenNetwork', networkId, name, kind: 'time_bank', openedBy: coordinator, now: new Date().toISOString() }, s.network);
      const after = opened.reduce(networkDecider.evolve, s.network);
      return { network: [...opened, ...(policy ? networkDecider.decide({ type: 'SetSafeguardingPolicy', networkId, requireDbsForSafeguarded: true }, after) : [])] };
    },
    as(hearth, coordinator),
  );
  await enrol(hearth, networkId, coordinator, ['coordinator']);
  return networkId;
}

/** A person (registered once) made an active member of the network. */
export async function enrol(hearth: Hearth, networkId: string, personId: string, roles: Role[] = ['member']): Promise<string> {
  const context = as(hearth, personId);
  await registerPerson(hearth, context, personId, { name: `Member ${personId.slice(0, 4)}` }, false).catch(() => undefined);
  await decideAcross(
    hearth.store,
    { membership: [membershipStream(networkId, personId), membershipDecider] as const },
    (s) => ({ membership: membershipDecider.decide({ type: 'EnrolMember', networkId, personId, approvedBy: 'test', roles, now: context.now }, s.membership) }),
    context,
  );
  return personId;
}

export async function flagForSafeguarding(hearth: Hearth, personId: string, needsSafeguarding = true): Promise<void> {
  await decideAcross(
    hearth.store,
    { person: [personStream(personId), personDecider] as const },
    (s) => ({ person: personDecider.decide({ type: 'FlagSafeguarding', personId, needsSafeguarding }, s.person) }),
    as(hearth, personId),
  );
}

export async function recordDbs(hearth: Hearth, networkId: string, personId: string, expiresOn: string): Promise<void> {
  await decideAcross(
    hearth.store,
    { membership: [membershipStream(networkId, personId), membershipDecider] as const },
    (s) => ({ membership: membershipDecider.decide({ type: 'RecordDbsCheck', networkId, personId, checkType: 'enhanced', issuedOn: '2020-01-01', expiresOn }, s.membership) }),
    as(hearth, personId),
  );
}

/** Two time banks made partners: one coordinator proposes, the other accepts. */
export async function partner(hearth: Hearth, a: { networkId: string; coordinator: string }, b: { networkId: string; coordinator: string }): Promise<void> {
  await proposePartnership(hearth, callerFor(a.coordinator), { networkId: a.networkId, partnerNetworkId: b.networkId });
  await acceptPartnership(hearth, callerFor(b.coordinator), { networkId: b.networkId, partnerNetworkId: a.networkId });
}

/** An exchange the provider logs today, for the minutes given; answers its id. */
export async function logExchangeToday(hearth: Hearth, networkId: string, providerId: string, receiverId: string, minutes: number): Promise<string> {
  const done = await logExchange(hearth, callerFor(providerId), { networkId, providerId, receiverId, minutes, category: 'help', description: '', occurredOn: new Date().toISOString().slice(0, 10) });
  return done.exchangeId;
}

/** A holder's balance as their account's own stream holds it. */
export async function balanceOn(hearth: Hearth, networkId: string, holder: string): Promise<number> {
  return (await readStates(hearth.store, { account: [accountStream(networkId, holder), accountFolder] })).account.balance;
}
