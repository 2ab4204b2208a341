// The co-op's votes on spending over HTTP: a member proposes; the board opens the vote, fixing the
// electorate; written proxies are recorded; members (or their proxies, or a coordinator for them)
// vote and may change their vote until the close; the close counts once; the treasurer makes the
// one payment a passed proposal authorises. A secret ballot's choice is sealed under the
// proposal's own key, which the close destroys.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { v5 as uuidv5 } from 'uuid';
import type { Hearth } from '../hearth.ts';
import { Forbidden, requireActiveMembers, requireMember, signedIn } from '../access/guard.ts';
import { today } from '../dates.ts';
import { choices, decideProposal, ProposalPaid, ProxyRecorded, proposalStream, proposalTerms } from '../coop/proposal.ts';
import { closeVoting, makeProposal, onProposal, openVoting, payProposal, proposalIn } from '../coop/commands.ts';
import { sealChoice } from '../coop/secret-ballot.ts';
import { pence } from '../units.ts';
import { asActing, inRole, onBehalfHeaders, writtenAcross } from './guarded.ts';
import { idempotent } from './idempotency.ts';
import { commandContext } from './commands.ts';
import { writeResult } from './reads.ts';
import { coopParams } from './coop.ts';

export const proposalParams = coopParams.extend({ proposalId: z.uuid() });
const base = '/networks/:networkId/coop/proposals';
const VOTES = `${base}/:proposalId/votes`;

export function coopVoteRoutes(hearth: Hearth): FastifyPluginAsync {
  const { store, vault } = hearth;
  const { db } = hearth.database;

  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();

    app.post(
      base,
      {
        schema: {
          summary: 'Propose spending: an amount, a payee and a purpose, from the co-op\'s funds or a pool of the network, with a voting window, a quorum and a threshold (members of the co-op)',
          params: coopParams,
          headers: onBehalfHeaders,
          body: proposalTerms,
          response: { 201: writeResult.extend({ proposalId: z.uuid() }) },
        },
      },
      async (request, reply) => {
        const { networkId } = request.params;
        return asActing(hearth, request, reply, networkId, async (context, acting) => {
          const proposalId = uuidv5('coop proposal', context.commandId);
          // One spelling of the time, so that it compares with the clock as text.
          const terms = { ...request.body, closesAt: new Date(request.body.closesAt).toISOString() };
          if (terms.secret) await vault.ensureKey(proposalId);
          const done = await makeProposal(store, networkId, proposalId, terms, acting.subject, context);
          return { status: 201, body: { proposalId, ...writtenAcross(done) } };
        });
      },
    );

    app.post(
      `${base}/:proposalId/opening`,
      { schema: { summary: "Open the vote: the electorate is fixed as the co-op's members now, each with their class's weight (board)", params: proposalParams, response: { 200: writeResult } } },
      async (request, reply) => {
        const { networkId, proposalId } = request.params;
        return inRole(hearth, request, reply, networkId, ['board'], async (context) => ({
          status: 200,
          body: writtenAcross(await openVoting(store, networkId, proposalId, context.actor, context)),
        }));
      },
    );

    app.post(
      `${base}/:proposalId/proxies`,
      {
        schema: {
          summary: "Record a member's written proxy for this vote: another elector may cast their ballot (board, coordinators)",
          params: proposalParams,
          body: ProxyRecorded.schema.pick({ grantorId: true, proxyId: true, documentReference: true }),
          response: { 201: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId, proposalId } = request.params;
        return inRole(hearth, request, reply, networkId, ['board', 'coordinator'], async (context) => ({
          status: 201,
          body: writtenAcross(await onProposal(store, networkId, proposalId, { type: 'RecordProxy', ...request.body, recordedBy: context.actor, now: context.now }, context)),
        }));
      },
    );

    app.post(
      VOTES,
      {
        schema: {
          summary: "Vote for, against or abstain, or change your vote, until the close; a proxy gives the grantor as voterId (electors, their proxies, or a coordinator on an elector's behalf)",
          params: proposalParams,
          headers: onBehalfHeaders,
          body: z.strictObject({ choice: z.enum(choices), voterId: z.uuid().optional().describe('Whose ballot: yours when left out, or the member who appointed you their proxy') }),
          response: { 201: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId, proposalId } = request.params;
        return asActing(hearth, request, reply, networkId, async (context, acting) => {
          const cast = { type: 'CastVote' as const, voterId: request.body.voterId ?? acting.subject, castBy: acting.subject, choice: request.body.choice, now: context.now };
          const read = proposalIn(networkId, await store.readStream(proposalStream(proposalId)));
          // Refused on what was read before anything is sealed: a closed vote's key is gone.
          decideProposal({ ...cast, sealedChoice: read.proposal.secret ? '' : null }, read);
          const sealedChoice = read.proposal.secret ? await sealChoice(vault, proposalId, cast.choice) : null;
          return { status: 201, body: writtenAcross(await onProposal(store, networkId, proposalId, { ...cast, sealedChoice }, context)) };
        });
      },
    );

    app.post(
      `${base}/:proposalId/closing`,
      {
        schema: {
          summary: 'Close the vote and record its result, once; early only when every elector has voted. A secret ballot\'s key is then destroyed (board, or any member once the closing time has passed)',
          params: proposalParams,
          response: { 200: writeResult },
        },
      },
      async (request, reply) => {
        const { networkId, proposalId } = request.params;
        const principal = signedIn(request);
        const member = await requireMember(store, networkId, principal);
        if (!member.roles.includes('board')) {
          const { proposal } = proposalIn(networkId, await store.readStream(proposalStream(proposalId)));
          if (new Date().toISOString() < proposal.closesAt) throw new Forbidden(`Only the board may close a vote before its closing time, ${proposal.closesAt}.`);
        }
        return idempotent(hearth, request, reply, principal.personId, async (commandId) => {
          const done = await closeVoting(store, vault, networkId, proposalId, commandContext(request, commandId, { actor: principal.personId, onBehalfOf: null }));
          // A kept answer's fingerprint would let whoever holds the server's secret test each choice against it.
          if (done.secret) await db.deleteFrom('idempotency_keys').where('scope', 'like', `%${VOTES}`).execute();
          return { status: 200, body: writtenAcross(done) };
        });
      },
    );

    app.post(
      `${base}/:proposalId/payment`,
      {
        schema: {
          summary: 'Make the one payment a passed proposal authorises, up to its amount, from the source it named; from a pool, name the budget holders it benefits (treasurers)',
          params: proposalParams,
          body: ProposalPaid.schema.pick({ pence: true, invoiceReference: true }).extend({ beneficiaries: z.array(z.strictObject({ holderId: z.uuid(), pence })).default([]) }),
          response: { 201: writeResult.extend({ paymentId: z.uuid() }) },
        },
      },
      async (request, reply) => {
        const { networkId, proposalId } = request.params;
        return inRole(hearth, request, reply, networkId, ['treasurer'], async (context) => {
          const { beneficiaries } = request.body;
          await requireActiveMembers(store, networkId, beneficiaries.map((b, i) => [b.holderId, `beneficiaries/${i}/holderId`]));
          const paymentId = uuidv5('proposal payment', context.commandId);
          const done = await payProposal(store, networkId, proposalId, { paymentId, ...request.body, paidBy: context.actor }, today(), context);
          return { status: 201, body: { paymentId, ...writtenAcross(done) } };
        });
      },
    );
  };
}
