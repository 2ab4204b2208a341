// Which streams each co-op command reads and writes. A command on the society's register reads
// and writes its one stream; making a proposal reads the register to know the proposer is a
// member, opening a vote reads it to fix the electorate, closing a secret ballot opens its sealed
// choices with the vault and then destroys the key, and paying a passed proposal writes to the
// ledger the money leaves (the co-op's funds or a pool), then to the proposal, so that a
// proposal authorises exactly one payment however requests race: the funds or the pool refuse a
// second, and the proposal records it paid after. Who may give each command, and with which ids
// and time, is the application's (app.ts).
import { sql } from 'kysely';
import { v5 as uuidv5 } from 'uuid';
import type { z } from 'zod';
import type { Deps } from '../access/caller.ts';
import { Rejection } from '../commands/decider.ts';
import { decideAcross, PreconditionFailed, readStates, type CommandContext } from '../commands/decide.ts';
import { stepContext } from '../commands/process.ts';
import { inParallel } from '../parallel.ts';
import { domainEvents } from '../eventstore/events.ts';
import type { EventStore } from '../eventstore/port.ts';
import { decideProposalPayment } from '../pools/payment.ts';
import type { Share } from '../pools/apportion.ts';
import { assertOpen, PaymentMade, poolDecider, poolStream } from '../pools/pool.ts';
import {
  ballotBoxClosed,
  ballotBoxFolder,
  ballotStream,
  decideBallot,
  decideProposal,
  electorateOf,
  proposalDecider,
  proposalStream,
  withBallots,
  type BallotBox,
  type Choice,
  type Proposal,
  type ProposalCommand,
  type ProposalEvent,
  type ProposalState,
  type ProposalTerms,
} from './proposal.ts';
import { assertFounded, decideSociety, FundsSpent, societyDecider, societyStream, type Society, type SocietyCommand, type SocietyState } from './society.ts';
import { openBallots, secretChoices } from './secret-ballot.ts';

/** The co-op's register and funds: one stream per network. */
export const societyRead = (networkId: string) => [societyStream(networkId), societyDecider] as const;
/** One proposal and its vote. */
export const proposalRead = (proposalId: string) => [proposalStream(proposalId), proposalDecider] as const;
/** One elector's ballots on a proposal. */
export const ballotRead = (proposalId: string, voterId: string) => [ballotStream(proposalId, voterId), ballotBoxFolder] as const;

/** The co-op of this network. */
export function societyIn(state: SocietyState): Society {
  assertFounded(state);
  return state;
}

/** The proposal, made in this network's co-op. */
export function proposalIn(networkId: string, state: ProposalState): Proposal {
  if (state.status === 'none' || state.proposal.networkId !== networkId) throw new Rejection('proposal-not-found', 'There is no such proposal in this co-op.', 404);
  return state;
}

/**
 * The proposal as it stands, with the revision its stream is at (its ETag). While voting is open
 * its ballots are gathered from the electors' ballot streams; once closed, the result holds them.
 */
export async function proposalNow(store: EventStore, networkId: string, proposalId: string): Promise<{ proposal: Proposal; revision: number }> {
  const history = await store.readStream(proposalStream(proposalId));
  const proposal = proposalIn(networkId, domainEvents<ProposalEvent>(history).reduce(proposalDecider.evolve, proposalDecider.initialState));
  if (proposal.status === 'open') withBallots(proposal, await ballotBoxes(store, proposal));
  return { proposal, revision: history.at(-1)?.revision ?? -1 };
}

/** Every elector's ballot box, in the electorate's order. */
async function ballotBoxes(store: EventStore, proposal: Proposal): Promise<BallotBox[]> {
  const id = proposal.proposal.proposalId;
  const reads = Object.fromEntries([...proposal.electorate.keys()].map((voterId) => [voterId, ballotRead(id, voterId)]));
  return Object.values(await readStates(store, reads));
}

/**
 * A ballot, written to the elector's own ballot stream only: ballots cast at once contend with
 * nothing but another ballot for the same elector (theirs and their proxy's). The proposal is read,
 * not held, so ballots do not queue behind one another on it; the close holds the ballot streams
 * instead, and closes each, so a ballot is counted or refused, never left out.
 */
