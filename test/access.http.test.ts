// Accounts, sessions, memberships and acting on behalf, through the HTTP API on PGlite.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { json, openApp, send, signUp, written } from './support/http.ts';
import { serverFirstBackend } from './support/db.ts';

t.test('accounts and sessions', async (t) => {
  const { hearth, app, close } = await openApp();
  t.teardown(close);

  t.test('sign-up checks its fields and refuses a short password, naming it', async (t) => {
    const before = await written(hearth);
    const res = await send(app, 'POST', '/api/v1/accounts', { name: 'Ivy', email: 'ivy@example.org', password: 'short' });
    t.equal(res.statusCode, 400);
    t.match(res.json(), { errors: [{ pointer: '/password', detail: /at least 12/ }] });
    const noEmail = await send(app, 'POST', '/api/v1/accounts', { name: 'Ivy', email: 'not an email', password: 'long enough password' });
    t.match(noEmail.json(), { errors: [{ pointer: '/email' }] });
    t.same(await written(hearth), before, 'nothing written');
  });

  t.test('one account per email, and sign-up does not say whether an email had one', async (t) => {
    const first = await signUp(app, 'Walter Pickles');
    const before = await written(hearth);
    const again = await send(app, 'POST', '/api/v1/accounts', { name: 'Someone Else', email: first.email.toUpperCase(), password: 'another long password' });
    t.equal(again.statusCode, 202);
    t.same(Object.keys(again.json()), ['next']);
    t.equal((await written(hearth)).events, before.events, 'no one else recorded');
    const theirs = await app.inject({ method: 'POST', url: '/api/v1/sessions', headers: json, payload: JSON.stringify({ email: first.email, password: 'another long password' }) });
    t.equal(theirs.statusCode, 401, 'the account keeps its own password');
  });

  t.test('sign-in answers the same whether or not the email exists', async (t) => {
    const person = await signUp(app);
    const wrongPassword = await app.inject({ method: 'POST', url: '/api/v1/sessions', headers: json, payload: JSON.stringify({ email: person.email, password: 'not the password at all' }) });
    const noSuchEmail = await app.inject({ method: 'POST', url: '/api/v1/sessions', headers: json, payload: JSON.stringify({ email: `nobody.${randomUUID()}@example.org`, password: 'not the password at all' }) });
    t.equal(wrongPassword.statusCode, 401);
    t.equal(noSuchEmail.statusCode, 401);
    t.same(noSuchEmail.json(), wrongPassword.json(), 'the same body');
    t.same(Object.keys(noSuchEmail.headers).sort(), Object.keys(wrongPassword.headers).sort(), 'the same headers');
  });

  t.test('sign-in is limited per account, for known and unknown emails alike', async (t) => {
    const person = await signUp(app);
    const unknown = `nobody.${randomUUID()}@example.org`;
    for (const email of [person.email, unknown]) {
      const tries = [];
      for (let i = 0; i < 6; i++) {
        tries.push((await app.inject({ method: 'POST', url: '/api/v1/sessions', headers: json, payload: JSON.stringify({ email, password: 'wrong wrong wrong' }) })).statusCode);
      }
      t.same(tries, [401, 401, 401, 401, 401, 429], `five failures, then refused (${email === unknown ? 'unknown' : 'known'} email)`);
    }
    const right = await app.inject({ method: 'POST', url: '/api/v1/sessions', headers: json, payload: JSON.stringify({ email: person.email, password: person.password }) });
    t.equal(right.statusCode, 429, 'even the right password waits out the window');
    t.match(right.headers['retry-after'], /^\d+$/);
    t.match(right.json(), { type: '/problems/too-many-sign-in-attempts' });
  });

  t.test('sign-in is limited per address', async (t) => {
    const { app: other, close: closeOther } = await openApp();
    t.teardown(closeOther);
    const statuses = [];
    for (let i = 0; i < 21; i++) {
      statuses.push((await other.inject({ method: 'POST', url: '/api/v1/sessions', remoteAddress: '203.0.113.9', headers: json, payload: JSON.stringify({ email: `n${i}@example.org`, password: 'wrong wrong wrong' }) })).statusCode);
    }
    t.same(statuses.slice(0, 20), Array(20).fill(401));
    t.equal(statuses[20], 429, 'the 21st failure from one address in the window is refused');
    const elsewhere = await other.inject({ method: 'POST', url: '/api/v1/sessions', remoteAddress: '198.51.100.7', headers: json, payload: JSON.stringify({ email: 'n0@example.org', password: 'wrong wrong wrong' }) });
    t.equal(elsewhere.statusCode, 401, 'another address is not held back');
  });

  t.test('a cookie session: httpOnly, SameSite=Lax, Secure behind https, and CSRF on every change', async (t) => {
    const person = await signUp(app, 'Dorothy Lister');
    const signIn = await app.inject({ method: 'POST', url: '/api/v1/sessions', headers: json, payload: JSON.stringify({ email: person.email, password: person.password, kind: 'cookie' }) });
    t.equal(signIn.statusCode, 201);
    t.notOk(signIn.json().token, 'no token in the body for a cookie session');
    const setCookie = String(signIn.headers['set-cookie']);
    t.match(setCookie, /hearth_session=[^;]+; /);
    t.match(setCookie, /HttpOnly/);
    t.match(setCookie, /SameSite=Lax/);
    t.notMatch(setCookie, /Secure/, 'not Secure over plain http');
    const cookie = setCookie.split(';')[0]!;
    const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
    t.equal(me.statusCode, 200);
    t.equal(me.json().name, 'Dorothy Lister');

    const before = await written(hearth);
    const forged = await send(app, 'POST', '/api/v1/networks', { name: 'Forged', kind: 'time_bank' }, { cookie });
    t.equal(forged.statusCode, 403);
    t.match(forged.json(), { type: '/problems/csrf-token-missing' });
    t.same(await written(hearth), before, 'a request without the CSRF token writes nothing');
    const real = await send(app, 'POST', '/api/v1/networks', { name: 'Seacroft Friends', kind: 'time_bank' }, { cookie, 'x-csrf-token': signIn.json().csrfToken });
    t.equal(real.statusCode, 201);

    const { app: proxied, close: closeProxied } = await openApp(undefined, { TRUST_PROXY: 'on' });
    t.teardown(closeProxied);
    const behindHttps = await signUp(proxied);
    const secure = await proxied.inject({ method: 'POST', url: '/api/v1/sessions', headers: { ...json, 'x-forwarded-proto': 'https' }, payload: JSON.stringify({ email: behindHttps.email, password: behindHttps.password, kind: 'cookie' }) });
    t.match(String(secure.headers['set-cookie']), /Secure/, 'Secure behind an https proxy');
  });

  t.test('sign out ends the session', async (t) => {
    const person = await signUp(app);
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/me', headers: person.auth })).statusCode, 200);
    t.equal((await app.inject({ method: 'DELETE', url: '/api/v1/sessions/current', headers: person.auth })).statusCode, 204);
    const after = await app.inject({ method: 'GET', url: '/api/v1/me', headers: person.auth });
    t.equal(after.statusCode, 401);
    t.equal(after.headers['www-authenticate'], 'Bearer');
    t.match(after.json(), { type: '/problems/sign-in-required' });
  });

  t.test('changing the password ends every other session', async (t) => {
    const person = await signUp(app);
    const second = await app.inject({ method: 'POST', url: '/api/v1/sessions', headers: json, payload: JSON.stringify({ email: person.email, password: person.password }) });
    const other = { authorization: `Bearer ${second.json().token}` };
    const wrong = await send(app, 'PUT', '/api/v1/accounts/me/password', { currentPassword: 'not it at all', newPassword: 'a brand new passphrase' }, person.auth);
    t.equal(wrong.statusCode, 422);
    t.match(wrong.json(), { type: '/problems/wrong-password', errors: [{ pointer: '/currentPassword' }] });
    const changed = await send(app, 'PUT', '/api/v1/accounts/me/password', { currentPassword: person.password, newPassword: 'a brand new passphrase' }, person.auth);
    t.equal(changed.statusCode, 200);
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/me', headers: person.auth })).statusCode, 200, 'this session goes on');
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/me', headers: other })).statusCode, 401, 'the other one ended');
    const old = await app.inject({ method: 'POST', url: '/api/v1/sessions', headers: json, payload: JSON.stringify({ email: person.email, password: person.password }) });
    t.equal(old.statusCode, 401);
    const fresh = await app.inject({ method: 'POST', url: '/api/v1/sessions', headers: json, payload: JSON.stringify({ email: person.email, password: 'a brand new passphrase' }) });
    t.equal(fresh.statusCode, 201);
  });

  t.test('security headers, and no stack traces', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    t.equal(res.headers['x-content-type-options'], 'nosniff');
    t.ok(res.headers['content-security-policy'], 'a content security policy');
    t.notOk(res.headers['strict-transport-security'], 'no HSTS over plain http (test/web.sign-in.test.ts checks https)');
    t.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
    const broken = await app.inject({ method: 'POST', url: '/api/v1/sessions', headers: json, payload: '{"email": ' });
    t.notMatch(broken.body, /\.ts:\d+|at [A-Za-z.]+ \(/, 'no stack trace in an error');
  });
});

