// Pooled budgets: folding a pool's history, which every pool command and statement does, and
// paying out of pools, where each payment is submitted and then approved in one atomic write to
// the payment's stream and its pool's.
import { randomUUID } from 'node:crypto';
import { clearText } from '../src/access/vault.ts';
import { fold } from '../src/commands/decider.ts';
import { decideAcross, type CommandContext } from '../src/commands/decide.ts';
import { approvePayment, submitPayment } from '../src/pools/commands.ts';
import { poolDecider, poolStream, type PoolEvent } from '../src/pools/pool.ts';
import { drive } from './append.ts';
import { scratchHearth } from './scratch.ts';
import type { Row } from './measure.ts';

export interface PoolOptions {
  seconds: number;
  writers: number;
  pools: number;
}

const context = (actor: string): CommandContext => ({ actor, onBehalfOf: null, commandId: randomUUID(), correlationId: randomUUID(), causationId: null, now: new Date().toISOString() });

function foldRows(): Row[] {
  const poolId = randomUUID();
  const networkId = randomUUID();
  return [1_000, 10_000, 50_000].map((size) => {
    const events = [{ type: 'pools.PoolOpened', data: { poolId, networkId, name: 'Bench', twoApproversAbovePence: 100_000 } }] as PoolEvent[];
    for (let i = 0; i < size; i++) {
      events.push({ type: 'pools.MoneyReceived', data: { poolId, receiptId: randomUUID(), source: 'contribution', holderId: `holder-${i % 40}`, pence: 100 + i, reference: clearText('DP'), receivedOn: '2026-03-01' } } as PoolEvent);
    }
    const runs = 5;
    const started = performance.now();
    for (let run = 0; run < runs; run++) fold(poolDecider, events);
    const ms = (performance.now() - started) / runs;
    return { section: 'pools', system: `fold ${size.toLocaleString('en-GB')} events`, perSecond: Math.round((size / ms) * 1000), p50: Number(ms.toFixed(2)), note: 'events per second; p50 is ms per fold' };
  });
}

export async function poolBench(options: PoolOptions): Promise<Row[]> {
  const rows = foldRows();
  const scratch = await scratchHearth(options.writers + 2);
  const { store } = scratch.hearth;
  const [networkId, treasurer, submitter, holder] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const today = new Date().toISOString().slice(0, 10);
  const pools = Array.from({ length: options.pools }, () => randomUUID());
  try {
    for (const poolId of pools) {
      await decideAcross(store, { pool: [poolStream(poolId), poolDecider] }, (s) => ({ pool: poolDecider.decide({ type: 'OpenPool', poolId, networkId, name: 'Bench', twoApproversAbovePence: 10_000_000 }, s.pool) }), context(treasurer));
      await decideAcross(store, { pool: [poolStream(poolId), poolDecider] }, (s) => ({ pool: poolDecider.decide({ type: 'ReceiveMoney', networkId, today, receiptId: randomUUID(), source: 'contribution', holderId: holder, pence: 100_000_000, reference: clearText('DP'), receivedOn: today }, s.pool) }), context(treasurer));
    }
    const pay = async () => {
      const poolId = pools[Math.floor(Math.random() * pools.length)]!;
      const paymentId = randomUUID();
      await submitPayment(store, networkId, { paymentId, poolId, payee: 'Kitchen CIC', purpose: 'Lunches', invoiceReference: 'INV-1', pence: 1_250, beneficiaries: [{ holderId: holder, pence: 1_250 }], submittedBy: submitter, submittedOn: today }, today, context(submitter));
      await approvePayment(scratch.hearth, networkId, poolId, paymentId, { personId: treasurer, isCoordinator: false }, today, context(treasurer));
    };
    const r = await drive(options.writers, options.seconds, pay);
    rows.push({ section: 'pools', system: 'submit and approve a payment', writers: options.writers, perSecond: r.perSecond, p50: r.p50, p99: r.p99, p999: r.p999, note: `payments per second across ${options.pools} pools` });
  } finally {
    await scratch.drop();
  }
  return rows;
}
