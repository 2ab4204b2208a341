// Notifications at the decider and application level, on PGlite: a person's choice of what they
// are emailed, and what waits for them in each network and role; and the outbox the projection
// fills from the events that owe someone a notification, once each, never to the person who did it.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import type { Caller } from '../src/access/caller.ts';
import { fixedClock } from '../src/clock.ts';
import { openHearth } from '../src/hearth.ts';
import { buildApp } from '../src/http/app.ts';
import * as coop from '../src/coop/app.ts';
import * as pools from '../src/pools/app.ts';
import { logExchange, confirmExchange } from '../src/timebank/app.ts';
import * as notify from '../src/notify/app.ts';
import { choiceDecider, notificationKinds } from '../src/notify/choices.ts';
import { freshPglite } from './support/db.ts';
import { specFor } from './support/given.ts';
import { PreconditionFailed } from '../src/commands/decide.ts';
import { quietLog, testConfig } from './support/hearth.ts';
import { send, signUp } from './support/http.ts';
import { enrol } from './support/timebank.ts';
import { careCoopRules } from './support/coop.ts';

const personId = randomUUID();

t.test('choosing: a choice replaces the one before; choosing the same again writes nothing', async (t) => {
  const given = specFor(choiceDecider);
  given([]).when({ type: 'ChooseNotifications', personId, kinds: ['voucher-used', 'exchange-to-confirm'] }).then(t, [{ type: 'notify.NotificationsChosen', data: { personId, kinds: ['exchange-to-confirm', 'voucher-used'] } }], 'kept in Hearth\'s order');
  given([]).when({ type: 'ChooseNotifications', personId, kinds: [...notificationKinds] }).then(t, [{ type: 'notify.NotificationsChosen', data: { personId, kinds: [...notificationKinds] } }], 'the first choice is recorded, even of everything');
  const chosen = { type: 'notify.NotificationsChosen' as const, data: { personId, kinds: ['ballot-opened' as const] } };
  given([chosen]).when({ type: 'ChooseNotifications', personId, kinds: ['ballot-opened', 'ballot-opened'] }).then(t, [], 'the same again');
  given([chosen]).when({ type: 'ChooseNotifications', personId, kinds: [] }).then(t, [{ type: 'notify.NotificationsChosen', data: { personId, kinds: [] } }], 'nothing at all');
});

const clock = fixedClock('2026-06-01T10:00:00.000Z');
const hearth = await openHearth(testConfig({ PROJECTION_POLL_MS: '20', READ_WAIT_MS: '5000' }), quietLog, { database: await freshPglite(), clock });
await hearth.engine.start();
const app = await buildApp(hearth);
t.teardown(async () => {
  await app.close();
  await hearth.close();
});
const as = (personId: string, more: Partial<Caller> = {}): Caller => ({ personId, onBehalfOf: null, commandId: randomUUID(), correlationId: randomUUID(), ...more });
const caughtUp = async () => t.ok(await hearth.engine.waitFor(hearth.engine.projections.map((p) => p.name), await hearth.store.headPosition(), 10_000));
const outbox = async () => hearth.database.db.selectFrom('notification_outbox').select(['recipient_id', 'kind', 'subject_id', 'due_at']).orderBy('position').orderBy('kind').execute();

const cath = await signUp(app, 'Cath Coordinator');
const open = async (name: string, kind: string) => (await send(app, 'POST', '/api/v1/networks', { name, kind }, cath.auth)).json().networkId as string;
/** Someone a coordinator records as a member, in these roles: no account is needed to be waited for. */
const member = async (networkId: string, role?: 'treasurer' | 'board') => ({ personId: await enrol(hearth, networkId, randomUUID(), role ? ['member', role] : ['member']) });
const timeBank = await open('Leeds Time Bank', 'time_bank');
const ann = await member(timeBank);
const bob = await member(timeBank);

t.test('choices through the application: all on until chosen, then as chosen, for oneself only', async (t) => {
  t.same(await notify.notificationChoices(hearth, as(ann.personId)), { kinds: [...notificationKinds], chosen: false, revision: -1 });
  await notify.chooseNotifications(hearth, as(ann.personId), { kinds: ['ballot-opened'] });
  t.match(await notify.notificationChoices(hearth, as(ann.personId)), { kinds: ['ballot-opened'], chosen: true, revision: 0 });
  const head = await hearth.store.headPosition();
  await notify.chooseNotifications(hearth, as(ann.personId), { kinds: ['ballot-opened'] });
  t.equal(await hearth.store.headPosition(), head, 'the same choice again writes nothing');
  await t.rejects(notify.chooseNotifications(hearth, as(ann.personId, { ifMatch: 7 }), { kinds: [] }), PreconditionFailed, 'a stale If-Match is refused');
  await notify.chooseNotifications(hearth, as(cath.personId, { onBehalfOf: ann.personId }), { kinds: [] });
  t.match(await notify.notificationChoices(hearth, as(ann.personId)), { kinds: ['ballot-opened'] }, 'acting for someone chooses nothing for them');
  t.same((await notify.notificationChoices(hearth, as(cath.personId))).kinds, [], 'it chose for the one acting');
});

