// The co-op decided in memory: the share register and its funds (society.ts), and the members'
// vote on spending (proposal.ts). Every refusal is checked by type, status and field; every event
// decided is checked against its schema, as the store would on append.
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { fold, Rejection } from '../src/commands/decider.ts';
import { addDays } from '../src/dates.ts';
import { refusal, specFor, uid } from './support/given.ts';
import {
  decideSociety,
  evolveSociety,
  rulesShape,
  societyDecider,
  societyEventTypes,
  STATUTORY_CAP_PENCE,
  voteWeight,
  type CoopRules,
  type Society,
  type SocietyCommand,
  type SocietyEvent,
  type SocietyState,
} from '../src/coop/society.ts';
import { careCoopRules } from './support/coop.ts';
import {
  decideProposal,
  electorateOf,
  liveTallies,
  proposalDecider,
  proposalEventTypes,
  resultsHidden,
  tally,
  type Choice,
  type Elector,
  type Proposal,
  type ProposalCommand,
  type ProposalEvent,
  type ProposalTerms,
} from '../src/coop/proposal.ts';

const networkId = uid(0xa1);
const [ann, bob, cat, dan, eve] = [uid(0xb1), uid(0xb2), uid(0xb3), uid(0xb4), uid(0xb5)];
const board = uid(0xc1);
const app = (n: number) => uid(0x100 + n);
const wd = (n: number) => uid(0x200 + n);
const decl = (n: number) => uid(0x300 + n);
const income = (n: number) => uid(0x400 + n);
const transfer = (n: number) => uid(0x500 + n);
const proposalId = uid(0x601);
const paymentId = uid(0x701);

const rules: CoopRules = careCoopRules;

// ---------------------------------------------------------------------------------------------
// Checking what is decided the way the store does: by each event type's schema.

const schemas = new Map<string, { safeParse(data: unknown): { success: boolean; error?: unknown } }>(
  [...societyEventTypes, ...proposalEventTypes].map((e) => [e.type, e.schema]),
);
/** The first event the store would refuse, as `type: problem`, or null when all are recordable. */
function unrecordable(events: Array<{ type: string; data: unknown }>): string | null {
  for (const e of events) {
    const parsed = schemas.get(e.type)?.safeParse(e.data);
    if (!parsed) return `${e.type}: no schema`;
    if (!parsed.success) return `${e.type}: ${String(parsed.error)}`;
  }
  return null;
}

const why = (r: Rejection | undefined) => (r ? { type: r.type, status: r.status, field: r.field } : 'accepted');
/** The refusal a society command meets, given these events. */
const societyRefusal = (events: SocietyEvent[], command: SocietyCommand) => why(refusal(() => decideSociety(command, fold(societyDecider, events))));
const proposalRefusal = (events: ProposalEvent[], command: ProposalCommand) => why(refusal(() => decideProposal(command, fold(proposalDecider, events))));
const society = (events: SocietyEvent[]) => fold(societyDecider, events) as Society;
/** Decide, check the events are recordable, and evolve: one step of a history. */
function step(t: Test, events: SocietyEvent[], command: SocietyCommand): SocietyEvent[] {
  const decided = decideSociety(command, fold(societyDecider, events));
  t.equal(unrecordable(decided), null, `${command.type}: the store accepts what is decided`);
  return [...events, ...decided];
}

const givenSociety = specFor(societyDecider);
const givenProposal = specFor(proposalDecider);

// ---------------------------------------------------------------------------------------------
// Events of a co-op: founded on 5 January, Ann (a worker), Bob (receiving care) and Cat (a
// supporter) admitted on 10 January.

const founded: SocietyEvent = { type: 'coop.CoopFounded', data: { networkId, name: 'Kirkstall Care Co-op', rules, foundedOn: '2026-01-05' } };
const applied = (n: number, personId: string, memberClass: string, amount: number, appliedOn = '2026-01-10'): SocietyEvent => ({
  type: 'coop.SharesApplied',
  data: { networkId, applicationId: app(n), personId, memberClass, pence: amount, appliedOn },
});
const issued = (n: number, personId: string, memberClass: string, amount: number, membershipSharePence = 100, issuedOn = '2026-01-10'): SocietyEvent => ({
  type: 'coop.SharesIssued',
  data: { networkId, applicationId: app(n), personId, memberClass, membershipSharePence, pence: amount, issuedOn, issuedBy: board },
});
const joined = (n: number, personId: string, memberClass: string, amount: number, on = '2026-01-10') => [applied(n, personId, memberClass, amount, on), issued(n, personId, memberClass, amount, 100, on)];
const three: SocietyEvent[] = [founded, ...joined(1, ann, 'workers', 100_000), ...joined(2, bob, 'receiving care', 5_000), ...joined(3, cat, 'supporters', 1_000)];
/** The three, with £200 of income beyond their share capital: what interest and dividends can be paid from. */
const earned: SocietyEvent[] = [...three, { type: 'coop.IncomeReceived', data: { networkId, incomeId: income(9), pence: 20_000, source: 'Lunch club takings', reference: 'JAN', receivedOn: '2026-01-10' } }];
const requested = (n: number, personId: string, amount: number, requestedOn = '2026-02-01', dueOn = addDays(requestedOn, 90)): SocietyEvent => ({
  type: 'coop.WithdrawalRequested',
  data: { networkId, withdrawalId: wd(n), personId, pence: amount, requestedOn, dueOn },
});
const withdrawalPaid = (n: number, personId: string, amount: number, paidOn = '2026-05-02'): SocietyEvent => ({
  type: 'coop.WithdrawalPaid',
  data: { networkId, withdrawalId: wd(n), personId, pence: amount, paidOn, paidBy: board },
});
const incomeReceived = (n: number, amount: number, receivedOn = '2026-02-01'): SocietyEvent => ({
  type: 'coop.IncomeReceived',
  data: { networkId, incomeId: income(n), pence: amount, source: 'Leeds City Council', reference: 'Contract 12', receivedOn },
});
const spent = (amount: number, forProposal = proposalId, paidOn = '2026-02-01'): SocietyEvent => ({
  type: 'coop.FundsSpent',
  data: { networkId, proposalId: forProposal, paymentId, pence: amount, payee: 'Leeds Community Transport', purpose: 'Outings', invoiceReference: 'INV-7', paidOn },
});
const suspended: SocietyEvent = { type: 'coop.WithdrawalsSuspended', data: { networkId, reason: 'Cash flow', on: '2026-03-01', by: board } };
const resumed: SocietyEvent = { type: 'coop.WithdrawalsResumed', data: { networkId, on: '2026-04-01', by: board } };

// Commands, each with its usual fields and what a test changes.
const apply = (over: Partial<Extract<SocietyCommand, { type: 'ApplyForShares' }>> = {}): SocietyCommand => ({ type: 'ApplyForShares', applicationId: app(9), personId: dan, memberClass: 'supporters', pence: 2_000, today: '2026-02-01', ...over });
const issue = (over: Partial<Extract<SocietyCommand, { type: 'IssueShares' }>> = {}): SocietyCommand => ({ type: 'IssueShares', applicationId: app(9), issuedBy: board, issuedOn: '2026-02-02', today: '2026-02-03', ...over });
const requestWithdrawal = (over: Partial<Extract<SocietyCommand, { type: 'RequestWithdrawal' }>> = {}): SocietyCommand => ({ type: 'RequestWithdrawal', withdrawalId: wd(1), personId: ann, pence: 40_000, today: '2026-02-01', ...over });
const payWithdrawal = (over: Partial<Extract<SocietyCommand, { type: 'PayWithdrawal' }>> = {}): SocietyCommand => ({ type: 'PayWithdrawal', withdrawalId: wd(1), pence: 40_000, paidBy: board, today: '2026-05-02', ...over });
const transferShares = (over: Partial<Extract<SocietyCommand, { type: 'TransferShares' }>> = {}): SocietyCommand => ({
  type: 'TransferShares', transferId: transfer(1), fromPersonId: ann, toPersonId: bob, pence: 30_000, reason: 'death', documentReference: 'Probate 2026/114', on: '2026-02-10', recordedBy: board, today: '2026-02-11', ...over,
});
const endMembership = (over: Partial<Extract<SocietyCommand, { type: 'EndMembership' }>> = {}): SocietyCommand => ({ type: 'EndMembership', personId: cat, reason: 'left', on: '2026-06-01', recordedBy: board, today: '2026-06-02', ...over });
const payInterest = (over: Partial<Extract<SocietyCommand, { type: 'PayInterest' }>> = {}): SocietyCommand => ({ type: 'PayInterest', declarationId: decl(1), rateBasisPoints: 500, periodFrom: '2025-01-01', periodTo: '2025-12-31', declaredBy: board, today: '2026-02-01', ...over });
const payDividend = (over: Partial<Extract<SocietyCommand, { type: 'PayDividend' }>> = {}): SocietyCommand => ({
  type: 'PayDividend', declarationId: decl(2), kind: 'final', pence: 10_000, basis: 'timebank-minutes', periodFrom: '2026-01-01', periodTo: '2026-01-31', declaredBy: board, today: '2026-02-01',
  participation: [{ personId: ann, participation: 100 }, { personId: bob, participation: 600 }, { personId: cat, participation: 300 }], ...over,
});
const receiveIncome = (over: Partial<Extract<SocietyCommand, { type: 'ReceiveIncome' }>> = {}): SocietyCommand => ({ type: 'ReceiveIncome', incomeId: income(1), pence: 25_000, source: 'Leeds City Council', reference: 'Contract 12', receivedOn: '2026-02-01', today: '2026-02-02', ...over });
const spendFunds = (over: Partial<Extract<SocietyCommand, { type: 'SpendFunds' }>> = {}): SocietyCommand => ({ type: 'SpendFunds', proposalId, paymentId, pence: 50_000, payee: 'Leeds Community Transport', purpose: 'Outings', invoiceReference: 'INV-7', paidOn: '2026-02-01', today: '2026-02-01', ...over });

// ---------------------------------------------------------------------------------------------

t.test('the rules: classes with vote weights, and no holding above the statutory £100,000', async (t) => {
  t.equal(STATUTORY_CAP_PENCE, 10_000_000);
  t.equal(rulesShape.safeParse(rules).success, true, 'the test rules are valid');
  t.equal(rulesShape.safeParse({ ...rules, maxHoldingPence: 10_000_000 }).success, true, 'exactly £100,000 is allowed');
  const above = rulesShape.safeParse({ ...rules, maxHoldingPence: 10_000_001 });
  t.equal(above.success, false, 'a penny above £100,000 is not');
  t.same(above.error?.issues.map((i) => i.path), [['maxHoldingPence']], 'and the problem is the maximum');
  t.same(rulesShape.safeParse({ ...rules, minHoldingPence: 500_001 }).error?.issues.map((i) => i.path), [['minHoldingPence']], 'the minimum is not above the maximum');
  t.equal(rulesShape.safeParse({ ...rules, minHoldingPence: 500_000 }).success, true, 'but may equal it');
  t.equal(rulesShape.safeParse({ ...rules, minHoldingPence: 0 }).success, true, 'a co-op may ask no more than the membership share');
  t.equal(rulesShape.safeParse({ ...rules, membershipSharePence: 0 }).success, false, 'the membership share is something');
  t.equal(rulesShape.safeParse({ ...rules, memberClasses: [...rules.memberClasses, { name: 'workers', voteWeight: 1 }] }).success, false, 'no class twice');
  t.equal(rulesShape.safeParse({ ...rules, memberClasses: [{ name: 'members', voteWeight: 0 }] }).success, false, 'a weight is at least one');
  t.equal(rulesShape.safeParse({ ...rules, memberClasses: [] }).success, false, 'at least one class');
  t.equal(rulesShape.safeParse({ ...rules, interestCapBasisPoints: 10_001 }).success, false, 'interest at most 100%');
  t.equal(rulesShape.safeParse({ ...rules, maxHoldingPence: 12.5 }).success, false, 'whole pence');

  const s = society(three);
  t.same([ann, bob, cat].map((p) => voteWeight(s, s.members.get(p)!)), [3, 2, 1], 'the class weight, or one for a class without a weight');
});

