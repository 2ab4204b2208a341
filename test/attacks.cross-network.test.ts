// Attacks across networks. Eve signs up, opens a network of her own (B) and tries every way into
// a time bank she does not belong to (A): she invites A's members to B and accepts for them,
// records a stand-in member, proposes a partnership, asks to join, holds every role in B and sends
// On-Behalf-Of everywhere. Whatever she tries, A's people and A's books stay out of her reach, and
// no refused request writes an event. The same file checks the rules that keep the boundary where
// a partnership is in force: who confirms, safeguarding under the policy of the person cared for,
// If-Match, and a member's history of what was done in their name. The subtests run in order and
// tell one story: B proposes, A accepts, later A ends it and B proposes again, never accepted, and
// only then does Eve probe every operation.
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { openApp, send, setUp, signUp, written, type Person } from './support/http.ts';
import type { Schema } from './support/attacks.ts';

// Projections still wake at once on this process's appends; a long poll only spares the single
// PGlite connection the idle polling that would otherwise slow every request with a body.
const { hearth, app, close } = await openApp(undefined, { PROJECTION_POLL_MS: '1000' });
t.teardown(close);

const api = '/api/v1';
// Taken afresh for each test, so that a run across midnight does not date one step yesterday and the next today.
let today = new Date().toISOString().slice(0, 10);
t.beforeEach(() => {
  today = new Date().toISOString().slice(0, 10);
});
const inAYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
const everyRole = ['member', 'coordinator', 'treasurer', 'board', 'mentor', 'family'];
type Answer = Awaited<ReturnType<typeof send>>;

/** Opens a network as `coordinator`; its API base. */
async function opened(coordinator: Person, name: string, kind = 'time_bank') {
  const res = await setUp(send(app, 'POST', `${api}/networks`, { name, kind }, coordinator.auth), 201);
  const networkId = res.json().networkId as string;
  return { networkId, base: `${api}/networks/${networkId}` };
}

/** Someone with an account who joins at the coordinator's invitation, by their own acceptance. */
async function member(network: { base: string }, coordinator: Person, name: string, details: Record<string, string> = {}) {
  const person = await signUp(app, name, details);
  await setUp(send(app, 'POST', `${network.base}/invitations`, { personId: person.personId }, coordinator.auth), 201);
  await setUp(send(app, 'POST', `${network.base}/invitations/acceptance`, undefined, person.auth), 200);
  return person;
}

/** A member who is not online, recorded by the coordinator: no account. */
async function recorded(network: { base: string }, coordinator: Person, name: string, details: Record<string, string> = {}) {
  const res = await setUp(send(app, 'POST', `${network.base}/members`, { name, ...details }, coordinator.auth), 201);
  return res.json().personId as string;
}

// Network A, a neighbourhood network that keeps a time bank and a care bank: Cora coordinates; Ann (email, name, date of birth), Bob, Dot, Gus and Vic
// are members with accounts; Fay is recorded by Cora, and flagged for safeguarding.
const cora = await signUp(app, 'Cora Coordinator', { dateOfBirth: '1970-06-01' });
const A = await opened(cora, 'Meanwood Time Bank', 'neighbourhood_network');
const ann = await member(A, cora, 'Ann Atkinson', { dateOfBirth: '1941-03-02' });
const bob = await member(A, cora, 'Bob Barraclough');
const dot = await member(A, cora, 'Dot Dawson');
const gus = await member(A, cora, 'Gus Greenwood', { dateOfBirth: '1938-09-09' });
const vic = await member(A, cora, 'Vic Volunteer', { dateOfBirth: '1980-01-15' });
const fay = await recorded(A, cora, 'Fay Fairweather', { dateOfBirth: '1932-05-01' });
// A requires a current DBS check before anyone gives care to a member flagged for safeguarding;
// nobody in this file holds one.
await setUp(send(app, 'PUT', `${A.base}/safeguarding-policy`, { requireDbsForSafeguarded: true }, cora.auth), 200);
await setUp(send(app, 'PUT', `${A.base}/members/${fay}/safeguarding`, { needsSafeguarding: true }, cora.auth), 200);
await setUp(send(app, 'POST', `${A.base}/carebank/rules`, { minimumAgeToBank: 18, claimFromAge: 60, dailyCapMinutes: 300, lifetimeCapMinutes: null, effectiveFrom: '2026-01-01' }, cora.auth), 201);

