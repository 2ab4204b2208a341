// People, accounts and memberships: every rule of these use cases, whoever calls them (the API,
// and through it the pages and the CLI). Consent between people and networks is decided here:
// a person with an account joins only by their own request or acceptance, and a coordinator's
// powers over a person reach as far as consent.ts says, read from the streams.
import { createHmac, randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { keyset, mapPage, pageFrom, whole, type Page } from '../db/keyset.ts';
import { v5 as uuidv5 } from 'uuid';
import { Rejection } from '../commands/decider.ts';
import { decideAcross, readStates, withRevision, type CommandContext } from '../commands/decide.ts';
import { domainEvents } from '../eventstore/events.ts';
import { todayOn } from '../clock.ts';
import { contextOf, subjectOf, type Caller, type Deps } from './caller.ts';
import { coordinating, coordinationDecider, coordinationStream, membershipDecider, membershipStream, type dbsCheckTypes, planOf, type CoordinationEvent, type MembershipCommand, type MembershipEvent, type MembershipPlan, type MembershipState, type Role } from './membership.ts';
import { personDecider, personStream, type PersonalDetails, type PersonEvent } from './person.ts';
import { isErased, refuseErased, registerPerson } from './register.ts';
import { hashPassword, verifyPassword, decoyHash } from './passwords.ts';
import { createSession, emailLookup, endSessions } from './sessions.ts';
import { countSignIn, countSignUp, forgetAccount, signInSucceeded } from './throttle.ts';
import { actFor, coordinatedBy, mayReach } from './guard.ts';
import { reachRefusal, type Reach } from './consent.ts';
import { careRefusal } from './safeguarding.ts';
import { networkDecider, networkStream } from '../networks/network.ts';
import { holdingsOf } from './account-app.ts';
import { choiceDecider, choicesStream, kindsOn } from '../notify/choices.ts';
import { closePostsOf } from '../timebank/posts-app.ts';
import { keepAgeBands } from '../carebank/app.ts';

export interface Written {
  revision: number;
  position: number;
}

// ---- accounts and sessions ----

export type SignUp = { outcome: 'throttled'; retryAfterSeconds: number } | { outcome: 'accepted'; personId: string | null };

/**
 * Sign-up answers alike whether or not the email already has an account, so it cannot be used to
 * learn who has one: the caller learns the person's id only here, for internal callers, never in
 * the API's answer. An address may sign up a limited number of times an hour, counted before
 * anything else is done.
 */
export async function signUp(deps: Deps, caller: Caller, input: { details: Omit<PersonalDetails, 'notes'> & { email: string }; password: string; address: string; requestKey?: string }): Promise<SignUp> {
  const { db } = deps.database;
  const retryAfterSeconds = await countSignUp(db, deps.secret, { address: input.address, now: deps.clock.now() });
  if (retryAfterSeconds > 0) return { outcome: 'throttled', retryAfterSeconds };
  const lookup = emailLookup(deps.secret, input.details.email);
  const personId = uuidv5('person', caller.commandId);
  // A sign-up retried after its person was erased must not give them an account again.
  await refuseErased(deps, personId);
  // The email is claimed before anything is recorded, so of two sign-ups racing for one email
  // exactly one goes on, and the other writes nothing. The password is hashed either way, so a
  // taken email takes as long to answer as a new one.
  await db
    .insertInto('credentials')
    .values({ person_id: personId, email_lookup: lookup, password_hash: await hashPassword(input.password), sign_up_key: input.requestKey ?? null })
    .onConflict((oc) => oc.doNothing())
    .execute();
  const owner = await db.selectFrom('credentials').select('person_id').where('email_lookup', '=', lookup).executeTakeFirst();
  if (owner?.person_id !== personId) return { outcome: 'accepted', personId: null };
  return withAccountOnlyIfKept(deps, personId, async () => {
    // The new person acts for themselves. A retry of the same request finds its own claim above and
    // records the person once, under the same command id.
    await registerPerson(deps, contextOf(deps, { ...caller, personId, onBehalfOf: null }), personId, input.details, true);
    // Erased while this ran (a retry the log answered as the first attempt): an answer kept now
    // would name them after the erasure forgot every kept answer that does. Refused, so nothing is kept.
    await refuseErased(deps, personId);
    return { outcome: 'accepted' as const, personId };
  });
}

/**
 * The account just made is removed again when the person turns out to have been erased meanwhile:
 * the erasure removed the account before this made it again.
 */
async function withAccountOnlyIfKept<T>(deps: Deps, personId: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (await isErased(deps, personId)) await deps.database.db.deleteFrom('credentials').where('person_id', '=', personId).execute();
    throw err;
  }
}

export type SignIn =
  | { outcome: 'signed-in'; personId: string; token: string; csrfToken: string; expiresAt: Date }
  | { outcome: 'throttled'; retryAfterSeconds: number }
  | { outcome: 'failed' };

/**
 * The attempt is counted before the password is checked (src/access/throttle.ts says against
 * what), so a burst of guesses is refused even while the first of them are still being checked.
 */
