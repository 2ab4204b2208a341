import t from 'tap';
import { coordinationDecider, membershipDecider, type CoordinationEvent, type MembershipEvent } from '../src/access/membership.ts';
import { personDecider, type PersonEvent } from '../src/access/person.ts';
import { careRefusal } from '../src/access/safeguarding.ts';
import { codeMatches, resetCode } from '../src/access/reset.ts';
import { specFor } from './support/given.ts';

const networkId = '0190f0a0-0000-7000-8000-00000000000a';
const personId = '0190f0a0-0000-7000-8000-00000000000b';
const coordinator = '0190f0a0-0000-7000-8000-00000000000c';
const now = '2026-11-22T10:00:00.000Z';
const ids = { networkId, personId };

const membership = specFor(membershipDecider);
const requested: MembershipEvent = { type: 'access.MembershipRequested', data: ids };
const invited: MembershipEvent = { type: 'access.MemberInvited', data: { ...ids, invitedBy: coordinator } };
const approved: MembershipEvent = { type: 'access.MembershipApproved', data: { ...ids, approvedBy: coordinator, approvedAt: now, roles: ['member'] } };

t.test('joining by request: a coordinator approves, and who and when is recorded', async (t) => {
  membership([]).when({ type: 'RequestMembership', ...ids }).then(t, [requested]);
  membership([requested]).when({ type: 'RequestMembership', ...ids }).then(t, [], 'asking twice records once');
  membership([requested]).when({ type: 'ApproveMembership', ...ids, approvedBy: coordinator, roles: ['member'], now }).then(t, [approved]);
  membership([]).when({ type: 'ApproveMembership', ...ids, approvedBy: coordinator, roles: ['member'], now }).rejects(t, 'nothing-to-approve');
  membership([requested, approved]).when({ type: 'RequestMembership', ...ids }).rejects(t, 'already-a-member');
});

t.test('declining a request to join: recorded once, never over a membership, and the person may ask again', async (t) => {
  const declined: MembershipEvent = { type: 'access.MembershipDeclined', data: { ...ids, declinedBy: coordinator, declinedAt: now } };
  const decline = { type: 'DeclineMembership' as const, ...ids, declinedBy: coordinator, now };
  membership([requested]).when(decline).then(t, [declined]);
  membership([requested, declined]).when(decline).then(t, [], 'declining twice records once');
  membership([requested, approved]).when(decline).rejects(t, 'already-a-member');
  membership([]).when(decline).rejects(t, 'nothing-to-decline');
  membership([invited]).when(decline).rejects(t, 'nothing-to-decline', 'an invitation is the invitee\'s to accept, not a request');
  membership([requested, declined]).when({ type: 'ApproveMembership', ...ids, approvedBy: coordinator, roles: ['member'], now }).rejects(t, 'nothing-to-approve');
  membership([requested, declined]).when({ type: 'RequestMembership', ...ids }).then(t, [requested], 'asking again after a refusal');
});

t.test('joining by invitation: the inviting coordinator is the approver', async (t) => {
  membership([]).when({ type: 'InviteMember', ...ids, invitedBy: coordinator }).then(t, [invited]);
  membership([invited]).when({ type: 'AcceptInvitation', ...ids, now }).then(t, [approved]);
  membership([]).when({ type: 'AcceptInvitation', ...ids, now }).rejects(t, 'no-invitation');
});

t.test('roles and DBS checks belong to active members', async (t) => {
  membership([requested, approved]).when({ type: 'ChangeRoles', ...ids, roles: ['member', 'treasurer'], reason: 'elected at the AGM' })
    .then(t, [{ type: 'access.MemberRolesChanged', data: { ...ids, roles: ['member', 'treasurer'], reason: 'elected at the AGM' } }]);
  membership([requested, approved]).when({ type: 'ChangeRoles', ...ids, roles: ['member'], reason: 'no change' }).then(t, []);
  membership([requested]).when({ type: 'ChangeRoles', ...ids, roles: ['member'], reason: 'x' }).rejects(t, 'not-a-member');
  membership([requested, approved]).when({ type: 'RecordDbsCheck', ...ids, checkType: 'enhanced', issuedOn: '2026-01-10', expiresOn: '2029-01-10' })
    .then(t, [{ type: 'access.DbsCheckRecorded', data: { ...ids, checkType: 'enhanced', issuedOn: '2026-01-10', expiresOn: '2029-01-10' } }]);
  membership([requested, approved]).when({ type: 'RecordDbsCheck', ...ids, checkType: 'basic', issuedOn: '2026-01-10', expiresOn: '2025-01-10' }).rejects(t, 'dbs-dates');
});

t.test('a coordinator steps down only while another is counted; one marked at the revision they still have is not', async (t) => {
  const coordination = specFor(coordinationDecider);
  const other = '0190f0a0-0000-7000-8000-00000000000d';
  const stepDown = (others: Array<{ personId: string; revision: number }>, membershipRevision = 3) => ({ type: 'BeginStepDown' as const, networkId, personId: coordinator, membershipRevision, others });
  const marked = (personId: string, membershipRevision: number): CoordinationEvent => ({ type: 'access.CoordinatorSteppingDown', data: { networkId, personId, membershipRevision } });
  coordination([]).when(stepDown([{ personId: other, revision: 1 }])).then(t, [marked(coordinator, 3)]);
  coordination([]).when(stepDown([])).rejects(t, 'last-coordinator', 'no one else coordinates');
  coordination([]).when(stepDown([{ personId: coordinator, revision: 3 }])).rejects(t, 'last-coordinator', 'they do not count themselves');
  coordination([marked(other, 1)]).when(stepDown([{ personId: other, revision: 1 }])).rejects(t, 'last-coordinator', 'the other is stepping down from the membership as read');
  coordination([marked(other, 1)]).when(stepDown([{ personId: other, revision: 2 }])).then(t, [marked(coordinator, 3)], 'the other\'s membership moved on since their mark: it says itself that they coordinate');
  coordination([marked(coordinator, 3)]).when(stepDown([{ personId: other, revision: 1 }])).then(t, [], 'marked once per membership revision');
  coordination([marked(coordinator, 3)]).when(stepDown([{ personId: other, revision: 1 }], 5)).then(t, [marked(coordinator, 5)], 'a later step-down marks again');
});

