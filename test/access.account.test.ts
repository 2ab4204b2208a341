// Getting back in and keeping one's own account: resets by link and by a coordinator's code,
// putting details right, and subject access across every network, at the decider and
// application level on PGlite.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { freshPglite } from './support/db.ts';
import { signedUp as signedUpPerson, testAddress, testHearth } from './support/hearth.ts';
import { refused, specFor, uid } from './support/given.ts';
import { callerFor, enrol, openNetwork } from './support/timebank.ts';
import * as access from '../src/access/app.ts';
import * as resets from '../src/access/reset-app.ts';
import * as account from '../src/access/account-app.ts';
import { personDecider, type PersonEvent } from '../src/access/person.ts';
import { resetCode } from '../src/access/reset.ts';
import { fixedClock } from '../src/clock.ts';
import type { Deps } from '../src/access/caller.ts';
import { confirmExchange, logExchange } from '../src/timebank/app.ts';
import { giveVoucher } from '../src/vouchers/app.ts';

const spec = specFor(personDecider);
const person = uid(1);
const registered: PersonEvent = { type: 'access.PersonRegistered', data: { personId: person, details: 'v1.x', hasAccount: true, registeredAt: '2026-12-01T10:00:00.000Z' } };
const issued = (n: number, expiresAt = '2026-12-01T11:00:00.000Z'): PersonEvent => ({ type: 'access.PasswordResetIssued', data: { personId: person, resetId: uid(100 + n), via: 'email', expiresAt } });
const changed: PersonEvent = { type: 'access.PasswordChanged', data: { personId: person } };
const use = (n: number, now = '2026-12-01T10:30:00.000Z') => ({ type: 'ResetPassword' as const, personId: person, resetId: uid(100 + n), now });

t.test('a reset sets a password only while it is the latest, unexpired and unused', async (t) => {
  spec([registered, issued(1)]).when(use(1)).then(t, [changed], 'the latest, in time: the password is changed');
  spec([registered, issued(1)]).when(use(1, '2026-12-01T11:00:00.000Z')).rejects(t, 'reset-expired', 'not at or after its expiry');
  spec([registered, issued(1), changed]).when(use(1)).rejects(t, 'reset-not-current', 'not twice');
  spec([registered, issued(1), issued(2)]).when(use(1)).rejects(t, 'reset-not-current', 'not once a later one was issued');
  spec([registered, issued(1), issued(2)]).when(use(2)).then(t, [changed], 'the later one holds');
  spec([registered]).when(use(1)).rejects(t, 'reset-not-current', 'not one never issued');
  spec([registered, issued(1), { type: 'access.PersonErased', data: { personId: person, erasedAt: '2026-12-01T10:10:00.000Z' } }]).when(use(1)).rejects(t, 'person-erased', 'not for an erased person');
});

const hearth = await testHearth(await freshPglite());
await hearth.engine.start();
t.teardown(() => hearth.close());
const settled = async () => hearth.engine.waitFor(['people', 'memberships', 'person_history', 'networks', 'password_resets', 'timebank', 'vouchers', 'coop', 'pools', 'carebank'], await hearth.store.headPosition(), 10_000);
const anonymous = () => callerFor('anonymous');
let people = 0;
const emailOf = (name: string) => `${name.split(' ')[0]!.toLowerCase()}.${++people}.${randomUUID().slice(0, 6)}@example.org`;
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase';
const signIn = (email: string, password: string, address = testAddress()) => access.signIn(hearth, { email, password, kind: 'bearer', address, sessionHours: 1 });
const later = (minutes: number): Deps => ({ store: hearth.store, database: hearth.database, vault: hearth.vault, secret: hearth.secret, clock: fixedClock(new Date(Date.now() + minutes * 60_000)) });

