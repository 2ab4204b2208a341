// Moving in: how fast a TimeOverflow transfer export is imported, and how fast a second run
// finds every row already there. Run: DATABASE_URL=postgres://... npm run bench:import [-- --members 200 --transfers 5000]
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { importColumns, importTransferReport, readTransferReport } from '../src/timebank/import.ts';
import { scratchHearth } from './scratch.ts';

const { values } = parseArgs({ options: { members: { type: 'string', default: '200' }, transfers: { type: 'string', default: '5000' } } });
const members = Number(values.members);
const transfers = Number(values.transfers);

// A realistic spread: a few busy members, many occasional ones, one in twenty rows with the organisation.
const member = () => Math.floor(members * Math.random() ** 2) + 1;
const lines = [importColumns.join(',')];
for (let i = 0; i < transfers; i++) {
  const day = new Date(Date.UTC(2019, 0, 1) + i * 3_600_000 * 7).toISOString().replace('T', ' ').slice(0, 19);
  let [from, to] = [member(), member()];
  if (from === to) to = (to % members) + 1;
  const fromCol = i % 20 === 0 ? 'The Time Bank,0' : `Member ${from} (${from}),${from}`;
  lines.push(`${day} UTC,${fromCol},Member ${to} (${to}),${to},Gardening,${i % 97},Row ${i},${(1 + (i % 8) * 0.25).toFixed(2)}`);
}
const csv = lines.join('\n');

const scratch = await scratchHearth(4);
const { hearth } = scratch;
const networkId = randomUUID();
const base = { actor: randomUUID(), onBehalfOf: null, correlationId: randomUUID(), causationId: null, now: new Date().toISOString() };

const rows = ['| run | rows | seconds | rows/s |', '|---|---:|---:|---:|'];
for (const run of ['first import', 'again (nothing new)']) {
  const started = performance.now();
  const summary = await importTransferReport(hearth, networkId, readTransferReport(csv), base);
  const s = (performance.now() - started) / 1000;
  rows.push(`| ${run} | ${summary.transfers} (${summary.alreadyImported} already there) | ${s.toFixed(1)} | ${Math.round(summary.transfers / s)} |`);
}
console.log(`${members} members, ${transfers} transfers\n`);
console.log(rows.join('\n'));
await scratch.drop();
