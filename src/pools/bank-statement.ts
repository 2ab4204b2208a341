// A pool's bank statement, read from the CSV file its bank exports, so that a treasurer can
// reconcile it with the pool's ledger. The layout is recognised from the header row. Every line is
// checked before any is returned: the first line that is wrong refuses the whole file, saying
// where and why in words a treasurer understands, so nothing is ever half imported. Money is kept
// as integer pence, read from the decimal text itself and never through floating point.
//
// Where each bank layout comes from (public examples of real exports; see docs/bank-statements.md):
// - Lloyds Bank: the test statement of github.com/Metasaura/ofxstatement-lloyds
//   (tests/sample-statement.csv) and that plugin's parser; other importers write the same header.
// - Nationwide: github.com/WillOnGit/nationwide-transaction-parser (fixtures/test-statement.csv and
//   nationwide_parser/statement.py, which notes the files are ISO-8859-1 with CRLF line ends).
// - NatWest (and RBS, the same online banking): github.com/joesingo/bank-statements (test.py) and
//   other importers quoting the header with a space after each comma, text fields led by an
//   apostrophe, a comma closing each row, and dates as 25/12/2017 or as 20 Mar 2023.
// - Starling Bank: the CSV statement returned by Starling's API as shown in a client's tests, and
//   github.com/jjberry314/starling2freeagent, which shows the Notes column and the Opening Balance row.
import { parse } from 'csv-parse/sync';
import { v5 as uuidv5 } from 'uuid';
import { z } from 'zod';
import { formatPence, MAX_PENCE } from '../units.ts';
import { EARLIEST_DATE, LATEST_DATE, text } from '../bounds.ts';

export interface BankLine {
  /** The same line read again, from this file or a later overlapping one, has the same id. */
  lineId: string;
  /** Where it is in the file, counting from 1. */
  line: number;
  on: string;
  description: string;
  /** Money in is positive, money out negative. */
  pence: number;
  balancePence: number | null;
}

export interface Statement {
  layout: string;
  lines: BankLine[];
}

/** Why a file was refused, and where. */
export class StatementError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`Line ${line}: ${reason}`);
    this.name = 'StatementError';
  }
}

type DateStyle = 'yyyy-mm-dd' | 'dd/mm/yyyy' | 'dd Mon yyyy';

export interface Layout {
  /** What readStatement returns as the layout. */
  name: string;
  /** Who writes it, as a treasurer would call it. */
  bank: string;
  columns: readonly string[];
  date: string;
  /** Older exports leave off the last columns; at least this many must be there. */
  required?: number;
  /** Account lines above the header. */
  preamble?: boolean;
  dates: readonly DateStyle[];
  money: { pound?: boolean; thousands?: boolean; parentheses?: boolean };
  /** One signed column, or money out and money in in two unsigned ones. */
  amount: { signed: string } | { out: string; in: string };
  balance: string;
  describe: (field: (column: string) => string) => string;
  /** The column naming the account, where a file can hold several accounts one after another. */
  account?: string;
  /** A row that gives the balance the statement starts from rather than a transaction. */
  isOpening?: (field: (column: string) => string) => boolean;
}

