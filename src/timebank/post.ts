// An offer or a request: what a member can give, or needs, posted in their time bank for others
// to find and answer. The post's stream holds its life (published, edited, paused, renewed,
// closed) and the one arrangement it leads to, so two answers accepted at once make one
// arrangement: the second write finds the stream moved and is decided again.
import { z } from 'zod';
import { Rejection, type Actor, type Decider } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { categoryName } from './settings.ts';
import { careRefusal, type SafeguardingPolicy } from '../access/safeguarding.ts';
import type { MembershipState } from '../access/membership.ts';
import { id, isoDate, name, reasonText, text } from '../bounds.ts';
import { sealedText, type SealedText } from '../access/vault.ts';

export const postKinds = ['offer', 'request'] as const;
export type PostKind = (typeof postKinds)[number];
export const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

/** How long a post stays open before its owner is asked to renew it: the help on offer changes. */
export const POST_OPEN_DAYS = 90;

export const postTitle = name(120);
export const tag = name(40).transform((t) => t.toLowerCase());
/**
 * Where the help is: a postcode district ("LS12") or a neighbourhood ("Armley"), never an
 * address. A full postcode would place an older person's front door; it is refused.
 */
export const area = name(60).refine((a) => !/\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b/i.test(a), {
  message: 'must be a postcode district (like LS12) or a neighbourhood, not a full postcode',
});
export const suits = z.strictObject({
  /** In the owner's words: "weekday mornings", "after school". */
  note: text(200, { min: 0 }),
  weekdays: z.array(z.enum(weekdays)).max(7).refine((d) => new Set(d).size === d.length, 'must not repeat a day'),
});

/** What the owner says of a post; the description is sealed by the application before deciding. */
const details = {
  title: postTitle,
  /** Sealed under the owner's key: it often says more about them than they would say aloud. */
  description: sealedText,
  category: categoryName,
  tags: z.array(tag).max(10),
  area: area.nullable(),
  suits,
  /** For a request: the date by which the help is needed. */
  neededBy: isoDate().nullable(),
  /** Partner time banks whose members may also see and answer it. */
  sharedWith: z.array(id()).max(20),
};

const ids = { postId: id(), networkId: id() };
export const PostPublished = defineEvent(
  'timebank.PostPublished',
  z.strictObject({ ...ids, kind: z.enum(postKinds), ownerId: id(), ...details, openUntil: isoDate(), publishedBy: id() }),
);
export const PostEdited = defineEvent('timebank.PostEdited', z.strictObject({ ...ids, ...details, editedBy: id() }));
export const PostPaused = defineEvent('timebank.PostPaused', z.strictObject({ ...ids, pausedBy: id() }));
export const PostRenewed = defineEvent('timebank.PostRenewed', z.strictObject({ ...ids, openUntil: isoDate(), renewedBy: id() }));
export const postClosings = ['by-owner', 'owner-left', 'owner-erased', 'by-coordinator'] as const;
export const PostClosed = defineEvent('timebank.PostClosed', z.strictObject({ ...ids, why: z.enum(postClosings), closedBy: id(), reason: reasonText().optional() }));
/**
 * The owner accepted an answer, or a coordinator brokered: one member gives the help, the other
 * receives it. Each may belong to another time bank when the post was shared with it.
 */
export const PostArranged = defineEvent(
  'timebank.PostArranged',
  z.strictObject({
    ...ids,
    arrangementId: id(),
    /** The answer accepted; absent when a coordinator brokered the arrangement. */
    answerId: id().optional(),
    providerId: id(),
    providerNetworkId: id(),
    receiverId: id(),
    receiverNetworkId: id(),
    category: categoryName,
    arrangedBy: id(),
    brokered: z.boolean(),
  }),
);
/** The help was given and logged: the arrangement became this exchange. */
export const ArrangementLogged = defineEvent('timebank.ArrangementLogged', z.strictObject({ ...ids, arrangementId: id(), exchangeId: id(), loggedBy: id() }));

