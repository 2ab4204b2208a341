// A pool's bank reconciliation over HTTP: a treasurer sends the bank's CSV statement; Hearth reads
// every line first (refusing the whole file, with the line and why, if one is wrong), records the
// lines it has not seen, and matches what it can; the treasurer matches the rest by hand, and sees
// what is unmatched on either side.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { v5 as uuidv5 } from 'uuid';
import type { Hearth } from '../hearth.ts';
import { requireMember, signedIn } from '../access/guard.ts';
import { Rejection } from '../commands/decider.ts';
import { handleAcross, type CommandContext } from '../commands/handle.ts';
import type { RecordedEvent } from '../eventstore/port.ts';
import { poolStream } from '../pools/pool.ts';
import { poolIn } from '../pools/commands.ts';
import { layouts, readStatement, StatementError, type BankLine } from '../pools/bank-statement.ts';
import {
  decideAutoMatch, decideImport, decideManualMatch, decideUnmatch, evolveReconciliation, ledgerEntries, noReconciliation, reconciliationStream,
  type ReconciliationEvent, type ReconciliationState,
} from '../pools/reconciliation.ts';
import type { LedgerEntry } from '../pools/matching.ts';
import { formatPence } from '../units.ts';
import { poolOf } from '../pools/books.ts';
import { poolParams } from './pools.ts';
import { inRole, writtenAcross } from './guarded.ts';
import { readAfter, waitForProjections, writeResult } from './reads.ts';
import { IMPORT_BODY_LIMIT } from './timebank-import.ts';

const reconciliationOf = (h: RecordedEvent[]): ReconciliationState => (h as unknown as ReconciliationEvent[]).reduce(evolveReconciliation, noReconciliation);