// A's resources, for Eve to reach for: an exchange, care, a pool and a payment, a voucher, a
// co-op's application, withdrawal and proposal. Only a bank statement's line is made up.
const exchangeOfA = (await setUp(send(app, 'POST', `${A.base}/timebank/exchanges`, { providerId: ann.personId, receiverId: dot.personId, minutes: 30, category: 'gardening', occurredOn: today }, ann.auth), 201)).json().exchangeId as string;
const careOfA = (await setUp(send(app, 'POST', `${A.base}/carebank/care`, { volunteerId: vic.personId, recipientId: dot.personId, minutes: 60, activity: 'befriending', occurredOn: today }, vic.auth), 201)).json().careId as string;
const poolOfA = (await setUp(send(app, 'POST', `${A.base}/pools`, { name: 'Lunch club', twoApproversAbovePence: 10_000 }, cora.auth), 201)).json().poolId as string;
const paymentOfA = (await setUp(send(app, 'POST', `${A.base}/pools/${poolOfA}/payments`, { payee: 'Kitchen CIC', purpose: 'Lunches', invoiceReference: 'INV-1', pence: 500, beneficiaries: [{ holderId: ann.personId, pence: 500 }], submittedOn: today }, cora.auth), 201)).json().paymentId as string;
const voucherOfA = (await setUp(send(app, 'POST', `${A.base}/vouchers`, { learnerId: dot.personId, value: { kind: 'amount', pence: 1_000 }, occasion: 'Birthday', message: 'Enjoy it' }, ann.auth), 201)).json().voucherId as string;
await setUp(send(app, 'PUT', `${A.base}/members/${cora.personId}/roles`, { roles: ['member', 'coordinator', 'board'], reason: 'elected to the board' }, cora.auth), 200);
const coopRules = { memberClasses: [{ name: 'members', voteWeight: null }], membershipSharePence: 100, minHoldingPence: 0, maxHoldingPence: 1_000_000, withdrawalNoticeDays: 0, interestCapBasisPoints: 500 };
await setUp(send(app, 'POST', `${A.base}/coop`, { name: 'Meanwood Co-op', rules: coopRules, foundedOn: today }, cora.auth), 201);
const coraShares = (await setUp(send(app, 'POST', `${A.base}/coop/applications`, { memberClass: 'members', pence: 1_000 }, cora.auth), 201)).json().applicationId as string;
await setUp(send(app, 'POST', `${A.base}/coop/applications/${coraShares}/issue`, { issuedOn: today }, cora.auth), 200);
const applicationOfA = (await setUp(send(app, 'POST', `${A.base}/coop/applications`, { memberClass: 'members', pence: 100 }, ann.auth), 201)).json().applicationId as string;
const withdrawalOfA = (await setUp(send(app, 'POST', `${A.base}/coop/withdrawals`, { pence: 1 }, cora.auth), 201)).json().withdrawalId as string;
const proposalTerms = { title: 'Kettle', pence: 100, payee: 'Hardware shop', purpose: 'Tea', source: { kind: 'funds' }, closesAt: new Date(Date.now() + 86_400_000).toISOString(), quorumPercent: 50, thresholdPercent: 50, secret: false, hideResultsUntilClose: false };
const proposalOfA = (await setUp(send(app, 'POST', `${A.base}/coop/proposals`, proposalTerms, cora.auth), 201)).json().proposalId as string;

