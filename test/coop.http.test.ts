// A care co-operative through the HTTP API, on the PostgreSQL server where there is one: shares issued on
// different record dates, a transfer, a leaver and a withdrawal, and the register stated as at
// past days; interest and a patronage dividend; proposals voted on (proxies, changed votes, vote
// weights by member class), closed once and paid once, from the co-op's funds and from a pool; a
// secret ballot whose choices never reach the log in clear and whose key the close destroys;
// results hidden until the close; bad input refused naming the field, writing nothing; and the
// projection rebuilt by the audit to exactly what the live one holds.
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { joined, openApp, send, signUp, written, type Person, spreadsheet } from './support/http.ts';
import { serverFirstBackend } from './support/db.ts';
import { auditDifferences, verifyAudit } from '../src/audit/verify.ts';

const now = Date.now();
const daysAgo = (n: number) => new Date(now - n * 86_400_000).toISOString().slice(0, 10);
// Taken afresh for each test, so that a run across midnight does not date one step yesterday and the next today.
let today = daysAgo(0);
t.beforeEach(() => {
  today = daysAgo(0);
});
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
const problem = 'application/problem+json; charset=utf-8';
const pounds = (pence: number) => `£${Math.floor(pence / 100).toLocaleString('en-GB')}.${String(pence % 100).padStart(2, '0')}`;
const money = (pence: number) => ({ pence, pounds: pounds(pence) });

const rules = {
  memberClasses: [
    { name: 'workers', voteWeight: 3 },
    { name: 'people receiving care', voteWeight: 2 },
    { name: 'supporters', voteWeight: 1 },
  ],
  membershipSharePence: 100,
  minHoldingPence: 0,
  maxHoldingPence: 500_000,
  withdrawalNoticeDays: 0,
  interestCapBasisPoints: 500,
};

