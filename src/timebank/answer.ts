// An answer to an offer or a request, and the short thread of messages it opens between the
// member who answered and the post's owner. Its own stream, so messages never contend with the
// post: only accepting an answer writes to the post (see post.ts).
import { z } from 'zod';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { id } from '../bounds.ts';
import { v5 as uuidv5 } from 'uuid';
import { Rejection, type Actor, type Decider } from '../commands/decider.ts';
import { sealedText, type SealedText } from '../access/vault.ts';
import type { PartnershipState } from '../networks/partnership.ts';
import type { PostState } from './post.ts';

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

export interface Answer {
  answerId: string;
  postId: string;
  networkId: string;
  answererId: string;
  answererNetworkId: string;
  ownerId: string;
}
export type AnswerState = { status: 'none' } | { status: 'open' | 'withdrawn'; answer: Answer; messages: number };

export type AnswerCommand =
  | {
      type: 'AnswerPost';
      answerId: string;
      answererId: string;
      answererNetworkId: string;
      message: SealedText;
      by: Actor;
      /** The post as its own stream holds it: the one place its status is decided. */
      post: PostState;
      /** Whether the answerer may see the post at all (safeguarding, see `mayView`). */
      mayView: boolean;
      /** When the answerer belongs to another time bank: its partnership with the post's. */
      partnership?: PartnershipState;
    }
  | { type: 'SendAnswerMessage'; messageId: string; message: SealedText; by: Actor }
  | { type: 'WithdrawAnswer'; by: Actor; post: PostState };

/**
 * One member answers a post once: the answer's stream is named by the post and the member (see
 * `answerIdFor`), so a second answer finds the first. Someone who may not see the post, or whose
 * time bank it was not shared with, is told there is no such post, never why.
 */
export const answerDecider: Decider<AnswerCommand, AnswerState, AnswerEvent> = {
  initialState: { status: 'none' },

  evolve(state, event) {
    switch (event.type) {
      case 'timebank.PostAnswered': {
        const { message: _m, answeredBy: _by, ...answer } = event.data;
        return { status: 'open', answer, messages: 1 };
      }
      case 'timebank.AnswerMessageSent':
        return state.status === 'none' ? state : { ...state, messages: state.messages + 1 };
      case 'timebank.AnswerWithdrawn':
        return state.status === 'none' ? state : { ...state, status: 'withdrawn' };
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'AnswerPost': {
        const { post, by } = command;
        if (post.status === 'none' || !command.mayView) throw new Rejection('post-not-found', 'There is no such offer or request.', 404);
        const across = command.answererNetworkId !== post.post.networkId;
        if (across && !post.post.sharedWith.includes(command.answererNetworkId)) throw new Rejection('post-not-found', 'There is no such offer or request.', 404);
        if (across && command.partnership?.status !== 'active') {
          throw new Rejection('no-partnership', 'Your time bank and this one have no active partnership, so this post cannot be answered from yours.', 403);
        }
        if (by.personId !== command.answererId && !by.isCoordinator) throw new Rejection('not-answerer', 'A member answers for themselves; a coordinator may answer for a member.', 403, 'answererId');
        if (command.answererId === post.post.ownerId) throw new Rejection('own-post', 'This is your own post: it is answered by others.', 422, 'answererId');
        if (state.status === 'open') {
          if (state.answer.answererId === command.answererId) throw new Rejection('already-answered', 'You have already answered this post: write in its thread instead.', 409);
        }
        if (post.status !== 'open') {
          throw new Rejection('post-not-open', post.status === 'arranged' ? 'An answer to this post has already been accepted.' : `This post is ${post.status}, so it cannot be answered.`, 409);
        }
        return [
          {
            type: 'timebank.PostAnswered',
            data: {
              answerId: command.answerId,
              postId: post.post.postId,
              networkId: post.post.networkId,
              answererId: command.answererId,
              answererNetworkId: command.answererNetworkId,
              ownerId: post.post.ownerId,
              message: command.message,
              answeredBy: by.personId,
            },
          },
        ];
      }
      case 'SendAnswerMessage': {
        if (state.status === 'none') throw new Rejection('answer-not-found', 'There is no such answer.', 404);
        const { answer } = state;
        const party = command.by.personId === answer.answererId || command.by.personId === answer.ownerId;
        if (!party && !command.by.isCoordinator) throw new Rejection('not-a-party', 'Only the member who answered, the member who posted, or a coordinator writes in this thread.', 403);
        if (state.status === 'withdrawn') throw new Rejection('answer-withdrawn', 'This answer was withdrawn.', 409);
        const { answerId, postId, networkId } = answer;
        return [{ type: 'timebank.AnswerMessageSent', data: { answerId, postId, networkId, messageId: command.messageId, fromId: command.by.personId, message: command.message, sentBy: command.by.personId } }];
      }
      case 'WithdrawAnswer': {
        if (state.status === 'none') throw new Rejection('answer-not-found', 'There is no such answer.', 404);
        const { answer } = state;
        if (command.by.personId !== answer.answererId && !command.by.isCoordinator) throw new Rejection('not-answerer', 'Only the member who answered, or a coordinator, withdraws an answer.', 403);
        if (state.status === 'withdrawn') return [];
        if (command.post.status !== 'none' && command.post.arrangement?.answerId === answer.answerId) {
          throw new Rejection('answer-accepted', 'This answer was accepted: the arrangement is cancelled by logging nothing, or ask a coordinator.', 409);
        }
        const { answerId, postId, networkId } = answer;
        return [{ type: 'timebank.AnswerWithdrawn', data: { answerId, postId, networkId, withdrawnBy: command.by.personId } }];
      }
    }
  },
};

/** One answer per member per post: its id follows from the two. */
export const answerIdFor = (postId: string, answererId: string) => uuidv5(`answer/${postId}/${answererId}`, ANSWER_NAMESPACE);
/** Accepting an answer arranges under an id that follows from it, so accepting it twice arranges once. */
export const arrangementIdFor = (answerId: string) => uuidv5(`arrangement/${answerId}`, ANSWER_NAMESPACE);
/**
 * Logging an arrangement is one command whatever the request: its id, and so the exchange's (the
 * time bank derives an exchange's id from its command's), follow from the arrangement, so a retry,
 * a crash between its two writes, or both parties at once log it once.
 */
export const logCommandIdFor = (arrangementId: string) => uuidv5(`log/${arrangementId}`, ANSWER_NAMESPACE);
export const exchangeIdFor = (arrangementId: string) => uuidv5('exchange', logCommandIdFor(arrangementId));
const ANSWER_NAMESPACE = '5f0c6c0e-8a1b-4c57-9d1e-2b8a8f6d0a20';
