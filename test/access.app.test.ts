// Consent between people and networks, at the application level on PGlite: who joins whom, and
// how far a coordinator's powers over a person reach (acting for them, export, erasure).
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { freshPglite } from './support/db.ts';
import { signedUp as signedUpPerson, stoppedAfter, testHearth } from './support/hearth.ts';
import { refused } from './support/given.ts';
import * as access from '../src/access/app.ts';
import * as networks from '../src/networks/app.ts';
import { actFor } from '../src/access/guard.ts';
import { reachRefusal } from '../src/access/consent.ts';
import type { Caller } from '../src/access/caller.ts';
import type { PersonState } from '../src/access/person.ts';
import { whole } from '../src/db/keyset.ts';

const hearth = await testHearth(await freshPglite());
await hearth.engine.start();
t.teardown(() => hearth.close());

const as = (personId: string, onBehalfOf: string | null = null): Caller => ({ personId, onBehalfOf, commandId: randomUUID(), correlationId: randomUUID() });
let people = 0;
const signedUp = (name: string) => signedUpPerson(hearth, { name, email: `p${++people}.${randomUUID().slice(0, 8)}@example.org` });
const opened = async (by: string, name: string) => (await networks.openNetwork(hearth, as(by), { name, kind: 'time_bank' })).networkId;
const eventCount = async () => Number((await hearth.database.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
/** Which of these refusals a promise met: a Rejection's type, or 'forbidden'. */
const settled = async () => hearth.engine.waitFor(['people', 'memberships', 'person_history', 'networks'], await hearth.store.headPosition(), 10_000);

const cath = await signedUp('Cath Coordinator');
const timeBank = await opened(cath, 'Chapeltown Time Bank');
const ann = await signedUp('Ann Whitaker');
await access.requestToJoin(hearth, as(ann), { networkId: timeBank });
await access.approve(hearth, as(cath), { networkId: timeBank, personId: ann, roles: ['member'] });

t.test('the reproduction: a stranger opens a network, invites Ann, and can go no further', async (t) => {
  const mallory = await signedUp('Mallory Stranger');
  const own = await opened(mallory, 'Mallory Mutual');
  await access.invite(hearth, as(mallory), { networkId: own, personId: ann });
  await settled();
  const before = await eventCount();
  t.equal(await refused(actFor(hearth, mallory, own, ann)), 'forbidden', 'On-Behalf-Of Ann is refused by the guard');
  t.equal(await refused(access.acceptInvitation(hearth, as(mallory, ann), { networkId: own })), 'own-acceptance-only', 'no one accepts for a person with an account');
  t.equal(await refused(access.exportPerson(hearth, as(mallory), { personId: ann })), 'not-yours-to-reach', 'no export');
  t.equal(await refused(access.erasePerson(hearth, as(mallory), { personId: ann })), 'not-yours-to-reach', 'no erasure');
  t.equal(await eventCount(), before, 'nothing written');
  const [registered] = await hearth.store.readStream(`person-${ann}`);
  t.ok(await hearth.vault.open(ann, (registered!.data as { details: string }).details), "her key is whole");
});

t.test('a person with an account joins only by their own act', async (t) => {
  const bob = await signedUp('Bob Okafor');
  await access.invite(hearth, as(cath), { networkId: timeBank, personId: bob });
  t.equal(await refused(access.approve(hearth, as(cath), { networkId: timeBank, personId: bob, roles: ['member'] })), 'nothing-to-approve', 'an invitation is not a request to approve');
  t.equal(await refused(access.acceptInvitation(hearth, as(cath, bob), { networkId: timeBank })), 'own-acceptance-only', 'not even their own coordinator accepts for them');
  await access.acceptInvitation(hearth, as(bob), { networkId: timeBank });
  const person = await hearth.store.readStream(`person-${bob}`);
  t.ok(person.some((e) => e.type === 'access.NetworkJoined' && (e.data as { networkId: string }).networkId === timeBank), 'the membership is on his own stream too');
});

t.test('a coordinator declines a request to join; the person may ask again, and no one else declines it', async (t) => {
  const dan = await signedUp('Dan Asker');
  await access.requestToJoin(hearth, as(dan), { networkId: timeBank });
  t.equal(await refused(access.decline(hearth, as(ann), { networkId: timeBank, personId: dan })), 'coordinators-only', 'a member who does not coordinate may not decline');
  const mallory = await signedUp('Mallory Elsewhere');
  await opened(mallory, 'Elsewhere Exchange');
  t.equal(await refused(access.decline(hearth, as(mallory), { networkId: timeBank, personId: dan })), 'coordinators-only', "another network's coordinator may not decline");
  t.equal(await refused(access.decline(hearth, as(cath), { networkId: timeBank, personId: cath })), 'own-request', 'never their own');
  await access.decline(hearth, as(cath), { networkId: timeBank, personId: dan });
  const before = await eventCount();
  await access.decline(hearth, as(cath), { networkId: timeBank, personId: dan });
  t.equal(await eventCount(), before, 'declining twice records once');
  await settled();
  t.equal((await access.members(hearth, { networkId: timeBank }, whole)).items.find((m) => m.personId === dan)?.status, 'declined', 'the coordinator sees the request declined');
  t.same((await access.me(hearth, as(dan))).memberships.map((m) => m.status), ['declined'], 'and so does the person');
  t.equal(await refused(access.decline(hearth, as(cath), { networkId: timeBank, personId: ann })), 'already-a-member', 'a member is not declined');
  await access.requestToJoin(hearth, as(dan), { networkId: timeBank });
  await settled();
  t.equal((await access.members(hearth, { networkId: timeBank }, whole)).items.find((m) => m.personId === dan)?.status, 'requested', 'asking again after a refusal');
  await access.approve(hearth, as(cath), { networkId: timeBank, personId: dan, roles: ['member'] });
});

t.test('a coordinator reaches a member of their network only, and not through another network', async (t) => {
  const priya = await signedUp('Priya Shah');
  await access.requestToJoin(hearth, as(priya), { networkId: timeBank });
  await access.approve(hearth, as(cath), { networkId: timeBank, personId: priya, roles: ['member'] });
  t.equal(await actFor(hearth, cath, timeBank, priya), priya, 'her own coordinator acts for her');
  await settled();
  t.match(await access.exportPerson(hearth, as(cath), { personId: priya }), { personId: priya, details: { name: 'Priya Shah' } }, 'and may export her data');

  // Priya also joins a network Cath does not coordinate, of her own accord.
  const tom = await signedUp('Tom Hirst');
  const other = await opened(tom, 'Harehills Helpers');
  await access.requestToJoin(hearth, as(priya), { networkId: other });
  await access.approve(hearth, as(tom), { networkId: other, personId: priya, roles: ['member'] });
  await access.flagSafeguarding(hearth, as(cath), { networkId: timeBank, personId: priya, needsSafeguarding: true });
  const before = await eventCount();
  t.equal(await refused(actFor(hearth, cath, timeBank, priya)), 'forbidden', 'now Cath no longer acts for her');
  t.equal(await refused(actFor(hearth, tom, other, priya)), 'forbidden', 'nor does Tom');
  t.equal(await refused(access.exportPerson(hearth, as(tom), { personId: priya })), 'not-yours-to-reach');
  t.equal(await refused(access.flagSafeguarding(hearth, as(tom), { networkId: other, personId: priya, needsSafeguarding: false })), 'not-yours-to-reach', 'no network lifts the protection another gave');
  t.equal(await refused(access.erasePerson(hearth, as(cath), { personId: priya })), 'not-yours-to-reach');
  t.equal(await eventCount(), before, 'nothing written');
  t.match(await access.exportPerson(hearth, as(priya), { personId: priya }), { personId: priya }, 'she exports her own');
});

t.test('a member not online: recorded by a network, reached by its coordinators, by no one else', async (t) => {
  const edna = (await access.recordMember(hearth, as(cath), { networkId: timeBank, details: { name: 'Edna Firth' }, roles: ['member'] })).personId;
  t.equal(await actFor(hearth, cath, timeBank, edna), edna);
  // Cath brings Edna into a second network she coordinates: she accepts for Edna, who has no account.
  const pool = await opened(cath, 'Armley Neighbourhood Network');
  await access.invite(hearth, as(cath), { networkId: pool, personId: edna });
  t.equal(await actFor(hearth, cath, pool, edna), edna, 'the guard lets Cath act for Edna, invited here');
  await access.acceptInvitation(hearth, as(cath, edna), { networkId: pool });

  const mallory = await signedUp('Mallory Again');
  const own = await opened(mallory, 'Mallory Mutual Two');
  await access.invite(hearth, as(mallory), { networkId: own, personId: edna });
  const before = await eventCount();
  t.equal(await refused(actFor(hearth, mallory, own, edna)), 'forbidden', 'a stranger who invites her cannot act for her');
  t.equal(await refused(access.exportPerson(hearth, as(mallory), { personId: edna })), 'not-yours-to-reach');
  t.equal(await refused(access.erasePerson(hearth, as(mallory), { personId: edna })), 'not-yours-to-reach');
  t.equal(await eventCount(), before, 'nothing written');

  await settled();
  const history = (await access.historyOf(hearth, edna, whole)).items;
  t.match(
    history.find((h) => h.type === 'access.MembershipApproved' && h.networkId === pool),
    { actor: cath, onBehalfOf: edna },
    'her history shows Cath accepted for her',
  );

  await access.erasePerson(hearth, as(cath), { personId: edna });
  t.equal(await refused(access.exportPerson(hearth, as(mallory), { personId: edna })), 'not-yours-to-reach', 'erased, she is reached by no one');
});

t.test('a way in: a member recorded without an account claims it, and from then on acts for themselves', async (t) => {
  const stan = (await access.recordMember(hearth, as(cath), { networkId: timeBank, details: { name: 'Stan Lowe' }, roles: ['member'] })).personId;
  const mallory = await signedUp('Mallory Thrice');
  const own = await opened(mallory, 'Mallory Mutual Three');
  t.equal(await refused(access.giveWayIn(hearth, as(mallory), { networkId: own, personId: stan })), 'forbidden', 'only his own coordinator gives him a way in');
  const { code } = await access.giveWayIn(hearth, as(cath), { networkId: timeBank, personId: stan });
  t.match(code, /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  t.equal(await refused(access.claimAccount(hearth, as('anonymous'), { code: 'AAAA-BBBB-CCCC', email: 'stan@example.org', password: 'a long enough password' })), 'claim-code-unknown');
  const claimed = await access.claimAccount(hearth, as('anonymous'), { code: code.toLowerCase(), email: 'stan@example.org', password: 'a long enough password' });
  t.equal(claimed.personId, stan);
  t.equal(await refused(access.claimAccount(hearth, as('anonymous'), { code, email: 'stan2@example.org', password: 'a long enough password' })), 'claim-code-unknown', 'a code is used once');
  const signed = await access.signIn(hearth, { email: 'stan@example.org', password: 'a long enough password', kind: 'bearer', address: '127.0.0.1', sessionHours: 1 });
  t.equal(signed.outcome, 'signed-in');
  // With an account, he joins another network only by his own act, even one Cath coordinates.
  const second = await opened(cath, 'Chapeltown Lunch Club');
  await access.invite(hearth, as(cath), { networkId: second, personId: stan });
  t.equal(await refused(access.acceptInvitation(hearth, as(cath, stan), { networkId: second })), 'own-acceptance-only');
  t.equal(await actFor(hearth, cath, timeBank, stan), stan, 'a member of her network only: she still acts for him there');
});

t.test("a member's history holds everything done in their name, of every kind", async (t) => {
  const renamed = await networks.renameNetwork(hearth, as(cath), { networkId: timeBank, name: 'Chapeltown Time Bank CIC' });
  await hearth.engine.waitFor(['person_history'], renamed.position, 10_000);
  const history = (await access.historyOf(hearth, cath, whole)).items;
  t.match(history.find((h) => h.type === 'network.NetworkRenamed'), { actor: cath, onBehalfOf: null, networkId: timeBank, recordedAt: String }, 'a network event done by her');
});

t.test('If-Match: a stale revision of the network refuses the rename and writes nothing', async (t) => {
  const current = await networks.readNetwork(hearth, { networkId: timeBank });
  const before = await eventCount();
  await t.rejects(networks.renameNetwork(hearth, { ...as(cath), ifMatch: current.revision + 5 }, { networkId: timeBank, name: 'Stale' }), { name: 'PreconditionFailed' });
  t.equal(await eventCount(), before);
});

t.test('stopped between its writes, each membership command is carried on by its retry, and each event is written once', async (t) => {
  const types = async (stream: string) => (await hearth.store.readStream(stream)).map((e) => e.type);
  const retried = (caller: Caller) => caller; // the same request again: the same command id

  // Opening: the founder is enrolled before the network is written.
  const opening = as(cath);
  await t.rejects(networks.openNetwork(stoppedAfter(hearth, 2), opening, { name: 'Meanwood Time Bank', kind: 'time_bank' }), /stopped/);
  const meanwood = (await networks.openNetwork(hearth, retried(opening), { name: 'Meanwood Time Bank', kind: 'time_bank' })).networkId;
  t.same(await types(`network-${meanwood}`), ['network.NetworkOpened'], 'the retry opens it');
  t.same(await types(`membership-${meanwood}-${cath}`), ['access.MembershipApproved'], 'the founder enrolled once');

  // Approval: the person's stream names the network before the membership is approved.
  const dee = await signedUp('Dee Joiner');
  const mallory = await signedUp('Mallory Meanwood');
  const hers = await opened(mallory, 'Mallory Mutual Four');
  await access.requestToJoin(hearth, as(dee), { networkId: hers });
  await access.approve(hearth, as(mallory), { networkId: hers, personId: dee, roles: ['member'] });
  await access.requestToJoin(hearth, as(dee), { networkId: meanwood });
  const approval = as(cath);
  await t.rejects(access.approve(stoppedAfter(hearth, 1), approval, { networkId: meanwood, personId: dee, roles: ['member', 'coordinator'] }), /stopped/);
  t.ok((await types(`person-${dee}`)).includes('access.NetworkJoined'), 'the first write: the network on her stream');
  t.same(await types(`membership-${meanwood}-${dee}`), ['access.MembershipRequested'], 'not yet approved');
  await settled();
  t.equal(await refused(access.erasePerson(hearth, as(mallory), { personId: dee })), 'not-yours-to-reach', 'meanwhile a list one too long only refuses more: her other coordinator may not erase her');
  await access.approve(hearth, retried(approval), { networkId: meanwood, personId: dee, roles: ['member', 'coordinator'] });
  t.same(await types(`membership-${meanwood}-${dee}`), ['access.MembershipRequested', 'access.MembershipApproved'], 'the retry approves');
  const named = (await hearth.store.readStream(`person-${dee}`)).filter((e) => e.type === 'access.NetworkJoined' && (e.data as { networkId: string }).networkId === meanwood);
  t.equal(named.length, 1, 'the network named once');

  // Stepping down: marked on the network's coordination stream before the membership changes.
  await settled();
  const stepping = as(cath);
  const stepDown = { networkId: meanwood, personId: cath, roles: ['member' as const], reason: 'stepping back' };
  await t.rejects(access.changeRoles(stoppedAfter(hearth, 1), stepping, stepDown), /stopped/);
  t.same(await types(`coordination-${meanwood}`), ['access.CoordinatorSteppingDown']);
  t.equal(await refused(access.changeRoles(hearth, as(dee), { ...stepDown, personId: dee })), 'last-coordinator', 'meanwhile Cath counts as gone: Dee may not step down too');
  await access.changeRoles(hearth, retried(stepping), stepDown);
  t.same(await types(`membership-${meanwood}-${cath}`), ['access.MembershipApproved', 'access.MemberRolesChanged'], 'the retry steps her down');
  t.same(await types(`coordination-${meanwood}`), ['access.CoordinatorSteppingDown'], 'marked once');

  // Recording a member who is not online: registered with the network before being enrolled.
  const recording = as(dee);
  await t.rejects(access.recordMember(stoppedAfter(hearth, 1), recording, { networkId: meanwood, details: { name: 'Fred Offline' }, roles: ['member'] }), /stopped/);
  const fred = (await access.recordMember(hearth, retried(recording), { networkId: meanwood, details: { name: 'Fred Offline' }, roles: ['member'] })).personId;
  t.same(await types(`person-${fred}`), ['access.PersonRegistered', 'access.NetworkJoined']);
  t.same(await types(`membership-${meanwood}-${fred}`), ['access.MembershipApproved']);
});

t.test('the consent rule, pure', async (t) => {
  const person = (over: Partial<Extract<PersonState, { status: 'active' }>> = {}): PersonState => ({ status: 'active', hasAccount: true, needsSafeguarding: false, networks: [], recordedIn: null, ...over });
  const a = randomUUID();
  const b = randomUUID();
  t.equal(reachRefusal({ person: person(), networks: [a], coordinates: new Set([a]) }), null, 'member of only my network');
  t.ok(reachRefusal({ person: person(), networks: [a, b], coordinates: new Set([a]) }), 'also in a network I do not coordinate');
  t.ok(reachRefusal({ person: person(), networks: [], coordinates: new Set([a]) }), 'in no network');
  t.equal(reachRefusal({ person: person({ hasAccount: false, recordedIn: a }), networks: [a, b], coordinates: new Set([a]) }), null, 'recorded by my network, no account');
  t.ok(reachRefusal({ person: person({ hasAccount: true, recordedIn: a }), networks: [a, b], coordinates: new Set([a]) }), 'recorded by my network, but has an account now');
  t.equal(reachRefusal({ person: { status: 'erased', networks: [a], recordedIn: null }, networks: [a], coordinates: new Set([a]) }), null, 'what is left of an erased member of my network');
  t.ok(reachRefusal({ person: { status: 'erased', networks: [a, b], recordedIn: null }, networks: [a, b], coordinates: new Set([a]) }), 'nor through another network once erased');
});
