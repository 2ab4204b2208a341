// Co-op commands that span streams: making a proposal reads the register to know the proposer is a
// member, opening a vote reads it to fix the electorate, closing a secret ballot opens its sealed
// choices with the vault and then destroys the key, and paying a passed proposal writes to the
// proposal and to the ledger the money leaves (the co-op's funds or a pool) together, so a
// proposal authorises exactly one payment however requests race.
import { fold, Rejection } from '../commands/decider.ts';
import { handleAcross, type CommandContext } from '../commands/handle.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';
import { Forbidden } from '../access/guard.ts';
import type { PersonalDataVault } from '../access/vault.ts';
import { poolIn } from '../pools/commands.ts';
import { decideProposalPayment } from '../pools/payment.ts';
import type { Share } from '../pools/apportion.ts';
import { poolDecider, poolStream, type PoolEvent } from '../pools/pool.ts';
import { decideProposal, electorateOf, proposalDecider, proposalStream, type Proposal, type ProposalCommand, type ProposalEvent, type ProposalTerms } from './proposal.ts';
import { assertFounded, decideSociety, societyDecider, societyStream, type Society, type SocietyEvent } from './society.ts';
import { openBallots, secretChoices } from './secret-ballot.ts';

export const societyOf = (history: RecordedEvent[]) => fold(societyDecider, history as unknown as SocietyEvent[]);

/** The co-op of this network. */
export function societyIn(history: RecordedEvent[]): Society {
  const society = societyOf(history);
  assertFounded(society);
  return society;
}

/** The proposal, made in this network's co-op. */
export function proposalIn(networkId: string, history: RecordedEvent[]): Proposal {
  const proposal = fold(proposalDecider, history as unknown as ProposalEvent[]);
  if (proposal.status === 'none' || proposal.proposal.networkId !== networkId) throw new Rejection('proposal-not-found', 'There is no such proposal in this co-op.', 404);
  return proposal;
}

/** A proposal by a member in good standing of the co-op, to spend its funds or a pool of the same network. */
export async function makeProposal(store: EventStore, networkId: string, proposalId: string, terms: ProposalTerms, proposedBy: string, context: CommandContext) {
  if (terms.source.kind === 'pool') {
    const pool = fold(poolDecider, (await store.readStream(poolStream(terms.source.poolId))) as unknown as PoolEvent[]);
    if (pool.status === 'none' || pool.networkId !== networkId) throw new Rejection('pool-not-found', 'There is no such pool in this network.', 404, 'source/poolId');
  }
  return handleAcross(
    store,
    [proposalStream(proposalId), societyStream(networkId)],
    ([mine, society]) => {
      if (societyIn(society!).members.get(proposedBy)?.status !== 'member') throw new Forbidden('Only a member of the co-op may make a proposal.');
      return [decideProposal({ type: 'MakeProposal', networkId, proposalId, proposedBy, now: context.now, ...terms }, fold(proposalDecider, mine as unknown as ProposalEvent[])), []];
    },
    context,
  );
}

/** A command on one proposal of this network's co-op. */
export const onProposal = (store: EventStore, networkId: string, proposalId: string, command: Exclude<ProposalCommand, { type: 'MakeProposal' }>, context: CommandContext) =>
  handleAcross(store, [proposalStream(proposalId)], ([mine]) => [decideProposal(command, proposalIn(networkId, mine!))], context, {
    // A meeting votes at once, every ballot on the one stream: each retries until it is in, not just a few times.
    maxAttempts: command.type === 'CastVote' ? 64 : undefined,
  });

/** A ballot came in, or changed, after the secret ballots were opened for the count. */
class BallotsMoved extends Error {}

/**
 * Closes the vote: secret ballots are opened for the count, the result recorded once, and then the
 * proposal's key destroyed, so the log can never again link a voter to a choice. A retry that
 * finds the vote closed destroys the key if it is still there.
 */
export async function closeVoting(store: EventStore, vault: PersonalDataVault, networkId: string, proposalId: string, context: CommandContext) {
  for (let attempt = 1; ; attempt++) {
    const read = proposalIn(networkId, await store.readStream(proposalStream(proposalId)));
    const opened = read.proposal.secret && read.status === 'open' ? await openBallots(vault, read) : new Map();
    try {
      const done = await handleAcross(
        store,
        [proposalStream(proposalId)],
        ([mine]) => {
          const proposal = proposalIn(networkId, mine!);
          const choices = proposal.status === 'open' ? secretChoices(proposal, opened) : new Map();
          if (!choices) throw new BallotsMoved();
          return [decideProposal({ type: 'CloseVoting', opened: choices, now: context.now }, proposal)];
        },
        context,
      );
      if (read.proposal.secret) await vault.erase(proposalId);
      return { ...done, secret: read.proposal.secret };
    } catch (err) {
      if (!(err instanceof BallotsMoved)) throw err;
      if (attempt >= 3) throw new Rejection('concurrency-conflict', 'Ballots kept coming in as the vote closed. Please try once more.', 409);
    }
  }
}

export function openVoting(store: EventStore, networkId: string, proposalId: string, openedBy: string, context: CommandContext) {
  return handleAcross(
    store,
    [proposalStream(proposalId), societyStream(networkId)],
    ([proposal, society]) => [decideProposal({ type: 'OpenVoting', openedBy, electorate: electorateOf(societyIn(society!)), now: context.now }, proposalIn(networkId, proposal!)), []],
    context,
  );
}

export interface ProposalPayment {
  paymentId: string;
  pence: number;
  invoiceReference: string;
  /** For a payment out of a pool: the budget holders it benefits, as for any pool payment. */
  beneficiaries: Share[];
  paidBy: string;
}

/** The one payment a passed proposal authorises, out of the source its members voted on. */
export async function payProposal(store: EventStore, networkId: string, proposalId: string, payment: ProposalPayment, today: string, context: CommandContext) {
  const { source } = proposalIn(networkId, await store.readStream(proposalStream(proposalId))).proposal;
  const from = source.kind === 'funds' ? societyStream(networkId) : poolStream(source.poolId);
  return handleAcross(
    store,
    [proposalStream(proposalId), from],
    ([mine, ledger]) => {
      const proposal = proposalIn(networkId, mine!);
      const paid = decideProposal({ type: 'PayProposal', paymentId: payment.paymentId, pence: payment.pence, invoiceReference: payment.invoiceReference, paidBy: payment.paidBy, today }, proposal);
      if (paid.length === 0) return [[], []];
      const { payee, purpose } = proposal.proposal;
      const common = { proposalId, paymentId: payment.paymentId, pence: payment.pence, payee, purpose, invoiceReference: payment.invoiceReference };
      if (source.kind === 'funds') return [paid, decideSociety({ type: 'SpendFunds', ...common, today }, societyIn(ledger!))];
      if (payment.beneficiaries.length === 0) throw new Rejection('beneficiaries-required', 'A payment out of a pool names the budget holders it benefits.', 422, 'beneficiaries');
      return [paid, decideProposalPayment(poolIn(networkId, ledger!), { ...common, poolId: source.poolId, beneficiaries: payment.beneficiaries }, today)];
    },
    context,
  );
}
