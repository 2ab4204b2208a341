// The pool's reports as a council and an auditor read them: a budget holder's Direct Payment
// statement, a closed period's statement, the ledger and the trial balance, each as CSV rows and,
// where people print them, as a page. Amounts are pounds and pence, worked out from integer pence.
import { html, page, type Html } from '../http/html.ts';
import type { HolderRow, HolderStatement, LedgerLine, Pool, TrialBalanceLine, UnattributedLine } from './books.ts';
import { pounds, type ExpenseSharing } from './pool.ts';
import { formatPence } from '../units.ts';
import type { CsvTable } from '../http/csv.ts';

const kindNames: Record<string, string> = {
  contribution: 'Contribution',
  council: 'Council income',
  grant: 'Grant income',
  payment: 'Payment',
  expense: 'Pool expense',
  'bank-charge': 'Bank charge',
  refund: 'Refund',
  'transfer-in': 'Transfer in',
  'transfer-out': 'Transfer out',
  reinvestment: 'Surplus reinvested',
  'claw-back': 'Clawed back by the council',
  // Learning vouchers' money through the pool's bank account: in its reconciliation, not its books.
  'voucher-payment': 'Learning voucher paid for',
  'voucher-payout': "Paid back to a voucher's giver",
  'learning-fund-payment': 'Paid out of the learning fund',
};
/** How a pool expense was attributed, as its ledger line says. */
export const sharedByWords: Record<ExpenseSharing, string> = {
  'no-holder': "the pool's own cost, attributed to no budget holder",
  equally: 'shared equally across the budget holders with money in the pool',
  'by-share': "shared across the budget holders in proportion to their shares of the balance",
};

/** What an entry of the pool's books is, in words. */
export const kindName = (kind: string) => kindNames[kind] ?? kind;

const figures = (h: HolderRow | null) => h ?? { contributed: 0, spent: 0, clawedBack: 0, unspent: 0, shareOfBalance: 0 };

/** The holder's statement as spreadsheets: the entries, and a summary of the period. */
export function holderStatementCsv(s: HolderStatement) {
  const open = figures(s.opening);
  const close = figures(s.closing);
  return {
    entries: [['date', 'kind', 'payee or source', 'purpose', 'reference', 'amount (£)'], ...s.lines.map((l) => [l.date, kindName(l.kind), l.payee, l.purpose, l.reference, pounds(l.pence)])],
    summary: [
      ['item', 'value'],
      ['Direct Payment statement', s.pool.name],
      ['Budget holder', s.holder.name],
      ['Holder id', s.holder.holderId],
      ['Period', `${s.from} to ${s.to}`],
      ['Unspent at start (£)', pounds(open.unspent)],
      ['Contributed in period (£)', pounds(close.contributed - open.contributed)],
      ['Spent on their behalf in period (£)', pounds(close.spent - open.spent)],
      ['Clawed back in period (£)', pounds(close.clawedBack - open.clawedBack)],
      ['Unspent at end (£)', pounds(close.unspent)],
      ['Share of the pool balance at end (£)', pounds(close.shareOfBalance)],
      ['Pool balance at end (£)', pounds(s.poolBalancePence)],
      ["Of which no holder's: council and grant money less the pool's own costs (£)", pounds(s.poolUnattributedPence)],
    ],
  } satisfies Record<string, CsvTable>;
}

export function holderStatementPage(s: HolderStatement): string {
  const open = figures(s.opening);
  const close = figures(s.closing);
  return page(
    `Direct Payment statement: ${s.holder.name}`,
    html`<dl>
  <dt>Pool</dt><dd>${s.pool.name}</dd>
  <dt>Budget holder</dt><dd>${s.holder.name}</dd>
  <dt>Period</dt><dd>${longDate(s.from)} to ${longDate(s.to)}</dd>
  <dt>Unspent at the start</dt><dd>${formatPence(open.unspent)}</dd>
</dl>
${entriesTable('Money in and out for this budget holder', s.lines.map((l) => ({ date: l.date, kind: l.kind, who: l.payee, purpose: l.purpose, reference: l.reference, pence: l.pence })), 'Amount')}
<table><caption>Summary</caption><tbody>
  ${row('Contributed in the period', close.contributed - open.contributed)}
  ${row('Spent on their behalf in the period', close.spent - open.spent)}
  ${row('Clawed back by the council in the period', close.clawedBack - open.clawedBack)}
  ${row('Unspent at the end', close.unspent)}
  ${row('Their share of the pool balance at the end', close.shareOfBalance)}
  ${row('Pool balance at the end', s.poolBalancePence)}
  ${row("Of which no holder's: council and grant money, less the pool's own costs", s.poolUnattributedPence)}
</tbody></table>
<p>Every amount is recorded in the pool's ledger. A payment's share is the part of it the network's treasurer attributed to this budget holder.</p>`,
  );
}