t.test('an exchange waits for the other party, and the outbox owes them one notification', async (t) => {
  const { exchangeId } = await logExchange(hearth, as(ann.personId), { networkId: timeBank, providerId: ann.personId, receiverId: bob.personId, minutes: 60, category: 'shopping', description: 'Weekly shop', occurredOn: '2026-05-30' });
  await caughtUp();
  t.same(await notify.waitingFor(hearth, as(bob.personId)), [{ kind: 'exchanges-to-confirm', networkId: timeBank, networkName: 'Leeds Time Bank', count: 1, href: `/networks/${timeBank}/time` }]);
  t.same(await notify.waitingFor(hearth, as(ann.personId)), [], 'not for whoever logged it');
  t.same((await outbox()).filter((r) => r.kind === 'exchange-to-confirm').map((r) => [r.recipient_id, r.subject_id]), [[bob.personId, exchangeId]], 'one notification, to Bob');
  await confirmExchange(hearth, as(bob.personId), { networkId: timeBank, exchangeId });
  await caughtUp();
  t.same(await notify.waitingFor(hearth, as(bob.personId)), [], 'confirmed: nothing waits');
});

t.test('a request to join waits for the coordinators', async (t) => {
  const carl = await signUp(app, 'Carl Clough');
  await send(app, 'POST', `/api/v1/networks/${timeBank}/join-requests`, undefined, carl.auth);
  await caughtUp();
  t.match(await notify.waitingFor(hearth, as(cath.personId)), [{ kind: 'join-requests', networkId: timeBank, count: 1, href: `/networks/${timeBank}/coordinate` }]);
  t.same(await notify.waitingFor(hearth, as(ann.personId)), [], 'not for a member');
});

t.test('a payment waits for the approvers, but not for whoever submitted it or benefits from it', async (t) => {
  const armley = await open('Armley Good Neighbours', 'neighbourhood_network');
  const tess = await member(armley, 'treasurer');
  const bert = await member(armley, 'board');
  const edna = await member(armley, 'treasurer');
  const { poolId } = await pools.openPool(hearth, as(cath.personId), { networkId: armley, name: 'Lunch club', twoApproversAbovePence: 20_000 });
  await pools.receiveMoney(hearth, as(tess.personId), { networkId: armley, poolId, source: 'contribution', holderId: edna.personId, pence: 50_000, reference: 'DP May', receivedOn: '2026-05-01' });
  const { paymentId } = await pools.submitPaymentFor(hearth, as(tess.personId), {
    networkId: armley, poolId, payee: 'Kirkstall Kitchen CIC', purpose: 'Lunches', invoiceReference: 'INV-7', pence: 6_000, beneficiaries: [{ holderId: edna.personId, pence: 6_000 }], submittedOn: '2026-06-01',
  });
  await caughtUp();
  t.same(await notify.waitingFor(hearth, as(bert.personId)), [{ kind: 'payments-to-approve', networkId: armley, networkName: 'Armley Good Neighbours', count: 1, href: `/networks/${armley}/pools/${poolId}/payments/${paymentId}` }]);
  t.same(await notify.waitingFor(hearth, as(tess.personId)), [], 'not whoever submitted it');
  t.same(await notify.waitingFor(hearth, as(edna.personId)), [], 'nor whoever benefits from it');
  t.same((await outbox()).filter((r) => r.kind === 'payment-to-approve').map((r) => r.recipient_id), [bert.personId], 'the outbox owes Bert alone');
});

t.test('an open ballot waits for each elector until they vote, with when it closes', async (t) => {
  const chapeltown = await open('Chapeltown Care Co-op', 'co_operative');
  const board = await member(chapeltown, 'board');
  const dot = await member(chapeltown);
  const eli = await member(chapeltown);
  await coop.foundCoop(hearth, as(cath.personId), { networkId: chapeltown, name: 'Chapeltown Care Co-op', rules: { ...careCoopRules, minHoldingPence: 0 }, foundedOn: '2026-05-01' });
  for (const p of [board, dot, eli]) {
    const { applicationId } = await coop.applyForShares(hearth, as(p.personId), { networkId: chapeltown, memberClass: 'workers', pence: 0 });
    await coop.issueShares(hearth, as(board.personId), { networkId: chapeltown, applicationId, issuedOn: '2026-06-01' });
  }
  const closesAt = '2026-06-05T17:00:00.000Z';
  const { proposalId } = await coop.propose(hearth, as(dot.personId), {
    networkId: chapeltown,
    terms: { title: 'A minibus', pence: 1_000, payee: 'Leeds Community Transport', purpose: 'Outings', source: { kind: 'funds' }, closesAt, quorumPercent: 50, thresholdPercent: 50, secret: false, hideResultsUntilClose: false },
  });
  await coop.openVote(hearth, as(board.personId), { networkId: chapeltown, proposalId });
  await coop.castVote(hearth, as(dot.personId), { networkId: chapeltown, proposalId, choice: 'for' });
  await caughtUp();
  t.same(await notify.waitingFor(hearth, as(eli.personId)), [{ kind: 'open-ballots', networkId: chapeltown, networkName: 'Chapeltown Care Co-op', count: 1, href: `/networks/${chapeltown}/coop/proposals/${proposalId}/vote`, closesAt }]);
  t.same(await notify.waitingFor(hearth, as(dot.personId)), [], 'not once voted');
  const owed = (await outbox()).filter((r) => r.subject_id === proposalId && r.recipient_id === eli.personId);
  t.same(owed.map((r) => [r.kind, new Date(r.due_at).toISOString()]), [['ballot-closing', '2026-06-04T17:00:00.000Z'], ['ballot-opened', clock.now().toISOString()]], 'told when it opens, and reminded a day before it closes');
  t.equal((await outbox()).filter((r) => r.subject_id === proposalId && r.kind === 'ballot-opened').length, 3, 'every elector is told');
});

t.test('the outbox rebuilt holds the same notifications under the same ids', async (t) => {
  const before = await hearth.database.db.selectFrom('notification_outbox').selectAll().orderBy('notification_id').execute();
  await hearth.engine.rebuild('notifications');
  const after = await hearth.database.db.selectFrom('notification_outbox').selectAll().orderBy('notification_id').execute();
  t.same(after, before);
});
