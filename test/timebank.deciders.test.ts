import t from 'tap';
import { beginning, decideEnd, exchangeDecider, decideConfirmation, decideReversal, importedExchange, postingsFor, type Care, type Confirmer, type ExchangeEvent, type ExchangeState } from '../src/timebank/exchange.ts';
import { decideDonation, decideGrant } from '../src/timebank/chest.ts';
import { partnershipDecider, type PartnershipEvent } from '../src/networks/partnership.ts';
import { settingsDecider } from '../src/timebank/settings.ts';
import { chestPostings, COMMUNITY, emptyAccount } from '../src/timebank/account.ts';
import { fold, Rejection } from '../src/commands/decider.ts';
import { specFor } from './support/given.ts';
import { giftDecider, stepOf, type GiftEvent } from '../src/timebank/gift.ts';

const networkId = '0190f0a0-0000-7000-8000-0000000000a1';
const exchangeId = '0190f0a0-0000-7000-8000-0000000000e1';
const ann = '0190f0a0-0000-7000-8000-0000000000b1';
const bob = '0190f0a0-0000-7000-8000-0000000000b2';
const cath = '0190f0a0-0000-7000-8000-0000000000c1';
const settings = fold(settingsDecider, [{ type: 'timebank.CategoryDefined', data: { networkId, category: 'gardening', ratePercent: 100 } }, { type: 'timebank.CategoryDefined', data: { networkId, category: 'personal care', ratePercent: 200 } }]);
const active = { status: 'active' as const, roles: ['member' as const], dbs: null };
const safe: Care = { policy: { requireDbsForSafeguarded: false }, provider: active, receiverNeedsSafeguarding: false };
const log = (over: Partial<Omit<Extract<Parameters<typeof exchangeDecider.decide>[0], { type: 'LogExchange' }>, 'type'>> = {}) => ({
  type: 'LogExchange' as const,
  exchangeId,
  networkId,
  providerId: ann,
  receiverId: bob,
  minutes: 90,
  category: 'gardening',
  description: { textKey: '0193a3c0-0000-7000-8000-00000000d0c5', sealed: 'v1.sealed' },
  occurredOn: '2026-11-20',
  by: { personId: ann, isCoordinator: false },
  today: '2026-11-22',
  settings,
  care: safe,
  ...over,
});
const logged: ExchangeEvent = {
  type: 'timebank.ExchangeLogged',
  data: { exchangeId, networkId, providerId: ann, receiverId: bob, minutes: 90, category: 'gardening', ratePercent: 100, credited: 90, description: { textKey: '0193a3c0-0000-7000-8000-00000000d0c5', sealed: 'v1.sealed' }, occurredOn: '2026-11-20', loggedBy: ann },
};
const given = specFor(exchangeDecider);

function refusal(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof Rejection ? err.type : 'not a rejection';
  }
  return undefined;
}

t.test('logging an exchange', async (t) => {
  given([]).when(log()).then(t, [logged]);
  given([]).when(log({ category: 'personal care', minutes: 60 })).then(t, [{ ...logged, data: { ...logged.data, category: 'personal care', minutes: 60, ratePercent: 200, credited: 120 } } as ExchangeEvent], 'the weighted rate in force is recorded');
  given([]).when(log({ by: { personId: cath, isCoordinator: true } })).then(t, [{ ...logged, data: { ...logged.data, loggedBy: cath } } as ExchangeEvent], 'a coordinator logs for others');
  given([]).when(log({ receiverId: ann })).rejects(t, 'exchange-with-oneself');
  given([]).when(log({ minutes: 13 * 60 })).rejects(t, 'exchange-too-long');
  given([]).when(log({ occurredOn: '2026-11-23' })).rejects(t, 'date-in-future');
  given([]).when(log({ category: 'juggling' })).rejects(t, 'unknown-category');
  given([]).when(log({ by: { personId: cath, isCoordinator: false } })).rejects(t, 'not-a-party');
});

