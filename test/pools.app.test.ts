// Pools' application rules, called directly on a PGlite-backed Hearth whose clock the test sets:
// who may approve (never the submitter, never a beneficiary, two people above the threshold), the
// closed period, the day a command happens on, who may read a Direct Payment statement, and a
// stale If-Match. The network and its people are set up through the API, as anyone would.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import type { Caller } from '../src/access/caller.ts';
import { fixedClock } from '../src/clock.ts';
import { PreconditionFailed, readStates } from '../src/commands/decide.ts';
import { openHearth } from '../src/hearth.ts';
import { buildApp } from '../src/http/app.ts';
import * as pools from '../src/pools/app.ts';
import { finishPayment } from '../src/pools/commands.ts';
import * as notify from '../src/notify/app.ts';
import { paymentFolder, paymentStream } from '../src/pools/payment.ts';
import { poolDecider, poolStream } from '../src/pools/pool.ts';
import { freshPglite } from './support/db.ts';
import { caughtUp, quietLog, stoppedAfter, testConfig } from './support/hearth.ts';
import { joined, send, signUp } from './support/http.ts';
import { refused } from './support/given.ts';
import { lloydsNewestFirst } from './support/treasurer.ts';

const clock = fixedClock('2026-03-10T10:00:00Z');
const config = testConfig({ PROJECTION_POLL_MS: '20', READ_WAIT_MS: '5000' });
const hearth = await openHearth(config, quietLog, { database: await freshPglite(), clock });
await hearth.engine.start();
const app = await buildApp(hearth);
t.teardown(async () => {
  await app.close();
  await hearth.close();
});

const coordinator = await signUp(app, 'Cath Coordinator');
const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Armley Good Neighbours', kind: 'neighbourhood_network' }, coordinator.auth)).json().networkId as string;
const [tess, bert, edna, walter] = [
  await joined(app, networkId, coordinator, 'Tess Treasurer', 'treasurer'),
  await joined(app, networkId, coordinator, 'Bert Board', 'board'),
  // Edna keeps the books and holds a budget in the pool too.
  await joined(app, networkId, coordinator, 'Edna Firth', 'treasurer'),
  await joined(app, networkId, coordinator, 'Walter Greenwood'),
];

/** A new command by this person, acting for themselves. */
const as = (personId: string, ifMatch?: number): Caller => ({ personId, onBehalfOf: null, commandId: randomUUID(), correlationId: randomUUID(), ...(ifMatch === undefined ? {} : { ifMatch }) });
const poolNow = async (poolId: string) => (await readStates(hearth.store, { pool: [poolStream(poolId), poolDecider] })).pool;
const paymentNow = async (paymentId: string) => (await readStates(hearth.store, { payment: [paymentStream(paymentId), paymentFolder] })).payment;

/** An open pool holding £500, Edna's contribution. */
async function fundedPool(twoApproversAbovePence = 20_000) {
  const { poolId } = await pools.openPool(hearth, as(coordinator.personId), { networkId, name: `Lunch club ${randomUUID().slice(0, 4)}`, twoApproversAbovePence });
  await pools.receiveMoney(hearth, as(tess.personId), { networkId, poolId, source: 'contribution', holderId: edna.personId, pence: 50_000, reference: 'DP March', receivedOn: '2026-03-01' });
  return poolId;
}
const lunches = (poolId: string, pence: number, holderId = walter.personId) => ({
  networkId, poolId, payee: 'Kirkstall Kitchen CIC', purpose: 'Lunches', invoiceReference: 'INV-7', pence, beneficiaries: [{ holderId, pence }], submittedOn: '2026-03-10',
});

