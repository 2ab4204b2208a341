// A proposal to spend the co-op's money, and the members' vote on it (after Loomio's polls): an
// amount, a payee and a purpose; a voting window, a quorum and a threshold. The electorate is
// fixed when voting opens. Each member has one ballot, cast by them or by a proxy they appointed
// in writing; they may change it until the close, and the latest counts. At the close the result
// is computed once (early only when every elector has voted), and a passed proposal authorises
// one payment up to its amount.
//
// In a secret ballot each choice is sealed with a key of the proposal's own, which is destroyed
// once the result is recorded: the log keeps who voted, never how.
import { z } from 'zod';
import { Rejection, type Decider } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { formatPence, pence } from '../units.ts';
import { voteWeight, type Society } from './society.ts';
import { id, isoDate, isoDateTime, text, name } from '../bounds.ts';

export const choices = ['for', 'against', 'abstain'] as const;
export type Choice = (typeof choices)[number];

const at = isoDateTime();
export const source = z.discriminatedUnion('kind', [z.strictObject({ kind: z.literal('funds') }), z.strictObject({ kind: z.literal('pool'), poolId: id() })]);
export type Source = z.infer<typeof source>;

export const proposalTerms = z.strictObject({
  title: name(200),
  pence: pence,
  payee: name(200),
  purpose: text(1000, { lines: true }),
  source,
  closesAt: at,
  /** The share of the electorate (by head) that must cast a ballot, abstentions included, for the vote to count. */
  quorumPercent: z.number().int().min(0).max(100),
  /** The share of the weighted votes for and against that must be for. */
  thresholdPercent: z.number().int().min(50).max(100),
  secret: z.boolean(),
  hideResultsUntilClose: z.boolean(),
});
export type ProposalTerms = z.infer<typeof proposalTerms>;

/**
 * Whether the count stays hidden until the close. Always for a secret ballot, whatever its terms
 * say: a live count polled between ballots would tell whoever watches the list of who has voted
 * how each of them voted.
 */
export const resultsHidden = (terms: { secret: boolean; hideResultsUntilClose: boolean }) => terms.secret || terms.hideResultsUntilClose;

const ids = { networkId: id(), proposalId: id() };
export const ProposalMade = defineEvent('coop.ProposalMade', proposalTerms.extend({ ...ids, proposedBy: id(), madeAt: at }));
export const VotingOpened = defineEvent(
  'coop.VotingOpened',
  z.strictObject({ ...ids, openedBy: id(), openedAt: at, electorate: z.array(z.strictObject({ personId: id(), memberClass: name(60), weight: z.number().int().min(1).max(100) })) }),
);
/** A written proxy: `proxyId` may cast `grantorId`'s ballot on this proposal. */
export const ProxyRecorded = defineEvent(
  'coop.ProxyRecorded',
  z.strictObject({ ...ids, grantorId: id(), proxyId: id(), documentReference: name(140), recordedBy: id(), recordedAt: at }),
);
/** A ballot: `voterId`'s, cast by them or their proxy. Open ballots carry the choice, secret ones only its sealed form. */
export const VoteCast = defineEvent(
  'coop.VoteCast',
  z.strictObject({ ...ids, voterId: id(), castBy: id(), choice: z.enum(choices).nullable(), sealedChoice: z.string().nullable(), castAt: at }),
);
const weights = { for: z.number().int().min(0), against: z.number().int().min(0), abstain: z.number().int().min(0) };
export const ProposalClosed = defineEvent(
  'coop.ProposalClosed',
  z.strictObject({ ...ids, closedAt: at, electorate: z.number().int().min(0), ballots: z.number().int().min(0), ...weights, quorumMet: z.boolean(), passed: z.boolean() }),
);
/**
 * Closing a vote is a process, so that it runs on a store that commits one stream at a time: the
 * proposal says closing began (no ballot is taken after it), each elector's box is closed in a
 * write of its own, and the proposal records the count of the boxes as closed.
 */
export const VotingClosing = defineEvent('coop.VotingClosing', z.strictObject({ ...ids, closedBy: id(), closedAt: at, processId: id() }));
/** The one payment a passed proposal authorises; the source's own ledger records it too, pointing here. */
export const ProposalPaid = defineEvent(
  'coop.ProposalPaid',
  z.strictObject({ ...ids, paymentId: id(), pence: pence, source, invoiceReference: name(140), paidOn: isoDate(), paidBy: id() }),
);

