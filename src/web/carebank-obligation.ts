// The scheme's obligation as a page, for those who answer for it (coordinators, the treasurer and
// the board): the hours banked and not yet claimed, by the holders' age band, as at a date, which
// is what a guarantor underwrites. The date is asked for in a form sent by GET, since it changes
// nothing and the page is worth bookmarking or printing as at a date.
import type { FastifyInstance } from 'fastify';
import { html } from '../http/html.ts';
import { today } from '../dates.ts';
import { dateField, dateValues, errorSummary, formState, hasErrors, readDate, type Values } from './forms.ts';
import { networkCrumbs, pageFor, type Membership, type Page } from './page.ts';
import { hoursAndMinutes, longDate, plural } from './words.ts';
import { Forbidden } from '../access/guard.ts';

interface Obligation {
  asAt: string;
  recordedOn: string;
  outstandingMinutes: number;
  bands: Array<{ band: string; holders: number; minutes: number }>;
}

export const answersForScheme = (m: Membership) => m.roles.some((r) => r === 'coordinator' || r === 'treasurer' || r === 'board');
export const obligationPath = (networkId: string) => `/networks/${networkId}/care/obligation`;

export function obligationRoutes(app: FastifyInstance) {
  app.get('/networks/:networkId/care/obligation', { schema: { hide: true } }, async (request, reply) => {
    const page: Page = await pageFor(app, request, reply);
    const m = page.memberOf((request.params as { networkId: string }).networkId);
    if (!answersForScheme(m)) throw new Forbidden("Only coordinators, the treasurer and the board see the scheme's obligation.");
    const query = request.query as Values;
    // Unasked, the page is as at today; a date typed wrong is said beside the field, and today shown.
    const asked = ['asAt-day', 'asAt-month', 'asAt-year'].some((f) => query[f]);
    const state = formState(asked ? { 'asAt-day': query['asAt-day'], 'asAt-month': query['asAt-month'], 'asAt-year': query['asAt-year'] } : dateValues('asAt', today()));
    const asAt = readDate(state, 'asAt', 'Enter the date to see it as at') ?? today();
    // "As recorded on" is left empty for what is recorded by today; a day asked for states a figure
    // again as it was given then, whatever care dated before it was confirmed later.
    const recordedParts = ['recordedOn-day', 'recordedOn-month', 'recordedOn-year'] as const;
    let recordedOn: string | undefined;
    if (recordedParts.some((f) => query[f])) {
      for (const f of recordedParts) state.values[f] = query[f];
      recordedOn = readDate(state, 'recordedOn', 'Enter the day it was recorded on, or leave it empty for today');
    }
    const o = await page.api.read<Obligation>(`/networks/${m.networkId}/carebank/obligation`, { asAt, recordedOn });
    return page.show({
      title: "The scheme's obligation",
      crumbs: [...networkCrumbs(m), { href: `/networks/${m.networkId}/care`, label: 'Your care bank' }],
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}
        <p>The hours of care banked and not yet claimed, which the scheme owes its members: what a guarantor underwrites.</p>
        <h2>As at ${longDate(o.asAt)}</h2>
        <p>As recorded on ${longDate(o.recordedOn)}${o.recordedOn === today() ? ' (today)' : ''}.</p>
        <p class="figure">${o.outstandingMinutes === 0 ? 'No hours' : hoursAndMinutes(o.outstandingMinutes)}</p>
        ${o.bands.length === 0
          ? html`<p>Nobody had hours banked on that date.</p>`
          : html`<div class="table-scroll"><table><caption>Hours owed by the age of those who hold them, as at ${longDate(o.asAt)}</caption>
            <thead><tr><th scope="col">Age band</th><th scope="col" class="num">Holders</th><th scope="col" class="num">Hours owed</th></tr></thead>
            <tbody>${o.bands.map((b) => html`<tr><th scope="row">${b.band}</th><td class="num">${plural(b.holders, 'holder')}</td><td class="num">${hoursAndMinutes(b.minutes)}</td></tr>`)}</tbody></table></div>`}
        <h2>See it as at another date, or as recorded on another day</h2>
        <form method="get" action="${obligationPath(m.networkId)}" novalidate>
          ${dateField(state, { name: 'asAt', label: 'As at', hint: 'For example, the last day of the financial year: 31 3 2026' })}
          ${dateField(state, { name: 'recordedOn', label: 'As recorded on (optional)', hint: 'To give a figure again as it was stated on a day, before later care was confirmed. Leave it empty for what is recorded today.' })}
          <button type="submit" class="secondary">Show the obligation</button></form>`,
    });
  });
}
