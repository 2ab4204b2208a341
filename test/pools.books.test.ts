// A treasurer's month through the HTTP API, on the PostgreSQL server where there is one: money in from two budget
// holders and the council, a payment split between them, a refund, a transfer to a second pool, a
// correction; then the books (the pool, its ledger, the trial balance, each holder's Direct Payment
// statement), the bank reconciliation, and closing a period with a claw-back and a reinvestment.
// Every figure is checked against one worked out here from what the test sent. Bad input is
// refused with problem+json naming the field, and writes nothing.
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { openApp, send, signUp, written, type Person, spreadsheet } from './support/http.ts';
import { serverFirstBackend } from './support/db.ts';
import { readStates } from '../src/commands/decide.ts';
import { poolDecider, poolStream, type OpenPool } from '../src/pools/pool.ts';
import { ledgerEntries } from '../src/pools/reconciliation.ts';

const now = Date.now();
const daysAgo = (n: number) => new Date(now - n * 86_400_000).toISOString().slice(0, 10);
// Taken afresh for each test, so that a run across midnight does not date one step yesterday and the next today.
let today = daysAgo(0);
t.beforeEach(() => {
  today = daysAgo(0);
});
/** 03/01/2026, as Lloyds writes dates. */
const dmy = (iso: string) => iso.split('-').reverse().join('/');
const problem = 'application/problem+json; charset=utf-8';
/** Pence from "1001.00" or "-4.50", the way the CSV exports write pounds. */
function penceOf(pounds: string): number {
  const m = /^(-?)(\d+)\.(\d{2})$/.exec(pounds);
  if (!m) throw new Error(`not pounds: ${pounds}`);
  return (m[1] ? -1 : 1) * (Number(m[2]) * 100 + Number(m[3]));
}

