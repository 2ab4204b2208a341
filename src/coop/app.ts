// The co-op's use cases: who may do what, with which ids and on which day, for the society's
// register (rules, applications, share issues, withdrawals with notice, transfers, leavers,
// interest and dividends) and for its votes on spending (proposals, opening and closing votes,
// ballots, proxies, the one payment). Each takes its dependencies, the caller and the input;
// routes, pages and the CLI only reach these. Who holds a role is read from the caller's own
// membership stream, so a role just granted or removed counts at once.
import { v5 as uuidv5 } from 'uuid';
import type { Caller, Deps } from '../access/caller.ts';
import type { Page } from '../db/keyset.ts';
import { contextOf, subjectOf } from '../access/caller.ts';
import { detailsOf } from '../access/app.ts';
import { membershipDecider, membershipStream, type Role } from '../access/membership.ts';
import { todayOn } from '../clock.ts';
import { PreconditionFailed, readStates } from '../commands/decide.ts';
import { Rejection } from '../commands/decider.ts';
import type { Hearth } from '../hearth.ts';
import type { Share } from '../pools/apportion.ts';
import { poolDecider, poolStream } from '../pools/pool.ts';
import { castBallot, closeVoting, makeProposal, onProposal, onSociety, openVoting, payProposal, proposalIn, proposalNow, proposalRead, societyIn, societyRead } from './commands.ts';
import { choices, decideProposal, liveTallies, proposalDecider, resultsHidden, type Choice, type ProposalEvent, type ProposalTerms } from './proposal.ts';
import { domainEvents } from '../eventstore/events.ts';
import { applicationsOf, ballotsOf, coopOf, holdingOf, proposalOf, proposalsOf, registerAsAt, shareCapitalAsAt, timebankParticipation, withdrawalsWaiting, type RegisterLine } from './register.ts';
import { sealChoice } from './secret-ballot.ts';
import type { CoopRules, SocietyEvent } from './society.ts';

/** What a write answers: the revision of the stream the resource lives in (its ETag), and the position written. */
export interface Written {
  revision: number;
  position: number;
}

/** Who keeps the register: they see every holding and the register itself. */
export const registerKeepers: readonly Role[] = ['board', 'treasurer'];

async function rolesOf(deps: Deps, networkId: string, personId: string): Promise<readonly Role[]> {
  const { membership } = await readStates(deps.store, { membership: [membershipStream(networkId, personId), membershipDecider] });
  return membership.status === 'active' ? membership.roles : [];
}

const holds = (roles: readonly Role[], anyOf: readonly Role[]) => roles.some((r) => anyOf.includes(r));

/** A command on the register: what the society's stream is at after it, and the events decided (or written before, on a retry). */
async function onRegister(deps: Deps, caller: Caller, networkId: string, command: Parameters<typeof onSociety>[2]): Promise<Written & { events: SocietyEvent[] }> {
  const done = await onSociety(deps.store, networkId, command, contextOf(deps, caller), caller.ifMatch);
  return { revision: done.revisions.society, position: done.position, events: done.events.society ?? [] };
}

const written = ({ revision, position }: Written): Written => ({ revision, position });

// The society's register --------------------------------------------------------------------

export const foundCoop = (deps: Deps, caller: Caller, input: { networkId: string; name: string; rules: CoopRules; foundedOn: string }) =>
  onRegister(deps, caller, input.networkId, { type: 'FoundCoop', ...input, today: todayOn(deps.clock) }).then(written);

export const changeRules = (deps: Deps, caller: Caller, input: { networkId: string; rules: CoopRules; reason: string }) =>
  onRegister(deps, caller, input.networkId, { type: 'ChangeRules', rules: input.rules, reason: input.reason, today: todayOn(deps.clock) }).then(written);