/**
 * Written at the close to each elector's ballot stream: nothing more can be cast on it. Every box
 * is closed before the count, which reads them as closed, so a ballot is either counted or
 * refused, never recorded and left out.
 */
export const BallotBoxClosed = defineEvent('coop.BallotBoxClosed', z.strictObject({ ...ids, voterId: id(), closedAt: at }));

export const proposalEventTypes = [ProposalMade, VotingOpened, ProxyRecorded, VoteCast, ProposalClosed, ProposalPaid, VotingClosing];
/** Events of an elector's ballot stream; ballots recorded before there were such streams are on the proposal's. */
export const ballotEventTypes = [BallotBoxClosed];
export type BallotEvent = DomainEvent<typeof VoteCast> | DomainEvent<typeof BallotBoxClosed>;
export type ProposalEvent =
  | DomainEvent<typeof ProposalMade>
  | DomainEvent<typeof VotingOpened>
  | DomainEvent<typeof ProxyRecorded>
  | DomainEvent<typeof VoteCast>
  | DomainEvent<typeof ProposalClosed>
  | DomainEvent<typeof ProposalPaid>
  | DomainEvent<typeof VotingClosing>;

type Made = z.infer<typeof ProposalMade.schema>;
export type Elector = { personId: string; memberClass: string; weight: number };
export type Ballot = { castBy: string; choice: Choice | null; sealedChoice: string | null; castAt: string };
export type Result = Omit<z.infer<typeof ProposalClosed.schema>, 'networkId' | 'proposalId' | 'closedAt'>;

export type ProposalState =
  | { status: 'none' }
  | {
      status: 'draft' | 'open' | 'closing' | 'closed';
      proposal: Made;
      electorate: Map<string, Elector>;
      /** Grantor to proxy. */
      proxies: Map<string, string>;
      /** Each elector's latest ballot; `history` keeps every one. */
      ballots: Map<string, Ballot>;
      history: number;
      result: Result | null;
      /** The day the vote closed: no payment it authorises is dated before it. */
      closedOn: string | null;
      paid: { paymentId: string; pence: number } | null;
      /** The close under way: who began it, when (the close's time), and its process. */
      closing: { closedBy: string; closedAt: string; processId: string } | null;
    };
export type Proposal = Exclude<ProposalState, { status: 'none' }>;

export const proposalStream = (proposalId: string) => `coop-proposal-${proposalId}`;

/**
 * Each elector's ballots on a proposal have a stream of their own, so that a meeting voting at
 * once writes to as many streams as it has voters and no ballot waits for another's. The close
 * gathers them.
 */
export const ballotStream = (proposalId: string, voterId: string) => `coop-ballot-${proposalId}-${voterId}`;

/** An elector's ballot box: every ballot cast in it, in order, and whether the vote has closed. */
export interface BallotBox {
  cast: Array<EventData<'coop.VoteCast'>>;
  closed: boolean;
}

export const ballotBoxFolder = {
  initialState: { cast: [], closed: false } as BallotBox,
  evolve(box: BallotBox, event: BallotEvent): BallotBox {
    if (event.type === 'coop.VoteCast') return { cast: [...box.cast, event.data], closed: box.closed };
    return { cast: box.cast, closed: true };
  },
};

/** The proposal with the ballots gathered from its electors' ballot boxes: each elector's latest counts. */
export function withBallots(proposal: Proposal, boxes: Iterable<BallotBox>): Proposal {
  for (const box of boxes) for (const cast of box.cast) voteCast(proposal, cast);
  return proposal;
}

/** A ballot, cast into the elector's own box: refused once the box is closed, and as the proposal's rules say. */
export function decideBallot(command: CommandOf<'CastVote'>, proposal: Proposal, box: BallotBox): BallotEvent[] {
  if (box.closed) throw new Rejection('voting-closed', `Voting closed at ${proposal.proposal.closesAt}.`, 409);
  return castVote(command, proposal) as BallotEvent[];
}

/** What the close writes to each elector's ballot box. */
export const ballotBoxClosed = (proposal: Proposal, voterId: string, closedAt: string): BallotEvent => ({
  type: 'coop.BallotBoxClosed',
  data: { ...idsOf(proposal), voterId, closedAt },
});

type EventData<T extends ProposalEvent['type']> = Extract<ProposalEvent, { type: T }>['data'];

