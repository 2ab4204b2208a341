// A care co-operative's share register and funds (Co-operative and Community Benefit Societies
// Act 2014, and the model rules built on it). Its rules, every member and every movement of
// share capital live in one stream per co-op: a co-op has tens or hundreds of members and a few
// share transactions a day, and one stream makes every limit (the holding cap, money enough to
// pay a withdrawal, suspension) hold however requests race. Dates are the society's own record
// dates, so the register can be stated as at any past day.
import { z } from 'zod';
import { Rejection, type Decider } from '../commands/decider.ts';
import { addDays, daysBetween } from '../dates.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { apportion } from '../pools/apportion.ts';
import { assertNotFuture } from '../pools/pool.ts';
import { formatPence, MAX_PENCE, pence, wholePence } from '../units.ts';
import { id, isoDate, text, name, reasonText } from '../bounds.ts';

/** No individual may hold more than £100,000 of withdrawable shares (the Act, s.24); rules may set lower. */
export const STATUTORY_CAP_PENCE = 10_000_000;

const date = isoDate();
/** Whole pence, nothing included: a minimum holding, a later issue's membership share, a dividend's smallest part. */
const memberClass = name(60);

export const rulesShape = z
  .strictObject({
    /** Classes of member, each with a fixed vote weight, or null for one member, one vote. */
    memberClasses: z
      .array(z.strictObject({ name: memberClass, voteWeight: z.number().int().min(1).max(100).nullable() }))
      .min(1)
      .max(10)
      .refine((c) => new Set(c.map((x) => x.name)).size === c.length, 'must not repeat a class'),
    /** The non-withdrawable share every member holds, forfeit to reserves on leaving. */
    membershipSharePence: pence,
    minHoldingPence: wholePence,
    maxHoldingPence: pence.refine((p) => p <= STATUTORY_CAP_PENCE, 'must not be above the statutory £100,000'),
    withdrawalNoticeDays: z.number().int().min(0).max(3 * 365),
    /** The most interest the rules allow on shares, in basis points a year (500 is 5%). */
    interestCapBasisPoints: z.number().int().min(0).max(10_000),
    /**
     * What a member who has left is paid of a dividend: on their part in the period up to the day
     * they left (the default, when the rules say nothing), or nothing once they are no longer a member.
     */
    leaversDividend: z.enum(['to-the-day-they-left', 'none']).optional(),
  })
  .refine((r) => r.minHoldingPence <= r.maxHoldingPence, { path: ['minHoldingPence'], message: 'must not be above maxHoldingPence' });
export type CoopRules = z.infer<typeof rulesShape>;

const ids = { networkId: id() };
export const CoopFounded = defineEvent('coop.CoopFounded', z.strictObject({ ...ids, name: name(120), rules: rulesShape, foundedOn: date }));
export const RulesChanged = defineEvent('coop.RulesChanged', z.strictObject({ ...ids, rules: rulesShape, reason: reasonText(), changedOn: date }));
export const SharesApplied = defineEvent(
  'coop.SharesApplied',
  z.strictObject({ ...ids, applicationId: id(), personId: id(), memberClass, pence: wholePence, appliedOn: date }),
);
/** Shares issued once paid for; a first issue admits the member and takes their membership share too. */
export const SharesIssued = defineEvent(
  'coop.SharesIssued',
  z.strictObject({ ...ids, applicationId: id(), personId: id(), memberClass, membershipSharePence: wholePence, pence: wholePence, issuedOn: date, issuedBy: id() }),
);
export const ApplicationDeclined = defineEvent('coop.ApplicationDeclined', z.strictObject({ ...ids, applicationId: id(), reason: reasonText(), declinedBy: id() }));
export const WithdrawalRequested = defineEvent(
  'coop.WithdrawalRequested',
  z.strictObject({ ...ids, withdrawalId: id(), personId: id(), pence: pence, requestedOn: date, dueOn: date }),
);
/** All or part of a withdrawal paid; what is paid leaves the register that day. */
export const WithdrawalPaid = defineEvent('coop.WithdrawalPaid', z.strictObject({ ...ids, withdrawalId: id(), personId: id(), pence: pence, paidOn: date, paidBy: id() }));
export const WithdrawalsSuspended = defineEvent('coop.WithdrawalsSuspended', z.strictObject({ ...ids, reason: reasonText(), on: date, by: id() }));
export const WithdrawalsResumed = defineEvent('coop.WithdrawalsResumed', z.strictObject({ ...ids, on: date, by: id() }));
/** Withdrawable shares move only on a member's death or by their nomination, to another member. */
export const SharesTransferred = defineEvent(
  'coop.SharesTransferred',
  z.strictObject({
    ...ids,
    transferId: id(),
    fromPersonId: id(),
    toPersonId: id(),
    pence: pence,
    reason: z.enum(['death', 'nomination']),
    documentReference: name(140),
    on: date,
    recordedBy: id(),
  }),
);
/** The membership share is forfeit to reserves; nothing is paid for it. */
export const MembershipEnded = defineEvent(
  'coop.MembershipEnded',
  z.strictObject({ ...ids, personId: id(), reason: z.enum(['left', 'died', 'expelled']), forfeitedPence: pence, on: date, recordedBy: id() }),
);
const allocation = z.strictObject({ personId: id(), pence: wholePence });
export const InterestPaid = defineEvent(
  'coop.InterestPaid',
  z.strictObject({ ...ids, declarationId: id(), rateBasisPoints: z.number().int().min(0).max(10_000), periodFrom: date, periodTo: date, paidOn: date, declaredBy: id(), allocations: z.array(allocation) }),
);
/**
 * A patronage dividend: shared by participation in the period, never by shareholding. An interim
 * dividend is paid during a period and a final one after it; each period has at most one of each
 * kind, and nothing is declared for a period a final dividend has closed. Dividends recorded before
 * there were kinds read as final. Members who left in the period and were left out under the rules
 * are named, so no one is dropped unseen.
 */
