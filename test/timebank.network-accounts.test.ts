// The network's own accounts: the community chest, which never goes below zero, the organisation's
// account a time bank moving in brings, which may; and grants and donations reversed with a reason,
// once. Deciders first, then the application on PGlite; two reversals racing are in timebank.race.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { openHearth } from '../src/hearth.ts';
import { fixedClock } from '../src/clock.ts';
import { readStates } from '../src/commands/decide.ts';
import { decideGiftReversal, networkAccountFolder, type NetworkAccountState } from '../src/timebank/chest.ts';
import { accountFolder, accountStream, chestPostings, COMMUNITY, emptyAccount, limitsOf, ORGANISATION, type AccountEvent } from '../src/timebank/account.ts';
import { donateToChest, grantFromChest, importTimeBank, reverseGift } from '../src/timebank/app.ts';
import { freshPglite } from './support/db.ts';
import { quietLog, testConfig } from './support/hearth.ts';
import { refusal, refused } from './support/given.ts';
import { callerFor, enrol, openNetwork } from './support/timebank.ts';

const networkId = '0190f0a0-0000-7000-8000-0000000000a1';
const ann = '0190f0a0-0000-7000-8000-0000000000b1';
const cath = '0190f0a0-0000-7000-8000-0000000000c1';
const grantRef = '0190f0a0-0000-7000-8000-0000000000f1';
const donationRef = '0190f0a0-0000-7000-8000-0000000000f2';
const rules = { lowerMinutes: -600, upperMinutes: 45000 };
const reason = { clear: 'granted to the wrong member' };

const held = (holder: typeof COMMUNITY | typeof ORGANISATION, gifts: Array<{ reason: 'grant' | 'donation'; minutes: number; ref: string }>): NetworkAccountState =>
  gifts.flatMap((g) => chestPostings({ networkId, member: ann, holder, ...g }).chest).reduce(networkAccountFolder.evolve, networkAccountFolder.initialState);
const minutesOf = (events: AccountEvent[]) => events.flatMap((e) => (e.type === 'timebank.Posted' ? [e.data.minutes] : []));

t.test('limits: the chest never goes below zero; the organisation has no limit unless a coordinator sets one', async (t) => {
  t.equal(limitsOf(emptyAccount, rules, COMMUNITY).lowerMinutes, 0);
  t.equal(limitsOf(emptyAccount, rules, ORGANISATION).lowerMinutes, Number.MIN_SAFE_INTEGER, 'no overdraft limit by default');
  t.equal(limitsOf(emptyAccount, rules, ORGANISATION).upperMinutes, Number.MAX_SAFE_INTEGER);
  t.equal(limitsOf({ ...emptyAccount, lowerMinutes: -6000 }, rules, ORGANISATION).lowerMinutes, -6000, 'one set for it holds');
});

t.test('reversing a gift: equal and opposite postings and the reason, once', async (t) => {
  const chest = held(COMMUNITY, [{ reason: 'donation', minutes: 120, ref: donationRef }, { reason: 'grant', minutes: 60, ref: grantRef }]);
  t.equal(chest.account.balance, 60);
  const byCath = { networkId, holder: COMMUNITY, reason, reversedBy: cath } as const;

  const grant = decideGiftReversal({ network: chest, member: emptyAccount, rules }, { ...byCath, ref: grantRef });
  t.same(minutesOf(grant.network), [60], 'a grant reversed goes back into the chest');
  t.same(minutesOf(grant.member), [-60], 'and out of the member');
  t.match(grant.network.at(-1), { type: 'timebank.GiftReversed', data: { ref: grantRef, member: ann, reversedBy: cath, reason } });
  t.match(grant.member[0], { data: { reason: 'reversal', ref: grantRef, counterparty: COMMUNITY } });

  const after = [...grant.network].reduce(networkAccountFolder.evolve, chest);
  t.equal(refusal(() => decideGiftReversal({ network: after, member: emptyAccount, rules }, { ...byCath, ref: grantRef }))?.type, 'already-reversed', 'never twice');
  t.equal(refusal(() => decideGiftReversal({ network: chest, member: emptyAccount, rules }, { ...byCath, ref: randomUUID() }))?.type, 'gift-not-found');

  // Of the 120 given, 60 were granted onward: taking the 120 back would leave the chest at -1:00.
  t.equal(refusal(() => decideGiftReversal({ network: chest, member: emptyAccount, rules }, { ...byCath, ref: donationRef }))?.type, 'limit-reached', "a donation granted onward cannot take the chest below zero");
  t.same(minutesOf(decideGiftReversal({ network: after, member: emptyAccount, rules }, { ...byCath, ref: donationRef }).member), [120], 'once the grant is back, the donation can go back too');

  const organisation = held(ORGANISATION, [{ reason: 'grant', minutes: 180, ref: grantRef }, { reason: 'donation', minutes: 20, ref: donationRef }]);
  t.equal(organisation.account.balance, -160, "the organisation's account runs below zero");
  t.same(minutesOf(decideGiftReversal({ network: organisation, member: emptyAccount, rules }, { ...byCath, holder: ORGANISATION, ref: donationRef }).network), [-20], 'and may go further below on a reversal');
});

