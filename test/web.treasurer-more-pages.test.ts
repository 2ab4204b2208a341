// The last treasurer and care-bank actions to have pages: an entry corrected from its row in the
// ledger, money moved to another pool, a mistaken bank match undone, and the care bank's obligation
// as at a date. As a browser posts them: checked first, recorded once (read back through the API),
// a refusal said once, and only the roles that may use them reach the pages.
import t from 'tap';
import { browserOf, openApp, send, setUp, signUp } from './support/http.ts';
import { serverFirstDatabase } from './support/db.ts';
import { lunchClub } from './support/treasurer.ts';
import { addDays } from '../src/dates.ts';
import { longDate } from '../src/web/words.ts';

const { hearth, app, close } = await openApp(await serverFirstDatabase());
t.teardown(close);
const club = await lunchClub(app, { lunchesPaid: true });
const { treasurer, coordinator, board, networkId, pool, poolPage } = club;
const tess = await browserOf(app, treasurer);
const bert = await browserOf(app, board);
/** Reads through the API as of everything written so far, so that projections have caught up. */
const read = async (path: string, who = treasurer) => {
  const head = await hearth.store.headPosition();
  return (await app.inject({ method: 'GET', url: `${path}${path.includes('?') ? '&' : '?'}after=${head}`, headers: who.auth })).json();
};
const refusals = (body: string) => body.match(/class="error-summary"/g)?.length ?? 0;
const dated = (name: string, iso: string) => ({ [`${name}-day`]: String(Number(iso.slice(8))), [`${name}-month`]: String(Number(iso.slice(5, 7))), [`${name}-year`]: iso.slice(0, 4) });

