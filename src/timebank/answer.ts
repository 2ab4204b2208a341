// An answer to an offer or a request, and the short thread of messages it opens between the
// member who answered and the post's owner. Its own stream, so messages never contend with the
// post: only accepting an answer writes to the post (see post.ts).
import { z } from 'zod';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { id } from '../bounds.ts';
import { sealedText } from '../access/vault.ts';

const ids = { answerId: id(), postId: id(), networkId: id() };
/** `networkId` is the post's time bank; `answererNetworkId` the answerer's, another when the post was shared with it. */
export const PostAnswered = defineEvent(
  'timebank.PostAnswered',
  z.strictObject({ ...ids, answererId: id(), answererNetworkId: id(), ownerId: id(), message: sealedText, answeredBy: id() }),
);
/** Sealed under the keys of both members: erasing either makes the thread unreadable. */
export const AnswerMessageSent = defineEvent('timebank.AnswerMessageSent', z.strictObject({ ...ids, messageId: id(), fromId: id(), message: sealedText, sentBy: id() }));
export const AnswerWithdrawn = defineEvent('timebank.AnswerWithdrawn', z.strictObject({ ...ids, withdrawnBy: id() }));

export const answerEventTypes = [PostAnswered, AnswerMessageSent, AnswerWithdrawn];
export type AnswerEvent = DomainEvent<typeof PostAnswered> | DomainEvent<typeof AnswerMessageSent> | DomainEvent<typeof AnswerWithdrawn>;

export const answerStream = (answerId: string) => `post-answer-${answerId}`;
