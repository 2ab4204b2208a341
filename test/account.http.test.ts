// Resets, one's own details and subject access over HTTP, and the pages for them, through
// fastify's inject on one app: what the routes take and answer, and what the pages show and post.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { json, openApp, send, setUp, signUp, type Person } from './support/http.ts';
import { testAddress, testHearth } from './support/hearth.ts';
import { freshPglite } from './support/db.ts';
import { buildApp } from '../src/http/app.ts';
import { createLogger } from '../src/log.ts';
import { resetCode } from '../src/access/reset.ts';

const { hearth, app, close } = await openApp();
t.teardown(close);
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const cookieOf = (setCookie: unknown, name: string) => ([setCookie].flat() as string[]).map((c) => String(c).split(';')[0]!).find((c) => c.startsWith(`${name}=`));
const tokenIn = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
const settled = async () => hearth.engine.waitFor(['people', 'memberships', 'person_history', 'networks', 'password_resets'], await hearth.store.headPosition(), 10_000);
const signIn = (person: { email: string; password: string }, remoteAddress = testAddress()) =>
  app.inject({ method: 'POST', url: '/api/v1/sessions', remoteAddress, headers: json, payload: JSON.stringify({ email: person.email, password: person.password }) });

/** A browser's session on the pages: its cookie and the token its forms carry. */
async function pagesAs(person: Person) {
  const res = await app.inject({ method: 'POST', url: '/api/v1/sessions', remoteAddress: testAddress(), headers: json, payload: JSON.stringify({ email: person.email, password: person.password, kind: 'cookie' }) });
  const cookie = cookieOf(res.headers['set-cookie'], 'hearth_session')!;
  const csrf = res.json().csrfToken as string;
  return {
    get: (url: string) => app.inject({ method: 'GET', url, headers: { cookie } }),
    post: (url: string, body: Record<string, string>) => app.inject({ method: 'POST', url, headers: { ...form, cookie }, payload: new URLSearchParams({ _csrf: csrf, _key: randomUUID(), ...body }).toString() }),
  };
}

/** An anonymous page's form, posted as the browser that was shown it. */
async function anonymousForm(url: string) {
  const page = await app.inject({ method: 'GET', url });
  const cookie = cookieOf(page.headers['set-cookie'], 'hearth_form')!;
  const token = tokenIn(page.body)!;
  return { page, post: (action: string, body: Record<string, string>, remoteAddress = testAddress()) => app.inject({ method: 'POST', url: action, remoteAddress, headers: { ...form, cookie }, payload: new URLSearchParams({ _csrf: token, _key: randomUUID(), ...body }).toString() }) };
}

const cath = await signUp(app, 'Cath Coordinator');
const network = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Chapeltown Time Bank', kind: 'time_bank' }, cath.auth), 201)).json().networkId as string;
const ann = await signUp(app, 'Ann Whitaker');
await setUp(send(app, 'POST', `/api/v1/networks/${network}/invitations`, { personId: ann.personId }, cath.auth), 201);
await send(app, 'POST', `/api/v1/networks/${network}/invitations/acceptance`, undefined, ann.auth);

