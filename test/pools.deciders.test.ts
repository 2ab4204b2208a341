// Pools and their payments, decided in memory: money in, the approval policy, the balance floor.
import t from 'tap';
import { clearText } from '../src/access/vault.ts';
import fc from 'fast-check';
import { fold } from '../src/commands/decider.ts';
import { refusal, specFor, uid } from './support/given.ts';
import { poolDecider, sharesOfBalance, type OpenPool, type PoolCommand, type PoolEvent } from '../src/pools/pool.ts';
import { apportion } from '../src/pools/apportion.ts';
import { approvalsNeeded, decideApproval, decideBeginApproval, decidePaymentEnd, decidePoolPays, decideRejection, decideSubmission, decideTransfer, evolvePayment, type PaymentEvent, type PaymentState } from '../src/pools/payment.ts';
import { formatPence } from '../src/units.ts';

const poolId = '0190f0a0-0000-7000-8000-0000000000a1';
const networkId = '0190f0a0-0000-7000-8000-0000000000a2';
const ann = '0190f0a0-0000-7000-8000-0000000000b1';
const bob = '0190f0a0-0000-7000-8000-0000000000b2';
const tess = '0190f0a0-0000-7000-8000-0000000000c1';
const tom = '0190f0a0-0000-7000-8000-0000000000c2';
const bea = '0190f0a0-0000-7000-8000-0000000000c3';
const paymentId = '0190f0a0-0000-7000-8000-0000000000d1';
const receipt = (n: number) => `0190f0a0-0000-7000-8000-0000000000e${n}`;

const opened: PoolEvent = { type: 'pools.PoolOpened', data: { poolId, networkId, name: 'Armley lunch club', twoApproversAbovePence: 25_000 } };
const received = (amount: number, n = 1): PoolEvent => ({
  type: 'pools.MoneyReceived',
  data: { poolId, receiptId: receipt(n), source: 'contribution', holderId: ann, pence: amount, reference: clearText('DP March'), receivedOn: '2026-03-01' },
});
const given = specFor(poolDecider);
const receive = (over: Record<string, unknown> = {}) => ({ type: 'ReceiveMoney' as const, networkId, receiptId: receipt(1), source: 'contribution' as const, holderId: ann, pence: 12_000, reference: clearText('DP March'), receivedOn: '2026-03-01', today: '2026-03-02', ...over });

t.test('money in', async (t) => {
  given([]).when({ type: 'OpenPool', poolId, networkId, name: 'Armley lunch club', twoApproversAbovePence: 25_000 }).then(t, [opened]);
  given([opened]).when(receive()).then(t, [received(12_000)]);
  given([opened, received(12_000)]).when(receive()).then(t, [], 'the same receipt twice is recorded once');
  given([opened]).when(receive({ source: 'council', holderId: null, pence: 50_000 })).then(t, [{ type: 'pools.MoneyReceived', data: { poolId, receiptId: receipt(1), source: 'council', holderId: null, pence: 50_000, reference: clearText('DP March'), receivedOn: '2026-03-01' } }]);
  given([opened]).when(receive({ holderId: null })).rejects(t, 'holder-needed', 'a contribution names its budget holder');
  given([opened]).when(receive({ source: 'grant' })).rejects(t, 'holder-needed', 'and only a contribution does');
  given([opened]).when(receive({ receivedOn: '2026-03-03' })).rejects(t, 'date-in-future');
  given([]).when(receive()).rejects(t, 'pool-not-found');
  given([opened]).when(receive({ networkId: ann })).rejects(t, 'pool-not-found', 'nor through another network');
});

const pool = (...events: PoolEvent[]) => fold(poolDecider, [opened, ...events]);
const payment = (amount: number) => ({
  paymentId, poolId, payee: 'Kirkstall Kitchen CIC', purpose: 'Lunches in March', invoiceReference: 'INV-0042', pence: amount,
  beneficiaries: [{ holderId: ann, pence: amount - 1000 }, { holderId: bob, pence: 1000 }], submittedBy: tess, submittedOn: '2026-03-10',
});
const submitted = (amount: number): PaymentState => evolvePayment({ status: 'none' }, { type: 'pools.PaymentSubmitted', data: payment(amount) });
const approvedBy = (state: PaymentState, who: string, paid = false) => evolvePayment(state, { type: 'pools.PaymentApproved', data: { paymentId, approvedBy: who, paid } });

t.test('submitting a payment', async (t) => {
  t.same(decideSubmission({ status: 'none' }, pool(), payment(9_000), '2026-03-10'), [{ type: 'pools.PaymentSubmitted', data: payment(9_000) }]);
  t.match(refusal(() => decideSubmission({ status: 'none' }, pool(), { ...payment(9_000), pence: 9_001 }, '2026-03-10')), { type: 'shares-do-not-add-up', field: 'beneficiaries' });
  t.match(refusal(() => decideSubmission({ status: 'none' }, pool(), { ...payment(2_000), beneficiaries: [{ holderId: ann, pence: 1_000 }, { holderId: ann, pence: 1_000 }] }, '2026-03-10')), { type: 'beneficiary-twice' });
  t.match(refusal(() => decideSubmission({ status: 'none' }, pool(), payment(9_000), '2026-03-09')), { type: 'date-in-future' });
  t.match(refusal(() => decideSubmission(submitted(9_000), pool(), payment(9_000), '2026-03-10')), { type: 'payment-exists' });
});

