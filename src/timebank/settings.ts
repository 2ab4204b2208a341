// A network's time-bank rules: its categories (with an optional weighted rate each), its default
// balance limits and the most one exchange may be. Rule changes are events, and the rate in force
// is copied onto each exchange when it is logged, so a later change never rewrites history.
import { z } from 'zod';
import { Rejection, type Decider } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { id, name, reasonText } from '../bounds.ts';
import { MAX_BALANCE_MINUTES } from '../units.ts';

export const DEFAULT_LOWER_LIMIT = -10 * 60;
export const DEFAULT_UPPER_LIMIT = 750 * 60;
export const DEFAULT_MAX_EXCHANGE = 12 * 60;

export const categoryName = name(60);
const minutes = z.number().int().min(-MAX_BALANCE_MINUTES).max(MAX_BALANCE_MINUTES);

export const CategoryDefined = defineEvent(
  'timebank.CategoryDefined',
  z.strictObject({ networkId: id(), category: categoryName, ratePercent: z.number().int().min(1).max(1000) }),
);
export const NetworkLimitsSet = defineEvent(
  'timebank.NetworkLimitsSet',
  z.strictObject({ networkId: id(), lowerMinutes: minutes.max(0), upperMinutes: minutes.min(0), maxExchangeMinutes: minutes.min(1), reason: reasonText() }),
);

export const settingsEventTypes = [CategoryDefined, NetworkLimitsSet];
export type SettingsEvent = DomainEvent<typeof CategoryDefined> | DomainEvent<typeof NetworkLimitsSet>;

export type SettingsCommand =
  | { type: 'DefineCategory'; networkId: string; category: string; ratePercent: number }
  | { type: 'SetNetworkLimits'; networkId: string; lowerMinutes: number; upperMinutes: number; maxExchangeMinutes: number; reason: string };

export interface TimebankSettings {
  /** Category name to rate in percent: 100 is an hour for an hour. */
  categories: Record<string, number>;
  lowerMinutes: number;
  upperMinutes: number;
  maxExchangeMinutes: number;
}

export const timebankStream = (networkId: string) => `timebank-${networkId}`;

export const settingsDecider: Decider<SettingsCommand, TimebankSettings, SettingsEvent> = {
  initialState: { categories: {}, lowerMinutes: DEFAULT_LOWER_LIMIT, upperMinutes: DEFAULT_UPPER_LIMIT, maxExchangeMinutes: DEFAULT_MAX_EXCHANGE },

  evolve(state, event) {
    switch (event.type) {
      case 'timebank.CategoryDefined':
        return { ...state, categories: { ...state.categories, [event.data.category]: event.data.ratePercent } };
      case 'timebank.NetworkLimitsSet':
        return { ...state, lowerMinutes: event.data.lowerMinutes, upperMinutes: event.data.upperMinutes, maxExchangeMinutes: event.data.maxExchangeMinutes };
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'DefineCategory':
        if (state.categories[command.category] === command.ratePercent) return [];
        return [{ type: 'timebank.CategoryDefined', data: { networkId: command.networkId, category: command.category, ratePercent: command.ratePercent } }];
      case 'SetNetworkLimits':
        if (command.lowerMinutes > 0) throw new Rejection('limit-out-of-range', 'The lower limit must be zero or below.', 422, 'lowerMinutes');
        if (command.upperMinutes < 0) throw new Rejection('limit-out-of-range', 'The upper limit must be zero or above.', 422, 'upperMinutes');
        return [
          {
            type: 'timebank.NetworkLimitsSet',
            data: { networkId: command.networkId, lowerMinutes: command.lowerMinutes, upperMinutes: command.upperMinutes, maxExchangeMinutes: command.maxExchangeMinutes, reason: command.reason },
          },
        ];
    }
  },
};

/** A time bank's rules as a command names them among its reads. */
export const rulesRead = (networkId: string) => [timebankStream(networkId), settingsDecider] as const;
