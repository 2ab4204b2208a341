// The learning vouchers' books from the treasurer's pages: the vouchers waiting for their money,
// each with the money recorded when it arrives (from then it is held for the learner); the vouchers
// held, each refundable on the giver's request; and what the network holds for learners, as a page
// and as a spreadsheet.
import type { FastifyInstance } from 'fastify';
import { html } from '../http/html.ts';
import { today } from '../dates.ts';
import { dateField, dateValues, errorSummary, form, formState, hasErrors, moneyField, posted, radioField, readChoice, readDate, readPounds, readText, textArea, textField, type FormState } from './forms.ts';
import { checkAnswers, stepOf } from './answers.ts';
import { formatPence } from '../units.ts';
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

interface LearningFund {
  asAt: string;
  received: Money;
  spent: Money;
  balance: Money;
  payments: Array<{ paymentId: string; amount: Money; payee: string; purpose: string; requestedBy: Named; requestedOn: string; status: 'requested' | 'paid' | 'rejected'; approvedBy: Named | null; paidOn: string | null; rejectionReason: string | null }>;
}

type Payout = { paidOn: string; amount: Money; method: string; reference: string };
type VoucherRead = VoucherWithUse & { payouts: Payout[] };

const payoutMethods = ['bank-transfer', 'cheque', 'cash'] as const;
const methodWords: Record<string, string> = { 'bank-transfer': 'bank transfer', cheque: 'cheque', cash: 'cash' };

