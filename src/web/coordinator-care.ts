// A coordinator's safeguarding pages: the network's policy on DBS checks, each member's DBS check
// and whether they need safeguarding; and, in a time bank, grants of time from the community
// chest. Every rule is the API's: these pages only ask, check what was typed, and show the answer.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Hearth } from '../hearth.ts';
import { Forbidden } from '../access/guard.ts';
import { html, type Html } from '../http/html.ts';
import { ReadFailed } from './api.ts';
import { checkAnswers, stepOf } from './answers.ts';
import { dateField, durationField, errorSummary, form, formState, hasErrors, posted, radioField, readChoice, readDate, readDuration, readText, textArea, type FormState } from './forms.ts';
import { networkCrumbs, pageFor, submit, type Membership, type Page } from './page.ts';
import { hoursAndMinutes, longDate } from './words.ts';
import { signed } from './coordinator.ts';
import type { Journey } from './index.ts';

interface Member {
  personId: string;
  name: string | null;
  status: string;
  dbsExpiresOn: string | null;
  needsSafeguarding: boolean;
}

const checkTypes = [
  { value: 'basic', label: 'Basic' },
  { value: 'standard', label: 'Standard' },
  { value: 'enhanced', label: 'Enhanced' },
  { value: 'enhanced_with_barred_lists', label: 'Enhanced, with the barred lists' },
] as const;
const policyChoices = [
  { value: 'yes', label: 'Yes: a current DBS check is needed before anyone gives care to a member flagged for safeguarding' },
  { value: 'no', label: 'No: the flag is shown, but no DBS check is required' },
] as const;

interface NetworkAccount {
  holder: string;
  name: string;
  balanceMinutes: number;
}
interface Gift {
  ref: string;
  holder: string;
  kind: 'grant' | 'donation';
  date: string;
  name: string | null;
  minutes: number;
  status: 'in flight' | 'made' | 'refused' | 'reversed';
}

const isCoordinator = (m: Membership) => m.status === 'active' && m.roles.includes('coordinator');
const nameOf = (p: Pick<Member, 'name'>) => p.name ?? 'This person';
const notFound = (detail: string) => new ReadFailed({ type: 'about:blank', title: 'Not found', status: 404, detail });

