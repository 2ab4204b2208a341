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
const started = Date.now();
if (wanted('append')) rows.push(...(await appendBench({ seconds, writers: [1, 8, 32], streams: 1000 })));
if (wanted('http')) rows.push(...(await httpBench({ seconds: seconds * 2, connections: 16, members: 1000 })));
if (wanted('pools')) rows.push(...(await poolBench({ seconds, writers: 8, pools: 50 })));
if (wanted('coop')) rows.push(...(await coopVoucherBench({ seconds, voters: 500, writers: 8 })));
if (wanted('pages')) rows.push(...(await pagesBench({ seconds, connections: 8, exchanges: 200 })));
if (wanted('posts')) rows.push(...(await postsBench({ sizes: (process.env.POSTS_SIZES ?? '10000,100000').split(',').map(Number), reads: Number(process.env.POSTS_READS ?? 200) })));
if (wanted('scaleout')) rows.push(...(await scaleOutBench({ seconds: seconds * 2, connections: 16, members: 1000 })));
if (wanted('import')) rows.push(...(await importBench({ members: 200, transfers: 20_000 })));
if (wanted('projections')) rows.push(...(await projectionBench({ events: Number(values.events), members: 100_000, reads: 200 })));

const misses = checkTargets(rows);
const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const at = new Date().toISOString();
console.log(`${machine}; ${at}; ${Math.round((Date.now() - started) / 1000)} s in all\n`);
console.log(markdownTable(rows));
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const json = JSON.stringify({ at, machine, seconds, rows }, null, 2);
writeFileSync(new URL(`./results/${at.replace(/[:.]/g, '-')}.json`, import.meta.url), json);
writeFileSync(new URL('./results/latest.json', import.meta.url), json);
if (misses.length > 0) {
  console.error(`\n${misses.length} target${misses.length === 1 ? '' : 's'} missed:`);
  for (const m of misses) console.error(`- ${m.row.section}, ${m.row.system}${m.row.writers ? ` at ${m.row.writers}` : ''}: ${m.ratio.toPrecision(3)}, wanted ${m.wanted}`);
  process.exitCode = 1;
}