t.test('founding the co-op and changing its rules', async (t) => {
  givenSociety([]).when({ type: 'FoundCoop', networkId, name: 'Kirkstall Care Co-op', rules, foundedOn: '2026-01-05', today: '2026-01-05' }).then(t, [founded]);
  t.same(societyRefusal([founded], { type: 'FoundCoop', networkId, name: 'Again', rules, foundedOn: '2026-01-05', today: '2026-01-06' }), { type: 'coop-exists', status: 409, field: undefined });
  t.same(societyRefusal([], { type: 'FoundCoop', networkId, name: 'Kirkstall Care Co-op', rules, foundedOn: '2026-01-06', today: '2026-01-05' }), { type: 'date-in-future', status: 422, field: 'foundedOn' });
  t.same(societyRefusal([], apply()), { type: 'coop-not-found', status: 404, field: undefined }, 'nothing happens in a co-op not founded');
  t.match(society([founded]), { fundsPence: 0, reservesPence: 0, suspended: false, lastDate: '2026-01-05' });

  const lower = { ...rules, maxHoldingPence: 100_000 };
  givenSociety(three).when({ type: 'ChangeRules', rules: lower, reason: 'AGM 2026', today: '2026-03-01' })
    .then(t, [{ type: 'coop.RulesChanged', data: { networkId, rules: lower, reason: 'AGM 2026', changedOn: '2026-03-01' } }], 'the maximum lowered to exactly what Ann holds');
  t.same(societyRefusal(three, { type: 'ChangeRules', rules: { ...rules, maxHoldingPence: 99_999 }, reason: 'AGM', today: '2026-03-01' }), { type: 'holding-above-new-maximum', status: 422, field: 'maxHoldingPence' }, 'not below what Ann holds');
  const noSupporters = { ...rules, memberClasses: rules.memberClasses.filter((c) => c.name !== 'supporters') };
  t.same(societyRefusal(three, { type: 'ChangeRules', rules: noSupporters, reason: 'AGM', today: '2026-03-01' }), { type: 'member-class-in-use', status: 422, field: 'memberClasses' }, 'Cat is a supporter');
  const catLeft: SocietyEvent = { type: 'coop.MembershipEnded', data: { networkId, personId: cat, reason: 'left', forfeitedPence: 100, on: '2026-02-01', recordedBy: board } };
  const catGone = [...three, requested(1, cat, 1_000), catLeft];
  t.same(societyRefusal(catGone, { type: 'ChangeRules', rules: noSupporters, reason: 'AGM', today: '2026-03-01' }), 'accepted', 'a class only a former member was in can go');
  const changed = society([...three, { type: 'coop.RulesChanged', data: { networkId, rules: lower, reason: 'AGM', changedOn: '2026-03-01' } }]);
  t.same([changed.rules.maxHoldingPence, changed.lastDate], [100_000, '2026-03-01'], 'the new rules are in force, and dated');
});

t.test('applying for shares', async (t) => {
  givenSociety(three).when(apply())
    .then(t, [{ type: 'coop.SharesApplied', data: { networkId, applicationId: app(9), personId: dan, memberClass: 'supporters', pence: 2_000, appliedOn: '2026-02-01' } }]);
  givenSociety([...three, applied(9, dan, 'supporters', 2_000, '2026-02-01')]).when(apply()).then(t, [], 'the same application twice is recorded once');
  givenSociety([...three, applied(9, dan, 'supporters', 2_000, '2026-02-01')]).when(apply({ pence: 999_999 })).then(t, [], 'even if the retry differs: the id is the application');
  t.same(societyRefusal(three, apply({ memberClass: 'investors' })), { type: 'unknown-member-class', status: 422, field: 'memberClass' });
  t.same(societyRefusal(three, apply({ pence: 999 })), { type: 'below-minimum-holding', status: 422, field: 'pence' }, 'a new member holds at least £10');
  t.same(societyRefusal(three, apply({ pence: 1_000 })), 'accepted', 'exactly the minimum');
  t.same(societyRefusal(three, apply({ pence: 500_001 })), { type: 'above-maximum-holding', status: 422, field: 'pence' }, 'the cap at application');
  t.same(societyRefusal(three, apply({ pence: 500_000 })), 'accepted', 'exactly the cap');

  // A member applying for more: their own class, no minimum, but not nothing, and within the cap with what they hold.
  givenSociety(three).when(apply({ personId: bob, memberClass: 'workers', pence: 500 }))
    .then(t, [{ type: 'coop.SharesApplied', data: { networkId, applicationId: app(9), personId: bob, memberClass: 'receiving care', pence: 500, appliedOn: '2026-02-01' } }], 'a member keeps their class, and may add less than the minimum');
  t.same(societyRefusal(three, apply({ personId: bob, pence: 0 })), { type: 'nothing-applied-for', status: 422, field: 'pence' });
  t.same(societyRefusal(three, apply({ personId: ann, memberClass: 'workers', pence: 400_001 })), { type: 'above-maximum-holding', status: 422, field: 'pence' }, 'Ann holds £1,000; £4,000.01 more passes the cap');
  t.same(societyRefusal(three, apply({ personId: ann, memberClass: 'workers', pence: 400_000 })), 'accepted', 'exactly up to the cap');
  t.same(societyRefusal(three, apply({ personId: ann, memberClass: 'investors', pence: 100 })), 'accepted', "a member's class is theirs already; the one named is not checked");
});

t.test('issuing shares: the first issue admits the member with the membership share', async (t) => {
  const withDan = [...three, applied(9, dan, 'supporters', 2_000, '2026-02-01')];
  givenSociety(withDan).when(issue()).then(t, [issued(9, dan, 'supporters', 2_000, 100, '2026-02-02')]);
  const admitted = society([...withDan, issued(9, dan, 'supporters', 2_000, 100, '2026-02-02')]);
  t.same(admitted.members.get(dan), { personId: dan, memberClass: 'supporters', status: 'member', admittedOn: '2026-02-02', endedOn: null, membershipSharePence: 100, holdingPence: 2_000, holdings: [{ on: '2026-02-02', pence: 2_000 }], withdrawingPence: 0 });
  t.equal(admitted.fundsPence, 106_300 + 2_100, 'the shares and the membership share are paid in');
  t.equal(admitted.lastDate, '2026-02-02');
  t.equal(society(three).fundsPence, 106_300, 'three members: £3 of membership shares and £1,060 of shares');

  // A member's second issue takes no second membership share.
  const more = [...three, applied(9, bob, 'receiving care', 3_000, '2026-02-01')];
  givenSociety(more).when(issue()).then(t, [issued(9, bob, 'receiving care', 3_000, 0, '2026-02-02')]);
  const bobMore = society([...more, issued(9, bob, 'receiving care', 3_000, 0, '2026-02-02')]);
  t.match(bobMore.members.get(bob), { holdingPence: 8_000, membershipSharePence: 100, admittedOn: '2026-01-10' });
  t.equal(bobMore.fundsPence, 109_300);
  t.equal(step(t, more, issue()).length, more.length + 1);

  givenSociety([...withDan, issued(9, dan, 'supporters', 2_000, 100, '2026-02-02')]).when(issue()).then(t, [], 'issued once, however often asked');
  t.same(societyRefusal(three, issue()), { type: 'application-not-found', status: 404, field: undefined });
  const declined: SocietyEvent = { type: 'coop.ApplicationDeclined', data: { networkId, applicationId: app(9), reason: 'Not eligible', declinedBy: board } };
  t.same(societyRefusal([...withDan, declined], issue()), { type: 'application-declined', status: 409, field: undefined });
  t.same(societyRefusal(withDan, issue({ issuedOn: '2026-02-04' })), { type: 'date-in-future', status: 422, field: 'issuedOn' });
  t.same(societyRefusal(withDan, issue({ issuedOn: '2026-01-09' })), { type: 'date-before-register', status: 422, field: 'issuedOn' }, 'the register already runs to 10 January');
  t.same(societyRefusal(withDan, issue({ issuedOn: '2026-01-10' })), 'accepted', 'the same day as the last entry');

  // The cap again at issue: two applications each within it, together above it.
  const two = [...three, applied(8, ann, 'workers', 300_000, '2026-02-01'), applied(9, ann, 'workers', 300_000, '2026-02-01')];
  const first = step(t, two, issue({ applicationId: app(8) }));
  t.equal(society(first).members.get(ann)!.holdingPence, 400_000);
  t.same(societyRefusal(first, issue()), { type: 'above-maximum-holding', status: 422, field: 'pence' }, 'the second would take Ann to £7,000');
});

t.test('declining an application', async (t) => {
  const withDan = [...three, applied(9, dan, 'supporters', 2_000, '2026-02-01')];
  const declined: SocietyEvent = { type: 'coop.ApplicationDeclined', data: { networkId, applicationId: app(9), reason: 'Not eligible', declinedBy: board } };
  givenSociety(withDan).when({ type: 'DeclineApplication', applicationId: app(9), declinedBy: board, reason: 'Not eligible' }).then(t, [declined]);
  t.same(societyRefusal(three, { type: 'DeclineApplication', applicationId: app(9), declinedBy: board, reason: 'x' }), { type: 'application-not-found', status: 404, field: undefined });
  t.same(societyRefusal([...withDan, declined], { type: 'DeclineApplication', applicationId: app(9), declinedBy: board, reason: 'x' }), { type: 'application-settled', status: 409, field: undefined });
  t.same(societyRefusal(three, { type: 'DeclineApplication', applicationId: app(1), declinedBy: board, reason: 'x' }), { type: 'application-settled', status: 409, field: undefined }, 'nor once issued');
  const after = society([...withDan, declined]);
  t.same([after.members.has(dan), after.fundsPence], [false, 106_300], 'a declined application admits no one and takes no money');
});

