// Accounts and sessions: sign up, sign in, sign out, change password; a person's own view of
// themselves, their history, a subject access export, and erasure.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { v5 as uuidv5 } from 'uuid';
import type { Hearth } from '../hearth.ts';
import { handleCommand } from '../commands/handle.ts';
import { Rejection } from '../commands/decider.ts';
import { personalDetails, personDecider, personStream, type PersonalDetails, type PersonEvent } from '../access/person.ts';
import { registerPerson } from '../access/register.ts';
import { hashPassword, verifyPassword, decoyHash } from '../access/passwords.ts';
import { createSession, emailLookup, endSessions, SESSION_COOKIE, SignInThrottle } from '../access/sessions.ts';
import { Forbidden, membershipOf, signedIn } from '../access/guard.ts';
import { forgetAnswersAbout, idempotent } from './idempotency.ts';
import { commandContext } from './commands.ts';
import { makeProblem, sendProblem } from './problem.ts';
import { waitForProjections, writeResult } from './reads.ts';

const password = z.string().min(12, 'must be at least 12 characters').max(200);
const ACCOUNT_FAILURE_LIMIT = 5;
const ADDRESS_FAILURE_LIMIT = 20;

export function accountRoutes(hearth: Hearth): FastifyPluginAsync {
  const { db } = hearth.database;
  const throttle = new SignInThrottle(db);

  /** Self, or a coordinator of a network the person is an active member of. */
  async function mayActFor(request: FastifyRequest, personId: string): Promise<{ actor: string; onBehalfOf: string | null }> {
    const principal = signedIn(request);
    if (principal.personId === personId) return { actor: personId, onBehalfOf: null };
    const shared = await db.selectFrom('memberships').select('network_id').where('person_id', '=', personId).where('status', '=', 'active').execute();
    for (const { network_id } of shared) {
      const mine = await membershipOf(hearth.store, network_id, principal.personId);
      const theirs = await membershipOf(hearth.store, network_id, personId);
      if (mine.status === 'active' && mine.roles.includes('coordinator') && theirs.status === 'active') return { actor: principal.personId, onBehalfOf: personId };
    }
    throw new Forbidden('Only the person themselves, or a coordinator of a network they belong to, may do this.');
  }

  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/accounts',
      {
        schema: {
          summary: 'Sign up',
          body: personalDetails.omit({ notes: true }).extend({ email: z.email().max(254), password }).strict(),
          response: { 201: z.object({ personId: z.uuid(), revision: z.number().int(), position: z.number().int() }) },
        },
      },
      async (request, reply) =>
        idempotent(hearth, request, reply, 'anonymous', async (commandId) => {
          const { password: secret, ...details } = request.body;
          const lookup = emailLookup(hearth.secret, details.email);
          const personId = uuidv5('person', commandId);
          // The email is claimed before anything is recorded, so of two sign-ups racing for one
          // email exactly one goes on, and the other writes nothing.
          await db
            .insertInto('credentials')
            .values({ person_id: personId, email_lookup: lookup, password_hash: await hashPassword(secret) })
            .onConflict((oc) => oc.doNothing())
            .execute();
          const owner = await db.selectFrom('credentials').select('person_id').where('email_lookup', '=', lookup).executeTakeFirst();
          if (owner?.person_id !== personId) throw new Rejection('email-taken', 'An account already uses this email. Sign in, or reset the password.', 409, 'email');
          const done = await registerPerson(hearth, commandContext(request, commandId, { actor: personId, onBehalfOf: null }), personId, details, true);
          return { status: 201, body: { personId, revision: done.revision, position: done.position } };
        }),
    );

    app.post(
      '/sessions',
      {
        schema: {
          summary: 'Sign in: a bearer token for the API, or a session cookie for pages',
          body: z.strictObject({ email: z.string().max(254), password: z.string().max(200), kind: z.enum(['bearer', 'cookie']).default('bearer') }),
          response: { 201: z.object({ personId: z.uuid(), token: z.string().optional(), csrfToken: z.string(), expiresAt: z.string() }) },
        },
      },
      async (request, reply) => {
        const lookup = emailLookup(hearth.secret, request.body.email);
        const limits = [
          { key: `account:${lookup}`, limit: ACCOUNT_FAILURE_LIMIT },
          { key: `address:${request.ip}`, limit: ADDRESS_FAILURE_LIMIT },
        ];
        const wait = await throttle.retryAfter(limits);
        if (wait > 0) {
          reply.header('retry-after', String(wait));
          return sendProblem(reply, makeProblem('too-many-sign-in-attempts', 429, `Too many tries. Wait ${Math.ceil(wait / 60)} minutes, then try again.`));
        }
        const credentials = await db.selectFrom('credentials').select(['person_id', 'password_hash']).where('email_lookup', '=', lookup).executeTakeFirst();
        // The same work, and the same answer, whether or not the email has an account.
        const matches = await verifyPassword(request.body.password, credentials?.password_hash ?? decoyHash);
        if (!credentials || !matches) {
          await throttle.failed(limits.map((l) => l.key));
          return sendProblem(reply, makeProblem('sign-in-failed', 401, 'That email and password do not match an account.'));
        }
        await throttle.succeeded(`account:${lookup}`);
        const session = await createSession(db, credentials.person_id, request.body.kind, hearth.config.SESSION_HOURS);
        if (request.body.kind === 'cookie') {
          reply.setCookie(SESSION_COOKIE, session.token, {
            httpOnly: true,
            sameSite: 'lax',
            secure: request.protocol === 'https',
            path: '/',
            expires: session.expiresAt,
          });
        }
        return reply.code(201).send({
          personId: credentials.person_id,
          ...(request.body.kind === 'bearer' ? { token: session.token } : {}),
          csrfToken: session.csrfToken,
          expiresAt: session.expiresAt.toISOString(),
        });
      },
    );

    app.delete('/sessions/current', { schema: { summary: 'Sign out' } }, async (request, reply) => {
      const principal = signedIn(request);
      await db.deleteFrom('sessions').where('token_hash', '=', principal.tokenHash).execute();
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    });

    app.put(
      '/accounts/me/password',
      {
        schema: {
          summary: 'Change password; every other session ends',
          body: z.strictObject({ currentPassword: z.string().max(200), newPassword: password }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const principal = signedIn(request);
        return idempotent(hearth, request, reply, principal.personId, async (commandId) => {
          const credentials = await db.selectFrom('credentials').select('password_hash').where('person_id', '=', principal.personId).executeTakeFirst();
          if (!credentials || !(await verifyPassword(request.body.currentPassword, credentials.password_hash))) {
            throw new Rejection('wrong-password', 'The current password is not right.', 422, 'currentPassword');
          }
          const done = await handleCommand(hearth.store, personDecider, personStream(principal.personId), { type: 'RecordPasswordChange', personId: principal.personId }, commandContext(request, commandId, { actor: principal.personId, onBehalfOf: null }));
          await db.updateTable('credentials').set({ password_hash: await hashPassword(request.body.newPassword), updated_at: new Date() }).where('person_id', '=', principal.personId).execute();
          await endSessions(db, principal.personId, principal.tokenHash);
          return { status: 200, body: { revision: done.revision, position: done.position } };
        });
      },
    );

    app.get(
      '/me',
      {
        schema: {
          summary: 'Who I am, and the networks I belong to',
          response: {
            200: z.object({
              personId: z.uuid(),
              name: z.string().nullable(),
              memberships: z.array(z.object({ networkId: z.uuid(), networkName: z.string().nullable(), kind: z.string().nullable(), status: z.string(), roles: z.array(z.string()) })),
            }),
          },
        },
      },
      async (request) => {
        const { personId } = signedIn(request);
        const person = await db.selectFrom('people').select('name').where('person_id', '=', personId).executeTakeFirst();
        const memberships = await db
          .selectFrom('memberships')
          .leftJoin('networks', 'networks.network_id', 'memberships.network_id')
          .select(['memberships.network_id', 'networks.name', 'networks.kind', 'memberships.status', 'memberships.roles'])
          .where('memberships.person_id', '=', personId)
          .execute();
        return {
          personId,
          name: person?.name ?? null,
          memberships: memberships.map((m) => ({ networkId: m.network_id, networkName: m.name, kind: m.kind, status: m.status, roles: m.roles })),
        };
      },
    );

    const history = z.array(z.object({ position: z.number().int(), type: z.string(), networkId: z.uuid().nullable(), actor: z.string(), onBehalfOf: z.string().nullable(), recordedAt: z.string() }));

    app.get('/me/history', { schema: { summary: 'What happened to me, and who did it', response: { 200: z.object({ items: history }) } } }, async (request) => {
      const { personId } = signedIn(request);
      return { items: await historyOf(personId) };
    });

    async function historyOf(personId: string) {
      const rows = await db.selectFrom('person_history').selectAll().where('person_id', '=', personId).orderBy('position').execute();
      return rows.map((r) => ({ position: Number(r.position), type: r.type, networkId: r.network_id, actor: r.actor, onBehalfOf: r.on_behalf_of, recordedAt: r.recorded_at }));
    }

    const personParams = z.object({ personId: z.uuid() });

    app.get(
      '/people/:personId/export',
      { schema: { summary: 'Subject access: everything Hearth holds about a person', params: personParams } },
      async (request, reply) => {
        const { personId } = request.params;
        await mayActFor(request, personId);
        // An export must be whole: wait until the read tables hold everything written so far.
        if (!(await waitForProjections(hearth, reply, ['people', 'memberships', 'person_history'], await hearth.store.headPosition()))) return reply;
        const events = (await hearth.store.readStream(personStream(personId))) as unknown as Array<PersonEvent & { metadata: { recordedAt: string } }>;
        if (events.length === 0) return sendProblem(reply, makeProblem('person-not-found', 404, 'There is no such person.'));
        let details: PersonalDetails | undefined;
        for (const e of events) {
          if (e.type === 'access.PersonRegistered' || e.type === 'access.PersonalDetailsChanged') details = (await hearth.vault.open<PersonalDetails>(personId, e.data.details)) ?? details;
        }
        const person = await db.selectFrom('people').selectAll().where('person_id', '=', personId).executeTakeFirst();
        const memberships = await db.selectFrom('memberships').selectAll().where('person_id', '=', personId).execute();
        const account = await db.selectFrom('credentials').select('updated_at').where('person_id', '=', personId).executeTakeFirst();
        const sessions = await db.selectFrom('sessions').select(['kind', 'created_at', 'expires_at']).where('person_id', '=', personId).execute();
        reply.header('content-disposition', `attachment; filename="hearth-${personId}.json"`);
        return {
          exportedAt: new Date().toISOString(),
          personId,
          details: details ?? null,
          erased: person?.erased ?? details === undefined,
          needsSafeguarding: person?.needs_safeguarding ?? false,
          account: account ? { passwordLastChanged: account.updated_at, sessions } : null,
          memberships: memberships.map((m) => ({
            networkId: m.network_id,
            status: m.status,
            roles: m.roles,
            approvedBy: m.approved_by,
            approvedAt: m.approved_at,
            dbsCheck: m.dbs_type ? { type: m.dbs_type, expiresOn: m.dbs_expires_on } : null,
          })),
          history: await historyOf(personId),
        };
      },
    );

    app.post(
      '/people/:personId/erasure',
      {
        schema: {
          summary: 'Erase a person: their key is destroyed; amounts and balances stay',
          params: personParams,
          body: z.strictObject({ confirm: z.literal(true, 'must be true: erasure cannot be undone') }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const principal = signedIn(request);
        const { personId } = request.params;
        const acting = await mayActFor(request, personId);
        return idempotent(hearth, request, reply, principal.personId, async (commandId) => {
          const context = commandContext(request, commandId, acting);
          const done = await handleCommand(hearth.store, personDecider, personStream(personId), { type: 'ErasePerson', personId, now: context.now }, context);
          await hearth.vault.erase(personId);
          await db.deleteFrom('credentials').where('person_id', '=', personId).execute();
          await endSessions(db, personId);
          await forgetAnswersAbout(db, personId);
          return { status: 200, body: { revision: done.revision, position: done.position } };
        });
      },
    );
  };
}