t.test('a person: registered, flagged, erased', async (t) => {
  const person = specFor(personDecider);
  const registered: PersonEvent = { type: 'access.PersonRegistered', data: { personId, details: 'v1.a.b.c', hasAccount: false, registeredAt: now } };
  person([]).when({ type: 'RegisterPerson', personId, details: 'v1.a.b.c', hasAccount: false, now }).then(t, [registered]);
  person([registered]).when({ type: 'RegisterPerson', personId, details: 'v1.a.b.c', hasAccount: false, now }).rejects(t, 'person-exists');
  person([registered]).when({ type: 'FlagSafeguarding', personId, needsSafeguarding: true }).then(t, [{ type: 'access.SafeguardingFlagged', data: { personId, needsSafeguarding: true } }]);
  const erased: PersonEvent = { type: 'access.PersonErased', data: { personId, erasedAt: now } };
  person([registered]).when({ type: 'ErasePerson', personId, now }).then(t, [erased]);
  person([registered, erased]).when({ type: 'ErasePerson', personId, now }).then(t, [], 'erasing twice records once');
  person([registered, erased]).when({ type: 'ChangeDetails', personId, details: 'v1.x.y.z' }).rejects(t, 'person-erased');
});

t.test('safeguarding: a current DBS check before caring for someone flagged, when the network asks for it', async (t) => {
  const active = { status: 'active' as const, roles: ['member' as const], dbs: null };
  const checked = { ...active, dbs: { checkType: 'enhanced' as const, issuedOn: '2025-01-01', expiresOn: '2027-01-01' } };
  const expired = { ...active, dbs: { checkType: 'enhanced' as const, issuedOn: '2022-01-01', expiresOn: '2025-01-01' } };
  const today = '2026-11-22';
  t.equal(careRefusal({ requireDbsForSafeguarded: true }, checked, true, today), null);
  t.equal(careRefusal({ requireDbsForSafeguarded: true }, active, false, today), null, 'no check needed for someone not flagged');
  t.equal(careRefusal({ requireDbsForSafeguarded: false }, active, true, today), null, 'nor where the network does not ask for it');
  t.match(careRefusal({ requireDbsForSafeguarded: true }, active, true, today), /none is recorded/);
  t.match(careRefusal({ requireDbsForSafeguarded: true }, expired, true, today), /expired on 2025-01-01/);
  t.match(careRefusal({ requireDbsForSafeguarded: false }, { status: 'requested' }, false, today), /not an active member/);
});

t.test('a password reset is issued only to a person with an account, and its code is derived, not stored', async (t) => {
  const person = specFor(personDecider);
  const registered = (hasAccount: boolean): PersonEvent => ({ type: 'access.PersonRegistered', data: { personId, details: 'v1.sealed', hasAccount, registeredAt: now } });
  const resetId = '0190f0a0-0000-7000-8000-00000000000d';
  const expiresAt = '2026-11-22T11:00:00.000Z';
  person([registered(true)]).when({ type: 'IssuePasswordReset', personId, resetId, via: 'email', expiresAt })
    .then(t, [{ type: 'access.PasswordResetIssued', data: { personId, resetId, via: 'email', expiresAt } }]);
  person([registered(true)]).when({ type: 'IssuePasswordReset', personId, resetId, via: 'coordinator', issuedBy: coordinator, expiresAt })
    .then(t, [{ type: 'access.PasswordResetIssued', data: { personId, resetId, via: 'coordinator', issuedBy: coordinator, expiresAt } }]);
  person([registered(false)]).when({ type: 'IssuePasswordReset', personId, resetId, via: 'coordinator', issuedBy: coordinator, expiresAt }).rejects(t, 'no-account');

  const secret = Buffer.alloc(32, 7);
  const typed = resetCode(secret, resetId, 'coordinator');
  t.match(typed, /^[A-HJ-KM-NP-Z2-9]{3}(-[A-HJ-KM-NP-Z2-9]{3}){3}$/, 'a coordinator reads out twelve unambiguous letters and digits');
  t.ok(codeMatches(secret, resetId, 'coordinator', typed.toLowerCase().replaceAll('-', ' ')), 'case, spaces and dashes do not matter when typed');
  t.notOk(codeMatches(secret, '0190f0a0-0000-7000-8000-00000000000e', 'coordinator', typed), 'the code of one reset is not good for another');
  t.notOk(codeMatches(Buffer.alloc(32, 8), resetId, 'coordinator', typed), 'another server secret derives another code');
  t.equal(resetCode(secret, resetId, 'email').length, 43, 'an emailed code is 256 bits');
  t.notOk(codeMatches(secret, resetId, 'email', typed), 'a typed code is not an emailed one');
});