t.test('withdrawals need notice; the board may suspend them, or pay part', async (t) => {
  givenSociety(three).when(requestWithdrawal()).then(t, [requested(1, ann, 40_000, '2026-02-01', '2026-05-02')], 'ninety days of notice: due on 2 May');
  const asked = [...three, requested(1, ann, 40_000)];
  givenSociety(asked).when(requestWithdrawal()).then(t, [], 'the same request twice is recorded once');
  t.match(society(asked).members.get(ann), { holdingPence: 100_000, withdrawingPence: 40_000 }, 'still held until paid');
  t.same(societyRefusal(three, requestWithdrawal({ personId: dan })), { type: 'not-a-member', status: 422, field: 'personId' });
  t.same(societyRefusal(asked, requestWithdrawal({ withdrawalId: wd(2), pence: 60_001 })), { type: 'more-than-held', status: 422, field: 'pence' }, 'what is being withdrawn already is not free');
  t.same(societyRefusal(asked, requestWithdrawal({ withdrawalId: wd(2), pence: 59_500 })), { type: 'below-minimum-holding', status: 422, field: 'pence' }, 'leaving £5 is below the £10 minimum');
  t.same(societyRefusal(asked, requestWithdrawal({ withdrawalId: wd(2), pence: 59_000 })), 'accepted', 'leaving exactly the minimum');
  t.same(societyRefusal(asked, requestWithdrawal({ withdrawalId: wd(2), pence: 60_000 })), 'accepted', 'or all of it');
  t.same(societyRefusal(three, requestWithdrawal({ pence: 0 })), 'accepted', 'the decider leaves nothing-at-all to the schema');
  t.equal(unrecordable(decideSociety(requestWithdrawal({ pence: 0 }), society(three))) !== null, true, 'which refuses a withdrawal of nothing');

  // Paying it.
  givenSociety(asked).when(payWithdrawal()).then(t, [withdrawalPaid(1, ann, 40_000)], 'paid on the day it falls due');
  t.same(societyRefusal(asked, payWithdrawal({ today: '2026-05-01' })), { type: 'notice-not-served', status: 409, field: undefined }, 'not a day before');
  t.same(societyRefusal(asked, payWithdrawal({ withdrawalId: wd(9) })), { type: 'withdrawal-not-found', status: 404, field: undefined });
  t.same(societyRefusal(asked, payWithdrawal({ pence: 40_001 })), { type: 'more-than-owed', status: 422, field: 'pence' });
  const part = [...asked, withdrawalPaid(1, ann, 15_000)];
  t.match(society(part).members.get(ann), { holdingPence: 85_000, withdrawingPence: 25_000 }, 'what is paid leaves the register');
  t.equal(society(part).fundsPence, 106_300 - 15_000);
  t.same(societyRefusal(part, payWithdrawal({ pence: 25_001 })), { type: 'more-than-owed', status: 422, field: 'pence' }, 'only the rest is owed');
  givenSociety(part).when(payWithdrawal({ pence: 25_000 })).then(t, [withdrawalPaid(1, ann, 25_000)], 'the rest');
  const full = [...part, withdrawalPaid(1, ann, 25_000)];
  t.same(societyRefusal(full, payWithdrawal({ pence: 1 })), { type: 'withdrawal-paid', status: 409, field: undefined });
  t.match(society(full).members.get(ann), { holdingPence: 60_000, withdrawingPence: 0 });

  // Suspension.
  givenSociety(asked).when({ type: 'SuspendWithdrawals', reason: 'Cash flow', by: board, today: '2026-03-01' }).then(t, [suspended]);
  givenSociety([...asked, suspended]).when({ type: 'SuspendWithdrawals', reason: 'Again', by: board, today: '2026-03-02' }).then(t, [], 'suspended once');
  t.same(societyRefusal([...asked, suspended], payWithdrawal()), { type: 'withdrawals-suspended', status: 409, field: undefined });
  t.same(societyRefusal([...asked, suspended], requestWithdrawal({ withdrawalId: wd(2), personId: bob, pence: 5_000 })), 'accepted', 'notice may still be given');
  givenSociety([...asked, suspended]).when({ type: 'ResumeWithdrawals', by: board, today: '2026-04-01' }).then(t, [resumed]);
  givenSociety(asked).when({ type: 'ResumeWithdrawals', by: board, today: '2026-04-01' }).then(t, [], 'nothing to resume');
  givenSociety([...asked, suspended, resumed]).when(payWithdrawal()).then(t, [withdrawalPaid(1, ann, 40_000)], 'resumed, it is paid');

  // Only out of money the co-op holds.
  const drained = [...asked, spent(106_300 - 39_999)];
  t.equal(society(drained).fundsPence, 39_999);
  t.same(societyRefusal(drained, payWithdrawal()), { type: 'not-enough-funds', status: 409, field: undefined });
  givenSociety(drained).when(payWithdrawal({ pence: 39_999 })).then(t, [withdrawalPaid(1, ann, 39_999)], 'part of it, with what there is');
  // A record dated later than the payment would be.
  const resumedLater: SocietyEvent = { type: 'coop.WithdrawalsResumed', data: { networkId, on: '2026-05-03', by: board } };
  t.same(societyRefusal([...asked, resumedLater], payWithdrawal({ today: '2026-05-02' })), { type: 'date-before-register', status: 422, field: 'paidOn' });
  t.same(societyRefusal([...asked, incomeReceived(1, 100, '2026-05-03')], payWithdrawal({ today: '2026-05-03' })), 'accepted', 'income is no entry on the register: it does not hold the register back');
});

t.test('shares move only on death or by nomination, to another member, within the cap', async (t) => {
  const moved: SocietyEvent = {
    type: 'coop.SharesTransferred',
    data: { networkId, transferId: transfer(1), fromPersonId: ann, toPersonId: bob, pence: 30_000, reason: 'death', documentReference: 'Probate 2026/114', on: '2026-02-10', recordedBy: board },
  };
  givenSociety(three).when(transferShares()).then(t, [moved]);
  const after = society([...three, moved]);
  t.same([after.members.get(ann)!.holdingPence, after.members.get(bob)!.holdingPence, after.fundsPence], [70_000, 35_000, 106_300], 'no money moves');
  givenSociety(three).when(transferShares({ reason: 'nomination' })).then(t, [{ ...moved, data: { ...moved.data, reason: 'nomination' } }] as SocietyEvent[]);
  t.equal(unrecordable([{ ...moved, data: { ...moved.data, reason: 'sale' } }]) !== null, true, 'a sale is no reason the register knows');

  t.same(societyRefusal(three, transferShares({ fromPersonId: dan })), { type: 'not-a-member', status: 422, field: 'fromPersonId' });
  t.same(societyRefusal(three, transferShares({ toPersonId: ann })), { type: 'same-member', status: 422, field: 'toPersonId' });
  t.same(societyRefusal(three, transferShares({ toPersonId: dan })), { type: 'not-a-member', status: 422, field: 'toPersonId' }, 'only to a member');
  t.same(societyRefusal([...three, requested(1, ann, 80_000)], transferShares({ pence: 20_001 })), { type: 'more-than-held', status: 422, field: 'pence' }, 'what is being withdrawn cannot be transferred');
  const nearCap = [...three, applied(8, bob, 'receiving care', 480_000, '2026-01-20'), issued(8, bob, 'receiving care', 480_000, 0, '2026-01-20')];
  t.same(societyRefusal(nearCap, transferShares({ pence: 15_001 })), { type: 'above-maximum-holding', status: 422, field: 'pence' }, 'Bob holds £4,850: £150.01 more passes the cap');
  t.same(societyRefusal(nearCap, transferShares({ pence: 15_000 })), 'accepted', 'exactly to the cap');
  t.same(societyRefusal(three, transferShares({ on: '2026-02-12' })), { type: 'date-in-future', status: 422, field: 'on' });
  t.same(societyRefusal(three, transferShares({ on: '2026-01-09' })), { type: 'date-before-register', status: 422, field: 'on' });
  givenSociety([...three, moved]).when(transferShares()).then(t, [], 'the same transfer twice is recorded once');
});

t.test('a member leaves: the membership share is forfeit to reserves', async (t) => {
  const catWithdrew = [...three, requested(1, cat, 1_000, '2026-02-01'), withdrawalPaid(1, cat, 1_000)];
  const ended: SocietyEvent = { type: 'coop.MembershipEnded', data: { networkId, personId: cat, reason: 'left', forfeitedPence: 100, on: '2026-06-01', recordedBy: board } };
  givenSociety(catWithdrew).when(endMembership()).then(t, [ended]);
  const after = society([...catWithdrew, ended]);
  t.same(after.members.get(cat), { personId: cat, memberClass: 'supporters', status: 'ended', admittedOn: '2026-01-10', endedOn: '2026-06-01', membershipSharePence: 0, holdingPence: 0, holdings: [{ on: '2026-01-10', pence: 1_000 }, { on: '2026-05-02', pence: -1_000 }], withdrawingPence: 0 });
  t.same([after.reservesPence, after.fundsPence], [100, 106_300 - 1_000], 'the £1 stays in the co-op, as reserves; nothing is paid for it');
  t.same(electorateOf(after).map((e) => e.personId), [ann, bob], 'a former member has no vote');

  t.same(societyRefusal(three, endMembership()), { type: 'shares-still-held', status: 409, field: undefined }, 'Cat still holds £10');
  t.same(societyRefusal([...three, requested(1, cat, 1_000)], endMembership()), 'accepted', 'shares under notice to withdraw do not hold a member in');
  t.same(societyRefusal([...catWithdrew, ended], endMembership({ today: '2026-06-03' })), { type: 'not-a-member', status: 422, field: 'personId' }, 'ended once');
  t.same(societyRefusal(catWithdrew, endMembership({ personId: dan })), { type: 'not-a-member', status: 422, field: 'personId' });
  t.same(societyRefusal(catWithdrew, endMembership({ on: '2026-06-03' })), { type: 'date-in-future', status: 422, field: 'on' });
  t.same(societyRefusal(catWithdrew, endMembership({ on: '2026-05-01' })), { type: 'date-before-register', status: 422, field: 'on' }, 'the withdrawal was paid on 2 May');
  t.same(societyRefusal([...catWithdrew, ended], transferShares({ toPersonId: cat, pence: 1_000, on: '2026-06-01', today: '2026-06-02' })), { type: 'not-a-member', status: 422, field: 'toPersonId' });

  // Rejoining: a new first issue, a new membership share.
  const back = step(t, [...catWithdrew, ended, applied(9, cat, 'workers', 1_500, '2026-07-01')], issue({ issuedOn: '2026-07-01', today: '2026-07-01' }));
  t.match(back.at(-1), { data: { membershipSharePence: 100, memberClass: 'workers' } });
  t.match(society(back).members.get(cat), { status: 'member', memberClass: 'workers', holdingPence: 1_500, membershipSharePence: 100, admittedOn: '2026-07-01', endedOn: null });

  // Left with a withdrawal still to pay, and rejoined before it was: the old shares stay under
  // notice beside the new ones, and paying them leaves the new ones whole.
  const unpaid = [...three, requested(1, cat, 1_000, '2026-02-01'), { ...ended, data: { ...ended.data, on: '2026-02-01' } } as SocietyEvent, applied(9, cat, 'supporters', 2_000, '2026-02-02')];
  const rejoined = step(t, unpaid, issue({ issuedOn: '2026-02-02', today: '2026-02-02' }));
  t.match(society(rejoined).members.get(cat), { status: 'member', holdingPence: 3_000, withdrawingPence: 1_000 }, 'the shares under notice are still held');
  t.same(societyRefusal(rejoined, requestWithdrawal({ withdrawalId: wd(2), personId: cat, pence: 2_001, today: '2026-02-03' })), { type: 'more-than-held', status: 422, field: 'pence' }, 'and not free to withdraw twice');
  const settled = step(t, rejoined, payWithdrawal({ pence: 1_000, today: '2026-05-02' }));
  t.match(society(settled).members.get(cat), { holdingPence: 2_000, withdrawingPence: 0 }, 'paid out, the new shares are whole');
  const nearCap = [...unpaid.slice(0, -1), applied(9, cat, 'supporters', 499_001, '2026-02-02')];
  t.same(societyRefusal(nearCap, issue({ issuedOn: '2026-02-02', today: '2026-02-02' })), { type: 'above-maximum-holding', status: 422, field: 'pence' }, 'the shares under notice count towards the cap');
  t.same(societyRefusal(unpaid.slice(0, -1), apply({ personId: cat, pence: 499_001 })), { type: 'above-maximum-holding', status: 422, field: 'pence' }, 'at application too');
});

