// A pool: part of several older people's personal budgets, held together by a Neighbourhood
// Network to buy what they need together. Money is integer pence. The pool's stream holds every
// movement of its money, so its balance, which must never go below zero, and each budget holder's
// figures are decided in one place however many approvals race.
//
// Each movement is an entry, dated. A closed period cannot change: nothing is dated inside it, and
// a mistake is put right by a correction, dated in the open period, that points at the entry it
// corrects.
import { z } from 'zod';
import { Rejection, type Decider } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { apportion, type Share } from './apportion.ts';
import { formatPence, pence, signedPence, wholePence } from '../units.ts';
import { id, isoDate, text, name, reasonText, refusalFields } from '../bounds.ts';
import { clearText, sealedText, type SealedText } from '../access/vault.ts';

const reference = name(140, { min: 0 });
/** A reference as typed: a receipt's and a claw-back's are sealed before they are recorded. */
export const referenceInput = reference;
const date = isoDate();
/**
 * How a pool's own expense is attributed: to no holder (the line of the pool's figures that is no
 * holder's bears it), equally across the holders with money in the pool, or in proportion to
 * their shares of the balance.
 */
export const expenseSharing = z.enum(['no-holder', 'equally', 'by-share']);
export type ExpenseSharing = z.infer<typeof expenseSharing>;

/** Who an amount was for: each budget holder's part of it. */
export const shares = z.array(z.strictObject({ holderId: id(), pence: signedPence }));

export const PoolOpened = defineEvent(
  'pools.PoolOpened',
  z.strictObject({
    poolId: id(),
    networkId: id(),
    name: name(120),
    /** Payments above this need two approvers; at or below it, one. */
    twoApproversAbovePence: wholePence,
  }),
);

/** Money in: a budget holder's committed contribution, or council or grant income. */
export const MoneyReceived = defineEvent(
  'pools.MoneyReceived',
  z.strictObject({
    poolId: id(),
    receiptId: id(),
    source: z.enum(['contribution', 'council', 'grant']),
    /** The budget holder whose Direct Payment it is, for a contribution. */
    holderId: id().nullable(),
    pence,
    /** Sealed under a key linked to the holder: a Direct Payment's reference often names them ("DP QUIXOTIC"). */
    reference: sealedText,
    receivedOn: date,
  }),
  // v1 carried the reference in the clear; it is read as it was recorded, never rewritten.
  { version: 2, upcast: { 1: (d: { reference: string }) => ({ ...d, reference: clearText(d.reference) }) } },
);

/** Money out to a provider, when a payment's last approval is given (or a co-op's vote authorised it): written with that approval. */
export const PaymentMade = defineEvent(
  'pools.PaymentMade',
  z.strictObject({
    poolId: id(),
    paymentId: id(),
    payee: name(200),
    purpose: text(500, { lines: true }),
    invoiceReference: name(140),
    pence,
    beneficiaries: shares,
    paidOn: date,
    /** A co-op's proposal that its members passed, when their vote authorised this payment. */
    proposalId: id().optional(),
    /**
     * A cost of the pool itself (insurance, room hire), not bought for a holder: its beneficiaries
     * are the holders it was shared across by the rule the treasurer chose, or none.
     */
    expense: z.strictObject({ sharedBy: expenseSharing }).optional(),
  }),
);

/**
 * The bank's own charge on the pool's account, recorded once the statement shows it. It is the
 * pool's cost, no holder's: a line of its own beside the holders' shares, so it needs no
 * beneficiary and no approval (the bank has taken it already).
 */
export const BankCharged = defineEvent(
  'pools.BankCharged',
  z.strictObject({ poolId: id(), chargeId: id(), pence, description: name(200), chargedOn: date }),
);

/** A provider gives back (part of) a payment; it is spent on each beneficiary's behalf no more. */
export const RefundReceived = defineEvent(
  'pools.RefundReceived',
  z.strictObject({ poolId: id(), refundId: id(), paymentId: id(), pence, shares, reference, receivedOn: date }),
);

