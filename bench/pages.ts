// The pages as a member's browser asks for them: a real `hearth serve` process on the PostgreSQL
// at DATABASE_URL, a cookie session, and autocannon fetching a member's time page (balance, what
// waits, recent exchanges: three API reads in-process) and a year's statement, for a member with
// a year of confirmed exchanges. The coordinator views the member's pages, as they do for members
// who are not online.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { scratchDatabase } from './scratch.ts';
import { benchTimeBank, freePort, profiling } from './http.ts';
import type { Row } from './measure.ts';

export interface PagesOptions {
  seconds: number;
  connections: number;
  exchanges: number;
}

const bin = fileURLToPath(new URL('../bin/hearth.js', import.meta.url));

export async function pagesBench(options: PagesOptions): Promise<Row[]> {
  const scratch = await scratchDatabase();
  const port = await freePort();
  const server = spawn(process.execPath, [...profiling(), bin, 'serve'], {
    env: { ...process.env, DATABASE_URL: scratch.url, PORT: String(port), LOG_LEVEL: 'warn', HEARTH_SECRET: Buffer.alloc(32, 7).toString('base64') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; !(await fetch(`${base}/health`).then((r) => r.ok, () => false)); i++) {
      if (i > 300) throw new Error('the server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const { token, tb, members, networkId, email, password } = await benchTimeBank(base, 20);
    const send = async (path: string, body?: unknown) => {
      const res = await fetch(`${base}/api/v1${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID(), ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<Record<string, any>>;
    };
    const member = members[0]!;
    const year = Date.now() - 365 * 86_400_000;
    for (let i = 0; i < options.exchanges; i++) {
      const other = members[1 + (i % (members.length - 1))]!;
      const [providerId, receiverId] = i % 2 === 0 ? [member, other] : [other, member];
      const occurredOn = new Date(year + Math.floor((i / options.exchanges) * 364) * 86_400_000).toISOString().slice(0, 10);
      const { exchangeId } = await send(`${tb}/exchanges`, { providerId, receiverId, minutes: 60, category: 'gardening', description: 'Bench', occurredOn });
      await send(`${tb}/exchanges/${exchangeId}/confirmation`);
    }
    const session = await fetch(`${base}/api/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password, kind: 'cookie' }) });
    const cookie = session.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const today = new Date().toISOString().slice(0, 10);
    const [y, m, d] = today.split('-');
    const [fy, fm, fd] = new Date(year).toISOString().slice(0, 10).split('-');
    const rows: Row[] = [];
    // Each page beside the API read it shows, so that what the page adds is seen by itself.
    const bearer = { authorization: `Bearer ${token}` };
    for (const [label, path, headers] of [
      ["a member's time page", `/networks/${networkId}/time?for=${member}`, { cookie }],
      ["a member's account over the API", `/api/v1${tb}/accounts/${member}`, bearer],
      ["a year's statement page", `/networks/${networkId}/time/statement?for=${member}&from-day=${fd}&from-month=${fm}&from-year=${fy}&to-day=${d}&to-month=${m}&to-year=${y}`, { cookie }],
      ["a year's statement over the API", `/api/v1${tb}/accounts/${member}/statement?from=${fy}-${fm}-${fd}&to=${today}`, bearer],
    ] as const) {
      const check = await fetch(`${base}${path}`, { headers });
      if (check.status !== 200) throw new Error(`${label}: ${check.status}`);
      const bytes = (await check.text()).length;
      const result = await autocannon({ url: `${base}${path}`, connections: options.connections, duration: options.seconds, headers });
      rows.push({
        section: 'pages',
        system: label,
        writers: options.connections,
        perSecond: Math.round(result.requests.average),
        p50: result.latency.p50,
        p99: result.latency.p99,
        p999: result.latency.p99_9,
        note: `${options.exchanges} exchanges; ${Math.round(bytes / 1024)} KB each; ${result.non2xx + result.errors} failed of ${result.requests.total}`,
      });
    }
    return rows;
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await scratch.drop();
  }
}