export async function signIn(deps: Deps, input: { email: string; password: string; kind: 'bearer' | 'cookie'; address: string; sessionHours: number }): Promise<SignIn> {
  const { db } = deps.database;
  const now = deps.clock.now();
  const lookup = emailLookup(deps.secret, input.email);
  const attempt = await countSignIn(db, deps.secret, { accountHash: lookup, address: input.address, now });
  if (attempt.retryAfterSeconds > 0) return { outcome: 'throttled', retryAfterSeconds: attempt.retryAfterSeconds };
  const credentials = await db.selectFrom('credentials').select(['person_id', 'password_hash']).where('email_lookup', '=', lookup).executeTakeFirst();
  // The same work, and the same answer, whether or not the email has an account.
  const matches = await verifyPassword(input.password, credentials?.password_hash ?? decoyHash);
  if (!credentials || !matches) return { outcome: 'failed' };
  await signInSucceeded(db, attempt, now);
  const session = await createSession(db, credentials.person_id, input.kind, input.sessionHours, now);
  return { outcome: 'signed-in', personId: credentials.person_id, ...session };
}

export async function signOut(deps: Deps, session: { tokenHash: string }): Promise<void> {
  await deps.database.db.deleteFrom('sessions').where('token_hash', '=', session.tokenHash).execute();
}

/** Every other session of the person ends. */
export async function changePassword(deps: Deps, caller: Caller, input: { currentPassword: string; newPassword: string; tokenHash: string }): Promise<Written> {
  const { db } = deps.database;
  const personId = caller.personId;
  const credentials = await db.selectFrom('credentials').select('password_hash').where('person_id', '=', personId).executeTakeFirst();
  if (!credentials || !(await verifyPassword(input.currentPassword, credentials.password_hash))) {
    throw new Rejection('wrong-password', 'The current password is not right.', 422, 'currentPassword');
  }
  const done = await decideAcross(deps.store, { person: [personStream(personId), personDecider] }, (s) => ({ person: personDecider.decide({ type: 'RecordPasswordChange', personId }, s.person) }), contextOf(deps, { ...caller, onBehalfOf: null }));
  await db.updateTable('credentials').set({ password_hash: await hashPassword(input.newPassword), updated_at: deps.clock.now() }).where('person_id', '=', personId).execute();
  await endSessions(db, personId, input.tokenHash);
  return { revision: done.revisions.person, position: done.position };
}

// ---- a way in for a member who was not online ----

const CLAIM_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
/** A way in, printed, read out or sent by email, works once within this many days. */
export const CLAIM_DAYS = 30;
const claimHash = (secret: Buffer, code: string) => createHmac('sha256', secret).update(`claim:${code.replace(/[\s-]/g, '').toUpperCase()}`).digest('hex');
const inGroups = (letters: string) => letters.match(/.{4}/g)!.join('-');

/**
 * The code in an invitation's link, derived from its id with the server's secret, so the event
 * and the outbox hold nothing secret: twenty letters and digits (about 99 bits), in fours.
 */
export function wayInCode(secret: Buffer, invitationId: string): string {
  const bytes = createHmac('sha256', secret).update(`way-in-invitation:${invitationId}`).digest();
  return inGroups(Array.from(bytes.subarray(0, 20), (b) => CLAIM_ALPHABET[b % CLAIM_ALPHABET.length]).join(''));
}

/** Whether this code is still the person's way in: unused, unexpired, not replaced by a later one. */
export async function wayInHolds(deps: Pick<Deps, 'database' | 'secret' | 'clock'>, code: string): Promise<boolean> {
  const found = await deps.database.db.selectFrom('claim_codes').select('person_id').where('code_hash', '=', claimHash(deps.secret, code)).where('expires_at', '>', deps.clock.now()).executeTakeFirst();
  return found !== undefined;
}

/** Who may give this person a way in: a coordinator who may act for them, while they have no account. */
async function mayGiveWayIn(deps: Deps, caller: Caller, networkId: string, personId: string): Promise<void> {
  await actFor(deps, caller.personId, networkId, personId);
  await refuseErased(deps, personId, 'personId');
  const { person } = await readStates(deps.store, { person: [personStream(personId), personDecider] });
  if (person.status !== 'active' || person.hasAccount) throw new Rejection('already-has-account', 'This person already has an account: they sign in themselves.', 409, 'personId');
}

/** The person's one way in: a new code replaces any earlier one, printed or sent. Only its hash is kept. */
async function keepWayIn(deps: Deps, personId: string, code: string, expiresAt: Date): Promise<void> {
  const { db } = deps.database;
  await db.deleteFrom('claim_codes').where('person_id', '=', personId).execute();
  await db.insertInto('claim_codes').values({ code_hash: claimHash(deps.secret, code), person_id: personId, expires_at: expiresAt }).onConflict((oc) => oc.doNothing()).execute();
}

/**
 * A coordinator who may act for a person recorded without an account gives them a code to read
 * out or print; with it they choose an email and a password. A new code replaces any earlier one.
 */
export async function giveWayIn(deps: Deps, caller: Caller, input: { networkId: string; personId: string }): Promise<{ code: string; expiresAt: Date }> {
  const { networkId, personId } = input;
  await mayGiveWayIn(deps, caller, networkId, personId);
  // Twelve letters and digits, none easily confused (no 0/O, 1/I/L): about 59 bits.
  const code = inGroups(Array.from({ length: 12 }, () => CLAIM_ALPHABET[randomInt(CLAIM_ALPHABET.length)]).join(''));
  const expiresAt = new Date(deps.clock.now().getTime() + CLAIM_DAYS * 86_400_000);
  await keepWayIn(deps, personId, code, expiresAt);
  return { code, expiresAt };
}

