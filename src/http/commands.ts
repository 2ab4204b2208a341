// The metadata every command carries from an HTTP request.
import type { FastifyRequest } from 'fastify';
import type { CommandContext } from '../commands/handle.ts';

export function commandContext(request: FastifyRequest, commandId: string, acting: { actor: string; onBehalfOf: string | null }): CommandContext {
  return {
    actor: acting.actor,
    onBehalfOf: acting.onBehalfOf,
    commandId,
    correlationId: request.id,
    causationId: null,
    now: new Date().toISOString(),
  };
}