t.test('memberships, roles and acting on behalf', async (t) => {
  const { hearth, app, close } = await openApp();
  t.teardown(close);
  const coordinator = await signUp(app, 'Pat Coordinator');
  const opened = await send(app, 'POST', '/api/v1/networks', { name: 'Harehills Time Bank', kind: 'time_bank' }, coordinator.auth);
  t.equal(opened.statusCode, 201);
  const { networkId } = opened.json();
  const base = `/api/v1/networks/${networkId}`;

  t.test('whoever opens a network is its coordinator', async (t) => {
    const me = (await app.inject({ method: 'GET', url: `/api/v1/me`, headers: coordinator.auth })).json();
    t.match(me.memberships, [{ networkId, status: 'active', roles: ['member', 'coordinator'] }]);
  });

  t.test('join by request; a coordinator approves; who and when are recorded', async (t) => {
    const joiner = await signUp(app, 'Olive Request');
    t.equal((await app.inject({ method: 'GET', url: base, headers: joiner.auth })).statusCode, 403, 'not yet a member');
    t.equal((await send(app, 'POST', `${base}/join-requests`, undefined, joiner.auth)).statusCode, 202);
    const approval = await send(app, 'POST', `${base}/members/${joiner.personId}/approval`, {}, coordinator.auth);
    t.equal(approval.statusCode, 200);
    const members = (await app.inject({ method: 'GET', url: `${base}/members?after=${approval.json().position}`, headers: coordinator.auth })).json().items;
    t.match(members.find((m: { personId: string }) => m.personId === joiner.personId), { name: 'Olive Request', status: 'active', roles: ['member'], approvedBy: coordinator.personId, approvedAt: String });
    t.equal((await app.inject({ method: 'GET', url: base, headers: joiner.auth })).statusCode, 200, 'now a member');
  });

  t.test('join by invitation: only the invitee accepts; a coordinator\'s act on their behalf is in their history', async (t) => {
    const invitee = await signUp(app, 'Harold Invite');
    t.equal((await send(app, 'POST', `${base}/invitations`, { personId: invitee.personId }, coordinator.auth)).statusCode, 201);
    const before = await written(hearth);
    const forThem = await send(app, 'POST', `${base}/invitations/acceptance`, undefined, { ...coordinator.auth, 'on-behalf-of': invitee.personId });
    t.equal(forThem.statusCode, 403, 'no one accepts for a person with an account');
    t.same(await written(hearth), before, 'the refusal wrote nothing');
    t.equal((await send(app, 'POST', `${base}/invitations/acceptance`, undefined, invitee.auth)).statusCode, 200, 'they accept themselves');

    // Now a member of this network only, the coordinator may act for them: in another domain too,
    // but never in an exchange she is a party to herself.
    const neighbour = await signUp(app, 'Nell Neighbour');
    await send(app, 'POST', `${base}/join-requests`, undefined, neighbour.auth);
    t.equal((await send(app, 'POST', `${base}/members/${neighbour.personId}/approval`, {}, coordinator.auth)).statusCode, 200);
    const exchange = (receiverId: string) => ({ providerId: invitee.personId, receiverId, minutes: 30, category: 'gardening', description: 'Weeding', occurredOn: '2026-11-01' });
    const asParty = await send(app, 'POST', `${base}/timebank/exchanges`, exchange(coordinator.personId), { ...coordinator.auth, 'on-behalf-of': invitee.personId });
    t.equal(asParty.statusCode, 403, 'not for an exchange with herself');
    t.equal(asParty.json().type, '/problems/own-exchange');
    const logged = await send(app, 'POST', `${base}/timebank/exchanges`, exchange(neighbour.personId), { ...coordinator.auth, 'on-behalf-of': invitee.personId });
    t.equal(logged.statusCode, 201, logged.body);
    const history = (await app.inject({ method: 'GET', url: `/api/v1/me/history`, headers: invitee.auth })).json().items;
    t.match(history.find((h: { type: string }) => h.type === 'access.MembershipApproved'), { networkId, actor: invitee.personId, onBehalfOf: null });
    t.match(history.find((h: { type: string }) => h.type === 'timebank.ExchangeLogged'), { networkId, actor: coordinator.personId, onBehalfOf: invitee.personId, recordedAt: String }, 'the exchange logged in their name, and who logged it');
  });

  t.test('the reproduction: a stranger opens a network and invites a member of this one; every step after the invitation is refused', async (t) => {
    const ann = await signUp(app, 'Ann Whitaker');
    await send(app, 'POST', `${base}/invitations`, { personId: ann.personId }, coordinator.auth);
    await send(app, 'POST', `${base}/invitations/acceptance`, undefined, ann.auth);
    const mallory = await signUp(app, 'Mallory Stranger');
    const own = (await send(app, 'POST', '/api/v1/networks', { name: 'Mallory Mutual', kind: 'time_bank' }, mallory.auth)).json().networkId;
    t.equal((await send(app, 'POST', `/api/v1/networks/${own}/invitations`, { personId: ann.personId }, mallory.auth)).statusCode, 201, 'an invitation is only an offer');
    const before = await written(hearth);
    const accepted = await send(app, 'POST', `/api/v1/networks/${own}/invitations/acceptance`, undefined, { ...mallory.auth, 'on-behalf-of': ann.personId });
    t.equal(accepted.statusCode, 403, 'no acceptance on her behalf');
    const exported = await app.inject({ method: 'GET', url: `/api/v1/people/${ann.personId}/export`, headers: mallory.auth });
    t.equal(exported.statusCode, 403, 'no export');
    t.notMatch(exported.body, /Ann Whitaker/);
    const erased = await send(app, 'POST', `/api/v1/people/${ann.personId}/erasure`, { confirm: true }, mallory.auth);
    t.equal(erased.statusCode, 403, 'no erasure');
    t.same(await written(hearth), before, 'nothing written');
  });

  t.test('only a coordinator acts on behalf, and only for people of that network', async (t) => {
    const member = await signUp(app, 'Nora Member');
    await send(app, 'POST', `${base}/invitations`, { personId: member.personId }, coordinator.auth);
    await send(app, 'POST', `${base}/invitations/acceptance`, undefined, member.auth);
    const stranger = await signUp(app, 'Sid Stranger');
    await send(app, 'POST', `${base}/invitations`, { personId: stranger.personId }, coordinator.auth);
    const before = await written(hearth);
    const byMember = await send(app, 'POST', `${base}/invitations/acceptance`, undefined, { ...member.auth, 'on-behalf-of': stranger.personId });
    t.equal(byMember.statusCode, 403, 'a plain member cannot act for someone else');
    const outsider = await signUp(app, 'Una Outsider');
    const forOutsider = await send(app, 'POST', `${base}/invitations/acceptance`, undefined, { ...coordinator.auth, 'on-behalf-of': outsider.personId });
    t.equal(forOutsider.statusCode, 403, 'nor a coordinator for someone outside the network');
    t.equal((await written(hearth)).events, before.events + 1, 'refusals wrote nothing (the one event is the outsider\'s sign-up)');
  });

  t.test('roles change with a reason; one person, several networks, different roles', async (t) => {
    const treasurer = await signUp(app, 'Tess Treasurer');
    await send(app, 'POST', `${base}/invitations`, { personId: treasurer.personId }, coordinator.auth);
    await send(app, 'POST', `${base}/invitations/acceptance`, undefined, treasurer.auth);
    const noReason = await send(app, 'PUT', `${base}/members/${treasurer.personId}/roles`, { roles: ['member', 'treasurer'] }, coordinator.auth);
    t.match(noReason.json(), { status: 400, errors: [{ pointer: '/reason' }] });
    const changed = await send(app, 'PUT', `${base}/members/${treasurer.personId}/roles`, { roles: ['member', 'treasurer'], reason: 'Elected treasurer at the AGM' }, coordinator.auth);
    t.equal(changed.statusCode, 200);
    const otherNetwork = (await send(app, 'POST', '/api/v1/networks', { name: 'Gipton Care Co-op', kind: 'co_operative' }, treasurer.auth)).json().networkId;
    const me = (await app.inject({ method: 'GET', url: `/api/v1/me?after=${changed.json().position}`, headers: treasurer.auth })).json();
    t.same(
      me.memberships.map((m: { networkId: string; roles: string[] }) => [m.networkId, [...m.roles].sort()]).sort(),
      [[networkId, ['member', 'treasurer']], [otherNetwork, ['coordinator', 'member']]].sort(),
    );
  });

  t.test('a coordinator records a member who is not online', async (t) => {
    const res = await send(app, 'POST', `${base}/members`, { name: 'Edna Offline', phone: '0113 496 0000', dateOfBirth: '1938-04-02', notes: 'Prefers calls after 10am' }, coordinator.auth);
    t.equal(res.statusCode, 201);
    const { personId, position } = res.json();
    const members = (await app.inject({ method: 'GET', url: `${base}/members?after=${position}`, headers: coordinator.auth })).json().items;
    t.match(members.find((m: { personId: string }) => m.personId === personId), { name: 'Edna Offline', status: 'active', roles: ['member'] });
    const [registered] = await hearth.store.readStream(`person-${personId}`);
    t.match(registered!.metadata, { actor: coordinator.personId, onBehalfOf: personId });
    t.notMatch(JSON.stringify(registered!.data), /Edna|0113|1938|Prefers/, 'the details are sealed in the event');
  });

  t.test('safeguarding: DBS checks, flags, and a refusal that says why', async (t) => {
    const carer = await signUp(app, 'Carl Carer');
    await send(app, 'POST', `${base}/invitations`, { personId: carer.personId }, coordinator.auth);
    await send(app, 'POST', `${base}/invitations/acceptance`, undefined, carer.auth);
    const elder = (await send(app, 'POST', `${base}/members`, { name: 'Winifred Elder' }, coordinator.auth)).json().personId;
    const check = () => app.inject({ method: 'GET', url: `${base}/care-check?providerId=${carer.personId}&receiverId=${elder}`, headers: coordinator.auth }).then((r) => r.json());
    t.same(await check(), { allowed: true, reason: null }, 'no policy, no flag');
    t.equal((await send(app, 'PUT', `${base}/members/${elder}/safeguarding`, { needsSafeguarding: true }, coordinator.auth)).statusCode, 200);
    t.equal((await send(app, 'PUT', `${base}/safeguarding-policy`, { requireDbsForSafeguarded: true }, coordinator.auth)).statusCode, 200);
    t.match(await check(), { allowed: false, reason: /current DBS check.*none is recorded/ });
    const badDates = await send(app, 'POST', `${base}/members/${carer.personId}/dbs-checks`, { checkType: 'enhanced', issuedOn: '2026-02-01', expiresOn: '2020-01-01' }, coordinator.auth);
    t.match(badDates.json(), { status: 422, type: '/problems/dbs-dates', errors: [{ pointer: '/expiresOn' }] });
    const noCertificate = await send(app, 'POST', `${base}/members/${carer.personId}/dbs-checks`, { checkType: 'enhanced', issuedOn: '2026-02-01', expiresOn: '2029-02-01', certificateNumber: '001234567890' }, coordinator.auth);
    t.match(noCertificate.json(), { status: 400, errors: [{ pointer: '/certificateNumber' }] }, 'the certificate itself is never taken');
    t.equal((await send(app, 'POST', `${base}/members/${carer.personId}/dbs-checks`, { checkType: 'enhanced', issuedOn: '2026-02-01', expiresOn: '2029-02-01' }, coordinator.auth)).statusCode, 201);
    t.same(await check(), { allowed: true, reason: null }, 'a current check');
    t.equal((await send(app, 'POST', `${base}/members/${carer.personId}/dbs-checks`, { checkType: 'enhanced', issuedOn: '2022-02-01', expiresOn: '2025-02-01' }, coordinator.auth)).statusCode, 201);
    t.match(await check(), { allowed: false, reason: /expired on 2025-02-01/ }, 'the latest check counts');
  });
});

// On the server where there is one: racing on PGlite's one connection proves little.
for (const backend of [await serverFirstBackend()]) {
  t.test(`five sign-ups racing for one email: one account, the rest written nowhere (${backend.name})`, async (t) => {
    const { hearth, app, close } = await openApp(await backend.open());
    t.teardown(close);
    const email = `race.${randomUUID()}@example.org`;
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => send(app, 'POST', '/api/v1/accounts', { name: `Racer ${i}`, email, password: 'a long enough password' })),
    );
    t.same(answers.map((a) => a.statusCode), [202, 202, 202, 202, 202], 'every one answered alike');
    t.equal(new Set(answers.map((a) => a.body)).size, 1, 'with the same words');
    const registered = await hearth.database.db.selectFrom('events').select('stream_id').where('type', '=', 'access.PersonRegistered').execute();
    t.equal(registered.length, 1, 'one person registered');
    t.equal((await hearth.database.db.selectFrom('person_keys').select('person_id').execute()).length, 1, 'one key made');
  });
}