/**
 * The same way in, sent by email to the address the person's details hold (as an import or the
 * coordinator recorded it): a link to /claim with the code, which works once. The mail goes from
 * the outbox; the address is opened only to check there is one, and never leaves this function.
 */
export async function inviteToWayIn(deps: Deps, caller: Caller, input: { networkId: string; personId: string }): Promise<Written & { invitationId: string; expiresAt: Date }> {
  const { networkId, personId } = input;
  await mayGiveWayIn(deps, caller, networkId, personId);
  const { details } = await detailsOf(deps, personId);
  if (!details?.email) throw new Rejection('no-email-on-file', 'There is no email address for this person: add one to their details, or give them a code to print instead.', 422, 'personId');
  const invitationId = uuidv5('way-in-invitation', caller.commandId);
  const expiresAt = new Date(deps.clock.now().getTime() + CLAIM_DAYS * 86_400_000);
  const done = await decideAcross(
    deps.store,
    { person: [personStream(personId), personDecider] },
    (s) => ({ person: personDecider.decide({ type: 'InviteWayIn', personId, invitationId, networkId, invitedBy: caller.personId, expiresAt: expiresAt.toISOString() }, s.person) }),
    contextOf(deps, { ...caller, onBehalfOf: personId }),
  );
  // A retry of the same request finds its event written and keeps the same code again.
  if (!done.replayed) await keepWayIn(deps, personId, wayInCode(deps.secret, invitationId), expiresAt);
  return { invitationId, expiresAt, revision: done.revisions.person, position: done.position };
}

/**
 * The person takes the way in: from then on they have an account, and act for themselves. The code
 * is taken in one statement, so of two uses at once only one goes on; it is handed back only when
 * the email chosen is taken, to try another.
 */
export async function claimAccount(deps: Deps, caller: Caller, input: { code: string; email: string; password: string }): Promise<Written & { personId: string }> {
  const { db } = deps.database;
  const hash = claimHash(deps.secret, input.code);
  const claim = await db.deleteFrom('claim_codes').where('code_hash', '=', hash).where('expires_at', '>', deps.clock.now()).returning(['person_id', 'expires_at']).executeTakeFirst();
  if (!claim) throw new Rejection('claim-code-unknown', 'This code is not one Hearth gave, or it has expired or been used. Ask your coordinator for a new one.', 422, 'code');
  const personId = claim.person_id;
  await refuseErased(deps, personId, 'code');
  const { person } = await readStates(deps.store, { person: [personStream(personId), personDecider] });
  if (person.status !== 'active' || person.hasAccount) throw new Rejection('already-has-account', 'This person already has an account: sign in.', 409, 'code');
  const lookup = emailLookup(deps.secret, input.email);
  await db.insertInto('credentials').values({ person_id: personId, email_lookup: lookup, password_hash: await hashPassword(input.password) }).onConflict((oc) => oc.doNothing()).execute();
  const owner = await db.selectFrom('credentials').select('person_id').where('email_lookup', '=', lookup).executeTakeFirst();
  if (owner?.person_id !== personId) {
    await db.insertInto('claim_codes').values({ code_hash: hash, person_id: personId, expires_at: claim.expires_at }).onConflict((oc) => oc.doNothing()).execute();
    throw new Rejection('email-taken', 'An account already uses this email. Sign in, or reset the password.', 409, 'email');
  }
  const context = contextOf(deps, { ...caller, personId, onBehalfOf: null });
  const done = await withAccountOnlyIfKept(deps, personId, () =>
    decideAcross(deps.store, { person: [personStream(personId), personDecider] }, (s) => ({ person: personDecider.decide({ type: 'ClaimAccount', personId, now: context.now }, s.person) }), context),
  );
  await db.deleteFrom('claim_codes').where('person_id', '=', personId).execute();
  return { personId, revision: done.revisions.person, position: done.position };
}

// ---- a person's own view ----

export async function me(deps: Deps, caller: Caller) {
  const { db } = deps.database;
  const personId = caller.personId;
  const person = await db.selectFrom('people').select('name').where('person_id', '=', personId).executeTakeFirst();
  const memberships = await db
    .selectFrom('memberships')
    // A founder is enrolled before the network is written: a network not (yet) open is not shown.
    .innerJoin('networks', 'networks.network_id', 'memberships.network_id')
    .select(['memberships.network_id', 'networks.name', 'networks.kind', 'memberships.status', 'memberships.roles'])
    .where('memberships.person_id', '=', personId)
    .execute();
  return {
    personId,
    name: person?.name ?? null,
    memberships: memberships.map((m) => ({ networkId: m.network_id, networkName: m.name, kind: m.kind, status: m.status, roles: m.roles })),
  };
}

/** Everything done to the person or in their name, and who did it. */
/** What was done to a person or in their name, oldest first, a page at a time. */
export async function historyOf(deps: Pick<Deps, 'database'>, personId: string, page: Page<readonly [number]>) {
  const rows = await keyset(deps.database.db.selectFrom('person_history').selectAll().where('person_id', '=', personId), ['position'], 'asc', page).execute();
  return mapPage(pageFrom(rows, page.limit, (r) => [Number(r.position)] as const), (r) => ({ position: Number(r.position), type: r.type, networkId: r.network_id, actor: r.actor, onBehalfOf: r.on_behalf_of, recordedAt: r.recorded_at }));
}

