// A way in for a member without an account: a code printed or read out, or an invitation by email
// to the address on file. Either lets them choose a password once, within 30 days, and never again.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { openHearth } from '../src/hearth.ts';
import { fixedClock } from '../src/clock.ts';
import * as access from '../src/access/app.ts';
import * as networks from '../src/networks/app.ts';
import { NotificationSender } from '../src/notify/sender.ts';
import type { Caller } from '../src/access/caller.ts';
import type { Hearth } from '../src/hearth.ts';
import { freshPglite } from './support/db.ts';
import { quietLog, racingHearth, signedUp as signedUpPerson, testAddress, testConfig } from './support/hearth.ts';
import { refused } from './support/given.ts';

const as = (personId: string): Caller => ({ personId, onBehalfOf: null, commandId: randomUUID(), correlationId: randomUUID() });
const password = 'a long enough password';
const signIn = (hearth: Hearth, email: string) => access.signIn(hearth, { email, password, kind: 'bearer', address: testAddress(), sessionHours: 1 });
const claim = (hearth: Hearth, code: string, email: string) => access.claimAccount(hearth, as('anonymous'), { code, email, password });

async function aTimeBank(hearth: Hearth) {
  const cath = await signedUpPerson(hearth, { name: 'Cath Coordinator', email: `cath.${randomUUID().slice(0, 8)}@example.org` });
  const networkId = (await networks.openNetwork(hearth, as(cath), { name: `Chapeltown ${randomUUID().slice(0, 4)}`, kind: 'time_bank' })).networkId;
  const record = async (name: string, email?: string) =>
    (await access.recordMember(hearth, as(cath), { networkId, details: { name, ...(email ? { email } : {}) }, roles: ['member'] })).personId;
  return { cath, networkId, record };
}

t.test('on PGlite', async (t) => {
  const clock = fixedClock('2026-12-04T10:00:00Z');
  const hearth = await openHearth(testConfig({ PROJECTION_POLL_MS: '250', READ_WAIT_MS: '5000' }), quietLog, { database: await freshPglite(), clock });
  t.teardown(() => hearth.close());
  await hearth.engine.start();
  const { cath, networkId, record } = await aTimeBank(hearth);

  t.test('a claim code lets a member sign in once, and never again', async (t) => {
    const stan = await record('Stan Lowe');
    const given = await access.giveWayIn(hearth, as(cath), { networkId, personId: stan });
    t.equal(given.expiresAt.toISOString(), '2027-01-03T10:00:00.000Z', 'good for 30 days');
    const claimed = await claim(hearth, given.code, 'stan@example.org');
    t.equal(claimed.personId, stan);
    t.equal((await signIn(hearth, 'stan@example.org')).outcome, 'signed-in', 'he signs in as himself');
    t.equal(await refused(claim(hearth, given.code, 'stan.again@example.org')), 'claim-code-unknown', 'the code cannot be used twice');
    t.equal((await signIn(hearth, 'stan.again@example.org')).outcome, 'failed', 'and made no second account');
    t.equal(await refused(access.giveWayIn(hearth, as(cath), { networkId, personId: stan })), 'already-has-account', 'nor is he given another');
  });

  t.test('an expired code is refused, and a taken email hands the code back', async (t) => {
    const vera = await record('Vera Moss');
    const { code } = await access.giveWayIn(hearth, as(cath), { networkId, personId: vera });
    t.equal(await refused(claim(hearth, code, 'stan@example.org')), 'email-taken', 'an email already in use is refused');
    clock.set('2027-01-03T10:00:01Z');
    t.equal(await refused(claim(hearth, code, 'vera@example.org')), 'claim-code-unknown', 'after 30 days the code is refused');
    clock.set('2026-12-04T10:00:00Z');
    t.equal((await claim(hearth, code, 'vera@example.org')).personId, vera, 'within them, the code handed back still works');
  });

  t.test('an invitation by email lets a member set a password once, and never again', async (t) => {
    const walt = await record('Walt Dyer', 'walt@example.org');
    const nomail = await record('Nora Post');
    t.equal(await refused(access.inviteToWayIn(hearth, as(cath), { networkId, personId: nomail })), 'no-email-on-file');
    t.equal(await refused(access.inviteToWayIn(hearth, as(walt), { networkId, personId: walt })), 'forbidden', 'only a coordinator who may act for him');
    const invited = await access.inviteToWayIn(hearth, as(cath), { networkId, personId: walt });
    t.equal(invited.expiresAt.toISOString(), '2027-01-03T10:00:00.000Z');

    // The outbox sends it through a real SMTP conversation; the code is only in the mail.
    const mails: Array<{ to: string[]; text: string }> = [];
    const server = new SMTPServer({
      authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false,
      onData(stream, session, done) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8').replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address), text: raw });
          done();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.server.address() as { port: number }).port;
    await hearth.engine.waitFor(['notifications'], invited.position, 10_000);
    const sender = new NotificationSender(hearth, { ...hearth.config, SMTP_HOST: '127.0.0.1', SMTP_PORT: port, SMTP_SECURE: false, PUBLIC_URL: 'https://hearth.example.org' }, quietLog);
    await sender.sendDue();
    await sender.stop();
    const mail = mails.find((m) => m.to.includes('walt@example.org'));
    t.ok(mail, 'the invitation went to the address on file');
    const code = decodeURIComponent(/https:\/\/hearth\.example\.org\/claim\?code=([A-Za-z0-9%-]+)/.exec(mail!.text)?.[1] ?? '');
    t.match(code, /^([A-Z2-9]{4}-){4}[A-Z2-9]{4}$/, 'its link carries the code');
    t.equal(code, access.wayInCode(hearth.secret, invited.invitationId));

    t.equal((await claim(hearth, code, 'walt@example.org')).personId, walt);
    t.equal((await signIn(hearth, 'walt@example.org')).outcome, 'signed-in', 'he signs in as himself');
    t.equal(await refused(claim(hearth, code, 'walt.again@example.org')), 'claim-code-unknown', 'the link works once');
    t.equal(await refused(access.inviteToWayIn(hearth, as(cath), { networkId, personId: walt })), 'already-has-account');
  });
});

t.test('one claim code used twice at once, on PostgreSQL: one account', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const { cath, networkId, record } = await aTimeBank(hearth);
  for (let round = 1; round <= 3; round++) {
    const person = await record(`Racer ${round}`);
    const { code } = await access.giveWayIn(hearth, as(cath), { networkId, personId: person });
    const emails = [`a${round}.${randomUUID().slice(0, 6)}@example.org`, `b${round}.${randomUUID().slice(0, 6)}@example.org`];
    const outcomes = await Promise.all(emails.map((email) => refused(claim(hearth, code, email))));
    t.equal(outcomes.filter((o) => o === null).length, 1, `round ${round}: one claim went through (${outcomes.join(', ')})`);
    const accounts = await hearth.database.db.selectFrom('credentials').select('person_id').where('person_id', '=', person).execute();
    t.equal(accounts.length, 1, 'one account');
  }
});
