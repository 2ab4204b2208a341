// The pool's figures as an auditor signs them, decided in memory: the line that is no holder's
// (so that the holders' shares plus it are the balance, to the penny, on any history), no one
// approving a payment they benefit from or are paid by, and the bank's closing balance read in the
// order the bank printed its statement. Every figure is worked out by hand here.
import t from 'tap';
import fc from 'fast-check';
import { clearText } from '../src/access/vault.ts';
import { fold, Rejection } from '../src/commands/decider.ts';
import { refusal, uid } from './support/given.ts';
import { lloydsNewestFirst } from './support/treasurer.ts';
import { moneyAsAt, poolDecider, sharesOfBalance, unattributedOf, type OpenPool, type PoolCommand, type PoolEvent } from '../src/pools/pool.ts';
import { decideApproval, decideProposalPayment, evolvePayment, type PaymentState } from '../src/pools/payment.ts';
import { readStatement } from '../src/pools/bank-statement.ts';
import { inBankOrder } from '../src/pools/books.ts';
import { bankAgainstBooks } from '../src/pools/reconciliation.ts';

const poolId = uid(0xa1);
const networkId = uid(0xa2);
const [edna, walter, carol] = [uid(0xb1), uid(0xb2), uid(0xb3)];
const [tess, bert] = [uid(0xc1), uid(0xc2)];
const opened: PoolEvent = { type: 'pools.PoolOpened', data: { poolId, networkId, name: 'Armley lunch club', twoApproversAbovePence: 25_000 } };
const received = (n: number, source: 'contribution' | 'council' | 'grant', pence: number, holderId: string | null = null): PoolEvent => ({
  type: 'pools.MoneyReceived',
  data: { poolId, receiptId: uid(0x100 + n), source, holderId, pence, reference: clearText('DP'), receivedOn: '2026-03-02' },
});
const open = (...events: PoolEvent[]) => fold(poolDecider, [opened, ...events]) as OpenPool;
const sum = (shares: Map<string, number>) => [...shares.values()].reduce((a, b) => a + b, 0);

t.test("the tester's pool: £300 held, £150 of it the holders', the rest a line of its own", async (t) => {
  // Edna put in £100 and Walter £50 from their Direct Payments; the council paid in a £150 pooling grant.
  const pool = open(received(1, 'contribution', 10_000, edna), received(2, 'contribution', 5_000, walter), received(3, 'council', 15_000));
  t.equal(pool.balance, 30_000);
  const shares = sharesOfBalance(pool);
  t.same([shares.get(edna), shares.get(walter)], [10_000, 5_000]);
  t.equal(sum(shares), 15_000, "the holders' shares add to £150");
  const line = unattributedOf(pool);
  t.match(line, { pence: 15_000, netIncome: 15_000, beyondHolders: 0, borneByHolders: 0 }, 'and £150 is no holder’s');
  t.equal(sum(shares) + line.pence, pool.balance, 'together the balance, to the penny');
});

t.test("the pool's own costs come out of the line that is no holder's; only past it do the holders' shares bear them", async (t) => {
  const charge = (n: number, pence: number): PoolEvent => ({ type: 'pools.BankCharged', data: { poolId, chargeId: uid(0x200 + n), pence, description: 'Account fee', chargedOn: '2026-03-03' } });
  // £120 of holders' money, £10 of grant, a £4.50 charge: £5.50 is left of the grant.
  const covered = open(received(1, 'contribution', 8_000, edna), received(2, 'contribution', 4_000, walter), received(3, 'grant', 1_000), charge(1, 450));
  t.match(unattributedOf(covered), { pence: 550, netIncome: 550, borneByHolders: 0 });
  t.same(sharesOfBalance(covered), new Map([[edna, 8_000], [walter, 4_000]]));
  // A second charge of £9.50 is £4.00 more than the grant left: the holders bear that, 2 to 1.
  const beyond = open(received(1, 'contribution', 8_000, edna), received(2, 'contribution', 4_000, walter), received(3, 'grant', 1_000), charge(1, 450), charge(2, 950));
  t.match(unattributedOf(beyond), { pence: 0, netIncome: -400, borneByHolders: 400 });
  t.same(sharesOfBalance(beyond), new Map([[edna, 7_733], [walter, 3_867]]));
  t.equal(sum(sharesOfBalance(beyond)) + unattributedOf(beyond).pence, beyond.balance);
  // Lunches for Carol, who put nothing in, are paid from the council's money first.
  const forCarol = open(received(1, 'contribution', 6_000, edna), received(2, 'council', 5_000), ...decideProposalPayment(open(received(1, 'contribution', 6_000, edna), received(2, 'council', 5_000)), {
    poolId, paymentId: uid(0x300), payee: 'Kirkstall Kitchen CIC', purpose: 'Lunches', invoiceReference: 'INV-1', pence: 2_000, beneficiaries: [{ holderId: carol, pence: 2_000 }], proposalId: uid(0x301),
  }, '2026-03-04'));
  t.match(unattributedOf(forCarol), { pence: 3_000, netIncome: 3_000 + 2_000, beyondHolders: 2_000 }, '£50 council less £20 spent on Carol beyond her own money');
  t.equal(sharesOfBalance(forCarol).get(edna), 6_000);
});

