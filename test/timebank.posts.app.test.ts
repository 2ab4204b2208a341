// Offers and requests at the application level, on PGlite: who may post, change and see a post,
// sharing with partner time banks, the search, safeguarding, and posts closing when their owner
// leaves or is erased.
import t, { type Test } from 'tap';
import { randomUUID } from 'node:crypto';
import { openHearth } from '../src/hearth.ts';
import { fixedClock } from '../src/clock.ts';
import { defineCategory } from '../src/timebank/app.ts';
import { PreconditionFailed } from '../src/commands/decide.ts';
import { endPartnership } from '../src/networks/partnership-app.ts';
import { erasePerson, leaveNetwork } from '../src/access/app.ts';
import * as posts from '../src/timebank/posts-app.ts';
import { answerPost, withdrawAnswer } from '../src/timebank/answers-app.ts';
import { ERASED_TEXT } from '../src/access/vault.ts';
import { backends } from './support/db.ts';
import type { Hearth } from '../src/hearth.ts';
import { caughtUp, quietLog, testConfig } from './support/hearth.ts';
import { refused } from './support/given.ts';
import { callerFor, enrol, flagForSafeguarding, openNetwork, partner, recordDbs } from './support/timebank.ts';
import { whole } from '../src/db/keyset.ts';

const clock = fixedClock('2026-12-04T10:00:00Z');
// PGlite always, and PostgreSQL when its server answers: the search is PostgreSQL's full-text search on both.
let hearth: Hearth;
// Every projection, not a list kept by hand: the unanswered requests read the answers' table too.
const settled = () => caughtUp(hearth);

async function timebank(name: string, policy = false) {
  const coordinator = randomUUID();
  const networkId = await openNetwork(hearth, name, coordinator, policy);
  for (const category of ['gardening', 'shopping', 'befriending']) await defineCategory(hearth, callerFor(coordinator), { networkId, category, ratePercent: 100 });
  return { networkId, coordinator, member: () => enrol(hearth, networkId, randomUUID()) };
}

const details = (over: Partial<posts.PostInput> = {}): posts.PostInput => ({
  title: 'Help in the garden',
  description: 'I can weed and mow; I live near the park.',
  category: 'gardening',
  tags: ['weeding'],
  area: 'LS12',
  suits: { note: 'weekday mornings', weekdays: ['monday'] },
  neededBy: null,
  sharedWith: [],
  ...over,
});
const titles = (page: { items: Array<{ title: string }> }) => page.items.map((p) => p.title);