export function reconciliationRoutes(hearth: Hearth): FastifyPluginAsync {
  const { store, vault } = hearth;
  const db = hearth.database.db;

  /** A decision on the pool's reconciliation, with the pool's ledger entries in view; the pool is only read. */
  function onReconciliation(networkId: string, poolId: string, decide: (state: ReconciliationState, entries: LedgerEntry[]) => ReconciliationEvent[], context: CommandContext) {
    return handleAcross(store, [reconciliationStream(poolId), poolStream(poolId)], ([mine, pool]) => [decide(reconciliationOf(mine!), ledgerEntries(poolIn(networkId, pool!))), []], context);
  }

  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/pools/:poolId';

    app.post(
      `${base}/bank-statements`,
      {
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          summary: 'Import a bank statement CSV, and match its lines to the ledger where amount, date and reference leave no doubt (treasurers)',
          description: `Content-Type text/csv. Layouts read: ${layouts.map((l) => l.name).join('; ')}. The file is read whole first: a line Hearth cannot read refuses the file, naming the line and why, and nothing is imported. Lines imported before (from this file or an overlapping one) are not imported again.`,
          consumes: ['text/csv'],
          params: poolParams,
          body: z.string().min(1, 'the CSV file is empty'),
          response: { 201: writeResult.extend({ statementId: z.uuid(), layout: z.string(), lines: z.number().int(), imported: z.number().int(), matched: z.number().int() }) },
        },
      },
      async (request, reply) => {
        const { networkId, poolId } = request.params;
        return inRole(hearth, request, reply, networkId, ['treasurer'], async (context) => {
          const statement = read(request.body);
          const statementId = uuidv5('bank statement', context.commandId);
          // Descriptions name people: sealed under the statement's own key, which can be destroyed.
          await vault.ensureKey(statementId);
          const sealed = new Map(await Promise.all(statement.lines.map(async (l) => [l.lineId, await vault.seal(statementId, l.description)] as const)));
          const done = await onReconciliation(
            networkId,
            poolId,
            (state, entries) => decideImport(state, { poolId, statementId, layout: statement.layout, importedBy: context.actor, lines: statement.lines, sealed }, entries),
            context,
          );
          const [imported, matched] = [done.decided[0]!.find((e) => e.type === 'pools.BankStatementImported'), done.decided[0]!.find((e) => e.type === 'pools.LinesMatched')];
          return {
            status: 201,
            body: {
              statementId,
              layout: statement.layout,
              lines: statement.lines.length,
              imported: imported ? (imported.data as { lines: unknown[] }).lines.length : 0,
              matched: matched ? (matched.data as { matches: unknown[] }).matches.length : 0,
              ...writtenAcross(done),
            },
          };
        });
      },
    );

    app.post(
      `${base}/reconciliation/auto-match`,
      { schema: { summary: 'Match again, after new entries were recorded, what amount, date and reference leave no doubt about (treasurers)', params: poolParams, response: { 200: writeResult.extend({ matched: z.number().int() }) } } },
      async (request, reply) => {
        const { networkId, poolId } = request.params;
        return inRole(hearth, request, reply, networkId, ['treasurer'], async (context) => {
          const lines = await unmatchedLines(await store.readStream(reconciliationStream(poolId)));
          const done = await onReconciliation(networkId, poolId, (state, entries) => decideAutoMatch(state, poolId, context.actor, lines, entries), context);
          const matched = done.decided[0]!.flatMap((e) => (e.data as { matches: unknown[] }).matches);
          return { status: 200, body: { matched: matched.length, ...writtenAcross(done) } };
        });
      },
    );

    app.post(
      `${base}/reconciliation/matches`,
      {
        schema: {
          summary: "Match a bank line by hand to the entries it shows; their amounts must add up to the line's (treasurers)",
          params: poolParams,
          body: z.strictObject({ lineId: z.uuid(), entryIds: z.array(z.uuid()).min(1) }),
          response: { 201: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId, poolId } = request.params;
        const { lineId, entryIds } = request.body;
        return inRole(hearth, request, reply, networkId, ['treasurer'], async (context) => ({
          status: 201,
          body: writtenAcross(await onReconciliation(networkId, poolId, (state, entries) => decideManualMatch(state, poolId, context.actor, lineId, entryIds, entries), context)),
        }));
      },
    );

    app.post(
      `${base}/reconciliation/matches/:lineId/removal`,
      {
        schema: {
          summary: "Undo a line's match, saying why (treasurers)",
          params: poolParams.extend({ lineId: z.uuid() }),
          body: z.strictObject({ reason: z.string().trim().min(1).max(500) }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId, poolId, lineId } = request.params;
        return inRole(hearth, request, reply, networkId, ['treasurer'], async (context) => ({
          status: 200,
          body: writtenAcross(await onReconciliation(networkId, poolId, (state) => decideUnmatch(state, poolId, context.actor, lineId, request.body.reason), context)),
        }));
      },
    );

    const line = z.object({ lineId: z.uuid(), statementId: z.uuid(), line: z.number().int(), date: z.iso.date(), description: z.string(), pence: z.number().int(), amount: z.string(), balancePence: z.number().int().nullable() });
    app.get(
      `${base}/reconciliation`,
      {
        schema: {
          summary: 'The reconciliation: matched lines, and what is unmatched in the bank and in the ledger (coordinators, treasurers, board)',
          params: poolParams,
          querystring: readAfter,
          response: {
            200: z.object({
              matched: z.array(line.extend({ entryIds: z.array(z.uuid()), how: z.string() })),
              unmatchedLines: z.array(line),
              unmatchedEntries: z.array(z.object({ entryId: z.uuid(), date: z.iso.date(), kind: z.string(), counterparty: z.string(), reference: z.string(), pence: z.number().int(), amount: z.string() })),
              bankBalancePence: z.number().int().nullable().describe("The newest line's balance, where the bank gives one"),
              ledgerBalancePence: z.number().int(),
            }),
          },
        },
      },
      async (request, reply) => {
        const { networkId, poolId } = request.params;
        await requireMember(store, networkId, signedIn(request), ['coordinator', 'treasurer', 'board']);
        if (!(await waitForProjections(hearth, reply, ['pools'], request.query.after))) return reply;
        const pool = await poolOf(db, networkId, poolId);
        const [lines, matches, entries] = await Promise.all([
          db.selectFrom('pool_bank_lines').selectAll().where('pool_id', '=', poolId).orderBy('line_date').orderBy('statement_id').orderBy('line').execute(),
          db.selectFrom('pool_matches').selectAll().where('pool_id', '=', poolId).execute(),
          // An entry as the bank would show it: with its corrections. A correction is posted as an
          // entry of the kind it corrects, pointing at it; a refund points at its payment, of
          // another kind, and is an entry of its own (whose own corrections are folded into it).
          db
            .selectFrom('pool_entries as e')
            .select((eb) => [
              'e.entry_id', 'e.entry_date', 'e.kind', 'e.counterparty', 'e.reference',
              eb.fn<number>('coalesce', [eb.selectFrom('pool_entries as c').select((c) => c.fn.sum<number>('c.pence').as('s')).whereRef('c.corrects', '=', 'e.entry_id').whereRef('c.kind', '=', 'e.kind').where('c.pool_id', '=', poolId), eb.lit(0)]).as('corrected'),
              'e.pence',
            ])
            .where('e.pool_id', '=', poolId)
            .where((eb) => eb.not(eb.exists(eb.selectFrom('pool_entries as t').select('t.entry_id').whereRef('t.entry_id', '=', 'e.corrects').whereRef('t.kind', '=', 'e.kind').where('t.pool_id', '=', poolId))))
            .orderBy('e.entry_date').orderBy('e.position')
            .execute(),
        ]);
        const byLine = new Map<string, { entryIds: string[]; how: string }>();
        for (const m of matches) byLine.set(m.line_id, { entryIds: [...(byLine.get(m.line_id)?.entryIds ?? []), m.entry_id], how: m.how });
        const matchedEntries = new Set(matches.map((m) => m.entry_id));
        const shown = await Promise.all(
          lines.map(async (l) => ({
            lineId: l.line_id, statementId: l.statement_id, line: l.line, date: l.line_date,
            description: (await vault.open<string>(l.statement_id, l.description)) ?? '(erased)',
            pence: l.pence, amount: formatPence(l.pence), balancePence: l.balance_pence,
          })),
        );
        const newest = lines.filter((l) => l.balance_pence !== null).at(-1);
        return {
          matched: shown.filter((l) => byLine.has(l.lineId)).map((l) => ({ ...l, ...byLine.get(l.lineId)! })),
          unmatchedLines: shown.filter((l) => !byLine.has(l.lineId)),
          unmatchedEntries: entries
            .filter((e) => !matchedEntries.has(e.entry_id))
            .map((e) => {
              const pence = Number(e.pence) + Number(e.corrected);
              return { entryId: e.entry_id, date: e.entry_date, kind: e.kind, counterparty: e.counterparty, reference: e.reference, pence, amount: formatPence(pence) };
            }),
          bankBalancePence: newest?.balance_pence ?? null,
          ledgerBalancePence: pool.balancePence,
        };
      },
    );
  };

  /** The unmatched lines of the pool's statements, their descriptions opened for matching. */
  async function unmatchedLines(history: RecordedEvent[]): Promise<BankLine[]> {
    const state = reconciliationOf(history);
    const lines: BankLine[] = [];
    for (const e of history as unknown as ReconciliationEvent[]) {
      if (e.type !== 'pools.BankStatementImported') continue;
      for (const l of e.data.lines) {
        if (state.matched.has(l.lineId)) continue;
        lines.push({ ...l, description: (await vault.open<string>(e.data.statementId, l.description)) ?? '' });
      }
    }
    return lines;
  }
}

/** The statement, or a refusal naming the line and why. */
function read(csv: string) {
  try {
    return readStatement(csv);
  } catch (err) {
    if (err instanceof StatementError) throw new Rejection('statement-malformed', `Line ${err.line}: ${err.reason}`, 422, String(err.line));
    throw err;
  }
}
