// Pools against real PostgreSQL concurrency: approvals racing for the same money. However many
// approvals come at once, the pool pays only what it holds, and never goes below zero.
import t from 'tap';
import { clearText } from '../src/access/vault.ts';
import { randomUUID } from 'node:crypto';
import { contextFor, refused } from './support/given.ts';
import { racingHearth } from './support/hearth.ts';
import { send, signUp, type Person } from './support/http.ts';
import type { Caller } from '../src/access/caller.ts';
import { readStates } from '../src/commands/decide.ts';
import type { EventStore } from '../src/eventstore/port.ts';
import { buildApp } from '../src/http/app.ts';
import type { Hearth } from '../src/hearth.ts';
import { poolDecider, poolStream, type OpenPool } from '../src/pools/pool.ts';
import { approve as approveIn } from '../src/pools/app.ts';
import { onPool, submitPayment, submitTransfer } from '../src/pools/commands.ts';
import { paymentStream } from '../src/pools/payment.ts';
import { reconciliationStream } from '../src/pools/reconciliation.ts';

// Taken afresh for each test, so that a run across midnight does not date one step yesterday and the next today.
let today = new Date().toISOString().slice(0, 10);
t.beforeEach(() => {
  today = new Date().toISOString().slice(0, 10);
});
/** A new command by this person, acting for themselves. */
const callerFor = (personId: string): Caller => ({ personId, onBehalfOf: null, commandId: randomUUID(), correlationId: randomUUID() });
/** The pool as its stream has it now. */
const poolNow = async (store: EventStore, poolId: string) => (await readStates(store, { pool: [poolStream(poolId), poolDecider] })).pool as OpenPool;
/** An approval through the application, as a treasurer gives it. */
const approval = (hearth: Hearth, treasurer: string, networkId: string, poolId: string, paymentId: string) => refused(approveIn(hearth, callerFor(treasurer), { networkId, poolId, paymentId }));

t.test('approvals racing for one pool pay only what it holds', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const { store } = hearth;
  const [treasurer, submitter, holder] = [randomUUID(), randomUUID(), randomUUID()];

  for (let round = 0; round < 5; round++) {
    const [poolId, networkId] = [randomUUID(), randomUUID()];
    await onPool(store, poolId, { type: 'OpenPool', poolId, networkId, name: 'Lunch club', twoApproversAbovePence: 100_000 }, contextFor(treasurer));
    // £100 in; eight payments of £30 submitted: room for three of them.
    await onPool(store, poolId, { type: 'ReceiveMoney', networkId, receiptId: randomUUID(), source: 'contribution', holderId: holder, pence: 10_000, reference: clearText('DP'), receivedOn: today, today }, contextFor(treasurer));
    const payments = Array.from({ length: 8 }, () => randomUUID());
    for (const paymentId of payments) {
      await submitPayment(store, networkId, { paymentId, poolId, payee: 'Kitchen CIC', purpose: 'Lunches', invoiceReference: 'INV', pence: 3_000, beneficiaries: [{ holderId: holder, pence: 3_000 }], submittedBy: submitter, submittedOn: today }, today, contextFor(submitter));
    }
    const outcomes = await Promise.all(payments.map((id) => approval(hearth, treasurer, networkId, poolId, id)));
    t.equal(outcomes.filter((o) => o === null).length, 3, `round ${round}: three payments approved`);
    t.same(outcomes.filter((o) => o !== null), Array(5).fill('not-enough-in-pool'), 'the rest are refused for want of money');
    t.match(await poolNow(store, poolId), { balance: 1_000 }, '£10 left, never below zero');
  }
});

t.test('two transfers out of one pool approved at once, when it holds enough for one: one moves the money', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const { store } = hearth;
  const [treasurer, submitter] = [randomUUID(), randomUUID()];
  const open = (poolId: string, networkId: string, name: string) => onPool(store, poolId, { type: 'OpenPool', poolId, networkId, name, twoApproversAbovePence: 100_000 }, contextFor(treasurer));
  const grant = (poolId: string, networkId: string, pence: number) =>
    onPool(store, poolId, { type: 'ReceiveMoney', networkId, receiptId: randomUUID(), source: 'grant', holderId: null, pence, reference: clearText('Grant'), receivedOn: today, today }, contextFor(treasurer));
  const transfer = async (networkId: string, poolId: string, toPoolId: string, pence: number) => {
    const paymentId = randomUUID();
    await submitTransfer(store, networkId, { paymentId, poolId, toPoolId, pence, reason: 'Outings need it', submittedBy: submitter, submittedOn: today }, today, contextFor(submitter));
    return paymentId;
  };
  const approve = (networkId: string, poolId: string, paymentId: string) => approval(hearth, treasurer, networkId, poolId, paymentId);

  for (let round = 0; round < 5; round++) {
    const [networkId, from, to] = [randomUUID(), randomUUID(), randomUUID()];
    await open(from, networkId, 'Lunch club');
    await open(to, networkId, 'Outings');
    await grant(from, networkId, 10_000);
    await grant(to, networkId, 1_000);
    // 100.00 in the lunch club; two transfers of 60.00 each.
    const transfers = [await transfer(networkId, from, to, 6_000), await transfer(networkId, from, to, 6_000)];
    const outcomes = await Promise.all(transfers.map((id) => approve(networkId, from, id)));
    t.same([...outcomes].sort(), ['not-enough-in-pool', null].sort(), `round ${round}: one approved, one refused for want of money`);
    const [lunch, outings] = [await poolNow(store, from), await poolNow(store, to)];
    t.equal(lunch.balance, 4_000, 'the lunch club paid out once');
    t.equal(outings.balance, 7_000, 'and the outings pool received once');
    const moved = transfers[outcomes.indexOf(null)]!;
    t.same([...lunch.entries].filter(([, e]) => e.kind === 'transfer-out').map(([id]) => id), [moved], 'one transfer out');
    t.same([...outings.entries].filter(([, e]) => e.kind === 'transfer-in').map(([id]) => id), [moved], 'and its other side, under the same id');
    const states = await Promise.all(transfers.map(async (id) => (await store.readStream(paymentStream(id))).map((e) => e.type)));
    t.same(states.map((types) => types.includes('pools.PaymentApproved')), outcomes.map((o) => o === null), 'only the transfer that moved money is approved');
  }
});

