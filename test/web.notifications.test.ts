// What waits for a person, and their choice of emails, in a real browser by keyboard alone and
// without JavaScript: Bob signs in and finds at the top of his home page the exchange Ann logged
// for him, follows it to the exchange, and then chooses to be emailed only about ballots.
import t from 'tap';
import { browserHearth, checkPage, freshPage, press, screenshot, signIn, tabTo } from './support/browser.ts';
import { joined, send, signUp } from './support/http.ts';
import * as notify from '../src/notify/app.ts';

const served = await browserHearth(t);
if (served) {
  const { app, hearth, browser, url } = served;
  const cath = await signUp(app, 'Cath Coordinator');
  const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Leeds Time Bank', kind: 'time_bank' }, cath.auth)).json().networkId as string;
  const ann = await joined(app, networkId, cath, 'Ann Atkinson');
  const bob = await joined(app, networkId, cath, 'Bob Butterworth');
  for (const minutes of [60, 90]) {
    await send(app, 'POST', `/api/v1/networks/${networkId}/timebank/exchanges`, { providerId: ann.personId, receiverId: bob.personId, minutes, category: 'shopping', description: 'Weekly shop', occurredOn: new Date().toISOString().slice(0, 10) }, ann.auth);
  }
  const page = await freshPage(browser, url);

  t.test('Bob sees what waits for him at the top of his home page, each a link to act on it', async (t) => {
    await hearth.engine.waitFor(hearth.engine.projections.map((p) => p.name), await hearth.store.headPosition(), 10_000);
    await signIn(page, bob);
    t.equal(await page.locator('h1').innerText(), 'Your networks');
    t.equal(await page.locator('#waiting-title').innerText(), 'Waiting for you');
    t.match(await page.locator('section.panel').innerText(), /2 exchanges to confirm in Leeds Time Bank/);
    await checkPage(t, page, 'home, with what waits');
    await screenshot(page, 'waiting');
    await press(page, page.getByRole('link', { name: '2 exchanges to confirm' }));
    t.equal(new URL(page.url()).pathname, `/networks/${networkId}/time`, 'to the page where he confirms them');
  });

  t.test('Bob chooses to be emailed only about ballots', async (t) => {
    await page.goto('/');
    await press(page, page.getByRole('link', { name: 'Choose which emails Hearth sends you' }));
    t.equal(await page.locator('h1').innerText(), 'Emails from Hearth');
    t.equal(await page.locator('input[type=checkbox]:checked').count(), 5, 'everything is on until he chooses');
    await checkPage(t, page, 'choosing emails');
    for (const label of [/An exchange to confirm/, /A payment to approve/, /A learning voucher you gave was used/]) {
      const box = page.getByLabel(label);
      await tabTo(page, box);
      await page.keyboard.press('Space');
      t.notOk(await box.isChecked(), `${label} is off`);
    }
    await press(page, page.getByRole('button', { name: 'Save choices' }));
    t.equal(await page.locator('h1').innerText(), 'Choices saved');
    await checkPage(t, page, 'choices saved');
    const caller = { personId: bob.personId, onBehalfOf: null, commandId: 'read', correlationId: 'read' };
    t.same((await notify.notificationChoices(hearth, caller)).kinds, ['ballot-opened', 'ballot-closing']);
  });
}
