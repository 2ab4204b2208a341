// npm run bench: every benchmark in one run against the PostgreSQL at DATABASE_URL, each in a
// scratch database of its own. Prints a markdown table and writes the rows as JSON to
// bench/results/. `-- --only append,http,pages,posts,pools,coop,scaleout,import` runs some sections; `--seconds N` sets each timed run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { appendBench } from './append.ts';
import { httpBench } from './http.ts';
import { poolBench } from './pools.ts';
import { coopVoucherBench } from './coop-vouchers.ts';
import { projectionBench } from './projections.ts';
import { scaleOutBench } from './scaleout.ts';
import { pagesBench } from './pages.ts';
import { importBench } from './import.ts';
import { postsBench } from './posts.ts';
import { markdownTable, type Row } from './measure.ts';
import { checkTargets } from './targets.ts';

const { values } = parseArgs({ options: { only: { type: 'string' }, seconds: { type: 'string', default: '5' }, events: { type: 'string', default: '1000000' } } });
const only = values.only?.split(',');
const seconds = Number(values.seconds);
const wanted = (section: string) => !only || only.includes(section);

const rows: Row[] = [];
const failed: string[] = [];
const started = Date.now();
/** Runs a section if asked for; its rows are printed as soon as it ends, and a section that fails is named at the end rather than losing the others' figures. */
async function section(name: string, run: () => Promise<Row[]>) {
  if (!wanted(name)) return;
  try {
    const done = await run();
    rows.push(...done);
    console.error(`${name}: done\n${markdownTable(done)}\n`);
  } catch (err) {
    failed.push(name);
    console.error(`${name}: failed`, err);
  }
}
await section('append', () => appendBench({ seconds, writers: [1, 8, 32], streams: 1000 }));
await section('http', () => httpBench({ seconds: seconds * 2, connections: 16, members: 1000 }));
await section('pools', () => poolBench({ seconds, writers: 8, pools: 50 }));
await section('coop', () => coopVoucherBench({ seconds, voters: 500, writers: 8 }));
await section('pages', () => pagesBench({ seconds, connections: 8, exchanges: 200 }));
await section('posts', () => postsBench({ sizes: (process.env.POSTS_SIZES ?? '10000,100000').split(',').map(Number), reads: Number(process.env.POSTS_READS ?? 200) }));
await section('scaleout', () => scaleOutBench({ seconds: seconds * 2, connections: 16, members: 1000 }));
await section('import', () => importBench({ members: 200, transfers: 20_000 }));
await section('projections', () => projectionBench({ events: Number(values.events), members: 100_000, reads: 200 }));

const misses = checkTargets(rows);
const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const at = new Date().toISOString();
console.log(`${machine}; ${at}; ${Math.round((Date.now() - started) / 1000)} s in all\n`);
console.log(markdownTable(rows));
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const json = JSON.stringify({ at, machine, seconds, rows }, null, 2);
writeFileSync(new URL(`./results/${at.replace(/[:.]/g, '-')}.json`, import.meta.url), json);
writeFileSync(new URL('./results/latest.json', import.meta.url), json);
if (failed.length > 0) {
  console.error(`\nsections that failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
if (misses.length > 0) {
  console.error(`\n${misses.length} target${misses.length === 1 ? '' : 's'} missed:`);
  for (const m of misses) console.error(`- ${m.row.section}, ${m.row.system}${m.row.writers ? ` at ${m.row.writers}` : ''}: ${m.ratio.toPrecision(3)}, wanted ${m.wanted}`);
  process.exitCode = 1;
}
