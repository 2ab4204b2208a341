// Finds who is signed in on every request (session cookie for pages, bearer token for the API)
// and, for cookie sessions, demands the session's CSRF token on anything that changes state.
// Forms posted before anyone is signed in (signing in, signing up) carry a token of their own.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
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

/**
 * Anonymous forms are tied to the browser that was shown them: a random value in a cookie of its
 * own, and its HMAC in the form. Another site can make a browser post the form, but cannot read
 * the cookie to compute the field, so it cannot sign a visitor in to an account of its choosing.
 */
export const FORM_COOKIE = 'hearth_form';
const FORM_NONCE = /^[A-Za-z0-9_-]{32}$/;

const formTokenOf = (secret: Buffer, nonce: string) => createHmac('sha256', secret).update(`form:${nonce}`).digest('base64url');

/** The hidden field for an anonymous form; gives the browser its cookie first if it has none. */
export function formTokenFor(secret: Buffer, request: FastifyRequest, reply: FastifyReply): string {
  let nonce = request.cookies[FORM_COOKIE];
  if (!nonce || !FORM_NONCE.test(nonce)) {
    nonce = randomBytes(24).toString('base64url');
    reply.setCookie(FORM_COOKIE, nonce, { httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https', path: '/' });
  }
  return formTokenOf(secret, nonce);
}

/** Refuses an anonymous form that did not come from a page Hearth showed this browser. */
export function checkFormToken(secret: Buffer, request: FastifyRequest): void {
  const nonce = request.cookies[FORM_COOKIE];
  const sent = (request.body as { _csrf?: unknown } | undefined)?._csrf;
  if (!nonce || !FORM_NONCE.test(nonce) || typeof sent !== 'string') throw new CsrfMismatch();
  const expected = Buffer.from(formTokenOf(secret, nonce));
  const given = Buffer.from(sent);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new CsrfMismatch();
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
