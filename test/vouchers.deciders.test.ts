// Learning vouchers decided in memory: buying one under the network's policy, the money arriving,
// sessions redeemed against it, refunds, and what is left going where the policy said at expiry.
import t from 'tap';
import fc from 'fast-check';
import { fold, Rejection } from '../src/commands/decider.ts';
import { refusal, specFor, uid } from './support/given.ts';
import { addDays } from '../src/dates.ts';
import {
  decideDraw,
  decideReturn,
  defaultPolicy,
  expiryFrom,
  LearningPolicySet,
  policyDecider,
  priceOf,
  voucherDecider,
  voucherEventTypes,
  type HeldVoucher,
  type LearningPolicy,
  type VoucherCommand,
  type VoucherEvent,
  type VoucherValue,
} from '../src/vouchers/voucher.ts';
import { fundDecider, type FundCommand, type FundEvent } from '../src/vouchers/fund.ts';

const networkId = uid(0xa1);
const voucherId = uid(0xa2);
const [daughter, mum, mentor, treasurer] = [uid(0xb1), uid(0xb2), uid(0xc1), uid(0xc2)];
const session = (n: number) => uid(0xd00 + n);

const computerSkills: VoucherValue = { kind: 'sessions', activity: 'Computer skills', sessions: 6, pencePerSession: 1_500 };
const fifty: VoucherValue = { kind: 'amount', pence: 5_000 };
const BOUGHT_ON = '2026-01-31';

const bought = (value: VoucherValue, over: Partial<{ boughtOn: string; expiresOn: string | null; atExpiry: LearningPolicy['atExpiry'] }> = {}): VoucherEvent => ({
  type: 'vouchers.VoucherBought',
  data: { voucherId, networkId, giverId: daughter, learnerId: mum, value, occasion: 'Birthday', message: 'sealed:happy birthday', boughtOn: BOUGHT_ON, expiresOn: '2028-01-31', atExpiry: 'refund-to-giver', ...over },
});
const paid = (amount: number, receivedOn = '2026-02-02'): VoucherEvent => ({ type: 'vouchers.VoucherPaid', data: { voucherId, networkId, pence: amount, reference: 'GIFT MUM', receivedOn, recordedBy: treasurer } });
const redeemed = (n: number, amount: number, sessions: 0 | 1, deliveredOn = '2026-03-01', activity = 'Computer skills'): VoucherEvent => ({
  type: 'vouchers.VoucherRedeemed',
  data: { voucherId, networkId, sessionId: session(n), mentorId: mentor, activity, deliveredOn, pence: amount, sessions, redeemedBy: mentor },
});
const refunded = (amount: number, refundedOn = '2026-04-01'): VoucherEvent => ({ type: 'vouchers.VoucherRefunded', data: { voucherId, networkId, pence: amount, reason: 'Moved away', refundedOn, recordedBy: treasurer } });
const expired = (amount: number, sessions: number, expiredOn = '2028-02-01', disposition: LearningPolicy['atExpiry'] = 'refund-to-giver'): VoucherEvent => ({
  type: 'vouchers.VoucherExpired',
  data: { voucherId, networkId, pence: amount, sessions, disposition, expiredOn },
});

const buy = (over: Partial<Extract<VoucherCommand, { type: 'BuyVoucher' }>> = {}): VoucherCommand => ({
  type: 'BuyVoucher', voucherId, networkId, giverId: daughter, learnerId: mum, value: computerSkills, occasion: 'Birthday', message: 'sealed:happy birthday', policy: defaultPolicy, today: BOUGHT_ON, ...over,
});
const pay = (over: Record<string, unknown> = {}) => ({ type: 'RecordPayment', pence: 9_000, reference: 'GIFT MUM', receivedOn: '2026-02-02', recordedBy: treasurer, today: '2026-02-03', ...over }) as VoucherCommand;
const redeem = (over: Record<string, unknown> = {}) =>
  ({ type: 'Redeem', sessionId: session(1), mentorId: mentor, activity: 'Computer skills', deliveredOn: '2026-03-01', pence: null, redeemedBy: mentor, today: '2026-03-02', ...over }) as VoucherCommand;
const refund = (over: Record<string, unknown> = {}) => ({ type: 'Refund', pence: 9_000, reason: 'Moved away', recordedBy: treasurer, today: '2026-04-01', ...over }) as VoucherCommand;
const expire = (today = '2028-02-01'): VoucherCommand => ({ type: 'Expire', today });