t.test('at or below the threshold one approver pays; whoever submitted cannot approve', async (t) => {
  const funded = pool(received(30_000));
  t.equal(approvalsNeeded(funded as OpenPool, 25_000), 1);
  t.match(refusal(() => decideApproval(submitted(25_000), funded, { personId: tess, isCoordinator: true }, '2026-03-11')), { type: 'own-payment', status: 403 });
  t.same(decideApproval(submitted(25_000), funded, { personId: tom, isCoordinator: false }, '2026-03-11'), {
    payment: [{ type: 'pools.PaymentApproved', data: { paymentId, approvedBy: tom, paid: true, on: '2026-03-11' } }],
    pool: [{ type: 'pools.PaymentMade', data: { poolId, paymentId, payee: 'Kirkstall Kitchen CIC', purpose: 'Lunches in March', invoiceReference: 'INV-0042', pence: 25_000, beneficiaries: payment(25_000).beneficiaries, paidOn: '2026-03-11' } }],
    to: [],
  });
});

t.test('above the threshold, two different approvers; the second pays', async (t) => {
  const funded = pool(received(30_000));
  const first = decideApproval(submitted(25_001), funded, { personId: tom, isCoordinator: false }, '2026-03-11');
  t.same(first, { payment: [{ type: 'pools.PaymentApproved', data: { paymentId, approvedBy: tom, paid: false, on: '2026-03-11' } }], pool: [], to: [] }, 'one approval moves no money');
  const once = approvedBy(submitted(25_001), tom);
  t.match(refusal(() => decideApproval(once, funded, { personId: tom, isCoordinator: false }, '2026-03-11')), { type: 'already-approved', status: 409 });
  t.match(refusal(() => decideApproval(once, funded, { personId: tess, isCoordinator: false }, '2026-03-11')), { type: 'own-payment' }, 'nor can the submitter be the second');
  t.match(refusal(() => decideApproval(once, funded, { personId: ann, isCoordinator: false }, '2026-03-11')), { type: 'beneficiary-approval', status: 403 }, 'nor anyone it benefits');
  t.match(decideApproval(once, funded, { personId: bea, isCoordinator: false }, '2026-03-11'), { pool: [{ type: 'pools.PaymentMade', data: { pence: 25_001 } }] });
  const paid = approvedBy(once, bea, true);
  t.equal(paid.status, 'paid');
  t.same(decideApproval(paid, funded, { personId: bea, isCoordinator: false }, '2026-03-11'), { payment: [], pool: [], to: [] }, "an approver's retry changes nothing");
  t.match(refusal(() => decideApproval(paid, funded, { personId: bob, isCoordinator: false }, '2026-03-11')), { type: 'payment-settled' });
});

t.test('nothing leaves a pool that does not hold it', async (t) => {
  const thin = pool(received(9_999));
  const refused = refusal(() => decideApproval(submitted(10_000), thin, { personId: tom, isCoordinator: false }, '2026-03-11'));
  t.match(refused, { type: 'not-enough-in-pool', status: 409 });
  t.match(refused?.message, /holds £99\.99; this payment is £100\.00/);
  const paidOut: PoolEvent = { type: 'pools.PaymentMade', data: { poolId, paymentId, payee: 'Kirkstall Kitchen CIC', purpose: 'Lunches', invoiceReference: 'INV-1', pence: 9_999, beneficiaries: [{ holderId: ann, pence: 9_999 }], paidOn: '2026-03-11' } };
  t.match(pool(received(9_999), paidOut), { balance: 0 });
});

t.test('the approval that completes a payment is a process: begun on the payment, paid by the pool, ended on the payment', async (t) => {
  const processId = uid(0x9a1);
  const funded = pool(received(30_000));
  const plan = decideApproval(submitted(25_000), funded, { personId: tom, isCoordinator: false }, '2026-03-11');
  const begun = decideBeginApproval(plan, processId);
  t.same(begun, [{ type: 'pools.PaymentApprovalStarted', data: { paymentId, approvedBy: tom, on: '2026-03-11', processId, out: plan.pool[0] } }], 'begun with the money out it will take, decided on the pool as it was');
  const once = decideApproval(submitted(25_001), funded, { personId: tom, isCoordinator: false }, '2026-03-11');
  t.same(decideBeginApproval(once, processId), once.payment, 'an approval that does not complete them is recorded as it is');

  const paying = evolvePayment(submitted(25_000), begun[0]!);
  t.match(paying, { status: 'paying', approvedBy: [] });
  t.match(refusal(() => decideApproval(paying, funded, { personId: bea, isCoordinator: false }, '2026-03-11')), { type: 'payment-paying', status: 409 }, 'no other approval meanwhile');
  t.match(refusal(() => decideRejection(paying, { personId: bea, isCoordinator: false }, 'Wrong invoice')), { type: 'payment-paying', status: 409 }, 'nor a rejection');

  const out = (paying as Extract<PaymentState, { status: 'paying' }>).paying.out;
  t.same(decidePoolPays(funded as OpenPool, out), [out], 'the pool pays while it holds enough');
  const spent = pool(received(30_000), { type: 'pools.BankCharged', data: { poolId, chargeId: uid(0x9a2), pence: 10_000, description: 'Charges', chargedOn: '2026-03-11' } });
  const refused = decidePoolPays(spent as OpenPool, out);
  t.match(refused, [{ type: 'pools.PaymentRefused', data: { poolId, paymentId, pence: 25_000, problem: 'not-enough-in-pool', detail: /holds £200\.00/ } }], 'and records why not, once another payment has spent it meanwhile');
  t.match(pool(received(30_000), ...refused), { balance: 30_000 }, 'a refusal moves nothing');

  const paid = decidePaymentEnd(paying, processId);
  t.same(paid, [{ type: 'pools.PaymentApproved', data: { paymentId, approvedBy: tom, paid: true, on: '2026-03-11' } }], 'ended: approved and paid');
  t.match(evolvePayment(paying, paid[0]!), { status: 'paid', approvedBy: [tom] });
  t.same(decidePaymentEnd(paying, uid(0x9a3)), [], 'ended only by the process that began it');
  const back = decidePaymentEnd(paying, processId, { problem: 'not-enough-in-pool', detail: 'The pool holds £200.00' });
  t.same(back, [{ type: 'pools.PaymentApprovalRefused', data: { paymentId, processId, problem: 'not-enough-in-pool', detail: 'The pool holds £200.00' } }]);
  t.match(evolvePayment(paying, back[0]!), { status: 'submitted', approvedBy: [] }, 'refused: it waits for approval as before');
  t.same(decidePaymentEnd(evolvePayment(paying, paid[0]!), processId), [], 'once');
});

