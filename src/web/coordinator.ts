// A time-bank coordinator's pages: who is waiting to join, which members are near a limit on
// their balance, recording time for a member who is not online, adding such a member, and setting
// one member's limits with a reason. Recording for a member uses the member's own pages (?for=).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Hearth } from '../hearth.ts';
import { Forbidden } from '../access/guard.ts';
import { html, type Html } from '../http/html.ts';
import { ReadFailed } from './api.ts';
import { durationField, errorSummary, form, formState, posted, readText, textArea, textField, type FormState, type Values } from './forms.ts';
import { networkCrumbs, pageFor, submit, type Membership, type Page } from './page.ts';
import { hoursAndMinutes } from './words.ts';
import type { Journey } from './index.ts';

interface Member {
  personId: string;
  name: string | null;
  status: string;
  roles: string[];
}

interface Account {
  personId: string;
  name: string;
  balanceMinutes: number;
  lowerMinutes: number;
  upperMinutes: number;
  ownLimits: boolean;
  usedPercent: number;
  nearLimit: boolean;
}

/** The most hours a limit may be typed as: far beyond any scheme's, and well inside what is stored. */
const MOST_HOURS = 10_000;

export const signed = (minutes: number) => (minutes === 0 ? 'zero' : minutes < 0 ? `minus ${hoursAndMinutes(minutes)}` : hoursAndMinutes(minutes));
const limitsWords = (a: Pick<Account, 'lowerMinutes' | 'upperMinutes'>) => `from ${signed(a.lowerMinutes)} to ${signed(a.upperMinutes)}`;
/** The limit on the side the balance is on: the one it can run into. */
const nearestLimit = (a: Account) => (a.balanceMinutes < 0 ? a.lowerMinutes : a.upperMinutes);
const nameOf = (m: Member | undefined) => m?.name ?? 'This person';

/** A limit as hours and minutes; unlike a length of time, zero is a limit one may set. */
export function readLimit(state: FormState, name: string, missing: string): number | undefined {
  const hours = state.values[`${name}-hours`] ?? '';
  const minutes = state.values[`${name}-minutes`] ?? '';
  if (!hours && !minutes) return void (state.errors[name] = missing);
  if (![hours, minutes].every((p) => p === '' || /^\d+$/.test(p))) return void (state.errors[name] = 'Enter whole hours and minutes, for example 10 and 0');
  if (Number(minutes || 0) > 59) return void (state.errors[name] = 'Minutes must be 59 or fewer; put whole hours in the hours box');
  if (Number(hours || 0) > MOST_HOURS) return void (state.errors[name] = `Enter ${MOST_HOURS.toLocaleString('en-GB')} hours or fewer`);
  return Number(hours || 0) * 60 + Number(minutes || 0);
}

export const limitValues = (name: string, minutes: number): Values => ({ [`${name}-hours`]: String(Math.floor(Math.abs(minutes) / 60)), [`${name}-minutes`]: String(Math.abs(minutes) % 60) });

const notFound = (detail: string) => new ReadFailed({ type: 'about:blank', title: 'Not found', status: 404, detail });