t.test('interest on shares: for the days each share was held in the period (actual/365), at no more than the capped rate, out of surplus only', async (t) => {
  // January at 5%, the three admitted on 10 January: 22 days held (10th to 31st).
  // Ann 1000.00 * 0.05 * 22 / 365 = £3.0137 -> 301p; Bob 50.00 * 0.05 * 22 / 365 = 15.07p -> 15p; Cat 10.00 -> 3.01p -> 3p.
  const january = { periodFrom: '2026-01-01', periodTo: '2026-01-31' };
  const paid: SocietyEvent = {
    type: 'coop.InterestPaid',
    data: { networkId, declarationId: decl(1), rateBasisPoints: 500, ...january, paidOn: '2026-02-01', declaredBy: board, allocations: [{ personId: ann, pence: 301 }, { personId: bob, pence: 15 }, { personId: cat, pence: 3 }] },
  };
  givenSociety(earned).when(payInterest(january)).then(t, [paid]);
  t.equal(society([...earned, paid]).fundsPence, 126_300 - 319);
  givenSociety([...earned, paid]).when(payInterest(january)).then(t, [], 'declared once');
  t.same(societyRefusal([...earned, paid], payInterest({ declarationId: decl(2), periodFrom: '2026-01-31', periodTo: '2026-01-31' })), { type: 'interest-already-paid', status: 422, field: 'periodFrom' }, 'no day earns interest twice');
  t.same(societyRefusal(earned, payInterest({ ...january, rateBasisPoints: 501 })), { type: 'above-interest-cap', status: 422, field: 'rateBasisPoints' }, 'a hundredth of a percent above the cap');
  // 1 to 30 January at 3%, 21 days held: Ann 1000.00 * 0.03 * 21 / 365 = £1.726 -> 172p; Bob 8.63p -> 8p; Cat 1.73p -> 1p: whole pence, rounded down.
  givenSociety(earned).when(payInterest({ rateBasisPoints: 300, periodFrom: '2026-01-01', periodTo: '2026-01-30' })).then(t, [
    { type: 'coop.InterestPaid', data: { networkId, declarationId: decl(1), rateBasisPoints: 300, periodFrom: '2026-01-01', periodTo: '2026-01-30', paidOn: '2026-02-01', declaredBy: board, allocations: [{ personId: ann, pence: 172 }, { personId: bob, pence: 8 }, { personId: cat, pence: 1 }] } },
  ]);
  givenSociety(earned).when(payInterest({ ...january, rateBasisPoints: 0 })).then(t, [{ ...paid, data: { ...paid.data, rateBasisPoints: 0, allocations: [] } }] as SocietyEvent[], 'no interest at all');
  // Shares held only after the period earn nothing for it: 2025 ended before anyone joined.
  givenSociety(earned).when(payInterest({ periodFrom: '2025-01-01', periodTo: '2025-12-31' })).then(t, [{ ...paid, data: { ...paid.data, periodFrom: '2025-01-01', periodTo: '2025-12-31', allocations: [] } }] as SocietyEvent[], 'nothing held then, nothing earned');
  const danLater = [...earned, ...joined(4, dan, 'supporters', 500_000, '2026-01-20')];
  const early = step(t, danLater, payInterest({ periodFrom: '2026-01-01', periodTo: '2026-01-15' }));
  // 10 to 15 January, six days: Ann 1000.00 * 0.05 * 6 / 365 = 82.2p -> 82p; Bob 4.1p -> 4p; Cat 0.8p -> nothing.
  t.same((early.at(-1) as Extract<SocietyEvent, { type: 'coop.InterestPaid' }>).data.allocations, [{ personId: ann, pence: 82 }, { personId: bob, pence: 4 }], 'Dan, who joined after the period, earns nothing for it; Cat less than a penny');
  // Dan's £5,000 from the 20th: 12 days (20th to 31st) at 5%: 5000.00 * 0.05 * 12 / 365 = £8.219 -> 821p.
  const whole = step(t, danLater, payInterest(january));
  t.same((whole.at(-1) as Extract<SocietyEvent, { type: 'coop.InterestPaid' }>).data.allocations.find((a) => a.personId === dan), { personId: dan, pence: 821 }, 'Dan earns for his 12 days, not the month');
  t.same(societyRefusal(earned, payInterest({ periodFrom: '2026-01-01', periodTo: '2025-12-31' })), { type: 'period-backwards', status: 422, field: 'periodTo' });
  t.same(societyRefusal(earned, payInterest({ periodTo: '2026-02-01' })), { type: 'period-not-over', status: 422, field: 'periodTo' });
  // Members' £1,063 of share capital is theirs: only the £200 of income beyond it can pay interest.
  t.same(societyRefusal(three, payInterest(january)), { type: 'not-enough-surplus', status: 409, field: undefined }, 'not out of share capital');
  t.same(societyRefusal([...earned, spent(20_000 - 318)], payInterest(january)), { type: 'not-enough-surplus', status: 409, field: undefined }, 'a penny short');
  t.same(societyRefusal([...earned, spent(20_000 - 319)], payInterest(january)), 'accepted', 'exactly enough');
});

t.test('the reproduction: £100,000 bought on 1 May earns for May and June, not the half-year', async (t) => {
  // At 3% a year, £100,000 held all of 1 January to 30 June (181 days) earns
  // 100,000.00 * 0.03 * 181 / 365 = £1,487.671 -> £1,487.67: the figure the whole half-year gave.
  // Bought on 1 May it is held 61 days (31 in May, 30 in June): 100,000.00 * 0.03 * 61 / 365 = £501.369 -> £501.36.
  const big: CoopRules = { ...rules, maxHoldingPence: STATUTORY_CAP_PENCE };
  const events: SocietyEvent[] = [
    { type: 'coop.CoopFounded', data: { networkId, name: 'Kirkstall Care Co-op', rules: big, foundedOn: '2025-12-01' } },
    ...joined(1, ann, 'workers', 10_000_000, '2025-12-15'),
    ...joined(2, bob, 'receiving care', 1_000, '2025-12-15'),
    ...joined(3, cat, 'supporters', 1_000, '2025-12-15'),
    ...joined(4, dan, 'supporters', 10_000_000, '2026-05-01'),
    incomeReceived(1, 500_000, '2026-06-30'),
  ];
  const [paid] = decideSociety(payInterest({ rateBasisPoints: 300, periodFrom: '2026-01-01', periodTo: '2026-06-30', today: '2026-07-01' }), society(events));
  const pence = new Map((paid as Extract<SocietyEvent, { type: 'coop.InterestPaid' }>).data.allocations.map((a) => [a.personId, a.pence]));
  t.equal(pence.get(ann), 148_767, 'held the whole half-year: £1,487.67');
  t.equal(pence.get(dan), 50_136, 'bought on 1 May: £501.36, not £1,487.67');
});

t.test('interest is the day-weighted formula on any history of issues, withdrawals and transfers', async (t) => {
  const people = [ann, bob, cat, dan];
  const big: CoopRules = { ...rules, maxHoldingPence: STATUTORY_CAP_PENCE, minHoldingPence: 0 };
  const start = '2025-11-01';
  const move = fc.record({ day: fc.nat(500), kind: fc.constantFrom('issue' as const, 'withdraw' as const, 'transfer' as const), p: fc.nat(3), q: fc.nat(3), pence: fc.integer({ min: 1, max: 1_000_000 }) });
  await fc.assert(
    fc.property(fc.array(move, { maxLength: 30 }), fc.nat(500), fc.nat(200), fc.nat(500), (moves, fromDay, length, rate) => {
      const events: SocietyEvent[] = [{ type: 'coop.CoopFounded', data: { networkId, name: 'Kirkstall Care Co-op', rules: big, foundedOn: start } }];
      // The hand's own ledger: each member's dated changes, from which a day's holding is summed afresh.
      const ledger = new Map<string, Array<{ on: string; pence: number }>>();
      const heldOn = (personId: string, day: string) => (ledger.get(personId) ?? []).reduce((sum, h) => (h.on <= day ? sum + h.pence : sum), 0);
      const held = (personId: string) => (ledger.get(personId) ?? []).reduce((sum, h) => sum + h.pence, 0);
      const note = (personId: string, on: string, pence: number) => ledger.set(personId, [...(ledger.get(personId) ?? []), { on, pence }]);
      let n = 0;
      for (const m of [...moves].sort((a, b) => a.day - b.day)) {
        const on = addDays(start, m.day);
        const [p, q] = [people[m.p]!, people[m.q]!];
        n += 1;
        if (m.kind === 'issue') {
          const admitting = !ledger.has(p);
          events.push(applied(n, p, 'supporters', m.pence, on), issued(n, p, 'supporters', m.pence, admitting ? 100 : 0, on));
          note(p, on, m.pence);
        } else if (m.kind === 'withdraw' && held(p) > 0) {
          const amount = Math.min(m.pence, held(p));
          events.push(requested(n, p, amount, on, on), withdrawalPaid(n, p, amount, on));
          note(p, on, -amount);
        } else if (m.kind === 'transfer' && p !== q && held(p) > 0 && ledger.has(q)) {
          const amount = Math.min(m.pence, held(p));
          events.push({ type: 'coop.SharesTransferred', data: { networkId, transferId: transfer(n), fromPersonId: p, toPersonId: q, pence: amount, reason: 'nomination', documentReference: 'Form', on, recordedBy: board } });
          note(p, on, -amount);
          note(q, on, amount);
        }
      }
      events.push(incomeReceived(999, 100_000_000, start));
      const periodFrom = addDays(start, fromDay);
      const periodTo = addDays(periodFrom, length);
      const [paid] = decideSociety(payInterest({ rateBasisPoints: rate, periodFrom, periodTo, today: addDays(start, 800) }), society(events));
      const got = new Map((paid as Extract<SocietyEvent, { type: 'coop.InterestPaid' }>).data.allocations.map((a) => [a.personId, a.pence]));
      for (const personId of people) {
        // Each day of the period, what was held at its end times a 365th of the yearly rate, summed, rounded down once.
        let penceDays = 0n;
        for (let day = periodFrom; day <= periodTo; day = addDays(day, 1)) penceDays += BigInt(heldOn(personId, day));
        const expected = Number((penceDays * BigInt(rate)) / 3_650_000n);
        if ((got.get(personId) ?? 0) !== expected) return false;
      }
      return unrecordable([paid!]) === null;
    }),
    { numRuns: 200 },
  );
  t.pass('every allocation is the day-weighted formula');
});

