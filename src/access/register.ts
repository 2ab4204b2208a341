// Registering a person: their key is made first, then their details are sealed with it and the
// registration recorded. A retry reuses the key and is recognised by its command id.
import { decideAcross, type CommandContext } from '../commands/decide.ts';
import { domainEvents } from '../eventstore/events.ts';
import type { Deps } from './caller.ts';
import { personDecider, personStream, type PersonalDetails, type PersonEvent } from './person.ts';

export async function registerPerson(
  deps: Pick<Deps, 'store' | 'vault'>,
  context: CommandContext,
  personId: string,
  details: PersonalDetails,
  hasAccount: boolean,
  /** The network whose coordinator records a person who is not online. */
  recordedIn?: string,
) {
  const sealed = await sealDetails(deps, personId, details);
  const command = { type: 'RegisterPerson' as const, personId, details: sealed, hasAccount, now: context.now, ...(recordedIn ? { recordedIn } : {}) };
  const done = await decideAcross(deps.store, { person: [personStream(personId), personDecider] }, (s) => ({ person: personDecider.decide(command, s.person) }), context);
  return { revision: done.revisions.person, position: done.position };
}

/** The person's key is made (or found, on a retry) and their details sealed with it. */
export async function sealDetails(deps: Pick<Deps, 'vault'>, personId: string, details: PersonalDetails): Promise<string> {
  await deps.vault.ensureKey(personId);
  return deps.vault.seal(personId, details);
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
