// Getting back in after forgetting a password: a link by email, or a code a coordinator reads out
// or prints. Every rule of these use cases is here; the code itself is derived in reset.ts, so
// nothing secret is stored, and the person's own stream says which reset still holds.
import { v5 as uuidv5 } from 'uuid';
import { Rejection } from '../commands/decider.ts';
import { decideAcross, readStates } from '../commands/decide.ts';
import { contextOf, type Caller, type Deps } from './caller.ts';
import { coordinatedBy, Forbidden, mayReach } from './guard.ts';
import { membershipDecider, membershipStream } from './membership.ts';
import { personDecider, personStream } from './person.ts';
import { hashPassword } from './passwords.ts';
import { codeMatches, COORDINATOR_RESET_MINUTES, EMAIL_RESET_MINUTES, resetCode } from './reset.ts';
import { emailLookup, endSessions } from './sessions.ts';
import { countResetCode, countResetRequest, liftLockOut } from './throttle.ts';
import type { Written } from './app.ts';

const inMinutes = (deps: Deps, minutes: number) => new Date(deps.clock.now().getTime() + minutes * 60_000).toISOString();
const resetIdFor = (caller: Caller) => uuidv5('password-reset', caller.commandId);

export type ResetRequested = { outcome: 'throttled'; retryAfterSeconds: number } | { outcome: 'accepted'; resetId: string | null };

/**
 * Anyone may ask for a link for an email. The answer is the same whether or not an account uses
 * it (the reset's id is for internal callers and tests, never the API's answer); requests are
 * counted per email and per address before anything else is done.
 */
export async function requestPasswordReset(deps: Deps, caller: Caller, input: { email: string; address: string }): Promise<ResetRequested> {
  const { db } = deps.database;
  const lookup = emailLookup(deps.secret, input.email);
  const retryAfterSeconds = await countResetRequest(db, deps.secret, { accountHash: lookup, address: input.address, now: deps.clock.now() });
  if (retryAfterSeconds > 0) return { outcome: 'throttled', retryAfterSeconds };
  const account = await db.selectFrom('credentials').select('person_id').where('email_lookup', '=', lookup).executeTakeFirst();
  if (!account) return { outcome: 'accepted', resetId: null };
  const personId = account.person_id;
  const resetId = resetIdFor(caller);
  const context = contextOf(deps, { ...caller, personId, onBehalfOf: null });
  try {
    await decideAcross(
      deps.store,
      { person: [personStream(personId), personDecider] },
      (s) => ({ person: personDecider.decide({ type: 'IssuePasswordReset', personId, resetId, via: 'email', expiresAt: inMinutes(deps, EMAIL_RESET_MINUTES) }, s.person) }),
      context,
    );
  } catch (err) {
    // An account being erased meanwhile answers as any other address would.
    if (err instanceof Rejection) return { outcome: 'accepted', resetId: null };
    throw err;
  }
  return { outcome: 'accepted', resetId };
}

/**
 * A coordinator of a network the person is an active member of gives them a code to read out or
 * print. Nobody issues one for themselves: they ask for a link, or another coordinator. A new
 * password opens every network the person belongs to, so it asks what export and erasure ask: a
 * coordinator of each of them, under the consent rules between networks.
 */
export async function issueResetCode(deps: Deps, caller: Caller, input: { networkId: string; personId: string }): Promise<Written & { resetId: string; code: string; expiresAt: string }> {
  const { networkId, personId } = input;
  if (caller.personId === personId) throw new Rejection('own-reset', 'You cannot give yourself a reset code: ask another coordinator, or use "Forgotten your password?".', 403, 'personId');
  if (!(await coordinatedBy(deps.store, caller.personId, [networkId])).has(networkId)) throw new Forbidden('Only a coordinator of this network may give a reset code.');
  await mayReach(deps, caller.personId, personId);
  const resetId = resetIdFor(caller);
  const expiresAt = inMinutes(deps, COORDINATOR_RESET_MINUTES);
  const done = await decideAcross(
    deps.store,
    { membership: [membershipStream(networkId, personId), membershipDecider], person: [personStream(personId), personDecider] },
    (s) => {
      if (s.membership.status !== 'active') throw new Rejection('not-a-member', 'This person is not a member of the network.', 404, 'personId');
      return { person: personDecider.decide({ type: 'IssuePasswordReset', personId, resetId, via: 'coordinator', issuedBy: caller.personId, expiresAt }, s.person) };
    },
    contextOf(deps, { ...caller, onBehalfOf: personId }),
  );
  return { resetId, code: resetCode(deps.secret, resetId, 'coordinator'), expiresAt, revision: done.revisions.person, position: done.position };
}

export type PasswordReset = { outcome: 'throttled'; retryAfterSeconds: number } | (Written & { outcome: 'reset' });

const wrongCode = () => new Rejection('reset-code-wrong', 'That code is not right for this reset. Check it, or ask for a new one.', 422, 'code');

/**
 * Sets a new password with a reset: from its link (the reset's id), or with the email and the code
 * a coordinator gave. Good only for the person's latest reset, unexpired, with no password set
 * since. Codes tried are counted per account and address before any is checked. Every session
 * ends, and the sign-in lock-out is lifted.
 */
export async function resetPassword(
  deps: Deps,
  caller: Caller,
  input: ({ resetId: string } | { email: string }) & { code: string; newPassword: string; address: string },
): Promise<PasswordReset> {
  const { db } = deps.database;
  const found =
    'resetId' in input
      ? await db.selectFrom('password_resets').select('person_id').where('reset_id', '=', input.resetId).executeTakeFirst()
      : await db.selectFrom('credentials').select('person_id').where('email_lookup', '=', emailLookup(deps.secret, input.email)).executeTakeFirst();
  const account = found?.person_id ?? ('resetId' in input ? input.resetId : emailLookup(deps.secret, input.email));
  const retryAfterSeconds = await countResetCode(db, deps.secret, { account, address: input.address, now: deps.clock.now() });
  if (retryAfterSeconds > 0) return { outcome: 'throttled', retryAfterSeconds };
  if (!found) throw wrongCode();
  const personId = found.person_id;
  const { person } = await readStates(deps.store, { person: [personStream(personId), personDecider] });
  const reset = person.status === 'active' ? person.reset : undefined;
  const resetId = 'resetId' in input ? input.resetId : reset?.resetId;
  // The code is checked against the reset it was given for, so a stale link's right code is told
  // apart from a wrong one: its holder is told to ask again, not to check their typing.
  const via = reset?.resetId === resetId ? reset?.via : 'email';
  if (resetId === undefined || via === undefined || !codeMatches(deps.secret, resetId, via, input.code)) throw wrongCode();
  const context = contextOf(deps, { ...caller, personId, onBehalfOf: null });
  const done = await decideAcross(deps.store, { person: [personStream(personId), personDecider] }, (s) => ({ person: personDecider.decide({ type: 'ResetPassword', personId, resetId, now: context.now }, s.person) }), context);
  await db.updateTable('credentials').set({ password_hash: await hashPassword(input.newPassword), updated_at: deps.clock.now() }).where('person_id', '=', personId).execute();
  await endSessions(db, personId);
  const credentials = await db.selectFrom('credentials').select('email_lookup').where('person_id', '=', personId).executeTakeFirst();
  if (credentials) await liftLockOut(db, deps.secret, { accountHash: credentials.email_lookup, personId, address: input.address });
  return { outcome: 'reset', revision: done.revisions.person, position: done.position };
}
