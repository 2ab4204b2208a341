// Erasure by crypto-shredding, on both stores: after it, the person's name, email, phone, date
// of birth and notes are nowhere to be read (events, every table, logs), and every figure and
// rebuild still works.
import t from 'tap';
import pino from 'pino';
import { sql } from 'kysely';
import { backends } from './support/db.ts';
import { testHearth } from './support/hearth.ts';
import { json, send, signUp } from './support/http.ts';
import { buildApp } from '../src/http/app.ts';
import type { Db } from '../src/db/database.ts';

const secrets = ['Philomena Quartermaine', 'philomena.q@example.org', '07700 900461', '1931-07-14', 'Needs a hearing loop'] as const;

/** Every text value of every table in the database, as one string. */
async function everything(db: Db): Promise<string> {
  const { rows: tables } = await sql<{ schemaname: string; tablename: string }>`
    SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`.execute(db);
  let all = '';
  for (const { schemaname, tablename } of tables) {
    const { rows } = await sql<{ row: string }>`SELECT t::text AS row FROM ${sql.id(schemaname, tablename)} t`.execute(db);
    all += rows.map((r) => r.row).join('\n');
  }
  return all;
}

async function projectionRows(db: Db, tables: string[]) {
  const out: Record<string, string[]> = {};
  for (const table of tables) out[table] = (await sql<{ row: string }>`SELECT t::text AS row FROM ${sql.id(table)} t ORDER BY 1`.execute(db)).rows.map((r) => r.row);
  return out;
}

for (const backend of await backends()) {
  t.test(`erasure on ${backend.name}`, async (t) => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const hearth = await testHearth(await backend.open(), {}, log);
    await hearth.engine.start();
    const app = await buildApp(hearth);
    t.teardown(async () => { await app.close(); await hearth.close(); });

    const coordinator = await signUp(app, 'Reg Coordinator');
    const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Beeston Befrienders', kind: 'time_bank' }, coordinator.auth)).json().networkId;
    const base = `/api/v1/networks/${networkId}`;
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/accounts',
      headers: { ...json, 'idempotency-key': 'erasure-test-sign-up' },
      payload: JSON.stringify({ name: secrets[0], email: secrets[1], password: 'a long enough password', phone: secrets[2], dateOfBirth: secrets[3] }),
    });
    t.equal(res.statusCode, 202);
    const session = await app.inject({ method: 'POST', url: '/api/v1/sessions', headers: json, payload: JSON.stringify({ email: secrets[1], password: 'a long enough password' }) });
    const { personId } = session.json();
    const person = { authorization: `Bearer ${session.json().token}` };
    await send(app, 'POST', `${base}/join-requests`, undefined, person);
    await send(app, 'POST', `${base}/members/${personId}/approval`, { roles: ['member'] }, coordinator.auth);
    const notes = await send(app, 'POST', `${base}/members`, { name: 'Another Member', notes: secrets[4] }, coordinator.auth);
    t.equal(notes.statusCode, 201);
    const other = notes.json().personId;

    t.test('a subject access export holds everything, for the person or their coordinator', async (t) => {
      const own = await app.inject({ method: 'GET', url: `/api/v1/people/${personId}/export`, headers: person });
      t.equal(own.statusCode, 200);
      t.match(own.headers['content-disposition'], /attachment/);
      t.match(own.json(), {
        personId,
        details: { name: secrets[0], email: secrets[1], phone: secrets[2], dateOfBirth: secrets[3] },
        erased: false,
        account: { sessions: Array },
        memberships: [{ networkId, status: 'active', roles: ['member'], approvedBy: coordinator.personId }],
        history: Array,
      });
      t.ok(own.json().history.length >= 3);
      const byCoordinator = await app.inject({ method: 'GET', url: `/api/v1/people/${other}/export`, headers: coordinator.auth });
      t.match(byCoordinator.json(), { details: { name: 'Another Member', notes: secrets[4] } });
      const stranger = await signUp(app, 'Nosey Parker');
      t.equal((await app.inject({ method: 'GET', url: `/api/v1/people/${personId}/export`, headers: stranger.auth })).statusCode, 403);
    });

    t.test('erasure destroys the key; names, contacts and notes are nowhere to be read', async (t) => {
      const head = await hearth.store.headPosition();
      await hearth.engine.waitFor(hearth.engine.projections.map((p) => p.name), head, 10_000);
      const before = await everything(hearth.database.db);
      t.ok(before.includes(secrets[0]), 'before erasure the name is in the read tables (so the scan can see it)');
      const countsBefore = await hearth.database.db.selectFrom('event_type_counts').selectAll().orderBy('type').execute();

      const refused = await send(app, 'POST', `/api/v1/people/${personId}/erasure`, { confirm: false }, person);
      t.match(refused.json(), { status: 400, errors: [{ pointer: '/confirm' }] });
      const erased = await send(app, 'POST', `/api/v1/people/${personId}/erasure`, { confirm: true }, person);
      t.equal(erased.statusCode, 200);
      const byCoordinator = await send(app, 'POST', `/api/v1/people/${other}/erasure`, { confirm: true }, coordinator.auth);
      t.equal(byCoordinator.statusCode, 200, 'a coordinator can erase a member who asks them to');
      await hearth.engine.waitFor(hearth.engine.projections.map((p) => p.name), byCoordinator.json().position, 10_000);

      const members = (await app.inject({ method: 'GET', url: `${base}/members`, headers: coordinator.auth })).json().items;
      t.match(members.find((m: { personId: string }) => m.personId === personId), { name: 'erased member', status: 'active' }, 'they appear as "erased member"');
      t.equal((await app.inject({ method: 'GET', url: '/api/v1/me', headers: person })).statusCode, 401, 'their sessions ended');
      const signIn = await app.inject({ method: 'POST', url: '/api/v1/sessions', headers: json, payload: JSON.stringify({ email: secrets[1], password: 'a long enough password' }) });
      t.equal(signIn.statusCode, 401, 'and their account is gone');
      const kept = await hearth.database.db.selectFrom('idempotency_keys').select('key').where('key', '=', 'erasure-test-sign-up').execute();
      t.same(kept, [], 'the kept answer to their sign-up, and its fingerprint, are forgotten');

      const live = await projectionRows(hearth.database.db, hearth.engine.projections.flatMap((p) => p.tables));
      for (const p of hearth.engine.projections) await hearth.engine.rebuild(p.name);
      t.same(await projectionRows(hearth.database.db, hearth.engine.projections.flatMap((p) => p.tables)), live, 'rebuilds after erasure give exactly the live rows');
      const after = await everything(hearth.database.db);
      for (const secret of secrets) t.notOk(after.includes(secret), `"${secret}" is in no table, events included, after erasure and a rebuild`);
      t.notOk(lines.join('\n').includes(secrets[0]) || lines.join('\n').includes(secrets[1]) || lines.join('\n').includes(secrets[2]), 'nor in the logs');

      const countsAfter = await hearth.database.db.selectFrom('event_type_counts').selectAll().orderBy('type').execute();
      const withoutErasures = countsAfter.filter((c) => c.type !== 'access.PersonErased').map((c) => [c.type, Number(c.count)]);
      t.same(withoutErasures, countsBefore.map((c) => [c.type, Number(c.count)]), 'every other figure is unchanged');
      const exported = await app.inject({ method: 'GET', url: `/api/v1/people/${other}/export`, headers: coordinator.auth });
      t.match(exported.json(), { personId: other, details: null, erased: true }, 'what is left of an erased person: ids, memberships, history');
    });
  });
}
