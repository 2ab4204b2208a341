import t from 'tap';
import { ageOn, defaultRules, rulesOn, schemeDecider, type Rules, type SchemeEvent } from '../src/carebank/scheme.ts';
import { decideBanking, decideCareEnd, decideClaim, decideConfirmCare, decideDisputeCare, decideDonation, decideLogCare, decidePledge, decideReceipt, emptyBank, movesOut, POOL, evolveBank, evolveCare, requireBalance, type BankEvent, type BankState, type CareActor, type CareCircle, type CareEvent, type CareState, type LogCare } from '../src/carebank/bank.ts';
import type { SchemeState } from '../src/carebank/scheme.ts';
import { fold } from '../src/commands/decider.ts';
import { refusal, specFor } from './support/given.ts';

const networkId = '0190f0a0-0000-7000-8000-0000000000a1';
const careId = '0190f0a0-0000-7000-8000-0000000000d1';
const vic = '0190f0a0-0000-7000-8000-0000000000b1';
const edna = '0190f0a0-0000-7000-8000-0000000000b2';
const cath = '0190f0a0-0000-7000-8000-0000000000c1';
const stan = '0190f0a0-0000-7000-8000-0000000000c2';
const rules = (over: Partial<Rules> = {}): Rules => ({ ...defaultRules, effectiveFrom: '2026-01-01', ...over });
const versioned = (version: number, over: Partial<Rules> = {}): SchemeEvent => ({ type: 'carebank.SchemeRulesVersioned', data: { networkId, version, ...rules(over) } });
const scheme = (...events: SchemeEvent[]) => fold(schemeDecider, events);
const given = specFor(schemeDecider);

/** Who acts: for themselves unless told, and no coordinator unless told. */
const as = (personId: string, over: Partial<CareActor> = {}): CareActor => ({ personId, onBehalfOf: null, coordinates: false, ...over });
const active = { status: 'active' as const, roles: ['member' as const], dbs: null };
/** Both people active members, and a scheme that asks no DBS check. */
const open: CareCircle = { volunteer: active, recipient: active, recipientNeedsSafeguarding: false, policy: { requireDbsForSafeguarded: false } };
const log = (over: Partial<LogCare> = {}): LogCare => ({
  careId,
  networkId,
  volunteerId: vic,
  recipientId: edna,
  minutes: 90,
  activity: 'befriending' as const,
  occurredOn: '2026-11-20',
  by: as(vic),
  circle: open,
  today: '2026-11-22',
  ...over,
});
const logCare = (command: LogCare, care: CareState = { status: 'none' }) => decideLogCare(command, { care }).care;
const processId = '0190f0a0-0000-7000-8000-0000000000e9';
type Entry = Extract<BankEvent, { type: 'carebank.BankEntry' }>['data'];
/**
 * Confirming care as its process decides it, each step on the states given: begun on the record,
 * the volunteer's bank's entry (or its refusal), the record's end. The care and bank events decided.
 */
const confirm = (care: CareState, by: CareActor, bank: BankState, scheme: SchemeState, volunteerAge: number | null, circle: CareCircle = open) => {
  const begun = decideConfirmCare({ by, volunteerAge, circle, today: '2026-11-22', processId }, { care, bank, scheme }).care;
  const started = begun.find((e) => e.type === 'carebank.CareConfirmationStarted');
  if (!started) return { care: begun, bank: [] as BankEvent[] };
  const banked = decideBanking(started.data.entry, { bank, scheme });
  const refused = banked[0]!.type === 'carebank.BankEntryRefused' ? { problem: banked[0]!.data.problem, detail: banked[0]!.data.detail } : undefined;
  return { care: decideCareEnd(begun.reduce(evolveCare, care), processId, refused), bank: banked };
};
const logged: CareEvent = {
  type: 'carebank.CareLogged',
  data: { careId, networkId, volunteerId: vic, recipientId: edna, minutes: 90, activity: 'befriending', occurredOn: '2026-11-20', loggedBy: vic },
};
const loggedOn = (occurredOn: string, minutes = 90): CareState => evolveCare({ status: 'none' }, { ...logged, data: { ...logged.data, occurredOn, minutes } } as CareEvent);
const care = evolveCare({ status: 'none' }, logged);
const recipient = as(edna);
const bankOf = (...entries: Array<{ minutes: number; kind: Entry['kind']; entryDate: string }>) =>
  entries.map((e): BankEvent => ({ type: 'carebank.BankEntry', data: { networkId, holder: vic, ref: careId, counterparty: edna, rulesVersion: null, ...e } })).reduce(evolveBank, emptyBank);

