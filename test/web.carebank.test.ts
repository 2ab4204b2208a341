// A care-bank member's journey in a real browser, by keyboard alone and without JavaScript: see the
// hours banked by caring for others, pledge some to a relative, claim care from the rest, with
// mistakes shown beside their fields; and the relative sees the pledge in their own bank.
import t from 'tap';
import { browserHearth, checkPage, freshPage, press, screenshot, select, signIn, typeInto } from './support/browser.ts';
import { send, setUp, signUp, type Person } from './support/http.ts';


const served = await browserHearth(t);
if (served) {
  const { app, hearth, browser, url } = served;
  const now = Date.now();
  const daysAgo = (n: number) => new Date(now - n * 86_400_000).toISOString().slice(0, 10);
  const born = (age: number) => `${new Date(now).getUTCFullYear() - age}-01-01`;
  const coordinator = await signUp(app, 'Cath Coordinator', { dateOfBirth: born(50) });
  const networkId = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Wharfedale Care Bank', kind: 'care_bank_scheme' }, coordinator.auth), 201)).json().networkId;
  const base = `/api/v1/networks/${networkId}`;
  const cb = `${base}/carebank`;
  async function member(name: string, age: number): Promise<Person> {
    const p = await signUp(app, name, { dateOfBirth: born(age) });
    await setUp(send(app, 'POST', `${base}/invitations`, { personId: p.personId }, coordinator.auth), 201);
    await setUp(send(app, 'POST', `${base}/invitations/acceptance`, undefined, p.auth), 200);
    return p;
  }
  // Olive, at 65, may bank and claim under the scheme's usual rules (bank from 18, claim from 60).
  const olive = await member('Olive Older', 65);
  const edna = await member('Edna Elder', 88);
  const rose = await member('Rose Relative', 80);
  for (const [minutes, activity, day] of [[180, 'befriending', 3], [90, 'shopping', 2]] as const) {
    const logged = await setUp(send(app, 'POST', `${cb}/care`, { volunteerId: olive.personId, recipientId: edna.personId, minutes, activity, occurredOn: daysAgo(day) }, olive.auth), 201);
    await setUp(send(app, 'POST', `${cb}/care/${logged.json().careId}/confirmation`, undefined, edna.auth), 200);
  }

  const page = await freshPage(browser, url);
  const figure = () => page.locator('.figure').innerText();
  const bankEntries = async () => (await hearth.store.readAll()).filter((e) => e.type === 'carebank.BankEntry').map((e) => e.data as { holder: string; minutes: number; kind: string; counterparty: string | null });

  t.test('the hours banked, entry by entry', async (t) => {
    await signIn(page, olive);
    await press(page, page.getByRole('link', { name: /^Your care bank/ }));
    t.equal(await page.locator('h1').innerText(), 'Your care bank');
    await checkPage(t, page, 'care bank');
    t.equal(await figure(), '4 hours 30 minutes');
    const rows = await page.locator('tbody tr').allInnerTexts();
    t.equal(rows.length, 2);
    t.match(rows[0], /Care you gave to Edna Elder\s+1 hour 30 minutes/, 'newest first');
    t.match(rows[1], /Care you gave to Edna Elder\s+3 hours/);
  });

  t.test('pledging hours to a relative: mistakes beside their fields, then pledged', async (t) => {
    await press(page, page.getByRole('link', { name: 'Pledge hours to a relative' }));
    await checkPage(t, page, 'pledge form');
    await press(page, page.getByRole('button', { name: 'Pledge these hours' }));
    t.match(await page.locator('#f-relative-error').innerText(), /Choose the relative you are pledging hours to/);
    t.match(await page.locator('#f-duration-error').innerText(), /Enter how many hours you are pledging/);
    await checkPage(t, page, 'pledge form with errors');

    await select(page, page.getByLabel('Who are you pledging hours to?'), 'Rose Relative');
    await typeInto(page, page.getByLabel('Hours', { exact: true }), '5');
    await typeInto(page, page.getByLabel('Minutes', { exact: true }), '0');
    const before = (await bankEntries()).length;
    await press(page, page.getByRole('button', { name: 'Pledge these hours' }));
    t.match(await page.locator('#f-duration-error').innerText(), /You have 4 hours 30 minutes banked\. Enter that or less\./, 'more than is banked is refused beside the field');
    t.equal((await bankEntries()).length, before, 'nothing was written');
    await checkPage(t, page, 'pledge refused');

    await typeInto(page, page.getByLabel('Hours', { exact: true }), '1');
    await press(page, page.getByRole('button', { name: 'Pledge these hours' }));
    t.equal(await page.locator('h1').innerText(), 'Hours pledged');
    const panel = await page.locator('.panel').innerText();
    t.match(panel, /You pledged 1 hour to Rose Relative/);
    t.match(panel, /You now have 3 hours 30 minutes banked/);
    await checkPage(t, page, 'hours pledged');
    t.match((await bankEntries()).slice(-2), [
      { holder: olive.personId, minutes: -60, kind: 'pledged', counterparty: rose.personId },
      { holder: rose.personId, minutes: 60, kind: 'pledge-received', counterparty: olive.personId },
    ]);
  });

  t.test('claiming care: zero and more than is banked are refused, then claimed', async (t) => {
    await press(page, page.getByRole('link', { name: 'Back to your care bank' }));
    t.equal(await figure(), '3 hours 30 minutes');
    await press(page, page.getByRole('link', { name: 'Claim care from your hours' }));
    await checkPage(t, page, 'claim form');
    await typeInto(page, page.getByLabel('Hours', { exact: true }), '0');
    await typeInto(page, page.getByLabel('Minutes', { exact: true }), '0');
    await press(page, page.getByRole('button', { name: 'Claim this care' }));
    t.match(await page.locator('#f-duration-error').innerText(), /Enter a time of more than 0 minutes/);
    await checkPage(t, page, 'claim form with errors');
    await typeInto(page, page.getByLabel('Hours', { exact: true }), '4');
    await press(page, page.getByRole('button', { name: 'Claim this care' }));
    t.match(await page.locator('#f-duration-error').innerText(), /You have 3 hours 30 minutes banked/);

    await typeInto(page, page.getByLabel('Hours', { exact: true }), '1');
    await typeInto(page, page.getByLabel('Minutes', { exact: true }), '30');
    await press(page, page.getByRole('button', { name: 'Claim this care' }));
    t.equal(await page.locator('h1').innerText(), 'Care claimed');
    const panel = await page.locator('.panel').innerText();
    t.match(panel, /You claimed 1 hour 30 minutes of care/);
    t.match(panel, /You now have 2 hours banked/);
    await checkPage(t, page, 'care claimed');
    t.match((await bankEntries()).at(-1), { holder: olive.personId, minutes: -90, kind: 'claimed' });

    await press(page, page.getByRole('link', { name: 'Back to your care bank' }));
    t.equal(await figure(), '2 hours', 'the figure has changed');
    const rows = await page.locator('tbody tr').allInnerTexts();
    t.match(rows[0], /Care you claimed\s+1 hour 30 minutes/);
    t.match(rows[1], /Pledged to Rose Relative\s+1 hour/);
    await checkPage(t, page, 'care bank after a pledge and a claim');
    await screenshot(page, 'care-bank');
  });

  t.test('the relative sees the pledge in their own bank, and only their own', async (t) => {
    const rosesPage = await freshPage(browser, url);
    await signIn(rosesPage, rose);
    await rosesPage.goto(`/networks/${networkId}/care`);
    t.equal(await rosesPage.locator('.figure').innerText(), '1 hour');
    t.match(await rosesPage.locator('tbody').innerText(), /Pledged to you by Olive Older/);
    const theirs = await rosesPage.request.get(`/api/v1/networks/${networkId}/carebank/accounts/${olive.personId}/entries`);
    t.equal(theirs.status(), 403, "another member cannot read Olive's bank");
    await rosesPage.context().close();
  });
}