t.test('a patronage dividend follows participation, never shareholding', async (t) => {
  // Ann holds a hundred times Cat's shares but gave a third of Cat's hours.
  const paid = (allocations: Array<{ personId: string; participation: number; pence: number }>, amount = 10_000): SocietyEvent => ({
    type: 'coop.DividendPaid',
    data: { networkId, declarationId: decl(2), kind: 'final', pence: amount, basis: 'timebank-minutes', periodFrom: '2026-01-01', periodTo: '2026-01-31', paidOn: '2026-02-01', declaredBy: board, allocations, leftOut: [] },
  });
  const shared = paid([{ personId: ann, participation: 100, pence: 1_000 }, { personId: bob, participation: 600, pence: 6_000 }, { personId: cat, participation: 300, pence: 3_000 }]);
  givenSociety(earned).when(payDividend()).then(t, [shared]);
  t.equal(society([...earned, shared]).fundsPence, 116_300);
  givenSociety([...earned, shared]).when(payDividend()).then(t, [], 'declared once');

  // Dan holds the most the rules allow and took no part: nothing for him.
  const richDan = [...earned, ...joined(4, dan, 'supporters', 500_000, '2026-01-11')];
  givenSociety(richDan).when(payDividend({ participation: [{ personId: dan, participation: 0 }, { personId: cat, participation: 30 }, { personId: bob, participation: 60 }] }))
    .then(t, [paid([{ personId: cat, participation: 30, pence: 3_333 }, { personId: bob, participation: 60, pence: 6_667 }])], 'the odd penny to the larger remainder; no share for no part');
  givenSociety(richDan).when(payDividend({ participation: [{ personId: cat, participation: 1 }] })).then(t, [paid([{ personId: cat, participation: 1, pence: 10_000 }])], "a minute's part takes it all, and Dan's £5,000 of shares nothing");
  givenSociety(earned).when(payDividend({ participation: [{ personId: cat, participation: 10 }, { personId: eve, participation: 1_000 }] }))
    .then(t, [paid([{ personId: cat, participation: 10, pence: 10_000 }])], 'someone who is not a member shares nothing');

  // Three who took part equally share 1.00: 34p, 33p, 33p; a tiny part may round to nothing, and is still recorded.
  givenSociety(earned).when(payDividend({ pence: 100, participation: [{ personId: ann, participation: 5 }, { personId: bob, participation: 5 }, { personId: cat, participation: 5 }] }))
    .then(t, [paid([{ personId: ann, participation: 5, pence: 34 }, { personId: bob, participation: 5, pence: 33 }, { personId: cat, participation: 5, pence: 33 }], 100)]);
  const tiny = step(t, earned, payDividend({ pence: 100, participation: [{ personId: ann, participation: 1 }, { personId: bob, participation: 1_000 }] }));
  t.same((tiny.at(-1) as Extract<SocietyEvent, { type: 'coop.DividendPaid' }>).data.allocations, [{ personId: ann, participation: 1, pence: 0 }, { personId: bob, participation: 1_000, pence: 100 }]);

  t.same(societyRefusal(earned, payDividend({ participation: [{ personId: dan, participation: 50 }] })), { type: 'no-participation', status: 422, field: 'periodFrom' });
  t.same(societyRefusal(earned, payDividend({ participation: [{ personId: ann, participation: 0 }] })), { type: 'no-participation', status: 422, field: 'periodFrom' });
  t.same(societyRefusal(earned, payDividend({ participation: [{ personId: ann, participation: 10 }, { personId: ann, participation: 10 }] })), { type: 'member-twice', status: 422, field: 'participation' }, 'each member once, with all their part');
  t.same(societyRefusal(earned, payDividend({ pence: 20_001 })), { type: 'not-enough-surplus', status: 409, field: undefined }, 'never out of share capital');
  t.same(societyRefusal(earned, payDividend({ periodTo: '2026-02-01' })), { type: 'period-not-over', status: 422, field: 'periodTo' });
  t.same(societyRefusal(earned, payDividend({ periodFrom: '2026-02-01', periodTo: '2026-01-31' })), { type: 'period-backwards', status: 422, field: 'periodTo' });
});

t.test('each period is declared at most once of each kind; a final dividend closes it', async (t) => {
  const rich = [...earned, incomeReceived(1, 100_000, '2026-03-01')];
  const interim = step(t, rich, payDividend({ declarationId: decl(10), kind: 'interim', pence: 1_000, periodFrom: '2026-01-01', periodTo: '2026-01-31', today: '2026-04-01' }));
  const declaredAgain = { type: 'period-already-declared', status: 409, field: 'periodFrom' };
  t.same(societyRefusal(interim, payDividend({ declarationId: decl(11), kind: 'interim', periodFrom: '2026-01-01', periodTo: '2026-01-31', today: '2026-04-01' })), declaredAgain, 'the same period, a second interim');
  t.same(societyRefusal(interim, payDividend({ declarationId: decl(11), kind: 'interim', periodFrom: '2026-01-31', periodTo: '2026-02-28', today: '2026-04-01' })), declaredAgain, 'one shared day is enough');
  const second = step(t, interim, payDividend({ declarationId: decl(11), kind: 'interim', pence: 1_000, periodFrom: '2026-02-01', periodTo: '2026-02-28', today: '2026-04-01' }));
  // The final dividend for the quarter follows its interims.
  const final = step(t, second, payDividend({ declarationId: decl(12), kind: 'final', pence: 1_000, periodFrom: '2026-01-01', periodTo: '2026-03-31', today: '2026-04-01' }));
  t.match(final.at(-1), { type: 'coop.DividendPaid', data: { kind: 'final', periodFrom: '2026-01-01', periodTo: '2026-03-31' } });
  t.same(societyRefusal(final, payDividend({ declarationId: decl(13), kind: 'final', periodFrom: '2026-03-01', periodTo: '2026-03-31', today: '2026-04-02' })), declaredAgain, 'a second final');
  t.same(societyRefusal(final, payDividend({ declarationId: decl(13), kind: 'interim', periodFrom: '2026-03-01', periodTo: '2026-03-31', today: '2026-04-02' })), declaredAgain, 'no interim once the final has closed the period');
  givenSociety(final).when(payDividend({ declarationId: decl(12), kind: 'final', periodFrom: '2026-01-01', periodTo: '2026-03-31', today: '2026-04-01' })).then(t, [], 'the same declaration sent again is recorded once');
  t.equal(society(final).booksClosedThrough, '2026-03-31');
});

t.test('a member who left in the period: paid on their part to the day they left, or named as left out when the rules say so', async (t) => {
  // Cat leaves on 20 January, midway through January's period; Dan left in December, before it.
  const catLeft: SocietyEvent = { type: 'coop.MembershipEnded', data: { networkId, personId: cat, reason: 'left', forfeitedPence: 100, on: '2026-01-20', recordedBy: board } };
  const withLeavers: SocietyEvent[] = [
    { type: 'coop.CoopFounded', data: { networkId, name: 'Kirkstall Care Co-op', rules, foundedOn: '2025-11-01' } },
    ...joined(4, dan, 'supporters', 1_000, '2025-11-10'),
    { type: 'coop.MembershipEnded', data: { networkId, personId: dan, reason: 'left', forfeitedPence: 100, on: '2025-12-15', recordedBy: board } },
    ...three.slice(1),
    catLeft,
    incomeReceived(1, 20_000, '2026-01-25'),
  ];
  const parts = [{ personId: ann, participation: 100 }, { personId: bob, participation: 600 }, { personId: cat, participation: 300 }, { personId: dan, participation: 500 }];
  // By default Cat shares on her 300 minutes (worked out to the day she left): 10,000 * 300 / 1,000 = 3,000p. Dan was no member in January.
  const dividendOf = (events: SocietyEvent[]) => decideSociety(payDividend({ participation: parts }), society(events))[0] as Extract<SocietyEvent, { type: 'coop.DividendPaid' }>;
  const shared = dividendOf(withLeavers);
  t.same(shared.data.allocations, [{ personId: ann, participation: 100, pence: 1_000 }, { personId: bob, participation: 600, pence: 6_000 }, { personId: cat, participation: 300, pence: 3_000 }], 'the leaver is paid, by default');
  t.same(shared.data.leftOut, []);
  // Under rules that give leavers nothing, Ann and Bob share it 1:6, 1,428.57p and 8,571.43p: the odd penny to the larger remainder.
  const none: SocietyEvent = { type: 'coop.RulesChanged', data: { networkId, rules: { ...rules, leaversDividend: 'none' }, reason: 'AGM', changedOn: '2026-01-21' } };
  const rule = dividendOf([...withLeavers, none]);
  t.same(rule.data.allocations, [{ personId: ann, participation: 100, pence: 1_429 }, { personId: bob, participation: 600, pence: 8_571 }], 'left out under the rules');
  t.same(rule.data.leftOut, [{ personId: cat, leftOn: '2026-01-20' }], 'and named as left out');
  t.equal(unrecordable([shared, rule]), null);
});

t.test('income and spending', async (t) => {
  const received = incomeReceived(1, 25_000);
  givenSociety(three).when(receiveIncome()).then(t, [received]);
  t.equal(society([...three, received]).fundsPence, 131_300);
  givenSociety([...three, received]).when(receiveIncome()).then(t, [], 'the same income twice is recorded once');
  t.same(societyRefusal(three, receiveIncome({ receivedOn: '2026-02-03' })), { type: 'date-in-future', status: 422, field: 'receivedOn' });
  t.same(societyRefusal(three, receiveIncome({ receivedOn: '2026-01-04' })), { type: 'date-before-founding', status: 422, field: 'receivedOn' });
  // Income is dated when it came in, whatever the register has recorded since: received on 30
  // November, recorded after a share issue dated 4 December.
  const december = [...three, applied(9, dan, 'supporters', 2_000, '2026-12-04'), issued(9, dan, 'supporters', 2_000, 100, '2026-12-04')];
  givenSociety(december).when(receiveIncome({ receivedOn: '2026-11-30', today: '2026-12-05' })).then(t, [incomeReceived(1, 25_000, '2026-11-30')], 'dated before the last register entry');
  t.equal(society([...december, incomeReceived(1, 25_000, '2026-11-30')]).lastDate, '2026-12-04', "income does not move the register's date order");
  // A final dividend for January closes it: income received in it can no longer be recorded.
  const closed = [...earned, payDividendEvent()];
  t.same(societyRefusal(closed, receiveIncome({ receivedOn: '2026-01-31' })), { type: 'period-closed', status: 422, field: 'receivedOn' });
  t.same(societyRefusal(closed, receiveIncome({ receivedOn: '2026-02-01' })), 'accepted', 'the day after it is open');

  givenSociety(three).when(spendFunds()).then(t, [spent(50_000)]);
  t.same(society([...three, spent(50_000)]).spentFor, new Set([proposalId]));
  t.same(societyRefusal([...three, spent(50_000)], spendFunds({ paymentId: uid(0x702), pence: 1 })), { type: 'proposal-already-paid', status: 409, field: undefined }, 'one payment per proposal');
  t.same(societyRefusal(three, spendFunds({ pence: 106_301 })), { type: 'not-enough-funds', status: 409, field: undefined });
  givenSociety(three).when(spendFunds({ pence: 106_300 })).then(t, [spent(106_300)], 'all of it');
  // Spending too is dated by when it happened, in an open period.
  givenSociety(three).when(spendFunds({ paidOn: '2026-01-20', today: '2026-02-01' })).then(t, [spent(50_000, proposalId, '2026-01-20')], 'dated the day the money left');
  t.same(societyRefusal(three, spendFunds({ paidOn: '2026-02-02' })), { type: 'date-in-future', status: 422, field: 'paidOn' });
  t.same(societyRefusal([...earned, payDividendEvent()], spendFunds({ paidOn: '2026-01-31' })), { type: 'period-closed', status: 422, field: 'paidOn' });
});

