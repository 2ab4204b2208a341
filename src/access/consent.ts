// How far a coordinator's powers over a person reach: acting for them, exporting or erasing their
// data. Pure, so the guard, the export and the erasure ask one question and tests ask it too.
//
// A coordinator reaches a person who
//   - belongs to at least one network, and only to networks this coordinator coordinates: no other
//     network's members are reached through a network the coordinator opened; or
//   - was recorded (not online) by a network this coordinator coordinates, and still has no account.
// Anyone else is reached only by themselves. A two-step agreement of each of their networks'
// coordinators is not built: it is refused, and the README says so.
import type { PersonState } from './person.ts';

export interface Reach {
  /** The person, folded from their own stream. */
  person: PersonState;
  /** Every network the person is an active member of. */
  networks: readonly string[];
  /** The networks, among those asked about, that the coordinator coordinates. */
  coordinates: ReadonlySet<string>;
}

/** Why the coordinator may not act for the person; null when they may. */
export function reachRefusal({ person, networks, coordinates }: Reach): string | null {
  if (person.status === 'none') return 'There is no such person.';
  // An erased person has no account any more; what is left of them is reached as before.
  const hasAccount = person.status === 'active' && person.hasAccount;
  if (!hasAccount && person.recordedIn !== null && coordinates.has(person.recordedIn)) return null;
  if (networks.length === 0) return 'This person belongs to no network you coordinate: only they may do this.';
  const beyond = networks.filter((n) => !coordinates.has(n));
  if (beyond.length > 0) {
    return 'This person also belongs to a network you do not coordinate: only they may do this (a coordinator of each of their networks agreeing is not supported).';
  }
  return null;
}

/**
 * Within one network (On-Behalf-Of on its routes): the coordinator must coordinate it, reach the
 * person, and the person must be of that network: a member, recorded by it, or, having no
 * account, invited to it (so that their coordinator can accept for them).
 */
export function reachWithinRefusal(reach: Reach, networkId: string, invitedHere: boolean): string | null {
  if (!reach.coordinates.has(networkId)) return 'Only a coordinator of this network may act on a member\'s behalf.';
  const refusal = reachRefusal(reach);
  if (refusal) return refusal;
  const { person } = reach;
  if (person.status !== 'active') return 'This person has been erased: no one acts for them.';
  const ofThisNetwork = reach.networks.includes(networkId) || person.recordedIn === networkId || (!person.hasAccount && invitedHere);
  return ofThisNetwork ? null : 'A coordinator can act only for members of this network.';
}
