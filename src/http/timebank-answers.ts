// Answers and arrangements over HTTP: answering a post, its thread, accepting, brokering, the
// member's arrangements and logging one, and the coordinators' figures. Each route parses, calls
// src/timebank/answers-app.ts (where every rule lives) and maps the answer.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Hearth } from '../hearth.ts';
import * as answers from '../timebank/answers-app.ts';
import { minutes } from '../units.ts';
import { makeProblem, sendProblem } from './problem.ts';
import { etag, readAfter, waitForProjections, writeResult } from './reads.ts';
import { answerPage, pageOf, pageQuery } from './paging.ts';
import { id, isoDate, text } from '../bounds.ts';

const networkParams = z.object({ networkId: id() });
const postParams = networkParams.extend({ postId: id() });
const answerParams = postParams.extend({ answerId: id() });
const arrangementParams = networkParams.extend({ arrangementId: id() });
/** A message in a thread: a few lines, sealed before it is recorded. */
export const answerMessage = text(1000, { lines: true });
const paging = pageQuery({ default: 20, max: 100 });

const answer = z.object({
  answerId: id(), postId: id(), networkId: id(), postTitle: z.string(), postKind: z.string(), answererId: id(), answererNetworkId: id(), ownerId: id(),
  status: z.enum(['open', 'withdrawn', 'accepted']), messages: z.number().int(), lastMessageAt: z.string(),
});
const arrangement = z.object({
  arrangementId: id(), postId: id(), networkId: id(), postTitle: z.string(), answerId: id().nullable(), providerId: id(), providerNetworkId: id(), receiverId: id(), receiverNetworkId: id(),
  category: z.string(), brokered: z.boolean(), arrangedAt: z.string(), exchangeId: id().nullable(),
});

