// The care bank's application functions on PGlite, with a clock the tests set: safeguarding asked
// when care is logged and again when it is confirmed, under the scheme's own policy; nobody
// confirming care they are a party to; and If-Match on a care record.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { freshPglite } from './support/db.ts';
import { caughtUp, stoppedAfter, testHearth } from './support/hearth.ts';
import { written } from './support/http.ts';
import { refused } from './support/given.ts';
import { callerOf, careScheme } from './support/carebank.ts';
import { fixedClock } from '../src/clock.ts';
import * as carebank from '../src/carebank/app.ts';
import { waitingFor } from '../src/notify/app.ts';
import { bankFolder, bankStream, careStream } from '../src/carebank/bank.ts';
import { readStates, PreconditionFailed } from '../src/commands/decide.ts';
import { Rejection } from '../src/commands/decider.ts';
import { Forbidden } from '../src/access/guard.ts';

const hearth = await testHearth(await freshPglite());
t.teardown(() => hearth.close());
const clock = fixedClock('2026-11-22T10:00:00Z');
const deps = { ...hearth, clock };

const scheme = await careScheme(deps);
const { networkId } = scheme;
const [cath, cora, vic, val, edna, olive, walter, rose] = await Promise.all([
  scheme.member('Cath Coordinator', 50, ['member', 'coordinator']),
  scheme.member('Cora Coordinator', 70, ['member', 'coordinator']),
  scheme.member('Vic Volunteer', 36),
  scheme.member('Val Volunteer', 41),
  scheme.member('Edna Elder', 88),
  scheme.member('Olive Older', 81),
  scheme.member('Walter Widower', 90),
  scheme.member('Rose Relative', 62),
]);

const care = (volunteerId: string, recipientId: string, over: Partial<carebank.CareInput> = {}) => ({ networkId, volunteerId, recipientId, minutes: 60, activity: 'befriending' as const, occurredOn: '2026-11-20', ...over });
const log = (by: string, volunteerId: string, recipientId: string, over: Partial<carebank.CareInput> = {}) => carebank.logCare(deps, callerOf(by), care(volunteerId, recipientId, over));
const confirm = (by: string, careId: string, over: Parameters<typeof callerOf>[1] = {}) => carebank.confirmCare(deps, callerOf(by, over), { networkId, careId });
const banked = async (holder: string) => (await readStates(hearth.store, { bank: [bankStream(networkId, holder), bankFolder] })).bank.balance;

/** The refusal a use case met, whole, so its field and words can be checked. */
async function refusalOf(promise: Promise<unknown>): Promise<Rejection | Forbidden | undefined> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Rejection || err instanceof Forbidden) return err;
    throw err;
  }
  return undefined;
}

t.test('care logged by the volunteer and confirmed by the person cared for is banked', async (t) => {
  const { careId, revision } = await log(vic, vic, edna);
  t.equal(revision, 0);
  t.equal(careId, (await carebank.careRecord(deps, callerOf(vic), { networkId, careId })).careId);
  const done = await confirm(edna, careId);
  t.equal(done.revision, 2, 'the care record\'s revision: its ETag');
  t.equal(await banked(vic), 60);
  const [, started, confirmation] = await hearth.store.readStream(careStream(careId));
  t.match(started, { type: 'carebank.CareConfirmationStarted', metadata: { recordedAt: '2026-11-22T10:00:00.000Z' } }, 'its time from the clock');
  t.match(confirmation, { type: 'carebank.CareConfirmed' }, 'then ended, once the bank took the hours');
});

