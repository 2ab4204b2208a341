// Care given and banked. Care is logged by the volunteer (or a coordinator) and banked once the
// person cared for, or a coordinator, confirms it. Each holder's banked hours live in their own
// stream, where the daily and lifetime caps and the balance for pledges and claims are enforced.
import { z } from 'zod';
import { Rejection, type Actor } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { careActivities, rulesOn, type SchemeState } from './scheme.ts';

export const POOL = 'pool';

export const CareLogged = defineEvent(
  'carebank.CareLogged',
  z.strictObject({
    careId: z.uuid(),
    networkId: z.uuid(),
    volunteerId: z.uuid(),
    recipientId: z.uuid(),
    minutes: z.number().int().positive(),
    activity: z.enum(careActivities),
    occurredOn: z.iso.date(),
    loggedBy: z.uuid(),
  }),
);
export const CareConfirmed = defineEvent('carebank.CareConfirmed', z.strictObject({ careId: z.uuid(), confirmedBy: z.uuid() }));

/** One movement of banked minutes in one holder's bank: positive adds, negative takes away. */
export const BankEntry = defineEvent(
  'carebank.BankEntry',
  z.strictObject({
    networkId: z.uuid(),
    holder: z.string().min(1),
    minutes: z.number().int().refine((m) => m !== 0, 'must not be zero'),
    kind: z.enum(['banked', 'pledged', 'pledge-received', 'donated', 'pool-received', 'claimed']),
    /** The care record, pledge, donation or claim this belongs to. */
    ref: z.uuid(),
    counterparty: z.string().nullable(),
    entryDate: z.iso.date(),
    /** For banked care: the version of the scheme's rules in force. */
    rulesVersion: z.number().int().min(0).nullable(),
  }),
);

export const bankEventTypes = [CareLogged, CareConfirmed, BankEntry];
export type CareEvent = DomainEvent<typeof CareLogged> | DomainEvent<typeof CareConfirmed>;
export type BankEvent = DomainEvent<typeof BankEntry>;

export const careStream = (careId: string) => `care-${careId}`;
export const bankStream = (networkId: string, holder: string) => `carebank-account-${networkId}-${holder}`;

export type CareState = { status: 'none' } | { status: 'logged' | 'confirmed'; care: z.infer<typeof CareLogged.schema> };

export function evolveCare(state: CareState, event: CareEvent): CareState {
  if (event.type === 'carebank.CareLogged') return { status: 'logged', care: event.data };
  return state.status === 'none' ? state : { ...state, status: 'confirmed' };
}

export interface BankState {
  balance: number;
  bankedTotal: number;
  bankedByDate: Record<string, number>;
}

export const emptyBank: BankState = { balance: 0, bankedTotal: 0, bankedByDate: {} };

export function evolveBank(state: BankState, event: BankEvent): BankState {
  const e = event.data;
  const banked = e.kind === 'banked' ? e.minutes : 0;
  return {
    balance: state.balance + e.minutes,
    bankedTotal: state.bankedTotal + banked,
    bankedByDate: banked ? { ...state.bankedByDate, [e.entryDate]: (state.bankedByDate[e.entryDate] ?? 0) + banked } : state.bankedByDate,
  };
}

export function decideLogCare(
  state: CareState,
  command: { careId: string; networkId: string; volunteerId: string; recipientId: string; minutes: number; activity: (typeof careActivities)[number]; occurredOn: string; by: Actor; today: string },
): CareEvent[] {
  if (state.status !== 'none') throw new Rejection('care-exists', 'This care is already logged.', 409);
  if (command.volunteerId === command.recipientId) throw new Rejection('care-for-oneself', 'Care given to oneself cannot be banked.', 422, 'recipientId');
  if (command.by.personId !== command.volunteerId && !command.by.isCoordinator) throw new Rejection('not-the-volunteer', 'Only the volunteer, or a coordinator, may log care they gave.', 403);
  if (command.occurredOn > command.today) throw new Rejection('date-in-future', 'The date cannot be in the future.', 422, 'occurredOn');
  const { by, today, ...care } = command;
  return [{ type: 'carebank.CareLogged', data: { ...care, loggedBy: by.personId } }];
}

/**
 * Banking confirmed care: the volunteer must be old enough under the rules in force that day, and
 * the day's and the lifetime caps must hold.
 */
export function decideConfirmCare(state: CareState, by: Actor, bank: BankState, scheme: SchemeState, volunteerAge: number | null): { care: CareEvent[]; bank: BankEvent[] } {
  if (state.status === 'none') throw new Rejection('care-not-found', 'There is no such care record.', 404);
  if (state.status === 'confirmed') return { care: [], bank: [] };
  const { care } = state;
  if (by.personId !== care.recipientId && !by.isCoordinator) throw new Rejection('not-the-recipient', 'Only the person cared for, or a coordinator, may confirm care.', 403);
  // Nobody banks hours on their own word, coordinators included.
  if (by.personId === care.volunteerId) throw new Rejection('own-care', 'Care you gave is confirmed by the person cared for, or another coordinator.', 403);
  const rules = rulesOn(scheme, care.occurredOn);
  if (volunteerAge === null) throw new Rejection('age-unknown', 'The volunteer\'s date of birth is not recorded, so their age cannot be checked.', 422);
  if (volunteerAge < rules.minimumAgeToBank) throw new Rejection('too-young-to-bank', `Volunteers bank hours from age ${rules.minimumAgeToBank} in this scheme.`, 422);
  const thatDay = (bank.bankedByDate[care.occurredOn] ?? 0) + care.minutes;
  if (thatDay > rules.dailyCapMinutes) throw new Rejection('daily-cap', `At most ${rules.dailyCapMinutes / 60} hours can be banked for one day; ${care.occurredOn} would have ${thatDay / 60}.`, 409);
  if (rules.lifetimeCapMinutes !== null && bank.bankedTotal + care.minutes > rules.lifetimeCapMinutes) {
    throw new Rejection('lifetime-cap', `This scheme banks at most ${rules.lifetimeCapMinutes / 60} hours for one person.`, 409);
  }
  return {
    care: [{ type: 'carebank.CareConfirmed', data: { careId: care.careId, confirmedBy: by.personId } }],
    bank: [{ type: 'carebank.BankEntry', data: { networkId: care.networkId, holder: care.volunteerId, minutes: care.minutes, kind: 'banked', ref: care.careId, counterparty: care.recipientId, entryDate: care.occurredOn, rulesVersion: rules.version } }],
  };
}

/** Moving banked minutes out of a holder's bank: a pledge, a donation to the pool, or a claim. */
export function requireBalance(bank: BankState, minutes: number): void {
  if (bank.balance < minutes) throw new Rejection('not-enough-banked', `Only ${bank.balance / 60} hours are banked.`, 409, 'minutes');
}

