// Confirming and reversing an exchange as processes, one account written at a time, on PGlite: a
// process stopped after any of its writes is finished by whoever comes next, at the same time
// even, and each posting is written once; an account that refuses its posting in between is
// recorded, the postings made are given back, and the exchange waits again; a sweeper finishes
// what a stopped process left.
import t from 'tap';
import { giftOf } from '../src/timebank/reads.ts';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Writable } from 'node:stream';
import { openHearth } from '../src/hearth.ts';
import { fixedClock } from '../src/clock.ts';
import { Rejection } from '../src/commands/decider.ts';
import { domainEvents } from '../src/eventstore/events.ts';
import { exchangeStream } from '../src/timebank/exchange.ts';
import { confirmExchange, donateToChest, grantFromChest, logExchange, reverseExchange, reverseGift, setMemberLimits } from '../src/timebank/app.ts';
import { giftStream } from '../src/timebank/gift.ts';
import { accountStream, COMMUNITY } from '../src/timebank/account.ts';
import { finishExchange, finishGift, unfinishedExchanges, unfinishedGifts } from '../src/timebank/settlement.ts';
import { keepFinishing } from '../src/processes.ts';
import { freshPglite } from './support/db.ts';
import { caughtUp, quietLog, stoppedAfter as stoppedWith, testConfig } from './support/hearth.ts';
import { callerFor, enrol, openNetwork } from './support/timebank.ts';

const clock = fixedClock('2026-12-04T10:00:00Z');
const hearth = await openHearth(testConfig(), quietLog, { database: await freshPglite(), clock });
await hearth.engine.start();
t.teardown(() => hearth.close());

const stoppedAfter = (writes: number) => stoppedWith(hearth, writes);

async function setting() {
  const coordinator = randomUUID();
  const networkId = await openNetwork(hearth, 'Chapeltown Time Bank', coordinator);
  const [ann, bob] = [await enrol(hearth, networkId, randomUUID()), await enrol(hearth, networkId, randomUUID())];
  const { exchangeId } = await logExchange(hearth, callerFor(ann), { networkId, providerId: ann, receiverId: bob, minutes: 60, category: 'shopping', description: 'Weekly shop', occurredOn: '2026-12-03' });
  return { networkId, coordinator, ann, bob, exchangeId };
}

const typesIn = async (stream: string) => (await hearth.store.readStream(stream)).map((e) => e.type);
const balanceOf = async (networkId: string, holder: string) =>
  domainEvents(await hearth.store.readStream(accountStream(networkId, holder))).reduce((sum, e) => sum + (e.type === 'timebank.Posted' ? (e.data as { minutes: number }).minutes : 0), 0);

/** Runs the sweeper, looking every 100 ms, until the stream's last event is `ended` (five seconds at most); answers what it logged. */
async function sweptUntil(stream: string, ended: string): Promise<string[]> {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
  const stop = keepFinishing({ ...hearth, log }, 100);
  for (let i = 0; i < 100 && (await typesIn(stream)).at(-1) !== ended; i++) await new Promise((r) => setTimeout(r, 50));
  await stop();
  return lines;
}

t.test('a confirmation stopped after any of its writes is finished once, by three at once and by the retried request', async (t) => {
  // Writes: the beginning, the receiver's posting, the provider's, the end.
  for (const writes of [1, 2, 3]) {
    await t.test(`stopped after ${writes}`, async (t) => {
      const { networkId, ann, bob, exchangeId } = await setting();
      const request = callerFor(bob);
      await t.rejects(confirmExchange(stoppedAfter(writes), request, { networkId, exchangeId }), /stopped/);
      t.equal((await typesIn(exchangeStream(exchangeId))).at(-1), 'timebank.ExchangeConfirmationStarted', 'left in flight');
      await Promise.all([finishExchange(hearth, exchangeId), finishExchange(hearth, exchangeId), finishExchange(hearth, exchangeId)]);
      const again = await confirmExchange(hearth, request, { networkId, exchangeId });
      t.same(await typesIn(exchangeStream(exchangeId)), ['timebank.ExchangeLogged', 'timebank.ExchangeConfirmationStarted', 'timebank.ExchangeConfirmed'], 'begun once, confirmed once');
      t.same(await typesIn(accountStream(networkId, bob)), ['timebank.Posted'], 'the receiver posted once');
      t.same(await typesIn(accountStream(networkId, ann)), ['timebank.Posted'], 'the provider posted once');
      t.equal(await balanceOf(networkId, ann), 60);
      t.equal(await balanceOf(networkId, bob), -60);
      t.equal(again.revision, 2, 'the retried request answers with the exchange as it ended');
    });
  }
});

