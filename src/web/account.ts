// Getting back in, and one's own account: asking for a reset link, setting a new password with a
// link or a coordinator's code, a coordinator giving that code, and a person's own details,
// password and everything Hearth holds about them. Pages call the API; the rules are in
// src/access/reset-app.ts and account-app.ts.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Hearth } from '../hearth.ts';
import { Forbidden } from '../access/guard.ts';
import { checkFormToken, formTokenFor } from '../http/auth.ts';
import { html, type Html } from '../http/html.ts';
import { RESET_REQUESTED_NEXT } from '../http/accounts.ts';
import { Api } from './api.ts';
import { dateField, dateValues, errorSummary, form, formState, hasErrors, posted, radioField, readChoice, readDate, readText, refusedBy, textArea, textField, type FormState } from './forms.ts';
import { pageFor, submit, type Page } from './page.ts';
import { hoursAndMinutes, longDate, ukTime } from './words.ts';
import { formatPence } from '../units.ts';
import { bare } from './index.ts';

const PASSWORD_HINT = 'At least 12 characters. A few words you will remember are easier than a jumble.';
const crumbs = [{ href: '/', label: 'Your networks' }, { href: '/account', label: 'Your account' }];

interface Details {
  name: string;
  email?: string;
  phone?: string;
  dateOfBirth?: string;
  postalAddress?: string;
}

/** A new password, typed twice so a slip of the finger does not lock the person out again. */
function readNewPassword(state: FormState): string | undefined {
  const password = readText(state, 'newPassword', 'Choose a new password', 200);
  if (password !== undefined && password.length < 12) return void (state.errors.newPassword = 'Use at least 12 characters');
  const again = readText(state, 'again', 'Type the new password again', 200);
  if (password !== undefined && again !== undefined && again !== password) return void (state.errors.again = 'The two passwords are not the same: type them again');
  return password;
}

const newPasswordFields = (state: FormState) =>
  html`${textField(state, { name: 'newPassword', label: 'New password', hint: PASSWORD_HINT, type: 'password', autocomplete: 'new-password' })}${textField(state, { name: 'again', label: 'Type the new password again', type: 'password', autocomplete: 'new-password' })}`;

