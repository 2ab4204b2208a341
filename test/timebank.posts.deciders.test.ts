import t from 'tap';
import { mayView, partiesOf, postDecider, POST_OPEN_DAYS, addDays, type PostCommand, type PostDetails, type PostEvent, type PostRules } from '../src/timebank/post.ts';
import { membershipDecider, type MembershipEvent } from '../src/access/membership.ts';
import { fold } from '../src/commands/decider.ts';
import { specFor, uid } from './support/given.ts';

const networkId = uid(0xa1);
const partner = uid(0xa2);
const stranger = uid(0xa3);
const postId = uid(0xf1);
const ann = uid(0xb1);
const bob = uid(0xb2);
const cath = uid(0xc1);
const today = '2026-11-22';
const rules: PostRules = { categories: ['gardening', 'shopping'], activePartners: [partner] };
const description = { textKey: '0193a3c0-0000-7000-8000-00000000d0c5', sealed: 'v1.sealed' };
const details: PostDetails = {
  title: 'Help with the garden',
  description,
  category: 'gardening',
  tags: ['weeding'],
  area: 'LS12',
  suits: { note: 'weekday mornings', weekdays: ['monday', 'tuesday'] },
  neededBy: null,
  sharedWith: [],
};
const as = (personId: string, isCoordinator = false) => ({ personId, isCoordinator });
const publish = (over: Partial<Extract<PostCommand, { type: 'PublishPost' }>> = {}, d: Partial<PostDetails> = {}): PostCommand => ({
  type: 'PublishPost',
  postId,
  networkId,
  kind: 'offer',
  ownerId: ann,
  details: { ...details, ...d },
  rules,
  by: as(ann),
  today,
  ...over,
});
const published: PostEvent = {
  type: 'timebank.PostPublished',
  data: { postId, networkId, kind: 'offer', ownerId: ann, ...details, openUntil: addDays(today, POST_OPEN_DAYS), publishedBy: ann },
};
const request: PostEvent = { type: 'timebank.PostPublished', data: { ...published.data, kind: 'request', neededBy: '2026-12-01' } };
const paused: PostEvent = { type: 'timebank.PostPaused', data: { postId, networkId, pausedBy: ann } };
const closed: PostEvent = { type: 'timebank.PostClosed', data: { postId, networkId, why: 'by-owner', closedBy: ann } };
const arranged: PostEvent = {
  type: 'timebank.PostArranged',
  data: { postId, networkId, arrangementId: uid(0xe1), providerId: ann, providerNetworkId: networkId, receiverId: bob, receiverNetworkId: networkId, category: 'gardening', arrangedBy: cath, brokered: true },
};
const edit = (d: Partial<PostDetails>, by = as(ann), r = rules): PostCommand => ({ type: 'EditPost', details: { ...details, ...d }, rules: r, by, today });
const given = specFor(postDecider);

t.test('publishing: the owner, or a coordinator for them, in one of the kinds of help', async (t) => {
  given([]).when(publish()).then(t, [published]);
  t.equal(published.data.openUntil, '2027-02-20', 'open for ninety days');
  given([]).when(publish({ by: as(cath, true) })).then(t, [{ ...published, data: { ...published.data, publishedBy: cath } } as PostEvent], 'a coordinator posts on behalf of a member');
  given([]).when(publish({ by: as(bob) })).rejects(t, 'not-post-owner', 'a member does not post for another');
  given([published]).when(publish()).rejects(t, 'post-exists');
  given([]).when(publish({}, { category: 'juggling' })).rejects(t, 'unknown-category', "the category is one of the network's kinds of help");
  given([]).when(publish({}, { neededBy: '2026-12-01' })).rejects(t, 'needed-by-on-offer');
  given([]).when(publish({ kind: 'request' }, { neededBy: '2026-11-21' })).rejects(t, 'date-in-past');
  given([]).when(publish({ kind: 'request' }, { neededBy: '2026-12-01' })).then(t, [request]);
  given([]).when(publish({}, { tags: ['a', 'a'] })).rejects(t, 'repeated-tag');
});

