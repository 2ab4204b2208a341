// A coordinator sets up and runs a network from pages alone: opening it, the kinds of help a time
// bank offers and their rates, its usual limits, inviting people, a way in for members recorded
// without an account, partnerships with other time banks, pools, care-bank rules and the voucher
// policy. An invited person accepts from their home page; a member given a code claims it at /claim.
// Every rule is the API's: these pages only ask, check what was typed, and show the answer.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Hearth } from '../hearth.ts';
import { Forbidden } from '../access/guard.ts';
import { checkFormToken, formTokenFor } from '../http/auth.ts';
import { html, type Html } from '../http/html.ts';
import { formatPence } from '../units.ts';
import { today } from '../dates.ts';
import { Api, ReadFailed } from './api.ts';
import {
  dateField,
  dateValues,
  durationField,
  errorSummary,
  form,
  formState,
  hasErrors,
  posted,
  radioField,
  readChoice,
  readDate,
  readDuration,
  readPounds,
  readText,
  readWhole,
  refusedBy,
  textArea,
  textField,
  type FormState,
  type Values,
} from './forms.ts';
import { networkCrumbs, pageFor, submit, type Me, type Membership, type Page } from './page.ts';
import { hoursAndMinutes } from './words.ts';
import { limitValues, readLimit, signed } from './coordinator.ts';
import { bare, type Journey } from './index.ts';

interface Member {
  personId: string;
  name: string | null;
  status: string;
  roles: string[];
  hasAccount: boolean;
}

interface Settings {
  categories: Array<{ category: string; ratePercent: number }>;
  lowerMinutes: number;
  upperMinutes: number;
  maxExchangeMinutes: number;
}

interface Partnership {
  partnerNetworkId: string;
  partnerName: string;
  status: 'proposed' | 'active' | 'ended';
  proposedBy: 'this network' | 'partner';
}

interface CareRules {
  minimumAgeToBank: number;
  claimFromAge: number;
  dailyCapMinutes: number;
  lifetimeCapMinutes: number | null;
  effectiveFrom: string;
}

const kinds = [
  { value: 'time_bank', label: 'Time bank', hint: 'Members give and receive time, an hour for an hour' },
  { value: 'care_bank_scheme', label: 'Care bank', hint: 'Volunteers bank hours of care to claim later, or give to a relative' },
  { value: 'neighbourhood_network', label: 'Neighbourhood network', hint: 'Personal budgets pooled to pay for care together' },
  { value: 'co_operative', label: 'Care co-operative', hint: 'Members hold shares and vote on spending' },
] as const;
const kindLabel = (kind: string | undefined | null) => kinds.find((k) => k.value === kind)?.label ?? 'Network';

const atExpiryChoices = [
  { value: 'refund-to-giver', label: 'Back to whoever gave the voucher' },
  { value: 'learning-fund', label: "To the network's learning fund" },
] as const;

/** The setup pages a coordinator of a network of this kind can use; the API decides again on each. */
function setupLinks(m: Membership) {
  const at = (rest: string) => `/networks/${m.networkId}/setup/${rest}`;
  const timeBank = m.kind === 'time_bank';
  return [
    ...(timeBank
      ? [
          { href: at('help'), label: 'Kinds of help and their rates' },
          { href: at('limits'), label: 'Usual balance limits and the longest exchange' },
        ]
      : []),
    { href: at('people'), label: 'Invite people, and give members without an account a way in' },
    { href: at('name'), label: 'The network’s name' },
    { href: `/networks/${m.networkId}/safeguarding`, label: 'Safeguarding: the DBS policy, DBS checks, and who needs safeguarding' },
    ...(timeBank
      ? [
          { href: at('partnerships'), label: 'Partnerships with other time banks' },
          { href: at('vouchers'), label: 'Learning vouchers: how long they last' },
        ]
      : []),
    ...(m.kind === 'neighbourhood_network' ? [{ href: at('pools/new'), label: 'Open a pool' }] : []),
    ...(m.kind === 'care_bank_scheme' || m.kind === 'neighbourhood_network' ? [{ href: at('care-rules'), label: 'Care-bank rules' }] : []),
  ];
}

/** Every role a member may hold, as the boxes to tick, and as what a person approved to join takes on. */
const roleNames = [
  { value: 'member', label: 'Member', joining: 'A member' },
  { value: 'coordinator', label: 'Coordinator', joining: 'A member and a coordinator' },
  { value: 'treasurer', label: 'Treasurer', joining: 'A member and a treasurer' },
  { value: 'board', label: 'Board', joining: 'A member and on the board' },
  { value: 'mentor', label: 'Learning mentor', joining: 'A member and a learning mentor' },
  { value: 'family', label: 'Family of someone in the network', joining: 'A member, as family of someone in the network' },
] as const;

const isCoordinator = (m: Membership) => m.status === 'active' && m.roles.includes('coordinator');

