// A network's learning fund: what vouchers left to it at expiry, spent only by a payment someone
// asks for with a payee and a purpose and someone else approves. The payments live in the fund's
// own stream, so racing approvals are decided one after another and never spend more than the
// fund holds; what came in is read from the vouchers' expiries, which only ever add to it.
import { z } from 'zod';
import { Rejection, type Decider } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { formatPence, pence } from '../units.ts';
import { id, isoDate, name, reasonText } from '../bounds.ts';

const ids = { paymentId: id(), networkId: id() };
export const FundPaymentRequested = defineEvent(
  'vouchers.FundPaymentRequested',
  z.strictObject({
    ...ids, pence: pence, payee: name(120), purpose: reasonText(), requestedBy: id(), requestedOn: isoDate(),
    /** The pool whose bank account pays it, to appear in its bank reconciliation; null for none Hearth keeps. */
    accountPoolId: id().nullable(),
  }),
);
/** Approved, and so paid: the fund holds that much less from the day it was paid. */
export const FundPaymentApproved = defineEvent('vouchers.FundPaymentApproved', z.strictObject({ ...ids, approvedBy: id(), paidOn: isoDate() }));
export const FundPaymentRejected = defineEvent('vouchers.FundPaymentRejected', z.strictObject({ ...ids, rejectedBy: id(), reason: reasonText() }));

export const fundEventTypes = [FundPaymentRequested, FundPaymentApproved, FundPaymentRejected];
export type FundEvent = DomainEvent<typeof FundPaymentRequested> | DomainEvent<typeof FundPaymentApproved> | DomainEvent<typeof FundPaymentRejected>;

export const fundStream = (networkId: string) => `learning-fund-${networkId}`;

export interface FundPayment {
  pence: number;
  requestedBy: string;
  status: 'requested' | 'paid' | 'rejected';
}
export interface FundState {
  payments: Map<string, FundPayment>;
  /** Paid out of the fund so far. */
  spent: number;
}

export function evolveFund(state: FundState, event: FundEvent): FundState {
  const payments = new Map(state.payments);
  switch (event.type) {
    case 'vouchers.FundPaymentRequested':
      payments.set(event.data.paymentId, { pence: event.data.pence, requestedBy: event.data.requestedBy, status: 'requested' });
      return { payments, spent: state.spent };
    case 'vouchers.FundPaymentApproved': {
      const p = payments.get(event.data.paymentId)!;
      payments.set(event.data.paymentId, { ...p, status: 'paid' });
      return { payments, spent: state.spent + p.pence };
    }
    case 'vouchers.FundPaymentRejected':
      payments.set(event.data.paymentId, { ...payments.get(event.data.paymentId)!, status: 'rejected' });
      return { payments, spent: state.spent };
  }
}

export type FundCommand =
  | { type: 'RequestPayment'; paymentId: string; networkId: string; pence: number; payee: string; purpose: string; requestedBy: string; today: string; accountPoolId: string | null }
  /** `received`: what vouchers had left to the fund by today, from their expiries. */
  | { type: 'ApprovePayment'; paymentId: string; networkId: string; approvedBy: string; received: number; today: string }
  | { type: 'RejectPayment'; paymentId: string; networkId: string; rejectedBy: string; reason: string };

function requested(state: FundState, paymentId: string): FundPayment {
  const payment = state.payments.get(paymentId);
  if (!payment) throw new Rejection('fund-payment-not-found', 'There is no such payment from the learning fund.', 404);
  return payment;
}

export function decideFund(command: FundCommand, state: FundState): FundEvent[] {
  switch (command.type) {
    case 'RequestPayment': {
      if (state.payments.has(command.paymentId)) return [];
      const { paymentId, networkId, pence, payee, purpose, requestedBy, today, accountPoolId } = command;
      return [{ type: 'vouchers.FundPaymentRequested', data: { paymentId, networkId, pence, payee, purpose, requestedBy, requestedOn: today, accountPoolId } }];
    }
    case 'ApprovePayment': {
      const payment = requested(state, command.paymentId);
      if (payment.status === 'paid') return [];
      if (payment.status === 'rejected') throw new Rejection('fund-payment-settled', 'This payment was rejected.', 409);
      // Two people for every penny out of the fund: whoever asked for it never approves it.
      if (payment.requestedBy === command.approvedBy) throw new Rejection('own-fund-payment', 'You asked for this payment: someone else approves it.', 403);
      const holds = command.received - state.spent;
      if (payment.pence > holds) throw new Rejection('more-than-the-fund-holds', `The learning fund holds ${formatPence(holds)}.`, 409, 'pence');
      return [{ type: 'vouchers.FundPaymentApproved', data: { paymentId: command.paymentId, networkId: command.networkId, approvedBy: command.approvedBy, paidOn: command.today } }];
    }
    case 'RejectPayment': {
      const payment = requested(state, command.paymentId);
      if (payment.status === 'rejected') return [];
      if (payment.status === 'paid') throw new Rejection('fund-payment-settled', 'This payment has been paid.', 409);
      return [{ type: 'vouchers.FundPaymentRejected', data: { paymentId: command.paymentId, networkId: command.networkId, rejectedBy: command.rejectedBy, reason: command.reason } }];
    }
  }
}

export const fundDecider: Decider<FundCommand, FundState, FundEvent> = {
  initialState: { payments: new Map(), spent: 0 },
  evolve: evolveFund,
  decide: decideFund,
};
