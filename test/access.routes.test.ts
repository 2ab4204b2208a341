// Every route, every role: 401 without credentials, 403 where the role does not belong, and a
// refused request writes nothing. Those who may use a route are let through.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { openApp, send, signUp, written, type Person } from './support/http.ts';
import { serverFirstDatabase } from './support/db.ts';

type Who = 'anonymous' | 'outsider' | 'member' | 'coordinator' | 'treasurer' | 'board' | 'mentor' | 'family';
const everyone: Who[] = ['anonymous', 'outsider', 'member', 'coordinator', 'treasurer', 'board', 'mentor', 'family'];
const signedIn = everyone.filter((w) => w !== 'anonymous');
const members = signedIn.filter((w) => w !== 'outsider');

const { hearth, app, close } = await openApp(await serverFirstDatabase());
t.teardown(close);

const people = {} as Record<Exclude<Who, 'anonymous'>, Person>;
people.coordinator = await signUp(app, 'Cora Coordinator');
const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Meanwood Neighbours', kind: 'neighbourhood_network' }, people.coordinator.auth)).json().networkId;
const base = `/api/v1/networks/${networkId}`;
people.outsider = await signUp(app, 'Otto Outsider');
for (const role of ['member', 'treasurer', 'board', 'mentor', 'family'] as const) {
  const person = await signUp(app, `${role} person`);
  await send(app, 'POST', `${base}/invitations`, { personId: person.personId }, people.coordinator.auth);
  await send(app, 'POST', `${base}/invitations/acceptance`, undefined, person.auth);
  if (role !== 'member') await send(app, 'PUT', `${base}/members/${person.personId}/roles`, { roles: [role], reason: 'test fixture' }, people.coordinator.auth);
  people[role] = person;
}
/** Those who keep a pool's books. */
const books: Who[] = ['coordinator', 'treasurer', 'board'];
const headers = (who: Who) => (who === 'anonymous' ? {} : people[who].auth);
const id = (who: Exclude<Who, 'anonymous'>) => people[who].personId;

/** A person who has asked to join, for approval. */
async function requester() {
  const p = await signUp(app, 'Rita Requester');
  await send(app, 'POST', `${base}/join-requests`, undefined, p.auth);
  return p.personId;
}
/** A member recorded without an account, for a way in. */
async function recorded() {
  return (await send(app, 'POST', `${base}/members`, { name: 'Olga Offline' }, people.coordinator.auth)).json().personId as string;
}
/** A person with an account, invited: no one accepts for them (they accept themselves). */
async function invitee() {
  const p = await signUp(app, 'Ian Invitee');
  await send(app, 'POST', `${base}/invitations`, { personId: p.personId }, people.coordinator.auth);
  return p.personId;
}

const exchange = () => ({ providerId: id('member'), receiverId: id('treasurer'), minutes: 30, category: 'gardening', description: 'Pruning', occurredOn: '2026-11-01' });
/** An exchange the member logged for time given to the treasurer. */
async function logged() {
  const { exchangeId, position } = (await send(app, 'POST', `${base}/timebank/exchanges`, exchange(), people.member.auth)).json();
  // Read back once the exchanges' table holds it: who may see it is judged on the row.
  await hearth.engine.waitFor(['timebank'], position, 5000);
  return exchangeId as string;
}
async function confirmed() {
  const x = await logged();
  await send(app, 'POST', `${base}/timebank/exchanges/${x}/confirmation`, undefined, people.treasurer.auth);
  return x;
}

/** Another time bank, with a coordinator of its own; and one that proposed a partnership to this one, or is its partner. */
const partnerCoordinator = await signUp(app, 'Pat Partner');
async function partnerNetwork() {
  return (await send(app, 'POST', '/api/v1/networks', { name: 'Chapel Allerton Time Bank', kind: 'time_bank' }, partnerCoordinator.auth)).json().networkId as string;
}
async function proposingNetwork() {
  const other = await partnerNetwork();
  await send(app, 'POST', `/api/v1/networks/${other}/partnerships`, { partnerNetworkId: networkId }, partnerCoordinator.auth);
  return other;
}
async function partnerOf() {
  const other = await proposingNetwork();
  await send(app, 'POST', `${base}/partnerships/${other}/acceptance`, undefined, people.coordinator.auth);
  return other;
}

/** An offer the member posted, in a kind of help the network has. */
const posts = `${base}/timebank/posts`;
const offer = () => ({ kind: 'offer', title: 'Weeding', category: 'gardening' });
async function posted() {
  await send(app, 'PUT', `${base}/timebank/categories/gardening`, {}, people.coordinator.auth);
  return (await send(app, 'POST', posts, offer(), people.member.auth)).json().postId as string;
}

const care = () => ({ volunteerId: id('member'), recipientId: id('family'), minutes: 60, activity: 'befriending', occurredOn: '2026-11-01' });
async function careLogged() {
  return (await send(app, 'POST', `${base}/carebank/care`, care(), people.member.auth)).json().careId as string;
}

const poolId = (await send(app, 'POST', `${base}/pools`, { name: 'Lunch club', twoApproversAbovePence: 10_000 }, people.coordinator.auth)).json().poolId as string;
const pool = `${base}/pools/${poolId}`;
/** A payment the coordinator submitted, for approval or rejection. */
async function submittedPayment() {
  const body = { payee: 'Kitchen CIC', purpose: 'Lunches', invoiceReference: 'INV-1', pence: 500, beneficiaries: [{ holderId: id('member'), pence: 500 }], submittedOn: '2026-11-01' };
  return (await send(app, 'POST', `${pool}/payments`, body, people.coordinator.auth)).json().paymentId as string;
}

