// A mentor's journey in a real browser, by keyboard alone and without JavaScript: Mo signs in and
// redeems the computer lesson he gave Edna from the voucher her daughter gave her. The API's
// refusals are said plainly beside their fields (the wrong activity, more than is left, the same
// session twice); the session is confirmed, listed, and seen on the voucher. Only vouchers that can
// pay today are offered, and only to mentors.
import t from 'tap';
import type { Locator, Page } from 'playwright-core';
import { browserHearth, checkPage, freshPage, press, screenshot, signIn, tabTo, typeInto } from './support/browser.ts';
import { joined, send, signUp } from './support/http.ts';
import { longDate } from '../src/web/words.ts';
import { ukInstant } from '../src/web/vouchers-words.ts';

/**
 * Picks a voucher by keyboard with the arrow keys: the choices all begin with the learner's name,
 * and typing a long one is at the mercy of the browser's type-ahead pause on a busy machine.
 */
async function pick(page: Page, field: Locator, label: string): Promise<void> {
  await tabTo(page, field);
  const chosen = () => field.evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]?.textContent ?? '');
  await page.keyboard.press('Home');
  for (let i = 0; i < 20 && (await chosen()) !== label; i++) await page.keyboard.press('ArrowDown');
  if ((await chosen()) !== label) throw new Error(`The keyboard chose "${await chosen()}", not "${label}"`);
}

