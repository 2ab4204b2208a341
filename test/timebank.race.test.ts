// The time bank's races, on PostgreSQL: confirmations racing for one member's limit (exactly as
// many succeed as the limit allows) and two reversals of one grant (one reversal), whichever way
// the event store commits (test/races.several-streams.test.ts runs this file again committing
// several streams at once).
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { refused } from './support/given.ts';
import { racingHearth } from './support/hearth.ts';
import { confirmExchange, donateToChest, grantFromChest, reverseGift, setMemberLimits } from '../src/timebank/app.ts';
import { COMMUNITY } from '../src/timebank/account.ts';
import { balanceOn, callerFor, enrol, logExchangeToday, openNetwork } from './support/timebank.ts';

t.test('confirmations racing for one member\'s limit: exactly as many succeed as the limit allows', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const members = async (networkId: string, n: number) => {
    const ids = Array.from({ length: n }, () => randomUUID());
    for (const id of ids) await enrol(hearth, networkId, id);
    return ids;
  };
  for (let round = 0; round < 5; round++) {
    const networkId = randomUUID();
    const [receiver, ...providers] = await members(networkId, 3);
    const coordinator = randomUUID();
    await enrol(hearth, networkId, coordinator, ['coordinator']);
    // The receiver may go 1:00 into debit: room for exactly one of the two.
    await setMemberLimits(hearth, callerFor(coordinator), { networkId, personId: receiver!, lowerMinutes: -60, upperMinutes: null, reason: 'new member' });
    const exchanges = await Promise.all(providers.map((provider) => logExchangeToday(hearth, networkId, provider, receiver!, 60)));
    const outcomes = await Promise.all(exchanges.map((exchangeId) => refused(confirmExchange(hearth, callerFor(receiver!), { networkId, exchangeId }))));
    t.same(outcomes.sort(), ['limit-reached', null].sort(), `round ${round}: one confirmed, one refused at the limit`);
    t.equal(await balanceOn(hearth, networkId, receiver!), -60);
  }

  const networkId = randomUUID();
  const [receiver, ...providers] = await members(networkId, 9);
  const coordinator = randomUUID();
  await enrol(hearth, networkId, coordinator, ['coordinator']);
  await setMemberLimits(hearth, callerFor(coordinator), { networkId, personId: receiver!, lowerMinutes: -180, upperMinutes: null, reason: 'room for three' });
  const eight = await Promise.all(providers.map((provider) => logExchangeToday(hearth, networkId, provider, receiver!, 60)));
  const outcomes = await Promise.all(eight.map((exchangeId) => refused(confirmExchange(hearth, callerFor(receiver!), { networkId, exchangeId }))));
  t.equal(outcomes.filter((o) => o === null).length, 3, 'eight racing, room for three: three confirmed');
  t.equal(outcomes.filter((o) => o === 'limit-reached').length, 5);
  t.equal(await balanceOn(hearth, networkId, receiver!), -180);
});

t.test('busy members: sixty confirmations at once, each debiting one of two members, every one made', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const networkId = randomUUID();
  const coordinator = await enrol(hearth, networkId, randomUUID(), ['coordinator']);
  const busy = [randomUUID(), randomUUID()];
  for (const id of busy) {
    await enrol(hearth, networkId, id);
    await setMemberLimits(hearth, callerFor(coordinator), { networkId, personId: id, lowerMinutes: -6000, upperMinutes: null, reason: 'a busy member' });
  }
  const providers: string[] = [];
  for (let i = 0; i < 60; i++) providers.push(await enrol(hearth, networkId, randomUUID()));
  const exchanges = await Promise.all(providers.map((provider, i) => logExchangeToday(hearth, networkId, provider, busy[i % 2]!, 30)));
  // Each busy member's account is written by thirty confirmations at once: in one process, none
  // loses a race twice, so none runs out of tries.
  const outcomes = await Promise.all(exchanges.map((exchangeId, i) => refused(confirmExchange(hearth, callerFor(busy[i % 2]!), { networkId, exchangeId }))));
  t.same(outcomes.filter((o) => o !== null), [], 'none refused');
  for (const id of busy) t.equal(await balanceOn(hearth, networkId, id), -900, 'thirty half-hours debited');
});

t.test('two reversals of one grant at once, on PostgreSQL: one reversal', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const coordinator = randomUUID();
  const network = await openNetwork(hearth, 'Racing', coordinator);
  const ann = await enrol(hearth, network, randomUUID());
  await donateToChest(hearth, callerFor(ann), { networkId: network, minutes: 600 });
  for (let round = 1; round <= 3; round++) {
    await grantFromChest(hearth, callerFor(coordinator), { networkId: network, personId: ann, minutes: 60 });
    const events = await hearth.store.readStream(`account-${network}-${COMMUNITY}`);
    const ref = (events.filter((e) => (e.data as { reason?: string }).reason === 'grant').at(-1)!.data as { ref: string }).ref;
    const outcomes = await Promise.all([1, 2].map(() => refused(reverseGift(hearth, callerFor(coordinator), { networkId: network, ref, reason: 'twice at once' }))));
    t.same(outcomes.sort(), ['already-reversed', null].sort(), `round ${round}: one reversal, the other refused`);
    const after = await hearth.store.readStream(`account-${network}-${COMMUNITY}`);
    t.equal(after.filter((e) => e.type === 'timebank.GiftReversed' && (e.data as { ref: string }).ref === ref).length, 1);
  }
});
