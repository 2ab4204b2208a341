import type { Principal } from '../access/sessions.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is signed in, from the session cookie or the bearer token; null for nobody. */
    principal: Principal | null;
  }
}
