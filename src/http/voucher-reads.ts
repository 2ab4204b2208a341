// Learning vouchers over HTTP, the reads: the network's policy; a voucher with every session that
// used it, for its giver and its learner; one's own gifts and vouchers; a mentor's sessions and the
// vouchers they may redeem; and the treasurer's liability report as at a date, as JSON or CSV
// (?format=csv). Who may see what is decided in src/vouchers/app.ts.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import { pounds } from '../pools/pool.ts';
import { atExpiry, voucherValue } from '../vouchers/voucher.ts';
import type { FundPaymentRow, Liability } from '../vouchers/books.ts';
import { fundPayments, learningFund, liability, ownVouchers, vouchersToKeep, policyOf, redeemableToday, sessionsOf, voucherFor, type ShownVoucher } from '../vouchers/app.ts';
import { answerPage, pageOf, pageQuery } from './paging.ts';
import { readAfter, waitForProjections, etag } from './reads.ts';
import { csvTable, sendCsvTable, type CsvTable } from './csv.ts';
import { asMoney } from '../units.ts';
import { id, isoDate, name } from '../bounds.ts';

export const money = z.object({ pence: z.number().int(), pounds: z.string() });

const networkParams = z.object({ networkId: id() });
const named = z.object({ personId: id(), name: z.string() });
const voucherShape = z.object({
  voucherId: id(),
  giver: named,
  learner: named,
  value: voucherValue,
  price: money,
  occasion: z.string(),
  message: z.string().describe('The giver\'s message; "(erased)" once the giver has been erased'),
  boughtOn: isoDate(),
  expiresOn: isoDate().nullable(),
  atExpiry,
  status: z.enum(['awaiting-payment', 'held', 'refunded', 'expired']),
  paidOn: isoDate().nullable(),
  left: money,
  leftSessions: z.number().int().nullable().describe("A sessions voucher's sessions still to use; null for an amount"),
  used: money,
  sessionsUsed: z.number().int(),
});

/** A voucher as the API shows it: amounts as money. */
const shown = (v: ShownVoucher) => ({
  voucherId: v.voucherId, giver: v.giver, learner: v.learner, value: v.value, price: asMoney(v.pricePence), occasion: v.occasion, message: v.message,
  boughtOn: v.boughtOn, expiresOn: v.expiresOn, atExpiry: v.atExpiry as z.infer<typeof atExpiry>, status: v.status as z.infer<typeof voucherShape>['status'], paidOn: v.paidOn,
  left: asMoney(v.leftPence), leftSessions: v.leftSessions, used: asMoney(v.usedPence), sessionsUsed: v.uses,
});