t.test('a confirmation stopped after it began is finished once, by two at once and by the retried request; meanwhile it shows as being confirmed', async (t) => {
  const [ned, iris] = await Promise.all([scheme.member('Ned Neighbour', 45), scheme.member('Iris Elder', 84)]);
  const { careId } = await log(ned, ned, iris, { occurredOn: '2026-11-17' });
  const request = callerOf(iris);
  const before = await banked(ned);
  await t.rejects(carebank.confirmCare(stoppedAfter(deps, 1), request, { networkId, careId }), /stopped/);
  await hearth.engine.start();
  t.ok(await caughtUp(hearth));
  t.same(await carebank.unfinishedCare(hearth), [careId], 'found in flight by the sweeper\'s look');
  t.equal((await carebank.careRecord(deps, callerOf(iris), { networkId, careId })).status, 'confirming', 'shown as being confirmed');
  await Promise.all([carebank.finishCare(deps, careId), carebank.finishCare(deps, careId)]);
  const again = await carebank.confirmCare(deps, request, { networkId, careId });
  t.equal(again.revision, 2, 'the retried request answers the record as it ended');
  t.equal(await banked(ned), before + 60, 'banked once');
  t.same((await hearth.store.readStream(careStream(careId))).map((e) => e.type), ['carebank.CareLogged', 'carebank.CareConfirmationStarted', 'carebank.CareConfirmed']);
  t.ok(await caughtUp(hearth));
  t.same(await carebank.unfinishedCare(hearth), [], 'nothing left in flight');
  await hearth.engine.stop();
});

t.test('a confirmation the bank refused after it began: the care waits again, and its record says why', async (t) => {
  const [nia, ida] = [await scheme.member('Nia Neighbour', 52), await scheme.member('Ida Elder', 91)];
  const first = await log(nia, nia, ida, { occurredOn: '2026-11-16', minutes: 180 });
  const second = await log(nia, nia, ida, { occurredOn: '2026-11-16', minutes: 180 });
  await t.rejects(carebank.confirmCare(stoppedAfter(deps, 1), callerOf(ida), { networkId, careId: first.careId }), /stopped/);
  await confirm(ida, second.careId);
  const ended = await carebank.finishCare(deps, first.careId);
  t.match(ended, { refused: { problem: 'daily-cap' } }, 'the day filled meanwhile: at most five hours a day');
  t.match(await carebank.careRecord(deps, callerOf(ida), { networkId, careId: first.careId }), { status: 'logged', lastRefusal: { problem: 'daily-cap', detail: /At most 5 hours/ }, youMayConfirm: true }, 'it waits to be confirmed again, and says why the hours were not banked');
  t.match(await carebank.careRecord(deps, callerOf(ida), { networkId, careId: second.careId }), { status: 'confirmed', lastRefusal: null });
});

t.test('a pledge stopped after the giver\'s bank was written is received once: by the sweeper, two at once, and by the retried request', async (t) => {
  const [gus, gwen] = await Promise.all([scheme.member('Gus Giver', 47), scheme.member('Gwen Granddaughter', 30)]);
  await carebank.confirmCare(deps, callerOf(edna), { networkId, careId: (await log(gus, gus, edna, { occurredOn: '2026-11-18' })).careId });
  const request = callerOf(gus);
  await t.rejects(carebank.pledge(stoppedAfter(deps, 1), request, { networkId, relativeId: gwen, minutes: 20 }), /stopped/);
  t.equal(await banked(gus), 40, 'out of the giver\'s bank');
  t.equal(await banked(gwen), 0, 'not yet in the relative\'s');
  await hearth.engine.start();
  t.ok(await caughtUp(hearth));
  const [ref] = await carebank.unfinishedMoves(hearth);
  t.ok(ref, 'found in flight by the sweeper\'s look');
  await Promise.all([carebank.finishMove(deps, ref!), carebank.finishMove(deps, ref!)]);
  const again = await carebank.pledge(deps, request, { networkId, relativeId: gwen, minutes: 20 });
  t.equal(again.revision, (await hearth.store.readStream(bankStream(networkId, gus))).at(-1)!.revision, 'the retried request answers the giver\'s bank');
  t.equal(await banked(gus), 40, 'taken from the giver once');
  t.equal(await banked(gwen), 20, 'received once');
  t.ok(await caughtUp(hearth));
  t.same(await carebank.unfinishedMoves(hearth), [], 'nothing left in flight');

  const gift = callerOf(gwen);
  await t.rejects(carebank.donateToPool(stoppedAfter(deps, 1), gift, { networkId, minutes: 5 }), /stopped/);
  const pool = await banked('pool');
  await carebank.donateToPool(deps, gift, { networkId, minutes: 5 });
  t.equal(await banked('pool'), pool + 5, 'a gift to the pool stopped half way is finished by its retry');
  t.equal(await banked(gwen), 15);
  await hearth.engine.stop();
});