/** Who acts on a person's data, and as whom: themselves, or a coordinator the consent rules let reach them. */
async function reaching(deps: Deps, caller: Caller, personId: string): Promise<{ acting: Caller; reach: Reach | null }> {
  if (caller.personId === personId) return { acting: { ...caller, onBehalfOf: null }, reach: null };
  return { acting: { ...caller, onBehalfOf: personId }, reach: await mayReach(deps, caller.personId, personId) };
}

/** A person's details as they last gave them, opened with their key: none once they are erased. */
export async function detailsOf(deps: Pick<Deps, 'store' | 'vault'>, personId: string): Promise<{ found: boolean; details: PersonalDetails | undefined }> {
  const events = domainEvents<PersonEvent>(await deps.store.readStream(personStream(personId)));
  let details: PersonalDetails | undefined;
  for (const e of events) {
    if (e.type === 'access.PersonRegistered' || e.type === 'access.PersonalDetailsChanged') details = (await deps.vault.open<PersonalDetails>(personId, e.data.details)) ?? details;
  }
  return { found: events.length > 0, details };
}

/** Subject access: everything Hearth holds about a person. Read tables must have caught up (the route waits). */
export async function exportPerson(deps: Deps, caller: Caller, input: { personId: string }) {
  const { personId } = input;
  const { db } = deps.database;
  await reaching(deps, caller, personId);
  const { found, details } = await detailsOf(deps, personId);
  if (!found) throw new Rejection('person-not-found', 'There is no such person.', 404, 'personId');
  const person = await db.selectFrom('people').selectAll().where('person_id', '=', personId).executeTakeFirst();
  const memberships = await db.selectFrom('memberships').leftJoin('networks', 'networks.network_id', 'memberships.network_id').selectAll('memberships').select(['networks.name as network_name', 'networks.kind as network_kind']).where('person_id', '=', personId).execute();
  const account = await db.selectFrom('credentials').select('updated_at').where('person_id', '=', personId).executeTakeFirst();
  const sessions = await db.selectFrom('sessions').select(['kind', 'created_at', 'expires_at']).where('person_id', '=', personId).execute();
  const { choices } = await readStates(deps.store, { choices: [choicesStream(personId), choiceDecider] });
  return {
    exportedAt: deps.clock.now().toISOString(),
    personId,
    details: details ?? null,
    erased: person?.erased ?? details === undefined,
    needsSafeguarding: person?.needs_safeguarding ?? false,
    account: account ? { passwordLastChanged: account.updated_at, sessions } : null,
    notifications: { emailsChosen: kindsOn(choices), chosenByThePerson: choices.kinds !== null },
    memberships: memberships.map((m) => ({
      networkId: m.network_id,
      networkName: m.network_name,
      networkKind: m.network_kind,
      status: m.status,
      roles: m.roles,
      approvedBy: m.approved_by,
      approvedAt: m.approved_at,
      dbsCheck: m.dbs_type ? { type: m.dbs_type, expiresOn: m.dbs_expires_on } : null,
    })),
    ...(await holdingsOf(deps, personId)),
    history: (await historyOf(deps, personId, whole)).items,
  };
}

/**
 * Erasure: the person's key is destroyed; amounts and balances stay. A coordinator's erasure is
 * decided on the person's stream held still, so a network they join meanwhile is counted.
 */
export async function erasePerson(deps: Deps, caller: Caller, input: { personId: string }): Promise<Written> {
  const { personId } = input;
  // Where the coordinator coordinates is read first; a network the person joins meanwhile is not
  // among them, and refuses below.
  const { acting, reach } = await reaching(deps, caller, personId);
  const context = contextOf(deps, acting);
  const done = await decideAcross(
    deps.store,
    { person: [personStream(personId), personDecider] },
    (s) => {
      if (reach) {
        const networks = [...new Set([...reach.networks, ...(s.person.status === 'none' ? [] : s.person.networks)])];
        const refusal = reachRefusal({ person: s.person, networks, coordinates: reach.coordinates });
        if (refusal) throw new Rejection('not-yours-to-reach', refusal, 403, 'personId');
      }
      return { person: personDecider.decide({ type: 'ErasePerson', personId, now: context.now }, s.person) };
    },
    context,
  );
  // The care bank keeps their age band, never their date of birth, while the key can still open
  // it: after the decision, so a retry after a crash here finds the key and keeps the bands once.
  const { dateOfBirth } = (await detailsOf(deps, personId)).details ?? {};
  if (dateOfBirth) await keepAgeBands(deps, context, personId, dateOfBirth, todayOn(deps.clock));
  const { db } = deps.database;
  await deps.vault.erase(personId);
  const credentials = await db.selectFrom('credentials').select(['email_lookup', 'sign_up_key']).where('person_id', '=', personId).executeTakeFirst();
  if (credentials) await forgetAccount(db, deps.secret, credentials.email_lookup);
  // The kept answer to their sign-up does not name them, but its fingerprint is of their details.
  if (credentials?.sign_up_key) await db.deleteFrom('idempotency_keys').where('scope', 'like', 'anonymous %').where('key', '=', credentials.sign_up_key).execute();
  await db.deleteFrom('credentials').where('person_id', '=', personId).execute();
  await db.deleteFrom('claim_codes').where('person_id', '=', personId).execute();
  await endSessions(db, personId);
  // Kept answers to earlier requests may name them.
  await db.deleteFrom('idempotency_keys').where(sql`body::text`, 'like', `%${personId}%`).execute();
  // Their offers and requests close; the catch-up at start closes any a crash here left open.
  await closePostsOf(deps, { personId, why: 'owner-erased' });
  return { revision: done.revisions.person, position: done.position };
}

