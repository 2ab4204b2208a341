// The treasurer's work on a pool's books: recording money in, closing a period (which records a
// digest of the whole log), seeing the closed periods and whether their digests still hold, and
// the bank reconciliation with "match again".
import type { FastifyInstance } from 'fastify';
import { html } from '../http/html.ts';
import { addDays, today } from '../dates.ts';
import { formatPence } from '../units.ts';
import {
  dateField, dateValues, errorSummary, form, formState, hasErrors, moneyField, posted, radioField, readChoice, readDate, readPounds, readText, selectField, textField,
  type FormState,
} from './forms.ts';
import { pageFor, submit, type Membership, type Page } from './page.ts';
import { longDate, plural } from './words.ts';
import type { BankAgainstBooks } from '../pools/reconciliation.ts';
import { matchLink } from './treasurer-bank.ts';
import { unmatchLink } from './treasurer-corrections.ts';
import { fingerprintsPath, fingerprintWords } from './treasurer-statement.ts';
import { apiPath, counterparty, digestWords, inOrOut, kindName, poolCrumbs, poolPath, saidOnce, type Ledger, type Params, type Period } from './treasurer-common.ts';

interface Audit {
  periods: Array<Period & { digestHolds: boolean | null }>;
  chains: { events: number; streams: number; broken: number; gaps: number; missingPositions: number; verify: boolean } | null;
}

interface LogDigests {
  publicKey: string;
  digests: Array<{ position: number; events: number; head: string; recordedAt: string }>;
}

interface Reconciliation {
  matched: Array<{ lineId: string; date: string; description: string; amount: string; pence: number; how: string }>;
  unmatchedLines: Array<{ lineId: string; date: string; description: string; amount: string; pence: number }>;
  unmatchedEntries: Array<{ entryId: string; date: string; kind: string; counterparty: string; reference: string; pence: number }>;
  bankBalancePence: number | null;
  ledgerBalancePence: number;
  againstBooks: BankAgainstBooks | null;
}

const sources = [
  { value: 'contribution', label: "A budget holder's contribution", hint: 'from their Direct Payment' },
  { value: 'council', label: 'Money from the council' },
  { value: 'grant', label: 'A grant' },
] as const;
const sourceWords: Record<string, string> = { contribution: 'contribution', council: 'from the council', grant: 'grant' };
const howWords: Record<string, string> = { 'amount-date-reference': 'by amount, date and reference', 'amount-date': 'by amount and date', manual: 'by hand' };

/**
 * The bank's closing balance beside the books' on the same day, and what makes the difference:
 * a treasurer's reconciliation statement, as an auditor reads one.
 */
function againstBooksList(rec: Reconciliation) {
  const a = rec.againstBooks;
  if (!a) {
    return html`<dl class="summary"><dt>The books say</dt><dd>${formatPence(rec.ledgerBalancePence)}</dd><dt>The bank says</dt><dd>no balance given on the statement</dd></dl>`;
  }
  return html`<dl class="summary">
      <dt>The bank says, at the close of ${longDate(a.on)}</dt><dd>${formatPence(a.bankPence)}</dd>
      <dt>The books say, at the close of ${longDate(a.on)}</dt><dd>${formatPence(a.booksPence)}</dd>
      <dt>Difference</dt><dd>${formatPence(a.differencePence)}</dd>
    </dl>
    ${a.differencePence === 0 && a.unmatchedLinesPence === 0 && a.unmatchedEntriesPence === 0
      ? html`<p>The bank and the books agree.</p>`
      : html`<table><caption>What makes the difference</caption><tbody>
        ${a.broughtForwardPence === 0 ? html`` : html`<tr><th scope="row">In the account before the first statement line imported</th><td class="num">${formatPence(a.broughtForwardPence)}</td></tr>`}
        <tr><th scope="row">In the bank, not yet in the books</th><td class="num">${formatPence(a.unmatchedLinesPence)}</td></tr>
        <tr><th scope="row">Less: in the books, not yet in the bank</th><td class="num">${formatPence(-a.unmatchedEntriesPence)}</td></tr>
        ${a.unexplainedPence === 0 ? html`` : html`<tr><th scope="row">Not explained by unmatched lines (an entry and its bank line dated either side of ${longDate(a.on)})</th><td class="num">${formatPence(a.unexplainedPence)}</td></tr>`}
        <tr><th scope="row">Difference</th><td class="num">${formatPence(a.differencePence)}</td></tr>
        </tbody></table>`}
    <p>The books today: ${formatPence(rec.ledgerBalancePence)}.</p>`;
}

