// Learning vouchers at the application level, on PGlite: the rules that used to sit in the routes.
// Who may redeem a session (a mentor their own, a coordinator for a mentor), whose voucher it is
// (the giver is whoever the caller acts as; the learner a member), who may read it (its giver,
// its learner, those who keep the books), If-Match on a voucher's stream, and time from the clock.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { openHearth } from '../src/hearth.ts';
import { fixedClock } from '../src/clock.ts';
import type { Caller } from '../src/access/caller.ts';
import { membershipDecider, membershipStream, type Role } from '../src/access/membership.ts';
import { decideAcross } from '../src/commands/decide.ts';
import { expireDue, giveVoucher, ownVouchers, recordPayment, redeem, refundVoucher, sessionsOf, setPolicy, voucherFor, vouchersToKeep } from '../src/vouchers/app.ts';
import { finishRedemption, sessionStream, unfinishedRedemptions } from '../src/vouchers/session.ts';
import { voucherStream } from '../src/vouchers/voucher.ts';
import { freshPglite } from './support/db.ts';
import { quietLog, stoppedAfter, testConfig } from './support/hearth.ts';
import { contextFor, refusalAt as refusal } from './support/given.ts';

const clock = fixedClock('2026-03-10T12:00:00.000Z');
const hearth = await openHearth(testConfig({ PROJECTION_POLL_MS: '20', READ_WAIT_MS: '5000' }), quietLog, { database: await freshPglite(), clock });
await hearth.engine.start();
t.teardown(() => hearth.close());
const { store } = hearth;

const networkId = randomUUID();
/** A person enrolled in the network with these roles. */
async function member(...roles: Role[]): Promise<string> {
  const personId = randomUUID();
  await hearth.vault.ensureKey(personId);
  const enrol = { type: 'EnrolMember' as const, networkId, personId, approvedBy: personId, roles, now: clock.now().toISOString() };
  await decideAcross(store, { membership: [membershipStream(networkId, personId), membershipDecider] }, ({ membership }) => ({ membership: membershipDecider.decide(enrol, membership) }), contextFor(personId));
  return personId;
}
/** A caller acting for themselves, or for the member named, under a fresh command id. */
const as = (personId: string, more: Partial<Caller> = {}): Caller => ({ personId, onBehalfOf: null, commandId: randomUUID(), correlationId: randomUUID(), ...more });
const caughtUp = async () => t.ok(await hearth.engine.waitFor(['vouchers'], await store.headPosition(), 10_000));

const [coordinator, treasurer, mentor, otherMentor, giver, learner, neighbour] = [
  await member('coordinator'), await member('treasurer'), await member('mentor'), await member('mentor'), await member('family'), await member('member'), await member('member'),
];
const stranger = randomUUID();

/** A voucher the giver gave the learner today, and its money recorded. */
async function paidVoucher(pence = 6_000) {
  const { voucherId } = await giveVoucher(hearth, as(giver), { networkId, learnerId: learner, value: { kind: 'amount', pence }, occasion: 'Birthday', message: 'Love, G' });
  await recordPayment(hearth, as(treasurer), { networkId, voucherId, pence, reference: 'BACS', receivedOn: '2026-03-10' });
  return voucherId;
}
const share = (voucherId: string | null, pence: number) => ({ learnerId: learner, voucherId, pence });
let hour = 8;
/** A session of today, each at an hour of its own. */
const session = (voucherId: string, more: { mentorId?: string } = {}) => ({ networkId, startsAt: `2026-03-10T${String(hour++).padStart(2, '0')}:00:00.000Z`, activity: 'Watercolours', feePence: null, shares: [share(voucherId, 1_000)], ...more });