t.test('disputing and cancelling before confirmation', async (t) => {
  given([logged]).when({ type: 'DisputeExchange', by: { personId: bob, isCoordinator: false }, reason: 'It was one hour' })
    .then(t, [{ type: 'timebank.ExchangeDisputed', data: { exchangeId, disputedBy: bob, reason: 'It was one hour' } }]);
  given([logged]).when({ type: 'DisputeExchange', by: { personId: ann, isCoordinator: false }, reason: 'x' }).rejects(t, 'own-exchange');
  given([logged]).when({ type: 'CancelExchange', by: { personId: ann, isCoordinator: false }, reason: 'Logged twice' })
    .then(t, [{ type: 'timebank.ExchangeCancelled', data: { exchangeId, cancelledBy: ann, reason: 'Logged twice' } }]);
});

t.test('confirming: the other party or a coordinator; limits enforced', async (t) => {
  const state: ExchangeState = fold(exchangeDecider, [logged]);
  const network = { lowerMinutes: -600, upperMinutes: 45000 };
  const given = { exchange: state, provider: emptyAccount, receiver: emptyAccount, providerRules: network, receiverRules: network };
  const as = (personId: string, isCoordinator = false, actorId = personId): Confirmer => ({ personId, isCoordinator, actorId });
  const today = '2026-11-22';
  const confirmed = decideConfirmation(given, as(bob), safe, today);
  t.same(confirmed.exchange, [{ type: 'timebank.ExchangeConfirmed', data: { exchangeId, confirmedBy: bob } }]);
  t.same(confirmed.provider.map((e) => e.data), [{ networkId, reason: 'exchange', ref: exchangeId, holder: ann, minutes: 90, counterparty: bob }]);
  t.same(confirmed.receiver.map((e) => e.data), [{ networkId, reason: 'exchange', ref: exchangeId, holder: bob, minutes: -90, counterparty: ann }]);
  t.same([confirmed.providerClearing, confirmed.receiverClearing], [[], []], 'within one time bank no clearing account moves');
  t.equal(refusal(() => decideConfirmation(given, as(ann), safe, today)), 'own-exchange', 'confirming one\'s own exchange is refused');
  t.equal(refusal(() => decideConfirmation(given, as(cath), safe, today)), 'not-a-party');
  t.equal(refusal(() => decideConfirmation({ ...given, receiver: { ...emptyAccount, balance: -540 } }, as(bob), safe, today)), 'limit-reached', 'the receiver would go below -10:00');
  t.equal(refusal(() => decideConfirmation({ ...given, provider: { ...emptyAccount, upperMinutes: 60 } }, as(bob), safe, today)), 'limit-reached', 'a member\'s own upper limit');
  t.same(decideConfirmation(given, as(cath, true), safe, today).exchange.length, 1, 'a coordinator confirms');
});

t.test('nobody confirms an exchange they gave or received, whoever they act for', async (t) => {
  const network = { lowerMinutes: -600, upperMinutes: 45000 };
  // Cath, a coordinator, logged time she gave to Bob.
  const hers = fold(exchangeDecider, [{ ...logged, data: { ...logged.data, providerId: cath, loggedBy: cath } } as ExchangeEvent]);
  const given = { exchange: hers, provider: emptyAccount, receiver: emptyAccount, providerRules: network, receiverRules: network };
  t.equal(refusal(() => decideConfirmation(given, { personId: cath, isCoordinator: true, actorId: cath }, safe, '2026-11-22')), 'own-exchange', 'not as a coordinator');
  t.equal(refusal(() => decideConfirmation(given, { personId: bob, isCoordinator: false, actorId: cath }, safe, '2026-11-22')), 'own-exchange', 'not on behalf of the other party');
  t.equal(decideConfirmation(given, { personId: bob, isCoordinator: false, actorId: bob }, safe, '2026-11-22').exchange.length, 1, 'the other party confirms');
  t.equal(decideConfirmation(given, { personId: ann, isCoordinator: true, actorId: ann }, safe, '2026-11-22').exchange.length, 1, 'another coordinator confirms');
});

