// The co-op's rules about who may do what, at the application level on PGlite, with the clock set
// by the test: a member records only their own leaving, the board any ending; only the board
// closes a vote before its time, and even the board only once every elector has voted; only a
// member of the co-op proposes; a holding is the member's and the register keepers' to see; a
// withdrawal's notice runs from the clock's day; and a write naming a resource the caller last
// saw at another revision is refused, writing nothing.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import type { Caller } from '../src/access/caller.ts';
import { contextOf } from '../src/access/caller.ts';
import { membershipDecider, membershipStream, type Role } from '../src/access/membership.ts';
import { fixedClock } from '../src/clock.ts';
import { decideAcross, PreconditionFailed } from '../src/commands/decide.ts';
import { openHearth } from '../src/hearth.ts';
import * as coop from '../src/coop/app.ts';
import { finishClose, finishProposalPayment, proposalNow, unfinishedCloses, unfinishedProposalPayments } from '../src/coop/commands.ts';
import { ballotStream, proposalStream } from '../src/coop/proposal.ts';
import { societyStream } from '../src/coop/society.ts';
import type { ProposalTerms } from '../src/coop/proposal.ts';
import { freshPglite } from './support/db.ts';
import { refused } from './support/given.ts';
import { caughtUp, quietLog, stoppedAfter, testConfig } from './support/hearth.ts';
import { careCoopRules } from './support/coop.ts';

const clock = fixedClock('2026-06-01T10:00:00.000Z');
const hearth = await openHearth(testConfig({ PROJECTION_POLL_MS: '20', READ_WAIT_MS: '5000' }), quietLog, { database: await freshPglite(), clock });
await hearth.engine.start();
t.teardown(() => hearth.close());

const as = (personId: string, more: Partial<Caller> = {}): Caller => ({ personId, onBehalfOf: null, commandId: randomUUID(), correlationId: randomUUID(), ...more });
const networkId = randomUUID();
const [coordinator, board, ann, bob, cat, dan, eve] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()] as const;

/** People enrolled in the network with these roles, as a coordinator records them. */
async function enrol(personId: string, roles: Role[]) {
  const caller = as(coordinator);
  await decideAcross(
    hearth.store,
    { membership: [membershipStream(networkId, personId), membershipDecider] },
    ({ membership }) => ({ membership: membershipDecider.decide({ type: 'EnrolMember', networkId, personId, approvedBy: coordinator, roles, now: contextOf(hearth, caller).now }, membership) }),
    contextOf(hearth, caller),
  );
}
await enrol(coordinator, ['coordinator']);
await enrol(board, ['member', 'board']);
for (const p of [ann, bob, cat, dan, eve]) await enrol(p, ['member']);

// A co-op whose members hold nothing withdrawable besides the membership share, so any may leave.
await coop.foundCoop(hearth, as(coordinator), { networkId, name: 'Chapeltown Care Co-op', rules: { ...careCoopRules, minHoldingPence: 0, withdrawalNoticeDays: 30 }, foundedOn: '2026-05-01' });
for (const [p, pence] of [[board, 0], [ann, 0], [bob, 5_000], [cat, 0], [eve, 0]] as const) {
  const { applicationId } = await coop.applyForShares(hearth, as(p), { networkId, memberClass: 'workers', pence });
  await coop.issueShares(hearth, as(board), { networkId, applicationId, issuedOn: '2026-06-01' });
}

/** The refusal a call met, and whether it left the log as it was. */
async function refusal(call: Promise<unknown>) {
  const before = await hearth.store.headPosition();
  const type = await refused(call);
  return { type, unwritten: (await hearth.store.headPosition()) === before };
}