/** The final dividend decided for January on `earned`. */
function payDividendEvent(): SocietyEvent {
  return decideSociety(payDividend(), society(earned))[0]!;
}

// ---------------------------------------------------------------------------------------------
// Proposals and the vote.

const terms: ProposalTerms = {
  title: 'A minibus for outings',
  pence: 50_000,
  payee: 'Leeds Community Transport',
  purpose: 'Outings to the coast',
  source: { kind: 'funds' },
  closesAt: '2026-03-08T12:00:00.000Z',
  quorumPercent: 50,
  thresholdPercent: 50,
  secret: false,
  hideResultsUntilClose: false,
};
const madeWith = (over: Partial<ProposalTerms> = {}): ProposalEvent => ({ type: 'coop.ProposalMade', data: { ...terms, ...over, networkId, proposalId, proposedBy: ann, madeAt: '2026-03-01T09:00:00.000Z' } });
const made = madeWith();
// Ann a worker (3 votes), Bob receiving care (2), Cat and Dan supporters (1 each).
const electorate: Elector[] = [
  { personId: ann, memberClass: 'workers', weight: 3 },
  { personId: bob, memberClass: 'receiving care', weight: 2 },
  { personId: cat, memberClass: 'supporters', weight: 1 },
  { personId: dan, memberClass: 'supporters', weight: 1 },
];
const votingOpened: ProposalEvent = { type: 'coop.VotingOpened', data: { networkId, proposalId, openedBy: board, openedAt: '2026-03-01T10:00:00.000Z', electorate } };
const open: ProposalEvent[] = [made, votingOpened];
const cast = (voterId: string, choice: Choice, castBy = voterId, castAt = '2026-03-02T10:00:00.000Z'): ProposalEvent => ({ type: 'coop.VoteCast', data: { networkId, proposalId, voterId, castBy, choice, sealedChoice: null, castAt } });
const proxied = (grantorId: string, proxyId: string): ProposalEvent => ({
  type: 'coop.ProxyRecorded',
  data: { networkId, proposalId, grantorId, proxyId, documentReference: 'Proxy form 3', recordedBy: board, recordedAt: '2026-03-01T11:00:00.000Z' },
});
const closedWith = (result: { ballots: number; for: number; against: number; abstain: number; quorumMet: boolean; passed: boolean }, closedAt = '2026-03-08T12:00:00.000Z'): ProposalEvent => ({
  type: 'coop.ProposalClosed',
  data: { networkId, proposalId, closedAt, electorate: 4, ...result },
});
const now = '2026-03-02T12:00:00.000Z';
const castVote = (voterId: string, choice: Choice, castBy = voterId, at = now): ProposalCommand => ({ type: 'CastVote', voterId, castBy, choice, sealedChoice: null, now: at });
const close = (at = '2026-03-08T12:00:00.000Z', opened = new Map<string, Choice>()): ProposalCommand => ({ type: 'CloseVoting', opened, now: at });
const proxy = (grantorId: string, proxyId: string, at = now): ProposalCommand => ({ type: 'RecordProxy', grantorId, proxyId, documentReference: 'Proxy form 3', recordedBy: board, now: at });
const pay = (over: Partial<Extract<ProposalCommand, { type: 'PayProposal' }>> = {}): ProposalCommand => ({ type: 'PayProposal', paymentId, pence: 50_000, invoiceReference: 'INV-7', paidBy: board, today: '2026-03-09', ...over });
/** The result a close decides, given these ballots. */
const resultOf = (events: ProposalEvent[], command = close()) => {
  const [closed] = decideProposal(command, fold(proposalDecider, events));
  const { networkId: _n, proposalId: _p, closedAt: _c, ...result } = (closed as Extract<ProposalEvent, { type: 'coop.ProposalClosed' }>).data;
  return result;
};

t.test('making a proposal and opening the vote', async (t) => {
  givenProposal([]).when({ type: 'MakeProposal', networkId, proposalId, proposedBy: ann, now: '2026-03-01T09:00:00.000Z', ...terms }).then(t, [made]);
  givenProposal([made]).when({ type: 'MakeProposal', networkId, proposalId, proposedBy: bob, now: '2026-03-01T09:05:00.000Z', ...terms, pence: 1 }).then(t, [], 'made once');
  t.same(proposalRefusal([], { type: 'MakeProposal', networkId, proposalId, proposedBy: ann, now: terms.closesAt, ...terms }), { type: 'closes-in-past', status: 422, field: 'closesAt' }, 'a vote that would close as it is made');
  t.same(proposalRefusal([], castVote(ann, 'for')), { type: 'proposal-not-found', status: 404, field: undefined });

  givenProposal([made]).when({ type: 'OpenVoting', openedBy: board, electorate, now: '2026-03-01T10:00:00.000Z' }).then(t, [votingOpened]);
  givenProposal(open).when({ type: 'OpenVoting', openedBy: board, electorate: electorate.slice(0, 1), now: '2026-03-01T10:05:00.000Z' }).then(t, [], 'the electorate is fixed when voting opens');
  t.same(proposalRefusal([made], { type: 'OpenVoting', openedBy: board, electorate, now: terms.closesAt }), { type: 'voting-closed', status: 409, field: 'closesAt' });
  t.same(proposalRefusal([made], { type: 'OpenVoting', openedBy: board, electorate: [], now: '2026-03-01T10:00:00.000Z' }), { type: 'too-few-members', status: 409, field: undefined });
  t.same(proposalRefusal([made], { type: 'OpenVoting', openedBy: board, electorate: electorate.slice(0, 2), now: '2026-03-01T10:00:00.000Z' }), { type: 'too-few-members', status: 409, field: undefined }, 'a society has at least three members');
  t.same(proposalRefusal([made], castVote(ann, 'for')), { type: 'voting-not-open', status: 409, field: undefined });
  t.same(proposalRefusal([made], close()), { type: 'voting-not-open', status: 409, field: undefined });
  t.same(proposalRefusal([made], proxy(ann, bob)), { type: 'voting-not-open', status: 409, field: undefined });

  // The electorate: members in good standing, with their class's weight.
  const catLeft: SocietyEvent = { type: 'coop.MembershipEnded', data: { networkId, personId: cat, reason: 'left', forfeitedPence: 100, on: '2026-02-01', recordedBy: board } };
  const register = society([...three, ...joined(4, dan, 'supporters', 1_000), requested(1, cat, 1_000), catLeft]);
  t.same(electorateOf(register), [
    { personId: ann, memberClass: 'workers', weight: 3 },
    { personId: bob, memberClass: 'receiving care', weight: 2 },
    { personId: dan, memberClass: 'supporters', weight: 1 },
  ]);
  t.same(fold(proposalDecider, open).status, 'open');
});

t.test('ballots: one per elector, the latest counts, history kept', async (t) => {
  givenProposal(open).when(castVote(ann, 'for')).then(t, [cast(ann, 'for', ann, now)]);
  t.same(proposalRefusal(open, castVote(eve, 'for')), { type: 'not-in-electorate', status: 403, field: 'voterId' }, 'Eve was not a member when voting opened');
  t.same(proposalRefusal(open, castVote(ann, 'for', ann, terms.closesAt)), { type: 'voting-closed', status: 409, field: undefined }, 'not at the close');
  const changed = [...open, cast(ann, 'for'), cast(ann, 'against', ann, '2026-03-03T10:00:00.000Z')];
  const state = fold(proposalDecider, changed) as Proposal;
  t.same([state.ballots.size, state.history, state.ballots.get(ann)?.choice], [1, 2, 'against'], 'one ballot, two cast, the latest counts');
  t.same(resultOf([...changed, cast(bob, 'for')]), { electorate: 4, ballots: 2, for: 2, against: 3, abstain: 0, quorumMet: true, passed: false }, "Ann's three votes against, not for");
  givenProposal(changed).when(castVote(ann, 'abstain')).then(t, [cast(ann, 'abstain', ann, now)], 'and may change again until the close');
  const closed = [...changed, closedWith({ ballots: 1, for: 0, against: 3, abstain: 0, quorumMet: false, passed: false })];
  t.same(proposalRefusal(closed, castVote(ann, 'for')), { type: 'voting-closed', status: 409, field: undefined }, 'but not after it');
});

t.test('proxies: recorded in writing, for an elector by an elector, and only they may vote for the grantor', async (t) => {
  givenProposal(open).when(proxy(cat, dan)).then(t, [{ type: 'coop.ProxyRecorded', data: { networkId, proposalId, grantorId: cat, proxyId: dan, documentReference: 'Proxy form 3', recordedBy: board, recordedAt: now } }]);
  const withProxy = [...open, proxied(cat, dan)];
  givenProposal(withProxy).when(proxy(cat, dan)).then(t, [], 'recorded once');
  t.same(proposalRefusal(open, proxy(cat, cat)), { type: 'own-proxy', status: 422, field: 'proxyId' });
  t.same(proposalRefusal(open, proxy(eve, dan)), { type: 'not-in-electorate', status: 422, field: 'grantorId' });
  t.same(proposalRefusal(open, proxy(cat, eve)), { type: 'not-in-electorate', status: 422, field: 'proxyId' }, 'a proxy is an elector too');
  t.same(proposalRefusal(open, proxy(cat, dan, terms.closesAt)), { type: 'voting-closed', status: 409, field: undefined });

  givenProposal(withProxy).when(castVote(cat, 'for', dan)).then(t, [cast(cat, 'for', dan, now)], "Dan casts Cat's ballot");
  t.same(proposalRefusal(withProxy, castVote(cat, 'for', bob)), { type: 'no-proxy', status: 403, field: 'voterId' }, 'Bob holds no proxy for Cat');
  t.same(proposalRefusal(open, castVote(cat, 'for', dan)), { type: 'no-proxy', status: 403, field: 'voterId' }, 'nor Dan, before it is recorded');
  t.same(proposalRefusal(withProxy, castVote(dan, 'for', cat)), { type: 'no-proxy', status: 403, field: 'voterId' }, 'a proxy runs one way');
  givenProposal(withProxy).when(castVote(cat, 'against')).then(t, [cast(cat, 'against', cat, now)], 'Cat may still vote herself');
  const replaced = [...withProxy, proxied(cat, bob)];
  t.same(proposalRefusal(replaced, castVote(cat, 'for', dan)), { type: 'no-proxy', status: 403, field: 'voterId' }, 'a new proxy replaces the old');
  givenProposal(replaced).when(castVote(cat, 'for', bob)).then(t, [cast(cat, 'for', bob, now)]);

  // The proxy's ballot and the grantor's are one ballot: the latest counts, once.
  const both = [...withProxy, cast(cat, 'for', dan), cast(cat, 'against', cat, '2026-03-03T10:00:00.000Z'), cast(dan, 'for')];
  t.same(resultOf(both), { electorate: 4, ballots: 2, for: 1, against: 1, abstain: 0, quorumMet: true, passed: false });
});

