// Accounts and sessions: sign up, sign in, sign out, change password; a person's own view of
// themselves, their history, a subject access export, and erasure. Each route parses, calls the
// application function (src/access/app.ts) and maps its answer.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import { personalDetails } from '../access/person.ts';
import { SESSION_COOKIE } from '../access/sessions.ts';
import { signedIn } from '../access/guard.ts';
import * as access from '../access/app.ts';
import * as account from '../access/account-app.ts';
import * as resets from '../access/reset-app.ts';
import { currentDetails } from '../access/register.ts';
import { makeProblem, sendProblem } from './problem.ts';
import { readAfter, waitForProjections, writeResult } from './reads.ts';
import { answerPage, pageOf, pageQuery } from './paging.ts';
import { id, name } from '../bounds.ts';

const password = z.string().min(12, 'must be at least 12 characters').max(200);
const history = z.array(z.object({ position: z.number().int(), type: z.string(), networkId: id().nullable(), actor: z.string(), onBehalfOf: z.string().nullable(), recordedAt: z.string() }));
const personParams = z.object({ personId: id() });

/**
 * What happens after a sign-up, in words true either way: a sign-up sends no email (so there is
 * no "check your inbox"), and the answer must not say whether the email already had an account.
 */
export const SIGN_UP_NEXT =
  'If this email address was new to Hearth, your account is ready: sign in with it and the password you have just chosen. If it already had an account, nothing has changed: sign in with that account\'s own password, or use "Forgotten your password?" on the sign-in page.';

function tooManyTries(reply: FastifyReply, seconds: number, type: 'too-many-sign-in-attempts' | 'too-many-sign-ups' | 'too-many-reset-requests' | 'too-many-reset-codes') {
  reply.header('retry-after', String(seconds));
  const minutes = Math.ceil(seconds / 60);
  return sendProblem(reply, makeProblem(type, 429, `Too many tries from here. Wait ${minutes} minute${minutes === 1 ? '' : 's'}, then try again.`, { retryAfterSeconds: seconds }));
}

/** After asking for a reset link: true whether or not an account uses the address. */
export const RESET_REQUESTED_NEXT = 'If an account uses that address, we have sent a link; it works for an hour. No email? Ask your coordinator for a reset code.';

const ownDetails = personalDetails.omit({ notes: true });