t.test('no one approves a payment that benefits them or pays them', async (t) => {
  const funded = open(received(1, 'contribution', 30_000, edna));
  const submitted: PaymentState = evolvePayment({ status: 'none' }, {
    type: 'pools.PaymentSubmitted',
    data: {
      paymentId: uid(0x400), poolId, payee: 'Walter Greenwood (chair exercise classes)', payeeId: walter, purpose: 'Chair exercise, March', invoiceReference: 'WG-3', pence: 6_000,
      beneficiaries: [{ holderId: edna, pence: 6_000 }], submittedBy: tess, submittedOn: '2026-03-10',
    },
  });
  t.match(refusal(() => decideApproval(submitted, funded, { personId: walter, isCoordinator: false }, '2026-03-11')), { type: 'beneficiary-approval', status: 403 }, 'not the person paid');
  t.match(refusal(() => decideApproval(submitted, funded, { personId: edna, isCoordinator: false }, '2026-03-11')), { type: 'beneficiary-approval', status: 403 }, 'nor the person it is spent on');
  t.match(refusal(() => decideApproval(submitted, funded, { personId: tess, isCoordinator: false }, '2026-03-11')), { type: 'own-payment' }, 'nor whoever submitted it');
  t.match(decideApproval(submitted, funded, { personId: bert, isCoordinator: false }, '2026-03-11'), { pool: [{ type: 'pools.PaymentMade', data: { pence: 6_000 } }] }, 'another board member may');
});


t.test("the bank's closing balance is the statement's own, in the order the bank printed it", async (t) => {
  const statementId = uid(0x500);
  const stored = readStatement(lloydsNewestFirst).lines.map((l) => ({ line_id: l.lineId, statement_id: statementId, line: l.line, line_date: l.on, pence: l.pence, balance_pence: l.balancePence }));
  // The old reading: the last row by date, statement and line number, the first of the last day's five.
  const byDateAndLine = [...stored].sort((a, b) => a.line_date.localeCompare(b.line_date) || a.line - b.line);
  t.equal(byDateAndLine.at(-1)!.balance_pence, 130_500, 'is £1,305.00, the balance after the first of them');
  const { ordered, closing } = inBankOrder(stored);
  t.same(closing, { on: '2026-03-09', pence: 50_500, statementId }, 'the bank closed at £505.00');
  t.same(ordered.map((l) => l.balance_pence), [150_000, 130_500, 100_500, 75_500, 75_050, 50_500], 'the lines in the order the money moved');
  // Printed oldest first, the same statement closes at the same balance.
  const [header, ...rows] = lloydsNewestFirst.split('\n');
  const reversed = readStatement([header, ...rows.reverse()].join('\n')).lines.map((l) => ({ line_id: l.lineId, statement_id: statementId, line: l.line, line_date: l.on, pence: l.pence, balance_pence: l.balancePence }));
  t.same(inBankOrder(reversed).closing, { on: '2026-03-09', pence: 50_500, statementId });
  // Two statements: the one that ends latest closes, whatever their ids.
  const earlier = [{ line_id: uid(0x510), statement_id: uid(0xfff), line: 2, line_date: '2026-02-27', pence: 1_000, balance_pence: 1_000 }];
  t.same(inBankOrder([...earlier, ...stored]).closing?.pence, 50_500);
  t.equal(inBankOrder([]).closing, null);
});

