// A pool's reconciliation with its bank: statement lines come in from the bank's CSV, and each is
// matched to the ledger entries it shows, by Hearth when amount, date and reference leave no
// doubt, or by a treasurer. One stream per pool holds it all, so that no line and no entry is
// matched twice, however requests race. Descriptions often name people: they are stored sealed.
import { z } from 'zod';
import { Rejection } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { direction, type OpenPool } from './pool.ts';
import { formatPence } from '../units.ts';
import type { BankLine } from './bank-statement.ts';
import { matchLines, type LedgerEntry } from './matching.ts';
import { id, isoDate, reasonText } from '../bounds.ts';
import { sealedText, type SealedText } from '../access/vault.ts';

const how = z.enum(['amount-date-reference', 'amount-date', 'manual']);

export const BankStatementImported = defineEvent(
  'pools.BankStatementImported',
  z.strictObject({
    poolId: id(),
    statementId: id(),
    layout: z.string(),
    importedBy: id(),
    /** Only lines not imported before: a statement that overlaps an earlier one adds its new lines. */
    lines: z.array(
      // Each line's description under a key of its own, linked to the holders of the entries it is matched to.
      z.strictObject({ lineId: id(), line: z.number().int().min(1), on: isoDate(), pence: z.number().int(), balancePence: z.number().int().nullable(), description: sealedText }),
    ),
  }),
  // v1 sealed every line under a key of the statement's own, which no erasure destroyed: read as it was.
  {
    version: 2,
    upcast: {
      1: (d: { statementId: string; lines: Array<{ description: string }> }) => ({ ...d, lines: d.lines.map((l) => ({ ...l, description: { sealedUnder: d.statementId, sealed: l.description } })) }),
    },
  },
);
export const LinesMatched = defineEvent(
  'pools.LinesMatched',
  z.strictObject({ poolId: id(), matchedBy: id(), matches: z.array(z.strictObject({ lineId: id(), entryIds: z.array(id()).min(1), how })).min(1) }),
);
export const MatchRemoved = defineEvent('pools.MatchRemoved', z.strictObject({ poolId: id(), lineId: id(), removedBy: id(), reason: reasonText() }));

export const reconciliationEventTypes = [BankStatementImported, LinesMatched, MatchRemoved];
export type ReconciliationEvent = DomainEvent<typeof BankStatementImported> | DomainEvent<typeof LinesMatched> | DomainEvent<typeof MatchRemoved>;

export interface ReconciliationState {
  lines: Map<string, { on: string; pence: number; statementId: string }>;
  /** Each matched line's entries. */
  matched: Map<string, string[]>;
}

export const reconciliationStream = (poolId: string) => `pool-reconciliation-${poolId}`;

export function evolveReconciliation(state: ReconciliationState, event: ReconciliationEvent): ReconciliationState {
  switch (event.type) {
    case 'pools.BankStatementImported': {
      const lines = new Map(state.lines);
      for (const l of event.data.lines) lines.set(l.lineId, { on: l.on, pence: l.pence, statementId: event.data.statementId });
      return { ...state, lines };
    }
    case 'pools.LinesMatched': {
      const matched = new Map(state.matched);
      for (const m of event.data.matches) matched.set(m.lineId, m.entryIds);
      return { ...state, matched };
    }
    case 'pools.MatchRemoved': {
      const matched = new Map(state.matched);
      matched.delete(event.data.lineId);
      return { ...state, matched };
    }
  }
}

export const noReconciliation: ReconciliationState = { lines: new Map(), matched: new Map() };

/** What folds a pool's reconciliation stream, for a decision that reads it. */
export const reconciliationFolder = { initialState: noReconciliation, evolve: evolveReconciliation };

/**
 * The pool's entries as the bank would show them: signed, corrections included; each reference
 * as opened before deciding (`references` by entry id), or none when its key is gone.
 */
export function ledgerEntries(pool: OpenPool, references: ReadonlyMap<string, string>): LedgerEntry[] {
  return [...pool.entries].map(([entryId, e]) => ({ entryId, on: e.on, pence: direction(e.kind) * e.pence, reference: references.get(entryId) ?? '' }));
}

const matchedEntries = (state: ReconciliationState) => new Set([...state.matched.values()].flat());

/** Hearth's own matches among what is still unmatched on both sides. */
function autoMatches(state: ReconciliationState, lines: BankLine[], entries: LedgerEntry[]) {
  const taken = matchedEntries(state);
  return matchLines(
    lines.filter((l) => !state.matched.has(l.lineId)),
    entries.filter((e) => !taken.has(e.entryId)),
  ).map((m) => ({ lineId: m.lineId, entryIds: [m.entryId], how: m.how }));
}

/**
 * A statement's lines, those not seen before, then Hearth's matches for every unmatched line it
 * can read. `lines` carry their descriptions in the clear for matching, `sealed` as stored.
 */
