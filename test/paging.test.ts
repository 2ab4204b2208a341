// Every list that can grow, read a page at a time (on the PostgreSQL server where there is one,
// PGlite otherwise: the keyset queries are the same SQL on both): walked with a small page, it
// gives each row once and in the order one whole page gives them; and a cursor that this server
// did not give out for this very list (changed, another list's, another network's, garbage) is
// refused naming `cursor`, as a page size out of bounds is naming `limit`, and neither writes.
import t, { type Test } from 'tap';
import { serverFirstBackend } from './support/db.ts';
import { caughtUp } from './support/hearth.ts';
import { lunchClub } from './support/treasurer.ts';
import { careCoopRules } from './support/coop.ts';
import { joined, openApp, send, setUp, signUp, written, type Person } from './support/http.ts';
import { daysAgo, today } from '../src/dates.ts';

type App = Awaited<ReturnType<typeof openApp>>['app'];
type Item = Record<string, unknown>;

const withQuery = (url: string, query: Record<string, string | number | undefined>) => {
  const search = new URLSearchParams(Object.entries(query).filter((e): e is [string, string | number] => e[1] !== undefined).map(([k, v]) => [k, String(v)]));
  return `${url}${url.includes('?') ? '&' : '?'}${search}`;
};

async function read(app: App, url: string, who: Person, query: Record<string, string | number | undefined> = {}) {
  return app.inject({ method: 'GET', url: withQuery(url, query), headers: who.auth });
}

/** The whole list in one page, then walked two rows at a time: the same rows, in the same order, each once. */
async function walks(t: Test, app: App, name: string, url: string, who: Person, least: number, idOf: (item: Item) => string, most = 200) {
  const whole = await read(app, url, who, { limit: most });
  t.equal(whole.statusCode, 200, `${name}: read whole`);
  const all = whole.json() as { items: Item[]; next: string | null };
  t.equal(all.next, null, `${name}: one page holds it all`);
  t.ok(all.items.length >= least, `${name}: holds at least ${least} rows (${all.items.length})`);
  const walked: Item[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const res = await read(app, url, who, { limit: 2, cursor });
    if (res.statusCode !== 200) return t.fail(`${name}: page ${pages + 1} answered ${res.statusCode} ${res.body}`);
    const page = res.json() as { items: Item[]; next: string | null };
    t.ok(page.items.length <= 2, `${name}: no page holds more than asked`);
    if (page.next !== null) t.equal(page.items.length, 2, `${name}: only the last page is short`);
    walked.push(...page.items);
    cursor = page.next ?? undefined;
  } while (cursor !== undefined && ++pages < 100);
  t.same(walked.map(idOf), all.items.map(idOf), `${name}: every row once, in order`);
  t.equal(new Set(walked.map(idOf)).size, walked.length, `${name}: no row twice`);
}

