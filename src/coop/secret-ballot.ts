// A secret ballot's choices, sealed under a key of the proposal's own in the vault. The key lives
// only until the result is recorded; once it is destroyed the log keeps who voted, never how.
import type { PersonalDataVault } from '../access/vault.ts';
import { choices, type Choice, type Proposal } from './proposal.ts';

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