t.test('transfers each way between two pools approved at once both go through', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const { store } = hearth;
  const [treasurer, submitter] = [randomUUID(), randomUUID()];
  for (let round = 0; round < 5; round++) {
    const [networkId, a, b] = [randomUUID(), randomUUID(), randomUUID()];
    for (const poolId of [a, b]) {
      await onPool(store, poolId, { type: 'OpenPool', poolId, networkId, name: 'Pool', twoApproversAbovePence: 100_000 }, contextFor(treasurer));
      await onPool(store, poolId, { type: 'ReceiveMoney', networkId, receiptId: randomUUID(), source: 'grant', holderId: null, pence: 5_000, reference: clearText('Grant'), receivedOn: today, today }, contextFor(treasurer));
    }
    const [ab, ba] = [randomUUID(), randomUUID()];
    await submitTransfer(store, networkId, { paymentId: ab, poolId: a, toPoolId: b, pence: 2_000, reason: 'A to B', submittedBy: submitter, submittedOn: today }, today, contextFor(submitter));
    await submitTransfer(store, networkId, { paymentId: ba, poolId: b, toPoolId: a, pence: 3_000, reason: 'B to A', submittedBy: submitter, submittedOn: today }, today, contextFor(submitter));
    const outcomes = await Promise.all([
      approval(hearth, treasurer, networkId, a, ab),
      approval(hearth, treasurer, networkId, b, ba),
    ]);
    t.same(outcomes, [null, null], `round ${round}: both approved`);
    t.same([(await poolNow(store, a)).balance, (await poolNow(store, b)).balance], [6_000, 4_000], 'each pool out by what it sent and in by what it received');
  }
});

t.test('two manual matches of one entry to different bank lines at once: one succeeds', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  await hearth.engine.start();
  const app = await buildApp(hearth);
  t.teardown(() => app.close());
  const coordinator = await signUp(app, 'Cath Coordinator');
  const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Armley Good Neighbours', kind: 'neighbourhood_network' }, coordinator.auth)).json().networkId as string;
  const base = `/api/v1/networks/${networkId}`;
  const treasurer: Person = await signUp(app, 'Tess Treasurer');
  await send(app, 'POST', `${base}/invitations`, { personId: treasurer.personId }, coordinator.auth);
  await send(app, 'POST', `${base}/invitations/acceptance`, undefined, treasurer.auth);
  await send(app, 'PUT', `${base}/members/${treasurer.personId}/roles`, { roles: ['treasurer'], reason: 'elected' }, coordinator.auth);

  // Two lines of 50.00 on one day that nothing tells apart, and one grant of 50.00: left for a treasurer.
  const statement = ['Date,Description,Amount,Balance', `${today},GIFT,50.00,`, `${today},GIFT,50.00,`].join('\n');
  for (let round = 0; round < 5; round++) {
    const poolId = (await send(app, 'POST', `${base}/pools`, { name: `Pool ${round}`, twoApproversAbovePence: 0 }, coordinator.auth)).json().poolId as string;
    const pool = `${base}/pools/${poolId}`;
    const { receiptId } = (await send(app, 'POST', `${pool}/receipts`, { source: 'grant', pence: 5_000, reference: 'Lottery', receivedOn: today }, treasurer.auth)).json();
    const imported = await app.inject({ method: 'POST', url: `${pool}/bank-statements`, headers: { ...treasurer.auth, 'content-type': 'text/csv', 'idempotency-key': randomUUID() }, payload: statement });
    t.match(imported.json(), { imported: 2, matched: 0 }, 'neither line is matched by Hearth');
    const before = (await app.inject({ method: 'GET', url: `${pool}/reconciliation?after=${imported.json().position}`, headers: treasurer.auth })).json();
    const lines = before.unmatchedLines.map((l: { lineId: string }) => l.lineId) as string[];
    t.equal(lines.length, 2);

    const answers = await Promise.all(lines.map((lineId) => send(app, 'POST', `${pool}/reconciliation/matches`, { lineId, entryIds: [receiptId] }, treasurer.auth)));
    t.same(answers.map((a) => a.statusCode).sort(), [201, 409], `round ${round}: one match, one refused`);
    t.match(answers.find((a) => a.statusCode === 409)!.json(), { type: '/problems/entry-matched', errors: [{ pointer: '/entryIds/0' }] });
    const events = await hearth.store.readStream(reconciliationStream(poolId));
    t.same(events.map((e) => e.type), ['pools.BankStatementImported', 'pools.LinesMatched'], 'one match written');
    const winner = lines[answers.findIndex((a) => a.statusCode === 201)]!;
    const after = (await app.inject({ method: 'GET', url: `${pool}/reconciliation?after=${await hearth.store.headPosition()}`, headers: treasurer.auth })).json();
    t.same(after.matched.map((m: { lineId: string; entryIds: string[] }) => [m.lineId, m.entryIds]), [[winner, [receiptId]]], 'the entry is matched to one line');
    t.same(after.unmatchedLines.map((l: { lineId: string }) => l.lineId), lines.filter((l) => l !== winner));
  }
});