/** To join, in a member class, or to hold more: the member's own application, or a coordinator's for them. */
export async function applyForShares(deps: Deps, caller: Caller, input: { networkId: string; memberClass: string; pence: number }) {
  const applicationId = uuidv5('coop application', caller.commandId);
  const done = await onRegister(deps, caller, input.networkId, { type: 'ApplyForShares', applicationId, personId: subjectOf(caller), memberClass: input.memberClass, pence: input.pence, today: todayOn(deps.clock) });
  return { applicationId, ...written(done) };
}

export const issueShares = (deps: Deps, caller: Caller, input: { networkId: string; applicationId: string; issuedOn: string }) =>
  onRegister(deps, caller, input.networkId, { type: 'IssueShares', applicationId: input.applicationId, issuedBy: caller.personId, issuedOn: input.issuedOn, today: todayOn(deps.clock) }).then(written);

export const declineApplication = (deps: Deps, caller: Caller, input: { networkId: string; applicationId: string; reason: string }) =>
  onRegister(deps, caller, input.networkId, { type: 'DeclineApplication', applicationId: input.applicationId, declinedBy: caller.personId, reason: input.reason }).then(written);

/** Notice to withdraw shares, by the member or a coordinator for them; paid once the rules' notice has run. */
export async function requestWithdrawal(deps: Deps, caller: Caller, input: { networkId: string; pence: number }) {
  const withdrawalId = uuidv5('coop withdrawal', caller.commandId);
  const done = await onRegister(deps, caller, input.networkId, { type: 'RequestWithdrawal', withdrawalId, personId: subjectOf(caller), pence: input.pence, today: todayOn(deps.clock) });
  const requested = done.events.find((e) => e.type === 'coop.WithdrawalRequested');
  if (requested?.type !== 'coop.WithdrawalRequested') throw new Error('a withdrawal requested writes WithdrawalRequested');
  return { withdrawalId, dueOn: requested.data.dueOn, ...written(done) };
}

export const payWithdrawal = (deps: Deps, caller: Caller, input: { networkId: string; withdrawalId: string; pence: number }) =>
  onRegister(deps, caller, input.networkId, { type: 'PayWithdrawal', withdrawalId: input.withdrawalId, pence: input.pence, paidBy: caller.personId, today: todayOn(deps.clock) }).then(written);

export const suspendWithdrawals = (deps: Deps, caller: Caller, input: { networkId: string; reason: string }) =>
  onRegister(deps, caller, input.networkId, { type: 'SuspendWithdrawals', reason: input.reason, by: caller.personId, today: todayOn(deps.clock) }).then(written);

export const resumeWithdrawals = (deps: Deps, caller: Caller, input: { networkId: string }) =>
  onRegister(deps, caller, input.networkId, { type: 'ResumeWithdrawals', by: caller.personId, today: todayOn(deps.clock) }).then(written);

export async function transferShares(
  deps: Deps,
  caller: Caller,
  input: { networkId: string; fromPersonId: string; toPersonId: string; pence: number; reason: 'death' | 'nomination'; documentReference: string; on: string },
) {
  const transferId = uuidv5('coop transfer', caller.commandId);
  const { networkId, ...transfer } = input;
  const done = await onRegister(deps, caller, networkId, { type: 'TransferShares', transferId, ...transfer, recordedBy: caller.personId, today: todayOn(deps.clock) });
  return { transferId, ...written(done) };
}

/**
 * A membership ended. The board records any ending; a member records only their own leaving of
 * their own accord (or a coordinator for them), never another's, nor a death or an expulsion.
 */
export async function recordLeaver(deps: Deps, caller: Caller, input: { networkId: string; personId: string; reason: 'left' | 'died' | 'expelled'; on: string }) {
  const leaving = subjectOf(caller) === input.personId && input.reason === 'left';
  if (!leaving && !holds(await rolesOf(deps, input.networkId, caller.personId), ['board'])) {
    throw new Rejection('forbidden', 'Only the board, or a member leaving of their own accord, may record this.', 403, 'personId');
  }
  const { networkId, ...ended } = input;
  return written(await onRegister(deps, caller, networkId, { type: 'EndMembership', ...ended, recordedBy: caller.personId, today: todayOn(deps.clock) }));
}

