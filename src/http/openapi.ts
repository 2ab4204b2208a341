// The OpenAPI document, told by the routes themselves. Each route's zod schemas give its inputs and
// answers; its guard (src/http/guard.ts) gives the headers it needs and the refusals it can meet.
// From those, and from its address, this module names each operation, tags it with its area,
// lists the problem+json answers it can give, and gives CSV, HTML and JSON Lines answers their own
// media types, so that a new route is described truly without a word about the document.
import { readFileSync } from 'node:fs';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../config.ts';
import { PROBLEM_MEDIA_TYPE, problemSchema, problemTitles, problemType } from './problem.ts';
import { documentGuard, type Guard } from './guard.ts';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The areas of the API, one tag each. */
const tags = [
  { name: 'accounts', description: "Signing up, in and out, getting back in; one's own details, history and data; erasure" },
  { name: 'networks', description: 'Networks, their members and roles, joining, invitations, safeguarding and DBS checks' },
  { name: 'timebank', description: 'Time given and received: exchanges, balances and limits, the community chest, offers and requests of help, imports' },
  { name: 'carebank', description: 'Care banked, pledged, given to the pool and claimed, and the scheme’s obligation' },
  { name: 'pools', description: "Pooled personal budgets: money in and out, approvals, the books, periods and the bank reconciliation" },
  { name: 'vouchers', description: 'Learning vouchers: gifts, payment, sessions redeemed, refunds, what is held for learners, the learning fund' },
  { name: 'coop', description: "A care co-operative: its rules, share register, withdrawals, dividends, and members' votes on spending" },
  { name: 'partnerships', description: 'Time banks that accept each other’s members' },
  { name: 'audit', description: "Signed digests of the event log, to keep outside Hearth's database" },
  { name: 'notifications', description: 'What waits for one, and which notifications to receive' },
  { name: 'service', description: 'The state of this Hearth, and the pages that explain each problem type' },
];

/** An area by the first word of the address (after a network's own, for what belongs to one). */
const areaOf: Record<string, string> = {
  accounts: 'accounts', sessions: 'accounts', 'password-resets': 'accounts', people: 'accounts', me: 'accounts',
  networks: 'networks', 'help-contacts': 'networks', members: 'networks', 'join-requests': 'networks', invitations: 'networks',
  'safeguarding-policy': 'networks', 'help-contact': 'networks', 'care-check': 'networks',
  timebank: 'timebank', directory: 'timebank', carebank: 'carebank', pools: 'pools', vouchers: 'vouchers', coop: 'coop',
  partnerships: 'partnerships', audit: 'audit', health: 'service', problems: 'service',
};
const areaOfMine: Record<string, string> = { notifications: 'notifications', waiting: 'notifications' };

/** Words that only say which area an address is in: the name of an operation leaves them out. */
const areaWords = new Set(['timebank', 'carebank', 'coop']);

/** The last word of an address that names what is done to what the address before it names. */
const actions: Record<string, string> = {
  acceptance: 'accept', approval: 'approve', rejection: 'reject', confirmation: 'confirm', dispute: 'dispute', reversal: 'reverse',
  closure: 'close', closing: 'close', opening: 'open', withdrawal: 'withdraw', decline: 'decline', leaving: 'leave', issue: 'issue',
  removal: 'remove', ending: 'end', erasure: 'erase', suspension: 'suspend', resumption: 'resume', expiry: 'expire', use: 'use',
  refund: 'refund', cancellation: 'cancel', pause: 'pause', renewal: 'renew', 'auto-match': 'autoMatch',
};

/** Last words that say which of a collection: they come before it in a name (listUnansweredPosts). */
const which = new Set(['unanswered', 'held', 'redeemable', 'awaiting-payment']);

