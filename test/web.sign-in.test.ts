// Signing in and up on the pages: a form another site makes the browser post signs no one in
// (login CSRF); the security headers fit the request, so that a Hearth served over plain HTTP by a
// LAN address works in a real browser, and one behind HTTPS is told to stay there.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { openApp, signUp, written } from './support/http.ts';
import { serverFirstDatabase } from './support/db.ts';
import { browserHearth, checkPage, freshPage, press, typeInto } from './support/browser.ts';
import type { App } from '../src/http/app.ts';

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const cookieOf = (setCookie: unknown, name: string) =>
  ([setCookie].flat() as string[]).map((c) => String(c).split(';')[0]!).find((c) => c.startsWith(`${name}=`));

/** The sign-in page as a browser gets it: its form cookie and the token in its form. */
async function signInPage(app: App, headers: Record<string, string> = {}) {
  const page = await app.inject({ method: 'GET', url: '/sign-in', headers });
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  return { page, cookie: cookieOf(page.headers['set-cookie'], 'hearth_form'), token };
}

t.test('login CSRF: a sign-in form Hearth did not show this browser signs no one in', async (t) => {
  const { hearth, app, close } = await openApp(await serverFirstDatabase());
  t.teardown(close);
  const person = await signUp(app, 'Connie Cookie');
  const sessions = async () => (await hearth.database.db.selectFrom('sessions').select('token_hash').where('kind', '=', 'cookie').execute()).length;
  const post = (body: Record<string, string>, cookie?: string) =>
    app.inject({ method: 'POST', url: '/sign-in', headers: { ...form, ...(cookie ? { cookie } : {}) }, payload: new URLSearchParams(body).toString() });
  const credentials = { email: person.email, password: person.password };

  const crossSite = await post(credentials);
  t.equal(crossSite.statusCode, 403, 'an anonymous post without the token is refused');
  t.notOk(cookieOf(crossSite.headers['set-cookie'], 'hearth_session'), 'and sets no session');
  t.match(crossSite.body, /This form has expired/);

  const mine = await signInPage(app);
  t.ok(mine.cookie && mine.token, 'the page gives a form cookie and a token');
  t.equal((await post({ ...credentials, _csrf: mine.token! })).statusCode, 403, 'the token without its cookie is refused');
  const theirs = await signInPage(app);
  t.equal((await post({ ...credentials, _csrf: theirs.token! }, mine.cookie)).statusCode, 403, "another browser's token is refused");
  t.equal((await post({ ...credentials, _csrf: 'made-up' }, mine.cookie)).statusCode, 403, 'a made-up token is refused');
  t.equal(await sessions(), 0, 'no session was made');

  const real = await post({ ...credentials, _csrf: mine.token! }, mine.cookie);
  t.equal(real.statusCode, 303, 'the form Hearth showed signs in');
  t.ok(cookieOf(real.headers['set-cookie'], 'hearth_session'));
  t.equal(await sessions(), 1);
});

t.test('the sign-up page: a plain form, refused without its token, and the same answer for a taken email', async (t) => {
  const { hearth, app, close } = await openApp(await serverFirstDatabase());
  t.teardown(close);
  const page = await app.inject({ method: 'GET', url: '/sign-up' });
  t.equal(page.statusCode, 200);
  t.match(page.body, /<label for="f-name">Your name<\/label>/);
  t.notMatch(page.body, /<script/, 'no script');
  const cookie = cookieOf(page.headers['set-cookie'], 'hearth_form')!;
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
  const email = `page.${randomUUID().slice(0, 8)}@example.org`;
  const body = (name: string) => new URLSearchParams({ name, email, password: 'a long enough password', _csrf: token, _key: randomUUID() }).toString();

  const before = await written(hearth);
  const forged = await app.inject({ method: 'POST', url: '/sign-up', headers: form, payload: body('Forged Fred') });
  t.equal(forged.statusCode, 403);
  t.same(await written(hearth), before, 'a forged sign-up writes nothing');

  const first = await app.inject({ method: 'POST', url: '/sign-up', headers: { ...form, cookie }, payload: body('Pearl Page') });
  const again = await app.inject({ method: 'POST', url: '/sign-up', headers: { ...form, cookie }, payload: body('Someone Else') });
  t.equal(first.statusCode, 200);
  t.match(first.body, /What happens next[\s\S]*If this email address was new to Hearth/);
  t.equal(again.statusCode, first.statusCode);
  t.equal(again.body.replace(/value="[^"]*"/g, ''), first.body.replace(/value="[^"]*"/g, ''), 'the same page whether or not the email was taken');

  const short = await app.inject({ method: 'POST', url: '/sign-up', headers: { ...form, cookie }, payload: new URLSearchParams({ name: 'Sid Short', email: 'sid@example.org', password: 'short', _csrf: token, _key: randomUUID() }).toString() });
  t.equal(short.statusCode, 422);
  t.match(short.body, /<a href="#f-password">/, 'a short password is named beside its field');
});

