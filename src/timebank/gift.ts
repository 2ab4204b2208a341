// A gift between a member and one of the network's own accounts (the community chest, the
// organisation's): a donation, a grant, an opening adjustment, or the reversal of a donation or
// grant. Each is two postings on two accounts, which a store that commits one stream at a time
// cannot write together. So a gift has a stream of its own, as an exchange has: the request checks
// the gift on the accounts as they are and records it begun there, with the postings it will make
// in order; each account is then posted in a write of its own (settlement.ts); and the gift
// records how it ended. The account whose rule can refuse goes first (the member giving, the
// chest granting), so a later step is refused only by a race, and then what was posted is given
// back.
import { z } from 'zod';
import { Rejection, type Decider } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { id, refusalFields } from '../bounds.ts';
import { GiftReversed, Posted, type AccountEvent } from './account.ts';

/** Who a step's limits protect, as a refusal names them; a step with none is never refused. */
export const checkedAs = z.enum(['member', 'chest', 'network account']);

const step = z.strictObject({
  holder: z.string().min(1),
  /** The events written to the holder's account: a posting, and for a reversal the record of it. */
  events: z.array(z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal(Posted.type), data: Posted.schema }),
    z.strictObject({ type: z.literal(GiftReversed.type), data: GiftReversed.schema }),
  ])).min(1).max(2),
  checked: checkedAs.optional(),
});
export type GiftStep = z.infer<typeof step>;

export const giftKinds = ['donation', 'grant', 'adjustment', 'reversal'] as const;

export const GiftBegun = defineEvent(
  'timebank.GiftBegun',
  z.strictObject({ giftId: id(), networkId: id(), kind: z.enum(giftKinds), by: id(), processId: id(), steps: z.array(step).min(2).max(2) }),
);
export const GiftEnded = defineEvent('timebank.GiftEnded', z.strictObject({ giftId: id(), processId: id() }));
/** A step was refused after the gift began: what was posted was given back, and the gift did not happen. */
export const GiftRefused = defineEvent(
  'timebank.GiftRefused',
  z.strictObject({ giftId: id(), processId: id(), ...refusalFields }),
);

export const giftEventTypes = [GiftBegun, GiftEnded, GiftRefused];
export type GiftEvent = DomainEvent<typeof GiftBegun> | DomainEvent<typeof GiftEnded> | DomainEvent<typeof GiftRefused>;

export interface InFlight {
  kind: (typeof giftKinds)[number];
  by: string;
  processId: string;
  networkId: string;
  steps: GiftStep[];
}

export type GiftState =
  | { status: 'none' }
  | { status: 'in flight'; inFlight: InFlight; made: boolean }
  /** `made`: the gift itself was posted (not refused); `reversed`: and later taken back. */
  | { status: 'ended'; made: boolean; reversed: boolean };

/** The gift's stream: keyed by the gift's ref, which its postings carry. */
export const giftStream = (giftId: string) => `gift-${giftId}`;

export type GiftCommand =
  /** `legacy`: what the network's account says of a gift made before gifts had streams of their own; for those, the account is the record. */
  | ({ type: 'BeginGift'; giftId: string; steps: GiftStep[]; legacy?: { reversed: boolean } } & Omit<InFlight, 'steps'>)
  | { type: 'EndGift'; giftId: string; processId: string; refusal?: { problem: string; detail: string } };

export const giftDecider: Decider<GiftCommand, GiftState, GiftEvent> = {
  initialState: { status: 'none' },

  evolve(state, event) {
    const made = state.status !== 'none' && state.made;
    switch (event.type) {
      case 'timebank.GiftBegun':
        // A reversal begins only of a gift that was made, here or, before gifts had streams, on the account.
        return { status: 'in flight', inFlight: { kind: event.data.kind, by: event.data.by, processId: event.data.processId, networkId: event.data.networkId, steps: event.data.steps }, made: made || event.data.kind === 'reversal' };
      case 'timebank.GiftEnded':
        if (state.status !== 'in flight') return state;
        return state.inFlight.kind === 'reversal' ? { status: 'ended', made, reversed: true } : { status: 'ended', made: true, reversed: false };
      case 'timebank.GiftRefused':
        if (state.status !== 'in flight') return state;
        return { status: 'ended', made, reversed: false };
    }
  },

  /**
   * A gift is begun once; a reversal only of a gift that was made and not taken back. Its end is
   * recorded once, by the process that began it.
   */
  decide(command, state) {
    if (command.type === 'EndGift') {
      const { giftId, processId, refusal } = command;
      if (state.status !== 'in flight' || state.inFlight.processId !== processId) return [];
      if (refusal) return [{ type: 'timebank.GiftRefused', data: { giftId, processId, ...refusal } }];
      return [{ type: 'timebank.GiftEnded', data: { giftId, processId } }];
    }
    const { giftId, networkId, kind, by, processId, steps, legacy } = command;
    if (kind === 'reversal') {
      if (state.status === 'in flight' && state.inFlight.kind === 'reversal') throw new Rejection('already-reversed', 'This grant or donation is already being reversed.', 409);
      if (state.status === 'in flight') throw new Rejection('gift-in-flight', 'This grant or donation is still being made. Try again in a moment.', 409);
      const made = state.status === 'ended' ? state.made : legacy !== undefined;
      const reversed = state.status === 'ended' ? state.reversed : (legacy?.reversed ?? false);
      if (!made) throw new Rejection('gift-not-found', 'There is no such grant or donation in this network.', 404);
      if (reversed) throw new Rejection('already-reversed', 'This grant or donation has already been reversed.', 409);
    } else if (state.status !== 'none') {
      return [];
    }
    return [{ type: 'timebank.GiftBegun', data: { giftId, networkId, kind, by, processId, steps } }];
  },
};
export const giftRead = (giftId: string) => [giftStream(giftId), giftDecider] as const;

/** A step's account events, as the gift records them. */
export const stepOf = (holder: string, events: AccountEvent[], checked?: z.infer<typeof checkedAs>): GiftStep => ({
  holder,
  events: events as GiftStep['events'],
  ...(checked ? { checked } : {}),
});
