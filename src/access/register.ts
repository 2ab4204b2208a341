// Registering a person: their key is made first, then their details are sealed with it and the
// registration recorded. A retry reuses the key and is recognised by its command id.
import type { Hearth } from '../hearth.ts';
import { handleCommand, type CommandContext } from '../commands/handle.ts';
import { personDecider, personStream, type PersonalDetails } from './person.ts';

export async function registerPerson(hearth: Hearth, context: CommandContext, personId: string, details: PersonalDetails, hasAccount: boolean) {
  await hearth.vault.ensureKey(personId);
  const sealed = await hearth.vault.seal(personId, details);
  return handleCommand(hearth.store, personDecider, personStream(personId), { type: 'RegisterPerson', personId, details: sealed, hasAccount, now: context.now }, context);
}
