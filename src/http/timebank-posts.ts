// Offers and requests over HTTP. Each route parses, calls the posts' application function
// (src/timebank/posts-app.ts, where every rule lives) and maps the answer.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import * as posts from '../timebank/posts-app.ts';
import { area, postKinds, postTitle, suits, tag } from '../timebank/post.ts';
import { categoryName } from '../timebank/settings.ts';
import { id, isoDate, reasonText, text } from '../bounds.ts';
import { etag, waitForProjections, writeResult } from './reads.ts';
import { answerPage, pageOf, pageQuery } from './paging.ts';
import type { Page } from '../db/keyset.ts';

const networkParams = z.object({ networkId: id() });
const postParams = networkParams.extend({ postId: id() });

/** What a member says of a post: one schema for the API, the pages and the OpenAPI document. */
export const postDetails = z.strictObject({
  title: postTitle,
  description: text(2000, { min: 0, lines: true }).default('').describe('Sealed: erasing the owner makes it unreadable; never searched'),
  category: categoryName.describe("One of the network's kinds of help"),
  tags: z.array(tag).max(10).default([]),
  area: area.nullable().default(null).describe('A postcode district (LS12) or a neighbourhood, never an address'),
  suits: suits.default({ note: '', weekdays: [] }),
  neededBy: isoDate().nullable().default(null).describe('For a request: the date by which help is needed'),
  sharedWith: z.array(id()).max(20).default([]).describe('Partner time banks, in an active partnership, whose members may find it too'),
});

const summary = z.object({
  postId: id(),
  networkId: id(),
  kind: z.enum(postKinds),
  ownerId: id(),
  ownerName: z.string(),
  title: z.string(),
  category: z.string(),
  tags: z.array(z.string()),
  area: z.string().nullable(),
  suits: z.object({ note: z.string(), weekdays: z.array(z.string()) }),
  neededBy: z.string().nullable(),
  status: z.enum(['open', 'paused', 'arranged', 'closed']),
  openUntil: z.string(),
  publishedAt: z.string(),
  fromNetwork: z.string().nullable().describe('The partner time bank it comes from, when not this one'),
});
const onePost = summary.omit({ publishedAt: true, fromNetwork: true }).extend({ description: z.string(), sharedWith: z.array(id()), mayChange: z.boolean(), revision: z.number().int() });