t.test('a rejection says why, and settles the payment', async (t) => {
  const rejected: PaymentEvent[] = decideRejection(submitted(5_000), { personId: tom, isCoordinator: false }, 'No invoice attached');
  t.same(rejected, [{ type: 'pools.PaymentRejected', data: { paymentId, rejectedBy: tom, reason: 'No invoice attached' } }]);
  const state = evolvePayment(submitted(5_000), rejected[0]!);
  t.match(refusal(() => decideApproval(state, pool(received(9_000)), { personId: ann, isCoordinator: false }, '2026-03-11')), { type: 'payment-settled' });
  t.match(refusal(() => decideRejection(state, { personId: ann, isCoordinator: false }, 'again')), { type: 'payment-settled' });
  t.equal(formatPence(123_405), '£1,234.05');
  t.equal(formatPence(-5), '-£0.05');
});

// ---------------------------------------------------------------------------------------------
// Refunds, corrections, transfers, closing a period, and sharing money among budget holders.

const carol = uid(0xb3);
const [c1, c2, c3] = [uid(0xf1), uid(0xf2), uid(0xf3)];
const [r1, r2] = [uid(0x101), uid(0x102)];
const fee = uid(0x201);
const toPoolId = uid(0xa3);
const digest = { upToPosition: 41, sha256: 'ab'.repeat(32) };

const contribution = (receiptId: string, holderId: string, amount: number, on = '2026-03-01'): PoolEvent => ({
  type: 'pools.MoneyReceived',
  data: { poolId, receiptId, source: 'contribution', holderId, pence: amount, reference: clearText('DP'), receivedOn: on },
});
const council = (receiptId: string, amount: number, on = '2026-03-01'): PoolEvent => ({
  type: 'pools.MoneyReceived',
  data: { poolId, receiptId, source: 'council', holderId: null, pence: amount, reference: clearText('Leeds CC'), receivedOn: on },
});
const paidOut = (id: string, amount: number, beneficiaries: Array<{ holderId: string; pence: number }>, on = '2026-03-10'): PoolEvent => ({
  type: 'pools.PaymentMade',
  data: { poolId, paymentId: id, payee: 'Kirkstall Kitchen CIC', purpose: 'Lunches', invoiceReference: 'INV-9', pence: amount, beneficiaries, paidOn: on },
});
const closedTo = (periodEnd: string, balancePence = 0): PoolEvent => ({ type: 'pools.PeriodClosed', data: { poolId, periodEnd, closedBy: tess, closedOn: '2026-04-05', balancePence, digest } });

/** Ann 100.00 and Bob 50.00 in; 30.00 paid for lunches, 20.00 of it Ann's and 10.00 Bob's. */
const month: PoolEvent[] = [opened, contribution(c1, ann, 10_000), contribution(c2, bob, 5_000), paidOut(fee, 3_000, [{ holderId: ann, pence: 2_000 }, { holderId: bob, pence: 1_000 }])];
const open = (...events: PoolEvent[]) => fold(poolDecider, events) as OpenPool;
/** The refusal a pool command meets, given these events. */
const refusedGiven = (events: PoolEvent[], command: PoolCommand) => refusal(() => poolDecider.decide(command, fold(poolDecider, events)));
const figures = (events: PoolEvent[], holderId: string) => open(...events).holders.get(holderId);

const refund = (over: Record<string, unknown> = {}): PoolCommand => ({ type: 'ReceiveRefund', networkId, today: '2026-03-20', refundId: r1, paymentId: fee, pence: 1_500, reference: 'credit note 7', receivedOn: '2026-03-15', ...over }) as PoolCommand;
const refunded = (refundId: string, amount: number, shares: Array<{ holderId: string; pence: number }>, on = '2026-03-15'): PoolEvent => ({
  type: 'pools.RefundReceived',
  data: { poolId, refundId, paymentId: fee, pence: amount, shares, reference: 'credit note 7', receivedOn: on },
});

t.test('a refund is given back to the beneficiaries in proportion to their shares', async (t) => {
  given(month).when(refund()).then(t, [refunded(r1, 1_500, [{ holderId: ann, pence: 1_000 }, { holderId: bob, pence: 500 }])]);
  // 10.00 of 20.00/10.00: 6.666 and 3.333, the penny left to the larger remainder.
  given(month).when(refund({ pence: 1_000 })).then(t, [refunded(r1, 1_000, [{ holderId: ann, pence: 667 }, { holderId: bob, pence: 333 }])]);
  const after = [...month, refunded(r1, 1_500, [{ holderId: ann, pence: 1_000 }, { holderId: bob, pence: 500 }])];
  t.match(open(...after), { balance: 13_500 }, 'the money is back in the pool');
  t.same(figures(after, ann), { contributed: 10_000, spent: 1_000, clawedBack: 0 }, 'and spent on Ann no more');
  t.same(figures(after, bob), { contributed: 5_000, spent: 500, clawedBack: 0 });
  given(after).when(refund()).then(t, [], 'the same refund twice is recorded once');
  given(after).when(refund({ refundId: r2 })).then(t, [refunded(r2, 1_500, [{ holderId: ann, pence: 1_000 }, { holderId: bob, pence: 500 }])], 'the rest of it');

  t.match(refusedGiven(month, refund({ pence: 3_001 })), { type: 'refund-too-large', status: 422, field: 'pence' }, 'not more than was paid');
  t.match(refusedGiven(after, refund({ refundId: r2, pence: 1_501 })), { type: 'refund-too-large', field: 'pence', message: /£15\.00/ }, 'nor more than is left of it');
  t.match(refusedGiven(month, refund({ paymentId: uid(0x999) })), { type: 'payment-not-found', status: 404, field: 'paymentId' }, 'an unknown payment');
  t.match(refusedGiven(month, refund({ paymentId: c1 })), { type: 'payment-not-found', field: 'paymentId' }, 'a receipt is not a payment');
  t.match(refusedGiven(month, refund({ receivedOn: '2026-03-21' })), { type: 'date-in-future', field: 'receivedOn' });
  t.match(refusedGiven(month, refund({ receivedOn: '2026-03-09' })), { type: 'refund-before-payment', field: 'receivedOn' }, 'a refund is dated on or after the payment');
});