export const coordinatorSetupJourney: Journey = {
  links: (m: Membership) => (isCoordinator(m) ? [{ href: `/networks/${m.networkId}/setup`, label: 'Set up and run this network: invitations, ways in, and its rules' }] : []),
  routes: (hearth: Hearth): FastifyPluginAsync => async (app) => {
    const base = '/networks/:networkId/setup';
    type Params = { networkId: string; personId?: string; partnerNetworkId?: string };
    const home = (networkId: string) => `/networks/${networkId}/setup`;
    const crumbs = (m: Membership) => [...networkCrumbs(m), { href: home(m.networkId), label: 'Set up' }];
    const after = (request: FastifyRequest) => {
      const value = (request.query as { after?: string }).after;
      return value && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
    };
    const backTo = (m: Membership) => html`<p><a href="${home(m.networkId)}">Back to setting up ${m.networkName ?? 'the network'}</a></p>`;
    const done = (page: Page, m: Membership, title: string, heading: string, say: Html, more: Html = html``) =>
      page.show({ title, crumbs: crumbs(m), body: html`<div class="panel" role="status"><h2>${heading}</h2>${say}</div>${more}${backTo(m)}` });

    /** The signed-in coordinator's membership; the API checks again on every read and command. */
    async function coordinating(request: FastifyRequest, reply: FastifyReply) {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      if (!m.roles.includes('coordinator')) throw new Forbidden('Only a coordinator of this network can use these pages.');
      return { page, m, params: request.params as Params };
    }

    app.get(base, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      return page.show({
        title: `Set up ${m.networkName ?? 'the network'}`,
        crumbs: networkCrumbs(m),
        body: html`<p>${kindLabel(m.kind)}. What a coordinator decides for everyone in it.</p>
          <ul class="actions">${setupLinks(m).map((l) => html`<li><a href="${l.href}">${l.label}</a></li>`)}</ul>`,
      });
    });

    // Opening a network: name and kind, check the answers, then open it. The opener is its coordinator.

    const newNetworkPage = (page: Page, state: FormState) =>
      page.show({
        title: 'Open a network',
        crumbs: [{ href: '/', label: 'Your networks' }],
        hasErrors: hasErrors(state),
        body: html`${errorSummary(state)}<p>You become its coordinator. You can then invite people and set its rules.</p>
          ${form(
            '/networks/new',
            state,
            page.csrfToken,
            html`${textField(state, { name: 'name', label: 'Its name', hint: 'As members know it, for example Kirkstall Good Neighbours', autocomplete: 'off' })}
              ${radioField(state, { name: 'kind', label: 'What kind of network is it?', options: kinds.map((k) => ({ ...k })) })}`,
            'Continue',
          )}`,
      });

    const readNetwork = (state: FormState) => ({
      name: readText(state, 'name', 'Enter the network’s name', 120),
      kind: readChoice(state, 'kind', kinds.map((k) => k.value), 'Choose what kind of network it is'),
    });

    app.get('/networks/new', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { name, kind } = request.query as Values;
      return newNetworkPage(page, formState({ name, kind }));
    });

    app.post('/networks/new', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const state = posted(request.body);
      const { name, kind } = readNetwork(state);
      if (hasErrors(state)) return newNetworkPage(page, state);
      const change = `/networks/new?${new URLSearchParams({ name: name!, kind: kind! })}`;
      return page.show({
        title: 'Check your answers',
        crumbs: [{ href: '/', label: 'Your networks' }],
        body: html`<dl class="summary">
            <dt>Name</dt><dd>${name} <a href="${change}">Change<span class="visually-hidden"> the name</span></a></dd>
            <dt>Kind</dt><dd>${kindLabel(kind)} <a href="${change}">Change<span class="visually-hidden"> the kind</span></a></dd>
            <dt>Coordinator</dt><dd>You</dd>
          </dl>
          ${form('/networks/new/open', formState({ _key: state.values._key }), page.csrfToken, html`<input type="hidden" name="name" value="${name}"><input type="hidden" name="kind" value="${kind}">`, 'Open the network')}`,
      });
    });

    app.post('/networks/new/open', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const state = posted(request.body);
      const { name, kind } = readNetwork(state);
      return submit<{ networkId: string; position: number }>(
        page,
        state,
        () => page.api.send('POST', '/networks', { name, kind }, { key: state.values._key! }),
        { name: 'name', kind: 'kind' },
        (s) => newNetworkPage(page, s),
        (body) => `/networks/${body.networkId}/opened?after=${body.position}`,
      );
    });

    app.get('/networks/:networkId/opened', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      // The page's own read of who one is ran before the network was known to it: read again, at least as new as the opening.
      const me = await page.api.read<Me>('/me', { after: after(request) });
      const m = me.memberships.find((x) => x.networkId === (request.params as Params).networkId && x.status === 'active');
      if (!m) throw new Forbidden('You are not a member of this network.');
      return page.show({
        title: 'Network opened',
        crumbs: [{ href: '/', label: 'Your networks' }],
        body: html`<div class="panel" role="status"><h2>${m.networkName ?? 'Your network'} is open</h2><p>${kindLabel(m.kind)}. You are its coordinator.</p></div>
          <h2>What to do next</h2>
          <ul class="actions">${setupLinks(m).map((l) => html`<li><a href="${l.href}">${l.label}</a></li>`)}</ul>`,
      });
    });

    // Kinds of help (categories) and their rates.

    const settingsOf = (page: Page, m: Membership, request: FastifyRequest) => page.api.read<Settings>(`/networks/${m.networkId}/timebank/settings`, { after: after(request) });

    const helpPage = async (page: Page, m: Membership, state: FormState) => {
      const settings = await settingsOf(page, m, page.request);
      return page.show({
        title: 'Kinds of help',
        crumbs: crumbs(m),
        hasErrors: hasErrors(state),
        body: html`${errorSummary(state)}
          ${settings.categories.length === 0
            ? html`<p>There are no kinds of help yet. Members cannot log time until there is at least one.</p>`
            : html`<div class="table-scroll"><table><caption>Kinds of help members can log</caption><thead><tr><th scope="col">Kind of help</th><th scope="col" class="num">Rate</th></tr></thead>
                <tbody>${settings.categories.map((c) => html`<tr><th scope="row">${c.category}</th><td class="num">${c.ratePercent === 100 ? 'an hour for an hour' : `${c.ratePercent}%`}</td></tr>`)}</tbody></table></div>`}
          <h2>Add a kind of help, or change a rate</h2>
          <p>A kind of help cannot be renamed or taken away once members may have logged it. To change a rate, enter its name as it is above.</p>
          ${form(
            `${home(m.networkId)}/help`,
            state,
            page.csrfToken,
            html`${textField(state, { name: 'category', label: 'Kind of help', hint: 'For example, gardening or lifts to appointments', autocomplete: 'off' })}
              ${textField(state, { name: 'rate', label: 'Rate, as a percentage', hint: '100 is an hour for an hour; 150 credits an hour and a half for each hour given', inputmode: 'numeric', width: '6em' })}`,
            'Save this kind of help',
          )}`,
      });
    };

    app.get(`${base}/help`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      return helpPage(page, m, formState({ rate: '100' }));
    });

    app.post(`${base}/help`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const state = posted(request.body);
      const category = readText(state, 'category', 'Enter the kind of help', 60);
      const ratePercent = readWhole(state, 'rate', 'Enter the rate, for example 100', { min: 1, max: 1000 });
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('PUT', `/networks/${m.networkId}/timebank/categories/${encodeURIComponent(category!)}`, { ratePercent }, { key: state.values._key! }),
        { category: 'category', ratePercent: 'rate' },
        (s) => helpPage(page, m, s),
        (body) => `${home(m.networkId)}/help/saved?after=${body.position}&category=${encodeURIComponent(category!)}`,
      );
    });

    app.get(`${base}/help/saved`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const settings = await settingsOf(page, m, request);
      const saved = settings.categories.find((c) => c.category === (request.query as Values).category);
      if (!saved) throw new ReadFailed({ type: 'about:blank', title: 'Not found', status: 404, detail: 'There is no kind of help with that name.' });
      return done(
        page,
        m,
        'Kind of help saved',
        `Members can now log ${saved.category}`,
        html`<p>At ${saved.ratePercent === 100 ? 'an hour for an hour' : `${saved.ratePercent}% of the time given`}.</p>`,
        html`<ul class="actions"><li><a href="${home(m.networkId)}/help">Add another kind of help</a></li></ul>`,
      );
    });

    // The time bank's usual limits: how far below and above zero, and the longest one exchange may be.

    const limitsPage = async (page: Page, m: Membership, state?: FormState) => {
      const s = await settingsOf(page, m, page.request);
      const values = state ?? formState({ ...limitValues('lower', s.lowerMinutes), ...limitValues('upper', s.upperMinutes), ...limitValues('longest', s.maxExchangeMinutes) });
      return page.show({
        title: 'Usual limits',
        crumbs: crumbs(m),
        hasErrors: hasErrors(values),
        body: html`${errorSummary(values)}
          <dl class="summary"><dt>Now</dt><dd>from ${signed(s.lowerMinutes)} to ${signed(s.upperMinutes)}; one exchange at most ${hoursAndMinutes(s.maxExchangeMinutes)}</dd></dl>
          <p>These apply to every member without limits of their own. To set one member's limits, use <a href="/networks/${m.networkId}/coordinate">Coordinate</a>.</p>
          ${form(
            `${home(m.networkId)}/limits`,
            values,
            page.csrfToken,
            html`${durationField(values, { name: 'lower', label: 'How far below zero may a member go?', hint: 'Enter 0 hours if members may not go below zero.' })}
              ${durationField(values, { name: 'upper', label: 'How far above zero may a member go?' })}
              ${durationField(values, { name: 'longest', label: 'The longest one exchange may be', hint: 'At most 24 hours' })}
              ${textArea(values, { name: 'reason', label: 'Why are you changing them?', hint: 'For example, "agreed at the members\' meeting on 3 March"' })}`,
            'Set the usual limits',
          )}`,
      });
    };

    app.get(`${base}/limits`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      return limitsPage(page, m);
    });

    app.post(`${base}/limits`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const state = posted(request.body);
      const lower = readLimit(state, 'lower', 'Enter how far below zero a member may go');
      const upper = readLimit(state, 'upper', 'Enter how far above zero a member may go');
      const longest = readDuration(state, 'longest', 'Enter the longest one exchange may be');
      const reason = readText(state, 'reason', 'Say why you are changing the limits');
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('PUT', `/networks/${m.networkId}/timebank/limits`, { lowerMinutes: -lower!, upperMinutes: upper, maxExchangeMinutes: longest, reason }, { key: state.values._key! }),
        { lowerMinutes: 'lower', upperMinutes: 'upper', maxExchangeMinutes: 'longest', reason: 'reason' },
        (s) => limitsPage(page, m, s),
        (body) => `${home(m.networkId)}/limits/set?after=${body.position}`,
      );
    });

    app.get(`${base}/limits/set`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const s = await settingsOf(page, m, request);
      return done(page, m, 'Usual limits set', `Members can now go from ${signed(s.lowerMinutes)} to ${signed(s.upperMinutes)}`, html`<p>One exchange may be at most ${hoursAndMinutes(s.maxExchangeMinutes)}. Members with limits of their own keep them.</p>`);
    });

    // People: invitations, and a way in for members recorded without an account.

    const membersOf = (page: Page, networkId: string, request?: FastifyRequest) => page.api.readAll<Member>(`/networks/${networkId}/members`, { after: request ? after(request) : undefined }).then((r) => r.items);
    const nameOf = (p: Pick<Member, 'name'>) => p.name ?? 'This person';

    /** Whom a coordinator can find: the people of the other networks they coordinate, not yet in this one. */
    async function invitable(page: Page, m: Membership, here: Member[]) {
      const known = new Set(here.map((p) => p.personId));
      const found = new Map<string, { personId: string; name: string; from: string }>();
      for (const other of page.me.memberships.filter((x) => x.networkId !== m.networkId && isCoordinator(x))) {
        for (const p of await membersOf(page, other.networkId)) {
          if (p.status === 'active' && p.name && !known.has(p.personId) && !found.has(p.personId)) found.set(p.personId, { personId: p.personId, name: p.name, from: other.networkName ?? 'another network' });
        }
      }
      return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
    }

    const peoplePage = async (page: Page, m: Membership, state: FormState) => {
      const here = await membersOf(page, m.networkId, page.request);
      const candidates = await invitable(page, m, here);
      const invited = here.filter((p) => p.status === 'invited');
      const requested = here.filter((p) => p.status === 'requested');
      const withoutAccount = here.filter((p) => p.status === 'active' && !p.hasAccount);
      return page.show({
        title: 'People',
        crumbs: crumbs(m),
        hasErrors: hasErrors(state),
        body: html`${errorSummary(state)}
          <h2>Invite someone</h2>
          ${candidates.length === 0
            ? html`<p>There is no one to invite from the other networks you coordinate. Someone with an account can ask to join this network themselves, at <strong>/networks/${m.networkId}/join</strong> on this site; for someone who is not online, <a href="/networks/${m.networkId}/coordinate/new-member">add them as a member</a>.</p>`
            : html`<p>People in the other networks you coordinate. They join when they accept, from their own home page. Anyone else with an account can ask to join at <strong>/networks/${m.networkId}/join</strong> on this site.</p>
              <ul class="actions">${candidates.map((c) => html`<li>${form(`${home(m.networkId)}/invitations`, formState(), page.csrfToken, html`<input type="hidden" name="person" value="${c.personId}">`, `Invite ${c.name}`, { cls: 'inline', buttonClass: 'secondary' })} <span class="hint">in ${c.from}</span></li>`)}</ul>`}
          <h2>Members and their roles</h2>
          <ul class="actions">${here.filter((p) => p.status === 'active').map((p) => html`<li>${nameOf(p)}: ${p.roles.join(', ')}. <a href="${home(m.networkId)}/people/${p.personId}/roles">Change roles<span class="visually-hidden"> for ${nameOf(p)}</span></a>${p.personId === page.me.personId ? html`` : html` · <a href="/networks/${m.networkId}/members/${p.personId}/erase">Erase<span class="visually-hidden"> ${nameOf(p)}</span></a>`}</li>`)}</ul>
          <h2>Invited, not yet accepted</h2>
          ${invited.length === 0 ? html`<p>No one.</p>` : html`<ul>${invited.map((p) => html`<li>${nameOf(p)}</li>`)}</ul>`}
          <h2>Asked to join</h2>
          ${requested.length === 0 ? html`<p>No one is waiting to join.</p>` : html`<ul class="actions">${requested.map((p) => html`<li><a href="${home(m.networkId)}/people/${p.personId}/approve">${nameOf(p)}: approve, and choose what they do</a> ${form(`${home(m.networkId)}/people/${p.personId}/decline`, formState(), page.csrfToken, html``, `Decline ${nameOf(p)}`, { cls: 'inline', buttonClass: 'secondary' })}</li>`)}</ul>`}
          <h2>Members without an account</h2>
          ${withoutAccount.length === 0
            ? html`<p>Every member has an account of their own.</p>`
            : html`<p>A code lets one of them choose an email and a password at <strong>/claim</strong> on this site, then sign in themselves. Print it or read it out; or, when their details hold an email address, send them an invitation by email. Either works once, for 30 days, and replaces any earlier one.</p>
              <ul class="actions">${withoutAccount.map(
                (p) => html`<li>${form(`${home(m.networkId)}/people/${p.personId}/way-in`, formState(), page.csrfToken, html``, `Give ${nameOf(p)} a code`, { cls: 'inline', buttonClass: 'secondary' })}
                  ${form(`${home(m.networkId)}/people/${p.personId}/way-in-invitation`, formState(), page.csrfToken, html``, `Email ${nameOf(p)} an invitation`, { cls: 'inline', buttonClass: 'secondary' })}</li>`,
              )}</ul>`}`,
      });
    };

    app.get(`${base}/people`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      return peoplePage(page, m, formState());
    });

    app.post(`${base}/invitations`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const state = posted(request.body);
      const personId = state.values.person || void (state.general = 'Choose whom to invite');
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${m.networkId}/invitations`, { personId }, { key: state.values._key! }),
        {},
        (s) => peoplePage(page, m, s),
        (body) => `${home(m.networkId)}/people/${personId}/invited?after=${body.position}`,
      );
    });

    app.get(`${base}/people/:personId/invited`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m, params } = await coordinating(request, reply);
      const person = (await membersOf(page, m.networkId, request)).find((p) => p.personId === params.personId);
      if (!person) throw new ReadFailed({ type: 'about:blank', title: 'Not found', status: 404, detail: 'No one with that id is invited to this network.' });
      return done(page, m, 'Invitation sent', `${nameOf(person)} is invited`, html`<p>They join when they accept it from their home page on Hearth. Until then, they are not a member.</p>`, html`<ul class="actions"><li><a href="${home(m.networkId)}/people">Invite someone else</a></li></ul>`);
    });

    // Approving a request to join, with the roles the person takes on, or declining it.

    const approvePage = async (page: Page, m: Membership, personId: string, state: FormState) => {
      const person = (await membersOf(page, m.networkId)).find((p) => p.personId === personId && p.status === 'requested');
      if (!person) throw new ReadFailed({ type: 'about:blank', title: 'Not found', status: 404, detail: 'No one with that id is waiting to join this network.' });
      return page.show({
        title: `Approve ${nameOf(person)}`,
        crumbs: crumbs(m),
        hasErrors: hasErrors(state),
        body: html`${errorSummary(state)}<p>${nameOf(person)} has asked to join ${m.networkName ?? 'this network'}. Once approved, they are a member at once.</p>
          ${form(`${home(m.networkId)}/people/${personId}/approve`, state, page.csrfToken, radioField(state, { name: 'role', label: 'What will they do?', options: roleNames.map((r) => ({ value: r.value, label: r.joining })) }), `Approve ${nameOf(person)}`)}
          <p><a href="${home(m.networkId)}/people">Back to people, without approving</a></p>`,
      });
    };

    app.get(`${base}/people/:personId/approve`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m, params } = await coordinating(request, reply);
      return approvePage(page, m, params.personId!, formState({ role: 'member' }));
    });

    app.post(`${base}/people/:personId/approve`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m, params } = await coordinating(request, reply);
      const state = posted(request.body);
      const role = readChoice(state, 'role', roleNames.map((r) => r.value), 'Choose what they will do');
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${m.networkId}/members/${params.personId}/approval`, { roles: role === 'member' ? ['member'] : ['member', role] }, { key: state.values._key! }),
        { roles: 'role' },
        (s) => approvePage(page, m, params.personId!, s),
        (body) => `/networks/${m.networkId}/coordinate/members/${params.personId}/approved?after=${body.position}`,
      );
    });

    app.post(`${base}/people/:personId/decline`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m, params } = await coordinating(request, reply);
      const state = posted(request.body);
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${m.networkId}/members/${params.personId}/decline`, undefined, { key: state.values._key! }),
        {},
        (s) => peoplePage(page, m, s),
        (body) => `${home(m.networkId)}/people/${params.personId}/declined?after=${body.position}`,
      );
    });

    app.get(`${base}/people/:personId/declined`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m, params } = await coordinating(request, reply);
      const person = (await membersOf(page, m.networkId, request)).find((p) => p.personId === params.personId && p.status === 'declined');
      if (!person) throw new ReadFailed({ type: 'about:blank', title: 'Not found', status: 404, detail: 'No one with that id has been declined by this network.' });
      return done(page, m, 'Request declined', `${nameOf(person)} is not a member`, html`<p>They see on their home page that the request was declined, and may ask again later.</p>`, html`<ul class="actions"><li><a href="${home(m.networkId)}/people">Back to people</a></li></ul>`);
    });

    // A member's roles, changed with a reason. Each role is its own box, so a form carries every one ticked.

    const roleBoxes = (state: FormState) => {
      const error = state.errors.roles;
      return html`<div class="${error ? 'field invalid' : 'field'}"><fieldset${error ? html` aria-describedby="f-roles-error"` : html``}><legend>Their roles</legend><p class="hint">Tick each that applies. Everyone is a member.</p>${error ? html`<p class="error" id="f-roles-error"><span class="visually-hidden">Error: </span>${error}</p>` : html``}${roleNames.map(
        (r, i) => html`<div class="choice"><input type="checkbox" id="${i === 0 ? 'f-roles' : `f-roles-${r.value}`}" name="role-${r.value}" value="yes"${state.values[`role-${r.value}`] === 'yes' ? html` checked` : html``}><label for="${i === 0 ? 'f-roles' : `f-roles-${r.value}`}">${r.label}</label></div>`,
      )}</fieldset></div>`;
    };

    const rolesPage = async (page: Page, m: Membership, personId: string, state?: FormState) => {
      const person = (await membersOf(page, m.networkId, page.request)).find((p) => p.personId === personId && p.status === 'active');
      if (!person) throw new ReadFailed({ type: 'about:blank', title: 'Not found', status: 404, detail: 'There is no member with that id in this network.' });
      const values = state ?? formState(Object.fromEntries(person.roles.map((r) => [`role-${r}`, 'yes'])));
      return page.show({
        title: `Roles for ${nameOf(person)}`,
        crumbs: crumbs(m),
        hasErrors: hasErrors(values),
        body: html`${errorSummary(values)}<dl class="summary"><dt>Roles now</dt><dd>${person.roles.join(', ')}</dd></dl>
          ${form(`${home(m.networkId)}/people/${personId}/roles`, values, page.csrfToken, html`${roleBoxes(values)}${textArea(values, { name: 'reason', label: 'Why are you changing them?', hint: 'For example, "elected treasurer at the AGM"' })}`, 'Change their roles')}`,
      });
    };

    app.get(`${base}/people/:personId/roles`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m, params } = await coordinating(request, reply);
      return rolesPage(page, m, params.personId!);
    });

    app.post(`${base}/people/:personId/roles`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m, params } = await coordinating(request, reply);
      const state = posted(request.body);
      const roles = roleNames.map((r) => r.value).filter((r) => state.values[`role-${r}`] === 'yes');
      if (roles.length === 0) state.errors.roles = 'Tick at least one role';
      const reason = readText(state, 'reason', 'Say why you are changing their roles');
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('PUT', `/networks/${m.networkId}/members/${params.personId}/roles`, { roles, reason }, { key: state.values._key! }),
        { roles: 'roles', reason: 'reason' },
        (s) => rolesPage(page, m, params.personId!, s),
        (body) => `${home(m.networkId)}/people/${params.personId}/roles/set?after=${body.position}`,
      );
    });

    app.get(`${base}/people/:personId/roles/set`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m, params } = await coordinating(request, reply);
      const person = (await membersOf(page, m.networkId, request)).find((p) => p.personId === params.personId);
      if (!person) throw new ReadFailed({ type: 'about:blank', title: 'Not found', status: 404, detail: 'There is no member with that id in this network.' });
      return done(page, m, 'Roles changed', `${nameOf(person)} is now: ${person.roles.join(', ')}`, html`<p>The change is kept in the records with your reason.</p>`, html`<ul class="actions"><li><a href="${home(m.networkId)}/people">Back to people</a></li></ul>`);
    });

    // The network's name.

    const namePage = async (page: Page, m: Membership, state?: FormState) => {
      const network = await page.api.read<{ name: string }>(`/networks/${m.networkId}`);
      const values = state ?? formState({ name: network.name });
      return page.show({
        title: 'The network’s name',
        crumbs: crumbs(m),
        hasErrors: hasErrors(values),
        body: html`${errorSummary(values)}${form(`${home(m.networkId)}/name`, values, page.csrfToken, textField(values, { name: 'name', label: 'Its name', hint: 'As members know it', autocomplete: 'off' }), 'Rename the network')}`,
      });
    };

    app.get(`${base}/name`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      return namePage(page, m);
    });

    app.post(`${base}/name`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const state = posted(request.body);
      const name = readText(state, 'name', 'Enter the network’s name', 120);
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('PATCH', `/networks/${m.networkId}`, { name }, { key: state.values._key! }),
        { name: 'name' },
        (s) => namePage(page, m, s),
        (body) => `${home(m.networkId)}/name/set?after=${body.position}`,
      );
    });

    app.get(`${base}/name/set`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const network = await page.api.read<{ name: string }>(`/networks/${m.networkId}`, { after: after(request) });
      return done(page, { ...m, networkName: network.name }, 'Network renamed', `It is now called ${network.name}`, html`<p>Members see the new name on their pages.</p>`);
    });

    // Not an idempotent write: each post is a new code, shown once and never kept where it can be read back.
    app.post(`${base}/people/:personId/way-in`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m, params } = await coordinating(request, reply);
      const person = (await membersOf(page, m.networkId)).find((p) => p.personId === params.personId);
      const answer = await page.api.send<{ code: string; expiresAt: string }>('POST', `/networks/${m.networkId}/members/${params.personId}/claim-code`, undefined, { key: randomUUID() });
      if (!answer.ok) return peoplePage(page, m, refusedBy(formState(), answer.problem));
      const name = person ? nameOf(person) : 'This member';
      const until = new Date(answer.body.expiresAt).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
      return page.show({
        title: `A way in for ${name}`,
        crumbs: crumbs(m),
        body: html`<div class="panel way-in" role="status"><h2>${name}'s code</h2><p class="way-in-code"><strong>${answer.body.code}</strong></p>
            <p>Go to ${hearth.config.PUBLIC_URL}/claim, type this code, and choose the email address and password you will sign in with.</p>
            <p>It works once, until ${until}.</p></div>
          <p class="no-print">Read it out to ${name}, or print this page for them (the printed page shows only the code and what to do). This code is not shown again: to give another, come back here.</p>
          <ul class="actions no-print"><li><a href="${home(m.networkId)}/people">Back to people</a></li></ul>${backTo(m)}`,
      });
    });

    app.post(`${base}/people/:personId/way-in-invitation`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m, params } = await coordinating(request, reply);
      const person = (await membersOf(page, m.networkId)).find((p) => p.personId === params.personId);
      const state = posted(request.body);
      const answer = await page.api.send<{ expiresAt: string }>('POST', `/networks/${m.networkId}/members/${params.personId}/way-in-invitation`, undefined, { key: state.values._key || randomUUID() });
      if (!answer.ok) return peoplePage(page, m, refusedBy(formState(), answer.problem));
      const name = person ? nameOf(person) : 'This member';
      return done(page, m, 'Invitation sent', `${name} is invited by email`, html`<p>The email links to a page where they choose a password. The link works once, for 30 days; a code you give them later replaces it.</p><ul class="actions"><li><a href="${home(m.networkId)}/people">Back to people</a></li></ul>`);
    });

    // Partnerships with other time banks: propose, accept, end.

    const partnershipsPage = async (page: Page, m: Membership, state: FormState) => {
      const { items } = await page.api.readAll<Partnership>(`/networks/${m.networkId}/partnerships`, { after: after(page.request) });
      const others = page.me.memberships.filter((x) => x.networkId !== m.networkId && isCoordinator(x) && x.kind === 'time_bank' && !items.some((p) => p.partnerNetworkId === x.networkId && p.status !== 'ended'));
      const act = (p: Partnership, what: 'acceptance' | 'ending', label: string, body: Html = html``) =>
        form(`${home(m.networkId)}/partnerships/${p.partnerNetworkId}/${what}`, formState(), page.csrfToken, body, label, { buttonClass: what === 'ending' ? 'warning' : undefined });
      return page.show({
        title: 'Partnerships',
        crumbs: crumbs(m),
        hasErrors: hasErrors(state),
        body: html`${errorSummary(state)}<p>Members of two time banks in partnership can give each other time. Either coordinator can end it; nothing logged before is undone.</p>
          ${items.length === 0
            ? html`<p>This time bank has no partnerships.</p>`
            : html`${items.map(
                (p) => html`<section aria-labelledby="p-${p.partnerNetworkId}"><h2 id="p-${p.partnerNetworkId}">${p.partnerName}</h2>
                  <p>${p.status === 'active' ? 'In partnership.' : p.status === 'ended' ? 'Ended.' : p.proposedBy === 'partner' ? 'They proposed a partnership: accept it to begin.' : 'Proposed: waiting for their coordinator to accept.'}</p>
                  ${p.status === 'proposed' && p.proposedBy === 'partner' ? act(p, 'acceptance', `Accept the partnership with ${p.partnerName}`) : html``}
                  ${p.status === 'active' ? act(p, 'ending', `End the partnership with ${p.partnerName}`, textArea(state, { name: `reason-${p.partnerNetworkId}`, label: `Why end it with ${p.partnerName}?` })) : html``}</section>`,
              )}`}
          <h2>Propose a partnership</h2>
          ${form(
            `${home(m.networkId)}/partnerships`,
            state,
            page.csrfToken,
            others.length > 0
              ? radioField(state, { name: 'partner', label: 'Which time bank?', hint: 'Time banks you also coordinate; for another, enter the reference its coordinator gives you below', options: others.map((o) => ({ value: o.networkId, label: o.networkName ?? 'A time bank' })) })
              : textField(state, { name: 'partner', label: "The other time bank's reference", hint: `Its coordinator finds it on their own partnerships page. This time bank's is ${m.networkId}`, autocomplete: 'off' }),
            'Propose it',
          )}`,
      });
    };

    app.get(`${base}/partnerships`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      return partnershipsPage(page, m, formState());
    });

    app.post(`${base}/partnerships`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const state = posted(request.body);
      const partnerNetworkId = readText(state, 'partner', 'Choose the time bank, or enter its reference', 36);
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${m.networkId}/partnerships`, { partnerNetworkId }, { key: state.values._key! }),
        { partnerNetworkId: 'partner' },
        (s) => partnershipsPage(page, m, s),
        (body) => `${home(m.networkId)}/partnerships/changed?after=${body.position}`,
      );
    });

    // Each partnership's reason has a field of its own, so that a refusal is shown beside the right one.
    for (const [what, body] of [
      ['acceptance', (_s: FormState, _partner: string) => undefined],
      ['ending', (s: FormState, partner: string) => ({ reason: readText(s, `reason-${partner}`, 'Say why the partnership ends') })],
    ] as const) {
      app.post(`${base}/partnerships/:partnerNetworkId/${what}`, { schema: { hide: true } }, async (request, reply) => {
        const { page, m, params } = await coordinating(request, reply);
        const state = posted(request.body);
        const sent = body(state, params.partnerNetworkId!);
        return submit<{ position: number }>(
          page,
          state,
          () => page.api.send('POST', `/networks/${m.networkId}/partnerships/${params.partnerNetworkId}/${what}`, sent, { key: state.values._key! }),
          { reason: `reason-${params.partnerNetworkId}` },
          (s) => partnershipsPage(page, m, s),
          (answer) => `${home(m.networkId)}/partnerships/changed?after=${answer.position}`,
        );
      });
    }

    app.get(`${base}/partnerships/changed`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      return done(page, m, 'Partnerships changed', 'Recorded', html`<p>The partnerships page shows where each stands now.</p>`, html`<ul class="actions"><li><a href="${home(m.networkId)}/partnerships">See the partnerships</a></li></ul>`);
    });

    // Opening a pool.

    const poolPage = (page: Page, m: Membership, state: FormState) =>
      page.show({
        title: 'Open a pool',
        crumbs: crumbs(m),
        hasErrors: hasErrors(state),
        body: html`${errorSummary(state)}<p>A pool holds budget holders' money to pay for care together. Its treasurer records what comes in; payments are approved before money moves.</p>
          ${form(
            `${home(m.networkId)}/pools/new`,
            state,
            page.csrfToken,
            html`${textField(state, { name: 'name', label: "The pool's name", hint: 'For example, Armley day trips', autocomplete: 'off' })}
              ${textField(state, { name: 'threshold', label: 'Payments above this need two approvers', hint: 'In pounds, for example 250. Enter 0 for two approvers on every payment.', inputmode: 'decimal', width: '10em' })}`,
            'Open the pool',
          )}`,
      });

    app.get(`${base}/pools/new`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      return poolPage(page, m, formState());
    });

    app.post(`${base}/pools/new`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const state = posted(request.body);
      const name = readText(state, 'name', "Enter the pool's name", 120);
      const threshold = state.values.threshold === '0' ? 0 : readPounds(state, 'threshold', 'Enter the amount above which two people approve a payment');
      return submit<{ poolId: string; position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${m.networkId}/pools`, { name, twoApproversAbovePence: threshold }, { key: state.values._key! }),
        { name: 'name', twoApproversAbovePence: 'threshold' },
        (s) => poolPage(page, m, s),
        (body) => `${home(m.networkId)}/pools/${body.poolId}/opened?after=${body.position}`,
      );
    });

    app.get(`${base}/pools/:poolId/opened`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const { poolId } = request.params as { poolId: string };
      const pool = await page.api.read<{ name: string; twoApproversAbovePence: number }>(`/networks/${m.networkId}/pools/${poolId}`, { after: after(request) });
      return done(page, m, 'Pool opened', `${pool.name} is open`, html`<p>Payments above ${formatPence(pool.twoApproversAbovePence)} need two approvers. Its treasurer can now record money in.</p>`);
    });

    // Care-bank rules: consequential for everyone who banks, so they are checked before they are set.

    const rulesValues = (r: CareRules): Values => ({
      minimumAgeToBank: String(r.minimumAgeToBank),
      claimFromAge: String(r.claimFromAge),
      ...limitValues('dailyCap', r.dailyCapMinutes),
      lifetimeCap: r.lifetimeCapMinutes === null ? '' : String(Math.floor(r.lifetimeCapMinutes / 60)),
      ...dateValues('effectiveFrom', today()),
    });

    const rulesPage = async (page: Page, m: Membership, state?: FormState) => {
      const { inForce } = await page.api.read<{ inForce: CareRules }>(`/networks/${m.networkId}/carebank/rules`);
      const values = state ?? formState(rulesValues(inForce));
      return page.show({
        title: 'Care-bank rules',
        crumbs: crumbs(m),
        hasErrors: hasErrors(values),
        body: html`${errorSummary(values)}${rulesSummary(inForce, 'The rules in force')}
          <p>New rules apply from the day you choose. Hours banked before keep the rules they were banked under.</p>
          ${form(
            `${home(m.networkId)}/care-rules`,
            values,
            page.csrfToken,
            html`${textField(values, { name: 'minimumAgeToBank', label: 'Youngest age at which a volunteer may bank hours', inputmode: 'numeric', width: '5em' })}
              ${textField(values, { name: 'claimFromAge', label: 'Age from which banked hours may be claimed', inputmode: 'numeric', width: '5em' })}
              ${durationField(values, { name: 'dailyCap', label: 'Most care one volunteer may bank in a day' })}
              ${textField(values, { name: 'lifetimeCap', label: 'Most hours one volunteer may bank in all (optional)', hint: 'Whole hours. Leave empty for no limit.', inputmode: 'numeric', width: '8em' })}
              ${dateField(values, { name: 'effectiveFrom', label: 'In force from' })}`,
            'Continue',
          )}`,
      });
    };

    function rulesSummary(r: CareRules, caption: string): Html {
      return html`<h2>${caption}</h2><dl class="summary">
        <dt>Bank hours from age</dt><dd>${r.minimumAgeToBank}</dd>
        <dt>Claim hours from age</dt><dd>${r.claimFromAge}</dd>
        <dt>Most in a day</dt><dd>${hoursAndMinutes(r.dailyCapMinutes)}</dd>
        <dt>Most in all</dt><dd>${r.lifetimeCapMinutes === null ? 'No limit' : hoursAndMinutes(r.lifetimeCapMinutes)}</dd>
        <dt>In force from</dt><dd>${new Date(`${r.effectiveFrom}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })}</dd></dl>`;
    }

    function readRules(state: FormState): CareRules | undefined {
      const minimumAgeToBank = readWhole(state, 'minimumAgeToBank', 'Enter the youngest age at which a volunteer may bank hours', { min: 16, max: 120 });
      const claimFromAge = readWhole(state, 'claimFromAge', 'Enter the age from which hours may be claimed', { min: 0, max: 120 });
      const dailyCapMinutes = readDuration(state, 'dailyCap', 'Enter the most care one volunteer may bank in a day');
      if (dailyCapMinutes !== undefined && dailyCapMinutes > 24 * 60) state.errors.dailyCap = 'Enter 24 hours or fewer';
      const lifetime = state.values.lifetimeCap ? readWhole(state, 'lifetimeCap', '', { min: 1, max: 1_000_000 }) : null;
      const effectiveFrom = readDate(state, 'effectiveFrom', 'Enter the day the rules come into force');
      if (hasErrors(state)) return undefined;
      return { minimumAgeToBank: minimumAgeToBank!, claimFromAge: claimFromAge!, dailyCapMinutes: dailyCapMinutes!, lifetimeCapMinutes: lifetime === null ? null : lifetime! * 60, effectiveFrom: effectiveFrom! };
    }

    app.get(`${base}/care-rules`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      return rulesPage(page, m);
    });

    app.post(`${base}/care-rules`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const state = posted(request.body);
      const rules = readRules(state);
      if (!rules) return rulesPage(page, m, state);
      const carried = Object.entries(state.values).filter(([k]) => k !== '_csrf');
      return page.show({
        title: 'Check the new rules',
        crumbs: crumbs(m),
        body: html`${rulesSummary(rules, 'The new rules')}
          <p>Every volunteer and everyone who claims is held to these from the day they come into force. They cannot be taken back: to change them again, set new rules.</p>
          ${form(`${home(m.networkId)}/care-rules/set`, formState({ _key: state.values._key }), page.csrfToken, html`${carried.filter(([k]) => k !== '_key').map(([k, v]) => html`<input type="hidden" name="${k}" value="${v ?? ''}">`)}`, 'Set these rules')}
          <p><a href="${home(m.networkId)}/care-rules">Change them</a></p>`,
      });
    });

    app.post(`${base}/care-rules/set`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const state = posted(request.body);
      const rules = readRules(state);
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${m.networkId}/carebank/rules`, rules, { key: state.values._key! }),
        { minimumAgeToBank: 'minimumAgeToBank', claimFromAge: 'claimFromAge', dailyCapMinutes: 'dailyCap', lifetimeCapMinutes: 'lifetimeCap', effectiveFrom: 'effectiveFrom' },
        (s) => rulesPage(page, m, s),
        () => `${home(m.networkId)}/care-rules/set`,
      );
    });

    app.get(`${base}/care-rules/set`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const { versions } = await page.api.read<{ versions: Array<CareRules & { version: number }> }>(`/networks/${m.networkId}/carebank/rules`);
      const newest = versions.at(-1);
      return done(page, m, 'Rules set', newest ? `Version ${newest.version} of the rules is recorded` : 'Recorded', newest ? rulesSummary(newest, 'The rules now recorded') : html``);
    });

    // The learning-voucher policy.

    const voucherPage = async (page: Page, m: Membership, state?: FormState) => {
      const policy = await page.api.read<{ expiryMonths: number | null; atExpiry: string }>(`/networks/${m.networkId}/vouchers/policy`, { after: after(page.request) });
      const values = state ?? formState({ expiryMonths: policy.expiryMonths === null ? '' : String(policy.expiryMonths), atExpiry: policy.atExpiry });
      return page.show({
        title: 'Learning vouchers',
        crumbs: crumbs(m),
        hasErrors: hasErrors(values),
        body: html`${errorSummary(values)}<p>Vouchers keep the policy they were bought under: a change applies to vouchers given from now on.</p>
          ${form(
            `${home(m.networkId)}/vouchers`,
            values,
            page.csrfToken,
            html`${textField(values, { name: 'expiryMonths', label: 'How many months a voucher lasts', hint: 'From 1 to 120. Leave empty for vouchers that never expire.', inputmode: 'numeric', width: '5em' })}
              ${radioField(values, { name: 'atExpiry', label: 'Where what is left of a voucher goes when it expires', options: atExpiryChoices.map((c) => ({ ...c })) })}`,
            'Set the policy',
          )}`,
      });
    };

    app.get(`${base}/vouchers`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      return voucherPage(page, m);
    });

    app.post(`${base}/vouchers`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const state = posted(request.body);
      const expiryMonths = state.values.expiryMonths ? readWhole(state, 'expiryMonths', '', { min: 1, max: 120 }) : null;
      const atExpiry = readChoice(state, 'atExpiry', atExpiryChoices.map((c) => c.value), 'Choose where what is left goes');
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('PUT', `/networks/${m.networkId}/vouchers/policy`, { expiryMonths, atExpiry }, { key: state.values._key! }),
        { expiryMonths: 'expiryMonths', atExpiry: 'atExpiry' },
        (s) => voucherPage(page, m, s),
        (body) => `${home(m.networkId)}/vouchers/set?after=${body.position}`,
      );
    });

    app.get(`${base}/vouchers/set`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const policy = await page.api.read<{ expiryMonths: number | null; atExpiry: string }>(`/networks/${m.networkId}/vouchers/policy`, { after: after(request) });
      return done(
        page,
        m,
        'Voucher policy set',
        policy.expiryMonths === null ? 'Vouchers given from now on never expire' : `Vouchers given from now on last ${policy.expiryMonths} months`,
        html`<p>When one expires, what is left goes ${policy.atExpiry === 'learning-fund' ? "to the network's learning fund" : 'back to whoever gave it'}.</p>`,
      );
    });

    // The invited person accepts, for themselves.

    const invitationOf = (page: Page, networkId: string) => {
      const m = page.me.memberships.find((x) => x.networkId === networkId && x.status === 'invited');
      if (!m) throw new ReadFailed({ type: 'about:blank', title: 'Not found', status: 404, detail: 'You have no invitation to this network waiting.' });
      return m;
    };

    const invitationPage = (page: Page, m: Membership, state: FormState) =>
      page.show({
        title: `Join ${m.networkName ?? 'the network'}`,
        crumbs: [{ href: '/', label: 'Your networks' }],
        hasErrors: hasErrors(state),
        body: html`${errorSummary(state)}<p>A coordinator of ${m.networkName ?? 'this network'} (${kindLabel(m.kind)}) has invited you to join it. Once you accept, you are a member, and its coordinators can see your name and what you do there.</p>
          ${form(`/networks/${m.networkId}/invitation`, state, page.csrfToken, html``, 'Accept the invitation')}
          <p><a href="/">Not now: back to your networks</a></p>`,
      });

    app.get('/networks/:networkId/invitation', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      return invitationPage(page, invitationOf(page, (request.params as Params).networkId), formState());
    });

    app.post('/networks/:networkId/invitation', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = invitationOf(page, (request.params as Params).networkId);
      const state = posted(request.body);
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${m.networkId}/invitations/acceptance`, undefined, { key: state.values._key! }),
        {},
        (s) => invitationPage(page, m, s),
        (body) => `/networks/${m.networkId}/joined?after=${body.position}`,
      );
    });

    app.get('/networks/:networkId/joined', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const me = await page.api.read<Me>('/me', { after: after(request) });
      const m = me.memberships.find((x) => x.networkId === (request.params as Params).networkId && x.status === 'active');
      if (!m) throw new Forbidden('You are not a member of this network.');
      return page.show({
        title: 'You have joined',
        crumbs: [{ href: '/', label: 'Your networks' }],
        body: html`<div class="panel" role="status"><h2>You are a member of ${m.networkName ?? 'the network'}</h2></div><p><a href="/networks/${m.networkId}">Go to ${m.networkName ?? 'the network'}</a></p>`,
      });
    });

    // Asking to join, at an address a coordinator gives out: for oneself only. A person declined
    // before may ask again.

    const joinPage = (page: Page, networkId: string, state: FormState) => {
      const known = page.me.memberships.find((x) => x.networkId === networkId);
      const name = known?.networkName ?? 'this network';
      const already = known?.status === 'active' ? 'You are already a member.' : known?.status === 'requested' ? 'You have asked to join. A coordinator will approve or decline your request.' : known?.status === 'invited' ? 'You have been invited: accept the invitation instead.' : undefined;
      return page.show({
        title: known?.networkName ? `Ask to join ${known.networkName}` : 'Ask to join a network',
        crumbs: [{ href: '/', label: 'Your networks' }],
        hasErrors: hasErrors(state),
        body: already
          ? html`<p>${already}</p><p><a href="${known?.status === 'invited' ? `/networks/${networkId}/invitation` : '/'}">${known?.status === 'invited' ? 'Look at the invitation' : 'Back to your networks'}</a></p>`
          : html`${errorSummary(state)}<p>${known?.status === 'declined' ? `A coordinator declined your earlier request to join ${name}. You may ask again.` : `A coordinator gave you this address to ask to join ${name}.`} Once a coordinator approves you, you are a member, and its coordinators can see your name and what you do there.</p>
            ${form(`/networks/${networkId}/join`, state, page.csrfToken, html``, 'Ask to join')}
            <p><a href="/">Not now: back to your networks</a></p>`,
      });
    };

    app.get('/networks/:networkId/join', { schema: { hide: true } }, async (request, reply) => joinPage(await pageFor(app, request, reply), (request.params as Params).networkId, formState()));

    app.post('/networks/:networkId/join', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId } = request.params as Params;
      const state = posted(request.body);
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${networkId}/join-requests`, undefined, { key: state.values._key! }),
        {},
        (s) => joinPage(page, networkId, s),
        (body) => `/networks/${networkId}/join/asked?after=${body.position}`,
      );
    });

    app.get('/networks/:networkId/join/asked', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const me = await page.api.read<Me>('/me', { after: after(request) });
      const m = me.memberships.find((x) => x.networkId === (request.params as Params).networkId && x.status === 'requested');
      if (!m) throw new ReadFailed({ type: 'about:blank', title: 'Not found', status: 404, detail: 'You have not asked to join this network.' });
      return page.show({
        title: 'Request sent',
        crumbs: [{ href: '/', label: 'Your networks' }],
        body: html`<div class="panel" role="status"><h2>You have asked to join ${m.networkName ?? 'the network'}</h2><p>A coordinator will approve or decline your request. Your home page shows which.</p></div><p><a href="/">Back to your networks</a></p>`,
      });
    });

    // Claiming the way in a coordinator gave: no one is signed in yet.

    const claimPage = (reply: FastifyReply, state: FormState) =>
      bare(
        reply,
        'Set up your account',
        html`${errorSummary(state)}<p>Your coordinator gave you a code. With it, choose the email address and password you will sign in with.</p>
          ${form(
            '/claim',
            state,
            formTokenFor(hearth.secret, reply.request, reply),
            html`${textField(state, { name: 'code', label: 'Your code', hint: 'The letters and numbers your coordinator gave you, for example ABCD-EFGH-JKMN', autocomplete: 'off', width: '16em' })}
              ${textField(state, { name: 'email', label: 'Email address', type: 'email', autocomplete: 'email' })}
              ${textField(state, { name: 'password', label: 'Choose a password', hint: 'At least 12 characters. A few words you will remember are easier than a jumble.', type: 'password', autocomplete: 'new-password' })}`,
            'Set up my account',
          )}`,
        hasErrors(state) ? 422 : 200,
        hasErrors(state),
      );

    // The link in an invitation carries its code: the form comes with it filled in.
    app.get('/claim', { schema: { hide: true } }, async (request, reply) => {
      const code = (request.query as { code?: unknown }).code;
      return claimPage(reply, typeof code === 'string' && /^[A-Za-z0-9 -]{1,40}$/.test(code) ? formState({ code }) : formState());
    });

    app.post('/claim', { schema: { hide: true } }, async (request, reply) => {
      checkFormToken(hearth.secret, request);
      const state = posted(request.body);
      const code = readText(state, 'code', 'Enter the code your coordinator gave you', 40)?.toUpperCase();
      const email = readText(state, 'email', 'Enter your email address', 254);
      const password = readText(state, 'password', 'Choose a password', 200);
      if (hasErrors(state)) return claimPage(reply, state);
      const answer = await new Api(app, request).send('POST', '/accounts/claim', { code, email, password }, { key: state.values._key! });
      if (!answer.ok) return claimPage(reply, refusedBy(state, answer.problem, { code: 'code', email: 'email', password: 'password' }));
      return bare(reply, 'Your account is ready', html`<div class="panel" role="status"><h2>You can now sign in</h2><p>With the email address and password you chose.</p></div><p><a class="button" href="/sign-in">Sign in</a></p>`);
    });
  },
};