export const voucherBooksPath = (networkId: string) => `/networks/${networkId}/voucher-books`;
export const learningFundPath = (networkId: string) => `/networks/${networkId}/voucher-books/learning-fund`;

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
      page.api.readAll<Kept>(`/networks/${m.networkId}/vouchers/awaiting-payment`, { after }),
      page.api.readAll<Kept>(`/networks/${m.networkId}/vouchers/held`, { after }),
    ]);
    return page.show({
      title: 'Learning vouchers: the money',
      crumbs: networkCrumbs(m),
      body: html`<p>A voucher is held for its learner from the day its money arrives. Record the money when it comes in; refund what is left if the giver asks.</p>
        <p><a href="${voucherBooksPath(m.networkId)}/liability">What the network holds for learners today</a></p>
        <p><a href="${learningFundPath(m.networkId)}">The learning fund: what it holds and its payments</a></p>
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
            <tbody>${held.items.map((v) => html`<tr><td data-label="Paid on">${v.paidOn ? longDate(v.paidOn) : ''}</td><td data-label="From and for"><a href="${voucherPath(m, v.voucherId)}">${whose(v)}</a></td><td data-label="Left">${leftWords(v.value, v.left, v.leftSessions)}</td><td>${v.left.pence > 0 ? html`<a href="${voucherPath(m, v.voucherId)}/refund">Refund<span class="visually-hidden"> ${whose(v)}</span></a>` : html`all used`}</td></tr>`)}</tbody></table>`}`,
    });
  });

  /** The voucher as the API shows it to those who keep the books. */
  const voucherOf = (page: Page, m: Membership, voucherId: string, after?: string) => page.api.read<VoucherRead>(`/networks/${m.networkId}/vouchers/${voucherId}`, { after });

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
        : query.done === 'paid-back'
          ? { title: 'Money paid back recorded', panel: `${v.payouts.at(-1)?.amount.pounds ?? 'The money'} paid back to ${v.giver.name} by ${methodWords[v.payouts.at(-1)?.method ?? ''] ?? 'payment'}${v.payouts.at(-1) ? ` on ${longDate(v.payouts.at(-1)!.paidOn)}` : ''}.` }
          : { title: `Voucher from ${v.giver.name} for ${v.learner.name}`, panel: null };
    const owesGiver = v.refunds.length > 0 || v.expiry?.disposition === 'refund-to-giver';
    return page.show({
      title: said.title,
      crumbs: crumbs(m),
      body: html`${said.panel ? html`<div class="panel" role="status"><h2>${valueWords(v.value)}</h2><p>${said.panel}</p></div>` : html``}
        <dl class="summary"><dt>From</dt><dd>${v.giver.name}</dd><dt>For</dt><dd>${v.learner.name}</dd><dt>Voucher</dt><dd>${valueWords(v.value)}</dd>
          <dt>Now</dt><dd>${v.status === 'awaiting-payment' ? 'waiting for the money' : v.status === 'held' ? leftWords(v.value, v.left, v.leftSessions) : v.status}</dd></dl>
        ${v.payouts.length === 0
          ? html``
          : html`<table class="stacked"><caption>Money paid back to ${v.giver.name}</caption>
            <thead><tr><th scope="col">Paid on</th><th scope="col">How</th><th scope="col">Reference</th><th scope="col" class="num">Amount</th></tr></thead>
            <tbody>${v.payouts.map((p) => html`<tr><td data-label="Paid on">${longDate(p.paidOn)}</td><td data-label="How">${methodWords[p.method] ?? p.method}</td><td data-label="Reference">${p.reference}</td><td data-label="Amount" class="num">${p.amount.pounds}</td></tr>`)}</tbody></table>`}
        ${owesGiver ? html`<p><a href="${voucherPath(m, voucherId!)}/payout">Record money paid back to ${v.giver.name}</a></p>` : html``}
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

  // ---- money paid back to the giver: what a refund on their request, or an expiry back to them, owes

  async function payoutForm(page: Page, m: Membership, voucherId: string, state: FormState) {
    const v = await voucherOf(page, m, voucherId);
    const refunded = v.refunds.reduce((sum, r) => sum + r.amount.pence, 0);
    const paidBack = v.payouts.reduce((sum, p) => sum + p.amount.pence, 0);
    return page.show({
      title: 'Record money paid back to the giver',
      crumbs: crumbs(m),
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}
        <dl class="summary"><dt>Giver</dt><dd>${v.giver.name}</dd><dt>For</dt><dd>${v.learner.name}</dd><dt>Refunded</dt><dd>${formatPence(refunded)}</dd>
          ${v.expiry?.disposition === 'refund-to-giver' ? html`<dt>Expired back to the giver</dt><dd>${v.expiry.amount.pounds}</dd>` : html``}
          <dt>Paid back so far</dt><dd>${formatPence(paidBack)}</dd></dl>
        ${form(
          `${voucherPath(m, voucherId)}/payout`,
          state,
          page.csrfToken,
          html`${moneyField(state, { name: 'amount', label: 'How much was paid back?' })}
            ${radioField(state, { name: 'method', label: 'How was it paid?', options: payoutMethods.map((value) => ({ value, label: methodWords[value]!.replace(/^./, (c) => c.toUpperCase()) })) })}
            ${textField(state, { name: 'reference', label: 'Reference', hint: 'As the bank statement or the cheque shows it; for cash, a receipt number' })}
            ${dateField(state, { name: 'date', label: 'When was it paid?' })}`,
          'Record the money paid back',
        )}`,
    });
  }

  app.get(`${base}/:voucherId/payout`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, voucherId } = request.params as Params;
    const m = treasurerOf(page, networkId);
    return payoutForm(page, m, voucherId!, formState(dateValues('date', today())));
  });

  app.post(`${base}/:voucherId/payout`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, voucherId } = request.params as Params;
    const m = treasurerOf(page, networkId);
    const state = posted(request.body);
    const pence = readPounds(state, 'amount', 'Enter how much was paid back');
    const method = readChoice(state, 'method', payoutMethods, 'Say how it was paid');
    const reference = readText(state, 'reference', 'Enter the reference the bank or the cheque shows', 140);
    const paidOn = readDate(state, 'date', 'Enter the day it was paid');
    return submit<{ position: number }>(
      page,
      state,
      () => page.api.send('POST', `/networks/${networkId}/vouchers/${voucherId}/payouts`, { pence, method, reference, paidOn }, { key: state.values._key! }),
      { pence: 'amount', method: 'method', reference: 'reference', paidOn: 'date' },
      (s) => payoutForm(page, m, voucherId!, saidOnce(s)),
      (done) => `${voucherPath(m, voucherId!)}?after=${done.position}&done=paid-back`,
    );
  });

  // ---- the learning fund: what vouchers left it at expiry, what it paid out, and payments asked for

  const fundPath = (m: Membership) => learningFundPath(m.networkId);
  /** The fund's figures with every payment asked for from it: the page lists them all. */
  const learningFundOf = async (page: Page, m: Membership, after?: string): Promise<LearningFund> => {
    const fund = `/networks/${m.networkId}/vouchers/learning-fund`;
    const [figures, payments] = await Promise.all([page.api.read<Omit<LearningFund, 'payments'>>(fund, { after }), page.api.readAll<LearningFund['payments'][number]>(`${fund}/payments`, { after })]);
    return { ...figures, payments: payments.items };
  };
  const fundCrumbs = (m: Membership) => [...crumbs(m), { href: fundPath(m), label: 'The learning fund' }];
  const statusWords = (p: LearningFund['payments'][number]) =>
    p.status === 'paid' ? `paid on ${p.paidOn ? longDate(p.paidOn) : ''}${p.approvedBy ? `, approved by ${p.approvedBy.name}` : ''}` : p.status === 'rejected' ? `rejected: ${p.rejectionReason ?? ''}` : 'waiting for approval';

  app.get(`${base}/learning-fund`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const m = treasurerOf(page, (request.params as Params).networkId);
    const query = request.query as { after?: string; done?: string };
    const fund = await learningFundOf(page, m, query.after);
    const said = { asked: 'Payment asked for: someone else approves it before it is paid.', approved: 'Payment approved and paid from the learning fund.', rejected: 'Payment rejected.' }[query.done ?? ''];
    return page.show({
      title: 'The learning fund',
      crumbs: crumbs(m),
      body: html`${said ? html`<div class="panel" role="status"><p>${said}</p></div>` : html``}
        <p>Money from vouchers that expired to the learning fund, spent on learning once a payment is approved.</p>
        <dl class="summary"><dt>Money in</dt><dd>${fund.received.pounds}</dd><dt>Money out</dt><dd>${fund.spent.pounds}</dd><dt>The fund holds</dt><dd><strong>${fund.balance.pounds}</strong></dd></dl>
        <p>At the end of ${longDate(fund.asAt)}.</p>
        <p><a class="button" href="${fundPath(m)}/payments/new">Ask for a payment from the fund</a></p>
        <h2>Payments</h2>
        ${fund.payments.length === 0
          ? html`<p>No payment has been asked for.</p>`
          : html`<table class="stacked"><caption>Payments asked for, newest first</caption>
            <thead><tr><th scope="col">Asked on</th><th scope="col">To</th><th scope="col">For</th><th scope="col" class="num">Amount</th><th scope="col">Now</th><th scope="col">What to do</th></tr></thead>
            <tbody>${fund.payments.map((p) => html`<tr><td data-label="Asked on">${longDate(p.requestedOn)} by ${p.requestedBy.name}</td><td data-label="To">${p.payee}</td><td data-label="For">${p.purpose}</td><td data-label="Amount" class="num">${p.amount.pounds}</td><td data-label="Now">${statusWords(p)}</td><td>${p.status === 'requested'
              ? html`<a href="${fundPath(m)}/payments/${p.paymentId}/approve">Approve<span class="visually-hidden"> ${p.amount.pounds} to ${p.payee}</span></a> <a href="${fundPath(m)}/payments/${p.paymentId}/reject">Reject<span class="visually-hidden"> ${p.amount.pounds} to ${p.payee}</span></a>`
              : html``}</td></tr>`)}</tbody></table>`}`,
    });
  });

  async function askForm(page: Page, m: Membership, state: FormState) {
    return page.show({
      title: 'Ask for a payment from the learning fund',
      crumbs: fundCrumbs(m),
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}
        <p>Someone else approves it before it is paid.</p>
        ${form(
          `${fundPath(m)}/payments/new`,
          state,
          page.csrfToken,
          html`${textField(state, { name: 'payee', label: 'Who is paid?', hint: 'For example, the person or the shop' })}
            ${textArea(state, { name: 'purpose', label: 'What is it for?', hint: 'For example, art materials for the painting class' })}
            ${moneyField(state, { name: 'amount', label: 'How much?' })}`,
          'Continue',
        )}`,
    });
  }

  app.get(`${base}/learning-fund/payments/new`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const m = treasurerOf(page, (request.params as Params).networkId);
    return askForm(page, m, formState());
  });

  app.post(`${base}/learning-fund/payments/new`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const m = treasurerOf(page, (request.params as Params).networkId);
    const state = posted(request.body);
    const step = stepOf(state);
    if (step === 'change') return askForm(page, m, formState(state.values));
    const payee = readText(state, 'payee', 'Enter who is paid', 140);
    const purpose = readText(state, 'purpose', 'Say what the payment is for');
    const pence = readPounds(state, 'amount', 'Enter how much');
    if (hasErrors(state)) return askForm(page, m, state);
    if (step === 'confirm') {
      return submit<{ paymentId: string; position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${m.networkId}/vouchers/learning-fund/payments`, { payee, purpose, pence }, { key: state.values._key! }),
        { payee: 'payee', purpose: 'purpose', pence: 'amount' },
        (s) => askForm(page, m, saidOnce(s)),
        (done) => `${fundPath(m)}?after=${done.position}&done=asked`,
      );
    }
    return page.show({
      title: 'Check the payment before you ask for it',
      crumbs: fundCrumbs(m),
      body: checkAnswers(`${fundPath(m)}/payments/new`, state, page.csrfToken, [
        { question: 'To', answer: payee! },
        { question: 'For', answer: purpose! },
        { question: 'Amount', answer: formatPence(pence!) },
      ], 'Ask for the payment'),
    });
  });

  async function decisionPage(page: Page, m: Membership, paymentId: string, decision: 'approve' | 'reject', state: FormState) {
    const fund = await learningFundOf(page, m);
    const p = fund.payments.find((x) => x.paymentId === paymentId);
    if (!p) return page.show({ title: 'Payment not found', crumbs: fundCrumbs(m), body: html`<p>The learning fund has no such payment. <a href="${fundPath(m)}">Go back to the learning fund</a>.</p>` }, 404);
    return page.show({
      title: decision === 'approve' ? 'Approve a payment from the learning fund' : 'Reject a payment from the learning fund',
      crumbs: fundCrumbs(m),
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}
        <dl class="summary"><dt>To</dt><dd>${p.payee}</dd><dt>For</dt><dd>${p.purpose}</dd><dt>Amount</dt><dd>${p.amount.pounds}</dd><dt>Asked for by</dt><dd>${p.requestedBy.name}, ${longDate(p.requestedOn)}</dd><dt>Now</dt><dd>${statusWords(p)}</dd><dt>The fund holds</dt><dd>${fund.balance.pounds}</dd></dl>
        ${decision === 'approve'
          ? html`<p>Approving it pays it from the fund today.</p>${form(`${fundPath(m)}/payments/${paymentId}/approve`, state, page.csrfToken, html``, 'Approve and pay it')}`
          : form(`${fundPath(m)}/payments/${paymentId}/reject`, state, page.csrfToken, textArea(state, { name: 'reason', label: 'Why is it rejected?' }), 'Reject it', { buttonClass: 'warning' })}`,
    });
  }

  for (const decision of ['approve', 'reject'] as const) {
    const path = `${base}/learning-fund/payments/:paymentId/${decision}`;
    app.get(path, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId, paymentId } = request.params as Params & { paymentId: string };
      return decisionPage(page, treasurerOf(page, networkId), paymentId, decision, formState());
    });
    app.post(path, { schema: { hide: true } }, async (request, reply) => {
      const page = await pageFor(app, request, reply);
      const { networkId, paymentId } = request.params as Params & { paymentId: string };
      const m = treasurerOf(page, networkId);
      const state = posted(request.body);
      const reason = decision === 'reject' ? readText(state, 'reason', 'Say why it is rejected') : undefined;
      const api = `/networks/${networkId}/vouchers/learning-fund/payments/${paymentId}/${decision === 'approve' ? 'approval' : 'rejection'}`;
      return submit<{ position: number }>(
        page,
        state,
        () => page.api.send('POST', api, decision === 'approve' ? undefined : { reason }, { key: state.values._key! }),
        { reason: 'reason' },
        (s) => decisionPage(page, m, paymentId, decision, saidOnce(s)),
        (done) => `${fundPath(m)}?after=${done.position}&done=${decision === 'approve' ? 'approved' : 'rejected'}`,
      );
    });
  }

}