export const layouts: readonly Layout[] = [
  {
    name: 'hearth',
    bank: 'Hearth',
    columns: ['Date', 'Description', 'Amount', 'Balance'],
    date: 'Date',
    dates: ['yyyy-mm-dd', 'dd/mm/yyyy'],
    // Typed or saved from a spreadsheet, so written however a spreadsheet shows money.
    money: { pound: true, thousands: true, parentheses: true },
    amount: { signed: 'Amount' },
    balance: 'Balance',
    describe: (f) => f('Description'),
  },
  {
    name: 'lloyds',
    bank: 'Lloyds Bank',
    columns: ['Transaction Date', 'Transaction Type', 'Sort Code', 'Account Number', 'Transaction Description', 'Debit Amount', 'Credit Amount', 'Balance'],
    date: 'Transaction Date',
    dates: ['dd/mm/yyyy'],
    money: {},
    amount: { out: 'Debit Amount', in: 'Credit Amount' },
    balance: 'Balance',
    describe: (f) => f('Transaction Description'),
    account: 'Account Number',
  },
  {
    name: 'nationwide',
    bank: 'Nationwide',
    columns: ['Date', 'Transaction type', 'Description', 'Paid out', 'Paid in', 'Balance'],
    date: 'Date',
    preamble: true,
    dates: ['dd Mon yyyy', 'dd/mm/yyyy'],
    money: { pound: true, thousands: true },
    amount: { out: 'Paid out', in: 'Paid in' },
    balance: 'Balance',
    // The payer or payee is as often in the type ("Transfer from J SMITH") as in the description.
    describe: (f) => `${f('Transaction type')} ${f('Description')}`,
  },
  {
    name: 'natwest',
    bank: 'NatWest',
    columns: ['Date', 'Type', 'Description', 'Value', 'Balance', 'Account Name', 'Account Number'],
    date: 'Date',
    dates: ['dd/mm/yyyy', 'dd Mon yyyy'],
    money: {},
    amount: { signed: 'Value' },
    balance: 'Balance',
    describe: (f) => f('Description'),
    account: 'Account Number',
  },
  {
    name: 'starling',
    bank: 'Starling Bank',
    columns: ['Date', 'Counter Party', 'Reference', 'Type', 'Amount (GBP)', 'Balance (GBP)', 'Spending Category', 'Notes'],
    date: 'Date',
    required: 7,
    dates: ['dd/mm/yyyy'],
    money: {},
    amount: { signed: 'Amount (GBP)' },
    balance: 'Balance (GBP)',
    describe: (f) => [f('Counter Party'), f('Reference')].filter(Boolean).join(' — '),
    isOpening: (f) => f('Date') === '' && f('Counter Party').toLowerCase() === 'opening balance' && f('Amount (GBP)') === '',
  },
];

/** Lines above the header are looked through this far, for a bank that writes account details there. */
const PREAMBLE_LIMIT = 10;
const NAMESPACE = 'd0972bbe-25c9-439a-a9b7-daab11da571f';

/**
 * Reads a statement. Given the file's bytes it decodes them itself: as UTF-8 when they are valid
 * UTF-8, otherwise as Windows-1252, which is how Nationwide has written its £ sign.
 */
export function readStatement(csv: string | Uint8Array): Statement {
  const records = readRecords(typeof csv === 'string' ? csv : decode(csv));
  if (records.length === 0) throw new StatementError(1, 'the file is empty.');
  const { layout, headerAt, header } = findHeader(records);
  const body = records.slice(headerAt + 1);
  const noLines = new StatementError(records[headerAt]!.line, 'there are no transactions below the header row.');
  if (body.length === 0) throw noLines;

  const read: Array<Omit<BankLine, 'lineId'>> = [];
  let opening: { line: number; balancePence: number } | null = null;
  let account: { line: number; name: string } | null = null;
  for (const { line, cells } of body) {
    const refuse = (reason: string): never => {
      throw new StatementError(line, reason);
    };
    const field = (column: string) => clean(cells[header.indexOf(column)] ?? '');
    if (layout.isOpening?.(field) && read.length === 0 && opening === null) {
      opening = { line, balancePence: readMoney(field(layout.balance), `the opening balance "${field(layout.balance)}"`, layout, true, refuse) };
      continue;
    }
    // Some exporters end every row with a comma, so an empty field past the last column is not one.
    const fields = cells.slice();
    while (fields.length > header.length && fields.at(-1) === '') fields.pop();
    if (fields.length !== header.length) {
      refuse(`this line has ${fields.length} fields, but the ${layout.bank} layout has ${header.length} (${header.join(', ')}).`);
    }
    if (layout.account) {
      const name = field(layout.account);
      if (account === null) account = { line, name };
      else if (name !== account.name) refuse(`this line is for account ${name}, but line ${account.line} is for account ${account.name}. Export one account at a time.`);
    }
    const on = readDate(field(layout.date), layout, refuse);
    const pence = readAmount(field, layout, refuse);
    const balanceText = field(layout.balance);
    const balancePence = balanceText === '' ? null : readMoney(balanceText, `the balance "${balanceText}"`, layout, true, refuse);
    const description = lineDescription.safeParse(layout.describe(field).replace(/\s+/g, ' ').trim());
    if (!description.success) refuse(`the description ${description.error.issues[0]!.message}.`);
    read.push({ line, on, description: description.data!, pence, balancePence });
  }
  if (read.length === 0) throw noLines;
  const chronological = checkBalances(read, opening);
  return { layout: layout.name, lines: withIds(read, chronological) };
}

