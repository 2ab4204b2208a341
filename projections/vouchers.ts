// Learning vouchers as the people around them see them: each voucher and what is left of it, the
// sessions mentors delivered and who paid for them, and every redemption, refund and expiry,
// dated. Everything here comes from the events alone (the message stays sealed), so a rebuild
// makes exactly these rows.
import { sql } from 'kysely';
import type { Db } from '../src/db/database.ts';
import type { Projection } from '../src/projections/engine.ts';
import type { RecordedEvent } from '../src/eventstore/port.ts';
import { domainEvents } from '../src/eventstore/events.ts';
import { priceOf, voucherEventTypes, type VoucherEvent } from '../src/vouchers/voucher.ts';
import { sessionEventTypes, type SessionEvent } from '../src/vouchers/session.ts';
import { fundEventTypes, type FundEvent } from '../src/vouchers/fund.ts';

async function applyVoucher(db: Db, event: RecordedEvent, e: VoucherEvent): Promise<void> {
  switch (e.type) {
    case 'vouchers.VoucherBought': {
      const d = e.data;
      const v = d.value;
      await db
        .insertInto('vouchers')
        .values({
          voucher_id: d.voucherId, network_id: d.networkId, giver_id: d.giverId, learner_id: d.learnerId, value_kind: v.kind,
          activity: v.kind === 'sessions' ? v.activity : null, sessions: v.kind === 'sessions' ? v.sessions : null, pence_per_session: v.kind === 'sessions' ? v.pencePerSession : null,
          price_pence: priceOf(v), occasion: d.occasion, message: d.message, bought_on: d.boughtOn, expires_on: d.expiresOn, at_expiry: d.atExpiry,
          status: 'awaiting-payment', left_pence: 0, left_sessions: v.kind === 'sessions' ? v.sessions : null, paid_on: null, paid_pence: null, payment_reference: null, paid_through_pool_id: null,
        })
        .execute();
      return;
    }
    case 'vouchers.VoucherPaid':
      await db
        .updateTable('vouchers')
        .set({ status: 'held', left_pence: e.data.pence, paid_on: e.data.receivedOn, paid_pence: e.data.pence, payment_reference: e.data.reference, paid_through_pool_id: e.data.accountPoolId ?? null })
        .where('voucher_id', '=', e.data.voucherId)
        .execute();
      return;
    case 'vouchers.VoucherRedeemed': {
      const d = e.data;
      await db
        .insertInto('voucher_redemptions')
        .values({ voucher_id: d.voucherId, session_id: d.sessionId, network_id: d.networkId, mentor_id: d.mentorId, activity: d.activity, delivered_on: d.deliveredOn, pence: d.pence, sessions: d.sessions })
        .execute();
      await db
        .updateTable('vouchers')
        .set({ left_pence: sql`left_pence - ${d.pence}`, left_sessions: sql`left_sessions - ${d.sessions}` })
        .where('voucher_id', '=', d.voucherId)
        .execute();
      return;
    }
    case 'vouchers.RedemptionReturned': {
      // The session it paid for was not redeemed: the draw is as if it had never been.
      const d = e.data;
      await db.deleteFrom('voucher_redemptions').where('voucher_id', '=', d.voucherId).where('session_id', '=', d.sessionId).execute();
      await db
        .updateTable('vouchers')
        .set({ left_pence: sql`left_pence + ${d.pence}`, left_sessions: sql`left_sessions + ${d.sessions}` })
        .where('voucher_id', '=', d.voucherId)
        .execute();
      return;
    }
    case 'vouchers.VoucherRefunded': {
      const d = e.data;
      await db
        .insertInto('voucher_refunds')
        .values({ voucher_id: d.voucherId, position: event.position, network_id: d.networkId, refunded_on: d.refundedOn, pence: d.pence, reason: d.reason, recorded_by: d.recordedBy })
        .execute();
      // Refunded in full, nothing is left to use: no sessions either.
      await db
        .updateTable('vouchers')
        .set({
          left_pence: sql`left_pence - ${d.pence}`,
          status: sql`CASE WHEN left_pence = ${d.pence} THEN 'refunded' ELSE status END`,
          left_sessions: sql`CASE WHEN left_pence = ${d.pence} AND left_sessions IS NOT NULL THEN 0 ELSE left_sessions END`,
        })
        .where('voucher_id', '=', d.voucherId)
        .execute();
      return;
    }
    case 'vouchers.VoucherPaidOut': {
      const d = e.data;
      await db
        .insertInto('voucher_payouts')
        .values({ payout_id: d.payoutId, voucher_id: d.voucherId, position: event.position, network_id: d.networkId, account_pool_id: d.accountPoolId, paid_on: d.paidOn, pence: d.pence, method: d.method, reference: d.reference, recorded_by: d.recordedBy })
        .execute();
      return;
    }
    case 'vouchers.VoucherExpired': {
      const d = e.data;
      await db.insertInto('voucher_expiries').values({ voucher_id: d.voucherId, network_id: d.networkId, expired_on: d.expiredOn, pence: d.pence, sessions: d.sessions, disposition: d.disposition }).execute();
      await db
        .updateTable('vouchers')
        .set({ status: 'expired', left_pence: 0, left_sessions: sql`CASE WHEN left_sessions IS NULL THEN NULL ELSE 0 END` })
        .where('voucher_id', '=', d.voucherId)
        .execute();
      return;
    }
  }
}

