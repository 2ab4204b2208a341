// The co-op against real PostgreSQL concurrency: ballots racing on one proposal (each elector's on
// a stream of their own, gathered at the close), payments racing
// for one passed proposal, withdrawals racing for the co-op's funds, and share issues racing for
// one member's holding cap. Whoever loses a race is decided again on the winner's events, never
// written on top of them.
import t from 'tap';
import { systemClock } from '../src/clock.ts';
import { clearText } from '../src/access/vault.ts';
import { randomUUID } from 'node:crypto';
import { contextFor, refused } from './support/given.ts';
import { racingHearth } from './support/hearth.ts';
import { decideAcross, readStates } from '../src/commands/decide.ts';
import type { EventStore } from '../src/eventstore/port.ts';
import { poolDecider, poolStream, type OpenPool, type PoolCommand } from '../src/pools/pool.ts';
import { castBallot, closeVoting, onProposal as onProposalIn, onSociety as onSocietyIn, openVoting, payProposal, proposalNow as proposalNowIn, proposalRead, societyRead } from '../src/coop/commands.ts';
import { ballotStream, decideProposal, proposalStream, type Choice, type Proposal, type ProposalCommand, type ProposalTerms, type Source } from '../src/coop/proposal.ts';
import type { PersonalDataVault } from '../src/access/vault.ts';
import { societyStream, type CoopRules, type Society, type SocietyCommand } from '../src/coop/society.ts';
import { careCoopRules } from './support/coop.ts';

// Taken afresh for each test, so that a run across midnight does not date one step yesterday and the next today.
let today = new Date().toISOString().slice(0, 10);
t.beforeEach(() => {
  today = new Date().toISOString().slice(0, 10);
});
const board: string = randomUUID();

const rules: CoopRules = { ...careCoopRules, maxHoldingPence: 100_000, withdrawalNoticeDays: 0 };

const society = async (store: EventStore, networkId: string) => (await readStates(store, { society: societyRead(networkId) })).society as Society;
/** The proposal with its ballots gathered from the electors' streams. */
const proposalNow = async (store: EventStore, proposalId: string) => {
  const { proposal } = await readStates(store, { proposal: proposalRead(proposalId) });
  return (await proposalNowIn(store, (proposal as Proposal).proposal.networkId, proposalId)).proposal;
};
const poolNow = async (store: EventStore, poolId: string) => (await readStates(store, { pool: [poolStream(poolId), poolDecider] })).pool as OpenPool;
const typesIn = async (store: EventStore, streamId: string, type: string) => (await store.readStream(streamId)).filter((e) => e.type === type);
/** Every ballot these electors cast on a proposal, each on their own stream, in the order written. */
const ballotsIn = async (store: EventStore, proposalId: string, voters: string[]) =>
  (await Promise.all(voters.map((v) => typesIn(store, ballotStream(proposalId, v), 'coop.VoteCast')))).flat().sort((a, b) => a.position - b.position);
/** No ballot here is secret: closing never reaches the vault. */
const noVault = {} as PersonalDataVault;
/** What closing a vote needs: the store, no vault, and the time. */
const closer = (store: EventStore) => ({ store, vault: noVault, clock: systemClock });

const onSociety = (store: EventStore, networkId: string, command: SocietyCommand, actor = board) => onSocietyIn(store, networkId, command, contextFor(actor));
/** A command on a proposal as the co-op's own commands give it: a ballot into the elector's own stream, the close gathering them. */
async function onProposal(store: EventStore, networkId: string, proposalId: string, command: Exclude<ProposalCommand, { type: 'MakeProposal' }>, actor = board): Promise<Proposal> {
  if (command.type === 'CastVote') await castBallot(store, networkId, proposalId, command, contextFor(actor));
  else if (command.type === 'CloseVoting') await closeVoting(closer(store), networkId, proposalId, contextFor(actor));
  else await onProposalIn(store, networkId, proposalId, command, contextFor(actor));
  return proposalNow(store, proposalId);
}
const onPool = (store: EventStore, poolId: string, command: PoolCommand) =>
  decideAcross(store, { pool: [poolStream(poolId), poolDecider] }, ({ pool }) => ({ pool: poolDecider.decide(command, pool) }), contextFor(board));