t.test('who may redeem a session', async (t) => {
  const voucherId = await paidVoucher();
  const own = await redeem(hearth, as(mentor), session(voucherId));
  const deliveredIn = async (sessionId: string) => (await store.readStream(sessionStream(sessionId))).find((e) => e.type === 'vouchers.SessionDelivered');
  const delivered = await deliveredIn(own.sessionId);
  t.match(delivered, { data: { mentorId: mentor, recordedBy: mentor }, metadata: { actor: mentor, onBehalfOf: null } }, 'a mentor redeems a session they gave');
  t.equal(await refusal(redeem(hearth, as(mentor), session(voucherId, { mentorId: otherMentor }))), 'forbidden', 'but not one another mentor gave');
  t.equal(await refusal(redeem(hearth, as(coordinator), session(voucherId))), 'mentor-required at mentorId', 'a coordinator names the mentor');
  t.equal(await refusal(redeem(hearth, as(coordinator), session(voucherId, { mentorId: neighbour }))), 'not-a-mentor at mentorId', 'and only a mentor of the network');
  t.equal(await refusal(redeem(hearth, as(coordinator), session(voucherId, { mentorId: stranger }))), 'not-a-mentor at mentorId', 'not someone from outside it');
  t.equal(await refusal(redeem(hearth, as(treasurer), session(voucherId))), 'mentor-required at mentorId', 'a treasurer is no mentor');
  const recorded = await redeem(hearth, as(coordinator), session(voucherId, { mentorId: otherMentor }));
  const forMentor = await deliveredIn(recorded.sessionId);
  t.match(forMentor, { data: { mentorId: otherMentor, recordedBy: coordinator }, metadata: { actor: coordinator, onBehalfOf: otherMentor } }, "a coordinator records a mentor's session on the mentor's behalf");
  t.equal(
    await refusal(redeem(hearth, as(mentor), { ...session(voucherId), shares: [{ learnerId: stranger, voucherId: null, pence: 500 }] })),
    'unknown-member at shares/0/learnerId',
    'every learner is a member of the network',
  );

  await caughtUp();
  const mine = await sessionsOf(hearth, as(mentor), { networkId });
  t.same(mine.sessions.map((s) => s.sessionId), [own.sessionId], 'a mentor reads their own sessions');
  t.same((await sessionsOf(hearth, as(coordinator, { onBehalfOf: otherMentor }), { networkId })).sessions.map((s) => s.sessionId), [recorded.sessionId], "a coordinator a mentor's, for them");
});

t.test("a voucher's giver and learner", async (t) => {
  const gift = { networkId, learnerId: learner, value: { kind: 'amount' as const, pence: 2_000 }, occasion: 'Thank you', message: 'From us' };
  const forGiver = as(coordinator, { onBehalfOf: giver });
  const given = await giveVoucher(hearth, forGiver, gift);
  const [bought] = await store.readStream(voucherStream(given.voucherId));
  t.match(bought, { data: { giverId: giver, learnerId: learner, boughtOn: '2026-03-10' }, metadata: { actor: coordinator, onBehalfOf: giver } }, 'the giver is the member the coordinator acts for');
  const again = await giveVoucher(hearth, forGiver, gift);
  t.equal(again.voucherId, given.voucherId, 'the voucher id follows from the command: a retry gives the same voucher');
  t.equal((await store.readStream(voucherStream(given.voucherId))).length, 1, 'bought once');
  t.equal(await refusal(giveVoucher(hearth, as(giver), { ...gift, learnerId: giver })), 'own-voucher at learnerId', 'a voucher is a gift to someone else');
  t.equal(await refusal(giveVoucher(hearth, as(giver), { ...gift, learnerId: stranger })), 'unknown-member at learnerId', 'to a member of the network');

  await caughtUp();
  for (const [who, reader] of [['its giver', giver], ['its learner', learner], ['the treasurer', treasurer], ['a coordinator', coordinator]] as const) {
    const seen = await voucherFor(hearth, as(reader), { networkId, voucherId: given.voucherId });
    t.match(seen, { voucher: { voucherId: given.voucherId, message: 'From us' }, revision: 0 }, `${who} sees it, with its revision`);
  }
  for (const [who, reader] of [['another member', neighbour], ['a mentor', mentor]] as const) {
    t.equal(await refusal(voucherFor(hearth, as(reader), { networkId, voucherId: given.voucherId })), 'forbidden', `${who} does not`);
  }
  t.equal(await refusal(voucherFor(hearth, as(treasurer), { networkId: randomUUID(), voucherId: given.voucherId })), 'voucher-not-found', 'nor is it found through another network');
  t.same((await ownVouchers(hearth, as(giver), { networkId, as: 'giver' })).items.map((v) => v.voucherId).includes(given.voucherId), true, "among the giver's gifts");
  t.same((await ownVouchers(hearth, as(learner), { networkId, as: 'learner' })).items.map((v) => v.voucherId).includes(given.voucherId), true, "and the learner's vouchers");
  t.same((await ownVouchers(hearth, as(learner), { networkId, as: 'giver' })).items, [], 'the learner gave none');
});