export function voucherReadRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/vouchers';

    app.get(
      `${base}/policy`,
      {
        config: { guard: { who: 'member' } },
        schema: {
          summary: "The network's voucher policy: how long vouchers last and where unused value goes (any member); its ETag for If-Match when setting it",
          params: networkParams,
          response: { 200: z.object({ expiryMonths: z.number().int().nullable(), atExpiry }) },
        },
      },
      async (request, reply) => {
        const { policy, revision } = await policyOf(hearth, request.caller, request.params);
        return reply.header('etag', etag(revision)).send(policy);
      },
    );

    app.get(
      base,
      {
        config: { guard: { who: 'member', onBehalf: true } },
        schema: {
          summary: "One's own vouchers: ?given=me, those one gave; ?learner=me, those given to one (a member, or a coordinator on their behalf)",
          params: networkParams,
          querystring: pageQuery()
            .extend({ given: z.literal('me').optional(), learner: z.literal('me').optional() })
            .refine((q) => (q.given === undefined) !== (q.learner === undefined), { message: 'ask for given=me or learner=me', path: ['given'] }),
          response: { 200: pageOf(voucherShape) },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['vouchers', 'people'], request.query.after))) return reply;
        const { networkId } = request.params;
        const as = request.query.given ? 'giver' : 'learner';
        const list = { list: 'own-vouchers', scope: { networkId, as, onBehalfOf: request.caller.onBehalfOf }, query: request.query };
        return (await answerPage(hearth, reply, list, (page) => ownVouchers(hearth, request.caller, { networkId, as, page }), shown)) ?? reply;
      },
    );

    for (const [path, status, what] of [
      ['awaiting-payment', 'awaiting-payment', 'whose money has not come in yet'],
      ['held', 'held', 'paid for and held for their learners, which a giver may ask to have refunded'],
    ] as const) {
      app.get(
        `${base}/${path}`,
        {
          config: { guard: { who: ['treasurer'] } },
          schema: {
            summary: `The network's vouchers ${what}, oldest first, without the giver's message, a page at a time (treasurers)`,
            params: networkParams,
            querystring: pageQuery(),
            response: { 200: pageOf(voucherShape.omit({ message: true })) },
          },
        },
        async (request, reply) => {
          if (!(await waitForProjections(hearth, reply, ['vouchers', 'people'], request.query.after))) return reply;
          const { networkId } = request.params;
          const list = { list: `vouchers-${status}`, scope: { networkId }, query: request.query };
          const withoutMessage = (v: Omit<ShownVoucher, 'message'>) => { const { message: _, ...rest } = shown({ ...v, message: '' }); return rest; };
          return (await answerPage(hearth, reply, list, (page) => vouchersToKeep(hearth, request.caller, { networkId, status, page }), withoutMessage)) ?? reply;
        },
      );
    }

    app.get(
      `${base}/liability`,
      {
        config: { guard: { who: ['treasurer'] } },
        schema: {
          summary: 'What the network holds for learners at the end of a day, by learner (every learner with a voucher paid for: the rows add up to the totals); what expired, to givers and to the learning fund; what was paid back to givers and is still owed them; the fund (treasurers); ?format=csv for a spreadsheet',
          params: networkParams,
          querystring: readAfter.extend({ asAt: isoDate().optional().describe('Figures at the end of this day; today when left out'), format: z.enum(['json', 'csv']).default('json'), table: csvTable(['learners', 'expired', 'summary']) }),
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        if (!(await waitForProjections(hearth, reply, ['vouchers', 'people'], request.query.after))) return reply;
        const report = await liability(hearth, request.caller, { networkId, asAt: request.query.asAt });
        if (request.query.format === 'csv') {
          return sendCsvTable(reply, `voucher-liability-${networkId}-${report.asAt}`, liabilityCsv(report), request.query.table);
        }
        const figures = (f: Omit<Liability['totals'], 'vouchers'>) => ({ paid: asMoney(f.paid), redeemed: asMoney(f.redeemed), refunded: asMoney(f.refunded), expired: asMoney(f.expired), outstanding: asMoney(f.outstanding) });
        return {
          asAt: report.asAt,
          learners: report.learners.map((l) => ({ learner: l.learner, vouchers: l.vouchers, ...figures(l) })),
          totals: { vouchers: report.totals.vouchers, ...figures(report.totals) },
          expired: report.expired.map((x) => ({ voucherId: x.voucherId, expiredOn: x.expiredOn, giver: x.giver, learner: x.learner, amount: asMoney(x.pence), sessions: x.sessions, disposition: x.disposition })),
          expiredToGiver: asMoney(report.expiredToGiver),
          expiredToLearningFund: asMoney(report.expiredToLearningFund),
          paidOutToGivers: asMoney(report.paidOutToGivers),
          owedToGivers: asMoney(report.owedToGivers),
          learningFundSpent: asMoney(report.learningFundSpent),
          learningFund: asMoney(report.learningFund),
        };
      },
    );

    app.get(
      `${base}/sessions`,
      {
        config: { guard: { who: ['mentor', 'coordinator'], onBehalf: true } },
        schema: {
          summary: "A mentor's sessions and what paid for each: vouchers and learners' own contributions (mentors, or a coordinator on a mentor's behalf)",
          params: networkParams,
          querystring: readAfter.extend({ mentor: z.literal('me') }),
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['vouchers', 'people'], request.query.after))) return reply;
        const { mentorId, sessions } = await sessionsOf(hearth, request.caller, request.params);
        const shares = sessions.flatMap((s) => s.shares);
        const paidBy = (voucher: boolean) => asMoney(shares.filter((s) => (s.voucherId !== null) === voucher).reduce((sum, s) => sum + s.pence, 0));
        return {
          mentorId,
          items: sessions.map((s) => ({ ...s, fee: asMoney(s.feePence), shares: s.shares.map((x) => ({ learner: x.learner, voucherId: x.voucherId, amount: asMoney(x.pence) })) })),
          totals: { sessions: sessions.length, fees: asMoney(sessions.reduce((sum, s) => sum + s.feePence, 0)), fromVouchers: paidBy(true), fromContributions: paidBy(false) },
        };
      },
    );

    app.get(
      `${base}/redeemable`,
      {
        config: { guard: { who: ['mentor', 'coordinator'] } },
        schema: {
          summary: "The vouchers a session can be redeemed from today: paid for, something left, not expired; ?learner= one learner's, ?activity= those for an activity and every amount voucher (mentors, coordinators)",
          description: 'Only what a mentor needs to choose the voucher: not the giver, nor their message.',
          params: networkParams,
          querystring: pageQuery().extend({ learner: id().optional(), activity: name(120).optional() }),
          response: {
            200: pageOf(z.object({ voucherId: id(), learner: named, value: voucherValue, left: money, leftSessions: z.number().int().nullable(), expiresOn: isoDate().nullable() })),
          },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['vouchers', 'people'], request.query.after))) return reply;
        const { networkId } = request.params;
        const { learner: learnerId, activity } = request.query;
        const list = { list: 'redeemable-vouchers', scope: { networkId, learnerId, activity }, query: request.query };
        const shownRow = (v: Awaited<ReturnType<typeof redeemableToday>>['items'][number]) => ({ voucherId: v.voucherId, learner: v.learner, value: v.value, left: asMoney(v.leftPence), leftSessions: v.leftSessions, expiresOn: v.expiresOn });
        return (await answerPage(hearth, reply, list, (page) => redeemableToday(hearth, request.caller, { networkId, learnerId, activity, page }), shownRow)) ?? reply;
      },
    );

    app.get(
      `${base}/learning-fund`,
      {
        config: { guard: { who: ['treasurer', 'coordinator', 'board'] } },
        schema: {
          summary: 'The learning fund at the end of a day: what vouchers left it at expiry, what approved payments took out, and its balance (treasurers, coordinators, board)',
          params: networkParams,
          querystring: readAfter.extend({ asAt: isoDate().optional().describe('Figures at the end of this day; today when left out') }),
          response: { 200: z.object({ asAt: isoDate(), received: money, spent: money, balance: money }) },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['vouchers', 'people'], request.query.after))) return reply;
        const f = await learningFund(hearth, request.caller, { networkId: request.params.networkId, asAt: request.query.asAt });
        return { asAt: f.asAt, received: asMoney(f.received), spent: asMoney(f.spent), balance: asMoney(f.balance) };
      },
    );

    app.get(
      `${base}/learning-fund/payments`,
      {
        config: { guard: { who: ['treasurer', 'coordinator', 'board'] } },
        schema: {
          summary: 'Every payment asked for from the learning fund, newest first, a page at a time (treasurers, coordinators, board)',
          params: networkParams,
          querystring: pageQuery(),
          response: {
            200: pageOf(z.object({
              paymentId: id(), amount: money, payee: z.string(), purpose: z.string(), requestedBy: named, requestedOn: isoDate(),
              status: z.enum(['requested', 'paid', 'rejected']), approvedBy: named.nullable(), paidOn: isoDate().nullable(), rejectionReason: z.string().nullable(),
            })),
          },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['vouchers', 'people'], request.query.after))) return reply;
        const list = { list: 'learning-fund-payments', scope: request.params, query: request.query };
        const shownPayment = ({ pence, status, ...p }: FundPaymentRow) => ({ ...p, amount: asMoney(pence), status: status as 'requested' | 'paid' | 'rejected' });
        return (await answerPage(hearth, reply, list, (page) => fundPayments(hearth, request.caller, { ...request.params, page }), shownPayment)) ?? reply;
      },
    );

    app.get(
      `${base}/:voucherId`,
      {
        config: { guard: { who: 'member' } },
        schema: {
          summary: 'A voucher and how it was used: each session, its date, activity and mentor (its giver, its learner, treasurers, coordinators); its ETag for If-Match',
          params: networkParams.extend({ voucherId: id() }),
          querystring: readAfter,
          response: {
            200: voucherShape.extend({
              uses: z.array(z.object({ sessionId: id(), date: isoDate(), startsAt: z.string().nullable(), activity: z.string(), mentor: named, amount: money, sessions: z.number().int() })),
              refunds: z.array(z.object({ refundedOn: isoDate(), amount: money, reason: z.string() })),
              payouts: z.array(z.object({ paidOn: isoDate(), amount: money, method: z.string(), reference: z.string() })).describe('Money paid back to the giver'),
              expiry: z.object({ expiredOn: isoDate(), amount: money, sessions: z.number().int(), disposition: atExpiry }).nullable(),
            }),
          },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['vouchers', 'people'], request.query.after))) return reply;
        const v = await voucherFor(hearth, request.caller, request.params);
        return reply.header('etag', etag(v.revision)).send({
          ...shown(v.voucher),
          uses: v.uses.map((u) => ({ sessionId: u.sessionId, date: u.date, startsAt: u.startsAt, activity: u.activity, mentor: u.mentor, amount: asMoney(u.pence), sessions: u.sessions })),
          refunds: v.refunds.map((r) => ({ refundedOn: r.refundedOn, amount: asMoney(r.pence), reason: r.reason })),
          payouts: v.payouts.map((p) => ({ paidOn: p.paidOn, amount: asMoney(p.pence), method: p.method, reference: p.reference })),
          expiry: v.expiry && { expiredOn: v.expiry.expiredOn, amount: asMoney(v.expiry.pence), sessions: v.expiry.sessions, disposition: v.expiry.disposition as z.infer<typeof atExpiry> },
        });
      },
    );
  };
}