t.test('whoever submits a payment cannot approve it', async (t) => {
  const poolId = await fundedPool();
  const { paymentId } = await pools.submitPaymentFor(hearth, as(tess.personId), lunches(poolId, 6_000));
  t.equal(await refused(pools.approve(hearth, as(tess.personId), { networkId, poolId, paymentId })), 'own-payment');
  t.match(await paymentNow(paymentId), { status: 'submitted', approvedBy: [] }, 'nothing is approved');
  t.equal(await refused(pools.approve(hearth, as(bert.personId), { networkId, poolId, paymentId })), null, 'the board approves it');
  t.match(await poolNow(poolId), { balance: 44_000 });
});

t.test('whoever benefits from a payment cannot approve it, even keeping the books', async (t) => {
  const poolId = await fundedPool();
  const { paymentId } = await pools.submitPaymentFor(hearth, as(coordinator.personId), lunches(poolId, 6_000, edna.personId));
  t.equal(await refused(pools.approve(hearth, as(edna.personId), { networkId, poolId, paymentId })), 'beneficiary-approval');
  t.match(await poolNow(poolId), { balance: 50_000 }, 'nothing paid');
  t.equal(await refused(pools.approve(hearth, as(tess.personId), { networkId, poolId, paymentId })), null, 'another treasurer may');
  t.match(await poolNow(poolId), { balance: 44_000 });
});

t.test('above the threshold it takes two to sign, two different people', async (t) => {
  const poolId = await fundedPool(20_000);
  const { paymentId } = await pools.submitPaymentFor(hearth, as(coordinator.personId), lunches(poolId, 25_000));
  await pools.approve(hearth, as(tess.personId), { networkId, poolId, paymentId });
  t.match(await paymentNow(paymentId), { status: 'submitted', approvedBy: [tess.personId] }, 'one signature moves nothing');
  t.match(await poolNow(poolId), { balance: 50_000 });
  t.equal(await refused(pools.approve(hearth, as(tess.personId), { networkId, poolId, paymentId })), 'already-approved', 'nor does the same one twice');
  await pools.approve(hearth, as(bert.personId), { networkId, poolId, paymentId });
  t.match(await paymentNow(paymentId), { status: 'paid', approvedBy: [tess.personId, bert.personId] });
  t.match(await poolNow(poolId), { balance: 25_000, entries: new Map([[paymentId, { kind: 'payment', on: '2026-03-10' }]]) }, 'paid on the clock\'s day');
  const at = { networkId, poolId, paymentId: (await pools.submitPaymentFor(hearth, as(coordinator.personId), lunches(poolId, 20_000))).paymentId };
  await pools.approve(hearth, as(tess.personId), at);
  t.match(await paymentNow(at.paymentId), { status: 'paid' }, 'at the threshold one signature pays');
});

t.test('an approval stopped after it began is paid once, by two finishers at once and by the retried request; meanwhile it is being paid and cannot be rejected', async (t) => {
  const poolId = await fundedPool();
  const { paymentId } = await pools.submitPaymentFor(hearth, as(tess.personId), lunches(poolId, 6_000));
  const request = as(bert.personId);
  await t.rejects(pools.approve(stoppedAfter(hearth, 1), request, { networkId, poolId, paymentId }), /stopped/);
  t.match(await paymentNow(paymentId), { status: 'paying' }, 'begun on the payment');
  t.match(await poolNow(poolId), { balance: 50_000 }, 'nothing has left the pool yet');
  t.equal(await refused(pools.reject(hearth, as(edna.personId), { networkId, poolId, paymentId, reason: 'Wrong invoice' })), 'payment-paying', 'nor can it be rejected meanwhile');
  t.ok(await caughtUp(hearth));
  t.ok((await pools.unfinishedPayments(hearth)).includes(paymentId), "found in flight by the sweeper's look");
  await Promise.all([finishPayment(hearth, paymentId), finishPayment(hearth, paymentId)]);
  const again = await pools.approve(hearth, request, { networkId, poolId, paymentId });
  t.equal(again.revision, 2, 'the retried request answers the payment as it ended: submitted, begun, approved');
  t.match(await poolNow(poolId), { balance: 44_000 }, 'paid once');
  t.same((await hearth.store.readStream(poolStream(poolId))).filter((e) => e.type === 'pools.PaymentMade').length, 1);
  t.ok(await caughtUp(hearth));
  t.notOk((await pools.unfinishedPayments(hearth)).includes(paymentId), 'nothing left in flight');
});