function suite(t: Test) {
  t.test('posting, changing, pausing, renewing and closing: the owner or a coordinator', async (t) => {
    const bank = await timebank('Armley Time Bank');
    const [ann, bob] = [await bank.member(), await bank.member()];
    const { networkId } = bank;
    const { postId, revision } = await posts.publishPost(hearth, callerFor(ann), { networkId, kind: 'offer', details: details() });
    t.equal(revision, 0);
    t.equal(await refused(posts.publishPost(hearth, callerFor(ann), { networkId, kind: 'offer', details: details({ category: 'juggling' }) })), 'unknown-category');
    t.equal(await refused(posts.publishPost(hearth, callerFor(randomUUID()), { networkId, kind: 'offer', details: details() })), 'forbidden', 'a stranger posts nothing');
    const brokered = await posts.publishPost(hearth, callerFor(bank.coordinator, { onBehalfOf: bob }), { networkId, kind: 'request', details: details({ title: 'A lift to the surgery', category: 'befriending', neededBy: '2026-12-20' }) });

    t.equal(await refused(posts.editPost(hearth, callerFor(bob), { networkId, postId, details: details({ title: 'Mine now' }) })), 'not-post-owner', 'another member may not change it');
    await posts.editPost(hearth, callerFor(bank.coordinator), { networkId, postId, details: details({ title: 'Weeding and mowing' }) });
    await t.rejects(posts.editPost(hearth, callerFor(ann, { ifMatch: 0 }), { networkId, postId, details: details({ title: 'Old' }) }), PreconditionFailed, 'a change made on an old copy fails');
    await posts.pausePost(hearth, callerFor(ann), { networkId, postId });
    await settled();
    t.same(titles(await posts.findPosts(hearth, callerFor(bob), { networkId, limit: 10 })), ['A lift to the surgery'], 'a paused post is not found');
    t.equal((await posts.myPosts(hearth, callerFor(ann), { networkId, page: whole })).items[0]?.status, 'paused', 'but its owner sees it among theirs');
    await posts.renewPost(hearth, callerFor(ann), { networkId, postId });
    await settled();
    t.same(titles(await posts.findPosts(hearth, callerFor(bob), { networkId, limit: 10 })), ['A lift to the surgery', 'Weeding and mowing'], 'newest first');
    const read = await posts.readPost(hearth, callerFor(bob), { networkId, postId });
    t.equal(read.description, 'I can weed and mow; I live near the park.', 'the description is opened for a member who may see it');
    t.equal(read.mayChange, false);
    t.equal((await posts.myPosts(hearth, callerFor(bank.coordinator, { onBehalfOf: bob }), { networkId, page: whole })).items[0]?.postId, brokered.postId, "a coordinator sees a member's posts acting for them");
    t.equal(await refused(posts.closePost(hearth, callerFor(bob), { networkId, postId })), 'not-post-owner');
    await posts.closePost(hearth, callerFor(ann), { networkId, postId });
    t.equal(await refused(posts.editPost(hearth, callerFor(ann), { networkId, postId, details: details({ title: 'Again' }) })), 'post-closed');
    await settled();
    t.equal(await refused(posts.readPost(hearth, callerFor(bob), { networkId, postId })), 'post-not-found', 'a closed post is not shown to others');
  });

  t.test('finding by text, category, tag, area and kind, a page at a time', async (t) => {
    const bank = await timebank('Bramley Time Bank');
    const ann = await bank.member();
    const { networkId } = bank;
    const put = (kind: 'offer' | 'request', over: Partial<posts.PostInput>) => posts.publishPost(hearth, callerFor(ann), { networkId, kind, details: details(over) });
    await put('offer', { title: 'Mowing lawns', tags: ['lawn', 'mowing'], area: 'LS13' });
    await put('offer', { title: 'Weekly shop for a neighbour', category: 'shopping', tags: ['groceries'], area: 'Bramley' });
    await put('request', { title: 'Someone to chat with', category: 'befriending', tags: ['company'], area: 'Bramley' });
    await settled();
    const find = (q: Partial<posts.PostQuery>) => posts.findPosts(hearth, callerFor(ann), { networkId, limit: 10, ...q }).then(titles);
    t.same(await find({ text: 'mow' }), ['Mowing lawns'], 'words are matched by their stem');
    t.same(await find({ text: 'groceries' }), ['Weekly shop for a neighbour'], 'tags are searched');
    t.same(await find({ text: 'near the park' }), [], 'the sealed description never is');
    t.same(await find({ category: 'befriending' }), ['Someone to chat with']);
    t.same(await find({ tag: 'Lawn' }), ['Mowing lawns']);
    t.same(await find({ area: 'bramley' }), ['Someone to chat with', 'Weekly shop for a neighbour']);
    t.same(await find({ kind: 'request' }), ['Someone to chat with']);
    const first = await posts.findPosts(hearth, callerFor(ann), { networkId, limit: 2 });
    t.same(titles(first), ['Someone to chat with', 'Weekly shop for a neighbour']);
    t.ok(first.next);
    const second = await posts.findPosts(hearth, callerFor(ann), { networkId, limit: 2, before: first.next! });
    t.same(titles(second), ['Mowing lawns']);
    t.equal(second.next, null);
  });

  t.test('shared with a partner time bank: found there while the partnership lasts', async (t) => {
    const armley = await timebank('Armley');
    const wortley = await timebank('Wortley');
    const farsley = await timebank('Farsley');
    await partner(hearth, armley, wortley);
    const [ann, wes, fay] = [await armley.member(), await wortley.member(), await farsley.member()];
    t.equal(await refused(posts.publishPost(hearth, callerFor(ann), { networkId: armley.networkId, kind: 'offer', details: details({ sharedWith: [farsley.networkId] }) })), 'not-a-partner');
    const { postId } = await posts.publishPost(hearth, callerFor(ann), { networkId: armley.networkId, kind: 'offer', details: details({ title: 'Shared help', sharedWith: [wortley.networkId] }) });
    await settled();
    const there = await posts.findPosts(hearth, callerFor(wes), { networkId: wortley.networkId, limit: 10 });
    t.same(titles(there), ['Shared help']);
    t.equal(there.items[0]?.fromNetwork, 'Armley', 'with the time bank it comes from');
    t.equal((await posts.readPost(hearth, callerFor(wes), { networkId: wortley.networkId, postId })).title, 'Shared help');
    t.same(titles(await posts.findPosts(hearth, callerFor(fay), { networkId: farsley.networkId, limit: 10 })), [], 'not in a time bank it was not shared with');
    t.equal(await refused(posts.readPost(hearth, callerFor(fay), { networkId: farsley.networkId, postId })), 'post-not-found');
    await endPartnership(hearth, callerFor(wortley.coordinator), { networkId: wortley.networkId, partnerNetworkId: armley.networkId, reason: 'Pilot ended' });
    await settled();
    t.same(titles(await posts.findPosts(hearth, callerFor(wes), { networkId: wortley.networkId, limit: 10 })), [], 'nor once the partnership ends');
  });

  t.test('safeguarding: posts of a member who needs it are shown only to those with a current DBS check', async (t) => {
    const bank = await timebank('Pudsey Time Bank', true);
    const [iris, bob, dee] = [await bank.member(), await bank.member(), await bank.member()];
    const { networkId } = bank;
    await flagForSafeguarding(hearth, iris);
    await recordDbs(hearth, networkId, dee, '2027-06-01');
    const { postId } = await posts.publishPost(hearth, callerFor(iris), { networkId, kind: 'request', details: details({ title: 'Help with shopping', category: 'shopping' }) });
    await posts.publishPost(hearth, callerFor(bob), { networkId, kind: 'offer', details: details({ title: 'Bob offers' }) });
    await settled();
    const seen = async (who: string, over = {}) => titles(await posts.findPosts(hearth, callerFor(who, over), { networkId, limit: 10 }));
    t.same(await seen(bob), ['Bob offers'], 'a member without a check does not find it, and nothing says one is hidden');
    t.equal(await refused(posts.readPost(hearth, callerFor(bob), { networkId, postId })), 'post-not-found', 'nor reads it');
    t.same(await seen(dee), ['Bob offers', 'Help with shopping'], 'a member with a current check does');
    t.same(await seen(bank.coordinator), ['Bob offers', 'Help with shopping'], 'a coordinator does');
    t.same(await seen(iris), ['Bob offers', 'Help with shopping'], 'the owner does');
    t.same(await seen(bank.coordinator, { onBehalfOf: bob }), ['Bob offers'], 'a coordinator acting for a member sees what the member sees');
    const found = (await posts.findPosts(hearth, callerFor(dee), { networkId, limit: 10 })).items.find((p) => p.postId === postId)!;
    t.notOk(JSON.stringify(found).includes('afeguard'), 'no result names who needs safeguarding');
    clock.set('2027-06-02T10:00:00Z');
    t.same(await seen(dee), ['Bob offers'], 'an expired check is no check');
    clock.set('2026-12-04T10:00:00Z');
  });

  t.test("a member's posts close when they leave or are erased, and the catch-up closes any left open", async (t) => {
    const bank = await timebank('Leeds Time Bank');
    const [ann, bob, cal] = [await bank.member(), await bank.member(), await bank.member()];
    const { networkId } = bank;
    const { postId } = await posts.publishPost(hearth, callerFor(ann), { networkId, kind: 'offer', details: details({ title: 'Ann offers' }) });
    const paused = await posts.publishPost(hearth, callerFor(ann), { networkId, kind: 'offer', details: details({ title: 'Ann paused' }) });
    await posts.pausePost(hearth, callerFor(ann), { networkId, postId: paused.postId });
    const bobs = await posts.publishPost(hearth, callerFor(bob), { networkId, kind: 'request', details: details({ title: 'Bob asks' }) });
    await posts.publishPost(hearth, callerFor(cal), { networkId, kind: 'offer', details: details({ title: 'Cal offers' }) });
    await settled();

    t.equal(await refused(leaveNetwork(hearth, callerFor(bob), { networkId, personId: ann })), 'coordinators-only', 'a member does not make another leave');
    await leaveNetwork(hearth, callerFor(ann), { networkId, personId: ann });
    await settled();
    t.equal(await refused(posts.findPosts(hearth, callerFor(ann), { networkId, limit: 10 })), 'forbidden', 'a member who left has no access');
    const rows = await hearth.database.db.selectFrom('timebank_posts').select(['post_id', 'status']).where('owner_id', '=', ann).execute();
    t.same(rows.map((r) => r.status).sort(), ['closed', 'closed'], 'open and paused posts close');
    t.ok(rows.some((r) => r.post_id === postId));

    // Erased: their posts close, and the description is unreadable.
    await erasePerson(hearth, callerFor(bob), { personId: bob });
    await settled();
    const bobsRow = await hearth.database.db.selectFrom('timebank_posts').select(['status', 'description']).where('post_id', '=', bobs.postId).executeTakeFirstOrThrow();
    t.equal(bobsRow.status, 'closed');
    t.equal(await hearth.vault.openText(bobsRow.description), ERASED_TEXT, 'the description is crypto-shredded');

    // A crash between the leaving and the closing: the membership says left, the post is open.
    await leaveNetworkWithoutClosing(networkId, cal);
    await settled();
    t.equal(await posts.closePostsOfDeparted(hearth), 1, 'the catch-up finds the post');
    await settled();
    t.equal(await posts.closePostsOfDeparted(hearth), 0, 'and then nothing');
  });

  async function leaveNetworkWithoutClosing(networkId: string, personId: string) {
    const { decideAcross } = await import('../src/commands/decide.ts');
    const { membershipDecider, membershipStream } = await import('../src/access/membership.ts');
    const { contextOf } = await import('../src/access/caller.ts');
    await decideAcross(
      hearth.store,
      { m: [membershipStream(networkId, personId), membershipDecider] as const },
      (s) => ({ m: membershipDecider.decide({ type: 'LeaveNetwork', networkId, personId, leftBy: personId, now: clock.now().toISOString() }, s.m) }),
      contextOf(hearth, callerFor(personId)),
    );
  }

  t.test('coordinators see requests nobody has answered for some days', async (t) => {
    const bank = await timebank('Headingley Time Bank');
    const ann = await bank.member();
    const { networkId } = bank;
    await posts.publishPost(hearth, callerFor(ann), { networkId, kind: 'request', details: details({ title: 'Old request' }) });
    await posts.publishPost(hearth, callerFor(ann), { networkId, kind: 'offer', details: details({ title: 'Old offer' }) });
    const answered = await posts.publishPost(hearth, callerFor(ann), { networkId, kind: 'request', details: details({ title: 'Answered request' }) });
    const withdrawn = await posts.publishPost(hearth, callerFor(ann), { networkId, kind: 'request', details: details({ title: 'Request whose answer was withdrawn' }) });
    const bob = await bank.member();
    await answerPost(hearth, callerFor(bob), { networkId, postId: answered.postId, message: 'I can help' });
    const { answerId } = await answerPost(hearth, callerFor(bob), { networkId, postId: withdrawn.postId, message: 'I can help' });
    await withdrawAnswer(hearth, callerFor(bob), { networkId, answerId });
    clock.set('2026-12-14T10:00:00Z');
    await posts.publishPost(hearth, callerFor(ann), { networkId, kind: 'request', details: details({ title: 'New request' }) });
    await settled();
    t.same((await posts.unansweredRequests(hearth, callerFor(bank.coordinator), { networkId, days: 7, page: whole })).items.map((p) => p.title), ['Old request', 'Request whose answer was withdrawn'], 'a request with an answer waiting is not unanswered');
    t.same((await posts.unansweredRequests(hearth, callerFor(bank.coordinator), { networkId, days: 0, page: whole })).items.map((p) => p.title), ['Old request', 'Request whose answer was withdrawn', 'New request']);
    t.equal(await refused(posts.unansweredRequests(hearth, callerFor(ann), { networkId, days: 7, page: whole })), 'forbidden', 'coordinators only');
    clock.set('2026-12-04T10:00:00Z');
  });
}

for (const backend of await backends()) {
  t.test(backend.name, async (t) => {
    hearth = await openHearth(testConfig(), quietLog, { database: await backend.open(), clock });
    await hearth.engine.start();
    t.teardown(() => hearth.close());
    suite(t);
  });
}