/** A co-op founded today, with these members admitted, and this much income besides. */
async function coop(store: EventStore, members: Array<{ personId: string; memberClass: string; pence: number }>, incomePence = 0, over: Partial<CoopRules> = {}) {
  const networkId = randomUUID();
  await onSociety(store, networkId, { type: 'FoundCoop', networkId, name: 'Kirkstall Care Co-op', rules: { ...rules, ...over }, foundedOn: today, today });
  for (const m of members) await admit(store, networkId, m.personId, m.memberClass, m.pence);
  if (incomePence > 0) await onSociety(store, networkId, { type: 'ReceiveIncome', incomeId: randomUUID(), pence: incomePence, source: 'Leeds City Council', reference: 'Contract', receivedOn: today, today });
  return networkId;
}

async function admit(store: EventStore, networkId: string, personId: string, memberClass: string, pence: number) {
  const applicationId = randomUUID();
  await onSociety(store, networkId, { type: 'ApplyForShares', applicationId, personId, memberClass, pence, today }, personId);
  await onSociety(store, networkId, { type: 'IssueShares', applicationId, issuedBy: board, issuedOn: today, today });
}

const vote = (voterId: string, choice: Choice, castBy = voterId): Extract<ProposalCommand, { type: 'CastVote' }> => ({ type: 'CastVote', voterId, castBy, choice, sealedChoice: null, now: new Date().toISOString() });

/** A proposal made and opened to the co-op's members as they stand. */
async function proposal(store: EventStore, networkId: string, over: Partial<ProposalTerms> = {}) {
  const proposalId = randomUUID();
  const terms: ProposalTerms = {
    title: 'A minibus for outings', pence: 50_000, payee: 'Leeds Community Transport', purpose: 'Outings to the coast', source: { kind: 'funds' },
    closesAt: new Date(Date.now() + 3_600_000).toISOString(), quorumPercent: 50, thresholdPercent: 50, secret: false, hideResultsUntilClose: false, ...over,
  };
  const made = { type: 'MakeProposal' as const, networkId, proposalId, proposedBy: board, now: new Date().toISOString(), ...terms };
  await decideAcross(store, { proposal: proposalRead(proposalId) }, ({ proposal }) => ({ proposal: decideProposal(made, proposal) }), contextFor(board));
  await openVoting(store, networkId, proposalId, board, contextFor(board));
  return proposalId;
}

/** A proposal the members have passed: everyone for, closed early. */
async function passed(store: EventStore, networkId: string, members: string[], source: Source) {
  const proposalId = await proposal(store, networkId, { source });
  for (const m of members) await onProposal(store, networkId, proposalId, vote(m, 'for'), m);
  const closed = await onProposal(store, networkId, proposalId, { type: 'CloseVoting', opened: new Map(), now: new Date().toISOString() });
  if (closed.status !== 'closed' || !closed.result?.passed) throw new Error('the proposal should have passed');
  return proposalId;
}

