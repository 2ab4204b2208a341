// The learning vouchers' money from the treasurer's pages, as a browser posts them: money paid back
// to a giver after a refund, and the learning fund with a payment asked for (checked first), one
// rejected with a reason, and approvals the application refuses, each refusal shown on the page.
import t from 'tap';
import { browserOf, joined, openApp, send, setUp, signUp } from './support/http.ts';
import { serverFirstDatabase } from './support/db.ts';
import { today as todayOf } from '../src/dates.ts';

const { hearth, app, close } = await openApp(await serverFirstDatabase());
t.teardown(close);
const coordinator = await signUp(app, 'Carol Daly');
const bank = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Armley Time Bank', kind: 'time_bank' }, coordinator.auth), 201)).json().networkId as string;
const treasurer = await joined(app, bank, coordinator, 'Tess Oduya', 'treasurer');
const dawn = await joined(app, bank, coordinator, 'Dawn Firth');
const edna = (await setUp(send(app, 'POST', `/api/v1/networks/${bank}/members`, { name: 'Edna Firth' }, coordinator.auth), 201)).json().personId as string;
// Taken afresh for each test, so that a run across midnight does not date one step yesterday and the next today.
let today = todayOf();
t.beforeEach(() => {
  today = todayOf();
});
const tess = await browserOf(app, treasurer);
const books = `/networks/${bank}/voucher-books`;
const fund = `${books}/learning-fund`;
const read = async (path: string, who = treasurer) => {
  const head = await hearth.store.headPosition();
  return (await app.inject({ method: 'GET', url: `/api/v1/networks/${bank}${path}?after=${head}`, headers: who.auth })).json();
};
const dated = (name: string, iso: string) => ({ [`${name}-day`]: String(Number(iso.slice(8))), [`${name}-month`]: String(Number(iso.slice(5, 7))), [`${name}-year`]: iso.slice(0, 4) });
const refusals = (body: string) => body.match(/class="error-summary"/g)?.length ?? 0;

