// The co-op over HTTP, the society's commands: a coordinator founds it; members apply for shares
// and give notice to withdraw them (a coordinator may act for them); the board issues shares,
// keeps the rules, suspends withdrawals, records transfers and leavers, and declares interest and
// patronage dividends; the treasurer records income and pays withdrawals with the board.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { v5 as uuidv5 } from 'uuid';
import type { Hearth } from '../hearth.ts';
import { Rejection } from '../commands/decider.ts';
import { handleCommand, type CommandContext } from '../commands/handle.ts';
import { actingIn, Forbidden, requireMember, signedIn } from '../access/guard.ts';
import { today } from '../dates.ts';
import {
  ApplicationDeclined, CoopFounded, DividendPaid, IncomeReceived, InterestPaid, MembershipEnded, RulesChanged, SharesApplied, SharesTransferred,
  societyDecider, societyStream, WithdrawalPaid, WithdrawalRequested, WithdrawalsSuspended, type SocietyCommand,
} from '../coop/society.ts';
import { timebankParticipation } from '../coop/register.ts';
import { asActing, asCoordinator, inRole, onBehalfHeaders } from './guarded.ts';
import { idempotent } from './idempotency.ts';
import { commandContext } from './commands.ts';
import { writeResult } from './reads.ts';

export const coopParams = z.object({ networkId: z.uuid() });
const applicationParams = coopParams.extend({ applicationId: z.uuid() });
const allocation = z.object({ personId: z.uuid(), pence: z.number().int(), participation: z.number().int().optional() });
const declared = writeResult.extend({ declarationId: z.uuid(), allocations: z.array(allocation) });