t.test("the bank beside the books: the difference is the unmatched lines, less the unmatched entries", async (t) => {
  // The books hold Edna's £1,500 (matched to its line) and a £60 payment not yet through the bank;
  // the bank shows the five payments of 9 March, £995.00, none of them in the books yet.
  const explained = bankAgainstBooks({
    closing: { on: '2026-03-09', pence: 50_500 },
    booksPence: 150_000 - 6_000,
    broughtForwardPence: 0,
    unmatchedLines: [-24_550, -450, -25_000, -30_000, -19_500].map((pence) => ({ date: '2026-03-09', pence })),
    unmatchedEntries: [{ date: '2026-03-08', pence: -6_000 }, { date: '2026-03-10', pence: -2_000 }],
  });
  t.same(explained, {
    on: '2026-03-09', bankPence: 50_500, booksPence: 144_000, differencePence: -93_500, broughtForwardPence: 0,
    unmatchedLinesPence: -99_500, unmatchedEntriesPence: -6_000, unexplainedPence: 0,
  }, '£505.00 − £1,440.00 = −£935.00 = −£995.00 in the bank − (−£60.00) in the books; the entry after the 9th is not counted');
});

// ---- Property: on any history, the holders' shares plus the line that is no holder's are the balance.

type Step =
  | { op: 'contribute'; holder: number; pence: number }
  | { op: 'income'; source: 'council' | 'grant'; pence: number }
  | { op: 'charge'; pence: number }
  | { op: 'pay'; pence: number; split: number[] }
  | { op: 'refund'; which: number; pence: number }
  | { op: 'correct'; which: number; pence: number }
  | { op: 'transfer'; out: boolean; pence: number }
  | { op: 'expense'; pence: number; sharedBy: 'no-holder' | 'equally' | 'by-share' };

const holders = [edna, walter, carol, uid(0xb4)];
const amount = fc.integer({ min: 1, max: 200_000 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('contribute' as const), holder: fc.nat(3), pence: amount }),
  fc.record({ op: fc.constant('income' as const), source: fc.constantFrom('council' as const, 'grant' as const), pence: amount }),
  fc.record({ op: fc.constant('charge' as const), pence: fc.integer({ min: 1, max: 5_000 }) }),
  fc.record({ op: fc.constant('pay' as const), pence: amount, split: fc.array(fc.nat(10), { minLength: 4, maxLength: 4 }) }),
  fc.record({ op: fc.constant('refund' as const), which: fc.nat(20), pence: amount }),
  fc.record({ op: fc.constant('correct' as const), which: fc.nat(20), pence: fc.integer({ min: -50_000, max: 50_000 }) }),
  fc.record({ op: fc.constant('transfer' as const), out: fc.boolean(), pence: amount }),
  fc.record({ op: fc.constant('expense' as const), pence: fc.integer({ min: 1, max: 25_000 }), sharedBy: fc.constantFrom('no-holder' as const, 'equally' as const, 'by-share' as const) }),
);

