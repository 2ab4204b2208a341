// A coordinator's setup pages over HTTP, as a browser posts them (a signed-in cookie, each form's
// token): what is sent reaches the API and is recorded, mistakes come back beside their fields,
// and only a coordinator reaches the pages. The browser walk is in web.coordinator-setup.test.ts.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { browserOf, formType, openApp, send, setUp, signUp, tokenIn } from './support/http.ts';
import { serverFirstDatabase } from './support/db.ts';
import { caughtUp, testAddress } from './support/hearth.ts';
import * as access from '../src/access/app.ts';
import { whole } from '../src/db/keyset.ts';

const { hearth, app, close } = await openApp(await serverFirstDatabase());
t.teardown(close);
const { db } = hearth.database;
const events = async (type: string) => (await hearth.store.readAll()).filter((e) => e.type === type);
/** A network's members as its table holds them once what was written before has reached it. */
const membersOf = async (networkId: string) => {
  await caughtUp(hearth);
  return (await access.members(hearth, { networkId }, whole)).items;
};

const cath = await signUp(app, 'Cath Coordinator');
const cathsBrowser = await browserOf(app, cath);

t.test('opening a network: the kind is asked for, the answers checked, then it is open', async (t) => {
  const missing = await cathsBrowser.post('/networks/new', { name: 'Armley Helpers' }, '/networks/new');
  t.equal(missing.statusCode, 422);
  t.match(missing.body, /Choose what kind of network it is/);
  const check = await cathsBrowser.post('/networks/new', { name: 'Armley Helpers', kind: 'neighbourhood_network' });
  t.equal(check.statusCode, 200);
  t.match(check.body, /Check your answers/);
  t.match(check.body, /Neighbourhood network/);
  t.equal((await events('networks.NetworkOpened')).length, 0, 'nothing is opened before the answers are checked');
  const opened = await cathsBrowser.post('/networks/new/open', { name: 'Armley Helpers', kind: 'neighbourhood_network' }, '/networks/new');
  t.equal(opened.statusCode, 303);
  const confirmation = await cathsBrowser.get(opened.headers.location as string);
  t.match(confirmation.body, /Armley Helpers is open/);
  t.match(confirmation.body, /Open a pool/, 'what a Neighbourhood Network does next');
});

const networkIdNamed = async (name: string) => (await db.selectFrom('networks').select('network_id').where('name', '=', name).executeTakeFirstOrThrow()).network_id;

t.test('a pool, and care-bank rules checked before they are set', async (t) => {
  const networkId = await networkIdNamed('Armley Helpers');
  const setup = `/networks/${networkId}/setup`;
  const pool = await cathsBrowser.post(`${setup}/pools/new`, { name: 'Day trips', threshold: '250' });
  t.equal(pool.statusCode, 303);
  t.match((await cathsBrowser.get(pool.headers.location as string)).body, /Payments above £250.00 need two approvers/);
  t.match(await events('pools.PoolOpened'), [{ data: { name: 'Day trips', twoApproversAbovePence: 25_000 } }]);

  const rules = { minimumAgeToBank: '18', claimFromAge: '65', 'dailyCap-hours': '4', 'dailyCap-minutes': '0', lifetimeCap: '', 'effectiveFrom-day': '1', 'effectiveFrom-month': '4', 'effectiveFrom-year': '2026' };
  const wrong = await cathsBrowser.post(`${setup}/care-rules`, { ...rules, minimumAgeToBank: '12' });
  t.equal(wrong.statusCode, 422);
  t.match(wrong.body, /Enter a number from 16 to 120/);
  const check = await cathsBrowser.post(`${setup}/care-rules`, rules);
  t.match(check.body, /Check the new rules/);
  t.match(check.body, /4 hours/);
  t.equal((await events('carebank.SchemeRulesVersioned')).length, 0, 'nothing is set before the check');
  const set = await cathsBrowser.post(`${setup}/care-rules/set`, rules, `${setup}/care-rules`);
  t.equal(set.statusCode, 303);
  t.match((await cathsBrowser.get(set.headers.location as string)).body, /Version 1 of the rules is recorded/);
  t.match(await events('carebank.SchemeRulesVersioned'), [{ data: { claimFromAge: 65, dailyCapMinutes: 240, lifetimeCapMinutes: null, effectiveFrom: '2026-04-01' } }]);
});