const given = specFor(voucherDecider);
const refusedGiven = (events: VoucherEvent[], command: VoucherCommand) => refusal(() => voucherDecider.decide(command, fold(voucherDecider, events)));
const voucher = (...events: VoucherEvent[]) => fold(voucherDecider, events) as HeldVoucher;

/** Six sessions of Computer skills at £15, paid for: £90 held. */
const sessionsHeld = [bought(computerSkills), paid(9_000)];
/** £50 to spend on any learning, paid for. */
const amountHeld = [bought(fifty), paid(5_000)];

t.test('buying a voucher', async (t) => {
  given([]).when(buy()).then(t, [bought(computerSkills)], 'held for two years by default, unused value back to the giver');
  given([bought(computerSkills)]).when(buy()).then(t, [], 'the same voucher bought twice is recorded once');
  given([]).when(buy({ value: fifty, policy: { expiryMonths: 12, atExpiry: 'learning-fund' } })).then(t, [bought(fifty, { expiresOn: '2027-01-31', atExpiry: 'learning-fund' })]);
  given([]).when(buy({ policy: { expiryMonths: null, atExpiry: 'learning-fund' } })).then(t, [bought(computerSkills, { expiresOn: null, atExpiry: 'learning-fund' })], 'a voucher that never expires');
  given([]).when(buy({ policy: { expiryMonths: 1, atExpiry: 'refund-to-giver' } })).then(t, [bought(computerSkills, { expiresOn: '2026-02-28' })], '31 January and a month: the last day of February');
  t.match(refusedGiven([], buy({ learnerId: daughter })), { type: 'own-voucher', status: 422, field: 'learnerId' }, 'a voucher is a gift to someone else');
  t.equal(priceOf(computerSkills), 9_000);
  t.equal(priceOf(fifty), 5_000);
  const fresh = voucher(bought(computerSkills));
  t.match(fresh, { status: 'awaiting-payment', leftPence: 0, leftSessions: 6 }, 'nothing is held until the money arrives');
});

t.test('the last day of a voucher, so many months on', async (t) => {
  const months = (expiryMonths: number): LearningPolicy => ({ expiryMonths, atExpiry: 'refund-to-giver' });
  t.equal(expiryFrom('2026-01-31', months(1)), '2026-02-28', 'February is shorter');
  t.equal(expiryFrom('2028-01-31', months(1)), '2028-02-29', 'in a leap year, the 29th');
  t.equal(expiryFrom('2028-02-29', months(12)), '2029-02-28', 'a leap day a year on');
  t.equal(expiryFrom('2028-02-29', months(48)), '2032-02-29', 'and four years on');
  t.equal(expiryFrom('2026-03-31', months(1)), '2026-04-30');
  t.equal(expiryFrom('2026-08-31', months(6)), '2027-02-28', 'across the turn of a year');
  t.equal(expiryFrom('2026-01-30', months(1)), '2026-02-28');
  t.equal(expiryFrom('2026-02-28', months(1)), '2026-03-28', 'the same day of the month when there is one');
  t.equal(expiryFrom('2026-03-15', months(24)), '2028-03-15', 'the default two years');
  t.equal(expiryFrom('2026-12-31', months(120)), '2036-12-31');
  t.equal(expiryFrom('2026-03-15', { expiryMonths: null, atExpiry: 'learning-fund' }), null, 'never');
});

t.test('the money arriving', async (t) => {
  given([bought(computerSkills)]).when(pay()).then(t, [paid(9_000)]);
  given([bought(computerSkills)]).when(pay({ receivedOn: BOUGHT_ON, today: BOUGHT_ON })).then(t, [paid(9_000, BOUGHT_ON)], 'paid the day it was bought');
  t.match(voucher(...sessionsHeld), { status: 'held', leftPence: 9_000, leftSessions: 6 });
  given(sessionsHeld).when(pay()).then(t, [], 'the same payment twice is recorded once');
  t.match(refusedGiven(sessionsHeld, pay({ pence: 1 })), { type: 'voucher-already-paid', status: 409 }, 'another payment, with other figures, is refused');
  t.match(refusedGiven(sessionsHeld, pay({ reference: 'ANOTHER' })), { type: 'voucher-already-paid', status: 409 });

  const wrong = refusedGiven([bought(computerSkills)], pay({ pence: 8_999 }));
  t.match(wrong, { type: 'wrong-amount', status: 422, field: 'pence' });
  t.match(wrong?.message, /costs £90\.00/);
  t.match(refusedGiven([bought(computerSkills)], pay({ pence: 9_001 })), { type: 'wrong-amount' }, 'nor more than it costs');
  t.match(refusedGiven([bought(computerSkills)], pay({ receivedOn: '2026-02-04' })), { type: 'date-in-future', status: 422, field: 'receivedOn' });
  t.match(refusedGiven([bought(computerSkills)], pay({ receivedOn: '2026-01-30' })), { type: 'paid-before-bought', status: 422, field: 'receivedOn', message: /bought on 2026-01-31/ });
  t.match(refusedGiven([], pay()), { type: 'voucher-not-found', status: 404 });
  t.match(refusedGiven([bought(computerSkills), expired(0, 0)], pay({ today: '2028-02-02' })), { type: 'voucher-closed', status: 409 }, 'money for a voucher that has expired is not taken');
});

