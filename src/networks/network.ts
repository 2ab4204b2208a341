// A network: a time bank, Neighbourhood Network, care co-operative or care-bank scheme.
// Every other area hangs off one; for now it has a name and a kind.
import { z } from 'zod';
import { Rejection, type Decider } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { id, isoDateTime, name, text } from '../bounds.ts';
import { sealedText, type SealedText } from '../access/vault.ts';

export const networkKinds = ['time_bank', 'neighbourhood_network', 'co_operative', 'care_bank_scheme'] as const;
export const networkName = name(120);

// v2 records who opened the network: they become its first coordinator. Networks opened before
// accounts existed were opened by nobody Hearth knows.
export const NetworkOpened = defineEvent(
  'network.NetworkOpened',
  z.strictObject({ networkId: id(), name: networkName, kind: z.enum(networkKinds), openedAt: isoDateTime(), openedBy: z.string().min(1) }),
  { version: 2, upcast: { 1: (data: object) => ({ ...data, openedBy: 'unknown' }) } },
);
export const NetworkRenamed = defineEvent('network.NetworkRenamed', z.strictObject({ networkId: id(), name: networkName }));

export const SafeguardingPolicySet = defineEvent(
  'network.SafeguardingPolicySet',
  z.strictObject({ networkId: id(), requireDbsForSafeguarded: z.boolean() }),
);

/** How members get help: a phone number, an email, when someone answers. It may be a person's own, so it is sealed. */
export const helpContact = text(500, { lines: true });
export const HelpContactSet = defineEvent('network.HelpContactSet', z.strictObject({ networkId: id(), helpContact: sealedText, setBy: id() }));

export const networkEventTypes = [NetworkOpened, NetworkRenamed, SafeguardingPolicySet, HelpContactSet];
export type NetworkEvent = DomainEvent<typeof NetworkOpened> | DomainEvent<typeof NetworkRenamed> | DomainEvent<typeof SafeguardingPolicySet> | DomainEvent<typeof HelpContactSet>;

export type NetworkCommand =
  | { type: 'OpenNetwork'; networkId: string; name: string; kind: (typeof networkKinds)[number]; openedBy: string; now: string }
  | { type: 'RenameNetwork'; networkId: string; name: string }
  | { type: 'SetSafeguardingPolicy'; networkId: string; requireDbsForSafeguarded: boolean }
  | { type: 'SetHelpContact'; networkId: string; helpContact: SealedText; setBy: string };

export type NetworkState =
  | { status: 'none' }
  | { status: 'open'; networkId: string; name: string; kind: string; requireDbsForSafeguarded: boolean; helpContact?: SealedText };

export const networkStream = (networkId: string) => `network-${networkId}`;

export type NetworkKind = (typeof networkKinds)[number];

/**
 * Refuses a command meant for another kind of network: care-bank rules on a time bank, time-bank
 * limits on a care bank. A network's kind never changes, so it may be read before the decision.
 * A network that does not exist is left to the checks that answer for it.
 */
export function requireKind(network: NetworkState, fits: readonly NetworkKind[], what: string): void {
  if (network.status === 'open' && !fits.includes(network.kind as NetworkKind)) {
    throw new Rejection('wrong-network-kind', `${what} is not kept in a network of this kind (${network.kind.replace(/_/g, ' ')}).`, 409);
  }
}

export const networkDecider: Decider<NetworkCommand, NetworkState, NetworkEvent> = {
  initialState: { status: 'none' },

  evolve(state, event) {
    switch (event.type) {
      case 'network.NetworkOpened':
        return { status: 'open', networkId: event.data.networkId, name: event.data.name, kind: event.data.kind, requireDbsForSafeguarded: false };
      case 'network.NetworkRenamed':
        return state.status === 'open' ? { ...state, name: event.data.name } : state;
      case 'network.SafeguardingPolicySet':
        return state.status === 'open' ? { ...state, requireDbsForSafeguarded: event.data.requireDbsForSafeguarded } : state;
      case 'network.HelpContactSet':
        return state.status === 'open' ? { ...state, helpContact: event.data.helpContact } : state;
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'OpenNetwork':
        if (state.status !== 'none') throw new Rejection('network-exists', 'A network with this id already exists.', 409);
        return [
          {
            type: 'network.NetworkOpened',
            data: { networkId: command.networkId, name: command.name, kind: command.kind, openedAt: command.now, openedBy: command.openedBy },
          },
        ];
      case 'RenameNetwork':
        if (state.status !== 'open') throw new Rejection('network-not-found', 'There is no such network.', 404);
        if (state.name === command.name) return [];
        return [{ type: 'network.NetworkRenamed', data: { networkId: command.networkId, name: command.name } }];
      case 'SetSafeguardingPolicy':
        if (state.status !== 'open') throw new Rejection('network-not-found', 'There is no such network.', 404);
        if (state.requireDbsForSafeguarded === command.requireDbsForSafeguarded) return [];
        return [{ type: 'network.SafeguardingPolicySet', data: { networkId: command.networkId, requireDbsForSafeguarded: command.requireDbsForSafeguarded } }];
      case 'SetHelpContact':
        if (state.status !== 'open') throw new Rejection('network-not-found', 'There is no such network.', 404);
        return [{ type: 'network.HelpContactSet', data: { networkId: command.networkId, helpContact: command.helpContact, setBy: command.setBy } }];
    }
  },
};
