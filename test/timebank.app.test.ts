// The time bank's rules at the application level, on PGlite: partnerships between time banks, who
// confirms, and the safeguarding rule at logging and at confirmation, within and across networks.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { openHearth } from '../src/hearth.ts';
import { fixedClock } from '../src/clock.ts';
import { Rejection } from '../src/commands/decider.ts';
import { confirmExchange, logExchange, reverseExchange, type ExchangeInput } from '../src/timebank/app.ts';
import { acceptPartnership, endPartnership, proposePartnership } from '../src/networks/partnership-app.ts';
import { freshPglite } from './support/db.ts';
import { quietLog, testConfig } from './support/hearth.ts';
import { callerFor, enrol, flagForSafeguarding, openNetwork, partner, recordDbs } from './support/timebank.ts';

const clock = fixedClock('2026-12-04T10:00:00Z');
const hearth = await openHearth(testConfig(), quietLog, { database: await freshPglite(), clock });
t.teardown(() => hearth.close());

/** The refusal a command met, with its type and field; null when it went through. */
async function refusal(promise: Promise<unknown>): Promise<{ type: string; field?: string } | null> {
  try {
    await promise;
    return null;
  } catch (err) {
    if (err instanceof Rejection) return { type: err.type, ...(err.field ? { field: err.field } : {}) };
    throw err;
  }
}

async function timebank(name: string, policy = false) {
  const coordinator = randomUUID();
  const networkId = await openNetwork(hearth, name, coordinator, policy);
  return { networkId, coordinator, member: () => enrol(hearth, networkId, randomUUID()) };
}

const exchange = (networkId: string, providerId: string, receiverId: string, over: Partial<ExchangeInput> = {}): ExchangeInput => ({
  networkId, providerId, receiverId, minutes: 60, category: 'shopping', description: 'Weekly shop', occurredOn: '2026-12-03', ...over,
});

t.test('across two time banks only under an active partnership, which an ending closes', async (t) => {
  const kirkstall = await timebank('Kirkstall Time Bank');
  const horsforth = await timebank('Horsforth Time Bank');
  const [ann, bob] = [await kirkstall.member(), await horsforth.member()];
  const across = exchange(kirkstall.networkId, ann, bob, { receiverNetworkId: horsforth.networkId });

  t.same(await refusal(logExchange(hearth, callerFor(ann), across)), { type: 'no-partnership', field: 'receiverNetworkId' }, 'no partnership, no exchange');
  await proposePartnership(hearth, callerFor(kirkstall.coordinator), { networkId: kirkstall.networkId, partnerNetworkId: horsforth.networkId });
  t.same(await refusal(logExchange(hearth, callerFor(ann), across)), { type: 'no-partnership', field: 'receiverNetworkId' }, 'a proposal is not yet a partnership');
  t.match(await refusal(acceptPartnership(hearth, callerFor(kirkstall.coordinator), { networkId: kirkstall.networkId, partnerNetworkId: horsforth.networkId })), { type: 'own-proposal' }, 'a network cannot accept its own proposal');
  t.match(await refusal(acceptPartnership(hearth, callerFor(bob), { networkId: horsforth.networkId, partnerNetworkId: kirkstall.networkId })), { type: 'forbidden' }, 'a member cannot accept for their network');
  await acceptPartnership(hearth, callerFor(horsforth.coordinator), { networkId: horsforth.networkId, partnerNetworkId: kirkstall.networkId });

  const { exchangeId } = await logExchange(hearth, callerFor(ann), across);
  await endPartnership(hearth, callerFor(horsforth.coordinator), { networkId: horsforth.networkId, partnerNetworkId: kirkstall.networkId, reason: 'The pilot ended' });
  t.match(await refusal(confirmExchange(hearth, callerFor(bob), { networkId: horsforth.networkId, exchangeId })), { type: 'no-partnership' }, 'an ending is seen at confirmation');
  t.match(await refusal(logExchange(hearth, callerFor(ann), across)), { type: 'no-partnership' }, 'and at logging');
});