t.test("a time bank: kinds of help, usual limits, the voucher policy and partnerships", async (t) => {
  const one = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Kirkstall Time Bank', kind: 'time_bank' }, cath.auth), 201)).json().networkId;
  const other = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Bramley Time Bank', kind: 'time_bank' }, cath.auth), 201)).json().networkId;
  const setup = `/networks/${one}/setup`;
  t.match((await cathsBrowser.get(setup)).body, /Kinds of help and their rates/);

  t.match((await cathsBrowser.get(`${setup}/help`)).body, /Members cannot log time until there is at least one/);
  const help = await cathsBrowser.post(`${setup}/help`, { category: 'gardening', rate: '100' });
  t.equal(help.statusCode, 303);
  t.match((await cathsBrowser.get(help.headers.location as string)).body, /Members can now log gardening/);
  t.equal((await cathsBrowser.post(`${setup}/help`, { category: '', rate: '2000' })).statusCode, 422);
  await cathsBrowser.post(`${setup}/help`, { category: 'gardening', rate: '150' });
  t.match(await events('timebank.CategoryDefined'), [{ data: { category: 'gardening', ratePercent: 100 } }, { data: { category: 'gardening', ratePercent: 150 } }], 'a rate is changed by naming the kind again');

  const limits = await cathsBrowser.post(`${setup}/limits`, { 'lower-hours': '5', 'lower-minutes': '0', 'upper-hours': '100', 'upper-minutes': '0', 'longest-hours': '8', 'longest-minutes': '0', reason: 'Agreed at the AGM' });
  t.equal(limits.statusCode, 303);
  t.match((await cathsBrowser.get(limits.headers.location as string)).body, /from minus 5 hours to 100 hours/);
  const noReason = await cathsBrowser.post(`${setup}/limits`, { 'lower-hours': '5', 'upper-hours': '100', 'longest-hours': '8' });
  t.match(noReason.body, /Say why you are changing the limits/);

  const policy = await cathsBrowser.post(`${setup}/vouchers`, { expiryMonths: '', atExpiry: 'learning-fund' });
  t.equal(policy.statusCode, 303);
  t.match((await cathsBrowser.get(policy.headers.location as string)).body, /never expire/);

  const renamed = await cathsBrowser.post(`/networks/${other}/setup/name`, { name: 'Bramley and Rodley Time Bank' });
  t.equal(renamed.statusCode, 303);
  t.match((await cathsBrowser.get(renamed.headers.location as string)).body, /It is now called Bramley and Rodley Time Bank/);
  t.equal((await cathsBrowser.post(`/networks/${other}/setup/name`, { name: '' })).statusCode, 422);

  const proposed = await cathsBrowser.post(`${setup}/partnerships`, { partner: other });
  t.equal(proposed.statusCode, 303);
  const theirs = (await cathsBrowser.get(`/networks/${other}/setup/partnerships`)).body;
  t.match(theirs, /They proposed a partnership/);
  const accepted = await cathsBrowser.post(`/networks/${other}/setup/partnerships/${one}/acceptance`, {}, `/networks/${other}/setup/partnerships`);
  t.equal(accepted.statusCode, 303);
  t.match((await cathsBrowser.get(`${setup}/partnerships`)).body, /In partnership/);
  const noWhy = await cathsBrowser.post(`${setup}/partnerships/${other}/ending`, {}, `${setup}/partnerships`);
  t.equal(noWhy.statusCode, 422);
  t.match(noWhy.body, new RegExp(`id="f-reason-${other}-error"[^>]*>.*Say why the partnership ends`), 'beside its own field');
  const ended = await cathsBrowser.post(`${setup}/partnerships/${other}/ending`, { [`reason-${other}`]: 'The two merged' }, `${setup}/partnerships`);
  t.equal(ended.statusCode, 303);
  t.match((await cathsBrowser.get(`${setup}/partnerships`)).body, /Ended/);
});