const otherNetwork = '0190f0a0-0000-7000-8000-0000000000a2';
const proposed: PartnershipEvent = { type: 'network.PartnershipProposed', data: { networkId, partnerNetworkId: otherNetwork, proposedBy: { networkId, personId: cath } } };
const accepted: PartnershipEvent = { type: 'network.PartnershipAccepted', data: { networkId: otherNetwork, partnerNetworkId: networkId, acceptedBy: { networkId: otherNetwork, personId: bob } } };
const partners = fold(partnershipDecider, [proposed, accepted]);

t.test('across two time banks: only under an active partnership, confirmed by the receiver\'s side', async (t) => {
  const across = { receiverNetworkId: otherNetwork };
  given([]).when(log(across)).rejects(t, 'no-partnership', 'no partnership');
  given([]).when(log({ ...across, partnership: fold(partnershipDecider, [proposed]) })).rejects(t, 'no-partnership', 'proposed, not yet accepted');
  given([]).when(log({ ...across, partnership: partners })).then(t, [{ ...logged, data: { ...logged.data, receiverNetworkId: otherNetwork } } as ExchangeEvent], 'partners trade');
  const ended = fold(partnershipDecider, [proposed, accepted, { type: 'network.PartnershipEnded', data: { networkId, partnerNetworkId: otherNetwork, endedBy: { networkId, personId: cath }, reason: 'closing' } }]);
  given([]).when(log({ ...across, partnership: ended })).rejects(t, 'no-partnership', 'an ended partnership');

  const state = fold(exchangeDecider, [{ ...logged, data: { ...logged.data, receiverNetworkId: otherNetwork } } as ExchangeEvent]);
  const network = { lowerMinutes: -600, upperMinutes: 45000 };
  const s = { exchange: state, provider: emptyAccount, receiver: emptyAccount, providerRules: network, receiverRules: network, partnership: partners };
  const confirmed = decideConfirmation(s, { personId: bob, isCoordinator: false, actorId: bob }, safe, '2026-11-22');
  t.same(confirmed.providerClearing.map((e) => e.data), [{ networkId, holder: 'clearing', minutes: -90, reason: 'exchange', ref: exchangeId, counterparty: otherNetwork }]);
  t.same(confirmed.receiverClearing.map((e) => e.data), [{ networkId: otherNetwork, holder: 'clearing', minutes: 90, reason: 'exchange', ref: exchangeId, counterparty: networkId }]);
  t.equal(refusal(() => decideConfirmation(s, { personId: cath, isCoordinator: false, actorId: cath }, safe, '2026-11-22')), 'receiver-confirms', "the provider's coordinator (not one of the receiver's) cannot");
  t.equal(decideConfirmation(s, { personId: cath, isCoordinator: true, actorId: cath }, safe, '2026-11-22').exchange.length, 1, "a coordinator of the receiver's time bank can");
  t.equal(refusal(() => decideConfirmation({ ...s, partnership: ended }, { personId: bob, isCoordinator: false, actorId: bob }, safe, '2026-11-22')), 'no-partnership', 'an ending is seen at confirmation');
});

t.test('safeguarding: at logging and at confirmation, naming the giver', async (t) => {
  const flagged: Care = { policy: { requireDbsForSafeguarded: true }, provider: active, receiverNeedsSafeguarding: true };
  const checked: Care = { ...flagged, provider: { ...active, dbs: { checkType: 'enhanced', issuedOn: '2025-01-01', expiresOn: '2027-01-01' } } };
  const expired: Care = { ...flagged, provider: { ...active, dbs: { checkType: 'enhanced', issuedOn: '2020-01-01', expiresOn: '2026-11-01' } } };
  given([]).when(log({ care: flagged })).rejects(t, 'safeguarding', 'no DBS check');
  given([]).when(log({ care: expired })).rejects(t, 'safeguarding', 'an expired one');
  given([]).when(log({ care: checked })).then(t, [logged], 'a current one');
  given([]).when(log({ care: { ...flagged, policy: { requireDbsForSafeguarded: false } } })).then(t, [logged], 'a policy that does not ask');
  const network = { lowerMinutes: -600, upperMinutes: 45000 };
  const s = { exchange: fold(exchangeDecider, [logged]), provider: emptyAccount, receiver: emptyAccount, providerRules: network, receiverRules: network };
  const refused = (() => {
    try {
      decideConfirmation(s, { personId: bob, isCoordinator: false, actorId: bob }, flagged, '2026-11-22');
    } catch (err) {
      return err as Rejection;
    }
  })();
  t.match(refused, { type: 'safeguarding', field: 'providerId' }, 'flagged after logging: refused at confirmation');
});

