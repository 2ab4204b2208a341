// Money out of a pool from the treasurer's pages: a payment to a provider, for the budget holder
// it benefits, checked on a page of its own before it is submitted for approval; a charge the bank
// took, which is the pool's own cost and needs no approval; and a provider's refund of a payment.
import type { FastifyInstance } from 'fastify';
import { html, type Html } from '../http/html.ts';
import { today } from '../dates.ts';
import { formatPence } from '../units.ts';
import { dateField, dateValues, errorSummary, form, formState, hasErrors, moneyField, posted, radioField, readChoice, readDate, readPounds, readText, selectField, textArea, textField, type FormState, type Values } from './forms.ts';
import { pageFor, submit, type Membership, type Page } from './page.ts';
import { ReadFailed } from './api.ts';
import { longDate } from './words.ts';
import { poolCrumbs, poolPath, saidOnce, type Ledger, type Params, type Payment } from './treasurer-common.ts';

interface Directory {
  items: Array<{ personId: string; name: string }>;
}

/** The payment's fields as typed, read and checked; the same reading for the form and the check page. */
/** Whom a payment is for: a budget holder, or the pool itself, attributed by the treasurer's rule. */
const forWhom = [
  { value: 'holder', label: 'A budget holder', hint: 'choose them below' },
  { value: 'no-holder', label: "The pool itself, as no holder's cost", hint: 'insurance or room hire, paid from the money no holder put in' },
  { value: 'equally', label: 'The pool itself, shared equally across the budget holders with money in it' },
  { value: 'by-share', label: 'The pool itself, shared across the budget holders by their shares of the balance' },
] as const;
const forWords = Object.fromEntries(forWhom.map((f) => [f.value, f.label])) as Record<string, string>;

function readPayment(state: FormState) {
  // Left unchosen, as it was before the pool's own expenses could be paid, it is for a holder.
  const rule = state.values.for ? readChoice(state, 'for', forWhom.map((f) => f.value), 'Choose whom it is for') : 'holder';
  return {
    payee: readText(state, 'payee', 'Enter who is paid', 200),
    purpose: readText(state, 'purpose', 'Say what the payment is for', 500),
    invoiceReference: readText(state, 'invoice', 'Enter the invoice number or reference', 140),
    pence: readPounds(state, 'amount', 'Enter how much to pay'),
    holderId: rule === 'holder' ? readText(state, 'holder', 'Choose the budget holder it benefits', 64) : undefined,
    rule,
    invoiceDate: readDate(state, 'date', 'Enter the date of the invoice'),
  };
}

const paymentFields = ['payee', 'purpose', 'invoice', 'amount', 'for', 'holder', 'date-day', 'date-month', 'date-year'];
/** What the check page carries back, unchanged, to the form or on to the API. */
const carried = (values: Values): Html => html`${paymentFields.map((f) => html`<input type="hidden" name="${f}" value="${values[f] ?? ''}">`)}`;

