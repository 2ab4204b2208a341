// The pools of a Neighbourhood Network as those who keep its books see them: each pool's balance,
// a chart of it over time, the payments waiting for approval (each on a page of its own, with
// Approve and Reject), and the latest entries of the ledger with its downloads.
import type { FastifyInstance } from 'fastify';
import { html, type Html } from '../http/html.ts';
import { addDays, today } from '../dates.ts';
import { formatPence, formatPounds } from '../units.ts';
import { lineChart } from './chart.ts';
import { dateField, dateValues, errorSummary, form, formState, hasErrors, posted, readDate, readText, textArea, type FormState } from './forms.ts';
import { networkCrumbs, pageFor, submit, type Membership, type Page } from './page.ts';
import { longDate } from './words.ts';
import {
  apiPath, canApprove, isTreasurer, keepsBooks, ledgerTable, poolCrumbs, poolPath, saidOnce,
  type Ledger, type Params, type Payment, type Pool,
} from './treasurer-common.ts';
import { correctable, correctLink } from './treasurer-corrections.ts';
import { Forbidden } from '../access/guard.ts';
import { ReadFailed } from './api.ts';

interface Balances {
  by: 'day' | 'month';
  from: string;
  to: string;
  points: Array<{ date: string; balance: { pence: number } }>;
}

