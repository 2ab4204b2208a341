// Pools and their payments, decided in memory: money in, the approval policy, the balance floor.
import t from 'tap';
import { fold } from '../src/commands/decider.ts';
import { refusal, specFor } from './support/given.ts';
import { poolDecider, type PoolEvent } from '../src/pools/pool.ts';
import { approvalsNeeded, decideApproval, decideRejection, decideSubmission, evolvePayment, formatPence, type PaymentEvent, type PaymentState } from '../src/pools/payment.ts';

const poolId = '0190f0a0-0000-7000-8000-0000000000a1';
const networkId = '0190f0a0-0000-7000-8000-0000000000a2';
const ann = '0190f0a0-0000-7000-8000-0000000000b1';
const bob = '0190f0a0-0000-7000-8000-0000000000b2';
const tess = '0190f0a0-0000-7000-8000-0000000000c1';
const tom = '0190f0a0-0000-7000-8000-0000000000c2';
const paymentId = '0190f0a0-0000-7000-8000-0000000000d1';
const receipt = (n: number) => `0190f0a0-0000-7000-8000-0000000000e${n}`;

const opened: PoolEvent = { type: 'pools.PoolOpened', data: { poolId, networkId, name: 'Armley lunch club', twoApproversAbovePence: 25_000 } };
const received = (amount: number, n = 1): PoolEvent => ({
  type: 'pools.MoneyReceived',
  data: { poolId, receiptId: receipt(n), source: 'contribution', holderId: ann, pence: amount, reference: 'DP March', receivedOn: '2026-03-01' },
});
const given = specFor(poolDecider);
const receive = (over: Record<string, unknown> = {}) => ({ type: 'ReceiveMoney' as const, networkId, receiptId: receipt(1), source: 'contribution' as const, holderId: ann, pence: 12_000, reference: 'DP March', receivedOn: '2026-03-01', today: '2026-03-02', ...over });

t.test('money in', async (t) => {
  given([]).when({ type: 'OpenPool', poolId, networkId, name: 'Armley lunch club', twoApproversAbovePence: 25_000 }).then(t, [opened]);
  given([opened]).when(receive()).then(t, [received(12_000)]);
  given([opened, received(12_000)]).when(receive()).then(t, [], 'the same receipt twice is recorded once');
  given([opened]).when(receive({ source: 'council', holderId: null, pence: 50_000 })).then(t, [{ type: 'pools.MoneyReceived', data: { poolId, receiptId: receipt(1), source: 'council', holderId: null, pence: 50_000, reference: 'DP March', receivedOn: '2026-03-01' } }]);
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
  t.equal(approvalsNeeded(funded as Extract<typeof funded, { status: 'open' }>, 25_000), 1);
  t.match(refusal(() => decideApproval(submitted(25_000), funded, { personId: tess, isCoordinator: true }, '2026-03-11')), { type: 'own-payment', status: 403 });
  t.same(decideApproval(submitted(25_000), funded, { personId: tom, isCoordinator: false }, '2026-03-11'), {
    payment: [{ type: 'pools.PaymentApproved', data: { paymentId, approvedBy: tom, paid: true } }],
    pool: [{ type: 'pools.PaymentMade', data: { poolId, paymentId, pence: 25_000, paidOn: '2026-03-11' } }],
  });
});

t.test('above the threshold, two different approvers; the second pays', async (t) => {
  const funded = pool(received(30_000));
  const first = decideApproval(submitted(25_001), funded, { personId: tom, isCoordinator: false }, '2026-03-11');
  t.same(first, { payment: [{ type: 'pools.PaymentApproved', data: { paymentId, approvedBy: tom, paid: false } }], pool: [] }, 'one approval moves no money');
  const once = approvedBy(submitted(25_001), tom);
  t.match(refusal(() => decideApproval(once, funded, { personId: tom, isCoordinator: false }, '2026-03-11')), { type: 'already-approved', status: 409 });
  t.match(refusal(() => decideApproval(once, funded, { personId: tess, isCoordinator: false }, '2026-03-11')), { type: 'own-payment' }, 'nor can the submitter be the second');
  t.match(decideApproval(once, funded, { personId: ann, isCoordinator: false }, '2026-03-11'), { pool: [{ type: 'pools.PaymentMade', data: { pence: 25_001 } }] });
  const paid = approvedBy(once, ann, true);
  t.equal(paid.status, 'paid');
  t.same(decideApproval(paid, funded, { personId: ann, isCoordinator: false }, '2026-03-11'), { payment: [], pool: [] }, "an approver's retry changes nothing");
  t.match(refusal(() => decideApproval(paid, funded, { personId: bob, isCoordinator: false }, '2026-03-11')), { type: 'payment-settled' });
});

t.test('nothing leaves a pool that does not hold it', async (t) => {
  const thin = pool(received(9_999));
  const refused = refusal(() => decideApproval(submitted(10_000), thin, { personId: tom, isCoordinator: false }, '2026-03-11'));
  t.match(refused, { type: 'not-enough-in-pool', status: 409 });
  t.match(refused?.message, /holds £99\.99; this payment is £100\.00/);
  const paidOut: PoolEvent = { type: 'pools.PaymentMade', data: { poolId, paymentId, pence: 9_999, paidOn: '2026-03-11' } };
  t.match(pool(received(9_999), paidOut), { balance: 0 });
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