/** Money moved between two pools of a network, once approved: both sides written together. */
export const TransferredOut = defineEvent('pools.TransferredOut', z.strictObject({ poolId: id(), transferId: id(), toPoolId: id(), pence, reference, transferredOn: date }));
export const TransferredIn = defineEvent('pools.TransferredIn', z.strictObject({ poolId: id(), transferId: id(), fromPoolId: id(), pence, reference, transferredOn: date }));
/**
 * Money a payment's completing approval was to take that the pool no longer could (its balance
 * spent, or the day's period closed, since the approval began): recorded under the id the money
 * out would have had, so that whoever carries the approval on finds the same answer.
 */
export const PaymentRefused = defineEvent(
  'pools.PaymentRefused',
  z.strictObject({ poolId: id(), paymentId: id(), pence, ...refusalFields }),
);

/**
 * An entry's amount put right: `pence` is the change to the entry's amount (negative when it was
 * recorded too high), `shares` the change to each budget holder's part of it.
 */
export const EntryCorrected = defineEvent(
  'pools.EntryCorrected',
  z.strictObject({ poolId: id(), correctionId: id(), corrects: id(), pence: signedPence, shares, reason: reasonText(), correctedOn: date }),
);

/** At a period's close: an unspent surplus given back to the community, as the Leeds pilot intended. */
export const SurplusReinvested = defineEvent('pools.SurplusReinvested', z.strictObject({ poolId: id(), entryId: id(), pence, purpose: z.string().trim().min(1).max(500), on: date }));
/** At a period's close: the council takes back a budget holder's unspent share. */
export const ClawedBack = defineEvent(
  'pools.ClawedBack',
  // The reference is sealed under a key linked to the holder, as a receipt's is.
  z.strictObject({ poolId: id(), entryId: id(), holderId: id(), pence, reference: sealedText, on: date }),
  { version: 2, upcast: { 1: (d: { reference: string }) => ({ ...d, reference: clearText(d.reference) }) } },
);

/**
 * The books to `periodEnd` are closed: nothing can be dated on or before it again. The digest is
 * over every event in the store up to `upToPosition`, so that a later change to any of them shows.
 */
export const PeriodClosed = defineEvent(
  'pools.PeriodClosed',
  z.strictObject({
    poolId: id(),
    periodEnd: date,
    closedBy: id(),
    closedOn: date,
    balancePence: z.number().int(),
    digest: z.strictObject({
      upToPosition: z.number().int().min(0),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      /** 2: the head of the chain of hashes writers keep, the same on every store; absent: over PostgreSQL's own chain. */
      version: z.literal(2).optional(),
    }),
  }),
);

export const poolEventTypes = [PoolOpened, MoneyReceived, PaymentMade, BankCharged, RefundReceived, TransferredOut, TransferredIn, EntryCorrected, SurplusReinvested, ClawedBack, PeriodClosed, PaymentRefused];
export type PoolEvent =
  | DomainEvent<typeof PoolOpened>
  | DomainEvent<typeof MoneyReceived>
  | DomainEvent<typeof PaymentMade>
  | DomainEvent<typeof BankCharged>
  | DomainEvent<typeof RefundReceived>
  | DomainEvent<typeof TransferredOut>
  | DomainEvent<typeof TransferredIn>
  | DomainEvent<typeof EntryCorrected>
  | DomainEvent<typeof SurplusReinvested>
  | DomainEvent<typeof ClawedBack>
  | DomainEvent<typeof PeriodClosed>
  | DomainEvent<typeof PaymentRefused>;

export type EntryKind = 'contribution' | 'council' | 'grant' | 'payment' | 'expense' | 'bank-charge' | 'refund' | 'transfer-out' | 'transfer-in' | 'reinvestment' | 'claw-back';
/** Whether an entry of this kind brings money in (+1) or takes it out (−1). */
export const direction = (kind: EntryKind): 1 | -1 => (['contribution', 'council', 'grant', 'refund', 'transfer-in'].includes(kind) ? 1 : -1);

/** An entry as it stands, corrections included. */
export interface Entry {
  kind: EntryKind;
  pence: number;
  on: string;
  /** Each budget holder's part: the contributor's, a payment's beneficiaries', a claw-back's holder. */
  shares: Share[];
  refunded: number;
  /** A payment's: each beneficiary's part of what has been refunded (refunds and their corrections). */
  refundedShares: Share[];
  /** A refund's: the payment it gives back. */
  refunds: string | null;
  /** What the bank statement is likely to show: an invoice number, a payer's reference. Sealed where it may name a holder. */
  reference: SealedText;
}

