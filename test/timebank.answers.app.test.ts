// Answers and arrangements at the application level, on PGlite: who may answer (safeguarding,
// partnerships), read and write the thread, accept, broker and log; and that logging an
// arrangement is logging an exchange, confirmed as any is, once however often it is sent.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { fixedClock } from '../src/clock.ts';
import { openHearth } from '../src/hearth.ts';
import * as answers from '../src/timebank/answers-app.ts';
import { confirmExchange, defineCategory } from '../src/timebank/app.ts';
import { exchangeDecider, exchangeStream } from '../src/timebank/exchange.ts';
import { readStates } from '../src/commands/decide.ts';
import { waitingFor } from '../src/notify/app.ts';
import { freshPglite } from './support/db.ts';
import { quietLog, testConfig } from './support/hearth.ts';
import { refused } from './support/given.ts';
import { callerFor, enrol, flagForSafeguarding, openNetwork, partner, recordDbs } from './support/timebank.ts';
import { publishPost } from './support/posts.ts';

const clock = fixedClock('2026-12-04T10:00:00Z');
const hearth = await openHearth(testConfig({ PROJECTION_POLL_MS: '250' }), quietLog, { database: await freshPglite(), clock });
t.teardown(() => hearth.close());

async function timebank(name: string, policy = false) {
  const coordinator = randomUUID();
  const networkId = await openNetwork(hearth, name, coordinator, policy);
  await defineCategory(hearth, callerFor(coordinator), { networkId, category: 'transport', ratePercent: 100 });
  return { networkId, coordinator, member: () => enrol(hearth, networkId, randomUUID()) };
}
await hearth.engine.start();
const caught = (position: number) => hearth.engine.waitFor(['post_answers'], position, 5000);
const page = { limit: 20 };

t.test('answering, the thread and who reads it', async (t) => {
  const bank = await timebank('Armley Time Bank');
  const [owner, ann, bob] = [await bank.member(), await bank.member(), await bank.member()];
  const postId = await publishPost(hearth, bank.networkId, owner);
  const { networkId } = bank;

  t.equal(await refused(answers.answerPost(hearth, callerFor(owner), { networkId, postId, message: 'Me!' })), 'own-post', 'not your own post');
  const { answerId } = await answers.answerPost(hearth, callerFor(ann), { networkId, postId, message: 'I can drive you on Thursday' });
  t.equal(await refused(answers.answerPost(hearth, callerFor(ann), { networkId, postId, message: 'Again' })), 'already-answered', 'once per member');
  t.equal(await refused(answers.answerPost(hearth, callerFor(randomUUID()), { networkId, postId, message: 'Hello' })), 'forbidden', 'only members');

  await answers.sendAnswerMessage(hearth, callerFor(owner), { networkId, answerId, message: 'Thank you, 9am?' });
  t.equal(await refused(answers.sendAnswerMessage(hearth, callerFor(bob), { networkId, answerId, message: 'Me too' })), 'not-a-party', 'nobody else writes');
  const { position } = await answers.sendAnswerMessage(hearth, callerFor(bank.coordinator), { networkId, answerId, message: 'I can lend a wheelchair' });
  await caught(position);

  const thread = await answers.threadOf(hearth, callerFor(ann), { networkId, answerId });
  t.same(thread.messages.map((m) => [m.fromId, m.text]), [[ann, 'I can drive you on Thursday'], [owner, 'Thank you, 9am?'], [bank.coordinator, 'I can lend a wheelchair']], 'the thread, opened, a coordinator recorded as herself');
  t.equal((await answers.threadOf(hearth, callerFor(bank.coordinator), { networkId, answerId })).messages.length, 3, 'a coordinator reads it');
  t.equal(await refused(answers.threadOf(hearth, callerFor(bob), { networkId, answerId })), 'forbidden', 'another member does not');
  t.same((await answers.answersOf(hearth, callerFor(owner), { networkId, which: 'toMe', page })).items.map((a) => a.answerId), [answerId], 'answers to my posts');
  t.same((await answers.answersOf(hearth, callerFor(ann), { networkId, which: 'mine', page })).items.map((a) => [a.answerId, a.postTitle]), [[answerId, 'Lift to the surgery']], 'my answers');

  const bobs = await answers.answerPost(hearth, callerFor(bob), { networkId, postId, message: 'Or me' });
  t.equal(await refused(answers.withdrawAnswer(hearth, callerFor(owner), { networkId, answerId: bobs.answerId })), 'not-answerer', 'only the member who answered withdraws');
  await answers.withdrawAnswer(hearth, callerFor(bob), { networkId, answerId: bobs.answerId });
  t.equal(await refused(answers.acceptAnswer(hearth, callerFor(owner), { networkId, answerId: bobs.answerId })), 'answer-withdrawn', 'a withdrawn answer is not accepted');
});

