// The pages people use, served by Hearth itself beside the API: signing in and out, a home page
// listing each network and what the person can do there, and one set of pages per journey.
// Forms post and the server redirects; no page needs a script.
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyPluginAsync, FastifyReply } from 'fastify';
import formbody from '@fastify/formbody';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { Hearth } from '../hearth.ts';
import { Forbidden, Unauthenticated } from '../access/guard.ts';
import { checkFormToken, CsrfMismatch, formTokenFor } from '../http/auth.ts';
import { html } from '../http/html.ts';
import { Api, ReadFailed } from './api.ts';
import { layout } from './layout.ts';
import { errorSummary, form, formState, hasErrors, posted, readText, refusedBy, textField, type FormState } from './forms.ts';
import { pageFor, type Membership } from './page.ts';
import { ukTime } from './words.ts';
import { memberJourney } from './timebank.ts';
import { postsJourney } from './posts.ts';
import { familyJourney, mentorJourney } from './vouchers.ts';
import { coordinatorJourney } from './coordinator.ts';
import { careBankJourney } from './carebank.ts';
import { coopJourney } from './coop.ts';
import { treasurerJourney } from './treasurer.ts';
import { notificationPages, waitingPanel } from './notifications.ts';
import { coordinatorSetupJourney } from './coordinator-setup.ts';
import { coordinatorCareJourney } from './coordinator-care.ts';
import { accountPages } from './account.ts';
import { helpJourney } from './help.ts';
import { answersJourney } from './timebank-answers.ts';

export interface Link {
  href: string;
  label: string;
}

/** One journey's pages, and the links to them the home page shows for a membership. */
export interface Journey {
  links(membership: Membership): Link[];
  routes(hearth: Hearth): FastifyPluginAsync;
}

const journeys: Journey[] = [memberJourney, postsJourney, coopJourney, coordinatorJourney, careBankJourney, familyJourney, mentorJourney, treasurerJourney, helpJourney, coordinatorSetupJourney, coordinatorCareJourney, answersJourney];

const kindNames: Record<string, string> = {
  time_bank: 'Time bank',
  care_bank_scheme: 'Care bank',
  neighbourhood_network: 'Neighbourhood network',
  co_operative: 'Co-operative',
};