export const DividendPaid = defineEvent(
  'coop.DividendPaid',
  z.strictObject({
    ...ids,
    declarationId: id(),
    kind: z.enum(['interim', 'final']).default('final'),
    pence: pence,
    basis: z.enum(['timebank-minutes', 'services-used-pence']),
    periodFrom: date,
    periodTo: date,
    paidOn: date,
    declaredBy: id(),
    allocations: z.array(allocation.extend({ participation: z.number().int().min(0).max(MAX_PENCE) })),
    leftOut: z.array(z.strictObject({ personId: id(), leftOn: date })).default([]),
  }),
);
export const IncomeReceived = defineEvent(
  'coop.IncomeReceived',
  z.strictObject({ ...ids, incomeId: id(), pence: pence, source: name(200), reference: name(140), receivedOn: date }),
);
/** A payment out of the co-op's funds that its members voted for; it points at their proposal. */
export const FundsSpent = defineEvent(
  'coop.FundsSpent',
  z.strictObject({ ...ids, proposalId: id(), paymentId: id(), pence: pence, payee: name(200), purpose: text(1000, { lines: true }), invoiceReference: name(140), paidOn: date }),
);

export const societyEventTypes = [
  CoopFounded,
  RulesChanged,
  SharesApplied,
  SharesIssued,
  ApplicationDeclined,
  WithdrawalRequested,
  WithdrawalPaid,
  WithdrawalsSuspended,
  WithdrawalsResumed,
  SharesTransferred,
  MembershipEnded,
  InterestPaid,
  DividendPaid,
  IncomeReceived,
  FundsSpent,
];
export type SocietyEvent =
  | DomainEvent<typeof CoopFounded>
  | DomainEvent<typeof RulesChanged>
  | DomainEvent<typeof SharesApplied>
  | DomainEvent<typeof SharesIssued>
  | DomainEvent<typeof ApplicationDeclined>
  | DomainEvent<typeof WithdrawalRequested>
  | DomainEvent<typeof WithdrawalPaid>
  | DomainEvent<typeof WithdrawalsSuspended>
  | DomainEvent<typeof WithdrawalsResumed>
  | DomainEvent<typeof SharesTransferred>
  | DomainEvent<typeof MembershipEnded>
  | DomainEvent<typeof InterestPaid>
  | DomainEvent<typeof DividendPaid>
  | DomainEvent<typeof IncomeReceived>
  | DomainEvent<typeof FundsSpent>;

export interface Member {
  personId: string;
  memberClass: string;
  status: 'member' | 'ended';
  admittedOn: string;
  endedOn: string | null;
  membershipSharePence: number;
  /** Withdrawable shares held, at par. */
  holdingPence: number;
  /** Each dated change to the holding, so that it can be told as at any day. */
  holdings: Array<{ on: string; pence: number }>;
  /** Asked for and not yet paid: still held, but no longer free to withdraw or transfer again. */
  withdrawingPence: number;
}

interface Withdrawal {
  personId: string;
  pence: number;
  paid: number;
  dueOn: string;
}

export type SocietyState =
  | { status: 'none' }
  | {
      status: 'founded';
      networkId: string;
      name: string;
      rules: CoopRules;
      members: Map<string, Member>;
      applications: Map<string, { personId: string; memberClass: string; pence: number; status: 'applied' | 'issued' | 'declined'; issuedOn?: string }>;
      withdrawals: Map<string, Withdrawal>;
      suspended: boolean;
      /** Money the co-op holds: share capital paid in and income, less what it has paid out. */
      fundsPence: number;
      /** Membership shares forfeit by members who left. */
      reservesPence: number;
      declarations: Set<string>;
      foundedOn: string;
      /** Each dividend's kind and period: a period is declared at most once of each kind. */
      dividends: Array<{ kind: 'interim' | 'final'; periodFrom: string; periodTo: string }>;
      /** The end of the last period a final dividend was declared for: the books up to it are closed. */
      booksClosedThrough: string | null;
      /** Proposals already paid out of the funds: each authorises one payment. */
      spentFor: Set<string>;
      /** Ids of the transfers and income recorded: each is recorded once, however often it is sent. */
      recorded: Set<string>;
      /** The last record date on the register: it is kept in date order, so no entry may be dated before it. Income and spending are not entries on it. */
      lastDate: string;
      /** The last day interest has been paid for: no day earns interest twice. */
      interestPaidThrough: string | null;
    };