t.test('safeguarding when care is logged: a current DBS check before care for a flagged person, where the scheme asks one', async (t) => {
  await scheme.requireDbs();
  await scheme.flag(edna);
  t.teardown(async () => {
    await scheme.flag(edna, false);
    await scheme.requireDbs(false);
  });
  const before = await written(hearth);
  const refusal = await refusalOf(log(val, val, edna));
  t.match(refusal, { type: 'safeguarding', status: 422, field: 'volunteerId', message: /DBS check.*none is recorded/ }, 'refused, naming the volunteer and why');
  t.same(await written(hearth), before, 'nothing written');
  t.match(await refusalOf(log(cath, val, edna)), { type: 'safeguarding', field: 'volunteerId' }, 'logged by a coordinator: the same');
  t.equal(await refused(log(val, val, olive)), null, 'care for a person not flagged needs no check');

  await scheme.dbs(val, '2026-01-01', '2026-11-22');
  t.match(await refusalOf(log(val, val, edna)), { type: 'safeguarding', message: /expired on 2026-11-22/ }, 'a check that ends today is not current');
  await scheme.dbs(val, '2026-11-01', '2029-11-01');
  t.equal(await refused(log(val, val, edna)), null, 'with a current check, care is logged');
});

t.test('safeguarding when care is confirmed: a person flagged after the care was logged', async (t) => {
  const { careId } = await log(vic, vic, walter);
  await scheme.requireDbs();
  await scheme.flag(walter);
  t.teardown(() => scheme.requireDbs(false));
  const before = await written(hearth);
  t.match(await refusalOf(confirm(walter, careId)), { type: 'safeguarding', status: 422, field: 'volunteerId' }, 'confirmation refused');
  t.match(await refusalOf(confirm(cath, careId)), { type: 'safeguarding' }, 'by a coordinator too');
  t.same(await written(hearth), before, 'nothing written: nothing banked');
  t.equal(await banked(vic), 60);

  await scheme.dbs(vic, '2026-11-01', '2026-11-30');
  await confirm(walter, careId);
  t.equal(await banked(vic), 120, 'with a current check recorded since, it is banked');

  // A check that lapses between logging and confirming: the clock moves on.
  const later = await log(vic, vic, walter, { occurredOn: '2026-11-21' });
  clock.set('2026-12-01T09:00:00Z');
  t.teardown(() => clock.set('2026-11-22T10:00:00Z'));
  t.match(await refusalOf(confirm(walter, later.careId)), { type: 'safeguarding', message: /expired on 2026-11-30/ }, 'refused once the check has expired');
});

t.test("the scheme's policy decides: a scheme that asks no check banks care for a flagged person", async (t) => {
  await scheme.flag(rose);
  t.equal(await refused(log(val, val, rose).then(({ careId }) => confirm(rose, careId))), null);
});