export interface HolderFigures {
  contributed: number;
  spent: number;
  clawedBack: number;
}

export type PoolState =
  | { status: 'none' }
  | {
      status: 'open';
      poolId: string;
      networkId: string;
      name: string;
      twoApproversAbovePence: number;
      /** The money now, whatever the dates of its movements. */
      balance: number;
      holders: Map<string, HolderFigures>;
      entries: Map<string, Entry>;
      /** The corrections recorded, so that the same one is recorded once. */
      corrections: Set<string>;
      movements: Movement[];
      /** The last day of the last closed period; nothing may be dated on or before it. */
      closedThrough: string | null;
      /** Co-op proposals this pool has paid: each authorises one payment. */
      proposalsPaid: Set<string>;
    };
export type OpenPool = Extract<PoolState, { status: 'open' }>;

type Receipt = Omit<z.infer<typeof MoneyReceived.schema>, 'poolId'>;
type Refund = Omit<z.infer<typeof RefundReceived.schema>, 'poolId' | 'shares'>;
type Correction = Omit<z.infer<typeof EntryCorrected.schema>, 'poolId' | 'shares'>;
type Charge = Omit<z.infer<typeof BankCharged.schema>, 'poolId'>;
export type PoolCommand =
  | { type: 'OpenPool'; poolId: string; networkId: string; name: string; twoApproversAbovePence: number }
  | ({ type: 'ReceiveMoney'; networkId: string; today: string } & Receipt)
  | ({ type: 'ReceiveRefund'; networkId: string; today: string } & Refund)
  | ({ type: 'CorrectEntry'; networkId: string; today: string } & Correction)
  | ({ type: 'RecordBankCharge'; networkId: string; today: string } & Charge)
  | {
      type: 'ClosePeriod';
      networkId: string;
      periodEnd: string;
      closedBy: string;
      today: string;
      reinvest: { entryId: string; pence: number; purpose: string } | null;
      clawBacks: Array<{ entryId: string; holderId: string; pence: number; reference: SealedText }>;
      digest: { upToPosition: number; sha256: string; version?: 2 };
    };

export const poolStream = (poolId: string) => `pool-${poolId}`;

const noFigures: HolderFigures = { contributed: 0, spent: 0, clawedBack: 0 };

/** The money of a pool: its balance and each holder's figures. */
export interface Money {
  balance: number;
  holders: Map<string, HolderFigures>;
}

/** One dated change to the money, kept so that the money can be stated as at any day. */
interface Movement {
  on: string;
  kind: EntryKind;
  pence: number;
  shares: Share[];
}

/** Moves the money by an entry (or a correction of one) of this kind: its shares go into `contributed`, `spent` or `clawedBack`. */
function move(money: Money, { kind, pence: p, shares: changes }: Movement): Money {
  const field = kind === 'contribution' ? 'contributed' : kind === 'claw-back' ? 'clawedBack' : kind === 'payment' || kind === 'expense' || kind === 'refund' ? 'spent' : null;
  // A refund gives back what was spent.
  const sign = kind === 'refund' ? -1 : 1;
  if (field) {
    for (const { holderId, pence: part } of changes) {
      const figures = money.holders.get(holderId) ?? noFigures;
      money.holders.set(holderId, { ...figures, [field]: figures[field] + sign * part });
    }
  }
  money.balance += direction(kind) * p;
  return money;
}

/** The pool's money as at the end of a day. */
export function moneyAsAt(pool: OpenPool, day: string): Money {
  return pool.movements.filter((m) => m.on <= day).reduce(move, { balance: 0, holders: new Map() });
}

/*
 * A folded state belongs to the fold that made it, so evolve adds to its maps and lists in place
 * rather than copying them: copying made folding a pool's history quadratic in its length.
 */
function withMovement(state: OpenPool, movement: Movement): OpenPool {
  move(state, movement);
  state.movements.push(movement);
  return state;
}

