// The co-op's votes on spending over HTTP: a member proposes; the board opens the vote, fixing the
// electorate; written proxies are recorded; members (or their proxies, or a coordinator for them)
// vote and may change their vote until the close; the close counts once; the treasurer makes the
// one payment a passed proposal authorises. A secret ballot's choice is sealed under the
// proposal's own key, which the close destroys.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import * as coop from '../coop/app.ts';
import { choices, ProposalPaid, ProxyRecorded, proposalTerms } from '../coop/proposal.ts';
import { pence } from '../units.ts';
import { writeResult, tagged } from './reads.ts';
import { coopParams} from './coop.ts';
import { id } from '../bounds.ts';

export const proposalParams = coopParams.extend({ proposalId: id() });
const base = '/networks/:networkId/coop/proposals';
const VOTES = `${base}/:proposalId/votes`;

export function coopVoteRoutes(hearth: Hearth): FastifyPluginAsync {
  const { db } = hearth.database;

  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();

    app.post(
      base,
      {
        config: { guard: { who: 'member', onBehalf: true, write: true } },
        schema: {
          summary: 'Propose spending: an amount, a payee and a purpose, from the co-op\'s funds or a pool of the network, with a voting window, a quorum and a threshold (members of the co-op)',
          params: coopParams,
          body: proposalTerms,
          response: { 201: writeResult.extend({ proposalId: id() }) },
        },
      },
      async (request, reply) => reply.code(201).send(tagged(reply, await coop.propose(hearth, request.caller, { networkId: request.params.networkId, terms: request.body }))),
    );

    app.post(
      `${base}/:proposalId/opening`,
      {
        config: { guard: { who: ['board'], write: true, ifMatch: true } },
        schema: { summary: "Open the vote: the electorate is fixed as the co-op's members now, each with their class's weight (board)", params: proposalParams, response: { 200: writeResult } },
      },
      async (request, reply) => tagged(reply, await coop.openVote(hearth, request.caller, request.params)),
    );

    app.post(
      `${base}/:proposalId/proxies`,
      {
        config: { guard: { who: ['board', 'coordinator'], write: true, ifMatch: true } },
        schema: {
          operationId: 'recordProxy',
          summary: "Record a member's written proxy for this vote: another elector may cast their ballot (board, coordinators)",
          params: proposalParams,
          body: ProxyRecorded.schema.pick({ grantorId: true, proxyId: true, documentReference: true }),
          response: { 201: writeResult },
        },
      },
      async (request, reply) => reply.code(201).send(tagged(reply, await coop.recordProxy(hearth, request.caller, { ...request.params, ...request.body }))),
    );

    app.post(
      VOTES,
      {
        config: { guard: { who: 'member', onBehalf: true, write: true, ifMatch: true } },
        schema: {
          summary: "Vote for, against or abstain, or change your vote, until the close; a proxy gives the grantor as voterId (electors, their proxies, or a coordinator on an elector's behalf)",
          params: proposalParams,
          body: z.strictObject({ choice: z.enum(choices), voterId: id().optional().describe('Whose ballot: yours when left out, or the member who appointed you their proxy') }),
          response: { 201: writeResult },
        },
      },
      async (request, reply) => reply.code(201).send(tagged(reply, await coop.castVote(hearth, request.caller, { ...request.params, ...request.body }))),
    );

    app.post(
      `${base}/:proposalId/closing`,
      {
        config: { guard: { who: 'member', write: true, ifMatch: true } },
        schema: {
          summary: 'Close the vote and record its result, once; early only when every elector has voted. A secret ballot\'s key is then destroyed (board, or any member once the closing time has passed)',
          params: proposalParams,
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const { secret, ...done } = await coop.closeVote(hearth, request.caller, request.params);
        // A kept answer's fingerprint would let whoever holds the server's secret test each choice against it.
        if (secret) await db.deleteFrom('idempotency_keys').where('scope', 'like', `%${VOTES}`).execute();
        return tagged(reply, done);
      },
    );

    app.post(
      `${base}/:proposalId/payment`,
      {
        config: { guard: { who: ['treasurer'], write: true, ifMatch: true } },
        schema: {
          operationId: 'payProposal',
          summary: 'Make the one payment a passed proposal authorises, up to its amount, from the source it named; from a pool, name the budget holders it benefits (treasurers)',
          params: proposalParams,
          description: "A payment out of the co-op's funds may be dated the day it was made (paidOn, in an open period, not before the vote closed); one out of a pool is dated the day it is recorded.",
          body: ProposalPaid.schema
            .pick({ pence: true, invoiceReference: true })
            .extend({ beneficiaries: z.array(z.strictObject({ holderId: id(), pence })).default([]), paidOn: ProposalPaid.schema.shape.paidOn.optional() }),
          response: { 201: writeResult.extend({ paymentId: id() }) },
        },
      },
      async (request, reply) => reply.code(201).send(tagged(reply, await coop.payForProposal(hearth, request.caller, { ...request.params, ...request.body }))),
    );
  };
}