t.test('versioning the scheme\'s rules', async (t) => {
  given([]).when({ type: 'VersionRules', networkId, rules: rules() }).then(t, [versioned(1)], 'the first version is 1; the defaults are 0');
  given([versioned(1)]).when({ type: 'VersionRules', networkId, rules: rules({ dailyCapMinutes: 240, effectiveFrom: '2026-06-01' }) })
    .then(t, [versioned(2, { dailyCapMinutes: 240, effectiveFrom: '2026-06-01' })], 'versions number up');
  given([versioned(1)]).when({ type: 'VersionRules', networkId, rules: rules({ claimFromAge: 65 }) })
    .then(t, [versioned(2, { claimFromAge: 65 })], 'taking effect on the same day as the current rules is not backdating');
  given([versioned(1), versioned(2, { effectiveFrom: '2026-06-01' })]).when({ type: 'VersionRules', networkId, rules: rules({ effectiveFrom: '2026-05-31' }) }).rejects(t, 'rules-backdated');
  // The refusal names the field, so the HTTP answer can point at it.
  const backdated = refusal(() => schemeDecider.decide({ type: 'VersionRules', networkId, rules: rules({ effectiveFrom: '2025-12-31' }) }, scheme(versioned(1))));
  t.match(backdated, { type: 'rules-backdated', status: 422, field: 'effectiveFrom' });
});

t.test('the rules in force on a date', async (t) => {
  t.same(defaultRules, { minimumAgeToBank: 18, claimFromAge: 60, dailyCapMinutes: 300, lifetimeCapMinutes: null, effectiveFrom: '2000-01-01' }, "Care4Care's defaults");
  t.same(rulesOn(scheme(), '2026-11-20'), { ...defaultRules, version: 0 }, 'with no versions, the defaults as version 0');
  const two = scheme(versioned(1, { minimumAgeToBank: 16 }), versioned(2, { minimumAgeToBank: 21, effectiveFrom: '2026-06-01' }));
  t.match(rulesOn(two, '2025-12-31'), { version: 0, minimumAgeToBank: 18 }, 'before the first version takes effect, the defaults');
  t.match(rulesOn(two, '2026-01-01'), { version: 1, minimumAgeToBank: 16 }, 'a version is in force from its first day');
  t.match(rulesOn(two, '2026-05-31'), { version: 1, minimumAgeToBank: 16 }, 'the day before the next takes over');
  t.match(rulesOn(two, '2026-06-01'), { version: 2, minimumAgeToBank: 21 });
  t.match(rulesOn(two, '2030-01-01'), { version: 2 }, 'the latest stays in force');
  const sameDay = scheme(versioned(1), versioned(2, { dailyCapMinutes: 120 }));
  t.match(rulesOn(sameDay, '2026-03-01'), { version: 2, dailyCapMinutes: 120 }, 'of two taking effect on one day, the later recorded');
});

t.test('age in whole years, around birthdays', async (t) => {
  t.equal(ageOn('1950-06-15', '2026-06-14'), 75, 'the day before the birthday');
  t.equal(ageOn('1950-06-15', '2026-06-15'), 76, 'on the birthday');
  t.equal(ageOn('1950-06-15', '2026-05-31'), 75, 'an earlier month');
  t.equal(ageOn('1950-06-15', '2026-07-01'), 76, 'a later month');
  t.equal(ageOn('2008-02-29', '2026-02-28'), 17, 'born on 29 February: not yet, on the 28th');
  t.equal(ageOn('2008-02-29', '2026-03-01'), 18, 'born on 29 February: from 1 March');
});