export function moneyOutRoutes(app: FastifyInstance, keeperOf: (page: Page, networkId: string) => Membership) {
  const base = '/networks/:networkId/pools/:poolId';
  const directoryOf = (page: Page, m: Membership) => page.api.readAll<Directory['items'][number]>(`/networks/${m.networkId}/directory`);

  // A payment: the form, the check page, then the payment's own page says it was submitted.

  async function paymentForm(page: Page, m: Membership, poolId: string, state: FormState) {
    const [{ pool, crumbs }, directory] = await Promise.all([poolCrumbs(page, m, poolId), directoryOf(page, m)]);
    return page.show({
      title: 'Submit a payment',
      crumbs,
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}
        <p>A payment from the ${pool.name} pool to a provider, for a budget holder. Someone else approves it before the money moves${pool.twoApproversAbovePence > 0 ? html`, and over ${formatPence(pool.twoApproversAbovePence)} two people do` : html``}.</p>
        ${form(
          `${poolPath(m.networkId, poolId)}/payments/new`,
          state,
          page.csrfToken,
          html`${textField(state, { name: 'payee', label: 'Who is paid?', hint: 'The provider, as on their invoice. For example, Kirkstall Kitchen CIC' })}
            ${moneyField(state, { name: 'amount', label: 'How much?' })}
            ${radioField({ ...state, values: { ...state.values, for: state.values.for || 'holder' } }, { name: 'for', label: 'Whom is it for?', hint: "The pool's own costs are approved like any payment; the statement shows how each was attributed.", options: forWhom.map((f) => ({ ...f })) })}
            ${selectField(state, { name: 'holder', label: 'Which budget holder does it benefit?', hint: 'The whole payment is spent on their behalf, so they can show the council how their Direct Payment was used.', options: directory.items.map((p) => ({ value: p.personId, label: p.name })), prompt: 'Choose a budget holder' })}
            ${textArea(state, { name: 'purpose', label: 'What is it for?', hint: 'For example, Lunches at the Tuesday club in March' })}
            ${textField(state, { name: 'invoice', label: 'Invoice number or reference', hint: 'As the bank statement will show it, so that the line can be matched' })}
            ${dateField(state, { name: 'date', label: 'Date of the invoice', hint: 'Today or earlier, for example 27 3 2026' })}`,
          'Continue',
        )}`,
    });
  }

  app.get(`${base}/payments/new`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId } = request.params as Params;
    return paymentForm(page, keeperOf(page, networkId), poolId, formState(dateValues('date', today())));
  });

  app.post(`${base}/payments/new`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId } = request.params as Params;
    const m = keeperOf(page, networkId);
    const state = posted(request.body);
    // "Change" on the check page brings the answers back here unchecked.
    if (state.values.change) return paymentForm(page, m, poolId, formState(state.values));
    const payment = readPayment(state);
    if (hasErrors(state)) return paymentForm(page, m, poolId, state);
    const [{ crumbs }, directory] = await Promise.all([poolCrumbs(page, m, poolId), directoryOf(page, m)]);
    const holder = payment.rule === 'holder' ? (directory.items.find((p) => p.personId === payment.holderId)?.name ?? 'a former member') : forWords[payment.rule ?? 'holder'];
    const action = `${poolPath(networkId, poolId)}/payments/new`;
    return page.show({
      title: 'Check the payment before you submit it',
      crumbs,
      body: html`<dl class="summary">
          <dt>Paid to</dt><dd>${payment.payee}</dd>
          <dt>Amount</dt><dd>${formatPence(payment.pence!)}</dd>
          <dt>${payment.rule === 'holder' ? 'For the budget of' : 'For'}</dt><dd>${holder}</dd>
          <dt>What it is for</dt><dd>${payment.purpose}</dd>
          <dt>Invoice</dt><dd>${payment.invoiceReference}</dd>
          <dt>Date of the invoice</dt><dd>${longDate(payment.invoiceDate!)}</dd>
        </dl>
        <form method="post" action="${action}" novalidate><input type="hidden" name="_csrf" value="${page.csrfToken}"><input type="hidden" name="change" value="1">${carried(state.values)}<button type="submit" class="secondary">Change the payment</button></form>
        <h2>Now submit it</h2>
        <p>Submitting it asks for approval. You cannot approve a payment you submitted.</p>
        ${form(`${action}/confirm`, formState({ _key: state.values._key }), page.csrfToken, carried(state.values), 'Submit the payment')}`,
    });
  });

  app.post(`${base}/payments/new/confirm`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId } = request.params as Params;
    const m = keeperOf(page, networkId);
    const state = posted(request.body);
    const { holderId, rule, ...payment } = readPayment(state);
    // A pool's own expense names no holder: its rule shares it when it is paid.
    const attributed = rule === 'holder' ? { beneficiaries: [{ holderId, pence: payment.pence }] } : { beneficiaries: [], expense: { sharedBy: rule } };
    return submit<{ paymentId: string; position: number }>(
      page,
      state,
      // Submitted today; the invoice keeps its own date, and the ledger takes the day the money leaves.
      () => page.api.send('POST', `/networks/${networkId}/pools/${poolId}/payments`, { ...payment, submittedOn: today(), ...attributed }, { key: state.values._key! }),
      { payee: 'payee', purpose: 'purpose', invoiceReference: 'invoice', pence: 'amount', beneficiaries: 'holder', expense: 'for', invoiceDate: 'date' },
      (s) => paymentForm(page, m, poolId, saidOnce(s)),
      (done) => `${poolPath(networkId, poolId)}/payments/${done.paymentId}?after=${done.position}&done=submitted`,
    );
  });

  // A bank charge: the bank has taken it already, so it is recorded, not approved.

  async function chargeForm(page: Page, m: Membership, poolId: string, state: FormState) {
    const { pool, crumbs } = await poolCrumbs(page, m, poolId);
    return page.show({
      title: 'Record a bank charge',
      crumbs,
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}
        <p>A fee or charge the bank took from the ${pool.name} pool's account. It is the pool's own cost, not any budget holder's: the books show it on a line of its own.
          It needs no approval, as the bank has taken it already.</p>
        ${form(
          `${poolPath(m.networkId, poolId)}/bank-charges/new`,
          state,
          page.csrfToken,
          html`${moneyField(state, { name: 'amount', label: 'How much did the bank take?' })}
            ${textField(state, { name: 'description', label: 'What the bank statement calls it', hint: 'For example, Account fee March' })}
            ${dateField(state, { name: 'date', label: 'When did the bank take it?' })}`,
          'Record the charge',
        )}`,
    });
  }

  app.get(`${base}/bank-charges/new`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId } = request.params as Params;
    return chargeForm(page, keeperOf(page, networkId), poolId, formState(dateValues('date', today())));
  });

  app.post(`${base}/bank-charges/new`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId } = request.params as Params;
    const m = keeperOf(page, networkId);
    const state = posted(request.body);
    const pence = readPounds(state, 'amount', 'Enter how much the bank took');
    const description = readText(state, 'description', 'Enter what the bank statement calls it', 200);
    const chargedOn = readDate(state, 'date', 'Enter the day the bank took it');
    return submit<{ chargeId: string; position: number }>(
      page,
      state,
      () => page.api.send('POST', `/networks/${networkId}/pools/${poolId}/bank-charges`, { pence, description, chargedOn }, { key: state.values._key! }),
      { pence: 'amount', description: 'description', chargedOn: 'date' },
      (s) => chargeForm(page, m, poolId, saidOnce(s)),
      (done) => `${poolPath(networkId, poolId)}/entries/${done.chargeId}?after=${done.position}`,
    );
  });

  // A refund from a provider, of a payment that was paid.

  async function refundForm(page: Page, m: Membership, poolId: string, paymentId: string, state: FormState) {
    // The payment itself, however far down the list it is.
    const [{ pool, crumbs }, found] = await Promise.all([
      poolCrumbs(page, m, poolId),
      page.api.read<Payment>(`/networks/${m.networkId}/pools/${poolId}/payments/${paymentId}`).catch((err: unknown) => {
        if (err instanceof ReadFailed && (err.problem.status === 404 || err.problem.status === 400)) return undefined;
        throw err;
      }),
    ]);
    const p = found && found.kind === 'payment' && found.status === 'paid' ? found : undefined;
    if (!p) return page.show({ title: 'Payment not found', crumbs, body: html`<p>This pool has no such paid payment to refund. <a href="${poolPath(m.networkId, poolId)}">Go back to ${pool.name}</a>.</p>` }, 404);
    return page.show({
      title: `Record a refund from ${p.payee}`,
      crumbs: [...crumbs, { href: `${poolPath(m.networkId, poolId)}/payments/${paymentId}`, label: `Payment to ${p.payee}` }],
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}
        <p>Money ${p.payee} gave back of the ${p.amount.pounds} paid for ${p.purpose}. It goes back to the budget holders the payment was for, in proportion.</p>
        ${form(
          `${poolPath(m.networkId, poolId)}/payments/${paymentId}/refund`,
          state,
          page.csrfToken,
          html`${moneyField(state, { name: 'amount', label: 'How much came back?' })}
            ${textField(state, { name: 'reference', label: 'Reference', hint: 'As the bank statement shows it. For example, credit note 7' })}
            ${dateField(state, { name: 'date', label: 'When did it arrive?' })}`,
          'Record the refund',
        )}`,
    });
  }

  app.get(`${base}/payments/:paymentId/refund`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId, paymentId } = request.params as Params;
    return refundForm(page, keeperOf(page, networkId), poolId, paymentId!, formState(dateValues('date', today())));
  });

  app.post(`${base}/payments/:paymentId/refund`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId, paymentId } = request.params as Params;
    const m = keeperOf(page, networkId);
    const state = posted(request.body);
    const pence = readPounds(state, 'amount', 'Enter how much came back');
    const reference = readText(state, 'reference', 'Enter the reference on the bank statement', 140);
    const receivedOn = readDate(state, 'date', 'Enter the day it arrived');
    return submit<{ refundId: string; position: number }>(
      page,
      state,
      () => page.api.send('POST', `/networks/${networkId}/pools/${poolId}/refunds`, { paymentId, pence, reference, receivedOn }, { key: state.values._key! }),
      { pence: 'amount', reference: 'reference', receivedOn: 'date' },
      (s) => refundForm(page, m, poolId, paymentId!, saidOnce(s)),
      (done) => `${poolPath(networkId, poolId)}/entries/${done.refundId}?after=${done.position}`,
    );
  });

  // What was recorded, with the balance after it: a bank charge's or a refund's confirmation.

  app.get(`${base}/entries/:entryId`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId, entryId } = request.params as Params & { entryId: string };
    const m = keeperOf(page, networkId);
    const after = (request.query as { after?: string }).after;
    const [{ pool, crumbs }, ledger] = await Promise.all([poolCrumbs(page, m, poolId, after), page.api.read<Ledger>(`/networks/${networkId}/pools/${poolId}/ledger`, { from: '2000-01-01', after })]);
    const line = ledger.lines.find((l) => l.entryId === entryId);
    if (!line || !['bank-charge', 'refund'].includes(line.kind)) return page.show({ title: 'Not found', crumbs, body: html`<p>This pool has no such entry. <a href="${poolPath(networkId, poolId)}">Go back to the pool</a>.</p>` }, 404);
    const charge = line.kind === 'bank-charge';
    return page.show({
      title: charge ? 'Bank charge recorded' : 'Refund recorded',
      crumbs,
      body: html`<div class="panel" role="status"><h2>${formatPence(Math.abs(line.pence))} ${charge ? 'taken by the bank' : 'given back'}${line.reference ? html`: ${line.reference}` : html``}</h2>
          <p>Recorded on ${longDate(line.date)}. The pool now holds ${pool.balance.pounds}.</p></div>
        <ul class="actions">${charge ? html`<li><a class="button secondary" href="${poolPath(networkId, poolId)}/bank-charges/new">Record another bank charge</a></li>` : html``}<li><a href="${poolPath(networkId, poolId)}/reconciliation">Match it to the bank statement</a></li><li><a href="${poolPath(networkId, poolId)}">Back to ${pool.name}</a></li></ul>`,
    });
  });
}