t.test("a session's draw, carried out after the redemption began: made as planned, refused in its place, or given back", async (t) => {
  const draw = (redeemed(1, 2_000, 0) as Extract<VoucherEvent, { type: 'vouchers.VoucherRedeemed' }>).data;
  const held = fold(voucherDecider, amountHeld);
  t.same(decideDraw(draw, '2026-03-01', held), [redeemed(1, 2_000, 0)], 'the voucher still gives what was planned');
  const spent = fold(voucherDecider, [...amountHeld, redeemed(2, 3_500, 0)]);
  t.match(decideDraw(draw, '2026-03-01', spent), [{ type: 'vouchers.VoucherDrawRefused', data: { voucherId, sessionId: session(1), problem: 'more-than-left', detail: /£15\.00 is left/ } }], 'another session used it meanwhile: the refusal is recorded instead');
  const sessions = fold(voucherDecider, [...sessionsHeld, ...Array.from({ length: 4 }, (_, i) => redeemed(10 + i, 1_500, 1))]);
  const planned = (redeemed(1, 1_500, 1) as Extract<VoucherEvent, { type: 'vouchers.VoucherRedeemed' }>).data;
  t.match(decideDraw(planned, '2026-03-01', fold(voucherDecider, [...sessionsHeld, ...Array.from({ length: 6 }, (_, i) => redeemed(10 + i, 1_500, 1))])), [{ type: 'vouchers.VoucherDrawRefused', data: { problem: 'nothing-left' } }], 'every session used meanwhile');
  t.same(decideDraw(planned, '2026-03-01', sessions), [redeemed(1, 1_500, 1)]);
  const [back] = decideReturn(draw);
  t.match(fold(voucherDecider, [...amountHeld, redeemed(1, 2_000, 0), back!]), { leftPence: 5_000 }, 'given back: as if never drawn');
  t.same(decideDraw(draw, '2026-03-01', fold(voucherDecider, [...amountHeld, redeemed(1, 2_000, 0), back!])), [redeemed(1, 2_000, 0)], 'and the session may draw on it again');
});