t.test('one member, one ballot: cast by them and by their proxy at the same moment, counted once', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const { store } = hearth;
  for (let round = 0; round < 5; round++) {
    const [ann, bob, cat] = [randomUUID(), randomUUID(), randomUUID()];
    const networkId = await coop(store, [{ personId: ann, memberClass: 'workers', pence: 5_000 }, { personId: bob, memberClass: 'receiving care', pence: 5_000 }, { personId: cat, memberClass: 'supporters', pence: 5_000 }]);
    const proposalId = await proposal(store, networkId);
    await onProposal(store, networkId, proposalId, { type: 'RecordProxy', grantorId: ann, proxyId: bob, documentReference: 'Proxy form 1', recordedBy: board, now: new Date().toISOString() });

    // Ann votes for; Bob, holding her proxy, votes against for her.
    const outcomes = await Promise.all([refused(onProposal(store, networkId, proposalId, vote(ann, 'for'), ann)), refused(onProposal(store, networkId, proposalId, vote(ann, 'against', bob), bob))]);
    t.same(outcomes, [null, null], `round ${round}: both ballots are taken`);
    const cast = await ballotsIn(store, proposalId, [ann, bob, cat]);
    t.same(cast.map((e) => (e.data as { voterId: string }).voterId), [ann, ann], 'both kept in the history, as Ann\'s');
    const latest = cast.at(-1)!.data as { castBy: string; choice: Choice };
    const state = await proposalNow(store, proposalId);
    t.same([state.ballots.size, state.history], [1, 2], 'one ballot for Ann');
    t.match(state.ballots.get(ann), { castBy: latest.castBy, choice: latest.choice }, 'the later one counts');
    t.equal(latest.castBy === ann ? 'for' : 'against', latest.choice, 'and it is whole: who cast it goes with what they chose');

    await onProposal(store, networkId, proposalId, vote(bob, 'for'), bob);
    await onProposal(store, networkId, proposalId, vote(cat, 'abstain'), cat);
    const closed = await onProposal(store, networkId, proposalId, { type: 'CloseVoting', opened: new Map(), now: new Date().toISOString() });
    // Ann 3 votes, Bob 2, Cat 1: six in all, Ann's three counted once, her way.
    t.same(closed.status === 'closed' && closed.result, latest.choice === 'for'
      ? { electorate: 3, ballots: 3, for: 5, against: 0, abstain: 1, quorumMet: true, passed: true }
      : { electorate: 3, ballots: 3, for: 2, against: 3, abstain: 1, quorumMet: true, passed: false }, `round ${round}: closed early, Ann counted once`);
  }

  // The same request sent twice at once (a retry racing its original): one ballot in the history.
  const [ann, bob, cat] = [randomUUID(), randomUUID(), randomUUID()];
  const networkId = await coop(store, [{ personId: ann, memberClass: 'workers', pence: 5_000 }, { personId: bob, memberClass: 'supporters', pence: 5_000 }, { personId: cat, memberClass: 'supporters', pence: 5_000 }]);
  const proposalId = await proposal(store, networkId);
  const context = contextFor(ann);
  const command = vote(ann, 'for');
  const twice = await Promise.all([0, 1].map(() => refused(castBallot(store, networkId, proposalId, command, context))));
  t.same(twice, [null, null], 'both answered');
  t.equal((await ballotsIn(store, proposalId, [ann, bob, cat])).length, 1, 'one ballot written');
});

