// The pages every footer links to: the privacy notice, the accessibility statement a UK public
// service publishes, and how to get help, with each of the reader's networks' own help contact.
// A coordinator sets their network's help contact here too. Anyone may read the first two without
// signing in; help names networks only to their members.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Hearth } from '../hearth.ts';
import { html, type Html } from '../http/html.ts';
import { Forbidden } from '../access/guard.ts';
import { layout } from './layout.ts';
import { errorSummary, form, formState, posted, readText, textArea, type FormState } from './forms.ts';
import { networkCrumbs, pageFor, submit, type Membership, type Page } from './page.ts';
import type { Journey } from './index.ts';

/** The longest help contact the API accepts (helpContact in src/networks/network.ts). */
const MOST_CHARACTERS = 500;

/** A page anyone may read: in the site's frame, with the way to sign out when signed in. */
function open(request: FastifyRequest, reply: FastifyReply, title: string, body: Html) {
  const principal = request.principal;
  const who = principal?.kind === 'cookie' ? { csrfToken: principal.csrfToken } : undefined;
  return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(layout({ title, body, who }));
}

const privacy = html`<p>Hearth keeps the records of your care network: who belongs to it, and the time, care, money and learning that pass between its members.</p>
  <h2>What we keep, and why</h2>
  <ul><li>Your name and email address, so that you can sign in and others in your network know who they are dealing with.</li>
  <li>What you give and receive, and who recorded it, so that balances and statements are right and can be checked.</li>
  <li>For those who give care, the dates of DBS checks, where a network needs them to keep people safe.</li></ul>
  <h2>Who sees it</h2>
  <p>Members of your network see your name on exchanges with you. Your network's coordinators see what you do in that network, and nothing from any other network you belong to. Nobody else sees it.</p>
  <h2>How it is protected</h2>
  <p>Names, contact details and anything written about a person are kept sealed, each under its own key, and never written to the service's logs.</p>
  <h2>Your rights</h2>
  <p>You may ask your coordinator for a copy of what is kept about you, or for it to be erased. Once erased, your name and anything written about you can no longer be read by anyone; the figures stay, so that others' balances stay right. If you are unhappy with how your data is used, tell your coordinator, and you may complain to the Information Commissioner's Office (ico.org.uk, 0303 123 1113).</p>
  <p><a href="/help">How to get help</a></p>`;

const accessibility = html`<p>This statement covers the pages Hearth serves itself. We want as many people as possible to be able to use them. You should be able to:</p>
  <ul><li>zoom in up to 400% without the text spilling off the screen, and use a phone as narrow as 320 pixels;</li>
  <li>change colours, contrast levels and fonts, and make text larger in your browser;</li>
  <li>get through every page using just a keyboard, with JavaScript switched off;</li>
  <li>use a screen reader: every chart has a description and its figures in a table.</li></ul>
  <h2>How accessible the pages are</h2>
  <p>Each journey is tested in a browser by keyboard alone and checked with automated tools against the Web Content Accessibility Guidelines (WCAG) version 2.2 at level AA, at normal size, at 200% zoom and at 320 pixels wide.</p>
  <h2>Known issues</h2>
  <ul><li>Some wide tables of figures, such as a pool's ledger, scroll sideways inside their own box on a narrow screen.</li>
  <li>The pages have not yet been tested by disabled people using their own assistive technology, or audited by a specialist.</li>
  <li>Spreadsheet downloads (CSV) are plain data, without the headings and descriptions the pages carry.</li></ul>
  <h2>Reporting accessibility problems</h2>
  <p>If you find a problem not listed here, or need what a page shows in another format (large print, easy read, audio), tell your network's coordinator: see <a href="/help">how to get help</a>. Say which page and what went wrong. We will reply within 5 working days.</p>
  <h2>Enforcement procedure</h2>
  <p>The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018. If you are not happy with how we respond to your complaint, contact the Equality Advisory and Support Service (EASS).</p>
  <h2>Preparation of this statement</h2>
  <p>This statement was prepared on 6 December 2026 from the tests described above.</p>`;

const generalHelp = html`<p>Your network's coordinator is the first person to ask about anything in Hearth: joining, recording time or care, a statement, your password, or something that looks wrong.</p>
  <p>If you cannot get online, your coordinator can record what you do for you.</p>`;