t.test('nobody confirms care they are a party to, whoever they act for', async (t) => {
  // Cath, a coordinator, befriends Edna and would vouch for it in Edna's name.
  const own = await log(cath, cath, olive);
  let before = await written(hearth);
  t.match(await refusalOf(confirm(cath, own.careId, { onBehalfOf: olive })), { type: 'own-care', status: 403 }, 'the volunteer, as coordinator, acting for the person cared for');
  t.match(await refusalOf(confirm(cath, own.careId)), { type: 'own-care' }, 'the volunteer, as coordinator');
  t.same(await written(hearth), before, 'nothing written');
  await confirm(cora, own.careId);
  t.equal(await banked(cath), 60, 'another coordinator confirms it');

  // Cora, a coordinator, logs care Vic gave her, and would vouch for it herself.
  const received = await log(cora, vic, cora);
  before = await written(hearth);
  t.match(await refusalOf(confirm(cora, received.careId)), { type: 'party-to-care', status: 403 }, 'the person cared for, on care she logged herself');
  t.match(await refusalOf(confirm(vic, received.careId)), { type: 'not-the-recipient' }, 'nor the volunteer');
  t.same(await written(hearth), before, 'nothing written');
  t.equal(await refused(confirm(cath, received.careId)), null, 'another coordinator confirms it');

  // Care Vic logged for Cora: she confirms it in her own name.
  const given = await log(vic, vic, cora, { occurredOn: '2026-11-19' });
  t.equal(await refused(confirm(cora, given.careId)), null, 'a coordinator cared for confirms care the volunteer logged');
});

t.test('If-Match names the care record: a stale revision is refused and writes nothing', async (t) => {
  const { careId, revision } = await log(vic, vic, olive, { occurredOn: '2026-11-18' });
  const before = await written(hearth);
  await t.rejects(confirm(olive, careId, { ifMatch: revision + 1 }), PreconditionFailed);
  t.same(await written(hearth), before, 'nothing written');
  t.equal((await confirm(olive, careId, { ifMatch: revision })).revision, revision + 2, 'the revision read: confirmed, begun and ended');
  await t.rejects(confirm(olive, careId, { ifMatch: revision }), PreconditionFailed, 'that revision is stale now');
});

t.test('who may log care, and for whom', async (t) => {
  const stranger = await scheme.stranger('Stan Stranger', 40);
  t.match(await refusalOf(log(vic, vic, stranger)), { type: 'unknown-member', field: 'recipientId' });
  t.match(await refusalOf(log(cath, stranger, edna)), { type: 'unknown-member', field: 'volunteerId' });
  t.match(await refusalOf(log(stranger, stranger, edna)), { name: 'Forbidden' }, 'someone outside the scheme');
  t.match(await refusalOf(log(rose, vic, edna)), { type: 'not-the-volunteer' }, 'a member for another');
  t.match(await refusalOf(carebank.logCare(deps, callerOf(cath, { onBehalfOf: edna }), care(vic, edna))), { type: 'not-the-volunteer' }, 'a coordinator acting for the person cared for');
  t.match(await refusalOf(carebank.logCare(deps, callerOf(rose, { onBehalfOf: vic }), care(vic, edna))), { name: 'Forbidden' }, 'a member who is no coordinator acting for another');
  t.match(await refusalOf(carebank.pledge(deps, callerOf(stranger), { networkId, relativeId: rose, minutes: 1 })), { name: 'Forbidden' }, 'hours pledged from outside the scheme');
  const forVic = await carebank.logCare(deps, callerOf(cath, { onBehalfOf: vic }), care(vic, olive, { occurredOn: '2026-11-17' }));
  t.match(await carebank.careRecord(deps, callerOf(vic), { networkId, careId: forVic.careId }), { loggedBy: cath }, 'a coordinator acting for the volunteer: the record names who logged it');
  t.match(await refusalOf(log(vic, vic, edna, { occurredOn: '2026-11-23' })), { type: 'date-in-future', field: 'occurredOn' }, "the future, by the clock's date");
});