export function accountRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/accounts',
      {
        config: { guard: { who: 'anyone', write: true } },
        schema: {
          operationId: 'signUp',
          summary: 'Sign up. The answer is the same whether or not the email already has an account, and says what to do next',
          body: personalDetails.omit({ notes: true }).extend({ email: z.email().max(254), password }).strict(),
          response: { 202: z.object({ next: z.string() }) },
        },
      },
      async (request, reply) => {
        const { password: secret, ...details } = request.body;
        const done = await access.signUp(hearth, request.caller, { details, password: secret, address: request.ip, requestKey: request.idempotency?.key });
        if (done.outcome === 'throttled') return tooManyTries(reply, done.retryAfterSeconds, 'too-many-sign-ups');
        return reply.code(202).send({ next: SIGN_UP_NEXT });
      },
    );

    app.post(
      '/accounts/claim',
      {
        config: { guard: { who: 'anyone', write: true } },
        schema: {
          operationId: 'claimAccount',
          summary: 'Take the way in a coordinator gave: a member recorded without an account chooses an email and a password',
          body: z.strictObject({ code: name(40), email: z.email().max(254), password }),
          response: { 201: z.object({ personId: id(), revision: z.number().int(), position: z.number().int() }) },
        },
      },
      async (request, reply) => reply.code(201).send(await access.claimAccount(hearth, request.caller, request.body)),
    );

    app.post(
      '/sessions',
      {
        config: { guard: { who: 'anyone' } },
        schema: {
          operationId: 'signIn',
          summary: 'Sign in: a bearer token for the API, or a session cookie for pages',
          body: z.strictObject({ email: z.string().max(254), password: z.string().max(200), kind: z.enum(['bearer', 'cookie']).default('bearer') }),
          response: { 201: z.object({ personId: id(), token: z.string().optional(), csrfToken: z.string(), expiresAt: z.string() }) },
        },
      },
      async (request, reply) => {
        const { kind } = request.body;
        const session = await access.signIn(hearth, { ...request.body, address: request.ip, sessionHours: hearth.config.SESSION_HOURS });
        if (session.outcome === 'throttled') return tooManyTries(reply, session.retryAfterSeconds, 'too-many-sign-in-attempts');
        if (session.outcome === 'failed') return sendProblem(reply, makeProblem('sign-in-failed', 401, 'That email and password do not match an account.'));
        if (kind === 'cookie') {
          reply.setCookie(SESSION_COOKIE, session.token, { httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https', path: '/', expires: session.expiresAt });
        }
        return reply.code(201).send({
          personId: session.personId,
          ...(kind === 'bearer' ? { token: session.token } : {}),
          csrfToken: session.csrfToken,
          expiresAt: session.expiresAt.toISOString(),
        });
      },
    );

    app.delete('/sessions/current', { config: { guard: { who: 'signed-in' } }, schema: { operationId: 'signOut', summary: 'Sign out', response: { 204: z.null().describe('Signed out') } } }, async (request, reply) => {
      await access.signOut(hearth, signedIn(request));
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    });

    app.put(
      '/accounts/me/password',
      {
        config: { guard: { who: 'signed-in', write: true } },
        schema: {
          operationId: 'changePassword',
          summary: 'Change password; every other session ends',
          body: z.strictObject({ currentPassword: z.string().max(200), newPassword: password }),
          response: { 200: writeResult },
        },
      },
      async (request) => access.changePassword(hearth, request.caller, { ...request.body, tokenHash: signedIn(request).tokenHash }),
    );

    app.post(
      '/password-resets',
      {
        config: { guard: { who: 'anyone', write: true } },
        schema: {
          operationId: 'requestPasswordReset',
          summary: 'Ask for a link to set a new password. The answer is the same whether or not an account uses the email',
          body: z.strictObject({ email: z.email().max(254) }),
          response: { 202: z.object({ next: z.string() }) },
        },
      },
      async (request, reply) => {
        const done = await resets.requestPasswordReset(hearth, request.caller, { email: request.body.email, address: request.ip });
        if (done.outcome === 'throttled') return tooManyTries(reply, done.retryAfterSeconds, 'too-many-reset-requests');
        return reply.code(202).send({ next: RESET_REQUESTED_NEXT });
      },
    );

    app.post(
      '/password-resets/use',
      {
        config: { guard: { who: 'anyone', write: true } },
        schema: {
          operationId: 'usePasswordReset',
          summary: "Set a new password with a reset: the link's reset id, or the email with a coordinator's code. Every session ends",
          body: z.union([
            z.strictObject({ resetId: id(), code: name(64), newPassword: password }),
            z.strictObject({ email: z.email().max(254), code: name(64), newPassword: password }),
          ]),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const done = await resets.resetPassword(hearth, request.caller, { ...request.body, address: request.ip });
        if (done.outcome === 'throttled') return tooManyTries(reply, done.retryAfterSeconds, 'too-many-reset-codes');
        return { revision: done.revision, position: done.position };
      },
    );

    app.post(
      '/networks/:networkId/members/:personId/password-resets',
      {
        config: { guard: { who: ['coordinator'], write: true } },
        schema: {
          operationId: 'giveResetCode',
          summary: 'A coordinator gives a member a code to set a new password with, to read out or print; good for a day, until a later reset',
          params: z.object({ networkId: id(), personId: id() }),
          response: { 201: z.object({ resetId: id(), code: z.string(), expiresAt: z.string(), revision: z.number().int(), position: z.number().int() }) },
        },
      },
      async (request, reply) => reply.code(201).send(await resets.issueResetCode(hearth, request.caller, request.params)),
    );

    app.get(
      '/me/details',
      { config: { guard: { who: 'signed-in' } }, schema: { summary: 'My own details as Hearth holds them, to put right', response: { 200: ownDetails } } },
      async (request) => {
        const { notes: _kept, ...details } = (await currentDetails(hearth, request.caller.personId)) ?? { name: '' };
        return details;
      },
    );

    app.put(
      '/me/details',
      {
        config: { guard: { who: 'signed-in', write: true } },
        schema: {
          summary: 'Put my details right (name, email, phone, date of birth); a new email becomes the one I sign in with',
          body: ownDetails.strict(),
          response: { 200: writeResult },
        },
      },
      async (request) => account.changeDetails(hearth, request.caller, { details: request.body }),
    );

    app.get(
      '/me',
      {
        config: { guard: { who: 'signed-in' } },
        schema: {
          summary: 'Who I am, and the networks I belong to',
          querystring: readAfter,
          response: {
            200: z.object({
              personId: id(),
              name: z.string().nullable(),
              memberships: z.array(z.object({ networkId: id(), networkName: z.string().nullable(), kind: z.string().nullable(), status: z.string(), roles: z.array(z.string()) })),
            }),
          },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['people', 'memberships', 'networks'], request.query.after))) return reply;
        return access.me(hearth, request.caller);
      },
    );

    app.get(
      '/me/history',
      {
        config: { guard: { who: 'signed-in' } },
        schema: { summary: 'Everything done to me or in my name, of every kind, and who did it (actor, and for whom), oldest first, a page at a time', querystring: pageQuery(), response: { 200: pageOf(history.element) } },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['person_history'], request.query.after))) return reply;
        return (await answerPage(hearth, reply, { list: 'my-history', scope: { personId: request.caller.personId }, query: request.query }, (page) => access.historyOf(hearth, request.caller.personId, page))) ?? reply;
      },
    );

    app.get(
      '/people/:personId/export',
      {
        config: { guard: { who: 'signed-in' } },
        schema: { operationId: 'exportPersonData', summary: 'Subject access: everything Hearth holds about a person (themselves, or a coordinator the consent rules let reach them)', params: personParams },
      },
      async (request, reply) => {
        // An export must be whole: wait until the read tables hold everything written so far.
        if (!(await waitForProjections(hearth, reply, ['people', 'memberships', 'person_history', 'networks', 'timebank', 'carebank', 'pools', 'coop', 'vouchers'], await hearth.store.headPosition()))) return reply;
        const exported = await access.exportPerson(hearth, request.caller, request.params);
        reply.header('content-disposition', `attachment; filename="hearth-${exported.personId}.json"`);
        return exported;
      },
    );

    app.post(
      '/people/:personId/erasure',
      {
        config: { guard: { who: 'signed-in', write: true } },
        schema: {
          summary: 'Erase a person (themselves, or a coordinator the consent rules let reach them): their key is destroyed; amounts and balances stay',
          params: personParams,
          body: z.strictObject({ confirm: z.literal(true, 'must be true: erasure cannot be undone') }),
          response: { 200: writeResult },
        },
      },
      async (request) => access.erasePerson(hearth, request.caller, request.params),
    );
  };
}
