// The learning vouchers' books from the treasurer's pages: the vouchers waiting for their money,
// each with the money recorded when it arrives (from then it is held for the learner); the vouchers
// held, each refundable on the giver's request; and what the network holds for learners, as a page
// and as a spreadsheet.
import type { FastifyInstance } from 'fastify';
import { html } from '../http/html.ts';
import { today } from '../dates.ts';
import { dateField, dateValues, errorSummary, form, formState, hasErrors, moneyField, posted, readDate, readPounds, readText, textArea, textField, type FormState } from './forms.ts';
import { networkCrumbs, pageFor, submit, type Membership, type Page } from './page.ts';
import { longDate } from './words.ts';
import { leftWords, valueWords } from './vouchers-words.ts';
import type { Money, Named, Voucher, VoucherWithUse } from './vouchers-types.ts';
import { saidOnce } from './treasurer-common.ts';
import { Forbidden } from '../access/guard.ts';

type Params = { networkId: string; voucherId?: string };
type Kept = Omit<Voucher, 'message'>;

interface Liability {
  asAt: string;
  learners: Array<{ learner: Named; vouchers: number; paid: Money; redeemed: Money; refunded: Money; expired: Money; outstanding: Money }>;
  totals: { vouchers: number; paid: Money; redeemed: Money; refunded: Money; expired: Money; outstanding: Money };
  expiredToGiver: Money;
  expiredToLearningFund: Money;
  learningFund: Money;
}

export const voucherBooksPath = (networkId: string) => `/networks/${networkId}/voucher-books`;