t.test('safeguarding and partnerships decide who may answer', async (t) => {
  const armley = await timebank('Armley Time Bank', true);
  const bramley = await timebank('Bramley Time Bank');
  const [owner, ann, brian] = [await armley.member(), await armley.member(), await bramley.member()];
  await flagForSafeguarding(hearth, owner);
  const postId = await publishPost(hearth, armley.networkId, owner, { sharedWith: [bramley.networkId] });

  t.equal(await refused(answers.answerPost(hearth, callerFor(ann), { networkId: armley.networkId, postId, message: 'Hello' })), 'post-not-found', 'no DBS check: the post of a safeguarded member is not there');
  await recordDbs(hearth, armley.networkId, ann, '2030-01-01');
  t.equal(await refused(answers.answerPost(hearth, callerFor(ann), { networkId: armley.networkId, postId, message: 'Hello' })), null, 'with a current check it is');

  t.equal(await refused(answers.answerPost(hearth, callerFor(brian), { networkId: bramley.networkId, postId, message: 'Hello' })), 'post-not-found', 'the safeguarding policy of the owner’s bank holds across');
  await recordDbs(hearth, bramley.networkId, brian, '2030-01-01');
  t.equal(await refused(answers.answerPost(hearth, callerFor(brian), { networkId: bramley.networkId, postId, message: 'Hello' })), 'no-partnership', 'shared, but no partnership yet');
  await partner(hearth, armley, bramley);
  t.equal(await refused(answers.answerPost(hearth, callerFor(brian), { networkId: bramley.networkId, postId, message: 'Hello' })), null, 'answered from a partner time bank');

  const unshared = await publishPost(hearth, armley.networkId, ann);
  t.equal(await refused(answers.answerPost(hearth, callerFor(brian), { networkId: bramley.networkId, postId: unshared, message: 'Hi' })), 'post-not-found', 'not shared with Bramley');
});

t.test('an answer from a partner time bank becomes an exchange across the partnership', async (t) => {
  const armley = await timebank('Armley Time Bank');
  const bramley = await timebank('Bramley Time Bank');
  const [owner, brian] = [await armley.member(), await bramley.member()];
  await partner(hearth, armley, bramley);
  const postId = await publishPost(hearth, armley.networkId, owner, { kind: 'offer', sharedWith: [bramley.networkId] });
  const { answerId } = await answers.answerPost(hearth, callerFor(brian), { networkId: bramley.networkId, postId, message: 'Could you help me on Friday?' });
  await answers.acceptAnswer(hearth, callerFor(owner), { networkId: armley.networkId, answerId });
  const log = { postId, minutes: 60, occurredOn: '2026-12-03', description: 'Lift to the surgery' };
  t.equal(await refused(answers.logArrangement(hearth, callerFor(brian), { ...log, networkId: bramley.networkId })), 'giver-logs-across', 'the member it takes hours from does not log it');
  const logged = await answers.logArrangement(hearth, callerFor(owner), { ...log, networkId: armley.networkId });
  const { exchange } = await readStates(hearth.store, { exchange: [exchangeStream(logged.exchangeId), exchangeDecider] as const });
  t.match(exchange, { status: 'logged', exchange: { networkId: armley.networkId, providerId: owner, receiverId: brian, receiverNetworkId: bramley.networkId } }, 'the giver logs it in their bank, across the partnership');
  t.equal(await refused(confirmExchange(hearth, callerFor(owner), { networkId: armley.networkId, exchangeId: logged.exchangeId })), 'receiver-confirms', 'and does not confirm it: the member it takes hours from does');
  t.equal(await refused(confirmExchange(hearth, callerFor(brian), { networkId: bramley.networkId, exchangeId: logged.exchangeId })), null, 'the member in the partner bank confirms it from there');
});

