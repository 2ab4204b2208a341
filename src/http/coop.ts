// The co-op over HTTP, the society's commands: a coordinator founds it; members apply for shares
// and give notice to withdraw them (a coordinator may act for them); the board issues shares,
// keeps the rules, suspends withdrawals, records transfers and leavers, and declares interest and
// patronage dividends; the treasurer records income and pays withdrawals with the board. Who may
// do each is in the co-op's application module; here each route parses, calls and answers.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import * as coop from '../coop/app.ts';
import { ApplicationDeclined, CoopFounded, DividendPaid, IncomeReceived, InterestPaid, MembershipEnded, RulesChanged, SharesApplied, SharesTransferred, WithdrawalPaid, WithdrawalRequested, WithdrawalsSuspended } from '../coop/society.ts';
import { writeResult, tagged } from './reads.ts';
import { id, isoDate } from '../bounds.ts';
import { MAX_PENCE } from '../units.ts';


export const coopParams = z.object({ networkId: id() });
const applicationParams = coopParams.extend({ applicationId: id() });
const allocation = z.object({ personId: id(), pence: z.number().int(), participation: z.number().int().optional() });
const declared = writeResult.extend({ declarationId: id(), allocations: z.array(allocation) });

export function coopRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/coop';

    app.post(
      base,
      {
        config: { guard: { who: ['coordinator'], write: true } },
        schema: {
          operationId: 'foundCoop',
          summary: "Found the network's co-op with its rules: member classes and vote weights, the membership share, holding limits, notice and the interest cap (coordinators)",
          params: coopParams,
          body: CoopFounded.schema.omit({ networkId: true }),
          response: { 201: writeResult },
        },
      },
      async (request, reply) => reply.code(201).send(tagged(reply, await coop.foundCoop(hearth, request.caller, { networkId: request.params.networkId, ...request.body }))),
    );

    app.put(
      `${base}/rules`,
      {
        config: { guard: { who: ['board'], write: true, ifMatch: true } },
        schema: { operationId: 'setCoopRules', summary: "Change the co-op's rules, saying why (board)", params: coopParams, body: RulesChanged.schema.pick({ rules: true, reason: true }), response: { 200: writeResult } },
      },
      async (request, reply) => tagged(reply, await coop.changeRules(hearth, request.caller, { networkId: request.params.networkId, ...request.body })),
    );

    app.post(
      `${base}/applications`,
      {
        config: { guard: { who: 'member', onBehalf: true, write: true } },
        schema: {
          operationId: 'applyForShares',
          summary: 'Apply for shares: to join, in a member class, or to hold more (the member, or a coordinator on their behalf)',
          params: coopParams,
          body: SharesApplied.schema.pick({ memberClass: true, pence: true }),
          response: { 201: writeResult.extend({ applicationId: id() }) },
        },
      },
      async (request, reply) => reply.code(201).send(tagged(reply, await coop.applyForShares(hearth, request.caller, { networkId: request.params.networkId, ...request.body }))),
    );

    app.post(
      `${base}/applications/:applicationId/issue`,
      {
        config: { guard: { who: ['board'], write: true, ifMatch: true } },
        schema: {
          operationId: 'issueShares',
          summary: 'Issue the shares applied for, once paid for, on a record date; a first issue admits the member (board)',
          params: applicationParams,
          body: z.strictObject({ issuedOn: isoDate() }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => tagged(reply, await coop.issueShares(hearth, request.caller, { ...request.params, ...request.body })),
    );

    app.post(
      `${base}/applications/:applicationId/decline`,
      {
        config: { guard: { who: ['board'], write: true, ifMatch: true } },
        schema: { summary: 'Decline an application, saying why (board)', params: applicationParams, body: ApplicationDeclined.schema.pick({ reason: true }), response: { 200: writeResult } },
      },
      async (request, reply) => tagged(reply, await coop.declineApplication(hearth, request.caller, { ...request.params, ...request.body })),
    );

    app.post(
      `${base}/withdrawals`,
      {
        config: { guard: { who: 'member', onBehalf: true, write: true } },
        schema: {
          operationId: 'giveWithdrawalNotice',
          summary: "Give notice to withdraw shares; they are paid once the rules' notice has run (the member, or a coordinator on their behalf)",
          params: coopParams,
          body: WithdrawalRequested.schema.pick({ pence: true }),
          response: { 201: writeResult.extend({ withdrawalId: id(), dueOn: isoDate() }) },
        },
      },
      async (request, reply) => reply.code(201).send(tagged(reply, await coop.requestWithdrawal(hearth, request.caller, { networkId: request.params.networkId, ...request.body }))),
    );

    app.post(
      `${base}/withdrawals/:withdrawalId/payments`,
      {
        config: { guard: { who: ['board', 'treasurer'], write: true, ifMatch: true } },
        schema: {
          operationId: 'payWithdrawal',
          summary: 'Pay all or part of a withdrawal once its notice has run; what is paid leaves the register that day (board, treasurers)',
          params: coopParams.extend({ withdrawalId: id() }),
          body: WithdrawalPaid.schema.pick({ pence: true }),
          response: { 201: writeResult },
        },
      },
      async (request, reply) => reply.code(201).send(tagged(reply, await coop.payWithdrawal(hearth, request.caller, { ...request.params, ...request.body }))),
    );

    app.post(
      `${base}/withdrawals/suspension`,
      {
        config: { guard: { who: ['board'], write: true } },
        schema: { summary: 'Suspend the payment of withdrawals, saying why (board)', params: coopParams, body: WithdrawalsSuspended.schema.pick({ reason: true }), response: { 200: writeResult } },
      },
      async (request, reply) => tagged(reply, await coop.suspendWithdrawals(hearth, request.caller, { networkId: request.params.networkId, ...request.body })),
    );

    app.post(
      `${base}/withdrawals/resumption`,
      { config: { guard: { who: ['board'], write: true } }, schema: { summary: 'Resume the payment of withdrawals (board)', params: coopParams, response: { 200: writeResult } } },
      async (request, reply) => tagged(reply, await coop.resumeWithdrawals(hearth, request.caller, request.params)),
    );

    app.post(
      `${base}/transfers`,
      {
        config: { guard: { who: ['board'], write: true } },
        schema: {
          operationId: 'transferShares',
          summary: "Record a transfer of withdrawable shares to another member, on a member's death or by their written nomination (board)",
          params: coopParams,
          body: SharesTransferred.schema.omit({ networkId: true, transferId: true, recordedBy: true }),
          response: { 201: writeResult.extend({ transferId: id() }) },
        },
      },
      async (request, reply) => reply.code(201).send(tagged(reply, await coop.transferShares(hearth, request.caller, { networkId: request.params.networkId, ...request.body }))),
    );

    app.post(
      `${base}/leavers`,
      {
        config: { guard: { who: 'member', onBehalf: true, write: true } },
        schema: {
          operationId: 'recordLeaving',
          summary: 'Record that a membership ended; the membership share is forfeit to reserves (board, or the member who leaves, or a coordinator on their behalf)',
          params: coopParams,
          body: MembershipEnded.schema.pick({ personId: true, reason: true, on: true }),
          response: { 201: writeResult },
        },
      },
      async (request, reply) => reply.code(201).send(tagged(reply, await coop.recordLeaver(hearth, request.caller, { networkId: request.params.networkId, ...request.body }))),
    );

    app.post(
      `${base}/interest`,
      {
        config: { guard: { who: ['board'], write: true } },
        schema: {
          operationId: 'declareInterest',
          summary: "Declare and pay interest on members' withdrawable shares for a period, at no more than the rules' cap (board)",
          params: coopParams,
          body: InterestPaid.schema.pick({ rateBasisPoints: true, periodFrom: true, periodTo: true }),
          response: { 201: declared },
        },
      },
      async (request, reply) => reply.code(201).send(tagged(reply, await coop.payInterest(hearth, request.caller, { networkId: request.params.networkId, ...request.body }))),
    );

    app.post(
      `${base}/dividends`,
      {
        config: { guard: { who: ['board'], write: true } },
        schema: {
          operationId: 'declareDividend',
          summary: 'Declare and pay a patronage dividend, interim or final, shared by participation in a period, never by shareholding (board)',
          description:
            "For basis timebank-minutes, each member's participation is worked out here: minutes given and received in the network's time bank in exchanges confirmed and dated in the period, a leaver's only up to the day they left. For services-used-pence, send it as participation. A period has at most one interim and one final dividend; a final one closes it. Leavers left out under the rules are answered in leftOut.",
          params: coopParams,
          body: DividendPaid.schema
            .pick({ kind: true, pence: true, basis: true, periodFrom: true, periodTo: true })
            .extend({ participation: z.array(z.strictObject({ personId: id(), participation: z.number().int().min(0).max(MAX_PENCE) })).optional() }),
          response: { 201: declared.extend({ leftOut: DividendPaid.schema.shape.leftOut }) },
        },
      },
      async (request, reply) => reply.code(201).send(tagged(reply, await coop.payDividend(hearth, request.caller, { networkId: request.params.networkId, ...request.body }))),
    );

    app.post(
      `${base}/income`,
      {
        config: { guard: { who: ['treasurer'], write: true } },
        schema: { summary: 'Record money the co-op received (treasurers)', params: coopParams, body: IncomeReceived.schema.omit({ networkId: true, incomeId: true }), response: { 201: writeResult.extend({ incomeId: id() }) } },
      },
      async (request, reply) => reply.code(201).send(tagged(reply, await coop.receiveIncome(hearth, request.caller, { networkId: request.params.networkId, ...request.body }))),
    );
  };
}