// Network B, opened by Eve, a stranger who signs herself up. She gives herself every role in B,
// records a stand-in, invites Ann and Bob, and asks to join A. None of it is refused: these are
// things anyone may do; what she does with them next is what this file is about.
const eve = await signUp(app, 'Eve Stranger');
const B = await opened(eve, 'Eve’s Exchange');
await setUp(send(app, 'PUT', `${B.base}/members/${eve.personId}/roles`, { roles: everyRole, reason: 'all of them' }, eve.auth), 200);
const sam = await recorded(B, eve, 'Sam Stand-in');
await send(app, 'POST', `${B.base}/invitations`, { personId: ann.personId }, eve.auth);
await send(app, 'POST', `${B.base}/invitations`, { personId: bob.personId }, eve.auth);
await send(app, 'POST', `${A.base}/join-requests`, undefined, eve.auth);
// B has books of its own, so that reaching A's through B's path meets a check of whose they are.
await setUp(send(app, 'POST', `${B.base}/coop`, { name: 'Eve’s Co-op', rules: coopRules, foundedOn: today }, eve.auth), 201);
const eveShares = (await setUp(send(app, 'POST', `${B.base}/coop/applications`, { memberClass: 'members', pence: 1_000 }, eve.auth), 201)).json().applicationId as string;
await setUp(send(app, 'POST', `${B.base}/coop/applications/${eveShares}/issue`, { issuedOn: today }, eve.auth), 200);
await setUp(send(app, 'POST', `${B.base}/pools`, { name: 'Eve’s pool', twoApproversAbovePence: 0 }, eve.auth), 201);

const onBehalfOf = (person: Person | string) => ({ 'on-behalf-of': typeof person === 'string' ? person : person.personId });
const as = (person: Person, also: Record<string, string> = {}) => ({ ...person.auth, ...also });
const get = (url: string, headers: Record<string, string>) => app.inject({ method: 'GET', url, headers });

/** The request is refused as problem+json, with a 4xx and no event (nor kept answer) written. */
async function refused(t: Test, what: string, request: () => Promise<Answer>, expected: { status?: number; type?: string } = {}) {
  const before = await written(hearth);
  const res = await request();
  t.ok(res.statusCode >= 400 && res.statusCode < 500, `${what}: refused (${res.statusCode})`);
  if (expected.status) t.equal(res.statusCode, expected.status, `${what}: answers ${expected.status}`);
  t.match(String(res.headers['content-type']), /^application\/problem\+json/, `${what}: as problem+json`);
  if (expected.type) t.equal(problemType(res), `/problems/${expected.type}`, `${what}: as ${expected.type}`);
  t.same(await written(hearth), before, `${what}: nothing written`);
  return res;
}

function problemType(res: Answer): string | undefined {
  try {
    return (res.json() as { type?: string }).type;
  } catch {
    return undefined;
  }
}

/** The ETag a read answered with; when it has none, a revision that is surely stale by the time it is sent. */
function etagOf(t: Test, res: Answer, what: string): string {
  const etag = res.headers.etag;
  t.match(etag, /^(W\/)?"(-1|\d+)"$/, `${what} answers with its ETag`);
  return typeof etag === 'string' ? etag : '"0"';
}

const crossing = (minutes: number, receiverId = ann.personId) => ({ providerId: sam, receiverId, receiverNetworkId: A.networkId, minutes, category: 'gardening', description: 'Hedge', occurredOn: today });

t.test('Eve accepts invitations for Ann and Bob, then exports Ann and erases Bob: all refused', async (t) => {
  for (const person of [ann, bob]) {
    await refused(t, `acceptance of B's invitation On-Behalf-Of ${person === ann ? 'Ann' : 'Bob'}`, () =>
      send(app, 'POST', `${B.base}/invitations/acceptance`, undefined, as(eve, onBehalfOf(person))),
    );
  }
  const exported = await refused(t, "Eve's export of Ann", () => get(`${api}/people/${ann.personId}/export`, eve.auth), { status: 403 });
  t.notMatch(exported.body, ann.email, "nothing of Ann's is in the answer");
  t.notMatch(exported.body, '1941-03-02', 'nor her date of birth');
  await refused(t, "Eve's export of Ann, On-Behalf-Of Ann", () => get(`${api}/people/${ann.personId}/export`, as(eve, onBehalfOf(ann))));
  await refused(t, "Eve's erasure of Bob", () => send(app, 'POST', `${api}/people/${bob.personId}/erasure`, { confirm: true }, eve.auth), { status: 403 });
  await refused(t, "Eve's erasure of Bob, On-Behalf-Of Bob", () => send(app, 'POST', `${api}/people/${bob.personId}/erasure`, { confirm: true }, as(eve, onBehalfOf(bob))));

  const me = (await get(`${api}/me`, ann.auth)).json() as { memberships: Array<{ networkId: string; status: string }> };
  t.notOk(me.memberships.some((m) => m.networkId === B.networkId && m.status === 'active'), 'Ann is not a member of B');
  // Those who may, still may: Ann herself, and the coordinator of the one network she belongs to.
  const own = await get(`${api}/people/${ann.personId}/export`, ann.auth);
  t.equal(own.statusCode, 200, 'Ann exports herself');
  t.match(own.body, ann.email);
  t.equal((await get(`${api}/people/${ann.personId}/export`, cora.auth)).statusCode, 200, "A's coordinator exports Ann, a member of A alone");
});

