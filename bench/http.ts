// End to end over HTTP: a real server process on the PostgreSQL at DATABASE_URL, its projections
// running, and autocannon logging and confirming exchanges at fixed concurrency, each request with
// its own Idempotency-Key. Once with parties drawn evenly, once with 80% of exchanges touching 1%
// of the members (a busy coordinator's favourites, the people everyone helps). The server's peak
// resident memory is read from the kernel after each run.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { scratchDatabase } from './scratch.ts';
import type { Row } from './measure.ts';

export interface HttpOptions {
  seconds: number;
  connections: number;
  members: number;
}

const bin = fileURLToPath(new URL('../bin/hearth.js', import.meta.url));

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** With BENCH_CPU_PROFILE=DIR, a server's arguments to write a CPU profile into DIR as it exits. */
export const profiling = () => (process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : []);

/** Peak resident set size of a process so far, in MB (VmHWM). */
export function peakRss(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return Math.round(kb / 1024);
}

export async function httpBench(options: HttpOptions): Promise<Row[]> {
  const scratch = await scratchDatabase();
  const port = await freePort();
  const server = spawn(process.execPath, [...profiling(), bin, 'serve'], {
    env: { ...process.env, DATABASE_URL: scratch.url, PORT: String(port), LOG_LEVEL: 'info', HEARTH_SECRET: Buffer.alloc(32, 7).toString('base64') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) break;
      if (i > 300) throw new Error('the server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const { token, tb, members } = await benchTimeBank(base, options.members);

    const hot = members.slice(0, Math.max(1, Math.round(members.length / 100)));
    const pick = (from: string[]) => from[Math.floor(Math.random() * from.length)]!;
    const rows: Row[] = [];
    for (const [label, skewed] of [['HTTP log + confirm', false], ['HTTP skew: 80% touch 1%', true]] as const) {
      const pair = () => {
        const a = skewed && Math.random() < 0.8 ? pick(hot) : pick(members);
        let b = pick(members);
        while (b === a) b = pick(members);
        return Math.random() < 0.5 ? [a, b] : [b, a];
      };
      const result = await autocannon({
        url: base,
        connections: options.connections,
        duration: options.seconds,
        requests: logAndConfirm(tb, token, pair),
      });
      const failed = result.non2xx + result.errors + result.timeouts;
      // Half the requests are confirmations; only a lost race answers 409.
      const conflicts = (result.statusCodeStats as Record<string, { count: number } | undefined>)['409']?.count ?? 0;
      rows.push({
        section: 'http',
        system: label,
        writers: options.connections,
        perSecond: Math.round(result.requests.average),
        p50: result.latency.p50,
        p99: result.latency.p99,
        p999: result.latency.p99_9,
        conflictShare: conflicts / Math.max(1, result.requests.total / 2),
        note: `${Math.round(result.requests.average / 2)} exchanges/s; ${failed} failed of ${result.requests.total}, ${conflicts} of them 409; server peak RSS ${peakRss(server.pid!)} MB`,
      });
    }
    return rows;
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await scratch.drop();
  }
}

/** A time bank to load: a coordinator, wide limits, one category, and members with no account. */
export async function benchTimeBank(base: string, count: number) {
  const post = async (path: string, body: unknown, token?: string, method = 'POST') => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID(), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, any>>;
  };
  const email = 'coordinator@bench.example';
  const password = 'a bench passphrase, long enough';
  await post('/accounts', { name: 'Bench Coordinator', email, password });
  const { token } = await post('/sessions', { email, password });
  const { networkId } = await post('/networks', { name: 'Bench Time Bank', kind: 'time_bank' }, token);
  const tb = `/networks/${networkId}/timebank`;
  await post(`${tb}/limits`, { lowerMinutes: -10_000_000, upperMinutes: 10_000_000, maxExchangeMinutes: 720, reason: 'benchmark' }, token, 'PUT');
  await post(`${tb}/categories/gardening`, {}, token, 'PUT');
  const members: string[] = [];
  for (let i = 0; i < count; i += 8) {
    const batch = await Promise.all(Array.from({ length: Math.min(8, count - i) }, (_, k) => post(`/networks/${networkId}/members`, { name: `Member ${i + k}` }, token)));
    members.push(...batch.map((m) => m.personId as string));
  }
  return { token: token as string, tb, members, networkId: networkId as string, email, password };
}

/** autocannon's two requests: log an exchange between a pair, then confirm it, each with its own Idempotency-Key. */
export function logAndConfirm(tb: string, token: string, pair: () => string[]): autocannon.Request[] {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  return [
    {
      method: 'POST',
      path: `/api/v1${tb}/exchanges`,
      setupRequest: (request) => {
        const [providerId, receiverId] = pair();
        const body = { providerId, receiverId, minutes: 30 + Math.floor(Math.random() * 90), category: 'gardening', description: 'Bench', occurredOn: new Date().toISOString().slice(0, 10) };
        return { ...request, headers: { ...headers, 'idempotency-key': randomUUID() }, body: JSON.stringify(body) };
      },
      onResponse: (status, body, context) => {
        if (status === 201) (context as { exchangeId?: string }).exchangeId = JSON.parse(body).exchangeId;
      },
    },
    {
      method: 'POST',
      setupRequest: (request, context) => ({
        ...request,
        path: `/api/v1${tb}/exchanges/${(context as { exchangeId?: string }).exchangeId}/confirmation`,
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
      }),
    },
  ];
}
