// Commands that only a network's coordinators may give.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Hearth } from '../hearth.ts';
import { requireMember, signedIn } from '../access/guard.ts';
import { idempotent } from './idempotency.ts';

export interface Written {
  revision?: number;
  revisions?: number[];
  position: number;
}

/** Authorised first, then run once per Idempotency-Key; answers with the revision and position written. */
export async function asCoordinator(
  hearth: Hearth,
  request: FastifyRequest,
  reply: FastifyReply,
  networkId: string,
  status: number,
  run: (commandId: string, acting: { actor: string; onBehalfOf: null }) => Promise<Written>,
): Promise<void> {
  const principal = signedIn(request);
  await requireMember(hearth.store, networkId, principal, ['coordinator']);
  const acting = { actor: principal.personId, onBehalfOf: null };
  return idempotent(hearth, request, reply, principal.personId, async (commandId) => {
    const done = await run(commandId, acting);
    const revision = done.revision ?? done.revisions?.[0] ?? -1;
    return { status, body: { revision, position: done.position }, headers: { etag: `"${revision}"` } };
  });
}