export type Society = Extract<SocietyState, { status: 'founded' }>;

export const societyStream = (networkId: string) => `coop-${networkId}`;

type EventData<T extends SocietyEvent['type']> = Extract<SocietyEvent, { type: T }>['data'];

export function evolveSociety(state: SocietyState, event: SocietyEvent): SocietyState {
  if (event.type === 'coop.CoopFounded') return founded(event.data);
  if (state.status === 'none') return state;
  // A folded state belongs to the fold that made it: changed in place, so a long history folds in linear time.
  switch (event.type) {
    case 'coop.RulesChanged':
      return rulesChanged(state, event.data);
    case 'coop.SharesApplied':
      return sharesApplied(state, event.data);
    case 'coop.SharesIssued':
      return sharesIssued(state, event.data);
    case 'coop.ApplicationDeclined':
      return applicationDeclined(state, event.data);
    case 'coop.WithdrawalRequested':
      return withdrawalRequested(state, event.data);
    case 'coop.WithdrawalPaid':
      return withdrawalPaid(state, event.data);
    case 'coop.WithdrawalsSuspended':
      return suspension(state, true, event.data.on);
    case 'coop.WithdrawalsResumed':
      return suspension(state, false, event.data.on);
    case 'coop.SharesTransferred':
      return sharesTransferred(state, event.data);
    case 'coop.MembershipEnded':
      return membershipEnded(state, event.data);
    case 'coop.InterestPaid':
      state.interestPaidThrough = event.data.periodTo;
      // Interest is paid out of the funds as a dividend is.
      return declared(state, event.data);
    case 'coop.DividendPaid':
      return dividendPaid(state, event.data);
    case 'coop.IncomeReceived':
      return incomeReceived(state, event.data);
    case 'coop.FundsSpent':
      return fundsSpent(state, event.data);
    default:
      return unhandled(event);
  }
}

/** The compiler's proof that every event and command has its case: adding one without a case fails to build. */
function unhandled(value: never): never {
  throw new Error(`no case for ${(value as { type: string }).type}`);
}

function founded(d: EventData<'coop.CoopFounded'>): Society {
  return {
    status: 'founded', networkId: d.networkId, name: d.name, rules: d.rules, members: new Map(), applications: new Map(), withdrawals: new Map(), suspended: false,
    fundsPence: 0, reservesPence: 0, declarations: new Set(), foundedOn: d.foundedOn, dividends: [], booksClosedThrough: null, spentFor: new Set(), recorded: new Set(), lastDate: d.foundedOn, interestPaidThrough: null,
  };
}

/** The register runs in date order: the latest record date seen. */
function dated(s: Society, on: string): Society {
  if (on > s.lastDate) s.lastDate = on;
  return s;
}

const memberOf = (s: Society, personId: string) => s.members.get(personId)!;

function rulesChanged(s: Society, d: EventData<'coop.RulesChanged'>): Society {
  s.rules = d.rules;
  return dated(s, d.changedOn);
}

function sharesApplied(s: Society, d: EventData<'coop.SharesApplied'>): Society {
  s.applications.set(d.applicationId, { personId: d.personId, memberClass: d.memberClass, pence: d.pence, status: 'applied' });
  return s;
}

function sharesIssued(s: Society, d: EventData<'coop.SharesIssued'>): Society {
  Object.assign(s.applications.get(d.applicationId)!, { status: 'issued', issuedOn: d.issuedOn });
  const existing = s.members.get(d.personId);
  // Rejoining: shares still under notice from before stay on the register until they are paid.
  if (!existing || existing.status !== 'member') {
    const { holdingPence = 0, holdings = [], withdrawingPence = 0 } = existing ?? {};
    s.members.set(d.personId, { personId: d.personId, memberClass: d.memberClass, status: 'member', admittedOn: d.issuedOn, endedOn: null, membershipSharePence: d.membershipSharePence, holdingPence, holdings, withdrawingPence });
  }
  hold(memberOf(s, d.personId), d.issuedOn, d.pence);
  s.fundsPence += d.membershipSharePence + d.pence;
  return dated(s, d.issuedOn);
}

function applicationDeclined(s: Society, d: EventData<'coop.ApplicationDeclined'>): Society {
  s.applications.get(d.applicationId)!.status = 'declined';
  return s;
}

function withdrawalRequested(s: Society, d: EventData<'coop.WithdrawalRequested'>): Society {
  s.withdrawals.set(d.withdrawalId, { personId: d.personId, pence: d.pence, paid: 0, dueOn: d.dueOn });
  memberOf(s, d.personId).withdrawingPence += d.pence;
  return dated(s, d.requestedOn);
}