export const postEventTypes = [PostPublished, PostEdited, PostPaused, PostRenewed, PostClosed, PostArranged, ArrangementLogged];
export type PostEvent =
  | DomainEvent<typeof PostPublished>
  | DomainEvent<typeof PostEdited>
  | DomainEvent<typeof PostPaused>
  | DomainEvent<typeof PostRenewed>
  | DomainEvent<typeof PostClosed>
  | DomainEvent<typeof PostArranged>
  | DomainEvent<typeof ArrangementLogged>;

export type PostDetails = Omit<z.infer<typeof PostEdited.schema>, 'postId' | 'networkId' | 'editedBy'>;
export type Post = Omit<z.infer<typeof PostPublished.schema>, 'publishedBy'>;
export type Arrangement = Omit<z.infer<typeof PostArranged.schema>, 'postId' | 'networkId'> & { exchangeId: string | null };
export type PostStatus = 'open' | 'paused' | 'arranged' | 'closed';
export type PostState = { status: 'none' } | { status: PostStatus; post: Post; arrangement: Arrangement | null };

/** Who is on the other side of a post: the member who answered, or whom a coordinator matched. */
export interface Counterpart {
  personId: string;
  networkId: string;
}

/**
 * What a post's details are judged against, read by the application from the network's streams:
 * its kinds of help (categories) and the partner time banks it is in an active partnership with.
 */
export interface PostRules {
  categories: readonly string[];
  activePartners: readonly string[];
}

export type PostCommand =
  | { type: 'PublishPost'; postId: string; networkId: string; kind: PostKind; ownerId: string; details: PostDetails; rules: PostRules; by: Actor; today: string }
  | { type: 'EditPost'; details: PostDetails; rules: PostRules; by: Actor; today: string }
  | { type: 'PausePost'; by: Actor }
  | { type: 'RenewPost'; by: Actor; today: string }
  | { type: 'ClosePost'; by: Actor; reason?: string }
  /** The owner left the network or was erased: recorded by Hearth itself, on the person's behalf. */
  | { type: 'ClosePostOfDeparted'; why: 'owner-left' | 'owner-erased'; by: string }
  | { type: 'Arrange'; arrangementId: string; answerId?: string; counterpart: Counterpart; by: Actor }
  | { type: 'LogArrangement'; exchangeId: string; by: Actor };

export const postStream = (postId: string) => `post-${postId}`;

export const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The giver and the receiver: an offer's owner gives, a request's owner receives. */
export function partiesOf(post: Post, other: Counterpart) {
  const owner = { personId: post.ownerId, networkId: post.networkId };
  const [provider, receiver] = post.kind === 'offer' ? [owner, other] : [other, owner];
  return { providerId: provider.personId, providerNetworkId: provider.networkId, receiverId: receiver.personId, receiverNetworkId: receiver.networkId };
}

const isOwnerOrCoordinator = (post: Post, by: Actor) => by.personId === post.ownerId || by.isCoordinator;

function requireOwnerOrCoordinator(post: Post, by: Actor, what: string): void {
  if (!isOwnerOrCoordinator(post, by)) throw new Rejection('not-post-owner', `Only the member who posted this, or a coordinator, may ${what} it.`, 403);
}

function requireDetails(networkId: string, kind: PostKind, details: PostDetails, rules: PostRules, today: string): void {
  if (!rules.categories.includes(details.category)) throw new Rejection('unknown-category', "This is not one of the network's kinds of help.", 422, 'category');
  if (new Set(details.sharedWith).size !== details.sharedWith.length) throw new Rejection('repeated-partner', 'Each partner time bank may be named once.', 422, 'sharedWith');
  if (details.sharedWith.some((n) => n === networkId || !rules.activePartners.includes(n))) {
    throw new Rejection('not-a-partner', 'A post is shared only with time banks in an active partnership with this one.', 422, 'sharedWith');
  }
  if (kind === 'offer' && details.neededBy !== null) throw new Rejection('needed-by-on-offer', 'Only a request has a date by which help is needed.', 422, 'neededBy');
  if (details.neededBy !== null && details.neededBy < today) throw new Rejection('date-in-past', 'The date by which help is needed cannot be in the past.', 422, 'neededBy');
  if (new Set(details.tags).size !== details.tags.length) throw new Rejection('repeated-tag', 'Each tag may be given once.', 422, 'tags');
}