export function decideImport(
  state: ReconciliationState,
  statement: { poolId: string; statementId: string; layout: string; importedBy: string; lines: BankLine[]; sealed: Map<string, SealedText> },
  entries: LedgerEntry[],
): ReconciliationEvent[] {
  const fresh = statement.lines.filter((l) => !state.lines.has(l.lineId));
  if (fresh.length === 0) return [];
  const imported: ReconciliationEvent = {
    type: 'pools.BankStatementImported',
    data: {
      poolId: statement.poolId,
      statementId: statement.statementId,
      layout: statement.layout,
      importedBy: statement.importedBy,
      lines: fresh.map((l) => ({ lineId: l.lineId, line: l.line, on: l.on, pence: l.pence, balancePence: l.balancePence, description: statement.sealed.get(l.lineId)! })),
    },
  };
  const matches = autoMatches(evolveReconciliation(state, imported as ReconciliationEvent), fresh, entries);
  return matches.length > 0 ? [imported, { type: 'pools.LinesMatched', data: { poolId: statement.poolId, matchedBy: statement.importedBy, matches } }] : [imported];
}

/** Matching again, after entries were recorded: `lines` are the unmatched lines, read in the clear. */
export function decideAutoMatch(state: ReconciliationState, poolId: string, by: string, lines: BankLine[], entries: LedgerEntry[]): ReconciliationEvent[] {
  const matches = autoMatches(state, lines, entries);
  return matches.length > 0 ? [{ type: 'pools.LinesMatched', data: { poolId, matchedBy: by, matches } }] : [];
}

/** A treasurer's match: one line to the entries it shows, whose amounts add up to the line's. */
export function decideManualMatch(state: ReconciliationState, poolId: string, by: string, lineId: string, entryIds: string[], entries: LedgerEntry[]): ReconciliationEvent[] {
  const line = state.lines.get(lineId);
  if (!line) throw new Rejection('line-not-found', 'There is no such bank statement line for this pool.', 404, 'lineId');
  const already = state.matched.get(lineId);
  if (already && already.length === entryIds.length && entryIds.every((id) => already.includes(id))) return [];
  if (already) throw new Rejection('line-matched', 'That line is matched already; remove its match first.', 409, 'lineId');
  if (new Set(entryIds).size !== entryIds.length) throw new Rejection('entry-twice', 'Name each entry once.', 422, 'entryIds');
  const taken = matchedEntries(state);
  const byId = new Map(entries.map((e) => [e.entryId, e]));
  let sum = 0;
  entryIds.forEach((id, i) => {
    const entry = byId.get(id);
    if (!entry) throw new Rejection('entry-not-found', 'There is no such entry in this pool.', 404, `entryIds/${i}`);
    if (taken.has(id)) throw new Rejection('entry-matched', 'That entry is matched to another line already.', 409, `entryIds/${i}`);
    sum += entry.pence;
  });
  if (sum !== line.pence) throw new Rejection('amounts-differ', `The line is ${formatPence(line.pence)}; the entries add up to ${formatPence(sum)}.`, 422, 'entryIds');
  return [{ type: 'pools.LinesMatched', data: { poolId, matchedBy: by, matches: [{ lineId, entryIds, how: 'manual' }] } }];
}

export function decideUnmatch(state: ReconciliationState, poolId: string, by: string, lineId: string, reason: string): ReconciliationEvent[] {
  if (!state.lines.has(lineId)) throw new Rejection('line-not-found', 'There is no such bank statement line for this pool.', 404, 'lineId');
  if (!state.matched.has(lineId)) return [];
  return [{ type: 'pools.MatchRemoved', data: { poolId, lineId, removedBy: by, reason } }];
}

/**
 * The bank's closing balance beside the books' balance on the same day, and the difference
 * between them explained: money in the bank's lines not yet in the books, less money in the books
 * not yet in the bank's lines, plus whatever the account held before the first line imported.
 * What those do not explain (a match whose entry and line fall either side of the day) is shown,
 * never hidden.
 */
export interface BankAgainstBooks {
  on: string;
  bankPence: number;
  booksPence: number;
  differencePence: number;
  /** The bank's balance before the first statement line imported. */
  broughtForwardPence: number;
  /** Bank lines matched to no entry: on the statement, not yet in the books. */
  unmatchedLinesPence: number;
  /** Entries to that day matched to no bank line: in the books, not yet on the statement. */
  unmatchedEntriesPence: number;
  unexplainedPence: number;
}

export function bankAgainstBooks(input: {
  closing: { on: string; pence: number };
  booksPence: number;
  broughtForwardPence: number;
  unmatchedLines: ReadonlyArray<{ date: string; pence: number }>;
  unmatchedEntries: ReadonlyArray<{ date: string; pence: number }>;
}): BankAgainstBooks {
  const { closing, booksPence, broughtForwardPence } = input;
  const sum = (xs: ReadonlyArray<{ date: string; pence: number }>) => xs.filter((x) => x.date <= closing.on).reduce((n, x) => n + x.pence, 0);
  const unmatchedLinesPence = sum(input.unmatchedLines);
  const unmatchedEntriesPence = sum(input.unmatchedEntries);
  const differencePence = closing.pence - booksPence;
  return {
    on: closing.on,
    bankPence: closing.pence,
    booksPence,
    differencePence,
    broughtForwardPence,
    unmatchedLinesPence,
    unmatchedEntriesPence,
    unexplainedPence: differencePence - (broughtForwardPence + unmatchedLinesPence - unmatchedEntriesPence),
  };
}
