// A care-bank scheme (Care4Care style): volunteers bank hours of non-personal care given to older
// people, to claim care for themselves later in life or to pledge to a relative. The scheme's rules
// are versioned; every banking records the version in force, so a rule change never rewrites it.
import { z } from 'zod';
import { Rejection, type Decider } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { id, isoDate } from '../bounds.ts';
import { MAX_BALANCE_MINUTES } from '../units.ts';

export const careActivities = ['befriending', 'shopping', 'lifts', 'gardening', 'household', 'other'] as const;

export const rulesShape = z.strictObject({
  minimumAgeToBank: z.number().int().min(16).max(120),
  claimFromAge: z.number().int().min(0).max(120),
  dailyCapMinutes: z.number().int().positive().max(24 * 60),
  lifetimeCapMinutes: z.number().int().positive().max(MAX_BALANCE_MINUTES).nullable(),
  effectiveFrom: isoDate(),
});
export type Rules = z.infer<typeof rulesShape>;

export const SchemeRulesVersioned = defineEvent('carebank.SchemeRulesVersioned', rulesShape.extend({ networkId: id(), version: z.number().int().positive() }));

/** Care4Care's defaults: bank from 18, claim from 60, at most 5 hours a day, no lifetime cap. */
export const defaultRules: Rules = { minimumAgeToBank: 18, claimFromAge: 60, dailyCapMinutes: 300, lifetimeCapMinutes: null, effectiveFrom: '2000-01-01' };

export type SchemeState = { versions: Array<Rules & { version: number }> };
export type SchemeCommand = { type: 'VersionRules'; networkId: string; rules: Rules };
export type SchemeEvent = DomainEvent<typeof SchemeRulesVersioned>;

export const schemeStream = (networkId: string) => `carebank-${networkId}`;

export const schemeDecider: Decider<SchemeCommand, SchemeState, SchemeEvent> = {
  initialState: { versions: [] },
  evolve: (state, event) => ({ versions: [...state.versions, { ...event.data }] }),
  decide(command, state) {
    const latest = state.versions.at(-1);
    if (latest && command.rules.effectiveFrom < latest.effectiveFrom) {
      throw new Rejection('rules-backdated', `New rules cannot take effect before the current ones (${latest.effectiveFrom}).`, 422, 'effectiveFrom');
    }
    return [{ type: 'carebank.SchemeRulesVersioned', data: { networkId: command.networkId, version: (latest?.version ?? 0) + 1, ...command.rules } }];
  },
};

/** The rules in force on a date: the latest version effective by then, else the defaults (version 0). */
export function rulesOn(state: SchemeState, date: string): Rules & { version: number } {
  return [...state.versions].reverse().find((v) => v.effectiveFrom <= date) ?? { ...defaultRules, version: 0 };
}

/** Whole years between a date of birth and a date. */
export function ageOn(dateOfBirth: string, date: string): number {
  const [by, bm, bd] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}
