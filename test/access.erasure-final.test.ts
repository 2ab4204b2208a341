// Erasure is final (on the PostgreSQL server where there is one, PGlite otherwise): once a person is erased, importing the same export again,
// retrying the request that recorded them with its Idempotency-Key, signing up again with the same
// request, or inviting them gives them no key and no details; the audit and a rebuild of `people`
// still succeed after each. On PostgreSQL, an erasure racing forty retries leaves no key.
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { serverFirstBackend } from './support/db.ts';
import { caughtUp, racingHearth } from './support/hearth.ts';
import { json, openApp, send, setUp, signUp } from './support/http.ts';
import { buildApp, type App } from '../src/http/app.ts';
import { auditDifferences, verifyAudit } from '../src/audit/verify.ts';
import type { Hearth } from '../src/hearth.ts';

const header = 'Date,from,from ID,to,to ID,post,post ID,Reason,quantity';
const csv = [
  header,
  '2024-03-05 10:22:11 UTC,Philippa Dunwoody (12),12,Raj Patel (7),7,Lifts to the surgery,31,Tuesday appointment,1.5',
  '2024-03-09 15:00:00 UTC,Raj Patel (7),7,"Lee, Pat (3)",3,Gardening,44,,2',
  '2024-04-01 09:00:00 UTC,Armley Time Bank,0,Philippa Dunwoody (12),12,,,"Welcome hours, as agreed",3',
].join('\r\n') + '\r\n';

/** The person's key row: undefined when none was ever made; a tombstone once erased. */
async function keyOf(hearth: Hearth, personId: string) {
  const row = await hearth.database.db.selectFrom('person_keys').select(['wrapped_key', 'erased_at']).where('person_id', '=', personId).executeTakeFirst();
  return row && { key: row.wrapped_key !== null, erased: row.erased_at !== null };
}

/** What `hearth audit verify` and `hearth projections rebuild people` run; both failed here once a key was made again. */
async function auditAndRebuildSucceed(t: Test, hearth: Hearth) {
  if (!(await caughtUp(hearth))) throw new Error('projections did not catch up');
  t.same(auditDifferences(await verifyAudit(hearth)), [], 'audit verify finds no difference');
  const rebuilt = await hearth.engine.rebuild('people').then(() => 'rebuilt', (err: Error) => err.message);
  t.equal(rebuilt, 'rebuilt', 'projections rebuild people succeeds');
  const { projections } = await hearth.engine.status();
  t.same(projections.filter((p) => p.status === 'failed').map((p) => p.name), [], 'and no projection has stopped');
}

const recordMember = (app: App, base: string, auth: Record<string, string>, key: string, name: string) =>
  app.inject({ method: 'POST', url: `${base}/members`, headers: { ...json, ...auth, 'idempotency-key': key }, payload: JSON.stringify({ name, phone: '07700 900123', roles: ['member'] }) });

