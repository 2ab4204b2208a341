// The voucher books a council's auditor would sign, at the application level on PGlite with a clock
// the test moves: money paid back to a giver, for a refund on request and at expiry, recorded with
// its method, reference and day; and the learning fund spent only by an approved payment with a
// purpose, never by whoever asked for it, never beyond what it holds. Every figure worked out here.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { openHearth } from '../src/hearth.ts';
import { fixedClock } from '../src/clock.ts';
import type { Role } from '../src/access/membership.ts';
import {
  approveFundPayment, expireDue, fundPayments, giveVoucher, learningFund, liability, recordPayment, recordPayout, redeem, refundVoucher, rejectFundPayment, requestFundPayment, setPolicy, voucherFor,
} from '../src/vouchers/app.ts';
import { importBankStatement, openPool, readReconciliation } from '../src/pools/app.ts';
import { freshPglite } from './support/db.ts';
import { caughtUp as caughtUpAll, quietLog, testConfig } from './support/hearth.ts';
import { callerFor, enrol } from './support/timebank.ts';
import { refusalAt as refusal } from './support/given.ts';

const clock = fixedClock('2026-03-10T12:00:00.000Z');
const hearth = await openHearth(testConfig({ PROJECTION_POLL_MS: '20', READ_WAIT_MS: '5000' }), quietLog, { database: await freshPglite(), clock });
await hearth.engine.start();
t.teardown(() => hearth.close());

const networkId = randomUUID();
const member = (...roles: Role[]) => enrol(hearth, networkId, randomUUID(), roles);
const caughtUp = async () => {
  if (!(await caughtUpAll(hearth, 10_000))) throw new Error('the projections did not catch up');
};
const on = (day: string) => clock.set(`${day}T12:00:00.000Z`);

const [coordinator, treasurer, board, mentor, giver, learner] = [await member('coordinator'), await member('treasurer'), await member('board'), await member('mentor'), await member('family'), await member('member')];

/** A voucher of an amount the giver gave the learner today, paid for today, under the policy of today. */
async function paidVoucher(pence: number, atExpiry: 'refund-to-giver' | 'learning-fund') {
  await setPolicy(hearth, callerFor(coordinator), { networkId, policy: { expiryMonths: 1, atExpiry } });
  const { voucherId } = await giveVoucher(hearth, callerFor(giver), { networkId, learnerId: learner, value: { kind: 'amount', pence }, occasion: 'Birthday', message: '' });
  await recordPayment(hearth, callerFor(treasurer), { networkId, voucherId, pence, reference: 'BACS', receivedOn: clock.now().toISOString().slice(0, 10) });
  return voucherId;
}

// On 10 March: A, £60.00, back to the giver at expiry; B, £40.00, to the learning fund.
const a = await paidVoucher(6_000, 'refund-to-giver');
const b = await paidVoucher(4_000, 'learning-fund');

