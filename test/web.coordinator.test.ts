// A time-bank coordinator's journey in a real browser, by keyboard alone and without JavaScript:
// approve a request to join, see who is near a limit and set that member's limits, record time for
// a member who is not online (which the other member then sees waiting), and add such a member.
import type { SealedText } from '../src/access/vault.ts';
import t from 'tap';
import { browserHearth, checkPage, choose, freshPage, press, screenshot, select, signIn, typeInto } from './support/browser.ts';
import { joined, send, setUp, signUp } from './support/http.ts';


const served = await browserHearth(t);
if (served) {
  const { app, hearth, browser, url } = served;
  const { db } = hearth.database;
  const coordinator = await signUp(app, 'Cath Coordinator');
  const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Kirkstall Time Bank', kind: 'time_bank' }, coordinator.auth)).json().networkId;
  const base = `/api/v1/networks/${networkId}`;
  const tb = `${base}/timebank`;
  await send(app, 'PUT', `${tb}/categories/gardening`, {}, coordinator.auth);
  await send(app, 'PUT', `${tb}/categories/shopping`, {}, coordinator.auth);
  const ann = await joined(app, networkId, coordinator, 'Ann Armitage');
  const bob = await joined(app, networkId, coordinator, 'Bob Brearley');
  const today = new Date().toISOString().slice(0, 10);
  // Ann receives 8 hours 30 minutes: 85% of the way to the usual lower limit of minus 10 hours.
  const shop = (await send(app, 'POST', `${tb}/exchanges`, { providerId: bob.personId, receiverId: ann.personId, minutes: 510, category: 'shopping', description: 'A month of weekly shops', occurredOn: today }, bob.auth)).json();
  await setUp(send(app, 'POST', `${tb}/exchanges/${shop.exchangeId}/confirmation`, undefined, ann.auth), 200);
  const dan = await signUp(app, 'Dan Dawson');
  await setUp(send(app, 'POST', `${base}/join-requests`, undefined, dan.auth), 202);

  const page = await freshPage(browser, url);
  const main = () => page.locator('main').innerText();
  const overview = `/networks/${networkId}/coordinate`;

  t.test('the overview: who is waiting to join, and who is near a limit', async (t) => {
    await signIn(page, coordinator);
    await press(page, page.getByRole('link', { name: /^Coordinate/ }));
    t.equal(new URL(page.url()).pathname, overview);
    await checkPage(t, page, 'coordinate');
    t.equal(await page.getByRole('link', { name: 'Dan Dawson: look at the request to join' }).count(), 1, 'Dan is waiting');
    const near = page.locator('table', { has: page.locator('caption', { hasText: 'Members near a limit' }) });
    const rows = await near.locator('tbody tr').allInnerTexts();
    t.equal(rows.length, 1, 'one member is near a limit');
    t.match(rows[0], /Ann Armitage\s+minus 8 hours 30 minutes\s+minus 10 hours\s+Near limit 85% of the way/);
    await screenshot(page, 'coordinator');
  });

  t.test('approving a request to join', async (t) => {
    await press(page, page.getByRole('link', { name: 'Dan Dawson: look at the request to join' }));
    await checkPage(t, page, 'approve a request');
    await press(page, page.getByRole('button', { name: 'Approve Dan Dawson' }));
    t.equal(await page.locator('h1').innerText(), 'Request approved');
    t.match(await page.locator('.panel').innerText(), /Dan Dawson is now a member/);
    await checkPage(t, page, 'request approved');
    const membership = await db.selectFrom('memberships').select(['status', 'approved_by']).where('network_id', '=', networkId).where('person_id', '=', dan.personId).executeTakeFirstOrThrow();
    t.match(membership, { status: 'active', approved_by: coordinator.personId });
    await press(page, page.getByRole('link', { name: 'Back to coordinating' }));
    t.match(await main(), /No one is waiting to join/);
  });

  t.test("setting a member's limits: mistakes beside their fields, then set with a reason", async (t) => {
    await press(page, page.getByRole('link', { name: 'Limits for Ann Armitage' }).first());
    t.equal(await page.locator('h1').innerText(), 'Limits for Ann Armitage');
    t.equal(await page.locator('input[name=lower-hours]').inputValue(), '10', 'the present limit is filled in');
    await checkPage(t, page, 'limits form');
    await typeInto(page, page.locator('input[name=lower-hours]'), '');
    await typeInto(page, page.locator('input[name=lower-minutes]'), '');
    await press(page, page.getByRole('button', { name: 'Set these limits' }));
    t.match(await page.locator('#f-lower-error').innerText(), /Enter how far below zero they may go/);
    t.match(await page.locator('#f-reason-error').innerText(), /Say why you are changing their limits/);
    await checkPage(t, page, 'limits form with errors');
    await typeInto(page, page.locator('input[name=lower-hours]'), '20');
    await typeInto(page, page.locator('input[name=lower-minutes]'), '0');
    await typeInto(page, page.getByLabel('Why are you changing them?'), 'Agreed at the members meeting');
    await press(page, page.getByRole('button', { name: 'Set these limits' }));
    t.equal(await page.locator('h1').innerText(), 'Limits set');
    const panel = await page.locator('.panel').innerText();
    t.match(panel, /Ann Armitage can now go from minus 20 hours to 750 hours/);
    t.match(panel, /not near a limit now/);
    await checkPage(t, page, 'limits set');
    const set = (await hearth.store.readAll()).filter((e) => e.type === 'timebank.AccountLimitsSet');
    t.match(set, [{ data: { holder: ann.personId, lowerMinutes: -1200, upperMinutes: 750 * 60, reason: 'Agreed at the members meeting' }, metadata: { actor: coordinator.personId } }]);
    await press(page, page.getByRole('link', { name: 'Back to coordinating' }));
    t.match(await main(), /No member is near a limit/);
  });

  t.test('recording time for a member who is not online; the other member sees it waiting', async (t) => {
    await press(page, page.getByRole('link', { name: 'Record time for Ann Armitage' }));
    t.equal(await page.locator('h1').innerText(), 'Log time for Ann Armitage');
    await checkPage(t, page, 'log for a member');
    await choose(page, page.getByLabel('They gave time'));
    await select(page, page.getByLabel('Who with?'), 'Bob Brearley');
    await select(page, page.getByLabel('What kind of help?'), 'gardening');
    await typeInto(page, page.getByLabel('Hours'), '1');
    await typeInto(page, page.getByLabel('Minutes'), '15');
    await typeInto(page, page.getByLabel('What was done (optional)'), 'Cut back the hedge');
    await press(page, page.getByRole('button', { name: 'Log it' }));
    t.equal(await page.locator('h1').innerText(), 'Exchange logged');
    t.match(await page.locator('.panel').innerText(), /gave 1 hour 15 minutes to Bob Brearley/);
    const exchanges = (await hearth.store.readAll()).filter((e) => e.type === 'timebank.ExchangeLogged');
    const descriptions = await hearth.vault.openTexts(exchanges.map((e) => (e.data as { description: SealedText }).description));
    const logged = exchanges[descriptions.indexOf('Cut back the hedge')];
    t.match(logged, { data: { providerId: ann.personId, receiverId: bob.personId, minutes: 75 }, metadata: { actor: coordinator.personId, onBehalfOf: ann.personId } }, 'recorded by the coordinator for Ann');

    const bobsPage = await freshPage(browser, url);
    await signIn(bobsPage, bob);
    await bobsPage.goto(`/networks/${networkId}/time`);
    t.equal(await bobsPage.getByRole('link', { name: /You received 1 hour 15 minutes from Ann Armitage/ }).count(), 1, 'Bob has it waiting to confirm');
    const refused = await bobsPage.goto(overview);
    t.equal(refused?.status(), 403, 'a member cannot use the coordinator pages');
    await bobsPage.context().close();
  });

  t.test('adding a member who is not online', async (t) => {
    await page.goto(overview);
    await press(page, page.getByRole('link', { name: 'Add a member who is not online' }));
    await checkPage(t, page, 'add a member');
    await press(page, page.getByRole('button', { name: 'Add them as a member' }));
    t.match(await page.locator('#f-name-error').innerText(), /Enter their name/);
    await checkPage(t, page, 'add a member with errors');
    await typeInto(page, page.getByLabel('Their full name'), 'Walter Whiteley');
    await typeInto(page, page.getByLabel('Their phone number (optional)'), '0113 496 0000');
    await press(page, page.getByRole('button', { name: 'Add them as a member' }));
    t.equal(await page.locator('h1').innerText(), 'Member added');
    t.match(await page.locator('.panel').innerText(), /Walter Whiteley is now a member/);
    await checkPage(t, page, 'member added');
    const walter = await db.selectFrom('people').innerJoin('memberships', 'memberships.person_id', 'people.person_id').select(['memberships.status']).where('people.name', '=', 'Walter Whiteley').where('memberships.network_id', '=', networkId).executeTakeFirstOrThrow();
    t.equal(walter.status, 'active');
    await press(page, page.getByRole('link', { name: 'Record time for Walter Whiteley' }));
    t.equal(await page.locator('h1').innerText(), 'Log time for Walter Whiteley');
  });
}