t.test('the API: asking for a link answers alike; a coordinator gives a code; it sets the password once', async (t) => {
  const ask = (email: string) => app.inject({ method: 'POST', url: '/api/v1/password-resets', remoteAddress: testAddress(), headers: { ...json, 'idempotency-key': randomUUID() }, payload: JSON.stringify({ email }) });
  const [known, unknown] = [await ask(ann.email), await ask(`nobody.${randomUUID().slice(0, 6)}@example.org`)];
  t.equal(known.statusCode, 202);
  t.same([known.statusCode, known.body], [unknown.statusCode, unknown.body], 'the same answer whether or not an account uses the email');
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/password-resets', headers: json, payload: JSON.stringify({ email: ann.email }) })).statusCode, 428, 'an Idempotency-Key is needed');

  const path = `/api/v1/networks/${network}/members/${ann.personId}/password-resets`;
  t.equal((await send(app, 'POST', path, undefined, ann.auth)).statusCode, 403, 'a member who does not coordinate is refused');
  const given = await send(app, 'POST', path, undefined, cath.auth);
  t.equal(given.statusCode, 201, 'the coordinator is given a code');
  const { code } = given.json() as { code: string };
  await settled();

  const use = (body: Record<string, string>) => app.inject({ method: 'POST', url: '/api/v1/password-resets/use', remoteAddress: testAddress(), headers: { ...json, 'idempotency-key': randomUUID() }, payload: JSON.stringify(body) });
  const wrong = await use({ email: ann.email, code: 'AAA-BBB-CCC-DDD', newPassword: 'a new and long passphrase' });
  t.equal(wrong.statusCode, 422);
  t.match(wrong.json(), { type: '/problems/reset-code-wrong', errors: [{ pointer: '/code' }] }, 'a wrong code is refused, naming the field');
  const short = await use({ email: ann.email, code, newPassword: 'short' });
  t.equal(short.statusCode, 400, 'a short password is refused before anything is checked');
  const done = await use({ email: ann.email, code, newPassword: 'a new and long passphrase' });
  t.equal(done.statusCode, 200, 'the right code sets the password');
  t.equal((await signIn(ann)).statusCode, 401, 'the old password no longer works');
  ann.password = 'a new and long passphrase';
  t.equal((await signIn(ann)).statusCode, 201, 'the new one does');
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/me', headers: ann.auth })).statusCode, 401, 'her sessions from before ended');
  const again = await use({ email: ann.email, code, newPassword: 'yet another long passphrase' });
  t.match(again.json(), { type: '/problems/reset-code-wrong' }, 'the code works once');
  ann.auth = { authorization: `Bearer ${(await signIn(ann)).json().token}` };
});

