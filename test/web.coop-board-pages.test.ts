// The co-op's last actions to have pages: the board records a transfer of shares and declares a
// dividend, each checked first; the board or a coordinator records a member's written proxy from a
// proposal's page; and who has voted is read from there. As a browser posts them: what is sent is
// recorded (read back through the API), and a refusal comes back as one message beside its field.
import t from 'tap';
import { browserOf, joined, openApp, send, setUp, signUp, type Person } from './support/http.ts';
import { serverFirstDatabase } from './support/db.ts';
import { careCoopRules } from './support/coop.ts';

const { app, close } = await openApp(await serverFirstDatabase());
t.teardown(close);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const dateOf = (name: string, iso: string) => {
  const [year, month, day] = iso.split('-');
  return { [`${name}-day`]: String(Number(day)), [`${name}-month`]: String(Number(month)), [`${name}-year`]: year! };
};
/** The messages the error summary lists: a refusal is one of them, beside its field when it names one. */
const messagesIn = (body: string) => {
  const summary = /<div class="error-summary"[^>]*>([\s\S]*?)<\/div>/.exec(body)?.[1] ?? '';
  return [...summary.matchAll(/<(?:p|a href="[^"]*")>([^<]*)<\/(?:p|a)>/g)].map((x) => x[1]);
};
const errorsIn = (body: string) => messagesIn(body).length;

const cath = await signUp(app, 'Cath Coordinator');
const networkId = (await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Holbeck Care Co-op', kind: 'co_operative' }, cath.auth), 201)).json().networkId as string;
const api = `/api/v1/networks/${networkId}`;
await setUp(send(app, 'POST', `${api}/coop`, { name: 'Holbeck Care Co-op Ltd', rules: careCoopRules, foundedOn: daysAgo(400) }, cath.auth), 201);
const bert = await joined(app, networkId, cath, 'Bert Board', 'board');
const ann = await joined(app, networkId, cath, 'Ann Ackroyd');
const bob = await joined(app, networkId, cath, 'Bob Brierley');
const cat = await joined(app, networkId, cath, 'Cat Cawthorne');
const admit = async (who: Person, memberClass: string, pence: number) => {
  const { applicationId } = (await setUp(send(app, 'POST', `${api}/coop/applications`, { memberClass, pence }, who.auth), 201)).json();
  await setUp(send(app, 'POST', `${api}/coop/applications/${applicationId}/issue`, { issuedOn: daysAgo(30) }, bert.auth), 200);
};
await admit(ann, 'workers', 10_000);
await admit(bob, 'receiving care', 20_000);
await admit(cat, 'supporters', 5_000);
const board = await browserOf(app, bert);
const coop = `/networks/${networkId}/coop`;

t.test('the board records a transfer of shares, checked first', async (t) => {
  t.match((await board.get('/')).body, new RegExp(`href="${coop}/transfer"`), "linked from the board's home page");
  t.notMatch((await (await browserOf(app, ann)).get('/')).body, new RegExp(`href="${coop}/transfer"`), 'not offered to a plain member');
  const fields = { from: bob.personId, to: ann.personId, amount: '50.00', reason: 'nomination', documentReference: 'Nomination 2026/3', ...dateOf('on', daysAgo(1)) };
  const check = (await board.post(`${coop}/transfer`, fields)).body;
  t.match(check, /Check your answers/);
  t.match(check, /Bob Brierley[\s\S]*Ann Ackroyd[\s\S]*£50\.00/, 'the members named, and the amount in pounds');
  const tooMuch = await board.post(`${coop}/transfer`, { ...fields, amount: '900.00', _step: 'confirm' }, `${coop}/transfer`);
  t.equal(tooMuch.statusCode, 422);
  t.equal(errorsIn(tooMuch.body), 1, 'one message');
  t.match(tooMuch.body, /id="f-amount-error"[^>]*>[\s\S]*can be transferred/, "the API's refusal beside the amount");
  const done = await board.post(`${coop}/transfer`, { ...fields, _step: 'confirm' }, `${coop}/transfer`);
  t.equal(done.statusCode, 303);
  t.match((await board.get(done.headers.location as string)).body, /Transfer recorded/);
  const register = (await app.inject({ method: 'GET', url: `${api}/coop/register`, headers: bert.auth })).json();
  t.match(register.members.find((x: { personId: string }) => x.personId === ann.personId), { shares: { pence: 15_000 } }, 'Ann holds what Bob gave');
  t.match(register.members.find((x: { personId: string }) => x.personId === bob.personId), { shares: { pence: 15_000 } });
});

t.test('the board declares a dividend by time given and received, checked first', async (t) => {
  t.match((await board.get('/')).body, new RegExp(`href="${coop}/dividend"`), "linked from the board's home page");
  const tess = await joined(app, networkId, cath, 'Tess Treasurer', 'treasurer');
  await setUp(send(app, 'POST', `${api}/coop/income`, { pence: 50_000, source: 'Leeds City Council', reference: 'Care contract Q3', receivedOn: daysAgo(1) }, tess.auth), 201);
  // An interim dividend by time in the time bank; the final one for the same period follows, by services used.
  const fields = { amount: '10.01', ...dateOf('periodFrom', daysAgo(30)), ...dateOf('periodTo', daysAgo(1)), kind: 'interim' };
  const none = await board.post(`${coop}/dividend`, { ...fields, _step: 'confirm' }, `${coop}/dividend`);
  t.equal(none.statusCode, 422, 'nobody took part yet');
  t.equal(errorsIn(none.body), 1, `one message: ${messagesIn(none.body)}`);
  t.match(none.body, /nothing to share by/);

  await setUp(send(app, 'PUT', `${api}/timebank/categories/gardening`, {}, cath.auth), 200);
  const { exchangeId } = (await setUp(send(app, 'POST', `${api}/timebank/exchanges`, { providerId: ann.personId, receiverId: bob.personId, minutes: 90, category: 'gardening', description: 'Weeding', occurredOn: daysAgo(10) }, ann.auth), 201)).json();
  await setUp(send(app, 'POST', `${api}/timebank/exchanges/${exchangeId}/confirmation`, undefined, bob.auth), 200);
  const check = (await board.post(`${coop}/dividend`, fields)).body;
  t.match(check, /Check your answers[\s\S]*£10\.01[\s\S]*Minutes given and received[\s\S]*Interim/);
  const done = await board.post(`${coop}/dividend`, { ...fields, _step: 'confirm' }, `${coop}/dividend`);
  t.equal(done.statusCode, 303, String(messagesIn(done.body)));
  t.match((await board.get(done.headers.location as string)).body, /Dividend paid[\s\S]*Paid to 2 members/);
  const holding = (await app.inject({ method: 'GET', url: `${api}/coop/members/${ann.personId}?after=${new URL(done.headers.location as string, 'http://x').searchParams.get('after')}`, headers: ann.auth })).json();
  t.match(holding.allocations, [{ kind: 'dividend', amount: { pounds: /^£5\.0[01]$/ } }], "Ann's share of it");

  const services = `${coop}/dividend-services`;
  t.match((await board.get('/')).body, new RegExp(`href="${services}"`), 'by services used, linked too');
  const used = { amount: '4.00', ...dateOf('periodFrom', daysAgo(30)), ...dateOf('periodTo', daysAgo(1)), [`used-${ann.personId}`]: '30.00', [`used-${cat.personId}`]: '10.00' };
  t.match((await board.get(services)).body, /Services each member used[\s\S]*Bob Brierley/, 'a figure asked for each member on the register');
  const bad = await board.post(services, { ...used, [`used-${cat.personId}`]: 'ten' });
  t.equal(errorsIn(bad.body), 1, 'one message');
  t.match(bad.body, new RegExp(`id="f-used-${cat.personId}-error"`), "beside Cat's figure");
  t.match((await board.post(services, used)).body, /Check your answers[\s\S]*Used by Ann Ackroyd[\s\S]*£30\.00[\s\S]*Used by Cat Cawthorne[\s\S]*£10\.00/);
  const paid = await board.post(services, { ...used, _step: 'confirm' }, services);
  t.equal(paid.statusCode, 303, String(messagesIn(paid.body)));
  const afterPaid = new URL(paid.headers.location as string, 'http://x').searchParams.get('after');
  const cats = (await app.inject({ method: 'GET', url: `${api}/coop/members/${cat.personId}?after=${afterPaid}`, headers: cat.auth })).json();
  t.match(cats.allocations, [{ kind: 'dividend', amount: { pence: 100 } }], "a quarter to Cat, who used a quarter of the services");
});

t.test('a proxy recorded from the proposal, and who has voted read there', async (t) => {
  const { proposalId } = (
    await setUp(
      send(app, 'POST', `${api}/coop/proposals`, { title: 'A ramp for the minibus', pence: 20_000, payee: 'Leeds Mobility Ltd', purpose: 'Wheelchair access', source: { kind: 'funds' }, closesAt: new Date(Date.now() + 3 * 3_600_000).toISOString(), quorumPercent: 50, thresholdPercent: 50, secret: false, hideResultsUntilClose: false }, bob.auth),
      201,
    )
  ).json();
  await setUp(send(app, 'POST', `${api}/coop/proposals/${proposalId}/opening`, undefined, bert.auth), 200);
  const proposal = `${coop}/proposals/${proposalId}`;
  t.match((await board.get(proposal)).body, new RegExp(`href="${proposal}/proxy"`), 'the board is offered the proxy page');
  t.notMatch((await (await browserOf(app, ann)).get(proposal)).body, new RegExp(`href="${proposal}/proxy"`), 'a plain member is not');
  const coordinator = await browserOf(app, cath);
  t.match((await coordinator.get(proposal)).body, new RegExp(`href="${proposal}/proxy"`), 'a coordinator is offered it too');
  t.match((await coordinator.get(`${proposal}/proxy`)).body, new RegExp(`value="${cat.personId}"[\\s\\S]*Cat Cawthorne`), "a coordinator chooses from the network's members, not the register they may not read");

  const own = await board.post(`${proposal}/proxy`, { grantor: cat.personId, proxy: cat.personId, documentReference: 'Proxy 1', _step: 'confirm' }, `${proposal}/proxy`);
  t.equal(own.statusCode, 422);
  t.equal(errorsIn(own.body), 1, 'one message');
  t.match(own.body, /id="f-proxy-error"[^>]*>[\s\S]*cannot be their own proxy/);
  const fields = { grantor: cat.personId, proxy: ann.personId, documentReference: 'Proxy 2026/14' };
  t.match((await board.post(`${proposal}/proxy`, fields)).body, /Check your answers[\s\S]*Cat Cawthorne[\s\S]*Ann Ackroyd[\s\S]*Proxy 2026\/14/);
  const recorded = await board.post(`${proposal}/proxy`, { ...fields, _step: 'confirm' }, `${proposal}/proxy`);
  t.equal(recorded.statusCode, 303);
  t.match((await board.get(recorded.headers.location as string)).body, /Proxy recorded/);
  const asProxy = await send(app, 'POST', `${api}/coop/proposals/${proposalId}/votes`, { choice: 'for', voterId: cat.personId }, ann.auth);
  t.equal(asProxy.statusCode, 201, 'Ann may now vote for Cat: the proxy is on record');

  t.match((await board.get(proposal)).body, new RegExp(`href="${proposal}/ballots"`), 'who has voted, linked from the proposal');
  const open = (await board.get(`${proposal}/ballots`)).body;
  t.match(open, /Who has voted: A ramp for the minibus/);
  t.match(open, /Cat Cawthorne/);
  t.notMatch(open, /as their proxy/, 'who cast it is not shown while voting is open');
  await setUp(send(app, 'POST', `${api}/coop/proposals/${proposalId}/votes`, { choice: 'against' }, bob.auth), 201);
  await setUp(send(app, 'POST', `${api}/coop/proposals/${proposalId}/votes`, { choice: 'for' }, ann.auth), 201);
  const closed = await board.post(`${proposal}/close`, {}, proposal);
  t.equal(closed.statusCode, 303, 'the board closes the vote once everyone has voted');
  const after = new URL(closed.headers.location as string, 'http://x').searchParams.get('after');
  const ballots = (await board.get(`${proposal}/ballots?after=${after}`)).body;
  t.match(ballots, /Ballots, in order/);
  t.match(ballots, /Cat Cawthorne<\/th><td>For<\/td><td>Ann Ackroyd, as their proxy/, 'the proxy named once closed');
  t.match(ballots, /Bob Brierley<\/th><td>Against<\/td><td>Themselves/);
});
