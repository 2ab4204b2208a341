// What every page handler starts from: who is signed in (by their session cookie; pages never take
// a bearer token), their networks, the API acting as them, and how to answer with a page.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Unauthenticated, Forbidden } from '../access/guard.ts';
import { Api, type Answer } from './api.ts';
import { layout, type Frame } from './layout.ts';
import { hasErrors, refusedBy, type FormState } from './forms.ts';

export interface Membership {
  networkId: string;
  networkName: string | null;
  kind: string | null;
  status: string;
  roles: string[];
}

export interface Me {
  personId: string;
  name: string | null;
  memberships: Membership[];
}

export interface Page {
  api: Api;
  me: Me;
  csrfToken: string;
  request: FastifyRequest;
  reply: FastifyReply;
  /** Answers with a whole page in the site's frame; a form shown again with mistakes is a 422. */
  show(frame: Omit<Frame, 'who'>, status?: number): FastifyReply;
  /** The signed-in person's active membership of a network; anyone else is turned away. */
  memberOf(networkId: string): Membership;
}

export async function pageFor(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<Page> {
  const principal = request.principal;
  if (!principal || principal.kind !== 'cookie') throw new Unauthenticated();
  const api = new Api(app, request);
  const me = await api.read<Me>('/me');
  return {
    api,
    me,
    csrfToken: principal.csrfToken,
    request,
    reply,
    show(frame, status = frame.hasErrors ? 422 : 200) {
      return reply
        .code(status)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(layout({ ...frame, who: { name: me.name ?? 'you', csrfToken: principal.csrfToken } }));
    },
    memberOf(networkId) {
      const membership = me.memberships.find((m) => m.networkId === networkId && m.status === 'active');
      if (!membership) throw new Forbidden('You are not a member of this network.');
      return membership;
    },
  };
}

/** A network's own pages start from its name. */
export const networkCrumbs = (m: Membership) => [
  { href: '/', label: 'Your networks' },
  { href: `/networks/${m.networkId}`, label: m.networkName ?? 'Network' },
];

/**
 * The common end of a form's post: with mistakes, the form again (422) with each beside its field;
 * otherwise the command through the API, and on success on to the page that confirms it (303, so
 * that reloading does not send it again). A refusal is shown beside the fields it names.
 */
export async function submit<T>(
  page: Page,
  state: FormState,
  send: () => Promise<Answer<T>>,
  fields: Record<string, string>,
  again: (state: FormState) => FastifyReply | Promise<FastifyReply>,
  next: (body: T) => string,
): Promise<FastifyReply> {
  if (hasErrors(state)) return again(state);
  const answer = await send();
  if (!answer.ok) return again(refusedBy(state, answer.problem, fields));
  return page.reply.redirect(next(answer.body), 303);
}
