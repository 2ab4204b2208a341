// The co-op over HTTP, the reads: the co-op and its funds, applications, the register of members
// as at any date (JSON or CSV), a member's holding, and the proposals with their ballots. Who voted
// how in a secret ballot is never shown; results stay hidden until the close when a proposal says so,
// and always for a secret ballot.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import { pounds } from '../pools/pool.ts';
import * as coop from '../coop/app.ts';
import { rulesShape } from '../coop/society.ts';
import { choices, source } from '../coop/proposal.ts';
import { money } from './pool-books.ts';
import { csvTable, sendCsvTable } from './csv.ts';
import { asMoney } from '../units.ts';
import { answerPage, pageOf, pageQuery } from './paging.ts';
import { readAfter, waitForProjections, etag } from './reads.ts';
import { coopParams } from './coop.ts';
import { proposalParams } from './coop-votes.ts';
import { id, isoDate, isoDateTime } from '../bounds.ts';

const choice = z.enum(choices);
/** A line of the register: the address is opened from the person's sealed details, null when none is on file. */
const registerLine = z.object({ personId: id(), name: z.string(), address: z.string().nullable(), memberClass: z.string(), admittedOn: isoDate(), membershipShare: money, shares: money });
const lineOf = (m: coop.RegisterEntry) => ({
  personId: m.personId, name: m.name, address: m.address, memberClass: m.memberClass, admittedOn: m.admittedOn, membershipShare: asMoney(m.membershipSharePence), shares: asMoney(m.sharesPence),
});
const tallies = z.object({ for: z.number().int(), against: z.number().int(), abstain: z.number().int() });

