// The hearth command does ledger work through the HTTP API, in-process: the same validation,
// permissions, idempotency and problem details as every other client, with no server running.
// It acts as a named person, for whom it opens a short session and closes it afterwards.
import { randomUUID } from 'node:crypto';
import { validate as isUuid } from 'uuid';
import type { Config } from '../config.ts';
import { createLogger } from '../log.ts';
import { openHearth, type Hearth } from '../hearth.ts';
import { buildApp, type App } from '../http/app.ts';
import { createSession, emailLookup, hashToken } from '../access/sessions.ts';
import { members } from '../access/app.ts';
import { whole } from '../db/keyset.ts';

export interface Answer {
  status: number;
  body: any;
  text: string;
}

export interface CallOptions {
  /** Reuse an Idempotency-Key to make a retried command safe; a fresh one otherwise. */
  key?: string;
  onBehalfOf?: string;
  contentType?: string;
  /** Another person's bearer token, instead of the one the ledger acts as. */
  token?: string;
}

/** A refusal from the API, carrying its problem details for the command to print. */
export class Refused extends Error {
  constructor(readonly answer: Answer) {
    const p = answer.body ?? {};
    const fields = Array.isArray(p.errors) ? p.errors.map((e: { pointer: string; detail: string }) => `\n  ${e.pointer}: ${e.detail}`).join('') : '';
    super(`${p.title ?? `HTTP ${answer.status}`}${p.detail ? `: ${p.detail}` : ''}${fields}`);
    this.name = 'Refused';
  }
}

export class Ledger {
  private constructor(
    readonly hearth: Hearth,
    private readonly app: App,
    private token: string | undefined,
    /** What closing the ledger closes: only what it opened itself. */
    private readonly owns: { hearth: boolean; app: boolean },
  ) {}

  static async open(config: Config): Promise<Ledger> {
    const hearth = await openHearth(config, createLogger('warn'));
    const app = await buildApp(hearth);
    await hearth.engine.start();
    return new Ledger(hearth, app, undefined, { hearth: true, app: true });
  }

  /** On a Hearth already open, its projections running (and its app, if built): both stay open after. */
  static async over(hearth: Hearth, app?: App): Promise<Ledger> {
    return new Ledger(hearth, app ?? (await buildApp(hearth)), undefined, { hearth: false, app: !app });
  }

  /** Acts from now on as this person (an email address or a person id). */
  async actAs(who: string): Promise<string> {
    const { db } = this.hearth.database;
    const personId = isUuid(who)
      ? who
      : (await db.selectFrom('credentials').select('person_id').where('email_lookup', '=', emailLookup(this.hearth.secret, who)).executeTakeFirst())?.person_id;
    if (!personId) throw new Error(`No one here signs in as ${who}.`);
    this.token = (await createSession(db, personId, 'bearer', 1, this.hearth.clock.now())).token;
    return personId;
  }

  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, options: CallOptions = {}): Promise<Answer> {
    if (method === 'GET') await this.caughtUp();
    const token = options.token ?? this.token;
    const headers: Record<string, string> = {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(method === 'GET' ? {} : { 'idempotency-key': options.key ?? randomUUID() }),
      ...(options.onBehalfOf ? { 'on-behalf-of': options.onBehalfOf } : {}),
      ...(body === undefined ? {} : { 'content-type': options.contentType ?? 'application/json' }),
    };
    const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const res = await this.app.inject({ method, url: `/api/v1${path}`, headers, payload });
    const isJson = /json/.test(String(res.headers['content-type'] ?? ''));
    const answer = { status: res.statusCode, body: isJson ? res.json() : undefined, text: res.body };
    if (res.statusCode >= 400) throw new Refused(answer);
    return answer;
  }

  /** Every row of a paged list: a command prints the whole list, following `next` to its last page. */
  async listAll(path: string, options: CallOptions = {}): Promise<any[]> {
    const items: unknown[] = [];
    let cursor: string | null = null;
    do {
      const joined: string = `${path}${path.includes('?') ? '&' : '?'}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const { body } = await this.call('GET', joined, undefined, options);
      items.push(...body.items);
      cursor = body.next;
    } while (cursor);
    return items;
  }

  /**
   * Who is who in a network, to show people by name where an answer names them by id. Read
   * in-process from the member list: the command runs on the server's own configuration, so this
   * shows whoever is at the terminal nothing the database does not; and only people the answer
   * already named are looked up. Someone not (or no longer) a member is shown by id.
   */
  async namesIn(networkId: string): Promise<(personId: string) => string> {
    await this.caughtUp();
    const names = new Map((await members(this.hearth, { networkId }, whole)).items.map((m) => [m.personId, m.name ?? 'erased member']));
    return (personId) => names.get(personId) ?? personId;
  }

  /** A command-line read sees everything written before it. */
  private async caughtUp(): Promise<void> {
    const { head, projections } = await this.hearth.engine.status();
    if (!(await this.hearth.engine.waitFor(projections.map((p) => p.name), head, 60_000))) throw new Error('The projections are behind; see `hearth projections status`.');
  }

  async close(): Promise<void> {
    if (this.token) await this.hearth.database.db.deleteFrom('sessions').where('token_hash', '=', hashToken(this.token)).execute();
    if (this.owns.app) await this.app.close();
    if (this.owns.hearth) await this.hearth.close();
  }
}