t.test('logging care', async (t) => {
  t.same(logCare(log()), [logged], 'the volunteer logs care they gave');
  t.same(logCare(log({ by: as(cath, { coordinates: true }) })), [{ ...logged, data: { ...logged.data, loggedBy: cath } }], 'a coordinator logs it for them');
  t.same(logCare(log({ occurredOn: '2026-11-22' })).length, 1, 'care given today');
  t.match(refusal(() => logCare(log({ recipientId: vic }))), { type: 'care-for-oneself', field: 'recipientId' });
  t.match(refusal(() => logCare(log({ by: as(stan) }))), { type: 'not-the-volunteer', status: 403 }, 'another member cannot log care for a volunteer');
  t.match(refusal(() => logCare(log({ occurredOn: '2026-11-23' }))), { type: 'date-in-future', field: 'occurredOn' });
  t.match(refusal(() => logCare(log(), care)), { type: 'care-exists', status: 409 }, 'logged twice');
});

t.test('confirming care banks it in the volunteer\'s bank', async (t) => {
  const confirmed = confirm(care, recipient, emptyBank, scheme(), 40);
  t.same(confirmed.care, [{ type: 'carebank.CareConfirmed', data: { careId, confirmedBy: edna } }]);
  t.same(confirmed.bank, [{ type: 'carebank.BankEntry', data: { networkId, holder: vic, minutes: 90, kind: 'banked', ref: careId, counterparty: edna, entryDate: '2026-11-20', rulesVersion: 0 } }], 'banked on the day of care, under the defaults');
  t.same(confirm(care, as(cath, { coordinates: true }), emptyBank, scheme(), 40).care.length, 1, 'a coordinator confirms');
  t.match(refusal(() => confirm(care, as(vic), emptyBank, scheme(), 40)), { type: 'not-the-recipient', status: 403 }, 'not the volunteer themselves');
  t.match(refusal(() => confirm(care, as(stan), emptyBank, scheme(), 40)), { type: 'not-the-recipient' }, 'nor another member');
  t.match(refusal(() => confirm(care, as(vic, { coordinates: true }), emptyBank, scheme(), 40)), { type: 'own-care', status: 403 }, 'nor the volunteer who is also a coordinator');
  t.match(refusal(() => confirm({ status: 'none' }, recipient, emptyBank, scheme(), 40)), { type: 'care-not-found', status: 404 });
  const twice = evolveCare(care, { type: 'carebank.CareConfirmed', data: { careId, confirmedBy: edna } });
  t.same(confirm(twice, recipient, emptyBank, scheme(), 40), { care: [], bank: [] }, 'confirming twice decides nothing');
});

t.test('confirming is a process: begun on the record, the bank\'s entry or its refusal, then the end, once', async (t) => {
  const [started] = decideConfirmCare({ by: recipient, volunteerAge: 40, circle: open, today: '2026-11-22', processId }, { care, bank: emptyBank, scheme: scheme() }).care;
  t.match(started, { type: 'carebank.CareConfirmationStarted', data: { careId, confirmedBy: edna, processId, entry: { holder: vic, minutes: 90, kind: 'banked' } } });
  const confirming = evolveCare(care, started!);
  t.equal(confirming.status, 'confirming');
  t.match(refusal(() => decideConfirmCare({ by: recipient, volunteerAge: 40, circle: open, today: '2026-11-22', processId }, { care: confirming, bank: emptyBank, scheme: scheme() })), { type: 'care-confirming', status: 409 }, 'not confirmed twice at once');
  t.match(refusal(() => decideDisputeCare({ by: recipient, reason: { textKey: careId, sealed: 'v1.x' } as never }, { care: confirming })), { type: 'care-settled' }, 'nor disputed meanwhile');
  const entry = (started as Extract<CareEvent, { type: 'carebank.CareConfirmationStarted' }>).data.entry;
  // Other care banked for that day meanwhile fills the day's cap.
  const full = bankOf({ minutes: 300, kind: 'banked', entryDate: '2026-11-20' });
  t.match(decideBanking(entry, { bank: full, scheme: scheme() }), [{ type: 'carebank.BankEntryRefused', data: { holder: vic, ref: careId, problem: 'daily-cap' } }], 'the bank records why it will not take it');
  t.equal(evolveBank(full, decideBanking(entry, { bank: full, scheme: scheme() })[0]!).balance, 300, 'and nothing moves');
  const refused = decideCareEnd(confirming, processId, { problem: 'daily-cap', detail: 'full' });
  t.match(refused, [{ type: 'carebank.CareConfirmationRefused', data: { careId, processId, problem: 'daily-cap', resumes: 'logged' } }]);
  t.equal(evolveCare(confirming, refused[0]!).status, 'logged', 'the care waits again');
  t.same(decideCareEnd(confirming, 'another process'), [], 'only the process that began it ends it');
  t.same(decideCareEnd(evolveCare(confirming, { type: 'carebank.CareConfirmed', data: { careId, confirmedBy: edna } }), processId), [], 'ended once');
});