t.test('a transfer stopped after the pool paid is received once; an approval the pool can no longer pay is refused and waits', async (t) => {
  const [poolId, toPoolId] = [await fundedPool(), await fundedPool()];
  const { paymentId } = await pools.submitTransferFor(hearth, as(tess.personId), { networkId, poolId, toPoolId, pence: 5_000, reason: 'Outings need it more', submittedOn: '2026-03-10' });
  const request = as(bert.personId);
  await t.rejects(pools.approve(stoppedAfter(hearth, 2), request, { networkId, poolId, paymentId }), /stopped/);
  t.match(await poolNow(poolId), { balance: 45_000 }, 'out of one pool');
  t.match(await poolNow(toPoolId), { balance: 50_000 }, 'not yet into the other');
  await pools.approve(hearth, request, { networkId, poolId, paymentId });
  t.match(await poolNow(toPoolId), { balance: 55_000 }, 'received once the request is retried');
  t.match(await paymentNow(paymentId), { status: 'paid', approvedBy: [bert.personId] });

  const [first, second] = [await pools.submitPaymentFor(hearth, as(tess.personId), lunches(poolId, 19_000)), await pools.submitPaymentFor(hearth, as(tess.personId), lunches(poolId, 19_000))];
  const slow = as(bert.personId);
  await t.rejects(pools.approve(stoppedAfter(hearth, 1), slow, { networkId, poolId, paymentId: first.paymentId }), /stopped/);
  await pools.approve(hearth, as(bert.personId), { networkId, poolId, paymentId: second.paymentId });
  t.match(await poolNow(poolId), { balance: 26_000 });
  await pools.approve(hearth, as(bert.personId), { networkId, poolId, paymentId: (await pools.submitPaymentFor(hearth, as(tess.personId), lunches(poolId, 19_000))).paymentId });
  t.equal(await refused(pools.approve(hearth, slow, { networkId, poolId, paymentId: first.paymentId })), 'not-enough-in-pool', 'the retried request: the pool no longer holds enough');
  t.match(await paymentNow(first.paymentId), { status: 'submitted', approvedBy: [] }, 'it waits for approval as before');
  t.match(await poolNow(poolId), { balance: 7_000 }, 'nothing taken for it');
  t.equal(await refused(pools.reject(hearth, as(edna.personId), { networkId, poolId, paymentId: first.paymentId, reason: 'No longer needed' })), null, 'and can be rejected now');
});

t.test('a closed period cannot change, and closes only once its last day is over by the clock', async (t) => {
  const poolId = await fundedPool();
  t.equal(await refused(pools.closePeriod(hearth, as(tess.personId), { networkId, poolId, periodEnd: '2026-03-10', reinvest: null, clawBacks: [] })), 'period-not-over', 'today is not over');
  const closed = await pools.closePeriod(hearth, as(tess.personId), { networkId, poolId, periodEnd: '2026-03-05', reinvest: { pence: 1_000, purpose: 'Community garden' }, clawBacks: [] });
  t.match(closed, { periodEnd: '2026-03-05', digest: /^[0-9a-f]{64}$/ });
  t.match(await poolNow(poolId), { closedThrough: '2026-03-05', balance: 49_000 });
  const receipt = (receivedOn: string) => pools.receiveMoney(hearth, as(tess.personId), { networkId, poolId, source: 'grant', holderId: null, pence: 500, reference: 'Lottery', receivedOn });
  t.equal(await refused(receipt('2026-03-04')), 'date-in-closed-period');
  t.equal(await refused(pools.closePeriod(hearth, as(tess.personId), { networkId, poolId, periodEnd: '2026-03-05', reinvest: null, clawBacks: [] })), 'period-already-closed');
  t.equal(await refused(pools.submitPaymentFor(hearth, as(coordinator.personId), { ...lunches(poolId, 1_000), submittedOn: '2026-03-05' })), 'date-in-closed-period');

  t.equal(await refused(receipt('2026-03-11')), 'date-in-future', "tomorrow, by the clock, is in the future");
  clock.set('2026-03-11T09:00:00Z');
  t.teardown(() => clock.set('2026-03-10T10:00:00Z'));
  t.equal(await refused(receipt('2026-03-11')), null, 'until the clock reaches it');
});

