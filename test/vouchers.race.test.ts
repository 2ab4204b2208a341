// Learning vouchers against real PostgreSQL concurrency: however many redemptions come at once, a
// session is redeemed once, a voucher never gives more than it holds, and a session that cannot
// be paid for in full writes nothing anywhere.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { contextFor, refused } from './support/given.ts';
import { racingHearth } from './support/hearth.ts';
import { readStates } from '../src/commands/decide.ts';
import type { EventStore } from '../src/eventstore/port.ts';
import { buyVoucher, onVoucher } from '../src/vouchers/commands.ts';
import { priceOf, voucherDecider, voucherStream, type VoucherState, type VoucherValue } from '../src/vouchers/voucher.ts';
import { redeemSession, sessionIdFor, sessionStream, type SessionPayment } from '../src/vouchers/session.ts';

// Taken afresh for each test, so that a run across midnight does not date one step yesterday and the next today.
let today = new Date().toISOString().slice(0, 10);
t.beforeEach(() => {
  today = new Date().toISOString().slice(0, 10);
});
const at = (hour: number) => `${today}T${String(hour).padStart(2, '0')}:00:00.000Z`;

/** A voucher bought for the learner and paid for: its value held. */
async function heldVoucher(store: EventStore, networkId: string, learnerId: string, value: VoucherValue) {
  const [voucherId, giver, treasurer] = [randomUUID(), randomUUID(), randomUUID()];
  await buyVoucher(store, { voucherId, networkId, giverId: giver, learnerId, value, occasion: 'Birthday', message: 'sealed', today }, contextFor(giver));
  await onVoucher(store, networkId, voucherId, { type: 'RecordPayment', pence: priceOf(value), reference: 'GIFT', receivedOn: today, recordedBy: treasurer, today }, contextFor(treasurer));
  return voucherId;
}
const voucherNow = async (store: EventStore, voucherId: string) => voucherIn((await readStates(store, { voucher: [voucherStream(voucherId), voucherDecider] })).voucher);
const voucherIn = (state: VoucherState) => {
  if (state.status === 'none') throw new Error('no such voucher');
  return state;
};
const typesOf = async (store: EventStore, streamId: string) => (await store.readStream(streamId)).map((e) => e.type);

const computerSkills: VoucherValue = { kind: 'sessions', activity: 'Computer skills', sessions: 6, pencePerSession: 1_500 };

t.test('the same session redeemed by two requests at once is redeemed once', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const { store } = hearth;
  for (let round = 0; round < 5; round++) {
    const [networkId, mum, mentor] = [randomUUID(), randomUUID(), randomUUID()];
    const voucherId = await heldVoucher(store, networkId, mum, computerSkills);
    const payment: SessionPayment = { networkId, mentorId: mentor, activity: 'Computer skills', startsAt: at(10), feePence: null, shares: [{ learnerId: mum, voucherId, pence: null }], recordedBy: mentor };
    // Two requests with different command ids: a double click past the idempotency key, or two devices.
    const outcomes = await Promise.all([0, 1].map(() => refused(redeemSession(hearth, payment, today, contextFor(mentor)))));
    t.same([...outcomes].sort(), [null, 'session-redeemed'].sort(), `round ${round}: one redeems it, the other is refused`);
    t.match(await voucherNow(store, voucherId), { status: 'held', leftSessions: 5, leftPence: 7_500 }, 'one session of six, £15 of £90, taken once');
    t.same(await typesOf(store, voucherStream(voucherId)), ['vouchers.VoucherBought', 'vouchers.VoucherPaid', 'vouchers.VoucherRedeemed']);
    t.same(await typesOf(store, sessionStream(sessionIdFor(networkId, mentor, at(10)))), ['vouchers.SessionRedemptionStarted', 'vouchers.SessionDelivered'], 'the session begun and recorded once');
  }
});