export async function castBallot(
  store: EventStore,
  networkId: string,
  proposalId: string,
  command: Extract<ProposalCommand, { type: 'CastVote' }>,
  context: CommandContext,
  /** The proposal as the caller has just read it, so that it is not read twice. */
  readBefore?: Proposal,
) {
  const read = readBefore ?? proposalIn(networkId, (await readStates(store, { proposal: proposalRead(proposalId) })).proposal);
  return decideAcross(store, { ballot: ballotRead(proposalId, command.voterId) }, ({ ballot }) => ({ ballot: decideBallot(command, read, ballot) }), context);
}

/** A command on the society's own stream; `ifMatch` is the revision of it the caller last saw. */
export const onSociety = (store: EventStore, networkId: string, command: SocietyCommand, context: CommandContext, ifMatch?: number) =>
  decideAcross(store, { society: societyRead(networkId) }, ({ society }) => ({ society: decideSociety(command, society) }), context, { ifMatch: { stream: 'society', revision: ifMatch } });

/** A proposal by a member in good standing of the co-op, held at the register's revision. */
export function makeProposal(store: EventStore, networkId: string, proposalId: string, terms: ProposalTerms, proposedBy: string, context: CommandContext) {
  return decideAcross(
    store,
    { proposal: proposalRead(proposalId), society: societyRead(networkId) },
    ({ proposal, society }) => {
      if (societyIn(society).members.get(proposedBy)?.status !== 'member') throw new Rejection('forbidden', 'Only a member of the co-op may make a proposal.', 403);
      return { proposal: decideProposal({ type: 'MakeProposal', networkId, proposalId, proposedBy, now: context.now, ...terms }, proposal) };
    },
    context,
  );
}

/** A command on one proposal of this network's co-op; ballots go to their own streams (castBallot). */
export const onProposal = (
  store: EventStore,
  networkId: string,
  proposalId: string,
  command: Exclude<ProposalCommand, { type: 'MakeProposal' | 'CastVote' | 'CloseVoting' }>,
  context: CommandContext,
  ifMatch?: number,
) => decideAcross(store, { proposal: proposalRead(proposalId) }, ({ proposal }) => ({ proposal: decideProposal(command, proposalIn(networkId, proposal)) }), context, { ifMatch: { stream: 'proposal', revision: ifMatch } });

/** The electorate is the co-op's members as they stand when voting opens. */
export function openVoting(store: EventStore, networkId: string, proposalId: string, openedBy: string, context: CommandContext, ifMatch?: number) {
  return decideAcross(
    store,
    { proposal: proposalRead(proposalId), society: societyRead(networkId) },
    ({ proposal, society }) => ({ proposal: decideProposal({ type: 'OpenVoting', openedBy, electorate: electorateOf(societyIn(society)), now: context.now }, proposalIn(networkId, proposal)) }),
    context,
    { ifMatch: { stream: 'proposal', revision: ifMatch } },
  );
}

/**
 * Closes the vote, one stream at a time: the proposal says closing began, at this time and under
 * this process (early only once every elector has voted), and is then carried on (finishClose).
 * A close already under way is carried on, not begun again.
 */
export async function closeVoting(deps: Pick<Deps, 'store' | 'vault' | 'clock'>, networkId: string, proposalId: string, context: CommandContext, ifMatch?: number) {
  const { store } = deps;
  const processId = uuidv5('close', context.commandId);
  // The boxes are read once, for the early-close rule: ballots are only ever added, so every
  // elector having voted, as read, still holds when closing begins.
  const read = proposalIn(networkId, (await readStates(store, { proposal: proposalRead(proposalId) })).proposal);
  const boxes = read.status === 'open' ? await ballotBoxes(store, read) : [];
  const begun = await decideAcross(
    store,
    { proposal: proposalRead(proposalId) },
    ({ proposal }) => {
      const now = proposalIn(networkId, proposal);
      if (now.status === 'open') withBallots(now, boxes);
      return { proposal: decideProposal({ type: 'BeginClose', closedBy: context.actor, processId, now: context.now }, now) };
    },
    context,
    { ifMatch: { stream: 'proposal', revision: ifMatch } },
  );
  const closed = await finishClose(deps, proposalId);
  return { revision: closed.revision, position: Math.max(begun.position, closed.position), secret: read.proposal.secret };
}