function withdrawalPaid(s: Society, d: EventData<'coop.WithdrawalPaid'>): Society {
  s.withdrawals.get(d.withdrawalId)!.paid += d.pence;
  const m = memberOf(s, d.personId);
  hold(m, d.paidOn, -d.pence);
  m.withdrawingPence -= d.pence;
  s.fundsPence -= d.pence;
  return dated(s, d.paidOn);
}

function suspension(s: Society, suspended: boolean, on: string): Society {
  s.suspended = suspended;
  return dated(s, on);
}

function sharesTransferred(s: Society, d: EventData<'coop.SharesTransferred'>): Society {
  s.recorded.add(d.transferId);
  hold(memberOf(s, d.fromPersonId), d.on, -d.pence);
  hold(memberOf(s, d.toPersonId), d.on, d.pence);
  return dated(s, d.on);
}

function membershipEnded(s: Society, d: EventData<'coop.MembershipEnded'>): Society {
  const m = memberOf(s, d.personId);
  m.status = 'ended';
  m.endedOn = d.on;
  m.membershipSharePence -= d.forfeitedPence;
  s.reservesPence += d.forfeitedPence;
  return dated(s, d.on);
}

function declared(s: Society, d: EventData<'coop.InterestPaid' | 'coop.DividendPaid'>): Society {
  s.declarations.add(d.declarationId);
  s.fundsPence -= d.allocations.reduce((sum, a) => sum + a.pence, 0);
  return dated(s, d.paidOn);
}

function dividendPaid(s: Society, d: EventData<'coop.DividendPaid'>): Society {
  s.dividends.push({ kind: d.kind, periodFrom: d.periodFrom, periodTo: d.periodTo });
  if (d.kind === 'final' && (s.booksClosedThrough === null || d.periodTo > s.booksClosedThrough)) s.booksClosedThrough = d.periodTo;
  return declared(s, d);
}

// Income and spending are dated by when they happened, in any open period: they are the society's
// accounts, not entries on the register, so they neither follow nor move the register's date order.
function incomeReceived(s: Society, d: EventData<'coop.IncomeReceived'>): Society {
  s.recorded.add(d.incomeId);
  s.fundsPence += d.pence;
  return s;
}

function fundsSpent(s: Society, d: EventData<'coop.FundsSpent'>): Society {
  s.spentFor.add(d.proposalId);
  s.fundsPence -= d.pence;
  return s;
}

function hold(member: Member, on: string, pence: number) {
  member.holdingPence += pence;
  if (pence !== 0) member.holdings.push({ on, pence });
}

/** What a member held in withdrawable shares at the end of a day. */
export const holdingOn = (member: Member, day: string) => member.holdings.reduce((sum, h) => (h.on <= day ? sum + h.pence : sum), 0);

/**
 * Interest's day count: actual/365. Each day of a period earns a 365th of the year's rate on what
 * was held at the end of that day (in a leap year too), so shares earn only for the days they were
 * held: shares bought the day before a period ends earn two days' interest, never the period's.
 */
export const INTEREST_DAYS_A_YEAR = 365;

/** The sum, over each day from `from` to `to` inclusive, of what the member held at the end of it: pence times days. */
export function penceDaysHeld(member: Member, from: string, to: string): bigint {
  let held = 0;
  let since = from;
  let total = 0n;
  // Movements are in date order: the register is kept so.
  for (const h of member.holdings) {
    if (h.on > to) break;
    if (h.on > since) {
      total += BigInt(held) * BigInt(daysBetween(since, h.on));
      since = h.on;
    }
    held += h.pence;
  }
  return total + BigInt(held) * BigInt(daysBetween(since, to) + 1);
}

/** A member's simple interest for a period at a yearly rate, actual/365, in whole pence rounded down. */
export const interestFor = (member: Member, from: string, to: string, rateBasisPoints: number) =>
  Number((penceDaysHeld(member, from, to) * BigInt(rateBasisPoints)) / BigInt(10_000 * INTEREST_DAYS_A_YEAR));

/** Members' share capital, membership shares included: owed to them, so not the co-op's to pay out as interest or dividend. */
const shareCapital = (society: Society) => [...society.members.values()].reduce((sum, m) => sum + m.membershipSharePence + m.holdingPence, 0);