t.test('Eve logs 600 minutes from her stand-in to Ann in A while no partnership is in force: refused', async (t) => {
  const proposal = await send(app, 'POST', `${B.base}/partnerships`, { partnerNetworkId: A.networkId }, eve.auth);
  t.equal(proposal.statusCode, 201, 'B proposes a partnership with A');
  await refused(t, 'Eve accepts her own proposal for B', () => send(app, 'POST', `${B.base}/partnerships/${A.networkId}/acceptance`, undefined, eve.auth), { status: 409 });
  await refused(t, 'Eve accepts it for A', () => send(app, 'POST', `${A.base}/partnerships/${B.networkId}/acceptance`, undefined, eve.auth), { status: 403 });
  await refused(t, 'the exchange to Ann', () => send(app, 'POST', `${B.base}/timebank/exchanges`, crossing(600), eve.auth));
  await refused(t, 'the exchange to Ann, On-Behalf-Of the stand-in', () => send(app, 'POST', `${B.base}/timebank/exchanges`, crossing(600), as(eve, onBehalfOf(sam))));
  await refused(t, 'the exchange to Ann, On-Behalf-Of Ann', () => send(app, 'POST', `${B.base}/timebank/exchanges`, crossing(600), as(eve, onBehalfOf(ann))));
});

t.test("under a partnership A accepted, what Eve logs is confirmed only by Ann or A's coordinator", async (t) => {
  const accepted = await send(app, 'POST', `${A.base}/partnerships/${B.networkId}/acceptance`, undefined, cora.auth);
  t.equal(accepted.statusCode, 200, "A's coordinator accepts B's proposal");
  const listed = await get(`${A.base}/partnerships`, ann.auth);
  t.equal(listed.statusCode, 200, "A's members see A's partnerships");
  t.match(listed.body, 'Eve’s Exchange', "with the partner network's name");

  const logged = await send(app, 'POST', `${B.base}/timebank/exchanges`, crossing(600), eve.auth);
  t.equal(logged.statusCode, 201, 'Eve logs 600 minutes from her stand-in to Ann, under the partnership');
  if (logged.statusCode !== 201) return;
  const { exchangeId, position } = logged.json() as { exchangeId: string; position: number };
  const confirmation = (network: { base: string }) => `${network.base}/timebank/exchanges/${exchangeId}/confirmation`;
  await refused(t, "Eve confirms, as B's coordinator", () => send(app, 'POST', confirmation(B), undefined, eve.auth), { status: 403 });
  await refused(t, 'Eve confirms On-Behalf-Of Ann', () => send(app, 'POST', confirmation(B), undefined, as(eve, onBehalfOf(ann))));
  await refused(t, 'Eve confirms On-Behalf-Of her stand-in, the provider', () => send(app, 'POST', confirmation(B), undefined, as(eve, onBehalfOf(sam))));
  await refused(t, "Eve confirms through A's path", () => send(app, 'POST', confirmation(A), undefined, eve.auth), { status: 403 });

  const confirmed = await send(app, 'POST', confirmation(A), undefined, ann.auth);
  t.equal(confirmed.statusCode, 200, 'Ann confirms it herself');
  const after = Math.max(position, (confirmed.json() as { position?: number }).position ?? 0);
  // Both sides see it, naming the counterpart.
  const statement = await get(`${A.base}/timebank/accounts/${ann.personId}/statement?from=${today}&to=${today}&after=${after}`, ann.auth);
  t.equal(statement.statusCode, 200, 'Ann reads her statement');
  const entries = (statement.json() as { entries?: Array<{ minutes: number; with: string }> }).entries ?? [];
  const line = entries.find((e) => e.minutes === -600);
  t.match(JSON.stringify(line ?? null), 'Sam Stand-in', "Ann's statement names who the hours went to");
  t.match(JSON.stringify(line ?? null), 'Eve’s Exchange', 'and their network');
  const standIn = await get(`${B.base}/timebank/accounts/${sam}/statement?from=${today}&to=${today}&after=${after}`, eve.auth);
  const credited = ((standIn.json() as { entries?: Array<{ minutes: number }> }).entries ?? []).find((e) => e.minutes === 600);
  t.match(JSON.stringify(credited ?? null), 'Ann Atkinson', "the stand-in's statement in B names whom the hours came from");
  t.match(JSON.stringify(credited ?? null), 'Meanwood Time Bank', 'and her network');
  const csv = await get(`${A.base}/timebank/exchanges.csv?after=${after}`, cora.auth);
  t.match(csv.body, /Sam Stand-in.*Ann Atkinson|Ann Atkinson.*Sam Stand-in/, "A's export shows the exchange with both names");
});