/** Only a path on this site may be returned to after signing in. */
const localPath = (next: unknown) => (typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/');

/** A page outside any network: signing in, or an error, with the way to sign out when signed in. */
export function bare(reply: FastifyReply, title: string, body: ReturnType<typeof html>, status = 200, hasErrors = false) {
  const principal = reply.request.principal;
  const who = principal?.kind === 'cookie' ? { csrfToken: principal.csrfToken } : undefined;
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(layout({ title, body, hasErrors, who }));
}

export function webRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (app) => {
    await app.register(formbody);

    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof Unauthenticated || (error instanceof ReadFailed && error.problem.status === 401)) {
        return reply.redirect(request.method === 'GET' ? `/sign-in?next=${encodeURIComponent(request.url)}` : '/sign-in', 303);
      }
      if (error instanceof CsrfMismatch) {
        return bare(reply, 'This form has expired', html`<p>${error.message}</p><p><a href="/">Go to your networks</a></p>`, 403);
      }
      if (error instanceof Forbidden || (error instanceof ReadFailed && error.problem.status === 403)) {
        return bare(reply, 'This page is not open to you', html`<p>${error.message}</p><p><a href="/">Go to your networks</a></p>`, 403);
      }
      if (hasZodFastifySchemaValidationErrors(error) || (error instanceof ReadFailed && error.problem.status === 404)) {
        return bare(reply, 'Page not found', html`<p>There is nothing at this address. Check it, or <a href="/">go to your networks</a>.</p>`, 404);
      }
      if (error.statusCode === 413) {
        return bare(reply, 'That is too much to send', html`<p>The form sent more than Hearth takes at once. Send a smaller file, or a shorter period of the bank statement.</p><p><a href="/">Go to your networks</a></p>`, 413);
      }
      if (error instanceof ReadFailed) {
        return bare(reply, error.problem.title, html`<p>${error.problem.detail}</p><p><a href="/">Go to your networks</a></p>`, error.problem.status);
      }
      request.log.error({ err: { type: error.name, message: error.message, stack: error.stack } }, 'page failed');
      return bare(reply, 'Sorry, something went wrong', html`<p>What you did may or may not have been recorded: check before you try again. If it happens again, tell your coordinator and quote ${request.id}.</p>`, 500);
    });

    const signInPage = (reply: FastifyReply, state: FormState, note?: string) =>
      bare(
        reply,
        'Sign in',
        html`${errorSummary(state)}${note ? html`<p class="panel" role="status">${note}</p>` : html``}
          ${form(
            `/sign-in${state.values.next ? `?next=${encodeURIComponent(state.values.next)}` : ''}`,
            state,
            formTokenFor(hearth.secret, reply.request, reply),
            html`${textField(state, { name: 'email', label: 'Email address', type: 'email', autocomplete: 'email' })}${textField(state, { name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' })}`,
            'Sign in',
          )}
          <p><a href="/forgotten-password">Forgotten your password?</a></p>
          <p>No account? <a href="/sign-up">Create an account</a>, or ask your coordinator: they can record what you do for you, or help you set one up.</p>
          <p>Did your coordinator give you a code? <a href="/claim">Set up your account with it</a>.</p>`,
        state.general || Object.keys(state.errors).length > 0 ? 422 : 200,
        Object.keys(state.errors).length > 0 || state.general !== undefined,
      );

    app.get('/sign-in', { schema: { hide: true } }, async (request, reply) => {
      const query = request.query as { next?: string; 'signed-out'?: string };
      if (request.principal?.kind === 'cookie') return reply.redirect(localPath(query.next), 303);
      return signInPage(reply, formState({ next: localPath(query.next) === '/' ? undefined : query.next }), query['signed-out'] ? 'You have signed out.' : undefined);
    });

    app.post('/sign-in', { schema: { hide: true } }, async (request, reply) => {
      // Before anything else: a post another site made this browser send signs no one in.
      checkFormToken(hearth.secret, request);
      const state = posted(request.body);
      state.values.next = (request.query as { next?: string }).next;
      const email = readText(state, 'email', 'Enter your email address', 254);
      const password = readText(state, 'password', 'Enter your password', 200);
      if (!email || !password) return signInPage(reply, state);
      const answer = await new Api(app, request).send('POST', '/sessions', { email, password, kind: 'cookie' }, { key: state.values._key ?? 'sign-in' });
      if (!answer.ok && answer.status === 429) return signInPage(reply, lockedOut(state, hearth.clock.now(), answer.problem.retryAfterSeconds));
      if (!answer.ok) return signInPage(reply, refusedBy(state, answer.problem));
      if (answer.setCookie) reply.header('set-cookie', answer.setCookie);
      return reply.redirect(localPath(state.values.next), 303);
    });

    const signUpPage = (reply: FastifyReply, state: FormState) =>
      bare(
        reply,
        'Create an account',
        html`${errorSummary(state)}
          ${form(
            '/sign-up',
            state,
            formTokenFor(hearth.secret, reply.request, reply),
            html`${textField(state, { name: 'name', label: 'Your name', autocomplete: 'name' })}${textField(state, { name: 'email', label: 'Email address', type: 'email', autocomplete: 'email' })}${textField(state, { name: 'password', label: 'Choose a password', hint: 'At least 12 characters. A few words you will remember are easier than a jumble.', type: 'password', autocomplete: 'new-password' })}`,
            'Create account',
          )}
          <p>Already have an account? <a href="/sign-in">Sign in</a>.</p>`,
        hasErrors(state) ? 422 : 200,
        hasErrors(state),
      );

    app.get('/sign-up', { schema: { hide: true } }, async (request, reply) => {
      if (request.principal?.kind === 'cookie') return reply.redirect('/', 303);
      return signUpPage(reply, formState());
    });

    app.post('/sign-up', { schema: { hide: true } }, async (request, reply) => {
      checkFormToken(hearth.secret, request);
      const state = posted(request.body);
      const name = readText(state, 'name', 'Enter your name', 200);
      const email = readText(state, 'email', 'Enter your email address', 254);
      const password = readText(state, 'password', 'Choose a password', 200);
      if (!name || !email || !password) return signUpPage(reply, state);
      const answer = await new Api(app, request).send<{ next: string }>('POST', '/accounts', { name, email, password }, { key: state.values._key || randomUUID() });
      if (!answer.ok) return signUpPage(reply, refusedBy(state, answer.problem, { name: 'name', email: 'email', password: 'password' }));
      return bare(reply, 'What happens next', html`<p class="panel" role="status">${answer.body.next}</p><p><a class="button" href="/sign-in">Sign in</a></p>`);
    });

    app.post('/sign-out', { schema: { hide: true } }, async (request, reply) => {
      const answer = await new Api(app, request).send('DELETE', '/sessions/current', undefined, { key: 'sign-out' });
      if (answer.ok && answer.setCookie) reply.header('set-cookie', answer.setCookie);
      return reply.redirect('/sign-in?signed-out=1', 303);
    });

    app.get('/', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const networks = page.me.memberships.filter((m) => m.status === 'active');
      const waiting = page.me.memberships.filter((m) => m.status === 'requested' || m.status === 'invited' || m.status === 'declined');
      const waitingForYou = await waitingPanel(page);
      return page.show({
        title: 'Your networks',
        body: html`${waitingForYou}${networks.length === 0 ? html`<p>You are not a member of a network yet. Ask your coordinator to invite you.</p>` : html``}
          ${networks.map((m) => networkSection(m))}
          ${waiting.length > 0 ? html`<h2>Waiting</h2><ul>${waiting.map((m) => html`<li>${m.networkName ?? 'A network'}: ${m.status === 'invited' ? html`you have been invited. <a href="/networks/${m.networkId}/invitation">Look at the invitation<span class="visually-hidden"> to ${m.networkName ?? 'the network'}</span></a>` : m.status === 'declined' ? html`a coordinator declined your request to join. <a href="/networks/${m.networkId}/join">Ask again<span class="visually-hidden"> to join ${m.networkName ?? 'the network'}</span></a>` : 'waiting for a coordinator to approve you'}</li>`)}</ul>` : html``}
          <p><a href="/notifications">Choose which emails Hearth sends you</a></p>
          <p><a href="/networks/new">Open a new network</a></p>`,
      });
    });

    app.get('/networks/:networkId', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const membership = page.memberOf((request.params as { networkId: string }).networkId);
      return page.show({ title: membership.networkName ?? 'Your network', crumbs: [{ href: '/', label: 'Your networks' }], body: networkActions(membership) });
    });

    for (const journey of journeys) await app.register(journey.routes(hearth));
    await app.register(notificationPages(hearth));
    await app.register(accountPages(hearth));
  };
}

/** After too many wrong passwords: when they may try again, and the ways in that do not wait. */
function lockedOut(state: FormState, now: Date, retryAfterSeconds: unknown): FormState {
  const seconds = typeof retryAfterSeconds === 'number' ? retryAfterSeconds : 15 * 60;
  state.general = `Too many tries to sign in. You can try again after ${ukTime(new Date(now.getTime() + seconds * 1000).toISOString())}. Or set a new password now with "Forgotten your password?" below, or ask your coordinator for a reset code.`;
  return state;
}

function networkActions(m: Membership) {
  const links = journeys.flatMap((j) => j.links(m));
  const roles = m.roles.filter((r) => r !== 'member');
  return html`<p>${kindNames[m.kind ?? ''] ?? 'Network'}${roles.length > 0 ? html`. You are ${roles.join(' and ')} here` : html``}.</p>
    ${links.length > 0 ? html`<ul class="actions">${links.map((l) => html`<li><a href="${l.href}">${l.label}</a></li>`)}</ul>` : html`<p>There is nothing to do here yet.</p>`}`;
}

function networkSection(m: Membership) {
  return html`<section aria-labelledby="n-${m.networkId}"><h2 id="n-${m.networkId}">${m.networkName ?? 'A network'}</h2>${networkActions(m)}</section>`;
}