t.test('the leaver rule: a member records only their own leaving; the board any ending', async (t) => {
  t.same(await refusal(coop.recordLeaver(hearth, as(ann), { networkId, personId: cat, reason: 'left', on: '2026-06-01' })), { type: 'forbidden', unwritten: true }, "a member cannot record another's leaving");
  t.same(await refusal(coop.recordLeaver(hearth, as(ann), { networkId, personId: ann, reason: 'expelled', on: '2026-06-01' })), { type: 'forbidden', unwritten: true }, 'nor their own expulsion');
  t.same(await refusal(coop.recordLeaver(hearth, as(coordinator), { networkId, personId: ann, reason: 'left', on: '2026-06-01' })), { type: 'forbidden', unwritten: true }, 'a coordinator acting as themselves is not the board');
  t.equal(await refused(coop.recordLeaver(hearth, as(coordinator, { onBehalfOf: ann }), { networkId, personId: ann, reason: 'left', on: '2026-06-01' })), null, 'a coordinator for Ann records her leaving');
  t.equal(await refused(coop.recordLeaver(hearth, as(board), { networkId, personId: cat, reason: 'died', on: '2026-06-01' })), null, "the board records Cat's death");
  t.same(await refusal(coop.recordLeaver(hearth, as(bob), { networkId, personId: bob, reason: 'left', on: '2026-06-01' })), { type: 'shares-still-held', unwritten: true }, 'Bob may leave, but not while holding shares');
});

t.test('a withdrawal: its notice runs from the clock, and it is paid once the notice has run', async (t) => {
  const { withdrawalId, dueOn } = await coop.requestWithdrawal(hearth, as(bob), { networkId, pence: 5_000 });
  t.equal(dueOn, '2026-07-01', "thirty days' notice from the clock's day");
  t.same(await refusal(coop.payWithdrawal(hearth, as(board), { networkId, withdrawalId, pence: 5_000 })), { type: 'notice-not-served', unwritten: true });
  clock.set('2026-07-01T09:00:00.000Z');
  t.teardown(() => clock.set('2026-06-01T10:00:00.000Z'));
  const paid = await coop.payWithdrawal(hearth, as(board), { networkId, withdrawalId, pence: 5_000 });
  t.ok(paid.revision > 0, 'paid on the day the notice ends');
});

const terms = (over: Partial<ProposalTerms> = {}): { networkId: string; terms: ProposalTerms } => ({
  networkId,
  terms: {
    title: 'A minibus', pence: 1_000, payee: 'Leeds Community Transport', purpose: 'Outings', source: { kind: 'funds' },
    closesAt: '2026-06-02T10:00:00.000Z', quorumPercent: 50, thresholdPercent: 50, secret: false, hideResultsUntilClose: false, ...over,
  },
});

t.test('only a member of the co-op proposes; a coordinator may for one', async (t) => {
  t.same(await refusal(coop.propose(hearth, as(dan), terms())), { type: 'forbidden', unwritten: true }, 'a network member outside the co-op');
  t.same(await refusal(coop.propose(hearth, as(coordinator), terms())), { type: 'forbidden', unwritten: true }, 'a coordinator as themselves');
  t.equal(await refused(coop.propose(hearth, as(coordinator, { onBehalfOf: bob }), terms())), null, 'a coordinator for Bob');
});

t.test('the early-close rule: only the board closes before the closing time, and only once every elector has voted', async (t) => {
  const { proposalId } = await coop.propose(hearth, as(bob), terms());
  await coop.openVote(hearth, as(board), { networkId, proposalId });
  await coop.castVote(hearth, as(bob), { networkId, proposalId, choice: 'for' });
  t.same(await refusal(coop.closeVote(hearth, as(bob), { networkId, proposalId })), { type: 'forbidden', unwritten: true }, 'a member cannot close it early');
  t.same(await refusal(coop.closeVote(hearth, as(board), { networkId, proposalId })), { type: 'voting-still-open', unwritten: true }, 'nor the board while an elector has not voted');
  await coop.castVote(hearth, as(board), { networkId, proposalId, choice: 'against' });
  await coop.castVote(hearth, as(coordinator, { onBehalfOf: eve }), { networkId, proposalId, choice: 'abstain' });
  t.equal(await refused(coop.closeVote(hearth, as(board), { networkId, proposalId })), null, 'the board closes it once all three electors (Ann and Cat have gone) have voted');

  const later = await coop.propose(hearth, as(bob), terms());
  await coop.openVote(hearth, as(board), { networkId, proposalId: later.proposalId });
  clock.set('2026-06-02T10:00:00.000Z');
  t.teardown(() => clock.set('2026-06-01T10:00:00.000Z'));
  t.equal(await refused(coop.closeVote(hearth, as(bob), { networkId, proposalId: later.proposalId })), null, 'any member closes it once the closing time has come');
});