function decode(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

const recordsWithInfo = z.array(z.object({ record: z.array(z.string()), info: z.object({ lines: z.number().int() }) }));

/** The file's rows that are not blank, each with the line it starts on. */
function readRecords(text: string): Array<{ line: number; cells: string[] }> {
  // With one kind of line end, csv-parse counts lines right; it counts the line a row ends on, so
  // a quoted field running over several lines is counted back to where its row begins.
  const unified = text.replace(/\r\n?/g, '\n');
  let parsed: Array<{ record: string[]; info: { lines: number } }>;
  let lastRowEnds = 0;
  const track = (record: string[], context: { lines: number }) => ((lastRowEnds = context.lines), record);
  try {
    // csv-parse's types do not know that `info` wraps each record: the shape is checked instead.
    const rows: unknown = parse(unified, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: true, info: true, on_record: track });
    parsed = recordsWithInfo.parse(rows);
  } catch (err) {
    const { code, lines } = err as { code?: string; lines?: number };
    // csv-parse finds an unclosed quote at the end of the file; the treasurer needs where it opens.
    const opens = unified.split('\n').findIndex((text, i) => i >= lastRowEnds && text.trim() !== '') + 1;
    throw new StatementError(code === 'CSV_QUOTE_NOT_CLOSED' && opens > 0 ? opens : (lines ?? 1), csvTrouble(code));
  }
  return parsed
    .map(({ record, info }) => ({ line: info.lines - record.reduce((n, cell) => n + cell.split('\n').length - 1, 0), cells: record.map((c) => c.trim()) }))
    .filter((r) => r.cells.some((c) => c !== ''));
}

function csvTrouble(code: string | undefined): string {
  if (code === 'CSV_QUOTE_NOT_CLOSED') return 'a quote opened on this line is never closed, so the file cannot be read as CSV.';
  if (code === 'CSV_INVALID_CLOSING_QUOTE') return 'there is text straight after a closing quote, so this line cannot be read as CSV.';
  return 'this line cannot be read as CSV.';
}

function findHeader(records: Array<{ line: number; cells: string[] }>) {
  const name = (cell: string) => cell.replace(/\s+/g, ' ').toLowerCase();
  for (const [at, { line, cells }] of records.slice(0, PREAMBLE_LIMIT + 1).entries()) {
    const header = cells.slice();
    while (header.at(-1) === '') header.pop();
    const layout = layouts.find(
      (l) => header.length >= (l.required ?? l.columns.length) && header.length <= l.columns.length && header.every((c, i) => name(c) === name(l.columns[i]!)),
    );
    if (!layout) continue;
    if (at > 0 && !layout.preamble) {
      throw new StatementError(records[0]!.line, `the ${layout.bank} layout starts with its header row, but the header is on line ${line}. Remove the lines above it.`);
    }
    return { layout, headerAt: at, header: layout.columns.slice(0, header.length) };
  }
  const expected = layouts.map((l) => `${l.bank}: ${l.columns.join(', ')}`).join('; ');
  throw new StatementError(records[0]!.line, `this is not a statement layout Hearth knows. The header row should name the columns of one of these layouts — ${expected}.`);
}