// ---- memberships ----

/**
 * One membership command. Each of its writes is to one stream, so that it commits as EventStoreDB
 * commits: a membership that becomes active names its network on the person's stream first, and a
 * coordinator who stops coordinating is marked on the network's coordination stream first; then
 * the membership itself. Each first write is one a retry carries on from (its event ids follow
 * from the command), and one that is never followed only refuses more: a person's list of
 * networks one too long, a network's coordinators counted one too few.
 */
async function onMembership(
  deps: Deps,
  caller: Caller,
  networkId: string,
  personId: string,
  command: MembershipCommand,
  options: { personField?: string; keepACoordinator?: boolean; opens?: MembershipPlan['opens'] } = {},
): Promise<Written> {
  const context = contextOf(deps, caller);
  const reads = { membership: [membershipStream(networkId, personId), withRevision(membershipDecider)] as const, person: [personStream(personId), personDecider] as const };
  const first = (await readStates(deps.store, { membership: reads.membership })).membership;
  const foreseen = attempt(() => membershipDecider.decide(command, first.state));
  if (foreseen?.some((e) => e.type === 'access.MembershipApproved')) await recordJoining(deps, context, networkId, personId, options.personField, planOf(command, context, options.opens));
  // A network is never left without a coordinator: no one would be left to approve, broker or
  // record for members who are not online.
  const stepsDown = (from: MembershipState, events: readonly MembershipEvent[]) => coordinating(from) && !coordinating(events.reduce(membershipDecider.evolve, from));
  // Marked at the membership's revision as first read: the step-down holds only at that revision.
  const marked = Boolean(options.keepACoordinator && foreseen && stepsDown(first.state, foreseen));
  if (marked) await beginStepDown(deps, context, networkId, personId, first.revision, planOf(command, context));
  const done = await decideAcross(
    deps.store,
    reads,
    (s) => {
      if (s.person.status === 'none') throw new Rejection('person-not-found', 'There is no such person.', 404, options.personField);
      if (s.person.status === 'erased') throw new Rejection('person-erased', 'This person has been erased.', 409, options.personField);
      const membership = membershipDecider.decide(command, s.membership.state);
      // The first writes were made on the membership as first read; changed since, they may not hold.
      const moved = () => new Rejection('concurrency-conflict', 'This membership changed at the same moment. Please try once more.', 409);
      if (options.keepACoordinator && stepsDown(s.membership.state, membership) && !(marked && s.membership.revision === first.revision)) throw moved();
      if (membership.some((e) => e.type === 'access.MembershipApproved') && !s.person.networks.includes(networkId)) throw moved();
      return { membership };
    },
    context,
    caller.ifMatch === undefined ? {} : { ifMatch: { stream: 'membership', revision: caller.ifMatch } },
  );
  return { revision: done.revisions.membership, position: done.position };
}

/** What a decision would write, or undefined where it would be refused: a look ahead, not a decision. */
function attempt<T>(decide: () => T): T | undefined {
  try {
    return decide();
  } catch (refusal) {
    if (refusal instanceof Rejection) return undefined;
    throw refusal;
  }
}

/** The network a person is joining, on their own stream, where a decision about them (erasure) holds it still; with what then makes them a member. */
async function recordJoining(deps: Deps, context: CommandContext, networkId: string, personId: string, personField: string | undefined, then: MembershipPlan | undefined): Promise<void> {
  await decideAcross(
    deps.store,
    { person: [personStream(personId), personDecider] },
    (s) => {
      if (s.person.status === 'none') throw new Rejection('person-not-found', 'There is no such person.', 404, personField);
      return { person: personDecider.decide({ type: 'RecordNetworkJoined', personId, networkId, ...(then ? { then } : {}) }, s.person) };
    },
    { ...context, commandId: uuidv5(`joining ${networkId}`, context.commandId) },
  );
}

/**
 * Carries on a joining left between its two writes (the person's stream names the network, the
 * membership is not yet active), as the request that began it would have: under its command id,
 * so that it is written once whoever carries it on. The key is "network/person". A membership
 * that can no longer be made so (the person erased meanwhile) is left as it is.
 */
export async function finishJoining(deps: Pick<Deps, 'store'>, key: string): Promise<void> {
  const [networkId, personId] = key.split('/') as [string, string];
  const joined = domainEvents<PersonEvent>(await deps.store.readStream(personStream(personId))).filter((e) => e.type === 'access.NetworkJoined' && e.data.networkId === networkId).at(-1);
  const plan = joined?.type === 'access.NetworkJoined' ? joined.data.then : undefined;
  if (!plan) return;
  const command = { ...plan.membership, networkId, personId } as MembershipCommand;
  const { membership: _, ...ran } = plan;
  const { opens, ...context } = ran;
  const done = await decideAcross(
    deps.store,
    { membership: [membershipStream(networkId, personId), membershipDecider] as const, person: [personStream(personId), personDecider] as const },
    (s) => (s.person.status !== 'active' ? {} : { membership: attempt(() => membershipDecider.decide(command, s.membership)) ?? [] }),
    context,
  );
  if (opens && done.states.membership.status === 'active') await writeOpening(deps, context, networkId, opens, plan.actor);
}