export type SocietyCommand =
  | { type: 'FoundCoop'; networkId: string; name: string; rules: CoopRules; foundedOn: string; today: string }
  | { type: 'ChangeRules'; rules: CoopRules; reason: string; today: string }
  | { type: 'ApplyForShares'; applicationId: string; personId: string; memberClass: string; pence: number; today: string }
  | { type: 'IssueShares'; applicationId: string; issuedBy: string; issuedOn: string; today: string }
  | { type: 'DeclineApplication'; applicationId: string; declinedBy: string; reason: string }
  | { type: 'RequestWithdrawal'; withdrawalId: string; personId: string; pence: number; today: string }
  | { type: 'PayWithdrawal'; withdrawalId: string; pence: number; paidBy: string; today: string }
  | { type: 'SuspendWithdrawals'; reason: string; by: string; today: string }
  | { type: 'ResumeWithdrawals'; by: string; today: string }
  | { type: 'TransferShares'; transferId: string; fromPersonId: string; toPersonId: string; pence: number; reason: 'death' | 'nomination'; documentReference: string; on: string; recordedBy: string; today: string }
  | { type: 'EndMembership'; personId: string; reason: 'left' | 'died' | 'expelled'; on: string; recordedBy: string; today: string }
  | { type: 'PayInterest'; declarationId: string; rateBasisPoints: number; periodFrom: string; periodTo: string; declaredBy: string; today: string }
  | {
      type: 'PayDividend';
      declarationId: string;
      pence: number;
      basis: 'timebank-minutes' | 'services-used-pence';
      periodFrom: string;
      periodTo: string;
      /** Each member's participation in the period, gathered by the caller from the time bank or the services used. */
      participation: Array<{ personId: string; participation: number }>;
      /** An interim dividend during a period, or the final one for it. */
      kind: 'interim' | 'final';
      declaredBy: string;
      today: string;
    }
  | { type: 'ReceiveIncome'; incomeId: string; pence: number; source: string; reference: string; receivedOn: string; today: string }
  | { type: 'SpendFunds'; proposalId: string; paymentId: string; pence: number; payee: string; purpose: string; invoiceReference: string; paidOn: string; today: string };

export function assertFounded(state: SocietyState): asserts state is Society {
  if (state.status === 'none') throw new Rejection('coop-not-found', 'This network has no co-op yet.', 404);
}

/** A record date: not in the future, and not before what the register already holds, so the register stays in date order. */
function assertRecordDate(society: Society, on: string, today: string, field: string) {
  assertNotFuture(on, today, field);
  if (on < society.lastDate) throw new Rejection('date-before-register', `The register already runs to ${society.lastDate}; date this on or after it.`, 422, field);
}

const activeMember = (society: Society, personId: string, field: string): Member => {
  const m = society.members.get(personId);
  if (!m || m.status !== 'member') throw new Rejection('not-a-member', 'That person is not a member of the co-op.', 422, field);
  return m;
};

function assertClass(society: Society, name: string) {
  if (!society.rules.memberClasses.some((c) => c.name === name)) {
    throw new Rejection('unknown-member-class', `The co-op's classes are ${society.rules.memberClasses.map((c) => c.name).join(', ')}.`, 422, 'memberClass');
  }
}

function assertAffordable(society: Society, amount: number, what: string) {
  if (amount > society.fundsPence) throw new Rejection('not-enough-funds', `The co-op holds ${formatPence(society.fundsPence)}; ${what} is ${formatPence(amount)}.`, 409);
}

/** Interest and dividends are paid only when affordable: out of what the co-op holds beyond its members' share capital. */
function assertFromSurplus(society: Society, amount: number, what: string) {
  const surplus = society.fundsPence - shareCapital(society);
  if (amount > surplus) throw new Rejection('not-enough-surplus', `Beyond members' share capital the co-op holds ${formatPence(Math.max(0, surplus))}; ${what} is ${formatPence(amount)}.`, 409);
}

type CommandOf<T extends SocietyCommand['type']> = Extract<SocietyCommand, { type: T }>;

export function decideSociety(command: SocietyCommand, state: SocietyState): SocietyEvent[] {
  if (command.type === 'FoundCoop') return foundCoop(command, state);
  assertFounded(state);
  switch (command.type) {
    case 'ChangeRules':
      return changeRules(command, state);
    case 'ApplyForShares':
      return applyForShares(command, state);
    case 'IssueShares':
      return issueShares(command, state);
    case 'DeclineApplication':
      return declineApplication(command, state);
    case 'RequestWithdrawal':
      return requestWithdrawal(command, state);
    case 'PayWithdrawal':
      return payWithdrawal(command, state);
    case 'SuspendWithdrawals':
      return state.suspended ? [] : [{ type: 'coop.WithdrawalsSuspended', data: { networkId: state.networkId, reason: command.reason, on: command.today, by: command.by } }];
    case 'ResumeWithdrawals':
      return state.suspended ? [{ type: 'coop.WithdrawalsResumed', data: { networkId: state.networkId, on: command.today, by: command.by } }] : [];
    case 'TransferShares':
      return transferShares(command, state);
    case 'EndMembership':
      return endMembership(command, state);
    case 'PayInterest':
      return payInterest(command, state);
    case 'PayDividend':
      return payDividend(command, state);
    case 'ReceiveIncome':
      return receiveIncome(command, state);
    case 'SpendFunds':
      return spendFunds(command, state);
    default:
      return unhandled(command);
  }
}

function foundCoop(command: CommandOf<'FoundCoop'>, state: SocietyState): SocietyEvent[] {
  if (state.status !== 'none') throw new Rejection('coop-exists', 'This network already has a co-op.', 409);
  assertNotFuture(command.foundedOn, command.today, 'foundedOn');
  return [{ type: 'coop.CoopFounded', data: { networkId: command.networkId, name: command.name, rules: command.rules, foundedOn: command.foundedOn } }];
}