const backend = await serverFirstBackend();
t.test(`a treasurer's month (${backend.name})`, async (t) => {
  const { hearth, app, close } = await openApp(await backend.open());
  t.teardown(close);

  const coordinator = await signUp(app, 'Cath Coordinator');
  const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Armley Good Neighbours', kind: 'neighbourhood_network' }, coordinator.auth)).json().networkId as string;
  const base = `/api/v1/networks/${networkId}`;
  async function member(name: string, role?: string): Promise<Person> {
    const p = await signUp(app, name);
    await send(app, 'POST', `${base}/invitations`, { personId: p.personId }, coordinator.auth);
    await send(app, 'POST', `${base}/invitations/acceptance`, undefined, p.auth);
    if (role) await send(app, 'PUT', `${base}/members/${p.personId}/roles`, { roles: [role], reason: 'elected at the AGM' }, coordinator.auth);
    return p;
  }
  const treasurer = await member('Tess Treasurer', 'treasurer');
  const board = await member('Bert Board', 'board');
  const edna = await member('Edna Firth');
  const walter = await member('Walter Greenwood');

  const lunchId = (await send(app, 'POST', `${base}/pools`, { name: 'Lunch club', twoApproversAbovePence: 20_000 }, coordinator.auth)).json().poolId as string;
  const outingsId = (await send(app, 'POST', `${base}/pools`, { name: 'Outings', twoApproversAbovePence: 20_000 }, coordinator.auth)).json().poolId as string;
  const pool = `${base}/pools/${lunchId}`;
  const outings = `${base}/pools/${outingsId}`;

  /** A read that waits for everything written so far. */
  async function get(url: string, who: Person = treasurer) {
    const head = await hearth.store.headPosition();
    return app.inject({ method: 'GET', url: `${url}${url.includes('?') ? '&' : '?'}after=${head}`, headers: who.auth });
  }
  /** A write that must succeed. */
  async function ok(method: 'POST', url: string, body: unknown, who: Person, status = 201) {
    const res = await send(app, method, url, body, who.auth);
    if (res.statusCode !== status) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  }
  /** Refused with problem+json naming the field, and nothing written: neither an event nor a key. */
  async function refused(t: Test, why: string, call: () => Promise<{ statusCode: number; headers: Record<string, unknown>; json(): any }>, status: number, type: string, pointer: string) {
    const head = await hearth.store.headPosition();
    const before = await written(hearth);
    const res = await call();
    t.equal(res.statusCode, status, `${why}: ${status}`);
    t.equal(res.headers['content-type'], problem, `${why}: problem+json`);
    t.match(res.json(), { type: `/problems/${type}`, status, errors: [{ pointer }] }, `${why}: names ${pointer}`);
    t.equal(await hearth.store.headPosition(), head, `${why}: nothing written`);
    t.same(await written(hearth), before, `${why}: not even the key`);
    return res;
  }

  // What the test sent, worked out here: the lunch club's money, and each holder's figures.
  let lunchBalance = 0;
  let outingsBalance = 0;
  const holders = {
    edna: { contributed: 0, spent: 0, clawedBack: 0 },
    walter: { contributed: 0, spent: 0, clawedBack: 0 },
  };
  const ids = {} as Record<'edna' | 'walter' | 'council' | 'payment' | 'refund' | 'transfer', string>;

  t.test('the month', async (t) => {
    ids.edna = (await ok('POST', `${pool}/receipts`, { source: 'contribution', holderId: edna.personId, pence: 40_000, reference: 'DP EDNA APR', receivedOn: daysAgo(20) }, treasurer)).receiptId;
    ids.walter = (await ok('POST', `${pool}/receipts`, { source: 'contribution', holderId: walter.personId, pence: 25_000, reference: 'DP WALTER APR', receivedOn: daysAgo(19) }, treasurer)).receiptId;
    ids.council = (await ok('POST', `${pool}/receipts`, { source: 'council', pence: 60_000, reference: 'LCC GRANT 2291', receivedOn: daysAgo(15) }, treasurer)).receiptId;
    lunchBalance += 40_000 + 25_000 + 60_000;
    holders.edna.contributed += 40_000;
    holders.walter.contributed += 25_000;

    // Walter's contribution was keyed 5.00 too high.
    await ok('POST', `${pool}/corrections`, { corrects: ids.walter, pence: -500, reason: 'Keyed 250.00; the bank shows 245.00', correctedOn: daysAgo(10) }, treasurer);
    lunchBalance -= 500;
    holders.walter.contributed -= 500;

    // 180.00 for six weeks of lunches: 120.00 of it for Edna, 60.00 for Walter.
    const payment = { payee: 'Armley Helping Hands', purpose: 'Lunch club, six weeks', invoiceReference: 'INV-1041', pence: 18_000, beneficiaries: [{ holderId: edna.personId, pence: 12_000 }, { holderId: walter.personId, pence: 6_000 }], submittedOn: today };
    ids.payment = (await ok('POST', `${pool}/payments`, payment, treasurer)).paymentId;
    t.match((await get(pool)).json(), { balance: { pence: lunchBalance } }, 'nothing leaves before approval');
    await ok('POST', `${pool}/payments/${ids.payment}/approval`, undefined, board, 200);
    lunchBalance -= 18_000;
    holders.edna.spent += 12_000;
    holders.walter.spent += 6_000;

    // 30.00 back: two thirds Edna's, one third Walter's.
    ids.refund = (await ok('POST', `${pool}/refunds`, { paymentId: ids.payment, pence: 3_000, reference: 'HH credit note 1041', receivedOn: today }, treasurer)).refundId;
    lunchBalance += 3_000;
    holders.edna.spent -= 2_000;
    holders.walter.spent -= 1_000;

    ids.transfer = (await ok('POST', `${pool}/transfers`, { pence: 10_000, submittedOn: today, toPoolId: outingsId, reason: 'Summer outing' }, treasurer)).paymentId;
    t.match((await get(outings)).json(), { balance: { pence: 0 } }, 'nothing moves before approval');
    await ok('POST', `${pool}/payments/${ids.transfer}/approval`, undefined, board, 200);
    lunchBalance -= 10_000;
    outingsBalance += 10_000;

    // The invoice overcharged by 6.00: shared as what is still charged to each, 100.00 and 50.00.
    await ok('POST', `${pool}/corrections`, { corrects: ids.payment, pence: -600, reason: 'Overcharged: one lunch not delivered', correctedOn: today }, treasurer);
    lunchBalance += 600;
    holders.edna.spent -= 400;
    holders.walter.spent -= 200;

    const pools = (await get(`${base}/pools`)).json();
    t.same(pools.items.map((p: any) => [p.name, p.balance.pence]), [['Lunch club', lunchBalance], ['Outings', outingsBalance]], "both pools' balances moved");
    const payments = (await get(`${pool}/payments`)).json().items;
    t.match(payments.find((p: any) => p.paymentId === ids.transfer), { kind: 'transfer', toPoolId: outingsId, status: 'paid', approvedBy: [board.personId], amount: { pence: 10_000 } });
    t.match(payments.find((p: any) => p.paymentId === ids.payment), { kind: 'payment', status: 'paid', submittedBy: treasurer.personId, beneficiaries: payment.beneficiaries });
  });

  t.test('the pool and its budget holders', async (t) => {
    const res = await get(pool);
    t.equal(res.statusCode, 200);
    const money = (pence: number) => ({ pence, pounds: `£${Math.floor(pence / 100).toLocaleString('en-GB')}.${String(pence % 100).padStart(2, '0')}` });
    const unspent = (h: typeof holders.edna) => h.contributed - h.spent - h.clawedBack;
    t.same(res.json(), {
      poolId: lunchId,
      name: 'Lunch club',
      balance: money(lunchBalance),
      twoApproversAbovePence: 20_000,
      closedThrough: null,
      asAt: today,
      holders: [
        { holderId: edna.personId, name: 'Edna Firth', contributed: money(40_000), spent: money(9_600), clawedBack: money(0), unspent: money(30_400), shareOfBalance: money(30_400) },
        { holderId: walter.personId, name: 'Walter Greenwood', contributed: money(24_500), spent: money(4_800), clawedBack: money(0), unspent: money(19_700), shareOfBalance: money(19_700) },
      ],
      // The council's £600, less the £100 moved to Outings, is no holder's.
      unattributed: { ...money(50_000), lines: [{ item: 'Council income', ...money(60_000) }, { item: 'Transfers out to other pools', pence: -10_000, pounds: '-£100.00' }] },
    });
    t.equal(lunchBalance, 100_100, 'the test agrees with itself');
    t.equal(30_400 + 19_700 + 50_000, lunchBalance, "the holders' shares and the line that is no holder's are the balance");
    t.same([unspent(holders.edna), unspent(holders.walter)], [30_400, 19_700]);
    t.match((await get(`${pool}?asAt=${daysAgo(16)}`)).json(), { asAt: daysAgo(16), balance: { pence: 65_000 }, holders: [{ name: 'Edna Firth', contributed: { pence: 40_000 } }, { name: 'Walter Greenwood', contributed: { pence: 25_000 } }] }, 'as at an earlier day');
    const other = (await get(outings)).json();
    t.match(other, { balance: { pence: outingsBalance, pounds: '£100.00' } });
    t.same(other.holders, [], "a transfer is no one holder's");
  });

  t.test('the ledger, with its running balance, as JSON and CSV', async (t) => {
    const { opening, lines } = (await get(`${pool}/ledger`)).json();
    t.same(opening, { pence: 0, pounds: '£0.00' });
    t.same(
      lines.map((l: any) => [l.date, l.kind, l.amount.pence]),
      [
        [daysAgo(20), 'contribution', 40_000],
        [daysAgo(19), 'contribution', 25_000],
        [daysAgo(15), 'council', 60_000],
        [daysAgo(10), 'contribution', -500],
        [today, 'payment', -18_000],
        [today, 'refund', 3_000],
        [today, 'transfer-out', -10_000],
        [today, 'payment', 600],
      ],
      'every entry, corrections as entries of their own',
    );
    t.same(lines.map((l: any) => l.corrects), [null, null, null, ids.walter, null, ids.payment, null, ids.payment], 'a correction and a refund point at what they put right');
    let running = 0;
    for (const l of lines) t.equal(l.balance.pence, (running += l.amount.pence), `running balance after ${l.kind}`);
    t.equal(running, lunchBalance);
    t.same((await get(`${pool}/ledger?from=${daysAgo(15)}&to=${daysAgo(10)}`)).json().opening, { pence: 65_000, pounds: '£650.00' }, 'brought forward into a shorter period');

    const csv = await get(`${pool}/ledger?format=csv`);
    t.match(csv.headers['content-disposition'], /^attachment; filename="pool-ledger-/);
    const [, forward, ...rows] = spreadsheet(t, csv, ['date', 'entry id', 'kind', 'payee or source', 'reference', 'purpose', 'corrects', 'amount (£)', 'balance (£)']);
    t.same(forward!.slice(2), ['Brought forward', '', '', '', '', '', '0.00']);
    t.equal(rows.length, 8);
    let balance = penceOf(forward![8]!);
    for (const row of rows) t.equal(penceOf(row[8]!), (balance += penceOf(row[7]!)), `the balance column is the sum of the amounts to ${row[2]}`);
    t.equal(balance, lunchBalance);
    t.same(rows.map((r) => r[2]), ['Contribution', 'Contribution', 'Council income', 'Contribution', 'Payment', 'Refund', 'Transfer out', 'Payment']);
  });

  t.test('the trial balance: debits equal credits, and the bank is the balance', async (t) => {
    const tb = (await get(`${pool}/trial-balance`)).json();
    t.equal(tb.totalDebit.pence, tb.totalCredit.pence, 'debits equal credits');
    const accounts = Object.fromEntries(tb.accounts.map((a: any) => [a.account, a.debit.pence - a.credit.pence]));
    t.same(accounts, { bank: lunchBalance, contributions: -64_500, 'council income': -60_000, payments: 18_000 - 3_000 - 600, 'transfers out': 10_000 });
    t.equal(tb.totalDebit.pence, lunchBalance + 14_400 + 10_000);
    const other = (await get(`${outings}/trial-balance`)).json();
    t.same(other.accounts.map((a: any) => [a.account, a.debit.pence, a.credit.pence]), [['bank', outingsBalance, 0], ['transfers in', 0, outingsBalance]]);
    const earlier = (await get(`${pool}/trial-balance?asAt=${daysAgo(16)}`)).json();
    t.match(earlier, { asAt: daysAgo(16), accounts: [{ account: 'bank', debit: { pence: 65_000 } }, { account: 'contributions', credit: { pence: 65_000 } }] });
    const csv = spreadsheet(t, await get(`${pool}/trial-balance?format=csv`), ['account', 'debit (£)', 'credit (£)']);
    t.same(csv.at(-1), ['total', '1245.00', '1245.00']);
  });

  t.test("a budget holder's Direct Payment statement", async (t) => {
    const url = (who: Person, format = 'json') => `${pool}/holders/${who.personId}/statement?from=${daysAgo(30)}&to=${today}&format=${format}`;
    const res = await get(url(edna), edna);
    t.equal(res.statusCode, 200, 'Edna reads her own');
    const s = res.json();
    t.match(s, { holder: { holderId: edna.personId, name: 'Edna Firth' }, from: daysAgo(30), to: today, opening: null, poolBalancePence: lunchBalance });
    t.same(s.lines.map((l: any) => [l.date, l.kind, l.pence]), [[daysAgo(20), 'contribution', 40_000], [today, 'payment', -12_000], [today, 'refund', 2_000], [today, 'payment', 400]]);
    t.match(s.lines[1], { payee: 'Armley Helping Hands', purpose: 'Lunch club, six weeks', reference: 'INV-1041' });
    t.match(s.closing, { contributed: 40_000, spent: 9_600, clawedBack: 0, unspent: 30_400, shareOfBalance: 30_400 });

    const rows = spreadsheet(t, await get(`${url(edna, 'csv')}&table=summary`, edna), ['item', 'value']);
    const row = (label: string) => rows.find((r) => r[0] === label)?.[1];
    t.equal(row('Budget holder'), 'Edna Firth');
    t.equal(row('Contributed in period (£)'), '400.00');
    t.equal(row('Spent on their behalf in period (£)'), '96.00');
    t.equal(row('Unspent at end (£)'), '304.00');
    t.equal(row('Pool balance at end (£)'), '1001.00');
    t.same(spreadsheet(t, await get(url(edna, 'csv'), edna)).slice(1).map((r) => r[5]), ['400.00', '-120.00', '20.00', '4.00'], 'the entries are a table of their own, and the first');

    const page = await get(url(edna, 'html'), edna);
    t.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    t.match(page.body, /<html lang="en-GB">/);
    t.match(page.body, /<table><caption>Money in and out for this budget holder<\/caption>/);
    t.match(page.body, /<th scope="col">Date<\/th>/);
    t.match(page.body, /<th scope="row">Unspent at the end<\/th><td class="money">£304\.00<\/td>/);
    t.notMatch(page.body, /<script/i, 'no script');

    t.equal((await get(url(walter), edna)).statusCode, 403, "but not Walter's");
    t.match((await get(url(edna), walter)).json(), { status: 403, type: '/problems/forbidden' }, "nor Walter hers");
    t.equal((await get(url(walter), board)).statusCode, 200, 'the board keeps the books');
    t.match((await get(`${pool}/holders/${board.personId}/statement?from=${daysAgo(30)}&to=${today}`)).json(), { status: 404, type: '/problems/unknown-holder' }, 'a member with no money in the pool');
    t.match((await get(`${pool}/holders/${edna.personId}/statement?from=${today}&to=${daysAgo(1)}`)).json(), { status: 422, type: '/problems/dates-reversed' });
  });

  t.test('reconciliation with the bank', async (t) => {
    const rec = `${pool}/reconciliation`;
    const statement = [
      'Date,Description,Amount,Balance',
      `${daysAgo(18)},LEEDS CC DIRECT PAYMENTS,645.00,645.00`,
      `${daysAgo(14)},LEEDS CITY COUNCIL LCC GRANT 2291,600.00,"1,245.00"`,
      `${today},ARMLEY HELPING HANDS INV 1041,-174.00,"1,071.00"`,
      `${today},HEARTH TRANSFER SUMMER OUTING,-100.00,971.00`,
      `${today},SERVICE CHARGE,-4.50,966.50`,
    ].join('\n');
    const post = (csv: string, key = randomUUID()) => app.inject({ method: 'POST', url: `${pool}/bank-statements`, headers: { ...treasurer.auth, 'content-type': 'text/csv', 'idempotency-key': key }, payload: csv });

    // A bad amount on line 4: the whole file is refused, naming the line, and nothing is written.
    const broken = statement.replace('-174.00', '-17four.00');
    const bad = await refused(t, 'a bad amount on line 4', () => post(broken), 422, 'statement-malformed', '/4');
    t.match(bad.json().detail, /^Line 4: the amount "-17four\.00" is not a number/);

    const key = randomUUID();
    const imported = await post(statement, key);
    t.equal(imported.statusCode, 201, imported.body);
    t.match(imported.json(), { layout: 'hearth', lines: 5, imported: 5, matched: 3 });
    const before = await written(hearth);
    const replayed = await post(statement, key);
    t.equal(replayed.headers['idempotent-replayed'], 'true', 'the same Idempotency-Key again is the first answer');
    t.same(replayed.json(), imported.json());
    t.same(await written(hearth), before, 'and writes nothing');

    let r = (await get(rec)).json();
    const byDescription = (list: any[]) => Object.fromEntries(list.map((l) => [l.description, l]));
    const matched = byDescription(r.matched);
    t.same(Object.keys(matched).sort(), ['ARMLEY HELPING HANDS INV 1041', 'HEARTH TRANSFER SUMMER OUTING', 'LEEDS CITY COUNCIL LCC GRANT 2291']);
    t.match(matched['LEEDS CITY COUNCIL LCC GRANT 2291'], { entryIds: [ids.council], how: 'amount-date-reference', date: daysAgo(14), pence: 60_000, amount: '£600.00', balancePence: 124_500 });
    t.match(matched['ARMLEY HELPING HANDS INV 1041'], { entryIds: [ids.payment], how: 'amount-date-reference', pence: -17_400 }, 'the payment as corrected');
    t.match(matched['HEARTH TRANSFER SUMMER OUTING'], { entryIds: [ids.transfer], how: 'amount-date-reference' });
    t.same(r.unmatchedLines.map((l: any) => [l.description, l.pence]), [['LEEDS CC DIRECT PAYMENTS', 64_500], ['SERVICE CHARGE', -450]], 'descriptions come back readable');
    t.same(r.unmatchedEntries.map((e: any) => [e.entryId, e.pence]), [[ids.edna, 40_000], [ids.walter, 24_500], [ids.refund, 3_000]], 'entries as the bank would show them, corrections folded in');
    t.match(r, { bankBalancePence: 96_650, ledgerBalancePence: lunchBalance });

    const raw = await sql<{ text: string }>`SELECT data::text AS text FROM events WHERE type = 'pools.BankStatementImported'`.execute(hearth.database.db);
    t.equal(raw.rows.length, 1);
    for (const plain of ['SERVICE CHARGE', 'LEEDS CC DIRECT PAYMENTS', 'ARMLEY HELPING HANDS']) {
      t.notOk(raw.rows[0]!.text.toUpperCase().includes(plain), `"${plain}" is sealed in the event`);
    }
    const stored = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pool_bank_lines WHERE description LIKE '%SERVICE%'`.execute(hearth.database.db);
    t.equal(Number(stored.rows[0]!.n), 0, 'and in the read table');

    const lump = byDescription(r.unmatchedLines)['LEEDS CC DIRECT PAYMENTS'].lineId as string;
    const match = (entryIds: string[], lineId = lump) => send(app, 'POST', `${rec}/matches`, { lineId, entryIds }, treasurer.auth);
    await refused(t, "entries that do not add up to the line", () => match([ids.edna]), 422, 'amounts-differ', '/entryIds');
    await refused(t, 'an entry matched to another line', () => match([ids.edna, ids.council]), 409, 'entry-matched', '/entryIds/1');
    await refused(t, 'an entry named twice', () => match([ids.edna, ids.edna]), 422, 'entry-twice', '/entryIds');
    await refused(t, 'an unknown line', () => match([ids.edna, ids.walter], randomUUID()), 404, 'line-not-found', '/lineId');
    await refused(t, 'an unknown entry', () => match([randomUUID()]), 404, 'entry-not-found', '/entryIds/0');
    const manual = await match([ids.edna, ids.walter]);
    t.equal(manual.statusCode, 201, 'one line to two entries whose amounts add up');
    r = (await get(rec)).json();
    t.match(byDescription(r.matched)['LEEDS CC DIRECT PAYMENTS'], { how: 'manual', pence: 64_500 });
    t.same(byDescription(r.matched)['LEEDS CC DIRECT PAYMENTS'].entryIds.sort(), [ids.edna, ids.walter].sort());
    t.same(r.unmatchedEntries.map((e: any) => e.entryId), [ids.refund]);
    await refused(t, 'a matched line matched again', () => match([ids.refund]), 409, 'line-matched', '/lineId');

    const removal = await send(app, 'POST', `${rec}/matches/${lump}/removal`, { reason: 'Check the remittance advice first' }, treasurer.auth);
    t.equal(removal.statusCode, 200);
    r = (await get(rec)).json();
    t.ok(r.unmatchedLines.some((l: any) => l.lineId === lump), 'the line is unmatched again');
    t.same(r.unmatchedEntries.map((e: any) => e.entryId), [ids.edna, ids.walter, ids.refund], 'and its entries');
    t.equal((await match([ids.edna, ids.walter])).statusCode, 201, 'and can be matched again');

    const again = await post(statement);
    t.match(again.json(), { imported: 0, matched: 0 }, 'the same file again imports nothing');
    // A Lloyds export, newest first, overlapping the first: only its new line comes in.
    const lloyds = [
      'Transaction Date,Transaction Type,Sort Code,Account Number,Transaction Description,Debit Amount,Credit Amount,Balance',
      `${dmy(today)},FPI,'30-94-57,12345678,ARMLEY HELPING HANDS REFUND,,30.00,996.50`,
      `${dmy(today)},DEB,'30-94-57,12345678,SERVICE CHARGE,4.50,,966.50`,
    ].join('\r\n');
    const fromLloyds = await post(lloyds);
    t.match(fromLloyds.json(), { layout: 'lloyds', lines: 2, imported: 1, matched: 1 }, 'the refund, matched by amount and date');
    r = (await get(rec)).json();
    t.same(r.unmatchedLines.map((l: any) => l.description), ['SERVICE CHARGE'], 'the overlapping line is not imported twice');
    t.same(r.unmatchedEntries, [], 'every entry is in the bank');
    t.match(byDescription(r.matched)['ARMLEY HELPING HANDS REFUND'], { entryIds: [ids.refund], how: 'amount-date', pence: 3_000, balancePence: 99_650 });
  });

  t.test('bad input is refused, naming the field, and writes nothing', async (t) => {
    const stranger = (await signUp(app, 'Sam Stranger')).personId;
    const payment = (over: Record<string, unknown> = {}) => ({ payee: 'Armley Helping Hands', purpose: 'Lunches', invoiceReference: 'INV-1050', pence: 1_000, beneficiaries: [{ holderId: edna.personId, pence: 1_000 }], submittedOn: today, ...over });
    const cases: Array<[string, string, unknown, number, string, string]> = [
      ['negative pence', 'receipts', { source: 'grant', pence: -100, reference: 'x', receivedOn: today }, 400, 'validation', '/pence'],
      ['pence with decimals', 'receipts', { source: 'grant', pence: 12.5, reference: 'x', receivedOn: today }, 400, 'validation', '/pence'],
      ['an unknown field', 'receipts', { source: 'grant', pence: 100, reference: 'x', receivedOn: today, note: 'hello' }, 400, 'validation', '/note'],
      ['an unknown field in a beneficiary', 'payments', payment({ beneficiaries: [{ holderId: edna.personId, pence: 1_000, note: 'x' }] }), 400, 'validation', '/beneficiaries/0/note'],
      ['an unknown holder in the beneficiaries', 'payments', payment({ pence: 2_000, beneficiaries: [{ holderId: edna.personId, pence: 1_000 }, { holderId: stranger, pence: 1_000 }] }), 422, 'unknown-member', '/beneficiaries/1/holderId'],
      ['a refund of more than is left', 'refunds', { paymentId: ids.payment, pence: 14_401, reference: 'x', receivedOn: today }, 422, 'refund-too-large', '/pence'],
      ['a refund of a receipt', 'refunds', { paymentId: ids.edna, pence: 100, reference: 'x', receivedOn: today }, 404, 'payment-not-found', '/paymentId'],
      ['a payment corrected up', 'corrections', { corrects: ids.payment, pence: 100, reason: 'more', correctedOn: today }, 422, 'correction-would-pay', '/pence'],
      ['a transfer corrected', 'corrections', { corrects: ids.transfer, pence: -100, reason: 'less', correctedOn: today }, 422, 'transfer-not-correctable', '/corrects'],
      ['a correction dated before its entry', 'corrections', { corrects: ids.payment, pence: -100, reason: 'less', correctedOn: daysAgo(1) }, 422, 'correction-before-entry', '/correctedOn'],
      ['a transfer to the same pool', 'transfers', { pence: 100, submittedOn: today, toPoolId: lunchId, reason: 'x' }, 422, 'same-pool', '/toPoolId'],
      ['a transfer to a pool of no network', 'transfers', { pence: 100, submittedOn: today, toPoolId: randomUUID(), reason: 'x' }, 404, 'pool-not-found', '/toPoolId'],
      ['a period not over', 'periods', { periodEnd: today }, 422, 'period-not-over', '/periodEnd'],
      ['a claw-back from someone with no money in the pool', 'periods', { periodEnd: daysAgo(5), clawBacks: [{ holderId: board.personId, pence: 100 }] }, 422, 'unknown-holder', '/clawBacks/0/holderId'],
      ['a claw-back of negative pence', 'periods', { periodEnd: daysAgo(5), clawBacks: [{ holderId: walter.personId, pence: -100 }] }, 400, 'validation', '/clawBacks/0/pence'],
      ['a holder clawed back twice', 'periods', { periodEnd: daysAgo(5), clawBacks: [{ holderId: walter.personId, pence: 100 }, { holderId: walter.personId, pence: 100 }] }, 422, 'holder-twice', '/clawBacks/1/holderId'],
      // At the end of that day Walter's share was 245.00, though the payment since leaves him 197.00.
      ['a claw-back of more than the share at the end', 'periods', { periodEnd: daysAgo(5), clawBacks: [{ holderId: walter.personId, pence: 24_501 }] }, 422, 'claw-back-too-large', '/clawBacks/0/pence'],
      ['a reinvestment of more than is left after claw-backs', 'periods', { periodEnd: daysAgo(5), clawBacks: [{ holderId: walter.personId, pence: 24_500 }], reinvest: { pence: 100_001, purpose: 'x' } }, 422, 'not-enough-in-pool', '/reinvest/pence'],
      ['an unknown field in a period', 'periods', { periodEnd: daysAgo(5), reinvest: { pence: 100, purpose: 'x', to: 'y' } }, 400, 'validation', '/reinvest/to'],
    ];
    for (const [why, path, body, status, type, pointer] of cases) await refused(t, why, () => send(app, 'POST', `${pool}/${path}`, body, treasurer.auth), status, type, pointer);
    t.match((await get(pool)).json(), { balance: { pence: lunchBalance }, closedThrough: null }, 'the pool is as it was');
  });

  t.test('closing a period with a claw-back and a reinvestment', async (t) => {
    const periodEnd = daysAgo(5);
    const closed = await send(app, 'POST', `${pool}/periods`, { periodEnd, clawBacks: [{ holderId: walter.personId, pence: 15_000, reference: 'LCC DP review' }], reinvest: { pence: 15_000, purpose: 'Community lunch at St Bartholomew’s' } }, treasurer.auth);
    t.equal(closed.statusCode, 201, closed.body);
    const { digest, position } = closed.json();
    t.match(digest, /^[0-9a-f]{64}$/);
    lunchBalance -= 30_000;
    holders.walter.clawedBack += 15_000;

    const periods = (await get(`${pool}/periods`)).json().items;
    t.equal(periods.length, 1);
    t.match(periods[0], { periodEnd, closedOn: today, closedBy: treasurer.personId, balance: { pence: 124_500 - 30_000 }, digest });
    t.ok(periods[0].upToPosition < position, 'the digest covers the log before the close');

    t.match((await get(pool)).json(), {
      closedThrough: periodEnd,
      balance: { pence: lunchBalance },
      holders: [{ name: 'Edna Firth', shareOfBalance: { pence: 30_400 } }, { name: 'Walter Greenwood', clawedBack: { pence: 15_000 }, unspent: { pence: 24_500 - 4_800 - 15_000 } }],
    });
    const tb = (await get(`${pool}/trial-balance`)).json();
    t.equal(tb.totalDebit.pence, tb.totalCredit.pence);
    const accounts = Object.fromEntries(tb.accounts.map((a: any) => [a.account, a.debit.pence - a.credit.pence]));
    t.same(accounts, { bank: lunchBalance, 'clawed back': 15_000, reinvested: 15_000, contributions: -64_500, 'council income': -60_000, payments: 14_400, 'transfers out': 10_000 });

    const statement = (format: string) => get(`${pool}/periods/${periodEnd}/statement?format=${format}`);
    const s = (await statement('json')).json();
    t.match(s, { from: daysAgo(20), to: periodEnd, closedOn: today, closedBy: 'Tess Treasurer', opening: 0, closing: 94_500, digest: { sha256: digest } });
    t.same(s.lines.map((l: any) => [l.kind, l.pence]), [['contribution', 40_000], ['contribution', 25_000], ['council', 60_000], ['contribution', -500], ['claw-back', -15_000], ['reinvestment', -15_000]], 'only what is dated in the period');
    t.match(s.holders, [{ name: 'Edna Firth', contributed: 40_000, spent: 0, shareOfBalance: 40_000 }, { name: 'Walter Greenwood', contributed: 24_500, clawedBack: 15_000, unspent: 9_500, shareOfBalance: 9_500 }]);
    const csv = spreadsheet(t, await statement('csv'));
    t.same(csv.find((r) => r[2] === 'Carried forward')?.[8], '945.00');
    t.same(spreadsheet(t, await statement('csv&table=summary')).find((r) => r[0] === 'Digest (SHA-256 of the log to position)')?.[1], `${digest} @ ${periods[0].upToPosition}`);
    const holderRows = spreadsheet(t, await statement('csv&table=holders'));
    t.same(holderRows.map((r) => r[0]), ['budget holder', 'Edna Firth', 'Walter Greenwood', "Not any holder's: money no holder contributed, less the pool's own costs", 'Pool balance']);
    t.equal(holderRows.at(-1)![6], '945.00', 'the balance carried forward');
    t.equal(holderRows.slice(1, -1).reduce((sum, r) => sum + penceOf(r[6]!), 0), 94_500, "the holders' shares and the line that is no holder's add up to it, to the penny");
    t.equal((await statement('csv&table=neither')).statusCode, 400, 'a table it does not have is refused');
    const page = await statement('html');
    t.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    t.match(page.body, /<html lang="en-GB">/);
    t.match(page.body, /<caption>Budget holders at the end of the period<\/caption>/);
    t.match(page.body, /<th scope="row">Walter Greenwood<\/th>/);
    t.match(page.body, /St Bartholomew’s/);
    t.match(page.body, new RegExp(digest));
    t.notMatch(page.body, /<script/i);
    t.match((await get(`${pool}/periods/${daysAgo(6)}/statement`)).json(), { status: 404, type: '/problems/period-not-found' });

    const inside = daysAgo(6);
    await refused(t, 'a receipt dated in the closed period', () => send(app, 'POST', `${pool}/receipts`, { source: 'grant', pence: 100, reference: 'late', receivedOn: inside }, treasurer.auth), 422, 'date-in-closed-period', '/receivedOn');
    await refused(t, 'on its last day', () => send(app, 'POST', `${pool}/receipts`, { source: 'grant', pence: 100, reference: 'late', receivedOn: periodEnd }, treasurer.auth), 422, 'date-in-closed-period', '/receivedOn');
    await refused(t, 'a correction dated in it', () => send(app, 'POST', `${pool}/corrections`, { corrects: ids.council, pence: -100, reason: 'x', correctedOn: inside }, treasurer.auth), 422, 'date-in-closed-period', '/correctedOn');
    await refused(t, 'a refund dated in it', () => send(app, 'POST', `${pool}/refunds`, { paymentId: ids.payment, pence: 100, reference: 'x', receivedOn: inside }, treasurer.auth), 422, 'date-in-closed-period', '/receivedOn');
    await refused(t, 'a payment submitted in it', () => send(app, 'POST', `${pool}/payments`, { payee: 'X', purpose: 'Y', invoiceReference: 'Z', pence: 100, beneficiaries: [{ holderId: edna.personId, pence: 100 }], submittedOn: inside }, treasurer.auth), 422, 'date-in-closed-period', '/submittedOn');
    await refused(t, 'a transfer submitted in it', () => send(app, 'POST', `${pool}/transfers`, { pence: 100, submittedOn: inside, toPoolId: outingsId, reason: 'x' }, treasurer.auth), 422, 'date-in-closed-period', '/submittedOn');
    await refused(t, 'the period closed again', () => send(app, 'POST', `${pool}/periods`, { periodEnd }, treasurer.auth), 409, 'period-already-closed', '/periodEnd');
    t.equal((await send(app, 'POST', `${pool}/receipts`, { source: 'grant', pence: 100, reference: 'on time', receivedOn: daysAgo(4) }, treasurer.auth)).statusCode, 201, 'the day after the end is open');
    lunchBalance += 100;
    t.match((await get(pool)).json(), { balance: { pence: lunchBalance } });

    // The next period starts the day after the last one ended, with its balance brought forward.
    const next = await send(app, 'POST', `${pool}/periods`, { periodEnd: daysAgo(1) }, treasurer.auth);
    t.equal(next.statusCode, 201, next.body);
    t.same((await get(`${pool}/periods`)).json().items.map((p: any) => [p.periodEnd, p.balance.pence]), [[periodEnd, 94_500], [daysAgo(1), 94_600]]);
    const s2 = (await get(`${pool}/periods/${daysAgo(1)}/statement`)).json();
    t.match(s2, { from: daysAgo(4), to: daysAgo(1), opening: 94_500, closing: 94_600 });
    t.same(s2.lines.map((l: any) => [l.date, l.kind, l.pence, l.balance]), [[daysAgo(4), 'grant', 100, 94_600]]);
    t.match((await get(pool)).json(), { closedThrough: daysAgo(1), balance: { pence: lunchBalance } }, "today's payments are in the open period");
  });

  t.test('the same Idempotency-Key twice writes once', async (t) => {
    const key = randomUUID();
    const body = { source: 'grant', pence: 5_000, reference: 'Lottery', receivedOn: today };
    const receive = () => app.inject({ method: 'POST', url: `${outings}/receipts`, headers: { ...treasurer.auth, 'content-type': 'application/json', 'idempotency-key': key }, payload: JSON.stringify(body) });
    const head = await hearth.store.headPosition();
    const first = await receive();
    t.equal(first.statusCode, 201);
    t.equal(await hearth.store.headPosition(), head + 1, 'one event');
    const second = await receive();
    t.equal(second.statusCode, 201);
    t.equal(second.headers['idempotent-replayed'], 'true');
    t.same(second.json(), first.json(), 'the first answer');
    t.equal(await hearth.store.headPosition(), head + 1, 'nothing more written');
    outingsBalance += 5_000;
    t.match((await get(outings)).json(), { balance: { pence: outingsBalance } });
    const other = await app.inject({ method: 'POST', url: `${outings}/receipts`, headers: { ...treasurer.auth, 'content-type': 'application/json', 'idempotency-key': key }, payload: JSON.stringify({ ...body, pence: 5_001 }) });
    t.match(other.json(), { status: 409, type: '/problems/idempotency-key-reused' }, 'the same key with another body');
  });

  t.test('the reconciliation sees each entry as the decider does, refunds and corrections of refunds included', async (t) => {
    // In the outings pool: Edna puts in 50.00; 30.00 is spent on her; 10.00 comes back, then the
    // refund is found to have been 15.00.
    await ok('POST', `${outings}/receipts`, { source: 'contribution', holderId: edna.personId, pence: 5_000, reference: 'DP EDNA', receivedOn: today }, treasurer);
    const { paymentId } = await ok('POST', `${outings}/payments`, { payee: 'Coach hire', purpose: 'Trip to Ilkley', invoiceReference: 'CH-77', pence: 3_000, beneficiaries: [{ holderId: edna.personId, pence: 3_000 }], submittedOn: today }, treasurer);
    await ok('POST', `${outings}/payments/${paymentId}/approval`, undefined, board, 200);
    // The bank shows the refund before the treasurer has recorded it.
    const early = await app.inject({ method: 'POST', url: `${outings}/bank-statements`, headers: { ...treasurer.auth, 'content-type': 'text/csv', 'idempotency-key': randomUUID() }, payload: `Date,Description,Amount,Balance\n${today},COACH HIRE CREDIT CH-77 PART REFUND,15.00,\n` });
    t.match(early.json(), { imported: 1, matched: 0 }, 'nothing to match it to yet');
    const { refundId } = await ok('POST', `${outings}/refunds`, { paymentId, pence: 1_000, reference: 'CH-77 part refund', receivedOn: today }, treasurer);
    await ok('POST', `${outings}/corrections`, { corrects: refundId, pence: 500, reason: 'The credit note says 15.00', correctedOn: today }, treasurer);
    const decided = (await readStates(hearth.store, { pool: [poolStream(outingsId), poolDecider] })).pool as OpenPool;
    const expected = ledgerEntries(decided, new Map()).map((e) => [e.entryId, e.pence]);
    t.same(expected.find(([id]) => id === refundId), [refundId, 1_500]);
    const r = (await get(`${outings}/reconciliation`)).json();
    t.same(r.unmatchedEntries.map((e: any) => [e.entryId, e.pence]), expected, 'the same entries, the same amounts');
    t.equal(r.ledgerBalancePence, decided.balance);
    const auto = await send(app, 'POST', `${outings}/reconciliation/auto-match`, undefined, treasurer.auth);
    t.match(auto.json(), { matched: 1 }, 'matched again once the refund is recorded, as corrected');
    const matched = (await get(`${outings}/reconciliation`)).json();
    t.match(matched.matched, [{ description: 'COACH HIRE CREDIT CH-77 PART REFUND', entryIds: [refundId], how: 'amount-date-reference', pence: 1_500 }]);
    t.same(matched.unmatchedEntries.map((e: any) => e.entryId), expected.map(([id]) => id).filter((id) => id !== refundId));
    t.match((await send(app, 'POST', `${outings}/reconciliation/auto-match`, undefined, treasurer.auth)).json(), { matched: 0 }, 'and again finds nothing new');
    t.match((await get(outings)).json(), { holders: [{ name: 'Edna Firth', contributed: { pence: 5_000 }, spent: { pence: 1_500 } }] });
    t.match((await send(app, 'POST', `${outings}/refunds`, { paymentId, pence: 1_501, reference: 'x', receivedOn: today }, treasurer.auth)).json(), { type: '/problems/refund-too-large', detail: /£15\.00/ }, 'the corrected refund counts against the payment');
  });

  t.test('the books rebuilt from the events are the books as kept', async (t) => {
    t.ok(await hearth.engine.waitFor(['pools'], await hearth.store.headPosition(), 10_000));
    const compared = await hearth.engine.compare('pools');
    t.same(compared.differences, [], 'every pool table, row for row');
    t.ok(compared.events > 40, `over ${compared.events} events`);
  });
});
