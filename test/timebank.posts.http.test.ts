// Offers and requests through the HTTP API on PGlite: one journey, from posting to closing and
// leaving, with the usual conventions (problem+json naming the field, Idempotency-Key,
// ETag/If-Match, cursor pagination, On-Behalf-Of).
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { joined, openApp, send, signUp, written } from './support/http.ts';

const { hearth, app, close } = await openApp();
t.teardown(close);

t.test('the posts journey', async (t) => {
  const cath = await signUp(app, 'Cath Coordinator');
  const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Kirkstall Time Bank', kind: 'time_bank' }, cath.auth)).json().networkId;
  const base = `/api/v1/networks/${networkId}`;
  const posts = `${base}/timebank/posts`;
  const ann = await joined(app, networkId, cath, 'Ann Giver');
  const bob = await joined(app, networkId, cath, 'Bob Asker');
  await send(app, 'PUT', `${base}/timebank/categories/gardening`, {}, cath.auth);
  await send(app, 'PUT', `${base}/timebank/categories/shopping`, {}, cath.auth);

  const offer = { kind: 'offer', title: 'Weeding and mowing', description: 'Happy to help; I have my own tools.', category: 'gardening', tags: ['lawn'], area: 'LS5', suits: { note: 'mornings', weekdays: ['monday'] } };
  const bad = await send(app, 'POST', posts, { ...offer, area: 'LS5 3AB' }, ann.auth);
  t.equal(bad.statusCode, 400);
  t.match(bad.headers['content-type'], /application\/problem\+json/);
  t.match(bad.json().errors, [{ pointer: '/area' }], 'a full postcode is refused, naming the field');
  const unknown = await send(app, 'POST', posts, { ...offer, category: 'juggling' }, ann.auth);
  t.equal(unknown.statusCode, 422);
  t.match(unknown.json(), { type: /unknown-category/ });

  const key = randomUUID();
  const first = await send(app, 'POST', posts, offer, { ...ann.auth, 'idempotency-key': key });
  t.equal(first.statusCode, 201);
  const { postId, position } = first.json();
  t.equal(first.headers.etag, '"0"');
  const before = await written(hearth);
  const retry = await send(app, 'POST', posts, offer, { ...ann.auth, 'idempotency-key': key });
  t.same(retry.json(), first.json(), 'a retry answers as the first did');
  t.same(await written(hearth), before, 'and writes nothing');

  const brokered = await send(app, 'POST', posts, { kind: 'request', title: 'Lift to the shops', category: 'shopping', neededBy: '2099-01-01' }, { ...cath.auth, 'on-behalf-of': bob.personId });
  t.equal(brokered.statusCode, 201, 'a coordinator posts for a member');

  const found = await app.inject({ method: 'GET', url: `${posts}?q=mowing&after=${brokered.json().position}`, headers: bob.auth });
  t.equal(found.statusCode, 200);
  t.same(found.json().items.map((p: { title: string }) => p.title), ['Weeding and mowing']);
  const page = await app.inject({ method: 'GET', url: `${posts}?limit=1`, headers: bob.auth });
  t.equal(page.json().items[0].title, 'Lift to the shops', 'newest first');
  const next = await app.inject({ method: 'GET', url: `${posts}?limit=1&cursor=${page.json().next}`, headers: bob.auth });
  t.same(next.json().items.map((p: { title: string }) => p.title), ['Weeding and mowing']);
  t.equal(next.json().next, null);
  const badCursor = await app.inject({ method: 'GET', url: `${posts}?cursor=nonsense`, headers: bob.auth });
  t.equal(badCursor.statusCode, 400);

  const read = await app.inject({ method: 'GET', url: `${posts}/${postId}?after=${position}`, headers: bob.auth });
  t.equal(read.json().description, 'Happy to help; I have my own tools.');
  t.equal(read.headers.etag, '"0"');
  const notYours = await send(app, 'PUT', `${posts}/${postId}`, { ...offer, kind: undefined, title: 'Mine' }, bob.auth);
  t.equal(notYours.statusCode, 403);

  const { kind: _kind, ...details } = offer;
  const edited = await send(app, 'PUT', `${posts}/${postId}`, { ...details, title: 'Weeding, mowing and hedges' }, { ...ann.auth, 'if-match': '"0"' });
  t.equal(edited.statusCode, 200);
  t.equal(edited.headers.etag, '"1"');
  const stale = await send(app, 'PUT', `${posts}/${postId}`, { ...details, title: 'Stale' }, { ...ann.auth, 'if-match': '"0"' });
  t.equal(stale.statusCode, 412, 'a change on an old copy fails');
  t.equal((await send(app, 'POST', `${posts}/${postId}/pause`, undefined, ann.auth)).statusCode, 200);
  t.equal((await send(app, 'POST', `${posts}/${postId}/renewal`, undefined, ann.auth)).statusCode, 200);

  const mine = await app.inject({ method: 'GET', url: `${posts}/mine`, headers: { ...cath.auth, 'on-behalf-of': bob.personId } });
  t.same(mine.json().items.map((p: { title: string }) => p.title), ['Lift to the shops']);
  const unanswered = await app.inject({ method: 'GET', url: `${posts}/unanswered?days=0`, headers: cath.auth });
  t.same(unanswered.json().items.map((p: { title: string }) => p.title), ['Lift to the shops']);
  t.equal((await app.inject({ method: 'GET', url: `${posts}/unanswered`, headers: ann.auth })).statusCode, 403, 'coordinators only');

  const closed = await send(app, 'POST', `${posts}/${brokered.json().postId}/closure`, { reason: 'Found a lift' }, cath.auth);
  t.equal(closed.statusCode, 200);

  const left = await send(app, 'POST', `${base}/members/${ann.personId}/leaving`, {}, ann.auth);
  t.equal(left.statusCode, 200, 'a member leaves');
  const after = await app.inject({ method: 'GET', url: `${posts}?after=${left.json().position}`, headers: bob.auth });
  t.same(after.json().items, [], 'her post closed with her leaving');
  t.equal((await app.inject({ method: 'GET', url: posts, headers: ann.auth })).statusCode, 403, 'and she no longer has access');
});