t.test('one way to post an exchange: imports post as confirmations do', async (t) => {
  const imported = importedExchange(logged.data as never, cath);
  t.same(imported.exchange.map((e) => e.type), ['timebank.ExchangeLogged', 'timebank.ExchangeConfirmed']);
  const live = postingsFor(logged.data as never, 'exchange', 90);
  t.same([imported.provider, imported.receiver], [live.provider, live.receiver]);
});

t.test('the community chest', async (t) => {
  const rules = { lowerMinutes: -600, upperMinutes: 45000 };
  const gift = { networkId, member: ann, minutes: 60, ref: exchangeId };
  const donation = decideDonation({ member: emptyAccount, chest: emptyAccount, rules }, gift);
  const minutesOf = (events: Array<{ data: object }>) => events.map((e) => (e.data as { minutes: number }).minutes);
  t.same([minutesOf(donation.member), minutesOf(donation.chest)], [[-60], [60]]);
  t.equal(refusal(() => decideGrant({ member: emptyAccount, chest: emptyAccount, rules }, gift)), 'limit-reached', 'an empty chest grants nothing');
  t.same(minutesOf(decideGrant({ member: emptyAccount, chest: { ...emptyAccount, balance: 60 }, rules }, gift).member), [60]);
});

t.test('partnerships: proposed by one, accepted by the other, ended by either', async (t) => {
  const spec = specFor(partnershipDecider);
  const mine = { networkId, personId: cath };
  const theirs = { networkId: otherNetwork, personId: bob };
  spec([]).when({ type: 'ProposePartnership', by: mine, partnerNetworkId: otherNetwork }).then(t, [proposed]);
  spec([]).when({ type: 'ProposePartnership', by: mine, partnerNetworkId: networkId }).rejects(t, 'partnership-with-itself');
  spec([]).when({ type: 'AcceptPartnership', by: theirs, partnerNetworkId: networkId }).rejects(t, 'no-proposal');
  spec([proposed]).when({ type: 'AcceptPartnership', by: mine, partnerNetworkId: otherNetwork }).rejects(t, 'own-proposal', 'a network cannot accept its own proposal');
  spec([proposed]).when({ type: 'AcceptPartnership', by: theirs, partnerNetworkId: networkId }).then(t, [accepted]);
  spec([proposed, accepted]).when({ type: 'EndPartnership', by: theirs, partnerNetworkId: networkId, reason: 'closing' })
    .then(t, [{ type: 'network.PartnershipEnded', data: { networkId: otherNetwork, partnerNetworkId: networkId, endedBy: theirs, reason: 'closing' } }]);
  const ended: PartnershipEvent = { type: 'network.PartnershipEnded', data: { networkId, partnerNetworkId: otherNetwork, endedBy: mine, reason: 'x' } };
  spec([proposed, accepted, ended]).when({ type: 'ProposePartnership', by: theirs, partnerNetworkId: networkId })
    .then(t, [{ type: 'network.PartnershipProposed', data: { networkId: otherNetwork, partnerNetworkId: networkId, proposedBy: theirs } }], 'an ended partnership may be proposed again');
});

