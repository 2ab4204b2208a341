// A pool's bank reconciliation over HTTP: a treasurer sends the bank's CSV statement; Hearth reads
// every line first (refusing the whole file, with the line and why, if one is wrong), records the
// lines it has not seen, and matches what it can; the treasurer matches the rest by hand, and sees
// what is unmatched on either side. Each route parses, calls src/pools/app.ts and maps.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import * as pools from '../pools/app.ts';
import { layouts } from '../pools/bank-statement.ts';
import { formatPence } from '../units.ts';
import { poolParams } from './pools.ts';
import { readAfter, waitForProjections, writeResult, etag, sendWritten } from './reads.ts';
import { IMPORT_BODY_LIMIT } from './timebank-import.ts';
import { id, isoDate, reasonText } from '../bounds.ts';

/** A treasurer's write to the pool's reconciliation: If-Match may carry the reconciliation's ETag. */
const onTheReconciliation = { who: ['treasurer'], write: true, ifMatch: true } as const;

export function reconciliationRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/pools/:poolId';

    app.post(
      `${base}/bank-statements`,
      {
        bodyLimit: IMPORT_BODY_LIMIT,
        config: { guard: onTheReconciliation },
        schema: {
          operationId: 'importBankStatement',
          summary: 'Import a bank statement CSV, and match its lines to the ledger where amount, date and reference leave no doubt (treasurers)',
          description: `Content-Type text/csv. Layouts read: ${layouts.map((l) => l.name).join('; ')}. The file is read whole first: a line Hearth cannot read refuses the file, naming the line and why, and nothing is imported. Lines imported before (from this file or an overlapping one) are not imported again.`,
          consumes: ['text/csv'],
          params: poolParams,
          body: z.string().min(1, 'the CSV file is empty'),
          response: { 201: writeResult.extend({ statementId: id(), layout: z.string(), lines: z.number().int(), imported: z.number().int(), matched: z.number().int() }) },
        },
      },
      async (request, reply) => sendWritten(reply, 201, await pools.importBankStatement(hearth, request.caller, { ...request.params, csv: request.body })),
    );

    app.post(
      `${base}/reconciliation/auto-match`,
      {
        config: { guard: onTheReconciliation },
        schema: { summary: 'Match again, after new entries were recorded, what amount, date and reference leave no doubt about (treasurers)', params: poolParams, response: { 200: writeResult.extend({ matched: z.number().int() }) } },
      },
      async (request, reply) => sendWritten(reply, 200, await pools.autoMatch(hearth, request.caller, request.params)),
    );

    app.post(
      `${base}/reconciliation/matches`,
      {
        config: { guard: onTheReconciliation },
        schema: {
          operationId: 'matchBankLine',
          summary: "Match a bank line by hand to the entries it shows; their amounts must add up to the line's (treasurers)",
          params: poolParams,
          body: z.strictObject({ lineId: id(), entryIds: z.array(id()).min(1) }),
          response: { 201: writeResult },
        },
      },
      async (request, reply) => sendWritten(reply, 201, await pools.matchLine(hearth, request.caller, { ...request.params, ...request.body })),
    );

    app.post(
      `${base}/reconciliation/matches/:lineId/removal`,
      {
        config: { guard: onTheReconciliation },
        schema: {
          operationId: 'unmatchBankLine',
          summary: "Undo a line's match, saying why (treasurers)",
          params: poolParams.extend({ lineId: id() }),
          body: z.strictObject({ reason: reasonText() }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => sendWritten(reply, 200, await pools.unmatchLine(hearth, request.caller, { ...request.params, ...request.body })),
    );

    const line = z.object({ lineId: id(), statementId: id(), line: z.number().int(), date: isoDate(), description: z.string(), pence: z.number().int(), amount: z.string(), balancePence: z.number().int().nullable() });
    app.get(
      `${base}/reconciliation`,
      {
        config: { guard: { who: pools.bookKeepers } },
        schema: {
          summary: "The reconciliation: matched lines, and what is unmatched in the bank and in the ledger (coordinators, treasurers, board); its ETag is the reconciliation's revision",
          params: poolParams,
          querystring: readAfter,
          response: {
            200: z.object({
              matched: z.array(line.extend({ entryIds: z.array(id()), how: z.string() })),
              unmatchedLines: z.array(line),
              unmatchedEntries: z.array(z.object({ entryId: id(), date: isoDate(), kind: z.string(), counterparty: z.string(), reference: z.string(), pence: z.number().int(), amount: z.string() })),
              bankBalancePence: z.number().int().nullable().describe("The bank's closing balance: the last balance of the statement that ends latest, in the order the bank printed its lines"),
              ledgerBalancePence: z.number().int(),
              againstBooks: z
                .object({
                  on: isoDate(), bankPence: z.number().int(), booksPence: z.number().int(), differencePence: z.number().int(), broughtForwardPence: z.number().int(),
                  unmatchedLinesPence: z.number().int(), unmatchedEntriesPence: z.number().int(), unexplainedPence: z.number().int(),
                })
                .nullable()
                .describe("The bank's closing balance beside the books' on the same day; the difference is what the account held before the first line imported, plus unmatched bank lines, less unmatched entries, and anything unexplained"),
            }),
          },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['pools'], request.query.after))) return reply;
        const { pool, lines, unmatchedEntries, bankBalancePence, againstBooks, revision } = await pools.readReconciliation(hearth, request.caller, request.params);
        reply.header('etag', etag(revision));
        const shown = lines.map(({ match, ...l }) => ({ line: { ...l, amount: formatPence(l.pence) }, match }));
        return {
          matched: shown.flatMap(({ line, match }) => (match ? [{ ...line, ...match }] : [])),
          unmatchedLines: shown.flatMap(({ line, match }) => (match ? [] : [line])),
          unmatchedEntries: unmatchedEntries.map((e) => ({ ...e, amount: formatPence(e.pence) })),
          bankBalancePence,
          ledgerBalancePence: pool.balancePence,
          againstBooks,
        };
      },
    );
  };
}