export function accountPages(hearth: Hearth): FastifyPluginAsync {
  return async (app) => {
    // ---- forgotten password: asking for a link ----

    const forgottenPage = (reply: FastifyReply, state: FormState) =>
      bare(
        reply,
        'Forgotten your password?',
        html`${errorSummary(state)}
          <p>Tell us the email address you sign in with. If an account uses it, we will send a link to set a new password.</p>
          ${form('/forgotten-password', state, formTokenFor(hearth.secret, reply.request, reply), textField(state, { name: 'email', label: 'Email address', type: 'email', autocomplete: 'email' }), 'Send me a link')}
          <h2>No email, or it has not come?</h2>
          <p>Your coordinator can give you a reset code to type in instead. <a href="/reset-password">I have a reset code</a>.</p>`,
        hasErrors(state) ? 422 : 200,
        hasErrors(state),
      );

    app.get('/forgotten-password', { schema: { hide: true } }, async (_request, reply) => forgottenPage(reply, formState()));

    app.post('/forgotten-password', { schema: { hide: true } }, async (request, reply) => {
      checkFormToken(hearth.secret, request);
      const state = posted(request.body);
      const email = readText(state, 'email', 'Enter your email address', 254);
      if (!email) return forgottenPage(reply, state);
      const answer = await new Api(app, request).send<{ next: string }>('POST', '/password-resets', { email }, { key: state.values._key || randomUUID() });
      if (!answer.ok) return forgottenPage(reply, refusedBy(state, answer.problem, { email: 'email' }));
      return bare(
        reply,
        'Check your email',
        html`<div class="panel" role="status"><p>${RESET_REQUESTED_NEXT}</p></div>
          <p>The link lets you choose a new password. <a href="/reset-password">I have a reset code from my coordinator</a>.</p>
          <p><a href="/sign-in">Back to sign in</a></p>`,
      );
    });

    // ---- setting a new password with a link or a code ----

    const resetPage = (reply: FastifyReply, state: FormState) => {
      const fromLink = Boolean(state.values.resetId);
      return bare(
        reply,
        'Choose a new password',
        html`${errorSummary(state)}
          ${fromLink ? html`<p>Choose the password you will sign in with from now on.</p>` : html`<p>Type the email address you sign in with and the reset code your coordinator gave you, then choose a new password.</p>`}
          ${form(
            '/reset-password',
            state,
            formTokenFor(hearth.secret, reply.request, reply),
            fromLink
              ? html`<input type="hidden" name="resetId" value="${state.values.resetId}"><input type="hidden" name="code" value="${state.values.code ?? ''}">${state.errors.code ? html`<p class="error" id="f-code">${state.errors.code}</p>` : html``}${newPasswordFields(state)}`
              : html`${textField(state, { name: 'email', label: 'Email address', type: 'email', autocomplete: 'email' })}${textField(state, { name: 'code', label: 'Reset code', hint: 'Twelve letters and numbers, for example ABC-DEF-234-567. Spaces and dashes do not matter.', autocomplete: 'one-time-code', width: '15em' })}${newPasswordFields(state)}`,
            'Set new password',
          )}
          <p>Signing in again will end every session you have open elsewhere. <a href="/forgotten-password">Ask for a new link</a>, or ask your coordinator for a code.</p>`,
        hasErrors(state) ? 422 : 200,
        hasErrors(state),
      );
    };

    app.get('/reset-password', { schema: { hide: true } }, async (request, reply) => {
      const query = request.query as { reset?: string; code?: string };
      const fromLink = typeof query.reset === 'string' && typeof query.code === 'string' && query.reset.length <= 64 && query.code.length <= 64;
      return resetPage(reply, formState(fromLink ? { resetId: query.reset, code: query.code } : {}));
    });

    app.post('/reset-password', { schema: { hide: true } }, async (request, reply) => {
      checkFormToken(hearth.secret, request);
      const state = posted(request.body);
      const resetId = state.values.resetId || undefined;
      const email = resetId ? undefined : readText(state, 'email', 'Enter your email address', 254);
      const code = readText(state, 'code', resetId ? 'This link is not whole: ask for a new one' : 'Enter the reset code your coordinator gave you', 64);
      const newPassword = readNewPassword(state);
      if (hasErrors(state)) return resetPage(reply, state);
      const body = resetId ? { resetId, code, newPassword } : { email, code, newPassword };
      const answer = await new Api(app, request).send('POST', '/password-resets/use', body, { key: state.values._key || randomUUID() });
      if (!answer.ok) return resetPage(reply, refusedBy(state, answer.problem, { email: 'email', code: 'code', newPassword: 'newPassword', resetId: 'code' }));
      return reply.redirect('/reset-password/done', 303);
    });

    app.get('/reset-password/done', { schema: { hide: true } }, async (_request, reply) =>
      bare(
        reply,
        'Password changed',
        html`<div class="panel" role="status"><h2>Your new password is set</h2><p>Sign in with it now. Anyone who was signed in to your account elsewhere has been signed out.</p></div>
          <p><a class="button" href="/sign-in">Sign in</a></p>`,
      ),
    );

    // ---- a coordinator gives a member a code ----

    async function coordinating(request: FastifyRequest, reply: FastifyReply) {
      const page = await pageFor(app, request, reply);
      const { networkId, personId } = request.params as { networkId: string; personId: string };
      const m = page.memberOf(networkId);
      if (!m.roles.includes('coordinator')) throw new Forbidden('Only a coordinator of this network can give a reset code.');
      const members = (await page.api.readAll<{ personId: string; name: string | null; status: string }>(`/networks/${networkId}/members`)).items;
      const member = members.find((p) => p.personId === personId && p.status === 'active');
      if (!member) throw new Forbidden('This person is not a member of your network.');
      return { page, m, member, path: `/networks/${networkId}/members/${personId}/reset-code` };
    }

    app.get('/networks/:networkId/members/:personId/reset-code', { schema: { hide: true } }, async (request, reply) => {
      const { page, m, member, path } = await coordinating(request, reply);
      return resetCodePage(page, m.networkName, member.name ?? 'This member', path, formState());
    });

    app.post('/networks/:networkId/members/:personId/reset-code', { schema: { hide: true } }, async (request, reply) => {
      const { page, m, member, path } = await coordinating(request, reply);
      const state = posted(request.body);
      const name = member.name ?? 'This member';
      const answer = await page.api.send<{ code: string; expiresAt: string }>('POST', `/networks/${m.networkId}/members/${member.personId}/password-resets`, {}, { key: state.values._key! });
      if (!answer.ok) return resetCodePage(page, m.networkName, name, path, refusedBy(state, answer.problem));
      // Shown in the answer to the post, never put in an address where logs and history keep it.
      return page.show({
        title: `Reset code for ${name}`,
        crumbs: [{ href: '/', label: 'Your networks' }, { href: `/networks/${m.networkId}`, label: m.networkName ?? 'Network' }],
        body: html`<div class="panel" role="status">
            <h2>Give ${name} this code</h2>
            <p class="figure" style="letter-spacing:0.1em">${answer.body.code}</p>
            <p>It works once, until ${ukTime(answer.body.expiresAt)}, and only until another reset is asked for.</p>
            <p>${name} goes to Hearth's sign-in page, chooses "Forgotten your password?", then "I have a reset code", types the email they sign in with and this code, and chooses a new password.</p>
          </div>
          <p>Read it out, or print this page and hand it over. Do not send it by email or text.</p>
          <p><a href="/networks/${m.networkId}">Back to ${m.networkName ?? 'the network'}</a></p>`,
      });
    });

    function resetCodePage(page: Page, networkName: string | null, name: string, path: string, state: FormState) {
      return page.show({
        title: `Give ${name} a way back in`,
        crumbs: [{ href: '/', label: 'Your networks' }],
        hasErrors: hasErrors(state),
        body: html`${errorSummary(state)}
          <p>If ${name} has forgotten their password and has no email to hand, give them a reset code. With it they choose a new password; every session they have open ends.</p>
          <p>Only do this for ${name} in person or on a call you know is them. Any earlier code or link stops working. The code is recorded as given by you, for ${networkName ?? 'this network'}.</p>
          ${form(path, state, page.csrfToken, html``, 'Give a reset code')}`,
      });
    }

    // ---- the person's own account ----

    app.get('/account', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      return page.show({
        title: 'Your account',
        crumbs: [{ href: '/', label: 'Your networks' }],
        body: html`<ul class="actions">
            <li><a href="/account/details">Your name, email, phone and date of birth</a></li>
            <li><a href="/account/password">Change your password</a></li>
            <li><a href="/account/data">Everything Hearth holds about you</a></li>
            <li><a href="/account/erase">Erase your account and details</a></li>
          </ul>`,
      });
    });

    const detailsPage = (page: Page, state: FormState) =>
      page.show({
        title: 'Your details',
        crumbs,
        hasErrors: hasErrors(state),
        body: html`${errorSummary(state)}
          <p>Put right anything that is wrong. A new email address becomes the one you sign in with.</p>
          ${form(
            '/account/details',
            state,
            page.csrfToken,
            html`${textField(state, { name: 'name', label: 'Your name', autocomplete: 'name' })}
              ${textField(state, { name: 'email', label: 'Email address', type: 'email', autocomplete: 'email' })}
              ${textField(state, { name: 'phone', label: 'Phone number (optional)', inputmode: 'tel', autocomplete: 'tel', width: '15em' })}
              ${dateField(state, { name: 'dateOfBirth', label: 'Date of birth (optional)', hint: 'For example, 27 3 1948. A care bank needs it to know when hours may be banked and claimed.' })}
              ${textArea(state, { name: 'postalAddress', label: 'Postal address (optional)', hint: "A co-operative keeps each member's address in its register of members.", rows: 3 })}`,
            'Save your details',
          )}`,
      });

    app.get('/account/details', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const d = await page.api.read<Details>('/me/details');
      return detailsPage(page, formState({ name: d.name, email: d.email, phone: d.phone, postalAddress: d.postalAddress, ...(d.dateOfBirth ? dateValues('dateOfBirth', d.dateOfBirth) : {}) }));
    });

    app.post('/account/details', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const state = posted(request.body);
      const name = readText(state, 'name', 'Enter your name', 200);
      const email = readText(state, 'email', 'Enter your email address: you sign in with it', 254);
      const phone = state.values.phone || undefined;
      const postalAddress = state.values.postalAddress || undefined;
      const anyDate = ['day', 'month', 'year'].some((p) => state.values[`dateOfBirth-${p}`]);
      const dateOfBirth = anyDate ? readDate(state, 'dateOfBirth', 'Enter your date of birth') : undefined;
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('PUT', '/me/details', { name, email, ...(phone ? { phone } : {}), ...(dateOfBirth ? { dateOfBirth } : {}), ...(postalAddress ? { postalAddress } : {}) }, { key: state.values._key! }),
        { name: 'name', email: 'email', phone: 'phone', dateOfBirth: 'dateOfBirth', postalAddress: 'postalAddress' },
        (s) => detailsPage(page, s),
        () => '/account/details/saved',
      );
    });

    app.get('/account/details/saved', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const d = await page.api.read<Details>('/me/details');
      return page.show({
        title: 'Details saved',
        crumbs,
        body: html`<div class="panel" role="status"><h2>Your details are up to date</h2>
            <dl class="summary"><dt>Name</dt><dd>${d.name}</dd><dt>Email</dt><dd>${d.email ?? 'none'}</dd><dt>Phone</dt><dd>${d.phone ?? 'none'}</dd><dt>Date of birth</dt><dd>${d.dateOfBirth ? longDate(d.dateOfBirth) : 'not given'}</dd><dt>Postal address</dt><dd>${d.postalAddress ?? 'not given'}</dd></dl></div>
          <p><a href="/account">Back to your account</a></p>`,
      });
    });

    const passwordPage = (page: Page, state: FormState) =>
      page.show({
        title: 'Change your password',
        crumbs,
        hasErrors: hasErrors(state),
        body: html`${errorSummary(state)}
          <p>Every other place you are signed in will be signed out.</p>
          ${form('/account/password', state, page.csrfToken, html`${textField(state, { name: 'currentPassword', label: 'Your current password', type: 'password', autocomplete: 'current-password' })}${newPasswordFields(state)}`, 'Change password')}
          <p>Forgotten your current password? <a href="/forgotten-password">Ask for a link</a>.</p>`,
      });

    app.get('/account/password', { schema: { hide: true } }, async (request, reply) => passwordPage(await pageFor(app, request, reply), formState()));

    app.post('/account/password', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const state = posted(request.body);
      const currentPassword = readText(state, 'currentPassword', 'Enter your current password', 200);
      const newPassword = readNewPassword(state);
      return submit(
        page,
        state,
        () => page.api.send('PUT', '/accounts/me/password', { currentPassword, newPassword }, { key: state.values._key! }),
        { currentPassword: 'currentPassword', newPassword: 'newPassword' },
        (s) => passwordPage(page, s),
        () => '/account/password/changed',
      );
    });

    app.get('/account/password/changed', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      return page.show({
        title: 'Password changed',
        crumbs,
        body: html`<div class="panel" role="status"><h2>Your new password is set</h2><p>You stay signed in here; everywhere else you have been signed out.</p></div><p><a href="/account">Back to your account</a></p>`,
      });
    });

    // ---- erasure: by the person, or by a coordinator the consent rules let reach them ----

    const erasePage = (page: Page, action: string, name: string | undefined, state: FormState, back: { href: string; label: string }) =>
      page.show({
        title: name ? `Erase ${name}` : 'Erase your account and details',
        crumbs: [{ href: '/', label: 'Your networks' }, back],
        hasErrors: hasErrors(state),
        body: html`${errorSummary(state)}
          <p>${name ? `${name}’s name, contact details and everything that names them` : 'Your name, contact details and everything that names you'} can no longer be read by anyone, Hearth included. Amounts and balances stay in the records, with no name, so the books still add up. ${name ? 'Their account, if they have one, is closed.' : 'Your account is closed and you are signed out.'}</p>
          <p><strong>This cannot be undone.</strong></p>
          ${form(action, state, page.csrfToken, radioField(state, { name: 'sure', label: 'Are you sure?', options: [{ value: 'yes', label: name ? `Yes, erase ${name}` : 'Yes, erase me' }] }), 'Erase', { buttonClass: 'warning' })}
          <p><a href="${back.href}">Back, without erasing</a></p>`,
      });

    const sendErasure = (page: Page, personId: string, state: FormState, again: (s: FormState) => FastifyReply | Promise<FastifyReply>, next: string) => {
      readChoice(state, 'sure', ['yes'], 'Choose “yes” if you are sure');
      return submit(page, state, () => page.api.send('POST', `/people/${personId}/erasure`, { confirm: true }, { key: state.values._key! }), { confirm: 'sure' }, again, () => next);
    };

    const ownBack = { href: '/account', label: 'Your account' };
    app.get('/account/erase', { schema: { hide: true } }, async (request, reply) => erasePage(await pageFor(app, request, reply), '/account/erase', undefined, formState(), ownBack));

    app.post('/account/erase', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const state = posted(request.body);
      return sendErasure(page, page.me.personId, state, (s) => erasePage(page, '/account/erase', undefined, s, ownBack), '/erased');
    });

    // Signed out by then: the page needs no session.
    app.get('/erased', { schema: { hide: true } }, async (_request, reply) => bare(reply, 'You have been erased', html`<div class="panel" role="status"><h2>Your details are erased</h2><p>Your account is closed. Thank you for what you gave.</p></div>`));

    async function erasing(request: FastifyRequest, reply: FastifyReply) {
      const page = await pageFor(app, request, reply);
      const { networkId, personId } = request.params as { networkId: string; personId: string };
      const m = page.memberOf(networkId);
      if (!m.roles.includes('coordinator')) throw new Forbidden('Only a coordinator of this network can erase a member.');
      const member = (await page.api.readAll<{ personId: string; name: string | null; status: string }>(`/networks/${networkId}/members`)).items.find((p) => p.personId === personId && p.status === 'active');
      if (!member) throw new Forbidden('This person is not a member of your network.');
      const back = { href: `/networks/${networkId}/setup/people`, label: 'People' };
      const again = (s: FormState) => erasePage(page, `/networks/${networkId}/members/${personId}/erase`, member.name ?? 'this member', s, back);
      return { page, m, member, back, again };
    }

    app.get('/networks/:networkId/members/:personId/erase', { schema: { hide: true } }, async (request, reply) => (await erasing(request, reply)).again(formState()));

    app.post('/networks/:networkId/members/:personId/erase', { schema: { hide: true } }, async (request, reply) => {
      const { page, m, member, again } = await erasing(request, reply);
      return sendErasure(page, member.personId, posted(request.body), again, `/networks/${m.networkId}/members/${member.personId}/erased`);
    });

    app.get('/networks/:networkId/members/:personId/erased', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as { networkId: string }).networkId);
      return page.show({
        title: 'Member erased',
        crumbs: [{ href: '/', label: 'Your networks' }, { href: `/networks/${m.networkId}/setup/people`, label: 'People' }],
        body: html`<div class="panel" role="status"><h2>Their details are erased</h2><p>Their amounts and balances stay in the records, with no name.</p></div><p><a href="/networks/${m.networkId}/setup/people">Back to people</a></p>`,
      });
    });

    // ---- subject access ----

    const exported = (page: Page) => page.api.read<Export>(`/people/${page.me.personId}/export`);

    app.get('/account/data.json', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const data = await exported(page);
      return reply.header('content-disposition', `attachment; filename="hearth-${page.me.personId}.json"`).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(data, null, 2));
    });

    app.get('/account/data', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      return page.show({ title: 'Everything Hearth holds about you', crumbs, body: dataBody(await exported(page)) });
    });
  };
}