t.test('a confirmed exchange is corrected only by a reversal that points at it', async (t) => {
  const history: ExchangeEvent[] = [logged, { type: 'timebank.ExchangeConfirmed', data: { exchangeId, confirmedBy: bob } }];
  const confirmed = fold(exchangeDecider, history);
  given([logged, { type: 'timebank.ExchangeConfirmed', data: { exchangeId, confirmedBy: bob } }]).when({ type: 'CancelExchange', by: { personId: ann, isCoordinator: false }, reason: 'x' }).rejects(t, 'exchange-settled');
  t.equal(refusal(() => decideReversal(confirmed, { personId: bob, isCoordinator: false }, 'wrong')), 'coordinators-only');
  const reversal = decideReversal(confirmed, { personId: cath, isCoordinator: true }, 'Logged against the wrong member');
  t.same(reversal.provider.map((e) => (e.data as { minutes: number }).minutes), [-90]);
  t.same(reversal.receiver.map((e) => (e.data as { minutes: number }).minutes), [90]);
  t.ok([...reversal.provider, ...reversal.receiver].every((e) => e.type === 'timebank.Posted' && e.data.ref === exchangeId && e.data.reason === 'reversal'), 'the postings point at the exchange');
});

t.test('confirming and reversing are processes: begun on the exchange, ended once, and a refusal puts the exchange back as it was', async (t) => {
  const processId = '0190f0a0-0000-7000-8000-0000000000f1';
  const disputed: ExchangeEvent = { type: 'timebank.ExchangeDisputed', data: { exchangeId, disputedBy: bob, reason: 'Not that long' } };
  const waiting = fold(exchangeDecider, [logged, disputed]);
  const began = beginning(decideConfirmation({ exchange: waiting, provider: emptyAccount, receiver: emptyAccount, providerRules: settings, receiverRules: settings }, { personId: cath, actorId: cath, isCoordinator: true }, safe, '2026-11-22'), processId);
  t.same(began, [{ type: 'timebank.ExchangeConfirmationStarted', data: { exchangeId, confirmedBy: cath, processId } }], 'confirming begins with one event on the exchange');
  const confirming = fold(exchangeDecider, [logged, disputed, ...began]);
  t.match(confirming, { status: 'confirming', inFlight: { processId, by: cath, resumes: 'disputed' } });
  t.same(decideConfirmation({ exchange: confirming, provider: emptyAccount, receiver: emptyAccount, providerRules: settings, receiverRules: settings }, { personId: cath, actorId: cath, isCoordinator: true }, safe, '2026-11-22').exchange, [], 'one under way is carried on, not begun again');
  given([logged, disputed, ...began]).when({ type: 'CancelExchange', by: { personId: ann, isCoordinator: false }, reason: 'x' }).rejects(t, 'exchange-settled', 'nor cancelled meanwhile');

  t.same(decideEnd(confirming, processId), [{ type: 'timebank.ExchangeConfirmed', data: { exchangeId, confirmedBy: cath } }], 'ended: confirmed by whoever began it');
  t.same(decideEnd(confirming, '0190f0a0-0000-7000-8000-0000000000f2'), [], 'another process ends nothing');
  const refused = decideEnd(confirming, processId, { problem: 'limit-reached', detail: 'Over the limit.' });
  t.same(refused, [{ type: 'timebank.ExchangeConfirmationRefused', data: { exchangeId, processId, problem: 'limit-reached', detail: 'Over the limit.', resumes: 'disputed' } }]);
  t.equal(fold(exchangeDecider, [logged, disputed, ...began, ...refused]).status, 'disputed', 'refused, it is disputed again, as before');
  t.same(decideEnd(fold(exchangeDecider, [logged, disputed, ...began, ...refused]), processId), [], 'and ended once');

  const confirmation: ExchangeEvent = { type: 'timebank.ExchangeConfirmed', data: { exchangeId, confirmedBy: bob } };
  const confirmed = fold(exchangeDecider, [logged, confirmation]);
  const reversing = beginning(decideReversal(confirmed, { personId: cath, isCoordinator: true }, 'Wrong member'), processId);
  t.same(reversing, [{ type: 'timebank.ExchangeReversalStarted', data: { exchangeId, reversedBy: cath, reason: 'Wrong member', processId } }]);
  const inReverse = fold(exchangeDecider, [logged, confirmation, ...reversing]);
  t.equal(inReverse.status, 'reversing');
  t.same(decideEnd(inReverse, processId, { problem: 'x', detail: 'y' }), [{ type: 'timebank.ExchangeReversed', data: { exchangeId, reversedBy: cath, reason: 'Wrong member' } }], 'a reversal is never refused');
});

