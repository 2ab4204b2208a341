// What the voucher API answers, as the pages read it.
import type { VoucherValue } from '../vouchers/voucher.ts';

export interface Money {
  pence: number;
  pounds: string;
}

export interface Named {
  personId: string;
  name: string;
}

export type VoucherStatus = 'awaiting-payment' | 'held' | 'refunded' | 'expired';
export type AtExpiry = 'refund-to-giver' | 'learning-fund';

export interface Voucher {
  voucherId: string;
  giver: Named;
  learner: Named;
  value: VoucherValue;
  price: Money;
  occasion: string;
  message: string;
  boughtOn: string;
  expiresOn: string | null;
  atExpiry: AtExpiry;
  status: VoucherStatus;
  paidOn: string | null;
  left: Money;
  leftSessions: number | null;
  used: Money;
  sessionsUsed: number;
}

export interface VoucherWithUse extends Voucher {
  uses: Array<{ sessionId: string; date: string; startsAt: string | null; activity: string; mentor: Named; amount: Money; sessions: number }>;
  refunds: Array<{ refundedOn: string; amount: Money; reason: string }>;
  expiry: { expiredOn: string; amount: Money; sessions: number; disposition: AtExpiry } | null;
}

/** A voucher a mentor may redeem a session from. */
export interface Redeemable {
  voucherId: string;
  learner: Named;
  value: VoucherValue;
  left: Money;
  leftSessions: number | null;
  expiresOn: string | null;
}

export interface MentorSessions {
  mentorId: string;
  items: Array<{ sessionId: string; startsAt: string; activity: string; fee: Money; shares: Array<{ learner: Named; voucherId: string | null; amount: Money }> }>;
  totals: { sessions: number; fees: Money; fromVouchers: Money; fromContributions: Money };
}