/** The history the steps make, each through the pool's own decisions; a step the pool refuses is left out. */
function history(steps: Step[]): PoolEvent[] {
  const events: PoolEvent[] = [opened];
  let pool = open();
  const at = { networkId, today: '2026-03-10' };
  steps.forEach((s, i) => {
    const id = uid(0x1000 + i);
    const on = `2026-03-0${1 + (i % 9)}`;
    const entryIds = [...pool.entries.keys()];
    const pick = (n: number) => entryIds[n % Math.max(1, entryIds.length)];
    let made: PoolEvent[] = [];
    try {
      const decide = (command: PoolCommand) => poolDecider.decide(command, pool);
      if (s.op === 'contribute') made = decide({ type: 'ReceiveMoney', ...at, receiptId: id, source: 'contribution', holderId: holders[s.holder]!, pence: s.pence, reference: clearText('DP'), receivedOn: on });
      if (s.op === 'income') made = decide({ type: 'ReceiveMoney', ...at, receiptId: id, source: s.source, holderId: null, pence: s.pence, reference: clearText('Grant'), receivedOn: on });
      if (s.op === 'charge') made = decide({ type: 'RecordBankCharge', ...at, chargeId: id, pence: s.pence, description: 'Fee', chargedOn: on });
      if (s.op === 'refund' && pick(s.which)) made = decide({ type: 'ReceiveRefund', ...at, refundId: id, paymentId: pick(s.which)!, pence: s.pence, reference: 'Refund', receivedOn: '2026-03-10' });
      if (s.op === 'correct' && pick(s.which)) made = decide({ type: 'CorrectEntry', ...at, correctionId: id, corrects: pick(s.which)!, pence: s.pence, reason: 'Recorded wrongly', correctedOn: '2026-03-10' });
      if (s.op === 'pay') {
        const weights = s.split.map((w, h) => ({ holderId: holders[h]!, pence: w }));
        const beneficiaries = weights.some((w) => w.pence > 0)
          ? (weights.filter((w) => w.pence > 0).reduce<{ left: number; out: Array<{ holderId: string; pence: number }> }>(
              (acc, w, k, all) => {
                const part = k === all.length - 1 ? acc.left : Math.floor((s.pence * w.pence) / all.reduce((a, b) => a + b.pence, 0));
                return { left: acc.left - part, out: [...acc.out, { holderId: w.holderId, pence: part }] };
              },
              { left: s.pence, out: [] },
            ).out.filter((b) => b.pence > 0))
          : [{ holderId: edna, pence: s.pence }];
        made = decideProposalPayment(pool, { poolId, paymentId: id, payee: 'Provider', purpose: 'Care', invoiceReference: 'INV', pence: s.pence, beneficiaries, proposalId: id }, on);
      }
      if (s.op === 'expense') {
        // Under the £250 threshold one approval pays it, attributed by its rule among the holders then.
        const expense = evolvePayment({ status: 'none' }, {
          type: 'pools.PaymentSubmitted',
          data: { paymentId: id, poolId, payee: 'Hall', purpose: 'Room hire', invoiceReference: 'HALL', pence: s.pence, beneficiaries: [], expense: { sharedBy: s.sharedBy }, submittedBy: tess, submittedOn: on },
        });
        made = decideApproval(expense, pool, { personId: bert, isCoordinator: false }, '2026-03-10', on).pool;
      }
      if (s.op === 'transfer') {
        if (s.out && s.pence > pool.balance) throw new Rejection('not-enough-in-pool', 'short', 409);
        made = [s.out
          ? { type: 'pools.TransferredOut', data: { poolId, transferId: id, toPoolId: uid(0xfe), pence: s.pence, reference: 'To outings', transferredOn: on } }
          : { type: 'pools.TransferredIn', data: { poolId, transferId: id, fromPoolId: uid(0xfe), pence: s.pence, reference: 'From outings', transferredOn: on } }];
      }
    } catch (err) {
      if (!(err instanceof Rejection)) throw err;
      made = [];
    }
    for (const e of made) pool = poolDecider.evolve(pool, e) as OpenPool;
    events.push(...made);
  });
  return events;
}

/**
 * Money no holder contributed less the pool's own costs, worked out from the events alone: every
 * entry that names no holder (council and grant money, charges, transfers, expenses attributed to
 * no holder and their refunds), in or out, and its corrections.
 */
function noHoldersMoney(events: PoolEvent[], day = '9999-12-31'): number {
  const noHolder = new Map<string, 1 | -1>();
  let net = 0;
  for (const e of events) {
    const d = e.data as Record<string, unknown>;
    if (e.type === 'pools.MoneyReceived' && e.data.source !== 'contribution') noHolder.set(e.data.receiptId, 1);
    if (e.type === 'pools.BankCharged') noHolder.set(e.data.chargeId, -1);
    if (e.type === 'pools.TransferredOut') noHolder.set(e.data.transferId, -1);
    if (e.type === 'pools.TransferredIn') noHolder.set(e.data.transferId, 1);
    if (e.type === 'pools.PaymentMade' && e.data.beneficiaries.length === 0) noHolder.set(e.data.paymentId, -1);
    if (e.type === 'pools.RefundReceived' && e.data.shares.length === 0) noHolder.set(e.data.refundId, 1);
    const on = (d.receivedOn ?? d.chargedOn ?? d.transferredOn ?? d.correctedOn ?? d.paidOn ?? d.on) as string | undefined;
    if (on === undefined || on > day) continue;
    const entryId = (d.refundId ?? d.receiptId ?? d.chargeId ?? d.transferId ?? d.paymentId) as string | undefined;
    if (e.type !== 'pools.EntryCorrected' && entryId !== undefined && noHolder.has(entryId)) net += noHolder.get(entryId)! * (d.pence as number);
    if (e.type === 'pools.EntryCorrected' && noHolder.has(e.data.corrects)) net += noHolder.get(e.data.corrects)! * e.data.pence;
  }
  return net;
}

