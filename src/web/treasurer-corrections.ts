// The last of the treasurer's actions on a pool to have a page: an entry's amount put right (a new
// entry pointing at the one it corrects, never an edit of it), money moved to another pool of the
// network (approved like a payment), and a bank line's match undone when it was made by mistake.
// Each is checked on a page of its own before it is sent; the API keeps every rule.
import type { FastifyInstance } from 'fastify';
import { html } from '../http/html.ts';
import { today } from '../dates.ts';
import { formatPence } from '../units.ts';
import { dateField, dateValues, errorSummary, form, formState, hasErrors, moneyField, posted, radioField, readChoice, readDate, readPounds, readText, selectField, textArea, type FormState } from './forms.ts';
import { pageFor, submit, type Membership, type Page } from './page.ts';
import { checkAnswers, stepOf } from './answers.ts';
import { longDate } from './words.ts';
import { inOrOut, isTreasurer, kindName, poolCrumbs, poolPath, saidOnce, type Ledger, type LedgerLine, type Params } from './treasurer-common.ts';
import type { Reconciliation } from './treasurer-bank.ts';
import { Forbidden } from '../access/guard.ts';

/** A transfer is put right by another transfer, so its rows offer no correction. */
export const correctable = (l: LedgerLine) => !['transfer-in', 'transfer-out'].includes(l.kind);
export const correctLink = (networkId: string, poolId: string, l: LedgerLine) =>
  html`<a href="${poolPath(networkId, poolId)}/entries/${l.entryId}/correct">Correct<span class="visually-hidden">: ${kindName(l)}, ${longDate(l.date)}, ${inOrOut(l.pence)}</span></a>`;
export const unmatchLink = (networkId: string, poolId: string, l: { lineId: string; description: string; date: string; pence: number }) =>
  html`<a class="button secondary" href="${poolPath(networkId, poolId)}/reconciliation/matches/${l.lineId}/undo">Undo the match<span class="visually-hidden">: ${l.description}, ${longDate(l.date)}, ${inOrOut(l.pence)}</span></a>`;

const directions = ['too-high', 'too-low'] as const;

function readCorrection(state: FormState) {
  const direction = readChoice(state, 'direction', directions, 'Say whether the entry was recorded too high or too low');
  const pence = readPounds(state, 'amount', 'Enter by how much it was wrong');
  return {
    direction,
    // The API takes the change to the entry's amount: negative when it was recorded too high.
    pence: pence === undefined || direction === undefined ? undefined : direction === 'too-high' ? -pence : pence,
    reason: readText(state, 'reason', 'Say why it is corrected', 500),
    correctedOn: readDate(state, 'date', 'Enter the date of the correction'),
  };
}

function readTransfer(state: FormState) {
  return {
    toPoolId: readText(state, 'to', 'Choose the pool the money goes to', 64),
    pence: readPounds(state, 'amount', 'Enter how much to move'),
    reason: readText(state, 'reason', 'Say why the money moves', 500),
    submittedOn: readDate(state, 'date', 'Enter the date of the transfer'),
  };
}

