// Pools over HTTP, the books: the pool and its budget holders, payments awaiting approval, the
// ledger, the trial balance, each holder's Direct Payment statement and each closed period's
// statement, as JSON, CSV (?format=csv) or a printable page (?format=html).
import { shownName } from '../access/person.ts';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sql } from 'kysely';
import type { Hearth } from '../hearth.ts';
import { Forbidden, requireMember, signedIn } from '../access/guard.ts';
import { Rejection } from '../commands/decider.ts';
import { addDays, today } from '../dates.ts';
import { holdersAsAt, holderStatement, ledger, poolOf, trialBalance } from '../pools/books.ts';
import { holderStatementCsv, holderStatementPage, ledgerCsv, periodStatementCsv, periodStatementPage, trialBalanceCsv, type PeriodStatement } from '../pools/statement.ts';
import { asMoney } from '../units.ts';
import { poolParams } from './pools.ts';
import { readAfter, waitForProjections } from './reads.ts';
import { toCsv } from './csv.ts';
import { brokenChains, hashesUpTo } from '../audit/chain.ts';

const books = ['coordinator', 'treasurer', 'board'] as const;
const [MOST_DAYS, MOST_MONTHS] = [400, 120];
const format = z.enum(['json', 'csv', 'html']).default('json').describe('json, csv, or html for a printable page');
const dataFormat = z.enum(['json', 'csv']).default('json').describe('json, or csv for a spreadsheet');
export const money = z.object({ pence: z.number().int(), pounds: z.string() });
const holder = z.object({ holderId: z.uuid(), name: z.string(), contributed: money, spent: money, clawedBack: money, unspent: money, shareOfBalance: money });

export function sendCsv(reply: FastifyReply, filename: string, rows: string[][]) {
  reply.header('content-disposition', `attachment; filename="${filename}.csv"`);
  return reply.type('text/csv; charset=utf-8').send(toCsv(rows));
}