/** A session redeemed, and those being redeemed, for the sweeper. */
async function applySession(db: Db, e: SessionEvent, position: number): Promise<void> {
  if (e.type === 'vouchers.SessionRedemptionStarted') {
    await db.insertInto('voucher_sessions_in_flight').values({ session_id: e.data.sessionId, position }).onConflict((oc) => oc.column('session_id').doNothing()).execute();
    return;
  }
  await db.deleteFrom('voucher_sessions_in_flight').where('session_id', '=', e.data.sessionId).execute();
  if (e.type === 'vouchers.SessionRedemptionRefused') return;
  const d = e.data;
  await db
    .insertInto('learning_sessions')
    .values({ session_id: d.sessionId, network_id: d.networkId, mentor_id: d.mentorId, activity: d.activity, starts_at: d.startsAt, fee_pence: d.feePence, shares: JSON.stringify(d.shares), recorded_by: d.recordedBy })
    .execute();
}

/** A payment out of the learning fund: asked for, then paid or rejected. */
async function applyFund(db: Db, e: FundEvent): Promise<void> {
  switch (e.type) {
    case 'vouchers.FundPaymentRequested': {
      const d = e.data;
      await db
        .insertInto('learning_fund_payments')
        .values({ payment_id: d.paymentId, network_id: d.networkId, pence: d.pence, payee: d.payee, purpose: d.purpose, submitted_by: d.requestedBy, submitted_on: d.requestedOn, status: 'requested', account_pool_id: d.accountPoolId, approved_by: null, paid_on: null, rejection_reason: null })
        .execute();
      return;
    }
    case 'vouchers.FundPaymentApproved':
      await db.updateTable('learning_fund_payments').set({ status: 'paid', approved_by: e.data.approvedBy, paid_on: e.data.paidOn }).where('payment_id', '=', e.data.paymentId).execute();
      return;
    case 'vouchers.FundPaymentRejected':
      await db.updateTable('learning_fund_payments').set({ status: 'rejected', rejection_reason: e.data.reason }).where('payment_id', '=', e.data.paymentId).execute();
      return;
  }
}

const sessionTypes = new Set<string>(sessionEventTypes.map((t) => t.type));
const isSession = (e: VoucherEvent | SessionEvent | FundEvent): e is SessionEvent => sessionTypes.has(e.type);
const isFund = (e: VoucherEvent | SessionEvent | FundEvent): e is FundEvent => e.type.startsWith('vouchers.FundPayment');

export const vouchersProjection: Projection = {
  name: 'vouchers',
  tables: ['vouchers', 'learning_sessions', 'voucher_redemptions', 'voucher_refunds', 'voucher_expiries', 'voucher_payouts', 'learning_fund_payments', 'voucher_sessions_in_flight'],
  handles: [...voucherEventTypes, ...sessionEventTypes, ...fundEventTypes].map((t) => t.type),
  async apply(db, event) {
    const e = domainEvents<VoucherEvent | SessionEvent | FundEvent>([event])[0]!;
    if (isFund(e)) return applyFund(db, e);
    return isSession(e) ? applySession(db, e, event.position) : applyVoucher(db, event, e);
  },
};
