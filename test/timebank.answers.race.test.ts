// Two answers accepted at the same moment make one arrangement: the post's stream decides, and
// the second write finds it moved. Both parties logging at once log one exchange. On PostgreSQL.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import * as answers from '../src/timebank/answers-app.ts';
import { defineCategory } from '../src/timebank/app.ts';
import { postDecider, postStream } from '../src/timebank/post.ts';
import { readStates } from '../src/commands/decide.ts';
import { racingHearth } from './support/hearth.ts';
import { refused } from './support/given.ts';
import { callerFor, enrol, openNetwork } from './support/timebank.ts';
import { publishPost } from './support/posts.ts';

t.test('two answers accepted at once: exactly one arrangement; logged by both at once: one exchange', async (t) => {
  const hearth = await racingHearth(t);
  if (!hearth) return;
  const coordinator = randomUUID();
  const networkId = await openNetwork(hearth, 'Armley Time Bank', coordinator);
  await defineCategory(hearth, callerFor(coordinator), { networkId, category: 'transport', ratePercent: 100 });
  const owner = await enrol(hearth, networkId, randomUUID());
  const helpers = await Promise.all(Array.from({ length: 6 }, () => enrol(hearth, networkId, randomUUID())));
  for (let round = 0; round < 3; round++) {
    const postId = await publishPost(hearth, networkId, owner);
    const given = await Promise.all(helpers.map((h) => answers.answerPost(hearth, callerFor(h), { networkId, postId, message: 'I can help' })));
    const outcomes = await Promise.all(given.map((a) => refused(answers.acceptAnswer(hearth, callerFor(owner), { networkId, answerId: a.answerId }))));
    t.equal(outcomes.filter((o) => o === null).length, 1, `round ${round}: one accepted`);
    t.same(new Set(outcomes.filter((o) => o !== null)), new Set(['post-not-open']), 'the others find it arranged');
    const history = await hearth.store.readStream(postStream(postId));
    t.equal(history.filter((e) => e.type === 'timebank.PostArranged').length, 1, 'one arrangement on the stream');

    const { post } = await readStates(hearth.store, { post: [postStream(postId), postDecider] as const });
    const provider = post.status === 'arranged' ? post.arrangement!.providerId : '';
    const log = { networkId, postId, minutes: 60, occurredOn: '2026-12-03', description: 'Lift' };
    const logged = await Promise.all([answers.logArrangement(hearth, callerFor(owner), log), answers.logArrangement(hearth, callerFor(provider), log), answers.logArrangement(hearth, callerFor(owner), log)]);
    t.equal(new Set(logged.map((l) => l.exchangeId)).size, 1, 'one exchange');
    const after = await hearth.store.readStream(postStream(postId));
    t.equal(after.filter((e) => e.type === 'timebank.ArrangementLogged').length, 1, 'logged once');
  }
});
