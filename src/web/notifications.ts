// What waits for a person, at the top of their home page, and the page where they choose which
// emails Hearth sends them. Both through the API, as every page.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Hearth } from '../hearth.ts';
import { html, type Html } from '../http/html.ts';
import { form, formState, posted, type FormState } from './forms.ts';
import { pageFor, submit, type Page } from './page.ts';
import { plural, ukTime } from './words.ts';
import type { NotificationKind } from '../notify/choices.ts';
import type { Waiting } from '../notify/app.ts';

const kindLabels: Record<NotificationKind, { label: string; hint: string }> = {
  'exchange-to-confirm': { label: 'An exchange to confirm', hint: 'when someone logs time with you' },
  'payment-to-approve': { label: 'A payment to approve', hint: 'if you approve payments from a pooled budget' },
  'ballot-opened': { label: 'A ballot has opened', hint: 'in a co-operative you belong to' },
  'ballot-closing': { label: 'A ballot closes tomorrow', hint: 'if you have not voted yet' },
  'voucher-used': { label: 'A learning voucher you gave was used', hint: 'each time a session is given with it' },
};

const crumbs = [{ href: '/', label: 'Your networks' }];

/** One line of the waiting list: "2 exchanges to confirm in Leeds Time Bank". */
function waitingLine(w: Waiting): Html {
  const where = w.networkName ?? 'a network';
  switch (w.kind) {
    case 'exchanges-to-confirm':
      return html`<a href="${w.href}">${plural(w.count, 'exchange')} to confirm</a> in ${where}`;
    case 'care-to-confirm':
      return html`<a href="${w.href}">${plural(w.count, 'record')} of care to confirm</a> in ${where}`;
    case 'care-disputed':
      return html`<a href="${w.href}">${plural(w.count, 'record')} of disputed care to settle</a> in ${where}`;
    case 'join-requests':
      return html`<a href="${w.href}">${plural(w.count, 'request')} to join</a> ${where}`;
    case 'payments-to-approve':
      return html`<a href="${w.href}">${plural(w.count, 'payment')} to approve</a> in ${where}`;
    case 'open-ballots':
      return html`<a href="${w.href}">A ballot to vote in</a> in ${where}${w.closesAt ? html`, closing at ${ukTime(w.closesAt)}` : html``}`;
    case 'vouchers-awaiting-payment':
      return html`<a href="${w.href}">${plural(w.count, 'learning voucher')} waiting for payment</a> in ${where}`;
    case 'arrangements-to-log':
      return html`<a href="${w.href}">${plural(w.count, 'arrangement')} to log once the help is given</a> in ${where}`;
  }
}

/** The top of the home page: what waits, each a link to the page that acts on it; nothing when nothing waits. */
export async function waitingPanel(page: Page): Promise<Html> {
  const { items } = await page.api.read<{ items: Waiting[] }>('/me/waiting');
  if (items.length === 0) return html``;
  return html`<section class="panel" aria-labelledby="waiting-title"><h2 id="waiting-title">Waiting for you</h2><ul>${items.map((w) => html`<li>${waitingLine(w)}</li>`)}</ul></section>`;
}

function choicesPage(page: Page, state: FormState, on: readonly NotificationKind[]): FastifyReply {
  const kinds = Object.keys(kindLabels) as NotificationKind[];
  const boxes = html`<fieldset aria-describedby="f-kinds-hint"><legend>Email me when there is</legend><p class="hint" id="f-kinds-hint">Hearth emails the address you signed up with. An email to set a new password is always sent when you ask for one.</p>${kinds.map(
    (k, i) =>
      html`<div class="choice"><input type="checkbox" id="f-kinds${i === 0 ? '' : `-${i}`}" name="kind-${k}" value="on"${on.includes(k) ? html` checked` : html``}><label for="f-kinds${i === 0 ? '' : `-${i}`}">${kindLabels[k].label} <span class="hint">(${kindLabels[k].hint})</span></label></div>`,
  )}</fieldset>`;
  return page.show({ title: 'Emails from Hearth', crumbs, body: html`${form('/notifications', state, page.csrfToken, boxes, 'Save choices')}` });
}

export function notificationPages(_hearth: Hearth): FastifyPluginAsync {
  return async (app) => {
    app.get('/notifications', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { kinds } = await page.api.read<{ kinds: NotificationKind[] }>('/me/notifications');
      return choicesPage(page, formState(), kinds);
    });

    app.post('/notifications', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const state = posted(request.body);
      const kinds = (Object.keys(kindLabels) as NotificationKind[]).filter((k) => state.values[`kind-${k}`] === 'on');
      return submit(
        page,
        state,
        () => page.api.send('PUT', '/me/notifications', { kinds }, { key: state.values._key ?? 'notifications' }),
        { kinds: 'kinds' },
        (again) => choicesPage(page, again, kinds),
        () => '/notifications/saved',
      );
    });

    app.get('/notifications/saved', { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      return page.show({
        title: 'Choices saved',
        crumbs,
        body: html`<div class="panel" role="status"><p>Hearth will email you only about what you chose.</p></div><p><a href="/notifications">Change them again</a></p><p><a href="/">Go to your networks</a></p>`,
      });
    });
  };
}
