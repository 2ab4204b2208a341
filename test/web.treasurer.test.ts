// A Neighbourhood Network treasurer's journey in a real browser, by keyboard alone and without
// JavaScript: the pools and their balances, a pool's balance over time as a chart and a table of
// the same figures, approving and rejecting payments, the API's refusals said plainly, and a
// member who keeps no books turned away. The books themselves (money in, the bank reconciliation,
// closing a period, its digest, the ledger as a spreadsheet) are in web.treasurer-books.test.ts.
import t from 'tap';
import { browserHearth, checkPage, freshPage, press, screenshot, signIn, typeInto } from './support/browser.ts';
import { joined } from './support/http.ts';
import { lunchClub } from './support/treasurer.ts';

const served = await browserHearth(t);
if (served) {
  const { app, hearth, browser, url } = served;
  const { coordinator, treasurer, networkId, pool, poolPage, today, payments } = await lunchClub(app);
  const page = await freshPage(browser, url);
  const figure = async () => (await page.locator('.figure').innerText()).trim();
  const figuresTable = () => page.locator('table', { has: page.locator('caption', { hasText: 'the figures' }) }).locator('tbody tr td');

  t.test('the treasurer finds the pools and their balances', async (t) => {
    await signIn(page, treasurer);
    await press(page, page.getByRole('link', { name: /Pooled budgets/ }));
    t.equal(await page.locator('h1').innerText(), 'Pooled budgets');
    t.match(await page.locator('table').innerText(), /Lunch club\s+£350\.00/);
    await checkPage(t, page, 'pools');
    await press(page, page.getByRole('link', { name: 'Lunch club' }));
    t.equal(new URL(page.url()).pathname, poolPage);
    t.equal(await figure(), '£350.00');
    await checkPage(t, page, 'pool page');
  });

  t.test('the balance over time, as a chart and as a table of the same figures', async (t) => {
    const svg = page.locator('figure.chart svg');
    t.equal(await svg.count(), 1);
    t.match(await svg.locator('title').textContent(), /Balance of Lunch club at the end of each month/);
    t.match(await svg.locator('desc').textContent(), /to £350\.00 on/);
    const from = `${Number(today.slice(0, 4)) - 1}-${today.slice(5, 7)}-01`;
    const { points } = (await app.inject({ method: 'GET', url: `${pool}/balances?from=${from}`, headers: treasurer.auth })).json() as { points: Array<{ balance: { pounds: string } }> };
    t.equal(points.length, 13, 'a point for each month since this month last year');
    // The chart starts in the pool's first month with money: not with months before it existed.
    const since = points.slice(points.findIndex((p) => p.balance.pounds !== '£0.00'));
    t.ok(since.length < points.length, 'the months before the pool held money are left out');
    t.same(await figuresTable().allInnerTexts(), since.map((p) => p.balance.pounds), 'the table shows the figures the API gives from then');
    t.equal(await svg.locator('circle').count(), since.length, 'and the chart draws each of them');

    await press(page, page.getByRole('link', { name: 'Show each day of the last 30 days instead' }));
    await checkPage(t, page, 'pool page, by day');
    const days = await figuresTable().allInnerTexts();
    t.equal(days.length, 30);
    t.equal(days[18], '£150.00', 'eleven days ago, before the council paid in');
    t.equal(days[19], '£350.00', 'ten days ago, the day the council paid in');
  });

  t.test('approving a payment moves the money', async (t) => {
    t.match(await page.locator('main').innerText(), /Payments over £200\.00 need two different approvers/);
    await press(page, page.getByRole('link', { name: /Kirkstall Kitchen CIC/ }));
    t.equal(await page.locator('h1').innerText(), 'Payment to Kirkstall Kitchen CIC');
    const summary = await page.locator('dl.summary').innerText();
    t.match(summary, /Edna Firth: £30\.00/);
    t.match(summary, /by Cath Coordinator/);
    await checkPage(t, page, 'a payment to approve');
    await press(page, page.getByRole('button', { name: 'Approve' }));
    t.equal(await page.locator('h1').innerText(), 'Payment approved');
    t.match(await page.locator('.panel[role=status]').innerText(), /£60\.00 has been paid to Kirkstall Kitchen CIC\. The pool now holds £290\.00/);
    await checkPage(t, page, 'payment approved');
    const made = (await hearth.store.readAll()).filter((e) => e.type === 'pools.PaymentMade');
    t.match(made, [{ data: { paymentId: payments.lunches, pence: 6_000, paidOn: today } }]);
    await press(page, page.getByRole('link', { name: 'Back to Lunch club' }));
    t.equal(await figure(), '£290.00', 'the balance drops');
    t.equal((await figuresTable().allInnerTexts()).at(-1), '£290.00', 'and so does the chart');
    t.equal(await page.getByRole('link', { name: /Kirkstall Kitchen CIC/ }).count(), 0, 'no longer waiting');
  });

  t.test('rejecting needs a reason', async (t) => {
    await press(page, page.getByRole('link', { name: /A1 Cabs/ }));
    await press(page, page.getByRole('button', { name: 'Reject' }));
    t.match(await page.title(), /^Error: /);
    t.match(await page.locator('#f-reason-error').innerText(), /Say why it is rejected/);
    await checkPage(t, page, 'reject without a reason');
    await typeInto(page, page.getByLabel('Why is it rejected?'), 'The invoice is for February');
    await press(page, page.getByRole('button', { name: 'Reject' }));
    t.equal(await page.locator('h1').innerText(), 'Payment rejected');
    t.match(await page.locator('dl.summary').innerText(), /The invoice is for February/);
    await checkPage(t, page, 'payment rejected');
    const [, rejected] = await hearth.store.readStream(`pool-payment-${payments.taxi}`);
    t.match(rejected, { type: 'pools.PaymentRejected', data: { rejectedBy: treasurer.personId, reason: 'The invoice is for February' } });
  });

  t.test("the API's refusals are said plainly", async (t) => {
    await page.goto(poolPage);
    await press(page, page.getByRole('link', { name: /Garden Centre Ltd/ }));
    t.match(await page.locator('main').innerText(), /two different people must approve it/);
    t.match(await page.locator('dl.summary').innerText(), /Approved by\s+Bert Board/);
    await press(page, page.getByRole('button', { name: 'Approve' }));
    t.match(await page.title(), /^Error: /);
    t.equal(await page.locator('.error-summary p').innerText(), 'The pool does not hold enough. The pool holds £290.00; this payment is £500.00.');
    await checkPage(t, page, 'an approval refused');
    const [, approvedOnce] = await hearth.store.readStream(`pool-payment-${payments.furniture}`);
    t.equal((await hearth.store.readStream(`pool-payment-${payments.furniture}`)).length, 2, 'nothing more is written');
    t.match(approvedOnce, { type: 'pools.PaymentApproved', data: { paid: false } });

    await page.goto(poolPage);
    await press(page, page.getByRole('link', { name: /Armley Printers/ }));
    t.match(await page.locator('main').innerText(), /You submitted this payment, so someone else must approve it/);
    t.equal(await page.getByRole('button', { name: 'Approve' }).count(), 0, 'whoever submitted is not offered Approve');
    await checkPage(t, page, 'own payment');
  });

  t.test('the pool page, with payments made and waiting', async (t) => {
    await page.goto(poolPage);
    const ledger = await page.locator('table', { has: page.locator('caption', { hasText: 'newest first, with the balance' }) }).innerText();
    t.match(ledger, /Payment: Lunches in March\s+Kirkstall Kitchen CIC\s+INV-6000\s+out £60\.00\s+£290\.00/);
    t.match(ledger, /Council income\s+Leeds CC\s+in £200\.00\s+£350\.00/);
    t.match(await page.locator('table', { has: page.locator('caption', { hasText: 'waiting for approval' }) }).innerText(), /Garden Centre Ltd[\s\S]*£500\.00\s+1 of 2/);
    await checkPage(t, page, 'pool page, after payments');
    await screenshot(page, 'treasurer');
  });

  t.test('a member who keeps no books is turned away', async (t) => {
    const member = await joined(app, networkId, coordinator, 'Mary Member');
    t.equal((await app.inject({ method: 'GET', url: `${pool}/balances`, headers: member.auth })).statusCode, 403, 'by the API');
    const theirs = await freshPage(browser, url);
    await signIn(theirs, member);
    t.equal(await theirs.getByRole('link', { name: /Pooled budgets/ }).count(), 0, 'and is not offered the pages');
    const refused = await theirs.goto(poolPage);
    t.equal(refused?.status(), 403);
    t.equal(await theirs.locator('h1').innerText(), 'This page is not open to you');
    await checkPage(t, theirs, 'not open to a member');
  });
}
