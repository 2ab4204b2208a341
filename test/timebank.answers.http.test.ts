// The whole journey through the HTTP API on PGlite: a request published, answered, talked over,
// accepted, logged from the arrangement in one step and confirmed; with the API's conventions
// (problem+json naming the field, Idempotency-Key, If-Match, cursors).
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { joined, openApp, send, signUp, type Person } from './support/http.ts';
import { publishPost } from './support/posts.ts';

const { hearth, app, close } = await openApp();
t.teardown(close);

const coordinator = await signUp(app, 'Cath Coordinator');
const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Kirkstall Time Bank', kind: 'time_bank' }, coordinator.auth)).json().networkId;
const base = `/api/v1/networks/${networkId}`;
const tb = `${base}/timebank`;
const member = (name: string) => joined(app, networkId, coordinator, name);
const [owner, ann, bob] = [await member('Olive Owner'), await member('Ann Answerer'), await member('Bob Bystander')];
await send(app, 'PUT', `${tb}/categories/transport`, {}, coordinator.auth);
const get = (url: string, who: Person) => app.inject({ method: 'GET', url, headers: who.auth });

t.test('answer, message, accept, log, confirm', async (t) => {
  const postId = await publishPost(hearth, networkId, owner.personId);
  const posts = `${tb}/posts/${postId}/answers`;

  const empty = await send(app, 'POST', posts, { message: '' }, ann.auth);
  t.equal(empty.statusCode, 400);
  t.match(empty.json(), { errors: [{ pointer: '/message' }] }, 'problem+json names the field');
  t.match((await send(app, 'POST', posts, { message: 'Me' }, owner.auth)).json(), { type: '/problems/own-post' });

  const key = randomUUID();
  const answered = await send(app, 'POST', posts, { message: 'I can drive you on Thursday' }, { ...ann.auth, 'idempotency-key': key });
  t.equal(answered.statusCode, 201);
  const { answerId } = answered.json();
  const retried = await send(app, 'POST', posts, { message: 'I can drive you on Thursday' }, { ...ann.auth, 'idempotency-key': key });
  t.same(retried.json(), answered.json(), 'a retry answers with the first result');

  const wrote = await send(app, 'POST', `${posts}/${answerId}/messages`, { message: 'Lovely, 9am?' }, { ...owner.auth, 'if-match': '"7"' });
  t.equal(wrote.statusCode, 412, 'If-Match on the thread');
  const sent = await send(app, 'POST', `${posts}/${answerId}/messages`, { message: 'Lovely, 9am?' }, { ...owner.auth, 'if-match': answered.headers.etag as string });
  t.equal(sent.statusCode, 201);
  const thread = await get(`${posts}/${answerId}?after=${sent.json().position}`, ann);
  t.match(thread.json(), { answerId, postTitle: 'Lift to the surgery', thread: [{ fromId: ann.personId, text: 'I can drive you on Thursday' }, { fromId: owner.personId, text: 'Lovely, 9am?' }] });
  t.equal(thread.headers.etag, sent.headers.etag, 'the thread carries its ETag');
  t.equal((await get(`${posts}/${answerId}`, bob)).statusCode, 403, 'not for a bystander');

  const toMe = await get(`${tb}/answers?which=toMe&limit=1`, owner);
  t.match(toMe.json(), { items: [{ answerId, status: 'open' }], next: null }, 'one answer: one page, and no next');
  t.equal((await get(`${tb}/answers?cursor=nonsense`, owner)).statusCode, 400);

  t.match((await send(app, 'POST', `${posts}/${answerId}/acceptance`, undefined, ann.auth)).json(), { status: 403, type: '/problems/not-post-owner' });
  const accepted = await send(app, 'POST', `${posts}/${answerId}/acceptance`, undefined, owner.auth);
  t.equal(accepted.statusCode, 201);
  const { arrangementId } = accepted.json();

  const arrangement = await get(`${tb}/arrangements/${arrangementId}?after=${accepted.json().position}`, ann);
  t.match(arrangement.json(), { providerId: ann.personId, receiverId: owner.personId, category: 'transport', exchangeId: null, prefill: { minutes: 60, category: 'transport' } });
  t.match((await get(`${tb}/arrangements?waiting=true`, ann)).json(), { items: [{ arrangementId }] });

  const log = { minutes: 75, occurredOn: new Date().toISOString().slice(0, 10), description: 'Lift to the surgery' };
  const logged = await send(app, 'POST', `${tb}/arrangements/${arrangementId}/exchange`, log, ann.auth);
  t.equal(logged.statusCode, 201);
  const twice = await send(app, 'POST', `${tb}/arrangements/${arrangementId}/exchange`, log, owner.auth);
  t.equal(twice.json().exchangeId, logged.json().exchangeId, 'logged once, whoever sends it again');

  const { exchangeId } = logged.json();
  const confirmed = await send(app, 'POST', `${tb}/exchanges/${exchangeId}/confirmation`, undefined, owner.auth);
  t.equal(confirmed.statusCode, 200, 'confirmed as any exchange is');
  const balance = await get(`${tb}/accounts/${ann.personId}?after=${confirmed.json().position}`, ann);
  t.match(balance.json(), { balanceMinutes: 75 });

  const figures = await get(`${tb}/arrangements/figures?after=${confirmed.json().position}`, coordinator);
  t.match(figures.json(), { months: [{ category: 'transport', requests: 1, answers: 1, arrangements: 1, exchanges: 1 }] });
  t.equal((await get(`${tb}/arrangements/figures`, ann)).statusCode, 403);

  const other = await publishPost(hearth, networkId, owner.personId, { kind: 'offer', title: 'Gardening help' });
  const brokered = await send(app, 'POST', `${tb}/arrangements`, { postId: other, personId: bob.personId }, coordinator.auth);
  t.equal(brokered.statusCode, 201, 'a coordinator brokers');
  t.equal((await send(app, 'POST', `${tb}/arrangements`, { postId: other, personId: bob.personId }, ann.auth)).statusCode, 403);
});