t.test('an account that refuses its posting after confirming began: recorded, the receiver given back, the exchange waiting again', async (t) => {
  const { networkId, coordinator, ann, bob, exchangeId } = await setting();
  const request = callerFor(bob);
  await t.rejects(confirmExchange(stoppedAfter(1), request, { networkId, exchangeId }), /stopped/);
  await caughtUp(hearth);
  t.same(await unfinishedExchanges(hearth), [exchangeId], 'seen in flight');
  // Checked when it began, Ann's posting passes; her limit is lowered before it is made.
  await setMemberLimits(hearth, callerFor(coordinator), { networkId, personId: ann, lowerMinutes: null, upperMinutes: 30, reason: 'New to the bank' });

  const outcome = await finishExchange(hearth, exchangeId);
  t.match(outcome, { refused: { problem: 'limit-reached', detail: /above their limit of 0:30/ } });
  t.same(await typesIn(accountStream(networkId, bob)), ['timebank.Posted', 'timebank.Posted'], 'the receiver posted, then given back');
  t.match(domainEvents(await hearth.store.readStream(accountStream(networkId, bob))).map((e) => e.data), [{ minutes: -60, reason: 'exchange' }, { minutes: 60, reason: 'reversal' }]);
  t.same((await typesIn(accountStream(networkId, ann))).at(-1), 'timebank.PostingRefused', 'the refusal recorded where the posting would be');
  t.equal(await balanceOf(networkId, ann), 0);
  t.equal(await balanceOf(networkId, bob), 0);
  t.equal((await typesIn(exchangeStream(exchangeId))).at(-1), 'timebank.ExchangeConfirmationRefused');
  const head = await hearth.store.headPosition();
  t.match(await finishExchange(hearth, exchangeId), { state: { status: 'logged' }, refused: { problem: 'limit-reached' } }, 'nothing left in flight: finishing again answers how it ended');
  t.equal(await hearth.store.headPosition(), head, 'and writes nothing');

  const retried = await confirmExchange(hearth, request, { networkId, exchangeId }).catch((err: unknown) => err);
  t.ok(retried instanceof Rejection && retried.type === 'limit-reached' && retried.status === 409, 'the retried request answers the refusal');
  await caughtUp(hearth);
  const row = await hearth.database.db.selectFrom('timebank_exchanges').select('status').where('exchange_id', '=', exchangeId).executeTakeFirstOrThrow();
  t.equal(row.status, 'logged', 'waiting again, as the member sees it');

  await setMemberLimits(hearth, callerFor(coordinator), { networkId, personId: ann, lowerMinutes: null, upperMinutes: null, reason: 'Settled in' });
  await confirmExchange(hearth, callerFor(bob), { networkId, exchangeId });
  t.equal(await balanceOf(networkId, ann), 60, 'confirmed later, once the limit allows');
  t.equal(await balanceOf(networkId, bob), -60);
});

t.test('a reversal stopped half way is finished, and the balances go back', async (t) => {
  const { networkId, coordinator, ann, bob, exchangeId } = await setting();
  await confirmExchange(hearth, callerFor(bob), { networkId, exchangeId });
  await t.rejects(reverseExchange(stoppedAfter(2), callerFor(coordinator), { networkId, exchangeId, reason: 'Logged against the wrong member' }), /stopped/);
  await caughtUp(hearth);
  const row = await hearth.database.db.selectFrom('timebank_exchanges').select('status').where('exchange_id', '=', exchangeId).executeTakeFirstOrThrow();
  t.equal(row.status, 'reversing', 'shown as being reversed meanwhile');
  await finishExchange(hearth, exchangeId);
  t.equal((await typesIn(exchangeStream(exchangeId))).at(-1), 'timebank.ExchangeReversed');
  t.equal(await balanceOf(networkId, ann), 0);
  t.equal(await balanceOf(networkId, bob), 0);
});

t.test('the sweeper finishes what a stopped process left, after seeing it twice, and logs the exchange only', async (t) => {
  const { networkId, bob, exchangeId } = await setting();
  await t.rejects(confirmExchange(stoppedAfter(2), callerFor(bob), { networkId, exchangeId }), /stopped/);
  await caughtUp(hearth);
  const lines = await sweptUntil(exchangeStream(exchangeId), 'timebank.ExchangeConfirmed');
  t.equal((await typesIn(exchangeStream(exchangeId))).at(-1), 'timebank.ExchangeConfirmed', 'finished');
  t.equal(await balanceOf(networkId, bob), -60);
  t.ok(lines.some((l) => l.includes(exchangeId) && l.includes('finished')), 'logged by its id');
  t.notOk(lines.some((l) => /Weekly shop|Member /.test(l)), 'nothing about the people');
});

// Gifts to and from the network's own accounts: the same, one account at a time.

/** The gift the chest's last posting belongs to. */
const lastGiftOn = async (networkId: string) => (domainEvents(await hearth.store.readStream(accountStream(networkId, COMMUNITY))).at(-1)!.data as { ref: string }).ref;