export function coopRoutes(hearth: Hearth): FastifyPluginAsync {
  const { store } = hearth;

  /** A command on the co-op's own stream: what it wrote, and the events it decided (or had written, on a retry). */
  async function onSociety(networkId: string, command: SocietyCommand, context: CommandContext) {
    const done = await handleCommand(store, societyDecider, societyStream(networkId), command, context);
    return { written: { revision: done.revision, position: done.position }, events: done.events as Array<{ type: string; data: Record<string, unknown> }> };
  }

  /** Each member's minutes given and received in the time bank in the period, once its figures include every exchange confirmed so far. */
  async function timebankMinutes(networkId: string, from: string, to: string) {
    if (!(await hearth.engine.waitFor(['timebank'], await store.headPosition(), hearth.config.READ_WAIT_MS))) {
      throw new Rejection('projection-behind', "The time bank's figures are still being brought up to date. Try again in a moment.", 409);
    }
    return timebankParticipation(hearth.database.db, networkId, from, to);
  }

  /** A declaration answered with what each member was allocated. */
  async function declare(networkId: string, declarationId: string, command: SocietyCommand, context: CommandContext) {
    const { written, events } = await onSociety(networkId, command, context);
    return { status: 201, body: { declarationId, allocations: (events[0]?.data.allocations ?? []) as z.infer<typeof allocation>[], ...written } };
  }

  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/coop';

    app.post(
      base,
      {
        schema: {
          summary: "Found the network's co-op with its rules: member classes and vote weights, the membership share, holding limits, notice and the interest cap (coordinators)",
          params: coopParams,
          body: CoopFounded.schema.omit({ networkId: true }),
          response: { 201: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        return asCoordinator(hearth, request, reply, networkId, 201, (commandId, acting) =>
          handleCommand(store, societyDecider, societyStream(networkId), { type: 'FoundCoop', networkId, ...request.body, today: today() }, commandContext(request, commandId, acting)),
        );
      },
    );

    app.put(
      `${base}/rules`,
      { schema: { summary: "Change the co-op's rules, saying why (board)", params: coopParams, body: RulesChanged.schema.pick({ rules: true, reason: true }), response: { 200: writeResult } } },
      async (request, reply) => {
        const { networkId } = request.params;
        return inRole(hearth, request, reply, networkId, ['board'], async (context) => ({
          status: 200,
          body: (await onSociety(networkId, { type: 'ChangeRules', ...request.body, today: today() }, context)).written,
        }));
      },
    );

    app.post(
      `${base}/applications`,
      {
        schema: {
          summary: 'Apply for shares: to join, in a member class, or to hold more (the member, or a coordinator on their behalf)',
          params: coopParams,
          headers: onBehalfHeaders,
          body: SharesApplied.schema.pick({ memberClass: true, pence: true }),
          response: { 201: writeResult.extend({ applicationId: z.uuid() }) },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        return asActing(hearth, request, reply, networkId, async (context, acting) => {
          const applicationId = uuidv5('coop application', context.commandId);
          const { written } = await onSociety(networkId, { type: 'ApplyForShares', applicationId, personId: acting.subject, ...request.body, today: today() }, context);
          return { status: 201, body: { applicationId, ...written } };
        });
      },
    );

    app.post(
      `${base}/applications/:applicationId/issue`,
      {
        schema: {
          summary: 'Issue the shares applied for, once paid for, on a record date; a first issue admits the member (board)',
          params: applicationParams,
          body: z.strictObject({ issuedOn: z.iso.date() }),
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId, applicationId } = request.params;
        return inRole(hearth, request, reply, networkId, ['board'], async (context) => ({
          status: 200,
          body: (await onSociety(networkId, { type: 'IssueShares', applicationId, issuedBy: context.actor, issuedOn: request.body.issuedOn, today: today() }, context)).written,
        }));
      },
    );

    app.post(
      `${base}/applications/:applicationId/decline`,
      { schema: { summary: 'Decline an application, saying why (board)', params: applicationParams, body: ApplicationDeclined.schema.pick({ reason: true }), response: { 200: writeResult } } },
      async (request, reply) => {
        const { networkId, applicationId } = request.params;
        return inRole(hearth, request, reply, networkId, ['board'], async (context) => ({
          status: 200,
          body: (await onSociety(networkId, { type: 'DeclineApplication', applicationId, declinedBy: context.actor, reason: request.body.reason }, context)).written,
        }));
      },
    );

    app.post(
      `${base}/withdrawals`,
      {
        schema: {
          summary: "Give notice to withdraw shares; they are paid once the rules' notice has run (the member, or a coordinator on their behalf)",
          params: coopParams,
          headers: onBehalfHeaders,
          body: WithdrawalRequested.schema.pick({ pence: true }),
          response: { 201: writeResult.extend({ withdrawalId: z.uuid(), dueOn: z.iso.date() }) },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        return asActing(hearth, request, reply, networkId, async (context, acting) => {
          const withdrawalId = uuidv5('coop withdrawal', context.commandId);
          const { written, events } = await onSociety(networkId, { type: 'RequestWithdrawal', withdrawalId, personId: acting.subject, pence: request.body.pence, today: today() }, context);
          return { status: 201, body: { withdrawalId, dueOn: events[0]!.data.dueOn as string, ...written } };
        });
      },
    );

    app.post(
      `${base}/withdrawals/:withdrawalId/payments`,
      {
        schema: {
          summary: 'Pay all or part of a withdrawal once its notice has run; what is paid leaves the register that day (board, treasurers)',
          params: coopParams.extend({ withdrawalId: z.uuid() }),
          body: WithdrawalPaid.schema.pick({ pence: true }),
          response: { 201: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId, withdrawalId } = request.params;
        return inRole(hearth, request, reply, networkId, ['board', 'treasurer'], async (context) => ({
          status: 201,
          body: (await onSociety(networkId, { type: 'PayWithdrawal', withdrawalId, pence: request.body.pence, paidBy: context.actor, today: today() }, context)).written,
        }));
      },
    );

    app.post(
      `${base}/withdrawals/suspension`,
      { schema: { summary: 'Suspend the payment of withdrawals, saying why (board)', params: coopParams, body: WithdrawalsSuspended.schema.pick({ reason: true }), response: { 200: writeResult } } },
      async (request, reply) => {
        const { networkId } = request.params;
        return inRole(hearth, request, reply, networkId, ['board'], async (context) => ({
          status: 200,
          body: (await onSociety(networkId, { type: 'SuspendWithdrawals', reason: request.body.reason, by: context.actor, today: today() }, context)).written,
        }));
      },
    );

    app.post(
      `${base}/withdrawals/resumption`,
      { schema: { summary: 'Resume the payment of withdrawals (board)', params: coopParams, response: { 200: writeResult } } },
      async (request, reply) => {
        const { networkId } = request.params;
        return inRole(hearth, request, reply, networkId, ['board'], async (context) => ({
          status: 200,
          body: (await onSociety(networkId, { type: 'ResumeWithdrawals', by: context.actor, today: today() }, context)).written,
        }));
      },
    );

    app.post(
      `${base}/transfers`,
      {
        schema: {
          summary: "Record a transfer of withdrawable shares to another member, on a member's death or by their written nomination (board)",
          params: coopParams,
          body: SharesTransferred.schema.omit({ networkId: true, transferId: true, recordedBy: true }),
          response: { 201: writeResult.extend({ transferId: z.uuid() }) },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        return inRole(hearth, request, reply, networkId, ['board'], async (context) => {
          const transferId = uuidv5('coop transfer', context.commandId);
          const { written } = await onSociety(networkId, { type: 'TransferShares', transferId, ...request.body, recordedBy: context.actor, today: today() }, context);
          return { status: 201, body: { transferId, ...written } };
        });
      },
    );

    app.post(
      `${base}/leavers`,
      {
        schema: {
          summary: 'Record that a membership ended; the membership share is forfeit to reserves (board, or the member who leaves, or a coordinator on their behalf)',
          params: coopParams,
          headers: onBehalfHeaders,
          body: MembershipEnded.schema.pick({ personId: true, reason: true, on: true }),
          response: { 201: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        const acting = await actingIn(store, networkId, request);
        const own = await requireMember(store, networkId, signedIn(request));
        const leaving = acting.subject === request.body.personId && request.body.reason === 'left';
        if (!leaving && !own.roles.includes('board')) throw new Forbidden('Only the board, or a member leaving of their own accord, may record this.');
        return idempotent(hearth, request, reply, acting.actor, async (commandId) => {
          const context = commandContext(request, commandId, acting);
          return { status: 201, body: (await onSociety(networkId, { type: 'EndMembership', ...request.body, recordedBy: acting.actor, today: today() }, context)).written };
        });
      },
    );

    app.post(
      `${base}/interest`,
      {
        schema: {
          summary: "Declare and pay interest on members' withdrawable shares for a period, at no more than the rules' cap (board)",
          params: coopParams,
          body: InterestPaid.schema.pick({ rateBasisPoints: true, periodFrom: true, periodTo: true }),
          response: { 201: declared },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        return inRole(hearth, request, reply, networkId, ['board'], async (context) => {
          const declarationId = uuidv5('coop interest', context.commandId);
          return declare(networkId, declarationId, { type: 'PayInterest', declarationId, ...request.body, declaredBy: context.actor, today: today() }, context);
        });
      },
    );

    app.post(
      `${base}/dividends`,
      {
        schema: {
          summary: 'Declare and pay a patronage dividend, shared by participation in a period, never by shareholding (board)',
          description:
            "For basis timebank-minutes, each member's participation is worked out here: minutes given and received in the network's time bank in exchanges confirmed and dated in the period. For services-used-pence, send it as participation.",
          params: coopParams,
          body: DividendPaid.schema
            .pick({ pence: true, basis: true, periodFrom: true, periodTo: true })
            .extend({ participation: z.array(z.strictObject({ personId: z.uuid(), participation: z.number().int().min(0) })).optional() }),
          response: { 201: declared },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        return inRole(hearth, request, reply, networkId, ['board'], async (context) => {
          const { participation, ...dividend } = request.body;
          const fromTimebank = dividend.basis === 'timebank-minutes';
          if (fromTimebank === (participation !== undefined)) {
            throw new Rejection('participation-basis', fromTimebank ? 'Participation in the time bank is worked out by Hearth; leave it out.' : 'Send each member\'s services used, in pence, as participation.', 422, 'participation');
          }
          const declarationId = uuidv5('coop dividend', context.commandId);
          const parts = participation ?? (await timebankMinutes(networkId, dividend.periodFrom, dividend.periodTo));
          return declare(networkId, declarationId, { type: 'PayDividend', declarationId, ...dividend, participation: parts, declaredBy: context.actor, today: today() }, context);
        });
      },
    );

    app.post(
      `${base}/income`,
      { schema: { summary: 'Record money the co-op received (treasurers)', params: coopParams, body: IncomeReceived.schema.omit({ networkId: true, incomeId: true }), response: { 201: writeResult.extend({ incomeId: z.uuid() }) } } },
      async (request, reply) => {
        const { networkId } = request.params;
        return inRole(hearth, request, reply, networkId, ['treasurer'], async (context) => {
          const incomeId = uuidv5('coop income', context.commandId);
          const { written } = await onSociety(networkId, { type: 'ReceiveIncome', incomeId, ...request.body, today: today() }, context);
          return { status: 201, body: { incomeId, ...written } };
        });
      },
    );
  };
}