/**
 * Carries on the close under way, if one is: each elector's box closed in a write of its own, then
 * the count of the boxes as closed, recorded once; then a secret ballot's key destroyed, so the
 * log can never again link a voter to a choice. A close that finds the vote closed destroys the
 * key if it is still there.
 */
export async function finishClose(deps: Pick<Deps, 'store' | 'vault' | 'clock'>, proposalId: string): Promise<{ revision: number; position: number }> {
  const { store, vault } = deps;
  const history = await store.readStream(proposalStream(proposalId));
  const state = domainEvents<ProposalEvent>(history).reduce(proposalDecider.evolve, proposalDecider.initialState);
  const last = { revision: history.at(-1)?.revision ?? -1, position: history.at(-1)?.position ?? 0 };
  if (state.status === 'none') return last;
  if (state.status !== 'closing' || state.closing === null) {
    if (state.status === 'closed' && state.proposal.secret) await vault.erase(proposalId);
    return last;
  }
  const { closedBy, closedAt, processId } = state.closing;
  const step = stepContext(deps.clock, closedBy, processId);
  await inParallel([...state.electorate.keys()], (voterId) =>
    decideAcross(store, { ballot: ballotRead(proposalId, voterId) }, ({ ballot }) => ({ ballot: ballot.closed ? [] : [ballotBoxClosed(state, voterId, closedAt)] }), step(`close the box of ${voterId}`)),
  );
  // Every box is closed now: what they hold is what is counted.
  const boxes = await ballotBoxes(store, state);
  const counted = withBallots(state, boxes);
  const opened = counted.proposal.secret ? await openBallots(vault, counted) : new Map<string, Choice>();
  const choices = secretChoices(counted, opened);
  if (!choices) throw new Error(`a ballot on proposal ${proposalId} could not be opened for the count`);
  const { networkId } = state.proposal;
  const end = await decideAcross(
    store,
    { proposal: proposalRead(proposalId) },
    ({ proposal }) => {
      const now = proposalIn(networkId, proposal);
      if (now.status !== 'closing') return {};
      return { proposal: decideProposal({ type: 'CloseVoting', opened: choices, now: closedAt }, withBallots(now, boxes)) };
    },
    step('count'),
  );
  if (counted.proposal.secret) await vault.erase(proposalId);
  return { revision: end.revisions.proposal, position: end.position };
}

/** Proposals whose close is under way, as the read table has them. */
export async function unfinishedCloses(deps: Pick<Deps, 'database'>): Promise<string[]> {
  // Written out, so that the partial index on exactly this status serves it.
  const rows = await deps.database.db.selectFrom('coop_proposals').select('proposal_id').where(sql<boolean>`status = 'closing'`).execute();
  return rows.map((r) => r.proposal_id);
}

export interface ProposalPayment {
  paymentId: string;
  pence: number;
  invoiceReference: string;
  /** For a payment out of a pool: the budget holders it benefits, as for any pool payment. */
  beneficiaries: Share[];
  paidBy: string;
  /** When the money left the co-op's funds, if not today: spending is dated by when it happened. */
  paidOn?: string;
}

/**
 * The one payment a passed proposal authorises, out of the source its members voted on, written
 * one stream at a time: first where the money leaves (the co-op's funds, or a pool), whose rules
 * say whether it can and which refuse a second payment for the proposal; then the proposal, which
 * records it paid (recordPaid). What the proposal's stream is at after it, and the position written.
 */