t.test('a close stopped after it began is counted once, by two finishers at once and by the retried request; meanwhile no ballot is taken', async (t) => {
  const { proposalId } = await coop.propose(hearth, as(bob), terms());
  await coop.openVote(hearth, as(board), { networkId, proposalId });
  for (const voter of [board, bob]) await coop.castVote(hearth, as(voter), { networkId, proposalId, choice: 'for' });
  await coop.castVote(hearth, as(coordinator, { onBehalfOf: eve }), { networkId, proposalId, choice: 'against' });
  const request = as(board);
  await t.rejects(coop.closeVote(stoppedAfter(hearth, 1), request, { networkId, proposalId }), /stopped/);
  t.match((await proposalNow(hearth.store, networkId, proposalId)).proposal, { status: 'closing', result: null }, 'closing begun on the proposal');
  t.equal(await refused(coop.castVote(hearth, as(bob), { networkId, proposalId, choice: 'against' })), 'voting-closed', 'no ballot is taken once closing has begun');
  t.ok(await caughtUp(hearth));
  t.ok((await unfinishedCloses(hearth)).includes(proposalId), "found in flight by the sweeper's look");
  await Promise.all([finishClose(hearth, proposalId), finishClose(hearth, proposalId)]);
  const again = await coop.closeVote(hearth, request, { networkId, proposalId });
  const { proposal, revision } = await proposalNow(hearth.store, networkId, proposalId);
  t.equal(again.revision, revision, 'the retried request answers the proposal as it is');
  t.match(proposal, { status: 'closed', result: { ballots: 3, passed: true } }, 'counted from the boxes as they were closed');
  t.equal(proposal.result!.for, 2 * proposal.result!.against, 'two ballots for, one against, each of the same weight');
  t.equal((await hearth.store.readStream(proposalStream(proposalId))).filter((e) => e.type === 'coop.ProposalClosed').length, 1, 'counted once');
  for (const voter of [board, bob, eve]) {
    t.equal((await hearth.store.readStream(ballotStream(proposalId, voter))).filter((e) => e.type === 'coop.BallotBoxClosed').length, 1, 'each box closed once');
  }
  t.ok(await caughtUp(hearth));
  t.notOk((await unfinishedCloses(hearth)).includes(proposalId), 'nothing left in flight');
});

t.test("a passed proposal's payment stopped after the funds paid is recorded once: by two finishers at once, then by the retried request", async (t) => {
  const { proposalId } = await coop.propose(hearth, as(bob), terms());
  await coop.openVote(hearth, as(board), { networkId, proposalId });
  for (const voter of [board, bob]) await coop.castVote(hearth, as(voter), { networkId, proposalId, choice: 'for' });
  await coop.castVote(hearth, as(coordinator, { onBehalfOf: eve }), { networkId, proposalId, choice: 'for' });
  await coop.closeVote(hearth, as(board), { networkId, proposalId });
  const request = as(board);
  const payment = { networkId, proposalId, pence: 300, invoiceReference: 'LCT-12', beneficiaries: [] };
  await t.rejects(coop.payForProposal(stoppedAfter(hearth, 1), request, payment), /stopped/);
  const spent = async () => (await hearth.store.readStream(societyStream(networkId))).filter((e) => e.type === 'coop.FundsSpent' && (e.data as { proposalId: string }).proposalId === proposalId).length;
  t.equal(await spent(), 1, 'the funds paid first');
  t.equal((await proposalNow(hearth.store, networkId, proposalId)).proposal.paid, null, 'the proposal not yet recorded paid');
  t.equal(await refused(coop.payForProposal(hearth, as(board), payment)), 'proposal-already-paid', 'another payment for it is refused meanwhile');
  t.ok(await caughtUp(hearth));
  t.ok((await unfinishedProposalPayments(hearth)).includes(proposalId), "found in flight by the sweeper's look");
  await Promise.all([finishProposalPayment(hearth, proposalId), finishProposalPayment(hearth, proposalId)]);
  const again = await coop.payForProposal(hearth, request, payment);
  const { proposal, revision } = await proposalNow(hearth.store, networkId, proposalId);
  t.match(proposal.paid, { paymentId: again.paymentId, pence: 300 }, 'recorded paid with the payment the funds made');
  t.equal(again.revision, revision, 'the retried request answers the proposal as it is');
  t.equal(await spent(), 1, 'paid once');
  t.equal((await hearth.store.readStream(proposalStream(proposalId))).filter((e) => e.type === 'coop.ProposalPaid').length, 1, 'recorded once');
  t.ok(await caughtUp(hearth));
  t.notOk((await unfinishedProposalPayments(hearth)).includes(proposalId), 'nothing left in flight');
});