t.test('a coordinator who is a party to an exchange confirms it for no one', async (t) => {
  const log = async (body: object, headers: Record<string, string>) => {
    const res = await setUp(send(app, 'POST', `${A.base}/timebank/exchanges`, { category: 'gardening', occurredOn: today, minutes: 30, ...body }, headers), 201);
    return `${A.base}/timebank/exchanges/${res.json().exchangeId as string}/confirmation`;
  };
  const gave = await log({ providerId: cora.personId, receiverId: dot.personId }, cora.auth);
  await refused(t, 'Cora gave the time and confirms it herself', () => send(app, 'POST', gave, undefined, cora.auth), { status: 403 });
  await refused(t, 'Cora gave the time and confirms it On-Behalf-Of Dot, who received it', () => send(app, 'POST', gave, undefined, as(cora, onBehalfOf(dot))), { status: 403 });
  // Acting for Dot, Cora logs time Cora received: refused then, or at her confirmation.
  const forDot = await send(app, 'POST', `${A.base}/timebank/exchanges`, { providerId: dot.personId, receiverId: cora.personId, category: 'gardening', occurredOn: today, minutes: 30 }, as(cora, onBehalfOf(dot)));
  if (forDot.statusCode === 201) {
    const received = `${A.base}/timebank/exchanges/${forDot.json().exchangeId as string}/confirmation`;
    await refused(t, 'Cora logged, for Dot, time Cora received, and confirms it herself', () => send(app, 'POST', received, undefined, cora.auth), { status: 403 });
  } else {
    t.ok(forDot.statusCode >= 400 && forDot.statusCode < 500, `Cora may not log, for Dot, time Cora received (${forDot.statusCode})`);
  }
  const care = await setUp(send(app, 'POST', `${A.base}/carebank/care`, { volunteerId: cora.personId, recipientId: dot.personId, minutes: 60, activity: 'befriending', occurredOn: today }, cora.auth), 201);
  const careConfirmation = `${A.base}/carebank/care/${care.json().careId as string}/confirmation`;
  await refused(t, 'Cora gave care and confirms it On-Behalf-Of Dot, who received it', () => send(app, 'POST', careConfirmation, undefined, as(cora, onBehalfOf(dot))), { status: 403 });
  t.equal((await send(app, 'POST', gave, undefined, dot.auth)).statusCode, 200, 'Dot, the other party, confirms');
});