/** A voucher the family member gave the member, awaiting its money; and one paid for. */
// Taken afresh for each test, so that a run across midnight does not date one step yesterday and the next today.
let today = new Date().toISOString().slice(0, 10);
t.beforeEach(() => {
  today = new Date().toISOString().slice(0, 10);
});
const vouchers = `${base}/vouchers`;
async function boughtVoucher() {
  const body = { learnerId: id('member'), value: { kind: 'amount', pence: 1_000 }, occasion: 'Birthday', message: 'Enjoy it' };
  return (await send(app, 'POST', vouchers, body, people.family.auth)).json().voucherId as string;
}
async function paidVoucher() {
  const voucherId = await boughtVoucher();
  await send(app, 'POST', `${vouchers}/${voucherId}/payment`, { pence: 1_000, reference: 'BACS', receivedOn: today }, people.treasurer.auth);
  return voucherId;
}
const voucherId = await paidVoucher();
/** A payment out of the learning fund the coordinator asked for (the fund is empty: approving it is refused, for the fund, not the approver). */
async function fundPayment() {
  return (await send(app, 'POST', `${vouchers}/learning-fund/payments`, { pence: 500, payee: 'Leeds Libraries', purpose: 'Tablets for the computer class' }, people.coordinator.auth)).json().paymentId as string;
}
const day = new Date().toISOString().slice(0, 10);
const coop = `${base}/coop`;
const coopRules = { memberClasses: [{ name: 'members', voteWeight: null }], membershipSharePence: 100, minHoldingPence: 0, maxHoldingPence: 1_000_000, withdrawalNoticeDays: 0, interestCapBasisPoints: 500 };
await send(app, 'POST', coop, { name: 'Meanwood Co-op', rules: coopRules, foundedOn: '2026-11-01' }, people.coordinator.auth);
/** The member's application for more shares: issuing it admits no one, so the electorate stays the member, the treasurer and the board. */
async function application() {
  return (await send(app, 'POST', `${coop}/applications`, { memberClass: 'members', pence: 100 }, people.member.auth)).json().applicationId as string;
}
for (const who of ['member', 'treasurer', 'board'] as const) {
  const { applicationId } = (await send(app, 'POST', `${coop}/applications`, { memberClass: 'members', pence: 1_000 }, people[who].auth)).json();
  await send(app, 'POST', `${coop}/applications/${applicationId}/issue`, { issuedOn: '2026-11-01' }, people.board.auth);
}
async function withdrawal() {
  return (await send(app, 'POST', `${coop}/withdrawals`, { pence: 1 }, people.member.auth)).json().withdrawalId as string;
}
const terms = () => ({
  title: 'Kettle', pence: 100, payee: 'Hardware shop', purpose: 'Tea', source: { kind: 'funds' }, closesAt: new Date(Date.now() + 3_600_000).toISOString(),
  quorumPercent: 50, thresholdPercent: 50, secret: false, hideResultsUntilClose: false,
});
async function proposed() {
  return (await send(app, 'POST', `${coop}/proposals`, terms(), people.member.auth)).json().proposalId as string;
}
async function votingOpen() {
  const proposalId = await proposed();
  await send(app, 'POST', `${coop}/proposals/${proposalId}/opening`, undefined, people.board.auth);
  return proposalId;
}
const proposal = `${coop}/proposals/${await proposed()}`;
/** Those in the co-op, and so in the electorate of a vote. */
const coopMembers: Who[] = ['member', 'treasurer', 'board'];

/** A post of the member's, answered by the treasurer: its path and the answer's. */
async function answered() {
  const postId = await posted();
  const { answerId } = (await send(app, 'POST', `${base}/timebank/posts/${postId}/answers`, { message: 'I can help' }, people.treasurer.auth)).json();
  return `${postId}/answers/${answerId}`;
}
/** The answer accepted: the arrangement between the member (who posted) and the treasurer. */
async function arranged() {
  const path = await answered();
  const { arrangementId, position } = (await send(app, 'POST', `${base}/timebank/posts/${path}/acceptance`, undefined, people.member.auth)).json();
  await hearth.engine.waitFor(['post_answers'], position, 5000);
  return arrangementId as string;
}

interface Route {
  name: string;
  allowed: Who[];
  /** Let an allowed caller actually run it (not for routes that end the caller's own session or person). */
  runAllowed?: boolean;
  /** Makes the route's target (a person invited, a request to join) before the call is measured. */
  prepare?(): Promise<string>;
  call(who: Who, target: string): Promise<{ statusCode: number; body: string }>;
}

const get = (url: string) => (who: Who) => app.inject({ method: 'GET', url, headers: headers(who) });

