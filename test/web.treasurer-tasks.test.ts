// A treasurer's tasks that once needed the command line, in a real browser by keyboard alone and
// without JavaScript: a bank statement uploaded as a file, a line matched by hand, a payment
// submitted after checking it and approved by someone else, a bank charge recorded, and a
// voucher's money recorded. The rest (the period statement, the fingerprint's explanation, the
// voucher liability, a refund, closing a period with a surplus and a claw-back, a file too large) go
// through the same pages by `inject` with the browser's cookie, which is far cheaper.
import t from 'tap';
import { browserHearth, checkPage, freshPage, press, screenshot, select, signIn, typeInto } from './support/browser.ts';
import { joined, send } from './support/http.ts';
import { lunchClub } from './support/treasurer.ts';
import { addDays } from '../src/dates.ts';

const served = await browserHearth(t);
if (served) {
  const { app, hearth, browser, url } = served;
  const { coordinator, treasurer, board, poolPage, today } = await lunchClub(app);
  const page = await freshPage(browser, url);
  const main = () => page.locator('main').innerText();
  const h1 = () => page.locator('h1').innerText();
  const ofType = async (type: string) => (await hearth.store.readAll()).filter((e) => e.type === type);
  await signIn(page, treasurer);

  t.test('a bank statement uploaded as a file: what matched, and what is left', async (t) => {
    await page.goto(`${poolPage}/reconciliation`);
    t.notMatch(await main(), /hearth pool|command line/, 'no command to run');
    await press(page, page.getByRole('link', { name: 'Add a bank statement' }));
    await press(page, page.getByRole('button', { name: 'Add the statement' }));
    t.match(await page.locator('#f-statement-error').innerText(), /Choose the bank statement file/, 'no file chosen');
    // A file is chosen through the system's own dialog; Playwright hands it over as a person would pick it.
    await page.locator('input[type=file]').setInputFiles({ name: 'statement.csv', mimeType: 'text/csv', buffer: Buffer.from(`Date,Description,Amount,Balance\n${addDays(today, -10)},LEEDS CC,200.00,\n${today},ACCOUNT FEE,-4.50,\n`) });
    await press(page, page.getByRole('button', { name: 'Add the statement' }));
    t.equal(await h1(), 'Bank statement added');
    t.match(await page.locator('.panel[role=status]').innerText(), /2 new lines added[\s\S]*1 line was matched to the books, and 1 line is left for you/);
    t.match(await page.locator('table', { has: page.locator('caption', { hasText: 'matched to the books' }) }).innerText(), /LEEDS CC/);
    await checkPage(t, page, 'bank statement added');
    await screenshot(page, 'treasurer-bank-statement');
  });

  t.test('a statement file over the limit is refused beside the field, and nothing is imported', async (t) => {
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const form = (await app.inject({ method: 'GET', url: `${poolPage}/bank-statements/new`, headers: { cookie } })).body;
    const hidden = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(form)?.[1] ?? '';
    const boundary = 'x-statement-boundary';
    const part = (name: string, value: string, file = '') => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file ? `; filename="${file}"\r\nContent-Type: text/csv` : ''}\r\n\r\n${value}\r\n`;
    const huge = `Date,Description,Amount,Balance\n${`${today},FILLER,1.00,\n`.repeat(60_000)}`;
    const before = (await ofType('pools.BankStatementImported')).length;
    const res = await app.inject({
      method: 'POST', url: `${poolPage}/bank-statements/new`, headers: { cookie, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: `${part('_csrf', hidden('_csrf'))}${part('_key', hidden('_key'))}${part('statement', huge, 'big.csv')}--${boundary}--\r\n`,
    });
    t.equal(res.statusCode, 422);
    t.match(res.body, /id="f-statement-error"><span class="visually-hidden">Error: <\/span>The file is larger than 1 MB/);
    t.equal((await ofType('pools.BankStatementImported')).length, before, 'nothing is imported');
  });

  t.test('a bank charge is recorded with no beneficiary, and its bank line matched by hand', async (t) => {
    await page.goto(poolPage);
    await press(page, page.getByRole('link', { name: 'Record a bank charge' }));
    await typeInto(page, page.getByLabel('How much did the bank take?'), '4.50');
    await typeInto(page, page.getByLabel('What the bank statement calls it'), 'ACCOUNT FEE');
    await press(page, page.getByRole('button', { name: 'Record the charge' }));
    t.equal(await h1(), 'Bank charge recorded');
    t.match(await page.locator('.panel[role=status]').innerText(), /£4\.50 taken by the bank: ACCOUNT FEE[\s\S]*The pool now holds £345\.50/);
    t.match(await ofType('pools.BankCharged'), [{ data: { pence: 450, description: 'ACCOUNT FEE', chargedOn: today } }]);

    await press(page, page.getByRole('link', { name: 'Match it to the bank statement' }));
    await press(page, page.locator('tr', { hasText: 'ACCOUNT FEE' }).getByRole('link', { name: /Match by hand/ }));
    t.equal(await h1(), 'Match a bank line by hand');
    await press(page, page.getByRole('button', { name: 'Match them' }));
    t.match(await page.locator('.error-summary').innerText(), /Choose the entry, or entries, this line shows/);
    const charge = page.getByLabel(/Bank charge, bank, ACCOUNT FEE, out £4\.50/);
    await charge.focus();
    await page.keyboard.press('Space');
    t.ok(await charge.isChecked());
    await checkPage(t, page, 'match a line by hand');
    await press(page, page.getByRole('button', { name: 'Match them' }));
    t.equal(await h1(), 'Bank reconciliation');
    t.match(await page.locator('.panel[role=status]').innerText(), /The bank line is matched/);
    t.match(await ofType('pools.LinesMatched'), [{}, { data: { matches: [{ how: 'manual' }] } }]);
  });

  let paymentPage = '';
  t.test('a payment is checked before it is submitted, and approved by someone else', async (t) => {
    await page.goto(poolPage);
    await press(page, page.getByRole('link', { name: 'Submit a payment' }));
    await typeInto(page, page.getByLabel('Who is paid?'), 'Bramley Baths');
    await typeInto(page, page.getByLabel('How much?'), '20');
    await select(page, page.getByLabel('Which budget holder does it benefit?'), 'Edna Firth');
    await typeInto(page, page.getByLabel('What is it for?'), 'Swimming in April');
    await typeInto(page, page.getByLabel('Invoice number or reference'), 'BB-44');
    await press(page, page.getByRole('button', { name: 'Continue' }));
    t.equal(await h1(), 'Check the payment before you submit it');
    t.match(await page.locator('dl.summary').innerText(), /Bramley Baths[\s\S]*£20\.00[\s\S]*Edna Firth[\s\S]*Swimming in April[\s\S]*BB-44/);
    await checkPage(t, page, 'check the payment');
    t.equal((await ofType('pools.PaymentSubmitted')).length, 4, 'nothing is submitted by checking');
    await press(page, page.getByRole('button', { name: 'Submit the payment' }));
    t.equal(await h1(), 'Payment submitted');
    t.match(await main(), /You submitted this payment, so someone else must approve it/);
    const [submitted] = (await ofType('pools.PaymentSubmitted')).slice(-1);
    t.match(submitted, { data: { payee: 'Bramley Baths', pence: 2_000, invoiceReference: 'BB-44', submittedBy: treasurer.personId, submittedOn: today } });
    t.match((submitted!.data as { beneficiaries: unknown }).beneficiaries, [{ pence: 2_000 }]);
    paymentPage = new URL(page.url()).pathname;

    const boardPage = await freshPage(browser, url);
    await signIn(boardPage, board);
    await boardPage.goto(paymentPage);
    await press(boardPage, boardPage.getByRole('button', { name: 'Approve' }));
    t.equal(await boardPage.locator('h1').innerText(), 'Payment approved');
    t.match(await boardPage.locator('.panel[role=status]').innerText(), /£20\.00 has been paid to Bramley Baths\. The pool now holds £325\.50/);
    await boardPage.context().close();
  });

  t.test("a voucher's money recorded from the list of those waiting for it", async (t) => {
    const bank = (await send(app, 'POST', '/api/v1/networks', { name: 'Armley Time Bank', kind: 'time_bank' }, coordinator.auth)).json().networkId as string;
    await send(app, 'POST', `/api/v1/networks/${bank}/invitations`, { personId: treasurer.personId }, coordinator.auth);
    await send(app, 'POST', `/api/v1/networks/${bank}/invitations/acceptance`, undefined, treasurer.auth);
    await send(app, 'PUT', `/api/v1/networks/${bank}/members/${treasurer.personId}/roles`, { roles: ['treasurer'], reason: 'elected at the AGM' }, coordinator.auth);
    const dawn = await joined(app, bank, coordinator, 'Dawn Firth');
    // Her mother is recorded by the coordinator: she is not online.
    const edna = (await send(app, 'POST', `/api/v1/networks/${bank}/members`, { name: 'Edna Firth' }, coordinator.auth)).json().personId as string;
    const gift = await send(app, 'POST', `/api/v1/networks/${bank}/vouchers`, { learnerId: edna, value: { kind: 'amount', pence: 2_500 }, occasion: 'Birthday', message: 'Happy birthday, Mum' }, dawn.auth);
    t.equal(gift.statusCode, 201);

    await page.goto('/');
    await press(page, page.getByRole('link', { name: /Learning vouchers' money/ }));
    t.equal(await h1(), 'Learning vouchers: the money');
    t.notMatch(await main(), /Happy birthday/, "the giver's message is not the books'");
    await press(page, page.getByRole('link', { name: /Record the money from Dawn Firth for Edna Firth/ }));
    t.equal(await page.getByLabel('How much arrived?').inputValue(), '25.00', 'the price, to be checked against the bank');
    await typeInto(page, page.getByLabel('Reference'), 'DAWN FIRTH GIFT');
    await checkPage(t, page, "record a voucher's money");
    await press(page, page.getByRole('button', { name: 'Record the money' }));
    t.equal(await h1(), 'Money recorded');
    t.match(await page.locator('.panel[role=status]').innerText(), /£25\.00 from Dawn Firth is held for Edna Firth/);
    t.match(await ofType('vouchers.VoucherPaid'), [{ data: { pence: 2_500, reference: 'DAWN FIRTH GIFT', receivedOn: today } }]);

    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const get = (path: string) => app.inject({ method: 'GET', url: path, headers: { cookie } });
    const books = await get(`/networks/${bank}/voucher-books`);
    t.match(books.body, /No voucher is waiting for its money/);
    t.match(books.body, /Refund<span class="visually-hidden"> Dawn Firth for Edna Firth/);
    const liability = await get(`/networks/${bank}/voucher-books/liability`);
    t.equal(liability.statusCode, 200);
    t.match(liability.body, /the network holds <strong>£25\.00<\/strong>/);
    t.match(liability.body, /vouchers\/liability\?format=csv/);
    t.equal((await app.inject({ method: 'GET', url: `/networks/${bank}/voucher-books`, headers: { cookie: '' } })).statusCode, 303, 'nobody signed in is sent to sign in');
  });

  t.test('the period statement is a page of the site that fits a phone, and speaks of a fingerprint of the books', async (t) => {
    const yesterday = addDays(today, -1);
    // Closed from its page, with a surplus reinvested and a council claw-back: no command line.
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const form = (await app.inject({ method: 'GET', url: `${poolPage}/close`, headers: { cookie } })).body;
    const hidden = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(form)?.[1] ?? '';
    const edna = /name="clawBack-([0-9a-f-]+)"/.exec(form)?.[1] ?? '';
    t.match(form, /From Edna Firth/);
    const [year, month, day] = yesterday.split('-');
    const closed = await app.inject({
      method: 'POST', url: `${poolPage}/close`, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: hidden('_csrf'), _key: hidden('_key'), 'periodEnd-day': day!, 'periodEnd-month': month!, 'periodEnd-year': year!, reinvest: '10', purpose: 'The summer outing', [`clawBack-${edna}`]: '5.00' }).toString(),
    });
    t.equal(closed.statusCode, 303);
    t.match(await ofType('pools.SurplusReinvested'), [{ data: { pence: 1_000, purpose: 'The summer outing', on: yesterday } }]);
    t.match(await ofType('pools.ClawedBack'), [{ data: { holderId: edna, pence: 500, on: yesterday } }]);
    await page.goto(String(closed.headers.location));
    t.match(await page.locator('.panel[role=status]').innerText(), /£335\.00 is carried forward/);
    t.notMatch(await main(), /digest|hash|position|hearth audit/i);
    await press(page, page.getByRole('link', { name: "The period's statement, to read or print" }));
    t.match(await h1(), /^Lunch club: statement to /);
    const summary = await page.locator('dl.summary').innerText();
    t.match(summary, /Armley Good Neighbours/, "the network's name");
    t.match(summary, /by Tess Treasurer/);
    t.match(await page.locator('table', { has: page.locator('caption', { hasText: "Each budget holder's money" }) }).innerText(), /Edna Firth/);
    t.notMatch(await main(), /digest|hash|position|hearth audit/i, 'no jargon');
    await checkPage(t, page, 'period statement');
    await page.setViewportSize({ width: 375, height: 800 });
    t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), 'nothing needs sideways scrolling on a 375-pixel phone');
    await screenshot(page, 'treasurer-period-statement');
    await page.setViewportSize({ width: 1024, height: 800 });

    await press(page, page.getByRole('link', { name: 'What a fingerprint of the books is for' }));
    t.equal(await h1(), 'What a fingerprint of the books is');
    await page.goto(`${poolPage}/audit`);
    t.notMatch(await main(), /digest|hash chain|hearth audit/i, 'the closed periods page speaks plainly too');
  });

  t.test('a refund of a paid payment, from its page', async (t) => {
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    t.match((await app.inject({ method: 'GET', url: paymentPage, headers: { cookie } })).body, /Record a refund of this payment/);
    const form = (await app.inject({ method: 'GET', url: `${paymentPage}/refund`, headers: { cookie } })).body;
    const hidden = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(form)?.[1] ?? '';
    const today_ = today.split('-');
    const posted = await app.inject({
      method: 'POST', url: `${paymentPage}/refund`, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: hidden('_csrf'), _key: hidden('_key'), amount: '5', reference: 'BB credit', 'date-day': today_[2]!, 'date-month': today_[1]!, 'date-year': today_[0]! }).toString(),
    });
    t.equal(posted.statusCode, 303);
    const done = await app.inject({ method: 'GET', url: String(posted.headers.location), headers: { cookie } });
    t.match(done.body, /<h1>Refund recorded<\/h1>/);
    t.match(done.body, /£5\.00 given back: BB credit[\s\S]*The pool now holds £315\.50/, 'the close took £15.00 out');
    t.match(await ofType('pools.RefundReceived'), [{ data: { pence: 500, reference: 'BB credit', receivedOn: today } }]);
  });
}