export function timebankPostRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/timebank/posts';
    const members = { who: 'member', onBehalf: true } as const;
    const onPost = { who: 'member', onBehalf: true, write: true, ifMatch: true } as const;
    const projections = ['posts', 'people', 'networks', 'timebank'];

    app.get(
      base,
      {
        config: { guard: members },
        schema: {
          summary: "Find open offers and requests: this time bank's, and those partner time banks shared with it; newest first",
          params: networkParams,
          querystring: pageQuery({ default: 20, max: 100 }).extend({
            q: text(200).optional().describe('Words of the title, category, tags or area'),
            kind: z.enum(postKinds).optional(),
            category: categoryName.optional(),
            tag: tag.optional(),
            area: text(60).optional(),
          }),
          response: { 200: pageOf(summary) },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, projections, request.query.after))) return reply;
        const { networkId } = request.params;
        const { q, kind, category, tag: oneTag, area: where } = request.query;
        const filters = { ...(q ? { text: q } : {}), ...(kind ? { kind } : {}), ...(category ? { category } : {}), ...(oneTag ? { tag: oneTag } : {}), ...(where ? { area: where } : {}) };
        const list = { list: 'posts', scope: { networkId, ...filters, onBehalfOf: request.caller.onBehalfOf }, query: request.query };
        return (
          (await answerPage(hearth, reply, list, async ({ limit, after }: Page<readonly [number]>) => {
            const found = await posts.findPosts(hearth, request.caller, { networkId, limit, ...filters, ...(after ? { before: after[0] } : {}) });
            return { items: found.items, next: found.next === null ? null : ([found.next] as const) };
          })) ?? reply
        );
      },
    );

    app.post(
      base,
      {
        config: { guard: { who: 'member', onBehalf: true, write: true } },
        schema: {
          operationId: 'postHelp',
          summary: 'Post an offer or a request (a member, or a coordinator on their behalf)',
          params: networkParams,
          body: postDetails.extend({ kind: z.enum(postKinds) }),
          response: { 201: writeResult.extend({ postId: id() }) },
        },
      },
      async (request, reply) => {
        const { kind, ...details } = request.body;
        const done = await posts.publishPost(hearth, request.caller, { networkId: request.params.networkId, kind, details });
        return reply.code(201).header('etag', etag(done.revision)).send(done);
      },
    );

    app.get(
      `${base}/mine`,
      {
        config: { guard: members },
        schema: { summary: 'My offers and requests in this time bank, whatever their status, newest first', params: networkParams, querystring: pageQuery(), response: { 200: pageOf(summary) } },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, projections, request.query.after))) return reply;
        const list = { list: 'my-posts', scope: { ...request.params, onBehalfOf: request.caller.onBehalfOf }, query: request.query };
        return (await answerPage(hearth, reply, list, (page) => posts.myPosts(hearth, request.caller, { ...request.params, page }))) ?? reply;
      },
    );

    app.get(
      `${base}/unanswered`,
      {
        config: { guard: { who: ['coordinator'] } },
        schema: {
          summary: 'Requests nobody has answered for some days, oldest first (coordinators)',
          params: networkParams,
          querystring: pageQuery().extend({ days: z.coerce.number().int().min(0).max(365).default(7) }),
          response: { 200: pageOf(summary) },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, projections, request.query.after))) return reply;
        const { days } = request.query;
        const list = { list: 'unanswered-requests', scope: { ...request.params, days }, query: request.query };
        return (await answerPage(hearth, reply, list, (page) => posts.unansweredRequests(hearth, request.caller, { ...request.params, days, page }))) ?? reply;
      },
    );

    app.get(
      `${base}/:postId`,
      {
        config: { guard: members },
        schema: { summary: 'One offer or request, with its description, for a member who may see it', params: postParams, response: { 200: onePost } },
      },
      async (request, reply) => {
        const post = await posts.readPost(hearth, request.caller, request.params);
        return reply.header('etag', etag(post.revision)).send(post);
      },
    );

    app.put(
      `${base}/:postId`,
      {
        config: { guard: onPost },
        schema: { operationId: 'editPost', summary: 'Change what a post says (its owner, or a coordinator); not once it is closed or arranged', params: postParams, body: postDetails, response: { 200: writeResult } },
      },
      async (request, reply) => {
        const done = await posts.editPost(hearth, request.caller, { ...request.params, details: request.body });
        return reply.header('etag', etag(done.revision)).send(done);
      },
    );

    for (const [path, act, summaryText] of [
      ['pause', posts.pausePost, 'Pause a post: it is not found until renewed (its owner, or a coordinator)'],
      ['renewal', posts.renewPost, 'Renew a post: open again for another ninety days (its owner, or a coordinator)'],
    ] as const) {
      app.post(`${base}/:postId/${path}`, { config: { guard: onPost }, schema: { summary: summaryText, params: postParams, response: { 200: writeResult } } }, async (request, reply) => {
        const done = await act(hearth, request.caller, request.params);
        return reply.header('etag', etag(done.revision)).send(done);
      });
    }

    app.post(
      `${base}/:postId/closure`,
      {
        config: { guard: onPost },
        schema: { summary: 'Close a post (its owner, or a coordinator with a reason)', params: postParams, body: z.strictObject({ reason: reasonText().optional() }).default({}), response: { 200: writeResult } },
      },
      async (request, reply) => {
        const done = await posts.closePost(hearth, request.caller, { ...request.params, ...request.body });
        return reply.header('etag', etag(done.revision)).send(done);
      },
    );
  };
}