export function poolBookRoutes(hearth: Hearth): FastifyPluginAsync {
  const { store } = hearth;
  const db = hearth.database.db;

  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/pools';

    /** Signed in, in one of the roles that keep the books, and the pool's figures up to `after`. */
    async function keeper(request: FastifyRequest & { params: { networkId: string }; query: { after?: number } }, reply: FastifyReply) {
      await requireMember(store, request.params.networkId, signedIn(request), books);
      return waitForProjections(hearth, reply, ['pools', 'people'], request.query.after);
    }

    app.get(
      base,
      {
        schema: {
          summary: "The network's pools and their balances (coordinators, treasurers, board)",
          params: z.object({ networkId: z.uuid() }),
          querystring: readAfter,
          response: { 200: z.object({ items: z.array(z.object({ poolId: z.uuid(), name: z.string(), balance: money })) }) },
        },
      },
      async (request, reply) => {
        if (!(await keeper(request, reply))) return reply;
        const rows = await db.selectFrom('pools').select(['pool_id', 'name']).where('network_id', '=', request.params.networkId).orderBy('name').execute();
        const items = await Promise.all(rows.map(async (r) => ({ poolId: r.pool_id, name: r.name, balance: asMoney((await poolOf(db, request.params.networkId, r.pool_id)).balancePence) })));
        return { items };
      },
    );

    app.get(
      `${base}/:poolId`,
      {
        schema: {
          summary: "A pool: its balance, approval threshold, the last closed period, and each budget holder's figures (coordinators, treasurers, board)",
          params: poolParams,
          querystring: readAfter.extend({ asAt: z.iso.date().optional().describe('Figures at the end of this day; today when left out') }),
          response: {
            200: z.object({ poolId: z.uuid(), name: z.string(), balance: money, twoApproversAbovePence: z.number().int(), closedThrough: z.iso.date().nullable(), asAt: z.iso.date(), holders: z.array(holder) }),
          },
        },
      },
      async (request, reply) => {
        if (!(await keeper(request, reply))) return reply;
        const { networkId, poolId } = request.params;
        const pool = await poolOf(db, networkId, poolId);
        const asAt = request.query.asAt ?? today();
        const { balancePence, holders } = await holdersAsAt(db, poolId, asAt);
        return {
          poolId,
          name: pool.name,
          balance: asMoney(balancePence),
          twoApproversAbovePence: pool.twoApproversAbovePence,
          closedThrough: pool.closedThrough,
          asAt,
          holders: holders.map((h) => ({ holderId: h.holderId, name: h.name, contributed: asMoney(h.contributed), spent: asMoney(h.spent), clawedBack: asMoney(h.clawedBack), unspent: asMoney(h.unspent), shareOfBalance: asMoney(h.shareOfBalance) })),
        };
      },
    );

    app.get(
      `${base}/:poolId/payments`,
      {
        schema: {
          summary: 'Payments and transfers, newest first, with their approvals (coordinators, treasurers, board)',
          params: poolParams,
          querystring: readAfter.extend({ status: z.enum(['submitted', 'paid', 'rejected']).optional() }),
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  paymentId: z.uuid(), kind: z.enum(['payment', 'transfer']), payee: z.string(), purpose: z.string(), invoiceReference: z.string(), toPoolId: z.uuid().nullable(),
                  amount: money, beneficiaries: z.array(z.object({ holderId: z.uuid(), pence: z.number().int() })), submittedBy: z.uuid(), submittedOn: z.iso.date(),
                  status: z.string(), approvedBy: z.array(z.uuid()), rejectionReason: z.string().nullable(),
                }),
              ),
            }),
          },
        },
      },
      async (request, reply) => {
        if (!(await keeper(request, reply))) return reply;
        const { networkId, poolId } = request.params;
        await poolOf(db, networkId, poolId);
        let query = db.selectFrom('pool_payments').selectAll().where('pool_id', '=', poolId);
        if (request.query.status) query = query.where('status', '=', request.query.status);
        const rows = await query.orderBy('submitted_on', 'desc').orderBy('payment_id').execute();
        return {
          items: rows.map((r) => ({
            paymentId: r.payment_id, kind: r.kind as 'payment' | 'transfer', payee: r.payee, purpose: r.purpose, invoiceReference: r.invoice_reference, toPoolId: r.to_pool_id,
            amount: asMoney(r.pence), beneficiaries: r.beneficiaries, submittedBy: r.submitted_by, submittedOn: r.submitted_on, status: r.status, approvedBy: r.approved_by, rejectionReason: r.rejection_reason,
          })),
        };
      },
    );

    app.get(
      `${base}/:poolId/ledger`,
      {
        schema: {
          summary: 'The pool ledger between two dates, with the running balance (coordinators, treasurers, board); ?format=csv for a spreadsheet',
          params: poolParams,
          querystring: readAfter.extend({ from: z.iso.date().default('0001-01-01'), to: z.iso.date().optional(), format: dataFormat }),
        },
      },
      async (request, reply) => {
        if (!(await keeper(request, reply))) return reply;
        const { networkId, poolId } = request.params;
        await poolOf(db, networkId, poolId);
        const { from, to = today() } = request.query;
        const { opening, lines } = await ledger(db, poolId, from, to);
        if (request.query.format === 'csv') return sendCsv(reply, `pool-ledger-${poolId}-${to}`, ledgerCsv(opening, lines));
        return { from, to, opening: asMoney(opening), lines: lines.map((l) => ({ ...l, amount: asMoney(l.pence), balance: asMoney(l.balance) })) };
      },
    );

    app.get(
      `${base}/:poolId/trial-balance`,
      {
        schema: {
          summary: "Every account's balance at the end of a day; debits equal credits (coordinators, treasurers, board)",
          params: poolParams,
          querystring: readAfter.extend({ asAt: z.iso.date().optional(), format: dataFormat }),
          response: {
            200: z.object({ asAt: z.iso.date(), accounts: z.array(z.object({ account: z.string(), debit: money, credit: money })), totalDebit: money, totalCredit: money }),
          },
        },
      },
      async (request, reply) => {
        if (!(await keeper(request, reply))) return reply;
        const { networkId, poolId } = request.params;
        await poolOf(db, networkId, poolId);
        const asAt = request.query.asAt ?? today();
        const lines = await trialBalance(db, poolId, asAt);
        if (request.query.format === 'csv') return sendCsv(reply, `trial-balance-${poolId}-${asAt}`, trialBalanceCsv(asAt, lines));
        return {
          asAt,
          accounts: lines.map((l) => ({ account: l.account, debit: asMoney(l.debit), credit: asMoney(l.credit) })),
          totalDebit: asMoney(lines.reduce((s, l) => s + l.debit, 0)),
          totalCredit: asMoney(lines.reduce((s, l) => s + l.credit, 0)),
        };
      },
    );

    app.get(
      `${base}/:poolId/holders/:holderId/statement`,
      {
        schema: {
          summary: "A budget holder's Direct Payment statement for a period: JSON, CSV or a printable page (the holder, coordinators, treasurers, board)",
          params: poolParams.extend({ holderId: z.uuid() }),
          querystring: readAfter.extend({ from: z.iso.date(), to: z.iso.date(), format }),
        },
      },
      async (request, reply) => {
        const { networkId, poolId, holderId } = request.params;
        const principal = signedIn(request);
        const member = await requireMember(store, networkId, principal);
        if (principal.personId !== holderId && !member.roles.some((r) => (books as readonly string[]).includes(r))) {
          throw new Forbidden('Only the budget holder, or those who keep the books, can see this statement.');
        }
        if (!(await waitForProjections(hearth, reply, ['pools', 'people'], request.query.after))) return reply;
        const { from, to } = request.query;
        if (from > to) throw new Rejection('dates-reversed', 'The period must start on or before its end.', 422, 'from');
        const statement = await holderStatement(db, await poolOf(db, networkId, poolId), holderId, from, to);
        if (request.query.format === 'csv') return sendCsv(reply, `direct-payment-statement-${holderId}-${from}-${to}`, holderStatementCsv(statement));
        if (request.query.format === 'html') return reply.type('text/html; charset=utf-8').send(holderStatementPage(statement));
        return statement;
      },
    );

    app.get(
      `${base}/:poolId/periods`,
      {
        schema: {
          summary: 'Closed periods, with the digest recorded at each close (coordinators, treasurers, board)',
          params: poolParams,
          querystring: readAfter,
          response: { 200: z.object({ items: z.array(z.object({ periodEnd: z.iso.date(), closedOn: z.iso.date(), closedBy: z.uuid(), balance: money, digest: z.string(), upToPosition: z.number().int() })) }) },
        },
      },
      async (request, reply) => {
        if (!(await keeper(request, reply))) return reply;
        const { networkId, poolId } = request.params;
        await poolOf(db, networkId, poolId);
        const rows = await db.selectFrom('pool_periods').selectAll().where('pool_id', '=', poolId).orderBy('period_end').execute();
        return { items: rows.map((r) => ({ periodEnd: r.period_end, closedOn: r.closed_on, closedBy: r.closed_by, balance: asMoney(r.balance_pence), digest: r.digest, upToPosition: r.up_to_position })) };
      },
    );

    app.get(
      `${base}/:poolId/balances`,
      {
        schema: {
          summary: "The pool's balance at the close of each day or month between two dates, for a chart (coordinators, treasurers, board)",
          description: `At most ${MOST_DAYS} days or ${MOST_MONTHS} months at a time. Left out, the range is the last 30 days (by=day) or the last 12 months to today (by=month); a month's last point is its last day, or \`to\` when that comes first.`,
          params: poolParams,
          querystring: readAfter.extend({ by: z.enum(['day', 'month']).default('month'), from: z.iso.date().optional(), to: z.iso.date().optional() }),
          response: { 200: z.object({ by: z.enum(['day', 'month']), from: z.iso.date(), to: z.iso.date(), points: z.array(z.object({ date: z.iso.date(), balance: money })) }) },
        },
      },
      async (request, reply) => {
        if (!(await keeper(request, reply))) return reply;
        const { networkId, poolId } = request.params;
        await poolOf(db, networkId, poolId);
        const { by } = request.query;
        const to = request.query.to ?? today();
        const from = request.query.from ?? (by === 'day' ? addDays(to, -29) : `${monthsBefore(to, 11)}-01`);
        if (from > to) throw new Rejection('dates-reversed', 'The range must start on or before its end.', 422, 'from');
        const ends = closingDays(by, from, to);
        if (ends.length > (by === 'day' ? MOST_DAYS : MOST_MONTHS)) throw new Rejection('range-too-long', `Ask for at most ${MOST_DAYS} days or ${MOST_MONTHS} months at a time.`, 422, 'from');
        const [opening, days] = await Promise.all([
          db.selectFrom('pool_entries').select(sql<number>`coalesce(sum(pence), 0)::bigint`.as('b')).where('pool_id', '=', poolId).where('entry_date', '<', from).executeTakeFirstOrThrow(),
          db.selectFrom('pool_entries').select(['entry_date', sql<number>`sum(pence)::bigint`.as('net')]).where('pool_id', '=', poolId).where('entry_date', '>=', from).where('entry_date', '<=', to).groupBy('entry_date').orderBy('entry_date').execute(),
        ]);
        let balance = Number(opening.b);
        let next = 0;
        const points = ends.map((date) => {
          for (; next < days.length && days[next]!.entry_date <= date; next++) balance += Number(days[next]!.net);
          return { date, balance: asMoney(balance) };
        });
        return { by, from, to, points };
      },
    );

    app.get(
      `${base}/:poolId/audit`,
      {
        schema: {
          summary: "The pool's closed periods with the digest recorded at each, taken again over the log as it stands; ?chains=true also recomputes every hash chain of the log (coordinators, treasurers, board)",
          description: 'Taking a digest again reads the hashes of the log up to its position; recomputing the chains reads the whole log, so it is done only when asked for. `hearth audit verify` also rebuilds every projection.',
          params: poolParams,
          querystring: readAfter.extend({ chains: z.enum(['true', 'false']).default('false'), last: z.coerce.number().int().min(1).max(120).default(12).describe('How many of the latest periods') }),
          response: {
            200: z.object({
              periods: z.array(z.object({ periodEnd: z.iso.date(), closedOn: z.iso.date(), balance: money, digest: z.string(), upToPosition: z.number().int(), digestHolds: z.boolean().nullable().describe('Null where the log keeps no hashes (EventStoreDB)') })),
              chains: z
                .object({ events: z.number().int(), streams: z.number().int(), broken: z.number().int(), gaps: z.number().int(), missingPositions: z.number().int(), verify: z.boolean() })
                .nullable()
                .describe('Counts only: a finding may be in another network'),
            }),
          },
        },
      },
      async (request, reply) => {
        if (!(await keeper(request, reply))) return reply;
        const { networkId, poolId } = request.params;
        await poolOf(db, networkId, poolId);
        const hashed = store.kind !== 'eventstoredb';
        const rows = await db.selectFrom('pool_periods').selectAll().where('pool_id', '=', poolId).orderBy('period_end', 'desc').limit(request.query.last).execute();
        const periods = await Promise.all(
          rows.map(async (r) => ({
            periodEnd: r.period_end, closedOn: r.closed_on, balance: asMoney(r.balance_pence), digest: r.digest, upToPosition: r.up_to_position,
            digestHolds: hashed ? (await hashesUpTo(db, r.up_to_position)).sha256 === r.digest : null,
          })),
        );
        const found = hashed && request.query.chains === 'true' ? await brokenChains(db) : undefined;
        const chains = found && {
          events: found.events, streams: found.streams, broken: found.broken.length, gaps: found.gaps.length, missingPositions: found.missingPositions.length,
          verify: found.broken.length + found.gaps.length + found.missingPositions.length === 0,
        };
        return { periods, chains: chains ?? null };
      },
    );

    app.get(
      `${base}/:poolId/periods/:periodEnd/statement`,
      {
        schema: {
          summary: "A closed period's statement: entries, balances brought and carried forward, each holder's figures and the digest (coordinators, treasurers, board)",
          params: poolParams.extend({ periodEnd: z.iso.date() }),
          querystring: readAfter.extend({ format }),
        },
      },
      async (request, reply) => {
        if (!(await keeper(request, reply))) return reply;
        const { networkId, poolId, periodEnd } = request.params;
        const pool = await poolOf(db, networkId, poolId);
        const periods = await db.selectFrom('pool_periods').selectAll().where('pool_id', '=', poolId).orderBy('period_end').execute();
        const index = periods.findIndex((p) => p.period_end === periodEnd);
        if (index < 0) throw new Rejection('period-not-found', 'No period of this pool was closed on that date.', 404, 'periodEnd');
        const closed = periods[index]!;
        const from = index === 0 ? '0001-01-01' : addDays(periods[index - 1]!.period_end, 1);
        const [{ opening, lines }, { holders }, closer] = await Promise.all([
          ledger(db, poolId, from, periodEnd),
          holdersAsAt(db, poolId, periodEnd),
          db.selectFrom('people').select(['name', 'erased']).where('person_id', '=', closed.closed_by).executeTakeFirst(),
        ]);
        const statement: PeriodStatement = {
          pool,
          from: index === 0 ? (lines[0]?.date ?? periodEnd) : from,
          to: periodEnd,
          closedOn: closed.closed_on,
          closedBy: shownName(closer?.name, closer?.erased),
          opening,
          closing: lines.at(-1)?.balance ?? opening,
          lines,
          holders,
          digest: { upToPosition: closed.up_to_position, sha256: closed.digest },
        };
        if (request.query.format === 'csv') return sendCsv(reply, `period-statement-${poolId}-${periodEnd}`, periodStatementCsv(statement));
        if (request.query.format === 'html') return reply.type('text/html; charset=utf-8').send(periodStatementPage(statement));
        return statement;
      },
    );
  };
}

/** The ISO month (2026-03) `n` months before the month of `day`. */
function monthsBefore(day: string, n: number): string {
  const index = Number(day.slice(0, 4)) * 12 + Number(day.slice(5, 7)) - 1 - n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** The days whose closing balance a chart shows: each day, or each month's last day (the range's end for the last). */
function closingDays(by: 'day' | 'month', from: string, to: string): string[] {
  const ends: string[] = [];
  if (by === 'day') {
    // Bounded, so that a range of centuries does not build a list before it is refused.
    for (let d = from; d <= to && ends.length <= MOST_DAYS; d = addDays(d, 1)) ends.push(d);
    return ends;
  }
  for (let month = from.slice(0, 7); ends.length <= MOST_MONTHS; month = monthsBefore(`${month}-01`, -1)) {
    const last = addDays(`${monthsBefore(`${month}-01`, -1)}-01`, -1);
    ends.push(last < to ? last : to);
    if (last >= to) break;
  }
  return ends;
}
