// Sign-in and sign-up throttles: counted before the password is checked, so a burst cannot beat
// them; per account and address, so guesses from elsewhere do not lock a person out where they
// usually sign in; and a sign-up that does not say whether an email already had an account.
// The bursts are sent at once; on PostgreSQL they race for real.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { json, openApp, signUp } from './support/http.ts';
import { serverFirstBackend, freshPostgres } from './support/db.ts';
import { addressBlock } from '../src/access/throttle.ts';
import type { App } from '../src/http/app.ts';

const signIn = (app: App, remoteAddress: string, email: string, password: string) =>
  app.inject({ method: 'POST', url: '/api/v1/sessions', remoteAddress, headers: json, payload: JSON.stringify({ email, password }) });
const signUpFrom = (app: App, remoteAddress: string, body: Record<string, string>) =>
  app.inject({ method: 'POST', url: '/api/v1/accounts', remoteAddress, headers: { ...json, 'idempotency-key': randomUUID() }, payload: JSON.stringify(body) });

t.test('an IPv6 client is counted by its /64, IPv4 as it is', async (t) => {
  t.equal(addressBlock('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  t.equal(addressBlock('2001:0db8:0001:0002:ffff:1:2:3'), '2001:db8:1:2::/64');
  t.equal(addressBlock('2001:db8::5'), '2001:db8:0:0::/64');
  t.equal(addressBlock('::ffff:192.0.2.7'), '192.0.2.7');
  t.equal(addressBlock('192.0.2.7'), '192.0.2.7');
});

// On the server where there is one: racing on PGlite's one connection proves little.
for (const backend of [await serverFirstBackend()]) {
  t.test(backend.name, async (t) => {
    const { hearth, app, close } = await openApp(backend.name === 'postgres' ? await freshPostgres({ max: 16 }) : await backend.open());
    t.teardown(close);
    const registered = async () => (await hearth.database.db.selectFrom('events').select('event_id').where('type', '=', 'access.PersonRegistered').execute()).length;

    t.test('40 sign-ins at once, 39 wrong and the right one last: the burst is throttled before any password is checked', async (t) => {
      const person = await signUp(app, 'Beryl Burst');
      const attacker = '203.0.113.40';
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => signIn(app, attacker, person.email, i === 39 ? person.password : 'wrong wrong wrong')));
      const statuses = answers.map((a) => a.statusCode);
      const checked = statuses.filter((s) => s !== 429).length;
      t.ok(checked <= 5, `at most five passwords were checked (${checked})`);
      t.equal(statuses.filter((s) => s === 429).length, 40 - checked, 'every other attempt refused');
      t.ok(answers.filter((a) => a.statusCode === 429).every((a) => /^\d+$/.test(String(a.headers['retry-after'])) && Number(a.headers['retry-after']) > 0), 'each refusal says when to try again');
      t.match(answers.find((a) => a.statusCode === 429)?.json(), { type: '/problems/too-many-sign-in-attempts', status: 429 });
      t.equal((await signIn(app, attacker, person.email, person.password)).statusCode, 429, 'the right password from there waits out the window');
    });

    t.test('guesses from many other addresses do not lock the person out where they usually sign in', async (t) => {
      const person = await signUp(app, 'Harriet Home');
      const home = '198.51.100.10';
      t.equal((await signIn(app, home, person.email, person.password)).statusCode, 201, 'she signs in at home');
      const five = await Promise.all(Array.from({ length: 5 }, (_, i) => signIn(app, `192.0.2.${i + 1}`, person.email, 'wrong wrong wrong')));
      t.same(five.map((a) => a.statusCode), [401, 401, 401, 401, 401]);
      t.equal((await signIn(app, home, person.email, person.password)).statusCode, 201, 'five wrong from five addresses: home still works');
      const many = await Promise.all(Array.from({ length: 25 }, (_, i) => signIn(app, `192.0.2.${i + 10}`, person.email, 'wrong wrong wrong')));
      t.ok(many.some((a) => a.statusCode === 429), 'guessing from many addresses is throttled for the account');
      t.equal((await signIn(app, '192.0.2.200', person.email, person.password)).statusCode, 429, 'from yet another address even the right password waits');
      t.equal((await signIn(app, home, person.email, person.password)).statusCode, 201, 'but at home she still signs in');
    });

    t.test('sign-ins that succeed do not use up an address: an office behind one address keeps working', async (t) => {
      const office = '198.51.100.99';
      const people = [];
      for (let i = 0; i < 3; i++) people.push(await signUp(app, `Office Worker ${i}`));
      for (let round = 0; round < 9; round++) {
        for (const p of people) t.equal((await signIn(app, office, p.email, p.password)).statusCode, 201);
      }
    });

    t.test('60 sign-ups at once from one address: at most 20 accepted', async (t) => {
      const before = await registered();
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) => signUpFrom(app, '203.0.113.60', { name: `Signer ${i}`, email: `signer${i}.${randomUUID().slice(0, 8)}@example.org`, password: 'a long enough password' })),
      );
      const accepted = answers.filter((a) => a.statusCode === 202).length;
      t.ok(accepted <= 20 && accepted > 0, `${accepted} accepted`);
      t.equal(answers.filter((a) => a.statusCode === 429).length, 60 - accepted, 'the rest refused');
      t.match(answers.find((a) => a.statusCode === 429)?.json(), { type: '/problems/too-many-sign-ups' });
      t.match(String(answers.find((a) => a.statusCode === 429)?.headers['retry-after']), /^\d+$/);
      t.equal((await registered()) - before, accepted, 'only the accepted were recorded');
      const elsewhere = await signUpFrom(app, '203.0.113.61', { name: 'Someone Else', email: `else.${randomUUID().slice(0, 8)}@example.org`, password: 'a long enough password' });
      t.equal(elsewhere.statusCode, 202, 'another address is not held back');
    });

    t.test('a taken email answers exactly as a new one, and records nothing', async (t) => {
      const email = `taken.${randomUUID().slice(0, 8)}@example.org`;
      const first = await signUpFrom(app, '203.0.113.70', { name: 'Vera First', email, password: 'a long enough password' });
      const before = await registered();
      const again = await signUpFrom(app, '203.0.113.71', { name: 'Eve Again', email: email.toUpperCase(), password: 'another long password' });
      t.equal(first.statusCode, 202);
      t.equal(again.statusCode, first.statusCode);
      t.equal(again.body, first.body, 'the same body');
      t.same(Object.keys(again.headers).sort(), Object.keys(first.headers).sort(), 'the same headers');
      t.notMatch(first.body, /[0-9a-f]{8}-[0-9a-f]{4}-/, 'no person id in the answer');
      t.match(first.json(), { next: /sign in/ }, 'it says what to do next');
      t.equal(await registered(), before, 'no one recorded');
      t.equal((await signIn(app, '203.0.113.70', email, 'another long password')).statusCode, 401, 'the second password opens nothing');
      t.equal((await signIn(app, '203.0.113.70', email, 'a long enough password')).statusCode, 201, 'the first account is unchanged');
    });
  });
}