/** Spreadsheet-proofing: NatWest and Lloyds lead text fields with an apostrophe. */
const clean = (cell: string) => cell.replace(/^'\s*/, '');

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const SHOWN: Record<DateStyle, string> = { 'yyyy-mm-dd': '2026-01-03', 'dd/mm/yyyy': '03/01/2026', 'dd Mon yyyy': '03 Jan 2026' };

function readDate(text: string, layout: Layout, refuse: (reason: string) => never): string {
  if (text === '') refuse('the date is empty.');
  const parts = layout.dates.map((style) => dateParts(text, style)).find((p) => p !== null);
  if (!parts) refuse(`the date "${text}" is not written the way the ${layout.bank} layout writes dates (${layout.dates.map((s) => SHOWN[s]).join(' or ')}).`);
  const [year, month, day] = parts!;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (month < 1 || month > 12 || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) refuse(`the date "${text}" does not exist.`);
  const iso = date.toISOString().slice(0, 10);
  if (iso < EARLIEST_DATE || iso > LATEST_DATE) refuse(`the date "${text}" is not from ${EARLIEST_DATE} to ${LATEST_DATE}.`);
  return iso;
}

function dateParts(text: string, style: DateStyle): [number, number, number] | null {
  if (style === 'yyyy-mm-dd') {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
  }
  if (style === 'dd/mm/yyyy') {
    const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
    return m ? [Number(m[3]), Number(m[2]), Number(m[1])] : null;
  }
  // A month by its name or its first three letters: "03 Jan 2026", "03 January 2026".
  const m = /^(\d{1,2}) ([A-Za-z]+) (\d{4})$/.exec(text);
  const month = m ? MONTHS.findIndex((name) => name === m[2]!.toLowerCase() || name.slice(0, 3) === m[2]!.toLowerCase()) : -1;
  return m && month >= 0 ? [Number(m[3]), month + 1, Number(m[1])] : null;
}

// What a bank writes of a line, under the bounds of any text Hearth keeps.
const lineDescription = text(1000, { min: 0 });

function readAmount(field: (column: string) => string, layout: Layout, refuse: (reason: string) => never): number {
  const pence = readSignedAmount(field, layout, refuse);
  if (Math.abs(pence) > MAX_PENCE) refuse(`the amount ${formatPence(pence)} is more than the £1,000,000 one entry may be.`);
  return pence;
}

function readSignedAmount(field: (column: string) => string, layout: Layout, refuse: (reason: string) => never): number {
  if ('signed' in layout.amount) {
    const text = field(layout.amount.signed);
    if (text === '') refuse('the amount is empty.');
    return readMoney(text, `the amount "${text}"`, layout, true, refuse);
  }
  const out = field(layout.amount.out);
  const into = field(layout.amount.in);
  if (out === '' && into === '') refuse(`there is no amount: "${layout.amount.out}" and "${layout.amount.in}" are both empty.`);
  if (out !== '' && into !== '') refuse(`there is an amount under both "${layout.amount.out}" and "${layout.amount.in}"; a line is one or the other.`);
  return out !== ''
    ? -readMoney(out, `the amount "${out}" under "${layout.amount.out}"`, layout, false, refuse)
    : readMoney(into, `the amount "${into}" under "${layout.amount.in}"`, layout, false, refuse);
}

/** Pence from "1,234.56", "-£12.30", "(12.30)" and the like, as far as the layout writes them. */
function readMoney(text: string, named: string, layout: Layout, signed: boolean, refuse: (reason: string) => never): number {
  const { pound, thousands, parentheses } = layout.money;
  // Read as UTF-8 when it was Windows-1252, a file's £ sign arrives as the replacement character.
  let rest = pound ? text.replace(/^([-+]?)\uFFFD/, '$1£') : text;
  let negative = false;
  if (/^\(.*\)$/.test(rest)) {
    if (!signed) refuse(`${named} is in brackets; ${layout.bank} writes money out and money in as plain amounts in separate columns.`);
    if (!parentheses) refuse(`${named} is in brackets, which ${layout.bank} does not write; money out has a minus sign.`);
    negative = true;
    rest = rest.slice(1, -1);
  }
  const sign = /^([-+]?)(£?)([-+]?)(.*)$/.exec(rest)!;
  if (sign[1] && sign[3]) refuse(`${named} is not a number.`);
  if (sign[2] && !pound) refuse(`${named} has a £ sign, which ${layout.bank} does not write.`);
  const signChar = sign[1] || sign[3];
  if (signChar && (!signed || negative)) refuse(signed ? `${named} is not a number.` : `${named} has a sign; ${layout.bank} writes money out and money in as plain amounts in separate columns.`);
  negative ||= signChar === '-';
  const digits = sign[4]!;
  if (/^[\d,]*\.\d{3,}$/.test(digits)) refuse(`${named} has more than two decimal places.`);
  const m = /^(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d{1,2}))?$/.exec(digits);
  if (!m || (m[1] === '' && m[2] === undefined)) refuse(`${named} is not a number.`);
  if (m![1]!.includes(',') && !thousands) refuse(`${named} has a comma, which ${layout.bank} does not write in amounts.`);
  const pounds = m![1]!.replaceAll(',', '') || '0';
  if (pounds.length > 12) refuse(`${named} is too large to be right.`);
  const pence = Number(pounds) * 100 + Number((m![2] ?? '').padEnd(2, '0'));
  return negative ? -pence : pence;
}

