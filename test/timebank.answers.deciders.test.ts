// Answers to offers and requests, given/when/then: who may answer, write in the thread and
// withdraw; and, on the post's stream, who accepts, brokers and logs an arrangement.
import t from 'tap';
import { answerDecider, type AnswerEvent } from '../src/timebank/answer.ts';
import { postDecider, type PostEvent, type PostState } from '../src/timebank/post.ts';
import { fold } from '../src/commands/decider.ts';
import { specFor, uid } from './support/given.ts';

const [networkId, partnerId, strangerNetwork] = [uid(0xa1), uid(0xa2), uid(0xa3)];
const [postId, answerId, arrangementId, exchangeId] = [uid(0xf1), uid(0xf2), uid(0xf3), uid(0xf4)];
const [owner, ann, bob, coordinator] = [uid(0xb1), uid(0xb2), uid(0xb3), uid(0xc1)];
const sealed = { textKey: uid(0xd1), sealed: 'v1.sealed' };
const member = (personId: string) => ({ personId, isCoordinator: false });
const coord = { personId: coordinator, isCoordinator: true };

const published: PostEvent = {
  type: 'timebank.PostPublished',
  data: {
    postId, networkId, kind: 'request', ownerId: owner, title: 'Lift to the surgery', description: sealed, category: 'transport', tags: [], area: 'Armley',
    suits: { note: '', weekdays: [] }, neededBy: null, sharedWith: [partnerId], openUntil: '2027-03-01', publishedBy: owner,
  },
};
const postState = (...events: PostEvent[]): PostState => fold(postDecider, [published, ...events]);
const open = postState();
const answered: AnswerEvent = {
  type: 'timebank.PostAnswered',
  data: { answerId, postId, networkId, answererId: ann, answererNetworkId: networkId, ownerId: owner, message: sealed, answeredBy: ann },
};
const answer = (over: Partial<Extract<Parameters<typeof answerDecider.decide>[0], { type: 'AnswerPost' }>> = {}) => ({
  type: 'AnswerPost' as const, answerId, answererId: ann, answererNetworkId: networkId, message: sealed, by: member(ann), post: open, mayView: true, ...over,
});
const given = specFor(answerDecider);
const givenPost = specFor(postDecider);

t.test('a member answers an open post they may see, once', async (t) => {
  given([]).when(answer()).then(t, [answered]);
  given([answered]).when(answer()).rejects(t, 'already-answered', 'once per member per post');
  given([answered, { type: 'timebank.AnswerWithdrawn', data: { answerId, postId, networkId, withdrawnBy: ann } }]).when(answer()).then(t, [answered], 'again after withdrawing');
  given([]).when(answer({ answererId: owner, by: member(owner) })).rejects(t, 'own-post', 'not their own post');
  given([]).when(answer({ by: member(bob) })).rejects(t, 'not-answerer', 'nobody answers for another member');
  given([]).when(answer({ by: coord })).then(t, [{ ...answered, data: { ...answered.data, answeredBy: coordinator } }] as AnswerEvent[], 'a coordinator answers for a member, recorded as theirs');
  given([]).when(answer({ mayView: false })).rejects(t, 'post-not-found', 'safeguarding: a post they may not see is not there');
  given([]).when(answer({ post: { status: 'none' } })).rejects(t, 'post-not-found');
  for (const [status, event] of [
    ['paused', { type: 'timebank.PostPaused', data: { postId, networkId, pausedBy: owner } }],
    ['closed', { type: 'timebank.PostClosed', data: { postId, networkId, why: 'by-owner', closedBy: owner } }],
    ['arranged', { type: 'timebank.PostArranged', data: { postId, networkId, arrangementId, providerId: bob, providerNetworkId: networkId, receiverId: owner, receiverNetworkId: networkId, category: 'transport', arrangedBy: coordinator, brokered: true } }],
  ] as const) {
    given([]).when(answer({ post: postState(event as PostEvent) })).rejects(t, 'post-not-open', `not a ${status} post`);
  }
});

t.test('from a partner time bank only when the post is shared with it and the partnership is active', async (t) => {
  const across = { answererNetworkId: partnerId };
  given([]).when(answer({ ...across, partnership: { status: 'active' } })).then(t, [{ ...answered, data: { ...answered.data, answererNetworkId: partnerId } }] as AnswerEvent[]);
  given([]).when(answer({ ...across, partnership: { status: 'ended' } })).rejects(t, 'no-partnership', 'an ended partnership');
  given([]).when(answer({ ...across })).rejects(t, 'no-partnership', 'no partnership');
  given([]).when(answer({ answererNetworkId: strangerNetwork, partnership: { status: 'active' } })).rejects(t, 'post-not-found', 'a post not shared with their bank');
});