t.test("an exchange across two time banks is confirmed by the receiver or her own coordinator, never the other bank's", async (t) => {
  const kirkstall = await timebank('Kirkstall Time Bank');
  const horsforth = await timebank('Horsforth Time Bank');
  await partner(hearth, kirkstall, horsforth);
  const bob = await horsforth.member();
  // The attack: a stand-in member recorded in one's own network gives hours to another bank's member.
  const standIn = await kirkstall.member();
  const across = exchange(kirkstall.networkId, standIn, bob, { receiverNetworkId: horsforth.networkId, minutes: 600 });
  const { exchangeId } = await logExchange(hearth, callerFor(kirkstall.coordinator), across);
  const confirming = (caller: ReturnType<typeof callerFor>, networkId: string) => refusal(confirmExchange(hearth, caller, { networkId, exchangeId }));

  t.match(await confirming(callerFor(kirkstall.coordinator), kirkstall.networkId), { type: 'receiver-confirms' }, "the giver's coordinator cannot");
  t.match(await confirming(callerFor(kirkstall.coordinator, { onBehalfOf: bob }), kirkstall.networkId), { type: 'receiver-confirms' }, 'nor on her behalf');
  t.match(await confirming(callerFor(standIn), kirkstall.networkId), { type: 'receiver-confirms' }, 'nor the giver');
  t.match(await confirming(callerFor(kirkstall.coordinator), horsforth.networkId), { type: 'forbidden' }, 'nor through the other time bank, where he is no member');
  t.equal(await confirming(callerFor(horsforth.coordinator), horsforth.networkId), null, "her own time bank's coordinator can");
  const reversing = (coordinator: string, networkId: string) => refusal(reverseExchange(hearth, callerFor(coordinator), { networkId, exchangeId, reason: 'Never happened' }));
  t.match(await reversing(horsforth.coordinator, horsforth.networkId), { type: 'provider-reverses' }, "a reversal takes hours from the giver: not by the receiver's bank");
  t.equal(await reversing(kirkstall.coordinator, kirkstall.networkId), null, "the giver's own bank reverses it");

  const dora = await horsforth.member();
  const second = await logExchange(hearth, callerFor(standIn), { ...across, receiverId: dora, minutes: 30 });
  t.equal(await refusal(confirmExchange(hearth, callerFor(dora), { networkId: horsforth.networkId, exchangeId: second.exchangeId })), null, 'and so can the receiver herself');
});

t.test('nobody confirms an exchange they gave or received, whoever they act for', async (t) => {
  const bank = await timebank('Bramley Time Bank');
  const ann = await bank.member();
  const other = await enrol(hearth, bank.networkId, randomUUID(), ['coordinator']);
  // The coordinator gave the time and logged it herself.
  const { exchangeId } = await logExchange(hearth, callerFor(bank.coordinator), exchange(bank.networkId, bank.coordinator, ann));
  const input = { networkId: bank.networkId, exchangeId };
  t.match(await refusal(confirmExchange(hearth, callerFor(bank.coordinator), input)), { type: 'own-exchange' }, 'not as coordinator');
  t.match(await refusal(confirmExchange(hearth, callerFor(bank.coordinator, { onBehalfOf: ann }), input)), { type: 'own-exchange' }, 'not on behalf of the other party');
  t.equal(await refusal(confirmExchange(hearth, callerFor(other), input)), null, 'another coordinator confirms');
});

t.test("safeguarding at logging and at confirmation, under the policy of the receiver's time bank", async (t) => {
  const careful = await timebank('Armley Time Bank', true);
  const relaxed = await timebank('Wortley Time Bank', false);
  await partner(hearth, careful, relaxed);
  const giver = await relaxed.member();
  const flagged = await careful.member();
  await flagForSafeguarding(hearth, flagged);
  const toFlagged = exchange(relaxed.networkId, giver, flagged, { receiverNetworkId: careful.networkId });

  t.same(await refusal(logExchange(hearth, callerFor(giver), toFlagged)), { type: 'safeguarding', field: 'providerId' }, "the receiver's network asks for a DBS check, though the giver's does not");

  // The other way round: the giver's network asks, the receiver's does not.
  const carefulGiver = await careful.member();
  const relaxedFlagged = await relaxed.member();
  await flagForSafeguarding(hearth, relaxedFlagged);
  t.equal(await refusal(logExchange(hearth, callerFor(carefulGiver), exchange(careful.networkId, carefulGiver, relaxedFlagged, { receiverNetworkId: relaxed.networkId }))), null, "the giver's network's policy is not the one asked");

  // Within one time bank, and flagged only after logging: refused at confirmation.
  const within = await careful.member();
  const later = await careful.member();
  const { exchangeId } = await logExchange(hearth, callerFor(within), exchange(careful.networkId, within, later));
  await flagForSafeguarding(hearth, later);
  t.same(await refusal(confirmExchange(hearth, callerFor(later), { networkId: careful.networkId, exchangeId })), { type: 'safeguarding', field: 'providerId' }, 'asked again at confirmation');
  await recordDbs(hearth, careful.networkId, within, '2026-12-01');
  t.match(await refusal(confirmExchange(hearth, callerFor(later), { networkId: careful.networkId, exchangeId })), { type: 'safeguarding' }, 'a check expired by the clock\'s today');
  await recordDbs(hearth, careful.networkId, within, '2027-12-01');
  t.equal(await refusal(confirmExchange(hearth, callerFor(later), { networkId: careful.networkId, exchangeId })), null, 'a current check');

  // Across, logged before the flag: refused at confirmation under the receiver's network's policy.
  const notYet = await careful.member();
  const across = await logExchange(hearth, callerFor(giver), { ...toFlagged, receiverId: notYet });
  await flagForSafeguarding(hearth, notYet);
  t.same(await refusal(confirmExchange(hearth, callerFor(notYet), { networkId: careful.networkId, exchangeId: across.exchangeId })), { type: 'safeguarding', field: 'providerId' }, 'across two time banks too');
});