/** A declaration answered with what each member was allocated. */
function allocated(declarationId: string, done: Written & { events: SocietyEvent[] }) {
  const declared = done.events.find((e) => e.type === 'coop.InterestPaid' || e.type === 'coop.DividendPaid');
  const allocations: Array<{ personId: string; pence: number; participation?: number }> =
    declared?.type === 'coop.InterestPaid' || declared?.type === 'coop.DividendPaid' ? declared.data.allocations : [];
  return { declarationId, allocations, ...written(done) };
}

export async function payInterest(deps: Deps, caller: Caller, input: { networkId: string; rateBasisPoints: number; periodFrom: string; periodTo: string }) {
  const declarationId = uuidv5('coop interest', caller.commandId);
  const { networkId, ...interest } = input;
  return allocated(declarationId, await onRegister(deps, caller, networkId, { type: 'PayInterest', declarationId, ...interest, declaredBy: caller.personId, today: todayOn(deps.clock) }));
}

/** What a dividend by time-bank participation waits for: the time bank's figures to include every exchange confirmed so far. */
export type DividendDeps = Deps & Pick<Hearth, 'engine' | 'config'>;

/**
 * A patronage dividend, shared by participation, never by shareholding. For the time bank,
 * Hearth works out each member's minutes given and received in exchanges confirmed and dated in
 * the period; for services used, the board states them.
 */
export async function payDividend(
  deps: DividendDeps,
  caller: Caller,
  input: {
    networkId: string;
    kind?: 'interim' | 'final';
    pence: number;
    basis: 'timebank-minutes' | 'services-used-pence';
    periodFrom: string;
    periodTo: string;
    participation?: Array<{ personId: string; participation: number }>;
  },
) {
  const { networkId, participation, kind = 'final', ...dividend } = input;
  const fromTimebank = dividend.basis === 'timebank-minutes';
  if (fromTimebank === (participation !== undefined)) {
    throw new Rejection('participation-basis', fromTimebank ? 'Participation in the time bank is worked out by Hearth; leave it out.' : "Send each member's services used, in pence, as participation.", 422, 'participation');
  }
  const declarationId = uuidv5('coop dividend', caller.commandId);
  const parts = participation ?? (await timebankMinutes(deps, networkId, dividend.periodFrom, dividend.periodTo));
  const done = await onRegister(deps, caller, networkId, { type: 'PayDividend', declarationId, kind, ...dividend, participation: parts, declaredBy: caller.personId, today: todayOn(deps.clock) });
  const paid = done.events.find((e) => e.type === 'coop.DividendPaid');
  return { ...allocated(declarationId, done), leftOut: paid?.type === 'coop.DividendPaid' ? paid.data.leftOut : [] };
}

/**
 * Minutes in the time bank in the period. A member who left in it took part as a member only up
 * to the day they left: what they did after it is not theirs to share by.
 */
async function timebankMinutes(deps: DividendDeps, networkId: string, from: string, to: string) {
  if (!(await deps.engine.waitFor(['timebank'], await deps.store.headPosition(), deps.config.READ_WAIT_MS))) {
    throw new Rejection('projection-behind', "The time bank's figures are still being brought up to date. Try again in a moment.", 409);
  }
  const { db } = deps.database;
  const [all, { society }] = await Promise.all([timebankParticipation(db, networkId, from, to), readStates(deps.store, { society: societyRead(networkId) })]);
  const leavers = [...societyIn(society).members.values()].filter((m) => m.endedOn !== null && m.endedOn >= from && m.endedOn < to);
  const untilLeft = new Map(
    await Promise.all(leavers.map(async (m) => [m.personId, (await timebankParticipation(db, networkId, from, m.endedOn!, m.personId))[0]?.participation ?? 0] as const)),
  );
  return all.map((p) => (untilLeft.has(p.personId) ? { ...p, participation: untilLeft.get(p.personId)! } : p));
}

