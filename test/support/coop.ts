// One care co-op's rules for the tests: three classes of member, workers' votes weighing most.
import type { CoopRules } from '../../src/coop/society.ts';

export const careCoopRules: CoopRules = {
  memberClasses: [
    { name: 'workers', voteWeight: 3 },
    { name: 'receiving care', voteWeight: 2 },
    { name: 'supporters', voteWeight: null },
  ],
  membershipSharePence: 100,
  minHoldingPence: 1_000,
  maxHoldingPence: 500_000,
  withdrawalNoticeDays: 90,
  interestCapBasisPoints: 500,
};