const routes: Route[] = [
  { name: 'GET /me', allowed: signedIn, call: get('/api/v1/me') },
  { name: 'GET /me/history', allowed: signedIn, call: get('/api/v1/me/history') },
  { name: 'GET /me/details', allowed: signedIn, call: get('/api/v1/me/details') },
  { name: 'GET /me/notifications', allowed: signedIn, call: get('/api/v1/me/notifications') },
  { name: 'PUT /me/notifications', allowed: signedIn, call: (who) => send(app, 'PUT', '/api/v1/me/notifications', { kinds: ['exchange-to-confirm'] }, headers(who)) },
  { name: 'GET /me/waiting', allowed: signedIn, call: get('/api/v1/me/waiting') },
  { name: 'PUT /me/details', allowed: signedIn, runAllowed: false, call: (who) => send(app, 'PUT', '/api/v1/me/details', { name: 'Someone Else' }, headers(who)) },
  { name: 'POST /networks/:id/members/:personId/password-resets', allowed: ['coordinator'], call: (who) => send(app, 'POST', `${base}/members/${id('member')}/password-resets`, undefined, headers(who)) },
  { name: 'PUT /accounts/me/password', allowed: signedIn, call: (who) => send(app, 'PUT', '/api/v1/accounts/me/password', { currentPassword: 'not the right one', newPassword: 'some new long password' }, headers(who)) },
  { name: 'DELETE /sessions/current', allowed: signedIn, runAllowed: false, call: (who) => app.inject({ method: 'DELETE', url: '/api/v1/sessions/current', headers: headers(who) }) },
  { name: 'POST /networks', allowed: signedIn, call: (who) => send(app, 'POST', '/api/v1/networks', { name: `Network of ${who}`, kind: 'time_bank' }, headers(who)) },
  { name: 'GET /networks', allowed: signedIn, call: get('/api/v1/networks') },
  { name: 'GET /me/notifications', allowed: signedIn, call: get('/api/v1/me/notifications') },
  { name: 'PUT /me/notifications', allowed: signedIn, call: (who) => send(app, 'PUT', '/api/v1/me/notifications', { kinds: [] }, headers(who)) },
  { name: 'GET /me/waiting', allowed: signedIn, call: get('/api/v1/me/waiting') },
  { name: 'POST /networks/:id/join-requests', allowed: signedIn, call: (who) => send(app, 'POST', `${base}/join-requests`, undefined, headers(who)) },
  { name: 'GET /networks/:id', allowed: members, call: get(base) },
  { name: 'PATCH /networks/:id', allowed: ['coordinator'], call: (who) => send(app, 'PATCH', base, { name: 'Meanwood Neighbours' }, headers(who)) },
  { name: 'PUT /networks/:id/safeguarding-policy', allowed: ['coordinator'], call: (who) => send(app, 'PUT', `${base}/safeguarding-policy`, { requireDbsForSafeguarded: false }, headers(who)) },
  { name: 'PUT /networks/:id/help-contact', allowed: ['coordinator'], call: (who) => send(app, 'PUT', `${base}/help-contact`, { helpContact: 'Ring 0113 496 0000, weekdays 9 to 5' }, headers(who)) },
  { name: 'GET /help-contacts', allowed: signedIn, call: get('/api/v1/help-contacts') },
  { name: 'POST /networks/:id/invitations', allowed: ['coordinator'], prepare: async () => (await signUp(app, 'New Person')).personId, call: (who, personId) => send(app, 'POST', `${base}/invitations`, { personId }, headers(who)) },
  { name: 'POST /networks/:id/invitations/acceptance on behalf', allowed: [], prepare: invitee, call: (who, personId) => send(app, 'POST', `${base}/invitations/acceptance`, undefined, { ...headers(who), 'on-behalf-of': personId }) },
  { name: 'POST /networks/:id/members/:personId/approval', allowed: ['coordinator'], prepare: requester, call: (who, personId) => send(app, 'POST', `${base}/members/${personId}/approval`, {}, headers(who)) },
  { name: 'POST /networks/:id/members/:personId/decline', allowed: ['coordinator'], prepare: requester, call: (who, personId) => send(app, 'POST', `${base}/members/${personId}/decline`, undefined, headers(who)) },
  { name: 'PUT /networks/:id/members/:personId/roles', allowed: ['coordinator'], call: (who) => send(app, 'PUT', `${base}/members/${id('member')}/roles`, { roles: ['member'], reason: 'no change' }, headers(who)) },
  { name: 'POST /networks/:id/members', allowed: ['coordinator'], call: (who) => send(app, 'POST', `${base}/members`, { name: 'Offline Person' }, headers(who)) },
  { name: 'GET /networks/:id/members', allowed: ['coordinator'], call: get(`${base}/members`) },
  { name: 'POST /networks/:id/members/:personId/claim-code', allowed: ['coordinator'], prepare: recorded, call: (who, personId) => app.inject({ method: 'POST', url: `${base}/members/${personId}/claim-code`, headers: headers(who) }) },
  { name: 'POST /networks/:id/members/:personId/way-in-invitation', allowed: ['coordinator'], prepare: recorded, call: (who, personId) => send(app, 'POST', `${base}/members/${personId}/way-in-invitation`, undefined, headers(who)) },
  { name: 'POST /networks/:id/members/:personId/dbs-checks', allowed: ['coordinator'], call: (who) => send(app, 'POST', `${base}/members/${id('mentor')}/dbs-checks`, { checkType: 'basic', issuedOn: '2026-01-01', expiresOn: '2029-01-01' }, headers(who)) },
  // Members who opened networks of their own above are beyond the coordinator's reach: a member recorded here is not.
  { name: 'PUT /networks/:id/members/:personId/safeguarding', allowed: ['coordinator'], prepare: recorded, call: (who, personId) => send(app, 'PUT', `${base}/members/${personId}/safeguarding`, { needsSafeguarding: false }, headers(who)) },
  { name: 'GET /networks/:id/care-check (as provider or coordinator)', allowed: ['member', 'coordinator'], call: (who) => app.inject({ method: 'GET', url: `${base}/care-check?providerId=${id('member')}&receiverId=${id('family')}`, headers: headers(who) }) },
  { name: 'GET /people/:personId/export (self or coordinator)', allowed: ['member', 'coordinator'], prepare: recorded, call: (who, personId) => get(`/api/v1/people/${who === 'member' ? people.member.personId : personId}/export`)(who) },
  { name: 'PUT /networks/:id/timebank/categories/:category', allowed: ['coordinator'], call: (who) => send(app, 'PUT', `${base}/timebank/categories/gardening`, { ratePercent: 100 }, headers(who)) },
  { name: 'PUT /networks/:id/timebank/limits', allowed: ['coordinator'], call: (who) => send(app, 'PUT', `${base}/timebank/limits`, { lowerMinutes: -600, upperMinutes: 45000, maxExchangeMinutes: 720, reason: 'defaults' }, headers(who)) },
  { name: 'PUT /networks/:id/timebank/accounts/:personId/limits', allowed: ['coordinator'], call: (who) => send(app, 'PUT', `${base}/timebank/accounts/${id('member')}/limits`, { lowerMinutes: null, upperMinutes: null, reason: 'the network\'s' }, headers(who)) },
  { name: 'POST /networks/:id/timebank/exchanges (the parties or a coordinator)', allowed: ['member', 'treasurer', 'coordinator'], call: (who) => send(app, 'POST', `${base}/timebank/exchanges`, exchange(), headers(who)) },
  { name: 'POST /networks/:id/timebank/exchanges/:exchangeId/confirmation (the other party or a coordinator)', allowed: ['treasurer', 'coordinator'], prepare: logged, call: (who, x) => send(app, 'POST', `${base}/timebank/exchanges/${x}/confirmation`, undefined, headers(who)) },
  { name: 'POST /networks/:id/timebank/exchanges/:exchangeId/dispute (the other party or a coordinator)', allowed: ['treasurer', 'coordinator'], prepare: logged, call: (who, x) => send(app, 'POST', `${base}/timebank/exchanges/${x}/dispute`, { reason: 'not so long' }, headers(who)) },
  { name: 'POST /networks/:id/timebank/exchanges/:exchangeId/cancellation (either party or a coordinator)', allowed: ['member', 'treasurer', 'coordinator'], prepare: logged, call: (who, x) => send(app, 'POST', `${base}/timebank/exchanges/${x}/cancellation`, { reason: 'logged twice' }, headers(who)) },
  { name: 'POST /networks/:id/timebank/exchanges/:exchangeId/reversal', allowed: ['coordinator'], prepare: confirmed, call: (who, x) => send(app, 'POST', `${base}/timebank/exchanges/${x}/reversal`, { reason: 'wrong member' }, headers(who)) },
  { name: 'POST /networks/:id/timebank/chest/donations', allowed: members, call: (who) => send(app, 'POST', `${base}/timebank/chest/donations`, { minutes: 1 }, headers(who)) },
  { name: 'POST /networks/:id/timebank/chest/grants', allowed: ['coordinator'], call: (who) => send(app, 'POST', `${base}/timebank/chest/grants`, { personId: id('member'), minutes: 1 }, headers(who)) },
  { name: 'POST /networks/:id/timebank/gifts/:ref/reversal', allowed: ['coordinator'], prepare: async () => randomUUID(), call: (who, ref) => send(app, 'POST', `${base}/timebank/gifts/${ref}/reversal`, { reason: 'granted twice' }, headers(who)) },
  { name: 'GET /networks/:id/timebank/network-accounts', allowed: ['coordinator'], call: get(`${base}/timebank/network-accounts`) },
  { name: 'GET /networks/:id/timebank/gifts', allowed: ['coordinator'], call: get(`${base}/timebank/gifts`) },
  { name: 'GET /networks/:id/timebank/gifts/:ref', allowed: ['coordinator'], prepare: async () => randomUUID(), call: (who, ref) => app.inject({ method: 'GET', url: `${base}/timebank/gifts/${ref}`, headers: headers(who) }) },
  { name: 'GET /networks/:id/timebank/accounts/:personId (self or coordinator)', allowed: ['member', 'coordinator'], call: get(`${base}/timebank/accounts/${people.member.personId}`) },
  { name: 'GET /networks/:id/timebank/accounts/:personId/statement (self or coordinator)', allowed: ['member', 'coordinator'], call: get(`${base}/timebank/accounts/${people.member.personId}/statement?from=2026-01-01&to=2026-12-31`) },
  { name: 'GET /networks/:id/timebank/figures', allowed: members, call: get(`${base}/timebank/figures`) },
  { name: 'GET /networks/:id/timebank/settings', allowed: members, call: get(`${base}/timebank/settings`) },
  { name: 'GET /networks/:id/timebank/accounts/:personId/exchanges (self or coordinator)', allowed: ['member', 'coordinator'], call: get(`${base}/timebank/accounts/${people.member.personId}/exchanges`) },
  { name: 'GET /networks/:id/timebank/exchanges/:exchangeId (its parties or a coordinator)', allowed: ['member', 'treasurer', 'coordinator'], prepare: logged, call: (who, x) => app.inject({ method: 'GET', url: `${base}/timebank/exchanges/${x}`, headers: headers(who) }) },
  { name: 'GET /networks/:id/timebank/accounts', allowed: ['coordinator'], call: get(`${base}/timebank/accounts`) },
  { name: 'GET /networks/:id/directory', allowed: members, call: get(`${base}/directory`) },
  { name: 'GET /networks/:id/timebank/exchanges.csv', allowed: ['coordinator'], call: get(`${base}/timebank/exchanges.csv`) },
  {
    name: 'POST /networks/:id/timebank/imports',
    allowed: ['coordinator'],
    call: (who) =>
      app.inject({ method: 'POST', url: `${base}/timebank/imports`, headers: { ...headers(who), 'content-type': 'text/csv', 'idempotency-key': randomUUID() }, payload: 'Date,from,from ID,to,to ID,post,post ID,Reason,quantity\n2024-03-05 10:00:00 UTC,A (1),1,B (2),2,,,,1\n' }),
  },
  { name: 'GET /networks/:id/members.csv', allowed: ['coordinator'], call: get(`${base}/members.csv`) },
  { name: 'POST /networks/:id/timebank/accounts/:personId/opening-adjustments', allowed: ['coordinator'], call: (who) => send(app, 'POST', `${base}/timebank/accounts/${id('member')}/opening-adjustments`, { minutes: 30, reason: 'As the old system showed' }, headers(who)) },
  { name: 'POST /networks/:id/partnerships', allowed: ['coordinator'], prepare: partnerNetwork, call: (who, n) => send(app, 'POST', `${base}/partnerships`, { partnerNetworkId: n }, headers(who)) },
  { name: 'POST /networks/:id/partnerships/:partnerNetworkId/acceptance', allowed: ['coordinator'], prepare: proposingNetwork, call: (who, n) => send(app, 'POST', `${base}/partnerships/${n}/acceptance`, undefined, headers(who)) },
  { name: 'POST /networks/:id/partnerships/:partnerNetworkId/ending', allowed: ['coordinator'], prepare: partnerOf, call: (who, n) => send(app, 'POST', `${base}/partnerships/${n}/ending`, { reason: 'The pilot ended' }, headers(who)) },
  { name: 'GET /networks/:id/partnerships', allowed: members, call: get(`${base}/partnerships`) },
  { name: 'POST /networks/:id/carebank/rules', allowed: ['coordinator'], call: (who) => send(app, 'POST', `${base}/carebank/rules`, { minimumAgeToBank: 18, claimFromAge: 60, dailyCapMinutes: 300, lifetimeCapMinutes: null, effectiveFrom: '2026-01-01' }, headers(who)) },
  { name: 'GET /networks/:id/carebank/rules', allowed: members, call: get(`${base}/carebank/rules`) },
  { name: 'GET /networks/:id/carebank/care/:careId (its volunteer, the person cared for, or a coordinator)', allowed: ['member', 'family', 'coordinator'], prepare: careLogged, call: (who, c) => get(`${base}/carebank/care/${c}`)(who) },
  { name: 'POST /networks/:id/carebank/care (the volunteer or a coordinator)', allowed: ['member', 'coordinator'], call: (who) => send(app, 'POST', `${base}/carebank/care`, care(), headers(who)) },
  { name: 'POST /networks/:id/carebank/care/:careId/confirmation (the person cared for or a coordinator)', allowed: ['family', 'coordinator'], prepare: careLogged, call: (who, c) => send(app, 'POST', `${base}/carebank/care/${c}/confirmation`, undefined, headers(who)) },
  { name: 'POST /networks/:id/carebank/care/:careId/dispute (the person cared for or a coordinator)', allowed: ['family', 'coordinator'], prepare: careLogged, call: (who, c) => send(app, 'POST', `${base}/carebank/care/${c}/dispute`, { reason: 'not that day' }, headers(who)) },
  { name: 'GET /networks/:id/carebank/care (members)', allowed: members, call: get(`${base}/carebank/care`) },
  { name: 'POST /networks/:id/carebank/pledges', allowed: members, call: (who) => send(app, 'POST', `${base}/carebank/pledges`, { relativeId: id('family'), minutes: 10 }, headers(who)) },
  { name: 'POST /networks/:id/carebank/pool-donations', allowed: members, call: (who) => send(app, 'POST', `${base}/carebank/pool-donations`, { minutes: 10 }, headers(who)) },
  { name: 'POST /networks/:id/carebank/claims', allowed: members, call: (who) => send(app, 'POST', `${base}/carebank/claims`, { minutes: 10 }, headers(who)) },
  { name: 'GET /networks/:id/carebank/accounts/:personId (self or coordinator)', allowed: ['member', 'coordinator'], call: get(`${base}/carebank/accounts/${people.member.personId}`) },
  { name: 'GET /networks/:id/carebank/accounts/:personId/entries (self or coordinator)', allowed: ['member', 'coordinator'], call: get(`${base}/carebank/accounts/${people.member.personId}/entries`) },
  { name: 'GET /networks/:id/carebank/obligation', allowed: ['coordinator', 'treasurer', 'board'], call: get(`${base}/carebank/obligation?asAt=2026-11-01`) },
  { name: 'POST /networks/:id/pools', allowed: ['coordinator'], call: (who) => send(app, 'POST', `${base}/pools`, { name: `Pool of ${who}`, twoApproversAbovePence: 0 }, headers(who)) },
  { name: 'GET /networks/:id/pools/:poolId', allowed: ['coordinator', 'treasurer', 'board'], call: get(pool) },
  { name: 'POST /networks/:id/pools/:poolId/receipts', allowed: ['treasurer'], call: (who) => send(app, 'POST', `${pool}/receipts`, { source: 'grant', pence: 100, reference: 'Grant', receivedOn: '2026-11-01' }, headers(who)) },
  {
    name: 'POST /networks/:id/pools/:poolId/payments',
    allowed: ['coordinator', 'treasurer'],
    call: (who) => send(app, 'POST', `${pool}/payments`, { payee: 'Kitchen CIC', purpose: 'Lunches', invoiceReference: 'INV-2', pence: 100, beneficiaries: [{ holderId: id('member'), pence: 100 }], submittedOn: '2026-11-01' }, headers(who)),
  },
  { name: 'POST /networks/:id/pools/:poolId/payments/:paymentId/approval', allowed: ['treasurer', 'board'], prepare: submittedPayment, call: (who, p) => send(app, 'POST', `${pool}/payments/${p}/approval`, undefined, headers(who)) },
  { name: 'POST /networks/:id/pools/:poolId/payments/:paymentId/rejection', allowed: ['treasurer', 'board'], prepare: submittedPayment, call: (who, p) => send(app, 'POST', `${pool}/payments/${p}/rejection`, { reason: 'No invoice' }, headers(who)) },
  { name: 'GET /networks/:id/pools', allowed: books, call: get(`${base}/pools`) },
  { name: 'GET /networks/:id/audit/digests', allowed: books, call: get(`${base}/audit/digests`) },
  { name: 'GET /networks/:id/pools/:poolId/payments', allowed: books, call: get(`${pool}/payments`) },
  { name: 'GET /networks/:id/pools/:poolId/payments/:paymentId', allowed: books, prepare: submittedPayment, call: (who, p) => get(`${pool}/payments/${p}`)(who) },
  { name: 'GET /networks/:id/pools/:poolId/ledger', allowed: books, call: get(`${pool}/ledger?format=csv`) },
  { name: 'GET /networks/:id/pools/:poolId/trial-balance', allowed: books, call: get(`${pool}/trial-balance`) },
  { name: 'GET /networks/:id/pools/:poolId/periods', allowed: books, call: get(`${pool}/periods`) },
  { name: 'GET /networks/:id/pools/:poolId/balances', allowed: books, call: get(`${pool}/balances`) },
  { name: 'GET /networks/:id/pools/:poolId/audit', allowed: books, call: get(`${pool}/audit`) },
  { name: 'GET /networks/:id/pools/:poolId/periods/:periodEnd/statement', allowed: books, call: get(`${pool}/periods/2026-10-31/statement?format=html`) },
  { name: 'GET /networks/:id/pools/:poolId/reconciliation', allowed: books, call: get(`${pool}/reconciliation`) },
  {
    name: 'GET /networks/:id/pools/:poolId/holders/:holderId/statement (the holder, or those who keep the books)',
    allowed: ['member', ...books],
    call: get(`${pool}/holders/${people.member.personId}/statement?from=2026-01-01&to=2026-12-31`),
  },
  { name: 'POST /networks/:id/pools/:poolId/refunds', allowed: ['treasurer'], call: (who) => send(app, 'POST', `${pool}/refunds`, { paymentId: randomUUID(), pence: 100, reference: 'Credit note', receivedOn: '2026-11-01' }, headers(who)) },
  { name: 'POST /networks/:id/pools/:poolId/bank-charges', allowed: ['treasurer'], call: (who) => send(app, 'POST', `${pool}/bank-charges`, { pence: 100, description: 'Account fee', chargedOn: '2026-11-01' }, headers(who)) },
  { name: 'POST /networks/:id/pools/:poolId/corrections', allowed: ['treasurer'], call: (who) => send(app, 'POST', `${pool}/corrections`, { corrects: randomUUID(), pence: -100, reason: 'Keyed wrong', correctedOn: '2026-11-01' }, headers(who)) },
  { name: 'POST /networks/:id/pools/:poolId/periods', allowed: ['treasurer'], call: (who) => send(app, 'POST', `${pool}/periods`, { periodEnd: '2100-12-31' }, headers(who)) },
  { name: 'POST /networks/:id/pools/:poolId/transfers', allowed: ['coordinator', 'treasurer'], call: (who) => send(app, 'POST', `${pool}/transfers`, { pence: 100, submittedOn: '2026-11-01', toPoolId: randomUUID(), reason: 'Outings' }, headers(who)) },
  {
    name: 'POST /networks/:id/pools/:poolId/bank-statements',
    allowed: ['treasurer'],
    call: (who) => app.inject({ method: 'POST', url: `${pool}/bank-statements`, headers: { ...headers(who), 'content-type': 'text/csv', 'idempotency-key': randomUUID() }, payload: 'Date,Description,Amount,Balance\n2026-11-01,GRANT,1.00,1.00\n' }),
  },
  { name: 'POST /networks/:id/pools/:poolId/reconciliation/auto-match', allowed: ['treasurer'], call: (who) => send(app, 'POST', `${pool}/reconciliation/auto-match`, undefined, headers(who)) },
  { name: 'POST /networks/:id/pools/:poolId/reconciliation/matches', allowed: ['treasurer'], call: (who) => send(app, 'POST', `${pool}/reconciliation/matches`, { lineId: randomUUID(), entryIds: [randomUUID()] }, headers(who)) },
  { name: 'POST /networks/:id/pools/:poolId/reconciliation/matches/:lineId/removal', allowed: ['treasurer'], call: (who) => send(app, 'POST', `${pool}/reconciliation/matches/${randomUUID()}/removal`, { reason: 'Wrong line' }, headers(who)) },
  { name: 'PUT /networks/:id/vouchers/policy', allowed: ['coordinator'], call: (who) => send(app, 'PUT', `${vouchers}/policy`, { expiryMonths: 24, atExpiry: 'refund-to-giver' }, headers(who)) },
  { name: 'GET /networks/:id/vouchers/policy', allowed: members, call: get(`${vouchers}/policy`) },
  { name: 'POST /networks/:id/vouchers (any member gives)', allowed: members, call: (who) => send(app, 'POST', vouchers, { learnerId: id('member'), value: { kind: 'sessions', activity: 'Pottery', sessions: 2, pencePerSession: 500 }, occasion: 'Birthday', message: '' }, headers(who)) },
  { name: 'POST /networks/:id/vouchers/:voucherId/payment', allowed: ['treasurer'], prepare: boughtVoucher, call: (who, v) => send(app, 'POST', `${vouchers}/${v}/payment`, { pence: 1_000, reference: 'BACS', receivedOn: today }, headers(who)) },
  { name: 'POST /networks/:id/vouchers/:voucherId/refund', allowed: ['treasurer'], prepare: paidVoucher, call: (who, v) => send(app, 'POST', `${vouchers}/${v}/refund`, { pence: 1_000, reason: "At the giver's request" }, headers(who)) },
  { name: 'POST /networks/:id/vouchers/:voucherId/payouts', allowed: ['treasurer'], prepare: paidVoucher, call: (who, v) => send(app, 'POST', `${vouchers}/${v}/payouts`, { pence: 1_000, method: 'bank-transfer', reference: 'REFUND 1', paidOn: today }, headers(who)) },
  { name: 'POST /networks/:id/vouchers/learning-fund/payments', allowed: ['treasurer', 'coordinator'], call: (who) => send(app, 'POST', `${vouchers}/learning-fund/payments`, { pence: 500, payee: 'Leeds Libraries', purpose: 'Tablets' }, headers(who)) },
  { name: 'POST /networks/:id/vouchers/learning-fund/payments/:paymentId/approval', allowed: ['treasurer', 'board'], prepare: fundPayment, call: (who, p) => send(app, 'POST', `${vouchers}/learning-fund/payments/${p}/approval`, undefined, headers(who)) },
  { name: 'POST /networks/:id/vouchers/learning-fund/payments/:paymentId/rejection', allowed: ['treasurer', 'board'], prepare: fundPayment, call: (who, p) => send(app, 'POST', `${vouchers}/learning-fund/payments/${p}/rejection`, { reason: 'Not this year' }, headers(who)) },
  { name: 'GET /networks/:id/vouchers/learning-fund', allowed: ['treasurer', 'coordinator', 'board'], call: get(`${vouchers}/learning-fund`) },
  { name: 'GET /networks/:id/vouchers/learning-fund/payments', allowed: ['treasurer', 'coordinator', 'board'], call: get(`${vouchers}/learning-fund/payments`) },
  { name: 'POST /networks/:id/vouchers/expiry', allowed: ['treasurer'], call: (who) => send(app, 'POST', `${vouchers}/expiry`, undefined, headers(who)) },
  {
    name: 'POST /networks/:id/vouchers/sessions (mentors, or a coordinator naming the mentor)',
    allowed: ['mentor', 'coordinator'],
    call: (who) => send(app, 'POST', `${vouchers}/sessions`, { mentorId: id('mentor'), startsAt: `${today}T00:00:00Z`, activity: 'Pottery', shares: [{ learnerId: id('member'), voucherId: null, pence: 500 }] }, headers(who)),
  },
  { name: 'GET /networks/:id/vouchers (given=me or learner=me)', allowed: members, call: get(`${vouchers}?given=me`) },
  { name: 'GET /networks/:id/vouchers/redeemable (mentors, coordinators)', allowed: ['mentor', 'coordinator'], call: get(`${vouchers}/redeemable`) },
  { name: 'GET /networks/:id/vouchers/liability', allowed: ['treasurer'], call: get(`${vouchers}/liability?asAt=${today}&format=csv`) },
  { name: 'GET /networks/:id/vouchers/awaiting-payment', allowed: ['treasurer'], call: get(`${vouchers}/awaiting-payment`) },
  { name: 'GET /networks/:id/vouchers/held', allowed: ['treasurer'], call: get(`${vouchers}/held`) },
  { name: 'GET /networks/:id/vouchers/sessions (mentors, coordinators)', allowed: ['mentor', 'coordinator'], call: get(`${vouchers}/sessions?mentor=me`) },
  { name: 'GET /networks/:id/vouchers/:voucherId (its giver, its learner, treasurers, coordinators)', allowed: ['family', 'member', 'treasurer', 'coordinator'], call: get(`${vouchers}/${voucherId}`) },
  { name: 'POST /networks/:id/coop', allowed: ['coordinator'], call: (who) => send(app, 'POST', coop, { name: 'Another Co-op', rules: coopRules, foundedOn: day }, headers(who)) },
  { name: 'GET /networks/:id/coop', allowed: members, call: get(coop) },
  { name: 'PUT /networks/:id/coop/rules', allowed: ['board'], call: (who) => send(app, 'PUT', `${coop}/rules`, { rules: coopRules, reason: 'AGM' }, headers(who)) },
  { name: 'POST /networks/:id/coop/applications (the member, or a coordinator on their behalf)', allowed: members, call: (who) => send(app, 'POST', `${coop}/applications`, { memberClass: 'members', pence: 100 }, headers(who)) },
  { name: 'GET /networks/:id/coop/applications', allowed: ['board'], call: get(`${coop}/applications`) },
  { name: 'POST /networks/:id/coop/applications/:applicationId/issue', allowed: ['board'], prepare: application, call: (who, a) => send(app, 'POST', `${coop}/applications/${a}/issue`, { issuedOn: day }, headers(who)) },
  { name: 'POST /networks/:id/coop/applications/:applicationId/decline', allowed: ['board'], prepare: application, call: (who, a) => send(app, 'POST', `${coop}/applications/${a}/decline`, { reason: 'Not paid' }, headers(who)) },
  { name: 'POST /networks/:id/coop/withdrawals (the member, or a coordinator on their behalf)', allowed: members, call: (who) => send(app, 'POST', `${coop}/withdrawals`, { pence: 1 }, headers(who)) },
  { name: 'POST /networks/:id/coop/withdrawals/:withdrawalId/payments', allowed: ['board', 'treasurer'], prepare: withdrawal, call: (who, w) => send(app, 'POST', `${coop}/withdrawals/${w}/payments`, { pence: 1 }, headers(who)) },
  { name: 'POST /networks/:id/coop/withdrawals/suspension', allowed: ['board'], call: (who) => send(app, 'POST', `${coop}/withdrawals/suspension`, { reason: 'Cash flow' }, headers(who)) },
  { name: 'POST /networks/:id/coop/withdrawals/resumption', allowed: ['board'], call: (who) => send(app, 'POST', `${coop}/withdrawals/resumption`, undefined, headers(who)) },
  {
    name: 'POST /networks/:id/coop/transfers',
    allowed: ['board'],
    call: (who) => send(app, 'POST', `${coop}/transfers`, { fromPersonId: id('member'), toPersonId: id('treasurer'), pence: 1, reason: 'nomination', documentReference: 'Form 1', on: day }, headers(who)),
  },
  { name: 'POST /networks/:id/coop/leavers (board, or the member who leaves)', allowed: ['member', 'board'], call: (who) => send(app, 'POST', `${coop}/leavers`, { personId: id('member'), reason: 'left', on: day }, headers(who)) },
  { name: 'POST /networks/:id/coop/interest', allowed: ['board'], call: (who) => send(app, 'POST', `${coop}/interest`, { rateBasisPoints: 100, periodFrom: '2026-01-01', periodTo: '2026-11-30' }, headers(who)) },
  {
    name: 'POST /networks/:id/coop/dividends',
    allowed: ['board'],
    call: (who) => send(app, 'POST', `${coop}/dividends`, { pence: 1, basis: 'services-used-pence', periodFrom: '2026-01-01', periodTo: '2026-11-30', participation: [{ personId: id('member'), participation: 10 }] }, headers(who)),
  },
  { name: 'POST /networks/:id/coop/income', allowed: ['treasurer'], call: (who) => send(app, 'POST', `${coop}/income`, { pence: 100, source: 'Grant', reference: 'G-1', receivedOn: day }, headers(who)) },
  { name: 'GET /networks/:id/coop/register', allowed: ['board', 'treasurer'], call: get(`${coop}/register?format=csv`) },
  { name: 'GET /networks/:id/coop/withdrawals', allowed: ['board', 'treasurer'], call: get(`${coop}/withdrawals`) },
  { name: 'GET /networks/:id/coop/members/:personId (the member, board, treasurers)', allowed: ['member', 'board', 'treasurer'], call: get(`${coop}/members/${people.member.personId}`) },
  { name: 'POST /networks/:id/coop/proposals (members of the co-op)', allowed: coopMembers, call: (who) => send(app, 'POST', `${coop}/proposals`, terms(), headers(who)) },
  { name: 'GET /networks/:id/coop/proposals', allowed: members, call: get(`${coop}/proposals`) },
  { name: 'GET /networks/:id/coop/proposals/:proposalId', allowed: members, call: get(proposal) },
  { name: 'GET /networks/:id/coop/proposals/:proposalId/ballots', allowed: members, call: get(`${proposal}/ballots`) },
  { name: 'POST /networks/:id/coop/proposals/:proposalId/opening', allowed: ['board'], prepare: proposed, call: (who, p) => send(app, 'POST', `${coop}/proposals/${p}/opening`, undefined, headers(who)) },
  {
    name: 'POST /networks/:id/coop/proposals/:proposalId/proxies',
    allowed: ['board', 'coordinator'],
    prepare: votingOpen,
    call: (who, p) => send(app, 'POST', `${coop}/proposals/${p}/proxies`, { grantorId: id('member'), proxyId: id('treasurer'), documentReference: 'Proxy 1' }, headers(who)),
  },
  { name: 'POST /networks/:id/coop/proposals/:proposalId/votes (the electorate)', allowed: coopMembers, prepare: votingOpen, call: (who, p) => send(app, 'POST', `${coop}/proposals/${p}/votes`, { choice: 'for' }, headers(who)) },
  { name: 'POST /networks/:id/coop/proposals/:proposalId/closing (board, or any member once it is time)', allowed: ['board'], prepare: votingOpen, call: (who, p) => send(app, 'POST', `${coop}/proposals/${p}/closing`, undefined, headers(who)) },
  { name: 'POST /networks/:id/coop/proposals/:proposalId/payment', allowed: ['treasurer'], prepare: proposed, call: (who, p) => send(app, 'POST', `${coop}/proposals/${p}/payment`, { pence: 100, invoiceReference: 'INV-9' }, headers(who)) },
  { name: 'GET /networks/:id/timebank/posts', allowed: members, call: get(posts) },
  { name: 'POST /networks/:id/timebank/posts', allowed: members, prepare: async () => (await posted(), ''), call: (who) => send(app, 'POST', posts, offer(), headers(who)) },
  { name: 'GET /networks/:id/timebank/posts/mine', allowed: members, call: get(`${posts}/mine`) },
  { name: 'GET /networks/:id/timebank/posts/unanswered', allowed: ['coordinator'], call: get(`${posts}/unanswered`) },
  { name: 'GET /networks/:id/timebank/posts/:postId', allowed: members, prepare: posted, call: (who, p) => app.inject({ method: 'GET', url: `${posts}/${p}`, headers: headers(who) }) },
  { name: 'PUT /networks/:id/timebank/posts/:postId (its owner or a coordinator)', allowed: ['member', 'coordinator'], prepare: posted, call: (who, p) => send(app, 'PUT', `${posts}/${p}`, { title: 'Weeding and mowing', category: 'gardening' }, headers(who)) },
  { name: 'POST /networks/:id/timebank/posts/:postId/pause (its owner or a coordinator)', allowed: ['member', 'coordinator'], prepare: posted, call: (who, p) => send(app, 'POST', `${posts}/${p}/pause`, undefined, headers(who)) },
  { name: 'POST /networks/:id/timebank/posts/:postId/renewal (its owner or a coordinator)', allowed: ['member', 'coordinator'], prepare: posted, call: (who, p) => send(app, 'POST', `${posts}/${p}/renewal`, undefined, headers(who)) },
  { name: 'POST /networks/:id/timebank/posts/:postId/closure (its owner or a coordinator)', allowed: ['member', 'coordinator'], prepare: posted, call: (who, p) => send(app, 'POST', `${posts}/${p}/closure`, {}, headers(who)) },
  { name: 'POST /networks/:id/members/:personId/leaving (self, or a coordinator)', allowed: ['coordinator'], prepare: recorded, call: (who, personId) => send(app, 'POST', `${base}/members/${personId}/leaving`, {}, headers(who)) },
  { name: 'POST /networks/:id/timebank/posts/:postId/answers', allowed: members, prepare: posted, call: (who, p) => send(app, 'POST', `${base}/timebank/posts/${p}/answers`, { message: 'I can help' }, headers(who)) },
  { name: 'GET /networks/:id/timebank/answers', allowed: members, call: get(`${base}/timebank/answers?which=mine`) },
  { name: 'GET /networks/:id/timebank/posts/:postId/answers/:answerId (its two members or a coordinator)', allowed: ['member', 'treasurer', 'coordinator'], prepare: answered, call: (who, a) => app.inject({ method: 'GET', url: `${base}/timebank/posts/${a}`, headers: headers(who) }) },
  { name: 'POST /networks/:id/timebank/posts/:postId/answers/:answerId/messages (its two members or a coordinator)', allowed: ['member', 'treasurer', 'coordinator'], prepare: answered, call: (who, a) => send(app, 'POST', `${base}/timebank/posts/${a}/messages`, { message: 'Thursday?' }, headers(who)) },
  { name: 'POST /networks/:id/timebank/posts/:postId/answers/:answerId/withdrawal (the member who answered or a coordinator)', allowed: ['treasurer', 'coordinator'], prepare: answered, call: (who, a) => send(app, 'POST', `${base}/timebank/posts/${a}/withdrawal`, undefined, headers(who)) },
  { name: 'POST /networks/:id/timebank/posts/:postId/answers/:answerId/acceptance (the member who posted)', allowed: ['member'], prepare: answered, call: (who, a) => send(app, 'POST', `${base}/timebank/posts/${a}/acceptance`, undefined, headers(who)) },
  { name: 'POST /networks/:id/timebank/arrangements (brokering)', allowed: ['coordinator'], prepare: posted, call: (who, p) => send(app, 'POST', `${base}/timebank/arrangements`, { postId: p, personId: id('board') }, headers(who)) },
  { name: 'GET /networks/:id/timebank/arrangements', allowed: members, call: get(`${base}/timebank/arrangements`) },
  { name: 'GET /networks/:id/timebank/arrangements/open-posts', allowed: ['coordinator'], call: get(`${base}/timebank/arrangements/open-posts`) },
  { name: 'GET /networks/:id/timebank/arrangements/figures', allowed: ['coordinator'], call: get(`${base}/timebank/arrangements/figures`) },
  { name: 'GET /networks/:id/timebank/arrangements/:arrangementId (its two people or a coordinator)', allowed: ['member', 'treasurer', 'coordinator'], prepare: arranged, call: (who, a) => app.inject({ method: 'GET', url: `${base}/timebank/arrangements/${a}`, headers: headers(who) }) },
  { name: 'POST /networks/:id/timebank/arrangements/:arrangementId/exchange (its two people or a coordinator)', allowed: ['member', 'treasurer', 'coordinator'], prepare: arranged, call: (who, a) => send(app, 'POST', `${base}/timebank/arrangements/${a}/exchange`, { minutes: 30, occurredOn: '2026-11-01' }, headers(who)) },
  { name: 'POST /people/:personId/erasure (self or coordinator)', allowed: ['member', 'coordinator'], runAllowed: false, call: (who) => send(app, 'POST', `/api/v1/people/${people.member.personId}/erasure`, { confirm: true }, headers(who)) },
];