export async function receiveIncome(deps: Deps, caller: Caller, input: { networkId: string; pence: number; source: string; reference: string; receivedOn: string }) {
  const incomeId = uuidv5('coop income', caller.commandId);
  const { networkId, ...income } = input;
  const done = await onRegister(deps, caller, networkId, { type: 'ReceiveIncome', incomeId, ...income, today: todayOn(deps.clock) });
  return { incomeId, ...written(done) };
}

// Votes on spending ---------------------------------------------------------------------------

/** A proposal by a member of the co-op (or a coordinator for them); a secret ballot gets its own key. */
export async function propose(deps: Deps, caller: Caller, input: { networkId: string; terms: ProposalTerms }) {
  const proposalId = uuidv5('coop proposal', caller.commandId);
  // One spelling of the time, so that it compares with the clock as text.
  const terms = { ...input.terms, closesAt: new Date(input.terms.closesAt).toISOString() };
  if (terms.source.kind === 'pool') {
    // Only a pool of the co-op's own network: another network's money is not its members' to vote on.
    const { pool } = await readStates(deps.store, { pool: [poolStream(terms.source.poolId), poolDecider] });
    if (pool.status === 'none' || pool.networkId !== input.networkId) throw new Rejection('pool-not-found', 'There is no such pool in this network.', 404, 'source/poolId');
  }
  if (terms.secret) await deps.vault.ensureKey(proposalId);
  const done = await makeProposal(deps.store, input.networkId, proposalId, terms, subjectOf(caller), contextOf(deps, caller));
  return { proposalId, revision: done.revisions.proposal, position: done.position };
}

export async function openVote(deps: Deps, caller: Caller, input: { networkId: string; proposalId: string }): Promise<Written> {
  const done = await openVoting(deps.store, input.networkId, input.proposalId, caller.personId, contextOf(deps, caller), caller.ifMatch);
  return { revision: done.revisions.proposal, position: done.position };
}

export async function recordProxy(deps: Deps, caller: Caller, input: { networkId: string; proposalId: string; grantorId: string; proxyId: string; documentReference: string }): Promise<Written> {
  const context = contextOf(deps, caller);
  const { networkId, proposalId, ...proxy } = input;
  const done = await onProposal(deps.store, networkId, proposalId, { type: 'RecordProxy', ...proxy, recordedBy: caller.personId, now: context.now }, context, caller.ifMatch);
  return { revision: done.revisions.proposal, position: done.position };
}

/** The proposal's own stream, without gathering its ballots: what a ballot is decided on. */
async function readProposal(store: Deps['store'], networkId: string, proposalId: string) {
  const history = await store.readStream(proposalRead(proposalId)[0]);
  const proposal = proposalIn(networkId, domainEvents<ProposalEvent>(history).reduce(proposalDecider.evolve, proposalDecider.initialState));
  return { proposal, revision: history.at(-1)?.revision ?? -1 };
}

/** A ballot: the caller's own (or a coordinator's for them), or, as a proxy, the grantor's. A secret one is sealed before it is written. */
export async function castVote(deps: Deps, caller: Caller, input: { networkId: string; proposalId: string; choice: Choice; voterId?: string }): Promise<Written> {
  const context = contextOf(deps, caller);
  const castBy = subjectOf(caller);
  const cast = { type: 'CastVote' as const, voterId: input.voterId ?? castBy, castBy, choice: input.choice, now: context.now };
  const { proposal, revision } = await readProposal(deps.store, input.networkId, input.proposalId);
  // A ballot leaves the proposal's own stream as it was: If-Match is checked against it, not held.
  if (caller.ifMatch !== undefined && caller.ifMatch !== revision) throw new PreconditionFailed(revision);
  // Refused on what was read before anything is sealed: a closed vote's key is gone.
  decideProposal({ ...cast, sealedChoice: proposal.proposal.secret ? '' : null }, proposal);
  const sealedChoice = proposal.proposal.secret ? await sealChoice(deps.vault, input.proposalId, cast.choice) : null;
  const done = await castBallot(deps.store, input.networkId, input.proposalId, { ...cast, sealedChoice }, context, proposal);
  return { revision, position: done.position };
}

