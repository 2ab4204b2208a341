// Notifications delivered by a real SMTP server, from Hearth server processes on PostgreSQL:
// each is delivered once, even when the server is killed (SIGKILL) after the event that owes it
// was committed and before it was delivered, when two servers send from one outbox, and when the
// outbox is rebuilt. A password reset by email carries the link derived from the reset.
import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { freshPostgres, postgresAvailable } from './support/db.ts';
import { quietLog, testConfig } from './support/hearth.ts';
import { openHearth } from '../src/hearth.ts';
import { decideAcross } from '../src/commands/decide.ts';
import { contextOf } from '../src/access/caller.ts';
import { personDecider, personStream } from '../src/access/person.ts';
import { resetCode, EMAIL_RESET_MINUTES } from '../src/access/reset.ts';

t.setTimeout(180_000);
const bin = new URL('../bin/hearth.js', import.meta.url).pathname;
const sinkScript = new URL('./support/smtp-sink.ts', import.meta.url).pathname;

interface Mail {
  to: string[];
  messageId: string | null;
  subject: string | null;
  text: string;
}

if (!(await postgresAvailable())) {
  t.plan(0, 'needs a PostgreSQL server shared by several processes');
} else {
  const database = await freshPostgres({ max: 4 });
  t.teardown(() => database.close());
  const secret = randomBytes(32).toString('base64');
  const PUBLIC_URL = 'https://hearth.example.org';
  const children = new Set<ChildProcess>();
  t.teardown(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  /** A child process, and the JSON lines it printed so far. */
  function run(args: string[], env: Record<string, string> = {}) {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(child);
    child.once('exit', () => children.delete(child));
    const lines: Array<Record<string, unknown>> = [];
    let rest = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop()!;
      for (const p of parts) if (p.startsWith('{')) lines.push(JSON.parse(p));
    });
    const until = async <T>(find: () => T | undefined, what: string, ms = 60_000): Promise<T> => {
      for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
        const found = find();
        if (found !== undefined) return found;
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    return { child, lines, until };
  }

  // The mail server: every message it accepted, across its restarts.
  const received: Mail[] = [];
  async function startSink(port = 0) {
    const sink = run(['--import', 'tsx', sinkScript], { SMTP_SINK_PORT: String(port) });
    const listening = await sink.until(() => sink.lines.find((l) => 'listening' in l)?.listening as number | undefined, 'the SMTP server');
    sink.child.stdout!.on('data', () => undefined);
    const collect = setInterval(() => {
      for (const l of sink.lines.splice(0)) if (!('listening' in l)) received.push(l as unknown as Mail);
    }, 20);
    sink.child.once('exit', () => clearInterval(collect));
    return { ...sink, port: listening };
  }

  async function startHearth(smtpPort: number, extra: string[] = []) {
    const server = run([bin, 'serve', ...extra], {
      DATABASE_URL: database.connectionString!, HEARTH_SECRET: secret, PORT: '0', LOG_LEVEL: 'info', PASSWORD_COST: '10',
      SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtpPort), MAIL_RETRY_SECONDS: '1', MAIL_FROM: 'Hearth <hearth@hearth.example.org>', PUBLIC_URL,
    });
    const address = await server.until(() => server.lines.find((l) => l.msg === 'Hearth is listening')?.address as string | undefined, 'Hearth to listen');
    return { ...server, url: address };
  }

  const sink = await startSink();
  let hearthA = await startHearth(sink.port);

  async function call(url: string, method: string, path: string, body?: unknown, token?: string) {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(method === 'GET' ? {} : { 'idempotency-key': randomUUID() }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
  async function person(url: string, name: string) {
    const email = `${name.toLowerCase()}.${randomUUID().slice(0, 6)}@example.org`;
    await call(url, 'POST', '/accounts', { name, email, password: 'correct horse battery staple' });
    const { personId, token } = await call(url, 'POST', '/sessions', { email, password: 'correct horse battery staple' });
    return { personId, token, email };
  }

  const cath = await person(hearthA.url, 'Cath');
  const ann = await person(hearthA.url, 'Ann');
  const bob = await person(hearthA.url, 'Bob');
  const { networkId } = await call(hearthA.url, 'POST', '/networks', { name: 'Leeds Time Bank', kind: 'time_bank' }, cath.token);
  for (const p of [ann, bob]) {
    await call(hearthA.url, 'POST', `/networks/${networkId}/invitations`, { personId: p.personId }, cath.token);
    await call(hearthA.url, 'POST', `/networks/${networkId}/invitations/acceptance`, undefined, p.token);
  }
  const logged = async (url: string, by: { personId: string; token: string }, provider: string, receiver: string, minutes = 60) =>
    (await call(url, 'POST', `/networks/${networkId}/timebank/exchanges`, { providerId: provider, receiverId: receiver, minutes, category: 'shopping', description: 'Weekly shop', occurredOn: new Date().toISOString().slice(0, 10) }, by.token)).exchangeId as string;
  const mailsTo = (email: string) => received.filter((m) => m.to.includes(email));
  const waitForMail = (email: string, count: number, what: string) => hearthA.until(() => (mailsTo(email).length >= count ? true : undefined), what);

  t.test('an exchange logged: the other party gets one email, linking to it', async (t) => {
    const exchangeId = await logged(hearthA.url, ann, ann.personId, bob.personId);
    await waitForMail(bob.email, 1, 'the mail to Bob');
    const [mail] = mailsTo(bob.email);
    t.match(mail, { subject: 'An exchange to confirm in Leeds Time Bank' });
    t.ok(mail!.text.includes(`${PUBLIC_URL}/networks/${networkId}/time/exchanges/${exchangeId}`), 'links to the exchange');
    t.same(mailsTo(ann.email), [], 'nothing to whoever logged it');
  });

  t.test('a password reset by email: a link with the code derived from the reset, expiring in an hour', async (t) => {
    const inTest = await openHearth(testConfig({ DATABASE_URL: database.connectionString!, HEARTH_SECRET: secret, PROJECTIONS: 'off' }), quietLog);
    const resetId = randomUUID();
    const context = contextOf(inTest, { personId: 'anonymous', onBehalfOf: null, commandId: randomUUID(), correlationId: randomUUID() });
    await decideAcross(inTest.store, { person: [personStream(ann.personId), personDecider] }, (s) => ({
      person: personDecider.decide({ type: 'IssuePasswordReset', personId: ann.personId, resetId, via: 'email', expiresAt: new Date(Date.now() + EMAIL_RESET_MINUTES * 60_000).toISOString() }, s.person),
    }), context);
    await inTest.close();
    await waitForMail(ann.email, 1, 'the reset mail');
    const [mail] = mailsTo(ann.email);
    t.equal(mail!.subject, 'Set a new Hearth password');
    t.ok(mail!.text.includes(`${PUBLIC_URL}/reset-password?reset=${resetId}&code=${resetCode(Buffer.from(secret, 'base64'), resetId, 'email')}`), 'the link carries the reset and its code');
    t.match(mail!.text, /expires in an hour/);
  });

  t.test('killed after the commit and before delivery, the server delivers once when it is back', async (t) => {
    // The mail server goes away, so the notification is committed but cannot be delivered.
    sink.child.kill('SIGTERM');
    await new Promise((r) => sink.child.once('exit', r));
    const exchangeId = await logged(hearthA.url, bob, bob.personId, ann.personId, 30);
    const { db } = database;
    for (let tries = 0; ; tries++) {
      const owed = await db.selectFrom('notification_outbox').leftJoin('notification_deliveries', 'notification_deliveries.notification_id', 'notification_outbox.notification_id').select(['notification_deliveries.state', 'notification_deliveries.attempts']).where('subject_id', '=', exchangeId).executeTakeFirst();
      if (owed?.attempts && owed.attempts >= 1 && owed.state === 'pending') break;
      if (tries > 600) throw new Error('the notification was never tried');
      await new Promise((r) => setTimeout(r, 50));
    }
    hearthA.child.kill('SIGKILL');
    await new Promise((r) => hearthA.child.once('exit', r));
    const sinkB = await startSink(sink.port);
    t.equal(sinkB.port, sink.port, 'the mail server is back where it was');
    hearthA = await startHearth(sinkB.port);
    await waitForMail(ann.email, 2, 'the mail to Ann after the restart');
    t.match(mailsTo(ann.email).at(-1), { subject: 'An exchange to confirm in Leeds Time Bank' });
  });

  t.test('two servers sending from one outbox, and a rebuild of it, send nothing twice', async (t) => {
    const second = await startHearth(sink.port, ['--no-projections']);
    for (let i = 0; i < 2; i++) await logged(i % 2 ? second.url : hearthA.url, ann, ann.personId, bob.personId, 15 + i);
    await waitForMail(bob.email, 3, 'two more mails to Bob');
    const rebuilt = spawnSync(process.execPath, [bin, 'projections', 'rebuild', 'notifications'], { env: { ...process.env, DATABASE_URL: database.connectionString!, HEARTH_SECRET: secret, LOG_LEVEL: 'warn' }, encoding: 'utf8', timeout: 60_000 });
    t.equal(rebuilt.status, 0, `rebuilt: ${rebuilt.stderr}`);
    // Long enough for both senders to look at the rebuilt outbox several times.
    await new Promise((r) => setTimeout(r, 2500));
    const ids = received.map((m) => m.messageId);
    t.equal(new Set(ids).size, ids.length, 'no Message-ID twice');
    t.equal(mailsTo(bob.email).length, 3, 'Bob: three exchanges, three mails');
    t.equal(mailsTo(ann.email).length, 2, 'Ann: one exchange and one reset');
    t.equal(received.length, 5, 'nothing else');
    const states = await database.db.selectFrom('notification_deliveries').select(['state']).execute();
    t.same([...new Set(states.map((s) => s.state))], ['sent'], 'every delivery is marked sent');
    second.child.kill('SIGTERM');
  });

  t.test('nothing is sent to an erased person', async (t) => {
    const dot = await person(hearthA.url, 'Dot');
    await call(hearthA.url, 'POST', `/networks/${networkId}/invitations`, { personId: dot.personId }, cath.token);
    await call(hearthA.url, 'POST', `/networks/${networkId}/invitations/acceptance`, undefined, dot.token);
    await call(hearthA.url, 'POST', `/people/${dot.personId}/erasure`, { confirm: true }, dot.token);
    const exchangeId = await logged(hearthA.url, ann, ann.personId, dot.personId);
    let delivery: { state: string; last_error: string | null } | undefined;
    for (let tries = 0; tries < 600 && delivery?.state !== 'skipped'; tries++) {
      await new Promise((r) => setTimeout(r, 50));
      delivery = await database.db
        .selectFrom('notification_outbox')
        .innerJoin('notification_deliveries', 'notification_deliveries.notification_id', 'notification_outbox.notification_id')
        .select(['notification_deliveries.state', 'notification_deliveries.last_error'])
        .where('subject_id', '=', exchangeId)
        .executeTakeFirst();
    }
    t.same(delivery, { state: 'skipped', last_error: 'no email address' }, 'skipped: an erased person has no address');
    t.same(mailsTo(dot.email), [], 'no mail to the address they had');
  });
}
