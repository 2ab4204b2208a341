// The kill test (test/scaleout.kill*.test.ts), run once for each way the event store commits: the
// same load, kills and checks with the events committed several streams at a time, and one stream
// at a time as EventStoreDB commits them.
import type { Test } from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { freshPostgres, postgresAvailable } from './db.ts';

const bin = new URL('../../bin/hearth.js', import.meta.url).pathname;
const LOAD_SECONDS = 30;
const CLIENTS = 8;

/** The kill test with the event store committing as `commits` says (EVENT_STORE_COMMITS). */
export async function killTest(t: Test, commits: 'several-streams' | 'one-stream'): Promise<void> {
  t.setTimeout(900_000);
  if (!(await postgresAvailable())) {
    t.plan(0, 'needs a PostgreSQL server for several processes');
  } else {
    const database = await freshPostgres({ max: 4 });
    t.teardown(() => database.close());
    const { db } = database;
    const env = {
      ...process.env,
      DATABASE_URL: database.connectionString!,
      HEARTH_SECRET: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'info',
      EVENT_STORE_COMMITS: commits,
      PROJECTION_BATCH_SIZE: '50',
      // A read waits longer than a takeover takes: lease (6 s) and one look (1 s).
      READ_WAIT_MS: '15000',
    };

    interface Running {
      child: ChildProcess;
      port?: number;
      holder?: string;
    }
    const children: Running[] = [];
    t.teardown(() => {
      for (const c of children) c.child.kill('SIGKILL');
    });

    /** Starts a process and waits for the log line saying it is ready; reads its port or lease holder from it. */
    async function start(args: string[], ready: string): Promise<Running> {
      const child = spawn(process.execPath, [bin, ...args], { env: { ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
      const running: Running = { child };
      children.push(running);
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start: ${out}`)), 60_000);
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          for (const line of out.split('\n')) {
            if (!line.includes(ready)) continue;
            const logged = JSON.parse(line) as { address?: string; holder?: string };
            if (logged.address) running.port = Number(new URL(logged.address).port);
            if (logged.holder) running.holder = logged.holder;
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${out}`)));
      });
      child.removeAllListeners('exit');
      return running;
    }

    const apis = await Promise.all([0, 1, 2].map(() => start(['serve', '--no-projections'], 'Hearth is listening')));
    const workers = [await start(['project'], 'projection worker started'), await start(['project'], 'projection worker started')];

    // What clients saw: server errors by process, and connections that failed, by process and when.
    const serverErrors: Array<{ port: number; status: number; body: string }> = [];
    const failedConnections: Array<{ port: number; at: number }> = [];
    let killedApi: { port: number; at: number } | undefined;
    let turn = 0;

    /** One request, sent to the API processes in turn until one answers; a 5xx is recorded, and retried like a lost connection. */
    async function call(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; json: any }> {
      for (let attempt = 0; attempt < 60; attempt++) {
        const api = apis[turn++ % apis.length]!;
        try {
          const res = await fetch(`http://127.0.0.1:${api.port}/api/v1${path}`, {
            method,
            headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          const text = await res.text();
          if (res.status >= 500) {
            serverErrors.push({ port: api.port!, status: res.status, body: text });
            continue;
          }
          return { status: res.status, json: text ? JSON.parse(text) : undefined };
        } catch {
          failedConnections.push({ port: api.port!, at: Date.now() });
        }
      }
      throw new Error(`${method} ${path}: no API process answered`);
    }
    const command = (path: string, body: unknown, token: string) => call('POST', path, body, { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() });

    async function person(name: string) {
      const email = `${randomUUID()}@example.org`;
      const password = 'a long enough passphrase';
      await call('POST', '/accounts', { name, email, password }, { 'idempotency-key': randomUUID() });
      // Sign-up does not name the person it recorded; their own session does.
      const session = await call('POST', '/sessions', { email, password }, {});
      return { personId: session.json.personId as string, token: session.json.token as string };
    }

    const coordinator = await person('Cath Coordinator');
    const networkId = (await command('/networks', { name: 'Leeds Time Bank', kind: 'time_bank' }, coordinator.token)).json.networkId as string;
    const base = `/networks/${networkId}`;
    await call('PUT', `${base}/timebank/categories/gardening`, {}, { authorization: `Bearer ${coordinator.token}`, 'idempotency-key': randomUUID() });
    await call('PUT', `${base}/timebank/limits`, { lowerMinutes: -100_000, upperMinutes: 100_000, maxExchangeMinutes: 720, reason: 'A busy week' }, { authorization: `Bearer ${coordinator.token}`, 'idempotency-key': randomUUID() });
    const members: Array<{ personId: string; token: string }> = [];
    for (let i = 0; i < 6; i++) {
      const m = await person(`Member ${i}`);
      await command(`${base}/invitations`, { personId: m.personId }, coordinator.token);
      await command(`${base}/invitations/acceptance`, undefined, m.token);
      members.push(m);
    }

    // The load: each client logs an exchange, the receiver confirms it, and reads their balance after it.
    const logged = new Map<string, string>();
    const confirmed = new Set<string>();
    let stop = false;
    let reads = 0;
    async function client(n: number) {
      for (let i = 0; !stop; i++) {
        const provider = members[(n + i) % members.length]!;
        const receiver = members[(n + i + 1 + (i % (members.length - 1))) % members.length]!;
        if (provider === receiver) continue;
        const key = randomUUID();
        const exchange = { providerId: provider.personId, receiverId: receiver.personId, minutes: 15, category: 'gardening', occurredOn: new Date().toISOString().slice(0, 10) };
        const log = await call('POST', `${base}/timebank/exchanges`, exchange, { authorization: `Bearer ${provider.token}`, 'idempotency-key': key });
        if (log.status !== 201) throw new Error(`log refused: ${log.status} ${JSON.stringify(log.json)}`);
        logged.set(log.json.exchangeId, key);
        const confirm = await command(`${base}/timebank/exchanges/${log.json.exchangeId}/confirmation`, undefined, receiver.token);
        if (confirm.status !== 200) throw new Error(`confirmation refused: ${confirm.status} ${JSON.stringify(confirm.json)}`);
        confirmed.add(log.json.exchangeId);
        const read = await call('GET', `${base}/timebank/accounts/${receiver.personId}?after=${confirm.json.position}`, undefined, { authorization: `Bearer ${receiver.token}` });
        if (read.status !== 200) throw new Error(`read refused: ${read.status} ${JSON.stringify(read.json)}`);
        reads++;
      }
    }

    const holders = async () => (await db.selectFrom('projection_leases').select(['name', 'holder']).where('expires_at', '>', sql<Date>`now()`).execute()).map((r) => r.holder);
    const behind = async () => {
      const head = await sql<{ head: string }>`SELECT coalesce(max(global_position), 0) AS head FROM events`.execute(db);
      const checkpoints = await db.selectFrom('projection_checkpoints').select('position').execute();
      return Number(head.rows[0]!.head) - Math.min(...checkpoints.map((c) => Number(c.position)));
    };

    t.test('under load, a worker and an API process are killed', async (t) => {
      const started = Date.now();
      const load = Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
      const events: Array<{ what: string; at: number; detail?: unknown }> = [];

      // Kill the worker holding the leases while it has work in hand: the log is ahead of it.
      await new Promise((r) => setTimeout(r, 8_000));
      const holding = await holders();
      const victim = workers.find((w) => holding.includes(w.holder!))!;
      const survivor = workers.find((w) => w !== victim)!;
      t.ok(victim, 'one worker holds the leases');
      t.same([...new Set(holding)], [victim.holder], 'and only that one: each projection runs in one worker');
      let lag = 0;
      for (let i = 0; i < 200 && lag === 0; i++) lag = await behind();
      victim.child.kill('SIGKILL');
      const killedAt = Date.now();
      events.push({ what: 'worker killed', at: killedAt - started, detail: { behindBy: lag } });
      t.ok(lag > 0, `the worker was killed with ${lag} events not yet projected`);

      // Then an API process, mid-request.
      await new Promise((r) => setTimeout(r, 3_000));
      apis[1]!.child.kill('SIGKILL');
      killedApi = { port: apis[1]!.port!, at: Date.now() };

      // The survivor takes every projection over, and carries on from the checkpoints.
      let takenOver = 0;
      for (;;) {
        const now = await holders();
        if (now.length > 0 && now.every((h) => h === survivor.holder) && now.length === holding.length) {
          takenOver = Date.now() - killedAt;
          break;
        }
        if (Date.now() - killedAt > 30_000) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      t.ok(takenOver > 0 && takenOver < 10_000, `the other worker took every projection over within 10 s (${takenOver} ms)`);

      await new Promise((r) => setTimeout(r, Math.max(0, LOAD_SECONDS * 1000 - (Date.now() - started))));
      stop = true;
      await load;
      const loadSeconds = (Date.now() - started) / 1000;
      // A confirmation the killed API process had begun is finished by a worker's sweeper.
      const halfDone = async () => Number((await db.selectFrom('timebank_exchanges').select((eb) => eb.fn.countAll<string>().as('n')).where('status', 'in', ['confirming', 'reversing']).executeTakeFirstOrThrow()).n);
      for (let i = 0; i < 600 && ((await behind()) > 0 || (await halfDone()) > 0); i++) await new Promise((r) => setTimeout(r, 100));
      t.equal(await behind(), 0, 'the projections caught up with the log');
      t.equal(await halfDone(), 0, 'nothing is left half done: every confirmation begun has ended');

      t.test('every accepted command is in the store exactly once', async (t) => {
        t.ok(logged.size > 50, `${logged.size} exchanges logged and ${confirmed.size} confirmed in ${loadSeconds.toFixed(0)} s, with ${reads} reads of one's own write`);
        const counts = await db
          .selectFrom('events')
          .select(['type', (eb) => eb.fn.countAll<string>().as('n'), (eb) => eb.fn.count<string>(sql`DISTINCT stream_id`).as('streams')])
          .where('type', 'in', ['timebank.ExchangeLogged', 'timebank.ExchangeConfirmed'])
          .groupBy('type')
          .execute();
        const of = (type: string) => counts.find((c) => c.type === type);
        t.equal(Number(of('timebank.ExchangeLogged')?.n), logged.size, 'one ExchangeLogged for each exchange accepted, no more');
        t.equal(Number(of('timebank.ExchangeLogged')?.streams), logged.size, 'each in its own stream');
        t.equal(Number(of('timebank.ExchangeConfirmed')?.n), confirmed.size, 'one confirmation for each accepted');
        const posted = await db.selectFrom('events').select((eb) => eb.fn.countAll<string>().as('n')).where('type', '=', 'timebank.Posted').executeTakeFirstOrThrow();
        t.equal(Number(posted.n), 2 * confirmed.size, 'two postings for each confirmation, each written once');
        const streams = await db.selectFrom('events').select('stream_id').where('type', '=', 'timebank.ExchangeLogged').execute();
        t.same(new Set(streams.map((s) => s.stream_id.replace(/^exchange-/, ''))), new Set(logged.keys()), 'and they are the ones accepted');
        const postings = await db.selectFrom('timebank_exchanges').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', 'confirmed').executeTakeFirstOrThrow();
        t.equal(Number(postings.n), confirmed.size, 'the read table counts each confirmed exchange once');
        const balance = await db.selectFrom('timebank_accounts').select((eb) => eb.fn.sum<string>('balance').as('total')).where('network_id', '=', networkId).executeTakeFirstOrThrow();
        t.equal(Number(balance.total), 0, 'and every minute credited was debited');
      });

      t.test('every projection equals a rebuild of it, and the log is intact', async (t) => {
        const audit = spawnSync(process.execPath, [bin, 'audit', 'verify'], { env: { ...env, LOG_LEVEL: 'warn' }, encoding: 'utf8', timeout: 300_000 });
        t.equal(audit.status, 0, audit.stdout + audit.stderr);
        t.match(audit.stdout, /No differences\./);
        t.notMatch(audit.stdout, /differs|could not be rebuilt/);
      });

      t.test('no client saw a 5xx; only the killed API process\'s connections failed', async (t) => {
        t.same(serverErrors, [], 'no server error from any process');
        const elsewhere = failedConnections.filter((f) => f.port !== killedApi!.port || f.at < killedApi!.at);
        t.same(elsewhere, [], 'no connection failed but to the killed process, after it was killed');
        t.ok(failedConnections.length > 0, `the killed process was in use: ${failedConnections.length} requests to it were sent again elsewhere`);
      });

      t.comment(JSON.stringify({ loadSeconds, logged: logged.size, confirmed: confirmed.size, reads, takenOverMs: takenOver, events }));
    });
  }
}
