// Learning vouchers through the HTTP API, on the PostgreSQL server where there is one: a daughter gives her mother
// computer-skills sessions, the treasurer records the money, a mentor redeems sessions and the
// daughter sees each one; a sessions voucher used up; a group session paid by two vouchers and a
// learner's own contribution; a refund; vouchers from months ago expiring under both policies; the
// treasurer's liability as at several dates, every figure worked out here from what the test did;
// a giver erased. Bad input is refused with problem+json naming the field, and writes nothing.
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { openApp, send, signUp, written, type Person, spreadsheet } from './support/http.ts';
import { serverFirstBackend } from './support/db.ts';
import { contextFor } from './support/given.ts';
import { expiryFrom, priceOf, voucherDecider, voucherStream, type LearningPolicy, type VoucherValue } from '../src/vouchers/voucher.ts';
import { redeemSession } from '../src/vouchers/session.ts';
import { decideAcross } from '../src/commands/decide.ts';
import { onVoucher } from '../src/vouchers/commands.ts';

const now = Date.now();
const daysAgo = (n: number) => new Date(now - n * 86_400_000).toISOString().slice(0, 10);
// Taken afresh for each test, so that a run across midnight does not date one step yesterday and the next today.
let today = daysAgo(0);
t.beforeEach(() => {
  today = daysAgo(0);
});
const at = (day: string, time: string) => `${day}T${time}:00.000Z`;
const problem = 'application/problem+json; charset=utf-8';
const money = (pence: number) => ({ pence, pounds: `${pence < 0 ? '-' : ''}£${Math.floor(Math.abs(pence) / 100).toLocaleString('en-GB')}.${String(Math.abs(pence) % 100).padStart(2, '0')}` });