t.test('refunded or corrected down in pieces, every beneficiary gets back exactly what was spent on them, and never more', async (t) => {
  await fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 5_000 }), { minLength: 1, maxLength: 4 }),
      fc.array(fc.record({ weight: fc.integer({ min: 1, max: 100 }), byCorrection: fc.boolean() }), { minLength: 1, maxLength: 6 }),
      (parts, steps) => {
        const holders = parts.map((_, i) => uid(0x300 + i));
        const total = parts.reduce((a, b) => a + b, 0);
        // The payment given back in pieces in proportion to the weights, the last piece taking the rest.
        const sum = steps.reduce((a, b) => a + b.weight, 0);
        const pieces = steps.map((s) => Math.floor((total * s.weight) / sum));
        pieces[pieces.length - 1]! += total - pieces.reduce((a, b) => a + b, 0);
        let events: PoolEvent[] = [opened, council(c1, total), paidOut(fee, total, parts.map((p, i) => ({ holderId: holders[i]!, pence: p })))];
        for (const [i, piece] of pieces.entries()) {
          if (piece === 0) continue;
          const command = steps[i]!.byCorrection ? correct({ correctionId: uid(0x400 + i), corrects: fee, pence: -piece, correctedOn: '2026-03-15' }) : refund({ refundId: uid(0x400 + i), pence: piece });
          events = [...events, ...poolDecider.decide(command, fold(poolDecider, events))];
          for (const h of holders) if ((figures(events, h)?.spent ?? 0) < 0) return false;
        }
        return holders.every((h) => figures(events, h)!.spent === 0) && open(...events).balance === total;
      },
    ),
  );
  t.pass('no beneficiary is ever given back more than was spent on them');
});

const correct = (over: Record<string, unknown> = {}): PoolCommand =>
  ({ type: 'CorrectEntry', networkId, today: '2026-03-20', correctionId: uid(0x501), corrects: c1, pence: 500, reason: 'keyed wrong', correctedOn: '2026-03-12', ...over }) as PoolCommand;
const corrected = (corrects: string, amount: number, shares: Array<{ holderId: string; pence: number }>, correctedOn = '2026-03-12'): PoolEvent => ({
  type: 'pools.EntryCorrected',
  data: { poolId, correctionId: uid(0x501), corrects, pence: amount, shares, reason: 'keyed wrong', correctedOn },
});

t.test('corrections: a receipt up or down, a payment down only, never below zero', async (t) => {
  given(month).when(correct()).then(t, [corrected(c1, 500, [{ holderId: ann, pence: 500 }])], 'a contribution recorded 5.00 too low');
  given(month).when(correct({ pence: -500 })).then(t, [corrected(c1, -500, [{ holderId: ann, pence: -500 }])], 'and too high');
  const down = [...month, corrected(c1, -500, [{ holderId: ann, pence: -500 }])];
  t.match(open(...down), { balance: 11_500 });
  t.same(figures(down, ann), { contributed: 9_500, spent: 2_000, clawedBack: 0 }, "Ann's contribution is 95.00 now");
  t.match(open(...down).entries.get(c1), { pence: 9_500, shares: [{ holderId: ann, pence: 9_500 }] }, 'the entry as it stands');
  given([...month, council(c3, 7_000)]).when(correct({ corrects: c3, pence: -1_000 })).then(t, [corrected(c3, -1_000, [])], "council income is no one holder's");

  given(month).when(correct({ corrects: fee, pence: -300 })).then(t, [corrected(fee, -300, [{ holderId: ann, pence: -200 }, { holderId: bob, pence: -100 }])], 'a payment corrected down: its shares in proportion');
  const paidLess = [...month, corrected(fee, -300, [{ holderId: ann, pence: -200 }, { holderId: bob, pence: -100 }])];
  t.match(open(...paidLess), { balance: 12_300 }, 'the 3.00 is back in the pool');
  t.same(figures(paidLess, bob), { contributed: 5_000, spent: 900, clawedBack: 0 });
  t.match(refusedGiven(month, correct({ corrects: fee, pence: 1 })), { type: 'correction-would-pay', status: 422, field: 'pence' }, 'a payment is never corrected up');

  const transfer: PoolEvent = { type: 'pools.TransferredOut', data: { poolId, transferId: uid(0x601), toPoolId, pence: 1_000, reference: 'to outings', transferredOn: '2026-03-11' } };
  const transferIn: PoolEvent = { type: 'pools.TransferredIn', data: { poolId, transferId: uid(0x602), fromPoolId: toPoolId, pence: 1_000, reference: 'from outings', transferredOn: '2026-03-11' } };
  for (const [what, event, id] of [['out', transfer, uid(0x601)], ['in', transferIn, uid(0x602)]] as const) {
    t.match(refusedGiven([...month, event], correct({ corrects: id, pence: -100 })), { type: 'transfer-not-correctable', field: 'corrects' }, `a transfer ${what} is not corrected`);
  }

  // 150.00 in, 30.00 and 100.00 out: 20.00 left, so a contribution cannot come down by 20.01.
  const spentMost = [...month, paidOut(uid(0x203), 10_000, [{ holderId: ann, pence: 10_000 }], '2026-03-11')];
  t.match(refusedGiven(spentMost, correct({ pence: -2_001 })), { type: 'not-enough-in-pool', status: 409 }, 'a correction cannot take the balance below zero');
  given(spentMost).when(correct({ pence: -2_000 })).then(t, [corrected(c1, -2_000, [{ holderId: ann, pence: -2_000 }])], 'down to zero it can');
  t.match(refusedGiven(month, correct({ pence: -10_001 })), { type: 'correction-too-large', field: 'pence' }, 'nor below nothing');
  t.match(refusedGiven([...month, refunded(r1, 1_000, [{ holderId: ann, pence: 667 }, { holderId: bob, pence: 333 }])], correct({ corrects: fee, pence: -2_001 })), { type: 'correction-too-large' }, 'nor a payment below what was refunded of it');
  t.match(refusedGiven(month, correct({ pence: 0 })), { type: 'nothing-to-correct', field: 'pence' });
  t.match(refusedGiven(month, correct({ corrects: uid(0x999) })), { type: 'entry-not-found', status: 404, field: 'corrects' });
  t.match(refusedGiven(month, correct({ correctedOn: '2026-03-21' })), { type: 'date-in-future', field: 'correctedOn' });
  t.match(refusedGiven(month, correct({ correctedOn: '2026-02-28' })), { type: 'correction-before-entry', field: 'correctedOn' }, 'a correction is dated on or after what it corrects');
  given(paidLess).when(correct({ corrects: fee, pence: -300 })).then(t, [], 'the same correction twice is recorded once');
});

