// The care bank against real PostgreSQL concurrency: confirmations racing for one volunteer's
// daily cap, and pledges racing for one holder's banked hours. Whoever loses the race must be
// decided again on the winner's entry, never banked on top of it.
import t from 'tap';
import { contextFor, refused } from './support/given.ts';
import { randomUUID } from 'node:crypto';
import { racingHearth } from './support/hearth.ts';
import { handleAcross } from '../src/commands/handle.ts';
import { bankStream, careStream, decideLogCare, emptyBank, evolveBank, evolveCare, type BankEvent, type CareEvent, type CareState } from '../src/carebank/bank.ts';
import { confirmCare, moveBanked } from '../src/carebank/commands.ts';
import type { EventStore } from '../src/eventstore/port.ts';

const today = new Date().toISOString().slice(0, 10);
const fortyYearsOld = async () => 40;

async function logCare(store: EventStore, networkId: string, volunteerId: string, recipientId: string, minutes: number) {
  const careId = randomUUID();
  const command = { careId, networkId, volunteerId, recipientId, minutes, activity: 'befriending' as const, occurredOn: today, by: { personId: volunteerId, isCoordinator: false }, today };
  await handleAcross(store, [careStream(careId)], ([history]) => [decideLogCare((history as unknown as CareEvent[]).reduce(evolveCare, { status: 'none' } as CareState), command)], contextFor(volunteerId));
  return careId;
}

async function bankOf(store: EventStore, networkId: string, holder: string) {
  return ((await store.readStream(bankStream(networkId, holder))) as unknown as BankEvent[]).reduce(evolveBank, emptyBank);
}

t.test('confirmations racing for one volunteer\'s daily cap: only what fits the day is banked', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const { store } = hearth;
  for (let round = 0; round < 5; round++) {
    const networkId = randomUUID();
    const volunteer = randomUUID();
    // Two visits of three hours on one day; the default rules bank at most five hours a day.
    const [a, b] = [randomUUID(), randomUUID()];
    const care = await Promise.all([a, b].map((recipient) => logCare(store, networkId, volunteer, recipient, 180)));
    const outcomes = await Promise.all(care.map((id, i) => refused(confirmCare(store, networkId, id, { personId: [a, b][i]!, isCoordinator: false }, fortyYearsOld, contextFor([a, b][i]!)))));
    t.same(outcomes.sort(), ['daily-cap', null].sort(), `round ${round}: one banked, one refused at the daily cap`);
    const bank = await bankOf(store, networkId, volunteer);
    t.same([bank.balance, bank.bankedByDate[today]], [180, 180], `round ${round}: the bank holds only one`);
    const confirmedRecords = await Promise.all(care.map(async (id) => (await store.readStream(careStream(id))).length));
    t.same(confirmedRecords.sort(), [1, 2], `round ${round}: the refused care is still only logged`);
  }

  const networkId = randomUUID();
  const volunteer = randomUUID();
  const coordinator = randomUUID();
  const eight = await Promise.all(Array.from({ length: 8 }, () => logCare(store, networkId, volunteer, randomUUID(), 60)));
  const outcomes = await Promise.all(eight.map((id) => refused(confirmCare(store, networkId, id, { personId: coordinator, isCoordinator: true }, fortyYearsOld, contextFor(coordinator)))));
  t.equal(outcomes.filter((o) => o === null).length, 5, 'eight hours racing for a five-hour day: five banked');
  t.equal(outcomes.filter((o) => o === 'daily-cap').length, 3);
  t.equal((await bankOf(store, networkId, volunteer)).bankedByDate[today], 300);
});

t.test('pledges racing for one holder\'s banked hours: no more leaves than was banked', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const { store } = hearth;
  const networkId = randomUUID();
  const giver = randomUUID();
  const recipient = randomUUID();
  await confirmCare(store, networkId, await logCare(store, networkId, giver, recipient, 120), { personId: recipient, isCoordinator: false }, fortyYearsOld, contextFor(recipient));
  // Two hours banked; three relatives are each pledged one of them at once.
  const relatives = [randomUUID(), randomUUID(), randomUUID()];
  const outcomes = await Promise.all(relatives.map((relative) => refused(moveBanked(store, networkId, giver, relative, 60, 'pledge', today, contextFor(giver)))));
  t.same(outcomes.sort(), [null, null, 'not-enough-banked'].sort(), 'two pledged, one refused');
  t.equal((await bankOf(store, networkId, giver)).balance, 0);
  const received = await Promise.all(relatives.map(async (r) => (await bankOf(store, networkId, r)).balance));
  t.equal(received.reduce((sum, m) => sum + m, 0), 120, 'the relatives hold what the giver gave, and no more');
});
