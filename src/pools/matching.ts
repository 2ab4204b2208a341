// Matching a pool's bank statement to its ledger: which bank line is which ledger entry. Only what
// is still unmatched comes in; a treasurer matches by hand whatever this leaves. It matches only
// what it can tell for certain, because a wrong match hides a missing payment, whereas a line left
// unmatched only asks the treasurer to look.
import type { BankLine } from './bank-statement.ts';

export interface LedgerEntry {
  entryId: string;
  on: string;
  /** Signed as the bank signs it: money into the pool positive, out of it negative. */
  pence: number;
  reference: string;
}

export interface Match {
  lineId: string;
  entryId: string;
  how: 'amount-date-reference' | 'amount-date';
}

export interface MatchOptions {
  /** How many days apart a ledger entry and its bank line may be: a bank clears a few working days after the ledger date, or before it. */
  windowDays?: number;
}

export const DEFAULT_WINDOW_DAYS = 7;
/** Shorter references ("1", "AB") turn up in descriptions by chance. */
const SHORTEST_REFERENCE = 3;

interface Candidate {
  line: BankLine;
  entry: LedgerEntry;
  byReference: boolean;
  days: number;
}

/**
 * A line and an entry match when the amounts are equal and the dates within the window. Of those,
 * a line whose description holds the entry's reference is better, then the nearer date. A pair is
 * matched only when each is the other's one best candidate; matched pairs are then set aside and
 * the rest looked at again, since a pair left in doubt may now be alone. Where two candidates are
 * equally good, say two lines of the same amount and day with nothing to tell them apart, none is
 * picked: which is which is the treasurer's call, made by a manual match. The result depends only
 * on the lines and entries given, never on their order.
 */
export function matchLines(lines: readonly BankLine[], entries: readonly LedgerEntry[], options: MatchOptions = {}): Match[] {
  const window = options.windowDays ?? DEFAULT_WINDOW_DAYS;
  assertDistinct(lines.map((l) => l.lineId), 'lineId');
  assertDistinct(entries.map((e) => e.entryId), 'entryId');

  const byAmount = new Map<number, LedgerEntry[]>();
  for (const e of entries) byAmount.set(e.pence, [...(byAmount.get(e.pence) ?? []), e]);
  let open: Candidate[] = lines.flatMap((line) =>
    (byAmount.get(line.pence) ?? [])
      .map((entry) => ({ line, entry, byReference: mentions(line.description, entry.reference), days: Math.abs(dayNumber(line.on) - dayNumber(entry.on)) }))
      .filter((c) => c.days <= window),
  );

  const matches: Match[] = [];
  for (;;) {
    const lineBest = bestOf(open, (c) => c.line.lineId);
    const entryBest = bestOf(open, (c) => c.entry.entryId);
    const agreed = open.filter((c) => lineBest.get(c.line.lineId) === c && entryBest.get(c.entry.entryId) === c);
    if (agreed.length === 0) break;
    for (const c of agreed) matches.push({ lineId: c.line.lineId, entryId: c.entry.entryId, how: c.byReference ? 'amount-date-reference' : 'amount-date' });
    const lineTaken = new Set(agreed.map((c) => c.line.lineId));
    const entryTaken = new Set(agreed.map((c) => c.entry.entryId));
    open = open.filter((c) => !lineTaken.has(c.line.lineId) && !entryTaken.has(c.entry.entryId));
  }
  return matches.sort((a, b) => (a.lineId < b.lineId ? -1 : a.lineId > b.lineId ? 1 : 0));
}

/** What the matches leave on either side, for the treasurer to match by hand or look into. */
export function unmatched(lines: readonly BankLine[], entries: readonly LedgerEntry[], matches: readonly Match[]): { lines: BankLine[]; entries: LedgerEntry[] } {
  const matchedLines = new Set(matches.map((m) => m.lineId));
  const matchedEntries = new Set(matches.map((m) => m.entryId));
  return { lines: lines.filter((l) => !matchedLines.has(l.lineId)), entries: entries.filter((e) => !matchedEntries.has(e.entryId)) };
}

/** Each key's single best candidate, or null where two are equally good. */
function bestOf(candidates: Candidate[], key: (c: Candidate) => string): Map<string, Candidate | null> {
  const best = new Map<string, Candidate | null>();
  const rank = new Map<string, number>();
  for (const c of candidates) {
    const k = key(c);
    // Any reference found outranks any distance within the window.
    const r = (c.byReference ? 0 : 1_000_000) + c.days;
    const held = rank.get(k);
    if (held === undefined || r < held) {
      best.set(k, c);
      rank.set(k, r);
    } else if (r === held) best.set(k, null);
  }
  return best;
}

const letters = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Banks cut, space and punctuate references as they please: "INV-1041" arrives as "INV 1041". */
function mentions(description: string, reference: string): boolean {
  const ref = letters(reference);
  return ref.length >= SHORTEST_REFERENCE && letters(description).includes(ref);
}

const dayNumber = (isoDate: string) => Date.parse(`${isoDate}T00:00:00Z`) / 86_400_000;

function assertDistinct(ids: string[], what: string) {
  if (new Set(ids).size !== ids.length) throw new Error(`Each ${what} must be given once.`);
}