export function timebankAnswerRoutes(hearth: Hearth): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const base = '/networks/:networkId/timebank';
    const views = ['post_answers'];

    app.post(
      `${base}/posts/:postId/answers`,
      {
        config: { guard: { who: 'member', onBehalf: true, write: true } },
        schema: {
          operationId: 'answerPost',
          summary: 'Answer an offer or a request of this time bank, or of a partner that shared it with this one (once per member; not your own)',
          params: postParams,
          body: z.strictObject({ message: answerMessage }),
          response: { 201: writeResult.extend({ answerId: id() }) },
        },
      },
      async (request, reply) => {
        const done = await answers.answerPost(hearth, request.caller, { ...request.params, ...request.body });
        return reply.code(201).header('etag', etag(done.revision)).send(done);
      },
    );

    app.get(
      `${base}/answers`,
      {
        config: { guard: { who: 'member', onBehalf: true } },
        schema: {
          summary: "The caller's answers (which=mine) or the answers to their posts (which=toMe), newest first, a page at a time",
          params: networkParams,
          querystring: paging.extend({ which: z.enum(['mine', 'toMe']).default('toMe') }),
          response: { 200: pageOf(answer) },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, views, request.query.after))) return reply;
        const { networkId } = request.params;
        const { which } = request.query;
        const list = { list: 'answers', scope: { networkId, which, onBehalfOf: request.caller.onBehalfOf }, query: request.query };
        return (await answerPage(hearth, reply, list, (page) => answers.answersOf(hearth, request.caller, { networkId, which, page }))) ?? reply;
      },
    );

    app.get(
      `${base}/posts/:postId/answers/:answerId`,
      {
        config: { guard: { who: 'member', onBehalf: true } },
        schema: {
          summary: 'An answer and its thread, with its ETag (the two members, or a coordinator)',
          params: answerParams,
          querystring: readAfter,
          response: { 200: answer.extend({ thread: z.array(z.object({ messageId: id(), fromId: id(), text: z.string(), sentAt: z.string() })) }) },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, views, request.query.after))) return reply;
        const { answer: a, messages, revision } = await answers.threadOf(hearth, request.caller, request.params);
        if (a.postId !== request.params.postId) return sendProblem(reply, makeProblem('answer-not-found', 404, 'There is no such answer to this post.'));
        const { position: _p, ...shown } = a;
        return reply.header('etag', etag(revision)).send({ ...(shown as typeof shown & { status: 'open' }), thread: messages });
      },
    );

    const onAnswer = { who: 'member', onBehalf: true, write: true, ifMatch: true } as const;

    app.post(
      `${base}/posts/:postId/answers/:answerId/messages`,
      {
        config: { guard: onAnswer },
        schema: { operationId: 'sendAnswerMessage', summary: 'Write in the thread of an answer (the two members, or a coordinator as themselves)', params: answerParams, body: z.strictObject({ message: answerMessage }), response: { 201: writeResult.extend({ messageId: id() }) } },
      },
      async (request, reply) => {
        const done = await answers.sendAnswerMessage(hearth, request.caller, { networkId: request.params.networkId, answerId: request.params.answerId, message: request.body.message });
        return reply.code(201).header('etag', etag(done.revision)).send(done);
      },
    );

    app.post(
      `${base}/posts/:postId/answers/:answerId/withdrawal`,
      { config: { guard: onAnswer }, schema: { summary: 'Withdraw an answer not yet accepted (the member who answered)', params: answerParams, response: { 200: writeResult } } },
      async (request, reply) => {
        const done = await answers.withdrawAnswer(hearth, request.caller, { networkId: request.params.networkId, answerId: request.params.answerId });
        return reply.header('etag', etag(done.revision)).send(done);
      },
    );

    app.post(
      `${base}/posts/:postId/answers/:answerId/acceptance`,
      {
        config: { guard: onAnswer },
        schema: {
          summary: "Accept an answer: it becomes the post's one arrangement (the member who posted; If-Match is the post's revision)",
          params: answerParams,
          response: { 201: writeResult.extend({ arrangementId: id() }) },
        },
      },
      async (request, reply) => {
        const done = await answers.acceptAnswer(hearth, request.caller, { networkId: request.params.networkId, answerId: request.params.answerId });
        return reply.code(201).header('etag', etag(done.revision)).send(done);
      },
    );

    app.post(
      `${base}/arrangements`,
      {
        config: { guard: { who: ['coordinator'], write: true, ifMatch: true } },
        schema: {
          operationId: 'arrangeHelp',
          summary: "Broker an arrangement between a post's owner and a member, recorded as the coordinator's (coordinators)",
          params: networkParams,
          body: z.strictObject({ postId: id(), personId: id(), personNetworkId: id().optional().describe("The member's own time bank, when a partner's the post is shared with") }),
          response: { 201: writeResult.extend({ arrangementId: id() }) },
        },
      },
      async (request, reply) => {
        const done = await answers.brokerArrangement(hearth, request.caller, { ...request.params, ...request.body });
        return reply.code(201).header('etag', etag(done.revision)).send(done);
      },
    );

    app.get(
      `${base}/arrangements`,
      {
        config: { guard: { who: 'member', onBehalf: true } },
        schema: {
          summary: "The caller's arrangements, as giver or receiver, newest first (waiting=true: those not yet logged)",
          params: networkParams,
          querystring: paging.extend({ waiting: z.enum(['true', 'false']).default('false') }),
          response: { 200: pageOf(arrangement) },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, views, request.query.after))) return reply;
        const { networkId } = request.params;
        const { waiting } = request.query;
        const list = { list: 'arrangements', scope: { networkId, waiting, onBehalfOf: request.caller.onBehalfOf }, query: request.query };
        return (await answerPage(hearth, reply, list, (page) => answers.arrangementsOf(hearth, request.caller, { networkId, waiting: waiting === 'true', page }))) ?? reply;
      },
    );

    app.get(
      `${base}/arrangements/figures`,
      {
        config: { guard: { who: ['coordinator'] } },
        schema: {
          summary: 'Offers and requests open now by category, and per month and category those posted, answered, arranged and turned into exchanges (coordinators)',
          params: networkParams,
          querystring: readAfter,
          response: {
            200: z.object({
              open: z.array(z.object({ category: z.string(), offers: z.number().int(), requests: z.number().int() })),
              months: z.array(z.object({ month: z.string(), category: z.string(), offers: z.number().int(), requests: z.number().int(), answers: z.number().int(), arrangements: z.number().int(), exchanges: z.number().int() })),
            }),
          },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, views, request.query.after))) return reply;
        const [open, months] = await Promise.all([answers.openPostsByCategory(hearth, request.caller, request.params), answers.postFigures(hearth, request.caller, request.params)]);
        return { open, months };
      },
    );

    app.get(
      `${base}/arrangements/open-posts`,
      {
        config: { guard: { who: ['coordinator'] } },
        schema: {
          summary: "This time bank's open offers and requests by title, to broker from, a page at a time (coordinators)",
          params: networkParams,
          querystring: pageQuery(),
          response: { 200: pageOf(z.object({ postId: id(), title: z.string(), kind: z.string(), ownerId: id(), category: z.string() })) },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, views, request.query.after))) return reply;
        const list = { list: 'posts-to-broker', scope: request.params, query: request.query };
        return (await answerPage(hearth, reply, list, (page) => answers.openPosts(hearth, request.caller, { ...request.params, page }))) ?? reply;
      },
    );

    app.get(
      `${base}/arrangements/:arrangementId`,
      {
        config: { guard: { who: 'member', onBehalf: true } },
        schema: {
          summary: "One arrangement with the post's ETag, and what logging it prefills (its two people, or a coordinator)",
          params: arrangementParams,
          querystring: readAfter,
          response: { 200: arrangement.extend({ prefill: z.object({ minutes: z.number().int(), occurredOn: z.string(), category: z.string() }) }) },
        },
      },
      async (request, reply) => {
        if (!(await waitForProjections(hearth, reply, views, request.query.after))) return reply;
        const { revision, position: _p, ...a } = await answers.arrangementOf(hearth, request.caller, request.params);
        return reply.header('etag', etag(revision)).send({ ...a, prefill: answers.prefillOf(hearth, a) });
      },
    );

    app.post(
      `${base}/arrangements/:arrangementId/exchange`,
      {
        config: { guard: { who: 'member', onBehalf: true, write: true } },
        schema: {
          operationId: 'logArrangedExchange',
          summary: 'Log the exchange an arrangement led to, in one step: it waits for confirmation as any exchange does (its two people, or a coordinator); logged once however often it is sent',
          params: arrangementParams,
          body: z.strictObject({ minutes, occurredOn: isoDate(), description: text(500, { min: 0, lines: true }).default('') }),
          response: { 201: writeResult.extend({ exchangeId: id(), arrangementId: id() }) },
        },
      },
      async (request, reply) => {
        const done = await answers.logArrangementById(hearth, request.caller, { ...request.params, ...request.body });
        return reply.code(201).header('etag', etag(done.revision)).send(done);
      },
    );
  };
}
