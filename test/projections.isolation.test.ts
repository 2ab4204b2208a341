// A failing event stops only what it must: the reproductions of issue 18, written straight to the
// store past the schemas, on PGlite and PostgreSQL. A NUL in a sealed name and a 32-bit limit no
// longer fail at all; an event that still cannot be applied parks its network or stream alone,
// /health and `hearth projections status` name it, and a rebuild parks the same.
import t from 'tap';
import { sql } from 'kysely';
import { backends } from './support/db.ts';
import { caughtUp, testHearth } from './support/hearth.ts';
import { commandOn } from './support/cli.ts';
import { refusal } from './support/given.ts';
import { event, extreme, jsonSchemaOf, someId, uncheckedStore } from './support/extremes.ts';
import { CoopFounded, IncomeReceived } from '../src/coop/society.ts';
import { coopOf } from '../src/coop/register.ts';
import { buildApp } from '../src/http/app.ts';
import { accountStream, AccountLimitsSet } from '../src/timebank/account.ts';
import { exactWhole, MAX_BALANCE_MINUTES, MAX_PENCE } from '../src/units.ts';
import { Rejection } from '../src/commands/decider.ts';

const limits = (networkId: string, holder: string, upperMinutes: number) =>
  event('timebank.AccountLimitsSet', { networkId, holder, lowerMinutes: null, upperMinutes, reason: 'agreed at the meeting' });

