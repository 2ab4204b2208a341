import t from 'tap';
import { exchangeDecider, decideConfirmation, decideReversal, type ExchangeEvent, type ExchangeState } from '../src/timebank/exchange.ts';
import { settingsDecider } from '../src/timebank/settings.ts';
import { emptyAccount } from '../src/timebank/account.ts';
import { fold, Rejection } from '../src/commands/decider.ts';
import { specFor } from './support/given.ts';

const networkId = '0190f0a0-0000-7000-8000-0000000000a1';
const exchangeId = '0190f0a0-0000-7000-8000-0000000000e1';
const ann = '0190f0a0-0000-7000-8000-0000000000b1';
const bob = '0190f0a0-0000-7000-8000-0000000000b2';
const cath = '0190f0a0-0000-7000-8000-0000000000c1';
const settings = fold(settingsDecider, [{ type: 'timebank.CategoryDefined', data: { networkId, category: 'gardening', ratePercent: 100 } }, { type: 'timebank.CategoryDefined', data: { networkId, category: 'personal care', ratePercent: 200 } }]);
const log = (over: Partial<{ minutes: number; category: string; occurredOn: string; by: { personId: string; isCoordinator: boolean }; providerId: string; receiverId: string }> = {}) => ({
  type: 'LogExchange' as const,
  exchangeId,
  networkId,
  providerId: ann,
  receiverId: bob,
  minutes: 90,
  category: 'gardening',
  description: 'Weeded the front beds',
  occurredOn: '2026-11-20',
  by: { personId: ann, isCoordinator: false },
  today: '2026-11-22',
  settings,
  ...over,
});
const logged: ExchangeEvent = {
  type: 'timebank.ExchangeLogged',
  data: { exchangeId, networkId, providerId: ann, receiverId: bob, minutes: 90, category: 'gardening', ratePercent: 100, credited: 90, description: 'Weeded the front beds', occurredOn: '2026-11-20', loggedBy: ann },
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
  const limits = { provider: network, receiver: network };
  const accounts = { provider: emptyAccount, receiver: emptyAccount };
  const confirmed = decideConfirmation(state, { personId: bob, isCoordinator: false }, accounts, limits);
  t.same(confirmed.exchange, [{ type: 'timebank.ExchangeConfirmed', data: { exchangeId, confirmedBy: bob } }]);
  t.same(confirmed.provider.map((e) => e.data), [{ networkId, reason: 'exchange', ref: exchangeId, holder: ann, minutes: 90, counterparty: bob }]);
  t.same(confirmed.receiver.map((e) => e.data), [{ networkId, reason: 'exchange', ref: exchangeId, holder: bob, minutes: -90, counterparty: ann }]);
  t.equal(refusal(() => decideConfirmation(state, { personId: ann, isCoordinator: false }, accounts, limits)), 'own-exchange', 'confirming one\'s own exchange is refused');
  t.equal(refusal(() => decideConfirmation(state, { personId: cath, isCoordinator: false }, accounts, limits)), 'not-a-party');
  t.equal(refusal(() => decideConfirmation(state, { personId: bob, isCoordinator: false }, { ...accounts, receiver: { ...emptyAccount, balance: -540 } }, limits)), 'limit-reached', 'the receiver would go below -10:00');
  t.equal(refusal(() => decideConfirmation(state, { personId: bob, isCoordinator: false }, { ...accounts, provider: { ...emptyAccount, upperMinutes: 60 } }, limits)), 'limit-reached', 'a member\'s own upper limit');
  t.same(decideConfirmation(state, { personId: cath, isCoordinator: true }, accounts, limits).exchange.length, 1, 'a coordinator confirms');
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