t.test('a refund on request and an expiry back to the giver are paid out, each recorded with how, its reference and its day', async (t) => {
  await redeem(hearth, callerFor(mentor), { networkId, startsAt: '2026-03-10T10:00:00.000Z', activity: 'Watercolours', feePence: null, shares: [{ learnerId: learner, voucherId: a, pence: 2_000 }] });
  await refundVoucher(hearth, callerFor(treasurer), { networkId, voucherId: a, pence: 1_500, reason: 'Asked for part back' });
  // A: £60 − £20 used − £15 refunded = £25 left; £15 owed to the giver.
  const payout = (pence: number, method: 'bank-transfer' | 'cheque' | 'cash', reference: string, paidOn: string) => recordPayout(hearth, callerFor(treasurer), { networkId, voucherId: a, pence, method, reference, paidOn });
  t.equal(await refusal(payout(1_501, 'bank-transfer', 'REFUND A', '2026-03-10')), 'more-than-owed-to-giver at pence', 'never more than the refund owes');
  t.equal(await refusal(payout(1_500, 'bank-transfer', 'REFUND A', '2026-03-11')), 'date-in-future at paidOn');
  t.equal(await refusal(recordPayout(hearth, callerFor(treasurer), { networkId, voucherId: b, pence: 100, method: 'cash', reference: 'x', paidOn: '2026-03-10' })), 'nothing-owed', 'B owes its giver nothing');

  on('2026-03-11');
  await payout(1_500, 'bank-transfer', 'REFUND A', '2026-03-11');
  t.equal(await refusal(payout(1, 'cash', 'again', '2026-03-11')), 'nothing-owed', 'paid in full');

  // A's last day is 10 April: on the 11th what is left, £25, goes back to the giver; B's £40 to the fund.
  on('2026-04-11');
  await caughtUp();
  const expired = await expireDue(hearth, callerFor(treasurer), { networkId });
  t.same(expired.expired.map((x) => [x.voucherId, x.pence, x.disposition]).sort(), [[a, 2_500, 'refund-to-giver'], [b, 4_000, 'learning-fund']].sort());
  on('2026-04-14');
  await payout(2_500, 'cheque', 'CHQ 000123', '2026-04-13');

  await caughtUp();
  const shown = await voucherFor(hearth, callerFor(giver), { networkId, voucherId: a });
  t.same(shown.payouts, [
    { paidOn: '2026-03-11', pence: 1_500, method: 'bank-transfer', reference: 'REFUND A' },
    { paidOn: '2026-04-13', pence: 2_500, method: 'cheque', reference: 'CHQ 000123' },
  ], 'the giver sees each payment back to them');
  const books = async (asAt: string) => {
    const r = await liability(hearth, callerFor(treasurer), { networkId, asAt });
    return { paidOut: r.paidOutToGivers, owed: r.owedToGivers, toGiver: r.expiredToGiver, refunded: r.totals.refunded };
  };
  t.same(await books('2026-03-10'), { paidOut: 0, owed: 1_500, toGiver: 0, refunded: 1_500 }, 'the refund owed, not yet paid');
  t.same(await books('2026-04-11'), { paidOut: 1_500, owed: 2_500, toGiver: 2_500, refunded: 1_500 }, 'the expiry owed, not yet paid');
  t.same(await books('2026-04-13'), { paidOut: 4_000, owed: 0, toGiver: 2_500, refunded: 1_500 }, '£15 + £25 paid back: nothing owed');
});

t.test('the learning fund is spent by an approved payment with a purpose, and shows its balance', async (t) => {
  on('2026-04-14');
  await caughtUp();
  t.same(await learningFund(hearth, callerFor(treasurer), { networkId }), { asAt: '2026-04-14', received: 4_000, spent: 0, balance: 4_000 }, "B's £40 came in at expiry");
  t.same((await fundPayments(hearth, callerFor(treasurer), { networkId, page: { limit: 10 } })).items, [], 'none asked for yet');

  const tooMuch = await requestFundPayment(hearth, callerFor(treasurer), { networkId, pence: 5_000, payee: 'Leeds Libraries', purpose: 'Tablets for the computer class' });
  t.equal(await refusal(approveFundPayment(hearth, callerFor(treasurer), { networkId, paymentId: tooMuch.paymentId })), 'own-fund-payment', 'whoever asked never approves');
  t.equal(await refusal(approveFundPayment(hearth, callerFor(board), { networkId, paymentId: tooMuch.paymentId })), 'more-than-the-fund-holds at pence', '£50 from £40');
  await rejectFundPayment(hearth, callerFor(board), { networkId, paymentId: tooMuch.paymentId, reason: 'More than the fund holds' });

  const tablets = await requestFundPayment(hearth, callerFor(coordinator), { networkId, pence: 3_000, payee: 'Leeds Libraries', purpose: 'Two tablets for the computer class' });
  t.equal(await refusal(approveFundPayment(hearth, callerFor(treasurer), { networkId, paymentId: randomUUID() })), 'fund-payment-not-found');
  await approveFundPayment(hearth, callerFor(treasurer), { networkId, paymentId: tablets.paymentId });
  t.equal(await refusal(approveFundPayment(hearth, callerFor(board), { networkId, paymentId: tablets.paymentId })), 'allowed', 'approved once: a second approval changes nothing');
  t.equal(await refusal(rejectFundPayment(hearth, callerFor(board), { networkId, paymentId: tablets.paymentId, reason: 'late' })), 'fund-payment-settled');
  const more = await requestFundPayment(hearth, callerFor(coordinator), { networkId, pence: 1_001, payee: 'Art shop', purpose: 'Paints' });
  t.equal(await refusal(approveFundPayment(hearth, callerFor(board), { networkId, paymentId: more.paymentId })), 'more-than-the-fund-holds at pence', '£10.01 from the £10 left');

  await caughtUp();
  const fund = await learningFund(hearth, callerFor(board), { networkId });
  t.match(fund, { received: 4_000, spent: 3_000, balance: 1_000 }, '£40 − £30');
  t.same(
    (await fundPayments(hearth, callerFor(board), { networkId, page: { limit: 10 } })).items.map((p) => [p.payee, p.purpose, p.pence, p.status, p.requestedBy.personId, p.approvedBy?.personId ?? null, p.paidOn]).sort(),
    [
      ['Art shop', 'Paints', 1_001, 'requested', coordinator, null, null],
      ['Leeds Libraries', 'Tablets for the computer class', 5_000, 'rejected', treasurer, null, null],
      ['Leeds Libraries', 'Two tablets for the computer class', 3_000, 'paid', coordinator, treasurer, '2026-04-14'],
    ].sort(),
  );
  const r = await liability(hearth, callerFor(treasurer), { networkId, asAt: '2026-04-14' });
  t.same([r.expiredToLearningFund, r.learningFundSpent, r.learningFund], [4_000, 3_000, 1_000], 'the liability report shows the same fund');
  t.equal((await liability(hearth, callerFor(treasurer), { networkId, asAt: '2026-04-13' })).learningFund, 4_000, 'the day before the payment');
});