for (const backend of await backends()) {
  t.test(`one failing event parks only its scope, on ${backend.name}`, async (t) => {
    const hearth = await testHearth(await backend.open());
    t.teardown(() => hearth.close());
    const app = await buildApp(hearth);
    t.teardown(() => app.close());
    const unchecked = uncheckedStore(hearth);
    await hearth.engine.start();

    t.test('a name with NUL, sealed and appended past the schema, is shown with U+FFFD; people carry on', async (t) => {
      const eve = someId();
      const bob = someId();
      for (const [id, name] of [[eve, 'Eve\u0000Null'], [bob, 'Bob Ordinary']] as const) {
        await hearth.vault.ensureKey(id);
        const details = await hearth.vault.seal(id, { name });
        await unchecked.append(`person-${id}`, [event('access.PersonRegistered', { personId: id, details, hasAccount: false, registeredAt: '2026-11-01T10:00:00.000Z' })], 'no_stream');
      }
      t.ok(await caughtUp(hearth), 'every projection caught up');
      const people = await hearth.database.db.selectFrom('people').select(['person_id', 'name']).where('person_id', 'in', [eve, bob]).orderBy('name').execute();
      t.same(people.map((p) => p.name).sort(), ['Bob Ordinary', 'Eve\uFFFDNull']);
      const status = (await hearth.engine.status()).projections.find((p) => p.name === 'people')!;
      t.match(status, { status: 'running', parked: [] });
      await hearth.engine.rebuild('people');
      t.match((await hearth.engine.status()).projections.find((p) => p.name === 'people'), { status: 'running', parked: [] }, 'and its rebuild goes past it');
    });

    t.test('the largest limit the schema allows fits its column and reads back exactly; 2147483648 meets no schema', async (t) => {
      const network = someId();
      const holder = someId();
      t.notOk(AccountLimitsSet.schema.safeParse(limits(network, holder, 2147483648).data).success, 'the issue\'s limit is refused where it is taken');
      await unchecked.append(accountStream(network, holder), [limits(network, holder, MAX_BALANCE_MINUTES)], 'no_stream');
      t.ok(await caughtUp(hearth));
      const row = await hearth.database.db.selectFrom('timebank_accounts').select(['upper_override']).where('network_id', '=', network).executeTakeFirstOrThrow();
      t.equal(row.upper_override, MAX_BALANCE_MINUTES);
      t.equal((await hearth.engine.status()).projections.find((p) => p.name === 'timebank')!.status, 'running');
    });

    t.test('an event that cannot be applied parks its network alone; /health and the command line name it; a rebuild parks the same', async (t) => {
      const [parked, other] = [someId(), someId()];
      const [ann, ben] = [someId(), someId()];
      // Past what a bigint holds: it meets no schema, and no column could take it.
      await unchecked.append(accountStream(parked, ann), [limits(parked, ann, 1e19)], 'no_stream');
      const failing = await hearth.store.headPosition();
      await hearth.store.append(accountStream(parked, ben), [limits(parked, ben, 600)], 'no_stream');
      await hearth.store.append(accountStream(other, ann), [limits(other, ann, 600)], 'no_stream');
      t.ok(await caughtUp(hearth), 'every projection caught up: none stopped');

      const accounts = await hearth.database.db.selectFrom('timebank_accounts').select(['network_id', 'upper_override']).where('network_id', 'in', [parked, other]).execute();
      t.same(accounts, [{ network_id: other, upper_override: 600 }], 'the other network carried on; the parked one has nothing after the failing event');
      const { projections } = await hearth.engine.status();
      const timebank = projections.find((p) => p.name === 'timebank')!;
      t.match(timebank, { status: 'parked', parked: [{ scope: parked, position: failing, eventType: 'timebank.AccountLimitsSet', events: 2 }] });
      t.match(timebank.parked[0]!.error, /does not meet its schema/);
      t.ok(projections.filter((p) => p.name !== 'timebank' && p.parked.length > 0).every((p) => p.parked.every((s) => s.scope === parked)), 'no other projection parked anything but that network');

      const health = await app.inject({ method: 'GET', url: '/health' });
      t.equal(health.statusCode, 200);
      const answered = health.json();
      t.equal(answered.status, 'degraded');
      t.match(answered.projections.find((p: { name: string }) => p.name === 'timebank'), { status: 'parked', parked: [{ scope: parked, position: failing, eventType: 'timebank.AccountLimitsSet' }] });

      const hearthCommand = commandOn(hearth, app);
      const ran = await hearthCommand('projections', 'status');
      t.equal(ran.status, 1, 'projections status exits 1 while a scope is parked');
      t.match(ran.stdout, new RegExp(`timebank.*parked[\\s\\S]*parked ${parked} at ${failing} \\(timebank.AccountLimitsSet, 2 events set aside\\)`));

      await hearth.engine.stop();
      const compared = await hearth.engine.compare('timebank');
      t.same(compared.differences, [], 'a rebuild beside the live projection parks the same');
      await hearth.engine.rebuild('timebank');
      const rebuilt = (await hearth.engine.status()).projections.find((p) => p.name === 'timebank')!;
      t.match(rebuilt, { status: 'parked', parked: [{ scope: parked, position: failing, events: 2 }] }, 'and so does a rebuild swapped in');
      const after = await hearth.database.db.selectFrom('timebank_accounts').select(['network_id', 'upper_override']).where('network_id', 'in', [parked, other]).execute();
      t.same(after, accounts, 'with the same rows');
      await hearth.engine.start();
    });

    t.test('a co-op at the largest income the schema allows projects; a funds figure past 2^53 − 1 reads as a 422 problem, not a crash', async (t) => {
      const networkId = someId();
      const founded = { ...(extreme(jsonSchemaOf(CoopFounded.schema), 'min') as object), networkId };
      const income = () => ({ ...(extreme(jsonSchemaOf(IncomeReceived.schema), 'max') as { pence: number }), networkId, incomeId: someId() });
      t.ok(CoopFounded.schema.safeParse(founded).success && IncomeReceived.schema.safeParse(income()).success, 'both events meet their schemas');
      t.equal(income().pence, MAX_PENCE, 'income is bounded where it is taken');
      await hearth.store.append(`coop-${networkId}`, [event(CoopFounded.type, founded), event(IncomeReceived.type, income()), event(IncomeReceived.type, income())], 'no_stream');
      t.ok(await caughtUp(hearth));
      t.equal((await hearth.engine.status()).projections.find((p) => p.name === 'coop')!.status, 'running');
      t.equal((await coopOf(hearth.database.db, networkId)).fundsPence, 2 * MAX_PENCE, 'twice the largest income reads back exactly');
      // Only a hand-edited or drifted read store can hold more; reading it must still not crash.
      await sql`UPDATE coops SET funds_pence = 9007199254740992 WHERE network_id = ${networkId}`.execute(hearth.database.db);
      const refused = await coopOf(hearth.database.db, networkId).then(() => undefined, (err: unknown) => err);
      t.match(refused, { type: 'figure-beyond-exact-range', status: 422 }, 'the co-op read is refused with the problem, not a RangeError');
    });

    t.test('a figure past 2^53 − 1 reads back as a 422 problem, not a crash', async (t) => {
      const network = someId();
      await sql`INSERT INTO timebank_accounts (network_id, holder, balance) VALUES (${network}, 'clearing', 9007199254740992)`.execute(hearth.database.db);
      const read = hearth.database.db.selectFrom('timebank_accounts').select('balance').where('network_id', '=', network).executeTakeFirst();
      const refused = await read.then(() => undefined, (err: unknown) => err);
      t.ok(refused instanceof Rejection, 'the read is refused');
      t.match(refused, { type: 'figure-beyond-exact-range', status: 422 });
      const exact = await sql<{ n: number }>`SELECT 9007199254740991::bigint AS n`.execute(hearth.database.db);
      t.equal(exact.rows[0]!.n, Number.MAX_SAFE_INTEGER, '2^53 − 1 itself reads back exactly');
    });
  });
}

t.test('exactWhole', async (t) => {
  t.equal(exactWhole('9007199254740991'), 9007199254740991);
  t.equal(exactWhole('-9007199254740991'), -9007199254740991);
  t.match(refusal(() => exactWhole('9007199254740992')), { type: 'figure-beyond-exact-range', status: 422 });
  t.match(refusal(() => exactWhole(-(2n ** 63n))), { type: 'figure-beyond-exact-range', status: 422 });
});