for (const backend of [await serverFirstBackend()]) {
  t.test(`on ${backend.name}`, async (t) => {
    const { hearth, app, close } = await openApp(await backend.open());
    t.teardown(close);

    const cath = await signUp(app, 'Cath Coordinator');
    const open = async (name: string, kind = 'time_bank') => (await setUp(send(app, 'POST', '/api/v1/networks', { name, kind }, cath.auth), 201)).json().networkId as string;
    const networkId = await open('Kirkstall Time Bank');
    const armley = await open('Armley Time Bank');
    const others = [await open('Bramley Time Bank'), await open('Calverley Time Bank')];
    const base = `/api/v1/networks/${networkId}`;
    const tb = `${base}/timebank`;
    await setUp(send(app, 'PUT', `${tb}/categories/gardening`, {}, cath.auth), 200);

    const [ann, bob] = [await joined(app, networkId, cath, 'Ann Giver'), await joined(app, networkId, cath, 'Bob Receiver')];
    for (const name of ['Dot Able', 'Eve Baker', 'Fay Cole', 'Gus Dale']) await setUp(send(app, 'POST', `${base}/members`, { name }, cath.auth), 201);
    for (const name of ['Hal Eames', 'Ivy Ford']) await setUp(send(app, 'POST', `/api/v1/networks/${armley}/members`, { name }, cath.auth), 201);

    // Exchanges on five days, two the same day; the last three confirmed.
    for (const [i, day] of [daysAgo(9), daysAgo(5), daysAgo(5), daysAgo(2), today()].entries()) {
      const logged = (await setUp(send(app, 'POST', `${tb}/exchanges`, { providerId: ann.personId, receiverId: bob.personId, minutes: 30 + i, category: 'gardening', description: `Weeding, week ${i + 1}`, occurredOn: day }, ann.auth), 201)).json();
      if (i >= 2) await setUp(send(app, 'POST', `${tb}/exchanges/${logged.exchangeId}/confirmation`, undefined, bob.auth), 200);
    }
    for (const title of ['Weeding', 'Mowing', 'Pruning', 'Digging', 'Planting']) {
      const { postId } = (await setUp(send(app, 'POST', `${tb}/posts`, { kind: 'offer', title: `${title} the garden`, category: 'gardening' }, ann.auth), 201)).json();
      await setUp(send(app, 'POST', `${tb}/posts/${postId}/answers`, { message: `${title}: yes please` }, bob.auth), 201);
    }
    for (const title of ['A lift', 'A hedge cut', 'A shelf put up']) await setUp(send(app, 'POST', `${tb}/posts`, { kind: 'request', title, category: 'gardening' }, bob.auth), 201);
    for (const name of ['Chapel Pool', 'Abbey Pool', 'Beck Pool']) await setUp(send(app, 'POST', `${base}/pools`, { name, twoApproversAbovePence: 10_000 }, cath.auth), 201);
    for (const partnerOf of [armley, ...others]) await setUp(send(app, 'POST', `/api/v1/networks/${partnerOf}/partnerships`, { partnerNetworkId: networkId }, cath.auth), 201);
    for (const minutes of [30, 45, 60]) await setUp(send(app, 'POST', `${tb}/chest/donations`, { minutes }, ann.auth), 201);

    // A neighbourhood network's pool with four payments, vouchers given, and payments asked of the learning fund.
    const club = await lunchClub(app);
    const neighbours = `/api/v1/networks/${club.networkId}`;
    const learner = (await setUp(send(app, 'POST', `${neighbours}/members`, { name: 'Lena Learner' }, club.coordinator.auth), 201)).json().personId as string;
    for (const pence of [1_000, 2_000, 3_000]) {
      await setUp(send(app, 'POST', `${neighbours}/vouchers`, { learnerId: learner, value: { kind: 'amount', pence }, occasion: 'Birthday', message: '' }, club.coordinator.auth), 201);
      await setUp(send(app, 'POST', `${neighbours}/vouchers/learning-fund/payments`, { payee: 'Leeds Libraries', purpose: `Books, ${pence}`, pence }, club.treasurer.auth), 201);
    }
    // Three more, paid for: held for the learner, and redeemable by a mentor.
    for (const pence of [1_500, 2_500, 3_500]) {
      const { voucherId } = (await setUp(send(app, 'POST', `${neighbours}/vouchers`, { learnerId: learner, value: { kind: 'amount', pence }, occasion: 'Christmas', message: '' }, club.coordinator.auth), 201)).json();
      await setUp(send(app, 'POST', `${neighbours}/vouchers/${voucherId}/payment`, { pence, reference: `BACS ${pence}`, receivedOn: today() }, club.treasurer.auth), 200);
    }

    // A care bank: a volunteer gives care on four days, three of them confirmed and banked.
    const careBank = `/api/v1/networks/${await open('Wharfedale Care Bank', 'care_bank_scheme')}`;
    const bornIn = async (name: string, year: number) => {
      const p = await signUp(app, name, { dateOfBirth: `${year}-01-01` });
      await setUp(send(app, 'POST', `${careBank}/invitations`, { personId: p.personId }, cath.auth), 201);
      await setUp(send(app, 'POST', `${careBank}/invitations/acceptance`, undefined, p.auth), 200);
      return p;
    };
    const [vic, edna] = [await bornIn('Vic Volunteer', 1990), await bornIn('Edna Elder', 1938)];
    for (const [i, day] of [daysAgo(8), daysAgo(4), daysAgo(4), daysAgo(1)].entries()) {
      const { careId } = (await setUp(send(app, 'POST', `${careBank}/carebank/care`, { volunteerId: vic.personId, recipientId: edna.personId, minutes: 60 + i, activity: 'befriending', occurredOn: day }, vic.auth), 201)).json();
      if (i > 0) await setUp(send(app, 'POST', `${careBank}/carebank/care/${careId}/confirmation`, undefined, edna.auth), 200);
    }

    // A co-op: three members apply for shares and, once issued, each proposes a spend and gives notice to withdraw some.
    const coopId = await open('Holbeck Care Co-op', 'co_operative');
    const coop = `/api/v1/networks/${coopId}/coop`;
    await setUp(send(app, 'POST', coop, { name: 'Holbeck Care Co-op Ltd', rules: careCoopRules, foundedOn: daysAgo(400) }, cath.auth), 201);
    const bert = await joined(app, coopId, cath, 'Bert Board', 'board');
    const shareholders: Person[] = [];
    for (const name of ['Ann Ackroyd', 'Bob Brierley', 'Cat Cawthorne']) {
      const who = await joined(app, coopId, cath, name);
      shareholders.push(who);
      const { applicationId } = (await setUp(send(app, 'POST', `${coop}/applications`, { memberClass: careCoopRules.memberClasses[0]!.name, pence: 5_000 }, who.auth), 201)).json();
      await setUp(send(app, 'POST', `${coop}/applications/${applicationId}/issue`, { issuedOn: daysAgo(30) }, bert.auth), 200);
      const terms = { title: `A spend for ${name}`, pence: 1_000, payee: 'Leeds Mobility Ltd', purpose: 'Access', source: { kind: 'funds' }, closesAt: new Date(Date.now() + 3 * 3_600_000).toISOString(), quorumPercent: 50, thresholdPercent: 50, secret: false, hideResultsUntilClose: false };
      await setUp(send(app, 'POST', `${coop}/proposals`, terms, who.auth), 201);
    }
    for (const who of shareholders) await setUp(send(app, 'POST', `${coop}/withdrawals`, { pence: 1_000 }, who.auth), 201);
    t.ok(await caughtUp(hearth), 'the read tables hold it all');

    t.test('each list walked two rows at a time gives every row once, in order', async (t) => {
      const byPerson = (i: Item) => String(i.personId);
      await walks(t, app, 'networks', '/api/v1/networks', cath, 3, (i) => String(i.networkId));
      await walks(t, app, 'members', `${base}/members`, cath, 7, byPerson);
      await walks(t, app, 'directory', `${base}/directory`, ann, 7, byPerson);
      await walks(t, app, 'balances', `${tb}/accounts`, cath, 7, byPerson);
      await walks(t, app, 'history', '/api/v1/me/history', cath, 5, (i) => String(i.position));
      await walks(t, app, 'exchanges', `${tb}/accounts/${ann.personId}/exchanges`, ann, 5, (i) => String(i.exchangeId));
      await walks(t, app, 'exchanges settled', `${tb}/accounts/${ann.personId}/exchanges?state=settled`, ann, 3, (i) => String(i.exchangeId));
      await walks(t, app, 'posts found', `${tb}/posts?kind=offer`, bob, 5, (i) => String(i.postId), 100);
      await walks(t, app, 'own posts', `${tb}/posts/mine`, ann, 5, (i) => String(i.postId));
      await walks(t, app, 'posts to broker', `${tb}/arrangements/open-posts`, cath, 8, (i) => String(i.postId));
      await walks(t, app, 'unanswered requests', `${tb}/posts/unanswered?days=0`, cath, 3, (i) => String(i.postId));
      await walks(t, app, 'answers to my posts', `${tb}/answers?which=toMe`, ann, 5, (i) => String(i.answerId), 100);
      await walks(t, app, 'my answers', `${tb}/answers?which=mine`, bob, 5, (i) => String(i.answerId), 100);
      await walks(t, app, 'pools', `${base}/pools`, cath, 3, (i) => String(i.poolId));
      await walks(t, app, 'partnerships', `${base}/partnerships`, ann, 3, (i) => String(i.partnerNetworkId));
      await walks(t, app, 'grants and donations', `${tb}/gifts`, cath, 3, (i) => String(i.ref));
      await walks(t, app, 'pool payments', `${club.pool}/payments`, club.coordinator, 4, (i) => String(i.paymentId));
      await walks(t, app, 'own vouchers', `${neighbours}/vouchers?given=me`, club.coordinator, 6, (i) => String(i.voucherId));
      await walks(t, app, 'vouchers awaiting payment', `${neighbours}/vouchers/awaiting-payment`, club.treasurer, 3, (i) => String(i.voucherId));
      await walks(t, app, 'vouchers held', `${neighbours}/vouchers/held`, club.treasurer, 3, (i) => String(i.voucherId));
      await walks(t, app, 'vouchers redeemable', `${neighbours}/vouchers/redeemable`, club.coordinator, 3, (i) => String(i.voucherId));
      await walks(t, app, 'care', `${careBank}/carebank/care`, vic, 4, (i) => String(i.careId));
      await walks(t, app, 'care-bank entries', `${careBank}/carebank/accounts/${vic.personId}/entries`, vic, 3, (i) => `${i.date} ${i.minutes}`);
      await walks(t, app, 'share applications', `${coop}/applications`, bert, 3, (i) => String(i.applicationId));
      await walks(t, app, 'proposals', `${coop}/proposals`, bert, 3, (i) => String(i.proposalId));
      await walks(t, app, 'withdrawals to pay', `${coop}/withdrawals`, bert, 3, (i) => String(i.withdrawalId));
      await walks(t, app, 'learning fund payments', `${neighbours}/vouchers/learning-fund/payments`, club.treasurer, 3, (i) => String(i.paymentId));
    });

    t.test('the rows come in the order the list says', async (t) => {
      const members = (await read(app, `${base}/members`, cath, { limit: 200 })).json().items as Array<{ name: string }>;
      t.same(members.map((m) => m.name), members.map((m) => m.name).sort(), 'members by name');
      const exchanges = (await read(app, `${tb}/accounts/${ann.personId}/exchanges`, ann, { limit: 200 })).json().items as Array<{ occurredOn: string }>;
      t.same(exchanges.map((x) => x.occurredOn), exchanges.map((x) => x.occurredOn).sort().reverse(), 'exchanges newest first');
      const waiting = (await read(app, `${tb}/accounts/${ann.personId}/exchanges`, ann, { state: 'waiting' })).json();
      t.same([waiting.items.length, waiting.next], [2, null], 'those waiting, on their own');
    });

    t.test('a cursor Hearth did not give out for this list is refused, naming it, and nothing is written', async (t) => {
      const first = (await read(app, `${base}/members`, cath, { limit: 2 })).json();
      t.type(first.next, 'string', 'a next page');
      t.notMatch(Buffer.from(first.next, 'base64url').toString('utf8'), /Able|Baker|[0-9a-f]{8}-[0-9a-f]{4}/, 'the cursor does not show what it holds');
      const middle = Math.floor(first.next.length / 2);
      const altered = first.next.slice(0, middle) + (first.next[middle] === 'A' ? 'B' : 'A') + first.next.slice(middle + 1);
      const directory = (await read(app, `${base}/directory`, cath, { limit: 2 })).json().next as string;
      const armleyMembers = (await read(app, `/api/v1/networks/${armley}/members`, cath, { limit: 1 })).json().next as string;
      t.type(armleyMembers, 'string', "another network's list has a next page too");
      const before = await written(hearth);
      for (const [what, cursor] of [
        ['one character changed', altered],
        ["the directory's cursor", directory],
        ["another network's member list's cursor", armleyMembers],
        ['garbage', 'not-a-cursor'],
        ['nothing at all', ''],
        ['a cursor cut short', first.next.slice(0, -4)],
      ] as const) {
        const res = await read(app, `${base}/members`, cath, { limit: 2, cursor });
        t.equal(res.statusCode, 400, `${what}: 400`);
        t.match(res.headers['content-type'], /application\/problem\+json/, `${what}: problem details`);
        t.match(res.json(), { errors: [{ in: 'querystring', pointer: '/cursor' }] }, `${what}: names the cursor`);
      }
      const own = await read(app, `${base}/members`, cath, { limit: 2, cursor: first.next });
      t.equal(own.statusCode, 200, 'the cursor as given still works');
      const filtered = (await read(app, `${tb}/accounts/${ann.personId}/exchanges`, ann, { limit: 1, state: 'settled' })).json().next as string;
      t.equal((await read(app, `${tb}/accounts/${ann.personId}/exchanges`, ann, { limit: 1, state: 'waiting', cursor: filtered })).statusCode, 400, 'nor under other filters');
      t.same(await written(hearth), before, 'nothing written');
    });

    t.test('a page size out of bounds is refused, naming it', async (t) => {
      const before = await written(hearth);
      for (const limit of ['0', '201', '-1', 'ten', '2.5']) {
        const res = await read(app, `${base}/members`, cath, { limit });
        t.equal(res.statusCode, 400, `limit=${limit}: 400`);
        t.match(res.json(), { errors: [{ in: 'querystring', pointer: '/limit' }] }, `limit=${limit}: names the limit`);
      }
      t.equal((await read(app, `${tb}/posts`, bob, { limit: 101 })).statusCode, 400, 'a list with a smaller page says so');
      t.same(await written(hearth), before, 'nothing written');
      const unasked = (await read(app, `${base}/members`, cath)).json();
      t.same([unasked.items.length, unasked.next], [7, null], 'fifty unless asked: all seven at once');
    });
  });
}