t.test('accepting, logging in one step, confirming as any exchange', async (t) => {
  const bank = await timebank('Armley Time Bank');
  const [owner, ann, bob] = [await bank.member(), await bank.member(), await bank.member()];
  const { networkId } = bank;
  const postId = await publishPost(hearth, networkId, owner);
  const a = await answers.answerPost(hearth, callerFor(ann), { networkId, postId, message: 'I can' });
  const b = await answers.answerPost(hearth, callerFor(bob), { networkId, postId, message: 'So can I' });

  t.equal(await refused(answers.acceptAnswer(hearth, callerFor(ann), { networkId, answerId: a.answerId })), 'not-post-owner', 'only the owner accepts');
  t.equal(await refused(answers.acceptAnswer(hearth, callerFor(bank.coordinator), { networkId, answerId: a.answerId })), 'not-post-owner', 'a coordinator brokers instead');
  const accepted = await answers.acceptAnswer(hearth, callerFor(owner), { networkId, answerId: a.answerId });
  t.equal((await answers.acceptAnswer(hearth, callerFor(owner), { networkId, answerId: a.answerId })).arrangementId, accepted.arrangementId, 'accepting again is the same arrangement');
  t.equal(await refused(answers.acceptAnswer(hearth, callerFor(owner), { networkId, answerId: b.answerId })), 'post-not-open', 'one arrangement per post');
  t.equal(await refused(answers.withdrawAnswer(hearth, callerFor(ann), { networkId, answerId: a.answerId })), 'answer-accepted', 'an accepted answer stays');
  await caught(accepted.position);
  t.match(await waitingFor(hearth, { personId: ann }), [{ kind: 'arrangements-to-log', networkId, count: 1, href: `/networks/${networkId}/time/arrangements` }], 'the arrangement waits to be logged');

  const log = { networkId, postId, minutes: 90, occurredOn: '2026-12-03', description: 'Lift to the surgery' };
  t.equal(await refused(answers.logArrangement(hearth, callerFor(bob), log)), 'not-a-party', 'only its parties or a coordinator log it');
  const logged = await answers.logArrangement(hearth, callerFor(ann), log);
  const again = await answers.logArrangement(hearth, callerFor(owner), { ...log, minutes: 30 });
  t.equal(again.exchangeId, logged.exchangeId, 'logged twice, by either party, is one exchange');
  const { exchange } = await readStates(hearth.store, { exchange: [exchangeStream(logged.exchangeId), exchangeDecider] as const });
  t.match(exchange, { status: 'logged', exchange: { providerId: ann, receiverId: owner, minutes: 90, category: 'transport' } }, 'the answerer gave, the owner received, in the post’s category');

  t.equal(await refused(confirmExchange(hearth, callerFor(ann), { networkId, exchangeId: logged.exchangeId })), 'own-exchange', 'the member who logged it does not confirm it');
  const { position } = await confirmExchange(hearth, callerFor(owner), { networkId, exchangeId: logged.exchangeId });
  await caught(position);
  const [row] = (await answers.arrangementsOf(hearth, callerFor(owner), { networkId, page })).items;
  t.match(row, { arrangementId: accepted.arrangementId, exchangeId: logged.exchangeId, postTitle: 'Lift to the surgery', category: 'transport' }, 'the arrangement shows its exchange');
  const figures = await answers.postFigures(hearth, callerFor(bank.coordinator), { networkId });
  t.match(figures, [{ month: '2026-12', category: 'transport', requests: 1, answers: 2, arrangements: 1, exchanges: 1 }], 'the figures count it');
  t.equal(await refused(answers.postFigures(hearth, callerFor(owner), { networkId })), 'forbidden', 'the figures are the coordinators’');
});

t.test('a coordinator brokers, recorded as hers, and never confirms what she is a party to', async (t) => {
  const bank = await timebank('Armley Time Bank');
  const [owner, ann] = [await bank.member(), await bank.member()];
  const { networkId, coordinator } = bank;
  const postId = await publishPost(hearth, networkId, owner);
  t.equal(await refused(answers.brokerArrangement(hearth, callerFor(ann), { networkId, postId, personId: owner })), 'forbidden', 'only a coordinator brokers');
  t.equal(await refused(answers.brokerArrangement(hearth, callerFor(coordinator), { networkId, postId, personId: owner })), 'own-post', 'not the owner with herself');
  t.equal(await refused(answers.brokerArrangement(hearth, callerFor(coordinator), { networkId, postId, personId: randomUUID() })), 'unknown-member', 'only an active member');
  const { arrangementId } = await answers.brokerArrangement(hearth, callerFor(coordinator), { networkId, postId, personId: ann });
  const arrangement = (await readStates(hearth.store, { post: [`post-${postId}`, (await import('../src/timebank/post.ts')).postDecider] as const })).post;
  t.match(arrangement, { status: 'arranged', arrangement: { arrangementId, providerId: ann, receiverId: owner, arrangedBy: coordinator, brokered: true } });

  // A coordinator who gave the help herself logs it, and never confirms it on anyone's behalf.
  const other = await publishPost(hearth, networkId, owner);
  const mine = await answers.answerPost(hearth, callerFor(coordinator), { networkId, postId: other, message: 'I will do it' });
  await answers.acceptAnswer(hearth, callerFor(owner), { networkId, answerId: mine.answerId });
  const { exchangeId } = await answers.logArrangement(hearth, callerFor(coordinator), { networkId, postId: other, minutes: 60, occurredOn: '2026-12-03', description: 'Lift' });
  t.equal(await refused(confirmExchange(hearth, callerFor(coordinator), { networkId, exchangeId })), 'own-exchange', 'she logged it: not confirmed by herself');
  t.equal(await refused(confirmExchange(hearth, callerFor(coordinator, { onBehalfOf: owner }), { networkId, exchangeId })), 'own-exchange', 'nor on the member’s behalf');
  t.equal(await refused(confirmExchange(hearth, callerFor(owner), { networkId, exchangeId })), null, 'the member confirms it');
});