const words = (url: string) => url.replace(/^\/api\/v1\//, '/').split('/').filter(Boolean);

/** The words of an address that belong to a network, without the network's own. */
function withinNetwork(url: string): string[] {
  const all = words(url);
  return all[0] === 'networks' && all[1]?.startsWith(':') && all.length > 2 ? all.slice(2) : all;
}

function tagOf(url: string): string {
  const [first = '', second = ''] = withinNetwork(url).map((w) => w.replace(/\.csv$/, ''));
  const tag = (first === 'me' && areaOfMine[second]) || areaOf[first];
  if (!tag) throw new Error(`${url}: no area for "${first}": name it in src/http/openapi.ts`);
  return tag;
}

const singular = (word: string) =>
  word === 'people' ? 'person' : word.endsWith('ies') ? `${word.slice(0, -3)}y` : /(ches|shes|sses|xes)$/.test(word) ? word.slice(0, -2) : /(ss|us)$/.test(word) ? word : word.replace(/s$/, '');
const pascal = (word: string) => word.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

/**
 * A name from the method and the address: a verb (list, get, record, set, update, delete, or
 * what the address's last word does, such as confirmation → confirm) and the nouns of the address,
 * each in the singular but the last, which is plural for a collection (`lists` says whether a GET
 * answers `items`). One's own (`me`, `mine`) comes first, as "my".
 */
function operationIdOf(method: string, url: string, lists: boolean): string {
  const all = withinNetwork(url);
  const parts = all.some((w) => !areaWords.has(w)) ? all.filter((w) => !areaWords.has(w)) : all;
  const nouns = parts.flatMap((word, i) => (word.startsWith(':') ? [] : [{ word, item: parts[i + 1]?.startsWith(':') ?? false }]));
  const last = nouns.at(-1)!;
  const endsWithId = parts.at(-1)!.startsWith(':');
  let verb: string;
  if (last.word.endsWith('.csv')) {
    verb = 'export';
    last.word = last.word.slice(0, -'.csv'.length);
  } else if (method !== 'GET' && !endsWithId && nouns.length > 1 && actions[last.word]) {
    verb = actions[last.word]!;
    nouns.pop();
  } else if (method === 'GET') verb = endsWithId || !lists ? 'get' : 'list';
  else verb = { POST: 'record', PUT: 'set', PATCH: 'update', DELETE: 'delete' }[method] ?? method.toLowerCase();
  if (nouns.length > 1 && which.has(last.word)) nouns.splice(-2, 2, { word: `${last.word}-${nouns.at(-2)!.word}`, item: false });
  const mine = nouns.some((n) => n.word === 'me' || n.word === 'mine');
  const own = nouns.filter((n) => n.word !== 'me' && n.word !== 'mine');
  if (own.length === 0) return `${verb}Me`;
  const named = own.map((n, i) => (i < own.length - 1 || n.item || verb === 'record' ? singular(n.word) : n.word));
  return verb + (mine ? 'My' : '') + named.map(pascal).join('');
}

/** A route the document describes: an API route, or one outside it that says what it is. */
const described = (route: RouteOptions) => route.method !== 'HEAD' && !(route.schema as { hide?: boolean } | undefined)?.hide;

/**
 * Names and tags each operation as its route is added, unless the route names its own; two
 * operations of one name stop the server at start, so no client's generated code changes meaning.
 */
export const operationNames = fp(async (app: FastifyInstance) => {
  const taken = new Map<string, string>();
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!described(route)) return;
    const method = String(route.method);
    const schema = { ...(route.schema as Record<string, unknown> | undefined) } as { operationId?: string; tags?: string[]; response?: Record<string, unknown> };
    const ok = schema.response?.['200'] ?? schema.response?.[200];
    const lists = ok instanceof z.ZodObject && ok.shape.items instanceof z.ZodArray;
    schema.operationId ??= operationIdOf(method, route.url, lists);
    schema.tags ??= [tagOf(route.url)];
    const earlier = taken.get(schema.operationId);
    if (earlier) throw new Error(`${method} ${route.url} and ${earlier} are both called ${schema.operationId}: give one an operationId in its schema`);
    taken.set(schema.operationId, `${method} ${route.url}`);
    route.schema = schema;
  });
});

/** What a `format` in the query string answers with. */
const formatMedia: Record<string, string> = { json: 'application/json', csv: 'text/csv', html: 'text/html', jsonl: 'application/jsonl' };
const textAnswer = (description: string) => ({ type: 'string', description });
const formatAnswers: Record<string, { type: string; description: string }> = {
  csv: textAnswer('A spreadsheet: UTF-8 with a byte-order mark, one table with one header row, sent as an attachment'),
  html: textAnswer('A page to print'),
  jsonl: textAnswer('A file of one JSON object a line, sent as an attachment'),
};

type JsonSchema = { type?: string; properties?: Record<string, JsonSchema>; required?: string[]; enum?: unknown[]; description?: string };
type Answer = { description?: string; content?: Record<string, { schema: unknown }> } & JsonSchema;