t.test('the volunteer must be old enough under the rules in force on the day of care', async (t) => {
  t.match(refusal(() => confirm(care, recipient, emptyBank, scheme(), null)), { type: 'age-unknown', status: 422 }, 'no date of birth: the age cannot be checked');
  t.match(refusal(() => confirm(care, recipient, emptyBank, scheme(), 17)), { type: 'too-young-to-bank', status: 422 }, '17 under the defaults');
  t.equal(confirm(care, recipient, emptyBank, scheme(), 18).bank.length, 1, 'from 18 under the defaults');

  // From December the scheme lets 16-year-olds bank; November's care is still judged by the defaults.
  const lowered = scheme(versioned(1, { minimumAgeToBank: 16, effectiveFrom: '2026-12-01' }));
  t.match(refusal(() => confirm(care, recipient, emptyBank, lowered, 17)), { type: 'too-young-to-bank' }, 'care before the change: the old minimum');
  t.match(confirm(loggedOn('2026-12-02'), recipient, emptyBank, lowered, 17).bank, [{ data: { rulesVersion: 1 } }], 'care after it: the new minimum, and its version recorded');

  // From December it rises to 21; care given at 19 in November was banked under the rules of its day.
  const raised = scheme(versioned(1, { minimumAgeToBank: 21, effectiveFrom: '2026-12-01' }));
  t.match(confirm(care, recipient, emptyBank, raised, 19).bank, [{ data: { rulesVersion: 0 } }], 'confirmed after the change, judged by the old rules');
  t.match(refusal(() => confirm(loggedOn('2026-12-02'), recipient, emptyBank, raised, 19)), { type: 'too-young-to-bank' });
});

t.test('the daily cap', async (t) => {
  const day = '2026-11-20';
  t.equal(confirm(care, recipient, bankOf({ minutes: 210, kind: 'banked', entryDate: day }), scheme(), 40).bank.length, 1, '210 + 90 is exactly the cap of 300');
  const over = refusal(() => confirm(care, recipient, bankOf({ minutes: 211, kind: 'banked', entryDate: day }), scheme(), 40));
  t.match(over, { type: 'daily-cap', status: 409 }, 'one minute over');
  t.equal(confirm(care, recipient, bankOf({ minutes: 300, kind: 'banked', entryDate: '2026-11-19' }), scheme(), 40).bank.length, 1, 'another day\'s care does not count');
  t.equal(confirm(care, recipient, bankOf({ minutes: 300, kind: 'pledge-received', entryDate: day }), scheme(), 40).bank.length, 1, 'hours pledged to the volunteer that day are not care they gave');
  // The cap in force on the day of care, not today's.
  const tighter = scheme(versioned(1, { dailyCapMinutes: 60, effectiveFrom: '2026-11-21' }));
  t.equal(confirm(care, recipient, emptyBank, tighter, 40).bank.length, 1, 'a cap tightened after the day of care does not apply to it');
  t.match(refusal(() => confirm(loggedOn('2026-11-21'), recipient, emptyBank, tighter, 40)), { type: 'daily-cap' });
});

