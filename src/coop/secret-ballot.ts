// A secret ballot's choices, sealed under a key of the proposal's own in the vault. The key lives
// only until the result is recorded; once it is destroyed the log keeps who voted, never how.
import type { PersonalDataVault } from '../access/vault.ts';
import { Rejection } from '../commands/decider.ts';
import { choices, tally, type Choice, type Proposal } from './proposal.ts';

/** Sealed as its index, so that every sealed ballot is the same length whatever the choice. */
export const sealChoice = (vault: PersonalDataVault, proposalId: string, choice: Choice) => vault.seal(proposalId, choices.indexOf(choice));

/** Each latest secret ballot's choice, by its sealed form; none once the key is gone. */
export async function openBallots(vault: PersonalDataVault, proposal: Proposal): Promise<Map<string, Choice>> {
  const sealed = [...proposal.ballots.values()].flatMap((b) => (b.sealedChoice === null ? [] : [b.sealedChoice]));
  const opened = await Promise.all(sealed.map(async (s) => [s, await vault.open<number>(proposal.proposal.proposalId, s)] as const));
  return new Map(opened.flatMap(([s, index]) => (index === undefined ? [] : [[s, choices[index]!] as const])));
}

/**
 * Each secret ballot's choice by voter, from those opened. Undefined when a ballot was not among
 * them: it was cast, or changed, after they were opened.
 */
export function secretChoices(proposal: Proposal, opened: Map<string, Choice>): Map<string, Choice> | undefined {
  const byVoter = new Map<string, Choice>();
  for (const [voterId, ballot] of proposal.ballots) {
    if (ballot.sealedChoice === null) continue;
    const choice = opened.get(ballot.sealedChoice);
    if (!choice) return undefined;
    byVoter.set(voterId, choice);
  }
  return byVoter;
}

/** The weighted count so far, secret ballots opened for it; null while results are hidden and the vote is not closed. */
export async function talliesOf(vault: PersonalDataVault, proposal: Proposal): Promise<Record<Choice, number> | null> {
  if (proposal.result) return { for: proposal.result.for, against: proposal.result.against, abstain: proposal.result.abstain };
  if (proposal.proposal.hideResultsUntilClose) return null;
  const opened = secretChoices(proposal, await openBallots(vault, proposal));
  // Closed since it was read, and its key destroyed.
  if (!opened) throw new Rejection('voting-closed', 'This vote has just closed; ask again for its result.', 409);
  const counted = tally(proposal, (voterId, ballot) => ballot.choice ?? opened.get(voterId));
  return { for: counted.for, against: counted.against, abstain: counted.abstain };
}