function withEntry(state: OpenPool, id: string, entry: Movement, reference: SealedText = clearText('')): OpenPool {
  withMovement(state, entry).entries.set(id, { ...entry, refunded: 0, refundedShares: [], refunds: null, reference });
  return state;
}

export function evolvePool(state: PoolState, event: PoolEvent): PoolState {
  if (event.type === 'pools.PoolOpened') return { status: 'open', ...event.data, balance: 0, entries: new Map(), corrections: new Set(), holders: new Map(), movements: [], closedThrough: null, proposalsPaid: new Set() };
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'pools.MoneyReceived': {
      const d = event.data;
      return withEntry(state, d.receiptId, { kind: d.source, pence: d.pence, on: d.receivedOn, shares: d.holderId ? [{ holderId: d.holderId, pence: d.pence }] : [] }, d.reference);
    }
    case 'pools.PaymentMade':
      if (event.data.proposalId) state.proposalsPaid.add(event.data.proposalId);
      return withEntry(state, event.data.paymentId, { kind: event.data.expense ? 'expense' : 'payment', pence: event.data.pence, on: event.data.paidOn, shares: event.data.beneficiaries }, clearText(event.data.invoiceReference));
    case 'pools.BankCharged':
      return withEntry(state, event.data.chargeId, { kind: 'bank-charge', pence: event.data.pence, on: event.data.chargedOn, shares: [] }, clearText(event.data.description));
    case 'pools.RefundReceived': {
      const d = event.data;
      const next = withEntry(state, d.refundId, { kind: 'refund', pence: d.pence, on: d.receivedOn, shares: d.shares }, clearText(d.reference));
      next.entries.set(d.refundId, { ...next.entries.get(d.refundId)!, refunds: d.paymentId });
      return withRefunded(next, d.paymentId, d.pence, d.shares);
    }
    case 'pools.TransferredOut':
      return withEntry(state, event.data.transferId, { kind: 'transfer-out', pence: event.data.pence, on: event.data.transferredOn, shares: [] }, clearText(event.data.reference));
    case 'pools.TransferredIn':
      return withEntry(state, event.data.transferId, { kind: 'transfer-in', pence: event.data.pence, on: event.data.transferredOn, shares: [] }, clearText(event.data.reference));
    case 'pools.SurplusReinvested':
      return withEntry(state, event.data.entryId, { kind: 'reinvestment', pence: event.data.pence, on: event.data.on, shares: [] });
    case 'pools.ClawedBack':
      return withEntry(state, event.data.entryId, { kind: 'claw-back', pence: event.data.pence, on: event.data.on, shares: [{ holderId: event.data.holderId, pence: event.data.pence }] }, event.data.reference);
    case 'pools.EntryCorrected': {
      const d = event.data;
      const corrected = state.entries.get(d.corrects)!;
      withMovement(state, { on: d.correctedOn, kind: corrected.kind, pence: d.pence, shares: d.shares });
      state.entries.set(d.corrects, { ...corrected, pence: corrected.pence + d.pence, shares: addShares(corrected.shares, d.shares) });
      state.corrections.add(d.correctionId);
      // A refund corrected is that much more (or less) of its payment given back.
      return corrected.refunds ? withRefunded(state, corrected.refunds, d.pence, d.shares) : state;
    }
    case 'pools.PeriodClosed':
      state.closedThrough = event.data.periodEnd;
      return state;
    case 'pools.PaymentRefused':
      return state;
  }
}

/** The payment's refunded amount and shares, moved by a refund or a correction of one. */
function withRefunded(state: OpenPool, paymentId: string, amount: number, shares: Share[]): OpenPool {
  const paid = state.entries.get(paymentId);
  if (!paid) return state;
  state.entries.set(paymentId, { ...paid, refunded: paid.refunded + amount, refundedShares: addShares(paid.refundedShares, shares) });
  return state;
}

/** What is left of a payment's shares once its refunds are taken off: what can still be given back or corrected. */
const unrefunded = (entry: Entry): Share[] => addShares(entry.shares, entry.refundedShares.map((s) => ({ holderId: s.holderId, pence: -s.pence })));

