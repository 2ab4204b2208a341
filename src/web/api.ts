// Pages do their work through the JSON API, in-process and as the person signed in, as the
// command line does: the same validation, permissions, idempotency and problem details as every
// other client, so a page can never do what the API would refuse.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Problem } from '../http/problem.ts';

/** The most rows a list gives in one page: what a page reading a whole list asks for. */
const ALL_AT_ONCE = 200;

export type Answer<T> = { ok: true; status: number; body: T } | { ok: false; status: number; problem: Problem };

/** A read the page needs was refused or failed; the page shows the reason instead. */
export class ReadFailed extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
    this.name = 'ReadFailed';
  }
}

export interface SendOptions {
  /** The form's own Idempotency-Key: sending the same form twice records it once. */
  key: string;
  onBehalfOf?: string;
}

export class Api {
  constructor(
    private readonly app: FastifyInstance,
    private readonly request: FastifyRequest,
  ) {}

  private headers(): Record<string, string> {
    // Behind a proxy that terminates TLS, the API sees the same scheme the page did, so a session
    // cookie it sets is Secure.
    const headers: Record<string, string> = { 'x-forwarded-proto': this.request.protocol };
    if (this.request.headers.cookie) headers.cookie = this.request.headers.cookie;
    // The page's own form was already checked against this token before the page's handler ran.
    const principal = this.request.principal;
    if (principal?.kind === 'cookie') headers['x-csrf-token'] = principal.csrfToken;
    return headers;
  }

  private async call<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body: unknown, extra: Record<string, string>): Promise<Answer<T> & { setCookie?: string | string[] }> {
    const res = await this.app.inject({
      method,
      url: `/api/v1${path}`,
      headers: { ...this.headers(), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extra },
      payload: body === undefined ? undefined : extra['content-type'] ? String(body) : JSON.stringify(body),
      // Sign-in limits count per address: the person's, not the server's own.
      remoteAddress: this.request.ip,
    });
    const type = String(res.headers['content-type'] ?? '');
    const parsed = /json/.test(type) ? res.json() : res.body;
    const setCookie = res.headers['set-cookie'];
    if (res.statusCode < 400) return { ok: true, status: res.statusCode, body: parsed as T, setCookie };
    const problem = typeof parsed === 'object' && parsed ? (parsed as Problem) : { status: res.statusCode, type: 'about:blank', title: 'Something went wrong', detail: 'Try again in a moment.' };
    return { ok: false, status: res.statusCode, problem };
  }

  /** What a page shows; a refusal becomes the page's own error. */
  async read<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const search = new URLSearchParams(Object.entries(query).filter((e): e is [string, string | number] => e[1] !== undefined).map(([k, v]) => [k, String(v)]));
    const answer = await this.call<T>('GET', search.size > 0 ? `${path}?${search}` : path, undefined, {});
    if (!answer.ok) throw new ReadFailed(answer.problem);
    return answer.body;
  }

  /**
   * Every row of a paged list, for a page that must show or count them all (a choice of members,
   * a total): it follows `next` to the last page, asking for the most a page may hold.
   */
  async readAll<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<{ items: T[] }> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.read<{ items: T[]; next: string | null }>(path, { limit: ALL_AT_ONCE, ...query, cursor });
      items.push(...page.items);
      cursor = page.next ?? undefined;
    } while (cursor);
    return { items };
  }

  /** A file a form uploaded, sent as it is with its own type (a bank's statement as text/csv). */
  sendFile<T>(path: string, content: string, type: string, { key }: SendOptions) {
    return this.call<T>('POST', path, content, { 'idempotency-key': key, 'content-type': type });
  }

  /** A command from a form: the answer, or the problem to show beside the form's fields. */
  send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body: unknown, { key, onBehalfOf }: SendOptions) {
    return this.call<T>(method, path, body, { 'idempotency-key': key, ...(onBehalfOf ? { 'on-behalf-of': onBehalfOf } : {}) });
  }
}
