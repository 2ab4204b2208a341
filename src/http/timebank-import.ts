// Moving in over HTTP: a coordinator sends another time bank's transfer export as CSV; Hearth
// checks every row first, then records its members and transfers (see timebank/import.ts).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import { importColumns } from '../timebank/import.ts';
import { importTransfers } from '../timebank/app.ts';
import { id } from '../bounds.ts';

/** Exports of a few years run to megabytes; larger than any other request. */
export const IMPORT_BODY_LIMIT = 32 * 1024 * 1024;

export function timebankImportRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/networks/:networkId/timebank/imports',
      {
        bodyLimit: IMPORT_BODY_LIMIT,
        config: { guard: { who: ['coordinator'], write: true } },
        schema: {
          summary: "Import members and transfers from another time bank's CSV export (coordinators)",
          description: `Content-Type text/csv. Columns, in this order, with a header line: ${importColumns.join(', ')}. This is TimeOverflow's complete transfer report. "from" is debited and "to" credited; an ID of 0 is the organisation, imported as the network's own account (which may run below zero), or as the community chest when organisationAs=community; inactive_user and deleted_user are kept together as former members (a row between two of them moves nothing, and is counted apart); quantity is in decimal hours. Every row is checked before anything is written; importing the same export again adds nothing. A member erased since an earlier import is not recorded again: their rows are skipped and reported under erased.`,
          consumes: ['text/csv'],
          params: z.object({ networkId: id() }),
          querystring: z.object({ organisationAs: z.enum(['organisation', 'community']).default('organisation').describe("Where the exporter's organisation account goes: the network's own account, or the community chest") }),
          body: z.string().min(1, 'the CSV file is empty'),
          response: {
            201: z.object({
              members: z.number().int(), transfers: z.number().int(), alreadyImported: z.number().int(), withinFormerMembers: z.number().int(),
              erased: z.object({ members: z.number().int(), lines: z.array(z.number().int()) }).describe('Members erased since an earlier import, and the lines naming them: skipped, nothing written for them'),
              minutes: z.number().int(), position: z.number().int(),
            }),
          },
        },
      },
      async (request, reply) => reply.code(201).send(await importTransfers(hearth, request.caller, { ...request.params, csv: request.body, organisationAs: request.query.organisationAs })),
    );
  };
}
