// Pools over HTTP, the books: the pool and its budget holders, payments awaiting approval, the
// ledger, the trial balance, each holder's Direct Payment statement and each closed period's
// statement, as JSON, CSV (?format=csv) or a printable page (?format=html). Each route waits for
// the figures it was asked to include, calls the application (src/pools/app.ts) and maps.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import * as pools from '../pools/app.ts';
import { holderStatementCsv, holderStatementPage, ledgerCsv, periodStatementCsv, periodStatementPage, trialBalanceCsv, unattributedRows } from '../pools/statement.ts';
import type { PaymentRow } from '../pools/books.ts';
import { asMoney } from '../units.ts';
import { poolParams } from './pools.ts';
import { answerPage, pageOf, pageQuery } from './paging.ts';
import type { Page } from '../db/keyset.ts';
import { readAfter, waitForProjections, etag } from './reads.ts';
import { csvTable, sendCsv, sendCsvTable } from './csv.ts';
import { EARLIEST_DATE, id, isoDate } from '../bounds.ts';

/** Those who keep the books read all of them; a budget holder reads their own statement. */
const keepers = { who: pools.bookKeepers } as const;
const format = z.enum(['json', 'csv', 'html']).default('json').describe('json, csv, or html for a printable page');
const dataFormat = z.enum(['json', 'csv']).default('json').describe('json, or csv for a spreadsheet');
export const money = z.object({ pence: z.number().int(), pounds: z.string() });
const holder = z.object({ holderId: id(), name: z.string(), contributed: money, spent: money, clawedBack: money, unspent: money, shareOfBalance: money });
/** The line of the pool's figures that is no holder's, and what it is made of; with the holders' shares it is the balance. */
const unattributedLine = money
  .extend({ lines: z.array(z.object({ item: z.string(), pence: z.number().int(), pounds: z.string() })) })
  .describe("Not any holder's: money no holder contributed (council and grant income, transfers in), less the pool's own costs and what was spent on holders beyond their own money; the holders' shares of the balance plus this are the balance");
const payment = z.object({
  paymentId: id(), kind: z.enum(['payment', 'transfer']), payee: z.string(), purpose: z.string(), invoiceReference: z.string(), toPoolId: id().nullable(),
  amount: money, beneficiaries: z.array(z.object({ holderId: id(), pence: z.number().int() })), submittedBy: id(), submittedOn: isoDate(),
  invoiceDate: isoDate().nullable().describe("The date on the invoice, where it was given"),
  approvedOn: isoDate().nullable().describe('The day its approvals were completed'),
  paidOn: isoDate().nullable().describe('The day the money left the account: the date of its ledger entry'),
  status: z.string(), approvedBy: z.array(id()), rejectionReason: z.string().nullable(),
});

const toPayment = ({ pence, ...p }: PaymentRow) => ({ ...p, amount: asMoney(pence) });

