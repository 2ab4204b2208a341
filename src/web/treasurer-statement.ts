// A closed period's statement inside the site, in its frame: the network's and the pool's names,
// who closed it, the money brought and carried forward, every entry and each budget holder's
// figures, in tables that stack on a phone; and a short page saying, without jargon, what the
// fingerprint of the books recorded at each close is for.
import type { FastifyInstance } from 'fastify';
import { html } from '../http/html.ts';
import { formatPence } from '../units.ts';
import type { PeriodStatement } from '../pools/statement.ts';
import { pageFor, type Membership, type Page } from './page.ts';
import { longDate } from './words.ts';
import { apiPath, counterparty, inOrOut, kindName, poolCrumbs, poolPath, type Params } from './treasurer-common.ts';

/** The period statement as the API sends it: the pool's own figures, with lines and holders as JSON. */
interface Statement extends Pick<PeriodStatement, 'from' | 'to' | 'closedOn' | 'closedBy' | 'opening' | 'closing' | 'digest'> {
  lines: Array<{ entryId: string; date: string; kind: string; counterparty: string; reference: string; purpose: string; corrects: string | null; pence: number; balance: number }>;
  holders: Array<{ holderId: string; name: string; contributed: number; spent: number; clawedBack: number; unspent: number; shareOfBalance: number }>;
}

/** "a fingerprint of the books on 5 October 2026": what a period's close recorded, said plainly. */
export const fingerprintWords = (closedOn: string) => `a fingerprint of the books on ${longDate(closedOn)}`;
export const fingerprintsPath = (networkId: string, poolId: string) => `${poolPath(networkId, poolId)}/fingerprints`;

export function statementRoutes(app: FastifyInstance, keeperOf: (page: Page, networkId: string) => Membership) {
  const base = '/networks/:networkId/pools/:poolId';

  app.get(`${base}/periods/:periodEnd/statement`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId, periodEnd } = request.params as Params;
    const m = keeperOf(page, networkId);
    const [{ pool, crumbs }, s] = await Promise.all([poolCrumbs(page, m, poolId), page.api.read<Statement>(`/networks/${networkId}/pools/${poolId}/periods/${periodEnd}/statement`)]);
    return page.show({
      title: `${pool.name}: statement to ${longDate(s.to)}`,
      crumbs: [...crumbs, { href: `${poolPath(networkId, poolId)}/audit`, label: 'Closed periods' }],
      body: html`<dl class="summary">
          <dt>Network</dt><dd>${m.networkName ?? ''}</dd>
          <dt>Pool</dt><dd>${pool.name}</dd>
          <dt>Period</dt><dd>${longDate(s.from)} to ${longDate(s.to)}</dd>
          <dt>Closed</dt><dd>on ${longDate(s.closedOn)} by ${s.closedBy}</dd>
          <dt>Brought forward</dt><dd>${formatPence(s.opening)}</dd>
          <dt>Carried forward</dt><dd>${formatPence(s.closing)}</dd>
        </dl>
        <h2>Money in and out</h2>
        ${s.lines.length === 0
          ? html`<p>Nothing was recorded in the period.</p>`
          : html`<table class="stacked"><caption>Every entry of the period, oldest first, with the balance after each</caption>
            <thead><tr><th scope="col">Date</th><th scope="col">What</th><th scope="col">Paid to or received from</th><th scope="col">Reference</th><th scope="col" class="num">Money in or out</th><th scope="col" class="num">Balance after</th></tr></thead>
            <tbody>${s.lines.map((l) => html`<tr><td data-label="Date">${longDate(l.date)}</td><td data-label="What">${kindName(l)}${l.purpose ? html`: ${l.purpose}` : html``}</td><td data-label="Paid to or received from">${counterparty(l)}</td><td data-label="Reference">${l.reference}</td><td data-label="Money in or out" class="num">${inOrOut(l.pence)}</td><td data-label="Balance after" class="num">${formatPence(l.balance)}</td></tr>`)}</tbody></table>`}
        <h2>Budget holders at the end of the period</h2>
        ${s.holders.length === 0
          ? html`<p>No budget holder has money in the pool.</p>`
          : html`<table class="stacked"><caption>Each budget holder's money at ${longDate(s.to)}</caption>
            <thead><tr><th scope="col">Budget holder</th><th scope="col" class="num">Put in</th><th scope="col" class="num">Spent on them</th><th scope="col" class="num">Taken back by the council</th><th scope="col" class="num">Not yet spent</th><th scope="col" class="num">Their share of the balance</th></tr></thead>
            <tbody>${s.holders.map((h) => html`<tr><th scope="row">${h.name}</th><td data-label="Put in" class="num">${formatPence(h.contributed)}</td><td data-label="Spent on them" class="num">${formatPence(h.spent)}</td><td data-label="Taken back by the council" class="num">${formatPence(h.clawedBack)}</td><td data-label="Not yet spent" class="num">${formatPence(h.unspent)}</td><td data-label="Their share of the balance" class="num">${formatPence(h.shareOfBalance)}</td></tr>`)}</tbody></table>`}
        <p>When the period was closed, Hearth recorded ${fingerprintWords(s.closedOn)}. <a href="${fingerprintsPath(networkId, poolId)}">What a fingerprint of the books is for</a>.</p>
        <p class="no-print"><a href="${apiPath(networkId, poolId, `/periods/${periodEnd}/statement?format=csv`)}" download>Download this statement as a spreadsheet (CSV)</a></p>`,
    });
  });

  app.get(`${base}/fingerprints`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId } = request.params as Params;
    const m = keeperOf(page, networkId);
    const { pool, crumbs } = await poolCrumbs(page, m, poolId);
    return page.show({
      title: 'What a fingerprint of the books is',
      crumbs,
      body: html`<p>Each time the books of ${pool.name} are closed, Hearth records a fingerprint of them: a long code worked out from everything recorded so far, in every pool and network on this Hearth.</p>
        <p>If anything recorded before then were changed later, even by a penny, the fingerprint worked out again would no longer be the same. So the fingerprint lets anyone check, years later, that the books you closed are the books you signed off.</p>
        <p>The page of closed periods works each fingerprint out again every time you open it, and says whether it still matches. Hearth also signs a fingerprint every day with a key kept outside its records; you can download those and keep them somewhere else, so that even someone who could change Hearth's records could not hide it.</p>
        <p>Keep the fingerprint with the period's statement. An auditor or whoever runs Hearth can tell you how to check it.</p>
        <p><a href="${poolPath(networkId, poolId)}/audit">The closed periods and whether their fingerprints still match</a></p>`,
    });
  });
}