/**
 * Closes the vote and records its result, once. The board may close it early (the decision
 * allows that only once every elector has voted); any other member of the network only once the
 * closing time has passed. Answers whether it was a secret ballot, whose key is now gone.
 */
export async function closeVote(deps: Deps, caller: Caller, input: { networkId: string; proposalId: string }): Promise<Written & { secret: boolean }> {
  const context = contextOf(deps, caller);
  if (!holds(await rolesOf(deps, input.networkId, caller.personId), ['board'])) {
    const { proposal } = await proposalNow(deps.store, input.networkId, input.proposalId);
    if (context.now < proposal.proposal.closesAt) throw new Rejection('forbidden', `Only the board may close a vote before its closing time, ${proposal.proposal.closesAt}.`, 403);
  }
  return closeVoting(deps, input.networkId, input.proposalId, context, caller.ifMatch);
}

/** The one payment a passed proposal authorises; out of a pool, to budget holders who are members of the network. */
export async function payForProposal(deps: Deps, caller: Caller, input: { networkId: string; proposalId: string; pence: number; invoiceReference: string; beneficiaries: Share[]; paidOn?: string }) {
  const { networkId, proposalId, ...payment } = input;
  const memberships = await Promise.all(payment.beneficiaries.map((b) => rolesOf(deps, networkId, b.holderId)));
  const stranger = memberships.findIndex((roles) => roles.length === 0);
  if (stranger >= 0) throw new Rejection('unknown-member', 'This person is not an active member of this network.', 422, `beneficiaries/${stranger}/holderId`);
  const paymentId = uuidv5('proposal payment', caller.commandId);
  const done = await payProposal(deps, networkId, proposalId, { paymentId, ...payment, paidBy: caller.personId }, todayOn(deps.clock), contextOf(deps, caller), caller.ifMatch);
  return { paymentId, ...done };
}

// Reads: who may see what ---------------------------------------------------------------------

/** The co-op and its share capital today. */
export async function coopOverview(deps: Deps, _caller: Caller, input: { networkId: string }) {
  const { db } = deps.database;
  const coop = await coopOf(db, input.networkId);
  return { coop, shareCapitalPence: await shareCapitalAsAt(db, input.networkId, todayOn(deps.clock)) };
}

export async function applications(deps: Deps, _caller: Caller, input: { networkId: string; status?: 'applied' | 'issued' | 'declined' | undefined; page: Page<readonly [string, string]> }) {
  const { db } = deps.database;
  await coopOf(db, input.networkId);
  return applicationsOf(db, input.networkId, input.status, input.page);
}

export type RegisterEntry = RegisterLine & { address: string | null };

/**
 * The register at the end of a day, today when none is given, with each member's and former
 * member's postal address: opened from their sealed details only here, for the register's keepers
 * (the guard admits no one else), and never stored in a read table. None once a person is erased.
 */
export async function register(deps: Deps, _caller: Caller, input: { networkId: string; asAt?: string }) {
  const { db } = deps.database;
  const asAt = input.asAt ?? todayOn(deps.clock);
  const coop = await coopOf(db, input.networkId);
  const { members, formerMembers, shareCapitalPence } = await registerAsAt(db, input.networkId, asAt);
  const people = [...new Set([...members, ...formerMembers].map((l) => l.personId))];
  const addresses = new Map(await Promise.all(people.map(async (personId) => [personId, (await detailsOf(deps, personId)).details?.postalAddress ?? null] as const)));
  const withAddress = (l: RegisterLine): RegisterEntry => ({ ...l, address: addresses.get(l.personId) ?? null });
  return { asAt, coop, register: { shareCapitalPence, members: members.map(withAddress), formerMembers: formerMembers.map(withAddress) } };
}

