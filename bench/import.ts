// Moving in: how fast TimeOverflow's members and transfers reports are imported, and how fast a
// second run finds every row already there. A section of `npm run bench` (-- --only import), or
// alone: DATABASE_URL=postgres://... npm run bench:import [-- --members 200 --transfers 20000 --projections]
// (--projections: with the projections following the store, as a running Hearth's do, on the same pool.)
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { importMovingIn, readMovingIn } from '../src/timebank/import.ts';
import { scratchHearth } from './scratch.ts';
import { markdownTable, type Row } from './measure.ts';

/** TimeOverflow's reports as it writes them: the members list (balance in seconds) and the transfers, newest first. */
export function timeOverflowReports(members: number, transfers: number): { members: string; transfers: string } {
  // A realistic spread: a few busy members, many occasional ones, one in twenty rows with the organisation.
  const member = () => Math.floor(members * Math.random() ** 2) + 1;
  const balance = new Array<number>(members + 1).fill(0);
  const rows: string[] = [];
  for (let i = 0; i < transfers; i++) {
    const at = new Date(Date.UTC(2019, 0, 1) + i * 3_600_000 * 7).toISOString().replace('T', ' ').slice(0, 19);
    let [from, to] = [member(), member()];
    if (from === to) to = (to % members) + 1;
    const minutes = 30 + (i % 8) * 15;
    const fromCol = i % 20 === 0 ? 'The Time Bank' : `Member ${from} (${from})`;
    if (i % 20 !== 0) balance[from]! -= minutes;
    balance[to]! += minutes;
    rows.push(`${at} UTC,${fromCol},Member ${to} (${to}),Gardening ${i % 97},${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`);
  }
  const people = Array.from({ length: members }, (_, k) => `${k + 1},Member ${k + 1},"","","",2019-01-01 10:00:00 UTC,"",en,${balance[k + 1]! * 60}`);
  return {
    members: ['N,Name,Email,Phone,Alternative Phone,Created,Last login,Locale,Balance', ...people].join('\n') + '\n',
    transfers: ['Date,From,To,Post,Quantity', ...rows.reverse()].join('\n') + '\n',
  };
}

export async function importBench(options: { members: number; transfers: number; projections?: boolean }): Promise<Row[]> {
  const files = timeOverflowReports(options.members, options.transfers);
  const scratch = await scratchHearth(4);
  const { hearth } = scratch;
  if (options.projections) await hearth.engine.start();
  const networkId = randomUUID();
  const base = { actor: randomUUID(), onBehalfOf: null, correlationId: randomUUID(), causationId: null, now: new Date().toISOString() };
  const rows: Row[] = [];
  try {
    for (const run of ['first import', 'again (nothing new)']) {
      const started = performance.now();
      const data = readMovingIn([{ name: 'Members_2025-03-05.csv', content: files.members }, { name: 'Transfers_2025-03-05.csv', content: files.transfers }]);
      const summary = await importMovingIn(hearth, networkId, data, base, { importId: randomUUID() });
      const s = (performance.now() - started) / 1000;
      rows.push({
        section: 'import', system: `TimeOverflow reports, ${run}${options.projections ? ', projections running' : ''}`, perSecond: Math.round(summary.transfers / s),
        note: `${options.members} members, ${summary.transfers} transfers (${summary.alreadyImported} already there) in ${s.toFixed(1)} s; ${summary.balanceDifferences.length} balance differences`,
      });
    }
  } finally {
    await scratch.drop();
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { members: { type: 'string', default: '200' }, transfers: { type: 'string', default: '20000' }, projections: { type: 'boolean', default: false } } });
  console.log(markdownTable(await importBench({ members: Number(values.members), transfers: Number(values.transfers), projections: values.projections })));
}
