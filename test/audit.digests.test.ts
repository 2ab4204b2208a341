// Signed digests of the log (on the PostgreSQL server where there is one, PGlite otherwise): recorded at a period's close and daily,
// downloaded by those who keep the books, and checked by `hearth audit verify --digests FILE`
// against a log rewritten with its hash chains made again; and `audit verify` ending, and naming
// what is missing, when the newest event is deleted or the log emptied.
import t, { type Test } from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { serverFirstBackend, type Backend } from './support/db.ts';
import { joined, openApp, send, setUp, signUp } from './support/http.ts';
import { commandOn } from './support/cli.ts';
import { removeNewestEvent, rewrite, truncateEvents } from './support/tamper.ts';
import { caughtUp } from './support/hearth.ts';
import { addDays, today } from '../src/dates.ts';
import { fixedClock } from '../src/clock.ts';
import { auditDifferences, auditLines, verifyAudit } from '../src/audit/verify.ts';
import { DAY_MS, digestKey, listLogDigests, parseJsonLines, recordLogDigestIfDue, signatureHolds } from '../src/audit/log-digests.ts';
import { keepDailyDigests, recordDigest, signingKey } from '../src/audit/app.ts';

// Four ledgers, each set up through the API with its sign-ups, and every projection rebuilt twice.
t.setTimeout(600_000);

const dir = mkdtempSync(join(tmpdir(), 'hearth-digests-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** A Neighbourhood Network's pool with money in before a closed period and a receipt after it. */
async function closedPool(t: Test, backend: Backend) {
  const { hearth, app, close } = await openApp(await backend.open());
  t.teardown(close);
  const coordinator = await signUp(app, 'Cath Coordinator');
  const networkId = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Armley Good Neighbours', kind: 'neighbourhood_network' }, coordinator.auth), 201)).json().networkId as string;
  const api = `/api/v1/networks/${networkId}`;
  const treasurer = await joined(app, networkId, coordinator, 'Tess Treasurer', 'treasurer');
  const poolId = (await setUp(send(app, 'POST', `${api}/pools`, { name: 'Lunch club', twoApproversAbovePence: 20_000 }, coordinator.auth), 201)).json().poolId as string;
  const pool = `${api}/pools/${poolId}`;
  await setUp(send(app, 'POST', `${pool}/receipts`, { source: 'council', pence: 20_000, reference: 'Leeds CC', receivedOn: addDays(today(), -3) }, treasurer.auth), 201);
  const closed = (await setUp(send(app, 'POST', `${pool}/periods`, { periodEnd: addDays(today(), -1) }, treasurer.auth), 201)).json();
  const after = (await setUp(send(app, 'POST', `${pool}/receipts`, { source: 'council', pence: 5_000, reference: 'Leeds CC top-up', receivedOn: today() }, treasurer.auth), 201)).json();
  t.ok(await caughtUp(hearth, 20_000), 'projections caught up');
  return { hearth, app, coordinator, treasurer, networkId, api, poolId, closed, after };
}


/** The digests as a treasurer downloads them, written to a file kept elsewhere. */
async function downloaded(t: Test, app: Awaited<ReturnType<typeof closedPool>>['app'], api: string, auth: Record<string, string>, name: string) {
  const res = await app.inject({ method: 'GET', url: `${api}/audit/digests?format=jsonl`, headers: auth });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.headers['content-disposition'], /attachment; filename="hearth-log-digests\.jsonl"/);
  const file = join(dir, `${name}-${randomBytes(4).toString('hex')}.jsonl`);
  writeFileSync(file, res.body);
  return file;
}

/** Within a bound, or the test fails rather than waiting for ever. */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`did not end within ${ms} ms`)), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

