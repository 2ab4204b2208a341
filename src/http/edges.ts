// What reaches the server before any route does: the JSON body parser, URLs the router cannot
// read, and paths too long to route. Each answers problem+json, never a stack trace or a 5xx.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { makeProblem, sendProblem } from './problem.ts';

/**
 * No request Hearth takes nests deeper than a handful of levels. Anything that reads a body
 * recursively (the validator, the idempotency fingerprint, the serializer) is safe below this.
 */
export const MAX_JSON_DEPTH = 32;

/** Raised by the body parser; answered as malformed-json. */
export class JsonTooDeep extends Error {
  readonly statusCode = 400;
  constructor() {
    super(`The body nests deeper than ${MAX_JSON_DEPTH} levels.`);
  }
}

/**
 * Whether the JSON text opens more than `limit` arrays or objects inside one another, counted in
 * one pass over the text before it is parsed, so that a deep body never reaches anything recursive.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character, a quote among them
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** JSON bodies through fastify's own parser (which refuses __proto__ poisoning), once their depth is known to be safe. */
export function boundedJsonParser(app: FastifyInstance<any, any, any, any, any>) {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (nestsDeeperThan(body as string, MAX_JSON_DEPTH)) return done(new JsonTooDeep(), undefined);
    return parse(request, body as string, done);
  });
}

/**
 * The router's own refusals, before any hook runs: a path that cannot be percent-decoded, and a
 * path parameter longer than any id (fastify's maxParamLength). Given as fastify's frameworkErrors.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const path = request.url.split('?')[0] ?? '';
  reply.header('x-request-id', request.id);
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return sendProblem(reply, makeProblem('uri-too-long', 414, 'A part of the address is longer than any id Hearth gives out.', { errors: [{ in: 'params', pointer: '', detail: 'too long' }] }));
  }
  if (error.code === 'FST_ERR_BAD_URL') {
    return sendProblem(reply, makeProblem('bad-url', 400, `The address ${JSON.stringify(path.slice(0, 200))} cannot be read: check its percent-encoding.`, { errors: [{ in: 'url', pointer: '', detail: 'not a valid address' }] }));
  }
  request.log.error({ err: { type: error.name, code: error.code, message: error.message } }, 'request could not be routed');
  return sendProblem(reply, makeProblem('internal', 500, `Something went wrong on our side. If it happens again, quote request ${request.id}.`));
}

/**
 * A NUL in the address is never part of anything Hearth stores or looks up, and PostgreSQL cannot
 * hold one in text: refuse it at the door rather than in whichever query would meet it first.
 */
export async function refuseNulInUrl(request: FastifyRequest, reply: FastifyReply) {
  if (/%00|\u0000/i.test(request.url)) {
    const inQuery = request.url.indexOf('?');
    const where = inQuery >= 0 && /%00|\u0000/i.test(request.url.slice(inQuery)) ? 'querystring' : 'url';
    return sendProblem(reply, makeProblem('bad-url', 400, 'The address holds a NUL character, which nothing in Hearth can contain.', { errors: [{ in: where, pointer: '', detail: 'holds a NUL character' }] }));
  }
}
