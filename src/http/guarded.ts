// Commands that only members in certain roles (a coordinator, a treasurer) may give, and members'
// own commands, which a coordinator may give on their behalf.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import { actorIn, requireMember, signedIn, type Acting } from '../access/guard.ts';
import type { Role } from '../access/membership.ts';
import type { CommandContext, HandledAcross } from '../commands/handle.ts';
import { idempotent, type CommandReply } from './idempotency.ts';
import { commandContext } from './commands.ts';

export interface Written {
  revision?: number;
  revisions?: number[];
  position: number;
}

/** What a command across streams answers: the first stream's revision, and the position written. */
export const writtenAcross = (done: HandledAcross) => ({ revision: done.revisions[0]!, position: done.position });

/** Authorised by role first, then run once per Idempotency-Key, acting for oneself. */
export async function inRole(
  hearth: Hearth,
  request: FastifyRequest,
  reply: FastifyReply,
  networkId: string,
  roles: readonly Role[],
  run: (context: CommandContext) => Promise<CommandReply>,
): Promise<void> {
  const principal = signedIn(request);
  await requireMember(hearth.store, networkId, principal, roles);
  return idempotent(hearth, request, reply, principal.personId, (commandId) => run(commandContext(request, commandId, { actor: principal.personId, onBehalfOf: null })));
}

/** The headers of a command a coordinator may give on a member's behalf. */
export const onBehalfHeaders = z.object({ 'idempotency-key': z.string().optional(), 'on-behalf-of': z.uuid().optional() });

/** A member's own command, or a coordinator's on their behalf (On-Behalf-Of), run once per Idempotency-Key. */
export async function asActing(
  hearth: Hearth,
  request: FastifyRequest,
  reply: FastifyReply,
  networkId: string,
  run: (context: CommandContext, acting: Acting) => Promise<CommandReply>,
): Promise<void> {
  const { acting } = await actorIn(hearth.store, networkId, request);
  return idempotent(hearth, request, reply, acting.actor, (commandId) => run(commandContext(request, commandId, acting), acting));
}

/** A coordinator's command; answers with the revision and position written. */
export function asCoordinator(
  hearth: Hearth,
  request: FastifyRequest,
  reply: FastifyReply,
  networkId: string,
  status: number,
  run: (commandId: string, acting: { actor: string; onBehalfOf: null }) => Promise<Written>,
): Promise<void> {
  return inRole(hearth, request, reply, networkId, ['coordinator'], async (context) => {
    const done = await run(context.commandId, { actor: context.actor, onBehalfOf: null });
    const revision = done.revision ?? done.revisions?.[0] ?? -1;
    return { status, body: { revision, position: done.position }, headers: { etag: `"${revision}"` } };
  });
}
