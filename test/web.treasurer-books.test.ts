// The treasurer's work on a pool's books in a real browser, by keyboard alone and without
// JavaScript: recording money in (a mistake first), matching the bank statement again, closing a
// period and seeing its digest, the audit of the digests and hash chains, and the ledger and trial
// balance as spreadsheets. Also the API reads these pages added: balances over time, and the audit.
import type { SealedText } from '../src/access/vault.ts';
import t from 'tap';
import { browserHearth, checkPage, choose, freshPage, press, signIn, tabTo, typeDate, typeInto } from './support/browser.ts';
import { lunchClub } from './support/treasurer.ts';
import { addDays } from '../src/dates.ts';
import { parseJsonLines } from '../src/audit/log-digests.ts';

const served = await browserHearth(t);
if (served) {
  const { app, hearth, browser, url } = served;
  const db = hearth.database.db;
  const { treasurer, board, poolId, pool, poolPage, today, payments } = await lunchClub(app, { lunchesPaid: true });
  const page = await freshPage(browser, url);
  const figure = async () => (await page.locator('.figure').innerText()).trim();

  t.test('recording money in: a mistake beside its field, then the confirmation', async (t) => {
    await signIn(page, treasurer);
    await page.goto(poolPage);
    t.equal(await figure(), '£290.00');
    await press(page, page.getByRole('link', { name: 'Record money in' }));
    await checkPage(t, page, 'money in form');
    await choose(page, page.getByLabel('Money from the council'));
    await typeInto(page, page.getByLabel('How much came in?'), '12.5.0');
    await typeInto(page, page.getByLabel('Reference (optional)'), 'GRANT-12');
    await press(page, page.getByRole('button', { name: 'Record it' }));
    t.match(await page.title(), /^Error: /);
    t.match(await page.locator('#f-amount-error').innerText(), /Enter an amount in pounds and pence, for example 12\.50/);
    t.equal(await page.getByLabel('Reference (optional)').inputValue(), 'GRANT-12', 'what was typed is kept');
    await checkPage(t, page, 'money in form with a mistake');
    await typeInto(page, page.getByLabel('How much came in?'), '12.50');
    await typeDate(page, 'date', today);
    await press(page, page.getByRole('button', { name: 'Record it' }));
    t.equal(await page.locator('h1').innerText(), 'Money in recorded');
    t.match(await page.locator('.panel[role=status]').innerText(), /£12\.50 from the council[\s\S]*reference GRANT-12\. The pool now holds £302\.50/);
    await checkPage(t, page, 'money in recorded');
    const received = (await hearth.store.readAll()).filter((e) => e.type === 'pools.MoneyReceived').map((e) => e.data);
    t.match(received.at(-1), { source: 'council', holderId: null, pence: 1_250, receivedOn: today });
    t.equal(await hearth.vault.openText((received.at(-1) as { reference: SealedText }).reference), 'GRANT-12', 'its reference recorded sealed');
  });

  t.test('the bank reconciliation, and matching again', async (t) => {
    await press(page, page.getByRole('link', { name: 'Back to Lunch club' }));
    t.equal(await figure(), '£302.50');
    await press(page, page.getByRole('link', { name: /Bank reconciliation/ }));
    t.equal(await page.locator('h1').innerText(), 'Bank reconciliation');
    t.match(await page.locator('table', { has: page.locator('caption', { hasText: 'Bank lines with no entry' }) }).innerText(), /LEEDS CC TOPUP GRANT-12/);
    await checkPage(t, page, 'reconciliation');
    await press(page, page.getByRole('button', { name: 'Match again' }));
    t.equal(await page.locator('h1').innerText(), 'Matched again');
    t.match(await page.locator('.panel[role=status]').innerText(), /1 more bank line matched[\s\S]*Every bank line is matched/);
    t.match(await page.locator('table', { has: page.locator('caption', { hasText: 'matched to the books' }) }).innerText(), /LEEDS CC TOPUP GRANT-12/);
    await checkPage(t, page, 'matched again');
    t.equal((await db.selectFrom('pool_matches').select('line_id').where('pool_id', '=', poolId).execute()).length, 1);
  });

  t.test('closing a period records a digest, and the audit shows it holds', async (t) => {
    await press(page, page.getByRole('link', { name: 'Back to Lunch club' }));
    await press(page, page.getByRole('link', { name: 'Close a period' }));
    t.match(await page.locator('main').innerText(), /No period of Lunch club has been closed yet/);
    await checkPage(t, page, 'close a period');
    await typeDate(page, 'periodEnd', today);
    await press(page, page.getByRole('button', { name: 'Close the books' }));
    t.match(await page.locator('#f-periodEnd-error').innerText(), /A period can be closed once its last day is over/, "the API's refusal sits beside the date");
    await checkPage(t, page, 'close a period, refused');
    const periodEnd = addDays(today, -1);
    await typeDate(page, 'periodEnd', periodEnd);
    await press(page, page.getByRole('button', { name: 'Close the books' }));
    t.equal(await page.locator('h1').innerText(), 'Books closed');
    const [period] = await db.selectFrom('pool_periods').selectAll().where('pool_id', '=', poolId).execute();
    t.equal(period?.period_end, periodEnd);
    t.match(period?.digest, /^[0-9a-f]{64}$/);
    t.match(await page.locator('dl.summary').innerText(), new RegExp(period!.digest), 'the digest recorded is shown');
    t.match(await page.locator('.panel[role=status]').innerText(), /£350\.00 is carried forward/, 'what was paid and received today falls after the period');
    await checkPage(t, page, 'books closed');

    await press(page, page.getByRole('link', { name: 'All closed periods and their fingerprints' }));
    t.equal(await page.locator('h1').innerText(), 'Closed periods and their fingerprints');
    t.match(await page.locator('table').innerText(), new RegExp(`${period!.digest}\\s+Yes`), 'the digest is taken again and still matches');
    await checkPage(t, page, 'audit');
    t.match(await page.locator('main').innerText(), /1 signed fingerprint so far; the newest is a fingerprint of the books on/, 'the close signed a digest');
    const download = await page.request.get((await page.getByRole('link', { name: 'Download the signed fingerprints (a small file)' }).getAttribute('href'))!);
    t.equal(download.status(), 200, 'the signed digests download with the session');
    t.equal(parseJsonLines(await download.text()).length, 1);
    await press(page, page.getByRole('button', { name: 'Check every record now' }));
    t.match(await page.locator('.panel[role=status]').innerText(), /Every record checks out: \d+ records checked, nothing changed or missing/);
    await checkPage(t, page, 'audit with the chains checked');
  });

  t.test('the ledger and the trial balance as spreadsheets', async (t) => {
    await page.goto(poolPage);
    const link = page.getByRole('link', { name: /The whole ledger/ });
    await tabTo(page, link);
    const csv = await page.request.get((await link.getAttribute('href'))!);
    t.equal(csv.status(), 200);
    t.match(csv.headers()['content-type'], /^text\/csv/);
    t.match(csv.headers()['content-disposition'], /attachment; filename="pool-ledger-/);
    const text = await csv.text();
    t.match(text, /date,entry id,kind,payee or source,reference,purpose,corrects,amount \(£\),balance \(£\)/);
    t.match(text, new RegExp(`${today},${payments.lunches},Payment,Kirkstall Kitchen CIC,INV-6000,Lunches in March,,-60\\.00,290\\.00`));
    t.match(text, /Council income,council,GRANT-12,,,12\.50,302\.50/);
    const trial = await page.request.get((await page.getByRole('link', { name: /The trial balance/ }).getAttribute('href'))!);
    t.match(await trial.text(), /^\uFEFFaccount,debit \(£\),credit \(£\)\r\n/);
  });

  t.test('the balances and audit reads', async (t) => {
    const get = (path: string, who = treasurer) => app.inject({ method: 'GET', url: `${pool}${path}`, headers: who.auth });
    const months = (await get('/balances?from=2025-11-15&to=2026-02-10')).json();
    t.same(months.points.map((p: { date: string }) => p.date), ['2025-11-30', '2025-12-31', '2026-01-31', '2026-02-10'], "each month's last day, and the range's end");
    const days = (await get(`/balances?by=day&from=${addDays(today, -11)}&to=${addDays(today, -10)}`)).json();
    t.same(days.points.map((p: { balance: { pence: number } }) => p.balance.pence), [15_000, 35_000]);
    t.match((await get('/balances?by=day&from=2020-01-01&to=2026-01-01')).json(), { status: 422, type: '/problems/range-too-long', errors: [{ pointer: '/from' }] });
    t.match((await get(`/balances?from=${today}&to=${addDays(today, -1)}`)).json(), { status: 422, type: '/problems/dates-reversed' });
    const audit = (await get('/audit', board)).json();
    t.match(audit, { periods: [{ periodEnd: addDays(today, -1), digestHolds: true }], chains: null }, 'the chains are recomputed only when asked');
    t.match((await get('/audit?chains=true', board)).json(), { chains: { verify: true, broken: 0, gaps: 0, missingPositions: 0 } });
  });
}