t.test('the thread: the two members, or a coordinator recorded as theirs', async (t) => {
  const message = (by: { personId: string; isCoordinator: boolean }) => ({ type: 'SendAnswerMessage' as const, messageId: uid(0xe1), message: sealed, by });
  const sent = (from: string) => [{ type: 'timebank.AnswerMessageSent', data: { answerId, postId, networkId, messageId: uid(0xe1), fromId: from, message: sealed, sentBy: from } }];
  given([answered]).when(message(member(owner))).then(t, sent(owner) as AnswerEvent[], 'the owner writes');
  given([answered]).when(message(member(ann))).then(t, sent(ann) as AnswerEvent[], 'the member who answered writes');
  given([answered]).when(message(coord)).then(t, sent(coordinator) as AnswerEvent[], 'a coordinator writes as themselves');
  given([answered]).when(message(member(bob))).rejects(t, 'not-a-party', 'nobody else');
  given([]).when(message(member(ann))).rejects(t, 'answer-not-found');
  given([answered, { type: 'timebank.AnswerWithdrawn', data: { answerId, postId, networkId, withdrawnBy: ann } }]).when(message(member(owner))).rejects(t, 'answer-withdrawn');
});

t.test('withdrawing: the member who answered, before it is accepted', async (t) => {
  const withdraw = (by: { personId: string; isCoordinator: boolean }, post = open) => ({ type: 'WithdrawAnswer' as const, by, post });
  const withdrawn = { type: 'timebank.AnswerWithdrawn', data: { answerId, postId, networkId, withdrawnBy: ann } } as AnswerEvent;
  given([answered]).when(withdraw(member(ann))).then(t, [withdrawn]);
  given([answered, withdrawn]).when(withdraw(member(ann))).then(t, [], 'twice is once');
  given([answered]).when(withdraw(member(owner))).rejects(t, 'not-answerer', 'not the owner');
  const accepted = postState({ type: 'timebank.PostArranged', data: { postId, networkId, arrangementId, answerId, providerId: ann, providerNetworkId: networkId, receiverId: owner, receiverNetworkId: networkId, category: 'transport', arrangedBy: owner, brokered: false } });
  given([answered]).when(withdraw(member(ann), accepted)).rejects(t, 'answer-accepted');
});

t.test('accepting, brokering and logging on the post stream', async (t) => {
  const arranged = (over: object = {}): PostEvent => ({
    type: 'timebank.PostArranged',
    data: { postId, networkId, arrangementId, answerId, providerId: ann, providerNetworkId: networkId, receiverId: owner, receiverNetworkId: networkId, category: 'transport', arrangedBy: owner, brokered: false, ...over },
  });
  const accept = (by: { personId: string; isCoordinator: boolean }, id = answerId) => ({ type: 'Arrange' as const, arrangementId, answerId: id, counterpart: { personId: ann, networkId }, by });
  givenPost([published]).when(accept(member(owner))).then(t, [arranged()], 'the owner accepts: the answerer gives, the owner receives');
  givenPost([published]).when(accept(coord)).rejects(t, 'not-post-owner', 'a coordinator brokers instead of accepting');
  givenPost([published, arranged()]).when(accept(member(owner))).then(t, [], 'accepting the same answer again is once');
  givenPost([published, arranged()]).when(accept(member(owner), uid(0xf9))).rejects(t, 'post-not-open', 'a second answer is not accepted');
  const broker = (by: { personId: string; isCoordinator: boolean }, personId = bob) => ({ type: 'Arrange' as const, arrangementId, counterpart: { personId, networkId }, by });
  givenPost([published]).when(broker(coord)).then(t, [arranged({ answerId: undefined, providerId: bob, arrangedBy: coordinator, brokered: true })].map((e) => JSON.parse(JSON.stringify(e))), 'a coordinator brokers');
  givenPost([published]).when(broker(member(ann))).rejects(t, 'coordinators-only');
  givenPost([published]).when(broker(coord, coordinator)).rejects(t, 'own-arrangement', 'never brokering for herself');
  const log = (by: { personId: string; isCoordinator: boolean }) => ({ type: 'LogArrangement' as const, exchangeId, by });
  const logged: PostEvent = { type: 'timebank.ArrangementLogged', data: { postId, networkId, arrangementId, exchangeId, loggedBy: ann } };
  givenPost([published, arranged()]).when(log(member(ann))).then(t, [logged], 'either party logs');
  givenPost([published, arranged()]).when(log(member(bob))).rejects(t, 'not-a-party');
  givenPost([published, arranged(), logged]).when(log(member(owner))).then(t, [], 'logged once');
  givenPost([published]).when(log(member(ann))).rejects(t, 'not-arranged');
});