t.test('money paid back to the giver after a refund, from the voucher’s page', async (t) => {
  const voucherId = (await setUp(send(app, 'POST', `/api/v1/networks/${bank}/vouchers`, { learnerId: edna, value: { kind: 'amount', pence: 2_500 }, occasion: 'Birthday', message: 'Happy birthday, Mum' }, dawn.auth), 201)).json().voucherId as string;
  t.equal((await tess.post(`${books}/${voucherId}/payment`, { amount: '25.00', reference: 'DAWN FIRTH GIFT', ...dated('date', today) })).statusCode, 303);
  const voucherPage = `${books}/${voucherId}`;
  t.match((await tess.get(books)).body, new RegExp(`href="${voucherPage}"`), 'the voucher is linked from its row');
  t.notMatch((await tess.get(voucherPage)).body, /\/payout"/, 'nothing is owed to the giver before a refund');
  t.equal((await tess.post(`${voucherPage}/refund`, { amount: '10.00', reason: 'The giver asked: Edna has moved away' })).statusCode, 303);

  const payout = `${voucherPage}/payout`;
  t.match((await tess.get(voucherPage)).body, new RegExp(`href="${payout}"`), 'linked from the voucher once a refund owes the giver');
  const form = (await tess.get(payout)).body;
  t.match(form, /Record money paid back to the giver/);
  t.match(form, /Bank transfer/);

  const missing = await tess.post(payout, {});
  t.equal(missing.statusCode, 422);
  t.match(missing.body, /Say how it was paid/);
  t.match(missing.body, /Enter how much was paid back/);

  const answers = { amount: '10.00', method: 'bank-transfer', reference: 'HEARTH REFUND FIRTH', ...dated('date', today) };
  const refused = await tess.post(payout, { ...answers, amount: '12.00' });
  t.equal(refused.statusCode, 422, 'more than is owed is refused');
  t.equal(refusals(refused.body), 1, 'in one summary');
  t.match(refused.body, /id="f-amount-error"[^>]*>[\s\S]*?£10\.00 is owed to the giver/, "the API's reason beside the amount");

  const done = await tess.post(payout, answers);
  t.equal(done.statusCode, 303);
  const shown = await tess.get(done.headers.location as string);
  t.match(shown.body, /Money paid back recorded/);
  t.match(shown.body, /£10\.00 paid back to Dawn Firth by bank transfer/);
  t.match(shown.body, /HEARTH REFUND FIRTH/);
  const { payouts } = await read(`/vouchers/${voucherId}`);
  t.equal(payouts.length, 1, 'recorded once');
  t.match(payouts, [{ amount: { pence: 1_000 }, method: 'bank-transfer', reference: 'HEARTH REFUND FIRTH', paidOn: today }], 'as it was given');
});

t.test('the learning fund: a payment asked for, checked first; approvals refused; one rejected', async (t) => {
  t.match((await tess.get(books)).body, new RegExp(`href="${fund}"`), "linked from the vouchers' money");
  const empty = (await tess.get(fund)).body;
  t.match(empty, /The fund holds<\/dt><dd><strong>£0\.00/);
  t.match(empty, /No payment has been asked for/);

  // A coordinator asks for one; the treasurer may approve it, but the fund holds nothing.
  const theirs = (await setUp(send(app, 'POST', `/api/v1/networks/${bank}/vouchers/learning-fund/payments`, { payee: 'Leeds Art Supplies', purpose: 'Paints for the class', pence: 1_500 }, coordinator.auth), 201)).json().paymentId as string;
  const listed = (await tess.get(fund)).body;
  t.match(listed, /Leeds Art Supplies/);
  t.match(listed, /waiting for approval/);
  const approve = `${fund}/payments/${theirs}/approve`;
  t.match(listed, new RegExp(`href="${approve}"`), 'approval linked from its row');
  const tooMuch = await tess.post(approve, {});
  t.equal(tooMuch.statusCode, 422);
  t.equal(refusals(tooMuch.body), 1);
  t.match(tooMuch.body, /The learning fund holds £0\.00/, "the application's refusal");

  const reject = `${fund}/payments/${theirs}/reject`;
  const noReason = await tess.post(reject, {});
  t.equal(noReason.statusCode, 422);
  t.match(noReason.body, /id="f-reason-error"[^>]*>[\s\S]*?Say why it is rejected/, 'beside the field');
  const rejected = await tess.post(reject, { reason: 'The class has its paints' });
  t.equal(rejected.statusCode, 303);
  const after = (await tess.get(rejected.headers.location as string)).body;
  t.match(after, /Payment rejected/);
  t.match(after, /rejected: The class has its paints/);

  // The treasurer asks for one: checked first, then waiting for someone else.
  const ask = `${fund}/payments/new`;
  t.match(after, new RegExp(`href="${ask}"`));
  const missing = await tess.post(ask, {});
  t.equal(missing.statusCode, 422);
  t.match(missing.body, /id="f-payee-error"[^>]*>[\s\S]*?Enter who is paid/);
  const answers = { payee: 'Armley Library', purpose: 'Room hire for the reading group', amount: '20.00' };
  const check = await tess.post(ask, answers);
  t.match(check.body, /Check the payment before you ask for it/);
  t.match(check.body, /£20\.00/);
  const changed = await tess.post(ask, { ...answers, _step: 'change' }, ask);
  t.match(changed.body, /value="Armley Library"/, 'Change brings the answers back');
  const done = await tess.post(ask, { ...answers, _step: 'confirm' }, ask);
  t.equal(done.statusCode, 303);
  const shown = (await tess.get(done.headers.location as string)).body;
  t.match(shown, /Payment asked for/);
  t.match(shown, /Armley Library/);
  const payments = (await read('/vouchers/learning-fund/payments')).items as Array<{ paymentId: string; payee: string; status: string }>;
  t.equal(payments.filter((p) => p.payee === 'Armley Library').length, 1, 'asked for once');
  const mine = payments.find((p) => p.payee === 'Armley Library')!;
  t.match(mine, { status: 'requested', amount: { pence: 2_000 }, requestedBy: { personId: treasurer.personId } }, 'recorded once');

  const none = await tess.get(`${fund}/payments/00000000-0000-4000-8000-000000000000/approve`);
  t.equal(none.statusCode, 404);
  t.match(none.body, /The learning fund has no such payment/);

  const own = await tess.post(`${fund}/payments/${mine.paymentId}/approve`, {});
  t.equal(own.statusCode, 422);
  t.match(own.body, /You asked for this payment: someone else approves it/);
});
