// The care bank against real PostgreSQL concurrency: confirmations racing for one volunteer's
// daily cap, and pledges racing for one holder's banked hours. Whoever loses the race must be
// decided again on the winner's entry, never banked on top of it.
import t from 'tap';
import { refused } from './support/given.ts';
import { racingHearth } from './support/hearth.ts';
import { callerOf, careScheme } from './support/carebank.ts';
import * as carebank from '../src/carebank/app.ts';
import { bankFolder, bankStream, careFolder, careStream } from '../src/carebank/bank.ts';
import { todayOn } from '../src/clock.ts';
import { readStates } from '../src/commands/decide.ts';
import type { Deps } from '../src/access/caller.ts';

async function logCare(deps: Deps, networkId: string, volunteerId: string, recipientId: string, minutes: number) {
  const { careId } = await carebank.logCare(deps, callerOf(volunteerId), { networkId, volunteerId, recipientId, minutes, activity: 'befriending', occurredOn: todayOn(deps.clock) });
  return careId;
}

async function bankOf(deps: Deps, networkId: string, holder: string) {
  return (await readStates(deps.store, { bank: [bankStream(networkId, holder), bankFolder] })).bank;
}

t.test('confirmations racing for one volunteer\'s daily cap: only what fits the day is banked', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const today = todayOn(hearth.clock);
  for (let round = 0; round < 5; round++) {
    const scheme = await careScheme(hearth);
    const { networkId } = scheme;
    const volunteer = await scheme.member('Vic Volunteer', 40);
    // Two visits of three hours on one day; the default rules bank at most five hours a day.
    const [a, b] = await Promise.all([scheme.member('Ada Elder', 80), scheme.member('Bea Elder', 85)]);
    const care = await Promise.all([a, b].map((recipient) => logCare(hearth, networkId, volunteer, recipient, 180)));
    const outcomes = await Promise.all(care.map((careId, i) => refused(carebank.confirmCare(hearth, callerOf([a, b][i]!), { networkId, careId }))));
    t.same(outcomes.sort(), ['daily-cap', null].sort(), `round ${round}: one banked, one refused at the daily cap`);
    const bank = await bankOf(hearth, networkId, volunteer);
    t.same([bank.balance, bank.bankedByDate[today]], [180, 180], `round ${round}: the bank holds only one`);
    const statuses = await Promise.all(care.map(async (id) => (await readStates(hearth.store, { care: [careStream(id), careFolder] })).care.status));
    t.same(statuses.sort(), ['confirmed', 'logged'], `round ${round}: the refused care is waiting again`);
  }

  const scheme = await careScheme(hearth);
  const { networkId } = scheme;
  const volunteer = await scheme.member('Vic Volunteer', 40);
  const coordinator = await scheme.member('Cath Coordinator', 50, ['member', 'coordinator']);
  const recipients = await Promise.all(Array.from({ length: 8 }, (_, i) => scheme.member(`Elder ${i}`, 80)));
  const eight = await Promise.all(recipients.map((r) => logCare(hearth, networkId, volunteer, r, 60)));
  const outcomes = await Promise.all(eight.map((careId) => refused(carebank.confirmCare(hearth, callerOf(coordinator), { networkId, careId }))));
  t.equal(outcomes.filter((o) => o === null).length, 5, 'eight hours racing for a five-hour day: five banked');
  t.equal(outcomes.filter((o) => o === 'daily-cap').length, 3);
  t.equal((await bankOf(hearth, networkId, volunteer)).bankedByDate[today], 300);
});

t.test('pledges racing for one holder\'s banked hours: no more leaves than was banked', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const scheme = await careScheme(hearth);
  const { networkId } = scheme;
  const giver = await scheme.member('Gil Giver', 40);
  const recipient = await scheme.member('Ada Elder', 80);
  await carebank.confirmCare(hearth, callerOf(recipient), { networkId, careId: await logCare(hearth, networkId, giver, recipient, 120) });
  // Two hours banked; three relatives are each pledged one of them at once.
  const relatives = await Promise.all([1, 2, 3].map((i) => scheme.member(`Relative ${i}`, 30)));
  const outcomes = await Promise.all(relatives.map((relativeId) => refused(carebank.pledge(hearth, callerOf(giver), { networkId, relativeId, minutes: 60 }))));
  t.same(outcomes.sort(), [null, null, 'not-enough-banked'].sort(), 'two pledged, one refused');
  t.equal((await bankOf(hearth, networkId, giver)).balance, 0);
  const received = await Promise.all(relatives.map(async (r) => (await bankOf(hearth, networkId, r)).balance));
  t.equal(received.reduce((sum, m) => sum + m, 0), 120, 'the relatives hold what the giver gave, and no more');
});

t.test('a volunteer flagged as a safeguarding risk at the moment care is confirmed: the confirmation is decided on the flag it read', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  for (let round = 0; round < 5; round++) {
    const scheme = await careScheme(hearth);
    const { networkId } = scheme;
    const volunteer = await scheme.member('Vic Volunteer', 40);
    const recipient = await scheme.member('Ada Elder', 80);
    await scheme.requireDbs();
    const careId = await logCare(hearth, networkId, volunteer, recipient, 60);
    const [confirmed] = await Promise.all([refused(carebank.confirmCare(hearth, callerOf(recipient), { networkId, careId })), scheme.flag(recipient)]);
    const flaggedFirst = (await hearth.store.readStream(careStream(careId))).length === 1;
    t.equal(confirmed, flaggedFirst ? 'safeguarding' : null, `round ${round}: ${flaggedFirst ? 'flagged first: refused' : 'confirmed before the flag'}`);
  }
});