t.test("an entry corrected from its row in the ledger, checked, then pointing at the one it corrects", async (t) => {
  const ledger = await read(`${pool}/ledger?from=2000-01-01`);
  const council = ledger.lines.find((l: { kind: string }) => l.kind === 'council');
  const correct = `${poolPage}/entries/${council.entryId}/correct`;
  t.match((await tess.get(poolPage)).body, new RegExp(`href="${correct}"`), "linked from the entry's row");
  t.notMatch((await bert.get(poolPage)).body, /\/correct"/, 'the board is not offered it');
  t.equal((await bert.get(correct)).statusCode, 403, 'nor reaches the page');

  const answers = { direction: 'too-high', amount: '12.50', reason: 'The council paid less than its remittance said', ...dated('date', club.today) };
  const missing = await tess.post(correct, {});
  t.equal(missing.statusCode, 422);
  t.match(missing.body, /Say whether the entry was recorded too high or too low/);
  const check = await tess.post(correct, answers);
  t.match(check.body, /Check the correction before you record it/);
  t.match(check.body, /recorded too high/);
  t.match(check.body, /£12\.50/);
  const changed = await tess.post(correct, { ...answers, _step: 'change' }, correct);
  t.match(changed.body, /value="12\.50"/, 'Change brings the answers back');

  const refused = await tess.post(correct, { ...answers, amount: '5000', _step: 'confirm' }, correct);
  t.equal(refused.statusCode, 422, 'correcting it below nothing is refused');
  t.equal(refusals(refused.body), 1, 'in one summary');
  t.match(refused.body, /That would leave the entry at less than/, "the API's reason");

  const done = await tess.post(correct, { ...answers, _step: 'confirm' }, correct);
  t.equal(done.statusCode, 303);
  const shown = await tess.get(done.headers.location as string);
  t.match(shown.body, /Correction recorded/);
  t.match(shown.body, /out £12\.50/);
  const after = await read(`${pool}/ledger?from=2000-01-01`);
  t.match(after.lines.filter((l: { corrects: string | null }) => l.corrects), [{ corrects: council.entryId, pence: -1250 }], 'a new entry pointing at the one it corrects');
});

t.test('money moved to another pool, checked, then waiting for approval', async (t) => {
  const garden = (await setUp(send(app, 'POST', `/api/v1/networks/${networkId}/pools`, { name: 'Garden club', twoApproversAbovePence: 20_000 }, coordinator.auth), 201)).json().poolId as string;
  const transfer = `${poolPage}/transfers/new`;
  t.match((await tess.get(poolPage)).body, new RegExp(`href="${transfer}"`), 'linked from the pool');
  t.notMatch((await bert.get(poolPage)).body, /transfers\/new/, 'the board is not offered it');

  const answers = { to: garden, amount: '25.00', reason: 'Shared seeds for both clubs', ...dated('date', club.today) };
  const check = await tess.post(transfer, answers);
  t.match(check.body, /Check the transfer before you submit it/);
  t.match(check.body, /Garden club/);
  const refused = await tess.post(transfer, { ...answers, to: club.poolId, _step: 'confirm' }, transfer);
  t.equal(refused.statusCode, 422, 'a transfer to the same pool is refused');
  t.equal(refusals(refused.body), 1, 'in one summary');

  const done = await tess.post(transfer, { ...answers, _step: 'confirm' }, transfer);
  t.equal(done.statusCode, 303);
  const shown = await tess.get(done.headers.location as string);
  t.match(shown.body, /Transfer submitted/);
  t.match(shown.body, /£25\.00 to the Garden club pool/);
  const payments = await read(`${pool}/payments?status=submitted`);
  t.match(payments.items.filter((p: { kind: string }) => p.kind === 'transfer'), [{ toPoolId: garden, amount: { pence: 2500 }, submittedBy: treasurer.personId }], 'recorded once, for approval');
});

t.test('a mistaken bank match undone from the reconciliation, with why', async (t) => {
  await setUp(send(app, 'POST', `${pool}/receipts`, { source: 'council', pence: 1250, reference: 'GRANT-12', receivedOn: club.today }, treasurer.auth), 201);
  await setUp(send(app, 'POST', `${pool}/reconciliation/auto-match`, undefined, treasurer.auth), 200);
  const matched = (await read(`${pool}/reconciliation`)).matched as Array<{ lineId: string }>;
  t.equal(matched.length, 1, 'the line is matched');
  const lineId = matched[0]!.lineId;
  const reconciliation = `${poolPage}/reconciliation`;
  const undo = `${reconciliation}/matches/${lineId}/undo`;
  t.match((await tess.get(reconciliation)).body, new RegExp(`href="${undo}"`), "a button on the matched line");
  t.notMatch((await bert.get(reconciliation)).body, /\/undo"/, 'the board is not offered it');

  const missing = await tess.post(undo, {});
  t.equal(missing.statusCode, 422);
  t.equal(refusals(missing.body), 1);
  t.match(missing.body, /Say why the match was a mistake/);
  const done = await tess.post(undo, { reason: 'Matched to the wrong council payment' });
  t.equal(done.statusCode, 303);
  t.match((await tess.get(done.headers.location as string)).body, /The match is undone/);
  const rec = await read(`${pool}/reconciliation`);
  t.equal(rec.matched.length, 0, 'the line is no longer matched');
  t.match(rec.unmatchedLines, [{ lineId }], 'it waits to be matched again');
  const again = await tess.get(undo);
  t.equal(again.statusCode, 404, 'a line not matched has nothing to undo');
  t.match(again.body, /Nothing to undo/);
});

t.test("the care bank's obligation as at a date, for those who run the scheme", async (t) => {
  const cath = await signUp(app, 'Cath Carer', { dateOfBirth: '1970-01-01' });
  const scheme = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Wharfedale Care Bank', kind: 'care_bank_scheme' }, cath.auth), 201)).json().networkId as string;
  const cb = `/api/v1/networks/${scheme}/carebank`;
  // The scheme checks a volunteer's age, and the report bands holders by it.
  const member = async (name: string, dateOfBirth: string) => {
    const p = await signUp(app, name, { dateOfBirth });
    await setUp(send(app, 'POST', `/api/v1/networks/${scheme}/invitations`, { personId: p.personId }, cath.auth), 201);
    await send(app, 'POST', `/api/v1/networks/${scheme}/invitations/acceptance`, undefined, p.auth);
    return p;
  };
  const vic = await member('Vic Volunteer', '1990-01-01');
  const edna = await member('Edna Elder', '1938-01-01');
  const logged = await setUp(send(app, 'POST', `${cb}/care`, { volunteerId: vic.personId, recipientId: edna.personId, minutes: 90, activity: 'befriending', occurredOn: club.today }, vic.auth), 201);
  await setUp(send(app, 'POST', `${cb}/care/${logged.json().careId}/confirmation`, undefined, edna.auth), 200);
  await read(`${cb}/obligation?asAt=${club.today}`, cath);

  const browser = await browserOf(app, cath);
  const page = `/networks/${scheme}/care/obligation`;
  t.match((await browser.get(`/networks/${scheme}/care`)).body, new RegExp(`href="${page}"`), "linked from the coordinator's care bank");
  const now = await browser.get(page);
  t.equal(now.statusCode, 200);
  t.match(now.body, /1 hour 30 minutes/);
  t.match(now.body, /1 holder/);
  const before = await browser.get(`${page}?asAt-day=1&asAt-month=1&asAt-year=2020`);
  t.match(before.body, /As at 1 January 2020/);
  t.match(before.body, /Nobody had hours banked on that date/);
  const wrong = await browser.get(`${page}?asAt-day=31&asAt-month=2&asAt-year=2026`);
  t.equal(wrong.statusCode, 422);
  t.equal(refusals(wrong.body), 1, 'a date that does not exist is said once');
  t.match(now.body, /As recorded on .*\(today\)/, 'says which day it was recorded on');
  t.match(now.body, /name="recordedOn-day"/, 'the "as recorded on" field beside "as at"');
  const asAt = { 'asAt-day': String(Number(club.today.slice(8))), 'asAt-month': String(Number(club.today.slice(5, 7))), 'asAt-year': club.today.slice(0, 4) };
  const day = addDays(club.today, -1);
  const recorded = await browser.get(`${page}?${new URLSearchParams({ ...asAt, 'recordedOn-day': String(Number(day.slice(8))), 'recordedOn-month': String(Number(day.slice(5, 7))), 'recordedOn-year': day.slice(0, 4) })}`);
  t.equal(recorded.statusCode, 200);
  t.match(recorded.body, new RegExp(`As recorded on ${longDate(day)}`));
  t.match(recorded.body, /Nobody had hours banked on that date/, 'the care recorded today is not in the figure as recorded yesterday');
  const badDay = await browser.get(`${page}?${new URLSearchParams({ ...asAt, 'recordedOn-day': '30', 'recordedOn-month': '2', 'recordedOn-year': '2026' })}`);
  t.equal(badDay.statusCode, 422);
  t.match(badDay.body, /id="f-recordedOn-error"[^>]*>[\s\S]*?That date does not exist/, 'beside its field');
  const vics = await browserOf(app, vic);
  t.notMatch((await vics.get(`/networks/${scheme}/care`)).body, /care\/obligation/, 'a volunteer is not offered it');
  t.equal((await vics.get(page)).statusCode, 403, 'nor reaches it');
});

t.test('a payment approved with the day the money left, today unless changed', async (t) => {
  const taxi = `${poolPage}/payments/${club.payments.taxi}`;
  const form = (await tess.get(taxi)).body;
  t.match(form, /Day the money left/, 'the approval that pays it asks the day');
  t.match(form, new RegExp(`name="paidOn-day"[^>]*value="${Number(club.today.slice(8))}"`), 'today, unless changed');
  const holders = (await read(`${pool}/payments/${club.payments.taxi}`)).beneficiaries as Array<{ holderId: string }>;
  const big = (await setUp(send(app, 'POST', `${pool}/payments`, { payee: 'Garden Centre Ltd', purpose: 'A shed', invoiceReference: 'INV-SHED', pence: 30_000, beneficiaries: [{ holderId: holders[0]!.holderId, pence: 30_000 }], submittedOn: club.today }, coordinator.auth), 201)).json().paymentId as string;
  t.notMatch((await tess.get(`${poolPage}/payments/${big}`)).body, /Day the money left/, 'not asked of a first of two approvals, which pays nothing');

  const wrong = await tess.post(`${taxi}/approve`, dated('paidOn', '2026-02-30'), taxi);
  t.equal(wrong.statusCode, 422);
  t.match(wrong.body, /id="f-paidOn-error"[^>]*>[\s\S]*?That date does not exist/, 'a date that does not exist, beside its field');
  const early = await tess.post(`${taxi}/approve`, dated('paidOn', addDays(club.today, -3)), taxi);
  t.equal(early.statusCode, 422, 'before it was submitted is refused');
  t.equal(refusals(early.body), 1, 'in one summary');
  t.match(early.body, /id="f-paidOn-error"[^>]*>[\s\S]*?Money leaves once a payment is submitted and approved/, "the API's reason beside the field");

  const done = await tess.post(`${taxi}/approve`, dated('paidOn', club.today), taxi);
  t.equal(done.statusCode, 303);
  const shown = (await tess.get(done.headers.location as string)).body;
  t.match(shown, /Payment approved/);
  t.match(shown, new RegExp(`the money left the account on ${longDate(club.today)}`));
  t.match(await read(`${pool}/payments/${club.payments.taxi}`), { status: 'paid', paidOn: club.today }, 'recorded once, dated by that day');
});