interface Export {
  exportedAt: string;
  personId: string;
  details: (Details & { notes?: string }) | null;
  needsSafeguarding: boolean;
  account: { passwordLastChanged: string; sessions: Array<{ kind: string; created_at: string; expires_at: string }> } | null;
  memberships: Array<{ networkId: string; networkName: string | null; status: string; roles: string[]; dbsCheck: { type: string; expiresOn: string } | null }>;
  timebank: {
    accounts: Array<{ networkId: string; balanceMinutes: number }>;
    exchanges: Array<{ networkId: string; occurredOn: string; providerId: string; receiverId: string; minutes: number; category: string; description: string | null; status: string }>;
    statement: unknown[];
  };
  carebank: Array<{ networkId: string; date: string; minutes: number; kind: string }>;
  pools: { attributed: Array<{ poolName: string; date: string; account: string; pence: number }>; payments: Array<{ payee: string; purpose: string; submittedOn: string; benefitPence: number; status: string }> };
  coop: { shareMovements: Array<{ networkId: string; date: string; kind: string; pence: number }>; votes: Array<{ title: string; castAt: string; secret: boolean; choice: string | null }> } & Record<string, unknown[]>;
  vouchers: { given: Array<{ occasion: string; boughtOn: string; status: string }>; received: Array<{ occasion: string; boughtOn: string; status: string }>; sessionsGiven: Array<{ activity: string; startsAt: string }>; sessionsAttended: Array<{ activity: string; startsAt: string; sharePence: number }> };
  history: Array<{ type: string; recordedAt: string; actor: string; onBehalfOf: string | null }>;
}