t.test('a stale If-Match on an approval or a close writes nothing', async (t) => {
  const poolId = await fundedPool(20_000);
  const { paymentId, revision } = await pools.submitPaymentFor(hearth, as(coordinator.personId), lunches(poolId, 25_000));
  const first = await pools.approve(hearth, as(tess.personId, revision), { networkId, poolId, paymentId });
  t.equal(first.revision, revision + 1);
  const stale = await pools.approve(hearth, as(bert.personId, revision), { networkId, poolId, paymentId }).catch((err: unknown) => err);
  t.ok(stale instanceof PreconditionFailed, 'the second signer had not seen the first');
  t.match(await paymentNow(paymentId), { status: 'submitted', approvedBy: [tess.personId] });
  t.equal(await refused(pools.approve(hearth, as(bert.personId, first.revision), { networkId, poolId, paymentId })), null, 'with the revision now seen it goes through');

  const close = (ifMatch: number) => pools.closePeriod(hearth, as(tess.personId, ifMatch), { networkId, poolId, periodEnd: '2026-03-05', reinvest: null, clawBacks: [] });
  t.ok((await close(0).catch((err: unknown) => err)) instanceof PreconditionFailed, 'a close on a pool read before the payment moved money');
  t.match(await poolNow(poolId), { closedThrough: null });
});

t.test('a Direct Payment statement is for its holder and for those who keep the books', async (t) => {
  const poolId = await fundedPool();
  const { position } = await pools.receiveMoney(hearth, as(tess.personId), { networkId, poolId, source: 'contribution', holderId: walter.personId, pence: 2_000, reference: 'DP', receivedOn: '2026-03-02' });
  t.ok(await hearth.engine.waitFor(['pools', 'people'], position, 10_000));
  const statementOf = (reader: string, holderId: string) => pools.directPaymentStatement(hearth, as(reader), { networkId, poolId, holderId, from: '2026-03-01', to: '2026-03-10' });
  t.match(await statementOf(walter.personId, walter.personId), { holder: { name: 'Walter Greenwood' }, closing: { contributed: 2_000 } }, 'his own');
  t.equal(await refused(statementOf(walter.personId, edna.personId)), 'forbidden', "not Edna's");
  t.match(await statementOf(bert.personId, walter.personId), { closing: { contributed: 2_000 } }, 'the board reads anyone’s');
  t.equal(await refused(pools.directPaymentStatement(hearth, as(walter.personId), { networkId, poolId, holderId: walter.personId, from: '2026-03-10', to: '2026-03-01' })), 'dates-reversed');
});