/**
 * Joinings whose person's stream names the network and whose membership is not yet active, or
 * whose founder's network is not yet open, as the read tables have them: "network/person".
 */
export async function unfinishedJoinings(deps: Pick<Deps, 'database'>): Promise<string[]> {
  const { rows } = await sql<{ network_id: string; person_id: string }>`
    SELECT j.network_id, j.person_id FROM memberships_joining j
      LEFT JOIN memberships m ON m.network_id = j.network_id AND m.person_id = j.person_id
      LEFT JOIN networks n ON n.network_id = j.network_id
     WHERE m.status IS NULL OR m.status IN ('requested', 'invited') OR (j.opens_network AND n.network_id IS NULL)`.execute(deps.database.db);
  return rows.map((r) => `${r.network_id}/${r.person_id}`);
}

/**
 * A coordinator about to stop coordinating is marked on the network's coordination stream, if
 * another coordinator is still counted there. Of the last two stepping down at once, the second
 * to write finds the first marked and is refused.
 */
async function beginStepDown(deps: Deps, context: CommandContext, networkId: string, personId: string, membershipRevision: number, then: MembershipPlan | undefined): Promise<void> {
  const others = (await coordinatorsOf(deps, networkId)).filter((id) => id !== personId);
  const reads = Object.fromEntries(others.map((id) => [id, [membershipStream(networkId, id), withRevision(membershipDecider)] as const]));
  await decideAcross(
    deps.store,
    { coordination: [coordinationStream(networkId), coordinationDecider] as const, ...reads },
    (s) => {
      const states = s as unknown as Record<string, { state: MembershipState; revision: number }>;
      const still = others.filter((id) => coordinating(states[id]!.state)).map((id) => ({ personId: id, revision: states[id]!.revision }));
      return { coordination: coordinationDecider.decide({ type: 'BeginStepDown', networkId, personId, membershipRevision, others: still, ...(then ? { then } : {}) }, s.coordination) };
    },
    // One mark per membership revision: a retry marks the same one, a later attempt a new one.
    { ...context, commandId: uuidv5(`stepping down at ${membershipRevision}`, context.commandId) },
  );
}

/**
 * Carries on a step-down left after its mark (the network's coordination stream marks the
 * coordinator, their membership not yet changed), as the request that began it would have: at the
 * membership's marked revision, under the request's command id, once; a member who left has their
 * posts closed, as the request would have. A membership changed since is left as it is, and the
 * mark with it lapses. The key is "network/person/revision".
 */
export async function finishStepDown(deps: Pick<Deps, 'store' | 'clock' | 'database'>, key: string): Promise<void> {
  const [networkId, personId, at] = key.split('/') as [string, string, string];
  const marked = Number(at);
  const mark = domainEvents<CoordinationEvent>(await deps.store.readStream(coordinationStream(networkId))).filter((e) => e.data.personId === personId && e.data.membershipRevision === marked).at(-1);
  const plan = mark?.data.then;
  if (!plan) return;
  const { membership, opens: _, ...context } = plan;
  const command = { ...membership, networkId, personId } as MembershipCommand;
  const done = await decideAcross(
    deps.store,
    { membership: [membershipStream(networkId, personId), withRevision(membershipDecider)] as const },
    (s) => (s.membership.revision !== marked ? {} : { membership: attempt(() => membershipDecider.decide(command, s.membership.state)) ?? [] }),
    context,
  );
  if (command.type === 'LeaveNetwork' && done.states.membership.state.status === 'left') await closePostsOf(deps, { personId, networkId, why: 'owner-left' });
}

/** Coordinators marked stepping down whose membership is still at the marked revision, as the read tables have them: "network/person/revision". */
export async function unfinishedStepDowns(deps: Pick<Deps, 'database'>): Promise<string[]> {
  const { rows } = await sql<{ network_id: string; person_id: string; membership_revision: string | number }>`
    SELECT s.network_id, s.person_id, s.membership_revision FROM coordinators_stepping_down s
      JOIN memberships m ON m.network_id = s.network_id AND m.person_id = s.person_id AND m.revision = s.membership_revision`.execute(deps.database.db);
  return rows.map((r) => `${r.network_id}/${r.person_id}/${Number(r.membership_revision)}`);
}

/** A person asks to join, for themselves only. */
export async function requestToJoin(deps: Deps, caller: Caller, input: { networkId: string }): Promise<Written> {
  const { networkId } = input;
  await requireNetwork(deps, networkId);
  return onMembership(deps, { ...caller, onBehalfOf: null }, networkId, caller.personId, { type: 'RequestMembership', networkId, personId: caller.personId });
}

export async function invite(deps: Deps, caller: Caller, input: { networkId: string; personId: string }): Promise<Written> {
  const { networkId, personId } = input;
  return onMembership(deps, caller, networkId, personId, { type: 'InviteMember', networkId, personId, invitedBy: caller.personId }, { personField: 'personId' });
}

/**
 * The invitee accepts. No one accepts for a person with an account: they join by their own act.
 * A coordinator accepts only for a person without one whom the consent rules let them reach
 * (the guard has checked that for On-Behalf-Of).
 */