function table(caption: string, head: string[], rows: Html[][]): Html {
  if (rows.length === 0) return html`<p>${caption}: none.</p>`;
  return html`<div class="table-scroll"><table><caption>${caption}</caption><thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows.map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody></table></div>`;
}

const t = (text: string | number | null | undefined) => html`${text ?? ''}`;

function dataBody(x: Export): Html {
  const network = new Map(x.memberships.map((m) => [m.networkId, m.networkName ?? 'a network']));
  const inNetwork = (id: string) => t(network.get(id) ?? 'another network');
  const d = x.details;
  return html`<p>This is what Hearth held about you at ${ukTime(x.exportedAt)}, in every network you belong to. You can download it all as a file for your records or to take elsewhere.</p>
    <p><a class="button secondary" href="/account/data.json" download>Download everything (JSON)</a></p>
    <h2>Your details</h2>
    ${d ? html`<dl class="summary"><dt>Name</dt><dd>${d.name}</dd><dt>Email</dt><dd>${d.email ?? 'none'}</dd><dt>Phone</dt><dd>${d.phone ?? 'none'}</dd><dt>Date of birth</dt><dd>${d.dateOfBirth ? longDate(d.dateOfBirth) : 'not given'}</dd>${d.notes ? html`<dt>Notes your coordinator keeps</dt><dd>${d.notes}</dd>` : html``}<dt>Safeguarding flag</dt><dd>${x.needsSafeguarding ? 'yes' : 'no'}</dd></dl><p><a href="/account/details">Put your details right</a></p>` : html`<p>None.</p>`}
    <h2>Networks and roles</h2>
    ${table('Your memberships', ['Network', 'Status', 'Roles', 'DBS check'], x.memberships.map((m) => [t(m.networkName), t(m.status), t(m.roles.join(', ')), t(m.dbsCheck ? `${m.dbsCheck.type}, until ${longDate(m.dbsCheck.expiresOn)}` : 'none recorded')]))}
    <h2>Time bank</h2>
    ${table('Balances', ['Network', 'Balance'], x.timebank.accounts.map((a) => [inNetwork(a.networkId), t(`${a.balanceMinutes < 0 ? 'minus ' : ''}${hoursAndMinutes(a.balanceMinutes)}`)]))}
    ${table('Exchanges', ['Date', 'Network', 'You', 'Time', 'What', 'Status'], x.timebank.exchanges.map((e) => [t(longDate(e.occurredOn)), inNetwork(e.networkId), t(e.providerId === x.personId ? 'gave' : e.receiverId === x.personId ? 'received' : 'logged it'), t(hoursAndMinutes(e.minutes)), t(`${e.category}: ${e.description ?? ''}`), t(e.status)]))}
    <h2>Care bank</h2>
    ${table('Care banked, pledged and claimed', ['Date', 'Network', 'What', 'Time'], x.carebank.map((c) => [t(longDate(c.date)), inNetwork(c.networkId), t(c.kind), t(hoursAndMinutes(c.minutes))]))}
    <h2>Pooled budgets</h2>
    ${table('Money in pools attributed to you', ['Date', 'Pool', 'Account', 'Amount'], x.pools.attributed.map((p) => [t(longDate(p.date)), t(p.poolName), t(p.account), t(formatPence(p.pence))]))}
    ${table('Payments that benefit you or that you submitted', ['Submitted', 'Payee', 'Purpose', 'Your share', 'Status'], x.pools.payments.map((p) => [t(longDate(p.submittedOn)), t(p.payee), t(p.purpose), t(formatPence(p.benefitPence)), t(p.status)]))}
    <h2>Co-operatives</h2>
    ${table('Shares', ['Date', 'Co-op', 'What', 'Amount'], x.coop.shareMovements.map((s) => [t(longDate(s.date)), inNetwork(s.networkId), t(s.kind), t(formatPence(s.pence))]))}
    ${table('Votes', ['Proposal', 'When', 'How'], x.coop.votes.map((v) => [t(v.title), t(`${longDate(v.castAt.slice(0, 10))}`), t(v.secret ? 'secret ballot: how you voted is not kept' : (v.choice ?? ''))]))}
    <h2>Learning vouchers</h2>
    ${table('Vouchers you gave', ['Bought', 'Occasion', 'Status'], x.vouchers.given.map((v) => [t(longDate(v.boughtOn)), t(v.occasion), t(v.status)]))}
    ${table('Vouchers given to you', ['Bought', 'Occasion', 'Status'], x.vouchers.received.map((v) => [t(longDate(v.boughtOn)), t(v.occasion), t(v.status)]))}
    ${table('Sessions you led', ['When', 'Activity'], x.vouchers.sessionsGiven.map((s) => [t(longDate(s.startsAt.slice(0, 10))), t(s.activity)]))}
    ${table('Sessions you attended', ['When', 'Activity', 'Your share of the fee'], x.vouchers.sessionsAttended.map((s) => [t(longDate(s.startsAt.slice(0, 10))), t(s.activity), t(formatPence(s.sharePence))]))}
    <h2>Sign-ins</h2>
    ${x.account ? html`<p>Password last changed ${longDate(String(x.account.passwordLastChanged).slice(0, 10))}.</p>${table('Sessions open now', ['Kind', 'Since', 'Until'], x.account.sessions.map((s) => [t(s.kind === 'cookie' ? 'these pages' : 'the API'), t(longDate(String(s.created_at).slice(0, 10))), t(longDate(String(s.expires_at).slice(0, 10)))]))}` : html`<p>You have no account to sign in with.</p>`}
    <h2>What was done, and by whom</h2>
    <p>${x.history.length} records, each with who did it and for whom, are in the download.</p>`;
}