export function evolveProposal(state: ProposalState, event: ProposalEvent): ProposalState {
  if (event.type === 'coop.ProposalMade') return { status: 'draft', proposal: event.data, electorate: new Map(), proxies: new Map(), ballots: new Map(), history: 0, result: null, closedOn: null, paid: null, closing: null };
  if (state.status === 'none') return state;
  // Changed in place: a folded state belongs to the fold that made it.
  switch (event.type) {
    case 'coop.VotingOpened':
      return votingOpened(state, event.data);
    case 'coop.ProxyRecorded':
      state.proxies.set(event.data.grantorId, event.data.proxyId);
      return state;
    case 'coop.VoteCast':
      return voteCast(state, event.data);
    case 'coop.ProposalClosed':
      return proposalClosed(state, event.data);
    case 'coop.ProposalPaid':
      state.paid = { paymentId: event.data.paymentId, pence: event.data.pence };
      return state;
    case 'coop.VotingClosing':
      state.status = 'closing';
      state.closing = { closedBy: event.data.closedBy, closedAt: event.data.closedAt, processId: event.data.processId };
      return state;
    default:
      return unhandled(event);
  }
}

/** The compiler's proof that every event and command has its case. */
function unhandled(value: never): never {
  throw new Error(`no case for ${(value as { type: string }).type}`);
}

function votingOpened(state: Proposal, d: EventData<'coop.VotingOpened'>): Proposal {
  state.status = 'open';
  for (const elector of d.electorate) state.electorate.set(elector.personId, elector);
  return state;
}

function voteCast(state: Proposal, { voterId, castBy, choice, sealedChoice, castAt }: EventData<'coop.VoteCast'>): Proposal {
  state.ballots.set(voterId, { castBy, choice, sealedChoice, castAt });
  state.history += 1;
  return state;
}

function proposalClosed(state: Proposal, { networkId: _n, proposalId: _p, closedAt, ...result }: EventData<'coop.ProposalClosed'>): Proposal {
  state.status = 'closed';
  state.result = result;
  state.closedOn = closedAt.slice(0, 10);
  return state;
}

export type ProposalCommand =
  | ({ type: 'MakeProposal'; networkId: string; proposalId: string; proposedBy: string; now: string } & ProposalTerms)
  | { type: 'OpenVoting'; openedBy: string; electorate: Elector[]; now: string }
  | { type: 'RecordProxy'; grantorId: string; proxyId: string; documentReference: string; recordedBy: string; now: string }
  /** `sealedChoice` is the choice sealed with the proposal's key, for a secret ballot. */
  | { type: 'CastVote'; voterId: string; castBy: string; choice: Choice; sealedChoice: string | null; now: string }
  /** The close begun, by whom and under which process; early only once every elector has voted. */
  | { type: 'BeginClose'; closedBy: string; processId: string; now: string }
  /** `opened` holds each secret ballot's choice, opened with the proposal's key for the count. */
  | { type: 'CloseVoting'; opened: Map<string, Choice>; now: string }
  /** `paidOn`, when given, is the day the money left: not before the vote closed, nor after today. */
  | { type: 'PayProposal'; paymentId: string; pence: number; invoiceReference: string; paidBy: string; paidOn?: string; today: string };

/** Members in good standing, each with their class's weight: who may vote, fixed when voting opens. */
export const electorateOf = (society: Society): Elector[] =>
  [...society.members.values()].filter((m) => m.status === 'member').map((m) => ({ personId: m.personId, memberClass: m.memberClass, weight: voteWeight(society, m) }));

function existing(state: ProposalState): Proposal {
  if (state.status === 'none') throw new Rejection('proposal-not-found', 'There is no such proposal.', 404);
  return state;
}

/** The count: each elector's latest ballot, by weight. `choiceOf` gives a ballot's choice, opened if it was secret. */
export function tally(proposal: Proposal, choiceOf: (voterId: string, ballot: Ballot) => Choice | undefined): Result {
  const totals = { for: 0, against: 0, abstain: 0 };
  for (const [voterId, ballot] of proposal.ballots) {
    const choice = choiceOf(voterId, ballot);
    if (!choice) throw new Error(`the ballot of ${voterId} could not be opened`);
    totals[choice] += proposal.electorate.get(voterId)!.weight;
  }
  const electorate = proposal.electorate.size;
  const ballots = proposal.ballots.size;
  const quorumMet = ballots * 100 >= proposal.proposal.quorumPercent * electorate && ballots > 0;
  const decided = totals.for + totals.against;
  // At least the threshold of the votes cast for or against, and always more for than against.
  const passed = quorumMet && totals.for > totals.against && totals.for * 100 >= proposal.proposal.thresholdPercent * decided;
  return { electorate, ballots, ...totals, quorumMet, passed };
}