const backend = await serverFirstBackend();
t.test(`erasure is final on ${backend.name}`, async (t) => {
  const { hearth, app, close } = await openApp(await backend.open());
  t.teardown(close);
  const coordinator = await signUp(app, 'Cath Coordinator');
  const networkId = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Armley Time Bank', kind: 'time_bank' }, coordinator.auth), 201)).json().networkId as string;
  const base = `/api/v1/networks/${networkId}`;
  const upload = (key = randomUUID()) => app.inject({ method: 'POST', url: `${base}/timebank/imports`, headers: { ...coordinator.auth, 'content-type': 'text/csv', 'idempotency-key': key }, payload: csv });
  const memberNamed = async (name: string): Promise<string> => {
    if (!(await caughtUp(hearth))) throw new Error('projections did not catch up');
    const items = (await app.inject({ method: 'GET', url: `${base}/members`, headers: coordinator.auth })).json().items as Array<{ personId: string; name: string }>;
    return items.find((m) => m.name === name)!.personId;
  };

  await t.test('erase, then import the same CSV again: the erased member is skipped and reported', async (t) => {
    const firstKey = randomUUID();
    const first = await upload(firstKey);
    t.equal(first.statusCode, 201, first.body);
    t.match(first.json(), { members: 3, transfers: 3, erased: { members: 0, lines: [] } });
    const philippa = await memberNamed('Philippa Dunwoody');
    t.same(await keyOf(hearth, philippa), { key: true, erased: false }, 'imported with a key');

    const erased = await send(app, 'POST', `/api/v1/people/${philippa}/erasure`, { confirm: true }, coordinator.auth);
    t.equal(erased.statusCode, 200, erased.body);
    t.same(await keyOf(hearth, philippa), { key: false, erased: true }, 'the key is destroyed, its row left as a tombstone');

    const again = await upload();
    t.equal(again.statusCode, 201, again.body);
    t.match(again.json(), { members: 2, transfers: 1, alreadyImported: 1, erased: { members: 1, lines: [2, 4] } }, 'her member row and both lines naming her skipped, and said so');
    t.same(await keyOf(hearth, philippa), { key: false, erased: true }, 'no key made again');
    t.equal(await hearth.store.headPosition(), erased.json().position, 'nothing written for her, nor anything else, by the second import');

    const replayed = await upload(firstKey);
    t.equal(replayed.headers['idempotent-replayed'], 'true', 'the first import retried with its key is answered from what was kept');
    t.same(await keyOf(hearth, philippa), { key: false, erased: true }, 'and seals nothing');
    await auditAndRebuildSucceed(t, hearth);
  });

  await t.test('erase, then retry the request that recorded them with the same Idempotency-Key', async (t) => {
    const key = randomUUID();
    const recorded = await recordMember(app, base, coordinator.auth, key, 'Philippa Quixote');
    t.equal(recorded.statusCode, 201, recorded.body);
    const { personId } = recorded.json();
    const replay = await recordMember(app, base, coordinator.auth, key, 'Philippa Quixote');
    t.equal(replay.json().personId, personId, 'before the erasure a retry is the same member');
    t.equal((await send(app, 'POST', `/api/v1/people/${personId}/erasure`, { confirm: true }, coordinator.auth)).statusCode, 200);
    const head = await hearth.store.headPosition();

    const retried = await recordMember(app, base, coordinator.auth, key, 'Philippa Quixote');
    t.equal(retried.statusCode, 409, retried.body);
    t.match(retried.json(), { type: '/problems/person-erased' });
    t.same(await keyOf(hearth, personId), { key: false, erased: true }, 'no key made again');
    t.equal(await hearth.store.headPosition(), head, 'nothing written');
    t.notOk(await hearth.database.db.selectFrom('idempotency_keys').select('key').where('key', '=', key).executeTakeFirst(), 'the refusal keeps nothing');
    t.equal(await hearth.vault.ensureKey(personId), false, 'the vault itself makes no key for them');
    const reKeyed = await sql`UPDATE person_keys SET wrapped_key = '\\x00'::bytea, erased_at = NULL WHERE person_id = ${personId}`.execute(hearth.database.db).then(() => 'updated', () => 'refused');
    t.equal(reKeyed, 'refused', 'nor does the database, whatever code asks');
    const removed = await sql`DELETE FROM person_keys WHERE person_id = ${personId}`.execute(hearth.database.db).then(() => 'deleted', () => 'refused');
    t.equal(removed, 'refused', 'and the tombstone cannot be removed to make way for a new key');

    const invited = await send(app, 'POST', `${base}/invitations`, { personId }, coordinator.auth);
    t.equal(invited.statusCode, 409, 'an erased person cannot be invited');
    t.match(invited.json(), { type: '/problems/person-erased', errors: [{ pointer: '/personId' }] });
    const wayIn = await send(app, 'POST', `${base}/members/${personId}/claim-code`, undefined, coordinator.auth);
    t.equal(wayIn.statusCode, 403, 'nor given a way in: no one acts for them');
    t.notOk(await hearth.database.db.selectFrom('claim_codes').select('person_id').where('person_id', '=', personId).executeTakeFirst(), 'no code kept');
    await auditAndRebuildSucceed(t, hearth);
  });

  await t.test('erase yourself, then retry your sign-up with the same Idempotency-Key', async (t) => {
    const key = randomUUID();
    const credentials = { email: `quentin.${key.slice(0, 8)}@example.org`, password: 'a long enough password' };
    const body = JSON.stringify({ name: 'Quentin Dunwoody', ...credentials });
    const signUpWith = () => app.inject({ method: 'POST', url: '/api/v1/accounts', headers: { ...json, 'idempotency-key': key }, payload: body });
    const first = await signUpWith();
    t.equal(first.statusCode, 202, first.body);
    const session = await app.inject({ method: 'POST', url: '/api/v1/sessions', headers: json, payload: JSON.stringify(credentials) });
    t.equal(session.statusCode, 201, session.body);
    const { personId } = session.json();
    t.equal((await send(app, 'POST', `/api/v1/people/${personId}/erasure`, { confirm: true }, coordinator.auth)).statusCode, 403, 'not the coordinator\'s to erase');
    t.equal((await send(app, 'POST', `/api/v1/people/${personId}/erasure`, { confirm: true }, { authorization: `Bearer ${session.json().token}` })).statusCode, 200);

    const retried = await signUpWith();
    t.equal(retried.statusCode, 409, retried.body);
    t.match(retried.json(), { type: '/problems/person-erased' });
    t.same(await keyOf(hearth, personId), { key: false, erased: true }, 'no key made again');
    t.notOk(await hearth.database.db.selectFrom('credentials').select('person_id').where('person_id', '=', personId).executeTakeFirst(), 'and no account');
    await auditAndRebuildSucceed(t, hearth);
  });
});