t.test('the count: quorum by head, abstentions included; threshold by weight; a tie fails', async (t) => {
  // Quorum 75% of four electors: three ballots, however they fall.
  const q75 = [madeWith({ quorumPercent: 75 }), votingOpened];
  t.same(resultOf([...q75, cast(cat, 'for'), cast(ann, 'abstain'), cast(bob, 'abstain')]), { electorate: 4, ballots: 3, for: 1, against: 0, abstain: 5, quorumMet: true, passed: true }, 'two abstentions make the quorum; one vote for carries it');
  t.same(resultOf([...q75, cast(ann, 'for'), cast(bob, 'for')]), { electorate: 4, ballots: 2, for: 5, against: 0, abstain: 0, quorumMet: false, passed: false }, 'two heads of four: five votes of seven are not a quorum');
  t.same(resultOf([madeWith({ quorumPercent: 0 }), votingOpened]), { electorate: 4, ballots: 0, for: 0, against: 0, abstain: 0, quorumMet: false, passed: false }, 'no ballots, no quorum, even at 0%');

  // Threshold 60% by weight: Ann's 3 for, Cat's and Dan's 1 + 1 against: 3 of 5 is 60%.
  const vote = (thresholdPercent: number) => [madeWith({ thresholdPercent }), votingOpened, cast(ann, 'for'), cast(cat, 'against'), cast(dan, 'against')];
  t.same(resultOf(vote(60)), { electorate: 4, ballots: 3, for: 3, against: 2, abstain: 0, quorumMet: true, passed: true }, 'one head against two, carried by weight');
  t.same(resultOf(vote(61)), { electorate: 4, ballots: 3, for: 3, against: 2, abstain: 0, quorumMet: true, passed: false }, 'just short of 61%');
  t.same(resultOf([...open, cast(bob, 'for'), cast(cat, 'against'), cast(dan, 'against')]), { electorate: 4, ballots: 3, for: 2, against: 2, abstain: 0, quorumMet: true, passed: false }, 'a tie fails at 50%');
  t.same(resultOf([madeWith({ thresholdPercent: 100 }), votingOpened, cast(ann, 'for'), cast(bob, 'for'), cast(cat, 'abstain')]), { electorate: 4, ballots: 3, for: 5, against: 0, abstain: 1, quorumMet: true, passed: true }, 'unanimous among those deciding; abstentions do not count against');
  t.same(resultOf([...open, cast(ann, 'abstain'), cast(bob, 'abstain')]), { electorate: 4, ballots: 2, for: 0, against: 0, abstain: 5, quorumMet: true, passed: false }, 'nobody for: not passed');

  // tally() directly, the same figures.
  t.same(tally(fold(proposalDecider, [...open, cast(ann, 'for'), cast(dan, 'against')]) as Proposal, (_, b) => b.choice ?? undefined), { electorate: 4, ballots: 2, for: 3, against: 1, abstain: 0, quorumMet: true, passed: true });
});

t.test('closing: early only when every elector has voted; the result is computed once', async (t) => {
  const three = [...open, cast(ann, 'for'), cast(bob, 'for'), cast(cat, 'against')];
  t.same(proposalRefusal(three, close('2026-03-05T12:00:00.000Z')), { type: 'voting-still-open', status: 409, field: undefined }, 'Dan has not voted');
  const all = [...three, cast(dan, 'for')];
  givenProposal(all).when(close('2026-03-05T12:00:00.000Z')).then(t, [closedWith({ ballots: 4, for: 6, against: 1, abstain: 0, quorumMet: true, passed: true }, '2026-03-05T12:00:00.000Z')], 'everyone has: it may close early');
  givenProposal(three).when(close()).then(t, [closedWith({ ballots: 3, for: 5, against: 1, abstain: 0, quorumMet: true, passed: true })], 'at the close, whoever has voted');
  const closed = [...three, closedWith({ ballots: 3, for: 5, against: 1, abstain: 0, quorumMet: true, passed: true })];
  givenProposal(closed).when(close('2026-03-09T12:00:00.000Z')).then(t, [], 'a second close computes nothing');
  t.same((fold(proposalDecider, closed) as Proposal).result, { electorate: 4, ballots: 3, for: 5, against: 1, abstain: 0, quorumMet: true, passed: true });
  t.same(proposalRefusal(closed, proxy(cat, dan)), { type: 'voting-closed', status: 409, field: undefined });
});

t.test('closing is a process: begun on the proposal (no ballot after it), then counted at the time it began, once', async (t) => {
  const three = [...open, cast(ann, 'for'), cast(bob, 'for'), cast(cat, 'against')];
  const processId = '6f1c3a52-0c10-4d6e-9a51-7d3f0b2c8e41';
  const begin = (at: string): ProposalCommand => ({ type: 'BeginClose', closedBy: ann, processId, now: at });
  t.same(proposalRefusal(three, begin('2026-03-05T12:00:00.000Z')), { type: 'voting-still-open', status: 409, field: undefined }, 'not early while Dan has not voted');
  t.same(proposalRefusal([made], begin('2026-03-09T12:00:00.000Z')), { type: 'voting-not-open', status: 409, field: undefined }, 'nor before voting opened');
  const closing: ProposalEvent = { type: 'coop.VotingClosing', data: { networkId, proposalId, closedBy: ann, closedAt: '2026-03-08T12:00:00.000Z', processId } };
  givenProposal(three).when(begin('2026-03-08T12:00:00.000Z')).then(t, [closing], 'begun at the closing time');
  givenProposal([...three, closing]).when(begin('2026-03-08T12:05:00.000Z')).then(t, [], 'begun once: a second close carries the first on');
  t.same(proposalRefusal([...three, closing], { type: 'CastVote', voterId: dan, castBy: dan, choice: 'for', sealedChoice: null, now: '2026-03-07T12:00:00.000Z' }), { type: 'voting-closed', status: 409, field: undefined }, 'no ballot once closing has begun');
  givenProposal([...three, closing]).when(close('2026-03-08T12:09:00.000Z')).then(t, [closedWith({ ballots: 3, for: 5, against: 1, abstain: 0, quorumMet: true, passed: true })], 'counted at the time the close began, whenever the count is made');
});

t.test('a secret ballot carries only its sealed choice; the count opens it', async (t) => {
  const secret = [madeWith({ secret: true }), votingOpened];
  const sealed = (voterId: string, seal: string, castBy = voterId): ProposalEvent => ({ type: 'coop.VoteCast', data: { networkId, proposalId, voterId, castBy, choice: null, sealedChoice: seal, castAt: now } });
  givenProposal(secret).when({ type: 'CastVote', voterId: ann, castBy: ann, choice: 'for', sealedChoice: 'sealed:ann', now }).then(t, [sealed(ann, 'sealed:ann')], 'who voted, never how');
  t.throws(() => decideProposal({ type: 'CastVote', voterId: ann, castBy: ann, choice: 'for', sealedChoice: null, now }, fold(proposalDecider, secret)), /sealed/, 'a secret ballot in the clear is a programming error');
  t.throws(() => decideProposal({ type: 'CastVote', voterId: ann, castBy: ann, choice: 'for', sealedChoice: 'x', now }, fold(proposalDecider, open)), /sealed/, 'and an open one sealed');
  const ballots = [...secret, sealed(ann, 'a'), sealed(bob, 'b'), sealed(cat, 'c')];
  t.same(resultOf(ballots, close(undefined, new Map<string, Choice>([[ann, 'against'], [bob, 'for'], [cat, 'for']]))), { electorate: 4, ballots: 3, for: 3, against: 3, abstain: 0, quorumMet: true, passed: false });
  t.throws(() => decideProposal(close(undefined, new Map([[ann, 'for']])), fold(proposalDecider, ballots)), /could not be opened/, 'every ballot must open');
});

t.test('a secret ballot hides its count until the close, whatever its terms say', async (t) => {
  const command = { type: 'MakeProposal' as const, networkId, proposalId, proposedBy: ann, now: '2026-03-01T09:00:00.000Z', ...terms, secret: true, hideResultsUntilClose: false };
  givenProposal([]).when(command).then(t, [madeWith({ secret: true, hideResultsUntilClose: true })], 'a secret ballot is recorded as hiding its results');
  t.equal(resultsHidden({ secret: true, hideResultsUntilClose: false }), true);
  t.equal(resultsHidden({ secret: false, hideResultsUntilClose: false }), false);
  // As recorded before the rule: secret, and its terms not asking to hide the count.
  const sealed = (voterId: string, seal: string): ProposalEvent => ({ type: 'coop.VoteCast', data: { networkId, proposalId, voterId, castBy: voterId, choice: null, sealedChoice: seal, castAt: now } });
  const recorded = [madeWith({ secret: true, hideResultsUntilClose: false }), votingOpened, sealed(ann, 'a'), sealed(bob, 'b')];
  t.equal(liveTallies(fold(proposalDecider, recorded) as Proposal), null, 'no live count of a secret ballot while open');
  const closed = [...recorded, closedWith({ ballots: 2, for: 3, against: 2, abstain: 0, quorumMet: true, passed: true })];
  t.same(liveTallies(fold(proposalDecider, closed) as Proposal), { for: 3, against: 2, abstain: 0 }, 'the result once closed');
  t.same(liveTallies(fold(proposalDecider, [...open, cast(ann, 'for'), cast(bob, 'against')]) as Proposal), { for: 3, against: 2, abstain: 0 }, 'an open ballot not hidden counts live');
  t.equal(liveTallies(fold(proposalDecider, [madeWith({ hideResultsUntilClose: true }), votingOpened, cast(ann, 'for')]) as Proposal), null, 'nor one whose terms hide it');
});