t.test('redeeming sessions', async (t) => {
  given(sessionsHeld).when(redeem()).then(t, [redeemed(1, 1_500, 1)], 'a sessions voucher gives one session at its price');
  given(sessionsHeld).when(redeem({ pence: 99 })).then(t, [redeemed(1, 1_500, 1)], 'whatever pence are asked');
  given(amountHeld).when(redeem({ pence: 2_000, activity: 'Watercolours' })).then(t, [redeemed(1, 2_000, 0, '2026-03-01', 'Watercolours')], 'an amount voucher, any activity');
  given(amountHeld).when(redeem({ pence: 5_000 })).then(t, [redeemed(1, 5_000, 0)], 'all of it at once');
  given(sessionsHeld).when(redeem({ deliveredOn: BOUGHT_ON, today: BOUGHT_ON })).then(t, [redeemed(1, 1_500, 1, BOUGHT_ON)], 'on the day it was bought');
  const lastDay = [bought(computerSkills, { expiresOn: '2026-02-28' }), paid(9_000)];
  given(lastDay).when(redeem({ deliveredOn: '2026-02-28', today: '2026-03-05' })).then(t, [redeemed(1, 1_500, 1, '2026-02-28')], 'delivered on its last day, redeemed a few days later');

  t.match(refusedGiven([bought(computerSkills)], redeem()), { type: 'voucher-not-paid', status: 409 });
  t.match(refusedGiven(lastDay, redeem({ deliveredOn: '2026-03-01' })), { type: 'voucher-expired', status: 409, field: 'deliveredOn', message: /until 2026-02-28/ });
  t.match(refusedGiven([...sessionsHeld, expired(9_000, 6)], redeem({ today: '2028-02-02' })), { type: 'voucher-closed', status: 409, message: /was expired/ });
  t.match(refusedGiven([...amountHeld, refunded(5_000)], redeem({ pence: 100 })), { type: 'voucher-closed', message: /was refunded/ });
  t.match(refusedGiven(sessionsHeld, redeem({ activity: 'Pottery' })), { type: 'wrong-activity', status: 422, field: 'activity', message: /for Computer skills/ });
  const tooMuch = refusedGiven([...amountHeld, redeemed(1, 2_000, 0)], redeem({ sessionId: session(2), pence: 3_001 }));
  t.match(tooMuch, { type: 'more-than-left', status: 409, field: 'pence' });
  t.match(tooMuch?.message, /£30\.00 is left/);
  given([...amountHeld, redeemed(1, 2_000, 0)]).when(redeem({ sessionId: session(2), pence: 3_000 })).then(t, [redeemed(2, 3_000, 0)], 'exactly what is left');
  t.match(refusedGiven([...amountHeld, redeemed(1, 5_000, 0)], redeem({ sessionId: session(2), pence: 1 })), { type: 'more-than-left', message: /£0\.00 is left/ }, 'an amount voucher used up');
  t.match(refusedGiven(amountHeld, redeem()), { type: 'pence-required', status: 422, field: 'pence' }, 'an amount voucher is told how much');
  t.match(refusedGiven(amountHeld, redeem({ pence: 0 })), { type: 'pence-required', field: 'pence' }, 'and never nothing');
  t.match(refusedGiven(amountHeld, redeem({ pence: -500 })), { type: 'pence-required' }, 'nor less than nothing');
  const allUsed = [...sessionsHeld, ...[1, 2, 3, 4, 5, 6].map((n) => redeemed(n, 1_500, 1))];
  t.match(voucher(...allUsed), { status: 'held', leftPence: 0, leftSessions: 0 });
  t.match(refusedGiven(allUsed, redeem({ sessionId: session(7) })), { type: 'nothing-left', status: 409 });
  t.match(refusedGiven([...sessionsHeld, redeemed(1, 1_500, 1)], redeem()), { type: 'session-redeemed', status: 409, field: 'sessionId' }, 'the same session twice');
  t.match(refusedGiven([...amountHeld, redeemed(1, 100, 0)], redeem({ pence: 100 })), { type: 'session-redeemed' }, 'on an amount voucher too');
  t.match(refusedGiven([bought(computerSkills), paid(9_000, BOUGHT_ON)], redeem({ deliveredOn: '2026-01-30' })), { type: 'delivered-before-bought', status: 422, field: 'deliveredOn', message: /bought on 2026-01-31/ });
  t.match(refusedGiven(sessionsHeld, redeem({ deliveredOn: '2026-03-03' })), { type: 'date-in-future', status: 422, field: 'deliveredOn' });
  t.match(refusedGiven([], redeem()), { type: 'voucher-not-found', status: 404 });
});

t.test("a sessions voucher's last session takes whatever is left, so it ends at nothing", async (t) => {
  const fiveUsed = [...sessionsHeld, ...[1, 2, 3, 4, 5].map((n) => redeemed(n, 1_500, 1))];
  t.match(voucher(...fiveUsed), { leftPence: 1_500, leftSessions: 1 });
  given(fiveUsed).when(redeem({ sessionId: session(6) })).then(t, [redeemed(6, 1_500, 1)]);
  // Held value that is not a whole number of sessions (say, a payment imported from before the
  // price was fixed): the last session takes the odd pence too, and nothing stays held.
  const odd = [bought(computerSkills), paid(9_007), ...[1, 2, 3, 4, 5].map((n) => redeemed(n, 1_500, 1))];
  given(odd).when(redeem({ sessionId: session(6) })).then(t, [redeemed(6, 1_507, 1)]);
});