t.test('a secret ballot while open: no count, whatever its terms say, and who has voted in no order and with no time', async (t) => {
  const { proposalId } = await coop.propose(hearth, as(bob), terms({ secret: true, hideResultsUntilClose: false }));
  await coop.openVote(hearth, as(board), { networkId, proposalId });
  for (const [who, choice] of [[eve, 'for'], [bob, 'against'], [board, 'for'], [bob, 'for']] as const) await coop.castVote(hearth, as(who), { networkId, proposalId, choice });
  await hearth.engine.waitFor(hearth.engine.projections.map((p) => p.name), await hearth.store.headPosition(), 10_000);

  const seen = await coop.proposal(hearth, as(eve), { networkId, proposalId });
  t.equal(seen.tallies, null, 'no live count');
  t.equal(seen.hideResultsUntilClose, true, 'and it says the results are hidden until the close');
  t.equal(seen.ballotsCast, 3);
  const voted = await coop.ballots(hearth, as(eve), { networkId, proposalId });
  t.same(voted.map((b) => b.voterId), [eve, bob, board].sort(), 'each voter once, by name and then id: not in the order they voted');
  t.ok(voted.every((b) => b.choice === null && b.castAt === undefined && b.castBy === undefined), 'with no choice, no time and no proxy');

  await coop.closeVote(hearth, as(board), { networkId, proposalId });
  await hearth.engine.waitFor(hearth.engine.projections.map((p) => p.name), await hearth.store.headPosition(), 10_000);
  const result = (await coop.proposal(hearth, as(eve), { networkId, proposalId })).tallies;
  t.ok(result && result.for > 0 && result.against === 0 && result.abstain === 0, 'the result once closed: every latest ballot for');
  const history = await coop.ballots(hearth, as(eve), { networkId, proposalId });
  t.same(history.map((b) => b.voterId), [eve, bob, board, bob], 'then every ballot, in order');
  t.ok(history.every((b) => b.choice === null && typeof b.castAt === 'string'), 'with its time, and never a secret choice');
});

