// Care given and banked. Care is logged by the volunteer (or a coordinator) and banked once the
// person cared for, or a coordinator, confirms it. Each holder's banked hours live in their own
// stream, where the daily and lifetime caps and the balance for pledges and claims are enforced.
import { z } from 'zod';
import { Rejection } from '../commands/decider.ts';
import type { Folder } from '../commands/decide.ts';
import type { MembershipState } from '../access/membership.ts';
import { careRefusal, type SafeguardingPolicy } from '../access/safeguarding.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { careActivities, rulesOn, type SchemeState } from './scheme.ts';
import { id, isoDate, refusalFields } from '../bounds.ts';
import { minutes, signedMinutes } from '../units.ts';
import { sealedText } from '../access/vault.ts';

export const POOL = 'pool';

export const CareLogged = defineEvent(
  'carebank.CareLogged',
  z.strictObject({
    careId: id(),
    networkId: id(),
    volunteerId: id(),
    recipientId: id(),
    minutes: minutes,
    activity: z.enum(careActivities),
    occurredOn: isoDate(),
    loggedBy: id(),
  }),
);
export const CareConfirmed = defineEvent('carebank.CareConfirmed', z.strictObject({ careId: id(), confirmedBy: id() }));
/** Care the person cared for, or a coordinator, says is wrong; nothing is banked until a coordinator settles it. */
export const CareDisputed = defineEvent(
  'carebank.CareDisputed',
  // Sealed under the two parties' key: what is wrong with care may describe either of them.
  z.strictObject({ careId: id(), disputedBy: id(), reason: sealedText }),
);

/** One movement of banked minutes in one holder's bank: positive adds, negative takes away. */
export const BankEntry = defineEvent(
  'carebank.BankEntry',
  z.strictObject({
    networkId: id(),
    holder: z.string().min(1),
    minutes: signedMinutes.refine((m) => m !== 0, 'must not be zero'),
    kind: z.enum(['banked', 'pledged', 'pledge-received', 'donated', 'pool-received', 'claimed']),
    /** The care record, pledge, donation or claim this belongs to. */
    ref: id(),
    counterparty: z.string().nullable(),
    entryDate: isoDate(),
    /** For banked care: the version of the scheme's rules in force. */
    rulesVersion: z.number().int().min(0).nullable(),
  }),
);

/** The age bands the scheme states its obligation by. */
export const AGE_BANDS = [
  { band: 'under 40', below: 40 },
  { band: '40 to 59', below: 60 },
  { band: '60 to 74', below: 75 },
  { band: '75 and over', below: Infinity },
] as const;
export type AgeBand = (typeof AGE_BANDS)[number]['band'];
const bandNames = AGE_BANDS.map((b) => b.band) as [AgeBand, ...AgeBand[]];

export const bandOf = (age: number): AgeBand => AGE_BANDS.find((b) => age < b.below)!.band;

/**
 * A holder's age band, kept as their details are erased: the band from each day on, never their
 * date of birth, so that the obligation as at a day before the erasure still counts them in the
 * band it did. Kept for the days their bank moved, each month's end and the day of the erasure.
 */
export const AgeBandsKept = defineEvent(
  'carebank.AgeBandsKept',
  z.strictObject({
    networkId: id(),
    holder: id(),
    erasedOn: isoDate(),
    /** Oldest first; each band holds from its day to the next one's. Bands only ever go up. */
    bands: z.array(z.strictObject({ from: isoDate(), band: z.enum(bandNames) })).min(1).max(1_000),
  }),
);
export type AgeBandsEvent = DomainEvent<typeof AgeBandsKept>;
export const ageBandsStream = (networkId: string, holder: string) => `carebank-age-bands-${networkId}-${holder}`;

/**
 * The bands to keep for a holder about to be erased: their band on each day given (from their age
 * that day, while it can still be worked out), with only the days their band changed written
 * down. Kept once: an erasure retried keeps nothing more.
 */
export function decideKeepAgeBands(
  command: { networkId: string; holder: string; erasedOn: string; agesOn: ReadonlyArray<{ on: string; age: number }> },
  state: { kept: boolean },
): AgeBandsEvent[] {
  if (state.kept || command.agesOn.length === 0) return [];
  const bands: Array<{ from: string; band: AgeBand }> = [];
  for (const { on, age } of [...command.agesOn].sort((a, b) => a.on.localeCompare(b.on))) {
    const band = bandOf(age);
    if (bands.at(-1)?.band !== band) bands.push({ from: on, band });
  }
  return [{ type: 'carebank.AgeBandsKept', data: { networkId: command.networkId, holder: command.holder, erasedOn: command.erasedOn, bands } }];
}

