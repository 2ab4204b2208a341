// Driving the HTTP API in tests: an app on a real database, and people who sign up and sign in.
import { randomUUID } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Test } from 'tap';
import { freshPglite } from './db.ts';
import { caughtUp, testAddress, testHearth } from './hearth.ts';
import { buildApp, type App } from '../../src/http/app.ts';
import type { Database } from '../../src/db/database.ts';
import type { Hearth } from '../../src/hearth.ts';

export const json = { 'content-type': 'application/json' };

/** The Hearth behind each app opened here: what a browser of it waits on before reading a page. */
const hearthOf = new WeakMap<App, Hearth>();

export async function openApp(database?: Database, env: Record<string, string> = {}) {
  const hearth = await testHearth(database ?? (await freshPglite()), env);
  await hearth.engine.start();
  const app = await buildApp(hearth);
  hearthOf.set(app, hearth);
  return { hearth, app, close: async () => { await app.close(); await hearth.close(); } };
}

export interface Person {
  personId: string;
  email: string;
  password: string;
  auth: { authorization: string };
}

let people = 0;

/**
 * Someone who signs up and signs in, from an address of their own; the sign-up's answer does not
 * name the person, so their id comes from signing in.
 */
export async function signUp(app: App, name = 'Margaret Holroyd', details: Record<string, string> = {}): Promise<Person> {
  const email = `person${++people}.${randomUUID().slice(0, 8)}@example.org`;
  const password = 'correct horse battery staple';
  const remoteAddress = testAddress();
  const res = await app.inject({ method: 'POST', url: '/api/v1/accounts', remoteAddress, headers: { ...json, 'idempotency-key': randomUUID() }, payload: JSON.stringify({ name, email, password, ...details }) });
  if (res.statusCode !== 202) throw new Error(`sign-up failed: ${res.statusCode} ${res.body}`);
  const session = await app.inject({ method: 'POST', url: '/api/v1/sessions', remoteAddress, headers: json, payload: JSON.stringify({ email, password }) });
  if (session.statusCode !== 201) throw new Error(`sign-in failed: ${session.statusCode} ${session.body}`);
  const { personId, token } = session.json();
  return { personId, email, password, auth: { authorization: `Bearer ${token}` } };
}

/** A state-changing request with a fresh Idempotency-Key. */
export function send(app: App, method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body: unknown, headers: Record<string, string> = {}) {
  const type = body === undefined ? {} : json;
  return app.inject({ method, url, headers: { ...type, 'idempotency-key': randomUUID(), ...headers }, payload: body === undefined ? undefined : JSON.stringify(body) });
}

/** Set-up through the API, which must succeed for a test to mean anything. */
export async function setUp(sent: ReturnType<typeof send>, status: number) {
  const res = await sent;
  if (res.statusCode !== status) throw new Error(`set-up failed: ${res.statusCode} ${res.body}`);
  return res;
}

export async function written(hearth: Hearth) {
  const { db } = hearth.database;
  const events = await db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const keys = await db.selectFrom('idempotency_keys').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { events: Number(events.n), keys: Number(keys.n) };
}

/** Someone who signs up and joins the network at the coordinator's invitation, in a role when one is given. */
export async function joined(app: App, networkId: string, coordinator: Person, name: string, role?: string): Promise<Person> {
  const base = `/api/v1/networks/${networkId}`;
  const p = await signUp(app, name);
  await send(app, 'POST', `${base}/invitations`, { personId: p.personId }, coordinator.auth);
  await send(app, 'POST', `${base}/invitations/acceptance`, undefined, p.auth);
  if (role) await send(app, 'PUT', `${base}/members/${p.personId}/roles`, { roles: [role], reason: 'elected at the AGM' }, coordinator.auth);
  return p;
}

/**
 * A CSV download opened as a spreadsheet opens it: UTF-8 with a byte-order mark, not kept by any
 * cache, and one table: a single header row, every row as wide as it, no blank row between tables.
 */
export function spreadsheet(t: Test, res: { headers: Record<string, unknown>; body: string }, header?: string[]): string[][] {
  t.equal(res.headers['content-type'], 'text/csv; charset=utf-8', 'a CSV download');
  t.equal(res.headers['cache-control'], 'no-store', 'kept by no cache');
  t.ok(res.body.startsWith('\uFEFF'), 'with a byte-order mark, so that Excel reads UTF-8');
  const rows = parseCsv(res.body, { bom: true, relax_quotes: false, skip_empty_lines: false }) as string[][];
  t.ok(rows.length > 0 && rows.every((r) => r.length === rows[0]!.length && r.some((cell) => cell !== '')), 'one table: every row as wide as the header, none blank');
  t.equal(rows.filter((r) => JSON.stringify(r) === JSON.stringify(rows[0])).length, 1, 'exactly one header row');
  if (header) t.same(rows[0], header);
  return rows;
}

export const formType = { 'content-type': 'application/x-www-form-urlencoded' };
export const tokenIn = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1];

/**
 * A browser signed in as this person: it reads pages and posts their forms. A page is read once
 * the pages' tables hold what was written before it, as by someone who looks a moment later: the
 * tests write through the API and other people's browsers, whose redirects carry no position for
 * this one to wait on.
 */
export async function browserOf(app: App, person: Person) {
  const session = await app.inject({ method: 'POST', url: '/api/v1/sessions', remoteAddress: testAddress(), headers: json, payload: JSON.stringify({ email: person.email, password: person.password, kind: 'cookie' }) });
  const cookie = ([session.headers['set-cookie']].flat() as string[]).map((c) => c.split(';')[0]).join('; ');
  const hearth = hearthOf.get(app);
  const get = async (url: string) => {
    if (hearth && !(await caughtUp(hearth))) throw new Error(`the projections did not catch up before ${url} was read`);
    return app.inject({ method: 'GET', url, headers: { cookie } });
  };
  return {
    get,
    /** Posts a form as the page at `from` shows it, with its token and a fresh key. */
    async post(url: string, fields: Record<string, string>, from = url) {
      const token = tokenIn((await get(from)).body);
      return app.inject({ method: 'POST', url, headers: { ...formType, cookie }, payload: new URLSearchParams({ _csrf: token ?? '', _key: randomUUID(), ...fields }).toString() });
    },
  };
}
