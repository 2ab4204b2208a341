// A person's own notifications: which kinds they get by email, and what waits for them now.
// Each route parses, calls src/notify/app.ts and maps its answer.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import * as notify from '../notify/app.ts';
import { chosenKinds, notificationKinds } from '../notify/choices.ts';
import { id } from '../bounds.ts';
import { etag, readAfter, sendWritten, waitForProjections, writeResult } from './reads.ts';

const choices = z.object({ kinds: z.array(z.enum(notificationKinds)), chosen: z.boolean().describe('false until the person first chooses: then every kind is on') });
/** The read tables the waiting list is read from. */
const WAITING_FROM = ['memberships', 'networks', 'timebank', 'pools', 'coop', 'vouchers'];

export function notificationRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/me/notifications',
      {
        config: { guard: { who: 'signed-in' } },
        schema: { summary: 'Which kinds of notification I get by email (all until I choose)', response: { 200: choices } },
      },
      async (request, reply) => {
        const { revision, kinds, chosen } = await notify.notificationChoices(hearth, request.caller);
        reply.header('etag', etag(revision));
        return { kinds: [...kinds], chosen };
      },
    );

    app.put(
      '/me/notifications',
      {
        config: { guard: { who: 'signed-in', write: true, ifMatch: true } },
        schema: { summary: 'Choose which kinds of notification I get by email; the list replaces the one before', body: z.strictObject({ kinds: chosenKinds }), response: { 200: writeResult } },
      },
      async (request, reply) => sendWritten(reply, 200, await notify.chooseNotifications(hearth, request.caller, request.body)),
    );

    // Whole: one line per kind of task and network, counted.
    app.get(
      '/me/waiting',
      {
        config: { guard: { who: 'signed-in' } },
        schema: {
          summary: 'What waits for me to act on, in every network I belong to',
          querystring: readAfter,
          response: {
            200: z.object({
              items: z.array(z.object({ kind: z.enum(notify.waitingKinds), networkId: id(), networkName: z.string().nullable(), count: z.number().int(), href: z.string(), closesAt: z.string().optional() })),
            }),
          },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, WAITING_FROM, request.query.after))) return reply;
        return { items: await notify.waitingFor(hearth, request.caller) };
      },
    );
  };
}