export function ledgerCsv(opening: number, lines: LedgerLine[]): string[][] {
  return [
    ['date', 'entry id', 'kind', 'payee or source', 'reference', 'purpose', 'corrects', 'amount (£)', 'balance (£)'],
    ['', '', 'Brought forward', '', '', '', '', '', pounds(opening)],
    ...lines.map((l) => [l.date, l.entryId, kindName(l.kind), l.counterparty, l.reference, l.purpose, l.corrects ?? '', pounds(l.pence), pounds(l.balance)]),
  ];
}

/** The date is in the file's name: a row above the header would read as a second header. */
export function trialBalanceCsv(lines: TrialBalanceLine[]): string[][] {
  const debit = lines.reduce((s, l) => s + l.debit, 0);
  const credit = lines.reduce((s, l) => s + l.credit, 0);
  return [['account', 'debit (£)', 'credit (£)'], ...lines.map((l) => [l.account, pounds(l.debit), pounds(l.credit)]), ['total', pounds(debit), pounds(credit)]];
}

export interface PeriodStatement {
  pool: Pool;
  from: string;
  to: string;
  closedOn: string;
  closedBy: string;
  opening: number;
  closing: number;
  lines: LedgerLine[];
  holders: HolderRow[];
  /** What of the closing balance is no holder's: with the holders' shares, the closing balance. */
  unattributed: UnattributedLine;
  digest: { upToPosition: number; sha256: string };
}

const accountNames: Record<string, string> = {
  'council income': 'Council income',
  'grant income': 'Grant income',
  'bank charges': 'Bank charges',
  'pool expenses': "The pool's own expenses, attributed to no holder",
  // Only a refund (or correction) of an expense attributed to no holder posts here without a holder.
  payments: "Refunds of the pool's own expenses",
  'transfers in': 'Transfers in from other pools',
  'transfers out': 'Transfers out to other pools',
  reinvested: 'Surplus reinvested in the community',
};

/**
 * The line that is no holder's, and what it is made of, as rows of words and signed pence (money
 * in positive, the pool's costs negative): the accounts
 * no holder's money went through, what was spent on holders beyond their own money, and what the
 * holders' shares bore when the rest did not cover it.
 */
export function unattributedRows(u: UnattributedLine): Array<[string, number]> {
  return [
    ...u.accounts.map((a): [string, number] => [accountNames[a.account] ?? a.account, a.pence]),
    ...(u.beyondHolders === 0 ? [] : [['Spent on budget holders beyond what each put in', -u.beyondHolders] as [string, number]]),
    ...(u.borneByHolders === 0 ? [] : [["Borne by the holders' shares, in proportion, as nothing else covers it", u.borneByHolders] as [string, number]]),
  ];
}

export const UNATTRIBUTED = "Not any holder's: money no holder contributed, less the pool's own costs";

/** A closed period as spreadsheets: the ledger, each holder's figures, and what the period is. */
export function periodStatementCsv(s: PeriodStatement) {
  return {
    ledger: [...ledgerCsv(s.opening, s.lines), ['', '', 'Carried forward', '', '', '', '', '', pounds(s.closing)]],
    holders: [
      ['budget holder', 'holder id', 'contributed (£)', 'spent on their behalf (£)', 'clawed back (£)', 'unspent (£)', 'share of balance (£)'],
      ...s.holders.map((h) => [h.name, h.holderId, pounds(h.contributed), pounds(h.spent), pounds(h.clawedBack), pounds(h.unspent), pounds(h.shareOfBalance)]),
      [UNATTRIBUTED, '', '', '', '', '', pounds(s.unattributed.pence)],
      ['Pool balance', '', '', '', '', '', pounds(s.closing)],
    ],
    unattributed: [['item', 'amount (£)'], ...unattributedRows(s.unattributed).map(([item, p]) => [item, pounds(p)]), [UNATTRIBUTED, pounds(s.unattributed.pence)]],
    summary: [
      ['item', 'value'],
      ['Period statement', s.pool.name],
      ['Period', `${s.from} to ${s.to}`],
      ['Closed on', s.closedOn],
      ['Closed by', s.closedBy],
      ['Digest (SHA-256 of the log to position)', `${s.digest.sha256} @ ${s.digest.upToPosition}`],
    ],
  } satisfies Record<string, CsvTable>;
}