t.test('who may read a care record and a bank', async (t) => {
  const { careId } = await log(vic, vic, olive, { occurredOn: '2026-11-16' });
  for (const reader of [vic, olive, cath]) t.equal((await carebank.careRecord(deps, callerOf(reader), { networkId, careId })).careId, careId);
  t.match(await refusalOf(carebank.careRecord(deps, callerOf(rose), { networkId, careId })), { name: 'Forbidden' }, 'not another member');
  const other = await careScheme(deps, 'Otley Care Bank');
  t.match(await refusalOf(carebank.careRecord(deps, callerOf(cath), { networkId: other.networkId, careId })), { type: 'care-not-found' }, 'not through another scheme');
  t.match(await refusalOf(carebank.bankAsAt(deps, callerOf(rose), { networkId, personId: vic })), { name: 'Forbidden' });
  t.match(await refusalOf(carebank.obligation(deps, callerOf(vic), { networkId, asAt: '2026-11-22' })), { name: 'Forbidden' });
  t.match(await refusalOf(carebank.versionRules(deps, callerOf(vic), { networkId, rules: { minimumAgeToBank: 18, claimFromAge: 60, dailyCapMinutes: 300, lifetimeCapMinutes: null, effectiveFrom: '2026-12-01' } })), { name: 'Forbidden' }, 'only coordinators set the rules');
  t.equal((await carebank.schemeRules(deps, callerOf(rose), { networkId })).inForce.version, 0, 'any member reads them');
});

t.test('pledges, gifts to the pool and claims take their day from the clock', async (t) => {
  const pledged = await carebank.pledge(deps, callerOf(vic), { networkId, relativeId: rose, minutes: 30 });
  t.ok(pledged.position > 0);
  const [entry] = await hearth.store.readStream(bankStream(networkId, rose));
  t.match(entry, { data: { kind: 'pledge-received', minutes: 30, entryDate: '2026-11-22' } });
  t.match(await refusalOf(carebank.pledge(deps, callerOf(vic), { networkId, relativeId: randomUUID(), minutes: 10 })), { type: 'unknown-member', field: 'relativeId' });
  const pool = await banked('pool');
  await carebank.donateToPool(deps, callerOf(cath, { onBehalfOf: vic }), { networkId, minutes: 10 });
  t.equal(await banked('pool'), pool + 10, 'given by a coordinator in the holder\'s name');
  t.match(await refusalOf(carebank.claimCare(deps, callerOf(vic), { networkId, minutes: 10 })), { type: 'too-young-to-claim' });
  await carebank.claimCare(deps, callerOf(rose), { networkId, minutes: 30 });
  t.equal(await banked(rose), 0, 'Rose, at 62, claims what was pledged to her');
});