/** The last day of the month before the one `day` is in: the usual end of a period. */
const endOfLastMonth = (day: string) => addDays(`${day.slice(0, 7)}-01`, -1);

export function bookRoutes(app: FastifyInstance, keeperOf: (page: Page, networkId: string) => Membership) {
  const base = '/networks/:networkId/pools/:poolId';

  // Money in.

  async function receiptForm(page: Page, m: Membership, poolId: string, state: FormState) {
    const [{ pool, crumbs }, directory] = await Promise.all([
      poolCrumbs(page, m, poolId),
      page.api.readAll<{ personId: string; name: string }>(`/networks/${m.networkId}/directory`),
    ]);
    return page.show({
      title: 'Record money in',
      crumbs,
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}
        <p>Money that has come into the ${pool.name} pool's bank account.</p>
        ${form(
          `${poolPath(m.networkId, poolId)}/receipts/new`,
          state,
          page.csrfToken,
          html`${radioField(state, { name: 'source', label: 'Where did it come from?', options: sources.map((s) => ({ ...s })) })}
            ${selectField(state, { name: 'holder', label: 'Whose contribution is it? (only for a contribution)', options: directory.items.map((p) => ({ value: p.personId, label: p.name })), prompt: 'Not a contribution' })}
            ${moneyField(state, { name: 'amount', label: 'How much came in?' })}
            ${textField(state, { name: 'reference', label: 'Reference (optional)', hint: 'As the bank statement shows it, so that the line can be matched. For example, DP April' })}
            ${dateField(state, { name: 'date', label: 'When did it arrive?' })}`,
          'Record it',
        )}`,
    });
  }

  app.get(`${base}/receipts/new`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId } = request.params as Params;
    return receiptForm(page, keeperOf(page, networkId), poolId, formState(dateValues('date', today())));
  });

  app.post(`${base}/receipts/new`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId } = request.params as Params;
    const m = keeperOf(page, networkId);
    const state = posted(request.body);
    const source = readChoice(state, 'source', sources.map((s) => s.value), 'Say where the money came from');
    const pence = readPounds(state, 'amount', 'Enter how much came in');
    const receivedOn = readDate(state, 'date', 'Enter the day it arrived');
    const holderId = source === 'contribution' ? readText(state, 'holder', 'Choose whose contribution it is', 64) : null;
    if (source && source !== 'contribution' && state.values.holder) state.errors.holder = 'Only a contribution belongs to a budget holder: choose "Not a contribution", or say it is a contribution';
    return submit<{ receiptId: string; position: number }>(
      page,
      state,
      () => page.api.send('POST', `/networks/${networkId}/pools/${poolId}/receipts`, { source, holderId, pence, reference: state.values.reference ?? '', receivedOn }, { key: state.values._key! }),
      { source: 'source', holderId: 'holder', pence: 'amount', reference: 'reference', receivedOn: 'date' },
      (s) => receiptForm(page, m, poolId, saidOnce(s)),
      (body) => `${poolPath(networkId, poolId)}/receipts/${body.receiptId}?after=${body.position}`,
    );
  });

  app.get(`${base}/receipts/:receiptId`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId, receiptId } = request.params as Params;
    const m = keeperOf(page, networkId);
    const after = (request.query as { after?: string }).after;
    const [{ pool, crumbs }, ledger] = await Promise.all([poolCrumbs(page, m, poolId, after), page.api.read<Ledger>(`/networks/${networkId}/pools/${poolId}/ledger`, { after })]);
    const line = ledger.lines.find((l) => l.entryId === receiptId);
    if (!line) return page.show({ title: 'Money in not found', crumbs, body: html`<p>This pool has no such record of money in. <a href="${poolPath(networkId, poolId)}">Go back to the pool</a>.</p>` }, 404);
    return page.show({
      title: 'Money in recorded',
      crumbs,
      body: html`<div class="panel" role="status"><h2>${formatPence(line.pence)} ${sourceWords[line.kind] ?? kindName(line)}${counterparty(line) ? html` (${counterparty(line)})` : html``}</h2>
          <p>Recorded as arriving on ${longDate(line.date)}${line.reference ? html`, reference ${line.reference}` : html``}. The pool now holds ${pool.balance.pounds}.</p></div>
        <ul class="actions"><li><a class="button secondary" href="${poolPath(networkId, poolId)}/receipts/new">Record more money in</a></li><li><a href="${poolPath(networkId, poolId)}">Back to ${pool.name}</a></li></ul>`,
    });
  });

  // Closing a period.

  async function closeForm(page: Page, m: Membership, poolId: string, state: FormState) {
    const { pool, crumbs } = await poolCrumbs(page, m, poolId);
    return page.show({
      title: 'Close a period',
      crumbs,
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}
        <p>Closing the books fixes them up to a day: afterwards nothing can be dated on or before it, and a mistake is put right by a correction in the open period.
          Hearth records a fingerprint of the books as they are, so that anyone can check later that nothing was changed (<a href="${fingerprintsPath(m.networkId, poolId)}">what a fingerprint of the books is</a>).</p>
        <p>${pool.closedThrough ? `The books of ${pool.name} are closed to ${longDate(pool.closedThrough)}.` : `No period of ${pool.name} has been closed yet.`}</p>
        ${form(
          `${poolPath(m.networkId, poolId)}/close`,
          state,
          page.csrfToken,
          html`${dateField(state, { name: 'periodEnd', label: 'Close the books up to and including', hint: 'A day that is over, for example the last day of last month: 28 2 2026' })}
            <h2>At the close (if any)</h2>
            ${moneyField(state, { name: 'reinvest', label: 'Surplus given back to the community (optional)', hint: 'In pounds, for example 50.00. Leave it empty to carry everything forward.' })}
            ${textField(state, { name: 'purpose', label: 'What the surplus is for (only with a surplus)', hint: 'For example, the summer outing for everyone' })}
            ${pool.holders.length > 0
              ? html`<fieldset class="field"><legend>Money the council takes back (optional)</legend><p class="hint">Only what a budget holder has not spent. Leave a box empty when nothing is taken back.</p>
                ${pool.holders.map((h) => moneyField(state, { name: `clawBack-${h.holderId}`, label: `From ${h.name}'s budget`, hint: 'In pounds' }))}</fieldset>`
              : html``}`,
          'Close the books',
        )}`,
    });
  }

  app.get(`${base}/close`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId } = request.params as Params;
    return closeForm(page, keeperOf(page, networkId), poolId, formState(dateValues('periodEnd', endOfLastMonth(today()))));
  });

  app.post(`${base}/close`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId } = request.params as Params;
    const m = keeperOf(page, networkId);
    const state = posted(request.body);
    const periodEnd = readDate(state, 'periodEnd', 'Enter the last day of the period');
    const reinvested = state.values.reinvest ? readPounds(state, 'reinvest', '') : undefined;
    const purpose = state.values.purpose ?? '';
    if (reinvested !== undefined && !purpose) state.errors.purpose = 'Say what the surplus is for';
    if (reinvested === undefined && purpose && !state.errors.reinvest) state.errors.reinvest = 'Enter the surplus, or leave what it is for empty';
    // Each holder's box is named by their id: only the boxes filled in are claw-backs.
    const clawBacks = Object.keys(state.values)
      .filter((k) => k.startsWith('clawBack-') && state.values[k])
      .map((k) => ({ holderId: k.slice('clawBack-'.length), pence: readPounds(state, k, '') ?? 0 }));
    return submit<{ periodEnd: string; position: number }>(
      page,
      state,
      () => page.api.send('POST', `/networks/${networkId}/pools/${poolId}/periods`, { periodEnd, reinvest: reinvested === undefined ? null : { pence: reinvested, purpose }, clawBacks }, { key: state.values._key! }),
      // A refusal names a claw-back by its place in the list; beside its box only when there is one.
      { periodEnd: 'periodEnd', reinvest: 'reinvest', ...(clawBacks.length === 1 ? { clawBacks: `clawBack-${clawBacks[0]!.holderId}` } : {}) },
      (s) => closeForm(page, m, poolId, saidOnce(s)),
      (body) => `${poolPath(networkId, poolId)}/periods/${body.periodEnd}?after=${body.position}&done=closed`,
    );
  });

  app.get(`${base}/periods/:periodEnd`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId, periodEnd } = request.params as Params;
    const m = keeperOf(page, networkId);
    const query = request.query as { after?: string; done?: string };
    const [{ pool, crumbs }, periods] = await Promise.all([poolCrumbs(page, m, poolId, query.after), page.api.read<{ items: Period[] }>(`/networks/${networkId}/pools/${poolId}/periods`, { after: query.after })]);
    const period = periods.items.find((p) => p.periodEnd === periodEnd);
    if (!period) return page.show({ title: 'Period not found', crumbs, body: html`<p>No period of this pool was closed on that day. <a href="${poolPath(networkId, poolId)}/audit">See the closed periods</a>.</p>` }, 404);
    const statement = (format: string) => apiPath(networkId, poolId, `/periods/${period.periodEnd}/statement?format=${format}`);
    const closed = query.done === 'closed';
    return page.show({
      title: closed ? 'Books closed' : `Period to ${longDate(period.periodEnd)}`,
      crumbs: [...crumbs, { href: `${poolPath(networkId, poolId)}/audit`, label: 'Closed periods' }],
      body: html`${closed ? html`<div class="panel" role="status"><h2>${pool.name} is closed to ${longDate(period.periodEnd)}</h2><p>${formatPence(period.balance.pence)} is carried forward. Hearth recorded ${fingerprintWords(period.closedOn)} with the close.</p></div>` : html``}
        <dl class="summary">
          <dt>Up to and including</dt><dd>${longDate(period.periodEnd)}</dd>
          <dt>Closed on</dt><dd>${longDate(period.closedOn)}</dd>
          <dt>Carried forward</dt><dd>${formatPence(period.balance.pence)}</dd>
          <dt>Fingerprint of the books on ${longDate(period.closedOn)}</dt><dd>${digestWords(period.digest)}<p class="hint">Keep it with the period's statement: if anything recorded before the close were changed later, the fingerprint would no longer match. <a href="${fingerprintsPath(networkId, poolId)}">What a fingerprint of the books is</a>.</p></dd>
        </dl>
        <h2>The period's statement</h2>
        <ul><li><a href="${poolPath(networkId, poolId)}/periods/${period.periodEnd}/statement">The period's statement, to read or print</a></li><li><a href="${statement('csv')}&amp;table=ledger" download>The period's ledger as a spreadsheet (CSV)</a></li><li><a href="${statement('csv')}&amp;table=holders" download>Each budget holder's figures as a spreadsheet (CSV)</a></li><li><a href="${statement('csv')}&amp;table=summary" download>The period and its close as a spreadsheet (CSV)</a></li></ul>
        <p><a href="${poolPath(networkId, poolId)}/audit">All closed periods and their fingerprints</a></p>`,
    });
  });

  // Audit: the closed periods' digests taken again on every visit (each reads the log's hashes up
  // to its position), and every hash chain recomputed only when asked, as that reads the whole log.

  app.get(`${base}/audit`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId } = request.params as Params;
    const m = keeperOf(page, networkId);
    const wantChains = (request.query as { chains?: string }).chains === 'true';
    const [{ pool, crumbs }, audit, signed] = await Promise.all([
      poolCrumbs(page, m, poolId),
      page.api.read<Audit>(`/networks/${networkId}/pools/${poolId}/audit`, { chains: wantChains ? 'true' : undefined }),
      page.api.read<LogDigests>(`/networks/${networkId}/audit/digests`),
    ]);
    const newest = signed.digests.at(-1);
    const here = `${poolPath(networkId, poolId)}/audit`;
    const holds = (h: boolean | null) => (h === null ? 'not kept on this kind of store' : h ? 'Yes' : html`<strong>No: records up to it have changed</strong>`);
    const chains = audit.chains;
    return page.show({
      title: 'Closed periods and their fingerprints',
      crumbs,
      body: html`<p>Each time a period of ${pool.name} is closed, Hearth records a fingerprint of the books as they were. Each one is worked out again now and compared. <a href="${fingerprintsPath(networkId, poolId)}">What a fingerprint of the books is</a>.</p>
        ${audit.periods.length === 0
          ? html`<p>No period has been closed yet.</p>`
          : html`<div class="table-scroll"><table><caption>The latest closed periods, newest first</caption>
            <thead><tr><th scope="col">Up to and including</th><th scope="col">Closed on</th><th scope="col" class="num">Carried forward</th><th scope="col">Fingerprint</th><th scope="col">Still matches?</th></tr></thead>
            <tbody>${audit.periods.map(
              (p) => html`<tr><th scope="row"><a href="${poolPath(networkId, poolId)}/periods/${p.periodEnd}">${longDate(p.periodEnd)}</a></th><td>${longDate(p.closedOn)}</td><td class="num">${formatPence(p.balance.pence)}</td><td><span class="visually-hidden">${fingerprintWords(p.closedOn)}: </span>${digestWords(p.digest)}</td><td>${holds(p.digestHolds)}</td></tr>`,
            )}</tbody></table></div>`}
        <h2>Check every record</h2>
        <p>Each record Hearth keeps carries a fingerprint of the one before it, so a record changed or taken out shows. Checking them all reads every record, so it is done only when you ask.</p>
        ${chains
          ? html`<div class="panel" role="status"><p>${chains.verify
              ? `Every record checks out: ${plural(chains.events, 'record')} checked, nothing changed or missing.`
              : `Something has changed: ${plural(chains.broken, 'record')} changed and ${plural(chains.gaps + chains.missingPositions, 'record')} missing. Tell whoever runs Hearth straight away, and keep this page.`}</p></div>`
          : html``}
        <form method="get" action="${here}" class="no-print"><input type="hidden" name="chains" value="true"><button type="submit" class="secondary">${chains ? 'Check every record again' : 'Check every record now'}</button></form>
        <h2>Signed fingerprints to keep elsewhere</h2>
        <p>Whoever can change Hearth's records could change them and make every fingerprint again. So Hearth also signs a fingerprint of the books every day and at every close, with a key kept outside its records. Download them now and then and keep the file somewhere else; publish the code that checks the signature (below), in the annual report say. Whoever runs Hearth can then check the records against your copy.</p>
        <p>${newest ? `${plural(signed.digests.length, 'signed fingerprint')} so far; the newest is ${fingerprintWords(newest.recordedAt.slice(0, 10))}.` : 'No fingerprint has been signed yet.'}</p>
        <p>The code that checks the signature: ${digestWords(signed.publicKey)}</p>
        <p><a href="/api/v1/networks/${networkId}/audit/digests?format=jsonl" download>Download the signed fingerprints (a small file)</a></p>`,
    });
  });

  // Bank reconciliation.

  async function reconciliationPage(page: Page, m: Membership, poolId: string, state: FormState) {
    const query = page.request.query as { after?: string; matched?: string; 'matched-by-hand'?: string; unmatched?: string };
    const [{ pool, crumbs }, rec] = await Promise.all([poolCrumbs(page, m, poolId, query.after), page.api.read<Reconciliation>(`/networks/${m.networkId}/pools/${poolId}/reconciliation`, { after: query.after })]);
    const done = query.matched !== undefined && /^\d+$/.test(query.matched) ? Number(query.matched) : undefined;
    const treasurer = m.roles.includes('treasurer');
    return page.show({
      title: done === undefined ? 'Bank reconciliation' : 'Matched again',
      crumbs,
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}
        ${query['matched-by-hand'] ? html`<div class="panel" role="status"><h2>The bank line is matched</h2><p>${rec.unmatchedLines.length === 0 ? 'Every bank line is matched.' : `${plural(rec.unmatchedLines.length, 'bank line is', 'bank lines are')} still to match.`}</p></div>` : html``}
        ${query.unmatched ? html`<div class="panel" role="status"><h2>The match is undone</h2><p>The bank line and its entries are waiting to be matched again. ${plural(rec.unmatchedLines.length, 'bank line is', 'bank lines are')} still to match.</p></div>` : html``}
        ${done === undefined ? html`` : html`<div class="panel" role="status"><h2>${done === 0 ? 'No more bank lines could be matched' : `${plural(done, 'more bank line')} matched`}</h2><p>${rec.unmatchedLines.length === 0 ? 'Every bank line is matched.' : `${plural(rec.unmatchedLines.length, 'bank line is', 'bank lines are')} still to match by hand.`}</p></div>`}
        ${againstBooksList(rec)}
        <h2>In the bank, not yet in the books</h2>
        ${rec.unmatchedLines.length === 0
          ? html`<p>Every line of the bank statements is matched.</p>`
          : html`<div class="table-scroll"><table><caption>Bank lines with no entry matched to them</caption>
            <thead><tr><th scope="col">Date</th><th scope="col">Bank's description</th><th scope="col" class="num">Money in or out</th>${treasurer ? html`<th scope="col">What to do</th>` : html``}</tr></thead>
            <tbody>${rec.unmatchedLines.map((l) => html`<tr><td>${longDate(l.date)}</td><td>${l.description}</td><td class="num">${inOrOut(l.pence)}</td>${treasurer ? html`<td>${matchLink(m, poolId, l)}</td>` : html``}</tr>`)}</tbody></table></div>`}
        <h2>In the books, not yet in the bank</h2>
        ${rec.unmatchedEntries.length === 0
          ? html`<p>Every entry in the books is matched to a bank line.</p>`
          : html`<div class="table-scroll"><table><caption>Entries with no bank line matched to them</caption>
            <thead><tr><th scope="col">Date</th><th scope="col">What</th><th scope="col">Reference</th><th scope="col" class="num">Money in or out</th></tr></thead>
            <tbody>${rec.unmatchedEntries.map((e) => html`<tr><td>${longDate(e.date)}</td><td>${kindName({ kind: e.kind, corrects: null })}${counterparty(e) ? html`: ${counterparty(e)}` : html``}</td><td>${e.reference}</td><td class="num">${inOrOut(e.pence)}</td></tr>`)}</tbody></table></div>`}
        ${treasurer
          ? html`<h2>Match again</h2>
            ${form(`${poolPath(m.networkId, poolId)}/reconciliation/match-again`, state, page.csrfToken, html`<p>After recording new entries, Hearth can match again what the amount, date and reference leave no doubt about. Anything in doubt is left for you.</p>`, 'Match again')}`
          : html``}
        <h2>Matched</h2>
        ${rec.matched.length === 0
          ? html`<p>No bank line is matched yet.</p>`
          : html`<div class="table-scroll"><table><caption>Bank lines matched to the books</caption>
            <thead><tr><th scope="col">Date</th><th scope="col">Bank's description</th><th scope="col" class="num">Money in or out</th><th scope="col">Matched</th>${treasurer ? html`<th scope="col">What to do</th>` : html``}</tr></thead>
            <tbody>${rec.matched.map((l) => html`<tr><td>${longDate(l.date)}</td><td>${l.description}</td><td class="num">${inOrOut(l.pence)}</td><td>${howWords[l.how] ?? l.how}</td>${treasurer ? html`<td>${unmatchLink(m.networkId, poolId, l)}</td>` : html``}</tr>`)}</tbody></table></div>`}
        ${treasurer ? html`<p><a class="button secondary" href="${poolPath(m.networkId, poolId)}/bank-statements/new">Add a bank statement</a></p>` : html`<p>The treasurer adds the bank's statements and matches what is left by hand.</p>`}
        <p><a href="${poolPath(m.networkId, poolId)}">Back to ${pool.name}</a></p>`,
    });
  }

  app.get(`${base}/reconciliation`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId } = request.params as Params;
    return reconciliationPage(page, keeperOf(page, networkId), poolId, formState());
  });

  app.post(`${base}/reconciliation/match-again`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId } = request.params as Params;
    const m = keeperOf(page, networkId);
    const state = posted(request.body);
    return submit<{ matched: number; position: number }>(
      page,
      state,
      () => page.api.send('POST', `/networks/${networkId}/pools/${poolId}/reconciliation/auto-match`, undefined, { key: state.values._key! }),
      {},
      (s) => reconciliationPage(page, m, poolId, saidOnce(s)),
      (body) => `${poolPath(networkId, poolId)}/reconciliation?after=${body.position}&matched=${body.matched}`,
    );
  });
}