t.test('sharing with partner time banks: active partners only, each once', async (t) => {
  given([]).when(publish({}, { sharedWith: [partner] })).then(t, [{ ...published, data: { ...published.data, sharedWith: [partner] } } as PostEvent]);
  given([]).when(publish({}, { sharedWith: [partner, partner] })).rejects(t, 'repeated-partner');
  given([]).when(publish({}, { sharedWith: [stranger] })).rejects(t, 'not-a-partner');
  given([]).when(publish({}, { sharedWith: [networkId] })).rejects(t, 'not-a-partner', 'not with its own time bank');
  const shared: PostEvent = { ...published, data: { ...published.data, sharedWith: [partner] } } as PostEvent;
  given([shared]).when(edit({ sharedWith: [partner], title: 'Garden help' }, as(ann), { ...rules, activePartners: [] })).then(
    t,
    [{ type: 'timebank.PostEdited', data: { postId, networkId, ...details, title: 'Garden help', sharedWith: [partner], editedBy: ann } }],
    'a partner already shared with is kept when the partnership has ended since: the search no longer shows it there',
  );
});

t.test('editing: the owner or a coordinator, while the post is not closed or arranged', async (t) => {
  given([published]).when(edit({ title: 'Weeding and mowing' })).then(t, [{ type: 'timebank.PostEdited', data: { postId, networkId, ...details, title: 'Weeding and mowing', editedBy: ann } }]);
  given([published]).when(edit({ title: 'Weeding and mowing' }, as(cath, true))).then(t, [{ type: 'timebank.PostEdited', data: { postId, networkId, ...details, title: 'Weeding and mowing', editedBy: cath } }]);
  given([published]).when(edit({})).then(t, [], 'nothing changed, nothing written');
  given([published]).when(edit({ title: 'x' }, as(bob))).rejects(t, 'not-post-owner');
  given([published, closed]).when(edit({ title: 'x' })).rejects(t, 'post-closed');
  given([published, arranged]).when(edit({ title: 'x' })).rejects(t, 'post-arranged');
  given([published]).when(edit({ category: 'juggling' })).rejects(t, 'unknown-category');
  given([published]).when(edit({ title: 'x' }, as(ann), { ...rules, categories: [] })).then(
    t,
    [{ type: 'timebank.PostEdited', data: { postId, networkId, ...details, title: 'x', editedBy: ann } }],
    'a category kept as it was is not judged again',
  );
  given([]).when(edit({})).rejects(t, 'post-not-found');
});

t.test('pausing, renewing and closing', async (t) => {
  given([published]).when({ type: 'PausePost', by: as(ann) }).then(t, [paused]);
  given([published, paused]).when({ type: 'PausePost', by: as(ann) }).then(t, [], 'pausing twice writes once');
  given([published]).when({ type: 'PausePost', by: as(bob) }).rejects(t, 'not-post-owner');
  given([published, closed]).when({ type: 'PausePost', by: as(ann) }).rejects(t, 'post-not-open');
  given([published, paused]).when({ type: 'RenewPost', by: as(ann), today: '2026-12-01' }).then(t, [
    { type: 'timebank.PostRenewed', data: { postId, networkId, openUntil: addDays('2026-12-01', POST_OPEN_DAYS), renewedBy: ann } },
  ]);
  given([published]).when({ type: 'RenewPost', by: as(ann), today }).then(t, [], 'renewed the day it was posted: nothing to do');
  given([published, arranged]).when({ type: 'RenewPost', by: as(ann), today }).rejects(t, 'post-not-open');
  given([published]).when({ type: 'ClosePost', by: as(ann) }).then(t, [closed]);
  given([published]).when({ type: 'ClosePost', by: as(cath, true), reason: 'Posted twice' }).then(t, [
    { type: 'timebank.PostClosed', data: { postId, networkId, why: 'by-coordinator', closedBy: cath, reason: 'Posted twice' } },
  ]);
  given([published, closed]).when({ type: 'ClosePost', by: as(ann) }).then(t, [], 'closing twice writes once');
  given([published]).when({ type: 'ClosePost', by: as(bob) }).rejects(t, 'not-post-owner');
});