t.test("If-Match on a voucher's stream", async (t) => {
  const { voucherId, revision } = await giveVoucher(hearth, as(giver), { networkId, learnerId: learner, value: { kind: 'amount', pence: 3_000 }, occasion: 'Birthday', message: '' });
  const pay = (ifMatch: number) => recordPayment(hearth, as(treasurer, { ifMatch }), { networkId, voucherId, pence: 3_000, reference: 'BACS', receivedOn: '2026-03-10' });
  t.equal(await refusal(pay(revision + 1)), `stale: now ${revision}`, 'a payment against a revision the voucher is not at is refused');
  t.equal((await store.readStream(voucherStream(voucherId))).length, 1, 'and writes nothing');
  const paid = await pay(revision);
  t.equal(paid.revision, revision + 1, 'against the revision read, it is written');
  t.equal(await refusal(redeem(hearth, as(mentor, { ifMatch: revision }), session(voucherId))), `stale: now ${paid.revision}`, 'a redemption against an old revision is refused');
  const used = await redeem(hearth, as(mentor, { ifMatch: paid.revision }), session(voucherId));
  t.equal(used.voucherRevision, paid.revision + 1, "a session paid by one voucher answers with the voucher's revision");
  const other = await paidVoucher(1_000);
  t.equal(
    await refusal(redeem(hearth, as(mentor, { ifMatch: 1 }), { ...session(voucherId), shares: [share(voucherId, 500), share(other, 500)] })),
    'if-match-one-voucher at shares',
    'If-Match names one voucher, not a group session paid by several',
  );
  t.equal(await refusal(refundVoucher(hearth, as(treasurer, { ifMatch: paid.revision }), { networkId, voucherId, pence: 100, reason: 'Moved' })), `stale: now ${used.voucherRevision}`, 'a refund too');
  t.equal(await refusal(setPolicy(hearth, as(coordinator, { ifMatch: 3 }), { networkId, policy: { expiryMonths: 1, atExpiry: 'learning-fund' } })), 'stale: now -1', "and the network's policy, never set");
});

t.test('time comes from the clock', async (t) => {
  await setPolicy(hearth, as(coordinator), { networkId, policy: { expiryMonths: 1, atExpiry: 'learning-fund' } });
  const given = await giveVoucher(hearth, as(giver), { networkId, learnerId: learner, value: { kind: 'sessions', activity: 'Pottery', sessions: 2, pencePerSession: 1_000 }, occasion: 'Spring', message: '' });
  t.equal(given.expiresOn, '2026-04-10', "a month from the clock's day, under the policy now");
  await recordPayment(hearth, as(treasurer), { networkId, voucherId: given.voucherId, pence: 2_000, reference: 'CASH', receivedOn: '2026-03-10' });
  t.equal(await refusal(recordPayment(hearth, as(treasurer), { networkId, voucherId: given.voucherId, pence: 2_000, reference: 'CASH', receivedOn: '2026-03-11' })), 'allowed', 'paid already: nothing more to do');
  t.equal(
    await refusal(redeem(hearth, as(mentor), { networkId, startsAt: '2026-03-11T10:00:00.000Z', activity: 'Pottery', feePence: null, shares: [{ learnerId: learner, voucherId: given.voucherId, pence: null }] })),
    'date-in-future at startsAt',
    "a session after the clock's day has not been delivered",
  );
  await caughtUp();
  t.same((await expireDue(hearth, as(treasurer), { networkId })).expired.filter((x) => x.voucherId === given.voucherId), [], 'not expired on the clock of today');
  clock.set('2026-04-11T09:00:00.000Z');
  const expired = await expireDue(hearth, as(treasurer), { networkId });
  t.same(expired.expired.filter((x) => x.voucherId === given.voucherId), [{ voucherId: given.voucherId, pence: 2_000, sessions: 2, disposition: 'learning-fund' }], 'expired once the clock passes its last day');
  const [event] = (await store.readStream(voucherStream(given.voucherId))).filter((e) => e.type === 'vouchers.VoucherExpired');
  t.match(event, { data: { expiredOn: '2026-04-11' }, metadata: { recordedAt: '2026-04-11T09:00:00.000Z' } }, "dated and recorded by the clock's time");
});