/**
 * The weighted count so far; null until the close while results are hidden. A secret ballot's
 * results always are, so its sealed choices are never opened for a live count: only at the close.
 */
export function liveTallies(proposal: Proposal): Record<Choice, number> | null {
  if (proposal.result) return { for: proposal.result.for, against: proposal.result.against, abstain: proposal.result.abstain };
  if (resultsHidden(proposal.proposal)) return null;
  const counted = tally(proposal, (_voterId, ballot) => ballot.choice ?? undefined);
  return { for: counted.for, against: counted.against, abstain: counted.abstain };
}

type CommandOf<T extends ProposalCommand['type']> = Extract<ProposalCommand, { type: T }>;

export function decideProposal(command: ProposalCommand, state: ProposalState): ProposalEvent[] {
  if (command.type === 'MakeProposal') return makeProposal(command, state);
  const proposal = existing(state);
  switch (command.type) {
    case 'OpenVoting':
      return openVoting(command, proposal);
    case 'RecordProxy':
      return recordProxy(command, proposal);
    case 'CastVote':
      return castVote(command, proposal);
    case 'BeginClose':
      return beginClose(command, proposal);
    case 'CloseVoting':
      return closeVoting(command, proposal);
    case 'PayProposal':
      return payProposal(command, proposal);
    default:
      return unhandled(command);
  }
}

const idsOf = ({ proposal: { networkId, proposalId } }: Proposal) => ({ networkId, proposalId });

function makeProposal(command: CommandOf<'MakeProposal'>, state: ProposalState): ProposalEvent[] {
  if (state.status !== 'none') return [];
  const { type: _t, now, ...terms } = command;
  const made = { ...terms, hideResultsUntilClose: resultsHidden(terms) };
  if (made.closesAt <= now) throw new Rejection('closes-in-past', 'The vote must close in the future.', 422, 'closesAt');
  return [{ type: 'coop.ProposalMade', data: { ...made, madeAt: now } }];
}

function openVoting(command: CommandOf<'OpenVoting'>, proposal: Proposal): ProposalEvent[] {
  if (proposal.status !== 'draft') return [];
  if (command.now >= proposal.proposal.closesAt) throw new Rejection('voting-closed', 'The voting window has already passed.', 409, 'closesAt');
  // A registered society has at least three members (the 2014 Act, s.2); fewer cannot decide for it.
  if (command.electorate.length < 3) throw new Rejection('too-few-members', `A co-op needs at least three members to vote; it has ${command.electorate.length}.`, 409);
  return [{ type: 'coop.VotingOpened', data: { ...idsOf(proposal), openedBy: command.openedBy, openedAt: command.now, electorate: command.electorate } }];
}

function recordProxy(command: CommandOf<'RecordProxy'>, proposal: Proposal): ProposalEvent[] {
  assertVoting(proposal, command.now);
  if (!proposal.electorate.has(command.grantorId)) throw new Rejection('not-in-electorate', 'That member is not in the electorate of this vote.', 422, 'grantorId');
  if (!proposal.electorate.has(command.proxyId)) throw new Rejection('not-in-electorate', 'A proxy must be a member in the electorate of this vote.', 422, 'proxyId');
  if (command.grantorId === command.proxyId) throw new Rejection('own-proxy', 'A member cannot be their own proxy.', 422, 'proxyId');
  if (proposal.proxies.get(command.grantorId) === command.proxyId) return [];
  const { grantorId, proxyId, documentReference, recordedBy } = command;
  return [{ type: 'coop.ProxyRecorded', data: { ...idsOf(proposal), grantorId, proxyId, documentReference, recordedBy, recordedAt: command.now } }];
}