t.test('the table covers every protected operation in the API', async (t) => {
  const open = ['POST /api/v1/accounts', 'POST /api/v1/accounts/claim', 'POST /api/v1/sessions', 'GET /health', 'POST /api/v1/password-resets', 'POST /api/v1/password-resets/use', 'GET /problems/{name}'];
  const spec = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json().paths as Record<string, Record<string, unknown>>;
  const operations = Object.entries(spec).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
  const covered = new Set(routes.map((r) => r.name.split(' (')[0]!.replace(' on behalf', '').replace(/^(\w+) /, '$1 /api/v1').replace(/:(\w+)/g, (_: string, p: string) => `{${p === 'id' ? 'networkId' : p}}`)));
  const missing = operations.filter((op) => !open.includes(op) && !covered.has(op));
  t.same(missing, [], 'no protected operation is left out of the table');
  t.ok(operations.length >= routes.length);
});

for (const route of routes) {
  t.test(route.name, async (t) => {
    let refusedTarget: string | undefined;
    for (const who of everyone) {
      const allowed = route.allowed.includes(who);
      if (allowed && route.runAllowed === false) continue;
      // A refused request writes nothing, so one target serves every role refused; each role let
      // through gets its own, as it may use it up.
      const target = !route.prepare ? '' : allowed ? await route.prepare() : (refusedTarget ??= await route.prepare());
      const before = await written(hearth);
      const res = await route.call(who, target);
      if (allowed) {
        // Let through: perhaps refused for the state of things (409, 422), but never for who they are, nor failing.
        t.ok(res.statusCode < 500 && res.statusCode !== 401 && res.statusCode !== 403, `${who}: let through (${res.statusCode})`);
      } else {
        t.equal(res.statusCode, who === 'anonymous' ? 401 : 403, `${who}: refused`);
        // Refused for their role, or (within an exchange) for not being the party who may act, or (in a vote) for not being an elector.
        t.match(JSON.parse(res.body), { type: who === 'anonymous' ? '/problems/sign-in-required' : /^\/problems\/(forbidden|not-a-party|own-exchange|not-the-volunteer|not-the-recipient|own-care|not-in-electorate|not-yours-to-reach|coordinators-only|not-answerer|not-post-owner)$/ });
        t.same(await written(hearth), before, `${who}: nothing written`);
      }
    }
  });
}