t.test('a refund corrected up cannot give back more than was paid', async (t) => {
  const refundedAll = [...month, refunded(r1, 3_000, [{ holderId: ann, pence: 2_000 }, { holderId: bob, pence: 1_000 }])];
  t.match(refusedGiven(refundedAll, correct({ corrects: r1, pence: 1 })), { type: 'refund-too-large', field: 'pence' });
  const half = [...month, refunded(r1, 1_500, [{ holderId: ann, pence: 1_000 }, { holderId: bob, pence: 500 }])];
  const spentAll = [...refundedAll, paidOut(uid(0x203), 15_000, [{ holderId: ann, pence: 10_000 }, { holderId: bob, pence: 5_000 }], '2026-03-16')];
  t.match(refusedGiven(spentAll, correct({ corrects: r1, pence: -1, correctedOn: '2026-03-16' })), { type: 'not-enough-in-pool' }, 'a refund corrected down cannot take the pool below zero');
  const up = poolDecider.decide(correct({ corrects: r1, pence: 300, correctedOn: '2026-03-16' }), fold(poolDecider, half));
  t.same(up, [corrected(r1, 300, [{ holderId: ann, pence: 200 }, { holderId: bob, pence: 100 }], '2026-03-16')]);
  t.match(refusedGiven([...half, ...up], refund({ refundId: r2, pence: 1_201 })), { type: 'refund-too-large', message: /£12\.00/ }, 'and a corrected refund counts against the payment');
  t.same(figures([...half, ...up], ann), { contributed: 10_000, spent: 800, clawedBack: 0 });
});

const transferOf = (over: Record<string, unknown> = {}) => ({ paymentId: uid(0x701), poolId, pence: 4_000, submittedBy: tess, submittedOn: '2026-03-12', toPoolId, reason: 'Outings need it more', ...over });
const other = (network = networkId): PoolEvent => ({ type: 'pools.PoolOpened', data: { poolId: toPoolId, networkId: network, name: 'Outings', twoApproversAbovePence: 0 } });
const outings = fold(poolDecider, [other()]);

t.test('a transfer goes to another pool of the same network, once approved', async (t) => {
  const armley = open(...month);
  t.same(decideTransfer({ status: 'none' }, armley, outings, transferOf(), '2026-03-12'), [{ type: 'pools.TransferSubmitted', data: transferOf() }]);
  t.match(refusal(() => decideTransfer({ status: 'none' }, armley, fold(poolDecider, [other(uid(0x999))]), transferOf(), '2026-03-12')), { type: 'pool-not-found', status: 404, field: 'toPoolId' }, "not to another network's pool");
  t.match(refusal(() => decideTransfer({ status: 'none' }, armley, { status: 'none' }, transferOf(), '2026-03-12')), { type: 'pool-not-found', field: 'toPoolId' }, 'nor to a pool never opened');
  t.match(refusal(() => decideTransfer({ status: 'none' }, armley, armley, transferOf({ toPoolId: poolId }), '2026-03-12')), { type: 'same-pool', status: 422, field: 'toPoolId' }, 'nor to itself');
  t.match(refusal(() => decideTransfer({ status: 'none' }, armley, outings, transferOf(), '2026-03-11')), { type: 'date-in-future', field: 'submittedOn' });

  const submitted = evolvePayment({ status: 'none' }, { type: 'pools.TransferSubmitted', data: transferOf() });
  const approved = decideApproval(submitted, armley, { personId: tom, isCoordinator: false }, '2026-03-13');
  t.same(approved, {
    payment: [{ type: 'pools.PaymentApproved', data: { paymentId: uid(0x701), approvedBy: tom, paid: true, on: '2026-03-13' } }],
    pool: [{ type: 'pools.TransferredOut', data: { poolId, transferId: uid(0x701), toPoolId, pence: 4_000, reference: 'Outings need it more', transferredOn: '2026-03-13' } }],
    to: [{ type: 'pools.TransferredIn', data: { poolId: toPoolId, transferId: uid(0x701), fromPoolId: poolId, pence: 4_000, reference: 'Outings need it more', transferredOn: '2026-03-13' } }],
  });
  t.match(open(...month, ...(approved.pool as PoolEvent[])), { balance: 8_000 }, 'out of one pool');
  t.match(open(other(), ...(approved.to as PoolEvent[])), { balance: 4_000 }, 'into the other');
  t.match(refusal(() => decideApproval(submitted, armley, { personId: tess, isCoordinator: false }, '2026-03-13')), { type: 'own-payment' }, 'not approved by whoever submitted it');
  const big = evolvePayment({ status: 'none' }, { type: 'pools.TransferSubmitted', data: transferOf({ pence: 12_001 }) });
  t.match(refusal(() => decideApproval(big, armley, { personId: tom, isCoordinator: false }, '2026-03-13')), { type: 'not-enough-in-pool', status: 409 }, 'nor for more than the pool holds');
  const twoToSign = evolvePayment({ status: 'none' }, { type: 'pools.TransferSubmitted', data: transferOf({ pence: 25_001 }) });
  t.same(decideApproval(twoToSign, open(...month, council(c3, 20_000)), { personId: tom, isCoordinator: false }, '2026-03-13').to, [], 'above the threshold, one approval moves nothing');
});