export const coordinatorJourney: Journey = {
  links: (m: Membership) =>
    m.kind === 'time_bank' && m.roles.includes('coordinator') ? [{ href: `/networks/${m.networkId}/coordinate`, label: 'Coordinate: requests to join, members near a limit, recording for members' }] : [],
  routes: (_hearth: Hearth): FastifyPluginAsync => async (app) => {
    const base = '/networks/:networkId/coordinate';
    type Params = { networkId: string; personId?: string };
    const home = (networkId: string) => `/networks/${networkId}/coordinate`;
    const memberPath = (networkId: string, personId: string, rest: string) => `${home(networkId)}/members/${personId}/${rest}`;
    const crumbs = (m: Membership) => [...networkCrumbs(m), { href: home(m.networkId), label: 'Coordinate' }];
    const after = (page: Page) => (page.request.query as { after?: string }).after;

    /** The signed-in coordinator's membership; the API checks again on every read and command. */
    async function coordinating(request: FastifyRequest, reply: FastifyReply) {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      if (!m.roles.includes('coordinator')) throw new Forbidden('Only a coordinator of this network can use these pages.');
      return { page, m, personId: (request.params as Params).personId! };
    }

    const members = async (page: Page, m: Membership) => (await page.api.readAll<Member>(`/networks/${m.networkId}/members`, { after: after(page) })).items;
    const accounts = async (page: Page, m: Membership) => (await page.api.readAll<Account>(`/networks/${m.networkId}/timebank/accounts`, { after: after(page) })).items;
    async function accountOf(page: Page, m: Membership, personId: string) {
      const account = (await accounts(page, m)).find((a) => a.personId === personId);
      if (!account) throw notFound('There is no member with that id in this time bank.');
      return account;
    }

    app.get(base, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const [people, balances] = await Promise.all([members(page, m), accounts(page, m)]);
      const waiting = people.filter((p) => p.status === 'requested');
      const near = balances.filter((a) => a.nearLimit);
      return page.show({
        title: 'Coordinate',
        crumbs: networkCrumbs(m),
        body: html`<h2>Requests to join</h2>
          ${waiting.length === 0
            ? html`<p>No one is waiting to join.</p>`
            : html`<p>${waiting.length === 1 ? '1 person is' : `${waiting.length} people are`} waiting for a coordinator to approve them.</p>
              <ul class="actions">${waiting.map((p) => html`<li><a href="${memberPath(m.networkId, p.personId, 'approve')}">${nameOf(p)}: look at the request to join</a></li>`)}</ul>`}
          <h2>Members near a limit</h2>
          ${near.length === 0
            ? html`<p>No member is near a limit.</p>`
            : html`<p>${near.length === 1 ? '1 member is' : `${near.length} members are`} close to the most they may go below or above zero. They cannot log time that takes them past it.</p>${nearTable(m, near)}`}
          <h2>Record for a member</h2>
          <p>For a member who is not online, log the time they gave or received here. You can also confirm or dispute what others logged for them.</p>
          ${membersTable(m, balances)}
          <p><a class="button secondary" href="${home(m.networkId)}/new-member">Add a member who is not online</a></p>
          <p><a href="/networks/${m.networkId}/chest">Grant time from the community chest</a> · <a href="/networks/${m.networkId}/safeguarding">Safeguarding and DBS checks</a> · <a href="${home(m.networkId)}/exchanges.csv">Download every exchange (CSV)</a></p>`,
      });
    });

    function nearTable(m: Membership, rows: Account[]): Html {
      return html`<div class="table-scroll"><table><caption>Members near a limit, nearest first</caption>
        <thead><tr><th scope="col">Member</th><th scope="col">Balance</th><th scope="col">Limit</th><th scope="col">How near</th><th scope="col">Change</th></tr></thead>
        <tbody>${rows.map(
          (a) =>
            html`<tr><th scope="row">${a.name}</th><td>${signed(a.balanceMinutes)}</td><td>${signed(nearestLimit(a))}</td><td><span class="tag">Near limit</span> ${Math.min(a.usedPercent, 100)}% of the way</td>
              <td><a href="${memberPath(m.networkId, a.personId, 'limits')}">Limits<span class="visually-hidden"> for ${a.name}</span></a></td></tr>`,
        )}</tbody></table></div>`;
    }

    function membersTable(m: Membership, rows: Account[]): Html {
      const time = (a: Account, path: string) => `/networks/${m.networkId}/time${path}?for=${encodeURIComponent(a.personId)}`;
      return html`<div class="table-scroll"><table><caption>Members and their balances</caption>
        <thead><tr><th scope="col">Member</th><th scope="col">Balance</th><th scope="col">Limits</th><th scope="col">What you can do</th></tr></thead>
        <tbody>${rows.map(
          (a) =>
            html`<tr><th scope="row">${a.name}</th><td>${signed(a.balanceMinutes)}${a.nearLimit ? html` <span class="tag">Near limit</span>` : html``}</td><td>${limitsWords(a)}${a.ownLimits ? html`` : html` <span class="hint">(the usual)</span>`}</td>
              <td><ul class="actions">
                <li><a href="${time(a, '/log')}">Record time<span class="visually-hidden"> for ${a.name}</span></a></li>
                <li><a href="${time(a, '')}">Their balance and exchanges<span class="visually-hidden">: ${a.name}</span></a></li>
                <li><a href="${memberPath(m.networkId, a.personId, 'limits')}">Change limits<span class="visually-hidden"> for ${a.name}</span></a></li>
                <li><a href="/networks/${m.networkId}/members/${a.personId}/reset-code">Reset code<span class="visually-hidden"> for ${a.name}</span></a></li>
                <li><a href="/networks/${m.networkId}/posts/new?for=${a.personId}">Post an offer or request<span class="visually-hidden"> for ${a.name}</span></a></li>
                <li><a href="/networks/${m.networkId}/leave?for=${a.personId}">Record that they left<span class="visually-hidden">: ${a.name}</span></a></li>
              </ul></td></tr>`,
        )}</tbody></table></div>`;
    }

    app.get(`${base}/exchanges.csv`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const csv = await page.api.read<string>(`/networks/${m.networkId}/timebank/exchanges.csv`);
      reply.header('content-disposition', 'attachment; filename="exchanges.csv"').header('cache-control', 'no-store');
      return reply.type('text/csv; charset=utf-8').send(csv);
    });

    // Approving a request to join.

    const approvePage = async (page: Page, m: Membership, personId: string, state: FormState) => {
      const person = (await members(page, m)).find((p) => p.personId === personId);
      if (!person) throw notFound('No one with that id has asked to join this network.');
      const name = nameOf(person);
      return page.show({
        title: `Approve ${name}`,
        crumbs: crumbs(m),
        hasErrors: state.general !== undefined,
        body:
          person.status === 'requested'
            ? html`${errorSummary(state)}<p>${name} has asked to join ${m.networkName ?? 'this network'}. Once approved, they are a member: they can log time given and received, and others can log time with them.</p>
              ${form(memberPath(m.networkId, personId, 'approve'), state, page.csrfToken, html``, `Approve ${name}`)}
              <p><a href="${home(m.networkId)}">Back to coordinating, without approving</a></p>`
            : html`<p>${name} is not waiting to be approved: ${person.status === 'active' ? 'they are already a member' : `their membership is ${person.status}`}.</p><p><a href="${home(m.networkId)}">Back to coordinating</a></p>`,
      });
    };

    app.get(`${base}/members/:personId/approve`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m, personId } = await coordinating(request, reply);
      return approvePage(page, m, personId, formState());
    });

    app.post(`${base}/members/:personId/approve`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m, personId } = await coordinating(request, reply);
      const state = posted(request.body);
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${m.networkId}/members/${personId}/approval`, { roles: ['member'] }, { key: state.values._key! }),
        {},
        (s) => approvePage(page, m, personId, s),
        (body) => `${memberPath(m.networkId, personId, 'approved')}?after=${body.position}`,
      );
    });

    /** The page after a member joins, by approval or added by a coordinator: what to do next for them. */
    const joinedPage = (title: string, say: (name: string) => string) => async (request: FastifyRequest, reply: FastifyReply) => {
      const { page, m, personId } = await coordinating(request, reply);
      const person = (await members(page, m)).find((p) => p.personId === personId);
      if (!person) throw notFound('There is no member with that id in this network.');
      const name = nameOf(person);
      return page.show({
        title,
        crumbs: crumbs(m),
        body: html`<div class="panel" role="status"><h2>${person.status === 'active' ? `${name} is now a member` : `${name}'s membership is ${person.status}`}</h2><p>${say(name)}</p></div>
          <ul class="actions">
            <li><a href="/networks/${m.networkId}/time/log?for=${encodeURIComponent(personId)}">Record time for ${name}</a></li>
            <li><a href="${home(m.networkId)}">Back to coordinating</a></li>
          </ul>`,
      });
    };

    app.get(`${base}/members/:personId/approved`, { schema: { hide: true } }, joinedPage('Request approved', (name) => `${name} can now sign in and log time given and received.`));
    app.get(`${base}/members/:personId/added`, { schema: { hide: true } }, joinedPage('Member added', (name) => `${name} has no account of their own. You, or another coordinator, record the time they give and receive.`));

    // Adding a member who is not online.

    const newMemberPage = (page: Page, m: Membership, state: FormState) =>
      page.show({
        title: 'Add a member who is not online',
        crumbs: crumbs(m),
        hasErrors: Object.keys(state.errors).length > 0 || state.general !== undefined,
        body: html`${errorSummary(state)}
          <p>For someone who does not use a computer or phone. They become a member at once, with no account; coordinators record their time for them.</p>
          ${form(
            `${home(m.networkId)}/new-member`,
            state,
            page.csrfToken,
            html`${textField(state, { name: 'name', label: 'Their full name', autocomplete: 'off' })}
              ${textField(state, { name: 'phone', label: 'Their phone number (optional)', hint: 'So that a coordinator can ring them about what is logged', inputmode: 'tel', autocomplete: 'off', width: '15em' })}`,
            'Add them as a member',
          )}`,
      });

    app.get(`${base}/new-member`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      return newMemberPage(page, m, formState());
    });

    app.post(`${base}/new-member`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const state = posted(request.body);
      const name = readText(state, 'name', 'Enter their name', 200);
      const phone = state.values.phone || undefined;
      return submit<{ personId: string; position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${m.networkId}/members`, { name, ...(phone ? { phone } : {}) }, { key: state.values._key! }),
        { name: 'name', phone: 'phone' },
        (s) => newMemberPage(page, m, s),
        (body) => `${memberPath(m.networkId, body.personId, 'added')}?after=${body.position}`,
      );
    });

    // One member's limits.

    const limitsPage = async (page: Page, m: Membership, personId: string, state?: FormState) => {
      const a = await accountOf(page, m, personId);
      const shown = state ?? formState({ ...limitValues('lower', a.lowerMinutes), ...limitValues('upper', a.upperMinutes) });
      return page.show({
        title: `Limits for ${a.name}`,
        crumbs: crumbs(m),
        hasErrors: Object.keys(shown.errors).length > 0 || shown.general !== undefined,
        body: html`${errorSummary(shown)}
          <dl class="summary">
            <dt>Balance</dt><dd>${signed(a.balanceMinutes)}${a.nearLimit ? html` <span class="tag">Near limit</span>` : html``}</dd>
            <dt>Limits now</dt><dd>${limitsWords(a)}${a.ownLimits ? ', set for them' : ", the time bank's usual limits"}</dd>
          </dl>
          <p>A member cannot log time that would take their balance past a limit. The change is kept in the records with your reason.</p>
          ${form(
            memberPath(m.networkId, personId, 'limits'),
            shown,
            page.csrfToken,
            html`${durationField(shown, { name: 'lower', label: 'How far below zero may they go?', hint: 'For example, 10 hours 0 minutes. Enter 0 hours if they may not go below zero.' })}
              ${durationField(shown, { name: 'upper', label: 'How far above zero may they go?', hint: 'For example, 750 hours 0 minutes.' })}
              ${textArea(shown, { name: 'reason', label: 'Why are you changing them?', hint: 'For example, "agreed at the members\' meeting on 3 March"' })}`,
            'Set these limits',
          )}`,
      });
    };

    app.get(`${base}/members/:personId/limits`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m, personId } = await coordinating(request, reply);
      return limitsPage(page, m, personId);
    });

    app.post(`${base}/members/:personId/limits`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m, personId } = await coordinating(request, reply);
      const state = posted(request.body);
      const lower = readLimit(state, 'lower', 'Enter how far below zero they may go');
      const upper = readLimit(state, 'upper', 'Enter how far above zero they may go');
      const reason = readText(state, 'reason', 'Say why you are changing their limits');
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('PUT', `/networks/${m.networkId}/timebank/accounts/${personId}/limits`, { lowerMinutes: -lower!, upperMinutes: upper, reason }, { key: state.values._key! }),
        { lowerMinutes: 'lower', upperMinutes: 'upper', reason: 'reason' },
        (s) => limitsPage(page, m, personId, s),
        (body) => `${memberPath(m.networkId, personId, 'limits/set')}?after=${body.position}`,
      );
    });

    app.get(`${base}/members/:personId/limits/set`, { schema: { hide: true } }, async (request, reply) => {
      const { page, m, personId } = await coordinating(request, reply);
      const a = await accountOf(page, m, personId);
      return page.show({
        title: 'Limits set',
        crumbs: crumbs(m),
        body: html`<div class="panel" role="status"><h2>${a.name} can now go ${limitsWords(a)}</h2>
            <p>Their balance is ${signed(a.balanceMinutes)}. ${a.nearLimit ? 'They are still near a limit.' : 'They are not near a limit now.'}</p></div>
          <ul class="actions">
            <li><a href="/networks/${m.networkId}/time/log?for=${encodeURIComponent(personId)}">Record time for ${a.name}</a></li>
            <li><a href="${home(m.networkId)}">Back to coordinating</a></li>
          </ul>`,
      });
    });
  },
};
