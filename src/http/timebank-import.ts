// Moving in over HTTP: a coordinator sends what another time bank exported, TimeOverflow's "Download
// all" ZIP or one of its CSV reports; Hearth checks every file first, then records its members,
// transfers, offers and requests (see timebank/timeoverflow.ts and timebank/import.ts).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import { importColumns } from '../timebank/import.ts';
import { importTimeBank, recordOpeningAdjustment } from '../timebank/app.ts';
import { id, reasonText } from '../bounds.ts';
import { signedMinutes } from '../units.ts';

/** Exports of a few years run to megabytes; larger than any other request. */
export const IMPORT_BODY_LIMIT = 32 * 1024 * 1024;

const count = z.number().int();
const line = z.object({ file: z.string(), line: count });

export function timebankImportRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    // TimeOverflow's "Download all" arrives as it was downloaded.
    app.addContentTypeParser('application/zip', { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT }, (_request, body, done) => done(null, body));

    app.post(
      '/networks/:networkId/timebank/imports',
      {
        bodyLimit: IMPORT_BODY_LIMIT,
        config: { guard: { who: ['coordinator'], write: true } },
        schema: {
          operationId: 'importTimebank',
          summary: "Import members, transfers, offers and requests from TimeOverflow's reports (coordinators)",
          description: [
            'Content-Type application/zip (TimeOverflow\'s "Download all": members, transfers, offers and inquiries) or text/csv (any one of those reports).',
            'Each file is recognised by its header line, in any language TimeOverflow ships: members (N, Name, Email, Phone, Alternative Phone, Created, Last login, Locale, Balance in seconds),',
            'transfers (Date, From, To, Post, Quantity as h:mm; "from" is debited, "to" credited; members as "username (member number)", matched by number; the organisation by its bare name; an inactive or deleted member as TimeOverflow\'s sentence for one),',
            `offers and inquiries ("", Offer, Tags, User, Created, grouped under category lines), and the older complete transfer report (${importColumns.join(', ')}; decimal hours; ID 0 the organisation).`,
            "Every file is checked whole before anything is written; a refusal names the file, the line and the column. The organisation's transfers post to the network's own account, or to the community chest when organisationAs=community.",
            'A later export adds only what is new: a transfer is the same when its time to the second, minutes, post and each side (a member by number, or one since inactive or deleted) match one imported before; a row that could be one of several, with different members, is reported under ambiguous and not written.',
            'After the transfers, each member\'s balance is compared with the members report (seconds rounded to the nearest minute, halves away from zero): every difference is listed under balanceDifferences.',
          ].join(' '),
          consumes: ['application/zip', 'text/csv'],
          params: z.object({ networkId: id() }),
          querystring: z.object({ organisationAs: z.enum(['organisation', 'community']).default('organisation').describe("Where the exporter's organisation account goes: the network's own account (which may run below zero), or the community chest") }),
          body: z.union([z.string().min(1, 'the file is empty'), z.instanceof(Buffer).refine((b) => b.length > 0, 'the file is empty')]),
          response: {
            201: z.object({
              files: z.array(z.object({ name: z.string(), report: z.string() })),
              members: count, transfers: count, alreadyImported: count, withinFormerMembers: count,
              ambiguous: z.array(line).describe('Rows that could be one of several transfers imported before, between different members: not written'),
              erased: z.object({ members: count, lines: z.array(count) }).describe('Members erased since an earlier import, and the lines naming them: skipped, nothing written for them'),
              posts: z.object({ published: count, alreadyImported: count }),
              balanceDifferences: z
                .array(z.object({ formerMemberNumber: z.string(), personId: id(), expectedMinutes: count, importedMinutes: count }))
                .describe('Members whose balance here differs from the one the members report shows (TimeOverflow deletes transfers outright); an opening adjustment corrects each'),
              minutes: count, position: count,
            }),
          },
        },
      },
      async (request, reply) => reply.code(201).send(await importTimeBank(hearth, request.caller, { networkId: request.params.networkId, body: request.body, organisationAs: request.query.organisationAs })),
    );

    app.post(
      '/networks/:networkId/timebank/accounts/:personId/opening-adjustments',
      {
        config: { guard: { who: ['coordinator'], write: true } },
        schema: {
          operationId: 'adjustOpeningBalance',
          summary: "Bring a member's balance to what the old system showed, with a reason (coordinators)",
          description: "Signed minutes: positive credits the member. Posted against the organisation's account, and shown on the member's statement with the reason.",
          params: z.object({ networkId: id(), personId: id() }),
          body: z.strictObject({ minutes: signedMinutes, reason: reasonText() }),
          response: { 201: z.object({ revision: count, position: count }) },
        },
      },
      async (request, reply) => reply.code(201).send(await recordOpeningAdjustment(hearth, request.caller, { ...request.params, ...request.body })),
    );
  };
}