function addShares(a: Share[], b: Share[]): Share[] {
  const sum = new Map(a.map((s) => [s.holderId, s.pence]));
  for (const s of b) sum.set(s.holderId, (sum.get(s.holderId) ?? 0) + s.pence);
  return [...sum].map(([holderId, p]) => ({ holderId, pence: p }));
}

/**
 * Each budget holder's share of the balance: what they put in and has not been spent on them or
 * clawed back. When more is owed to holders than the pool holds (their money paid for others, as
 * pooling allows), the balance is shared in proportion to what each is owed.
 */
export function sharesOfBalance(pool: Money): Map<string, number> {
  const owed = [...pool.holders].map(([holderId, f]) => ({ holderId, pence: Math.max(0, f.contributed - f.spent - f.clawedBack) }));
  const total = owed.reduce((sum, o) => sum + o.pence, 0);
  if (total <= pool.balance) return new Map(owed.map((o) => [o.holderId, o.pence]));
  return new Map(apportion(pool.balance, owed).map((s) => [s.holderId, s.pence]));
}

/**
 * The line of the pool's figures that is no holder's: money no holder contributed (council and
 * grant income, transfers in) less the pool's own costs (bank charges, transfers out, surplus
 * reinvested), less what was spent on holders beyond what each put in. It is what the balance
 * holds beyond the holders' shares, so that the holders' shares plus this line are the balance,
 * to the penny. When the pool's costs and the spending beyond holders' own money are more than
 * the money no holder contributed, the line is nothing and the holders' shares bear the rest in
 * proportion (sharesOfBalance): `borneByHolders` says how much.
 */
export interface Unattributed {
  pence: number;
  /** Money no holder contributed, less the pool's own costs: the balance less every holder's unspent money. */
  netIncome: number;
  /** Spent on holders beyond what each put in: paid for from others' money. */
  beyondHolders: number;
  borneByHolders: number;
}

export function unattributedOf(money: Money): Unattributed {
  let unspent = 0;
  let beyondHolders = 0;
  for (const f of money.holders.values()) {
    const left = f.contributed - f.spent - f.clawedBack;
    unspent += left;
    beyondHolders += Math.max(0, -left);
  }
  const netIncome = money.balance - unspent;
  const left = netIncome - beyondHolders;
  // What the shares leave of the balance: max(0, left) whenever the balance is not below nothing
  // (a balance as at a past day can be, when a charge was dated before the money that covered it).
  const shared = [...sharesOfBalance(money).values()].reduce((a, b) => a + b, 0);
  return { pence: money.balance - shared, netIncome, beyondHolders, borneByHolders: Math.max(0, -left) };
}

/** Refuses a date on or before the last closed period's end, naming the field. */
export function assertOpenDate(pool: OpenPool, on: string, field: string): void {
  if (pool.closedThrough !== null && on <= pool.closedThrough) {
    throw new Rejection('date-in-closed-period', `The books are closed to ${pool.closedThrough}; date it after that, or record a correction in the open period.`, 422, field);
  }
}

function assertNotBefore(on: string, earliest: string, field: string, type: string, what: string): void {
  if (on < earliest) throw new Rejection(type, `${what}: ${earliest} or later.`, 422, field);
}

export function assertNotFuture(on: string, today: string, field: string): void {
  if (on > today) throw new Rejection('date-in-future', 'The date cannot be in the future.', 422, field);
}

export function assertOpen(state: PoolState, networkId?: string): asserts state is OpenPool {
  if (state.status === 'none' || (networkId !== undefined && state.networkId !== networkId)) throw new Rejection('pool-not-found', 'There is no such pool in this network.', 404);
}

function assertCovers(pool: OpenPool, out: number): void {
  if (out > pool.balance) throw new Rejection('not-enough-in-pool', `The pool holds ${formatPence(pool.balance)}; this needs ${formatPence(out)}.`, 409);
}

export const poolDecider: Decider<PoolCommand, PoolState, PoolEvent> = {
  initialState: { status: 'none' },
  evolve: evolvePool,

  decide(command, state) {
    if (command.type === 'OpenPool') {
      if (state.status !== 'none') throw new Rejection('pool-exists', 'This pool is already open.', 409);
      const { type: _, ...data } = command;
      return [{ type: 'pools.PoolOpened', data }];
    }
    assertOpen(state, command.networkId);
    switch (command.type) {
      case 'ReceiveMoney':
        return receive(state, command);
      case 'ReceiveRefund':
        return refund(state, command);
      case 'CorrectEntry':
        return correct(state, command);
      case 'RecordBankCharge':
        return charge(state, command);
      case 'ClosePeriod':
        return close(state, command);
    }
  },
};

