// A family member's pages for learning vouchers: the vouchers they gave and those given to them,
// giving a voucher to a relative (sessions of an activity, or an amount), and a voucher's own page
// showing, in plain words, how it has been used, what is left, and what happens to the rest.
import type { FastifyPluginAsync } from 'fastify';
import type { Hearth } from '../hearth.ts';
import { html, type Html } from '../http/html.ts';
import type { VoucherValue } from '../vouchers/voucher.ts';
import { errorSummary, form, formState, moneyField, posted, radioField, readChoice, readPounds, readText, readWhole, selectField, textArea, textField, type FormState } from './forms.ts';
import { networkCrumbs, pageFor, submit, type Membership, type Page } from './page.ts';
import { longDate, ukTime } from './words.ts';
import { leftWords, shortValue, valueWords } from './vouchers-words.ts';
import type { Named, Voucher, VoucherWithUse } from './vouchers-types.ts';

type Params = { networkId: string; voucherId?: string };

const listCrumb = (m: Membership) => ({ href: `/networks/${m.networkId}/vouchers`, label: 'Learning vouchers' });
const voucherLink = (m: Membership, v: { voucherId: string }) => `/networks/${m.networkId}/vouchers/${v.voucherId}`;

/** Where a voucher stands now, in a few words for a list. */
function nowWords(v: Voucher): string {
  switch (v.status) {
    case 'awaiting-payment':
      return 'waiting for the money';
    case 'held':
      return v.left.pence === 0 ? 'all used' : leftWords(v.value, v.left, v.leftSessions);
    case 'refunded':
      return 'refunded';
    case 'expired':
      return 'expired';
  }
}

