// A partnership between two time banks (TimeOverflow's "alliances"): one network's coordinator
// proposes, the other's accepts, either may end it. Members of the two trade time only while it
// is active, and every exchange between them reads this stream, so an ending racing an exchange
// is seen. One stream per pair, named by the two ids in order, so both sides meet in one place.
import { z } from 'zod';
import { Rejection, type Decider } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { id, reasonText } from '../bounds.ts';

const pair = { networkId: id(), partnerNetworkId: id() };
export const PartnershipProposed = defineEvent(
  'network.PartnershipProposed',
  z.strictObject({ ...pair, proposedBy: z.strictObject({ networkId: id(), personId: z.string().min(1) }) }),
);
export const PartnershipAccepted = defineEvent('network.PartnershipAccepted', z.strictObject({ ...pair, acceptedBy: z.strictObject({ networkId: id(), personId: z.string().min(1) }) }));
export const PartnershipEnded = defineEvent(
  'network.PartnershipEnded',
  z.strictObject({ ...pair, endedBy: z.strictObject({ networkId: id(), personId: z.string().min(1) }), reason: reasonText() }),
);

export const partnershipEventTypes = [PartnershipProposed, PartnershipAccepted, PartnershipEnded];
export type PartnershipEvent = DomainEvent<typeof PartnershipProposed> | DomainEvent<typeof PartnershipAccepted> | DomainEvent<typeof PartnershipEnded>;

/** A coordinator acting for one network of the pair. */
interface Side {
  networkId: string;
  personId: string;
}
export type PartnershipCommand =
  | { type: 'ProposePartnership'; by: Side; partnerNetworkId: string }
  | { type: 'AcceptPartnership'; by: Side; partnerNetworkId: string }
  | { type: 'EndPartnership'; by: Side; partnerNetworkId: string; reason: string };

export type PartnershipState =
  | { status: 'none' }
  | { status: 'proposed'; proposedBy: string }
  | { status: 'active' }
  | { status: 'ended' };

/** The pair's one stream, whichever side names it. */
export function partnershipStream(a: string, b: string): string {
  const [first, second] = a < b ? [a, b] : [b, a];
  return `partnership-${first}-${second}`;
}

export const partnershipDecider: Decider<PartnershipCommand, PartnershipState, PartnershipEvent> = {
  initialState: { status: 'none' },

  evolve(_state, event) {
    switch (event.type) {
      case 'network.PartnershipProposed':
        return { status: 'proposed', proposedBy: event.data.proposedBy.networkId };
      case 'network.PartnershipAccepted':
        return { status: 'active' };
      case 'network.PartnershipEnded':
        return { status: 'ended' };
    }
  },

  decide(command, state) {
    const ids = { networkId: command.by.networkId, partnerNetworkId: command.partnerNetworkId };
    if (ids.networkId === ids.partnerNetworkId) throw new Rejection('partnership-with-itself', 'A network cannot partner with itself.', 422, 'partnerNetworkId');
    switch (command.type) {
      case 'ProposePartnership':
        if (state.status === 'active') throw new Rejection('partnership-exists', 'These networks are already partners.', 409, 'partnerNetworkId');
        if (state.status === 'proposed') {
          if (state.proposedBy === ids.networkId) return [];
          throw new Rejection('partnership-proposed', 'The other network has already proposed this partnership: accept it instead.', 409, 'partnerNetworkId');
        }
        return [{ type: 'network.PartnershipProposed', data: { ...ids, proposedBy: command.by } }];
      case 'AcceptPartnership':
        if (state.status === 'active') return [];
        if (state.status !== 'proposed') throw new Rejection('no-proposal', 'The other network has not proposed a partnership.', 409, 'partnerNetworkId');
        if (state.proposedBy === ids.networkId) throw new Rejection('own-proposal', 'This network proposed the partnership; the other network must accept it.', 409, 'partnerNetworkId');
        return [{ type: 'network.PartnershipAccepted', data: { ...ids, acceptedBy: command.by } }];
      case 'EndPartnership':
        if (state.status === 'ended') return [];
        if (state.status === 'none') throw new Rejection('no-partnership', 'These networks have no partnership to end.', 409, 'partnerNetworkId');
        return [{ type: 'network.PartnershipEnded', data: { ...ids, endedBy: command.by, reason: command.reason } }];
    }
  },
};
