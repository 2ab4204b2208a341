// The HTTP server: JSON under /api/v1, errors as problem+json, OpenAPI generated from the zod schemas.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import Fastify, { type FastifyError } from 'fastify';
import swagger from '@fastify/swagger';
import helmet from '@fastify/helmet';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Hearth } from '../hearth.ts';
import { Rejection } from '../commands/decider.ts';
import { PreconditionFailed } from '../commands/decide.ts';
import { makeProblem, problemTitles, sendProblem, type FieldError } from './problem.ts';
import { healthRoutes } from './health.ts';
import { networkRoutes } from './networks.ts';
import { accountRoutes } from './accounts.ts';
import { timebankRoutes } from './timebank.ts';
import { timebankPostRoutes } from './timebank-posts.ts';
import { timebankImportRoutes } from './timebank-import.ts';
import { timebankReadRoutes } from './timebank-reads.ts';
import { timebankAnswerRoutes } from './timebank-answers.ts';
import { partnershipRoutes } from './partnerships.ts';
import { notificationRoutes } from './notifications.ts';
import { webRoutes } from '../web/index.ts';
import { carebankRoutes } from './carebank.ts';
import { carebankReadRoutes } from './carebank-reads.ts';
import { poolRoutes } from './pools.ts';
import { poolBookRoutes } from './pool-books.ts';
import { reconciliationRoutes } from './reconciliation.ts';
import { voucherRoutes } from './vouchers.ts';
import { voucherReadRoutes } from './voucher-reads.ts';
import { coopRoutes } from './coop.ts';
import { coopVoteRoutes } from './coop-votes.ts';
import { coopBookRoutes } from './coop-books.ts';
import { auditRoutes } from './audit.ts';
import { IMPORT_BODY_LIMIT } from './timebank-import.ts';
import { authPlugin, CsrfMismatch } from './auth.ts';
import { guardPlugin } from './guard.ts';
import { metricsPlugin, QuietProbes } from './metrics.ts';
import { openapiOptions, operationNames } from './openapi.ts';
import { Unauthenticated } from '../access/guard.ts';
import { UnsupportedByStore } from '../eventstore/port.ts';
import { etag } from './reads.ts';
import { boundedJsonParser, frameworkErrors, JsonTooDeep, refuseNulInUrl } from './edges.ts';
import { withinUnitOfWork } from '../eventstore/cache.ts';