function changeRules(command: CommandOf<'ChangeRules'>, state: Society): SocietyEvent[] {
  const over = [...state.members.values()].find((m) => m.status === 'member' && m.holdingPence > command.rules.maxHoldingPence);
  if (over) throw new Rejection('holding-above-new-maximum', 'A member holds more than that maximum; it cannot be set below what is held.', 422, 'maxHoldingPence');
  const classesInUse = new Set([...state.members.values()].filter((m) => m.status === 'member').map((m) => m.memberClass));
  const missing = [...classesInUse].find((c) => !command.rules.memberClasses.some((k) => k.name === c));
  if (missing) throw new Rejection('member-class-in-use', `Members are in the class ${missing}; it cannot be taken away.`, 422, 'memberClasses');
  return [{ type: 'coop.RulesChanged', data: { networkId: state.networkId, rules: command.rules, reason: command.reason, changedOn: command.today } }];
}

function applyForShares(command: CommandOf<'ApplyForShares'>, state: Society): SocietyEvent[] {
  if (state.applications.has(command.applicationId)) return [];
  const m = state.members.get(command.personId);
  const isMember = m?.status === 'member';
  if (!isMember) assertClass(state, command.memberClass);
  if (!isMember && command.pence < state.rules.minHoldingPence) {
    throw new Rejection('below-minimum-holding', `A member holds at least ${formatPence(state.rules.minHoldingPence)} in shares besides the membership share.`, 422, 'pence');
  }
  if (isMember && command.pence === 0) throw new Rejection('nothing-applied-for', 'A member applies for more than nothing.', 422, 'pence');
  assertWithinCap(state, (m?.holdingPence ?? 0) + command.pence);
  const memberClass = isMember ? m!.memberClass : command.memberClass;
  return [{ type: 'coop.SharesApplied', data: { networkId: state.networkId, applicationId: command.applicationId, personId: command.personId, memberClass, pence: command.pence, appliedOn: command.today } }];
}

function issueShares(command: CommandOf<'IssueShares'>, state: Society): SocietyEvent[] {
  const application = state.applications.get(command.applicationId);
  if (!application) throw new Rejection('application-not-found', 'There is no such application.', 404);
  if (application.status === 'issued') {
    // Issued once: told again on the same date it is the same issue; on another, a conflict.
    if (application.issuedOn === undefined || application.issuedOn === command.issuedOn) return [];
    throw new Rejection('application-settled', `These shares were issued on ${application.issuedOn}.`, 409, 'issuedOn');
  }
  if (application.status === 'declined') throw new Rejection('application-declined', 'This application was declined.', 409);
  assertRecordDate(state, command.issuedOn, command.today, 'issuedOn');
  const m = state.members.get(application.personId);
  const isMember = m?.status === 'member';
  // The cap is checked again at issue: shares issued since the application count too.
  assertWithinCap(state, (m?.holdingPence ?? 0) + application.pence);
  const { personId, memberClass, pence: amount } = application;
  const membershipSharePence = isMember ? 0 : state.rules.membershipSharePence;
  return [{ type: 'coop.SharesIssued', data: { networkId: state.networkId, applicationId: command.applicationId, personId, memberClass, membershipSharePence, pence: amount, issuedOn: command.issuedOn, issuedBy: command.issuedBy } }];
}

function declineApplication(command: CommandOf<'DeclineApplication'>, state: Society): SocietyEvent[] {
  const application = state.applications.get(command.applicationId);
  if (!application) throw new Rejection('application-not-found', 'There is no such application.', 404);
  if (application.status !== 'applied') throw new Rejection('application-settled', `This application was already ${application.status}.`, 409);
  return [{ type: 'coop.ApplicationDeclined', data: { networkId: state.networkId, applicationId: command.applicationId, reason: command.reason, declinedBy: command.declinedBy } }];
}

function requestWithdrawal(command: CommandOf<'RequestWithdrawal'>, state: Society): SocietyEvent[] {
  if (state.withdrawals.has(command.withdrawalId)) return [];
  const m = activeMember(state, command.personId, 'personId');
  const free = m.holdingPence - m.withdrawingPence;
  if (command.pence > free) throw new Rejection('more-than-held', `You can withdraw up to ${formatPence(free)}.`, 422, 'pence');
  const left = free - command.pence;
  if (left > 0 && left < state.rules.minHoldingPence) {
    throw new Rejection('below-minimum-holding', `That would leave ${formatPence(left)}, below the minimum holding of ${formatPence(state.rules.minHoldingPence)}; withdraw it all, or less.`, 422, 'pence');
  }
  const dueOn = addDays(command.today, state.rules.withdrawalNoticeDays);
  return [{ type: 'coop.WithdrawalRequested', data: { networkId: state.networkId, withdrawalId: command.withdrawalId, personId: command.personId, pence: command.pence, requestedOn: command.today, dueOn } }];
}