t.test('a post closes when its owner leaves or is erased; an arranged one is kept', async (t) => {
  given([published]).when({ type: 'ClosePostOfDeparted', why: 'owner-left', by: ann }).then(t, [
    { type: 'timebank.PostClosed', data: { postId, networkId, why: 'owner-left', closedBy: ann } },
  ]);
  given([published, paused]).when({ type: 'ClosePostOfDeparted', why: 'owner-erased', by: ann }).then(t, [
    { type: 'timebank.PostClosed', data: { postId, networkId, why: 'owner-erased', closedBy: ann } },
  ]);
  given([published, closed]).when({ type: 'ClosePostOfDeparted', why: 'owner-left', by: ann }).then(t, []);
  given([published, arranged]).when({ type: 'ClosePostOfDeparted', why: 'owner-left', by: ann }).then(t, [], 'help already arranged stays to be logged');
});

t.test('who gives and who receives', async (t) => {
  const offer = fold(postDecider, [published]);
  const req = fold(postDecider, [request]);
  if (offer.status === 'none' || req.status === 'none') return t.fail('published');
  t.same(partiesOf(offer.post, { personId: bob, networkId: partner }), { providerId: ann, providerNetworkId: networkId, receiverId: bob, receiverNetworkId: partner });
  t.same(partiesOf(req.post, { personId: bob, networkId }), { providerId: bob, providerNetworkId: networkId, receiverId: ann, receiverNetworkId: networkId });
});

t.test('safeguarding: who may see a post of a member who needs it', async (t) => {
  const member = fold(membershipDecider, [{ type: 'access.MembershipApproved', data: { networkId, personId: bob, approvedBy: cath, approvedAt: '2026-01-01T00:00:00.000Z', roles: ['member'] } }] as MembershipEvent[]);
  const checked = fold(membershipDecider, [
    { type: 'access.MembershipApproved', data: { networkId, personId: bob, approvedBy: cath, approvedAt: '2026-01-01T00:00:00.000Z', roles: ['member'] } },
    { type: 'access.DbsCheckRecorded', data: { networkId, personId: bob, checkType: 'enhanced', issuedOn: '2026-01-01', expiresOn: '2027-01-01' } },
  ] as MembershipEvent[]);
  const post = { ownerId: ann };
  const requires = { policy: { requireDbsForSafeguarded: true }, needsSafeguarding: true };
  t.notOk(mayView({ personId: bob, membership: member, isCoordinator: false }, post, requires, today), 'a member without a DBS check does not see it');
  t.ok(mayView({ personId: bob, membership: checked, isCoordinator: false }, post, requires, today), 'a member with a current check does');
  t.notOk(mayView({ personId: bob, membership: checked, isCoordinator: false }, post, requires, '2027-01-01'), 'nor once it has expired');
  t.ok(mayView({ personId: cath, membership: member, isCoordinator: true }, post, requires, today), 'a coordinator does');
  t.ok(mayView({ personId: ann, membership: member, isCoordinator: false }, post, requires, today), 'the owner does');
  t.ok(mayView({ personId: bob, membership: member, isCoordinator: false }, post, { ...requires, policy: { requireDbsForSafeguarded: false } }, today), 'where the network does not require one, everyone does');
});

t.test('leaving a network', async (t) => {
  const approved: MembershipEvent = { type: 'access.MembershipApproved', data: { networkId, personId: ann, approvedBy: cath, approvedAt: '2026-01-01T00:00:00.000Z', roles: ['member'] } };
  const left: MembershipEvent = { type: 'access.MemberLeft', data: { networkId, personId: ann, leftBy: ann, leftAt: '2026-11-22T10:00:00.000Z' } };
  const leave = { type: 'LeaveNetwork' as const, networkId, personId: ann, leftBy: ann, now: '2026-11-22T10:00:00.000Z' };
  const membership = specFor(membershipDecider);
  membership([approved]).when(leave).then(t, [left]);
  membership([approved, left]).when(leave).then(t, [], 'leaving twice writes once');
  membership([]).when(leave).rejects(t, 'not-a-member');
  t.same(fold(membershipDecider, [approved, left]), { status: 'left' }, 'a member who left has no access');
  membership([approved, left]).when({ type: 'RequestMembership', networkId, personId: ann }).then(t, [{ type: 'access.MembershipRequested', data: { networkId, personId: ann } }], 'they may ask to join again');
});
