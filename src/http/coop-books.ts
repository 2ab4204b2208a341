// The co-op over HTTP, the reads: the co-op and its funds, applications, the register of members
// as at any date (JSON or CSV), a member's holding, and the proposals with their ballots. Who voted
// how in a secret ballot is never shown; results stay hidden until the close when a proposal says so.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import { Forbidden, requireMember, signedIn } from '../access/guard.ts';
import type { Role } from '../access/membership.ts';
import { today } from '../dates.ts';
import { pounds } from '../pools/pool.ts';
import { applicationsOf, ballotsOf, coopOf, holdingOf, proposalOf, proposalsOf, registerAsAt, shareCapitalAsAt } from '../coop/register.ts';
import { rulesShape } from '../coop/society.ts';
import { choices, proposalStream, source } from '../coop/proposal.ts';
import { proposalIn } from '../coop/commands.ts';
import { talliesOf } from '../coop/secret-ballot.ts';
import { money, sendCsv } from './pool-books.ts';
import { asMoney } from '../units.ts';
import { readAfter, waitForProjections } from './reads.ts';
import { coopParams } from './coop.ts';
import { proposalParams } from './coop-votes.ts';

const registerKeepers: readonly Role[] = ['board', 'treasurer'];
const choice = z.enum(choices);
const tallies = z.object({ for: z.number().int(), against: z.number().int(), abstain: z.number().int() });