t.test("property: on any history, the holders' shares plus the line that is no holder's are the balance, to the penny", async (t) => {
  await fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), fc.integer({ min: 1, max: 10 }), (steps, dayOfMonth) => {
      const events = history(steps);
      const pool = fold(poolDecider, events) as OpenPool;
      const day = `2026-03-${String(dayOfMonth).padStart(2, '0')}`;
      for (const money of [pool, moneyAsAt(pool, day)]) {
        const shares = sharesOfBalance(money);
        const line = unattributedOf(money);
        if (sum(shares) + line.pence !== money.balance) return false;
        if (money.balance >= 0 && (line.pence < 0 || [...shares.values()].some((p) => p < 0))) return false;
        if (money.balance >= 0 && line.pence !== Math.max(0, line.netIncome - line.beyondHolders)) return false;
      }
      // The line's money no holder contributed, worked out from the events on their own.
      return unattributedOf(pool).netIncome === noHoldersMoney(events) && unattributedOf(moneyAsAt(pool, day)).netIncome === noHoldersMoney(events, day);
    }),
    { numRuns: 300 },
  );
  t.pass('holders’ shares + the unattributed line = the balance, on every history and at every day');
});

t.test('a payment keeps its invoice date, its approval date and the day the money left, by which the ledger is dated', async (t) => {
  const funded = open(received(1, 'contribution', 30_000, edna));
  const data = {
    paymentId: uid(0x600), poolId, payee: 'Kirkstall Kitchen CIC', purpose: 'Lunches, February', invoiceReference: 'INV-9', invoiceDate: '2026-02-27', pence: 26_000,
    beneficiaries: [{ holderId: edna, pence: 26_000 }], submittedBy: tess, submittedOn: '2026-03-02',
  };
  const submitted: PaymentState = evolvePayment({ status: 'none' }, { type: 'pools.PaymentSubmitted', data });
  // Over the £250 threshold: Bert signs on the 5th, Tom on the 10th, and the bank sent it on the 9th.
  const tom = uid(0xc3);
  t.match(refusal(() => decideApproval(submitted, funded, { personId: bert, isCoordinator: false }, '2026-03-05', '2026-03-05')), { type: 'not-paid-yet', field: 'paidOn' }, 'the first of two signatures pays nothing, so has no paid date');
  const first = decideApproval(submitted, funded, { personId: bert, isCoordinator: false }, '2026-03-05');
  t.same(first.payment, [{ type: 'pools.PaymentApproved', data: { paymentId: uid(0x600), approvedBy: bert, paid: false, on: '2026-03-05' } }]);
  const once = evolvePayment(submitted, first.payment[0]!);
  const paid = decideApproval(once, funded, { personId: tom, isCoordinator: false }, '2026-03-10', '2026-03-09');
  t.same(paid.payment, [{ type: 'pools.PaymentApproved', data: { paymentId: uid(0x600), approvedBy: tom, paid: true, on: '2026-03-10' } }], 'approved on the 10th');
  t.match(paid.pool, [{ type: 'pools.PaymentMade', data: { paidOn: '2026-03-09', pence: 26_000 } }], 'the ledger is dated the 9th, when the money left');
  t.match(open(received(1, 'contribution', 30_000, edna), ...paid.pool).entries.get(uid(0x600)), { kind: 'payment', on: '2026-03-09' });
  t.match(decideApproval(once, funded, { personId: tom, isCoordinator: false }, '2026-03-10').pool, [{ data: { paidOn: '2026-03-10' } }], 'left out, the money left today');
  t.match(refusal(() => decideApproval(once, funded, { personId: tom, isCoordinator: false }, '2026-03-10', '2026-03-11')), { type: 'date-in-future', field: 'paidOn' });
  t.match(refusal(() => decideApproval(once, funded, { personId: tom, isCoordinator: false }, '2026-03-10', '2026-03-01')), { type: 'paid-before-submitted', field: 'paidOn' });
  const closed = open(received(1, 'contribution', 30_000, edna), { type: 'pools.PeriodClosed', data: { poolId, periodEnd: '2026-03-08', closedBy: tess, closedOn: '2026-03-09', balancePence: 30_000, digest: { upToPosition: 1, sha256: '0'.repeat(64) } } });
  t.match(refusal(() => decideApproval(once, closed, { personId: tom, isCoordinator: false }, '2026-03-10', '2026-03-08')), { type: 'date-in-closed-period', field: 'paidOn' });
});