t.test('a link by email: the same answer for any address, good once, for an hour', async (t) => {
  const email = emailOf('Ann Whitaker');
  const ann = await signedUpPerson(hearth, { name: 'Ann Whitaker', email });
  const address = testAddress();
  const unknown = await resets.requestPasswordReset(hearth, anonymous(), { email: emailOf('Nobody'), address });
  t.same(unknown, { outcome: 'accepted', resetId: null }, 'an unknown email is accepted, and nothing is recorded');
  const asked = await resets.requestPasswordReset(hearth, anonymous(), { email, address });
  t.equal(asked.outcome, 'accepted');
  const resetId = asked.outcome === 'accepted' ? asked.resetId! : '';
  t.ok(resetId, 'a reset was recorded for the account');
  const events = await hearth.store.readStream(`person-${ann}`);
  const recorded = events.at(-1)!;
  t.equal(recorded.type, 'access.PasswordResetIssued');
  t.notOk(JSON.stringify(recorded.data).includes(resetCode(hearth.secret, resetId, 'email')), 'the event holds no code');
  await settled();
  const session = await signIn(email, PASSWORD);
  t.equal(session.outcome, 'signed-in');

  const code = resetCode(hearth.secret, resetId, 'email');
  t.equal(await refused(resets.resetPassword(later(61), anonymous(), { resetId, code, newPassword: NEW_PASSWORD, address })), 'reset-expired', 'an hour later it has expired');
  t.equal(await refused(resets.resetPassword(hearth, anonymous(), { resetId, code: code.slice(1) + 'A', newPassword: NEW_PASSWORD, address })), 'reset-code-wrong', 'a wrong code sets nothing');
  const done = await resets.resetPassword(hearth, anonymous(), { resetId, code, newPassword: NEW_PASSWORD, address });
  t.equal(done.outcome, 'reset', 'the right code within the hour sets the password');
  t.equal((await signIn(email, PASSWORD)).outcome, 'failed', 'the old password no longer opens the account');
  t.equal((await signIn(email, NEW_PASSWORD)).outcome, 'signed-in', 'the new one does');
  const sessions = await hearth.database.db.selectFrom('sessions').select('token_hash').where('person_id', '=', ann).execute();
  t.equal(sessions.length, 1, 'every session from before the reset ended');
  t.equal(await refused(resets.resetPassword(hearth, anonymous(), { resetId, code, newPassword: 'yet another passphrase', address })), 'reset-not-current', 'the link works once');
});

t.test('a later reset makes the earlier stale', async (t) => {
  const email = emailOf('Bob Okafor');
  await signedUpPerson(hearth, { name: 'Bob Okafor', email });
  const address = testAddress();
  const first = await resets.requestPasswordReset(hearth, anonymous(), { email, address });
  const second = await resets.requestPasswordReset(hearth, anonymous(), { email, address });
  await settled();
  const [a, b] = [first, second].map((r) => (r.outcome === 'accepted' ? r.resetId! : ''));
  t.equal(await refused(resets.resetPassword(hearth, anonymous(), { resetId: a!, code: resetCode(hearth.secret, a!, 'email'), newPassword: NEW_PASSWORD, address })), 'reset-not-current');
  t.equal((await resets.resetPassword(hearth, anonymous(), { resetId: b!, code: resetCode(hearth.secret, b!, 'email'), newPassword: NEW_PASSWORD, address })).outcome, 'reset');
});

t.test('asking for links and trying codes are throttled', async (t) => {
  const email = emailOf('Carol Hughes');
  const carol = await signedUpPerson(hearth, { name: 'Carol Hughes', email });
  const outcomes = [];
  for (let i = 0; i < 4; i++) outcomes.push((await resets.requestPasswordReset(hearth, anonymous(), { email, address: testAddress() })).outcome);
  t.same(outcomes, ['accepted', 'accepted', 'accepted', 'throttled'], 'three links an hour for one email, from wherever asked');
  const unknownOutcomes = [];
  const nobody = emailOf('Nobody');
  for (let i = 0; i < 4; i++) unknownOutcomes.push((await resets.requestPasswordReset(hearth, anonymous(), { email: nobody, address: testAddress() })).outcome);
  t.same(unknownOutcomes, outcomes, 'an email with no account is answered alike');

  await settled();
  const tried = [];
  for (let i = 0; i < 11; i++) {
    tried.push(await resets.resetPassword(hearth, anonymous(), { email, code: 'AAA-AAA-AAA-AAA', newPassword: NEW_PASSWORD, address: testAddress() }).then((r) => r.outcome, (err) => err.type));
  }
  t.same(tried.slice(0, 10), Array(10).fill('reset-code-wrong'), 'ten wrong codes are checked');
  t.equal(tried[10], 'throttled', 'the eleventh, from anywhere, is not checked');
  void carol;
});

