// Registering a person: their key is made first, then their details are sealed with it and the
// registration recorded. A retry reuses the key and is recognised by its command id.
import type { Hearth } from '../hearth.ts';
import { handleCommand, type CommandContext } from '../commands/handle.ts';
import { personDecider, personStream, type PersonalDetails, type PersonEvent } from './person.ts';

export async function registerPerson(hearth: Hearth, context: CommandContext, personId: string, details: PersonalDetails, hasAccount: boolean) {
  await hearth.vault.ensureKey(personId);
  const sealed = await hearth.vault.seal(personId, details);
  return handleCommand(hearth.store, personDecider, personStream(personId), { type: 'RegisterPerson', personId, details: sealed, hasAccount, now: context.now }, context);
}

/** A person's current details, opened with their key; undefined when erased or unknown. */
export async function currentDetails(hearth: Pick<Hearth, 'store' | 'vault'>, personId: string): Promise<PersonalDetails | undefined> {
  const events = (await hearth.store.readStream(personStream(personId))) as unknown as PersonEvent[];
  const latest = events.filter((e) => e.type === 'access.PersonRegistered' || e.type === 'access.PersonalDetailsChanged').at(-1) as
    | { data: { details: string } }
    | undefined;
  if (!latest || events.some((e) => e.type === 'access.PersonErased')) return undefined;
  return hearth.vault.open<PersonalDetails>(personId, latest.data.details);
}