export function periodStatementPage(s: PeriodStatement): string {
  return page(
    `${s.pool.name}: statement to ${longDate(s.to)}`,
    html`<dl>
  <dt>Period</dt><dd>${longDate(s.from)} to ${longDate(s.to)}</dd>
  <dt>Closed</dt><dd>${longDate(s.closedOn)} by ${s.closedBy}</dd>
  <dt>Brought forward</dt><dd>${formatPence(s.opening)}</dd>
  <dt>Carried forward</dt><dd>${formatPence(s.closing)}</dd>
  <dt>Digest of the log</dt><dd><code>${s.digest.sha256}</code> (to position ${s.digest.upToPosition})</dd>
</dl>
${entriesTable('Entries in the period', s.lines.map((l) => ({ date: l.date, kind: l.kind, who: l.counterparty, purpose: l.purpose, reference: l.reference, pence: l.pence })), 'Amount')}
<table><caption>Budget holders at the end of the period</caption>
<thead><tr><th scope="col">Budget holder</th><th scope="col" class="money">Contributed</th><th scope="col" class="money">Spent on their behalf</th><th scope="col" class="money">Clawed back</th><th scope="col" class="money">Unspent</th><th scope="col" class="money">Share of balance</th></tr></thead>
<tbody>${s.holders.map((h) => html`<tr><th scope="row">${h.name}</th><td class="money">${formatPence(h.contributed)}</td><td class="money">${formatPence(h.spent)}</td><td class="money">${formatPence(h.clawedBack)}</td><td class="money">${formatPence(h.unspent)}</td><td class="money">${formatPence(h.shareOfBalance)}</td></tr>`)}
<tr><th scope="row" colspan="5">${UNATTRIBUTED}</th><td class="money">${formatPence(s.unattributed.pence)}</td></tr>
<tr><th scope="row" colspan="5">Pool balance: the holders' shares and the line above</th><td class="money">${formatPence(s.closing)}</td></tr></tbody>
</table>
${unattributedTable(s.unattributed)}
<p>The digest is a SHA-256 over every event in Hearth's log up to the position shown, recorded when the period was closed; <code>hearth audit verify</code> recomputes it.</p>`,
  );
}

function entriesTable(caption: string, lines: Array<{ date: string; kind: string; who: string; purpose: string; reference: string; pence: number }>, amount: string): Html {
  if (lines.length === 0) return html`<p>${caption}: none.</p>`;
  return html`<table><caption>${caption}</caption>
<thead><tr><th scope="col">Date</th><th scope="col">Kind</th><th scope="col">Payee or source</th><th scope="col">Purpose</th><th scope="col">Reference</th><th scope="col" class="money">${amount}</th></tr></thead>
<tbody>${lines.map((l) => html`<tr><td>${longDate(l.date)}</td><td>${kindName(l.kind)}</td><td>${l.who}</td><td>${l.purpose}</td><td>${l.reference}</td><td class="money">${formatPence(l.pence)}</td></tr>`)}</tbody>
</table>`;
}

/** What the line that is no holder's is made of. */
export function unattributedTable(u: UnattributedLine): Html {
  const rows = unattributedRows(u);
  if (rows.length === 0) return html``;
  return html`<table><caption>The money that is no holder's</caption><tbody>
  ${rows.map(([label, amount]) => row(label, amount))}
  ${row(UNATTRIBUTED, u.pence)}
</tbody></table>`;
}

const row = (label: string, amount: number) => html`<tr><th scope="row">${label}</th><td class="money">${formatPence(amount)}</td></tr>`;

/** 3 March 2026: dates as people say them. */
const longDate = (iso: string) => new Date(`${iso}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
