// A family member's journey in a real browser, by keyboard alone and without JavaScript: Dawn signs
// in, gives her mother six computer lessons (a mistake first, shown beside its field), sees the
// voucher listed as waiting for the money; the treasurer records the money and a mentor redeems a
// lesson through the API; Dawn sees on the voucher's page when, what and with whom it was used.
import t from 'tap';
import { browserHearth, checkPage, choose, freshPage, press, screenshot, select, signIn, typeInto } from './support/browser.ts';
import { joined, send, signUp } from './support/http.ts';

const served = await browserHearth(t);
if (served) {
  const { app, hearth, browser, url } = served;
  const coordinator = await signUp(app, 'Cath Coordinator');
  const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Kirkstall Time Bank', kind: 'time_bank' }, coordinator.auth)).json().networkId as string;
  const api = `/api/v1/networks/${networkId}/vouchers`;
  const treasurer = await joined(app, networkId, coordinator, 'Tess Treasurer', 'treasurer');
  const mo = await joined(app, networkId, coordinator, 'Mo Mentor', 'mentor');
  const dawn = await joined(app, networkId, coordinator, 'Dawn Daughter', 'family');
  const edna = await joined(app, networkId, coordinator, 'Edna Firth');
  const today = new Date().toISOString().slice(0, 10);
  const bought = async () => (await hearth.store.readAll()).filter((e) => e.type === 'vouchers.VoucherBought');

  const page = await freshPage(browser, url);
  let voucherId = '';

  t.test('Dawn finds the learning vouchers from her networks', async (t) => {
    await signIn(page, dawn);
    await press(page, page.getByRole('link', { name: /Learning vouchers/ }));
    t.equal(await page.locator('h1').innerText(), 'Learning vouchers');
    t.match(await page.locator('main').innerText(), /You have not given a voucher yet/);
    await checkPage(t, page, 'learning vouchers, none yet');
  });

  t.test('giving six computer lessons to her mother: a mistake is shown beside its field first', async (t) => {
    await press(page, page.getByRole('link', { name: 'Give a learning voucher' }));
    await checkPage(t, page, 'give a voucher');
    await select(page, page.getByLabel('Who is it for?'), 'Edna Firth');
    t.equal(await page.getByLabel('Who is it for?').locator('option', { hasText: 'Dawn Daughter' }).count(), 0, 'one does not give a voucher to oneself');
    await choose(page, page.getByLabel('Sessions of an activity'));
    await typeInto(page, page.getByLabel('Activity', { exact: true }), 'Computer skills');
    await typeInto(page, page.getByLabel('How many sessions'), '6');
    await typeInto(page, page.getByLabel('Price of each session'), 'fifteen pounds');
    await typeInto(page, page.getByLabel('Occasion'), 'Birthday');
    await typeInto(page, page.getByLabel('Message (optional)'), 'Happy birthday Mum! Love, Dawn');
    await press(page, page.getByRole('button', { name: 'Give the voucher' }));
    t.match(await page.title(), /^Error: /, 'the title says there is a problem');
    t.match(await page.locator('#f-price-error').innerText(), /Enter an amount in pounds and pence/, 'beside the price');
    t.equal(await page.getByLabel('Activity', { exact: true }).inputValue(), 'Computer skills', 'what was typed is kept');
    t.equal((await bought()).length, 0, 'nothing is given yet');
    await checkPage(t, page, 'give a voucher, with a mistake');

    await typeInto(page, page.getByLabel('Price of each session'), '15.00');
    await press(page, page.getByRole('button', { name: 'Give the voucher' }));
    t.equal(await page.locator('h1').innerText(), 'Voucher recorded');
    t.match(await page.locator('.panel[role=status]').innerText(), /Your voucher for Edna Firth is recorded\. It is held for them once the network receives the money: £90\.00/);
    t.equal(await page.locator('.figure').innerText(), 'Waiting for the money');
    await checkPage(t, page, 'voucher recorded');
    const [event] = await bought();
    t.match(event, { data: { giverId: dawn.personId, learnerId: edna.personId, value: { kind: 'sessions', activity: 'Computer skills', sessions: 6, pencePerSession: 1_500 }, occasion: 'Birthday' } });
    voucherId = (event!.data as { voucherId: string }).voucherId;
  });

  t.test('a voucher to oneself is refused beside the learner', async (t) => {
    await page.goto(`/networks/${networkId}/vouchers/give`);
    const form = {
      _csrf: await page.locator('main input[name=_csrf]').inputValue(),
      _key: await page.locator('main input[name=_key]').inputValue(),
      learner: dawn.personId, kind: 'amount', amount: '20', occasion: 'A treat',
    };
    const res = await page.request.post(`/networks/${networkId}/vouchers/give`, { form, maxRedirects: 0 });
    t.equal(res.status(), 422);
    t.match(await res.text(), /id="f-learner-error"><span class="visually-hidden">Error: <\/span>A voucher is a gift to someone else/);
    t.equal((await bought()).length, 1, 'nothing more is given');
  });

  t.test('the voucher is listed as waiting for the money', async (t) => {
    await page.goto(`/networks/${networkId}`);
    await press(page, page.getByRole('link', { name: /Learning vouchers/ }));
    const row = page.locator('table', { hasText: 'Vouchers you gave' }).locator('tbody tr');
    t.equal(await row.count(), 1);
    t.match(await row.innerText(), /Edna Firth\s+6 sessions of Computer skills for Birthday\s+waiting for the money/);
    await checkPage(t, page, 'learning vouchers, one given');
  });

  t.test('paid for and used: Dawn sees when, what and with whom', async (t) => {
    const paid = await send(app, 'POST', `${api}/${voucherId}/payment`, { pence: 9_000, reference: 'BACS D DAUGHTER', receivedOn: today }, treasurer.auth);
    t.equal(paid.statusCode, 200, paid.body);
    const startsAt = `${today}T09:00:00.000Z`;
    const redeemed = await send(app, 'POST', `${api}/sessions`, { startsAt, activity: 'Computer skills', shares: [{ learnerId: edna.personId, voucherId }] }, mo.auth);
    t.equal(redeemed.statusCode, 201, redeemed.body);
    await hearth.engine.waitFor(['vouchers', 'people'], await hearth.store.headPosition(), 5_000);

    await page.goto(`/networks/${networkId}/vouchers`);
    await press(page, page.getByRole('link', { name: '6 sessions of Computer skills for Birthday' }));
    t.equal(await page.locator('h1').innerText(), 'Learning voucher for Edna Firth');
    t.equal(await page.locator('.figure').innerText(), '5 of 6 sessions left');
    t.match(await page.locator('main').innerText(), /1 session has been used \(£15\.00\)\. The 5 left, worth £75\.00, are held for Edna Firth\./);
    const uses = page.locator('table', { hasText: 'Sessions paid for with this voucher' });
    const rows = uses.locator('tbody tr');
    t.equal(await rows.count(), 1, 'one session');
    const [day, month, year] = [Number(today.slice(8)), new Date(`${today}T12:00:00Z`).toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' }), today.slice(0, 4)];
    t.match(await rows.innerText(), new RegExp(`\\d+:00[ap]m on ${day} ${month} ${year}\\s+Computer skills\\s+Mo Mentor\\s+1 session \\(£15\\.00\\)`));
    t.match(await uses.locator('tfoot').innerText(), /Used so far\s+£15\.00/);
    t.match(await page.locator('main').innerText(), /Anything not used by .* goes back to you\./, 'what happens to the rest, in plain words');
    await checkPage(t, page, 'the voucher, partly used');
    await screenshot(page, 'family');
  });
}
