// What the care bank's pages read: a holder's bank entry by entry, newest first, each naming the
// other person, so that a page can say "pledged to Rose" rather than show an id.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sql } from 'kysely';
import type { Hearth } from '../hearth.ts';
import { requireMember, signedIn } from '../access/guard.ts';
import { POOL } from '../carebank/bank.ts';
import { today } from '../dates.ts';
import { readAfter, waitForProjections } from './reads.ts';

const params = z.object({ networkId: z.uuid(), personId: z.uuid() });

const entry = z.object({
  date: z.string(),
  minutes: z.number().int().describe('Into the bank when above zero, out of it when below'),
  kind: z.enum(['banked', 'pledged', 'pledge-received', 'donated', 'pool-received', 'claimed']),
  with: z.string().nullable().describe("The other person's name: whom the care was for, or whom hours were pledged to or by; none for the pool and claims"),
});

export function carebankReadRoutes(hearth: Hearth): FastifyPluginAsync {
  const { db } = hearth.database;
  const { store } = hearth;

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
      },
      async (request, reply) => {
        const { networkId, personId } = request.params;
        const principal = signedIn(request);
        await requireMember(store, networkId, principal, principal.personId === personId ? undefined : ['coordinator']);
        if (!(await waitForProjections(hearth, reply, ['carebank', 'people'], request.query.after))) return reply;
        // As the holder's own account reads it: what is banked up to today.
        const mine = db.selectFrom('carebank_entries as e').where('e.network_id', '=', networkId).where('e.holder', '=', personId).where('e.entry_date', '<=', today());
        const [total, rows] = await Promise.all([
          mine.select((eb) => eb.fn.sum<number>('e.minutes').as('minutes')).executeTakeFirst(),
          mine
            .leftJoin('people as p', (join) => join.on(sql`p.person_id::text`, '=', sql`e.counterparty`))
            .select(['e.entry_date', 'e.minutes', 'e.kind', 'e.counterparty', 'p.name', 'p.erased'])
            .orderBy('e.entry_date', 'desc')
            .orderBy('e.position', 'desc')
            .limit(request.query.limit)
            .execute(),
        ]);
        return {
          balanceMinutes: Number(total?.minutes ?? 0),
          entries: rows.map((r) => ({
            date: r.entry_date,
            minutes: r.minutes,
            kind: r.kind as z.infer<typeof entry>['kind'],
            with: r.counterparty === null || r.counterparty === POOL ? null : r.erased ? 'erased member' : (r.name ?? null),
          })),
        };
      },
    );
  };
}