t.test('the lifetime cap', async (t) => {
  const capped = scheme(versioned(1, { lifetimeCapMinutes: 6000 }));
  t.equal(confirm(care, recipient, bankOf({ minutes: 5910, kind: 'banked', entryDate: '2026-02-01' }), capped, 40).bank.length, 1, 'up to the cap');
  t.match(refusal(() => confirm(care, recipient, bankOf({ minutes: 5911, kind: 'banked', entryDate: '2026-02-01' }), capped, 40)), { type: 'lifetime-cap', status: 409 }, 'one minute over');
  const pledgedAway = bankOf({ minutes: 5950, kind: 'banked', entryDate: '2026-02-01' }, { minutes: -3000, kind: 'pledged', entryDate: '2026-03-01' });
  t.match(refusal(() => confirm(care, recipient, pledgedAway, capped, 40)), { type: 'lifetime-cap' }, 'pledging hours away does not make room: the cap is on hours banked');
  t.equal(confirm(care, recipient, bankOf({ minutes: 100000, kind: 'banked', entryDate: '2026-02-01' }), scheme(), 40).bank.length, 1, 'no lifetime cap by default');
});

t.test('moving banked minutes out needs them banked', async (t) => {
  const bank = bankOf({ minutes: 90, kind: 'banked', entryDate: '2026-11-20' });
  t.equal(bank.balance, 90);
  t.doesNotThrow(() => requireBalance(bank, 90), 'all of it');
  t.match(refusal(() => requireBalance(bank, 91)), { type: 'not-enough-banked', status: 409, field: 'minutes' });
  t.match(refusal(() => requireBalance(bankOf({ minutes: 90, kind: 'banked', entryDate: '2026-11-20' }, { minutes: -60, kind: 'pledged', entryDate: '2026-11-21' }), 31)), { type: 'not-enough-banked' }, 'what was pledged is gone');
  t.match(refusal(() => requireBalance(emptyBank, 1)), { type: 'not-enough-banked' });
});

t.test('safeguarding: a current DBS check before care for a flagged person, where the scheme asks one, at logging and at confirming', async (t) => {
  const checked = (expiresOn: string) => ({ ...active, dbs: { checkType: 'enhanced' as const, issuedOn: '2025-01-01', expiresOn } });
  const strict = (over: Partial<CareCircle> = {}): CareCircle => ({ ...open, recipientNeedsSafeguarding: true, policy: { requireDbsForSafeguarded: true }, ...over });

  t.equal(logCare(log({ circle: strict({ volunteer: checked('2027-01-01') }) })).length, 1, 'a current check: care is logged');
  const unchecked = refusal(() => logCare(log({ circle: strict() })));
  t.match(unchecked, { type: 'safeguarding', status: 422, field: 'volunteerId', message: /none is recorded/ }, 'no check: refused, naming the volunteer and why');
  t.match(refusal(() => logCare(log({ circle: strict({ volunteer: checked('2026-11-22') }) }))), { type: 'safeguarding', field: 'volunteerId', message: /expired on 2026-11-22/ }, 'a check that expires today is not current');
  t.equal(logCare(log({ circle: strict({ recipientNeedsSafeguarding: false }) })).length, 1, 'a person not flagged needs no check');
  t.equal(logCare(log({ circle: strict({ policy: { requireDbsForSafeguarded: false } }) })).length, 1, 'a scheme that asks no check');
  t.match(refusal(() => logCare(log({ circle: { ...open, volunteer: { status: 'none' } } }))), { type: 'unknown-member', field: 'volunteerId' });
  t.match(refusal(() => logCare(log({ circle: { ...open, recipient: { status: 'requested' } } }))), { type: 'unknown-member', field: 'recipientId' });

  // Logged before she was flagged; flagged since: confirming asks again.
  t.match(refusal(() => confirm(care, recipient, emptyBank, scheme(), 40, strict())), { type: 'safeguarding', field: 'volunteerId' }, 'flagged after logging: confirmation refused');
  t.equal(confirm(care, recipient, emptyBank, scheme(), 40, strict({ volunteer: checked('2027-01-01') })).bank.length, 1, 'with a current check recorded since, it is banked');
  t.match(refusal(() => confirm(care, as(cath, { coordinates: true }), emptyBank, scheme(), 40, strict({ volunteer: checked('2026-11-01') }))), { type: 'safeguarding' }, 'a coordinator confirming is asked the same');
});

