// Which kinds of notification a person chooses to get by email. Their own stream: the choice is
// theirs alone, and a later choice replaces the earlier one whole. Until they choose, everything
// is on (for people with an email address; people without one get nothing whatever they chose).
import { z } from 'zod';
import type { Decider } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { id } from '../bounds.ts';

/** Every kind of notification Hearth sends, but the password reset, which is always sent when asked for. */
export const notificationKinds = ['exchange-to-confirm', 'payment-to-approve', 'ballot-opened', 'ballot-closing', 'voucher-used'] as const;
export type NotificationKind = (typeof notificationKinds)[number];

export const chosenKinds = z.array(z.enum(notificationKinds)).max(notificationKinds.length);

export const NotificationsChosen = defineEvent('notify.NotificationsChosen', z.strictObject({ personId: id(), kinds: chosenKinds }));

export const choiceEventTypes = [NotificationsChosen];
export type ChoiceEvent = DomainEvent<typeof NotificationsChosen>;

export type ChoiceCommand = { type: 'ChooseNotifications'; personId: string; kinds: readonly NotificationKind[] };

export interface ChoiceState {
  /** Null until the person first chooses: then every kind is on. */
  kinds: readonly NotificationKind[] | null;
}

export const choicesStream = (personId: string) => `notifications-${personId}`;

/** The kinds a person gets: what they chose, else all. */
export const kindsOn = (state: ChoiceState): readonly NotificationKind[] => state.kinds ?? notificationKinds;

export const choiceDecider: Decider<ChoiceCommand, ChoiceState, ChoiceEvent> = {
  initialState: { kinds: null },
  evolve: (_state, event) => ({ kinds: event.data.kinds }),
  decide(command, state) {
    // Kept in the order Hearth lists them, once each, so that choosing the same again writes nothing.
    const kinds = notificationKinds.filter((k) => command.kinds.includes(k));
    const current = kindsOn(state);
    if (state.kinds !== null && kinds.length === current.length && kinds.every((k, i) => current[i] === k)) return [];
    return [{ type: 'notify.NotificationsChosen', data: { personId: command.personId, kinds } }];
  },
};