export function correctionRoutes(app: FastifyInstance, keeperOf: (page: Page, networkId: string) => Membership) {
  const base = '/networks/:networkId/pools/:poolId';
  /** The pages offer these only to the treasurer; the API would refuse anyone else as well. */
  const treasurerOf = (page: Page, networkId: string) => {
    const m = keeperOf(page, networkId);
    if (!isTreasurer(m)) throw new Forbidden('Only the treasurer corrects entries and undoes matches.');
    return m;
  };
  const submitterOf = (page: Page, networkId: string) => {
    const m = keeperOf(page, networkId);
    if (!m.roles.some((r) => r === 'treasurer' || r === 'coordinator')) throw new Forbidden('Only the treasurer and coordinators submit transfers.');
    return m;
  };
  const ledgerOf = (page: Page, m: Membership, poolId: string, after?: string) => page.api.read<Ledger>(`/networks/${m.networkId}/pools/${poolId}/ledger`, { from: '2000-01-01', after });

  // Correcting an entry: the form, the check page, then the correction's own page.

  async function correctionForm(page: Page, m: Membership, poolId: string, entryId: string, state: FormState) {
    const [{ pool, crumbs }, ledger] = await Promise.all([poolCrumbs(page, m, poolId), ledgerOf(page, m, poolId)]);
    const entry = ledger.lines.find((l) => l.entryId === entryId);
    if (!entry || !correctable(entry)) return page.show({ title: 'Entry not found', crumbs, body: html`<p>This pool has no such entry to correct. <a href="${poolPath(m.networkId, poolId)}">Go back to ${pool.name}</a>.</p>` }, 404);
    return page.show({
      title: 'Correct an entry',
      crumbs,
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}
        <dl class="summary"><dt>Entry</dt><dd>${kindName(entry)}${entry.purpose ? html`: ${entry.purpose}` : html``}</dd><dt>Date</dt><dd>${longDate(entry.date)}</dd><dt>Money in or out</dt><dd>${inOrOut(entry.pence)}</dd>${entry.reference ? html`<dt>Reference</dt><dd>${entry.reference}</dd>` : html``}</dl>
        <p>The entry stays as it was recorded: the correction is a new entry that points at it, so the books show both. A payment can only be corrected down; to pay more, submit a payment for the difference.</p>
        ${form(
          `${poolPath(m.networkId, poolId)}/entries/${entryId}/correct`,
          state,
          page.csrfToken,
          html`${radioField(state, { name: 'direction', label: 'What was wrong with the amount?', options: [{ value: 'too-high', label: 'It was recorded too high' }, { value: 'too-low', label: 'It was recorded too low' }] })}
            ${moneyField(state, { name: 'amount', label: 'By how much?' })}
            ${textArea(state, { name: 'reason', label: 'Why is it corrected?', hint: 'For example, The council paid £12.50 less than the remittance said' })}
            ${dateField(state, { name: 'date', label: 'Date of the correction', hint: 'In the open period, for example 27 3 2026' })}`,
          'Continue',
        )}`,
    });
  }

  app.get(`${base}/entries/:entryId/correct`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId, entryId } = request.params as Params & { entryId: string };
    return correctionForm(page, treasurerOf(page, networkId), poolId, entryId, formState(dateValues('date', today())));
  });

  app.post(`${base}/entries/:entryId/correct`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId, entryId } = request.params as Params & { entryId: string };
    const m = treasurerOf(page, networkId);
    const state = posted(request.body);
    const step = stepOf(state);
    if (step === 'change') return correctionForm(page, m, poolId, entryId, formState(state.values));
    const { direction, ...correction } = readCorrection(state);
    if (hasErrors(state)) return correctionForm(page, m, poolId, entryId, state);
    const action = `${poolPath(networkId, poolId)}/entries/${entryId}/correct`;
    if (step === 'confirm') {
      return submit<{ correctionId: string; position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${networkId}/pools/${poolId}/corrections`, { corrects: entryId, ...correction }, { key: state.values._key! }),
        { pence: 'amount', reason: 'reason', correctedOn: 'date', corrects: 'amount' },
        (s) => correctionForm(page, m, poolId, entryId, saidOnce(s)),
        (done) => `${poolPath(networkId, poolId)}/corrections/${done.correctionId}?after=${done.position}`,
      );
    }
    const { crumbs } = await poolCrumbs(page, m, poolId);
    return page.show({
      title: 'Check the correction before you record it',
      crumbs,
      body: checkAnswers(
        action,
        state,
        page.csrfToken,
        [
          { question: 'The entry was', answer: direction === 'too-high' ? 'recorded too high' : 'recorded too low' },
          { question: 'By', answer: formatPence(Math.abs(correction.pence!)) },
          { question: 'Why', answer: correction.reason! },
          { question: 'Date of the correction', answer: longDate(correction.correctedOn!) },
        ],
        'Record the correction',
      ),
    });
  });

  app.get(`${base}/corrections/:correctionId`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId, correctionId } = request.params as Params & { correctionId: string };
    const m = keeperOf(page, networkId);
    const after = (request.query as { after?: string }).after;
    const [{ pool, crumbs }, ledger] = await Promise.all([poolCrumbs(page, m, poolId, after), ledgerOf(page, m, poolId, after)]);
    const line = ledger.lines.find((l) => l.entryId === correctionId && l.corrects);
    if (!line) return page.show({ title: 'Not found', crumbs, body: html`<p>This pool has no such correction. <a href="${poolPath(networkId, poolId)}">Go back to the pool</a>.</p>` }, 404);
    return page.show({
      title: 'Correction recorded',
      crumbs,
      body: html`<div class="panel" role="status"><h2>${kindName(line)}: ${inOrOut(line.pence)}</h2>
          <p>Recorded on ${longDate(line.date)}, pointing at the entry it corrects. The pool now holds ${pool.balance.pounds}.</p></div>
        <p><a href="${poolPath(networkId, poolId)}">Back to ${pool.name}</a></p>`,
    });
  });

  // A transfer to another pool: the form, the check page, then the transfer's own page.

  const poolsOf = (page: Page, m: Membership) => page.api.readAll<{ poolId: string; name: string }>(`/networks/${m.networkId}/pools`);

  async function transferForm(page: Page, m: Membership, poolId: string, state: FormState) {
    const [{ pool, crumbs }, pools] = await Promise.all([poolCrumbs(page, m, poolId), poolsOf(page, m)]);
    const others = pools.items.filter((p) => p.poolId !== poolId);
    return page.show({
      title: 'Move money to another pool',
      crumbs,
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}
        ${others.length === 0
          ? html`<p>This network has no other pool to move money to. A coordinator opens one.</p>`
          : html`<p>Money from the ${pool.name} pool, which holds ${pool.balance.pounds}, to another pool of this network. It is approved like a payment before it moves.</p>
            ${form(
              `${poolPath(m.networkId, poolId)}/transfers/new`,
              state,
              page.csrfToken,
              html`${selectField(state, { name: 'to', label: 'Which pool does it go to?', options: others.map((p) => ({ value: p.poolId, label: p.name })), prompt: 'Choose a pool' })}
                ${moneyField(state, { name: 'amount', label: 'How much?' })}
                ${textArea(state, { name: 'reason', label: 'Why does the money move?', hint: 'For example, The board agreed to share the surplus with the garden pool' })}
                ${dateField(state, { name: 'date', label: 'Date of the transfer', hint: 'Today or earlier, for example 27 3 2026' })}`,
              'Continue',
            )}`}`,
    });
  }

  app.get(`${base}/transfers/new`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId } = request.params as Params;
    return transferForm(page, submitterOf(page, networkId), poolId, formState(dateValues('date', today())));
  });

  app.post(`${base}/transfers/new`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId } = request.params as Params;
    const m = submitterOf(page, networkId);
    const state = posted(request.body);
    const step = stepOf(state);
    if (step === 'change') return transferForm(page, m, poolId, formState(state.values));
    const transfer = readTransfer(state);
    if (hasErrors(state)) return transferForm(page, m, poolId, state);
    if (step === 'confirm') {
      return submit<{ paymentId: string; position: number }>(
        page,
        state,
        () => page.api.send('POST', `/networks/${networkId}/pools/${poolId}/transfers`, transfer, { key: state.values._key! }),
        { toPoolId: 'to', pence: 'amount', reason: 'reason', submittedOn: 'date' },
        (s) => transferForm(page, m, poolId, saidOnce(s)),
        (done) => `${poolPath(networkId, poolId)}/payments/${done.paymentId}?after=${done.position}&done=transfer-submitted`,
      );
    }
    const [{ crumbs }, pools] = await Promise.all([poolCrumbs(page, m, poolId), poolsOf(page, m)]);
    return page.show({
      title: 'Check the transfer before you submit it',
      crumbs,
      body: html`${checkAnswers(
        `${poolPath(networkId, poolId)}/transfers/new`,
        state,
        page.csrfToken,
        [
          { question: 'To the pool', answer: pools.items.find((p) => p.poolId === transfer.toPoolId)?.name ?? 'a pool that is no longer open' },
          { question: 'Amount', answer: formatPence(transfer.pence!) },
          { question: 'Why', answer: transfer.reason! },
          { question: 'Date of the transfer', answer: longDate(transfer.submittedOn!) },
        ],
        'Submit the transfer',
      )}
        <p>Submitting it asks for approval. You cannot approve a transfer you submitted.</p>`,
    });
  });

  // Undoing a match made by mistake: the line, why, and a button; the line waits to be matched again.

  async function unmatchForm(page: Page, m: Membership, poolId: string, lineId: string, state: FormState) {
    const [{ pool, crumbs }, rec] = await Promise.all([poolCrumbs(page, m, poolId), page.api.read<Reconciliation>(`/networks/${m.networkId}/pools/${poolId}/reconciliation`)]);
    const trail = [...crumbs, { href: `${poolPath(m.networkId, poolId)}/reconciliation`, label: 'Bank reconciliation' }];
    const line = rec.matched.find((l) => l.lineId === lineId);
    if (!line) return page.show({ title: 'Nothing to undo', crumbs: trail, body: html`<p>That bank line is not matched, or is not on a statement of ${pool.name}. <a href="${poolPath(m.networkId, poolId)}/reconciliation">Go back to the reconciliation</a>.</p>` }, 404);
    return page.show({
      title: 'Undo a match',
      crumbs: trail,
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}
        <dl class="summary"><dt>Date</dt><dd>${longDate(line.date)}</dd><dt>Bank's description</dt><dd>${line.description}</dd><dt>Money in or out</dt><dd>${inOrOut(line.pence)}</dd></dl>
        <p>The line goes back to those waiting to be matched, and the entries it was matched to too. The match and its undoing both stay on the record.</p>
        ${form(
          `${poolPath(m.networkId, poolId)}/reconciliation/matches/${lineId}/undo`,
          state,
          page.csrfToken,
          textArea(state, { name: 'reason', label: 'Why was the match a mistake?', hint: 'For example, Matched to the wrong council payment' }),
          'Undo the match',
          { buttonClass: 'warning' },
        )}`,
    });
  }

  app.get(`${base}/reconciliation/matches/:lineId/undo`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId, lineId } = request.params as Params & { lineId: string };
    return unmatchForm(page, treasurerOf(page, networkId), poolId, lineId, formState());
  });

  app.post(`${base}/reconciliation/matches/:lineId/undo`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId, lineId } = request.params as Params & { lineId: string };
    const m = treasurerOf(page, networkId);
    const state = posted(request.body);
    const reason = readText(state, 'reason', 'Say why the match was a mistake', 500);
    return submit<{ position: number }>(
      page,
      state,
      () => page.api.send('POST', `/networks/${networkId}/pools/${poolId}/reconciliation/matches/${lineId}/removal`, { reason }, { key: state.values._key! }),
      { reason: 'reason' },
      (s) => unmatchForm(page, m, poolId, lineId, saidOnce(s)),
      (done) => `${poolPath(networkId, poolId)}/reconciliation?after=${done.position}&unmatched=1`,
    );
  });
}