t.test('the API: details put right, and the export holds them with every area', async (t) => {
  const bob = await signUp(app, 'Bob Okafor');
  const email = `bob.${randomUUID().slice(0, 6)}@example.org`;
  t.equal((await send(app, 'PUT', '/api/v1/me/details', { name: 'Robert Okafor', email: cath.email }, bob.auth)).statusCode, 409, "another account's email is refused");
  const put = await send(app, 'PUT', '/api/v1/me/details', { name: 'Robert Okafor', email, dateOfBirth: '1950-01-31' }, bob.auth);
  t.equal(put.statusCode, 200);
  t.same((await app.inject({ method: 'GET', url: '/api/v1/me/details', headers: bob.auth })).json(), { name: 'Robert Okafor', email, dateOfBirth: '1950-01-31' });
  const exported = await app.inject({ method: 'GET', url: `/api/v1/people/${bob.personId}/export`, headers: bob.auth });
  t.equal(exported.statusCode, 200);
  t.match(exported.json(), { details: { name: 'Robert Okafor' }, timebank: { exchanges: [] }, carebank: [], pools: {}, coop: {}, vouchers: {} }, 'every area is there, empty when nothing was done');
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/people/${bob.personId}/export`, headers: cath.auth })).statusCode, 403, 'nobody else may have it');
});

t.test('the pages: forgotten password, a link, a new password', async (t) => {
  const dora = await signUp(app, 'Dora Price');
  const forgotten = await anonymousForm('/forgotten-password');
  t.equal(forgotten.page.statusCode, 200);
  const sent = await forgotten.post('/forgotten-password', { email: dora.email });
  t.equal(sent.statusCode, 200);
  t.match(sent.body, /If an account uses that address, we have sent a link; it works for an hour\. No email\? Ask your coordinator for a reset code\./);
  await settled();
  const events = await hearth.store.readStream(`person-${dora.personId}`);
  const resetId = (events.at(-1)!.data as { resetId: string }).resetId;
  const code = resetCode(hearth.secret, resetId, 'email');
  const link = await anonymousForm(`/reset-password?reset=${resetId}&code=${code}`);
  t.match(link.page.body, new RegExp(`name="resetId" value="${resetId}"`), 'the link fills in the reset');
  const mismatch = await link.post('/reset-password', { resetId, code, newPassword: 'a brand new passphrase', again: 'a different passphrase' });
  t.equal(mismatch.statusCode, 422, 'two different passwords are sent back');
  const reset = await link.post('/reset-password', { resetId, code, newPassword: 'a brand new passphrase', again: 'a brand new passphrase' });
  t.equal(reset.statusCode, 303);
  t.equal(reset.headers.location, '/reset-password/done');
  t.equal((await signIn({ email: dora.email, password: 'a brand new passphrase' })).statusCode, 201, 'she signs in with the new password');
});

t.test('the pages: a lock-out says when, and where to turn', async (t) => {
  const edna = await signUp(app, 'Edna Shaw');
  const signInForm = await anonymousForm('/sign-in');
  t.match(signInForm.page.body, /href="\/forgotten-password">Forgotten your password\?/);
  const address = testAddress();
  let last;
  for (let i = 0; i < 6; i++) last = await signInForm.post('/sign-in', { email: edna.email, password: 'not the right one at all' }, address);
  t.match(last!.body, /You can try again after \d+:\d\d[ap]m/, 'says when');
  t.match(last!.body, /ask your coordinator for a reset code/);
});

t.test('the pages: own account, details, data and download; a coordinator gives a code', async (t) => {
  const ann_ = await pagesAs(ann);
  const home = await ann_.get('/account');
  t.equal(home.statusCode, 200);
  t.match(home.body, /href="\/account\/details"/);
  const details = await ann_.get('/account/details');
  t.match(details.body, /value="Ann Whitaker"/, 'the form shows her details');
  const saved = await ann_.post('/account/details', { name: 'Ann M. Whitaker', email: ann.email, phone: '', 'dateOfBirth-day': '2', 'dateOfBirth-month': '5', 'dateOfBirth-year': '1948' });
  t.equal(saved.statusCode, 303);
  t.match((await ann_.get(saved.headers.location as string)).body, /2 May 1948/, 'the confirmation shows what was saved');
  const badDate = await ann_.post('/account/details', { name: 'Ann', email: ann.email, 'dateOfBirth-day': '31', 'dateOfBirth-month': '2', 'dateOfBirth-year': '1948' });
  t.equal(badDate.statusCode, 422, 'a date that does not exist is sent back');

  await settled();
  const data = await ann_.get('/account/data');
  t.equal(data.statusCode, 200);
  t.match(data.body, /Ann M\. Whitaker/);
  t.match(data.body, /Chapeltown Time Bank/, 'her network by name');
  const download = await ann_.get('/account/data.json');
  t.match(String(download.headers['content-disposition']), /attachment/);
  t.equal(download.json().personId, ann.personId);

  const cath_ = await pagesAs(cath);
  const path = `/networks/${network}/members/${ann.personId}/reset-code`;
  t.equal((await cath_.get(path)).statusCode, 200);
  const given = await cath_.post(path, {});
  t.equal(given.statusCode, 200);
  t.match(given.body, /class="figure"[^>]*>[A-Z2-9]{3}-[A-Z2-9]{3}-[A-Z2-9]{3}-[A-Z2-9]{3}</, 'the code, to read out or print');
  t.equal((await ann_.get(`/networks/${network}/members/${cath.personId}/reset-code`)).statusCode, 403, 'not for a member who does not coordinate');
});

t.test("a reset link's code never reaches the log", async (t) => {
  const lines: string[] = [];
  const quiet = await testHearth(await freshPglite(), {}, createLogger('info', { write: (line: string) => void lines.push(line) }));
  const logged = await buildApp(quiet);
  t.teardown(async () => { await logged.close(); await quiet.close(); });
  await logged.inject({ method: 'GET', url: '/reset-password?reset=0190f0a0-0000-7000-8000-000000000001&code=SECRETCODE123' });
  t.ok(lines.some((l) => l.includes('/reset-password?reset=')), 'the request is logged');
  t.notOk(lines.some((l) => l.includes('SECRETCODE123')), 'without its code');
});