t.test('many members voting at the same moment: every ballot recorded once, and counted', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const { store } = hearth;
  for (let round = 0; round < 3; round++) {
    const members = Array.from({ length: 8 }, () => randomUUID());
    const networkId = await coop(store, members.map((personId) => ({ personId, memberClass: 'supporters', pence: 1_000 })));
    const proposalId = await proposal(store, networkId, { quorumPercent: 100 });
    const choices: Choice[] = members.map((_, i) => (i % 4 === 3 ? 'against' : i % 4 === 2 ? 'abstain' : 'for'));
    const outcomes = await Promise.all(members.map((m, i) => refused(onProposal(store, networkId, proposalId, vote(m, choices[i]!), m))));
    t.same(outcomes, Array(8).fill(null), `round ${round}: all eight ballots taken`);
    const cast = await ballotsIn(store, proposalId, members);
    t.same(cast.map((e) => (e.data as { voterId: string }).voterId).sort(), [...members].sort(), 'each member\'s ballot exactly once');
    const closed = await onProposal(store, networkId, proposalId, { type: 'CloseVoting', opened: new Map(), now: new Date().toISOString() });
    t.same(closed.status === 'closed' && closed.result, { electorate: 8, ballots: 8, for: 4, against: 2, abstain: 2, quorumMet: true, passed: true }, 'the count is the eight of them');
  }

  // Sixteen at once, each on a stream of their own: none contends with another, so none is asked
  // to try again; were one refused, it would leave nothing behind.
  const members = Array.from({ length: 16 }, () => randomUUID());
  const networkId = await coop(store, members.map((personId) => ({ personId, memberClass: 'supporters', pence: 1_000 })));
  const proposalId = await proposal(store, networkId);
  let refusals = 0;
  const untilTaken = async (m: string) => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const outcome = await refused(onProposal(store, networkId, proposalId, vote(m, 'for'), m));
      if (outcome === null) return null;
      if (outcome !== 'concurrency-conflict') return outcome;
      refusals += 1;
    }
    return 'gave up';
  };
  t.same(await Promise.all(members.map(untilTaken)), Array(16).fill(null), 'sixteen ballots taken');
  t.equal(refusals, 0, 'none asked to try again');
  const cast = await ballotsIn(store, proposalId, members);
  t.same(cast.map((e) => (e.data as { voterId: string }).voterId).sort(), [...members].sort(), 'each once, none for a refused attempt');
  const closed = await onProposal(store, networkId, proposalId, { type: 'CloseVoting', opened: new Map(), now: new Date().toISOString() });
  t.same(closed.status === 'closed' && closed.result, { electorate: 16, ballots: 16, for: 16, against: 0, abstain: 0, quorumMet: true, passed: true });
});

t.test('a ballot racing the close is counted or refused, never recorded and left out', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const { store } = hearth;
  const members = Array.from({ length: 6 }, () => randomUUID());
  const networkId = await coop(store, members.map((personId) => ({ personId, memberClass: 'supporters', pence: 1_000 })));
  for (let round = 0; round < 4; round++) {
    const proposalId = await proposal(store, networkId, { closesAt: new Date(Date.now() + 800).toISOString() });
    for (const m of members.slice(0, 3)) await onProposal(store, networkId, proposalId, vote(m, 'for'), m);
    const closesAt = Date.parse((await proposalNow(store, proposalId)).proposal.closesAt);
    await new Promise((r) => setTimeout(r, Math.max(0, closesAt - Date.now() - 5)));
    // The last three vote as the window ends; the close is asked for as it does.
    const late = members.slice(3).map((m) => refused(castBallot(store, networkId, proposalId, vote(m, 'against'), contextFor(m))));
    await new Promise((r) => setTimeout(r, 6));
    const closing = closeVoting(closer(store), networkId, proposalId, { ...contextFor(board), now: new Date(Math.max(Date.now(), closesAt)).toISOString() });
    await Promise.all([...late, closing.catch(() => null)]);
    const closed = await proposalNow(store, proposalId);
    if (closed.status !== 'closed') await closeVoting(closer(store), networkId, proposalId, contextFor(board));
    const result = (await proposalNow(store, proposalId)).result!;
    t.equal(result.ballots, (await ballotsIn(store, proposalId, members)).length, `round ${round}: every ballot recorded is counted`);
  }
});