const shortMonths = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const monthsInFull = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const shortLabel = (iso: string, by: 'day' | 'month') => (by === 'day' ? `${Number(iso.slice(8))} ${shortMonths[Number(iso.slice(5, 7)) - 1]}` : `${shortMonths[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`);
/** The first day of this month a year ago: thirteen months, so that this month can be compared with the same month last year. */
const sameMonthLastYear = (day: string) => `${Number(day.slice(0, 4)) - 1}-${day.slice(5, 7)}-01`;
const monthName = (iso: string) => `${monthsInFull[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;

/** The figures the pages need about who is who: the names of the network's active members. */
async function namesIn(page: Page, networkId: string): Promise<Map<string, string>> {
  const directory = await page.api.readAll<{ personId: string; name: string }>(`/networks/${networkId}/directory`);
  return new Map(directory.items.map((p) => [p.personId, p.name]));
}

const nameOf = (names: Map<string, string>, personId: string) => names.get(personId) ?? 'a former member';
const paidTo = (p: Payment, pools: Map<string, string>) => (p.kind === 'transfer' ? `the ${pools.get(p.toPoolId ?? '') ?? 'other'} pool` : p.payee);
const approvalsNeeded = (p: Payment, pool: Pool) => (p.amount.pence > pool.twoApproversAbovePence ? 2 : 1);

export function poolRoutes(app: FastifyInstance) {
  const base = '/networks/:networkId/pools';

  /** Only those who keep the books see these pages; the API would refuse anyone else too. */
  function keeperOf(page: Page, networkId: string): Membership {
    const m = page.memberOf(networkId);
    if (!keepsBooks(m)) throw new Forbidden('Only the treasurer, the board and coordinators keep the pooled budgets.');
    return m;
  }

  app.get(base, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const m = keeperOf(page, (request.params as Params).networkId);
    const { items } = await page.api.readAll<{ poolId: string; name: string; balance: { pence: number } }>(`/networks/${m.networkId}/pools`);
    const total = items.reduce((s, p) => s + p.balance.pence, 0);
    return page.show({
      title: 'Pooled budgets',
      crumbs: networkCrumbs(m),
      body: html`${items.length === 0
        ? html`<p>This network has no pools yet. A coordinator opens one.</p>`
        : html`<p>Each pool holds money that budget holders put together. Choose a pool to see its payments and its books.</p>
          <div class="table-scroll"><table><caption>The pools and what each holds today</caption>
            <thead><tr><th scope="col">Pool</th><th scope="col" class="num">Balance</th></tr></thead>
            <tbody>${items.map((p) => html`<tr><th scope="row"><a href="${poolPath(m.networkId, p.poolId)}">${p.name}</a></th><td class="num">${formatPence(p.balance.pence)}</td></tr>`)}
            ${items.length > 1 ? html`<tr><th scope="row">All pools together</th><td class="num"><strong>${formatPence(total)}</strong></td></tr>` : html``}</tbody></table></div>`}`,
    });
  });

  app.get(`${base}/:poolId`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId } = request.params as Params;
    const m = keeperOf(page, networkId);
    const query = request.query as { after?: string; chart?: string };
    const by = query.chart === 'days' ? 'day' : 'month';
    const [{ pool, crumbs }, balances, waiting, ledger, pools] = await Promise.all([
      poolCrumbs(page, m, poolId, query.after),
      page.api.read<Balances>(`/networks/${networkId}/pools/${poolId}/balances`, { by, from: by === 'month' ? sameMonthLastYear(today()) : undefined, after: query.after }),
      page.api.readAll<Payment>(`/networks/${networkId}/pools/${poolId}/payments`, { status: 'submitted', after: query.after }),
      page.api.read<Ledger>(`/networks/${networkId}/pools/${poolId}/ledger`, { from: addDays(today(), -365), after: query.after }),
      page.api.readAll<{ poolId: string; name: string }>(`/networks/${networkId}/pools`),
    ]);
    const poolNames = new Map(pools.items.map((p) => [p.poolId, p.name]));
    const here = poolPath(networkId, poolId);
    // The chart starts when the pool first held money, not with months before it existed.
    const began = balances.points.findIndex((p) => p.balance.pence !== 0);
    const shown = balances.points.slice(began === -1 ? -1 : began);
    const points = shown.map((p) => ({ label: shortLabel(p.date, by), value: p.balance.pence }));
    const values = points.map((p) => p.value);
    const recent = ledger.lines.slice(-20).reverse();
    return page.show({
      title: pool.name,
      crumbs: crumbs.slice(0, -1),
      body: html`<h2>Balance</h2>
        <p class="figure">${pool.balance.pounds}</p>
        <p>What the pool holds today, ${longDate(pool.asAt)}.${pool.closedThrough ? html` The books are closed to ${longDate(pool.closedThrough)}.` : html` No period has been closed yet.`}</p>
        ${whoseMoney(pool)}
        <ul class="actions">
          ${isTreasurer(m) ? html`<li><a class="button" href="${here}/receipts/new">Record money in</a></li>` : html``}
          ${m.roles.some((r) => r === 'treasurer' || r === 'coordinator') ? html`<li><a class="button secondary" href="${here}/payments/new">Submit a payment</a></li>` : html``}
          ${m.roles.some((r) => r === 'treasurer' || r === 'coordinator') && pools.items.length > 1 ? html`<li><a href="${here}/transfers/new">Move money to another pool</a></li>` : html``}
          ${isTreasurer(m) ? html`<li><a href="${here}/bank-charges/new">Record a bank charge</a></li>` : html``}
          <li><a href="${here}/reconciliation">Bank reconciliation: match the bank statement to the books</a></li>
          ${isTreasurer(m) ? html`<li><a href="${here}/close">Close a period</a></li>` : html``}
          <li><a href="${here}/audit">Closed periods, their statements and fingerprints</a></li>
        </ul>

        <h2>Balance over time</h2>
        <p class="no-print">${by === 'month' ? html`Shown at the end of each month, from this month last year or from when the pool first held money. <a href="${here}?chart=days">Show each day of the last 30 days instead</a>.` : html`Shown at the end of each day for the last 30 days, or since the pool first held money. <a href="${here}">Show each month since this month last year instead</a>.`}</p>
        ${lineChart({
          id: 'balance',
          title: `Balance of ${pool.name} at the end of each ${by}`,
          description: `From ${formatPence(values[0] ?? 0)} at the end of ${by === 'day' ? longDate(shown[0]!.date) : monthName(shown[0]!.date)} to ${formatPence(values.at(-1) ?? 0)} on ${longDate(balances.to)}. The highest was ${formatPence(Math.max(...values))} and the lowest ${formatPence(Math.min(...values))}.`,
          xLabel: by === 'day' ? 'Day' : 'Month',
          yLabel: 'Balance',
          points,
          format: formatPence,
          axisFormat: formatPounds,
        })}

        <h2>Waiting for approval</h2>
        <p>Payments over ${formatPence(pool.twoApproversAbovePence)} need two different approvers. Whoever submitted a payment cannot approve it.</p>
        ${waiting.items.length === 0
          ? html`<p>Nothing is waiting for approval.</p>`
          : html`<div class="table-scroll"><table><caption>Payments and transfers waiting for approval, newest first</caption>
            <thead><tr><th scope="col">Submitted</th><th scope="col">To</th><th scope="col">For</th><th scope="col" class="num">Amount</th><th scope="col">Approvals</th></tr></thead>
            <tbody>${waiting.items.map(
              (p) => html`<tr><td>${longDate(p.submittedOn)}</td><td><a href="${here}/payments/${p.paymentId}">${paidTo(p, poolNames)}<span class="visually-hidden">, ${p.amount.pounds}: check and approve or reject</span></a></td><td>${p.purpose}</td><td class="num">${p.amount.pounds}</td><td>${p.approvedBy.length} of ${approvalsNeeded(p, pool)}</td></tr>`,
            )}</tbody></table></div>`}

        <h2>The ledger</h2>
        ${recent.length === 0 ? html`<p>Nothing has been recorded in the last year.</p>` : ledgerTable(recent, `The latest ${recent.length === 1 ? 'entry' : `${recent.length} entries`}, newest first, with the balance after each`, isTreasurer(m) ? (l) => (correctable(l) ? correctLink(networkId, poolId, l) : html``) : undefined)}
        <h3>Download the books</h3>
        <ul>
          <li><a href="${apiPath(networkId, poolId, '/ledger?format=csv')}" download>The whole ledger, with the running balance (spreadsheet, CSV)</a></li>
          <li><a href="${apiPath(networkId, poolId, `/trial-balance?format=csv&asAt=${pool.asAt}`)}" download>The trial balance today (spreadsheet, CSV)</a></li>
          <li><a href="${here}/audit">Statements of closed periods</a></li>
        </ul>`,
    });
  });

  const outcomes: Record<string, { title: string; say: (p: Payment, pool: Pool, paidTo: string) => string }> = {
    approved: {
      title: 'Payment approved',
      say: (p, pool, to) =>
        p.status === 'paid'
          ? `${p.amount.pounds} has been paid to ${to}. The pool now holds ${pool.balance.pounds}.`
          : `Your approval is recorded. It needs one more, from someone else, before the money moves. The pool still holds ${pool.balance.pounds}.`,
    },
    'transfer-submitted': { title: 'Transfer submitted', say: (p, pool) => `It is waiting for approval${p.amount.pence > pool.twoApproversAbovePence ? ' by two people' : ''}; nothing moves until then. The pool holds ${pool.balance.pounds}.` },
    submitted: { title: 'Payment submitted', say: (p, pool) => `It is waiting for approval${p.amount.pence > pool.twoApproversAbovePence ? ' by two people' : ''}; nothing is paid until then. The pool holds ${pool.balance.pounds}.` },
    rejected: { title: 'Payment rejected', say: (_p, pool) => `Nothing was paid, and the person who submitted it can see why. The pool still holds ${pool.balance.pounds}.` },
  };

  async function paymentPage(page: Page, m: Membership, poolId: string, paymentId: string, reject: FormState, approve: FormState = formState()) {
    const query = page.request.query as { after?: string; done?: string };
    const [{ pool, crumbs }, payments, names, pools] = await Promise.all([
      poolCrumbs(page, m, poolId, query.after),
      // The payment itself, however far down the list it is; not found is said on the page.
      page.api.read<Payment>(`/networks/${m.networkId}/pools/${poolId}/payments/${paymentId}`, { after: query.after }).catch((err: unknown) => {
        if (err instanceof ReadFailed && (err.problem.status === 404 || err.problem.status === 400)) return undefined;
        throw err;
      }),
      namesIn(page, m.networkId),
      page.api.readAll<{ poolId: string; name: string }>(`/networks/${m.networkId}/pools`),
    ]);
    const p = payments;
    if (!p) return page.show({ title: 'Payment not found', crumbs, body: html`<p>This pool has no such payment. <a href="${poolPath(m.networkId, poolId)}">Go back to the pool</a>.</p>` }, 404);
    const to = paidTo(p, new Map(pools.items.map((x) => [x.poolId, x.name])));
    const outcome = query.done ? outcomes[query.done] : undefined;
    const needed = approvalsNeeded(p, pool);
    const mine = p.submittedBy === page.me.personId;
    const approvedByMe = p.approvedBy.includes(page.me.personId);
    const action = (verb: string) => `${poolPath(m.networkId, poolId)}/payments/${paymentId}/${verb}`;
    const status = p.status === 'submitted' ? `waiting for approval (${p.approvedBy.length} of ${needed})` : p.status === 'paying' ? 'being paid: the money is leaving the pool' : p.status;
    const failed = hasErrors(approve) ? approve : reject;
    return page.show({
      title: outcome?.title ?? `${p.kind === 'transfer' ? 'Transfer' : 'Payment'} to ${to}`,
      crumbs,
      hasErrors: hasErrors(approve) || hasErrors(reject),
      body: html`${errorSummary(failed)}
        ${outcome ? html`<div class="panel" role="status"><h2>${p.amount.pounds} to ${to}</h2><p>${outcome.say(p, pool, to)}</p></div>` : html``}
        <dl class="summary">
          <dt>To</dt><dd>${to}</dd>
          <dt>Amount</dt><dd>${p.amount.pounds}</dd>
          <dt>For</dt><dd>${p.purpose}</dd>
          ${p.invoiceReference ? html`<dt>Invoice</dt><dd>${p.invoiceReference}${p.invoiceDate ? html`, dated ${longDate(p.invoiceDate)}` : html``}</dd>` : html``}
          ${p.beneficiaries.length > 0 ? html`<dt>Paid from the budgets of</dt><dd><ul>${p.beneficiaries.map((b) => html`<li>${nameOf(names, b.holderId)}: ${formatPence(b.pence)}</li>`)}</ul></dd>` : html``}
          <dt>Submitted</dt><dd>by ${nameOf(names, p.submittedBy)} on ${longDate(p.submittedOn)}</dd>
          <dt>Approved by</dt><dd>${p.approvedBy.length === 0 ? 'nobody yet' : p.approvedBy.map((id) => nameOf(names, id)).join(' and ')}${p.approvedOn ? html`, approved on ${longDate(p.approvedOn)}` : html``}</dd>
          ${p.paidOn ? html`<dt>Paid</dt><dd>the money left the account on ${longDate(p.paidOn)}; the books are dated by this day</dd>` : html``}
          <dt>Status</dt><dd>${status}</dd>
          ${p.rejectionReason ? html`<dt>Why it was rejected</dt><dd>${p.rejectionReason}</dd>` : html``}
        </dl>
        ${p.status === 'submitted' && canApprove(m) ? decisionForms(page, { needed, mine, approvedByMe, completes: p.approvedBy.length + 1 >= needed, action, approve, reject, pool }) : html``}
        ${p.status === 'paid' && p.kind === 'payment' && isTreasurer(m) ? html`<p><a href="${action('refund')}">Record a refund of this payment</a></p>` : html``}
        <p><a href="${poolPath(m.networkId, poolId)}">Back to ${pool.name}</a></p>`,
    });
  }

  function decisionForms(
    page: Page,
    { needed, mine, approvedByMe, completes, action, approve, reject, pool }: { needed: number; mine: boolean; approvedByMe: boolean; completes: boolean; action: (verb: string) => string; approve: FormState; reject: FormState; pool: Pool },
  ): Html {
    // The approval that moves the money says the day it left the account: today unless changed.
    const approving = completes && !hasErrors(approve) && approve.values['paidOn-day'] === undefined ? formState({ ...approve.values, ...dateValues('paidOn', today()) }) : approve;
    const paidDay = completes ? dateField(approving, { name: 'paidOn', label: 'Day the money left', hint: 'Today, unless it left the account earlier. The books are dated by this day.' }) : html``;
    const rule = needed === 2 ? `This is over ${formatPence(pool.twoApproversAbovePence)}, so two different people must approve it.` : 'One approval pays it.';
    const approval = mine
      ? html`<p>You submitted this payment, so someone else must approve it.</p>`
      : approvedByMe
        ? html`<p>You have approved it. It needs a second approval, from someone else.</p>`
        : form(action('approve'), approving, page.csrfToken, html`<p>${rule} The pool holds ${pool.balance.pounds}.</p>${paidDay}`, 'Approve');
    return html`<h2>Approve it</h2>${approval}
      <h2>Reject it</h2>
      ${form(action('reject'), reject, page.csrfToken, textArea(reject, { name: 'reason', label: 'Why is it rejected?', hint: 'The person who submitted it will read this.' }), 'Reject', { buttonClass: 'warning' })}`;
  }

  app.get(`${base}/:poolId/payments/:paymentId`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId, paymentId } = request.params as Params;
    return paymentPage(page, keeperOf(page, networkId), poolId, paymentId!, formState());
  });

  app.post(`${base}/:poolId/payments/:paymentId/approve`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId, paymentId } = request.params as Params;
    const m = keeperOf(page, networkId);
    const state = posted(request.body);
    // Only the approval that completes the policy is asked the day; the API says if it may not be given.
    const asked = ['paidOn-day', 'paidOn-month', 'paidOn-year'].some((f) => state.values[f]);
    const paidOn = asked ? readDate(state, 'paidOn', 'Enter the day the money left, or leave it as today') : undefined;
    return submit<{ position: number }>(
      page,
      state,
      () => page.api.send('POST', `/networks/${networkId}/pools/${poolId}/payments/${paymentId}/approval`, paidOn ? { paidOn } : undefined, { key: state.values._key! }),
      { paidOn: 'paidOn' },
      (s) => paymentPage(page, m, poolId, paymentId!, formState(), saidOnce(s)),
      (body) => `${poolPath(networkId, poolId)}/payments/${paymentId}?after=${body.position}&done=approved`,
    );
  });

  app.post(`${base}/:poolId/payments/:paymentId/reject`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId, paymentId } = request.params as Params;
    const m = keeperOf(page, networkId);
    const state = posted(request.body);
    const reason = readText(state, 'reason', 'Say why it is rejected');
    return submit<{ position: number }>(
      page,
      state,
      () => page.api.send('POST', `/networks/${networkId}/pools/${poolId}/payments/${paymentId}/rejection`, { reason }, { key: state.values._key! }),
      { reason: 'reason' },
      (s) => paymentPage(page, m, poolId, paymentId!, saidOnce(s)),
      (body) => `${poolPath(networkId, poolId)}/payments/${paymentId}?after=${body.position}&done=rejected`,
    );
  });

  return { keeperOf };
}

/**
 * Whose money the balance is: each budget holder's share, and the line that is no holder's (council
 * and grant money less the pool's own costs), adding up to the balance to the penny.
 */
function whoseMoney(pool: Pool) {
  if (pool.holders.length === 0 && pool.unattributed.pence === 0) return html``;
  return html`<div class="table-scroll"><table><caption>Whose money the balance is</caption>
    <thead><tr><th scope="col">Budget holder</th><th scope="col" class="num">Share of the balance</th></tr></thead>
    <tbody>${pool.holders.map((h) => html`<tr><th scope="row">${h.name}</th><td class="num">${h.shareOfBalance.pounds}</td></tr>`)}
    <tr><th scope="row">Not any holder's: money no holder contributed, less the pool's own costs${pool.unattributed.lines.length > 0 ? html` (${pool.unattributed.lines.map((l, i) => html`${i > 0 ? ', ' : ''}${l.item.toLowerCase()} ${l.pounds}`)})` : html``}</th><td class="num">${pool.unattributed.pounds}</td></tr>
    <tr><th scope="row">Balance</th><td class="num">${pool.balance.pounds}</td></tr></tbody></table></div>`;
}