export async function acceptInvitation(deps: Deps, caller: Caller, input: { networkId: string }): Promise<Written> {
  const { networkId } = input;
  const personId = subjectOf(caller);
  if (caller.onBehalfOf) {
    const { person } = await readStates(deps.store, { person: [personStream(personId), personDecider] });
    if (person.status !== 'active' || person.hasAccount) {
      throw new Rejection('own-acceptance-only', 'A person with an account joins a network only by accepting the invitation themselves; no one accepts it for them.', 403);
    }
  }
  return onMembership(deps, caller, networkId, personId, { type: 'AcceptInvitation', networkId, personId, now: contextOf(deps, caller).now });
}

export async function approve(deps: Deps, caller: Caller, input: { networkId: string; personId: string; roles: Role[] }): Promise<Written> {
  const { networkId, personId, roles } = input;
  return onMembership(deps, caller, networkId, personId, { type: 'ApproveMembership', networkId, personId, approvedBy: caller.personId, roles, now: contextOf(deps, caller).now });
}

/**
 * A coordinator of the network turns down a request to join. Nobody decides on their own request,
 * even a coordinator of the network asking to join it under another role.
 */
export async function decline(deps: Deps, caller: Caller, input: { networkId: string; personId: string }): Promise<Written> {
  const { networkId, personId } = input;
  if (!(await coordinatedBy(deps.store, caller.personId, [networkId])).has(networkId)) {
    throw new Rejection('coordinators-only', 'Only a coordinator of this network may decline a request to join it.', 403);
  }
  if (personId === caller.personId) throw new Rejection('own-request', 'Another coordinator decides on your own request to join.', 403, 'personId');
  return onMembership(deps, { ...caller, onBehalfOf: null }, networkId, personId, { type: 'DeclineMembership', networkId, personId, declinedBy: caller.personId, now: contextOf(deps, caller).now }, { personField: 'personId' });
}

export async function changeRoles(deps: Deps, caller: Caller, input: { networkId: string; personId: string; roles: Role[]; reason: string }): Promise<Written> {
  const { networkId, personId, roles, reason } = input;
  return onMembership(deps, caller, networkId, personId, { type: 'ChangeRoles', networkId, personId, roles, reason }, { keepACoordinator: true });
}

/** The network's active coordinators, as its members table holds them. */
async function coordinatorsOf(deps: Deps, networkId: string): Promise<string[]> {
  const rows = await deps.database.db
    .selectFrom('memberships')
    .select('person_id')
    .where('network_id', '=', networkId)
    .where('status', '=', 'active')
    .where(sql<boolean>`'coordinator' = ANY (roles)`)
    .execute();
  return rows.map((r) => r.person_id);
}

export async function recordDbsCheck(
  deps: Deps,
  caller: Caller,
  input: { networkId: string; personId: string; checkType: (typeof dbsCheckTypes)[number]; issuedOn: string; expiresOn: string },
): Promise<Written> {
  const { networkId, personId, checkType, issuedOn, expiresOn } = input;
  return onMembership(deps, caller, networkId, personId, { type: 'RecordDbsCheck', networkId, personId, checkType, issuedOn, expiresOn });
}

/**
 * A member leaves a network, by their own act; or a coordinator of the network records that they
 * left. They lose access at once; their open and paused posts there close (and the catch-up at
 * start closes any that a crash in between left open). They may ask to join again later.
 */
export async function leaveNetwork(deps: Deps, caller: Caller, input: { networkId: string; personId: string; reason?: string }): Promise<Written> {
  const { networkId, personId } = input;
  const self = personId === subjectOf(caller) && caller.onBehalfOf === null;
  if (!self && !(await coordinatedBy(deps.store, caller.personId, [networkId])).has(networkId)) {
    throw new Rejection('coordinators-only', 'A member leaves by their own act; only a coordinator of this network records that someone else left.', 403, 'personId');
  }
  const done = await onMembership(deps, { ...caller, onBehalfOf: null }, networkId, personId, {
    type: 'LeaveNetwork',
    networkId,
    personId,
    leftBy: caller.personId,
    now: contextOf(deps, caller).now,
    ...(input.reason ? { reason: input.reason } : {}),
  }, { personField: 'personId', keepACoordinator: true });
  await closePostsOf(deps, { personId, networkId, why: 'owner-left' });
  return done;
}

/**
 * A coordinator records a member who is not online: a person without an account, active at once,
 * recorded by this network (so its coordinators may act for them). Their id follows from the command.
 */
export async function recordMember(deps: Deps, caller: Caller, input: { networkId: string; details: PersonalDetails; roles: Role[] }): Promise<Written & { personId: string }> {
  const { networkId, details, roles } = input;
  const personId = uuidv5('person', caller.commandId);
  const context = contextOf(deps, { ...caller, onBehalfOf: personId });
  const enrol: MembershipCommand = { type: 'EnrolMember', networkId, personId, approvedBy: caller.personId, roles, now: context.now };
  // Registered, with the network that records them and what then enrols them, before they are
  // enrolled: stopped in between, the retry of this request or the sweeper enrols them (the ids
  // of both writes follow from the command). A retry after the person was erased is refused: the
  // erasure removed the first answer, so it comes here again.
  await registerPerson(deps, { ...context, commandId: uuidv5('recorded', context.commandId) }, personId, details, false, { networkId, then: planOf(enrol, context)! });
  const done = await onMembership(deps, { ...caller, onBehalfOf: personId }, networkId, personId, enrol);
  // As for a sign-up: erased while this ran, the answer is not kept.
  await refuseErased(deps, personId);
  return { personId, ...done };
}