t.test('safeguarding holds wherever care is given, under the policy of the person cared for', async (t) => {
  t.test('logged in B for a flagged member of A, by a stand-in with no DBS check', async (t) => {
    await refused(t, "the exchange to Fay under A's policy", () => send(app, 'POST', `${B.base}/timebank/exchanges`, crossing(60, fay), eve.auth), { type: 'safeguarding' });
  });
  t.test('care banked for a flagged member by a volunteer with no DBS check', async (t) => {
    await refused(t, 'care for Fay', () => send(app, 'POST', `${A.base}/carebank/care`, { volunteerId: vic.personId, recipientId: fay, minutes: 60, activity: 'befriending', occurredOn: today }, vic.auth), { type: 'safeguarding' });
  });
  t.test('confirmed after the person cared for was flagged', async (t) => {
    const exchange = await setUp(send(app, 'POST', `${A.base}/timebank/exchanges`, { providerId: vic.personId, receiverId: gus.personId, minutes: 60, category: 'gardening', occurredOn: today }, vic.auth), 201);
    const care = await setUp(send(app, 'POST', `${A.base}/carebank/care`, { volunteerId: vic.personId, recipientId: gus.personId, minutes: 60, activity: 'befriending', occurredOn: today }, vic.auth), 201);
    await setUp(send(app, 'PUT', `${A.base}/members/${gus.personId}/safeguarding`, { needsSafeguarding: true }, cora.auth), 200);
    const exchangeConfirmation = `${A.base}/timebank/exchanges/${exchange.json().exchangeId as string}/confirmation`;
    const careConfirmation = `${A.base}/carebank/care/${care.json().careId as string}/confirmation`;
    await refused(t, 'Gus confirms the exchange', () => send(app, 'POST', exchangeConfirmation, undefined, gus.auth), { type: 'safeguarding' });
    await refused(t, "A's coordinator confirms the exchange", () => send(app, 'POST', exchangeConfirmation, undefined, cora.auth), { type: 'safeguarding' });
    await refused(t, 'Gus confirms the care', () => send(app, 'POST', careConfirmation, undefined, gus.auth), { type: 'safeguarding' });
  });
});

t.test('a stale If-Match answers 412 and writes nothing', async (t) => {
  const logged = await setUp(send(app, 'POST', `${A.base}/timebank/exchanges`, { providerId: vic.personId, receiverId: dot.personId, minutes: 15, category: 'gardening', occurredOn: today }, vic.auth), 201);
  const { exchangeId, position } = logged.json() as { exchangeId: string; position: number };
  const exchange = `${A.base}/timebank/exchanges/${exchangeId}`;
  const seen = etagOf(t, await get(`${exchange}?after=${position}`, cora.auth), 'an exchange');
  // Dot disputes it after Cora read it: what Cora would confirm is not what she saw.
  await setUp(send(app, 'POST', `${exchange}/dispute`, { reason: 'it was ten minutes' }, dot.auth), 200);
  await refused(t, 'a confirmation with a stale If-Match', () => send(app, 'POST', `${exchange}/confirmation`, undefined, as(cora, { 'if-match': seen })), { status: 412, type: 'precondition-failed' });

  const account = `${A.base}/timebank/accounts/${dot.personId}`;
  const accountSeen = etagOf(t, await get(account, cora.auth), "a member's account");
  await setUp(send(app, 'PUT', `${account}/limits`, { lowerMinutes: -300, upperMinutes: 3_000, reason: 'new to the time bank' }, cora.auth), 200);
  await setUp(send(app, 'PUT', `${account}/limits`, { lowerMinutes: -360, upperMinutes: 3_000, reason: 'settled in' }, cora.auth), 200);
  await refused(t, "a member's limits with a stale If-Match", () => send(app, 'PUT', `${account}/limits`, { lowerMinutes: -600, upperMinutes: null, reason: 'stale' }, as(cora, { 'if-match': accountSeen })), { status: 412, type: 'precondition-failed' });

  const settingsSeen = etagOf(t, await get(`${A.base}/timebank/settings`, cora.auth), "the time bank's settings");
  await setUp(send(app, 'PUT', `${A.base}/timebank/limits`, { lowerMinutes: -600, upperMinutes: 45_000, maxExchangeMinutes: 720, reason: 'the defaults' }, cora.auth), 200);
  await setUp(send(app, 'PUT', `${A.base}/timebank/limits`, { lowerMinutes: -660, upperMinutes: 45_000, maxExchangeMinutes: 720, reason: 'a little more room' }, cora.auth), 200);
  await refused(t, "the network's limits with a stale If-Match", () => send(app, 'PUT', `${A.base}/timebank/limits`, { lowerMinutes: -720, upperMinutes: 45_000, maxExchangeMinutes: 720, reason: 'stale' }, as(cora, { 'if-match': settingsSeen })), { status: 412, type: 'precondition-failed' });
});

