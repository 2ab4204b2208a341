// Finds who is signed in on every request (session cookie for pages, bearer token for the API)
// and, for cookie sessions, demands the session's CSRF token on anything that changes state.
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import cookie from '@fastify/cookie';
import type { Hearth } from '../hearth.ts';
import { findSession, SESSION_COOKIE } from '../access/sessions.ts';

/** A state-changing request from a cookie session without the session's CSRF token. */
export class CsrfMismatch extends Error {
  constructor() {
    super('This form has expired or did not come from Hearth. Reload the page and try again.');
    this.name = 'CsrfMismatch';
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function authPlugin(hearth: Hearth): FastifyPluginAsync {
  const { db } = hearth.database;
  return fp(async (app) => {
    await app.register(cookie);
    app.decorateRequest('principal', null);

    app.addHook('onRequest', async (request) => {
      const authorization = request.headers.authorization;
      if (authorization?.startsWith('Bearer ')) {
        request.principal = await findSession(db, authorization.slice('Bearer '.length).trim(), 'bearer', hearth.clock.now());
        return;
      }
      const token = request.cookies[SESSION_COOKIE];
      if (token) request.principal = await findSession(db, token, 'cookie', hearth.clock.now());
    });

    app.addHook('preHandler', async (request) => {
      const principal = request.principal;
      if (!principal || principal.kind !== 'cookie' || SAFE_METHODS.has(request.method)) return;
      const sent = request.headers['x-csrf-token'] ?? (request.body as { _csrf?: unknown } | undefined)?._csrf;
      if (sent !== principal.csrfToken) throw new CsrfMismatch();
    });
  });
}