function payWithdrawal(command: CommandOf<'PayWithdrawal'>, state: Society): SocietyEvent[] {
  const w = state.withdrawals.get(command.withdrawalId);
  if (!w) throw new Rejection('withdrawal-not-found', 'There is no such withdrawal.', 404);
  if (state.suspended) throw new Rejection('withdrawals-suspended', 'The board has suspended withdrawals.', 409);
  if (command.today < w.dueOn) throw new Rejection('notice-not-served', `The notice runs until ${w.dueOn}.`, 409);
  const owed = w.pence - w.paid;
  if (owed === 0) throw new Rejection('withdrawal-paid', 'This withdrawal is paid in full.', 409);
  if (command.pence > owed) throw new Rejection('more-than-owed', `${formatPence(owed)} of this withdrawal is still to pay.`, 422, 'pence');
  assertAffordable(state, command.pence, 'this payment');
  assertRecordDate(state, command.today, command.today, 'paidOn');
  return [{ type: 'coop.WithdrawalPaid', data: { networkId: state.networkId, withdrawalId: command.withdrawalId, personId: w.personId, pence: command.pence, paidOn: command.today, paidBy: command.paidBy } }];
}

function transferShares(command: CommandOf<'TransferShares'>, state: Society): SocietyEvent[] {
  if (state.recorded.has(command.transferId)) return [];
  const from = state.members.get(command.fromPersonId);
  if (!from) throw new Rejection('not-a-member', 'That person is not a member of the co-op.', 422, 'fromPersonId');
  if (command.fromPersonId === command.toPersonId) throw new Rejection('same-member', 'Shares are transferred to someone else.', 422, 'toPersonId');
  const to = activeMember(state, command.toPersonId, 'toPersonId');
  const free = from.holdingPence - from.withdrawingPence;
  if (command.pence > free) throw new Rejection('more-than-held', `${formatPence(free)} can be transferred.`, 422, 'pence');
  assertWithinCap(state, to.holdingPence + command.pence);
  assertRecordDate(state, command.on, command.today, 'on');
  const { transferId, fromPersonId, toPersonId, pence: amount, reason, documentReference, on, recordedBy } = command;
  return [{ type: 'coop.SharesTransferred', data: { networkId: state.networkId, transferId, fromPersonId, toPersonId, pence: amount, reason, documentReference, on, recordedBy } }];
}

function endMembership(command: CommandOf<'EndMembership'>, state: Society): SocietyEvent[] {
  const m = activeMember(state, command.personId, 'personId');
  if (m.holdingPence - m.withdrawingPence > 0) {
    throw new Rejection('shares-still-held', `${formatPence(m.holdingPence - m.withdrawingPence)} in withdrawable shares is still held: withdraw or transfer it first.`, 409);
  }
  assertRecordDate(state, command.on, command.today, 'on');
  return [{ type: 'coop.MembershipEnded', data: { networkId: state.networkId, personId: command.personId, reason: command.reason, forfeitedPence: m.membershipSharePence, on: command.on, recordedBy: command.recordedBy } }];
}

function payInterest(command: CommandOf<'PayInterest'>, state: Society): SocietyEvent[] {
  if (state.declarations.has(command.declarationId)) return [];
  if (command.rateBasisPoints > state.rules.interestCapBasisPoints) {
    throw new Rejection('above-interest-cap', `The rules allow at most ${state.rules.interestCapBasisPoints / 100}% a year.`, 422, 'rateBasisPoints');
  }
  assertPeriod(command.periodFrom, command.periodTo, command.today);
  if (state.interestPaidThrough !== null && command.periodFrom <= state.interestPaidThrough) {
    throw new Rejection('interest-already-paid', `Interest has been paid up to ${state.interestPaidThrough}; start the period after it.`, 422, 'periodFrom');
  }
  // Each member's shares earn for the days they were held in the period (actual/365): shares bought
  // late in it earn only for their days, and a member who has left since is still owed for theirs.
  const allocations = [...state.members.values()]
    .map((m) => ({ personId: m.personId, pence: interestFor(m, command.periodFrom, command.periodTo, command.rateBasisPoints) }))
    .filter((a) => a.pence > 0);
  assertFromSurplus(state, allocations.reduce((sum, a) => sum + a.pence, 0), 'the interest');
  const { declarationId, rateBasisPoints, periodFrom, periodTo, declaredBy } = command;
  return [{ type: 'coop.InterestPaid', data: { networkId: state.networkId, declarationId, rateBasisPoints, periodFrom, periodTo, paidOn: command.today, declaredBy, allocations } }];
}