t.test('security headers fit the request', async (t) => {
  const { app, close } = await openApp(await serverFirstDatabase());
  t.teardown(close);
  const lan = await signInPage(app, { host: '192.168.1.20:3000' });
  t.equal(lan.page.statusCode, 200, 'any host name is served');
  t.notOk(lan.page.headers['strict-transport-security'], 'no HSTS over plain HTTP');
  t.notMatch(String(lan.page.headers['content-security-policy']), /upgrade-insecure-requests/, 'no upgrading over plain HTTP');
  t.match(String(lan.page.headers['content-security-policy']), /form-action 'self'/);
  t.notMatch(String(lan.page.headers['set-cookie']), /Secure/, 'the form cookie is not Secure over plain HTTP');
  const claimed = await signInPage(app, { 'x-forwarded-proto': 'https' });
  t.notOk(claimed.page.headers['strict-transport-security'], 'X-Forwarded-Proto is not believed without TRUST_PROXY');

  const proxied = await openApp(undefined, { TRUST_PROXY: 'true' });
  t.teardown(proxied.close);
  const person = await signUp(proxied.app, 'Priscilla Proxy');
  const https = { 'x-forwarded-proto': 'https' };
  const behind = await signInPage(proxied.app, https);
  t.match(String(behind.page.headers['strict-transport-security']), /max-age=\d+/, 'HSTS behind an HTTPS proxy');
  t.match(String(behind.page.headers['content-security-policy']), /upgrade-insecure-requests/);
  t.match(String(behind.page.headers['set-cookie']), /Secure/, 'the form cookie is Secure');
  const signedIn = await proxied.app.inject({
    method: 'POST',
    url: '/sign-in',
    headers: { ...form, ...https, cookie: behind.cookie! },
    payload: new URLSearchParams({ email: person.email, password: person.password, _csrf: behind.token! }).toString(),
  });
  t.equal(signedIn.statusCode, 303);
  t.match(String([signedIn.headers['set-cookie']].flat().find((c) => String(c).startsWith('hearth_session='))), /Secure/, 'and so is the session cookie');
  const plain = await signInPage(proxied.app, { 'x-forwarded-proto': 'http' });
  t.notOk(plain.page.headers['strict-transport-security'], 'the same server reached over plain HTTP sends no HSTS');
});

t.test('a real browser signs up and in over plain HTTP by a LAN host name', async (t) => {
  const served = await browserHearth(t, undefined, { hostName: 'hearth.lan' });
  if (!served) return;
  const { browser, url } = served;
  t.match(url, /^http:\/\/hearth\.lan:\d+$/);
  const page = await freshPage(browser, url);
  const email = `lan.${randomUUID().slice(0, 8)}@example.org`;
  await page.goto('/sign-up');
  await checkPage(t, page, 'sign-up page');
  await typeInto(page, page.getByLabel('Your name'), 'Lena Lan');
  await typeInto(page, page.getByLabel('Email address'), email);
  await typeInto(page, page.getByLabel('Choose a password'), 'a long enough password');
  await press(page, page.getByRole('button', { name: 'Create account' }));
  t.match(page.url(), /^http:\/\/hearth\.lan:\d+\/sign-up$/, 'the form was posted over plain HTTP');
  t.match(await page.locator('main').innerText(), /sign in with it and the password you have just chosen/);
  await press(page, page.getByRole('link', { name: 'Sign in' }));
  await typeInto(page, page.getByLabel('Email address'), email);
  await typeInto(page, page.getByLabel('Password'), 'a long enough password');
  await press(page, page.getByRole('button', { name: 'Sign in' }));
  t.match(page.url(), /^http:\/\/hearth\.lan:\d+\/$/, 'signed in, over plain HTTP');
  t.match(await page.locator('h1').innerText(), /Your networks/);
});