t.test("Ann's history shows what a coordinator did in her name, and nothing by Eve in her name", async (t) => {
  const logged = await setUp(send(app, 'POST', `${A.base}/timebank/exchanges`, { providerId: ann.personId, receiverId: dot.personId, minutes: 45, category: 'gardening', occurredOn: today }, as(cora, onBehalfOf(ann))), 201);
  const { position } = logged.json() as { position: number };
  type Item = { position: number; type: string; actor: string; onBehalfOf: string | null };
  const { projections } = await hearth.engine.status();
  await hearth.engine.waitFor(projections.map((p) => p.name), position, 5_000);
  const history = await get(`${api}/me/history?after=${position}`, ann.auth);
  t.equal(history.statusCode, 200, 'Ann reads her history');
  const items = (history.json() as { items: Item[] }).items;
  t.ok(
    items.some((i) => i.type.startsWith('timebank.') && i.actor === cora.personId && i.onBehalfOf === ann.personId),
    'the exchange Cora logged for Ann, with Cora as the actor and Ann as the one acted for',
  );
  // Eve's invitation is there, as it should be; nothing she did in Ann's name is.
  t.same(items.filter((i) => i.actor === eve.personId && i.onBehalfOf === ann.personId), [], 'nothing done by Eve in her name');
});

t.test('once A ends the partnership nothing more crosses, and Eve can only propose again', async (t) => {
  const ended = await send(app, 'POST', `${A.base}/partnerships/${B.networkId}/ending`, { reason: 'we never agreed to this much' }, cora.auth);
  t.equal(ended.statusCode, 200, "A's coordinator ends the partnership");
  await refused(t, 'the exchange to Ann after the ending', () => send(app, 'POST', `${B.base}/timebank/exchanges`, crossing(60), eve.auth));
  const again = await send(app, 'POST', `${B.base}/partnerships`, { partnerNetworkId: A.networkId }, eve.auth);
  t.equal(again.statusCode, 201, 'B proposes again; A never accepts');
});

// Every operation of the API that names a network or another resource, called by Eve with A's
// network and A's resources, and then with her own network's id over A's resources. Bodies are
// built from each operation's own request schema, so an operation added later is probed too.
type Parameter = { in: string; name: string; required?: boolean; schema: Schema };
type Operation = { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } };

/** A's ids by the name of the field or parameter that carries one; B only where a partner is named. */
const idsOfA: Record<string, string> = {
  networkId: A.networkId,
  receiverNetworkId: A.networkId,
  partnerNetworkId: B.networkId,
  exchangeId: exchangeOfA,
  careId: careOfA,
  poolId: poolOfA,
  toPoolId: poolOfA,
  paymentId: paymentOfA,
  corrects: paymentOfA,
  voucherId: voucherOfA,
  proposalId: proposalOfA,
  applicationId: applicationOfA,
  withdrawalId: withdrawalOfA,
  receiverId: bob.personId,
  recipientId: bob.personId,
  toPersonId: bob.personId,
  proxyId: bob.personId,
};
const idFor = (name: string) => idsOfA[name] ?? (/person|holder|learner|provider|volunteer|grantor|relative|mentor|voter/i.test(name) ? ann.personId : randomUUID());

function example(schema: Schema, name: string): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const options = schema.oneOf ?? schema.anyOf;
  if (options) return example(options.find((o) => o.type !== 'null') ?? options[0]!, name);
  const type = Array.isArray(schema.type) ? schema.type.find((x) => x !== 'null') : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((key) => [key, example(schema.properties?.[key] ?? {}, key)]));
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => example(schema.items ?? {}, name));
    case 'integer':
    case 'number': {
      const low = schema.minimum ?? (schema.exclusiveMinimum === undefined ? -Infinity : schema.exclusiveMinimum + 1);
      return Math.min(schema.maximum ?? Infinity, Math.max(low, 100));
    }
    case 'boolean':
      return true;
    case 'string':
      return text(schema, name);
    default:
      return null;
  }
}

function text(schema: Schema, name: string): string {
  const later = /to$|expires|closes|until|end/i.test(name);
  switch (schema.format) {
    case 'uuid':
      return idFor(name);
    case 'date':
      return later ? inAYear : today;
    case 'date-time':
      return `${later ? inAYear : today}T10:00:00Z`;
    case 'email':
      return 'eve@example.org';
  }
  if (name === 'category') return 'gardening';
  const words = 'Taken in by Eve';
  return words.padEnd(schema.minLength ?? 0, '.').slice(0, schema.maxLength ?? words.length);
}