t.test('on PostgreSQL, an erasure racing forty retries of the request that recorded the person leaves no key', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  await hearth.engine.start();
  const app = await buildApp(hearth);
  t.teardown(() => app.close());
  const coordinator = await signUp(app, 'Cath Coordinator');
  const networkId = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Bramley Time Bank', kind: 'time_bank' }, coordinator.auth), 201)).json().networkId as string;
  const base = `/api/v1/networks/${networkId}`;
  const key = randomUUID();
  const recorded = await recordMember(app, base, coordinator.auth, key, 'Philippa Racewell');
  t.equal(recorded.statusCode, 201, recorded.body);
  const { personId } = recorded.json();

  // As when the first attempt wrote its events but crashed before its answer was kept: every
  // retry runs the command again, making sure of the key and sealing, while the erasure runs.
  await hearth.database.db.deleteFrom('idempotency_keys').where('key', '=', key).execute();
  // Spread out, so that some come before the erasure, some while it runs, some after.
  const erasure = send(app, 'POST', `/api/v1/people/${personId}/erasure`, { confirm: true }, coordinator.auth);
  const retries = Array.from({ length: 40 }, (_, i) => new Promise((r) => setTimeout(r, i * 15)).then(() => recordMember(app, base, coordinator.auth, key, 'Philippa Racewell')));
  const [erased, ...answers] = await Promise.all([erasure, ...retries]);
  t.equal(erased.statusCode, 200, erased.body);
  const statuses = answers.map((a) => a.statusCode);
  const others = answers.filter((a) => a.statusCode !== 201 && a.statusCode !== 409).map((a) => `${a.statusCode} ${a.body}`);
  t.same(others, [], 'no other answer');
  t.ok(statuses.every((s) => s === 201 || s === 409), `every retry answered as before the erasure or refused, none failed (${statuses.filter((s) => s === 201).length} × 201, ${statuses.filter((s) => s === 409).length} × 409)`);
  t.ok(answers.filter((a) => a.statusCode === 409).every((a) => a.json().type === '/problems/person-erased'), 'a refusal says why');

  t.same(await keyOf(hearth, personId), { key: false, erased: true }, 'no key after');
  const late = await recordMember(app, base, coordinator.auth, key, 'Philippa Racewell');
  t.equal(late.statusCode, 409, 'and a retry after it is refused');
  t.same(await keyOf(hearth, personId), { key: false, erased: true });
  const registrations = (await hearth.store.readStream(`person-${personId}`)).filter((e) => e.type === 'access.PersonRegistered');
  t.equal(registrations.length, 1, 'registered once');
  await auditAndRebuildSucceed(t, hearth);
});