/** The liability report as spreadsheets read it: amounts in pounds, by learner with a total row; what expired; and the fund. */
export function liabilityCsv(r: Liability) {
  const money = (f: Omit<Liability['totals'], 'vouchers'>) => [pounds(f.paid), pounds(f.redeemed), pounds(f.refunded), pounds(f.expired), pounds(f.outstanding)];
  return {
    learners: [
      ['learner', 'learner id', 'vouchers', 'paid (£)', 'redeemed (£)', 'refunded (£)', 'expired (£)', 'outstanding (£)'],
      ...r.learners.map((l) => [l.learner.name, l.learner.personId, String(l.vouchers), ...money(l)]),
      ['Total', '', String(r.totals.vouchers), ...money(r.totals)],
    ],
    expired: [
      ['expired on', 'voucher id', 'giver', 'learner', 'sessions', 'amount (£)', 'to'],
      ...r.expired.map((x) => [x.expiredOn, x.voucherId, x.giver.name, x.learner.name, String(x.sessions), pounds(x.pence), x.disposition === 'learning-fund' ? 'learning fund' : 'giver']),
    ],
    summary: [
      ['item', 'value'],
      ['Learning vouchers: value held for learners as at the end of', r.asAt],
      ['Expired back to givers (£)', pounds(r.expiredToGiver)],
      ['Expired to the learning fund (£)', pounds(r.expiredToLearningFund)],
      ['Paid back to givers (£)', pounds(r.paidOutToGivers)],
      ['Owed to givers (£)', pounds(r.owedToGivers)],
      ['Paid out of the learning fund (£)', pounds(r.learningFundSpent)],
      ['Learning fund balance (£)', pounds(r.learningFund)],
    ],
  } satisfies Record<string, CsvTable>;
}