function payDividend(command: CommandOf<'PayDividend'>, state: Society): SocietyEvent[] {
  if (state.declarations.has(command.declarationId)) return [];
  const { declarationId, kind, basis, periodFrom, periodTo, declaredBy } = command;
  assertPeriod(periodFrom, periodTo, command.today);
  assertNotDeclared(state, kind, periodFrom, periodTo);
  assertFromSurplus(state, command.pence, 'the dividend');
  if (new Set(command.participation.map((p) => p.personId)).size !== command.participation.length) {
    throw new Rejection('member-twice', 'Name each member once, with all their participation.', 422, 'participation');
  }
  // Everyone who was a member at some time in the period took part as one. A member who has left
  // shares on their part up to the day they left, unless the rules say leavers have none.
  const leaversPaid = (state.rules.leaversDividend ?? 'to-the-day-they-left') === 'to-the-day-they-left';
  const inPeriod = (m: Member | undefined): m is Member => m !== undefined && m.admittedOn <= periodTo && (m.endedOn === null || m.endedOn >= periodFrom);
  const taking = command.participation.filter((p) => p.participation > 0 && inPeriod(state.members.get(p.personId)));
  const left = (p: { personId: string }) => memberOf(state, p.personId).status === 'ended';
  const parts = leaversPaid ? taking : taking.filter((p) => !left(p));
  const leftOut = leaversPaid ? [] : taking.filter(left).map((p) => ({ personId: p.personId, leftOn: memberOf(state, p.personId).endedOn! }));
  if (parts.length === 0) throw new Rejection('no-participation', 'No member took part in that period, so there is nothing to share by.', 422, 'periodFrom');
  const shares = new Map(apportion(command.pence, parts.map((p) => ({ holderId: p.personId, pence: p.participation }))).map((s) => [s.holderId, s.pence]));
  const allocations = parts.map((p) => ({ personId: p.personId, participation: p.participation, pence: shares.get(p.personId) ?? 0 }));
  return [{ type: 'coop.DividendPaid', data: { networkId: state.networkId, declarationId, kind, pence: command.pence, basis, periodFrom, periodTo, paidOn: command.today, declaredBy, allocations, leftOut } }];
}

/**
 * A period is declared at most once of each kind: no two interim dividends, nor two final ones,
 * share a day. A final dividend may follow the interims of its period, and closes it: no interim after.
 */
function assertNotDeclared(society: Society, kind: 'interim' | 'final', from: string, to: string) {
  const clash = society.dividends.find((d) => d.periodFrom <= to && from <= d.periodTo && (d.kind === kind || d.kind === 'final'));
  if (clash) {
    throw new Rejection('period-already-declared', `A${clash.kind === 'interim' ? 'n interim' : ' final'} dividend was declared for ${clash.periodFrom} to ${clash.periodTo}; a period is declared once of each kind.`, 409, 'periodFrom');
  }
}

/**
 * Income and spending are dated by when they happened: not in the future, not before the co-op was
 * founded, and in a period still open (after the last one a final dividend was declared for).
 */
function assertOpenPeriod(society: Society, on: string, today: string, field: string) {
  assertNotFuture(on, today, field);
  if (on < society.foundedOn) throw new Rejection('date-before-founding', `The co-op was founded on ${society.foundedOn}.`, 422, field);
  if (society.booksClosedThrough !== null && on <= society.booksClosedThrough) {
    throw new Rejection('period-closed', `A final dividend has closed the books to ${society.booksClosedThrough}; date this after it.`, 422, field);
  }
}

function receiveIncome(command: CommandOf<'ReceiveIncome'>, state: Society): SocietyEvent[] {
  if (state.recorded.has(command.incomeId)) return [];
  assertOpenPeriod(state, command.receivedOn, command.today, 'receivedOn');
  return [{ type: 'coop.IncomeReceived', data: { networkId: state.networkId, incomeId: command.incomeId, pence: command.pence, source: command.source, reference: command.reference, receivedOn: command.receivedOn } }];
}

function spendFunds(command: CommandOf<'SpendFunds'>, state: Society): SocietyEvent[] {
  if (state.spentFor.has(command.proposalId)) throw new Rejection('proposal-already-paid', 'This proposal has authorised its one payment already.', 409);
  assertOpenPeriod(state, command.paidOn, command.today, 'paidOn');
  assertAffordable(state, command.pence, 'this payment');
  const { proposalId, paymentId, pence: amount, payee, purpose, invoiceReference, paidOn } = command;
  return [{ type: 'coop.FundsSpent', data: { networkId: state.networkId, proposalId, paymentId, pence: amount, payee, purpose, invoiceReference, paidOn } }];
}

function assertWithinCap(society: Society, holding: number) {
  if (holding > society.rules.maxHoldingPence) {
    throw new Rejection('above-maximum-holding', `No member may hold more than ${formatPence(society.rules.maxHoldingPence)} in withdrawable shares.`, 422, 'pence');
  }
}

function assertPeriod(from: string, to: string, today: string) {
  if (from > to) throw new Rejection('period-backwards', 'The period ends before it starts.', 422, 'periodTo');
  if (to >= today) throw new Rejection('period-not-over', 'A period is paid on once it is over.', 422, 'periodTo');
}

export const societyDecider: Decider<SocietyCommand, SocietyState, SocietyEvent> = {
  initialState: { status: 'none' },
  evolve: evolveSociety,
  decide: decideSociety,
};

/** A member's votes: their class's fixed weight, or one. */
export const voteWeight = (society: Society, member: Member) => society.rules.memberClasses.find((c) => c.name === member.memberClass)?.voteWeight ?? 1;
