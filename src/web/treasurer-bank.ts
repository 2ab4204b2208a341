// The bank statement from the treasurer's own pages: the bank's CSV file uploaded through the
// same import the command line uses, what it matched and what it left, and a line matched by hand
// to the entries it shows. The API reads the file, matches and refuses; the pages only say so.
import type { FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import { html } from '../http/html.ts';
import { formatPence } from '../units.ts';
import { errorSummary, form, formState, hasErrors, posted, type FormState } from './forms.ts';
import { pageFor, submit, type Membership, type Page } from './page.ts';
import { longDate, plural } from './words.ts';
import { counterparty, inOrOut, kindName, poolCrumbs, poolPath, saidOnce, type Params } from './treasurer-common.ts';

/** A bank's statement for a month or a quarter is a few kilobytes; a year of a busy account well under this. */
export const STATEMENT_FILE_LIMIT = 1024 * 1024;

interface Line {
  lineId: string;
  statementId: string;
  date: string;
  description: string;
  pence: number;
}

export interface Reconciliation {
  matched: Array<Line & { entryIds: string[]; how: string }>;
  unmatchedLines: Line[];
  unmatchedEntries: Array<{ entryId: string; date: string; kind: string; counterparty: string; reference: string; pence: number }>;
  bankBalancePence: number | null;
  ledgerBalancePence: number;
}

interface Imported {
  statementId: string;
  layout: string;
  lines: number;
  imported: number;
  matched: number;
  position: number;
}

const howWords: Record<string, string> = { 'amount-date-reference': 'by amount, date and reference', 'amount-date': 'by amount and date', manual: 'by hand' };
const linesTable = (caption: string, lines: Line[], also?: (l: Line) => ReturnType<typeof html>) =>
  html`<table class="stacked"><caption>${caption}</caption>
    <thead><tr><th scope="col">Date</th><th scope="col">Bank's description</th><th scope="col" class="num">Money in or out</th>${also ? html`<th scope="col">What to do</th>` : html``}</tr></thead>
    <tbody>${lines.map((l) => html`<tr><td data-label="Date">${longDate(l.date)}</td><td data-label="Bank's description">${l.description}</td><td data-label="Money in or out" class="num">${inOrOut(l.pence)}</td>${also ? html`<td>${also(l)}</td>` : html``}</tr>`)}</tbody></table>`;

/** The link to match one bank line by hand, named for the line so that a list of them reads apart. */
export const matchLink = (m: Membership, poolId: string, l: Omit<Line, 'statementId'>) =>
  html`<a href="${poolPath(m.networkId, poolId)}/reconciliation/lines/${l.lineId}">Match by hand<span class="visually-hidden">: ${l.description}, ${longDate(l.date)}, ${inOrOut(l.pence)}</span></a>`;

/** The file as the form sent it: its text, or null when it was larger than the limit. */
type Upload = { statement?: string | null; _csrf?: string; _key?: string };

export async function bankRoutes(app: FastifyInstance, keeperOf: (page: Page, networkId: string) => Membership) {
  // Only these pages take files; the file is read whole into the body, with the form's token, so
  // that the token is checked before anything is done with it.
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    throwFileSizeLimit: false,
    limits: { fileSize: STATEMENT_FILE_LIMIT, files: 1, fields: 4, parts: 5 },
    async onFile(part) {
      const chunks: Buffer[] = [];
      for await (const chunk of part.file) chunks.push(chunk as Buffer);
      (part as unknown as { value: string | null }).value = part.file.truncated ? null : Buffer.concat(chunks).toString('utf8');
    },
  });

  const base = '/networks/:networkId/pools/:poolId';

  async function uploadForm(page: Page, m: Membership, poolId: string, state: FormState) {
    const { pool, crumbs } = await poolCrumbs(page, m, poolId);
    return page.show({
      title: 'Add a bank statement',
      crumbs: [...crumbs, { href: `${poolPath(m.networkId, poolId)}/reconciliation`, label: 'Bank reconciliation' }],
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}
        <p>Download the statement of the ${pool.name} pool's account from your bank's website as a CSV file (a spreadsheet file), then choose it here.
          Hearth matches each line to the books where the amount, date and reference leave no doubt, and shows you the rest to match by hand.</p>
        <p>Lines already added from an earlier statement are not added twice, so a statement that overlaps the last one is fine.</p>
        ${form(
          `${poolPath(m.networkId, poolId)}/bank-statements/new`,
          state,
          page.csrfToken,
          html`<div class="${state.errors.statement ? 'field invalid' : 'field'}"><label for="f-statement">The bank statement file</label>
            <p class="hint" id="f-statement-hint">A CSV file of up to ${STATEMENT_FILE_LIMIT / 1024 / 1024} MB, as your bank gives it.</p>
            ${state.errors.statement ? html`<p class="error" id="f-statement-error"><span class="visually-hidden">Error: </span>${state.errors.statement}</p>` : html``}
            <input id="f-statement" name="statement" type="file" accept=".csv,text/csv" aria-describedby="f-statement-hint${state.errors.statement ? ' f-statement-error' : ''}"${state.errors.statement ? html` aria-invalid="true"` : html``}></div>`,
          'Add the statement',
          { enctype: 'multipart/form-data' },
        )}`,
    });
  }

  app.get(`${base}/bank-statements/new`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId } = request.params as Params;
    return uploadForm(page, keeperOf(page, networkId), poolId, formState());
  });

  app.post(`${base}/bank-statements/new`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId } = request.params as Params;
    const m = keeperOf(page, networkId);
    const body = (request.body ?? {}) as Upload;
    const state = formState({ _key: typeof body._key === 'string' ? body._key : undefined });
    const csv = body.statement;
    if (csv === null) state.errors.statement = `The file is larger than ${STATEMENT_FILE_LIMIT / 1024 / 1024} MB: ask the bank for a shorter period`;
    else if (typeof csv !== 'string' || csv.trim() === '') state.errors.statement = 'Choose the bank statement file';
    return submit<Imported>(
      page,
      state,
      () => page.api.sendFile(`/networks/${networkId}/pools/${poolId}/bank-statements`, csv!, 'text/csv', { key: state.values._key! }),
      {},
      (s) => {
        // The API names the line of the file it could not read: that is about the file.
        if (s.general) [s.errors.statement, s.general] = [s.general.replace(/^.*?\. /, 'The file could not be read. '), undefined];
        return uploadForm(page, m, poolId, s);
      },
      (done) => `${poolPath(networkId, poolId)}/bank-statements/${done.statementId}?after=${done.position}&lines=${done.lines}&imported=${done.imported}&matched=${done.matched}`,
    );
  });

  app.get(`${base}/bank-statements/:statementId`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId, statementId } = request.params as Params & { statementId: string };
    const m = keeperOf(page, networkId);
    const query = request.query as { after?: string; lines?: string; imported?: string; matched?: string };
    const count = (n: string | undefined) => (n !== undefined && /^\d{1,6}$/.test(n) ? Number(n) : 0);
    const [{ pool, crumbs }, rec] = await Promise.all([poolCrumbs(page, m, poolId, query.after), page.api.read<Reconciliation>(`/networks/${networkId}/pools/${poolId}/reconciliation`, { after: query.after })]);
    const matched = rec.matched.filter((l) => l.statementId === statementId);
    const unmatched = rec.unmatchedLines.filter((l) => l.statementId === statementId);
    const [lines, imported] = [count(query.lines), count(query.imported)];
    return page.show({
      title: 'Bank statement added',
      crumbs: [...crumbs, { href: `${poolPath(networkId, poolId)}/reconciliation`, label: 'Bank reconciliation' }],
      body: html`<div class="panel" role="status"><h2>${plural(imported, 'new line')} added</h2>
          <p>The file had ${plural(lines, 'line')}${lines > imported ? html`; ${plural(lines - imported, 'line was', 'lines were')} already in from an earlier statement` : html``}.
            ${plural(count(query.matched), 'line was', 'lines were')} matched to the books, and ${plural(unmatched.length, 'line is', 'lines are')} left for you.</p></div>
        <h2>Left to match</h2>
        ${unmatched.length === 0 ? html`<p>Nothing from this statement is left to match.</p>` : linesTable('Lines of this statement with nothing in the books matched to them', unmatched, (l) => matchLink(m, poolId, l))}
        <h2>Matched</h2>
        ${matched.length === 0
          ? html`<p>No line of this statement is matched yet.</p>`
          : html`<table class="stacked"><caption>Lines of this statement matched to the books</caption>
            <thead><tr><th scope="col">Date</th><th scope="col">Bank's description</th><th scope="col" class="num">Money in or out</th><th scope="col">Matched</th></tr></thead>
            <tbody>${matched.map((l) => html`<tr><td data-label="Date">${longDate(l.date)}</td><td data-label="Bank's description">${l.description}</td><td data-label="Money in or out" class="num">${inOrOut(l.pence)}</td><td data-label="Matched">${howWords[l.how] ?? l.how}</td></tr>`)}</tbody></table>`}
        <p><a href="${poolPath(networkId, poolId)}/reconciliation">The whole reconciliation of ${pool.name}</a></p>`,
    });
  });

  // Matching a line by hand: to one entry or several whose amounts add up to the line's.

  async function matchForm(page: Page, m: Membership, poolId: string, lineId: string, state: FormState, chosen: string[] = []) {
    const [{ pool, crumbs }, rec] = await Promise.all([poolCrumbs(page, m, poolId), page.api.read<Reconciliation>(`/networks/${m.networkId}/pools/${poolId}/reconciliation`)]);
    const trail = [...crumbs, { href: `${poolPath(m.networkId, poolId)}/reconciliation`, label: 'Bank reconciliation' }];
    const line = rec.unmatchedLines.find((l) => l.lineId === lineId);
    if (!line) return page.show({ title: 'Nothing to match', crumbs: trail, body: html`<p>That bank line is matched already, or is not on a statement of ${pool.name}. <a href="${poolPath(m.networkId, poolId)}/reconciliation">Go back to the reconciliation</a>.</p>` }, 404);
    // The same direction first, and the same amount before others: the likeliest at the top.
    const entries = rec.unmatchedEntries
      .filter((e) => Math.sign(e.pence) === Math.sign(line.pence))
      .sort((a, b) => Number(b.pence === line.pence) - Number(a.pence === line.pence));
    const error = state.errors.entries;
    return page.show({
      title: 'Match a bank line by hand',
      crumbs: trail,
      hasErrors: hasErrors(state),
      body: html`${errorSummary(state)}
        <dl class="summary"><dt>Date</dt><dd>${longDate(line.date)}</dd><dt>Bank's description</dt><dd>${line.description}</dd><dt>Money in or out</dt><dd>${inOrOut(line.pence)}</dd></dl>
        ${entries.length === 0
          ? html`<p>Nothing in the books going the same way is waiting to be matched. Record it first (${line.pence > 0 ? html`<a href="${poolPath(m.networkId, poolId)}/receipts/new">record money in</a>` : html`<a href="${poolPath(m.networkId, poolId)}/bank-charges/new">record a bank charge</a> or <a href="${poolPath(m.networkId, poolId)}/payments/new">submit a payment</a>`}), then come back.</p>`
          : form(
              `${poolPath(m.networkId, poolId)}/reconciliation/lines/${lineId}`,
              state,
              page.csrfToken,
              html`<div class="${error ? 'field invalid' : 'field'}"><fieldset aria-describedby="f-entries-hint${error ? ' f-entries-error' : ''}"${error ? html` aria-invalid="true"` : html``}><legend>Which entries in the books does this line show?</legend>
                <p class="hint" id="f-entries-hint">Choose one, or several whose amounts add up to ${formatPence(Math.abs(line.pence))}.</p>
                ${error ? html`<p class="error" id="f-entries-error"><span class="visually-hidden">Error: </span>${error}</p>` : html``}
                ${entries.map(
                  (e, i) => html`<div class="choice"><input type="checkbox" id="f-entries${i === 0 ? '' : `-${i}`}" name="entries" value="${e.entryId}"${chosen.includes(e.entryId) ? html` checked` : html``}><label for="f-entries${i === 0 ? '' : `-${i}`}">${longDate(e.date)}: ${kindName({ kind: e.kind, corrects: null })}${counterparty(e) ? html`, ${counterparty(e)}` : html``}${e.reference ? html`, ${e.reference}` : html``}, ${inOrOut(e.pence)}</label></div>`,
                )}</fieldset></div>`,
              'Match them',
            )}`,
    });
  }

  app.get(`${base}/reconciliation/lines/:lineId`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId, lineId } = request.params as Params & { lineId: string };
    return matchForm(page, keeperOf(page, networkId), poolId, lineId, formState());
  });

  app.post(`${base}/reconciliation/lines/:lineId`, { schema: { hide: true } }, async (request, reply) => {
    const page = await pageFor(app, request, reply);
    const { networkId, poolId, lineId } = request.params as Params & { lineId: string };
    const m = keeperOf(page, networkId);
    const state = posted(request.body);
    const sent = (request.body as { entries?: unknown }).entries;
    // Checkboxes come as one value or several; anything else is not a choice this page offered.
    const entryIds = (Array.isArray(sent) ? sent : [sent]).filter((e): e is string => typeof e === 'string' && e.length <= 64).slice(0, 100);
    if (entryIds.length === 0) state.errors.entries = 'Choose the entry, or entries, this line shows';
    return submit<{ position: number }>(
      page,
      state,
      () => page.api.send('POST', `/networks/${networkId}/pools/${poolId}/reconciliation/matches`, { lineId, entryIds }, { key: state.values._key! }),
      { entryIds: 'entries', lineId: 'entries' },
      (s) => matchForm(page, m, poolId, lineId, saidOnce(s), entryIds),
      (done) => `${poolPath(networkId, poolId)}/reconciliation?after=${done.position}&matched-by-hand=1`,
    );
  });
}