const backend = await serverFirstBackend();
t.test(`learning vouchers (${backend.name})`, async (t) => {
  const { hearth, app, close } = await openApp(await backend.open());
  t.teardown(close);
  const { store } = hearth;

  const coordinator = await signUp(app, 'Cath Coordinator');
  const networkId = (await send(app, 'POST', '/api/v1/networks', { name: 'Leeds Learning for the Fourth Age', kind: 'neighbourhood_network' }, coordinator.auth)).json().networkId as string;
  const base = `/api/v1/networks/${networkId}`;
  const vouchers = `${base}/vouchers`;
  async function member(name: string, role?: string): Promise<Person> {
    const p = await signUp(app, name);
    await send(app, 'POST', `${base}/invitations`, { personId: p.personId }, coordinator.auth);
    await send(app, 'POST', `${base}/invitations/acceptance`, undefined, p.auth);
    if (role) await send(app, 'PUT', `${base}/members/${p.personId}/roles`, { roles: [role], reason: 'joined the scheme' }, coordinator.auth);
    return p;
  }
  /** A member who is not online: the coordinator records them, and acts for them. */
  const offline = async (name: string) => (await send(app, 'POST', `${base}/members`, { name }, coordinator.auth)).json().personId as string;
  const treasurer = await member('Tess Treasurer', 'treasurer');
  const mo = await member('Mo Mentor', 'mentor');
  const pat = await member('Pat Potter', 'mentor');
  const dawn = await member('Dawn Daughter', 'family');
  const gwen = await member('Gwen Giver', 'family');
  const edna = await member('Edna Firth');
  const [walter, iris, george] = [await offline('Walter Greenwood'), await offline('Iris Hebden'), await offline('George Grandad')];

  /** A read that waits for everything written so far. */
  async function get(url: string, who: Person = treasurer, headers: Record<string, string> = {}) {
    const head = await store.headPosition();
    return app.inject({ method: 'GET', url: `${url}${url.includes('?') ? '&' : '?'}after=${head}`, headers: { ...who.auth, ...headers } });
  }
  /** A write that must succeed. */
  async function ok(method: 'POST' | 'PUT', url: string, body: unknown, who: Person, status = 201, headers: Record<string, string> = {}) {
    const res = await send(app, method, url, body, { ...who.auth, ...headers });
    if (res.statusCode !== status) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  }
  /** Refused with problem+json naming the field, and nothing written: neither an event nor a key. */
  async function refused(t: Test, why: string, call: () => Promise<{ statusCode: number; headers: Record<string, unknown>; json(): any }>, status: number, type: string, pointer?: string) {
    const head = await store.headPosition();
    const before = await written(hearth);
    const res = await call();
    t.equal(res.statusCode, status, `${why}: ${status}`);
    t.equal(res.headers['content-type'], problem, `${why}: problem+json`);
    t.match(res.json(), { type: `/problems/${type}`, status, ...(pointer ? { errors: [{ pointer }] } : {}) }, `${why}: ${pointer ? `names ${pointer}` : type}`);
    t.equal(await store.headPosition(), head, `${why}: nothing written`);
    t.same(await written(hearth), before, `${why}: not even the key`);
    return res;
  }
  const buy = (who: Person, body: Record<string, unknown>, headers: Record<string, string> = {}) => ok('POST', vouchers, body, who, 201, headers);
  const pay = (voucherId: string, pence: number, reference = 'BACS GIFT') => ok('POST', `${vouchers}/${voucherId}/payment`, { pence, reference, receivedOn: today }, treasurer, 200);
  const session = (who: Person, body: Record<string, unknown>) => send(app, 'POST', `${vouchers}/sessions`, body, who.auth);
  const one = (learnerId: string, voucherId: string | null, pence: number | null = null) => ({ learnerId, voucherId, pence });

  /**
   * A voucher bought weeks ago, written through the domain as the API would have written it
   * then: the API dates every command today.
   */
  async function pastVoucher(o: {
    giver: string; learner: string; value: VoucherValue; policy: LearningPolicy; bought: number; paid?: number;
    uses?: Array<{ day: number; mentor: string; activity: string; pence: number | null }>; refund?: { day: number; pence: number };
  }) {
    const voucherId = randomUUID();
    const message = await hearth.vault.seal(o.giver, 'With love');
    const bought = { type: 'BuyVoucher' as const, voucherId, networkId, giverId: o.giver, learnerId: o.learner, value: o.value, occasion: 'Birthday', message, policy: o.policy, today: daysAgo(o.bought) };
    await decideAcross(store, { voucher: [voucherStream(voucherId), voucherDecider] }, ({ voucher }) => ({ voucher: voucherDecider.decide(bought, voucher) }), contextFor(o.giver));
    if (o.paid !== undefined) {
      await onVoucher(store, networkId, voucherId, { type: 'RecordPayment', pence: priceOf(o.value), reference: 'CHEQUE', receivedOn: daysAgo(o.paid), recordedBy: treasurer.personId, today: daysAgo(o.paid) }, contextFor(treasurer.personId));
    }
    for (const u of o.uses ?? []) {
      const payment = { networkId, mentorId: u.mentor, activity: u.activity, startsAt: at(daysAgo(u.day), '10:00'), feePence: null, shares: [one(o.learner, voucherId, u.pence)], recordedBy: u.mentor };
      await redeemSession(hearth, payment, daysAgo(u.day), contextFor(u.mentor));
    }
    if (o.refund) await onVoucher(store, networkId, voucherId, { type: 'Refund', pence: o.refund.pence, reason: 'Moved away', recordedBy: treasurer.personId, today: daysAgo(o.refund.day) }, contextFor(treasurer.personId));
    return voucherId;
  }

  const ids = {} as Record<'v1' | 'v2' | 'v3' | 'p1' | 'p2' | 'p3' | 'p4' | 'p5' | 'group', string>;
  const computerSkills: VoucherValue = { kind: 'sessions', activity: 'Computer skills', sessions: 6, pencePerSession: 1_500 };
  const oneMonth = (atExpiry: LearningPolicy['atExpiry']): LearningPolicy => ({ expiryMonths: 1, atExpiry });

  t.test("the network's policy", async (t) => {
    t.same((await get(`${vouchers}/policy`, edna)).json(), { expiryMonths: 24, atExpiry: 'refund-to-giver' }, 'two years, back to the giver, until the network says otherwise');
    await ok('PUT', `${vouchers}/policy`, { expiryMonths: 12, atExpiry: 'learning-fund' }, coordinator, 200);
    t.same((await get(`${vouchers}/policy`, edna)).json(), { expiryMonths: 12, atExpiry: 'learning-fund' });
    await refused(t, 'an expiry of no months', () => send(app, 'PUT', `${vouchers}/policy`, { expiryMonths: 0, atExpiry: 'learning-fund' }, coordinator.auth), 400, 'validation', '/expiryMonths');
  });

  t.test('bought, paid, partly used: the giver sees each session, its date, activity and mentor', async (t) => {
    const bought = await buy(dawn, { learnerId: edna.personId, value: computerSkills, occasion: 'Birthday', message: 'Happy birthday Mum! Love, Dawn' });
    ids.v1 = bought.voucherId;
    t.match(bought, { expiresOn: expiryFrom(today, { expiryMonths: 12, atExpiry: 'learning-fund' }), price: money(9_000) }, "a year, under the network's policy of today");
    let v = (await get(`${vouchers}/${ids.v1}`, dawn)).json();
    t.match(v, { status: 'awaiting-payment', left: money(0), leftSessions: 6, paidOn: null, atExpiry: 'learning-fund', uses: [] }, 'nothing is held until the money arrives');

    await refused(t, 'redeemed before the money arrived', () => session(mo, { startsAt: at(today, '09:00'), activity: 'Computer skills', shares: [one(edna.personId, ids.v1)] }), 409, 'voucher-not-paid', '/shares/0/voucherId');
    await refused(t, 'paid the wrong amount', () => send(app, 'POST', `${vouchers}/${ids.v1}/payment`, { pence: 8_999, reference: 'BACS', receivedOn: today }, treasurer.auth), 422, 'wrong-amount', '/pence');
    await pay(ids.v1, 9_000);

    for (const time of ['09:00', '11:00']) t.equal((await session(mo, { startsAt: at(today, time), activity: 'Computer skills', shares: [one(edna.personId, ids.v1)] })).statusCode, 201);
    v = (await get(`${vouchers}/${ids.v1}`, dawn)).json();
    t.same(v, {
      voucherId: ids.v1,
      giver: { personId: dawn.personId, name: 'Dawn Daughter' },
      learner: { personId: edna.personId, name: 'Edna Firth' },
      value: computerSkills,
      price: money(9_000),
      occasion: 'Birthday',
      message: 'Happy birthday Mum! Love, Dawn',
      boughtOn: today,
      expiresOn: bought.expiresOn,
      atExpiry: 'learning-fund',
      status: 'held',
      paidOn: today,
      left: money(6_000),
      leftSessions: 4,
      used: money(3_000),
      sessionsUsed: 2,
      uses: ['09:00', '11:00'].map((time) => ({ sessionId: v.uses.find((u: any) => u.startsAt === at(today, time))?.sessionId, date: today, startsAt: at(today, time), activity: 'Computer skills', mentor: { personId: mo.personId, name: 'Mo Mentor' }, amount: money(1_500), sessions: 1 })),
      refunds: [],
      payouts: [],
      expiry: null,
    });
    t.equal((await get(`${vouchers}/${ids.v1}`, edna)).statusCode, 200, 'the learner sees it too');
    t.equal((await get(`${vouchers}/${ids.v1}`, coordinator)).statusCode, 200, 'and the coordinator');
    t.match((await get(`${vouchers}/${ids.v1}`, gwen)).json(), { status: 403, type: '/problems/forbidden' }, 'but not another member');
    t.match((await get(`${vouchers}/${ids.v1}`, mo)).json(), { status: 403 }, 'nor the mentor');

    t.same((await get(`${vouchers}?given=me`, dawn)).json().items.map((i: any) => [i.voucherId, i.learner.name, i.sessionsUsed, i.left.pence]), [[ids.v1, 'Edna Firth', 2, 6_000]], "the daughter's gifts");
    t.same((await get(`${vouchers}?learner=me`, edna)).json().items.map((i: any) => [i.voucherId, i.giver.name, i.message]), [[ids.v1, 'Dawn Daughter', 'Happy birthday Mum! Love, Dawn']], "the mother's vouchers");
    t.same((await get(`${vouchers}?given=me`, edna)).json().items, [], 'she gave none');
    const neither = await get(vouchers, dawn);
    t.match(neither.json(), { status: 400, type: '/problems/validation', errors: [{ in: 'querystring', pointer: '/given' }] }, 'given=me or learner=me');
  });

  t.test('a group session paid by two vouchers and one contribution', async (t) => {
    // George is not online: the coordinator gives his gift for him.
    const head = await store.headPosition();
    const pottery: VoucherValue = { kind: 'sessions', activity: 'Pottery', sessions: 2, pencePerSession: 1_500 };
    ids.v2 = (await buy(coordinator, { learnerId: walter, value: pottery, occasion: 'Thank you for the allotment' }, { 'on-behalf-of': george })).voucherId;
    const [event] = (await store.readStream(voucherStream(ids.v2))).filter((e) => e.position > head);
    t.match(event, { type: 'vouchers.VoucherBought', data: { giverId: george, learnerId: walter }, metadata: { actor: coordinator.personId, onBehalfOf: george } }, 'the giver is George; the coordinator did it');
    t.same((await get(`${vouchers}?given=me`, coordinator, { 'on-behalf-of': george })).json().items.map((i: any) => [i.voucherId, i.message]), [[ids.v2, '']], "George's gifts, read for him");
    ids.v3 = (await buy(gwen, { learnerId: edna.personId, value: { kind: 'amount', pence: 5_000 }, occasion: 'Christmas', message: 'Merry Christmas, Edna. Gwen x' })).voucherId;
    await pay(ids.v2, 3_000);
    await pay(ids.v3, 5_000);

    // 50.00 for the pottery class: a session of Walter's voucher (15.00), 20.00 of Edna's, and 15.00 Iris pays herself.
    const fee = { startsAt: at(today, '14:00'), activity: 'Pottery', feePence: 5_000 };
    const shares = [one(walter, ids.v2), one(edna.personId, ids.v3, 2_000), one(iris, null, 1_500)];
    await refused(t, 'shares that do not make up the fee', () => session(pat, { ...fee, feePence: 5_001, shares }), 422, 'shares-do-not-add-up', '/shares');
    await refused(t, 'a contribution of no stated amount', () => session(pat, { ...fee, shares: [shares[0], shares[1], one(iris, null)] }), 422, 'contribution-amount', '/shares/2/pence');
    await refused(t, "another learner's voucher", () => session(pat, { ...fee, shares: [shares[0], one(iris, ids.v3, 2_000), one(iris, null, 1_500)] }), 404, 'voucher-not-found', '/shares/1/voucherId');
    const res = await session(pat, { ...fee, shares });
    t.equal(res.statusCode, 201, res.body);
    ids.group = res.json().sessionId;
    t.match((await store.readStream(`learning-session-${ids.group}`)).map((e) => e.type), ['vouchers.SessionRedemptionStarted', 'vouchers.SessionDelivered'], 'begun, then delivered once both vouchers were drawn on');
    t.match((await store.readStream(`learning-session-${ids.group}`)).slice(1), [
      { type: 'vouchers.SessionDelivered', data: { mentorId: pat.personId, feePence: 5_000, shares: [{ learnerId: walter, voucherId: ids.v2, pence: 1_500 }, { learnerId: edna.personId, voucherId: ids.v3, pence: 2_000 }, { learnerId: iris, voucherId: null, pence: 1_500 }] } },
    ]);
    t.match((await get(`${vouchers}/${ids.v2}`)).json(), { left: money(1_500), leftSessions: 1, uses: [{ sessionId: ids.group, activity: 'Pottery', mentor: { name: 'Pat Potter' }, amount: money(1_500), sessions: 1 }] });
    t.match((await get(`${vouchers}/${ids.v3}`, gwen)).json(), { left: money(3_000), used: money(2_000), uses: [{ sessionId: ids.group, date: today, amount: money(2_000), sessions: 0 }] });
    await refused(t, 'the same session again', () => session(pat, { ...fee, feePence: null, shares: [one(edna.personId, ids.v3, 100)] }), 409, 'session-redeemed', '/startsAt');
  });

  t.test('a sessions voucher used up, then refused', async (t) => {
    t.equal((await session(pat, { startsAt: at(today, '16:00'), activity: 'Pottery', shares: [one(walter, ids.v2)] })).statusCode, 201);
    t.match((await get(`${vouchers}/${ids.v2}`)).json(), { status: 'held', left: money(0), leftSessions: 0, sessionsUsed: 2 });
    await refused(t, 'a third session on a voucher of two', () => session(pat, { startsAt: at(today, '17:00'), activity: 'Pottery', shares: [one(walter, ids.v2)] }), 409, 'nothing-left', '/shares/0/voucherId');
  });

  t.test("a refund before expiry, on the giver's request", async (t) => {
    await refused(t, 'more than is left', () => send(app, 'POST', `${vouchers}/${ids.v3}/refund`, { pence: 3_001, reason: 'Moving to Harrogate' }, treasurer.auth), 422, 'more-than-left', '/pence');
    await refused(t, 'part of a sessions voucher', () => send(app, 'POST', `${vouchers}/${ids.v1}/refund`, { pence: 1_500, reason: 'Too many' }, treasurer.auth), 422, 'whole-sessions-refund', '/pence');
    await ok('POST', `${vouchers}/${ids.v3}/refund`, { pence: 1_000, reason: 'Moving to Harrogate' }, treasurer, 200);
    t.match((await get(`${vouchers}/${ids.v3}`, gwen)).json(), { status: 'held', left: money(2_000), refunds: [{ refundedOn: today, amount: money(1_000), reason: 'Moving to Harrogate' }] });
  });

  // Vouchers from weeks ago. P1: Walter, £50, paid 38 days ago, £20 used 30 days ago, £10
  // refunded 20 days ago. P2 and P3 lasted a month and ran out about 40 days ago: P2, Edna's £40
  // with £15 used, back to its giver; P3, Iris's four watercolour sessions with one used, to the
  // learning fund. P4 never expires. P5 expired unpaid.
  let expiresOn = '';
  t.test('vouchers from weeks ago, expired under both policies', async (t) => {
    ids.p1 = await pastVoucher({ giver: dawn.personId, learner: walter, value: { kind: 'amount', pence: 5_000 }, policy: { expiryMonths: 24, atExpiry: 'refund-to-giver' }, bought: 40, paid: 38, uses: [{ day: 30, mentor: mo.personId, activity: 'Computer skills', pence: 2_000 }], refund: { day: 20, pence: 1_000 } });
    ids.p2 = await pastVoucher({ giver: dawn.personId, learner: edna.personId, value: { kind: 'amount', pence: 4_000 }, policy: oneMonth('refund-to-giver'), bought: 70, paid: 69, uses: [{ day: 60, mentor: mo.personId, activity: 'Computer skills', pence: 1_500 }] });
    ids.p3 = await pastVoucher({ giver: george, learner: iris, value: { kind: 'sessions', activity: 'Watercolours', sessions: 4, pencePerSession: 1_000 }, policy: oneMonth('learning-fund'), bought: 70, paid: 65, uses: [{ day: 50, mentor: mo.personId, activity: 'Watercolours', pence: null }] });
    ids.p4 = await pastVoucher({ giver: dawn.personId, learner: iris, value: { kind: 'amount', pence: 2_000 }, policy: { expiryMonths: null, atExpiry: 'learning-fund' }, bought: 70, paid: 70 });
    ids.p5 = await pastVoucher({ giver: dawn.personId, learner: walter, value: { kind: 'amount', pence: 1_000 }, policy: oneMonth('refund-to-giver'), bought: 70 });
    expiresOn = expiryFrom(daysAgo(70), oneMonth('refund-to-giver'))!;
    t.ok(expiresOn < daysAgo(30) && expiresOn > daysAgo(45), `ran out on ${expiresOn}`);
    await refused(t, 'used after its last day', () => session(mo, { startsAt: at(today, '18:00'), activity: 'Computer skills', shares: [one(edna.personId, ids.p2, 100)] }), 409, 'voucher-expired', '/startsAt');

    const key = randomUUID();
    const expire = () => app.inject({ method: 'POST', url: `${vouchers}/expiry`, headers: { ...treasurer.auth, 'idempotency-key': key } });
    const res = await expire();
    t.equal(res.statusCode, 200, res.body);
    const byId = (list: any[]) => [...list].sort((a, b) => a.voucherId.localeCompare(b.voucherId));
    t.same(
      byId(res.json().expired),
      byId([
        { voucherId: ids.p2, pence: 2_500, sessions: 0, disposition: 'refund-to-giver' },
        { voucherId: ids.p3, pence: 3_000, sessions: 3, disposition: 'learning-fund' },
        { voucherId: ids.p5, pence: 0, sessions: 0, disposition: 'refund-to-giver' },
      ]),
      'what was left of each, where its policy said: the unpaid one with nothing',
    );
    const before = await written(hearth);
    const again = await expire();
    t.equal(again.headers['idempotent-replayed'], 'true');
    t.same(again.json(), res.json(), 'the same key: the first answer');
    t.same(await written(hearth), before, 'and nothing written');
    t.same((await ok('POST', `${vouchers}/expiry`, undefined, treasurer, 200)).expired, [], 'a new run finds nothing left to expire');
    const [expired] = (await store.readStream(voucherStream(ids.p3))).filter((e) => e.type === 'vouchers.VoucherExpired');
    t.match(expired, { data: { expiredOn: today }, metadata: { actor: treasurer.personId, causationId: /^[0-9a-f-]{36}$/ } }, 'each its own command, caused by the request');

    t.match((await get(`${vouchers}/${ids.p3}`, treasurer)).json(), { status: 'expired', left: money(0), leftSessions: 0, expiry: { expiredOn: today, amount: money(3_000), sessions: 3, disposition: 'learning-fund' } });
    t.match((await send(app, 'POST', `${vouchers}/${ids.p2}/refund`, { pence: 100, reason: 'Too late' }, treasurer.auth)).json(), { status: 409, type: '/problems/voucher-closed' }, 'no refund once expired');
  });

  t.test("the treasurer's liability, as at the end of several days", async (t) => {
    const liability = async (asAt: string) => (await get(`${vouchers}/liability?asAt=${asAt}`)).json();
    const learners = (r: any) => r.learners.map((l: any) => [l.learner.name, l.vouchers, l.paid.pence, l.redeemed.pence, l.refunded.pence, l.expired.pence, l.outstanding.pence]);

    let r = await liability(daysAgo(45));
    // Edna: P2 40.00 − 15.00. Iris: P3 40.00 − 10.00, P4 20.00. Walter's P1 not yet paid.
    t.same(learners(r), [['Edna Firth', 1, 4_000, 1_500, 0, 0, 2_500], ['Iris Hebden', 2, 6_000, 1_000, 0, 0, 5_000]]);
    t.same(r.totals, { vouchers: 3, paid: money(10_000), redeemed: money(2_500), refunded: money(0), expired: money(0), outstanding: money(7_500) });
    t.same([r.expired, r.learningFund], [[], money(0)]);

    r = await liability(daysAgo(25));
    t.same(learners(r), [['Edna Firth', 1, 4_000, 1_500, 0, 0, 2_500], ['Iris Hebden', 2, 6_000, 1_000, 0, 0, 5_000], ['Walter Greenwood', 1, 5_000, 2_000, 0, 0, 3_000]], "Walter's P1 less the session 30 days ago");
    t.equal(r.totals.outstanding.pence, 10_500);

    r = await liability(daysAgo(1));
    t.same(r.totals.outstanding, money(9_500), 'yesterday: the refund 20 days ago, and nothing expired yet though P2 and P3 had run out');

    r = await liability(today);
    // Edna: V1 90.00 less two sessions, V3 50.00 less 20.00 used and 10.00 refunded, P2 40.00 less 15.00 and 25.00 expired.
    const edna_ = { paid: 9_000 + 5_000 + 4_000, redeemed: 3_000 + 2_000 + 1_500, refunded: 1_000, expired: 2_500 };
    const iris_ = { paid: 4_000 + 2_000, redeemed: 1_000, refunded: 0, expired: 3_000 };
    // Walter: V2 used up; P1 50.00 less 20.00 used and 10.00 refunded; P5 never paid.
    const walter_ = { paid: 3_000 + 5_000, redeemed: 3_000 + 2_000, refunded: 1_000, expired: 0 };
    const held = (f: typeof edna_) => f.paid - f.redeemed - f.refunded - f.expired;
    t.same(learners(r), [
      ['Edna Firth', 3, edna_.paid, edna_.redeemed, edna_.refunded, edna_.expired, held(edna_)],
      ['Iris Hebden', 2, iris_.paid, iris_.redeemed, 0, iris_.expired, held(iris_)],
      ['Walter Greenwood', 2, walter_.paid, walter_.redeemed, walter_.refunded, 0, held(walter_)],
    ]);
    t.same([held(edna_), held(iris_), held(walter_)], [8_000, 2_000, 2_000], 'the test agrees with itself');
    t.same(r.totals, { vouchers: 7, paid: money(32_000), redeemed: money(12_500), refunded: money(2_000), expired: money(5_500), outstanding: money(12_000) });
    t.same(
      r.expired.map((x: any) => [x.voucherId, x.expiredOn, x.giver.name, x.learner.name, x.amount.pence, x.sessions, x.disposition]).sort(),
      [
        [ids.p2, today, 'Dawn Daughter', 'Edna Firth', 2_500, 0, 'refund-to-giver'],
        [ids.p3, today, 'George Grandad', 'Iris Hebden', 3_000, 3, 'learning-fund'],
        [ids.p5, today, 'Dawn Daughter', 'Walter Greenwood', 0, 0, 'refund-to-giver'],
      ].sort(),
    );
    t.same([r.expiredToGiver, r.expiredToLearningFund, r.learningFund], [money(2_500), money(3_000), money(3_000)]);

    const csv = await get(`${vouchers}/liability?asAt=${today}&format=csv`);
    t.match(csv.headers['content-disposition'], /^attachment; filename="voucher-liability-.*-learners\.csv"/);
    const rows = spreadsheet(t, csv);
    t.same(rows.find((row) => row[0] === 'Total'), ['Total', '', '7', '320.00', '125.00', '20.00', '55.00', '120.00']);
    t.same(rows.find((row) => row[0] === 'Edna Firth')?.slice(2), ['3', '180.00', '65.00', '10.00', '25.00', '80.00']);
    const table = async (name: string) => spreadsheet(t, await get(`${vouchers}/liability?asAt=${today}&format=csv&table=${name}`));
    t.same((await table('summary')).find((row) => row[0] === 'Learning fund balance (£)'), ['Learning fund balance (£)', '30.00']);
    t.equal((await table('expired')).filter((row) => row[6] === 'learning fund').length, 1);
  });

  t.test("a mentor's sessions", async (t) => {
    const sessions = async (who: Person, headers: Record<string, string> = {}) => (await get(`${vouchers}/sessions?mentor=me`, who, headers)).json();
    const mos = await sessions(mo);
    t.same(
      mos.items.map((s: any) => [s.startsAt, s.activity, s.fee.pence, s.shares.map((x: any) => [x.learner.name, x.amount.pence])]),
      [
        [at(daysAgo(60), '10:00'), 'Computer skills', 1_500, [['Edna Firth', 1_500]]],
        [at(daysAgo(50), '10:00'), 'Watercolours', 1_000, [['Iris Hebden', 1_000]]],
        [at(daysAgo(30), '10:00'), 'Computer skills', 2_000, [['Walter Greenwood', 2_000]]],
        [at(today, '09:00'), 'Computer skills', 1_500, [['Edna Firth', 1_500]]],
        [at(today, '11:00'), 'Computer skills', 1_500, [['Edna Firth', 1_500]]],
      ],
      'oldest first, with who each session was for',
    );
    t.same(mos.totals, { sessions: 5, fees: money(7_500), fromVouchers: money(7_500), fromContributions: money(0) });
    const pats = await sessions(pat);
    t.same(
      pats.items.map((s: any) => [s.sessionId === ids.group, s.activity, s.fee.pence, s.shares.map((x: any) => [x.learner.name, x.voucherId, x.amount.pence])]),
      [
        [true, 'Pottery', 5_000, [['Walter Greenwood', ids.v2, 1_500], ['Edna Firth', ids.v3, 2_000], ['Iris Hebden', null, 1_500]]],
        [false, 'Pottery', 1_500, [['Walter Greenwood', ids.v2, 1_500]]],
      ],
    );
    t.same(pats.totals, { sessions: 2, fees: money(6_500), fromVouchers: money(5_000), fromContributions: money(1_500) });
    t.same((await sessions(coordinator, { 'on-behalf-of': pat.personId })).totals, pats.totals, "a coordinator reads a mentor's, on their behalf");
  });

  t.test('the giver erased: the message is unreadable, the figures whole', async (t) => {
    const before = (await get(`${vouchers}/${ids.v3}`, edna)).json();
    t.equal(before.message, 'Merry Christmas, Edna. Gwen x');
    const stored = await sql<{ n: number }>`SELECT count(*)::int AS n FROM vouchers WHERE message LIKE '%Christmas%'`.execute(hearth.database.db);
    t.equal(Number(stored.rows[0]!.n), 0, 'sealed in the read table');
    const events = await sql<{ n: number }>`SELECT count(*)::int AS n FROM events WHERE data::text LIKE '%Merry Christmas%'`.execute(hearth.database.db);
    t.equal(Number(events.rows[0]!.n), 0, 'and in the event');
    const liabilityBefore = (await get(`${vouchers}/liability`)).json();

    await ok('POST', `/api/v1/people/${gwen.personId}/erasure`, { confirm: true }, gwen, 200);
    const after = (await get(`${vouchers}/${ids.v3}`, edna)).json();
    t.same(after, { ...before, giver: { personId: gwen.personId, name: 'erased member' }, message: '(erased)' }, 'everything else as it was');
    t.same((await get(`${vouchers}/liability`)).json(), liabilityBefore, "the treasurer's figures unchanged");
  });

  t.test('bad input is refused, naming the field, and writes nothing', async (t) => {
    const stranger = (await signUp(app, 'Sam Stranger')).personId;
    const amount = (over: Record<string, unknown> = {}) => ({ learnerId: edna.personId, value: { kind: 'amount', pence: 1_000 }, occasion: 'Birthday', message: 'x', ...over });
    const purchases: Array<[string, unknown, number, string, string]> = [
      ['negative pence', amount({ value: { kind: 'amount', pence: -100 } }), 400, 'validation', '/value/pence'],
      ['pence with decimals', amount({ value: { kind: 'amount', pence: 10.5 } }), 400, 'validation', '/value/pence'],
      ['sessions with a price in decimals', amount({ value: { kind: 'sessions', activity: 'Yoga', sessions: 2, pencePerSession: 7.5 } }), 400, 'validation', '/value/pencePerSession'],
      ['an unknown field', amount({ colour: 'blue' }), 400, 'validation', '/colour'],
      ['an unknown learner', amount({ learnerId: stranger }), 422, 'unknown-member', '/learnerId'],
      ['a gift to oneself', amount({ learnerId: dawn.personId }), 422, 'own-voucher', '/learnerId'],
    ];
    for (const [why, body, status, type, pointer] of purchases) await refused(t, why, () => send(app, 'POST', vouchers, body, dawn.auth), status, type, pointer);

    const redeem = (body: Record<string, unknown>, who: Person = mo) => () => session(who, { startsAt: at(today, '19:00'), activity: 'Computer skills', ...body });
    await refused(t, 'more than is left', redeem({ shares: [one(edna.personId, ids.v3, 2_001)] }), 409, 'more-than-left', '/shares/0/pence');
    await refused(t, 'the wrong activity', redeem({ activity: 'Pottery', shares: [one(edna.personId, ids.v1)] }), 422, 'wrong-activity', '/activity');
    await refused(t, 'a learner who is not a member', redeem({ shares: [one(stranger, null, 100)] }), 422, 'unknown-member', '/shares/0/learnerId');
    await refused(t, 'negative pence in a share', redeem({ shares: [one(edna.personId, ids.v3, -5)] }), 400, 'validation', '/shares/0/pence');
    await refused(t, 'a voucher named twice', redeem({ shares: [one(edna.personId, ids.v3, 100), one(edna.personId, ids.v3, 100)] }), 422, 'voucher-twice', '/shares');
    await refused(t, 'an unknown voucher', redeem({ shares: [one(edna.personId, randomUUID(), 100)] }), 404, 'voucher-not-found', '/shares/0/voucherId');
    await refused(t, 'a session in the future', redeem({ startsAt: at(daysAgo(-2), '10:00'), shares: [one(edna.personId, ids.v1)] }), 422, 'date-in-future', '/startsAt');
    await refused(t, 'a coordinator who names no mentor', redeem({ shares: [one(edna.personId, ids.v1)] }, coordinator), 422, 'mentor-required', '/mentorId');
    await refused(t, 'a coordinator naming someone who is not a mentor', redeem({ mentorId: dawn.personId, shares: [one(edna.personId, ids.v1)] }, coordinator), 422, 'not-a-mentor', '/mentorId');
    const head = await store.headPosition();
    t.match((await redeem({ mentorId: pat.personId, shares: [one(edna.personId, ids.v1)] })()).json(), { status: 403, type: '/problems/forbidden' }, 'a mentor does not redeem for another mentor');
    t.equal(await store.headPosition(), head);

    await refused(t, 'a refund of more than is left', () => send(app, 'POST', `${vouchers}/${ids.v1}/refund`, { pence: 6_001, reason: 'x' }, treasurer.auth), 422, 'more-than-left', '/pence');
    await refused(t, 'a refund in decimals', () => send(app, 'POST', `${vouchers}/${ids.v1}/refund`, { pence: 45.5, reason: 'x' }, treasurer.auth), 400, 'validation', '/pence');
    await refused(t, 'money for a voucher that expired unpaid', () => send(app, 'POST', `${vouchers}/${ids.p5}/payment`, { pence: 1_000, reference: 'x', receivedOn: today }, treasurer.auth), 409, 'voucher-closed');
    const unpaid = (await buy(dawn, amount())).voucherId;
    await refused(t, 'a payment dated tomorrow', () => send(app, 'POST', `${vouchers}/${unpaid}/payment`, { pence: 1_000, reference: 'x', receivedOn: daysAgo(-1) }, treasurer.auth), 422, 'date-in-future', '/receivedOn');
    await refused(t, 'a refund before the money arrived', () => send(app, 'POST', `${vouchers}/${unpaid}/refund`, { pence: 1_000, reason: 'x' }, treasurer.auth), 409, 'voucher-not-paid');
  });

  t.test('a voucher is found only in its own network', async (t) => {
    const elsewhere = (await send(app, 'POST', '/api/v1/networks', { name: 'Bradford Learners', kind: 'neighbourhood_network' }, treasurer.auth)).json().networkId as string;
    await send(app, 'PUT', `/api/v1/networks/${elsewhere}/members/${treasurer.personId}/roles`, { roles: ['coordinator', 'treasurer'], reason: 'founder keeps the books' }, treasurer.auth);
    const other = `/api/v1/networks/${elsewhere}/vouchers/${ids.v1}`;
    t.match((await get(other)).json(), { status: 404, type: '/problems/voucher-not-found' }, 'not read through another network');
    await refused(t, "paid by another network's treasurer", () => send(app, 'POST', `${other}/payment`, { pence: 9_000, reference: 'x', receivedOn: today }, treasurer.auth), 404, 'voucher-not-found');
    await refused(t, 'nor refunded', () => send(app, 'POST', `${other}/refund`, { pence: 100, reason: 'x' }, treasurer.auth), 404, 'voucher-not-found');
  });

  t.test('the same Idempotency-Key twice writes once', async (t) => {
    const key = randomUUID();
    const body = { learnerId: walter, value: { kind: 'amount', pence: 2_500 }, occasion: 'Get well soon', message: 'From Dawn' };
    const give = (b: unknown = body) => app.inject({ method: 'POST', url: vouchers, headers: { ...dawn.auth, 'content-type': 'application/json', 'idempotency-key': key }, payload: JSON.stringify(b) });
    const head = await store.headPosition();
    const first = await give();
    t.equal(first.statusCode, 201);
    t.equal(await store.headPosition(), head + 1, 'one event');
    const second = await give();
    t.equal(second.headers['idempotent-replayed'], 'true');
    t.same(second.json(), first.json(), 'the first answer, the same voucher');
    t.equal(await store.headPosition(), head + 1, 'nothing more written');
    t.match((await give({ ...body, occasion: 'Another' })).json(), { status: 409, type: '/problems/idempotency-key-reused' });

    const sessionKey = randomUUID();
    const redeem = () => app.inject({ method: 'POST', url: `${vouchers}/sessions`, headers: { ...mo.auth, 'content-type': 'application/json', 'idempotency-key': sessionKey }, payload: JSON.stringify({ startsAt: at(today, '20:00'), activity: 'Computer skills', shares: [one(edna.personId, ids.v1)] }) });
    const r1 = await redeem();
    t.equal(r1.statusCode, 201, r1.body);
    const afterFirst = await store.headPosition();
    const r2 = await redeem();
    t.same([r2.statusCode, r2.json()], [201, r1.json()], 'a redemption retried is the first answer');
    t.equal(await store.headPosition(), afterFirst);
    t.match((await get(`${vouchers}/${ids.v1}`, dawn)).json(), { leftSessions: 3, sessionsUsed: 3 }, 'one session, not two');
  });

  t.test("If-Match on a voucher: a stale ETag is refused with 412 and writes nothing", async (t) => {
    const given = await send(app, 'POST', vouchers, { learnerId: walter, value: { kind: 'amount', pence: 3_000 }, occasion: 'Get well soon', message: '' }, dawn.auth);
    t.equal(given.headers.etag, '"0"', 'a voucher given answers with its ETag');
    const { voucherId } = given.json();
    const read = await get(`${vouchers}/${voucherId}`, treasurer);
    t.equal(read.headers.etag, '"0"', 'so does a read of it');
    const payment = (etag: string) => () => send(app, 'POST', `${vouchers}/${voucherId}/payment`, { pence: 3_000, reference: 'BACS', receivedOn: today }, { ...treasurer.auth, 'if-match': etag });
    const stale = await refused(t, 'a payment against an old ETag', payment('"7"'), 412, 'precondition-failed');
    t.equal(stale.headers.etag, '"0"', 'the refusal says where the voucher is now');
    const paid = await payment('"0"')();
    t.same([paid.statusCode, paid.headers.etag], [200, '"1"'], 'against the ETag read, paid; the new ETag answered');
    t.equal((await get(`${vouchers}/${voucherId}`, treasurer)).headers.etag, '"1"');

    const redeemAt = (etag: string, time: string) => () =>
      send(app, 'POST', `${vouchers}/sessions`, { startsAt: at(today, time), activity: 'Computer skills', shares: [one(walter, voucherId, 500)] }, { ...mo.auth, 'if-match': etag });
    await refused(t, 'a redemption against an old ETag', redeemAt('"0"', '06:00'), 412, 'precondition-failed');
    const used = await redeemAt('"1"', '06:00')();
    t.same([used.statusCode, used.headers.etag], [201, '"2"'], "redeemed; the answer carries the voucher's ETag");
    await refused(t, 'a refund against an old ETag', () => send(app, 'POST', `${vouchers}/${voucherId}/refund`, { pence: 100, reason: 'Moved' }, { ...treasurer.auth, 'if-match': '"1"' }), 412, 'precondition-failed');
    await refused(t, 'an If-Match that is no ETag', () => send(app, 'POST', `${vouchers}/${voucherId}/refund`, { pence: 100, reason: 'Moved' }, { ...treasurer.auth, 'if-match': 'yesterday' }), 400, 'validation', '/if-match');
    t.equal((await send(app, 'POST', `${vouchers}/${voucherId}/refund`, { pence: 100, reason: 'Moved' }, { ...treasurer.auth, 'if-match': '"2"' })).statusCode, 200, 'against the ETag now, refunded');

    const policy = await get(`${vouchers}/policy`, coordinator);
    await refused(t, 'a policy set against an old ETag', () => send(app, 'PUT', `${vouchers}/policy`, { expiryMonths: 6, atExpiry: 'learning-fund' }, { ...coordinator.auth, 'if-match': '"99"' }), 412, 'precondition-failed');
    t.equal((await send(app, 'PUT', `${vouchers}/policy`, { expiryMonths: 12, atExpiry: 'learning-fund' }, { ...coordinator.auth, 'if-match': String(policy.headers.etag) })).statusCode, 200, 'against its ETag, set');
  });

  t.test('the read tables rebuilt from the events are the tables as kept', async (t) => {
    t.ok(await hearth.engine.waitFor(['vouchers'], await store.headPosition(), 10_000));
    const compared = await hearth.engine.compare('vouchers');
    t.same(compared.differences, [], 'every voucher table, row for row');
    t.ok(compared.events > 30, `over ${compared.events} events`);
  });
});