const closing = (over: Record<string, unknown> = {}): PoolCommand =>
  ({ type: 'ClosePeriod', networkId, periodEnd: '2026-03-31', closedBy: tess, today: '2026-04-05', reinvest: null, clawBacks: [], digest, ...over }) as PoolCommand;
const clawBack = (holderId: string, amount: number, n = 0) => ({ entryId: uid(0x800 + n), holderId, pence: amount, reference: clearText('DP review') });

t.test('closing a period', async (t) => {
  given(month).when(closing()).then(t, [closedTo('2026-03-31', 12_000)], 'closed with nothing taken out: the balance carried forward');
  t.match(refusedGiven(month, closing({ periodEnd: '2026-04-05' })), { type: 'period-not-over', field: 'periodEnd' }, 'not while its last day is today');
  t.match(refusedGiven(month, closing({ periodEnd: '2026-04-30' })), { type: 'period-not-over', field: 'periodEnd' }, 'nor later');
  given(month).when(closing({ periodEnd: '2026-04-04' })).then(t, [closedTo('2026-04-04', 12_000)], 'yesterday is over');
  const closed = [...month, closedTo('2026-03-31', 12_000)];
  t.match(refusedGiven(closed, closing()), { type: 'period-already-closed', status: 409, field: 'periodEnd' });
  t.match(refusedGiven(closed, closing({ periodEnd: '2026-03-15' })), { type: 'period-already-closed', field: 'periodEnd' }, 'nor any part of it');
  t.match(open(...closed), { closedThrough: '2026-03-31' });
});

t.test('nothing can be dated in a closed period, and the refusal names the field', async (t) => {
  const closed = [...month, closedTo('2026-03-31', 12_000)];
  const today = '2026-04-05';
  t.match(refusedGiven(closed, receive({ receiptId: uid(0x901), receivedOn: '2026-03-31', today })), { type: 'date-in-closed-period', status: 422, field: 'receivedOn' });
  t.match(refusedGiven(closed, refund({ receivedOn: '2026-03-31', today })), { type: 'date-in-closed-period', field: 'receivedOn' });
  t.match(refusedGiven(closed, correct({ correctedOn: '2026-03-31', today })), { type: 'date-in-closed-period', field: 'correctedOn' });
  t.match(refusal(() => decideSubmission({ status: 'none' }, fold(poolDecider, closed), { ...payment(2_000), submittedOn: '2026-03-31' }, today)), { type: 'date-in-closed-period', field: 'submittedOn' });
  t.match(refusal(() => decideTransfer({ status: 'none' }, fold(poolDecider, closed), outings, transferOf({ submittedOn: '2026-03-30' }), today)), { type: 'date-in-closed-period', field: 'submittedOn' });
  given(closed).when(receive({ receiptId: uid(0x901), receivedOn: '2026-04-01', today })).then(t, [
    { type: 'pools.MoneyReceived', data: { poolId, receiptId: uid(0x901), source: 'contribution', holderId: ann, pence: 12_000, reference: clearText('DP March'), receivedOn: '2026-04-01' } },
  ], 'the day after is open');
  t.equal(poolDecider.decide(correct({ correctedOn: '2026-04-01', today }), fold(poolDecider, closed)).length, 1, 'a mistake in the closed period is corrected in the open one');
});