const backend = await serverFirstBackend();
t.test(`a care co-op (${backend.name})`, async (t) => {
  const { hearth, app, close } = await openApp(await backend.open());
  t.teardown(close);
  const { db } = hearth.database;

  const coordinator = await signUp(app, 'Cath Coordinator');
  const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Holbeck Care Co-op', kind: 'time_bank' }, coordinator.auth)).json().networkId as string;
  const base = `/api/v1/networks/${networkId}`;
  const coop = `${base}/coop`;
  const member = (name: string, role?: string) => joined(app, networkId, coordinator, name, role);
  const board = await member('Bert Board', 'board');
  const treasurer = await member('Tess Treasurer', 'treasurer');
  const [ann, bob, cat, dan, eve, fay, gus] = [
    await member('Ann Ackroyd'), await member('Bob Brierley'), await member('Cat Cawthorne'), await member('Dan Dobson'),
    await member('Eve Exley'), await member('Fay Firth'), await member('Gus Gledhill'),
  ];

  /** A read that waits for everything written so far. */
  async function get(url: string, who: Person = board) {
    const head = await hearth.store.headPosition();
    return app.inject({ method: 'GET', url: `${url}${url.includes('?') ? '&' : '?'}after=${head}`, headers: who.auth });
  }
  /** A write that must succeed. */
  async function ok(method: 'POST' | 'PUT', url: string, body: unknown, who: Person, status = 201, headers: Record<string, string> = {}) {
    const res = await send(app, method, url, body, { ...who.auth, ...headers });
    if (res.statusCode !== status) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  }
  /** Refused with problem+json (naming the field, when there is one), and nothing written: neither an event nor a key. */
  async function refused(t: Test, why: string, call: () => Promise<{ statusCode: number; headers: Record<string, unknown>; json(): any }>, status: number, type: string, pointer?: string) {
    const before = await written(hearth);
    const res = await call();
    t.equal(res.statusCode, status, `${why}: ${status}`);
    t.equal(res.headers['content-type'], problem, `${why}: problem+json`);
    t.match(res.json(), { type: `/problems/${type}`, status, ...(pointer ? { errors: [{ pointer }] } : {}) }, `${why}: ${type}${pointer ? `, naming ${pointer}` : ''}`);
    t.same(await written(hearth), before, `${why}: nothing written`);
  }
  /** A member admitted: they apply (or a coordinator for them), and the board issues on a record date. */
  async function admit(who: Person, memberClass: string, pence: number, issuedOn: string, asCoordinator = false) {
    const { applicationId } = asCoordinator
      ? await ok('POST', `${coop}/applications`, { memberClass, pence }, coordinator, 201, { 'on-behalf-of': who.personId })
      : await ok('POST', `${coop}/applications`, { memberClass, pence }, who);
    await ok('POST', `${coop}/applications/${applicationId}/issue`, { issuedOn }, board, 200);
    return applicationId as string;
  }

  await ok('POST', coop, { name: 'Holbeck Care Co-op Ltd', rules, foundedOn: daysAgo(60) }, coordinator);

  await t.test('the register as at past days', async (t) => {
    await admit(ann, 'workers', 10_000, daysAgo(50));
    await admit(bob, 'people receiving care', 20_000, daysAgo(40));
    await admit(cat, 'supporters', 5_000, daysAgo(30), true);
    await admit(dan, 'supporters', 0, daysAgo(20));
    // A member's later issue takes no second membership share.
    await admit(ann, 'workers', 2_500, daysAgo(15));
    const { transferId } = await ok('POST', `${coop}/transfers`, { fromPersonId: bob.personId, toPersonId: cat.personId, pence: 5_000, reason: 'nomination', documentReference: 'Nomination form 7', on: daysAgo(10) }, board);
    t.ok(transferId);
    await ok('POST', `${coop}/leavers`, { personId: dan.personId, reason: 'left', on: daysAgo(5) }, dan);
    await ok('POST', `${coop}/income`, { pence: 50_000, source: 'Leeds City Council', reference: 'Care contract Q3', receivedOn: daysAgo(5) }, treasurer);
    const withdrawal = await ok('POST', `${coop}/withdrawals`, { pence: 10_000 }, cat);
    t.equal(withdrawal.dueOn, today, 'no notice under these rules');
    await ok('POST', `${coop}/withdrawals/${withdrawal.withdrawalId}/payments`, { pence: 10_000 }, treasurer);
    await ok('POST', `${coop}/leavers`, { personId: cat.personId, reason: 'left', on: today }, board);

    // Ann's postal address is part of her sealed details; the register opens it for its keepers.
    const mine = (await app.inject({ method: 'GET', url: '/api/v1/me/details', headers: ann.auth })).json();
    await ok('PUT', '/api/v1/me/details', { ...mine, postalAddress: '12 Holbeck Lane, Leeds LS11 9AA' }, ann, 200);
    const line = (p: Person, name: string, memberClass: string, admittedOn: string, shares: number, address: string | null = null) => ({ personId: p.personId, name, address, memberClass, admittedOn, membershipShare: money(100), shares: money(shares) });
    const annAt = (shares: number) => line(ann, 'Ann Ackroyd', 'workers', daysAgo(50), shares, '12 Holbeck Lane, Leeds LS11 9AA');
    const bobAt = (shares: number) => line(bob, 'Bob Brierley', 'people receiving care', daysAgo(40), shares);
    const catAt = (shares: number) => line(cat, 'Cat Cawthorne', 'supporters', daysAgo(30), shares);
    const danAt = line(dan, 'Dan Dobson', 'supporters', daysAgo(20), 0);
    // Former members stay on the register with the day they ceased (the 2014 Act, s.30): their membership share forfeit, their shares paid out.
    const ceased = (p: Person, name: string, admittedOn: string, ceasedOn: string) => ({ ...line(p, name, 'supporters', admittedOn, 0), membershipShare: money(0), ceasedOn });
    const danCeased = ceased(dan, 'Dan Dobson', daysAgo(20), daysAgo(5));
    const expected: Array<[string, number, unknown[], unknown[]]> = [
      [daysAgo(55), 0, [], []],
      [daysAgo(50), 10_100, [annAt(10_000)], []],
      [daysAgo(35), 30_200, [annAt(10_000), bobAt(20_000)], []],
      [daysAgo(25), 35_300, [annAt(10_000), bobAt(20_000), catAt(5_000)], []],
      [daysAgo(18), 35_400, [annAt(10_000), bobAt(20_000), catAt(5_000), danAt], []],
      [daysAgo(12), 37_900, [annAt(12_500), bobAt(20_000), catAt(5_000), danAt], []],
      [daysAgo(8), 37_900, [annAt(12_500), bobAt(15_000), catAt(10_000), danAt], []],
      [daysAgo(3), 37_800, [annAt(12_500), bobAt(15_000), catAt(10_000)], [danCeased]],
      [today, 27_700, [annAt(12_500), bobAt(15_000)], [ceased(cat, 'Cat Cawthorne', daysAgo(30), today), danCeased]],
    ];
    for (const [asAt, shareCapital, members, formerMembers] of expected) {
      const res = await get(`${coop}/register?asAt=${asAt}`, treasurer);
      t.equal(res.statusCode, 200, `the register as at ${asAt} answers`);
      t.same(res.json(), { asAt, shareCapital: money(shareCapital), members, formerMembers }, `the register as at ${asAt}`);
    }
    t.same((await get(`${coop}/register`)).json().asAt, today, 'today when no date is given');

    const rows = spreadsheet(t, await get(`${coop}/register?asAt=${daysAgo(8)}&format=csv`, treasurer));
    t.same(rows.slice(1), [
      [ann.personId, 'Ann Ackroyd', 'workers', daysAgo(50), '1.00', '125.00', '12 Holbeck Lane, Leeds LS11 9AA'],
      [bob.personId, 'Bob Brierley', 'people receiving care', daysAgo(40), '1.00', '150.00', ''],
      [cat.personId, 'Cat Cawthorne', 'supporters', daysAgo(30), '1.00', '100.00', ''],
      [dan.personId, 'Dan Dobson', 'supporters', daysAgo(20), '1.00', '0.00', ''],
    ]);
    t.same(spreadsheet(t, await get(`${coop}/register?asAt=${today}&format=csv&table=former-members`, treasurer)).slice(1), [
      [cat.personId, 'Cat Cawthorne', 'supporters', daysAgo(30), '0.00', '0.00', '', today],
      [dan.personId, 'Dan Dobson', 'supporters', daysAgo(20), '0.00', '0.00', '', daysAgo(5)],
    ]);
    t.same(spreadsheet(t, await get(`${coop}/register?asAt=${daysAgo(8)}&format=csv&table=summary`, treasurer))[3], ['Share capital (£)', '379.00']);

    t.same((await get(coop, ann)).json(), {
      networkId, name: 'Holbeck Care Co-op Ltd', rules, foundedOn: daysAgo(60), funds: money(37_900 + 50_000 - 10_000), reserves: money(200), withdrawalsSuspended: false, shareCapital: money(27_700), members: 2,
    }, 'the co-op as any member sees it');

    const catHolding = (await get(`${coop}/members/${cat.personId}`, cat)).json();
    t.match(catHolding, { status: 'ended', memberClass: 'supporters', admittedOn: daysAgo(30), endedOn: today, membershipShare: money(0), holding: money(0), withdrawing: money(0) });
    t.same(
      catHolding.history.map((h: any) => [h.date, h.kind, h.amount.pence]),
      [[daysAgo(30), 'membership', 100], [daysAgo(30), 'issue', 5_000], [daysAgo(10), 'transfer-in', 5_000], [today, 'withdrawal', -10_000], [today, 'forfeit', -100]],
      "a member's history of movements",
    );
    t.equal((await get(`${coop}/members/${cat.personId}`, ann)).statusCode, 403, "another member's holding is not theirs to see");
    const applications = (await get(`${coop}/applications`)).json().items;
    t.equal(applications.length, 5);
    t.match(applications.find((a: any) => a.personId === cat.personId), { name: 'Cat Cawthorne', memberClass: 'supporters', amount: money(5_000), status: 'issued', appliedOn: today });
  });

  await t.test('interest at no more than the cap, and a dividend by time given and received', async (t) => {
    await refused(t, 'interest above the cap', () => send(app, 'POST', `${coop}/interest`, { rateBasisPoints: 501, periodFrom: daysAgo(365), periodTo: daysAgo(1) }, board.auth), 422, 'above-interest-cap', '/rateBasisPoints');
    const interest = await ok('POST', `${coop}/interest`, { rateBasisPoints: 500, periodFrom: daysAgo(365), periodTo: daysAgo(1) }, board);
    // 5% a year for the days each share was held (actual/365). Ann: £100 for 35 days, £125 for 15:
    // (10,000 * 35 + 12,500 * 15) * 0.05 / 365 = 73.6p -> 73p. Bob: £200 for 30 days, £150 for 10:
    // 750,000 pence-days -> 102.7p -> 102p. Cat: £50 for 20 days, £100 for 10: 200,000 -> 27.4p -> 27p.
    t.same(new Map(interest.allocations.map((a: any) => [a.personId, a.pence])), new Map([[ann.personId, 73], [bob.personId, 102], [cat.personId, 27]]), "for the days each share was held: Cat, who has left since, is owed hers");

    await send(app, 'PUT', `${base}/timebank/categories/gardening`, {}, coordinator.auth);
    const { exchangeId } = await ok('POST', `${base}/timebank/exchanges`, { providerId: ann.personId, receiverId: bob.personId, minutes: 90, category: 'gardening', description: 'Weeding', occurredOn: daysAgo(10) }, ann);
    await ok('POST', `${base}/timebank/exchanges/${exchangeId}/confirmation`, undefined, bob, 200);
    await refused(t, 'participation sent for the time bank basis', () => send(app, 'POST', `${coop}/dividends`, { pence: 1_001, basis: 'timebank-minutes', periodFrom: daysAgo(30), periodTo: daysAgo(1), participation: [] }, board.auth), 422, 'participation-basis', '/participation');
    const dividend = await ok('POST', `${coop}/dividends`, { pence: 1_001, basis: 'timebank-minutes', periodFrom: daysAgo(30), periodTo: daysAgo(1) }, board);
    t.same(dividend.allocations.map((a: any) => a.participation), [90, 90], 'minutes given and received');
    t.same(dividend.allocations.map((a: any) => a.pence).sort(), [500, 501], 'shared by participation, to the penny');
    t.match((await get(coop)).json(), { funds: money(77_900 - 202 - 1_001) });
    t.match((await get(`${coop}/members/${ann.personId}`, ann)).json(), { allocations: [{ kind: 'interest', amount: money(73) }, { kind: 'dividend', amount: { pounds: /^£5\.0[01]$/ } }] });
  });

  // Admitted for the votes: the electorate is ann (workers, 3), bob (care, 2), eve (supporters, 1), fay (workers, 3).
  await admit(eve, 'supporters', 1_000, today);
  await admit(fay, 'workers', 1_000, today);
  const proposal = (over: Record<string, unknown> = {}) => ({
    title: 'A ramp for the minibus', pence: 20_000, payee: 'Leeds Mobility Ltd', purpose: 'Wheelchair access to outings', source: { kind: 'funds' },
    closesAt: inAnHour(), quorumPercent: 50, thresholdPercent: 50, secret: false, hideResultsUntilClose: false, ...over,
  });
  const vote = (proposalId: string, who: Person, choice: string, over: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    ok('POST', `${coop}/proposals/${proposalId}/votes`, { choice, ...over }, who, 201, headers);

  await t.test('a proposal voted on with a proxy and a changed vote, closed once, paid once from the funds', async (t) => {
    const { proposalId } = await ok('POST', `${coop}/proposals`, proposal(), ann);
    const url = `${coop}/proposals/${proposalId}`;
    await refused(t, 'a vote before voting opens', () => send(app, 'POST', `${url}/votes`, { choice: 'for' }, ann.auth), 409, 'voting-not-open');
    await ok('POST', `${url}/opening`, undefined, board, 200);
    await admit(gus, 'workers', 1_000, today);
    await refused(t, 'a member admitted after voting opened', () => send(app, 'POST', `${url}/votes`, { choice: 'for' }, gus.auth), 403, 'not-in-electorate', '/voterId');
    await refused(t, 'a network member who is not in the co-op', () => send(app, 'POST', `${url}/votes`, { choice: 'for' }, treasurer.auth), 403, 'not-in-electorate', '/voterId');
    await refused(t, 'a vote for another member without their proxy', () => send(app, 'POST', `${url}/votes`, { choice: 'for', voterId: bob.personId }, eve.auth), 403, 'no-proxy', '/voterId');

    await ok('POST', `${url}/proxies`, { grantorId: bob.personId, proxyId: eve.personId, documentReference: 'Proxy form 12' }, board);
    await vote(proposalId, ann, 'against');
    await vote(proposalId, ann, 'for');
    await vote(proposalId, eve, 'against');
    await vote(proposalId, eve, 'for', { voterId: bob.personId });
    await vote(proposalId, coordinator, 'abstain', {}, { 'on-behalf-of': fay.personId });

    const detail = (await get(url, ann)).json();
    t.match(detail, { status: 'open', electorate: 4, ballotsCast: 4, myBallot: { castBy: ann.personId, choice: 'for' }, tallies: { for: 5, against: 1, abstain: 3 }, result: null, payment: null }, 'the latest ballot counts, by class weight');
    t.same(
      (await get(`${url}/ballots`, ann)).json().items,
      [
        { voterId: ann.personId, name: 'Ann Ackroyd', choice: 'for' },
        { voterId: bob.personId, name: 'Bob Brierley', choice: 'for' },
        { voterId: eve.personId, name: 'Eve Exley', choice: 'against' },
        { voterId: fay.personId, name: 'Fay Firth', choice: 'abstain' },
      ],
      'while open, each voter once by name, with no time and no order of voting',
    );
    // Each elector's ballots are on a stream of their own.
    const [cast] = (await hearth.store.readStream(`coop-ballot-${proposalId}-${fay.personId}`)).filter((e) => e.type === 'coop.VoteCast');
    t.match(cast!.metadata, { actor: coordinator.personId, onBehalfOf: fay.personId }, 'the log records who acted for whom');

    const closed = await ok('POST', `${url}/closing`, undefined, board, 200);
    const again = await ok('POST', `${url}/closing`, undefined, board, 200);
    t.equal(again.position, closed.position, 'a second close changes nothing');
    t.equal((await hearth.store.readStream(`coop-proposal-${proposalId}`)).filter((e) => e.type === 'coop.ProposalClosed').length, 1);
    t.match((await get(url, ann)).json(), { status: 'closed', tallies: { for: 5, against: 1, abstain: 3 }, result: { electorate: 4, ballots: 4, for: 5, against: 1, abstain: 3, quorumMet: true, passed: true } });
    const history = (await get(`${url}/ballots`, ann)).json().items;
    t.same(
      history.map((b: any) => [b.name, b.castBy, b.choice]),
      [['Ann Ackroyd', ann.personId, 'against'], ['Ann Ackroyd', ann.personId, 'for'], ['Eve Exley', eve.personId, 'against'], ['Bob Brierley', eve.personId, 'for'], ['Fay Firth', fay.personId, 'abstain']],
      'once closed, every ballot kept in order, a proxy\'s cast by the proxy',
    );
    t.ok(history.every((b: any) => typeof b.castAt === 'string'), 'with its time');
    await refused(t, 'a vote after the close', () => send(app, 'POST', `${url}/votes`, { choice: 'against' }, ann.auth), 409, 'voting-closed');

    const funds = (await get(coop)).json().funds.pence;
    await refused(t, 'more than the members authorised', () => send(app, 'POST', `${url}/payment`, { pence: 20_001, invoiceReference: 'LM-881' }, treasurer.auth), 422, 'above-authorised-amount', '/pence');
    const { paymentId } = await ok('POST', `${url}/payment`, { pence: 19_500, invoiceReference: 'LM-881' }, treasurer);
    await refused(t, 'a second payment', () => send(app, 'POST', `${url}/payment`, { pence: 500, invoiceReference: 'LM-882' }, treasurer.auth), 409, 'proposal-already-paid');
    t.match((await get(coop)).json(), { funds: money(funds - 19_500) });
    t.match((await get(url, ann)).json(), { payment: { paymentId, amount: money(19_500), invoiceReference: 'LM-881', paidOn: today, paidBy: treasurer.personId } });
    t.match((await get(`${coop}/proposals`, ann)).json().items, [{ proposalId, title: 'A ramp for the minibus', amount: money(20_000), status: 'closed', passed: true }]);
  });

  await t.test('a proposal paid once from a pool, the pool entry pointing at it', async (t) => {
    const { poolId } = await ok('POST', `${base}/pools`, { name: 'Outings', twoApproversAbovePence: 10_000 }, coordinator);
    await ok('POST', `${base}/pools/${poolId}/receipts`, { source: 'contribution', holderId: ann.personId, pence: 30_000, reference: 'DP ANN', receivedOn: today }, treasurer);
    const { proposalId } = await ok('POST', `${coop}/proposals`, proposal({ title: 'Trip to Harewood', pence: 5_000, payee: 'Harewood House Trust', source: { kind: 'pool', poolId } }), bob);
    const url = `${coop}/proposals/${proposalId}`;
    await ok('POST', `${url}/opening`, undefined, board, 200);
    for (const who of [ann, bob, eve, fay, gus]) await vote(proposalId, who, 'for');
    await ok('POST', `${url}/closing`, undefined, board, 200);
    await refused(t, 'a pool payment without its beneficiaries', () => send(app, 'POST', `${url}/payment`, { pence: 5_000, invoiceReference: 'HH-1' }, treasurer.auth), 422, 'beneficiaries-required', '/beneficiaries');
    const { paymentId } = await ok('POST', `${url}/payment`, { pence: 5_000, invoiceReference: 'HH-1', beneficiaries: [{ holderId: ann.personId, pence: 5_000 }] }, treasurer);
    await refused(t, 'a second payment from the pool', () => send(app, 'POST', `${url}/payment`, { pence: 5_000, invoiceReference: 'HH-2', beneficiaries: [{ holderId: ann.personId, pence: 5_000 }] }, treasurer.auth), 409, 'proposal-already-paid');
    await get(`${base}/pools/${poolId}`, treasurer);
    const entry = await db.selectFrom('pool_entries').select(['proposal_id', 'pence']).where('entry_id', '=', paymentId).executeTakeFirstOrThrow();
    t.same([entry.proposal_id, Number(entry.pence)], [proposalId, -5_000], 'the payment in the pool points at the proposal');
    const ledgerLines = (await get(`${base}/pools/${poolId}/ledger`, treasurer)).json().lines;
    t.match(ledgerLines.find((l: any) => l.entryId === paymentId), { proposalId, kind: 'payment' }, "and the pool's ledger shows it");
    t.match((await get(`${base}/pools/${poolId}`, treasurer)).json(), { balance: money(25_000) });
  });

  await t.test('a secret ballot: choices sealed in the log, counted right, and the key destroyed at the close', async (t) => {
    const { proposalId } = await ok('POST', `${coop}/proposals`, proposal({ title: 'New kettle', pence: 3_000, secret: true }), eve);
    const url = `${coop}/proposals/${proposalId}`;
    await ok('POST', `${url}/opening`, undefined, board, 200);
    await vote(proposalId, ann, 'for');
    await vote(proposalId, bob, 'against');
    await vote(proposalId, eve, 'for');
    await vote(proposalId, fay, 'against');
    await vote(proposalId, fay, 'for');
    await vote(proposalId, gus, 'abstain');
    const open = (await get(url, fay)).json();
    t.match(open, { secret: true, hideResultsUntilClose: true, ballotsCast: 5, myBallot: { castBy: fay.personId, choice: null }, tallies: null }, 'no live count of a secret ballot, though its terms did not ask to hide it; your own ballot shows only that you voted');
    const voted = (await get(`${url}/ballots`, ann)).json().items;
    t.same(voted.map((b: any) => b.name), ['Ann Ackroyd', 'Bob Brierley', 'Eve Exley', 'Fay Firth', 'Gus Gledhill'], 'who has voted, each once, by name');
    t.ok(voted.every((b: any) => b.choice === null && !('castAt' in b) && !('castBy' in b)), 'no choice, no time and no proxy while open');
    const ballots = (await hearth.store.readAll()).filter((e) => e.type === 'coop.VoteCast' && (e.data as { proposalId: string }).proposalId === proposalId);
    t.equal(ballots.length, 6);
    t.ok(ballots.every((b) => (b.data as { choice: unknown }).choice === null), 'only the sealed choice is recorded');
    t.equal(new Set(ballots.map((b) => (b.data as { sealedChoice: string }).sealedChoice.length)).size, 1, 'every sealed ballot the same length, whatever the choice');
    const stored = await db.selectFrom('events').select('data').where('stream_id', 'like', `coop-ballot-${proposalId}-%`).where('type', '=', 'coop.VoteCast').execute();
    t.equal(stored.length, 6, 'on the ballot streams');
    t.notMatch(JSON.stringify(stored), /"(for|against|abstain)"/, 'no choice in clear in the event store');
    t.ok(await db.selectFrom('person_keys').select('person_id').where('person_id', '=', proposalId).executeTakeFirst(), 'the key exists while the vote is open');

    await ok('POST', `${url}/closing`, undefined, board, 200);
    t.match((await get(url, ann)).json(), { result: { for: 7, against: 2, abstain: 3, passed: true } });
    t.notOk(await db.selectFrom('person_keys').select('person_id').where('person_id', '=', proposalId).where('wrapped_key', 'is not', null).executeTakeFirst(), 'the key is gone');
    t.equal(await hearth.vault.open(proposalId, (ballots[0]!.data as { sealedChoice: string }).sealedChoice), undefined, 'no ballot can be opened again');
    t.notOk(await db.selectFrom('idempotency_keys').select('key').where('scope', 'like', '%/votes').executeTakeFirst(), "no kept answer's fingerprint can be tested against a choice");
    t.same(
      (await db.selectFrom('coop_ballots').select('choice').where('proposal_id', '=', proposalId).execute()).map((r) => r.choice),
      [null, null, null, null, null, null],
      'the read model never held a secret choice',
    );
    await ok('POST', `${url}/closing`, undefined, board, 200);
    t.pass('a retried close still answers');
  });

  await t.test('results hidden until the close', async (t) => {
    const { proposalId } = await ok('POST', `${coop}/proposals`, proposal({ title: 'Garden benches', pence: 4_000, hideResultsUntilClose: true }), fay);
    const url = `${coop}/proposals/${proposalId}`;
    await ok('POST', `${url}/opening`, undefined, board, 200);
    await vote(proposalId, ann, 'for');
    await vote(proposalId, bob, 'for');
    await vote(proposalId, eve, 'against');
    t.match((await get(url, ann)).json(), { tallies: null, result: null, myBallot: { choice: 'for' }, ballotsCast: 3 }, 'no count while open');
    t.ok((await get(`${url}/ballots`, ann)).json().items.every((b: any) => b.choice === null), 'no choices in the history while open');
    await vote(proposalId, fay, 'against');
    await vote(proposalId, gus, 'abstain');
    await ok('POST', `${url}/closing`, undefined, board, 200);
    t.match((await get(url, ann)).json(), { tallies: { for: 5, against: 4, abstain: 3 }, result: { passed: true } });
    t.same((await get(`${url}/ballots`, ann)).json().items.map((b: any) => b.choice), ['for', 'for', 'against', 'against', 'abstain'], 'shown once closed');
  });

  await t.test('a vote whose window has passed: refused, and any member may close it', async (t) => {
    // Long enough for the steps before the close to run on a busy machine; then waited out.
    const closesAt = new Date(Date.now() + 6_000).toISOString();
    const { proposalId } = await ok('POST', `${coop}/proposals`, proposal({ title: 'Printer ink', pence: 1_000, closesAt }), ann);
    const url = `${coop}/proposals/${proposalId}`;
    await ok('POST', `${url}/opening`, undefined, board, 200);
    await vote(proposalId, ann, 'for');
    await refused(t, 'a member closing before the closing time', () => send(app, 'POST', `${url}/closing`, undefined, ann.auth), 403, 'forbidden');
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(closesAt) - Date.now() + 100)));
    await refused(t, 'a vote after the window', () => send(app, 'POST', `${url}/votes`, { choice: 'for' }, bob.auth), 409, 'voting-closed');
    await ok('POST', `${url}/closing`, undefined, ann, 200);
    t.match((await get(url, ann)).json(), { result: { electorate: 5, ballots: 1, quorumMet: false, passed: false } }, 'one ballot of five is no quorum');
  });

  await t.test('bad input is refused, naming the field, and nothing is written', async (t) => {
    const apply = (body: unknown, who = gus) => () => send(app, 'POST', `${coop}/applications`, body, who.auth);
    await refused(t, 'negative pence', apply({ memberClass: 'workers', pence: -100 }), 400, 'validation', '/pence');
    await refused(t, 'pence with decimals', apply({ memberClass: 'workers', pence: 10.5 }), 400, 'validation', '/pence');
    await refused(t, 'a holding above the cap', apply({ memberClass: 'workers', pence: 500_000 }), 422, 'above-maximum-holding', '/pence');
    await refused(t, 'an unknown class', apply({ memberClass: 'directors', pence: 100 }, treasurer), 422, 'unknown-member-class', '/memberClass');
    await refused(t, 'rules with a maximum above £100,000', () => send(app, 'PUT', `${coop}/rules`, { rules: { ...rules, maxHoldingPence: 10_000_001 }, reason: 'more capital' }, board.auth), 400, 'validation', '/rules/maxHoldingPence');
    await refused(t, 'a withdrawal of more than is held', () => send(app, 'POST', `${coop}/withdrawals`, { pence: 1_001 }, eve.auth), 422, 'more-than-held', '/pence');
    await refused(t, 'a vote that closes in the past', () => send(app, 'POST', `${coop}/proposals`, proposal({ closesAt: '2020-01-01T00:00:00.000Z' }), ann.auth), 422, 'closes-in-past', '/closesAt');
    await refused(t, 'a proposal from a network member outside the co-op', () => send(app, 'POST', `${coop}/proposals`, proposal(), treasurer.auth), 403, 'forbidden');
    const elsewhere = (await send(app, 'POST', '/api/v1/networks', { name: 'Elsewhere', kind: 'neighbourhood_network' }, coordinator.auth)).json().networkId;
    const { poolId } = await ok('POST', `/api/v1/networks/${elsewhere}/pools`, { name: 'Theirs', twoApproversAbovePence: 0 }, coordinator);
    await refused(t, "another network's pool", () => send(app, 'POST', `${coop}/proposals`, proposal({ source: { kind: 'pool', poolId } }), ann.auth), 404, 'pool-not-found', '/source/poolId');
  });

  await t.test("If-Match on a proposal: its ETag read and sent back, a stale one refused with 412, writing nothing", async (t) => {
    const { proposalId } = await ok('POST', `${coop}/proposals`, proposal({ title: 'A tea urn', pence: 500 }), ann);
    const url = `${coop}/proposals/${proposalId}`;
    const made = (await get(url, ann)).headers.etag as string;
    t.equal(made, '"0"', 'a proposal just made is at revision 0');
    await ok('POST', `${url}/opening`, undefined, board, 200, { 'if-match': made });
    await refused(t, 'a ballot on the proposal as it was before it opened', () => send(app, 'POST', `${url}/votes`, { choice: 'for' }, { ...ann.auth, 'if-match': made }), 412, 'precondition-failed');
    const opened = (await get(url, ann)).headers.etag as string;
    t.equal(opened, '"1"', 'opened: revision 1');
    await ok('POST', `${url}/votes`, { choice: 'for' }, ann, 201, { 'if-match': opened });
    t.equal((await get(url, ann)).headers.etag, opened, "a ballot is written to the voter's own stream: the proposal's own revision stays");
    await ok('POST', `${url}/proxies`, { grantorId: bob.personId, proxyId: ann.personId, documentReference: 'Proxy form 4' }, board, 201, { 'if-match': opened });
    await refused(t, 'closing on a stale revision', () => send(app, 'POST', `${url}/closing`, undefined, { ...board.auth, 'if-match': opened }), 412, 'precondition-failed');
    await refused(t, 'an If-Match that is no ETag', () => send(app, 'POST', `${url}/closing`, undefined, { ...board.auth, 'if-match': 'yesterday' }), 400, 'validation', '/if-match');
  });

  await t.test('a write is applied once per Idempotency-Key', async (t) => {
    const key = randomUUID();
    const body = { pence: 2_500, source: 'Grant', reference: 'Community Foundation', receivedOn: today };
    const headers = { ...treasurer.auth, 'idempotency-key': key };
    const first = await send(app, 'POST', `${coop}/income`, body, headers);
    t.equal(first.statusCode, 201);
    const before = await written(hearth);
    const retry = await send(app, 'POST', `${coop}/income`, body, headers);
    t.equal(retry.statusCode, 201);
    t.same(retry.json(), first.json(), 'the first answer again');
    t.equal(retry.headers['idempotent-replayed'], 'true');
    t.same(await written(hearth), before, 'nothing written the second time');
    const other = await send(app, 'POST', `${coop}/income`, { ...body, pence: 2_600 }, headers);
    t.match(other.json(), { status: 409, type: '/problems/idempotency-key-reused' });
  });

  await t.test('the audit rebuilds the co-op projection to exactly what the live one holds', async (t) => {
    t.ok(await hearth.engine.waitFor(hearth.engine.projections.map((p) => p.name), await hearth.store.headPosition(), 20_000));
    t.same(auditDifferences(await verifyAudit(hearth)), []);
  });
});