t.test('a coordinator reads out a code; it lifts a sign-in lock-out', async (t) => {
  const cath = await signedUpPerson(hearth, { name: 'Cath Coordinator', email: emailOf('Cath') });
  const networkId = await openNetwork(hearth, 'Chapeltown Time Bank', cath);
  const email = emailOf('Dora Price');
  const dora = await signedUpPerson(hearth, { name: 'Dora Price', email });
  await enrol(hearth, networkId, dora);
  const stranger = await signedUpPerson(hearth, { name: 'Mallory Stranger', email: emailOf('Mallory') });
  const address = testAddress();
  const tries = [];
  for (let i = 0; i < 6; i++) tries.push((await signIn(email, 'not the password at all', address)).outcome);
  t.equal(tries.at(-1), 'throttled', 'locked out after five wrong passwords');

  t.equal(await refused(resets.issueResetCode(hearth, callerFor(stranger), { networkId, personId: dora })), 'forbidden', 'not by someone who does not coordinate the network');
  t.equal(await refused(resets.issueResetCode(hearth, callerFor(cath), { networkId, personId: cath })), 'own-reset', 'not for oneself');
  t.equal(await refused(resets.issueResetCode(hearth, callerFor(cath), { networkId, personId: stranger })), 'not-yours-to-reach', 'not for someone outside the network');
  // A new password opens every network she is in: a coordinator of one of them alone cannot give it.
  const eve = await signedUpPerson(hearth, { name: 'Eve Elsewhere', email: emailOf('Eve') });
  await enrol(hearth, networkId, eve);
  const olu = await signedUpPerson(hearth, { name: 'Olu Other', email: emailOf('Olu') });
  const other = await openNetwork(hearth, 'Harehills Time Bank', olu);
  await access.requestToJoin(hearth, callerFor(eve), { networkId: other });
  await access.approve(hearth, callerFor(olu), { networkId: other, personId: eve, roles: ['member'] });
  t.equal(await refused(resets.issueResetCode(hearth, callerFor(cath), { networkId, personId: eve })), 'not-yours-to-reach', 'not for a member of a network she does not coordinate');
  const given = await resets.issueResetCode(hearth, callerFor(cath), { networkId, personId: dora });
  t.match(given.code, /^[A-Z2-9]{3}(-[A-Z2-9]{3}){3}$/, 'a code to read out, in threes');
  t.ok(Date.parse(given.expiresAt) - Date.now() > 23 * 3600_000, 'good for a day');
  const events = await hearth.store.readStream(`person-${dora}`);
  t.match(events.at(-1)!.data, { via: 'coordinator', issuedBy: cath }, 'who gave it is recorded');
  await settled();

  const typed = given.code.toLowerCase().replaceAll('-', ' ');
  t.equal((await resets.resetPassword(hearth, anonymous(), { email, code: typed, newPassword: NEW_PASSWORD, address })).outcome, 'reset', 'typed with the email, in any case and spacing');
  t.equal((await signIn(email, NEW_PASSWORD, address)).outcome, 'signed-in', 'she signs in at once from where she was locked out');
});

t.test('details put right; a new email is the one to sign in with, unless taken', async (t) => {
  const email = emailOf('Edna Shaw');
  const edna = await signedUpPerson(hearth, { name: 'Edna Shaw', email });
  const other = emailOf('Frank');
  await signedUpPerson(hearth, { name: 'Frank Lee', email: other });
  t.equal(await refused(account.changeDetails(hearth, callerFor(edna), { details: { name: 'Edna Shaw', email: other } })), 'email-taken', "another account's email is refused");
  const fresh = emailOf('Edna Shaw');
  await account.changeDetails(hearth, callerFor(edna), { details: { name: 'Edna M. Shaw', email: fresh, phone: '0113 496 0000', dateOfBirth: '1948-05-02' } });
  t.equal((await signIn(email, PASSWORD)).outcome, 'failed', 'the old email no longer signs in');
  t.equal((await signIn(fresh, PASSWORD)).outcome, 'signed-in', 'the new one does');
  await settled();
  const exported = await access.exportPerson(hearth, callerFor(edna), { personId: edna });
  t.same(exported.details, { name: 'Edna M. Shaw', email: fresh, phone: '0113 496 0000', dateOfBirth: '1948-05-02' }, 'the export holds the details as put right');
  const events = await hearth.store.readStream(`person-${edna}`);
  t.notOk(JSON.stringify(events.at(-1)!.data).includes('Edna'), 'the details are sealed in the event');
});