function castVote(command: CommandOf<'CastVote'>, proposal: Proposal): ProposalEvent[] {
  assertVoting(proposal, command.now);
  if (!proposal.electorate.has(command.voterId)) throw new Rejection('not-in-electorate', 'Only members in the electorate when voting opened may vote.', 403, 'voterId');
  if (command.castBy !== command.voterId && proposal.proxies.get(command.voterId) !== command.castBy) {
    throw new Rejection('no-proxy', 'There is no written proxy on record for you to vote for this member.', 403, 'voterId');
  }
  const secret = proposal.proposal.secret;
  if (secret !== (command.sealedChoice !== null)) throw new Error('a secret ballot is cast sealed, an open one in the clear');
  const { voterId, castBy } = command;
  return [{ type: 'coop.VoteCast', data: { ...idsOf(proposal), voterId, castBy, choice: secret ? null : command.choice, sealedChoice: command.sealedChoice, castAt: command.now } }];
}

function beginClose(command: CommandOf<'BeginClose'>, proposal: Proposal): ProposalEvent[] {
  if (proposal.status === 'closed' || proposal.status === 'closing') return [];
  assertMayClose(proposal, command.now);
  return [{ type: 'coop.VotingClosing', data: { ...idsOf(proposal), closedBy: command.closedBy, closedAt: command.now, processId: command.processId } }];
}

function assertMayClose(proposal: Proposal, now: string): void {
  if (proposal.status === 'draft') throw new Rejection('voting-not-open', 'Voting on this proposal has not opened.', 409);
  // Early only once every elector has a ballot in: no one loses their say, though none can change it after.
  if (now < proposal.proposal.closesAt && !everyoneVoted(proposal)) throw new Rejection('voting-still-open', `Voting closes at ${proposal.proposal.closesAt}.`, 409);
}

/** The count, once: of a close begun, at the time it began; of an open vote, now. */
function closeVoting(command: CommandOf<'CloseVoting'>, proposal: Proposal): ProposalEvent[] {
  if (proposal.status === 'closed') return [];
  const closedAt = proposal.closing?.closedAt ?? command.now;
  if (proposal.status !== 'closing') assertMayClose(proposal, closedAt);
  const result = tally(proposal, (voterId, ballot) => ballot.choice ?? command.opened.get(voterId));
  return [{ type: 'coop.ProposalClosed', data: { ...idsOf(proposal), closedAt, ...result } }];
}

function payProposal(command: CommandOf<'PayProposal'>, proposal: Proposal): ProposalEvent[] {
  if (proposal.paid?.paymentId === command.paymentId) return [];
  if (proposal.status !== 'closed' || !proposal.result?.passed) throw new Rejection('proposal-not-passed', 'Only a proposal the members passed authorises a payment.', 409);
  if (proposal.paid) throw new Rejection('proposal-already-paid', 'This proposal has authorised its one payment already.', 409);
  if (command.pence > proposal.proposal.pence) {
    throw new Rejection('above-authorised-amount', `The members authorised up to ${formatPence(proposal.proposal.pence)}.`, 422, 'pence');
  }
  const { paymentId, pence: amount, invoiceReference, paidBy, paidOn = command.today } = command;
  if (paidOn > command.today) throw new Rejection('date-in-future', 'That date has not come yet.', 422, 'paidOn');
  // A payment cannot come before the vote that authorised it.
  if (proposal.closedOn !== null && paidOn < proposal.closedOn) throw new Rejection('paid-before-vote', `The members authorised this payment on ${proposal.closedOn}.`, 422, 'paidOn');
  return [{ type: 'coop.ProposalPaid', data: { ...idsOf(proposal), paymentId, pence: amount, source: proposal.proposal.source, invoiceReference, paidOn, paidBy } }];
}

/** Every elector has a ballot in: the vote may close before its time. */
export const everyoneVoted = (proposal: Proposal) => proposal.ballots.size === proposal.electorate.size;

function assertVoting(proposal: Proposal, now: string) {
  if (proposal.status === 'draft') throw new Rejection('voting-not-open', 'Voting on this proposal has not opened.', 409);
  if (proposal.status === 'closing') throw new Rejection('voting-closed', 'Voting has closed: the votes are being counted.', 409);
  if (proposal.status === 'closed' || now >= proposal.proposal.closesAt) throw new Rejection('voting-closed', `Voting closed at ${proposal.proposal.closesAt}.`, 409);
}

export const proposalDecider: Decider<ProposalCommand, ProposalState, ProposalEvent> = {
  initialState: { status: 'none' },
  evolve: evolveProposal,
  decide: decideProposal,
};
