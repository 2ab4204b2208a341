// The footer's pages, a network's help contact, and refusals said once: the help contact's rules
// at decider level, the rest through the API and the pages in-process (no browser).
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { networkDecider } from '../src/networks/network.ts';
import { refusal } from '../src/web/forms.ts';
import { json, joined, openApp, send, signUp } from './support/http.ts';
import { serverFirstDatabase } from './support/db.ts';

t.test('a help contact is set on an open network only, each time it is said', async (t) => {
  const networkId = randomUUID();
  const helpContact = { clear: 'Ring 0113 496 0000' };
  t.throws(() => networkDecider.decide({ type: 'SetHelpContact', networkId, helpContact, setBy: randomUUID() }, networkDecider.initialState), { message: 'There is no such network.' });
  const open = networkDecider.evolve(networkDecider.initialState, { type: 'network.NetworkOpened', data: { networkId, name: 'Meanwood', kind: 'time_bank', openedAt: '2026-12-01T10:00:00Z', openedBy: 'x' } } as never);
  const [event] = networkDecider.decide({ type: 'SetHelpContact', networkId, helpContact, setBy: 'p' }, open);
  t.match(event, { type: 'network.HelpContactSet', data: { networkId, helpContact } });
  t.same(networkDecider.evolve(open, event as never), { ...open, helpContact }, 'the network then holds it');
});

t.test('a refusal that names no field is said once', async (t) => {
  t.equal(refusal({ title: 'That email and password do not match an account', detail: 'That email and password do not match an account.' }), 'That email and password do not match an account.');
  t.equal(refusal({ title: 'Not a member of this network', detail: 'Ask a coordinator to invite you.' }), 'Not a member of this network. Ask a coordinator to invite you.');
});

t.test('the footer, its pages, and each network\'s help contact', async (t) => {
  const { app, close } = await openApp(await serverFirstDatabase());
  t.teardown(close);
  for (const [path, heading] of [['/privacy', 'Privacy notice'], ['/accessibility', 'Accessibility statement'], ['/help', 'Get help']] as const) {
    const res = await app.inject({ method: 'GET', url: path });
    t.equal(res.statusCode, 200, `${path} is open to anyone`);
    t.match(res.body, `<h1>${heading}</h1>`);
    t.match(res.body, /<footer class="site"><ul><li><a href="\/help">Get help<\/a><\/li><li><a href="\/privacy">Privacy<\/a><\/li><li><a href="\/accessibility">Accessibility<\/a><\/li>/, `${path} has the footer`);
  }
  t.match((await app.inject({ method: 'GET', url: '/accessibility' })).body, /Enforcement procedure[\s\S]*Equality and Human Rights Commission/);
  t.match((await app.inject({ method: 'GET', url: '/sign-in' })).body, /<footer class="site">/, 'so does signing in');

  const coordinator = await signUp(app, 'Sue Coordinator');
  const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Meanwood Neighbourhood Network', kind: 'neighbourhood_network' }, coordinator.auth)).json().networkId;
  const member = await joined(app, networkId, coordinator, 'Zoë Member');
  const put = (who: { auth: Record<string, string> }, helpContact: unknown) => send(app, 'PUT', `/api/v1/networks/${networkId}/help-contact`, { helpContact }, who.auth);
  t.equal((await put(member, 'Ring me')).statusCode, 403, 'a member may not set it');
  const blank = await put(coordinator, ' ');
  t.equal(blank.statusCode, 400);
  t.match(blank.json(), { errors: [{ pointer: '/helpContact' }] }, 'an empty one is refused, naming the field');
  t.equal((await put(coordinator, 'x'.repeat(501))).statusCode, 400, 'as is a very long one');
  const set = await put(coordinator, 'Ring Sue on 0113 496 0000,\nweekdays 9am to 5pm');
  t.equal(set.statusCode, 200);

  const contacts = await app.inject({ method: 'GET', url: `/api/v1/help-contacts?after=${set.json().position}`, headers: member.auth });
  t.same(contacts.json().items, [{ networkId, name: 'Meanwood Neighbourhood Network', helpContact: 'Ring Sue on 0113 496 0000,\nweekdays 9am to 5pm' }]);
  const stranger = await signUp(app, 'Nobody Here');
  t.same((await app.inject({ method: 'GET', url: '/api/v1/help-contacts', headers: stranger.auth })).json().items, [], 'nobody sees the contact of a network they are not in');

  const session = await app.inject({ method: 'POST', url: '/api/v1/sessions', headers: json, payload: JSON.stringify({ email: member.email, password: member.password, kind: 'cookie' }) });
  const cookie = String(session.headers['set-cookie']).split(';')[0]!;
  const help = await app.inject({ method: 'GET', url: '/help', headers: { cookie } });
  t.equal(help.statusCode, 200);
  t.match(help.body, /<h2 id="help-[^"]+">Meanwood Neighbourhood Network<\/h2><p class="help-contact">Ring Sue on 0113 496 0000,\nweekdays 9am to 5pm<\/p>/, 'a member sees their network\'s help contact');
  t.equal((await app.inject({ method: 'GET', url: `/networks/${networkId}/help-contact`, headers: { cookie } })).statusCode, 403, 'and cannot reach the page that sets it');

  const coordinatorSession = await app.inject({ method: 'POST', url: '/api/v1/sessions', headers: json, payload: JSON.stringify({ email: coordinator.email, password: coordinator.password, kind: 'cookie' }) });
  const coordinatorCookie = String(coordinatorSession.headers['set-cookie']).split(';')[0]!;
  const setting = await app.inject({ method: 'GET', url: `/networks/${networkId}/help-contact`, headers: { cookie: coordinatorCookie } });
  t.equal(setting.statusCode, 200);
  t.match(setting.body, /<textarea id="f-helpContact" name="helpContact"[^>]*>Ring Sue on 0113 496 0000,\nweekdays 9am to 5pm<\/textarea>/, 'the form shows the contact now set');
  t.match((await app.inject({ method: 'GET', url: `/networks/${networkId}`, headers: { cookie: coordinatorCookie } })).body, /href="\/networks\/[^"]+\/help-contact">Say how members get help/, "the network's page leads there");
  const csrf = /name="_csrf" value="([^"]+)"/.exec(setting.body)![1]!;
  const post = (helpContact: string) => app.inject({ method: 'POST', url: `/networks/${networkId}/help-contact`, headers: { cookie: coordinatorCookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: csrf, _key: randomUUID(), helpContact }).toString() });
  const empty = await post('');
  t.equal(empty.statusCode, 422);
  t.match(empty.body, /<a href="#f-helpContact">Say how members get help<\/a>/, 'an empty contact is named in the error summary');
  const saved = await post('Email help@meanwood.example');
  t.equal(saved.statusCode, 303);
  t.match((await app.inject({ method: 'GET', url: saved.headers.location as string, headers: { cookie: coordinatorCookie } })).body, /<div class="panel" role="status"><h2>Members of Meanwood Neighbourhood Network now see how to get help<\/h2>/);
  t.match((await app.inject({ method: 'GET', url: '/api/v1/help-contacts', headers: member.auth })).json().items[0].helpContact, 'Email help@meanwood.example');
});