t.test("claw-backs are limited to each holder's share of the balance at the period's end", async (t) => {
  // At the end of March: Ann's unspent 80.00, Bob's 40.00, the pool 120.00. In April, council
  // income, another contribution from Ann, a new holder, and 50.00 spent on Ann: none of it counts.
  const april = [
    ...month,
    council(c3, 10_000, '2026-04-01'),
    contribution(uid(0x901), ann, 5_000, '2026-04-02'),
    contribution(uid(0x902), carol, 1_000, '2026-04-02'),
    paidOut(uid(0x203), 5_000, [{ holderId: ann, pence: 5_000 }], '2026-04-03'),
  ];
  t.match(refusedGiven(april, closing({ clawBacks: [clawBack(ann, 8_001)] })), { type: 'claw-back-too-large', field: 'clawBacks/0/pence', message: /£80\.00/ });
  t.match(refusedGiven(april, closing({ clawBacks: [clawBack(bob, 100), clawBack(ann, 8_001, 1)] })), { type: 'claw-back-too-large', field: 'clawBacks/1/pence' });
  t.match(refusedGiven(april, closing({ clawBacks: [clawBack(carol, 100)] })), { type: 'unknown-holder', field: 'clawBacks/0/holderId' }, 'a holder whose money came after the end');
  t.match(refusedGiven(april, closing({ clawBacks: [clawBack(uid(0x999), 100)] })), { type: 'unknown-holder', field: 'clawBacks/0/holderId' });
  t.match(refusedGiven(april, closing({ clawBacks: [clawBack(ann, 100), clawBack(ann, 100, 1)] })), { type: 'holder-twice', field: 'clawBacks/1/holderId' });

  const events = poolDecider.decide(closing({ clawBacks: [clawBack(ann, 8_000), clawBack(bob, 1_000, 1)], reinvest: { entryId: uid(0x8ff), pence: 3_000, purpose: 'Community lunch' } }), fold(poolDecider, april));
  t.same(events, [
    { type: 'pools.ClawedBack', data: { poolId, entryId: uid(0x800), holderId: ann, pence: 8_000, reference: clearText('DP review'), on: '2026-03-31' } },
    { type: 'pools.ClawedBack', data: { poolId, entryId: uid(0x801), holderId: bob, pence: 1_000, reference: clearText('DP review'), on: '2026-03-31' } },
    { type: 'pools.SurplusReinvested', data: { poolId, entryId: uid(0x8ff), pence: 3_000, purpose: 'Community lunch', on: '2026-03-31' } },
    { type: 'pools.PeriodClosed', data: { poolId, periodEnd: '2026-03-31', closedBy: tess, closedOn: '2026-04-05', balancePence: 0, digest } },
  ], 'every penny of the end balance clawed back or reinvested, dated at the end');
  const after = open(...april, ...events);
  t.equal(after.balance, 11_000, '230.00 held before the close, 120.00 of it taken out at the end');
  t.same(after.holders.get(ann), { contributed: 15_000, spent: 7_000, clawedBack: 8_000 });
  t.match(refusedGiven(april, closing({ clawBacks: [clawBack(ann, 8_000)], reinvest: { entryId: uid(0x8ff), pence: 4_001, purpose: 'Community lunch' } })), { type: 'not-enough-in-pool', field: 'reinvest/pence', message: /£40\.00/ }, 'a reinvestment only from what is left after claw-backs');
  t.match(refusedGiven(month, closing({ reinvest: { entryId: uid(0x8ff), pence: 12_001, purpose: 'Community lunch' } })), { type: 'not-enough-in-pool', field: 'reinvest/pence' });
  // What was there at the end but spent since cannot be taken out again.
  const spentSince = [...month, paidOut(uid(0x203), 11_000, [{ holderId: ann, pence: 8_000 }, { holderId: bob, pence: 3_000 }], '2026-04-02')];
  t.match(refusedGiven(spentSince, closing({ clawBacks: [clawBack(bob, 4_000)] })), { type: 'not-enough-in-pool', status: 409 });
  given(spentSince).when(closing({ clawBacks: [clawBack(bob, 1_000)] })).then(t, [
    { type: 'pools.ClawedBack', data: { poolId, entryId: uid(0x800), holderId: bob, pence: 1_000, reference: clearText('DP review'), on: '2026-03-31' } },
    closedTo('2026-03-31', 11_000),
  ]);
});

t.test('each holder’s share of the balance', async (t) => {
  t.same(sharesOfBalance(open(...month)), new Map([[ann, 8_000], [bob, 4_000]]), 'what each put in and was not spent on them');
  t.same(sharesOfBalance(open(...month, council(c3, 50_000))), new Map([[ann, 8_000], [bob, 4_000]]), 'council income is no one holder’s');
  // Ann 60.00 and Bob 30.00 in; 30.00 spent on Carol, who put nothing in: 60.00 left for 90.00 owed.
  const pooled = open(opened, contribution(c1, ann, 6_000), contribution(c2, bob, 3_000), paidOut(fee, 3_000, [{ holderId: carol, pence: 3_000 }]));
  t.same(sharesOfBalance(pooled), new Map([[ann, 4_000], [bob, 2_000]]), 'pro rata when holders are owed more than the pool holds');
  const uneven = open(opened, contribution(c1, ann, 100), contribution(c2, bob, 100), contribution(c3, carol, 100), paidOut(fee, 200, [{ holderId: carol, pence: 200 }]));
  t.same([...sharesOfBalance(uneven)].reduce((s, [, p]) => s + p, 0), 100, 'a pound shared among three sums to the pound');
  t.same(sharesOfBalance(uneven), new Map([[ann, 50], [bob, 50]]));

  await fc.assert(
    fc.property(
      fc.nat(1_000_000),
      fc.array(fc.record({ contributed: fc.nat(200_000), spent: fc.nat(200_000), clawedBack: fc.nat(50_000) }), { maxLength: 6 }),
      (balance, people) => {
        const holders = new Map(people.map((f, i) => [uid(0x300 + i), f]));
        const shares = sharesOfBalance({ balance, holders });
        const total = [...shares.values()].reduce((a, b) => a + b, 0);
        const owed = (id: string) => Math.max(0, holders.get(id)!.contributed - holders.get(id)!.spent - holders.get(id)!.clawedBack);
        const owedTotal = [...holders.keys()].reduce((s, id) => s + owed(id), 0);
        return total <= balance && total === Math.min(balance, owedTotal) && [...shares].every(([id, p]) => p >= 0 && p <= owed(id) && Number.isInteger(p));
      },
    ),
  );
  t.pass('shares never exceed the balance, nor what each is owed, and use all of the balance they can');
});

