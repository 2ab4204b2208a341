// The care bank's obligation as a figure given to the council: as at a date, as recorded on a day,
// so that it can be stated again the same however much care dated before it is confirmed later;
// and an erased holder counted in the age band kept for them, never by a date of birth, for
// dates before the erasure. On PGlite, with a clock the test moves; every figure worked out here.
import t from 'tap';
import { freshPglite } from './support/db.ts';
import { caughtUp, testHearth } from './support/hearth.ts';
import { callerOf, careScheme } from './support/carebank.ts';
import { fixedClock } from '../src/clock.ts';
import * as carebank from '../src/carebank/app.ts';
import { erasePerson } from '../src/access/app.ts';
import { decideKeepAgeBands, keptBandOn, monthEnds } from '../src/carebank/bank.ts';

const hearth = await testHearth(await freshPglite());
await hearth.engine.start();
t.teardown(() => hearth.close());
const clock = fixedClock('2026-11-25T10:00:00Z');
const deps = { ...hearth, clock };

const scheme = await careScheme(deps);
const { networkId } = scheme;
// Ages on 25 November 2026: each was born on 1 January, so Olive turns 75 on 1 January 2027.
const [cath, vic, olive, edna] = await Promise.all([
  scheme.member('Cath Coordinator', 50, ['member', 'coordinator']),
  scheme.member('Vic Volunteer', 36),
  scheme.member('Olive Older', 74),
  scheme.member('Edna Elder', 88),
]);

/** Care given on a day, logged and confirmed by Edna on the day the clock shows. */
async function careConfirmed(volunteerId: string, minutes: number, occurredOn: string) {
  const { careId } = await carebank.logCare(deps, callerOf(volunteerId), { networkId, volunteerId, recipientId: edna, minutes, activity: 'befriending', occurredOn });
  await carebank.confirmCare(deps, callerOf(edna), { networkId, careId });
}
const on = (day: string) => clock.set(`${day}T10:00:00Z`);
async function obligation(asAt: string, recordedOn?: string) {
  if (!(await caughtUp(hearth))) throw new Error('the read tables did not catch up');
  const o = await carebank.obligation(deps, callerOf(cath), { networkId, asAt, recordedOn });
  return { minutes: o.outstandingMinutes, recordedOn: o.recordedOn, bands: Object.fromEntries(o.bands.map((b) => [b.band, b.minutes])) };
}

t.test("720 minutes as at 29 November, as recorded that day, stays 720 after care dated before it is confirmed a week later", async (t) => {
  // Vic: four hours on each of 25, 26 and 27 November, each confirmed the day it was given: 720 minutes.
  for (const day of ['2026-11-25', '2026-11-26', '2026-11-27']) {
    on(day);
    await careConfirmed(vic, 240, day);
  }
  on('2026-11-29');
  t.same(await obligation('2026-11-29'), { minutes: 720, recordedOn: '2026-11-29', bands: { 'under 40': 720 } }, 'the figure given to the council on 29 November');

  // A week later, three hours Vic gave on 28 November are confirmed.
  on('2026-12-06');
  await careConfirmed(vic, 180, '2026-11-28');
  t.same(await obligation('2026-11-29'), { minutes: 900, recordedOn: '2026-12-06', bands: { 'under 40': 900 } }, 'as recorded today: 720 + 180');
  t.same(await obligation('2026-11-29', '2026-11-29'), { minutes: 720, recordedOn: '2026-11-29', bands: { 'under 40': 720 } }, 'as recorded on 29 November: 720, as it was given');
  t.equal((await obligation('2026-11-27', '2026-11-26')).minutes, 480, 'as at the 27th as recorded on the 26th: the 25th and 26th only');
});

t.test('an erased holder keeps the age band they had for dates before the erasure', async (t) => {
  // Olive, 74: two hours on 1 December, one on 20 December. She turns 75 on 1 January 2027.
  on('2026-12-01');
  await careConfirmed(olive, 120, '2026-12-01');
  on('2026-12-20');
  await careConfirmed(olive, 60, '2026-12-20');
  on('2027-02-10');
  const before = { dec: await obligation('2026-12-31'), jan: await obligation('2027-01-31') };
  // Vic's 900 minutes and Olive's 180 in each; Olive 74 at the end of December, 75 at the end of January.
  t.same(before.dec.bands, { 'under 40': 900, '60 to 74': 180 });
  t.same(before.jan.bands, { 'under 40': 900, '75 and over': 180 });

  on('2027-02-15');
  await erasePerson(deps, callerOf(olive), { personId: olive });
  const after = { dec: await obligation('2026-12-31', '2027-02-10'), jan: await obligation('2027-01-31', '2027-02-10') };
  t.same(after.dec.bands, before.dec.bands, 'as at 31 December: still 60 to 74, not "age not known"');
  t.same(after.jan.bands, before.jan.bands, 'as at 31 January: 75 and over');
  t.same((await obligation('2027-02-15')).bands, { 'under 40': 900, 'age not known': 180 }, 'from the day of the erasure, her age is not known');
  const kept = await hearth.database.db.selectFrom('carebank_age_bands').selectAll().where('holder', '=', olive).orderBy('from_on').execute();
  t.same(kept.map((k) => [k.from_on, k.band]), [['2026-12-01', '60 to 74'], ['2027-01-31', '75 and over']], 'bands from days, no date of birth');
});

t.test('the bands kept: only the days the band changed; none after the erasure', async (t) => {
  t.same(monthEnds('2026-11-25', '2027-02-15'), ['2026-11-30', '2026-12-31', '2027-01-31']);
  const agesOn = [{ on: '2026-12-31', age: 74 }, { on: '2026-12-01', age: 74 }, { on: '2027-01-31', age: 75 }, { on: '2027-02-14', age: 75 }];
  const [kept] = decideKeepAgeBands({ networkId, holder: olive, erasedOn: '2027-02-15', agesOn }, { kept: false });
  t.same(kept?.data.bands, [{ from: '2026-12-01', band: '60 to 74' }, { from: '2027-01-31', band: '75 and over' }]);
  t.same(decideKeepAgeBands({ networkId, holder: olive, erasedOn: '2027-02-15', agesOn }, { kept: true }), [], 'kept once');
  const k = kept!.data;
  t.same(['2026-11-30', '2026-12-01', '2027-01-30', '2027-01-31', '2027-02-14', '2027-02-15'].map((d) => keptBandOn(k, d)), [null, '60 to 74', '60 to 74', '75 and over', '75 and over', null]);
});