t.test("voucher money appears in the bank reconciliation of the pool whose account it went through", async (t) => {
  on('2026-04-14');
  const { poolId } = await openPool(hearth, callerFor(coordinator), { networkId, name: 'Community account', twoApproversAbovePence: 10_000 });
  // C, £25.00, paid into the community account; £5.00 of it refunded and paid back from it; the
  // fund's last £10.00 paid out of it for paints.
  await setPolicy(hearth, callerFor(coordinator), { networkId, policy: { expiryMonths: 12, atExpiry: 'refund-to-giver' } });
  const { voucherId: c } = await giveVoucher(hearth, callerFor(giver), { networkId, learnerId: learner, value: { kind: 'amount', pence: 2_500 }, occasion: 'Easter', message: '' });
  t.equal(await refusal(recordPayment(hearth, callerFor(treasurer), { networkId, voucherId: c, pence: 2_500, reference: 'VOUCHER C', receivedOn: '2026-04-14', accountPoolId: randomUUID() })), 'pool-not-found at accountPoolId');
  await recordPayment(hearth, callerFor(treasurer), { networkId, voucherId: c, pence: 2_500, reference: 'VOUCHER C', receivedOn: '2026-04-14', accountPoolId: poolId });
  await refundVoucher(hearth, callerFor(treasurer), { networkId, voucherId: c, pence: 500, reason: 'Asked for' });
  await recordPayout(hearth, callerFor(treasurer), { networkId, voucherId: c, pence: 500, method: 'bank-transfer', reference: 'REFUND C', paidOn: '2026-04-14', accountPoolId: poolId });
  await caughtUp();
  const paints = await requestFundPayment(hearth, callerFor(coordinator), { networkId, pence: 1_000, payee: 'Art shop', purpose: 'Paints', accountPoolId: poolId });
  await approveFundPayment(hearth, callerFor(board), { networkId, paymentId: paints.paymentId });
  await caughtUp();

  const before = await readReconciliation(hearth, callerFor(treasurer), { networkId, poolId });
  t.same(
    before.unmatchedEntries.map((e) => [e.kind, e.pence, e.reference]).sort(),
    [['learning-fund-payment', -1_000, 'Paints'], ['voucher-payment', 2_500, 'VOUCHER C'], ['voucher-payout', -500, 'REFUND C']],
    'unmatched in the ledger: the money in for C, the £5 paid back, the £10 for paints',
  );
  t.same(before.unmatchedEntries.filter((e) => e.kind !== 'voucher-payout').map((e) => e.entryId).sort(), [c, paints.paymentId].sort(), 'each by the id of what it is');
  t.equal(before.unmatchedEntries.length, 3);

  const csv = ['Date,Description,Amount,Balance', '2026-04-14,VOUCHER C,25.00,', '2026-04-14,REFUND C,-5.00,', '2026-04-14,ART SHOP PAINTS,-10.00,', '2026-04-14,SERVICE CHARGE,-1.00,'].join('\n');
  const imported = await importBankStatement(hearth, callerFor(treasurer), { networkId, poolId, csv });
  t.match(imported, { lines: 4, imported: 4, matched: 3 }, 'the three voucher lines matched by amount and date');
  await caughtUp();
  const after = await readReconciliation(hearth, callerFor(treasurer), { networkId, poolId });
  t.same(after.unmatchedEntries, [], 'nothing left unmatched in the ledger');
  t.same(after.lines.filter((l) => l.match === null).map((l) => [l.description, l.pence]), [['SERVICE CHARGE', -100]], "only the bank's own charge left to explain");
});