/** Whoever opens a network is its first coordinator, in the same command. */
export async function enrolFounder(deps: Deps, caller: Caller, networkId: string, opens: NonNullable<MembershipPlan['opens']>): Promise<Written> {
  const personId = caller.personId;
  const command: MembershipCommand = { type: 'EnrolMember', networkId, personId, approvedBy: personId, roles: ['member', 'coordinator'], now: contextOf(deps, caller).now };
  return onMembership(deps, { ...caller, onBehalfOf: null }, networkId, personId, command, { opens });
}

/** The network written, opened by its founder: after their membership, by the request or by whoever carries its joining on. */
export async function writeOpening(deps: Pick<Deps, 'store'>, context: CommandContext, networkId: string, opens: NonNullable<MembershipPlan['opens']>, openedBy: string) {
  return decideAcross(
    deps.store,
    { network: [networkStream(networkId), networkDecider] },
    (s) => (s.network.status !== 'none' ? {} : { network: networkDecider.decide({ type: 'OpenNetwork', networkId, name: opens.name, kind: opens.kind, openedBy, now: context.now }, s.network) }),
    context,
  );
}

/**
 * A coordinator flags a member of their network. The flag is the person's, so every network they
 * belong to sees it: any of their coordinators may raise it, but only one whose reach covers them
 * may clear it, so no network lifts another's protection.
 */
export async function flagSafeguarding(deps: Deps, caller: Caller, input: { networkId: string; personId: string; needsSafeguarding: boolean }): Promise<Written> {
  const { networkId, personId, needsSafeguarding } = input;
  if (!needsSafeguarding) await mayReach(deps, caller.personId, personId);
  const done = await decideAcross(
    deps.store,
    { membership: [membershipStream(networkId, personId), membershipDecider], person: [personStream(personId), personDecider] },
    (s) => {
      if (s.membership.status !== 'active') throw new Rejection('not-a-member', 'This person is not a member of the network.', 404);
      return { person: personDecider.decide({ type: 'FlagSafeguarding', personId, needsSafeguarding }, s.person) };
    },
    contextOf(deps, caller),
    caller.ifMatch === undefined ? {} : { ifMatch: { stream: 'person', revision: caller.ifMatch } },
  );
  return { revision: done.revisions.person, position: done.position };
}

// ---- reads ----

/** May this member give care to that one, under the network's policy? The provider may ask about themselves; otherwise a coordinator. */
export async function careCheck(deps: Deps, caller: Caller, input: { networkId: string; providerId: string; receiverId: string }) {
  const { networkId, providerId, receiverId } = input;
  if (caller.personId !== providerId && !(await coordinatedBy(deps.store, caller.personId, [networkId])).has(networkId)) {
    throw new Rejection('coordinators-only', 'Only a coordinator of this network, or the person giving care, may ask this.', 403);
  }
  const s = await readStates(deps.store, {
    network: [networkStream(networkId), networkDecider],
    provider: [membershipStream(networkId, providerId), membershipDecider],
    receiver: [personStream(receiverId), personDecider],
  });
  const reason = careRefusal(
    { requireDbsForSafeguarded: s.network.status === 'open' && s.network.requireDbsForSafeguarded },
    s.provider,
    s.receiver.status === 'active' && s.receiver.needsSafeguarding,
    todayOn(deps.clock),
  );
  return { allowed: reason === null, reason };
}

/** A network's members, with roles, who approved them and whether they have an account. */
/** Members by name, a page at a time (the CSV reads them whole). */
export async function members(deps: Deps, input: { networkId: string }, page: Page<MemberKey>) {
  const query = deps.database.db
    .selectFrom('memberships')
    .leftJoin('people', 'people.person_id', 'memberships.person_id')
    .leftJoin('credentials', 'credentials.person_id', 'memberships.person_id')
    .select(['memberships.person_id', 'people.name', 'people.erased', 'people.needs_safeguarding', 'memberships.status', 'memberships.roles', 'memberships.approved_by', 'memberships.approved_at', 'memberships.dbs_expires_on', 'memberships.former_member_number'])
    .select('credentials.person_id as credential')
    .select(sql<string>`coalesce(people.name, '')`.as('sort_name'))
    .where('memberships.network_id', '=', input.networkId);
  const rows = await keyset(query, [sql`coalesce(people.name, '')`, 'memberships.person_id'], 'asc', page).execute();
  const found = pageFrom(rows, page.limit, (r): MemberKey => [r.sort_name, r.person_id]);
  return mapPage(found, (r) => ({
    personId: r.person_id,
    name: r.erased ? 'erased member' : r.name,
    status: r.status,
    roles: r.roles,
    approvedBy: r.approved_by,
    approvedAt: r.approved_at,
    dbsExpiresOn: r.dbs_expires_on,
    needsSafeguarding: r.needs_safeguarding ?? false,
    // A member recorded without an account is given a way in; one with an account signs in.
    hasAccount: r.credential !== null,
    // Moved in from another system: the number they had there, as the old records name them.
    formerMemberNumber: r.former_member_number,
  }));
}
export type MemberKey = readonly [string, string];

async function requireNetwork(deps: Deps, networkId: string): Promise<void> {
  const { network } = await readStates(deps.store, { network: [networkStream(networkId), networkDecider] });
  if (network.status !== 'open') throw new Rejection('network-not-found', 'There is no network with that id.', 404);
}