export function voucherBookRoutes(app: FastifyInstance) {
  const base = '/networks/:networkId/voucher-books';

  function treasurerOf(page: Page, networkId: string): Membership {
    const m = page.memberOf(networkId);
    if (!m.roles.includes('treasurer')) throw new Forbidden("Only the treasurer keeps the learning vouchers' books.");
    return m;
  }
  const crumbs = (m: Membership) => [...networkCrumbs(m), { href: voucherBooksPath(m.networkId), label: 'Learning vouchers: the money' }];
  const voucherPath = (m: Membership, voucherId: string) => `${voucherBooksPath(m.networkId)}/${voucherId}`;
  const whose = (v: Kept) => `${v.giver.name} for ${v.learner.name}`;

  app.get(base, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const m = treasurerOf(page, (request.params as Params).networkId);
    const after = (request.query as { after?: string }).after;
    const [waiting, held] = await Promise.all([
      page.api.read<{ items: Kept[] }>(`/networks/${m.networkId}/vouchers/awaiting-payment`, { after }),
      page.api.read<{ items: Kept[] }>(`/networks/${m.networkId}/vouchers/held`, { after }),
    ]);
    return page.show({
      title: 'Learning vouchers: the money',
      crumbs: networkCrumbs(m),
      body: html`<p>A voucher is held for its learner from the day its money arrives. Record the money when it comes in; refund what is left if the giver asks.</p>
        <p><a href="${voucherBooksPath(m.networkId)}/liability">What the network holds for learners today</a></p>
        <h2>Waiting for the money</h2>
        ${waiting.items.length === 0
          ? html`<p>No voucher is waiting for its money.</p>`
          : html`<table class="stacked"><caption>Vouchers given, whose money has not arrived, oldest first</caption>
            <thead><tr><th scope="col">Given on</th><th scope="col">From and for</th><th scope="col">Voucher</th><th scope="col" class="num">Price</th><th scope="col">What to do</th></tr></thead>
            <tbody>${waiting.items.map((v) => html`<tr><td data-label="Given on">${longDate(v.boughtOn)}</td><td data-label="From and for">${whose(v)}</td><td data-label="Voucher">${valueWords(v.value)}</td><td data-label="Price" class="num">${v.price.pounds}</td><td><a href="${voucherPath(m, v.voucherId)}/payment">Record the money<span class="visually-hidden"> from ${whose(v)}, ${v.price.pounds}</span></a></td></tr>`)}</tbody></table>`}
        <h2>Held for learners</h2>
        ${held.items.length === 0
          ? html`<p>No voucher is held.</p>`
          : html`<table class="stacked"><caption>Vouchers paid for, oldest first</caption>
            <thead><tr><th scope="col">Paid on</th><th scope="col">From and for</th><th scope="col">Left</th><th scope="col">What to do</th></tr></thead>
            <tbody>${held.items.map((v) => html`<tr><td data-label="Paid on">${v.paidOn ? longDate(v.paidOn) : ''}</td><td data-label="From and for">${whose(v)}</td><td data-label="Left">${leftWords(v.value, v.left, v.leftSessions)}</td><td>${v.left.pence > 0 ? html`<a href="${voucherPath(m, v.voucherId)}/refund">Refund<span class="visually-hidden"> ${whose(v)}</span></a>` : html`all used`}</td></tr>`)}</tbody></table>`}`,
    });
  });

  /** The voucher as the API shows it to those who keep the books. */
  const voucherOf = (page: Page, m: Membership, voucherId: string, after?: string) => page.api.read<VoucherWithUse>(`/networks/${m.networkId}/vouchers/${voucherId}`, { after });

  async function paymentForm(page: Page, m: Membership, voucherId: string, state: FormState) {
    const v = await voucherOf(page, m, voucherId);
    return page.show({
      title: 'Record the money for a voucher',
      crumbs: crumbs(m),
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}
        <dl class="summary"><dt>From</dt><dd>${v.giver.name}</dd><dt>For</dt><dd>${v.learner.name}</dd><dt>Voucher</dt><dd>${valueWords(v.value)}</dd><dt>Price</dt><dd>${v.price.pounds}</dd></dl>
        ${form(
          `${voucherPath(m, voucherId)}/payment`,
          state,
          page.csrfToken,
          html`${moneyField(state, { name: 'amount', label: 'How much arrived?', hint: `The voucher's price, ${v.price.pounds}` })}
            ${textField(state, { name: 'reference', label: 'Reference', hint: 'As the bank statement shows it' })}
            ${dateField(state, { name: 'date', label: 'When did it arrive?' })}`,
          'Record the money',
        )}`,
    });
  }

  app.get(`${base}/:voucherId/payment`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, voucherId } = request.params as Params;
    const m = treasurerOf(page, networkId);
    const v = await voucherOf(page, m, voucherId!);
    return paymentForm(page, m, voucherId!, formState({ amount: (v.price.pence / 100).toFixed(2), ...dateValues('date', today()) }));
  });

  app.post(`${base}/:voucherId/payment`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, voucherId } = request.params as Params;
    const m = treasurerOf(page, networkId);
    const state = posted(request.body);
    const pence = readPounds(state, 'amount', 'Enter how much arrived');
    const reference = readText(state, 'reference', 'Enter the reference on the bank statement', 140);
    const receivedOn = readDate(state, 'date', 'Enter the day it arrived');
    return submit<{ position: number }>(
      page,
      state,
      () => page.api.send('POST', `/networks/${networkId}/vouchers/${voucherId}/payment`, { pence, reference, receivedOn }, { key: state.values._key! }),
      { pence: 'amount', reference: 'reference', receivedOn: 'date' },
      (s) => paymentForm(page, m, voucherId!, saidOnce(s)),
      (done) => `${voucherPath(m, voucherId!)}?after=${done.position}&done=paid`,
    );
  });

  async function refundForm(page: Page, m: Membership, voucherId: string, state: FormState) {
    const v = await voucherOf(page, m, voucherId);
    return page.show({
      title: 'Refund a voucher',
      crumbs: crumbs(m),
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}
        <dl class="summary"><dt>From</dt><dd>${v.giver.name}</dd><dt>For</dt><dd>${v.learner.name}</dd><dt>Left</dt><dd>${leftWords(v.value, v.left, v.leftSessions)}</dd></dl>
        <p>${v.value.kind === 'sessions' ? 'A voucher of sessions is refunded whole: everything left on it.' : 'Refund all that is left, or part of it.'} The money goes back to ${v.giver.name}.</p>
        ${form(
          `${voucherPath(m, voucherId)}/refund`,
          state,
          page.csrfToken,
          html`${moneyField(state, { name: 'amount', label: 'How much is refunded?' })}
            ${textArea(state, { name: 'reason', label: 'Why?', hint: 'For example, the giver asked: the learner has moved away' })}`,
          'Refund it',
          { buttonClass: 'warning' },
        )}`,
    });
  }

  app.get(`${base}/:voucherId/refund`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, voucherId } = request.params as Params;
    const m = treasurerOf(page, networkId);
    const v = await voucherOf(page, m, voucherId!);
    return refundForm(page, m, voucherId!, formState({ amount: (v.left.pence / 100).toFixed(2) }));
  });

  app.post(`${base}/:voucherId/refund`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, voucherId } = request.params as Params;
    const m = treasurerOf(page, networkId);
    const state = posted(request.body);
    const pence = readPounds(state, 'amount', 'Enter how much is refunded');
    const reason = readText(state, 'reason', 'Say why it is refunded');
    return submit<{ position: number }>(
      page,
      state,
      () => page.api.send('POST', `/networks/${networkId}/vouchers/${voucherId}/refund`, { pence, reason }, { key: state.values._key! }),
      { pence: 'amount', reason: 'reason' },
      (s) => refundForm(page, m, voucherId!, saidOnce(s)),
      (done) => `${voucherPath(m, voucherId!)}?after=${done.position}&done=refunded`,
    );
  });

  app.get(`${base}/:voucherId`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, voucherId } = request.params as Params;
    const m = treasurerOf(page, networkId);
    const query = request.query as { after?: string; done?: string };
    const v = await voucherOf(page, m, voucherId!, query.after);
    const said = query.done === 'paid'
      ? { title: 'Money recorded', panel: `${v.price.pounds} from ${v.giver.name} is held for ${v.learner.name} from ${v.paidOn ? longDate(v.paidOn) : 'today'}. Mentors can now use the voucher.` }
      : query.done === 'refunded'
        ? { title: 'Voucher refunded', panel: `${v.refunds.at(-1)?.amount.pounds ?? 'The money'} goes back to ${v.giver.name}.` }
        : { title: `Voucher from ${v.giver.name} for ${v.learner.name}`, panel: null };
    return page.show({
      title: said.title,
      crumbs: crumbs(m),
      body: html`${said.panel ? html`<div class="panel" role="status"><h2>${valueWords(v.value)}</h2><p>${said.panel}</p></div>` : html``}
        <dl class="summary"><dt>From</dt><dd>${v.giver.name}</dd><dt>For</dt><dd>${v.learner.name}</dd><dt>Voucher</dt><dd>${valueWords(v.value)}</dd>
          <dt>Now</dt><dd>${v.status === 'awaiting-payment' ? 'waiting for the money' : v.status === 'held' ? leftWords(v.value, v.left, v.leftSessions) : v.status}</dd></dl>
        <p><a href="${voucherBooksPath(m.networkId)}">Back to the vouchers' money</a></p>`,
    });
  });

  app.get(`${base}/liability`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const m = treasurerOf(page, (request.params as Params).networkId);
    const report = await page.api.read<Liability>(`/networks/${m.networkId}/vouchers/liability`);
    const cells = (f: Omit<Liability['totals'], 'vouchers'>) =>
      html`<td data-label="Paid in" class="num">${f.paid.pounds}</td><td data-label="Used in sessions" class="num">${f.redeemed.pounds}</td><td data-label="Refunded" class="num">${f.refunded.pounds}</td><td data-label="Expired" class="num">${f.expired.pounds}</td><td data-label="Held now" class="num">${f.outstanding.pounds}</td>`;
    return page.show({
      title: 'What the network holds for learners',
      crumbs: crumbs(m),
      body: html`<p>At the end of ${longDate(report.asAt)}, the network holds <strong>${report.totals.outstanding.pounds}</strong> of vouchers' money for learners: money that is theirs until it is used, refunded or expires.</p>
        ${report.learners.length === 0
          ? html`<p>Nothing is held for any learner.</p>`
          : html`<table class="stacked"><caption>By learner</caption>
            <thead><tr><th scope="col">Learner</th><th scope="col" class="num">Paid in</th><th scope="col" class="num">Used in sessions</th><th scope="col" class="num">Refunded</th><th scope="col" class="num">Expired</th><th scope="col" class="num">Held now</th></tr></thead>
            <tbody>${report.learners.map((l) => html`<tr><th scope="row">${l.learner.name}</th>${cells(l)}</tr>`)}
              <tr><th scope="row">All learners</th>${cells(report.totals)}</tr></tbody></table>`}
        <dl class="summary"><dt>Expired back to givers</dt><dd>${report.expiredToGiver.pounds}</dd><dt>Expired to the learning fund</dt><dd>${report.expiredToLearningFund.pounds}</dd><dt>The learning fund holds</dt><dd>${report.learningFund.pounds}</dd></dl>
        <p><a href="/api/v1/networks/${m.networkId}/vouchers/liability?format=csv&asAt=${report.asAt}" download>Download this as a spreadsheet (CSV)</a></p>`,
    });
  });
}
