// Several API processes on one PostgreSQL: 1, then 3 `serve --no-projections` processes with one
// `project` worker, loaded with the same log-and-confirm mix as the HTTP section. autocannon
// spreads the connections over the processes, one instance per process at once; the figures are
// the sums, and how far the worker's projections lag behind the log at the end of each run.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { scratchDatabase } from './scratch.ts';
import { benchTimeBank, freePort, logAndConfirm } from './http.ts';
import type { Row } from './measure.ts';

export interface ScaleOutOptions {
  seconds: number;
  connections: number;
  members: number;
}

const bin = fileURLToPath(new URL('../bin/hearth.js', import.meta.url));

async function started(args: string[], env: Record<string, string>, ready: () => Promise<boolean>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; !(await ready()); i++) {
    if (i > 300) throw new Error(`${args.join(' ')} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return child;
}

export async function scaleOutBench(options: ScaleOutOptions): Promise<Row[]> {
  const rows: Row[] = [];
  for (const processes of [1, 3]) {
    const scratch = await scratchDatabase();
    const env = { DATABASE_URL: scratch.url, LOG_LEVEL: 'warn', HEARTH_SECRET: Buffer.alloc(32, 7).toString('base64') };
    const children: ChildProcess[] = [];
    const client = new pg.Client({ connectionString: scratch.url });
    try {
      const ports = await Promise.all(Array.from({ length: processes }, freePort));
      for (const port of ports) {
        children.push(await started(['serve', '--no-projections'], { ...env, PORT: String(port) }, () => fetch(`http://127.0.0.1:${port}/health`).then(() => true, () => false)));
      }
      children.push(await started(['project'], env, async () => true));
      const { token, tb, members } = await benchTimeBank(`http://127.0.0.1:${ports[0]}`, options.members);
      const pick = () => members[Math.floor(Math.random() * members.length)]!;
      const pair = () => {
        const a = pick();
        let b = pick();
        while (b === a) b = pick();
        return [a, b];
      };
      const results = await Promise.all(
        ports.map((port) => autocannon({ url: `http://127.0.0.1:${port}`, connections: Math.ceil(options.connections / processes), duration: options.seconds, requests: logAndConfirm(tb, token, pair) })),
      );
      await client.connect();
      const { rows: lag } = await client.query<{ lag: string }>(`SELECT (SELECT coalesce(max(global_position), 0) FROM events) - min(position) AS lag FROM projection_checkpoints`);
      const perSecond = results.reduce((sum, r) => sum + r.requests.average, 0);
      const failed = results.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0);
      const total = results.reduce((sum, r) => sum + r.requests.total, 0);
      rows.push({
        section: 'scaleout',
        system: `${processes} API process${processes === 1 ? '' : 'es'} + 1 worker`,
        writers: options.connections,
        perSecond: Math.round(perSecond),
        p50: Math.max(...results.map((r) => r.latency.p50)),
        p99: Math.max(...results.map((r) => r.latency.p99)),
        p999: Math.max(...results.map((r) => r.latency.p99_9)),
        note: `${Math.round(perSecond / 2)} exchanges/s; ${failed} failed of ${total}; projections ${lag[0]!.lag} events behind at the end`,
      });
    } finally {
      await client.end().catch(() => {});
      for (const child of children) child.kill('SIGTERM');
      await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
      await scratch.drop();
    }
  }
  return rows;
}