const backend = await serverFirstBackend();
t.test(`signed digests on ${backend.name}`, async (t) => {
  // Two ledgers a backend, as setting one up costs seconds: one only read, one tampered with step by step.
  t.test('the digests route: those who keep the books of the network read it, no one else', async (t) => {
    const { hearth, app, coordinator, treasurer, networkId, api } = await closedPool(t, backend);
    const member = await joined(app, networkId, coordinator, 'Mo Member');
    const stranger = await signUp(app, 'Sam Stranger');
    await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Elsewhere Neighbours', kind: 'neighbourhood_network' }, stranger.auth), 201);
    const get = (headers: Record<string, string>) => app.inject({ method: 'GET', url: `${api}/audit/digests`, headers });
    t.equal((await get({})).statusCode, 401);
    t.equal((await get(stranger.auth)).statusCode, 403, 'the coordinator of another network');
    t.equal((await get(member.auth)).statusCode, 403, 'a member without a role in the books');
    const res = await get(treasurer.auth);
    t.equal(res.statusCode, 200, res.body);
    const { publicKey, digests } = res.json();
    t.equal(publicKey, signingKey(hearth).publicKey);
    t.equal(digests.length, 1);
    t.ok(signatureHolds(digests[0], publicKey), 'signed by the key shown');
    t.notOk(signatureHolds({ ...digests[0], events: digests[0].events + 1 }, publicKey), 'a figure changed breaks the signature');
    t.equal((await get(coordinator.auth)).statusCode, 200);
    const bad = await app.inject({ method: 'GET', url: `${api}/audit/digests?format=xml`, headers: treasurer.auth });
    t.equal(bad.statusCode, 400);
    t.match(bad.headers['content-type'], /application\/problem\+json/);

    t.test('digests kept elsewhere are checked under the public key given: another key refuses every one', async (t) => {
      const file = await downloaded(t, app, api, treasurer.auth, 'signed');
      // The member joined above is in every projection before the audit compares them with a rebuild.
      t.ok(await caughtUp(hearth, 20_000), 'projections caught up');
      const hearthCli = commandOn(hearth, app);
      const own = await hearthCli('audit', 'verify', '--digests', file, '--public-key', signingKey(hearth).publicKey);
      t.equal(own.status, 0, own.stdout + own.stderr);
      t.match(own.stdout, /Digests kept elsewhere: 1 checked, signature then head; the log agrees with them up to position \d+\.\nProjections/);

      const other = digestKey(randomBytes(32)).publicKey;
      const refused = await hearthCli('audit', 'verify', '--digests', file, '--public-key', other);
      t.equal(refused.status, 1);
      t.match(refused.stdout, `is not signed by the public key ${other}`);
      t.match(refused.stdout, 'the log agrees with them at no position');

      const malformed = await hearthCli('audit', 'verify', '--digests', file, '--public-key', 'not-a-key');
      t.equal(malformed.status, 2);
      t.match(malformed.stderr, /--public-key/);
      const missing = await hearthCli('audit', 'verify', '--digests', join(dir, 'no-such-file.jsonl'));
      t.equal(missing.status, 2);
      t.match(missing.stderr, /--digests: cannot read/);
      const printed = await hearthCli('audit', 'digests');
      t.equal(printed.status, 0);
      t.same(parseJsonLines(printed.stdout), await listLogDigests(hearth.database.db), 'audit digests prints the same file');
      t.match(printed.stderr, `Public key (Ed25519, base64url): ${signingKey(hearth).publicKey}`);
    });

    t.test('the daily digest: recorded when the newest is a day old and the log has moved, and not otherwise', async (t) => {
      const { db } = hearth.database;
      const key = signingKey(hearth);
      const first = (await recordDigest(hearth))!;
      t.equal(first.position, await hearth.store.headPosition());
      const at = (ms: number) => fixedClock(new Date(new Date(first.recordedAt).getTime() + ms));
      t.equal(await recordLogDigestIfDue({ store: hearth.store, db }, key, at(DAY_MS)), null, 'a day old, but the log has not moved');
      await setUp(send(app, 'POST', `${api}/members`, { name: 'Edna Firth' }, coordinator.auth), 201);
      t.equal(await recordLogDigestIfDue({ store: hearth.store, db }, key, at(DAY_MS - 1000)), null, 'the log has moved, but under a day since');
      const moved = await recordLogDigestIfDue({ store: hearth.store, db }, key, at(DAY_MS));
      t.equal(moved?.position, await hearth.store.headPosition(), 'a day old, and the log has moved');
      await sql`DELETE FROM log_digests`.execute(db);
      const stop = keepDailyDigests({ ...hearth, clock: at(0) }, 60_000);
      await stop();
      t.equal((await listLogDigests(db)).length, 1, 'the server looks at once when it starts, and records the first');
    });
  });

  t.test('an event after the last close, rewritten with its chain made again and the projections rebuilt, is found by the digests kept elsewhere', async (t) => {
    const { hearth, app, treasurer, api, poolId, closed } = await closedPool(t, backend);
    const atClose = await listLogDigests(hearth.database.db);
    t.same(atClose.map((d) => d.position), [closed.position], 'the close recorded a signed digest, with the close in it');

    // The daily digest, a day later, with the receipt after the close in it.
    const later = fixedClock(new Date(Date.now() + DAY_MS + 60_000));
    const daily = await recordLogDigestIfDue({ store: hearth.store, db: hearth.database.db }, signingKey(hearth), later);
    const head = await hearth.store.headPosition();
    t.equal(daily?.position, head, 'the daily digest covers the log to its head');
    const file = await downloaded(t, app, api, treasurer.auth, 'kept');

    // The receipt after the close, made smaller, every hash of its stream made again by the database's own function.
    const stream = `pool-${poolId}`;
    const events = await hearth.store.readStream(stream);
    const receipt = events.filter((e) => e.type === 'pools.MoneyReceived').at(-1)!;
    t.ok(receipt.position > closed.position, 'the receipt is after the close');
    await rewrite(hearth.database.db, stream, receipt.revision, { ...(receipt.data as object), pence: 500 });
    for (const { name } of hearth.engine.projections) await hearth.engine.rebuild(name);

    const here = auditDifferences(await verifyAudit(hearth));
    t.same(here, [`signed digest recorded here at position ${head}: the log up to position ${head} is not the log signed: the first change is in positions ${closed.position + 1} to ${head}`], 'the digest recorded here shows it');

    // Whoever rewrote the log deletes the digests here too: the database alone then shows nothing.
    await sql`DELETE FROM log_digests`.execute(hearth.database.db);
    t.same(auditDifferences(await verifyAudit(hearth)), [], 'chains, period digests and projections all agree with the rewritten log');

    const hearthCli = commandOn(hearth, app);
    const checked = await hearthCli('audit', 'verify', '--digests', file);
    t.equal(checked.status, 1, checked.stderr);
    t.match(checked.stdout, `Digests kept elsewhere: 2 checked, signature then head; the log agrees with them up to position ${closed.position} and then differs.`);
    t.match(checked.stdout, `digest kept elsewhere at position ${head}: the log up to position ${head} is not the log signed: the first change is in positions ${closed.position + 1} to ${head}`);
    t.notMatch(checked.stdout, /No differences/);

    t.test('the newest event then deleted: verify ends, naming the position missing past the log\'s head', async (t) => {
      await removeNewestEvent(hearth.database.db);
      const report = await within(60_000, verifyAudit(hearth, { digests: parseJsonLines(readFileSync(file, 'utf8')) }));
      const differences = auditDifferences(report);
      t.ok(differences.some((d) => d.startsWith(`log: ends at position ${head - 1}, but `) && d.endsWith(`applied events up to position ${head}: position ${head} missing`)), differences.join('\n'));
      t.ok(differences.includes(`digest kept elsewhere at position ${head}: the log ends at position ${head - 1}, before the digest at position ${head}: position ${head} missing`), 'the digest kept elsewhere is past the log');
      t.ok(differences.some((d) => d.startsWith(`stream pool-${poolId}: revision `) && d.endsWith(' missing')), 'the stream\'s head is past its last event');
      t.ok(differences.some((d) => /^projection pools: could not be rebuilt: .*events are missing$/.test(d)), 'a projection past the log is not compared for ever');
    });

    t.test('the log then truncated: verify ends, naming what is missing, and lists a bounded number of findings', async (t) => {
      await truncateEvents(hearth.database.db);
      const report = await within(60_000, verifyAudit(hearth));
      const differences = auditDifferences(report);
      t.ok(differences.some((d) => d.startsWith('log: ends at position 0, but ') && d.endsWith(`applied events up to position ${head}: positions 1 to ${head} missing`)), differences.join('\n'));
      t.ok(differences.some((d) => /^stream pool-\S+: revisions 0 to \d+ missing$/.test(d)), 'every stream\'s events are missing, by revision');
      t.ok(differences.length > 5);
      const lines = auditLines(report, 5);
      const heading = lines.indexOf(`${differences.length} differences:`);
      t.same(lines.slice(heading + 1), [...differences.slice(0, 5).map((d) => `  ${d}`), `  and ${differences.length - 5} more differences not listed`], 'the first listed, the rest counted');
    });
  });
});
