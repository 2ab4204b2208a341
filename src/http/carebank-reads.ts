// What the care bank's pages read: a holder's bank entry by entry, newest first, each naming the
// other person, so that a page can say "pledged to Rose" rather than show an id.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import { careList, latestEntries } from '../carebank/app.ts';
import { careActivities } from '../carebank/scheme.ts';
import { readAfter, waitForProjections } from './reads.ts';
import { id } from '../bounds.ts';

const params = z.object({ networkId: id(), personId: id() });

const entry = z.object({
  date: z.string(),
  minutes: z.number().int().describe('Into the bank when above zero, out of it when below'),
  kind: z.enum(['banked', 'pledged', 'pledge-received', 'donated', 'pool-received', 'claimed']),
  with: z.string().nullable().describe("The other person's name: whom the care was for, or whom hours were pledged to or by; none for the pool and claims"),
});

const care = z.object({
  careId: id(),
  volunteerId: id(),
  volunteerName: z.string(),
  recipientId: id(),
  recipientName: z.string(),
  minutes: z.number().int(),
  activity: z.enum(careActivities),
  occurredOn: z.string(),
  loggedBy: id(),
  status: z.enum(['logged', 'disputed', 'confirmed']),
  youMayConfirm: z.boolean().describe('Whether the reader may confirm (or dispute) it now'),
});

export function carebankReadRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/networks/:networkId/carebank/accounts/:personId/entries',
      {
        schema: {
          summary: "A holder's banked hours and their latest entries, newest first, naming the other person (the holder, or a coordinator)",
          params,
          querystring: readAfter.extend({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
          response: { 200: z.object({ balanceMinutes: z.number().int(), entries: z.array(entry) }) },
        },
        config: { guard: { who: 'member' } },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['carebank', 'people'], request.query.after))) return reply;
        return latestEntries(hearth, request.caller, { ...request.params, limit: request.query.limit });
      },
    );

    app.get(
      '/networks/:networkId/carebank/care',
      {
        schema: {
          summary: 'Care the reader gave, received or logged, newest first, naming both people; for a coordinator, also all care waiting or disputed in the scheme (members)',
          params: z.object({ networkId: id() }),
          querystring: readAfter.extend({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
          response: { 200: z.object({ items: z.array(care) }) },
        },
        config: { guard: { who: 'member' } },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['carebank_care', 'people'], request.query.after))) return reply;
        return careList(hearth, request.caller, { networkId: request.params.networkId, limit: request.query.limit });
      },
    );
  };
}