export const coordinatorCareJourney: Journey = {
  links: (m: Membership) =>
    isCoordinator(m)
      ? [
          { href: `/networks/${m.networkId}/safeguarding`, label: 'Safeguarding: the DBS policy, members’ DBS checks, and who needs safeguarding' },
          ...(m.kind === 'time_bank' ? [{ href: `/networks/${m.networkId}/chest`, label: 'The community chest: grant time to a member' }] : []),
        ]
      : [],
  routes: (_hearth: Hearth): FastifyPluginAsync => async (app) => {
    type Params = { networkId: string; personId?: string };
    const home = (networkId: string) => `/networks/${networkId}/safeguarding`;
    const chest = (networkId: string) => `/networks/${networkId}/chest`;
    const after = (request: FastifyRequest) => {
      const value = (request.query as { after?: string }).after;
      return value && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
    };

    /** The signed-in coordinator's membership; the API checks again on every read and command. */
    async function coordinating(request: FastifyRequest, reply: FastifyReply) {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      if (!m.roles.includes('coordinator')) throw new Forbidden('Only a coordinator of this network can use these pages.');
      return { page, m, personId: (request.params as Params).personId! };
    }

    const members = async (page: Page, m: Membership) => (await page.api.readAll<Member>(`/networks/${m.networkId}/members`, { after: after(page.request) })).items.filter((p) => p.status === 'active');
    async function memberOf(page: Page, m: Membership, personId: string) {
      const found = (await members(page, m)).find((p) => p.personId === personId);
      if (!found) throw notFound('There is no member with that id in this network.');
      return found;
    }
    const done = (page: Page, m: Membership, title: string, heading: string, say: Html, back: { href: string; label: string }) =>
      page.show({ title, crumbs: [...networkCrumbs(m), back], body: html`<div class="panel" role="status"><h2>${heading}</h2>${say}</div><p><a href="${back.href}">Back to ${back.label.toLowerCase()}</a></p>` });
    const safeguardingCrumb = (m: Membership) => ({ href: home(m.networkId), label: 'Safeguarding' });

    // The policy, and every member's check and flag.

    const safeguardingPage = async (page: Page, m: Membership, state?: FormState) => {
      const [network, people] = await Promise.all([page.api.read<{ requireDbsForSafeguarded: boolean }>(`/networks/${m.networkId}`, { after: after(page.request) }), members(page, m)]);
      const shown = state ?? formState({ policy: network.requireDbsForSafeguarded ? 'yes' : 'no' });
      return page.show({
        title: 'Safeguarding',
        crumbs: networkCrumbs(m),
        hasErrors: hasErrors(shown),
        body: html`${errorSummary(shown)}
          <h2>The network’s policy</h2>
          <p>Now: ${network.requireDbsForSafeguarded ? 'a current DBS check is needed before anyone gives care to a member flagged for safeguarding.' : 'no DBS check is required, even for care given to a member flagged for safeguarding.'}</p>
          ${form(`${home(m.networkId)}/policy`, shown, page.csrfToken, radioField(shown, { name: 'policy', label: 'Must a person giving care to a member flagged for safeguarding have a current DBS check?', options: policyChoices.map((c) => ({ ...c })) }), 'Set the policy')}
          <h2>Members</h2>
          <div class="table-scroll"><table><caption>DBS checks and safeguarding flags</caption>
            <thead><tr><th scope="col">Member</th><th scope="col">DBS check</th><th scope="col">Safeguarding</th><th scope="col">What you can do</th></tr></thead>
            <tbody>${people.map(
              (p) => html`<tr><th scope="row">${nameOf(p)}</th><td>${p.dbsExpiresOn ? `until ${longDate(p.dbsExpiresOn)}` : 'none recorded'}</td><td>${p.needsSafeguarding ? html`<span class="tag">Needs safeguarding</span>` : 'not flagged'}</td>
                <td><ul class="actions"><li><a href="${home(m.networkId)}/members/${p.personId}/dbs">Record a DBS check<span class="visually-hidden"> for ${nameOf(p)}</span></a></li>
                <li>${form(`${home(m.networkId)}/members/${p.personId}/flag`, formState(), page.csrfToken, html`<input type="hidden" name="needs" value="${p.needsSafeguarding ? 'no' : 'yes'}">`, p.needsSafeguarding ? `Clear the flag for ${nameOf(p)}` : `Flag ${nameOf(p)} as needing safeguarding`, { cls: 'inline', buttonClass: 'secondary' })}</li></ul></td></tr>`,
            )}</tbody></table></div>`,
      });
    };

    app.get('/networks/:networkId/safeguarding', { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      return safeguardingPage(page, m);
    });

    app.post('/networks/:networkId/safeguarding/policy', { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const state = posted(request.body);
      const policy = readChoice(state, 'policy', policyChoices.map((c) => c.value), 'Choose whether a DBS check is needed');
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('PUT', `/networks/${m.networkId}/safeguarding-policy`, { requireDbsForSafeguarded: policy === 'yes' }, { key: state.values._key! }),
        { requireDbsForSafeguarded: 'policy' },
        (s) => safeguardingPage(page, m, s),
        (body) => `${home(m.networkId)}/policy/set?after=${body.position}`,
      );
    });

    app.get('/networks/:networkId/safeguarding/policy/set', { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const network = await page.api.read<{ requireDbsForSafeguarded: boolean }>(`/networks/${m.networkId}`, { after: after(request) });
      return done(
        page,
        m,
        'Policy set',
        network.requireDbsForSafeguarded ? 'A current DBS check is now needed' : 'No DBS check is now required',
        html`<p>${network.requireDbsForSafeguarded ? 'Care for a member flagged for safeguarding is refused, when logged and when confirmed, unless the person giving it has a current DBS check recorded here.' : 'Members flagged for safeguarding are still shown as such.'}</p>`,
        safeguardingCrumb(m),
      );
    });

    app.post('/networks/:networkId/safeguarding/members/:personId/flag', { schema: { hide: true } }, async (request, reply) => {
      const { page, m, personId } = await coordinating(request, reply);
      const state = posted(request.body);
      const needs = readChoice(state, 'needs', ['yes', 'no'] as const, 'Choose whether they need safeguarding');
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('PUT', `/networks/${m.networkId}/members/${personId}/safeguarding`, { needsSafeguarding: needs === 'yes' }, { key: state.values._key! }),
        {},
        (s) => safeguardingPage(page, m, s),
        (body) => `${home(m.networkId)}/members/${personId}/flagged?after=${body.position}`,
      );
    });

    app.get('/networks/:networkId/safeguarding/members/:personId/flagged', { schema: { hide: true } }, async (request, reply) => {
      const { page, m, personId } = await coordinating(request, reply);
      const p = await memberOf(page, m, personId);
      return done(
        page,
        m,
        p.needsSafeguarding ? 'Flagged for safeguarding' : 'Flag cleared',
        p.needsSafeguarding ? `${nameOf(p)} needs safeguarding` : `${nameOf(p)} is no longer flagged`,
        html`<p>${p.needsSafeguarding ? 'Every network they belong to sees the flag. Care for them follows each network’s policy on DBS checks.' : 'The change is kept in the records, with who made it.'}</p>`,
        safeguardingCrumb(m),
      );
    });

    // One member's DBS check: its type and dates, never the certificate.

    const dbsPage = async (page: Page, m: Membership, personId: string, state: FormState) => {
      const p = await memberOf(page, m, personId);
      return page.show({
        title: `DBS check for ${nameOf(p)}`,
        crumbs: [...networkCrumbs(m), safeguardingCrumb(m)],
        hasErrors: hasErrors(state),
        body: html`${errorSummary(state)}<p>Record the check’s type and dates from the certificate. Hearth keeps neither the certificate nor its number.</p>
          ${form(
            `${home(m.networkId)}/members/${personId}/dbs`,
            state,
            page.csrfToken,
            html`${radioField(state, { name: 'checkType', label: 'What kind of check?', options: checkTypes.map((c) => ({ ...c })) })}
              ${dateField(state, { name: 'issuedOn', label: 'Issued on', hint: 'For example, 27 3 2026' })}
              ${dateField(state, { name: 'expiresOn', label: 'Good until', hint: 'The date your network treats it as current until' })}`,
            'Record the check',
          )}`,
      });
    };

    app.get('/networks/:networkId/safeguarding/members/:personId/dbs', { schema: { hide: true } }, async (request, reply) => {
      const { page, m, personId } = await coordinating(request, reply);
      return dbsPage(page, m, personId, formState());
    });

    app.post('/networks/:networkId/safeguarding/members/:personId/dbs', { schema: { hide: true } }, async (request, reply) => {
      const { page, m, personId } = await coordinating(request, reply);
      const state = posted(request.body);
      const checkType = readChoice(state, 'checkType', checkTypes.map((c) => c.value), 'Choose what kind of check it is');
      const issuedOn = readDate(state, 'issuedOn', 'Enter the day it was issued');
      const expiresOn = readDate(state, 'expiresOn', 'Enter the day it is good until');
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${m.networkId}/members/${personId}/dbs-checks`, { checkType, issuedOn, expiresOn }, { key: state.values._key! }),
        { checkType: 'checkType', issuedOn: 'issuedOn', expiresOn: 'expiresOn' },
        (s) => dbsPage(page, m, personId, s),
        (body) => `${home(m.networkId)}/members/${personId}/dbs/recorded?after=${body.position}`,
      );
    });

    app.get('/networks/:networkId/safeguarding/members/:personId/dbs/recorded', { schema: { hide: true } }, async (request, reply) => {
      const { page, m, personId } = await coordinating(request, reply);
      const p = await memberOf(page, m, personId);
      return done(page, m, 'DBS check recorded', `${nameOf(p)}’s check is recorded`, html`<p>It is current until ${p.dbsExpiresOn ? longDate(p.dbsExpiresOn) : 'the date given'}.</p>`, safeguardingCrumb(m));
    });

    // Time from the community chest, granted to a member, checked before it is sent.

    const chestCrumb = (m: Membership) => ({ href: chest(m.networkId), label: 'Community chest' });

    const chestPage = async (page: Page, m: Membership, state: FormState) => {
      const people = await members(page, m);
      return page.show({
        title: 'The community chest',
        crumbs: networkCrumbs(m),
        hasErrors: hasErrors(state),
        body: html`${errorSummary(state)}<p>Members give time to the chest; a coordinator grants it to a member who needs it, for example someone who cannot give time back.</p>
          <p><a href="${chest(m.networkId)}/accounts">The network's accounts and their balances; reverse a grant or a donation</a></p>
          ${form(
            chest(m.networkId),
            state,
            page.csrfToken,
            html`${radioField(state, { name: 'person', label: 'Who is the time for?', options: people.map((p) => ({ value: p.personId, label: nameOf(p) })) })}
              ${durationField(state, { name: 'duration', label: 'How much time?', hint: 'For example, 2 hours 0 minutes' })}`,
            'Continue',
          )}`,
      });
    };

    app.get('/networks/:networkId/chest', { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      return chestPage(page, m, formState());
    });

    app.post('/networks/:networkId/chest', { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const state = posted(request.body);
      if (stepOf(state) === 'change') return chestPage(page, m, state);
      const people = await members(page, m);
      const personId = readChoice(state, 'person', people.map((p) => p.personId), 'Choose who the time is for');
      const minutes = readDuration(state, 'duration', 'Enter how much time to grant');
      if (stepOf(state) !== 'confirm' && !hasErrors(state)) {
        const person = people.find((p) => p.personId === personId)!;
        return page.show({
          title: 'Check your answers',
          crumbs: [...networkCrumbs(m), chestCrumb(m)],
          body: html`<p>Check these before you grant the time.</p>${checkAnswers(chest(m.networkId), state, page.csrfToken, [
            { question: 'For', answer: nameOf(person) },
            { question: 'Time', answer: hoursAndMinutes(minutes!) },
          ], 'Grant the time')}`,
        });
      }
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${m.networkId}/timebank/chest/grants`, { personId, minutes }, { key: state.values._key! }),
        { personId: 'person', minutes: 'duration' },
        (s) => chestPage(page, m, s),
        (body) => `${chest(m.networkId)}/granted/${personId}?after=${body.position}`,
      );
    });

    app.get('/networks/:networkId/chest/granted/:personId', { schema: { hide: true } }, async (request, reply) => {
      const { page, m, personId } = await coordinating(request, reply);
      const p = await memberOf(page, m, personId);
      const account = await page.api.read<{ balanceMinutes: number }>(`/networks/${m.networkId}/timebank/accounts/${personId}`, { after: after(request) });
      return done(page, m, 'Time granted', `Time from the chest is granted to ${nameOf(p)}`, html`<p>Their balance is now ${signed(account.balanceMinutes)}.</p>`, chestCrumb(m));
    });

    // The network's own accounts: the chest, the organisation's, clearing with each partner; and
    // every grant and donation, each reversible with a reason, as an exchange is.

    const accountsHref = (networkId: string) => `${chest(networkId)}/accounts`;
    const accountsCrumb = (m: Membership) => ({ href: accountsHref(m.networkId), label: "The network's accounts" });
    const holderWords: Record<string, string> = { community: 'Community chest', organisation: "The network's own account" };
    const giftStatusWords: Record<Exclude<Gift['status'], 'made'>, string> = { 'in flight': 'Being made: look again in a moment', refused: 'Refused: their limit was reached, so nothing moved', reversed: 'Reversed' };

    app.get('/networks/:networkId/chest/accounts', { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const query = request.query as { cursor?: string; done?: string };
      const cursor = typeof query.cursor === 'string' && /^[\w-]{1,1200}$/.test(query.cursor) ? query.cursor : undefined;
      const [{ accounts }, gifts] = await Promise.all([
        page.api.read<{ accounts: NetworkAccount[] }>(`/networks/${m.networkId}/timebank/network-accounts`, { after: after(request) }),
        page.api.read<{ items: Gift[]; next: string | null }>(`/networks/${m.networkId}/timebank/gifts${cursor ? `?cursor=${cursor}` : ''}`, { after: after(request) }),
      ]);
      return page.show({
        title: "The network's accounts",
        crumbs: [...networkCrumbs(m), chestCrumb(m)],
        body: html`${query.done === 'reversed' ? html`<div class="panel" role="status"><h2>Reversed</h2><p>The time has gone back where it came from. The gift and its reversal both stay in the records, with your reason.</p></div>` : html``}
          <p>The community chest never goes below zero. The network's own account (the organisation's account of a time bank that moved in) may: it gave newcomers their first hours. A clearing account carries the hours traded with one partner time bank.</p>
          <div class="table-scroll"><table class="stacked"><caption>Balances</caption><thead><tr><th scope="col">Account</th><th scope="col">Balance</th></tr></thead>
          <tbody>${accounts.map((a) => html`<tr><td data-label="Account">${a.name}</td><td data-label="Balance">${signed(a.balanceMinutes)}</td></tr>`)}</tbody></table></div>
          <h2>Grants and donations</h2>
          ${gifts.items.length === 0
            ? html`<p>None yet.</p>`
            : html`<div class="table-scroll"><table class="stacked"><caption>Newest first</caption><thead><tr><th scope="col">Date</th><th scope="col">Account</th><th scope="col">Member</th><th scope="col">What</th><th scope="col">Time</th><th scope="col">Put right</th></tr></thead>
              <tbody>${gifts.items.map(
                (g) => html`<tr><td data-label="Date">${longDate(g.date)}</td><td data-label="Account">${holderWords[g.holder] ?? g.holder}</td><td data-label="Member">${g.name ?? 'Former members'}</td>
                  <td data-label="What">${g.kind === 'grant' ? 'Granted to them' : 'Given by them'}</td><td data-label="Time">${hoursAndMinutes(Math.abs(g.minutes))}</td>
                  <td data-label="Put right">${g.status === 'made' ? html`<a href="${chest(m.networkId)}/gifts/${g.ref}">Reverse<span class="visually-hidden"> the ${g.kind} of ${hoursAndMinutes(Math.abs(g.minutes))} on ${longDate(g.date)}</span></a>` : giftStatusWords[g.status]}</td></tr>`,
              )}</tbody></table></div>`}
          ${gifts.next ? html`<p><a href="${accountsHref(m.networkId)}?cursor=${gifts.next}">Older grants and donations</a></p>` : html``}`,
      });
    });

    const giftPage = async (page: Page, m: Membership, ref: string, state: FormState) => {
      const g = await page.api.read<Gift>(`/networks/${m.networkId}/timebank/gifts/${ref}`, { after: after(page.request) });
      return page.show({
        title: g.kind === 'grant' ? 'Reverse a grant' : 'Reverse a donation',
        crumbs: [...networkCrumbs(m), chestCrumb(m), accountsCrumb(m)],
        hasErrors: hasErrors(state),
        body: html`${errorSummary(state)}<dl class="summary">
            <dt>Account</dt><dd>${holderWords[g.holder] ?? g.holder}</dd>
            <dt>Member</dt><dd>${g.name ?? 'Former members'}</dd>
            <dt>What</dt><dd>${g.kind === 'grant' ? 'Granted to them' : 'Given by them'}</dd>
            <dt>Time</dt><dd>${hoursAndMinutes(Math.abs(g.minutes))}</dd>
            <dt>Date</dt><dd>${longDate(g.date)}</dd>
          </dl>
          ${g.status !== 'made'
            ? html`<p>${g.status === 'reversed' ? 'This has already been reversed.' : `${giftStatusWords[g.status]}.`}</p>`
            : html`<h2>Put a mistake right</h2><p>The time goes back where it came from. Nothing is deleted: the reversal is recorded beside it, with your reason.</p>
              ${form(`${chest(m.networkId)}/gifts/${g.ref}/reverse`, state, page.csrfToken, textArea(state, { name: 'reason', label: 'Why is it being reversed?', hint: 'For example, "granted to the wrong member"' }), g.kind === 'grant' ? 'Reverse the grant' : 'Reverse the donation', { buttonClass: 'warning' })}`}
          <p><a href="${accountsHref(m.networkId)}">Back to the network's accounts</a></p>`,
      });
    };

    app.get('/networks/:networkId/chest/gifts/:ref', { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      return giftPage(page, m, (request.params as { ref: string }).ref, formState());
    });

    app.post('/networks/:networkId/chest/gifts/:ref/reverse', { schema: { hide: true } }, async (request, reply) => {
      const { page, m } = await coordinating(request, reply);
      const { ref } = request.params as { ref: string };
      const state = posted(request.body);
      const reason = readText(state, 'reason', 'Say why it is being reversed');
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${m.networkId}/timebank/gifts/${ref}/reversal`, { reason }, { key: state.values._key! }),
        { reason: 'reason' },
        (s) => giftPage(page, m, ref, s),
        (body) => `${accountsHref(m.networkId)}?after=${body.position}&done=reversed`,
      );
    });
  },
};