t.test("a bank charge is the pool's cost: on the ledger, in the balance and the trial balance, in no holder's figures", async (t) => {
  const poolId = await fundedPool();
  const { chargeId, position } = await pools.recordBankCharge(hearth, as(tess.personId), { networkId, poolId, pence: 450, description: 'Account fee March', chargedOn: '2026-03-09' });
  t.ok(await hearth.engine.waitFor(['pools', 'people'], position, 10_000));
  const { lines } = await pools.poolLedger(hearth, as(tess.personId), { networkId, poolId, from: '2026-03-01' });
  t.match(lines.at(-1), { entryId: chargeId, kind: 'bank-charge', counterparty: 'bank', reference: 'Account fee March', pence: -450, balance: 49_550 });
  const read = await pools.readPool(hearth, as(tess.personId), { networkId, poolId });
  t.equal(read.balancePence, 49_550);
  t.match(read.holders, [{ name: 'Edna Firth', contributed: 50_000, spent: 0, shareOfBalance: 49_550 }], "Edna's unspent money bears the charge, as the pool holds no other");
  const { lines: accounts } = await pools.poolTrialBalance(hearth, as(tess.personId), { networkId, poolId });
  t.match(accounts.find((a) => a.account === 'bank charges'), { debit: 450, credit: 0 });
  t.equal(await refused(pools.recordBankCharge(hearth, as(tess.personId), { networkId, poolId, pence: 50_000, description: 'Too much', chargedOn: '2026-03-10' })), 'not-enough-in-pool');
  t.equal(await refused(pools.recordBankCharge(hearth, as(tess.personId), { networkId, poolId, pence: 100, description: 'Tomorrow', chargedOn: '2026-03-11' })), 'date-in-future');
});

t.test("a board member paid by a payment cannot approve it", async (t) => {
  const poolId = await fundedPool();
  const toApprove = async (personId: string) => {
    t.ok(await hearth.engine.waitFor(['pools'], await hearth.store.headPosition(), 10_000));
    return (await notify.waitingFor(hearth, as(personId))).find((w) => w.kind === 'payments-to-approve')?.count ?? 0;
  };
  const [bertBefore, tessBefore] = [await toApprove(bert.personId), await toApprove(tess.personId)];
  // Bert, on the board, leads the chair exercise class the payment is for.
  const { paymentId } = await pools.submitPaymentFor(hearth, as(coordinator.personId), { ...lunches(poolId, 6_000), payee: 'Bert Board (chair exercise)', payeeId: bert.personId });
  t.equal(await refused(pools.approve(hearth, as(bert.personId), { networkId, poolId, paymentId })), 'beneficiary-approval');
  t.match(await paymentNow(paymentId), { status: 'submitted', approvedBy: [] }, 'nothing is approved');
  t.same([await toApprove(bert.personId), await toApprove(tess.personId)], [bertBefore, tessBefore + 1], 'nor is Bert asked to approve it; Tess is');
  t.equal(await refused(pools.approve(hearth, as(tess.personId), { networkId, poolId, paymentId })), null, 'a treasurer who gains nothing may');
  t.equal(await refused(pools.submitPaymentFor(hearth, as(coordinator.personId), { ...lunches(poolId, 1_000), payeeId: randomUUID() })), 'unknown-member', 'a payee named as a person is a member');
});

