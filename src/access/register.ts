// Registering a person: their key is made first, then their details are sealed with it and the
// registration recorded. A retry reuses the key and is recognised by its command id. Once a
// person is erased, nothing gives them a key or details again.
import { decideAcross, readStates, type CommandContext } from '../commands/decide.ts';
import { Rejection } from '../commands/decider.ts';
import { domainEvents } from '../eventstore/events.ts';
import type { Deps } from './caller.ts';
import { personDecider, personStream, type PersonalDetails, type PersonEvent } from './person.ts';
import type { MembershipPlan } from './membership.ts';

export async function registerPerson(
  deps: Pick<Deps, 'store' | 'vault'>,
  context: CommandContext,
  personId: string,
  details: PersonalDetails,
  hasAccount: boolean,
  /**
   * The network whose coordinator records a person who is not online, and what then makes them a
   * member of it: their stream names the network, with that, in the same write.
   */
  recordedIn?: { networkId: string; then: MembershipPlan },
) {
  await refuseErased(deps, personId);
  const sealed = await sealDetails(deps, personId, details);
  const done = await decideAcross(
    deps.store,
    { person: [personStream(personId), personDecider] },
    (s) => {
      const registered = personDecider.decide({ type: 'RegisterPerson', personId, details: sealed, hasAccount, now: context.now, ...(recordedIn ? { recordedIn: recordedIn.networkId } : {}) }, s.person);
      if (!recordedIn) return { person: registered };
      const joined = personDecider.decide({ type: 'RecordNetworkJoined', personId, networkId: recordedIn.networkId, then: recordedIn.then }, registered.reduce(personDecider.evolve, s.person));
      return { person: [...registered, ...joined] };
    },
    context,
  );
  return { revision: done.revisions.person, position: done.position };
}

const personErased = (field?: string) => new Rejection('person-erased', 'This person has been erased: nothing more can be recorded about them.', 409, field);

/**
 * Refuses, before anything is sealed or written, a command that would give an erased person new
 * personal data: a retried request whose first answer the erasure removed, an import run again,
 * a sign-up or a claim. Read from their stream, and from the vault's tombstone, which an erasure
 * interrupted before its key was destroyed has not written yet, or one whose event is not yet read.
 */
export async function refuseErased(deps: Pick<Deps, 'store' | 'vault'>, personId: string, field?: string): Promise<void> {
  if (await isErased(deps, personId)) throw personErased(field);
}

export async function isErased(deps: Pick<Deps, 'store' | 'vault'>, personId: string): Promise<boolean> {
  const { person } = await readStates(deps.store, { person: [personStream(personId), personDecider] });
  return person.status === 'erased' || (await deps.vault.erased(personId));
}

/** The person's key is made (or found, on a retry) and their details sealed with it; never for an erased person. */
export async function sealDetails(deps: Pick<Deps, 'vault'>, personId: string, details: PersonalDetails, field?: string): Promise<string> {
  if (!(await deps.vault.ensureKey(personId))) throw personErased(field);
  try {
    return await deps.vault.seal(personId, details);
  } catch (err) {
    // Erased between making sure of the key and sealing with it.
    if (await deps.vault.erased(personId)) throw personErased(field);
    throw err;
  }
}

/** A person's current details, opened with their key; undefined when erased or unknown. */
export async function currentDetails(deps: Pick<Deps, 'store' | 'vault'>, personId: string): Promise<PersonalDetails | undefined> {
  const events = domainEvents<PersonEvent>(await deps.store.readStream(personStream(personId)));
  const person = events.reduce(personDecider.evolve, personDecider.initialState);
  if (person.status !== 'active') return undefined;
  let details: PersonalDetails | undefined;
  for (const e of events) {
    if (e.type === 'access.PersonRegistered' || e.type === 'access.PersonalDetailsChanged') details = (await deps.vault.open<PersonalDetails>(personId, e.data.details)) ?? details;
  }
  return details;
}