t.test('nobody confirms care they are a party to, whoever they act for', async (t) => {
  t.match(refusal(() => confirm(care, as(vic, { onBehalfOf: edna, coordinates: true }), emptyBank, scheme(), 40)), { type: 'own-care', status: 403 }, 'the volunteer, a coordinator, acting for the person cared for');
  t.match(refusal(() => confirm(care, as(vic, { coordinates: true }), emptyBank, scheme(), 40)), { type: 'own-care' }, 'the volunteer, as coordinator');
  // Edna, a coordinator, logs care Vic gave her, and would then vouch for it herself.
  const ownEntry = evolveCare({ status: 'none' }, { ...logged, data: { ...logged.data, loggedBy: edna } });
  t.match(refusal(() => confirm(ownEntry, as(edna, { coordinates: true }), emptyBank, scheme(), 40)), { type: 'party-to-care', status: 403 }, 'the person cared for, on care she logged herself');
  t.equal(confirm(ownEntry, as(cath, { coordinates: true }), emptyBank, scheme(), 40).bank.length, 1, 'another coordinator confirms it');
  t.equal(confirm(care, as(edna, { coordinates: true }), emptyBank, scheme(), 40).bank.length, 1, 'a coordinator cared for confirms care the volunteer logged, in her own name');
  t.match(refusal(() => confirm(care, as(edna, { onBehalfOf: stan, coordinates: true }), emptyBank, scheme(), 40)), { type: 'not-the-recipient' }, 'the person cared for acting for someone else');
  t.match(refusal(() => confirm(care, as(cath, { onBehalfOf: stan, coordinates: true }), emptyBank, scheme(), 40)), { type: 'not-the-recipient' }, 'a coordinator acting for a member does only what the member could');
  const confirmed = confirm(care, as(cath, { onBehalfOf: edna, coordinates: true }), emptyBank, scheme(), 40);
  t.same(confirmed.care, [{ type: 'carebank.CareConfirmed', data: { careId, confirmedBy: edna } }], 'a coordinator acting for the person cared for confirms in her name');
});

t.test('disputing care: by whoever could confirm it, before it is banked; then only a coordinator settles it', async (t) => {
  const reason = { clear: 'not that day' };
  const dispute = (state: CareState, by: CareActor) => decideDisputeCare({ by, reason }, { care: state }).care;
  t.match(refusal(() => dispute(care, as(vic))), { type: 'not-the-recipient', status: 403 }, 'not the volunteer');
  t.match(refusal(() => dispute(care, as(vic, { onBehalfOf: edna, coordinates: true }))), { type: 'own-care' }, 'not a coordinator who gave it, acting for the person cared for');
  t.match(refusal(() => dispute({ status: 'none' }, recipient)), { type: 'care-not-found', status: 404 });
  const events = dispute(care, recipient);
  t.same(events, [{ type: 'carebank.CareDisputed', data: { careId, disputedBy: edna, reason } }], 'the person cared for disputes it');
  const disputed = evolveCare(care, events[0]!);
  t.equal(disputed.status, 'disputed');
  t.match(refusal(() => dispute(disputed, as(cath, { coordinates: true }))), { type: 'care-settled', status: 409 }, 'once');
  t.match(refusal(() => confirm(disputed, recipient, emptyBank, scheme(), 40)), { type: 'care-disputed', status: 409 }, 'the person cared for no longer confirms it');
  t.match(refusal(() => confirm(disputed, as(cath, { onBehalfOf: edna, coordinates: true }), emptyBank, scheme(), 40)), { type: 'care-disputed' }, 'nor a coordinator in her name');
  t.equal(confirm(disputed, as(cath, { coordinates: true }), emptyBank, scheme(), 40).bank.length, 1, 'a coordinator who is no party settles it by confirming');
  t.match(refusal(() => confirm(disputed, as(vic, { coordinates: true }), emptyBank, scheme(), 40)), { type: 'own-care' }, 'never the volunteer, coordinator or not');
});