t.test('a passed proposal authorises one payment, up to its amount', async (t) => {
  const passed = [...open, cast(ann, 'for'), cast(bob, 'for'), closedWith({ ballots: 2, for: 5, against: 0, abstain: 0, quorumMet: true, passed: true })];
  const paidEvent = (amount = 50_000): ProposalEvent => ({ type: 'coop.ProposalPaid', data: { networkId, proposalId, paymentId, pence: amount, source: { kind: 'funds' }, invoiceReference: 'INV-7', paidOn: '2026-03-09', paidBy: board } });
  givenProposal(passed).when(pay()).then(t, [paidEvent()]);
  givenProposal(passed).when(pay({ pence: 42_000 })).then(t, [paidEvent(42_000)], 'less than the amount');
  t.same(proposalRefusal(passed, pay({ pence: 50_001 })), { type: 'above-authorised-amount', status: 422, field: 'pence' });
  // Dated the day the money left: from the day the vote closed (8 March) to today.
  givenProposal(passed).when(pay({ paidOn: '2026-03-08' })).then(t, [{ ...paidEvent(), data: { ...(paidEvent().data as object), paidOn: '2026-03-08' } } as ProposalEvent], 'paid the day the vote closed');
  t.same(proposalRefusal(passed, pay({ paidOn: '2026-03-07' })), { type: 'paid-before-vote', status: 422, field: 'paidOn' });
  t.same(proposalRefusal(passed, pay({ paidOn: '2026-03-10' })), { type: 'date-in-future', status: 422, field: 'paidOn' });
  const paid = [...passed, paidEvent(42_000)];
  givenProposal(paid).when(pay({ pence: 42_000 })).then(t, [], 'the same payment twice is made once');
  t.same(proposalRefusal(paid, pay({ paymentId: uid(0x702), pence: 8_000 })), { type: 'proposal-already-paid', status: 409, field: undefined }, 'not the rest in a second payment');
  t.same((fold(proposalDecider, paid) as Proposal).paid, { paymentId, pence: 42_000 });

  const failed = [...open, cast(ann, 'against'), closedWith({ ballots: 1, for: 0, against: 3, abstain: 0, quorumMet: false, passed: false })];
  t.same(proposalRefusal(failed, pay()), { type: 'proposal-not-passed', status: 409, field: undefined });
  t.same(proposalRefusal([...open, cast(ann, 'for')], pay()), { type: 'proposal-not-passed', status: 409, field: undefined }, 'not before the close');
  const fromPool = [madeWith({ source: { kind: 'pool', poolId: uid(0x801) } }), votingOpened, cast(ann, 'for'), closedWith({ ballots: 1, for: 3, against: 0, abstain: 0, quorumMet: false, passed: true })];
  t.match(decideProposal(pay(), fold(proposalDecider, fromPool)), [{ data: { source: { kind: 'pool', poolId: uid(0x801) } } }], 'the payment names the source voted on');
  t.equal(unrecordable([...passed, paidEvent()]), null, 'the proposal events are recordable');
});

// ---------------------------------------------------------------------------------------------
// Properties.

t.test('a dividend always shares exactly its amount, monotone in participation, whatever the shareholdings', async (t) => {
  const people = Array.from({ length: 8 }, (_, i) => uid(0x900 + i));
  await fc.assert(
    fc.property(
      fc.array(fc.record({ participation: fc.nat(10_000), holding: fc.integer({ min: 1_000, max: 500_000 }) }), { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 1, max: 3_000_000 }),
      (members, amount) => {
        const surplus: SocietyEvent = { type: 'coop.IncomeReceived', data: { networkId, incomeId: income(9), pence: 3_000_000, source: 'Takings', reference: 'Y1', receivedOn: '2026-01-10' } };
        const events: SocietyEvent[] = [founded, ...members.flatMap((m, i) => joined(10 + i, people[i]!, 'supporters', m.holding)), surplus];
        const participation = members.map((m, i) => ({ personId: people[i]!, participation: m.participation }));
        const command = payDividend({ pence: amount, participation });
        const state = society(events);
        if (members.every((m) => m.participation === 0)) return why(refusal(() => decideSociety(command, state))) !== 'accepted';
        const [paid] = decideSociety(command, state);
        if (unrecordable([paid!]) !== null) return false;
        const allocations = (paid as Extract<SocietyEvent, { type: 'coop.DividendPaid' }>).data.allocations;
        const share = new Map(allocations.map((a) => [a.personId, a.pence]));
        if (allocations.reduce((s, a) => s + a.pence, 0) !== amount) return false;
        // Shareholding plays no part: the same participation over equal holdings shares the same.
        const equal = society([founded, ...members.flatMap((_, i) => joined(10 + i, people[i]!, 'supporters', 500_000)), surplus]);
        if (JSON.stringify(decideSociety(command, equal)) !== JSON.stringify([paid])) return false;
        for (const [i, a] of participation.entries()) {
          for (const b of participation.slice(i + 1)) {
            const [pa, pb] = [share.get(a.personId) ?? 0, share.get(b.personId) ?? 0];
            if (a.participation < b.participation && pa > pb) return false;
            if (a.participation > b.participation && pa < pb) return false;
            if (a.participation === b.participation && Math.abs(pa - pb) > 1) return false;
          }
          if (a.participation === 0 && share.has(a.personId)) return false;
        }
        return state.fundsPence - amount === society([...events, paid!]).fundsPence;
      },
    ),
    { numRuns: 300 },
  );
  t.pass('shares add up, follow participation, and ignore shareholding');
});

t.test('over any sequence of commands the register never goes negative, nor above the cap, and the funds add up', async (t) => {
  const people = [ann, bob, cat, dan];
  const classes = ['workers', 'receiving care', 'supporters'];
  const tight: CoopRules = { ...rules, maxHoldingPence: 20_000, minHoldingPence: 500, withdrawalNoticeDays: 3 };
  const tightFounded: SocietyEvent = { type: 'coop.CoopFounded', data: { networkId, name: 'Kirkstall Care Co-op', rules: tight, foundedOn: '2026-01-01' } };
  const op = fc.oneof(
    fc.record({ kind: fc.constant('apply' as const), p: fc.nat(3), c: fc.nat(2), pence: fc.integer({ min: 0, max: 25_000 }) }),
    fc.record({ kind: fc.constant('issue' as const), a: fc.nat(20) }),
    fc.record({ kind: fc.constant('decline' as const), a: fc.nat(20) }),
    fc.record({ kind: fc.constant('withdraw' as const), p: fc.nat(3), pence: fc.integer({ min: 1, max: 25_000 }) }),
    fc.record({ kind: fc.constant('payWithdrawal' as const), w: fc.nat(20), pence: fc.integer({ min: 1, max: 25_000 }) }),
    fc.record({ kind: fc.constant('transfer' as const), from: fc.nat(3), to: fc.nat(3), pence: fc.integer({ min: 1, max: 25_000 }) }),
    fc.record({ kind: fc.constant('end' as const), p: fc.nat(3) }),
    fc.record({ kind: fc.constant('income' as const), pence: fc.integer({ min: 1, max: 30_000 }) }),
    fc.record({ kind: fc.constant('interest' as const), rate: fc.nat(600) }),
    fc.record({ kind: fc.constant('dividend' as const), pence: fc.integer({ min: 1, max: 30_000 }), parts: fc.array(fc.nat(50), { minLength: 4, maxLength: 4 }) }),
    fc.record({ kind: fc.constant('spend' as const), pence: fc.integer({ min: 1, max: 30_000 }) }),
    fc.record({ kind: fc.constant('suspend' as const), on: fc.boolean() }),
    fc.constant({ kind: 'wait' as const }),
  );
  await fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
      let state: SocietyState = evolveSociety({ status: 'none' }, tightFounded);
      let moneyIn = 0;
      let moneyOut = 0;
      let sharesIssued = 0;
      let sharesWithdrawn = 0;
      let membershipShares = 0;
      let n = 0;
      for (const [i, o] of ops.entries()) {
        const today = addDays('2026-01-02', i * 2);
        n += 1;
        const command: SocietyCommand = (() => {
          switch (o.kind) {
            case 'apply': return { type: 'ApplyForShares', applicationId: app(n), personId: people[o.p]!, memberClass: classes[o.c]!, pence: o.pence, today };
            case 'issue': return { type: 'IssueShares', applicationId: app(o.a), issuedBy: board, issuedOn: today, today };
            case 'decline': return { type: 'DeclineApplication', applicationId: app(o.a), declinedBy: board, reason: 'No' };
            case 'withdraw': return { type: 'RequestWithdrawal', withdrawalId: wd(n), personId: people[o.p]!, pence: o.pence, today };
            case 'payWithdrawal': return { type: 'PayWithdrawal', withdrawalId: wd(o.w), pence: o.pence, paidBy: board, today };
            case 'transfer': return { type: 'TransferShares', transferId: transfer(n), fromPersonId: people[o.from]!, toPersonId: people[o.to]!, pence: o.pence, reason: 'nomination', documentReference: 'Nomination', on: today, recordedBy: board, today };
            case 'end': return { type: 'EndMembership', personId: people[o.p]!, reason: 'left', on: today, recordedBy: board, today };
            case 'income': return { type: 'ReceiveIncome', incomeId: income(n), pence: o.pence, source: 'Council', reference: 'R', receivedOn: today, today };
            case 'interest': return { type: 'PayInterest', declarationId: decl(n), rateBasisPoints: o.rate, periodFrom: addDays(today, -30), periodTo: addDays(today, -1), declaredBy: board, today };
            case 'dividend': return { type: 'PayDividend', declarationId: decl(n), kind: 'final', pence: o.pence, basis: 'timebank-minutes', periodFrom: addDays(today, -30), periodTo: addDays(today, -1), participation: o.parts.map((p, k) => ({ personId: people[k]!, participation: p })), declaredBy: board, today };
            case 'spend': return { type: 'SpendFunds', proposalId: uid(0x1000 + n), paymentId: uid(0x2000 + n), pence: o.pence, payee: 'P', purpose: 'Q', invoiceReference: 'I', paidOn: today, today };
            case 'suspend': return o.on ? { type: 'SuspendWithdrawals', reason: 'Cash', by: board, today } : { type: 'ResumeWithdrawals', by: board, today };
            case 'wait': return { type: 'ResumeWithdrawals', by: board, today };
          }
        })();
        let decided: SocietyEvent[] = [];
        try {
          decided = decideSociety(command, state);
        } catch (err) {
          if (!(err instanceof Rejection)) throw err;
          continue;
        }
        if (unrecordable(decided) !== null) throw new Error(`${command.type} decided an event the store refuses: ${unrecordable(decided)}`);
        if (command.type === 'PayInterest' && command.rateBasisPoints > tight.interestCapBasisPoints) return false;
        for (const e of decided) {
          if (e.type === 'coop.SharesIssued') {
            moneyIn += e.data.pence + e.data.membershipSharePence;
            sharesIssued += e.data.pence;
            membershipShares += e.data.membershipSharePence;
          }
          if (e.type === 'coop.WithdrawalPaid') sharesWithdrawn += e.data.pence;
          if (e.type === 'coop.IncomeReceived') moneyIn += e.data.pence;
          if (e.type === 'coop.WithdrawalPaid' || e.type === 'coop.FundsSpent') moneyOut += e.data.pence;
          if (e.type === 'coop.InterestPaid' || e.type === 'coop.DividendPaid') moneyOut += e.data.allocations.reduce((s, a) => s + a.pence, 0);
          state = evolveSociety(state, e);
        }
        const s = state as Society;
        if (s.fundsPence < 0 || s.fundsPence !== moneyIn - moneyOut) return false;
        for (const m of s.members.values()) {
          if (m.holdingPence < 0 || m.withdrawingPence < 0 || m.withdrawingPence > m.holdingPence || m.membershipSharePence < 0) return false;
          if (m.status === 'member' && m.holdingPence > tight.maxHoldingPence) return false;
          if (m.status === 'ended' && m.holdingPence !== m.withdrawingPence) return false;
        }
        // Share capital is what was issued less what was withdrawn; transfers only move it.
        if ([...s.members.values()].reduce((sum, m) => sum + m.holdingPence, 0) !== sharesIssued - sharesWithdrawn) return false;
        // Membership shares are held, or forfeit to reserves: never paid back.
        if ([...s.members.values()].reduce((sum, m) => sum + m.membershipSharePence, 0) + s.reservesPence !== membershipShares) return false;
      }
      return true;
    }),
    { numRuns: 400 },
  );
  t.pass('holdings, notices and funds stay whole');
});