t.test("a pool's own expense is approved like any payment, and attributed to no holder or shared across all by the treasurer's rule", async (t) => {
  // Edna £100 and Walter £50 from their budgets, £40 council money: £190.
  const funded = open(received(1, 'contribution', 10_000, edna), received(2, 'contribution', 5_000, walter), received(3, 'council', 4_000));
  const insurance = (sharedBy: 'no-holder' | 'equally' | 'by-share', pence = 3_001) => ({
    paymentId: uid(0x700), poolId, payee: 'Ecclesiastical Insurance', purpose: 'Public liability, the year to March', invoiceReference: 'POL-77', pence,
    beneficiaries: [], expense: { sharedBy }, submittedBy: tess, submittedOn: '2026-03-10',
  });
  const { decideSubmission } = await import('../src/pools/payment.ts');
  t.match(refusal(() => decideSubmission({ status: 'none' }, funded, { ...insurance('equally'), beneficiaries: [{ holderId: edna, pence: 3_001 }] }, '2026-03-10')), { type: 'expense-beneficiaries', field: 'beneficiaries' });
  const { expense: _, ...plain } = insurance('equally');
  t.match(refusal(() => decideSubmission({ status: 'none' }, funded, plain, '2026-03-10')), { type: 'beneficiaries-needed', field: 'beneficiaries' }, 'a payment for holders names them');
  const pay = (sharedBy: 'no-holder' | 'equally' | 'by-share', by = bert) => {
    const state = evolvePayment({ status: 'none' }, { type: 'pools.PaymentSubmitted', data: insurance(sharedBy) });
    return decideApproval(state, funded, { personId: by, isCoordinator: false }, '2026-03-10');
  };

  // To no holder: £30.01 comes off the £40 that is no holder's; Edna's and Walter's shares stand.
  const none = pay('no-holder');
  t.match(none.pool, [{ type: 'pools.PaymentMade', data: { beneficiaries: [], expense: { sharedBy: 'no-holder' }, pence: 3_001 } }]);
  const afterNone = open(received(1, 'contribution', 10_000, edna), received(2, 'contribution', 5_000, walter), received(3, 'council', 4_000), ...none.pool);
  t.same(sharesOfBalance(afterNone), new Map([[edna, 10_000], [walter, 5_000]]));
  t.match(unattributedOf(afterNone), { pence: 999 });
  t.equal(afterNone.entries.get(uid(0x700))?.kind, 'expense');
  t.ok(pay('no-holder', edna).pool.length === 1, 'a holder may approve what is no holder’s');

  // Equally: £15.01 and £15.00, the odd penny to the first named.
  const equally = pay('equally');
  t.match(equally.pool, [{ data: { beneficiaries: [{ holderId: edna, pence: 1_501 }, { holderId: walter, pence: 1_500 }], expense: { sharedBy: 'equally' } } }]);
  const afterEqually = open(received(1, 'contribution', 10_000, edna), received(2, 'contribution', 5_000, walter), received(3, 'council', 4_000), ...equally.pool);
  t.same(sharesOfBalance(afterEqually), new Map([[edna, 8_499], [walter, 3_500]]));
  t.equal(sum(sharesOfBalance(afterEqually)) + unattributedOf(afterEqually).pence, afterEqually.balance, 'still the balance, to the penny');
  t.match(unattributedOf(afterEqually), { pence: 4_000 }, "the council's money untouched");

  // By share of the balance, 2 to 1: £20.01 and £10.00.
  t.match(pay('by-share').pool, [{ data: { beneficiaries: [{ holderId: edna, pence: 2_001 }, { holderId: walter, pence: 1_000 }] } }]);
  t.match(refusal(() => pay('by-share', edna)), { type: 'beneficiary-approval' }, 'a holder it is shared across benefits, so may not approve it');
  const empty = open(received(3, 'council', 4_000));
  const state = evolvePayment({ status: 'none' }, { type: 'pools.PaymentSubmitted', data: insurance('equally', 1_000) });
  t.match(refusal(() => decideApproval(state, empty, { personId: bert, isCoordinator: false }, '2026-03-10')), { type: 'no-holders-to-share', field: 'expense' });
});