t.test('two payments of one passed proposal at once: one is made, once', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const { store } = hearth;
  const members = [randomUUID(), randomUUID(), randomUUID()];
  const holder = randomUUID();
  const pay = (networkId: string, proposalId: string, pence: number, beneficiaries = [] as Array<{ holderId: string; pence: number }>) => {
    const paymentId = randomUUID();
    return { paymentId, outcome: refused(payProposal(hearth, networkId, proposalId, { paymentId, pence, invoiceReference: 'INV-7', beneficiaries, paidBy: board }, today, contextFor(board))) };
  };

  for (let round = 0; round < 4; round++) {
    // Out of the co-op's funds: £30.30 of shares and membership shares, and £1,000 of income.
    const networkId = await coop(store, members.map((personId) => ({ personId, memberClass: 'supporters', pence: 1_000 })), 100_000);
    const proposalId = await passed(store, networkId, members, { kind: 'funds' });
    t.equal((await society(store, networkId)).fundsPence, 103_300);
    const [a, b] = [pay(networkId, proposalId, 40_000), pay(networkId, proposalId, round % 2 ? 50_000 : 40_000)];
    const outcomes = await Promise.all([a.outcome, b.outcome]);
    t.same([...outcomes].sort(), ['proposal-already-paid', null].sort(), `funds, round ${round}: one payment made, the other refused`);
    const winner = outcomes[0] === null ? a : b;
    const after = await society(store, networkId);
    const amount = winner === a ? 40_000 : round % 2 ? 50_000 : 40_000;
    t.equal(after.fundsPence, 103_300 - amount, 'the funds are debited once');
    const spent = await typesIn(store, societyStream(networkId), 'coop.FundsSpent');
    t.same(spent.map((e) => { const d = e.data as { paymentId: string; proposalId: string; pence: number }; return [d.paymentId, d.proposalId, d.pence]; }), [[winner.paymentId, proposalId, amount]], 'one FundsSpent, for the payment that was made');
    t.same((await proposalNow(store, proposalId)).paid, { paymentId: winner.paymentId, pence: amount }, 'and the proposal points at it');
    t.equal((await typesIn(store, proposalStream(proposalId), 'coop.ProposalPaid')).length, 1);
  }

  for (let round = 0; round < 4; round++) {
    // Out of a pool of the same network, voted on by the co-op.
    const networkId = await coop(store, members.map((personId) => ({ personId, memberClass: 'supporters', pence: 1_000 })));
    const poolId = randomUUID();
    await onPool(store, poolId, { type: 'OpenPool', poolId, networkId, name: 'Outings', twoApproversAbovePence: 100_000 });
    await onPool(store, poolId, { type: 'ReceiveMoney', networkId, receiptId: randomUUID(), source: 'contribution', holderId: holder, pence: 60_000, reference: clearText('DP'), receivedOn: today, today });
    const proposalId = await passed(store, networkId, members, { kind: 'pool', poolId });
    const [a, b] = [pay(networkId, proposalId, 45_000, [{ holderId: holder, pence: 45_000 }]), pay(networkId, proposalId, 45_000, [{ holderId: holder, pence: 45_000 }])];
    const outcomes = await Promise.all([a.outcome, b.outcome]);
    t.same([...outcomes].sort(), ['proposal-already-paid', null].sort(), `pool, round ${round}: one payment made, the other refused`);
    const winner = outcomes[0] === null ? a : b;
    t.equal((await poolNow(store, poolId)).balance, 15_000, 'the pool is debited once');
    const made = await typesIn(store, poolStream(poolId), 'pools.PaymentMade');
    t.same(made.map((e) => [(e.data as { paymentId: string }).paymentId, (e.data as { proposalId?: string }).proposalId]), [[winner.paymentId, proposalId]], 'one payment out of the pool, pointing at the proposal');
    t.same((await proposalNow(store, proposalId)).paid, { paymentId: winner.paymentId, pence: 45_000 });
    t.equal((await society(store, networkId)).fundsPence, 3_300, "the co-op's own funds are untouched");
  }
});