t.test('a gift: begun once with its steps, ended once by its own process; taken back only once it was made, and once', async (t) => {
  const gift = specFor(giftDecider);
  const giftId = '0190f0a0-0000-7000-8000-0000000000f1';
  const [processId, otherProcess, reversalProcess] = ['0190f0a0-0000-7000-8000-0000000000f2', '0190f0a0-0000-7000-8000-0000000000f3', '0190f0a0-0000-7000-8000-0000000000f4'];
  const postings = chestPostings({ networkId, member: ann, minutes: 30, reason: 'donation', ref: giftId });
  const steps = [stepOf(ann, postings.member, 'member'), stepOf(COMMUNITY, postings.chest)];
  const begin = { type: 'BeginGift' as const, giftId, networkId, kind: 'donation' as const, by: ann, processId, steps };
  const begun: GiftEvent = { type: 'timebank.GiftBegun', data: { giftId, networkId, kind: 'donation', by: ann, processId, steps } };
  const ended: GiftEvent = { type: 'timebank.GiftEnded', data: { giftId, processId } };
  const refusal = { problem: 'limit-reached', detail: 'This would take the member\'s balance below their lower limit.' };
  gift([]).when(begin).then(t, [begun]);
  gift([begun]).when(begin).then(t, [], 'begun once');
  gift([begun]).when({ type: 'EndGift', giftId, processId }).then(t, [ended]);
  gift([begun]).when({ type: 'EndGift', giftId, processId: otherProcess }).then(t, [], 'only its own process ends it');
  gift([begun, ended]).when({ type: 'EndGift', giftId, processId }).then(t, [], 'ended once');
  gift([begun]).when({ type: 'EndGift', giftId, processId, refusal }).then(t, [{ type: 'timebank.GiftRefused', data: { giftId, processId, ...refusal } }]);

  const reverse = { type: 'BeginGift' as const, giftId, networkId, kind: 'reversal' as const, by: cath, processId: reversalProcess, steps: [stepOf(COMMUNITY, postings.member), stepOf(ann, postings.chest)] };
  gift([begun, ended]).when(reverse).then(t, [{ type: 'timebank.GiftBegun', data: { giftId, networkId, kind: 'reversal', by: cath, processId: reversalProcess, steps: reverse.steps } }]);
  gift([begun]).when(reverse).rejects(t, 'gift-in-flight', 'not while it is being made');
  gift([begun, { type: 'timebank.GiftRefused', data: { giftId, processId, ...refusal } }]).when(reverse).rejects(t, 'gift-not-found', 'a refused gift was never made');
  const reversalBegun: GiftEvent = { type: 'timebank.GiftBegun', data: { giftId, networkId, kind: 'reversal', by: cath, processId: reversalProcess, steps: reverse.steps } };
  gift([begun, ended, reversalBegun]).when(reverse).rejects(t, 'already-reversed', 'not while it is being taken back');
  gift([begun, ended, reversalBegun, { type: 'timebank.GiftEnded', data: { giftId, processId: reversalProcess } }]).when(reverse).rejects(t, 'already-reversed');
  gift([]).when(reverse).rejects(t, 'gift-not-found', 'no stream, and no gift on the account');
  gift([]).when({ ...reverse, legacy: { reversed: false } }).then(t, [reversalBegun], 'a gift made before gifts had streams: the account is the record');
  gift([]).when({ ...reverse, legacy: { reversed: true } }).rejects(t, 'already-reversed');
});