export function poolBookRoutes(hearth: Hearth): FastifyPluginAsync {
  /** The pools' figures, once they include `after`; false when a 503 was sent instead. */
  const settled = (reply: FastifyReply, after: number | undefined) => waitForProjections(hearth, reply, ['pools', 'people'], after);

  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/pools';

    app.get(
      base,
      {
        config: { guard: keepers },
        schema: {
          summary: "The network's pools by name and their balances, a page at a time (coordinators, treasurers, board)",
          params: z.object({ networkId: id() }),
          querystring: pageQuery(),
          response: { 200: pageOf(z.object({ poolId: id(), name: z.string(), balance: money })) },
        },
      },
      async (request, reply) => {
        if (!(await settled(reply, request.query.after))) return reply;
        const list = { list: 'pools', scope: request.params, query: request.query };
        const shown = (p: { poolId: string; name: string; balancePence: number }) => ({ poolId: p.poolId, name: p.name, balance: asMoney(p.balancePence) });
        return (await answerPage(hearth, reply, list, (page) => pools.listPools(hearth, request.caller, { ...request.params, page }), shown)) ?? reply;
      },
    );

    app.get(
      `${base}/:poolId`,
      {
        config: { guard: keepers },
        schema: {
          summary: "A pool: its balance, approval threshold, the last closed period, and each budget holder's figures (coordinators, treasurers, board); its ETag is the pool's revision",
          params: poolParams,
          querystring: readAfter.extend({ asAt: isoDate().optional().describe('Figures at the end of this day; today when left out') }),
          response: {
            200: z.object({
              poolId: id(), name: z.string(), balance: money, twoApproversAbovePence: z.number().int(), closedThrough: isoDate().nullable(), asAt: isoDate(), holders: z.array(holder),
              unattributed: unattributedLine,
            }),
          },
        },
      },
      async (request, reply) => {
        if (!(await settled(reply, request.query.after))) return reply;
        const { pool, asAt, balancePence, holders, unattributed, revision } = await pools.readPool(hearth, request.caller, { ...request.params, asAt: request.query.asAt });
        reply.header('etag', etag(revision));
        return {
          poolId: pool.poolId,
          name: pool.name,
          balance: asMoney(balancePence),
          twoApproversAbovePence: pool.twoApproversAbovePence,
          closedThrough: pool.closedThrough,
          asAt,
          holders: holders.map((h) => ({ holderId: h.holderId, name: h.name, contributed: asMoney(h.contributed), spent: asMoney(h.spent), clawedBack: asMoney(h.clawedBack), unspent: asMoney(h.unspent), shareOfBalance: asMoney(h.shareOfBalance) })),
          unattributed: {
            ...asMoney(unattributed.pence),
            lines: unattributedRows(unattributed).map(([item, p]) => ({ item, ...asMoney(p) })),
          },
        };
      },
    );

    app.get(
      `${base}/:poolId/payments`,
      {
        config: { guard: keepers },
        schema: {
          summary: 'Payments and transfers by date, newest submitted first, with their approvals, a page at a time (coordinators, treasurers, board)',
          params: poolParams,
          querystring: pageQuery({ default: 50, max: pools.MOST_PAYMENTS }).extend({ status: z.enum(['submitted', 'paying', 'paid', 'rejected']).optional() }),
          response: { 200: pageOf(payment) },
        },
      },
      async (request, reply) => {
        if (!(await settled(reply, request.query.after))) return reply;
        const { status } = request.query;
        const list = { list: 'pool-payments', scope: { ...request.params, status }, query: request.query };
        const read = async ({ limit, after }: Page<readonly [string, string]>) => {
          const found = await pools.listPayments(hearth, request.caller, { ...request.params, status, limit, after: after && { submittedOn: after[0], paymentId: after[1] } });
          return { items: found.items, next: found.next && ([found.next.submittedOn, found.next.paymentId] as const) };
        };
        return (await answerPage(hearth, reply, list, read, toPayment)) ?? reply;
      },
    );

    app.get(
      `${base}/:poolId/payments/:paymentId`,
      {
        config: { guard: keepers },
        schema: {
          summary: 'A payment or transfer with its approvals (coordinators, treasurers, board); its ETag is the payment\'s revision, for If-Match on its approval or rejection',
          params: poolParams.extend({ paymentId: id() }),
          querystring: readAfter,
          response: { 200: payment },
        },
      },
      async (request, reply) => {
        if (!(await settled(reply, request.query.after))) return reply;
        const { payment: row, revision } = await pools.readPayment(hearth, request.caller, request.params);
        reply.header('etag', etag(revision));
        return toPayment(row);
      },
    );

    app.get(
      `${base}/:poolId/ledger`,
      {
        config: { guard: keepers },
        schema: {
          summary: 'The pool ledger between two dates, with the running balance (coordinators, treasurers, board); ?format=csv for a spreadsheet',
          params: poolParams,
          querystring: readAfter.extend({ from: isoDate().default(EARLIEST_DATE), to: isoDate().optional(), format: dataFormat }),
        },
      },
      async (request, reply) => {
        if (!(await settled(reply, request.query.after))) return reply;
        const { from, to, opening, lines } = await pools.poolLedger(hearth, request.caller, { ...request.params, from: request.query.from, to: request.query.to });
        if (request.query.format === 'csv') return sendCsv(reply, `pool-ledger-${request.params.poolId}-${to}`, ledgerCsv(opening, lines));
        return { from, to, opening: asMoney(opening), lines: lines.map((l) => ({ ...l, amount: asMoney(l.pence), balance: asMoney(l.balance) })) };
      },
    );

    app.get(
      `${base}/:poolId/trial-balance`,
      {
        config: { guard: keepers },
        schema: {
          summary: "Every account's balance at the end of a day; debits equal credits (coordinators, treasurers, board)",
          params: poolParams,
          querystring: readAfter.extend({ asAt: isoDate().optional(), format: dataFormat }),
          response: {
            200: z.object({
              asAt: isoDate(), accounts: z.array(z.object({ account: z.string(), debit: money, credit: money })), totalDebit: money, totalCredit: money,
              balance: money.describe("The bank account's balance, which is the holders' shares plus the line that is no holder's"),
              holdersShares: money,
              unattributed: money.describe("Not any holder's: money no holder contributed (council, grants), less the pool's own costs"),
            }),
          },
        },
      },
      async (request, reply) => {
        if (!(await settled(reply, request.query.after))) return reply;
        const { asAt, lines, balancePence, holdersPence, unattributed } = await pools.poolTrialBalance(hearth, request.caller, { ...request.params, asAt: request.query.asAt });
        if (request.query.format === 'csv') return sendCsv(reply, `trial-balance-${request.params.poolId}-${asAt}`, trialBalanceCsv(lines));
        return {
          asAt,
          accounts: lines.map((l) => ({ account: l.account, debit: asMoney(l.debit), credit: asMoney(l.credit) })),
          totalDebit: asMoney(lines.reduce((s, l) => s + l.debit, 0)),
          totalCredit: asMoney(lines.reduce((s, l) => s + l.credit, 0)),
          balance: asMoney(balancePence),
          holdersShares: asMoney(holdersPence),
          unattributed: asMoney(unattributed.pence),
        };
      },
    );

    app.get(
      `${base}/:poolId/holders/:holderId/statement`,
      {
        config: { guard: { who: 'member' } },
        schema: {
          summary: "A budget holder's Direct Payment statement for a period: JSON, CSV or a printable page (the holder, coordinators, treasurers, board)",
          params: poolParams.extend({ holderId: id() }),
          querystring: readAfter.extend({ from: isoDate(), to: isoDate(), format, table: csvTable(['entries', 'summary']) }),
        },
      },
      async (request, reply) => {
        if (!(await settled(reply, request.query.after))) return reply;
        const { from, to } = request.query;
        const statement = await pools.directPaymentStatement(hearth, request.caller, { ...request.params, from, to });
        if (request.query.format === 'csv') return sendCsvTable(reply, `direct-payment-statement-${request.params.holderId}-${from}-${to}`, holderStatementCsv(statement), request.query.table);
        if (request.query.format === 'html') return reply.type('text/html; charset=utf-8').send(holderStatementPage(statement));
        return statement;
      },
    );

    // Whole: a period closes once a month at most.
    app.get(
      `${base}/:poolId/periods`,
      {
        config: { guard: keepers },
        schema: {
          summary: 'Closed periods, with the digest recorded at each close (coordinators, treasurers, board)',
          params: poolParams,
          querystring: readAfter,
          response: { 200: z.object({ items: z.array(z.object({ periodEnd: isoDate(), closedOn: isoDate(), closedBy: id(), balance: money, digest: z.string(), upToPosition: z.number().int() })) }) },
        },
      },
      async (request, reply) => {
        if (!(await settled(reply, request.query.after))) return reply;
        const periods = await pools.listPeriods(hearth, request.caller, request.params);
        return { items: periods.map(({ balancePence, ...p }) => ({ ...p, balance: asMoney(balancePence) })) };
      },
    );

    app.get(
      `${base}/:poolId/balances`,
      {
        config: { guard: keepers },
        schema: {
          summary: "The pool's balance at the close of each day or month between two dates, for a chart (coordinators, treasurers, board)",
          description: `At most ${pools.MOST_DAYS} days or ${pools.MOST_MONTHS} months at a time. Left out, the range is the last 30 days (by=day) or the last 12 months to today (by=month); a month's last point is its last day, or \`to\` when that comes first.`,
          params: poolParams,
          querystring: readAfter.extend({ by: z.enum(['day', 'month']).default('month'), from: isoDate().optional(), to: isoDate().optional() }),
          response: { 200: z.object({ by: z.enum(['day', 'month']), from: isoDate(), to: isoDate(), points: z.array(z.object({ date: isoDate(), balance: money })) }) },
        },
      },
      async (request, reply) => {
        if (!(await settled(reply, request.query.after))) return reply;
        const { by, from, to } = request.query;
        const chart = await pools.balanceChart(hearth, request.caller, { ...request.params, by, from, to });
        return { ...chart, points: chart.points.map((p) => ({ date: p.date, balance: asMoney(p.pence) })) };
      },
    );

    app.get(
      `${base}/:poolId/audit`,
      {
        config: { guard: keepers },
        schema: {
          summary: "The pool's closed periods with the digest recorded at each, taken again over the log as it stands; ?chains=true also recomputes every hash chain of the log (coordinators, treasurers, board)",
          description: 'Taking a digest again reads the hashes of the log up to its position; recomputing the chains reads the whole log, so it is done only when asked for. `hearth audit verify` also rebuilds every projection.',
          params: poolParams,
          querystring: readAfter.extend({ chains: z.enum(['true', 'false']).default('false'), last: z.coerce.number().int().min(1).max(120).default(12).describe('How many of the latest periods') }),
          response: {
            200: z.object({
              periods: z.array(z.object({ periodEnd: isoDate(), closedOn: isoDate(), balance: money, digest: z.string(), upToPosition: z.number().int(), digestHolds: z.boolean().nullable().describe("Null for a digest taken over PostgreSQL's own chain, once the events are in EventStoreDB") })),
              chains: z
                .object({ events: z.number().int(), streams: z.number().int(), broken: z.number().int(), gaps: z.number().int(), missingPositions: z.number().int(), verify: z.boolean() })
                .nullable()
                .describe('Counts only: a finding may be in another network'),
            }),
          },
        },
      },
      async (request, reply) => {
        if (!(await settled(reply, request.query.after))) return reply;
        const { periods, chains } = await pools.poolAudit(hearth, request.caller, { ...request.params, last: request.query.last, chains: request.query.chains === 'true' });
        return {
          periods: periods.map((p) => ({ periodEnd: p.periodEnd, closedOn: p.closedOn, balance: asMoney(p.balancePence), digest: p.digest, upToPosition: p.upToPosition, digestHolds: p.digestHolds })),
          chains,
        };
      },
    );

    app.get(
      `${base}/:poolId/periods/:periodEnd/statement`,
      {
        config: { guard: keepers },
        schema: {
          summary: "A closed period's statement: entries, balances brought and carried forward, each holder's figures and the digest (coordinators, treasurers, board)",
          params: poolParams.extend({ periodEnd: isoDate() }),
          querystring: readAfter.extend({ format, table: csvTable(['ledger', 'holders', 'unattributed', 'summary']) }),
        },
      },
      async (request, reply) => {
        if (!(await settled(reply, request.query.after))) return reply;
        const statement = await pools.closedPeriodStatement(hearth, request.caller, request.params);
        const { poolId, periodEnd } = request.params;
        if (request.query.format === 'csv') return sendCsvTable(reply, `period-statement-${poolId}-${periodEnd}`, periodStatementCsv(statement), request.query.table);
        if (request.query.format === 'html') return reply.type('text/html; charset=utf-8').send(periodStatementPage(statement));
        return statement;
      },
    );
  };
}