function receive(pool: OpenPool, { type: _, today, networkId: __, ...receipt }: Extract<PoolCommand, { type: 'ReceiveMoney' }>): PoolEvent[] {
  if (pool.entries.has(receipt.receiptId)) return [];
  if ((receipt.source === 'contribution') !== (receipt.holderId !== null)) {
    throw new Rejection('holder-needed', 'A contribution names the budget holder whose Direct Payment it is, and only a contribution does.', 422, 'holderId');
  }
  assertNotFuture(receipt.receivedOn, today, 'receivedOn');
  assertOpenDate(pool, receipt.receivedOn, 'receivedOn');
  return [{ type: 'pools.MoneyReceived', data: { poolId: pool.poolId, ...receipt } }];
}

function charge(pool: OpenPool, { type: _, today, networkId: __, ...charge }: Extract<PoolCommand, { type: 'RecordBankCharge' }>): PoolEvent[] {
  if (pool.entries.has(charge.chargeId)) return [];
  assertNotFuture(charge.chargedOn, today, 'chargedOn');
  assertOpenDate(pool, charge.chargedOn, 'chargedOn');
  // The books never show less than nothing: a charge the pool cannot cover is money in not yet recorded.
  assertCovers(pool, charge.pence);
  return [{ type: 'pools.BankCharged', data: { poolId: pool.poolId, ...charge } }];
}

function refund(pool: OpenPool, { type: _, today, networkId: __, ...refund }: Extract<PoolCommand, { type: 'ReceiveRefund' }>): PoolEvent[] {
  if (pool.entries.has(refund.refundId)) return [];
  const paid = pool.entries.get(refund.paymentId);
  if (!paid || (paid.kind !== 'payment' && paid.kind !== 'expense')) throw new Rejection('payment-not-found', 'A refund gives back a payment this pool made; there is no such payment.', 404, 'paymentId');
  if (refund.pence > paid.pence - paid.refunded) {
    throw new Rejection('refund-too-large', `Only ${formatPence(paid.pence - paid.refunded)} of that payment is left to refund.`, 422, 'pence');
  }
  assertNotFuture(refund.receivedOn, today, 'receivedOn');
  assertOpenDate(pool, refund.receivedOn, 'receivedOn');
  assertNotBefore(refund.receivedOn, paid.on, 'receivedOn', 'refund-before-payment', 'A refund is dated on or after the payment it gives back');
  // Given back to the beneficiaries in proportion to what is still charged to each, so that, refunded
  // in pieces, no one is given back more than was spent on them.
  return [{ type: 'pools.RefundReceived', data: { poolId: pool.poolId, ...refund, shares: apportion(refund.pence, unrefunded(paid)) } }];
}