t.test('people: an invitation accepted from the home page; a code claimed at /claim', async (t) => {
  const kirkstall = await networkIdNamed('Kirkstall Time Bank');
  const bramley = await networkIdNamed('Bramley and Rodley Time Bank');
  const dora = await signUp(app, 'Dora Dyson');
  await setUp(send(app, 'POST', `/api/v1/networks/${bramley}/invitations`, { personId: dora.personId }, cath.auth), 201);
  await setUp(send(app, 'POST', `/api/v1/networks/${bramley}/invitations/acceptance`, undefined, dora.auth), 200);
  const people = `/networks/${kirkstall}/setup/people`;
  t.match((await cathsBrowser.get(people)).body, /Dora Dyson/, 'found among the people of a network Cath also coordinates');
  const invited = await cathsBrowser.post(`/networks/${kirkstall}/setup/invitations`, { person: dora.personId }, people);
  t.equal(invited.statusCode, 303);
  t.match((await cathsBrowser.get(invited.headers.location as string)).body, /Dora Dyson is invited/);

  const dorasBrowser = await browserOf(app, dora);
  const home = (await dorasBrowser.get('/')).body;
  t.match(home, new RegExp(`href="/networks/${kirkstall}/invitation"`), 'Dora sees the invitation on her home page');
  const accepted = await dorasBrowser.post(`/networks/${kirkstall}/invitation`, {});
  t.equal(accepted.statusCode, 303);
  t.match((await dorasBrowser.get(accepted.headers.location as string)).body, /You are a member of Kirkstall Time Bank/);
  t.equal((await dorasBrowser.get(`/networks/${kirkstall}/setup`)).statusCode, 403, 'a member is not shown the setup pages');

  const eve = await signUp(app, 'Eve Ellis');
  await setUp(send(app, 'POST', `/api/v1/networks/${kirkstall}/join-requests`, undefined, eve.auth), 202);
  const approve = `/networks/${kirkstall}/setup/people/${eve.personId}/approve`;
  t.match((await cathsBrowser.get(people)).body, /Eve Ellis: approve, and choose what they do/);
  const approved = await cathsBrowser.post(approve, { role: 'treasurer' });
  t.equal(approved.statusCode, 303);
  t.match((await cathsBrowser.get(approved.headers.location as string)).body, /Eve Ellis is now a member/);
  t.match((await membersOf(kirkstall)).find((m) => m.personId === eve.personId), { status: 'active', roles: ['member', 'treasurer'] });
  t.equal((await cathsBrowser.get(approve)).statusCode, 404, 'no one is left to approve');

  const roles = `/networks/${kirkstall}/setup/people/${eve.personId}/roles`;
  t.match((await cathsBrowser.get(people)).body, /Change roles<span class="visually-hidden"> for Eve Ellis/);
  const noneTicked = await cathsBrowser.post(roles, { reason: 'Stood down' });
  t.equal(noneTicked.statusCode, 422);
  t.match(noneTicked.body, /Tick at least one role/);
  const changed = await cathsBrowser.post(roles, { 'role-member': 'yes', 'role-board': 'yes', reason: 'Elected to the board' });
  t.equal(changed.statusCode, 303);
  t.match((await cathsBrowser.get(changed.headers.location as string)).body, /Eve Ellis is now: member, board/);
  t.match(await events('access.MemberRolesChanged'), [{ data: { personId: eve.personId, roles: ['member', 'board'], reason: 'Elected to the board' } }]);

  const walter = (await setUp(send(app, 'POST', `/api/v1/networks/${kirkstall}/members`, { name: 'Walter Whiteley' }, cath.auth), 201)).json().personId;
  const before = await membersOf(kirkstall);
  t.match(before.find((m) => m.personId === walter), { hasAccount: false });
  t.match(before.find((m) => m.personId === dora.personId), { hasAccount: true });
  const given = await cathsBrowser.post(`/networks/${kirkstall}/setup/people/${walter}/way-in`, {}, people);
  t.equal(given.statusCode, 200);
  const code = /<strong>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})<\/strong>/.exec(given.body)?.[1];
  t.ok(code, 'the code is shown to read out');
  t.match(given.headers['cache-control'], /no-store/);

  const claimForm = await app.inject({ method: 'GET', url: '/claim' });
  const formCookie = ([claimForm.headers['set-cookie']].flat() as string[]).map((c) => c.split(';')[0]).join('; ');
  const claim = (fields: Record<string, string>) =>
    app.inject({ method: 'POST', url: '/claim', remoteAddress: testAddress(), headers: { ...formType, cookie: formCookie }, payload: new URLSearchParams({ _csrf: tokenIn(claimForm.body)!, _key: randomUUID(), ...fields }).toString() });
  const wrong = await claim({ code: 'AAAA-BBBB-CCCC', email: 'walter@example.org', password: 'a long passphrase here' });
  t.equal(wrong.statusCode, 422);
  t.match(wrong.body, /not one Hearth gave/);
  const claimed = await claim({ code: code!.toLowerCase(), email: 'walter@example.org', password: 'a long passphrase here' });
  t.equal(claimed.statusCode, 200);
  t.match(claimed.body, /You can now sign in/);
  t.match((await membersOf(kirkstall)).find((m) => m.personId === walter), { hasAccount: true });
  t.notMatch((await cathsBrowser.get(people)).body, /Give Walter Whiteley a code/, 'no code is offered to a member with an account');
});