/** The 200 answer in each media type the route sends: `?format=` names them, and an address ending .csv is a spreadsheet. */
function withMediaTypes(url: string, query: JsonSchema | undefined, response: Record<string, Answer> | undefined): Record<string, Answer> | undefined {
  const formats = (query?.properties?.format?.enum as string[] | undefined) ?? (url.endsWith('.csv') ? ['csv'] : []);
  if (formats.length === 0) return response;
  const ok = response?.['200'];
  const content = Object.fromEntries(
    formats.map((format) => {
      const media = formatMedia[format];
      if (!media) throw new Error(`${url}: no media type for format=${format}: name it in src/http/openapi.ts`);
      // A route without a schema for its JSON still says it is an object.
      return [media, { schema: format === 'json' ? (ok ?? { type: 'object' }) : formatAnswers[format] }];
    }),
  );
  const description = formats.length > 1 ? `By \`format\`: ${formats.join(', ')}` : (ok?.description ?? formatAnswers[formats[0]!]!.description);
  return { ...response, 200: { description, content } };
}

/** A body taken as a file (a bank statement, an export) is text or bytes in its own media type, whatever the validator makes of it. */
function asFiles(consumes: string[] | undefined, body: unknown): unknown {
  if (!body || !consumes || consumes.includes('application/json')) return body;
  return { content: Object.fromEntries(consumes.map((media) => [media, { schema: media.startsWith('text/') ? { type: 'string', minLength: 1 } : { type: 'string', contentMediaType: media } }])) };
}

interface Refusals {
  why: string;
  types: string[];
  /** Rules of the domain add types of their own. */
  open?: boolean;
}

/**
 * Refusals only a route's own handler gives, by operation: throttles and failed sign-ins. The
 * domain's own refusals are open-ended and are left to the 403, 404, 409 and 422 answers.
 */
const ownRefusals: Record<string, Record<number, string[]>> = {
  signUp: { 429: ['too-many-sign-ups'] },
  signIn: { 401: ['sign-in-failed'], 429: ['too-many-sign-in-attempts'] },
  requestPasswordReset: { 429: ['too-many-reset-requests'] },
  usePasswordReset: { 429: ['too-many-reset-codes'] },
  getProblem: { 404: ['not-found'] },
};

/**
 * The problem+json answers an operation can give, by status, from what its route declares: its
 * inputs (400, 413, 415), its guard (401, 403, 409, 412, 428), the ids in its path (404, 414), a
 * wait for the projections (503), and what any request may meet (a bad address, 500).
 */
function refusalsOf(route: RouteOptions, schema: { body?: unknown; querystring?: JsonSchema; params?: unknown; operationId?: string }): Map<number, Refusals> {
  const guard: Guard | undefined = route.config?.guard;
  const method = String(route.method);
  const params = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const query = Object.keys(schema.querystring?.properties ?? {});
  const write = method !== 'GET';
  const signedIn = guard !== undefined && guard.who !== 'anyone';
  const byRole = guard !== undefined && (guard.who === 'member' || Array.isArray(guard.who));
  const at = new Map<number, Refusals>();
  const add = (status: number, why: string, types: string[], open = false) => {
    const known = at.get(status);
    at.set(status, known ? { why: `${known.why}. ${why}`, types: [...new Set([...known.types, ...types])], open: known.open || open } : { why, types, open });
  };

  add(400, 'The address cannot be read', ['bad-url']);
  if (schema.body || params.length > 0 || query.length > 0 || guard?.ifMatch || guard?.onBehalf) add(400, 'A field does not fit: `errors` names each, with where it is and a JSON pointer', ['validation']);
  if (schema.body) add(400, 'The body is not JSON, or nests too deep', ['malformed-json']);
  if (guard && !guard.onBehalf) add(400, 'No one acts on another’s behalf here', ['on-behalf-not-accepted']);
  if (signedIn) add(401, 'Sign in first: a bearer token, or the session cookie', ['sign-in-required']);
  if (byRole || guard?.onBehalf) add(403, 'Not for this caller: not a member of the network, without the role, or not theirs to act for', ['forbidden'], true);
  else if (signedIn && params.length > 0) add(403, 'Not for this caller to see or do', ['forbidden'], true);
  if (write) add(403, 'A cookie session sends its CSRF token with every change', ['csrf-token-missing']);
  if (params.length > 0) {
    // Of a network its caller is not a member of, the guard says only 403.
    const named = params.filter((p) => !(byRole && p === 'networkId')).map((p) => `${p.replace(/Id$/, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}-not-found`).filter((t) => problemTitles[t]);
    add(404, 'Nothing has an id the path names', named, guard !== undefined);
    add(414, 'A part of the path is longer than any id', ['uri-too-long']);
  }
  if (guard?.write) {
    add(409, 'The Idempotency-Key was first sent with another request, or others kept changing the same thing', ['idempotency-key-reused', 'concurrency-conflict'], true);
    add(422, 'A rule of the domain refuses it: `type` names the rule, and nothing is written', [], true);
    add(428, 'Send an Idempotency-Key header', ['idempotency-key-required']);
  } else if (write || query.some((q) => q !== 'after')) {
    add(422, 'A rule of the domain refuses it: `type` names the rule', [], true);
  }
  if (guard?.ifMatch) add(412, 'If-Match names a revision that is no longer the latest: the answer’s ETag is the latest', ['precondition-failed']);
  if (schema.body) {
    add(413, 'The body is larger than the server takes', ['body-too-large']);
    add(415, 'The body is not of a media type the operation reads', ['unsupported-media-type']);
  }
  if (query.includes('after')) add(503, 'The figures have not reached `after` in time: try again (Retry-After)', ['projection-behind']);
  add(500, 'Something went wrong on the server: a write may or may not have been recorded, and is safe to send again with the same Idempotency-Key', ['internal']);
  for (const [status, types] of Object.entries(ownRefusals[schema.operationId ?? ''] ?? {})) add(Number(status), 'Refused by the operation itself', types);
  return at;
}

