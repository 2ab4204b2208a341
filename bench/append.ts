// Append throughput and latency on the PostgreSQL at DATABASE_URL: W writers, each command
// reading its stream, deciding and appending at the expected revision (handleCommand), for a
// fixed time. Run: DATABASE_URL=postgres://... npm run bench:append [-- --seconds 10 --writers 1,8]
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { handleCommand } from '../src/commands/handle.ts';
import { networkDecider, networkStream } from '../src/networks/network.ts';
import { scratchHearth } from './scratch.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, writers: { type: 'string', default: '1,8' }, streams: { type: 'string', default: '1000' } } });
const seconds = Number(values.seconds);
const writerCounts = values.writers.split(',').map(Number);
const streamCount = Number(values.streams);
const scratch = await scratchHearth(Math.max(...writerCounts) + 2);
const { hearth } = scratch;

const context = () => ({ actor: 'system:bench', onBehalfOf: null, commandId: randomUUID(), correlationId: randomUUID(), causationId: null, now: new Date().toISOString() });
const ids = Array.from({ length: streamCount }, () => randomUUID());
for (const id of ids) await handleCommand(hearth.store, networkDecider, networkStream(id), { type: 'OpenNetwork', networkId: id, name: 'Bench', kind: 'time_bank', openedBy: 'system:bench', now: new Date().toISOString() }, context());

const rows: string[] = ['| writers | commands/s | p50 ms | p99 ms | p99.9 ms |', '|---:|---:|---:|---:|---:|'];
for (const writers of writerCounts) {
  const latencies: number[] = [];
  const stopAt = performance.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < stopAt) {
        const id = ids[Math.floor(Math.random() * ids.length)]!;
        const started = performance.now();
        await handleCommand(hearth.store, networkDecider, networkStream(id), { type: 'RenameNetwork', networkId: id, name: `Bench ${n++}` }, context());
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(2);
  rows.push(`| ${writers} | ${Math.round(latencies.length / seconds)} | ${at(0.5)} | ${at(0.99)} | ${at(0.999)} |`);
}

console.log(rows.join('\n'));
await scratch.drop();