t.test('on the application', async (t) => {
  const clock = fixedClock('2026-12-04T10:00:00Z');
  const hearth = await openHearth(testConfig(), quietLog, { database: await freshPglite(), clock });
  t.teardown(() => hearth.close());
  const coordinator = randomUUID();
  const network = await openNetwork(hearth, 'Armley', coordinator);
  const ann = await enrol(hearth, network, randomUUID());
  const bob = await enrol(hearth, network, randomUUID());
  const balanceIn = async (where: string, holder: string) => (await readStates(hearth.store, { a: [accountStream(where, holder), accountFolder] as const })).a.balance;
  const balance = (holder: string) => balanceIn(network, holder);
  const refOf = async (holder: string, reason: 'grant' | 'donation') => {
    const events = await hearth.store.readStream(`account-${network}-${holder}`);
    return (events.filter((e) => e.type === 'timebank.Posted' && (e.data as { reason: string }).reason === reason).at(-1)!.data as { ref: string }).ref;
  };

  await donateToChest(hearth, callerFor(ann), { networkId: network, minutes: 90 });
  const donation = await refOf(COMMUNITY, 'donation');
  await grantFromChest(hearth, callerFor(coordinator), { networkId: network, personId: bob, minutes: 60 });
  const grant = await refOf(COMMUNITY, 'grant');

  t.equal(await refused(reverseGift(hearth, callerFor(ann), { networkId: network, ref: grant, reason: 'mine' })), 'forbidden', 'only a coordinator reverses');
  t.equal(await refused(reverseGift(hearth, callerFor(coordinator), { networkId: network, ref: donation, reason: 'given by mistake' })), 'limit-reached', 'the chest would go below zero');
  const reversed = await reverseGift(hearth, callerFor(coordinator), { networkId: network, ref: grant, reason: 'granted to the wrong member' });
  t.equal(reversed.holder, COMMUNITY);
  t.same([await balance(COMMUNITY), await balance(bob)], [90, 0], 'the grant is back in the chest');
  t.equal(await refused(reverseGift(hearth, callerFor(coordinator), { networkId: network, ref: grant, reason: 'again' })), 'already-reversed');
  t.equal(await refused(reverseGift(hearth, callerFor(coordinator), { networkId: network, ref: randomUUID(), reason: 'none such' })), 'gift-not-found');
  const stored = (await hearth.store.readStream(`account-${network}-${COMMUNITY}`)).find((e) => e.type === 'timebank.GiftReversed')!;
  t.notMatch(JSON.stringify(stored.data), /wrong member/, 'the reason is sealed');

  // Moving in: the exporter's organisation is the network's own account, and may run below zero.
  const csv = ['Date,from,from ID,to,to ID,post,post ID,Reason,quantity', '2024-04-01 09:00:00 UTC,Armley Time Bank,0,Joan Smith (12),12,,,Welcome hours,3'].join('\r\n');
  const moved = await openNetwork(hearth, 'Bramley', coordinator);
  await importTimeBank(hearth, callerFor(coordinator), { networkId: moved, body: csv });
  const own = (holder: string) => balanceIn(moved, holder);
  t.same([await own(ORGANISATION), await own(COMMUNITY)], [-180, 0], "the organisation's grant is the network's own, the chest untouched");
  const welcome = (await hearth.store.readStream(`account-${moved}-${ORGANISATION}`)).find((e) => e.type === 'timebank.Posted')!.data as { ref: string };
  await reverseGift(hearth, callerFor(coordinator), { networkId: moved, ref: welcome.ref, reason: 'imported twice' });
  t.equal(await own(ORGANISATION), 0, 'an imported grant is reversed as a live one');

  const asChest = await openNetwork(hearth, 'Wortley', coordinator);
  await importTimeBank(hearth, callerFor(coordinator), { networkId: asChest, body: csv + '\r\n2024-04-02 09:00:00 UTC,Joan Smith (12),12,Wortley Time Bank,0,,,Gift,4', organisationAs: COMMUNITY });
  t.equal(await balanceIn(asChest, COMMUNITY), 60, 'when the coordinator says so, the organisation was the chest');
});
