// What the care bank's pages read: a holder's bank entry by entry, newest first, each naming the
// other person, so that a page can say "pledged to Rose" rather than show an id.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import { careList, latestEntries } from '../carebank/app.ts';
import { answerPage, pageOf, pageQuery } from './paging.ts';
import type { Page } from '../db/keyset.ts';
import { careActivities } from '../carebank/scheme.ts';
import { waitForProjections } from './reads.ts';
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
  status: z.enum(['logged', 'disputed', 'confirming', 'confirmed']),
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
          querystring: pageQuery(),
          response: { 200: pageOf(entry).extend({ balanceMinutes: z.number().int().describe('Today, whichever page this is') }) },
        },
        config: { guard: { who: 'member' } },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['carebank', 'people'], request.query.after))) return reply;
        let balanceMinutes = 0;
        const read = async (page: Page<readonly [string, number]>) => {
          const found = await latestEntries(hearth, request.caller, { ...request.params, page });
          balanceMinutes = found.balanceMinutes;
          return found;
        };
        const answer = await answerPage(hearth, reply, { list: 'care-bank-entries', scope: request.params, query: request.query }, read);
        return answer ? { balanceMinutes, ...answer } : reply;
      },
    );

    app.get(
      '/networks/:networkId/carebank/care',
      {
        schema: {
          summary: 'Care the reader gave, received or logged, newest first, naming both people; for a coordinator, also all care waiting or disputed in the scheme (members)',
          params: z.object({ networkId: id() }),
          querystring: pageQuery(),
          response: { 200: pageOf(care) },
        },
        config: { guard: { who: 'member' } },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, ['carebank_care', 'people'], request.query.after))) return reply;
        const { networkId } = request.params;
        const list = { list: 'care', scope: { networkId, reader: request.caller.personId }, query: request.query };
        return (await answerPage(hearth, reply, list, (page) => careList(hearth, request.caller, { networkId, page }))) ?? reply;
      },
    );
  };
}