t.test('a donation and a grant stopped after any of their writes are finished once, by three at once and by the retried request', async (t) => {
  // Writes: the beginning, the first account, the second, the end.
  for (const writes of [1, 2, 3]) {
    await t.test(`stopped after ${writes}`, async (t) => {
      const { networkId, coordinator, ann, bob } = await setting();
      const donation = callerFor(ann);
      await t.rejects(donateToChest(stoppedAfter(writes), donation, { networkId, minutes: 45 }), /stopped/);
      await caughtUp(hearth);
      const [giftId] = await unfinishedGifts(hearth);
      t.ok(giftId, 'seen in flight');
      await Promise.all([finishGift(hearth, giftId!), finishGift(hearth, giftId!), finishGift(hearth, giftId!)]);
      await donateToChest(hearth, donation, { networkId, minutes: 45 });
      t.same(await typesIn(giftStream(giftId!)), ['timebank.GiftBegun', 'timebank.GiftEnded'], 'begun once, ended once');
      t.equal(await balanceOf(networkId, ann), -45, 'the member gave once');
      t.equal(await balanceOf(networkId, COMMUNITY), 45, 'the chest received once');

      const grant = callerFor(coordinator);
      await t.rejects(grantFromChest(stoppedAfter(writes), grant, { networkId, personId: bob, minutes: 30 }), /stopped/);
      await grantFromChest(hearth, grant, { networkId, personId: bob, minutes: 30 });
      t.equal(await balanceOf(networkId, COMMUNITY), 15, 'the chest granted once');
      t.equal(await balanceOf(networkId, bob), 30, 'the member received once');
      await caughtUp(hearth);
      t.same(await unfinishedGifts(hearth), [], 'nothing left in flight');
    });
  }
});

t.test('a grant whose member reached their limit after it began: refused, the chest given back, and it cannot be reversed', async (t) => {
  const { networkId, coordinator, ann, bob } = await setting();
  await donateToChest(hearth, callerFor(ann), { networkId, minutes: 60 });
  await t.rejects(grantFromChest(stoppedAfter(1), callerFor(coordinator), { networkId, personId: bob, minutes: 60 }), /stopped/);
  await caughtUp(hearth);
  const [giftId] = await unfinishedGifts(hearth);
  await setMemberLimits(hearth, callerFor(coordinator), { networkId, personId: bob, lowerMinutes: null, upperMinutes: 30, reason: 'New to the bank' });
  t.match(await finishGift(hearth, giftId!), { refused: { problem: 'limit-reached', detail: /above their limit of 0:30/ } });
  t.match(domainEvents(await hearth.store.readStream(accountStream(networkId, COMMUNITY))).map((e) => e.data), [{ minutes: 60, reason: 'donation' }, { minutes: -60, reason: 'grant' }, { minutes: 60, reason: 'reversal' }], 'the chest granted, then given back');
  t.equal((await typesIn(accountStream(networkId, bob))).at(-1), 'timebank.PostingRefused');
  t.equal(await balanceOf(networkId, bob), 0);
  t.equal(await balanceOf(networkId, COMMUNITY), 60);
  t.equal((await typesIn(giftStream(giftId!))).at(-1), 'timebank.GiftRefused');
  const reversal = await reverseGift(hearth, callerFor(coordinator), { networkId, ref: giftId!, reason: 'Never made' }).catch((err: unknown) => err);
  t.ok(reversal instanceof Rejection && reversal.type === 'gift-not-found', 'a grant that was refused is not there to take back');
  await caughtUp(hearth);
  t.match(await giftOf(hearth, callerFor(coordinator), { networkId, ref: giftId! }), { status: 'refused', reversed: false }, 'and the list of gifts says it was refused, not reversed');
});

t.test('a gift\'s reversal stopped half way is finished by the sweeper, once', async (t) => {
  const { networkId, coordinator, ann } = await setting();
  await donateToChest(hearth, callerFor(ann), { networkId, minutes: 40 });
  const giftId = await lastGiftOn(networkId);
  await t.rejects(reverseGift(stoppedAfter(2), callerFor(coordinator), { networkId, ref: giftId, reason: 'Given by mistake' }), /stopped/);
  await caughtUp(hearth);
  const lines = await sweptUntil(giftStream(giftId), 'timebank.GiftEnded');
  t.same(await typesIn(giftStream(giftId)), ['timebank.GiftBegun', 'timebank.GiftEnded', 'timebank.GiftBegun', 'timebank.GiftEnded'], 'given, then taken back');
  t.equal(await balanceOf(networkId, ann), 0);
  t.equal(await balanceOf(networkId, COMMUNITY), 0);
  t.ok(lines.some((l) => l.includes(giftId) && l.includes('finished')), 'logged by its id');
  const again = await reverseGift(hearth, callerFor(coordinator), { networkId, ref: giftId, reason: 'Again' }).catch((err: unknown) => err);
  t.ok(again instanceof Rejection && again.type === 'already-reversed', 'once only');
  await caughtUp(hearth);
  t.match(await giftOf(hearth, callerFor(coordinator), { networkId, ref: giftId }), { status: 'reversed', reversed: true }, 'listed as reversed');
});