t.test('If-Match: a write naming a resource seen at another revision is refused and writes nothing', async (t) => {
  const { proposalId, revision } = await coop.propose(hearth, as(bob), terms());
  const before = await hearth.store.headPosition();
  await t.rejects(coop.openVote(hearth, as(board, { ifMatch: revision + 1 }), { networkId, proposalId }), PreconditionFailed, 'opening with a stale revision');
  t.equal(await hearth.store.headPosition(), before, 'nothing written');
  const opened = await coop.openVote(hearth, as(board, { ifMatch: revision }), { networkId, proposalId });
  t.equal(opened.revision, revision + 1, 'opening at the revision read');
  const after = await hearth.store.headPosition();
  await t.rejects(coop.castVote(hearth, as(bob, { ifMatch: revision }), { networkId, proposalId, choice: 'for' }), PreconditionFailed, 'a ballot on what has since been opened');
  t.equal(await hearth.store.headPosition(), after, 'nothing written');

  // An application lives in the register's stream: If-Match names its revision.
  // The register already runs to the withdrawal paid on 1 July.
  clock.set('2026-07-02T10:00:00.000Z');
  t.teardown(() => clock.set('2026-06-01T10:00:00.000Z'));
  const applied = await coop.applyForShares(hearth, as(dan), { networkId, memberClass: 'supporters', pence: 0 });
  await coop.receiveIncome(hearth, as(board), { networkId, pence: 100, source: 'Raffle', reference: 'R-1', receivedOn: '2026-07-02' });
  await t.rejects(coop.issueShares(hearth, as(board, { ifMatch: applied.revision }), { networkId, applicationId: applied.applicationId, issuedOn: '2026-07-02' }), PreconditionFailed, 'issuing on a register that has moved since');
  t.match(await coop.issueShares(hearth, as(board, { ifMatch: applied.revision + 1 }), { networkId, applicationId: applied.applicationId, issuedOn: '2026-07-02' }), { revision: applied.revision + 2 }, 'and on the register as it stands');
});

t.test('a holding is the member\'s own and the register keepers\' to see', async (t) => {
  t.ok(await hearth.engine.waitFor(['coop', 'people'], await hearth.store.headPosition(), 5_000), 'the figures caught up');
  t.match(await coop.holding(hearth, as(board), { networkId, personId: cat }), { status: 'ended' }, "the board sees Cat's");
  t.match(await coop.holding(hearth, as(bob), { networkId, personId: bob }), { status: 'member' }, 'Bob his own');
  t.equal(await refused(coop.holding(hearth, as(dan), { networkId, personId: bob })), 'forbidden', 'another member sees none');
});

t.test("a dividend by time in the time bank: a leaver's minutes count only up to the day they left", async (t) => {
  clock.set('2026-07-10T10:00:00.000Z');
  t.teardown(() => clock.set('2026-06-01T10:00:00.000Z'));
  await coop.receiveIncome(hearth, as(board), { networkId, pence: 10_000, source: 'Leeds City Council', reference: 'Q2', receivedOn: '2026-06-30' });
  // Confirmed exchanges as the time bank's figures hold them. Ann left on 1 June: her hour given
  // that day counts, the two hours she gave Eve on 15 June do not.
  const exchange = (providerId: string, receiverId: string, minutes: number, occurredOn: string) => ({
    exchange_id: randomUUID(), network_id: networkId, provider_id: providerId, receiver_id: receiverId, receiver_network_id: null, minutes, credited: minutes, rate_percent: 100,
    category: 'gardening', description: 'Weeding', occurred_on: occurredOn, status: 'confirmed', logged_by: providerId, settled_by: receiverId, position: 0,
  });
  await hearth.database.db.insertInto('timebank_exchanges').values([exchange(ann, eve, 60, '2026-06-01'), exchange(ann, eve, 120, '2026-06-15'), exchange(bob, board, 30, '2026-06-10')]).execute();
  const june = { networkId, pence: 10_000, basis: 'timebank-minutes' as const, periodFrom: '2026-06-01', periodTo: '2026-06-30' };
  const paid = await coop.payDividend(hearth, as(board), june);
  // Ann 60, Eve 180 (both exchanges received: she is a member still), Bob 30, the board member 30: 300 minutes.
  // £100 shared by them: Ann 100 * 60 / 300 = £20, Eve £60, Bob £10, the board member £10.
  t.same(new Map(paid.allocations.map((a) => [a.personId, [a.participation, a.pence]])), new Map([[ann, [60, 2_000]], [eve, [180, 6_000]], [bob, [30, 1_000]], [board, [30, 1_000]]]));
  t.same(paid.leftOut, []);
  t.same(await refusal(coop.payDividend(hearth, as(board), june)), { type: 'period-already-declared', unwritten: true }, 'June declared once');
  t.same(await refusal(coop.payDividend(hearth, as(board), { ...june, kind: 'interim' })), { type: 'period-already-declared', unwritten: true }, 'and no interim after its final');
});