/**
 * Each line's balance must be the one before it plus its amount. Banks write oldest first or
 * newest first; the dates say which, and a file of one day is read whichever way its balances
 * follow. Returns the lines oldest first.
 */
function checkBalances<T extends Omit<BankLine, 'lineId'>>(lines: T[], opening: { line: number; balancePence: number } | null): T[] {
  const oldestFirst = lines;
  const newestFirst = [...lines].reverse();
  const preferred = lines[0]!.on > lines.at(-1)!.on ? newestFirst : oldestFirst;
  const other = preferred === oldestFirst ? newestFirst : oldestFirst;
  const brokenAt = (seq: T[]) => {
    // An opening balance row stands above the lines, so it comes before them only when they run oldest first.
    let before: { line: number; balancePence: number | null; opening?: true } | null = seq === oldestFirst && opening ? { ...opening, opening: true } : null;
    for (const l of seq) {
      if (before?.balancePence != null && l.balancePence !== null && before.balancePence + l.pence !== l.balancePence) {
        const from = before.opening ? `the opening balance on line ${before.line}` : `the balance on line ${before.line}`;
        const step = `${l.pence < 0 ? 'less' : 'plus'} ${formatPence(Math.abs(l.pence))}`;
        return new StatementError(l.line, `the balance ${formatPence(l.balancePence)} does not follow from ${from}: ${formatPence(before.balancePence)} ${step} makes ${formatPence(before.balancePence + l.pence)}.`);
      }
      before = l;
    }
    return null;
  };
  const refused = brokenAt(preferred);
  if (!refused) return preferred;
  if (!brokenAt(other)) return other;
  throw refused;
}

/** Whether each line's balance follows from the one before it, where both give one. */
const chainHolds = (seq: ReadonlyArray<{ pence: number; balancePence: number | null }>) =>
  seq.every((l, i) => i === 0 || seq[i - 1]!.balancePence === null || l.balancePence === null || seq[i - 1]!.balancePence! + l.pence === l.balancePence);

/**
 * A statement's lines, given in the order the bank printed them, oldest first: read as the import
 * reads them (by the dates, and for a file of one day by which way the balances follow). Stored
 * lines keep their printed line numbers, so the bank's own order, and so its closing balance, can
 * always be read again, whichever way round the bank lists them.
 */
export function oldestFirst<T extends { on: string; pence: number; balancePence: number | null }>(printed: readonly T[]): T[] {
  if (printed.length < 2) return [...printed];
  const newestFirst = [...printed].reverse();
  const preferred = printed[0]!.on > printed.at(-1)!.on ? newestFirst : [...printed];
  if (chainHolds(preferred)) return preferred;
  const other = preferred === newestFirst ? [...printed] : newestFirst;
  return chainHolds(other) ? other : preferred;
}

/**
 * Ids follow from what a line says, so reading the statement again, or a later one that overlaps
 * it, gives each line the id it had. Two lines can say exactly the same (two £10 payments to the
 * same shop on one day, on a statement without balances), so the n-th of them, counting oldest
 * first, is told apart by n. That holds while statements cover whole days, as banks export them;
 * a statement starting between two identical lines of one day would number them differently.
 */
function withIds(lines: Array<Omit<BankLine, 'lineId'>>, chronological: Array<Omit<BankLine, 'lineId'>>): BankLine[] {
  const seen = new Map<string, number>();
  const ids = new Map<Omit<BankLine, 'lineId'>, string>();
  for (const l of chronological) {
    const content = JSON.stringify([l.on, l.pence, l.balancePence, l.description.toLowerCase()]);
    const n = (seen.get(content) ?? 0) + 1;
    seen.set(content, n);
    ids.set(l, uuidv5(`${content}#${n}`, NAMESPACE));
  }
  return lines.map((l) => ({ lineId: ids.get(l)!, ...l }));
}