t.test('refunds', async (t) => {
  const used = [...amountHeld, redeemed(1, 2_000, 0)];
  given(used).when(refund({ pence: 3_000 })).then(t, [refunded(3_000)], 'what is left of an amount voucher');
  t.match(voucher(...used, refunded(3_000)), { status: 'refunded', leftPence: 0 });
  given(used).when(refund({ pence: 1_000 })).then(t, [refunded(1_000)], 'or part of it');
  t.match(voucher(...used, refunded(1_000)), { status: 'held', leftPence: 2_000 }, 'the rest still held');
  const more = refusedGiven(used, refund({ pence: 3_001 }));
  t.match(more, { type: 'more-than-left', status: 422, field: 'pence' });
  t.match(more?.message, /£30\.00 is left/);

  const twoUsed = [...sessionsHeld, redeemed(1, 1_500, 1), redeemed(2, 1_500, 1)];
  given(twoUsed).when(refund({ pence: 6_000 })).then(t, [refunded(6_000)], 'a sessions voucher: every session not used');
  t.match(voucher(...twoUsed, refunded(6_000)), { status: 'refunded', leftPence: 0 });
  const part = refusedGiven(twoUsed, refund({ pence: 1_500 }));
  t.match(part, { type: 'whole-sessions-refund', status: 422, field: 'pence' });
  t.match(part?.message, /£60\.00 is left/);
  t.match(refusedGiven(twoUsed, refund({ pence: 6_001 })), { type: 'more-than-left' });

  t.match(refusedGiven([bought(fifty)], refund({ pence: 100 })), { type: 'voucher-not-paid', status: 409 });
  t.match(refusedGiven([...used, refunded(3_000)], refund({ pence: 1 })), { type: 'voucher-closed', status: 409 });
  t.match(refusedGiven(used, refund({ pence: 100, today: '2028-02-01' })), { type: 'voucher-expired', status: 409, field: 'pence' }, 'past its last day, what is left goes by the policy');
  given(used).when(refund({ pence: 100, today: '2028-01-31' })).then(t, [refunded(100, '2028-01-31')], 'on its last day it is still held');
});

t.test('expiry', async (t) => {
  const used = [...amountHeld, redeemed(1, 2_000, 0)];
  given(used).when(expire()).then(t, [expired(3_000, 0)], 'what is left goes back to the giver');
  t.match(voucher(...used, expired(3_000, 0)), { status: 'expired', leftPence: 0, leftSessions: 0 });
  given(used).when(expire('2028-02-01')).then(t, [expired(3_000, 0, '2028-02-01')]);
  const notYet = refusedGiven(used, expire('2028-01-31'));
  t.match(notYet, { type: 'not-expired', status: 409, message: /until 2028-01-31/ }, 'its last day is still a day it can be used');
  t.match(refusedGiven([bought(fifty, { expiresOn: null }), paid(5_000)], expire('2099-01-01')), { type: 'not-expired', status: 409, message: /never expires/ });
  given([...used, expired(3_000, 0)]).when(expire('2028-03-01')).then(t, [], 'expired twice: once');

  // The disposition is the policy when the voucher was bought, whatever the network says now.
  const fund = [bought(computerSkills, { atExpiry: 'learning-fund' }), paid(9_000), redeemed(1, 1_500, 1), redeemed(2, 1_500, 1)];
  given(fund).when(expire()).then(t, [expired(6_000, 4, '2028-02-01', 'learning-fund')], 'four sessions, £60, to the learning fund');
  given([bought(computerSkills)]).when(expire()).then(t, [expired(0, 0)], 'never paid for: it expires with nothing');
  given([...used, refunded(3_000)]).when(expire()).then(t, [expired(0, 0)], 'refunded in full: nothing to move');
  const usedUp = [...sessionsHeld, ...[1, 2, 3, 4, 5, 6].map((n) => redeemed(n, 1_500, 1))];
  given(usedUp).when(expire()).then(t, [expired(0, 0)], 'every session used');
  t.match(refusedGiven([], expire()), { type: 'voucher-not-found', status: 404 });
});

t.test('every event decided fits its schema, the empty expiry too', async (t) => {
  const schemas = new Map(voucherEventTypes.map((e) => [e.type as string, e.schema]));
  const decided = [
    ...voucherDecider.decide(buy(), fold(voucherDecider, [])),
    ...voucherDecider.decide(pay(), voucher(bought(computerSkills))),
    ...voucherDecider.decide(redeem(), voucher(...sessionsHeld)),
    ...voucherDecider.decide(refund({ pence: 5_000 }), voucher(...amountHeld)),
    ...voucherDecider.decide(expire(), voucher(...sessionsHeld)),
    ...voucherDecider.decide(expire(), voucher(bought(fifty))),
  ];
  t.equal(decided.length, 6);
  for (const event of decided) {
    const parsed = schemas.get(event.type)!.safeParse(event.data);
    t.ok(parsed.success, `${event.type} fits${parsed.error ? `: ${parsed.error.message}` : ''}`);
  }
});

