// Pools against real PostgreSQL concurrency: approvals racing for the same money. However many
// approvals come at once, the pool pays only what it holds, and never goes below zero.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { contextFor, refused } from './support/given.ts';
import { racingHearth } from './support/hearth.ts';
import { fold } from '../src/commands/decider.ts';
import { handleCommand } from '../src/commands/handle.ts';
import { poolDecider, poolStream, type PoolEvent } from '../src/pools/pool.ts';
import { approvePayment, submitPayment } from '../src/pools/commands.ts';

const today = new Date().toISOString().slice(0, 10);

t.test('approvals racing for one pool pay only what it holds', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const { store } = hearth;
  const [treasurer, submitter, holder] = [randomUUID(), randomUUID(), randomUUID()];

  for (let round = 0; round < 5; round++) {
    const [poolId, networkId] = [randomUUID(), randomUUID()];
    await handleCommand(store, poolDecider, poolStream(poolId), { type: 'OpenPool', poolId, networkId, name: 'Lunch club', twoApproversAbovePence: 100_000 }, contextFor(treasurer));
    // £100 in; eight payments of £30 submitted: room for three of them.
    await handleCommand(store, poolDecider, poolStream(poolId), { type: 'ReceiveMoney', networkId, receiptId: randomUUID(), source: 'contribution', holderId: holder, pence: 10_000, reference: 'DP', receivedOn: today, today }, contextFor(treasurer));
    const payments = Array.from({ length: 8 }, () => randomUUID());
    for (const paymentId of payments) {
      await submitPayment(store, networkId, { paymentId, poolId, payee: 'Kitchen CIC', purpose: 'Lunches', invoiceReference: 'INV', pence: 3_000, beneficiaries: [{ holderId: holder, pence: 3_000 }], submittedBy: submitter, submittedOn: today }, today, contextFor(submitter));
    }
    const outcomes = await Promise.all(payments.map((id) => refused(approvePayment(store, networkId, poolId, id, { personId: treasurer, isCoordinator: false }, today, contextFor(treasurer)))));
    t.equal(outcomes.filter((o) => o === null).length, 3, `round ${round}: three payments approved`);
    t.same(outcomes.filter((o) => o !== null), Array(5).fill('not-enough-in-pool'), 'the rest are refused for want of money');
    const pool = fold(poolDecider, (await store.readStream(poolStream(poolId))) as unknown as PoolEvent[]);
    t.match(pool, { balance: 1_000 }, '£10 left, never below zero');
  }
});