t.test('apportioning whole pence', async (t) => {
  t.same(apportion(1_000, [{ holderId: ann, pence: 2_000 }, { holderId: bob, pence: 1_000 }]), [{ holderId: ann, pence: 667 }, { holderId: bob, pence: 333 }], 'the largest remainder gets the penny');
  t.same(apportion(100, [{ holderId: ann, pence: 1 }, { holderId: bob, pence: 1 }, { holderId: carol, pence: 1 }]), [{ holderId: ann, pence: 34 }, { holderId: bob, pence: 33 }, { holderId: carol, pence: 33 }], 'a tie goes to the first named');
  t.same(apportion(100, [{ holderId: carol, pence: 1 }, { holderId: ann, pence: 1 }, { holderId: bob, pence: 1 }]), [{ holderId: carol, pence: 34 }, { holderId: ann, pence: 33 }, { holderId: bob, pence: 33 }], 'whoever that is');
  t.same(apportion(-1_000, [{ holderId: ann, pence: 2_000 }, { holderId: bob, pence: 1_000 }]), [{ holderId: ann, pence: -667 }, { holderId: bob, pence: -333 }], 'a negative total: the same shares, negative');
  t.same(apportion(2, [{ holderId: ann, pence: 1 }, { holderId: bob, pence: 1 }, { holderId: carol, pence: 1 }]), [{ holderId: ann, pence: 1 }, { holderId: bob, pence: 1 }], 'nobody is given a share of nothing');
  t.same(apportion(500, [{ holderId: ann, pence: 0 }, { holderId: bob, pence: 3 }]), [{ holderId: bob, pence: 500 }], 'a part of zero gets nothing');
  t.same(apportion(0, [{ holderId: ann, pence: 3 }]), []);
  t.same(apportion(500, []), []);
  t.same(apportion(1_000_000_000_00, [{ holderId: ann, pence: 1_000_000_000_00 }, { holderId: bob, pence: 2_000_000_000_00 }]), [{ holderId: ann, pence: 333_333_333_33 }, { holderId: bob, pence: 666_666_666_67 }], 'exact beyond 2^53 in the products');

  await fc.assert(
    fc.property(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), fc.array(fc.integer({ min: -10_000_000, max: 10_000_000 }), { minLength: 1, maxLength: 8 }), (total, sizes) => {
      const parts = sizes.map((pence, i) => ({ holderId: uid(0x300 + i), pence }));
      const sum = sizes.reduce((a, b) => a + Math.abs(b), 0);
      const shares = apportion(total, parts);
      if (sum === 0) return shares.length === 0;
      const got = new Map(shares.map((s) => [s.holderId, s.pence]));
      const sumsExactly = shares.reduce((s, p) => s + p.pence, 0) === total;
      // Each within a penny of its exact proportion, and the same every time for the same parts.
      const near = parts.every((p) => Math.abs((got.get(p.holderId) ?? 0) - (total * Math.abs(p.pence)) / sum) < 1);
      return sumsExactly && near && shares.every((s) => s.pence !== 0) && JSON.stringify(apportion(total, parts)) === JSON.stringify(shares);
    }),
  );
  t.pass('shares always sum to the total, each within 1p of the exact proportion');
});

// ---------------------------------------------------------------------------------------------
// Bank charges: the pool's own cost, a line of its own beside the holders' shares.

const charge1 = uid(0x301);
const charge = (over: Record<string, unknown> = {}): PoolCommand => ({ type: 'RecordBankCharge', networkId, today: '2026-03-31', chargeId: charge1, pence: 450, description: 'Account fee March', chargedOn: '2026-03-31', ...over }) as PoolCommand;
const charged = (amount: number, on = '2026-03-31'): PoolEvent => ({ type: 'pools.BankCharged', data: { poolId, chargeId: charge1, pence: amount, description: 'Account fee March', chargedOn: on } });

t.test('a bank charge names no beneficiary, needs no approval, and is recorded once', async (t) => {
  given(month).when(charge()).then(t, [charged(450)]);
  given([...month, charged(450)]).when(charge()).then(t, [], 'the same charge twice is recorded once');
  given(month).when(charge({ chargedOn: '2026-04-01' })).rejects(t, 'date-in-future');
  given([...month, closedTo('2026-03-31', 12_000)]).when(charge({ chargedOn: '2026-03-31', today: '2026-04-02' })).rejects(t, 'date-in-closed-period');
  given(month).when(charge({ pence: 12_001 })).rejects(t, 'not-enough-in-pool', 'the books never show less than nothing');
  given([]).when(charge()).rejects(t, 'pool-not-found');
  given(month).when(charge({ networkId: ann })).rejects(t, 'pool-not-found', 'nor through another network');
});

t.test("a bank charge is the pool's cost: holders' figures are untouched, and their shares plus the charge equal the balance", async (t) => {
  const before = open(...month);
  const after = open(...month, charged(450));
  t.equal(after.balance, before.balance - 450);
  t.same(after.holders, before.holders, "no holder's contributions or spending move");
  t.equal(after.entries.get(charge1)?.kind, 'bank-charge');
  // Ann 80.00 and Bob 40.00 unspent: the pool holds 115.50, so the charge comes out of their shares in proportion.
  const shares = sharesOfBalance(after);
  t.same([shares.get(ann), shares.get(bob)], [7_700, 3_850]);
  t.equal([...shares.values()].reduce((a, b) => a + b, 0), after.balance, 'to the penny');
  // With council income beside the holders' money, the charge comes out of what no holder put in.
  const withGrant = open(...month, council(c3, 1_000), charged(450));
  t.same([sharesOfBalance(withGrant).get(ann), sharesOfBalance(withGrant).get(bob)], [8_000, 4_000]);
  given([...month, charged(450)]).when({ type: 'CorrectEntry', networkId, today: '2026-03-31', correctionId: uid(0x302), corrects: charge1, pence: -50, reason: 'The bank refunded part of the fee', correctedOn: '2026-03-31' } as PoolCommand)
    .then(t, [{ type: 'pools.EntryCorrected', data: { poolId, correctionId: uid(0x302), corrects: charge1, pence: -50, shares: [], reason: 'The bank refunded part of the fee', correctedOn: '2026-03-31' } }], 'a charge recorded too high is corrected down');
});