t.test("the network's policy", async (t) => {
  const givenPolicy = specFor(policyDecider);
  const set = (policy: LearningPolicy) => ({ type: 'SetPolicy' as const, networkId, policy, setBy: treasurer });
  const setEvent = (policy: LearningPolicy) => ({ type: 'vouchers.LearningPolicySet' as const, data: { networkId, ...policy, setBy: treasurer } });
  t.same(defaultPolicy, { expiryMonths: 24, atExpiry: 'refund-to-giver' }, 'two years, back to the giver');
  givenPolicy([]).when(set({ expiryMonths: 24, atExpiry: 'refund-to-giver' })).then(t, [], 'the default needs no event');
  givenPolicy([]).when(set({ expiryMonths: null, atExpiry: 'learning-fund' })).then(t, [setEvent({ expiryMonths: null, atExpiry: 'learning-fund' })]);
  givenPolicy([setEvent({ expiryMonths: 12, atExpiry: 'learning-fund' })]).when(set({ expiryMonths: 12, atExpiry: 'learning-fund' })).then(t, [], 'the same policy again');
  givenPolicy([setEvent({ expiryMonths: 12, atExpiry: 'learning-fund' })]).when(set({ expiryMonths: 24, atExpiry: 'refund-to-giver' })).then(t, [setEvent(defaultPolicy)], 'back to the default is a change');
  t.ok(LearningPolicySet.schema.safeParse(setEvent({ expiryMonths: null, atExpiry: 'learning-fund' }).data).success);
  t.notOk(LearningPolicySet.schema.safeParse(setEvent({ expiryMonths: 0, atExpiry: 'learning-fund' }).data).success, 'at least a month');
});

// ---------------------------------------------------------------------------------------------
// Properties: whatever sessions and refunds come, in whatever order, a voucher never holds less
// than nothing, and every penny paid is accounted for: redeemed, refunded, expired or still held.

type Step = { kind: 'redeem'; pence: number; day: number } | { kind: 'refund'; pence: number; whole: boolean; day: number } | { kind: 'expire'; day: number };
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('redeem' as const), pence: fc.integer({ min: 1, max: 4_000 }), day: fc.integer({ min: 0, max: 800 }) }),
  fc.record({ kind: fc.constant('refund' as const), pence: fc.integer({ min: 1, max: 4_000 }), whole: fc.boolean(), day: fc.integer({ min: 0, max: 800 }) }),
  fc.record({ kind: fc.constant('expire' as const), day: fc.integer({ min: 0, max: 800 }) }),
);
const value: fc.Arbitrary<VoucherValue> = fc.oneof(
  fc.record({ kind: fc.constant('amount' as const), pence: fc.integer({ min: 1, max: 10_000 }) }),
  fc.record({ kind: fc.constant('sessions' as const), activity: fc.constant('Computer skills'), sessions: fc.integer({ min: 1, max: 8 }), pencePerSession: fc.integer({ min: 1, max: 2_000 }) }),
);
const refusals = new Set(['more-than-left', 'nothing-left', 'voucher-expired', 'voucher-closed', 'not-expired', 'whole-sessions-refund']);