t.test('subject access: everything in each network, and nobody else', async (t) => {
  const coordinators = [await signedUpPerson(hearth, { name: 'Cath', email: emailOf('Cath') }), await signedUpPerson(hearth, { name: 'Dev', email: emailOf('Dev') })];
  const kirkstall = await openNetwork(hearth, 'Kirkstall Time Bank', coordinators[0]!);
  const horsforth = await openNetwork(hearth, 'Horsforth Time Bank', coordinators[1]!);
  const gwen = await signedUpPerson(hearth, { name: 'Gwen Harper', email: emailOf('Gwen') });
  const [hal, ivy, jack] = [randomUUID(), randomUUID(), randomUUID()];
  await enrol(hearth, kirkstall, gwen);
  await enrol(hearth, horsforth, gwen);
  await enrol(hearth, kirkstall, hal);
  await enrol(hearth, horsforth, ivy);
  await enrol(hearth, horsforth, jack);
  const logged = async (networkId: string, providerId: string, receiverId: string, description: string) => {
    const { exchangeId } = await logExchange(hearth, callerFor(providerId), { networkId, providerId, receiverId, minutes: 90, category: 'shopping', description, occurredOn: '2026-12-03' });
    await confirmExchange(hearth, callerFor(receiverId), { networkId, exchangeId });
    return exchangeId;
  };
  const inKirkstall = await logged(kirkstall, gwen, hal, 'Took Hal to the market');
  const inHorsforth = await logged(horsforth, ivy, gwen, 'Ivy mended my fence');
  const others = await logged(horsforth, ivy, jack, 'Jack\u2019s garden, nothing to do with Gwen');
  const gift = { value: { kind: 'amount' as const, pence: 4_000 }, occasion: 'Birthday' };
  const { voucherId: gwensGift } = await giveVoucher(hearth, callerFor(gwen), { networkId: horsforth, learnerId: ivy, ...gift, message: 'With love from Gwen' });
  const { voucherId: jacksGift } = await giveVoucher(hearth, callerFor(jack), { networkId: horsforth, learnerId: ivy, ...gift, message: 'From Jack' });
  await settled();

  const exported = await access.exportPerson(hearth, callerFor(gwen), { personId: gwen });
  t.same(exported.memberships.map((m) => m.networkName).sort(), ['Horsforth Time Bank', 'Kirkstall Time Bank'], 'both memberships, by name');
  t.same(exported.timebank.exchanges.map((x) => x.exchangeId).sort(), [inKirkstall, inHorsforth].sort(), 'her exchanges in both networks');
  t.same(exported.timebank.exchanges.map((x) => x.description).sort(), ['Ivy mended my fence', 'Took Hal to the market'], 'with their descriptions opened');
  t.same(exported.timebank.accounts.map((a) => [a.networkId, a.balanceMinutes]).sort(), [[horsforth, -90], [kirkstall, 90]].sort(), 'her balance in each');
  t.equal(exported.timebank.statement.length, 2, 'her statement lines in both');
  const text = JSON.stringify(exported);
  t.notOk(text.includes(others), "another member's exchange is not there");
  t.notOk(text.includes('nothing to do with Gwen'), "nor its description");
  t.notOk(text.includes(jack), 'Jack is not named at all');
  t.same(exported.vouchers.given.map((v) => [v.voucherId, v.message]), [[gwensGift, 'With love from Gwen']], 'the voucher she gave, with her message');
  t.notOk(text.includes(jacksGift), "another giver's voucher to the same learner is not there");
  t.ok(exported.history.length > 0, 'and what was done in her name');
});