t.test("the tester's pool: £300 held, the holders' £150, and £150 that is no holder's on the figures, trial balance and statement", async (t) => {
  const { poolId } = await pools.openPool(hearth, as(coordinator.personId), { networkId, name: `Pooling grant ${randomUUID().slice(0, 4)}`, twoApproversAbovePence: 20_000 });
  const receive = (source: 'contribution' | 'council', pence: number, holderId: string | null) =>
    pools.receiveMoney(hearth, as(tess.personId), { networkId, poolId, source, holderId, pence, reference: 'March', receivedOn: '2026-03-02' });
  await receive('contribution', 10_000, edna.personId);
  await receive('contribution', 5_000, walter.personId);
  await receive('council', 15_000, null);
  const { position } = await pools.recordBankCharge(hearth, as(tess.personId), { networkId, poolId, pence: 450, description: 'Account fee March', chargedOn: '2026-03-03' });
  t.ok(await hearth.engine.waitFor(['pools', 'people'], position, 10_000));

  // £300 in, less a £4.50 charge: £295.50. Edna's £100 and Walter's £50 are theirs; £145.50 is no holder's.
  const read = await pools.readPool(hearth, as(tess.personId), { networkId, poolId });
  t.equal(read.balancePence, 29_550);
  t.same(read.holders.map((h) => [h.name, h.shareOfBalance]), [['Edna Firth', 10_000], ['Walter Greenwood', 5_000]]);
  t.match(read.unattributed, { pence: 14_550, netIncome: 14_550, beyondHolders: 0, borneByHolders: 0, accounts: [{ account: 'bank charges', pence: -450 }, { account: 'council income', pence: 15_000 }] });
  t.equal(read.holders.reduce((s, h) => s + h.shareOfBalance, 0) + read.unattributed.pence, read.balancePence, 'to the penny');

  const trial = await pools.poolTrialBalance(hearth, as(tess.personId), { networkId, poolId });
  t.match(trial, { balancePence: 29_550, holdersPence: 15_000, unattributed: { pence: 14_550 } });

  const close = await pools.closePeriod(hearth, as(tess.personId), { networkId, poolId, periodEnd: '2026-03-05', reinvest: null, clawBacks: [] });
  t.ok(await hearth.engine.waitFor(['pools', 'people'], close.position, 10_000));
  const statement = await pools.closedPeriodStatement(hearth, as(tess.personId), { networkId, poolId, periodEnd: '2026-03-05' });
  t.match(statement, { closing: 29_550, unattributed: { pence: 14_550 } });
  const { periodStatementCsv, periodStatementPage } = await import('../src/pools/statement.ts');
  const csv = periodStatementCsv(statement);
  t.same(csv.holders.slice(-2).map((r) => [r[0], r.at(-1)]), [["Not any holder's: money no holder contributed, less the pool's own costs", '145.50'], ['Pool balance', '295.50']]);
  t.same(csv.unattributed.slice(1), [['Bank charges', '-4.50'], ['Council income', '150.00'], ["Not any holder's: money no holder contributed, less the pool's own costs", '145.50']]);
  t.match(periodStatementPage(statement), /Not any holder&#39;s|Not any holder's/);
});

t.test('a Lloyds statement listed newest first closes at its own closing balance, beside the books', async (t) => {
  const poolId = (await pools.openPool(hearth, as(coordinator.personId), { networkId, name: `Lloyds ${randomUUID().slice(0, 4)}`, twoApproversAbovePence: 20_000 })).poolId;
  await pools.receiveMoney(hearth, as(tess.personId), { networkId, poolId, source: 'contribution', holderId: edna.personId, pence: 150_000, reference: 'DIRECT PAYMENTS', receivedOn: '2026-03-02' });
  const imported = await pools.importBankStatement(hearth, as(tess.personId), { networkId, poolId, csv: lloydsNewestFirst });
  t.match(imported, { layout: 'lloyds', lines: 6, imported: 6 });
  t.ok(await hearth.engine.waitFor(['pools', 'people'], imported.position, 10_000));
  const rec = await pools.readReconciliation(hearth, as(tess.personId), { networkId, poolId });
  t.equal(rec.bankBalancePence, 50_500, 'the bank says £505.00, not £1,305.00');
  // The books hold £1,500 on 9 March; the bank £505.00: the five payments of £995.00 are not in the books yet.
  t.same(rec.againstBooks, {
    on: '2026-03-09', bankPence: 50_500, booksPence: 150_000, differencePence: -99_500, broughtForwardPence: 0,
    unmatchedLinesPence: rec.lines.filter((l) => l.match === null).reduce((s, l) => s + l.pence, 0),
    unmatchedEntriesPence: rec.unmatchedEntries.reduce((s, e) => s + e.pence, 0),
    unexplainedPence: 0,
  });
  t.equal(rec.againstBooks!.unmatchedLinesPence - rec.againstBooks!.unmatchedEntriesPence, -99_500, 'explained by the unmatched lines');
  t.same(rec.lines.map((l) => l.balancePence), [150_000, 130_500, 100_500, 75_500, 75_050, 50_500], 'lines in the order the money moved');
});

t.test('payments keep three dates and are listed by date, a page at a time', async (t) => {
  const poolId = await fundedPool(20_000);
  const submit = (submittedOn: string, invoiceDate: string) =>
    pools.submitPaymentFor(hearth, as(coordinator.personId), { ...lunches(poolId, 5_000), invoiceReference: `INV-${submittedOn}`, invoiceDate, submittedOn });
  const march4 = await submit('2026-03-04', '2026-03-03');
  const march6 = await submit('2026-03-06', '2026-03-01');
  const march2 = await submit('2026-03-02', '2026-02-28');
  // Tess approves the 4 March payment on the 10th; the bank sent it on the 6th.
  const { position } = await pools.approve(hearth, as(tess.personId), { networkId, poolId, paymentId: march4.paymentId, paidOn: '2026-03-06' });
  t.ok(await hearth.engine.waitFor(['pools', 'people'], position, 10_000));
  const { payment } = await pools.readPayment(hearth, as(tess.personId), { networkId, poolId, paymentId: march4.paymentId });
  t.match(payment, { invoiceDate: '2026-03-03', submittedOn: '2026-03-04', approvedOn: '2026-03-10', paidOn: '2026-03-06', status: 'paid' });
  const { lines } = await pools.poolLedger(hearth, as(tess.personId), { networkId, poolId, from: '2026-03-01' });
  t.match(lines.find((l) => l.entryId === march4.paymentId), { date: '2026-03-06', pence: -5_000 }, 'the ledger is dated by the day the money left');

  const first = await pools.listPayments(hearth, as(tess.personId), { networkId, poolId, limit: 2 });
  t.same(first.items.map((p) => p.submittedOn), ['2026-03-06', '2026-03-04'], 'newest first');
  t.ok(first.next);
  const second = await pools.listPayments(hearth, as(tess.personId), { networkId, poolId, limit: 2, after: first.next! });
  t.same(second.items.map((p) => p.paymentId), [march2.paymentId]);
  t.equal(second.next, null, 'the last page says so');
  t.same(new Set([...first.items, ...second.items].map((p) => p.paymentId)), new Set([march4.paymentId, march6.paymentId, march2.paymentId]), 'each payment once');
});

t.test("a pool expense shared by the treasurer's rule: in the holders' figures, and the ledger says the rule", async (t) => {
  const poolId = await fundedPool();
  await pools.receiveMoney(hearth, as(tess.personId), { networkId, poolId, source: 'contribution', holderId: walter.personId, pence: 25_000, reference: 'DP', receivedOn: '2026-03-02' });
  const { paymentId } = await pools.submitPaymentFor(hearth, as(tess.personId), {
    networkId, poolId, payee: 'St Bartholomew’s Hall', purpose: 'Room hire, March', invoiceReference: 'HALL-3', pence: 3_000, beneficiaries: [], expense: { sharedBy: 'by-share' }, submittedOn: '2026-03-10',
  });
  t.equal(await refused(pools.approve(hearth, as(edna.personId), { networkId, poolId, paymentId })), 'beneficiary-approval', 'Edna has a share, so it is spent on her too');
  const { position } = await pools.approve(hearth, as(bert.personId), { networkId, poolId, paymentId });
  t.ok(await hearth.engine.waitFor(['pools', 'people'], position, 10_000));
  // £500 and £250: £20 and £10 of the £30.
  const read = await pools.readPool(hearth, as(tess.personId), { networkId, poolId });
  t.same(read.holders.map((h) => [h.name, h.spent, h.shareOfBalance]), [['Edna Firth', 2_000, 48_000], ['Walter Greenwood', 1_000, 24_000]]);
  t.equal(read.unattributed.pence, 0);
  const { lines } = await pools.poolLedger(hearth, as(tess.personId), { networkId, poolId, from: '2026-03-01' });
  t.match(lines.find((l) => l.entryId === paymentId), { kind: 'expense', pence: -3_000, purpose: 'Room hire, March (shared across the budget holders in proportion to their shares of the balance)' });
});