t.test('held value never below nothing; paid = redeemed + refunded + expired + left', async (t) => {
  let checked = 0;
  const seen = new Map<string, number>();
  await fc.assert(
    fc.property(value, fc.constantFrom<LearningPolicy['atExpiry']>('refund-to-giver', 'learning-fund'), fc.array(step, { maxLength: 14 }), (v, atExpiry, steps) => {
      const policy: LearningPolicy = { expiryMonths: 24, atExpiry };
      const history: VoucherEvent[] = [];
      const decide = (command: VoucherCommand) => {
        try {
          const events = voucherDecider.decide(command, fold(voucherDecider, history));
          history.push(...events);
        } catch (err) {
          if (!(err instanceof Rejection) || !refusals.has(err.type)) throw err;
        }
      };
      decide(buy({ value: v, policy }));
      decide(pay({ pence: priceOf(v), receivedOn: BOUGHT_ON, today: BOUGHT_ON }));
      // Days move forward; some steps fall after the voucher's last day (2028-01-31).
      const days = steps.map((s) => s.day).sort((a, b) => a - b);
      steps.forEach((s, i) => {
        const today = addDays(BOUGHT_ON, days[i]!);
        if (s.kind === 'redeem') decide(redeem({ sessionId: session(i), deliveredOn: today, today, pence: s.pence }));
        // A refund of everything left, or of some amount that may be too much or, on a sessions voucher, not whole.
        else if (s.kind === 'refund') decide(refund({ pence: s.whole ? Math.max(1, (fold(voucherDecider, history) as HeldVoucher).leftPence) : s.pence, today }));
        else decide(expire(today));
        const state = fold(voucherDecider, history) as HeldVoucher;
        if (state.leftPence < 0 || state.leftSessions < 0) throw new Error(`below nothing: ${state.leftPence}p, ${state.leftSessions} sessions`);
      });

      const state = fold(voucherDecider, history) as HeldVoucher;
      const sum = (type: VoucherEvent['type']) => history.filter((e) => e.type === type).reduce((total, e) => total + (e.data as { pence: number }).pence, 0);
      const price = priceOf(v);
      if (sum('vouchers.VoucherPaid') !== price) throw new Error('paid once, at its price');
      const accounted = sum('vouchers.VoucherRedeemed') + sum('vouchers.VoucherRefunded') + sum('vouchers.VoucherExpired') + state.leftPence;
      if (accounted !== price) throw new Error(`paid ${price}, accounted for ${accounted}`);
      if (history.some((e) => (e.type === 'vouchers.VoucherRedeemed' || e.type === 'vouchers.VoucherRefunded') && e.data.pence <= 0)) throw new Error('an entry of nothing');
      if (v.kind === 'sessions') {
        const sessions = history.filter((e) => e.type === 'vouchers.VoucherRedeemed').length;
        const expiredSessions = history.filter((e) => e.type === 'vouchers.VoucherExpired').reduce((n, e) => n + (e.data as { sessions: number }).sessions, 0);
        if (sessions > v.sessions) throw new Error(`${sessions} sessions from ${v.sessions}`);
        // Unless refunded whole, every session is used, expired or still to use.
        if (sum('vouchers.VoucherRefunded') === 0 && sessions + expiredSessions + state.leftSessions !== v.sessions) throw new Error('sessions lost');
        if (state.leftSessions === 0 && state.status === 'held' && state.leftPence !== 0) throw new Error('every session used, value still held');
        if (history.some((e) => e.type === 'vouchers.VoucherRedeemed' && e.data.pence !== v.pencePerSession)) throw new Error('a session at another price');
      }
      if (state.status === 'expired' && state.leftPence !== 0) throw new Error('an expired voucher holds nothing');
      checked++;
      for (const e of history) seen.set(e.type, (seen.get(e.type) ?? 0) + 1);
    }),
    { numRuns: 400 },
  );
  t.equal(checked, 400, 'every run accounted for');
  for (const type of ['vouchers.VoucherRedeemed', 'vouchers.VoucherRefunded', 'vouchers.VoucherExpired']) t.ok((seen.get(type) ?? 0) > 20, `${type.slice(9)} decided often enough to matter: ${seen.get(type)}`);
});