/** The band kept for a day before the erasure: the one in force from the latest kept day on or before it; none after the erasure. */
export function keptBandOn(kept: { erasedOn: string; bands: ReadonlyArray<{ from: string; band: AgeBand }> }, date: string): AgeBand | null {
  if (date >= kept.erasedOn) return null;
  return kept.bands.filter((b) => b.from <= date).at(-1)?.band ?? null;
}

/** Month ends from the month of `from` to the one before `to`'s: the days an obligation is most often asked for. */
export function monthEnds(from: string, to: string): string[] {
  const ends: string[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  for (;;) {
    const end = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
    if (end >= to) return ends;
    ends.push(end);
    [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
  }
}

/**
 * Confirming care is a process, as confirming a time bank exchange is: the care record says
 * confirming began, with the entry the volunteer's bank is to take; the bank takes it in a write of
 * its own (or records why it would not: a cap reached by other care meanwhile); the record ends.
 */
export const CareConfirmationStarted = defineEvent('carebank.CareConfirmationStarted', z.strictObject({ careId: id(), confirmedBy: id(), processId: id(), entry: BankEntry.schema }));
/** The bank refused the entry after confirming began: the care waits as it did before. */
export const CareConfirmationRefused = defineEvent(
  'carebank.CareConfirmationRefused',
  z.strictObject({ careId: id(), processId: id(), ...refusalFields, resumes: z.enum(['logged', 'disputed']) }),
);
/** An entry a bank refused, a cap being in the way, under the id the entry would have had: whoever carries the process on finds the same answer. */
export const BankEntryRefused = defineEvent(
  'carebank.BankEntryRefused',
  z.strictObject({ networkId: id(), holder: z.string().min(1), ref: id(), minutes: signedMinutes, ...refusalFields }),
);

export const bankEventTypes = [CareLogged, CareConfirmed, BankEntry, CareDisputed, AgeBandsKept, CareConfirmationStarted, CareConfirmationRefused, BankEntryRefused];
export type CareEvent =
  | DomainEvent<typeof CareLogged>
  | DomainEvent<typeof CareConfirmed>
  | DomainEvent<typeof CareDisputed>
  | DomainEvent<typeof CareConfirmationStarted>
  | DomainEvent<typeof CareConfirmationRefused>;
export type BankEvent = DomainEvent<typeof BankEntry> | DomainEvent<typeof BankEntryRefused>;
type Entry = z.infer<typeof BankEntry.schema>;
export type BankEntryData = Entry;

export const careStream = (careId: string) => `care-${careId}`;
export const bankStream = (networkId: string, holder: string) => `carebank-account-${networkId}-${holder}`;

export type CareStatus = 'logged' | 'disputed' | 'confirmed';
/** A confirmation under way: by whom, the entry the bank is to take, and what the care goes back to if the bank refuses it. */
export interface Confirming {
  processId: string;
  confirmedBy: string;
  entry: Entry;
  resumes: 'logged' | 'disputed';
}
export type CareState =
  | { status: 'none' }
  /** `refused`: why the last confirmation was refused after it began, until anything else happens to the care. */
  | { status: CareStatus; care: z.infer<typeof CareLogged.schema>; refused?: { problem: string; detail: string } }
  | { status: 'confirming'; care: z.infer<typeof CareLogged.schema>; confirming: Confirming };

export function evolveCare(state: CareState, event: CareEvent): CareState {
  if (event.type === 'carebank.CareLogged') return { status: 'logged', care: event.data };
  if (state.status === 'none') return state;
  const { care } = state;
  switch (event.type) {
    case 'carebank.CareConfirmationStarted':
      return { status: 'confirming', care, confirming: { processId: event.data.processId, confirmedBy: event.data.confirmedBy, entry: event.data.entry, resumes: state.status === 'disputed' ? 'disputed' : 'logged' } };
    case 'carebank.CareConfirmationRefused':
      return { status: event.data.resumes, care, refused: { problem: event.data.problem, detail: event.data.detail } };
    case 'carebank.CareDisputed':
      return { status: 'disputed', care };
    case 'carebank.CareConfirmed':
      return { status: 'confirmed', care };
  }
}

/** What folds a care record's stream. */
export const careFolder: Folder<CareState, CareEvent> = { initialState: { status: 'none' }, evolve: evolveCare };

export interface BankState {
  balance: number;
  bankedTotal: number;
  bankedByDate: Record<string, number>;
}

export const emptyBank: BankState = { balance: 0, bankedTotal: 0, bankedByDate: {} };

export function evolveBank(state: BankState, event: BankEvent): BankState {
  if (event.type === 'carebank.BankEntryRefused') return state;
  const e = event.data;
  const banked = e.kind === 'banked' ? e.minutes : 0;
  return {
    balance: state.balance + e.minutes,
    bankedTotal: state.bankedTotal + banked,
    bankedByDate: banked ? { ...state.bankedByDate, [e.entryDate]: (state.bankedByDate[e.entryDate] ?? 0) + banked } : state.bankedByDate,
  };
}

/** What folds a holder's bank. */
export const bankFolder: Folder<BankState, BankEvent> = { initialState: emptyBank, evolve: evolveBank };

/** Who acts, for whom, and whether they coordinate this scheme. */
export interface CareActor {
  personId: string;
  onBehalfOf: string | null;
  coordinates: boolean;
}

/** Whose action it is: the member acted for, or the one acting. */
const subjectOf = (by: CareActor) => by.onBehalfOf ?? by.personId;
/** A coordinator acting as coordinator; acting for a member, they do what the member could, no more. */
const asCoordinator = (by: CareActor) => by.coordinates && by.onBehalfOf === null;

/**
 * The two people and the scheme's safeguarding policy, as their own streams hold them: asked
 * when care is logged and again when it is confirmed, since a recipient may be flagged, or a
 * volunteer's DBS check lapse, in between.
 */
export interface CareCircle {
  volunteer: MembershipState;
  recipient: MembershipState;
  recipientNeedsSafeguarding: boolean;
  policy: SafeguardingPolicy;
}

function requireSafeCare(circle: CareCircle, today: string): void {
  if (circle.volunteer.status !== 'active') throw new Rejection('unknown-member', 'This person is not an active member of this network.', 422, 'volunteerId');
  if (circle.recipient.status !== 'active') throw new Rejection('unknown-member', 'This person is not an active member of this network.', 422, 'recipientId');
  const refusal = careRefusal(circle.policy, circle.volunteer, circle.recipientNeedsSafeguarding, today);
  if (refusal) throw new Rejection('safeguarding', refusal, 422, 'volunteerId');
}

export interface LogCare {
  careId: string;
  networkId: string;
  volunteerId: string;
  recipientId: string;
  minutes: number;
  activity: (typeof careActivities)[number];
  occurredOn: string;
  by: CareActor;
  circle: CareCircle;
  today: string;
}

export function decideLogCare(command: LogCare, states: { care: CareState }): { care: CareEvent[] } {
  if (states.care.status !== 'none') throw new Rejection('care-exists', 'This care is already logged.', 409);
  const { by, circle, today, ...care } = command;
  if (care.volunteerId === care.recipientId) throw new Rejection('care-for-oneself', 'Care given to oneself cannot be banked.', 422, 'recipientId');
  if (subjectOf(by) !== care.volunteerId && !asCoordinator(by)) throw new Rejection('not-the-volunteer', 'Only the volunteer, or a coordinator, may log care they gave.', 403);
  if (care.occurredOn > today) throw new Rejection('date-in-future', 'The date cannot be in the future.', 422, 'occurredOn');
  requireSafeCare(circle, today);
  // Who logged it is who did, not whom they acted for: confirming later asks whether it was a party.
  return { care: [{ type: 'carebank.CareLogged', data: { ...care, loggedBy: by.personId } }] };
}

type CareRecord = z.infer<typeof CareLogged.schema>;

/**
 * Why `by` may not confirm or dispute this care, or undefined when they may. Nobody settles care
 * they are a party to, whoever they act for: the volunteer never, a coordinator who gave or
 * received it never (on anyone's behalf), and the person cared for only in their own name, on
 * care they did not log themselves.
 */
export function settleRefusal(care: CareRecord, by: CareActor, verb: 'confirm' | 'dispute'): Rejection | undefined {
  if (subjectOf(by) !== care.recipientId && !asCoordinator(by)) return new Rejection('not-the-recipient', `Only the person cared for, or a coordinator, may ${verb} care.`, 403);
  if (by.personId === care.volunteerId) return new Rejection('own-care', `Care you gave is ${verb === 'confirm' ? 'confirmed' : 'disputed'} by the person cared for, or another coordinator.`, 403);
  // The person cared for vouches for care the volunteer's side logged, never for their own entry.
  if (by.personId === care.recipientId && care.loggedBy === by.personId) {
    return new Rejection('party-to-care', `You logged this care yourself, so it is ${verb === 'confirm' ? 'confirmed' : 'disputed'} by another coordinator.`, 403);
  }
  return undefined;
}

function requireMaySettle(care: CareRecord, by: CareActor, verb: 'confirm' | 'dispute'): void {
  const refusal = settleRefusal(care, by, verb);
  if (refusal) throw refusal;
}

/** Care disputed before it is banked, by whoever could confirm it; a coordinator settles it. */
export function decideDisputeCare(command: { by: CareActor; reason: z.infer<typeof sealedText> }, states: { care: CareState }): { care: CareEvent[] } {
  const record = states.care;
  if (record.status === 'none') throw new Rejection('care-not-found', 'There is no such care record.', 404);
  requireMaySettle(record.care, command.by, 'dispute');
  if (record.status !== 'logged') throw new Rejection('care-settled', `This care is ${record.status === 'confirming' ? 'being confirmed' : record.status}; only care waiting to be confirmed can be disputed.`, 409);
  return { care: [{ type: 'carebank.CareDisputed', data: { careId: record.care.careId, disputedBy: subjectOf(command.by), reason: command.reason } }] };
}

export interface ConfirmCare {
  by: CareActor;
  volunteerAge: number | null;
  circle: CareCircle;
  today: string;
}

/**
 * Banking confirmed care. Nobody confirms care they are a party to, whoever they act for: the
 * volunteer never, and the person cared for only in their own name, on care they did not log. Safeguarding is asked again; the volunteer must be old enough under the rules in
 * force that day, and the day's and the lifetime caps must hold.
 */
export function decideConfirmCare(command: ConfirmCare & { processId: string }, states: { care: CareState; bank: BankState; scheme: SchemeState }): { care: CareEvent[] } {
  const { care: record, bank, scheme } = states;
  const { by } = command;
  if (record.status === 'none') throw new Rejection('care-not-found', 'There is no such care record.', 404);
  if (record.status === 'confirmed') return { care: [] };
  if (record.status === 'confirming') throw new Rejection('care-confirming', 'This care is being confirmed: the hours are being banked.', 409);
  const { care } = record;
  requireMaySettle(care, by, 'confirm');
  if (record.status === 'disputed' && !asCoordinator(by)) throw new Rejection('care-disputed', 'This care is disputed; a coordinator who is no party to it settles it.', 409);
  requireSafeCare(command.circle, command.today);
  const rules = rulesOn(scheme, care.occurredOn);
  if (command.volunteerAge === null) throw new Rejection('age-unknown', 'The volunteer\'s date of birth is not recorded, so their age cannot be checked.', 422);
  if (command.volunteerAge < rules.minimumAgeToBank) throw new Rejection('too-young-to-bank', `Volunteers bank hours from age ${rules.minimumAgeToBank} in this scheme.`, 422);
  const entry: Entry = { networkId: care.networkId, holder: care.volunteerId, minutes: care.minutes, kind: 'banked', ref: care.careId, counterparty: care.recipientId, entryDate: care.occurredOn, rulesVersion: rules.version };
  requireWithinCaps(bank, scheme, entry);
  return { care: [{ type: 'carebank.CareConfirmationStarted', data: { careId: care.careId, confirmedBy: subjectOf(by), processId: command.processId, entry } }] };
}

/** The day's and the lifetime caps of the rules the entry was banked under, on the bank as it is. */
export function requireWithinCaps(bank: BankState, scheme: SchemeState, entry: Entry): void {
  const rules = rulesOn(scheme, entry.entryDate);
  const thatDay = (bank.bankedByDate[entry.entryDate] ?? 0) + entry.minutes;
  if (thatDay > rules.dailyCapMinutes) throw new Rejection('daily-cap', `At most ${rules.dailyCapMinutes / 60} hours can be banked for one day; ${entry.entryDate} would have ${thatDay / 60}.`, 409);
  if (rules.lifetimeCapMinutes !== null && bank.bankedTotal + entry.minutes > rules.lifetimeCapMinutes) {
    throw new Rejection('lifetime-cap', `This scheme banks at most ${rules.lifetimeCapMinutes / 60} hours for one person.`, 409);
  }
}

/** The bank's step of a confirmation: the entry, or, past a cap of the bank as it is now, the refusal in its place. */
export function decideBanking(entry: Entry, states: { bank: BankState; scheme: SchemeState }): BankEvent[] {
  try {
    requireWithinCaps(states.bank, states.scheme, entry);
    return [{ type: 'carebank.BankEntry', data: entry }];
  } catch (err) {
    if (!(err instanceof Rejection)) throw err;
    const { networkId, holder, ref, minutes } = entry;
    return [{ type: 'carebank.BankEntryRefused', data: { networkId, holder, ref, minutes, problem: err.type, detail: err.message } }];
  }
}

/** How the confirmation under way ended: banked, or refused by the bank. Once, by the process that began it. */
export function decideCareEnd(state: CareState, processId: string, refusal?: { problem: string; detail: string }): CareEvent[] {
  if (state.status !== 'confirming' || state.confirming.processId !== processId) return [];
  const { careId } = state.care;
  if (refusal) return [{ type: 'carebank.CareConfirmationRefused', data: { careId, processId, ...refusal, resumes: state.confirming.resumes } }];
  return [{ type: 'carebank.CareConfirmed', data: { careId, confirmedBy: state.confirming.confirmedBy } }];
}

/** Moving banked minutes out of a holder's bank: a pledge, a donation to the pool, or a claim. */
export function requireBalance(bank: BankState, minutes: number): void {
  if (bank.balance < minutes) throw new Rejection('not-enough-banked', `Only ${bank.balance / 60} hours are banked.`, 409, 'minutes');
}

interface Move {
  networkId: string;
  from: string;
  minutes: number;
  /** The pledge's or donation's own id: both banks' entries point at it. */
  ref: string;
  today: string;
}

/**
 * Hours moved out of one bank into another are written one bank at a time, so that a store that
 * commits one stream at a time can take them: the giver's bank first, where the balance is the
 * rule, then the receiver's, which nothing refuses. The giver's entry names everything the
 * receiver's is made from, so whoever carries the move on (the request, its retry, the sweeper)
 * writes the same one.
 */
function moveOut(command: Move & { to: string }, giver: BankState, out: 'pledged' | 'donated'): { giver: BankEvent[] } {
  requireBalance(giver, command.minutes);
  return {
    giver: [{ type: 'carebank.BankEntry', data: { networkId: command.networkId, ref: command.ref, entryDate: command.today, rulesVersion: null, holder: command.from, minutes: -command.minutes, kind: out, counterparty: command.to } }],
  };
}

/** What each kind of entry that moves hours out of a bank is received as. */
const receivedAs = { pledged: 'pledge-received', donated: 'pool-received' } as const;

/** Whether an entry moves hours out of its bank into another, which is then to receive them. */
export const movesOut = (entry: Entry): entry is Entry & { kind: keyof typeof receivedAs; counterparty: string } => entry.kind in receivedAs && entry.counterparty !== null;

/** The receiver's side of hours moved out of a bank: the same hours, the same ref and day. */
export function decideReceipt(given: Entry & { kind: keyof typeof receivedAs; counterparty: string }): BankEvent[] {
  return [{ type: 'carebank.BankEntry', data: { ...given, holder: given.counterparty, minutes: -given.minutes, kind: receivedAs[given.kind], counterparty: given.holder } }];
}

/** Banked hours pledged to a named relative, who must be a member of the scheme. */
export function decidePledge(command: Move & { relativeId: string }, states: { giver: BankState; relative: MembershipState }): { giver: BankEvent[] } {
  if (states.relative.status !== 'active') throw new Rejection('unknown-member', 'This person is not an active member of this network.', 422, 'relativeId');
  if (command.from === command.relativeId) throw new Rejection('pledge-to-oneself', 'Hours cannot be pledged to oneself.', 422, 'relativeId');
  return moveOut({ ...command, to: command.relativeId }, states.giver, 'pledged');
}

/** Banked hours given to the scheme's pool. */
export function decideDonation(command: Move, states: { giver: BankState }): { giver: BankEvent[] } {
  return moveOut({ ...command, to: POOL }, states.giver, 'donated');
}

/** Care funded from the claimant's banked hours, from the age the rules in force allow. */
export function decideClaim(
  command: { networkId: string; claimantId: string; minutes: number; claimantAge: number | null; ref: string; today: string },
  states: { bank: BankState; scheme: SchemeState },
): { bank: BankEvent[] } {
  const rules = rulesOn(states.scheme, command.today);
  if (command.claimantAge === null) throw new Rejection('age-unknown', 'The claimant\'s date of birth is not recorded, so their age cannot be checked.', 422);
  if (command.claimantAge < rules.claimFromAge) throw new Rejection('too-young-to-claim', `Banked hours can be claimed from age ${rules.claimFromAge} in this scheme.`, 422);
  requireBalance(states.bank, command.minutes);
  return {
    bank: [{ type: 'carebank.BankEntry', data: { networkId: command.networkId, holder: command.claimantId, minutes: -command.minutes, kind: 'claimed', ref: command.ref, counterparty: null, entryDate: command.today, rulesVersion: rules.version } }],
  };
}