/** Where each operation keeps its refusals between the route's transform and the whole document's. */
const REFUSALS = 'x-hearth-refusals';

/** The options @fastify/swagger is given: the document's frame, and the two passes that fill it. */
export function openapiOptions(config: Pick<Config, 'PUBLIC_URL'>): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Hearth', version, description: 'An event-sourced ledger for care networks.' },
      servers: [{ url: config.PUBLIC_URL, description: 'This Hearth, as PUBLIC_URL names it' }],
      tags,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'hearth_session' } } },
      security: [{ bearer: [] }, { session: [] }],
    },
    stripBasePath: false,
    transform(document) {
      const { schema, url } = jsonSchemaTransform(document) as { schema: Record<string, unknown> & { hide?: boolean; headers?: JsonSchema; querystring?: JsonSchema; response?: Record<string, Answer> }; url: string };
      if (schema.hide) return { schema, url };
      const guard = document.route.config?.guard;
      if (guard) documentGuard(guard, schema);
      // Open to anyone: with no credentials, or (for a guard that takes them) signed in.
      if (!guard) schema.security = [{}];
      else if (guard.who === 'anyone') schema.security = [{}, { bearer: [] }, { session: [] }];
      schema.body = asFiles(schema.consumes as string[] | undefined, schema.body);
      schema.response = withMediaTypes(url, schema.querystring, schema.response);
      schema[REFUSALS] = Object.fromEntries(refusalsOf(document.route, schema));
      return { schema, url };
    },
    transformObject(document) {
      const openapi = 'openapiObject' in document ? document.openapiObject : {};
      const problem = z.toJSONSchema(problemSchema, { target: 'draft-2020-12', io: 'output' }) as Record<string, unknown>;
      delete problem.$schema;
      for (const operations of Object.values(openapi.paths ?? {})) {
        for (const operation of Object.values(operations ?? {}) as Array<Record<string, unknown> & { responses: Record<string, unknown> }>) {
          if (typeof operation !== 'object' || !operation || !(REFUSALS in operation)) continue;
          const refusals = operation[REFUSALS] as Record<string, Refusals>;
          delete operation[REFUSALS];
          for (const [status, { why, types, open }] of Object.entries(refusals)) {
            // An answer of its own (such as /health's 503) is what the route sends instead.
            if (operation.responses[status]) continue;
            const listed = types.map((t) => `\`${problemType(t)}\``).join(', ');
            operation.responses[status] = {
              description: `${why}.${listed ? ` Problem types: ${listed}` : ''}${open ? `${listed ? ', and' : ' Problem types:'} those of the domain's own rules` : ''}.`,
              content: { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
              'x-problem-types': types.map(problemType),
            };
          }
          operation.responses = Object.fromEntries(Object.entries(operation.responses).sort(([a], [b]) => a.localeCompare(b)));
        }
      }
      return { ...openapi, components: { ...openapi.components, schemas: { ...openapi.components?.schemas, Problem: problem } } } as typeof openapi;
    },
  };
}
