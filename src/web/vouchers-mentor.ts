// A mentor's pages: the sessions they have redeemed and who paid for each, and redeeming a session
// they gave from a learner's voucher. The voucher is chosen from those that can pay today, so a
// mentor never needs to know a voucher's number; what the API refuses is said in plain words
// beside the field it is about.
import type { FastifyPluginAsync } from 'fastify';
import type { Hearth } from '../hearth.ts';
import { html, type Html } from '../http/html.ts';
import type { Problem } from '../http/problem.ts';
import { today } from '../dates.ts';
import { dateField, dateValues, errorSummary, form, formState, hasErrors, moneyField, posted, readDate, readPounds, readText, refusedBy, selectField, textField, type FormState } from './forms.ts';
import { networkCrumbs, pageFor, type Membership, type Page } from './page.ts';
import { longDate, ukTime } from './words.ts';
import { leftWords, readClock, shortValue, ukInstant } from './vouchers-words.ts';
import type { MentorSessions, Redeemable } from './vouchers-types.ts';

type Params = { networkId: string; sessionId?: string };
type Session = MentorSessions['items'][number];

const sessionsPath = (m: Membership) => `/networks/${m.networkId}/vouchers/sessions`;
const sessionsCrumb = (m: Membership) => ({ href: sessionsPath(m), label: 'Your sessions' });

/**
 * The API's refusals of a session, each put beside the field it is about, in the words a mentor
 * would use. A refusal not listed keeps the API's own detail.
 */
const refusals: Record<string, { field: string; say?: string }> = {
  'session-redeemed': { field: 'time', say: 'You have already redeemed a session that started at this time. Each session is redeemed once; check the date and time.' },
  'date-in-future': { field: 'starts', say: 'A session is redeemed after it has happened: the date cannot be in the future.' },
  'voucher-expired': { field: 'starts' },
  'delivered-before-bought': { field: 'starts', say: 'The session was before this voucher was given.' },
  'wrong-activity': { field: 'activity' },
  'more-than-left': { field: 'fee' },
  'pence-required': { field: 'fee', say: 'Enter the fee: this voucher is an amount, so say how much this session uses.' },
  'shares-do-not-add-up': { field: 'fee', say: 'A voucher of sessions pays for one session at its own price. Leave the fee empty, or enter the price on the voucher.' },
  'voucher-not-paid': { field: 'voucher' },
  'nothing-left': { field: 'voucher' },
  'voucher-closed': { field: 'voucher' },
  'voucher-not-found': { field: 'voucher', say: 'This voucher cannot be used for this learner. Choose a voucher from the list.' },
};