t.test('logging: who acts for whom', async (t) => {
  t.match(logCare(log({ by: as(cath, { onBehalfOf: vic, coordinates: true }) })), [{ data: { loggedBy: cath } }], 'a coordinator acting for the volunteer: the record names who logged it');
  t.match(refusal(() => logCare(log({ by: as(cath, { onBehalfOf: edna, coordinates: true }) }))), { type: 'not-the-volunteer' }, 'acting for the person cared for, a coordinator cannot log care they received');
});

t.test('pledges, gifts to the pool and claims', async (t) => {
  const banked = bankOf({ minutes: 120, kind: 'banked', entryDate: '2026-11-20' });
  const move = { networkId, from: vic, minutes: 60, ref: careId, today: '2026-11-22' };
  const entry = { networkId, ref: careId, entryDate: '2026-11-22', rulesVersion: null };
  const pledged = decidePledge({ ...move, relativeId: edna }, { giver: banked, relative: active });
  t.same(pledged, { giver: [{ type: 'carebank.BankEntry', data: { ...entry, holder: vic, minutes: -60, kind: 'pledged', counterparty: edna } }] }, 'out of the giver\'s bank, which alone is written');
  const [out] = pledged.giver;
  t.ok(out?.type === 'carebank.BankEntry' && movesOut(out.data), 'an entry that moves hours out');
  t.same(decideReceipt(out!.data as Parameters<typeof decideReceipt>[0]), [{ type: 'carebank.BankEntry', data: { ...entry, holder: edna, minutes: 60, kind: 'pledge-received', counterparty: vic } }], 'then into the relative\'s, made from the giver\'s entry alone');
  t.match(refusal(() => decidePledge({ ...move, relativeId: stan }, { giver: banked, relative: { status: 'none' } })), { type: 'unknown-member', field: 'relativeId' });
  t.match(refusal(() => decidePledge({ ...move, relativeId: vic }, { giver: banked, relative: active })), { type: 'pledge-to-oneself', field: 'relativeId' });
  t.match(refusal(() => decidePledge({ ...move, relativeId: edna, minutes: 121 }, { giver: banked, relative: active })), { type: 'not-enough-banked', field: 'minutes' });
  const donated = decideDonation(move, { giver: banked });
  t.match(donated, { giver: [{ data: { kind: 'donated', counterparty: POOL, minutes: -60 } }] });
  t.match(decideReceipt(donated.giver[0]!.data as Parameters<typeof decideReceipt>[0]), [{ data: { holder: POOL, kind: 'pool-received', minutes: 60, counterparty: vic } }]);
  t.notOk(movesOut({ ...entry, holder: vic, minutes: -60, kind: 'claimed', counterparty: null }), 'a claim moves hours to nobody\'s bank');

  const claim = { networkId, claimantId: vic, minutes: 60, claimantAge: 60, ref: careId, today: '2026-11-22' };
  t.same(decideClaim(claim, { bank: banked, scheme: scheme() }).bank, [{ type: 'carebank.BankEntry', data: { ...entry, holder: vic, minutes: -60, kind: 'claimed', counterparty: null, rulesVersion: 0 } }]);
  t.match(refusal(() => decideClaim({ ...claim, claimantAge: 59 }, { bank: banked, scheme: scheme() })), { type: 'too-young-to-claim' });
  t.match(refusal(() => decideClaim({ ...claim, claimantAge: null }, { bank: banked, scheme: scheme() })), { type: 'age-unknown' });
  t.match(refusal(() => decideClaim({ ...claim, minutes: 121 }, { bank: banked, scheme: scheme() })), { type: 'not-enough-banked' });
  t.match(decideClaim({ ...claim, claimantAge: 65 }, { bank: banked, scheme: scheme(versioned(1, { claimFromAge: 65 })) }).bank, [{ data: { rulesVersion: 1 } }], 'the claim records the rules it was allowed under');
});