function contactsOf(items: Array<{ networkId: string; name: string; helpContact: string | null }>): Html {
  if (items.length === 0) return html`<p>You are not a member of a network yet. Ask whoever invited you to Hearth.</p>`;
  return html`${items.map(
    (n) => html`<section aria-labelledby="help-${n.networkId}"><h2 id="help-${n.networkId}">${n.name}</h2>${n.helpContact ? html`<p class="help-contact">${n.helpContact}</p>` : html`<p>This network has not said how to reach it yet. Ask one of its coordinators.</p>`}</section>`,
  )}`;
}

export const helpJourney: Journey = {
  links: (m: Membership) => (m.roles.includes('coordinator') ? [{ href: `/networks/${m.networkId}/help-contact`, label: 'Say how members get help' }] : []),
  routes: (_hearth: Hearth): FastifyPluginAsync => async (app) => {
    app.get('/privacy', { schema: { hide: true } }, async (request, reply) => open(request, reply, 'Privacy notice', privacy));
    app.get('/accessibility', { schema: { hide: true } }, async (request, reply) => open(request, reply, 'Accessibility statement', accessibility));

    app.get('/help', { schema: { hide: true } }, async (request, reply) => {
      if (request.principal?.kind !== 'cookie') return open(request, reply, 'Get help', html`${generalHelp}<p><a href="/sign-in?next=%2Fhelp">Sign in</a> to see how to reach your own network.</p>`);
      const page = await pageFor(app, request, reply);
      const contacts = await page.api.read<{ items: Array<{ networkId: string; name: string; helpContact: string | null }> }>('/help-contacts');
      return page.show({ title: 'Get help', crumbs: [{ href: '/', label: 'Your networks' }], body: html`${generalHelp}${contactsOf(contacts.items)}` });
    });

    const base = '/networks/:networkId/help-contact';
    type Params = { networkId: string };

    function coordinatorOf(page: Page, networkId: string): Membership {
      const m = page.memberOf(networkId);
      if (!m.roles.includes('coordinator')) throw new Forbidden('Only a coordinator of this network may say how its members get help.');
      return m;
    }

    function contactPage(page: Page, m: Membership, state: FormState) {
      return page.show({
        title: 'How members get help',
        crumbs: networkCrumbs(m),
        hasErrors: Object.keys(state.errors).length > 0 || state.general !== undefined,
        body: html`${errorSummary(state)}<p>Every member of ${m.networkName ?? 'this network'} sees this on their help page, linked from the foot of every page.</p>
          ${form(`/networks/${m.networkId}/help-contact`, state, page.csrfToken, textArea(state, { name: 'helpContact', label: 'How to get help', hint: 'A phone number, an email address, and when someone answers. For example: Ring Sue on 0113 496 0000, weekdays 9am to 5pm.', rows: 4 }), 'Save')}`,
      });
    }

    app.get(base, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = coordinatorOf(page, (request.params as Params).networkId);
      const current = (await page.api.read<{ items: Array<{ networkId: string; helpContact: string | null }> }>('/help-contacts')).items.find((n) => n.networkId === m.networkId);
      return contactPage(page, m, formState({ helpContact: current?.helpContact ?? '' }));
    });

    app.post(base, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = coordinatorOf(page, (request.params as Params).networkId);
      const state = posted(request.body);
      const helpContact = readText(state, 'helpContact', 'Say how members get help', MOST_CHARACTERS);
      return submit(page, state, () => page.api.send('PUT', `/networks/${m.networkId}/help-contact`, { helpContact }, { key: state.values._key! }), { helpContact: 'helpContact' }, (s) => contactPage(page, m, s), () => `/networks/${m.networkId}/help-contact/saved`);
    });

    app.get(`${base}/saved`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = coordinatorOf(page, (request.params as Params).networkId);
      return page.show({
        title: 'Help contact saved',
        crumbs: networkCrumbs(m),
        body: html`<div class="panel" role="status"><h2>Members of ${m.networkName ?? 'this network'} now see how to get help</h2></div><p><a href="/help">See the help page</a></p><p><a href="/networks/${m.networkId}">Back to ${m.networkName ?? 'the network'}</a></p>`,
      });
    });
  },
};