t.test('many sessions racing for one voucher: as many as it holds go through, no more', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const { store } = hearth;
  for (let round = 0; round < 4; round++) {
    const [networkId, learner] = [randomUUID(), randomUUID()];
    // £50 on an amount voucher; eight sessions of £15 by eight mentors at once: room for three.
    const amount = await heldVoucher(store, networkId, learner, { kind: 'amount', pence: 5_000 });
    const mentors = Array.from({ length: 8 }, () => randomUUID());
    const session = (mentor: string): SessionPayment => ({ networkId, mentorId: mentor, activity: 'Watercolours', startsAt: at(9), feePence: null, shares: [{ learnerId: learner, voucherId: amount, pence: 1_500 }], recordedBy: mentor });
    const outcomes = await Promise.all(mentors.map((m) => refused(redeemSession(hearth, session(m), today, contextFor(m)))));
    t.equal(outcomes.filter((o) => o === null).length, 3, `round ${round}: three sessions paid for`);
    t.same(outcomes.filter((o) => o !== null), Array(5).fill('more-than-left'), 'the rest refused: more than is left');
    t.match(await voucherNow(store, amount), { status: 'held', leftPence: 500 }, '£5 left, never below nothing');
    const recorded = await Promise.all(mentors.map(async (m) => (await typesOf(store, sessionStream(sessionIdFor(networkId, m, at(9))))).filter((type) => type === 'vouchers.SessionDelivered').length));
    t.same(recorded, outcomes.map((o) => (o === null ? 1 : 0)), 'only the sessions paid for are recorded');

    // Three sessions of Pottery left on a sessions voucher; six mentors at once.
    const pottery = await heldVoucher(store, networkId, learner, { kind: 'sessions', activity: 'Pottery', sessions: 3, pencePerSession: 2_000 });
    const potters = Array.from({ length: 6 }, () => randomUUID());
    const potted = await Promise.all(
      potters.map((m) => refused(redeemSession(hearth, { networkId, mentorId: m, activity: 'Pottery', startsAt: at(14), feePence: null, shares: [{ learnerId: learner, voucherId: pottery, pence: null }], recordedBy: m }, today, contextFor(m)))),
    );
    t.equal(potted.filter((o) => o === null).length, 3, 'three sessions of three');
    t.same(potted.filter((o) => o !== null), Array(3).fill('nothing-left'));
    t.match(await voucherNow(store, pottery), { status: 'held', leftPence: 0, leftSessions: 0 }, 'used up exactly');
  }
});

t.test('a group session and a single session racing for the last of a voucher: the loser writes nothing', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const { store } = hearth;
  const wins = { group: 0, single: 0 };
  for (let round = 0; round < 8; round++) {
    const [networkId, edna, walter, mary, choir, tutor] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const ednas = await heldVoucher(store, networkId, edna, { kind: 'amount', pence: 1_000 });
    const walters = await heldVoucher(store, networkId, walter, { kind: 'amount', pence: 2_500 });
    // Singing for the brain, £24: £10 from Edna's voucher, £10 from Walter's, £4 from Mary herself.
    const group: SessionPayment = {
      networkId, mentorId: choir, activity: 'Singing for the brain', startsAt: at(11), feePence: 2_400, recordedBy: choir,
      shares: [{ learnerId: edna, voucherId: ednas, pence: 1_000 }, { learnerId: walter, voucherId: walters, pence: 1_000 }, { learnerId: mary, voucherId: null, pence: 400 }],
    };
    // And a tablet lesson for Edna, wanting the same £10.
    const single: SessionPayment = { networkId, mentorId: tutor, activity: 'Computer skills', startsAt: at(12), feePence: null, shares: [{ learnerId: edna, voucherId: ednas, pence: 1_000 }], recordedBy: tutor };
    const [groupOutcome, singleOutcome] = await Promise.all([refused(redeemSession(hearth, group, today, contextFor(choir))), refused(redeemSession(hearth, single, today, contextFor(tutor)))]);
    t.same([groupOutcome, singleOutcome].sort(), [null, 'more-than-left'].sort(), `round ${round}: one wins, the other is refused`);
    const groupWon = groupOutcome === null;
    wins[groupWon ? 'group' : 'single']++;

    const [groupSession, singleSession] = [sessionStream(sessionIdFor(networkId, choir, at(11))), sessionStream(sessionIdFor(networkId, tutor, at(12)))];
    const delivered = async (streamId: string) => (await typesOf(store, streamId)).includes('vouchers.SessionDelivered');
    t.equal(await delivered(groupSession), groupWon, 'the group session is recorded only if it won');
    t.equal(await delivered(singleSession), !groupWon, 'and the single session only if it won');
    t.match(await voucherNow(store, ednas), { leftPence: 0 }, "Edna's voucher used once, to the penny");
    t.equal((await typesOf(store, voucherStream(ednas))).filter((type) => type === 'vouchers.VoucherRedeemed').length, 1);
    t.equal((await voucherNow(store, walters)).leftPence, groupWon ? 1_500 : 2_500, "Walter's voucher is touched only by the group session that was recorded");
    const walterTypes = await typesOf(store, voucherStream(walters));
    t.equal(walterTypes.filter((type) => type === 'vouchers.VoucherRedeemed').length - walterTypes.filter((type) => type === 'vouchers.RedemptionReturned').length, groupWon ? 1 : 0, 'drawn on once if the group won; any draw of a group that lost given back');
  }
  t.equal(wins.group + wins.single, 8, `every round had a winner (group ${wins.group}, single ${wins.single})`);
});