t.test('money back to the giver: what a refund or an expiry back to them owes, never more', async (t) => {
  const payout = (pence: number, over: Record<string, unknown> = {}) =>
    ({ type: 'RecordPayout', payoutId: uid(0xf1), pence, method: 'bank-transfer', reference: 'REFUND MUM', paidOn: '2026-04-02', recordedBy: treasurer, today: '2026-04-02', accountPoolId: null, ...over }) as VoucherCommand;
  const paidOut = (pence: number, over: Record<string, unknown> = {}): VoucherEvent =>
    ({ type: 'vouchers.VoucherPaidOut', data: { voucherId, networkId, payoutId: uid(0xf1), pence, method: 'bank-transfer', reference: 'REFUND MUM', paidOn: '2026-04-02', recordedBy: treasurer, accountPoolId: null, ...over } }) as VoucherEvent;
  // £50 held; £20 refunded on request: £20 owed.
  const partRefunded = [...amountHeld, refunded(2_000)];
  given(partRefunded).when(payout(2_000)).then(t, [paidOut(2_000)], 'the whole refund paid back');
  given(partRefunded).when(payout(500, { method: 'cheque', reference: 'CHQ 7' })).then(t, [paidOut(500, { method: 'cheque', reference: 'CHQ 7' })], 'or part of it');
  t.match(voucher(...partRefunded, paidOut(500)), { owedToGiver: 1_500, leftPence: 3_000 }, '£15 still owed; £30 still held for the learner');
  t.match(refusedGiven(partRefunded, payout(2_001)), { type: 'more-than-owed-to-giver', status: 422, field: 'pence', message: /£20\.00 is owed/ });
  t.match(refusedGiven([...partRefunded, paidOut(2_000)], payout(1)), { type: 'nothing-owed', status: 409 }, 'paid in full');
  t.match(refusedGiven(amountHeld, payout(1)), { type: 'nothing-owed' }, 'a voucher with no refund owes nothing');
  t.match(refusedGiven(partRefunded, payout(100, { paidOn: '2026-04-03' })), { type: 'date-in-future', field: 'paidOn' });
  // At expiry: £50 back to the giver, or to the learning fund (owing the giver nothing).
  given([...amountHeld, expired(5_000, 0)]).when(payout(5_000, { today: '2028-02-02', paidOn: '2028-02-02' })).then(t, [paidOut(5_000, { paidOn: '2028-02-02' })], 'the expiry back to the giver paid out');
  t.match(refusedGiven([...amountHeld, expired(5_000, 0, '2028-02-01', 'learning-fund')], payout(1, { today: '2028-02-02', paidOn: '2028-02-02' })), { type: 'nothing-owed' }, 'what went to the learning fund is not the giver\'s');
  t.match(voucher(...amountHeld, refunded(1_000), expired(4_000, 0)), { owedToGiver: 5_000 }, 'a refund and the expiry of the rest: both owed');
});

t.test('the learning fund: a payment asked for with a purpose, approved by someone else, never beyond what came in', async (t) => {
  const fundGiven = specFor(fundDecider);
  const payment = uid(0xe1);
  const ask: FundCommand = { type: 'RequestPayment', paymentId: payment, networkId, pence: 3_000, payee: 'Leeds Libraries', purpose: 'Tablets', requestedBy: treasurer, today: '2026-05-01', accountPoolId: null };
  const asked: FundEvent = { type: 'vouchers.FundPaymentRequested', data: { paymentId: payment, networkId, pence: 3_000, payee: 'Leeds Libraries', purpose: 'Tablets', requestedBy: treasurer, requestedOn: '2026-05-01', accountPoolId: null } };
  const approve = (approvedBy: string, received: number): FundCommand => ({ type: 'ApprovePayment', paymentId: payment, networkId, approvedBy, received, today: '2026-05-02' });
  const approved: FundEvent = { type: 'vouchers.FundPaymentApproved', data: { paymentId: payment, networkId, approvedBy: mentor, paidOn: '2026-05-02' } };
  fundGiven([]).when(ask).then(t, [asked]);
  fundGiven([asked]).when(ask).then(t, [], 'asked once');
  fundGiven([asked]).when(approve(mentor, 3_000)).then(t, [approved], 'exactly what came in');
  fundGiven([asked]).when(approve(treasurer, 3_000)).rejects(t, 'own-fund-payment', 'never by whoever asked');
  fundGiven([asked]).when(approve(mentor, 2_999)).rejects(t, 'more-than-the-fund-holds');
  fundGiven([asked, approved]).when(approve(mentor, 3_000)).then(t, [], 'approved once');
  t.equal(fold(fundDecider, [asked, approved]).spent, 3_000);
  const second = uid(0xe2);
  const askedAgain: FundEvent = { type: 'vouchers.FundPaymentRequested', data: { ...asked.data, paymentId: second, pence: 1_000 } } as FundEvent;
  fundGiven([asked, approved, askedAgain]).when({ ...approve(mentor, 3_999), paymentId: second }).rejects(t, 'more-than-the-fund-holds', '£9.99 left after £30 of £39.99');
  fundGiven([]).when(approve(mentor, 1)).rejects(t, 'fund-payment-not-found');
  const rejected: FundEvent = { type: 'vouchers.FundPaymentRejected', data: { paymentId: payment, networkId, rejectedBy: mentor, reason: 'No' } };
  fundGiven([asked]).when({ type: 'RejectPayment', paymentId: payment, networkId, rejectedBy: mentor, reason: 'No' }).then(t, [rejected]);
  fundGiven([asked, rejected]).when(approve(mentor, 9_000)).rejects(t, 'fund-payment-settled');
  fundGiven([asked, approved]).when({ type: 'RejectPayment', paymentId: payment, networkId, rejectedBy: mentor, reason: 'No' }).rejects(t, 'fund-payment-settled');
});