export const postDecider: Decider<PostCommand, PostState, PostEvent> = {
  initialState: { status: 'none' },

  evolve(state, event) {
    if (event.type === 'timebank.PostPublished') {
      const { publishedBy: _by, ...post } = event.data;
      return { status: 'open', post, arrangement: null };
    }
    if (state.status === 'none') return state;
    switch (event.type) {
      case 'timebank.PostEdited': {
        const { postId: _p, networkId: _n, editedBy: _by, ...details } = event.data;
        return { ...state, post: { ...state.post, ...details } };
      }
      case 'timebank.PostPaused':
        return { ...state, status: 'paused' };
      case 'timebank.PostRenewed':
        return { ...state, status: 'open', post: { ...state.post, openUntil: event.data.openUntil } };
      case 'timebank.PostClosed':
        return { ...state, status: 'closed' };
      case 'timebank.PostArranged': {
        const { postId: _p, networkId: _n, ...arrangement } = event.data;
        return { ...state, status: 'arranged', arrangement: { ...arrangement, exchangeId: null } };
      }
      case 'timebank.ArrangementLogged':
        return state.arrangement ? { ...state, arrangement: { ...state.arrangement, exchangeId: event.data.exchangeId } } : state;
    }
  },

  decide(command, state) {
    if (command.type === 'PublishPost') {
      if (state.status !== 'none') throw new Rejection('post-exists', 'This post is already published.', 409);
      const { by, details } = command;
      if (by.personId !== command.ownerId && !by.isCoordinator) throw new Rejection('not-post-owner', 'A member posts for themselves; a coordinator may post for a member.', 403, 'ownerId');
      requireDetails(command.networkId, command.kind, details, command.rules, command.today);
      return [
        {
          type: 'timebank.PostPublished',
          data: {
            postId: command.postId,
            networkId: command.networkId,
            kind: command.kind,
            ownerId: command.ownerId,
            ...details,
            openUntil: addDays(command.today, POST_OPEN_DAYS),
            publishedBy: by.personId,
          },
        },
      ];
    }
    if (state.status === 'none') throw new Rejection('post-not-found', 'There is no such offer or request.', 404);
    const { post } = state;
    const ids = { postId: post.postId, networkId: post.networkId };
    switch (command.type) {
      case 'EditPost': {
        requireOwnerOrCoordinator(post, command.by, 'change');
        if (state.status === 'closed') throw new Rejection('post-closed', 'This post is closed; post a new one instead.', 409);
        if (state.status === 'arranged') throw new Rejection('post-arranged', 'Help has been arranged from this post, so it no longer changes; post a new one instead.', 409);
        if (sameDetails(post, command.details)) return [];
        // A date already set is not refused for having passed since, nor a partnership since ended
        // or a category since dropped, when they are kept as they were: only what changed is judged.
        requireDetails(
          post.networkId,
          post.kind,
          command.details,
          {
            categories: [...command.rules.categories, ...(command.details.category === post.category ? [post.category] : [])],
            activePartners: [...command.rules.activePartners, ...post.sharedWith.filter((n) => command.details.sharedWith.includes(n) && !command.rules.activePartners.includes(n))],
          },
          command.details.neededBy === post.neededBy ? '' : command.today,
        );
        return [{ type: 'timebank.PostEdited', data: { ...ids, ...command.details, editedBy: command.by.personId } }];
      }
      case 'PausePost':
        requireOwnerOrCoordinator(post, command.by, 'pause');
        if (state.status === 'paused') return [];
        if (state.status !== 'open') throw new Rejection('post-not-open', `This post is ${state.status}; only an open one is paused.`, 409);
        return [{ type: 'timebank.PostPaused', data: { ...ids, pausedBy: command.by.personId } }];
      case 'RenewPost': {
        requireOwnerOrCoordinator(post, command.by, 'renew');
        if (state.status !== 'open' && state.status !== 'paused') throw new Rejection('post-not-open', `This post is ${state.status}; post a new one instead.`, 409);
        const openUntil = addDays(command.today, POST_OPEN_DAYS);
        if (state.status === 'open' && post.openUntil === openUntil) return [];
        return [{ type: 'timebank.PostRenewed', data: { ...ids, openUntil, renewedBy: command.by.personId } }];
      }
      case 'ClosePost':
        requireOwnerOrCoordinator(post, command.by, 'close');
        if (state.status === 'closed') return [];
        return [
          {
            type: 'timebank.PostClosed',
            data: { ...ids, why: command.by.personId === post.ownerId ? 'by-owner' : 'by-coordinator', closedBy: command.by.personId, ...(command.reason ? { reason: command.reason } : {}) },
          },
        ];
      case 'ClosePostOfDeparted':
        if (state.status === 'closed' || state.status === 'arranged') return [];
        return [{ type: 'timebank.PostClosed', data: { ...ids, why: command.why, closedBy: command.by } }];
      case 'Arrange': {
        const { by, counterpart } = command;
        if (state.arrangement?.answerId !== undefined && state.arrangement.answerId === command.answerId) return [];
        if (state.status !== 'open') throw new Rejection('post-not-open', state.status === 'arranged' ? 'An answer to this post has already been accepted.' : `This post is ${state.status}.`, 409);
        if (counterpart.personId === post.ownerId) throw new Rejection('own-post', 'A member cannot arrange help with themselves.', 422, 'personId');
        if (command.answerId !== undefined && by.personId !== post.ownerId) throw new Rejection('not-post-owner', 'Only the member who posted this accepts an answer to it.', 403);
        if (command.answerId === undefined && !by.isCoordinator) throw new Rejection('coordinators-only', 'Only a coordinator brokers an arrangement between two members.', 403);
        if (command.answerId === undefined && by.personId === counterpart.personId) {
          throw new Rejection('own-arrangement', 'You would be a party to this arrangement: answer the post as yourself instead.', 403, 'personId');
        }
        return [
          {
            type: 'timebank.PostArranged',
            data: {
              ...ids,
              arrangementId: command.arrangementId,
              ...(command.answerId !== undefined ? { answerId: command.answerId } : {}),
              ...partiesOf(post, counterpart),
              category: post.category,
              arrangedBy: by.personId,
              brokered: command.answerId === undefined,
            },
          },
        ];
      }
      case 'LogArrangement': {
        const { arrangement } = state;
        if (!arrangement) throw new Rejection('not-arranged', 'Nothing has been arranged from this post yet.', 409);
        if (arrangement.exchangeId !== null) return [];
        const party = command.by.personId === arrangement.providerId || command.by.personId === arrangement.receiverId;
        if (!party && !command.by.isCoordinator) throw new Rejection('not-a-party', 'Only the two people in the arrangement, or a coordinator, may log it.', 403);
        return [{ type: 'timebank.ArrangementLogged', data: { ...ids, arrangementId: arrangement.arrangementId, exchangeId: command.exchangeId, loggedBy: command.by.personId } }];
      }
    }
  },
};

const sameDetails = (post: Post, d: PostDetails) => JSON.stringify(pick(post)) === JSON.stringify(pick(d));
const pick = (d: PostDetails) => [d.title, d.description, d.category, d.tags, d.area, d.suits, d.neededBy, d.sharedWith];

/**
 * Whether a member may see a post. Where the owner's time bank requires a DBS check before care
 * of a member flagged for safeguarding, such an owner's posts are shown only to members with a
 * current check, to coordinators and to the owner. Someone refused is shown nothing, not a
 * hidden post, so the flag itself never shows.
 */
export function mayView(
  viewer: { personId: string; membership: MembershipState; isCoordinator: boolean },
  post: { ownerId: string },
  owner: { needsSafeguarding: boolean; policy: SafeguardingPolicy },
  today: string,
): boolean {
  if (viewer.personId === post.ownerId || viewer.isCoordinator) return true;
  return careRefusal(owner.policy, viewer.membership, owner.needsSafeguarding, today) === null;
}

export type { SealedText };