export function familyRoutes(_hearth: Hearth): FastifyPluginAsync {
  return async (app) => {
    const base = '/networks/:networkId/vouchers';

    app.get(base, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const after = (request.query as { after?: string }).after;
      const [gave, given] = await Promise.all([
        page.api.readAll<Voucher>(`/networks/${m.networkId}/vouchers`, { given: 'me', after }),
        page.api.readAll<Voucher>(`/networks/${m.networkId}/vouchers`, { learner: 'me', after }),
      ]);
      return page.show({
        title: 'Learning vouchers',
        crumbs: networkCrumbs(m),
        body: html`<p>A learning voucher gives someone in the network sessions of an activity, or an amount to spend on learning. Mentors take what each session costs from it, and you can see every session it paid for.</p>
          <p><a class="button" href="/networks/${m.networkId}/vouchers/give">Give a learning voucher</a></p>
          <h2>Vouchers you gave</h2>
          ${gave.items.length === 0 ? html`<p>You have not given a voucher yet.</p>` : voucherTable(m, gave.items, 'Vouchers you gave, newest first', 'For', (v) => v.learner.name)}
          <h2>Vouchers given to you</h2>
          ${given.items.length === 0 ? html`<p>No one has given you a voucher yet.</p>` : voucherTable(m, given.items, 'Vouchers given to you, newest first', 'From', (v) => v.giver.name)}`,
      });
    });

    const giveForm = async (page: Page, m: Membership, state: FormState) => {
      const directory = await page.api.readAll<Named>(`/networks/${m.networkId}/directory`);
      const learners = directory.items.filter((p) => p.personId !== page.me.personId).map((p) => ({ value: p.personId, label: p.name }));
      return page.show({
        title: 'Give a learning voucher',
        crumbs: [...networkCrumbs(m), listCrumb(m)],
        hasErrors: Object.keys(state.errors).length > 0 || state.general !== undefined,
        body: html`${errorSummary(state)}
          ${form(
            `/networks/${m.networkId}/vouchers/give`,
            state,
            page.csrfToken,
            html`${selectField(state, { name: 'learner', label: 'Who is it for?', hint: 'They must be a member of this network. If they are not, your coordinator can add them.', options: learners, prompt: 'Choose a member' })}
              ${radioField(state, {
                name: 'kind',
                label: 'What would you like to give?',
                options: [
                  { value: 'sessions', label: 'Sessions of an activity', hint: 'for example, 6 computer lessons' },
                  { value: 'amount', label: 'An amount of money', hint: 'to spend on any learning' },
                ],
              })}
              <fieldset class="field"><legend>If you chose sessions</legend>
                ${textField(state, { name: 'activity', label: 'Activity', hint: 'For example, Computer skills or Pottery' })}
                ${textField(state, { name: 'sessions', label: 'How many sessions', inputmode: 'numeric', width: '6em' })}
                ${moneyField(state, { name: 'price', label: 'Price of each session', hint: 'In pounds, for example 15.00. Your mentor or coordinator can tell you the price.' })}
              </fieldset>
              <fieldset class="field"><legend>If you chose an amount</legend>
                ${moneyField(state, { name: 'amount', label: 'Amount' })}
              </fieldset>
              ${textField(state, { name: 'occasion', label: 'Occasion', hint: 'For example, a birthday, Christmas, or to say thank you' })}
              ${textArea(state, { name: 'message', label: 'Message (optional)', hint: 'They will see it with the voucher.' })}`,
            'Give the voucher',
          )}`,
      });
    };

    app.get(`${base}/give`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      return giveForm(page, page.memberOf((request.params as Params).networkId), formState());
    });

    app.post(`${base}/give`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const state = posted(request.body);
      const learnerId = readText(state, 'learner', 'Choose who the voucher is for', 64);
      const kind = readChoice(state, 'kind', ['sessions', 'amount'] as const, 'Choose sessions of an activity or an amount of money');
      let value: VoucherValue | undefined;
      if (kind === 'sessions') {
        const activity = readText(state, 'activity', 'Enter the activity, for example Computer skills', 120);
        const sessions = readWhole(state, 'sessions', 'Enter how many sessions', { min: 1, max: 200 });
        const pencePerSession = readPounds(state, 'price', 'Enter the price of each session');
        if (activity && sessions && pencePerSession) value = { kind, activity, sessions, pencePerSession };
      } else if (kind === 'amount') {
        const pence = readPounds(state, 'amount', 'Enter the amount');
        if (pence) value = { kind, pence };
      }
      const occasion = readText(state, 'occasion', 'Enter the occasion, for example a birthday', 120);
      if ((state.values.message ?? '').length > 1000) state.errors.message = 'Use 1000 characters or fewer';
      return submit<{ voucherId: string; position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${m.networkId}/vouchers`, { learnerId, value, occasion, message: state.values.message ?? '' }, { key: state.values._key! }),
        { learnerId: 'learner', value: kind === 'amount' ? 'amount' : 'price', occasion: 'occasion', message: 'message' },
        (s) => giveForm(page, m, s),
        (body) => `${voucherLink(m, body)}?after=${body.position}&done=given`,
      );
    });

    app.get(`${base}/:voucherId`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId, voucherId } = request.params as Params;
      const m = page.memberOf(networkId);
      const query = request.query as { after?: string; done?: string };
      const v = await page.api.read<VoucherWithUse>(`/networks/${networkId}/vouchers/${voucherId}`, { after: query.after });
      const name = (p: Named) => (p.personId === page.me.personId ? 'you' : p.name);
      const given = query.done === 'given' && v.giver.personId === page.me.personId;
      return page.show({
        title: given ? 'Voucher recorded' : `Learning voucher for ${v.learner.personId === page.me.personId ? 'you' : v.learner.name}`,
        crumbs: [...networkCrumbs(m), listCrumb(m)],
        body: html`${given
            ? html`<div class="panel" role="status"><h2>Thank you</h2><p>Your voucher for ${v.learner.name} is recorded. It is held for them once the network receives the money: ${v.price.pounds}. Your network's treasurer will tell you how to pay it.</p></div>`
            : html``}
          <p class="figure">${figure(v)}</p>
          <p>${standing(v, name)}</p>
          <dl class="summary">
            <dt>For</dt><dd>${v.learner.name}</dd>
            <dt>From</dt><dd>${v.giver.name}</dd>
            <dt>Voucher</dt><dd>${valueWords(v.value)}</dd>
            <dt>Price</dt><dd>${v.price.pounds}</dd>
            <dt>Occasion</dt><dd>${v.occasion}</dd>
            ${v.message ? html`<dt>Message</dt><dd>${v.message}</dd>` : html``}
            <dt>Given on</dt><dd>${longDate(v.boughtOn)}</dd>
            <dt>Money received</dt><dd>${v.paidOn ? longDate(v.paidOn) : 'Not yet'}</dd>
            <dt>Last day to use it</dt><dd>${v.expiresOn ? longDate(v.expiresOn) : 'It does not run out'}</dd>
          </dl>
          <h2>How it has been used</h2>
          ${v.uses.length === 0 ? html`<p>It has not been used yet.</p>` : usesTable(v, name)}
          ${v.refunds.length === 0 ? html`` : html`<h2>Refunds</h2><ul>${v.refunds.map((r) => html`<li>On ${longDate(r.refundedOn)}, ${r.amount.pounds} was refunded to ${name(v.giver)}. The reason given: ${r.reason}</li>`)}</ul>`}
          <h2>What happens to what is left</h2>
          <p>${leftover(v, name)}</p>
          <p><a href="/networks/${m.networkId}/vouchers">Back to learning vouchers</a></p>`,
      });
    });
  };
}

function voucherTable(m: Membership, rows: Voucher[], caption: string, whoHeading: string, who: (v: Voucher) => string): Html {
  return html`<div class="table-scroll"><table><caption>${caption}</caption>
    <thead><tr><th scope="col">Given on</th><th scope="col">${whoHeading}</th><th scope="col">Voucher</th><th scope="col">Now</th></tr></thead>
    <tbody>${rows.map((v) => html`<tr><td>${longDate(v.boughtOn)}</td><td>${who(v)}</td><td><a href="${voucherLink(m, v)}">${shortValue(v.value)} for ${v.occasion}</a></td><td>${nowWords(v)}</td></tr>`)}</tbody></table></div>`;
}

function figure(v: VoucherWithUse): string {
  if (v.status === 'awaiting-payment') return 'Waiting for the money';
  if (v.status === 'refunded') return 'Refunded';
  if (v.status === 'expired') return 'Expired';
  if (v.left.pence === 0) return 'All used';
  return v.value.kind === 'sessions' ? `${v.leftSessions} of ${v.value.sessions} sessions left` : `${v.left.pounds} left`;
}

/** Where the voucher stands, in a sentence or two. */
function standing(v: VoucherWithUse, name: (p: Named) => string): string {
  const sessions = v.value.kind === 'sessions';
  const none = v.used.pence === 0;
  const used = none ? 'None of it has been used' : sessions ? `${v.sessionsUsed} ${v.sessionsUsed === 1 ? 'session has' : 'sessions have'} been used (${v.used.pounds})` : `${v.used.pounds} has been used`;
  switch (v.status) {
    case 'awaiting-payment':
      return `The network has not received the money yet. Once the treasurer records ${v.price.pounds}, it is held for ${name(v.learner)} and can be used.`;
    case 'held':
      if (v.left.pence === 0) return `It has all been used: ${used}.`;
      if (sessions) return `${used}. The ${v.leftSessions} left, worth ${v.left.pounds}, ${v.leftSessions === 1 ? 'is' : 'are'} held for ${name(v.learner)}.`;
      return `${used}. The ${v.left.pounds} left is held for ${name(v.learner)}.`;
    case 'refunded':
      return `${used}. What was left was refunded to ${name(v.giver)}.`;
    case 'expired':
      return `${used}. It has passed its last day.`;
  }
}

function leftover(v: VoucherWithUse, name: (p: Named) => string): string {
  const to = (d: string) => (d === 'learning-fund' ? "to the network's learning fund, which pays for other people's learning" : `back to ${name(v.giver)}`);
  if (v.expiry) {
    const what = v.expiry.amount.pence === 0 ? 'Nothing was left' : `${v.expiry.amount.pounds}${v.expiry.sessions > 0 ? ` (${v.expiry.sessions} ${v.expiry.sessions === 1 ? 'session' : 'sessions'})` : ''} was left, and went ${to(v.expiry.disposition)}`;
    return `It expired on ${longDate(v.expiry.expiredOn)}. ${what}.`;
  }
  if (v.status === 'refunded') return 'Nothing is left: it was refunded.';
  if (v.expiresOn === null) return 'It does not run out. What is left stays held for the learner until it is used, or refunded if the giver asks the treasurer.';
  return `Anything not used by ${longDate(v.expiresOn)} goes ${to(v.atExpiry)}. Until then the giver can ask the treasurer to refund what is left.`;
}

function usesTable(v: VoucherWithUse, name: (p: Named) => string): Html {
  const used = (u: VoucherWithUse['uses'][number]) => (u.sessions > 0 ? `${u.sessions} session (${u.amount.pounds})` : u.amount.pounds);
  return html`<div class="table-scroll"><table><caption>Sessions paid for with this voucher, oldest first</caption>
    <thead><tr><th scope="col">Date</th><th scope="col">Activity</th><th scope="col">Mentor</th><th scope="col" class="num">Used</th></tr></thead>
    <tbody>${v.uses.map((u) => html`<tr><td>${u.startsAt ? ukTime(u.startsAt) : longDate(u.date)}</td><td>${u.activity}</td><td>${name(u.mentor)}</td><td class="num">${used(u)}</td></tr>`)}</tbody>
    <tfoot><tr><th scope="row" colspan="3">Used so far</th><td class="num">${v.used.pounds}</td></tr></tfoot></table></div>`;
}
