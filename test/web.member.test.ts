// A time-bank member's journey in a real browser, by keyboard alone and without JavaScript: sign in,
// see the balance, log an hour given, confirm and dispute what others logged, read and download a
// statement; and never see another member's pages.
import t from 'tap';
import { browserHearth, checkPage, choose, freshPage, press, screenshot, select, signIn, tabTo, typeInto } from './support/browser.ts';
import { joined, send, signUp } from './support/http.ts';
import { caughtUp } from './support/hearth.ts';

const served = await browserHearth(t);
if (served) {
  const { app, hearth, browser, url } = served;
  // Descriptions are sealed in the read table: found by opening them, as the pages do.
  /** The exchanges the table holds once the projections have caught up, so that one written twice would show as two. */
  const exchangesDescribed = async (description: string) => {
    if (!(await caughtUp(hearth))) throw new Error('the projections did not catch up');
    const rows = await hearth.database.db.selectFrom('timebank_exchanges').select(['exchange_id', 'description']).execute();
    const opened = await hearth.vault.openTexts(rows.map((r) => r.description));
    return rows.filter((_, i) => opened[i] === description);
  };
  const coordinator = await signUp(app, 'Cath Coordinator');
  const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Kirkstall Time Bank', kind: 'time_bank' }, coordinator.auth)).json().networkId;
  const tb = `/api/v1/networks/${networkId}/timebank`;
  await send(app, 'PUT', `${tb}/categories/gardening`, {}, coordinator.auth);
  await send(app, 'PUT', `${tb}/categories/shopping`, {}, coordinator.auth);
  const ann = await joined(app, networkId, coordinator, 'Ann Armitage');
  const bob = await joined(app, networkId, coordinator, 'Bob Brearley');
  const today = new Date().toISOString().slice(0, 10);
  const byBob = async (minutes: number, description: string) =>
    (await send(app, 'POST', `${tb}/exchanges`, { providerId: bob.personId, receiverId: ann.personId, minutes, category: 'shopping', description, occurredOn: today }, bob.auth)).json();
  await byBob(60, 'Fetched the weekly shop');
  await byBob(45, 'Posted a parcel');

  const page = await freshPage(browser, url);

  t.test('signing in leads to the member\'s networks', async (t) => {
    await page.goto('/');
    t.match(page.url(), /\/sign-in/, 'a visitor is asked to sign in first');
    await checkPage(t, page, 'sign-in page');
    await typeInto(page, page.getByLabel('Email address'), ann.email);
    await typeInto(page, page.getByLabel('Password'), 'not the password at all');
    await press(page, page.getByRole('button', { name: 'Sign in' }));
    t.match(await page.locator('.error-summary').innerText(), /do not match an account/, 'a wrong password is said plainly');
    await signIn(page, ann);
    t.equal(new URL(page.url()).pathname, '/');
    t.match(await page.locator('main').innerText(), /Kirkstall Time Bank/);
    await checkPage(t, page, 'home page');
  });

  t.test('the balance, and what is waiting', async (t) => {
    await press(page, page.getByRole('link', { name: /Your time/ }));
    await checkPage(t, page, 'your time');
    t.equal(await page.locator('.figure').innerText(), '0 minutes');
    const waiting = page.getByRole('link', { name: /You received 1 hour from Bob Brearley/ });
    t.equal(await waiting.count(), 1, 'what Bob logged waits for Ann');
  });

  t.test('logging an hour given: mistakes are shown beside their fields, then it is logged', async (t) => {
    await press(page, page.getByRole('link', { name: 'Log time given or received' }));
    await checkPage(t, page, 'log form');
    await press(page, page.getByRole('button', { name: 'Log it' }));
    t.match(await page.title(), /^Error: /, 'the title says there is a problem');
    const summary = await page.locator('.error-summary').innerText();
    t.match(summary, /Say whether time was given or received/);
    t.match(summary, /Choose who the time was with/);
    t.match(summary, /Enter how long it took/);
    t.equal(await page.locator('#f-duration-error').count(), 1, 'the reason sits beside the field');
    await checkPage(t, page, 'log form with errors');

    await choose(page, page.getByLabel('I gave time'));
    await select(page, page.getByLabel('Who with?'), 'Bob Brearley');
    await select(page, page.getByLabel('What kind of help?'), 'gardening');
    await typeInto(page, page.getByLabel('Hours'), '1');
    await typeInto(page, page.getByLabel('Minutes'), '75');
    await press(page, page.getByRole('button', { name: 'Log it' }));
    t.match(await page.locator('#f-duration-error').innerText(), /Minutes must be 59 or fewer/);
    await typeInto(page, page.getByLabel('Minutes'), '30');
    await typeInto(page, page.getByLabel('What was done (optional)'), 'Weeded the front beds');
    await press(page, page.getByRole('button', { name: 'Log it' }));
    t.equal(await page.locator('h1').innerText(), 'Exchange logged');
    t.match(await page.locator('.panel').innerText(), /You gave 1 hour 30 minutes to Bob Brearley/);
    await checkPage(t, page, 'exchange logged');
  });

  t.test('a form sent twice is recorded once', async (t) => {
    await page.goto(`/networks/${networkId}/time/log`);
    const key = await page.locator('main input[name=_key]').inputValue();
    const csrf = await page.locator('main input[name=_csrf]').inputValue();
    const form = { _csrf: csrf, _key: key, direction: 'gave', other: bob.personId, category: 'gardening', 'date-day': today.slice(8), 'date-month': today.slice(5, 7), 'date-year': today.slice(0, 4), 'duration-hours': '0', 'duration-minutes': '20', description: 'Watered the pots' };
    const first = await page.request.post(`/networks/${networkId}/time/log`, { form, maxRedirects: 0 });
    const second = await page.request.post(`/networks/${networkId}/time/log`, { form, maxRedirects: 0 });
    t.equal(first.status(), 303);
    t.equal(second.headers().location, first.headers().location, 'the second answer is the first');
    const logged = await exchangesDescribed('Watered the pots');
    t.equal(logged.length, 1);
    const forged = await page.request.post(`/networks/${networkId}/time/log`, { form: { ...form, _csrf: 'forged', _key: 'another' }, maxRedirects: 0 });
    t.equal(forged.status(), 403, 'a form without the session\'s token is refused');
  });

  t.test('confirming what Bob logged moves the hours', async (t) => {
    await page.goto(`/networks/${networkId}/time`);
    await press(page, page.getByRole('link', { name: /You received 1 hour from Bob Brearley/ }));
    await checkPage(t, page, 'an exchange to confirm');
    await press(page, page.getByRole('button', { name: 'Yes, confirm it' }));
    t.equal(await page.locator('h1').innerText(), 'Exchange confirmed');
    await checkPage(t, page, 'exchange confirmed');
    await press(page, page.getByRole('link', { name: 'Back to your time' }));
    t.equal(await page.locator('.figure').innerText(), 'minus 1 hour', 'Ann received an hour');
  });

  t.test('disputing needs a reason, and then nothing moves', async (t) => {
    await press(page, page.getByRole('link', { name: /You received 45 minutes from Bob Brearley/ }));
    await press(page, page.getByRole('button', { name: 'Dispute it' }));
    t.match(await page.locator('#f-reason-error').innerText(), /Say what is wrong with it/);
    await checkPage(t, page, 'dispute with an error');
    await typeInto(page, page.getByLabel('What is wrong?'), 'It was 15 minutes, not 45');
    await press(page, page.getByRole('button', { name: 'Dispute it' }));
    t.equal(await page.locator('h1').innerText(), 'Exchange disputed');
    const [event] = (await hearth.store.readAll()).filter((e) => e.type === 'timebank.ExchangeDisputed');
    t.match(event, { data: { disputedBy: ann.personId, reason: 'It was 15 minutes, not 45' } });
  });

  t.test('the statement, on screen and as a spreadsheet', async (t) => {
    await send(app, 'POST', `${tb}/exchanges/${(await exchangesDescribed('Weeded the front beds'))[0]!.exchange_id}/confirmation`, undefined, bob.auth);
    await page.goto(`/networks/${networkId}/time`);
    await checkPage(t, page, 'your time, after exchanges');
    await screenshot(page, 'member');
    await press(page, page.getByRole('link', { name: 'Statement' }));
    await checkPage(t, page, 'statement');
    const table = await page.locator('table').innerText();
    t.match(table, /Fetched the weekly shop/);
    t.match(table, /Weeded the front beds/);
    t.match(table, /Balance at the end/);
    t.match(table, /Received 1 hour/);
    t.match(table, /Gave 1 hour 30 minutes/);
    t.match(await page.locator('dl.summary').innerText(), /Member\s+Ann/, 'the statement says whose it is');
    await page.emulateMedia({ media: 'print' });
    t.notOk(await page.locator('header.site').isVisible(), 'printed, the statement leaves out the site\'s header');
    t.notOk(await page.locator('main form').isVisible(), 'and the form choosing the dates');
    t.ok(await page.locator('table').isVisible(), 'and keeps the statement itself');
    t.equal((await page.pdf({ format: 'A4' })).subarray(0, 4).toString(), '%PDF', 'it prints to A4');
    await page.emulateMedia({ media: 'screen' });
    const csvLink = page.getByRole('link', { name: /Download this statement/ });
    const csv = await (await page.request.get((await csvLink.getAttribute('href'))!)).text();
    t.match(csv, /^\uFEFFdate,with,kind of help,what was done,gave \(h:mm\),received \(h:mm\),balance \(h:mm\)\r\n/);
    t.match(csv, /Bob Brearley,shopping,Fetched the weekly shop,,1:00,/);
    t.match(csv, /Bob Brearley,gardening,Weeded the front beds,1:30,,/);
  });

  t.test('the footer leads to help, privacy and accessibility', async (t) => {
    await send(app, 'PUT', `/api/v1/networks/${networkId}/help-contact`, { helpContact: 'Ring Cath on 0113 496 0000,\nweekdays 9am to 5pm' }, coordinator.auth);
    await page.goto(`/networks/${networkId}/time`);
    await press(page, page.getByRole('contentinfo').getByRole('link', { name: 'Get help' }));
    t.equal(await page.locator('h1').innerText(), 'Get help');
    t.match(await page.locator('main').innerText(), /Kirkstall Time Bank\s+Ring Cath on 0113 496 0000,\s+weekdays 9am to 5pm/, "the network's own help contact");
    await checkPage(t, page, 'help');
    await screenshot(page, 'help');
    await press(page, page.getByRole('contentinfo').getByRole('link', { name: 'Accessibility' }));
    await checkPage(t, page, 'accessibility statement');
  });

  t.test('a member sees only their own pages', async (t) => {
    const other = await page.goto(`/networks/${networkId}/time?for=${bob.personId}`);
    t.equal(other?.status(), 403);
    t.equal(await page.locator('h1').innerText(), 'This page is not open to you');
    await checkPage(t, page, 'not open to you');
    await tabTo(page, page.getByRole('button', { name: 'Sign out' }));
    await press(page, page.getByRole('button', { name: 'Sign out' }));
    t.match(page.url(), /signed-out/);
    const after = await page.goto(`/networks/${networkId}/time`);
    t.match(after?.url() ?? '', /\/sign-in\?next=/, 'signed out, the pages ask to sign in again');
  });
}