function correct(pool: OpenPool, { type: _, today, networkId: __, ...correction }: Extract<PoolCommand, { type: 'CorrectEntry' }>): PoolEvent[] {
  if (pool.corrections.has(correction.correctionId)) return [];
  const entry = pool.entries.get(correction.corrects);
  if (!entry) throw new Rejection('entry-not-found', 'There is no such entry in this pool to correct.', 404, 'corrects');
  if (correction.pence === 0) throw new Rejection('nothing-to-correct', 'A correction changes the amount: give how much it was over (negative) or under.', 422, 'pence');
  if (['transfer-out', 'transfer-in'].includes(entry.kind)) {
    throw new Rejection('transfer-not-correctable', 'A transfer is put right by another transfer, approved like the first.', 422, 'corrects');
  }
  if (direction(entry.kind) < 0 && correction.pence > 0) {
    throw new Rejection('correction-would-pay', 'Money leaves a pool only with approval: to pay more, submit a payment for the difference.', 422, 'pence');
  }
  if (entry.pence + correction.pence < entry.refunded) throw new Rejection('correction-too-large', `That would leave the entry at less than ${formatPence(entry.refunded)}.`, 422, 'pence');
  // A refund corrected up gives back more of its payment: no more than is left of it.
  const paid = entry.refunds ? pool.entries.get(entry.refunds) : undefined;
  if (paid && correction.pence > paid.pence - paid.refunded) {
    throw new Rejection('refund-too-large', `Only ${formatPence(paid.pence - paid.refunded)} of that payment is left to refund.`, 422, 'pence');
  }
  if (direction(entry.kind) * correction.pence < 0) assertCovers(pool, Math.abs(correction.pence));
  assertNotFuture(correction.correctedOn, today, 'correctedOn');
  assertOpenDate(pool, correction.correctedOn, 'correctedOn');
  assertNotBefore(correction.correctedOn, entry.on, 'correctedOn', 'correction-before-entry', 'A correction is dated on or after the entry it corrects');
  // Shared as a refund would be: a payment's by what is still charged to each beneficiary, a
  // refund corrected up by what is left of its payment, down by the refund's own shares.
  const parts = paid && correction.pence > 0 ? unrefunded(paid) : entry.kind === 'payment' || entry.kind === 'expense' ? unrefunded(entry) : entry.shares;
  return [{ type: 'pools.EntryCorrected', data: { poolId: pool.poolId, ...correction, shares: apportion(correction.pence, parts) } }];
}

function close(pool: OpenPool, command: Extract<PoolCommand, { type: 'ClosePeriod' }>): PoolEvent[] {
  const { periodEnd, today } = command;
  if (pool.closedThrough !== null && periodEnd <= pool.closedThrough) {
    throw new Rejection('period-already-closed', `The books are already closed to ${pool.closedThrough}.`, 409, 'periodEnd');
  }
  // A day's books close once the day is over, so that nothing paid today falls into a closed period.
  if (periodEnd >= today) throw new Rejection('period-not-over', 'A period can be closed once its last day is over.', 422, 'periodEnd');

  // Entries dated after the period's end are the next period's: shares are judged at its end.
  const atEnd = moneyAsAt(pool, periodEnd);
  const shares = sharesOfBalance(atEnd);
  const events: PoolEvent[] = [];
  let left = atEnd.balance;
  const seen = new Set<string>();
  command.clawBacks.forEach((c, i) => {
    if (seen.has(c.holderId)) throw new Rejection('holder-twice', 'Claw back each holder once.', 422, `clawBacks/${i}/holderId`);
    seen.add(c.holderId);
    if (!atEnd.holders.has(c.holderId)) throw new Rejection('unknown-holder', 'That person has no money in this pool.', 422, `clawBacks/${i}/holderId`);
    const share = shares.get(c.holderId) ?? 0;
    if (c.pence > share) throw new Rejection('claw-back-too-large', `That holder's unspent share is ${formatPence(share)}.`, 422, `clawBacks/${i}/pence`);
    left -= c.pence;
    events.push({ type: 'pools.ClawedBack', data: { poolId: pool.poolId, entryId: c.entryId, holderId: c.holderId, pence: c.pence, reference: c.reference, on: periodEnd } });
  });
  if (command.reinvest) {
    if (command.reinvest.pence > left) throw new Rejection('not-enough-in-pool', `After claw-backs the pool holds ${formatPence(left)} to reinvest.`, 422, 'reinvest/pence');
    left -= command.reinvest.pence;
    events.push({ type: 'pools.SurplusReinvested', data: { poolId: pool.poolId, entryId: command.reinvest.entryId, pence: command.reinvest.pence, purpose: command.reinvest.purpose, on: periodEnd } });
  }
  // Nor may they take out what later entries have spent already.
  assertCovers(pool, atEnd.balance - left);
  events.push({ type: 'pools.PeriodClosed', data: { poolId: pool.poolId, periodEnd, closedBy: command.closedBy, closedOn: today, balancePence: left, digest: command.digest } });
  return events;
}

/** Pence as a plain decimal number of pounds, for spreadsheets: -1234.05. */
export const pounds = (amount: number): string => `${amount < 0 ? '-' : ''}${Math.floor(Math.abs(amount) / 100)}.${String(Math.abs(amount) % 100).padStart(2, '0')}`;