t.test('two withdrawals paid at once when the funds hold enough for one: one is paid, and the funds never go below zero', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const { store } = hearth;
  for (let round = 0; round < 5; round++) {
    const [ann, bob, cat] = [randomUUID(), randomUUID(), randomUUID()];
    // £100 each for Ann and Bob, £10 for Cat: £213 in the funds; £110 spent on a proposal leaves £103, enough for one withdrawal.
    const networkId = await coop(store, [{ personId: ann, memberClass: 'workers', pence: 10_000 }, { personId: bob, memberClass: 'workers', pence: 10_000 }, { personId: cat, memberClass: 'supporters', pence: 1_000 }]);
    await onSociety(store, networkId, { type: 'SpendFunds', proposalId: randomUUID(), paymentId: randomUUID(), pence: 11_000, payee: 'Leeds Community Transport', purpose: 'Outings', invoiceReference: 'INV-1', paidOn: today, today });
    t.equal((await society(store, networkId)).fundsPence, 10_300);
    const [wa, wb] = [randomUUID(), randomUUID()];
    await onSociety(store, networkId, { type: 'RequestWithdrawal', withdrawalId: wa, personId: ann, pence: 10_000, today }, ann);
    await onSociety(store, networkId, { type: 'RequestWithdrawal', withdrawalId: wb, personId: bob, pence: 10_000, today }, bob);
    const outcomes = await Promise.all([wa, wb].map((withdrawalId) => refused(onSociety(store, networkId, { type: 'PayWithdrawal', withdrawalId, pence: 10_000, paidBy: board, today }))));
    t.same([...outcomes].sort(), ['not-enough-funds', null].sort(), `round ${round}: one paid, one refused for want of money`);
    const after = await society(store, networkId);
    t.equal(after.fundsPence, 300, 'paid once: £3 of membership shares left, never below zero');
    const [paidTo, waiting] = outcomes[0] === null ? [ann, bob] : [bob, ann];
    t.match(after.members.get(paidTo), { holdingPence: 0, withdrawingPence: 0 }, 'the one paid holds nothing now');
    t.match(after.members.get(waiting), { holdingPence: 10_000, withdrawingPence: 10_000 }, 'the other is still owed, under notice');
    t.equal((await typesIn(store, societyStream(networkId), 'coop.WithdrawalPaid')).length, 1);
  }
});

t.test('two share issues racing for one member near the holding cap: the cap holds', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const { store } = hearth;
  for (let round = 0; round < 5; round++) {
    const [ann, bob, cat] = [randomUUID(), randomUUID(), randomUUID()];
    // Ann holds £600 of a £1,000 cap and applies twice for £300: each fits alone, not both.
    const networkId = await coop(store, [{ personId: ann, memberClass: 'workers', pence: 60_000 }, { personId: bob, memberClass: 'workers', pence: 1_000 }, { personId: cat, memberClass: 'workers', pence: 1_000 }]);
    const applications = [randomUUID(), randomUUID()];
    for (const applicationId of applications) await onSociety(store, networkId, { type: 'ApplyForShares', applicationId, personId: ann, memberClass: 'workers', pence: 30_000, today }, ann);
    const outcomes = await Promise.all(applications.map((applicationId) => refused(onSociety(store, networkId, { type: 'IssueShares', applicationId, issuedBy: board, issuedOn: today, today }))));
    t.same([...outcomes].sort(), ['above-maximum-holding', null].sort(), `round ${round}: one issued, one refused at the cap`);
    const after = await society(store, networkId);
    t.equal(after.members.get(ann)!.holdingPence, 90_000, 'Ann holds £900');
    t.equal(after.fundsPence, 300 + 62_000 + 30_000, 'and paid in for one issue');
    t.same(applications.map((id) => after.applications.get(id)!.status), outcomes.map((o) => (o === null ? 'issued' : 'applied')), 'the refused application is still waiting');

    // Someone new, with two applications issued at once: one membership share, both within the cap.
    const dan = randomUUID();
    const two = [randomUUID(), randomUUID()];
    for (const applicationId of two) await onSociety(store, networkId, { type: 'ApplyForShares', applicationId, personId: dan, memberClass: 'supporters', pence: 2_000, today }, dan);
    const both = await Promise.all(two.map((applicationId) => refused(onSociety(store, networkId, { type: 'IssueShares', applicationId, issuedBy: board, issuedOn: today, today }))));
    t.same(both, [null, null], 'both issued');
    const issued = (await typesIn(store, societyStream(networkId), 'coop.SharesIssued')).filter((e) => (e.data as { personId: string }).personId === dan);
    t.same(issued.map((e) => (e.data as { membershipSharePence: number }).membershipSharePence).sort(), [0, 100], 'the membership share taken once');
    t.match((await society(store, networkId)).members.get(dan), { holdingPence: 4_000, membershipSharePence: 100 });
  }
});