const spec = (await get(`${api}/openapi.json`, {})).json() as { paths: Record<string, Record<string, Operation>> };
/** Operations that name a network or another resource; asking to join is anyone's to ask, and only asks. */
const probed = Object.entries(spec.paths).flatMap(([path, ops]) =>
  Object.entries(ops)
    .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
    .filter(([method]) => /\{\w+\}/.test(path) && !(method === 'post' && path.endsWith('/join-requests')))
    .map(([method, op]) => ({ method: method.toUpperCase() as 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path, op })),
);

/** Well-formed files, so that an import is refused for who sends it, not for what it holds. */
const bankStatement = `Date,Description,Amount,Balance\n${today},GRANT,1.00,1.00\n`;
const timeOverflowExport = 'Date,from,from ID,to,to ID,post,post ID,Reason,quantity\n2024-03-05 10:00:00 UTC,A (1),1,B (2),2,,,,1\n';

/** Optional query parameters an operation needs one of (its schema says so only in words). */
const queryHints: Record<string, string> = { given: 'me' };

function call(operation: (typeof probed)[number], networkId: string, headers: Record<string, string>) {
  const url = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'networkId' ? networkId : name === 'category' ? 'gardening' : name === 'periodEnd' ? today : idFor(name)));
  const query = (operation.op.parameters ?? []).filter((p) => p.in === 'query' && (p.required || p.name in queryHints)).map((p) => `${p.name}=${encodeURIComponent(String(queryHints[p.name] ?? example(p.schema, p.name)))}`);
  const target = query.length ? `${url}?${query.join('&')}` : url;
  if (operation.method === 'GET') return get(target, headers);
  const content = operation.op.requestBody?.content ?? {};
  if (content['text/csv']) {
    const csv = operation.path.endsWith('/bank-statements') ? bankStatement : timeOverflowExport;
    return app.inject({ method: operation.method, url: target, headers: { ...headers, 'content-type': 'text/csv', 'idempotency-key': randomUUID() }, payload: csv });
  }
  const schema = content['application/json']?.schema;
  return send(app, operation.method, target, schema ? example(schema, '') : undefined, headers);
}

async function sweep(t: Test, operations: typeof probed, networkId: string) {
  const before = await written(hearth);
  for (const operation of operations) {
    for (const [how, headers] of [['as herself', eve.auth], ['On-Behalf-Of Ann', as(eve, onBehalfOf(ann))], ['On-Behalf-Of Bob', as(eve, onBehalfOf(bob))]] as const) {
      const name = `${operation.method} ${operation.path} ${how}`;
      const was = await written(hearth);
      const res = await call(operation, networkId, headers);
      t.ok(res.statusCode >= 400 && res.statusCode < 500, `${name}: refused (${res.statusCode} ${problemType(res) ?? ''})`);
      t.not(problemType(res), '/problems/validation', `${name}: the probe was well formed, so it met the rules`);
      t.same(await written(hearth), was, `${name}: nothing written`);
    }
  }
  t.same(await written(hearth), before, 'not one event written across the sweep');
}

t.test("Eve probes every operation with A's network and A's resources", async (t) => {
  t.ok(probed.length > 80, `${probed.length} operations probed`);
  await sweep(t, probed, A.networkId);
});

t.test("Eve probes every operation naming one of A's resources through her own network", async (t) => {
  // Under B, where Eve holds every role, only an operation on a resource of A's is an attack:
  // making things of B's own is hers to do, and reading B's view of someone shows nothing of A.
  const resources = /\{(exchangeId|careId|poolId|paymentId|voucherId|proposalId|applicationId|withdrawalId|lineId)\}/;
  const people = /\{(personId|holderId)\}/;
  const onA = probed.filter((o) => o.path.includes('{networkId}') && !o.path.includes('{partnerNetworkId}') && (resources.test(o.path) || (o.method !== 'GET' && people.test(o.path))));
  t.ok(onA.length > 30, `${onA.length} operations probed`);
  await sweep(t, onA, B.networkId);
});