export async function payProposal(deps: Pick<Deps, 'store' | 'clock'>, networkId: string, proposalId: string, payment: ProposalPayment, today: string, context: CommandContext, ifMatch?: number) {
  const { store } = deps;
  const { proposal: read, revision } = await proposalNow(store, networkId, proposalId);
  // Compared, not held: the proposal is not written in this first step, and after its close
  // nothing but its payment changes it.
  if (ifMatch !== undefined && ifMatch !== revision) throw new PreconditionFailed(revision);
  const { source } = read.proposal;
  const paid = (proposal: ProposalState) => {
    const passed = proposalIn(networkId, proposal);
    const events = decideProposal({ type: 'PayProposal', paymentId: payment.paymentId, pence: payment.pence, invoiceReference: payment.invoiceReference, paidBy: payment.paidBy, paidOn: payment.paidOn, today }, passed);
    const { payee, purpose } = passed.proposal;
    return { events, common: { proposalId, paymentId: payment.paymentId, pence: payment.pence, payee, purpose, invoiceReference: payment.invoiceReference } };
  };
  const spent =
    source.kind === 'funds'
      ? await decideAcross(
          store,
          { proposal: proposalRead(proposalId), society: societyRead(networkId) },
          (states) => {
            const { events, common } = paid(states.proposal);
            if (events.length === 0) return {};
            return { society: decideSociety({ type: 'SpendFunds', ...common, paidOn: payment.paidOn ?? today, today }, societyIn(states.society)) };
          },
          context,
        )
      : await decideAcross(
          store,
          { proposal: proposalRead(proposalId), pool: [poolStream(source.poolId), poolDecider] as const },
          (states) => {
            const { events, common } = paid(states.proposal);
            if (events.length === 0) return {};
            if (payment.beneficiaries.length === 0) throw new Rejection('beneficiaries-required', 'A payment out of a pool names the budget holders it benefits.', 422, 'beneficiaries');
            // The pool's ledger dates its payments the day they are recorded.
            if (payment.paidOn !== undefined && payment.paidOn !== today) throw new Rejection('pool-payment-dated-today', 'A payment out of a pool is dated the day it is recorded.', 422, 'paidOn');
            const pool = states.pool;
            assertOpen(pool, networkId);
            return { pool: decideProposalPayment(pool, { ...common, poolId: source.poolId, beneficiaries: payment.beneficiaries }, today) };
          },
          context,
        );
  const out = Object.values(spent.events).flat()[0] as Spending | undefined;
  if (!out) return { revision: spent.revisions.proposal, position: spent.position };
  const done = await recordPaid(deps, networkId, out, payment.paidBy);
  return { revision: done.revisions.proposal, position: Math.max(spent.position, done.position) };
}

/** Money out for a proposal, as the funds or the pool recorded it. */
type Spending = { type: 'coop.FundsSpent'; data: z.infer<typeof FundsSpent.schema> } | { type: 'pools.PaymentMade'; data: z.infer<typeof PaymentMade.schema> };

/** The proposal recorded paid, from the money out the funds or the pool recorded: written once, whoever writes it, its ids following from the payment. */
function recordPaid(deps: Pick<Deps, 'store' | 'clock'>, networkId: string, out: Spending, paidBy: string) {
  const { proposalId, paymentId, pence, invoiceReference, paidOn } = out.data;
  return decideAcross(
    deps.store,
    { proposal: proposalRead(proposalId!) },
    (s) => ({ proposal: decideProposal({ type: 'PayProposal', paymentId, pence, invoiceReference, paidBy, paidOn, today: paidOn }, proposalIn(networkId, s.proposal)) }),
    stepContext(deps.clock, paidBy, paymentId)('proposal paid'),
  );
}

/** Carries a proposal's payment left half done on to the proposal: the money out, found where the proposal says it left, says what to record. */
export async function finishProposalPayment(deps: Pick<Deps, 'store' | 'clock'>, proposalId: string): Promise<void> {
  const state = domainEvents<ProposalEvent>(await deps.store.readStream(proposalStream(proposalId))).reduce(proposalDecider.evolve, proposalDecider.initialState);
  if (state.status === 'none' || state.paid) return;
  const { networkId, source } = state.proposal;
  const history = await deps.store.readStream(source.kind === 'pool' ? poolStream(source.poolId) : societyStream(networkId));
  const out = history.find((e) => (e.type === FundsSpent.type || e.type === PaymentMade.type) && (e.data as { proposalId?: string }).proposalId === proposalId);
  if (out) await recordPaid(deps, networkId, { type: out.type, data: out.data } as Spending, out.metadata.actor);
}

/** Proposals whose money has left and that are not yet seen paid, as the read table has them. */
export async function unfinishedProposalPayments(deps: Pick<Deps, 'database'>): Promise<string[]> {
  const rows = await deps.database.db.selectFrom('coop_payments_in_flight').select('proposal_id').execute();
  return rows.map((r) => r.proposal_id);
}