t.test('care disputed before it is banked, and the list of care each reader sees', async (t) => {
  await hearth.engine.start();
  const ilkley = await careScheme(deps, 'Ilkley Care Bank');
  const [ida, ian, vera, nell, nora] = await Promise.all([
    ilkley.member('Ida Coordinator', 55, ['member', 'coordinator']),
    ilkley.member('Ian Coordinator', 58, ['member', 'coordinator']),
    ilkley.member('Vera Volunteer', 40),
    ilkley.member('Nell Neighbour', 84),
    ilkley.member('Nora Neighbour', 86),
  ]);
  const at = { networkId: ilkley.networkId };
  const logIn = (by: string, volunteerId: string, recipientId: string, occurredOn = '2026-11-20') =>
    carebank.logCare(deps, callerOf(by), { ...at, volunteerId, recipientId, minutes: 45, activity: 'shopping', occurredOn });
  const dispute = (by: string, careId: string, over: Parameters<typeof callerOf>[1] = {}) => carebank.disputeCare(deps, callerOf(by, over), { ...at, careId, reason: 'I was out that day' });
  const list = async (reader: string) => {
    await hearth.engine.waitFor(['carebank_care', 'people'], await hearth.store.headPosition(), 10_000);
    return (await carebank.careList(deps, callerOf(reader), { ...at, page: { limit: 50 } })).items;
  };

  const toNell = await logIn(vera, vera, nell);
  const toNora = await logIn(vera, vera, nora, '2026-11-21');
  const idaGave = await logIn(ida, ida, nell, '2026-11-19');

  let before = await written(hearth);
  t.match(await refusalOf(dispute(vera, toNell.careId)), { type: 'not-the-recipient', status: 403 }, 'the volunteer cannot dispute what they gave');
  t.match(await refusalOf(dispute(ida, idaGave.careId, { onBehalfOf: nell })), { type: 'own-care' }, 'a coordinator who gave it, not even for the person cared for');
  t.match(await refusalOf(dispute(nora, toNell.careId)), { type: 'not-the-recipient' }, 'nor someone else');
  t.same(await written(hearth), before, 'nothing written');

  const disputed = await dispute(nell, toNell.careId, { ifMatch: toNell.revision });
  t.equal(disputed.revision, 1, "the care record's revision");
  const [, event] = await hearth.store.readStream(careStream(toNell.careId));
  t.match(event, { type: 'carebank.CareDisputed', data: { disputedBy: nell } });
  t.notOk(JSON.stringify(event!.data).includes('I was out'), 'what is wrong is sealed');
  t.match(await refusalOf(dispute(nell, toNell.careId)), { type: 'care-settled', status: 409 }, 'once');
  t.match(await refusalOf(carebank.confirmCare(deps, callerOf(nell), { ...at, careId: toNell.careId })), { type: 'care-disputed', status: 409 }, 'the person cared for no longer confirms it');

  const vera1 = await list(vera);
  t.same(vera1.map((c) => [c.careId, c.status, c.youMayConfirm]), [[toNora.careId, 'logged', false], [toNell.careId, 'disputed', false]], 'the volunteer: what she gave, newest first, none hers to confirm');
  t.match(vera1[0], { volunteerName: 'Vera Volunteer', recipientName: 'Nora Neighbour', minutes: 45, activity: 'shopping', occurredOn: '2026-11-21' }, 'both named');
  t.same((await list(nora)).map((c) => [c.careId, c.youMayConfirm]), [[toNora.careId, true]], 'the person cared for: only her care, and she may confirm it');
  t.same((await list(nell)).map((c) => [c.careId, c.youMayConfirm]), [[idaGave.careId, true], [toNell.careId, false]], 'disputed care is not hers to confirm any more');
  const byIda = new Map((await list(ida)).map((c) => [c.careId, c.youMayConfirm]));
  t.same([byIda.get(toNell.careId), byIda.get(toNora.careId), byIda.get(idaGave.careId)], [true, true, false], 'a coordinator sees all care waiting, and never confirms her own');
  t.equal((await list(ian)).length, 3, 'another coordinator sees it all');

  // What waits, as the home page says it: the same rule as who may confirm.
  const waiting = async (reader: string) => (await waitingFor(hearth, { personId: reader })).filter((w) => w.networkId === at.networkId).map((w) => [w.kind, w.count]);
  t.same(await waiting(nora), [['care-to-confirm', 1]], 'the person cared for: care the volunteer logged waits for her');
  t.same(await waiting(nell), [['care-to-confirm', 1]], 'disputed care no longer waits for her; care another coordinator gave does');
  t.same(await waiting(vera), [], 'nothing waits for the volunteer');
  t.same(await waiting(ian), [['care-disputed', 1]], 'a dispute waits for a coordinator with no part in it');

  await carebank.confirmCare(deps, callerOf(ian), { ...at, careId: toNell.careId });
  t.same((await list(vera)).map((c) => c.status), ['logged', 'confirmed'], 'a coordinator who is no party settles the dispute');
  t.same((await list(ida)).map((c) => c.careId).includes(toNell.careId), false, 'settled care leaves other coordinators\' lists');
  t.match(await refusalOf(carebank.careList(deps, callerOf(vic), { ...at, page: { limit: 50 } })), { name: 'Forbidden' }, 'not outside the scheme');
});