t.test('the vouchers the treasurer acts on: waiting for their money, then held; never with the message', async (t) => {
  const today = clock.now().toISOString().slice(0, 10);
  const { voucherId } = await giveVoucher(hearth, as(giver), { networkId, learnerId: learner, value: { kind: 'amount', pence: 2_500 }, occasion: 'Easter', message: 'For Mum, with love' });
  await caughtUp();
  const waiting = (await vouchersToKeep(hearth, as(treasurer), { networkId, status: 'awaiting-payment' })).items;
  t.match(waiting.find((v) => v.voucherId === voucherId), { status: 'awaiting-payment', pricePence: 2_500, paidOn: null });
  t.notOk(JSON.stringify(waiting).includes('with love'), "the giver's message is not in it, sealed or opened");
  t.notOk((await vouchersToKeep(hearth, as(treasurer), { networkId, status: 'held' })).items.some((v) => v.voucherId === voucherId));
  await recordPayment(hearth, as(treasurer), { networkId, voucherId, pence: 2_500, reference: 'BACS', receivedOn: today });
  await caughtUp();
  t.notOk((await vouchersToKeep(hearth, as(treasurer), { networkId, status: 'awaiting-payment' })).items.some((v) => v.voucherId === voucherId), 'no longer waiting');
  t.match((await vouchersToKeep(hearth, as(treasurer), { networkId, status: 'held' })).items.find((v) => v.voucherId === voucherId), { status: 'held', paidOn: today, leftPence: 2_500 });
  t.same((await vouchersToKeep(hearth, as(treasurer), { networkId: randomUUID(), status: 'held' })).items, [], "another network's are not listed");
});

t.test('a session paid by two vouchers, stopped after the first was drawn on: when the second no longer holds enough, the first is given back and the session is not redeemed', async (t) => {
  const was = clock.now();
  clock.set('2026-03-10T12:00:00.000Z');
  t.teardown(() => clock.set(was));
  const [first, second] = [await paidVoucher(2_000), await paidVoucher(2_000)];
  const group = { ...session(first), feePence: 3_000, shares: [share(first, 1_500), share(second, 1_500)] };
  const request = as(mentor);
  await t.rejects(redeem(stoppedAfter(hearth, 2), request, group), /stopped/);
  // Meanwhile another session uses £6 of the second voucher: £14 is left, and the group planned £15.
  await redeem(hearth, as(otherMentor), { ...session(second), shares: [share(second, 600)] });
  await caughtUp();
  const [sessionId] = await unfinishedRedemptions(hearth);
  t.ok(sessionId, "found in flight by the sweeper's look");
  await Promise.all([finishRedemption(hearth, sessionId!), finishRedemption(hearth, sessionId!)]);
  t.equal(await refusal(redeem(hearth, request, group)), 'more-than-left', 'the retried request is answered with why the voucher could not pay');
  const types = async (streamId: string) => (await store.readStream(streamId)).map((e) => e.type);
  t.same(await types(voucherStream(first)), ['vouchers.VoucherBought', 'vouchers.VoucherPaid', 'vouchers.VoucherRedeemed', 'vouchers.RedemptionReturned'], 'the first voucher drawn on, then given back, once');
  t.equal((await types(voucherStream(second))).filter((type) => type === 'vouchers.VoucherDrawRefused').length, 1, 'the second refused the draw, once');
  t.same(await types(sessionStream(sessionId!)), ['vouchers.SessionRedemptionStarted', 'vouchers.SessionRedemptionRefused'], 'the session not redeemed');
  await caughtUp();
  t.match(await voucherFor(hearth, as(learner), { networkId, voucherId: first }), { voucher: { leftPence: 2_000 }, uses: [] }, 'the first voucher holds all it did, and shows no use');
  t.same(await unfinishedRedemptions(hearth), [], 'nothing left in flight');
  t.equal(await refusal(redeem(hearth, as(mentor), { ...group, shares: [share(first, 1_500), share(second, 1_400)], feePence: 2_900 })), 'allowed', 'the session can be redeemed again, as the vouchers now allow');
});
