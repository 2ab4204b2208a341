// A post published through the post decider, for the answers' tests: the posts' own use cases are
// another module's, and answers read only the post's stream.
import { randomUUID } from 'node:crypto';
import { decideAcross } from '../../src/commands/decide.ts';
import { postDecider, postStream, type PostDetails, type PostKind } from '../../src/timebank/post.ts';
import type { Hearth } from '../../src/hearth.ts';
import { contextOf } from '../../src/access/caller.ts';
import { callerFor } from './timebank.ts';

export async function publishPost(
  hearth: Hearth,
  networkId: string,
  ownerId: string,
  over: Partial<PostDetails> & { kind?: PostKind } = {},
): Promise<string> {
  const postId = randomUUID();
  const { kind = 'request', ...details } = over;
  const description = await hearth.vault.sealText('A lift to the surgery on Thursday morning', [ownerId]);
  await decideAcross(
    hearth.store,
    { post: [postStream(postId), postDecider] as const },
    (s) => {
      const post: PostDetails = { title: 'Lift to the surgery', description, category: 'transport', tags: [], area: 'Armley', suits: { note: '', weekdays: [] }, neededBy: null, sharedWith: [], ...details };
      // The network's kinds of help and partners are the posts' own rules, tested with them: here whatever the post names is allowed.
      const rules = { categories: [post.category], activePartners: post.sharedWith };
      return { post: postDecider.decide({ type: 'PublishPost', postId, networkId, kind, ownerId, by: { personId: ownerId, isCoordinator: false }, today: new Date().toISOString().slice(0, 10), details: post, rules }, s.post) };
    },
    contextOf(hearth, callerFor(ownerId)),
  );
  return postId;
}