const served = await browserHearth(t);
if (served) {
  const { app, hearth, browser, url } = served;
  const coordinator = await signUp(app, 'Cath Coordinator');
  const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Kirkstall Time Bank', kind: 'time_bank' }, coordinator.auth)).json().networkId as string;
  const api = `/api/v1/networks/${networkId}/vouchers`;
  const treasurer = await joined(app, networkId, coordinator, 'Tess Treasurer', 'treasurer');
  const mo = await joined(app, networkId, coordinator, 'Mo Mentor', 'mentor');
  const dawn = await joined(app, networkId, coordinator, 'Dawn Daughter', 'family');
  const gwen = await joined(app, networkId, coordinator, 'Gwen Giver', 'family');
  const edna = await joined(app, networkId, coordinator, 'Edna Firth');
  const today = new Date().toISOString().slice(0, 10);

  async function give(giver: typeof dawn, value: Record<string, unknown>, paid: boolean) {
    const res = await send(app, 'POST', api, { learnerId: edna.personId, value, occasion: 'Birthday' }, giver.auth);
    if (res.statusCode !== 201) throw new Error(res.body);
    const { voucherId, expiresOn, price } = res.json() as { voucherId: string; expiresOn: string; price: { pence: number } };
    if (paid) {
      const payment = await send(app, 'POST', `${api}/${voucherId}/payment`, { pence: price.pence, reference: 'BACS', receivedOn: today }, treasurer.auth);
      if (payment.statusCode !== 200) throw new Error(payment.body);
    }
    return { voucherId, expiresOn };
  }
  const lessons = await give(dawn, { kind: 'sessions', activity: 'Computer skills', sessions: 6, pencePerSession: 1_500 }, true);
  const treat = await give(gwen, { kind: 'amount', pence: 2_000 }, true);
  const unpaid = await give(gwen, { kind: 'amount', pence: 5_000 }, false);
  const lessonsLeft = (n: number) => `Edna Firth: 6 sessions of Computer skills, ${n} of 6 sessions left (£${(n * 15).toFixed(2)}), use by ${longDate(lessons.expiresOn)}`;
  const treatLabel = `Edna Firth: £20.00 for learning, £20.00 of £20.00 left, use by ${longDate(treat.expiresOn)}`;
  const delivered = async () => (await hearth.store.readAll()).filter((e) => e.type === 'vouchers.SessionDelivered');

  const page = await freshPage(browser, url);

  t.test('the vouchers a mentor may redeem: paid for, and only for mentors', async (t) => {
    const head = await hearth.store.headPosition();
    const mine = await app.inject({ method: 'GET', url: `${api}/redeemable?after=${head}`, headers: mo.auth });
    t.equal(mine.statusCode, 200, mine.body);
    const items = mine.json().items as Array<{ voucherId: string; leftSessions: number | null; left: { pence: number } }>;
    t.same(items.map((v) => v.voucherId).sort(), [lessons.voucherId, treat.voucherId].sort(), 'the two paid vouchers, not the one awaiting its money');
    t.notOk(items.some((v) => v.voucherId === unpaid.voucherId));
    t.notOk('message' in items[0]! || 'giver' in items[0]!, "a mentor is not shown the giver's message");
    t.same((await app.inject({ method: 'GET', url: `${api}/redeemable?activity=pottery`, headers: mo.auth })).json().items.map((v: { voucherId: string }) => v.voucherId), [treat.voucherId], 'for pottery, only the amount');
    const family = await app.inject({ method: 'GET', url: `${api}/redeemable`, headers: dawn.auth });
    t.equal(family.statusCode, 403, 'a family member may not list them');
  });


  t.test('Mo finds his sessions', async (t) => {
    await signIn(page, mo);
    await press(page, page.getByRole('link', { name: /Your sessions/ }));
    t.equal(await page.locator('h1').innerText(), 'Your sessions');
    t.match(await page.locator('main').innerText(), /You have not redeemed a session yet/);
    await checkPage(t, page, 'your sessions, none yet');
  });

  t.test("redeeming a lesson: the API's refusals are said beside their fields, then it is redeemed", async (t) => {
    await press(page, page.getByRole('link', { name: 'Redeem a session' }));
    await checkPage(t, page, 'redeem a session');
    await pick(page, page.getByLabel('Whose voucher?'), lessonsLeft(6));
    await typeInto(page, page.getByLabel('Activity', { exact: true }), 'Pottery');
    t.equal(await page.locator('input[name="starts-day"]').inputValue(), String(Number(today.slice(8))), 'the date is today unless changed');
    await typeInto(page, page.getByLabel('Start time'), '10:00');
    await press(page, page.getByRole('button', { name: 'Redeem the session' }));
    t.match(await page.title(), /^Error: /);
    t.match(await page.locator('#f-activity-error').innerText(), /This voucher is for Computer skills\./, 'the wrong activity, beside the activity');
    await checkPage(t, page, 'redeem a session, the wrong activity');

    await pick(page, page.getByLabel('Whose voucher?'), treatLabel);
    await typeInto(page, page.getByLabel(/Fee for this session/), '25.00');
    await press(page, page.getByRole('button', { name: 'Redeem the session' }));
    t.match(await page.locator('#f-fee-error').innerText(), /£20\.00 is left on this voucher\./, 'more than is left, beside the fee');
    await checkPage(t, page, 'redeem a session, more than is left');
    t.equal((await delivered()).length, 0, 'nothing redeemed yet');

    await pick(page, page.getByLabel('Whose voucher?'), lessonsLeft(6));
    await typeInto(page, page.getByLabel('Activity', { exact: true }), 'Computer skills');
    await typeInto(page, page.getByLabel(/Fee for this session/), '');
    await press(page, page.getByRole('button', { name: 'Redeem the session' }));
    t.equal(await page.locator('h1').innerText(), 'Session redeemed');
    t.match(await page.locator('.panel[role=status]').innerText(), /Computer skills at 10:00am on [\s\S]*£15\.00 is paid from Edna Firth's voucher \(£15\.00\)/);
    await checkPage(t, page, 'session redeemed');
    const [session] = await delivered();
    t.match(session, { data: { mentorId: mo.personId, activity: 'Computer skills', startsAt: ukInstant(today, 10, 0), feePence: 1_500, shares: [{ learnerId: edna.personId, voucherId: lessons.voucherId, pence: 1_500 }] } });
  });

  t.test('the session is in his list', async (t) => {
    await press(page, page.getByRole('link', { name: 'Back to your sessions' }));
    const rows = page.locator('table', { hasText: 'Your sessions, newest first' }).locator('tbody tr');
    t.equal(await rows.count(), 1);
    t.match(await rows.innerText(), /10:00am on [^\t\n]*\s+Computer skills\s+Edna Firth's voucher \(£15\.00\)\s+£15\.00/);
    t.equal(await page.locator('.figure').innerText(), '1 session, £15.00');
    await checkPage(t, page, 'your sessions');
    await screenshot(page, 'mentor');
  });

  t.test('the same session again is refused plainly', async (t) => {
    await press(page, page.getByRole('link', { name: 'Redeem a session' }));
    await pick(page, page.getByLabel('Whose voucher?'), lessonsLeft(5));
    await typeInto(page, page.getByLabel('Activity', { exact: true }), 'Computer skills');
    await typeInto(page, page.getByLabel('Start time'), '10am');
    await press(page, page.getByRole('button', { name: 'Redeem the session' }));
    t.match(await page.locator('#f-time-error').innerText(), /You have already redeemed a session that started at this time/);
    t.match(await page.locator('.error-summary').innerText(), /already redeemed/);
    await checkPage(t, page, 'redeem a session, already redeemed');
    t.equal((await delivered()).length, 1, 'redeemed once');
    const head = await hearth.store.headPosition();
    const voucher = (await app.inject({ method: 'GET', url: `${api}/${lessons.voucherId}?after=${head}`, headers: dawn.auth })).json();
    t.match(voucher, { leftSessions: 5, sessionsUsed: 1, uses: [{ mentor: { name: 'Mo Mentor' }, activity: 'Computer skills' }] }, 'Dawn sees the one lesson on her voucher');
  });

  t.test("a mentor does not see a family's voucher page", async (t) => {
    const res = await page.goto(`/networks/${networkId}/vouchers/${lessons.voucherId}`);
    t.equal(res?.status(), 403);
    t.equal(await page.locator('h1').innerText(), 'This page is not open to you');
    await tabTo(page, page.getByRole('link', { name: 'Go to your networks' }));
  });
}