export async function buildApp(hearth: Hearth) {
  const app = Fastify({
    loggerInstance: hearth.log,
    logController: new QuietProbes(),
    bodyLimit: hearth.config.BODY_LIMIT,
    genReqId: () => randomUUID(),
    trustProxy: hearth.config.TRUST_PROXY,
    frameworkErrors,
  }).withTypeProvider<ZodTypeProvider>();

  // The API speaks JSON only; anything else is refused as 415 rather than read as a string.
  app.removeContentTypeParser('text/plain');
  boundedJsonParser(app);
  // Imports (another time bank's export, a bank statement) are CSV files, read whole; each import
  // route sets its own body limit.
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT }, (_request, body, done) => done(null, body));
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onRequest', refuseNulInUrl);
  // A request is one unit of work: it reads each stream once, as it found it, however many of its
  // guards and steps ask (src/eventstore/cache.ts). Begun once the body is read, so it spans the
  // rest. A page's own requests to the API, made in-process, are part of the page's.
  app.addHook('preValidation', (_request, _reply, done) => withinUnitOfWork(done));

  // Upgrading requests and HSTS suit only a Hearth reached over HTTPS (directly, or as a trusted
  // proxy reports): served over plain HTTP by a LAN address, they would make the browser post the
  // sign-in form to an https address that does not answer.
  await app.register(helmet, { hsts: false, contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
  app.addHook('onSend', async (request, reply) => {
    if (request.protocol !== 'https') return;
    reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    const policy = reply.getHeader('content-security-policy');
    if (typeof policy === 'string') reply.header('content-security-policy', `${policy};upgrade-insecure-requests`);
  });
  await app.register(swagger, openapiOptions(hearth.config));
  await app.register(operationNames);
  await app.register(authPlugin(hearth));
  await app.register(guardPlugin(hearth));
  await app.register(metricsPlugin(hearth));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'body';
      const errors: FieldError[] = error.validation.flatMap((v) => {
        const keys = (v.params as { keys?: string[] }).keys;
        if (v.keyword === 'unrecognized_keys' && keys) {
          return keys.map((k) => ({ in: where, pointer: `${v.instancePath === '/' ? '' : v.instancePath}/${k}`, detail: 'is not a field Hearth knows' }));
        }
        return [{ in: where, pointer: v.instancePath, detail: v.message ?? 'is not right' }];
      });
      const named = errors.map((e) => `${e.in} ${e.pointer === '/' ? '(whole)' : e.pointer.slice(1).replace(/\//g, '.')}: ${e.detail}`).join('; ');
      return sendProblem(reply, makeProblem('validation', 400, named, { errors }));
    }
    if (error instanceof Rejection) {
      const errors = error.field ? [{ in: 'body', pointer: `/${error.field}`, detail: error.message }] : undefined;
      return sendProblem(reply, makeProblem(error.type, error.status, error.message, errors ? { errors } : {}));
    }
    if (error instanceof Unauthenticated) {
      reply.header('www-authenticate', 'Bearer');
      return sendProblem(reply, makeProblem('sign-in-required', 401, 'Sign in first: send a bearer token, or use the session cookie.'));
    }
    if (error instanceof CsrfMismatch) {
      return sendProblem(reply, makeProblem('csrf-token-missing', 403, error.message));
    }
    if (error instanceof PreconditionFailed) {
      reply.header('etag', etag(error.actual));
      return sendProblem(reply, makeProblem('precondition-failed', 412, `It is now at revision ${error.actual}. Reload, check, and try again.`));
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendProblem(reply, makeProblem('body-too-large', 413, `Send at most ${hearth.config.BODY_LIMIT} bytes.`));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendProblem(reply, makeProblem('unsupported-media-type', 415, 'Send the body as application/json.'));
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendProblem(reply, makeProblem('malformed-json', 400, 'The body is empty; send a JSON object.', { errors: [{ in: 'body', pointer: '', detail: 'empty' }] }));
    }
    if (error instanceof UnsupportedByStore) {
      // The store refused the append whole; a command made of several appends may have made its
      // earlier ones (docs/scaling.md names them), so this does not promise that nothing was kept.
      return sendProblem(reply, makeProblem('not-on-this-event-store', 501, `${error.message}. With the events kept this way, this needs PostgreSQL as the event store: see the scaling guide.`));
    }
    if (error instanceof JsonTooDeep) {
      return sendProblem(reply, makeProblem('malformed-json', 400, error.message, { errors: [{ in: 'body', pointer: '', detail: 'nested too deep' }] }));
    }
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (error.statusCode === 400 && error instanceof SyntaxError)) {
      return sendProblem(reply, makeProblem('malformed-json', 400, 'The body is not valid JSON; send one JSON object.', { errors: [{ in: 'body', pointer: '', detail: 'not valid JSON' }] }));
    }
    // A read writes nothing, so a value the database cannot take as a date or number (SQLSTATE
    // class 22, data exception) can only have come from the query: refuse it, naming what was sent.
    if ((request.method === 'GET' || request.method === 'HEAD') && typeof error.code === 'string' && /^22[0-9A-Z]{3}$/.test(error.code)) {
      const sent = Object.keys((request.query as Record<string, unknown> | undefined) ?? {}).filter((name) => name !== 'after');
      const errors = sent.map((name) => ({ in: 'querystring', pointer: `/${name}`, detail: 'may be out of range' }));
      return sendProblem(reply, makeProblem('validation', 400, `A value in the address is out of range${sent.length ? `: check ${sent.join(', ')}` : ''}.`, errors.length ? { errors } : {}));
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendProblem(reply, makeProblem('bad-request', error.statusCode, error.message));
    }
    request.log.error({ err: { type: error.name, message: error.message, stack: error.stack } }, 'request failed');
    // The failure may come after a write: say only what is true either way.
    const retry = request.method === 'GET' || request.method === 'HEAD' ? 'Try again in a moment' : 'It may or may not have been recorded: send it again with the same Idempotency-Key, which records it once at most';
    return sendProblem(reply, makeProblem('internal', 500, `${retry}. If it happens again, quote request ${request.id}.`));
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, makeProblem('not-found', 404, `There is nothing at ${request.method} ${request.url.split('?')[0]}.`)),
  );

  // Each problem type's address explains it, as RFC 9457 suggests.
  app.get(
    '/problems/:name',
    {
      schema: {
        summary: 'The page that explains a problem type: the `type` of every refusal is its address',
        params: z.object({ name: z.string() }),
        produces: ['text/html'],
        response: { 200: z.string().describe('A page for people') },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const title = Object.hasOwn(problemTitles, name) ? problemTitles[name] : undefined;
      if (!title) return sendProblem(reply, makeProblem('not-found', 404, `No problem type is called ${name}.`));
      return reply.type('text/html; charset=utf-8').send(
        `<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>${title} – Hearth</title></head><body><main><h1>${title}</h1><p>Problem type <code>/problems/${name}</code>. The <code>detail</code> of each answer says what to do next.</p></main></body></html>`,
      );
    },
  );

  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes(hearth));
  await app.register(accountRoutes(hearth), { prefix: '/api/v1' });
  await app.register(networkRoutes(hearth), { prefix: '/api/v1' });
  await app.register(timebankRoutes(hearth), { prefix: '/api/v1' });
  await app.register(timebankImportRoutes(hearth), { prefix: '/api/v1' });
  await app.register(timebankReadRoutes(hearth), { prefix: '/api/v1' });
  await app.register(timebankPostRoutes(hearth), { prefix: '/api/v1' });
  await app.register(timebankAnswerRoutes(hearth), { prefix: '/api/v1' });
  await app.register(partnershipRoutes(hearth), { prefix: '/api/v1' });
  await app.register(carebankRoutes(hearth), { prefix: '/api/v1' });
  await app.register(carebankReadRoutes(hearth), { prefix: '/api/v1' });
  await app.register(poolRoutes(hearth), { prefix: '/api/v1' });
  await app.register(poolBookRoutes(hearth), { prefix: '/api/v1' });
  await app.register(reconciliationRoutes(hearth), { prefix: '/api/v1' });
  await app.register(auditRoutes(hearth), { prefix: '/api/v1' });
  await app.register(voucherRoutes(hearth), { prefix: '/api/v1' });
  await app.register(voucherReadRoutes(hearth), { prefix: '/api/v1' });
  await app.register(coopRoutes(hearth), { prefix: '/api/v1' });
  await app.register(coopVoteRoutes(hearth), { prefix: '/api/v1' });
  await app.register(coopBookRoutes(hearth), { prefix: '/api/v1' });
  await app.register(notificationRoutes(hearth), { prefix: '/api/v1' });
  await app.register(webRoutes(hearth));
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