export function coopBookRoutes(hearth: Hearth): FastifyPluginAsync {
  /** The co-op's figures up to the position the reader asks for. */
  const caughtUp = (reply: FastifyReply, after: number | undefined) => waitForProjections(hearth, reply, ['coop', 'people'], after);

  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/coop';

    app.get(
      base,
      {
        config: { guard: { who: 'member' } },
        schema: {
          summary: "The co-op: its rules, funds, reserves, share capital and number of members, and whether withdrawals are suspended (members of the network)",
          params: coopParams,
          querystring: readAfter,
          response: {
            200: z.object({ networkId: id(), name: z.string(), rules: rulesShape, foundedOn: isoDate(), funds: money, reserves: money, withdrawalsSuspended: z.boolean(), shareCapital: money, members: z.number().int() }),
          },
        },
      },
      async (request, reply) => {
        if (!(await caughtUp(reply, request.query.after))) return reply;
        const { networkId } = request.params;
        const { coop: c, shareCapitalPence } = await coop.coopOverview(hearth, request.caller, { networkId });
        return {
          networkId, name: c.name, rules: c.rules, foundedOn: c.foundedOn, funds: asMoney(c.fundsPence), reserves: asMoney(c.reservesPence),
          withdrawalsSuspended: c.withdrawalsSuspended, shareCapital: asMoney(shareCapitalPence), members: c.members,
        };
      },
    );

    app.get(
      `${base}/applications`,
      {
        config: { guard: { who: ['board'] } },
        schema: {
          summary: 'Applications for shares, newest first, with their status, a page at a time (board)',
          params: coopParams,
          querystring: pageQuery().extend({ status: z.enum(['applied', 'issued', 'declined']).optional() }),
          response: {
            200: pageOf(z.object({ applicationId: id(), personId: id(), name: z.string(), memberClass: z.string(), amount: money, status: z.string(), appliedOn: isoDate(), issuedOn: isoDate().nullable(), declineReason: z.string().nullable() })),
          },
        },
      },
      async (request, reply) => {
        if (!(await caughtUp(reply, request.query.after))) return reply;
        const { networkId } = request.params;
        const { status } = request.query;
        type Application = Awaited<ReturnType<typeof coop.applications>>['items'][number];
        const shown = (r: Application) => ({
          applicationId: r.application_id, personId: r.person_id, name: r.name, memberClass: r.member_class, amount: asMoney(Number(r.pence)),
          status: r.status, appliedOn: r.applied_on, issuedOn: r.issued_on, declineReason: r.decline_reason,
        });
        const list = { list: 'share-applications', scope: { networkId, status }, query: request.query };
        return (await answerPage(hearth, reply, list, (page) => coop.applications(hearth, request.caller, { networkId, status, page }), shown)) ?? reply;
      },
    );

    app.get(
      `${base}/register`,
      {
        config: { guard: { who: coop.registerKeepers } },
        schema: {
          summary: "The register of members at the end of a day as s.30 of the 2014 Act asks: each member's name, address, class, date admitted and shares; each former member's date ceased; the total share capital then (board, treasurers); ?format=csv for a spreadsheet",
          params: coopParams,
          querystring: readAfter.extend({ asAt: isoDate().optional().describe('The register at the end of this day; today when left out'), format: z.enum(['json', 'csv']).default('json'), table: csvTable(['members', 'former-members', 'summary']) }),
          response: {
            200: z.object({
              asAt: isoDate(),
              shareCapital: money,
              members: z.array(registerLine),
              formerMembers: z.array(registerLine.extend({ ceasedOn: isoDate() })),
            }),
          },
        },
      },
      async (request, reply) => {
        if (!(await caughtUp(reply, request.query.after))) return reply;
        const { asAt, coop: c, register } = await coop.register(hearth, request.caller, { networkId: request.params.networkId, asAt: request.query.asAt });
        if (request.query.format === 'csv') {
          const row = (m: (typeof register.members)[number]) => [m.personId, m.name, m.memberClass, m.admittedOn, pounds(m.membershipSharePence), pounds(m.sharesPence), m.address ?? ''];
          return sendCsvTable(reply, `register-of-members-${asAt}`, {
            members: [['member id', 'name', 'class', 'admitted', 'membership share (£)', 'withdrawable shares (£)', 'address'], ...register.members.map(row)],
            'former-members': [
              ['member id', 'name', 'class', 'admitted', 'membership share (£)', 'withdrawable shares (£)', 'address', 'ceased'],
              ...register.formerMembers.map((m) => [...row(m), m.ceasedOn ?? '']),
            ],
            summary: [['item', 'value'], ['Register of members', c.name], ['As at', asAt], ['Share capital (£)', pounds(register.shareCapitalPence)]],
          }, request.query.table);
        }
        return {
          asAt,
          shareCapital: asMoney(register.shareCapitalPence),
          members: register.members.map(lineOf),
          formerMembers: register.formerMembers.map((m) => ({ ...lineOf(m), ceasedOn: m.ceasedOn! })),
        };
      },
    );

    app.get(
      `${base}/withdrawals`,
      {
        config: { guard: { who: coop.registerKeepers } },
        schema: {
          summary: 'Notices to withdraw not yet paid in full, soonest due first, with what is left to pay, a page at a time (board, treasurers)',
          params: coopParams,
          querystring: pageQuery(),
          response: { 200: pageOf(z.object({ withdrawalId: id(), personId: id(), name: z.string(), requestedOn: isoDate(), dueOn: isoDate(), left: money })) },
        },
      },
      async (request, reply) => {
        if (!(await caughtUp(reply, request.query.after))) return reply;
        const list = { list: 'withdrawals-to-pay', scope: request.params, query: request.query };
        const shown = ({ leftPence, ...w }: Awaited<ReturnType<typeof coop.withdrawals>>['items'][number]) => ({ ...w, left: asMoney(leftPence) });
        return (await answerPage(hearth, reply, list, (page) => coop.withdrawals(hearth, request.caller, { ...request.params, page }), shown)) ?? reply;
      },
    );

    app.get(
      `${base}/members/:personId`,
      {
        config: { guard: { who: 'member' } },
        schema: {
          operationId: 'getCoopMember',
          summary: "A member's holding: class, membership share, withdrawable shares, what is being withdrawn, every movement, and interest and dividends allocated (the member, board, treasurers)",
          params: coopParams.extend({ personId: id() }),
          querystring: readAfter,
          response: {
            200: z.object({
              personId: id(), name: z.string(), status: z.enum(['member', 'ended']), memberClass: z.string(), admittedOn: isoDate(), endedOn: isoDate().nullable(),
              membershipShare: money, holding: money, withdrawing: money,
              history: z.array(z.object({ date: isoDate(), kind: z.string(), amount: money, reference: id().nullable() })),
              allocations: z.array(z.object({ declarationId: id(), kind: z.string(), paidOn: isoDate(), amount: money })),
            }),
          },
        },
      },
      async (request, reply) => {
        const { personId } = request.params;
        if (!(await caughtUp(reply, request.query.after))) return reply;
        const h = await coop.holding(hearth, request.caller, request.params);
        return {
          personId, name: h.name, status: h.status, memberClass: h.memberClass, admittedOn: h.admittedOn, endedOn: h.endedOn,
          membershipShare: asMoney(h.membershipSharePence), holding: asMoney(h.sharesPence), withdrawing: asMoney(h.withdrawingPence),
          history: h.history.map((m) => ({ date: m.date, kind: m.kind, amount: asMoney(m.pence), reference: m.reference })),
          allocations: h.allocations.map((a) => ({ declarationId: a.declarationId, kind: a.kind, paidOn: a.paidOn, amount: asMoney(a.pence) })),
        };
      },
    );

    app.get(
      `${base}/proposals`,
      {
        config: { guard: { who: 'member' } },
        schema: {
          summary: 'Proposals to spend, newest first, with their status and, once closed, whether they passed, a page at a time (members of the network)',
          params: coopParams,
          querystring: pageQuery(),
          response: { 200: pageOf(z.object({ proposalId: id(), title: z.string(), amount: money, status: z.string(), closesAt: isoDateTime(), passed: z.boolean().nullable() })) },
        },
      },
      async (request, reply) => {
        if (!(await caughtUp(reply, request.query.after))) return reply;
        const list = { list: 'proposals', scope: request.params, query: request.query };
        const shown = (r: Awaited<ReturnType<typeof coop.proposals>>['items'][number]) => ({ proposalId: r.proposal_id, title: r.title, amount: asMoney(Number(r.pence)), status: r.status, closesAt: r.closes_at, passed: r.passed });
        return (await answerPage(hearth, reply, list, (page) => coop.proposals(hearth, request.caller, { ...request.params, page }), shown)) ?? reply;
      },
    );

    app.get(
      `${base}/proposals/:proposalId`,
      {
        config: { guard: { who: 'member' } },
        schema: {
          summary: "A proposal: its terms and status, the electorate's size, ballots cast, your own ballot, the weighted count (unless hidden until the close, as a secret ballot's always is), the result and the payment (members of the network)",
          params: proposalParams,
          querystring: readAfter,
          response: {
            200: z.object({
              proposalId: id(), title: z.string(), amount: money, payee: z.string(), purpose: z.string(), source, closesAt: isoDateTime(),
              quorumPercent: z.number().int(), thresholdPercent: z.number().int(), secret: z.boolean(), hideResultsUntilClose: z.boolean(),
              proposedBy: id(), madeAt: isoDateTime(), status: z.enum(['draft', 'open', 'closing', 'closed']), openedAt: isoDateTime().nullable(),
              electorate: z.number().int(), ballotsCast: z.number().int(),
              myBallot: z.object({ castBy: id(), castAt: isoDateTime(), choice: choice.nullable().describe('Null for a secret ballot: it only shows that you voted') }).nullable(),
              tallies: tallies.nullable().describe('Weighted votes; null while the results are hidden until the close'),
              result: tallies.extend({ closedAt: isoDateTime(), electorate: z.number().int(), ballots: z.number().int(), quorumMet: z.boolean(), passed: z.boolean() }).nullable(),
              payment: z.object({ paymentId: id(), amount: money, invoiceReference: z.string(), paidOn: isoDate(), paidBy: id() }).nullable(),
            }),
          },
        },
      },
      async (request, reply) => {
        if (!(await caughtUp(reply, request.query.after))) return reply;
        const { proposalId } = request.params;
        const { row: p, payment, electorate, ballotsCast, myBallot, tallies, hideResultsUntilClose, revision } = await coop.proposal(hearth, request.caller, request.params);
        const closed = p.status === 'closed';
        reply.header('etag', etag(revision));
        return {
          proposalId, title: p.title, amount: asMoney(Number(p.pence)), payee: p.payee, purpose: p.purpose,
          source: p.source_kind === 'pool' ? { kind: 'pool' as const, poolId: p.source_pool_id! } : { kind: 'funds' as const },
          closesAt: p.closes_at, quorumPercent: p.quorum_percent, thresholdPercent: p.threshold_percent, secret: p.secret, hideResultsUntilClose,
          proposedBy: p.proposed_by, madeAt: p.made_at, status: p.status as 'draft' | 'open' | 'closing' | 'closed', openedAt: p.opened_at,
          electorate, ballotsCast, myBallot, tallies,
          result: closed
            ? { closedAt: p.closed_at!, electorate: p.electorate!, ballots: p.ballots!, for: p.votes_for!, against: p.votes_against!, abstain: p.votes_abstain!, quorumMet: p.quorum_met!, passed: p.passed! }
            : null,
          payment: payment && { paymentId: payment.payment_id, amount: asMoney(Number(payment.pence)), invoiceReference: payment.invoice_reference, paidOn: payment.paid_on, paidBy: payment.paid_by },
        };
      },
    );

    // Whole: one ballot per voter and change of mind, in one proposal's electorate.
    app.get(
      `${base}/proposals/:proposalId/ballots`,
      {
        config: { guard: { who: 'member' } },
        schema: {
          summary: 'Who has voted. While voting is open: each voter once, by name, without time or order. Once closed: every ballot in order, changed votes included, cast by whom and when. The choice of an open ballot once results are shown (members of the network)',
          params: proposalParams,
          querystring: readAfter,
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  voterId: id(), name: z.string(), choice: choice.nullable(),
                  castBy: id().optional().describe('Only once voting has closed'), castAt: isoDateTime().optional().describe('Only once voting has closed'),
                }),
              ),
            }),
          },
        },
      },
      async (request, reply) => {
        if (!(await caughtUp(reply, request.query.after))) return reply;
        return { items: await coop.ballots(hearth, request.caller, request.params) };
      },
    );
  };
}