/** Withdrawals still to pay, for the board and treasurers who pay them (the guard admits no one else). */
export async function withdrawals(deps: Deps, _caller: Caller, input: { networkId: string; page: Page<readonly [string, string]> }) {
  const { db } = deps.database;
  await coopOf(db, input.networkId);
  return withdrawalsWaiting(db, input.networkId, input.page);
}

/** A member's holding: theirs to see, and the register keepers'. */
export async function holding(deps: Deps, caller: Caller, input: { networkId: string; personId: string }) {
  if (caller.personId !== input.personId && !holds(await rolesOf(deps, input.networkId, caller.personId), registerKeepers)) {
    throw new Rejection('forbidden', 'Only the member, the board or a treasurer can see this holding.', 403);
  }
  const { db } = deps.database;
  await coopOf(db, input.networkId);
  return holdingOf(db, input.networkId, input.personId);
}

export async function proposals(deps: Deps, _caller: Caller, input: { networkId: string; page: Page<readonly [string, string]> }) {
  const { db } = deps.database;
  await coopOf(db, input.networkId);
  return proposalsOf(db, input.networkId, input.page);
}

/**
 * A proposal as a member sees it: their own ballot, never another's choice; the count while open
 * unless results are hidden until the close (a secret ballot's always are); and the revision of
 * its stream, to send back in If-Match.
 */
export async function proposal(deps: Deps, caller: Caller, input: { networkId: string; proposalId: string }) {
  const { db } = deps.database;
  const [{ proposal: row, payment, electorate }, ballots, now] = await Promise.all([
    proposalOf(db, input.networkId, input.proposalId),
    ballotsOf(db, input.proposalId),
    proposalNow(deps.store, input.networkId, input.proposalId),
  ]);
  const mine = ballots.filter((b) => b.voterId === caller.personId).at(-1);
  const closed = row.status === 'closed';
  // Counted from the log while the vote is open; never shown per voter.
  const tallies = closed ? { for: row.votes_for!, against: row.votes_against!, abstain: row.votes_abstain! } : liveTallies(now.proposal);
  return {
    row, payment, electorate, ballotsCast: new Set(ballots.map((b) => b.voterId)).size, revision: now.revision, tallies,
    hideResultsUntilClose: resultsHidden({ secret: row.secret, hideResultsUntilClose: row.hide_results_until_close }),
    myBallot: mine ? { castBy: mine.castBy, castAt: mine.castAt, choice: mine.choice as Choice | null } : null,
  };
}

type Voted = { voterId: string; name: string; choice: Choice | null; castBy?: string; castAt?: string };

/**
 * Who has voted. While voting is open, each voter once, by name, with neither time nor who cast it:
 * the order of ballots and their times, set beside anything else that changes as they come in,
 * would tell how each member voted. Once closed, every ballot in order, changed ones included. An
 * open ballot's choice is shown once that cannot give away a result still hidden; a secret one's never.
 */
export async function ballots(deps: Deps, _caller: Caller, input: { networkId: string; proposalId: string }): Promise<Voted[]> {
  const { db } = deps.database;
  const { proposal: p } = await proposalOf(db, input.networkId, input.proposalId);
  const closed = p.status === 'closed';
  const shown = !p.secret && (closed || !resultsHidden({ secret: p.secret, hideResultsUntilClose: p.hide_results_until_close }));
  const cast = await ballotsOf(db, input.proposalId);
  const choiceOf = (b: { choice: string | null }) => (shown && choices.includes(b.choice as Choice) ? (b.choice as Choice) : null);
  if (closed) return cast.map((b) => ({ ...b, choice: choiceOf(b) }));
  const latest = new Map(cast.map((b) => [b.voterId, b]));
  return [...latest.values()]
    .map((b) => ({ voterId: b.voterId, name: b.name, choice: choiceOf(b) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.voterId < b.voterId ? -1 : 1));
}