export function coopBookRoutes(hearth: Hearth): FastifyPluginAsync {
  const { store, vault } = hearth;
  const { db } = hearth.database;

  /** Signed in, a member of the network (in one of `roles` when given), and the co-op's figures up to `after`. */
  async function reader(request: FastifyRequest & { params: { networkId: string }; query: { after?: number } }, reply: FastifyReply, roles?: readonly Role[]) {
    await requireMember(store, request.params.networkId, signedIn(request), roles);
    return waitForProjections(hearth, reply, ['coop', 'people'], request.query.after);
  }

  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/coop';

    app.get(
      base,
      {
        schema: {
          summary: "The co-op: its rules, funds, reserves, share capital and number of members, and whether withdrawals are suspended (members of the network)",
          params: coopParams,
          querystring: readAfter,
          response: {
            200: z.object({ networkId: z.uuid(), name: z.string(), rules: rulesShape, foundedOn: z.iso.date(), funds: money, reserves: money, withdrawalsSuspended: z.boolean(), shareCapital: money, members: z.number().int() }),
          },
        },
      },
      async (request, reply) => {
        if (!(await reader(request, reply))) return reply;
        const { networkId } = request.params;
        const coop = await coopOf(db, networkId);
        return {
          networkId, name: coop.name, rules: coop.rules, foundedOn: coop.foundedOn, funds: asMoney(coop.fundsPence), reserves: asMoney(coop.reservesPence),
          withdrawalsSuspended: coop.withdrawalsSuspended, shareCapital: asMoney(await shareCapitalAsAt(db, networkId, today())), members: coop.members,
        };
      },
    );

    app.get(
      `${base}/applications`,
      {
        schema: {
          summary: 'Applications for shares, newest first, with their status (board)',
          params: coopParams,
          querystring: readAfter.extend({ status: z.enum(['applied', 'issued', 'declined']).optional() }),
          response: {
            200: z.object({
              items: z.array(z.object({ applicationId: z.uuid(), personId: z.uuid(), name: z.string(), memberClass: z.string(), amount: money, status: z.string(), appliedOn: z.iso.date(), issuedOn: z.iso.date().nullable(), declineReason: z.string().nullable() })),
            }),
          },
        },
      },
      async (request, reply) => {
        if (!(await reader(request, reply, ['board']))) return reply;
        const { networkId } = request.params;
        await coopOf(db, networkId);
        const rows = await applicationsOf(db, networkId, request.query.status);
        return {
          items: rows.map((r) => ({
            applicationId: r.application_id, personId: r.person_id, name: r.name, memberClass: r.member_class, amount: asMoney(Number(r.pence)),
            status: r.status, appliedOn: r.applied_on, issuedOn: r.issued_on, declineReason: r.decline_reason,
          })),
        };
      },
    );

    app.get(
      `${base}/register`,
      {
        schema: {
          summary: 'The register of members and their shareholdings at the end of a day, and the total share capital then (board, treasurers); ?format=csv for a spreadsheet',
          params: coopParams,
          querystring: readAfter.extend({ asAt: z.iso.date().optional().describe('The register at the end of this day; today when left out'), format: z.enum(['json', 'csv']).default('json') }),
          response: {
            200: z.object({
              asAt: z.iso.date(),
              shareCapital: money,
              members: z.array(z.object({ personId: z.uuid(), name: z.string(), memberClass: z.string(), admittedOn: z.iso.date(), membershipShare: money, shares: money })),
            }),
          },
        },
      },
      async (request, reply) => {
        if (!(await reader(request, reply, registerKeepers))) return reply;
        const { networkId } = request.params;
        const asAt = request.query.asAt ?? today();
        const coop = await coopOf(db, networkId);
        const register = await registerAsAt(db, networkId, asAt);
        if (request.query.format === 'csv') {
          return sendCsv(reply, `register-of-members-${asAt}`, [
            ['Register of members', coop.name],
            ['As at', asAt],
            ['Share capital (£)', pounds(register.shareCapitalPence)],
            [],
            ['member id', 'name', 'class', 'admitted', 'membership share (£)', 'withdrawable shares (£)'],
            ...register.members.map((m) => [m.personId, m.name, m.memberClass, m.admittedOn, pounds(m.membershipSharePence), pounds(m.sharesPence)]),
          ]);
        }
        return {
          asAt,
          shareCapital: asMoney(register.shareCapitalPence),
          members: register.members.map((m) => ({ personId: m.personId, name: m.name, memberClass: m.memberClass, admittedOn: m.admittedOn, membershipShare: asMoney(m.membershipSharePence), shares: asMoney(m.sharesPence) })),
        };
      },
    );

    app.get(
      `${base}/members/:personId`,
      {
        schema: {
          summary: "A member's holding: class, membership share, withdrawable shares, what is being withdrawn, every movement, and interest and dividends allocated (the member, board, treasurers)",
          params: coopParams.extend({ personId: z.uuid() }),
          querystring: readAfter,
          response: {
            200: z.object({
              personId: z.uuid(), name: z.string(), status: z.enum(['member', 'ended']), memberClass: z.string(), admittedOn: z.iso.date(), endedOn: z.iso.date().nullable(),
              membershipShare: money, holding: money, withdrawing: money,
              history: z.array(z.object({ date: z.iso.date(), kind: z.string(), amount: money, reference: z.uuid().nullable() })),
              allocations: z.array(z.object({ declarationId: z.uuid(), kind: z.string(), paidOn: z.iso.date(), amount: money })),
            }),
          },
        },
      },
      async (request, reply) => {
        const { networkId, personId } = request.params;
        const principal = signedIn(request);
        const member = await requireMember(store, networkId, principal);
        if (principal.personId !== personId && !member.roles.some((r) => registerKeepers.includes(r))) throw new Forbidden('Only the member, the board or a treasurer can see this holding.');
        if (!(await waitForProjections(hearth, reply, ['coop', 'people'], request.query.after))) return reply;
        await coopOf(db, networkId);
        const h = await holdingOf(db, networkId, personId);
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
        schema: {
          summary: 'Proposals to spend, newest first, with their status and, once closed, whether they passed (members of the network)',
          params: coopParams,
          querystring: readAfter,
          response: { 200: z.object({ items: z.array(z.object({ proposalId: z.uuid(), title: z.string(), amount: money, status: z.string(), closesAt: z.iso.datetime(), passed: z.boolean().nullable() })) }) },
        },
      },
      async (request, reply) => {
        if (!(await reader(request, reply))) return reply;
        const { networkId } = request.params;
        await coopOf(db, networkId);
        const rows = await proposalsOf(db, networkId);
        return { items: rows.map((r) => ({ proposalId: r.proposal_id, title: r.title, amount: asMoney(Number(r.pence)), status: r.status, closesAt: r.closes_at, passed: r.passed })) };
      },
    );

    app.get(
      `${base}/proposals/:proposalId`,
      {
        schema: {
          summary: "A proposal: its terms and status, the electorate's size, ballots cast, your own ballot, the weighted count (unless hidden until the close), the result and the payment (members of the network)",
          params: proposalParams,
          querystring: readAfter,
          response: {
            200: z.object({
              proposalId: z.uuid(), title: z.string(), amount: money, payee: z.string(), purpose: z.string(), source, closesAt: z.iso.datetime(),
              quorumPercent: z.number().int(), thresholdPercent: z.number().int(), secret: z.boolean(), hideResultsUntilClose: z.boolean(),
              proposedBy: z.uuid(), madeAt: z.iso.datetime(), status: z.enum(['draft', 'open', 'closed']), openedAt: z.iso.datetime().nullable(),
              electorate: z.number().int(), ballotsCast: z.number().int(),
              myBallot: z.object({ castBy: z.uuid(), castAt: z.iso.datetime(), choice: choice.nullable().describe('Null for a secret ballot: it only shows that you voted') }).nullable(),
              tallies: tallies.nullable().describe('Weighted votes; null while the results are hidden until the close'),
              result: tallies.extend({ closedAt: z.iso.datetime(), electorate: z.number().int(), ballots: z.number().int(), quorumMet: z.boolean(), passed: z.boolean() }).nullable(),
              payment: z.object({ paymentId: z.uuid(), amount: money, invoiceReference: z.string(), paidOn: z.iso.date(), paidBy: z.uuid() }).nullable(),
            }),
          },
        },
      },
      async (request, reply) => {
        if (!(await reader(request, reply))) return reply;
        const { networkId, proposalId } = request.params;
        const me = signedIn(request).personId;
        const [{ proposal: p, payment, electorate }, ballots] = await Promise.all([proposalOf(db, networkId, proposalId), ballotsOf(db, proposalId)]);
        const mine = ballots.filter((b) => b.voterId === me).at(-1);
        const closed = p.status === 'closed';
        return {
          proposalId, title: p.title, amount: asMoney(Number(p.pence)), payee: p.payee, purpose: p.purpose,
          source: p.source_kind === 'pool' ? { kind: 'pool' as const, poolId: p.source_pool_id! } : { kind: 'funds' as const },
          closesAt: p.closes_at, quorumPercent: p.quorum_percent, thresholdPercent: p.threshold_percent, secret: p.secret, hideResultsUntilClose: p.hide_results_until_close,
          proposedBy: p.proposed_by, madeAt: p.made_at, status: p.status as 'draft' | 'open' | 'closed', openedAt: p.opened_at,
          electorate, ballotsCast: new Set(ballots.map((b) => b.voterId)).size,
          myBallot: mine ? { castBy: mine.castBy, castAt: mine.castAt, choice: mine.choice as z.infer<typeof choice> | null } : null,
          // Counted from the log while the vote is open, secret ballots opened with the proposal's key; never shown per voter.
          tallies: closed ? { for: p.votes_for!, against: p.votes_against!, abstain: p.votes_abstain! } : p.hide_results_until_close ? null : await talliesOf(vault, proposalIn(networkId, await store.readStream(proposalStream(proposalId)))),
          result: closed
            ? { closedAt: p.closed_at!, electorate: p.electorate!, ballots: p.ballots!, for: p.votes_for!, against: p.votes_against!, abstain: p.votes_abstain!, quorumMet: p.quorum_met!, passed: p.passed! }
            : null,
          payment: payment && { paymentId: payment.payment_id, amount: asMoney(Number(payment.pence)), invoiceReference: payment.invoice_reference, paidOn: payment.paid_on, paidBy: payment.paid_by },
        };
      },
    );

    app.get(
      `${base}/proposals/:proposalId/ballots`,
      {
        schema: {
          summary: 'Every ballot cast, in order, changed votes included: who, cast by whom, when, and the choice for an open ballot once results are shown (members of the network)',
          params: proposalParams,
          querystring: readAfter,
          response: { 200: z.object({ items: z.array(z.object({ voterId: z.uuid(), name: z.string(), castBy: z.uuid(), castAt: z.iso.datetime(), choice: choice.nullable() })) }) },
        },
      },
      async (request, reply) => {
        if (!(await reader(request, reply))) return reply;
        const { networkId, proposalId } = request.params;
        const { proposal: p } = await proposalOf(db, networkId, proposalId);
        // Each open ballot's choice, once showing it cannot give away a result still hidden.
        const shown = !p.secret && (p.status === 'closed' || !p.hide_results_until_close);
        const ballots = await ballotsOf(db, proposalId);
        return { items: ballots.map((b) => ({ ...b, choice: shown ? (b.choice as z.infer<typeof choice> | null) : null })) };
      },
    );
  };
}