function refusedSession(state: FormState, problem: Problem): FormState {
  const known = refusals[problem.type.replace(/^\/problems\//, '')];
  if (!known) return refusedBy(state, problem, { activity: 'activity', startsAt: 'starts', feePence: 'fee', shares: 'voucher' });
  state.errors[known.field] = known.say ?? problem.detail;
  return state;
}

const choiceLabel = (v: Redeemable) =>
  `${v.learner.name}: ${shortValue(v.value)}, ${leftWords(v.value, v.left, v.leftSessions)}${v.expiresOn ? `, use by ${longDate(v.expiresOn)}` : ''}`;

/** Who paid for a session, in words: "Edna Firth's voucher (£15.00)". */
const paidBy = (s: Session) => s.shares.map((x) => `${x.learner.name}${x.voucherId ? "'s voucher" : "'s own payment"} (${x.amount.pounds})`).join(', ');

export function mentorRoutes(_hearth: Hearth): FastifyPluginAsync {
  return async (app) => {
    const base = '/networks/:networkId/vouchers/sessions';

    app.get(base, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const after = (request.query as { after?: string }).after;
      const list = await page.api.read<MentorSessions>(`/networks/${m.networkId}/vouchers/sessions`, { mentor: 'me', after });
      const { totals } = list;
      return page.show({
        title: 'Your sessions',
        crumbs: networkCrumbs(m),
        body: html`<p><a class="button" href="${sessionsPath(m)}/redeem">Redeem a session</a></p>
          <h2>Sessions you have redeemed</h2>
          ${list.items.length === 0
            ? html`<p>You have not redeemed a session yet. After you give a session, redeem it here to be paid from the learner's voucher.</p>`
            : html`<p class="figure">${totals.sessions} ${totals.sessions === 1 ? 'session' : 'sessions'}, ${totals.fees.pounds}</p>
              <p>${totals.fromVouchers.pounds} was paid from learners' vouchers${totals.fromContributions.pence > 0 ? html` and ${totals.fromContributions.pounds} by learners themselves` : html``}.</p>
              ${sessionTable(m, [...list.items].reverse())}`}`,
      });
    });

    const redeemForm = async (page: Page, m: Membership, state: FormState) => {
      const { items } = await page.api.readAll<Redeemable>(`/networks/${m.networkId}/vouchers/redeemable`);
      return page.show({
        title: 'Redeem a session',
        crumbs: [...networkCrumbs(m), sessionsCrumb(m)],
        hasErrors: hasErrors(state),
        body: html`${errorSummary(state)}
          ${items.length === 0
            ? html`<p>There is no voucher you can redeem a session from just now. A voucher can be used once the network has received its money, until its last day, while something is left on it.</p>
              <p><a href="${sessionsPath(m)}">Back to your sessions</a></p>`
            : html`<p>Redeem each session after you have given it. The learner's voucher pays for it.</p>
              ${form(
                `${sessionsPath(m)}/redeem`,
                state,
                page.csrfToken,
                html`${selectField(state, { name: 'voucher', label: "Whose voucher?", hint: 'The learner, and what is left on their voucher', options: items.map((v) => ({ value: v.voucherId, label: choiceLabel(v) })), prompt: 'Choose a voucher' })}
                  ${textField(state, { name: 'activity', label: 'Activity', hint: 'What the session was. A voucher of sessions can only pay for its own activity.' })}
                  ${dateField(state, { name: 'starts', label: 'Date of the session' })}
                  ${textField(state, { name: 'time', label: 'Start time', hint: 'For example, 10:00 or 2.30pm', width: '8em' })}
                  ${moneyField(state, { name: 'fee', label: 'Fee for this session (only for an amount voucher)', hint: 'A voucher of sessions pays one session at its own price: leave this empty. For an amount voucher, enter what the session costs, for example 12.50.' })}`,
                'Redeem the session',
              )}`}`,
      });
    };

    app.get(`${base}/redeem`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      return redeemForm(page, page.memberOf((request.params as Params).networkId), formState(dateValues('starts', today())));
    });

    app.post(`${base}/redeem`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const m = page.memberOf((request.params as Params).networkId);
      const state = posted(request.body);
      const voucherId = readText(state, 'voucher', 'Choose whose voucher pays for the session', 64);
      const activity = readText(state, 'activity', 'Enter the activity, for example Computer skills', 120);
      const day = readDate(state, 'starts', 'Enter the date of the session');
      const clock = state.values.time ? readClock(state.values.time) : undefined;
      if (!state.values.time) state.errors.time = 'Enter the time the session started';
      else if (!clock) state.errors.time = 'Enter the time like 10:00 or 2.30pm';
      const fee = state.values.fee ? readPounds(state, 'fee', 'Enter the fee') : null;
      const { items } = await page.api.readAll<Redeemable>(`/networks/${m.networkId}/vouchers/redeemable`);
      const voucher = items.find((v) => v.voucherId === voucherId);
      if (voucherId && !voucher) state.errors.voucher = 'This voucher cannot be used today. Choose one from the list.';
      if (voucher?.value.kind === 'amount' && fee === null) state.errors.fee = 'Enter the fee: this voucher is an amount, so say how much this session uses';
      if (hasErrors(state)) return redeemForm(page, m, state);
      const answer = await page.api.send<{ sessionId: string; position: number }>(
        'POST',
        `/networks/${m.networkId}/vouchers/sessions`,
        {
          startsAt: ukInstant(day!, clock!.hours, clock!.minutes),
          activity,
          feePence: fee ?? null,
          shares: [{ learnerId: voucher!.learner.personId, voucherId: voucher!.voucherId, pence: voucher!.value.kind === 'amount' ? fee : null }],
        },
        { key: state.values._key! },
      );
      if (!answer.ok) return redeemForm(page, m, refusedSession(state, answer.problem));
      return reply.redirect(`${sessionsPath(m)}/${answer.body.sessionId}?after=${answer.body.position}&done=redeemed`, 303);
    });

    app.get(`${base}/:sessionId`, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId, sessionId } = request.params as Params;
      const m = page.memberOf(networkId);
      const query = request.query as { after?: string; done?: string };
      const list = await page.api.read<MentorSessions>(`/networks/${networkId}/vouchers/sessions`, { mentor: 'me', after: query.after });
      const s = list.items.find((x) => x.sessionId === sessionId);
      if (!s) return page.show({ title: 'Page not found', crumbs: [...networkCrumbs(m), sessionsCrumb(m)], body: html`<p>There is no session of yours at this address. <a href="${sessionsPath(m)}">See your sessions</a>.</p>` }, 404);
      const done = query.done === 'redeemed';
      return page.show({
        title: done ? 'Session redeemed' : `${s.activity} session`,
        crumbs: [...networkCrumbs(m), sessionsCrumb(m)],
        body: html`${done ? html`<div class="panel" role="status"><h2>${s.activity} at ${ukTime(s.startsAt)}</h2><p>It is recorded, and ${s.fee.pounds} is paid from ${paidBy(s)}. The learner's family can see the session on their voucher.</p></div>` : html``}
          <dl class="summary">
            <dt>When</dt><dd>${ukTime(s.startsAt)}</dd>
            <dt>Activity</dt><dd>${s.activity}</dd>
            <dt>${s.shares.length === 1 ? 'Learner' : 'Learners'}</dt><dd>${s.shares.map((x) => x.learner.name).join(', ')}</dd>
            <dt>Fee</dt><dd>${s.fee.pounds}</dd>
            <dt>Paid by</dt><dd>${paidBy(s)}</dd>
          </dl>
          <ul class="actions"><li><a href="${sessionsPath(m)}/redeem">Redeem another session</a></li><li><a href="${sessionsPath(m)}">Back to your sessions</a></li></ul>`,
      });
    });
  };
}

function sessionTable(m: Membership, rows: Session[]): Html {
  return html`<div class="table-scroll"><table><caption>Your sessions, newest first</caption>
    <thead><tr><th scope="col">When</th><th scope="col">Activity</th><th scope="col">Paid by</th><th scope="col" class="num">Fee</th></tr></thead>
    <tbody>${rows.map((s) => html`<tr><td><a href="${sessionsPath(m)}/${s.sessionId}">${ukTime(s.startsAt)}</a></td><td>${s.activity}</td><td>${paidBy(s)}</td><td class="num">${s.fee.pounds}</td></tr>`)}</tbody></table></div>`;
}
