// Answers and arrangements: a member answers a post, the two write to each other, the owner
// accepts one answer (or a coordinator brokers), and either party logs the exchange from the
// arrangement. Who may do each is decided here against the post's own stream, never a read table;
// the exchange is logged through the time bank's one way of logging, and confirmed as any is.
import { v5 as uuidv5 } from 'uuid';
import { sql } from 'kysely';
import { Rejection, type Actor } from '../commands/decider.ts';
import { decideAcross, readStates } from '../commands/decide.ts';
import { contextOf, subjectOf, type Caller, type Deps } from '../access/caller.ts';
import { requireMember } from '../access/guard.ts';
import { membershipDecider, membershipStream } from '../access/membership.ts';
import { personDecider, personStream } from '../access/person.ts';
import { networkDecider, networkStream } from '../networks/network.ts';
import { partnershipDecider, partnershipStream } from '../networks/partnership.ts';
import { todayOn } from '../clock.ts';
import { mayView, postDecider, postStream, type Arrangement, type Post } from './post.ts';
import { answerDecider, answerIdFor, answerStream, arrangementIdFor, exchangeIdFor, logCommandIdFor, type Answer } from './answer.ts';
import { logExchange, type Written } from './app.ts';
import { keyset, mapPage, pageFrom, type Page as KeysetPage, type Paged } from '../db/keyset.ts';

const postRead = (postId: string) => [postStream(postId), postDecider] as const;
const answerRead = (answerId: string) => [answerStream(answerId), answerDecider] as const;

/** The caller in a network, as a decider sees them; a coordinator acting for a member is that member. */
async function actorIn(deps: Deps, caller: Caller, networkId: string): Promise<Actor> {
  const own = await requireMember(deps.store, networkId, caller);
  return { personId: subjectOf(caller), isCoordinator: caller.onBehalfOf === null && own.roles.includes('coordinator') };
}

const notFound = () => new Rejection('post-not-found', 'There is no such offer or request.', 404);

async function postOf(deps: Deps, postId: string): Promise<{ post: Post; arrangement: Arrangement | null; status: string }> {
  const { post } = await readStates(deps.store, { post: postRead(postId) });
  if (post.status === 'none') throw notFound();
  return post;
}

async function answerOf(deps: Deps, networkId: string, answerId: string): Promise<Answer> {
  const { answer } = await readStates(deps.store, { answer: answerRead(answerId) });
  if (answer.status === 'none' || (answer.answer.networkId !== networkId && answer.answer.answererNetworkId !== networkId)) {
    throw new Rejection('answer-not-found', 'There is no such answer in this network.', 404);
  }
  return answer.answer;
}

// ---- answering ----

/**
 * A member of `networkId` answers a post of their time bank, or of a partner's that shared it
 * with theirs. The safeguarding rule of the owner's time bank decides whether they see it at all.
 */
export async function answerPost(deps: Deps, caller: Caller, input: { networkId: string; postId: string; message: string }): Promise<Written & { answerId: string }> {
  const { networkId, postId } = input;
  const by = await actorIn(deps, caller, networkId);
  const answererId = subjectOf(caller);
  const { post } = await postOf(deps, postId);
  const answerId = answerIdFor(postId, answererId);
  const across = post.networkId !== networkId;
  const reads = {
    answer: answerRead(answerId),
    post: postRead(postId),
    membership: [membershipStream(networkId, answererId), membershipDecider] as const,
    owner: [personStream(post.ownerId), personDecider] as const,
    ownerNetwork: [networkStream(post.networkId), networkDecider] as const,
    partnership: [partnershipStream(networkId, post.networkId), partnershipDecider] as const,
  };
  // Sealed under a key linked to both members: erasing either makes the thread unreadable.
  const message = await deps.vault.sealText(input.message, [answererId, post.ownerId]);
  const today = todayOn(deps.clock);
  const d = await deps.vault.recording([message], () =>
    decideAcross(
      deps.store,
      reads,
      (s) => {
        const visible = mayView(
          { personId: answererId, membership: s.membership, isCoordinator: by.isCoordinator && !across },
          post,
          {
            needsSafeguarding: s.owner.status === 'active' && s.owner.needsSafeguarding,
            policy: { requireDbsForSafeguarded: s.ownerNetwork.status === 'open' && s.ownerNetwork.requireDbsForSafeguarded },
          },
          today,
        );
        return {
          answer: answerDecider.decide(
            { type: 'AnswerPost', answerId, answererId, answererNetworkId: networkId, message, by, post: s.post, mayView: visible, ...(across ? { partnership: s.partnership } : {}) },
            s.answer,
          ),
        };
      },
      contextOf(deps, caller),
    ),
  );
  return { answerId, revision: d.revisions.answer, position: d.position };
}

/** The member who answered, the owner, or a coordinator of either time bank writes in the thread. */
export async function sendAnswerMessage(deps: Deps, caller: Caller, input: { networkId: string; answerId: string; message: string }): Promise<Written & { messageId: string }> {
  const answer = await answerOf(deps, input.networkId, input.answerId);
  const by = await actorIn(deps, caller, input.networkId);
  const messageId = uuidv5('answer-message', caller.commandId);
  const message = await deps.vault.sealText(input.message, [answer.answererId, answer.ownerId]);
  const d = await deps.vault.recording([message], () =>
    decideAcross(
      deps.store,
      { answer: answerRead(input.answerId) },
      (s) => ({ answer: answerDecider.decide({ type: 'SendAnswerMessage', messageId, message, by }, s.answer) }),
      contextOf(deps, caller),
      { ifMatch: { stream: 'answer', revision: caller.ifMatch } },
    ),
  );
  return { messageId, revision: d.revisions.answer, position: d.position };
}

/** The member who answered (or a coordinator) withdraws an answer not yet accepted. */
export async function withdrawAnswer(deps: Deps, caller: Caller, input: { networkId: string; answerId: string }): Promise<Written> {
  const answer = await answerOf(deps, input.networkId, input.answerId);
  const by = await actorIn(deps, caller, input.networkId);
  const d = await decideAcross(
    deps.store,
    { answer: answerRead(input.answerId), post: postRead(answer.postId) },
    (s) => ({ answer: answerDecider.decide({ type: 'WithdrawAnswer', by, post: s.post }, s.answer) }),
    contextOf(deps, caller),
    { ifMatch: { stream: 'answer', revision: caller.ifMatch } },
  );
  return { revision: d.revisions.answer, position: d.position };
}

// ---- arranging ----

/**
 * The owner accepts one answer: the post's stream decides, so two answers accepted at once make
 * one arrangement. Accepting the same answer again is the same arrangement.
 */
export async function acceptAnswer(deps: Deps, caller: Caller, input: { networkId: string; answerId: string }): Promise<Written & { arrangementId: string }> {
  const answer = await answerOf(deps, input.networkId, input.answerId);
  if (answer.networkId !== input.networkId) throw new Rejection('answer-not-found', 'There is no such answer in this network.', 404);
  const by = await actorIn(deps, caller, input.networkId);
  const arrangementId = arrangementIdFor(answer.answerId);
  const across = answer.answererNetworkId !== answer.networkId;
  const d = await decideAcross(
    deps.store,
    {
      post: postRead(answer.postId),
      answer: answerRead(answer.answerId),
      answerer: [membershipStream(answer.answererNetworkId, answer.answererId), membershipDecider] as const,
      partnership: [partnershipStream(answer.networkId, answer.answererNetworkId), partnershipDecider] as const,
    },
    (s) => {
      const accepted = s.post.status !== 'none' && s.post.arrangement?.answerId === answer.answerId;
      if (!accepted && s.answer.status !== 'open') throw new Rejection('answer-withdrawn', 'This answer was withdrawn.', 409);
      if (!accepted && s.answerer.status !== 'active') throw new Rejection('unknown-member', 'The member who answered is no longer an active member of their time bank.', 422);
      if (!accepted && across && s.partnership.status !== 'active') throw new Rejection('no-partnership', 'The two time banks no longer have an active partnership.', 403);
      return {
        post: postDecider.decide({ type: 'Arrange', arrangementId, answerId: answer.answerId, counterpart: { personId: answer.answererId, networkId: answer.answererNetworkId }, by }, s.post),
      };
    },
    contextOf(deps, caller),
    { ifMatch: { stream: 'post', revision: caller.ifMatch } },
  );
  return { arrangementId, revision: d.revisions.post, position: d.position };
}

/**
 * A coordinator of the post's time bank arranges help between its owner and a member (of this
 * time bank, or of a partner's the post is shared with): recorded as the coordinator's.
 */
export async function brokerArrangement(
  deps: Deps,
  caller: Caller,
  input: { networkId: string; postId: string; personId: string; personNetworkId?: string },
): Promise<Written & { arrangementId: string }> {
  await requireMember(deps.store, input.networkId, caller, ['coordinator']);
  if (caller.onBehalfOf !== null) throw new Rejection('coordinators-only', 'A coordinator brokers as themselves, not on behalf of a member.', 403);
  const { post } = await postOf(deps, input.postId);
  if (post.networkId !== input.networkId) throw notFound();
  const theirs = input.personNetworkId ?? input.networkId;
  if (theirs !== post.networkId && !post.sharedWith.includes(theirs)) {
    throw new Rejection('not-shared', 'This post is not shared with that time bank.', 422, 'personNetworkId');
  }
  const arrangementId = uuidv5('arrangement', caller.commandId);
  const d = await decideAcross(
    deps.store,
    {
      post: postRead(input.postId),
      member: [membershipStream(theirs, input.personId), membershipDecider] as const,
      partnership: [partnershipStream(post.networkId, theirs), partnershipDecider] as const,
    },
    (s) => {
      if (s.member.status !== 'active') throw new Rejection('unknown-member', 'This person is not an active member of their time bank.', 422, 'personId');
      if (theirs !== post.networkId && s.partnership.status !== 'active') throw new Rejection('no-partnership', 'The two time banks have no active partnership.', 403, 'personNetworkId');
      return { post: postDecider.decide({ type: 'Arrange', arrangementId, counterpart: { personId: input.personId, networkId: theirs }, by: { personId: caller.personId, isCoordinator: true } }, s.post) };
    },
    contextOf(deps, caller),
    { ifMatch: { stream: 'post', revision: caller.ifMatch } },
  );
  return { arrangementId, revision: d.revisions.post, position: d.position };
}

// ---- logging ----

/** What the caller says of the help given; the parties and the category come from the arrangement. */
export interface ArrangementLog {
  networkId: string;
  postId: string;
  minutes: number;
  occurredOn: string;
  description: string;
}

/**
 * Either party (or a coordinator) logs the exchange an arrangement led to, in one step. It is
 * logged through the time bank's own logging (across two banks under their partnership) and
 * confirmed as any exchange is. The exchange's id and the command's follow from the arrangement,
 * so a retry, a crash between the two writes, or both parties at once log it once.
 */
export async function logArrangement(deps: Deps, caller: Caller, input: ArrangementLog): Promise<Written & { exchangeId: string; arrangementId: string }> {
  const state = await postOf(deps, input.postId);
  const { arrangement } = state;
  if (!arrangement) throw new Rejection('not-arranged', 'Nothing has been arranged from this post yet.', 409);
  const inNetwork = [state.post.networkId, arrangement.providerNetworkId, arrangement.receiverNetworkId].includes(input.networkId);
  if (!inNetwork) throw notFound();
  const by = await actorIn(deps, caller, input.networkId);
  // Across two time banks the partnership's rule holds: the exchange is logged in the giver's bank
  // and confirmed by the member it takes hours from, so that member does not log it.
  if (arrangement.receiverNetworkId !== arrangement.providerNetworkId && by.personId === arrangement.receiverId) {
    throw new Rejection('giver-logs-across', 'Across two time banks the member who gave the help logs it, and you confirm it then.', 403);
  }
  const exchangeId = exchangeIdFor(arrangement.arrangementId);
  // Judged before anything is written: only the two people in it, or a coordinator, log it.
  postDecider.decide({ type: 'LogArrangement', exchangeId, by }, state as Parameters<typeof postDecider.decide>[1]);
  const commandId = logCommandIdFor(arrangement.arrangementId);
  const as = { ...caller, commandId, ifMatch: undefined };
  const logged = await logExchange(deps, as, {
    networkId: arrangement.providerNetworkId,
    providerId: arrangement.providerId,
    receiverId: arrangement.receiverId,
    ...(arrangement.receiverNetworkId !== arrangement.providerNetworkId ? { receiverNetworkId: arrangement.receiverNetworkId } : {}),
    minutes: input.minutes,
    category: arrangement.category,
    description: input.description,
    occurredOn: input.occurredOn,
  });
  if (logged.exchangeId !== exchangeId) throw new Error('the exchange of an arrangement follows from it');
  const d = await decideAcross(
    deps.store,
    { post: postRead(input.postId) },
    (s) => ({ post: postDecider.decide({ type: 'LogArrangement', exchangeId, by }, s.post) }),
    contextOf(deps, as),
  );
  return { exchangeId, arrangementId: arrangement.arrangementId, revision: logged.revision, position: Math.max(logged.position, d.position) };
}

/** Logs the arrangement named by its id, as a route or a page names it (see logArrangement). */
export async function logArrangementById(deps: Deps, caller: Caller, input: Omit<ArrangementLog, 'postId'> & { arrangementId: string }): Promise<Written & { exchangeId: string; arrangementId: string }> {
  const { arrangementId, ...log } = input;
  const row = await deps.database.db.selectFrom('timebank_arrangements').select('post_id').where('arrangement_id', '=', arrangementId).executeTakeFirst();
  if (!row) throw new Rejection('arrangement-not-found', 'There is no such arrangement in this network.', 404);
  const { arrangement } = await postOf(deps, row.post_id);
  if (arrangement?.arrangementId !== arrangementId) throw new Rejection('arrangement-not-found', 'There is no such arrangement in this network.', 404);
  return logArrangement(deps, caller, { ...log, postId: row.post_id });
}

/** What logging an arrangement starts from: an hour, today, the post's category. */
export const prefillOf = (deps: Pick<Deps, 'clock'>, a: { category: string }) => ({ minutes: 60, occurredOn: todayOn(deps.clock), category: a.category });

// ---- reading ----

/** A page of a list, newest first: `after` holds the position of the last row of the page before. */
export type Page = KeysetPage<readonly [number]>;

/** Where an answer stands: the projection writes no other. */
export type AnswerStatus = 'open' | 'withdrawn' | 'accepted';

export interface AnswerRow {
  answerId: string;
  postId: string;
  networkId: string;
  postTitle: string;
  postKind: string;
  answererId: string;
  answererNetworkId: string;
  ownerId: string;
  status: AnswerStatus;
  messages: number;
  lastMessageAt: string;
  position: number;
}

export interface MessageRow {
  messageId: string;
  fromId: string;
  text: string;
  sentAt: string;
}

export interface ArrangementRow {
  arrangementId: string;
  postId: string;
  networkId: string;
  postTitle: string;
  answerId: string | null;
  providerId: string;
  providerNetworkId: string;
  receiverId: string;
  receiverNetworkId: string;
  category: string;
  brokered: boolean;
  arrangedAt: string;
  exchangeId: string | null;
  position: number;
}

export interface FigureRow {
  month: string;
  category: string;
  offers: number;
  requests: number;
  answers: number;
  arrangements: number;
  exchanges: number;
}

const answerColumns = (db: Deps['database']['db']) =>
  db
    .selectFrom('timebank_answers as a')
    .leftJoin('timebank_answer_posts as p', 'p.post_id', 'a.post_id')
    .select([
      'a.answer_id', 'a.post_id', 'a.network_id', 'p.title', 'p.kind', 'a.answerer_id', 'a.answerer_network_id', 'a.owner_id', 'a.status', 'a.messages', 'a.last_message_at', 'a.position',
    ]);

type AnswerRecord = { answer_id: string; post_id: string; network_id: string; title: string | null; kind: string | null; answerer_id: string; answerer_network_id: string; owner_id: string; status: string; messages: number; last_message_at: string; position: unknown };
const toAnswer = (r: AnswerRecord): AnswerRow => ({
  answerId: r.answer_id, postId: r.post_id, networkId: r.network_id, postTitle: r.title ?? '', postKind: r.kind ?? '', answererId: r.answerer_id, answererNetworkId: r.answerer_network_id,
  ownerId: r.owner_id, status: r.status as AnswerStatus, messages: r.messages, lastMessageAt: r.last_message_at, position: Number(r.position),
});

/**
 * The answers a member has given (`mine`) or received on their posts (`toMe`), newest first, a
 * page at a time. The member, or a coordinator of the network acting for them.
 */
export async function answersOf(deps: Deps, caller: Caller, input: { networkId: string; which: 'mine' | 'toMe'; page: Page }): Promise<Paged<Omit<AnswerRow, 'position'>, readonly [number]>> {
  await requireMember(deps.store, input.networkId, caller);
  const person = subjectOf(caller);
  let q = answerColumns(deps.database.db).where(input.which === 'mine' ? 'a.answerer_id' : 'a.owner_id', '=', person);
  q = q.where(input.which === 'mine' ? 'a.answerer_network_id' : 'a.network_id', '=', input.networkId);
  const rows = await keyset(q, ['a.position'], 'desc', input.page).execute();
  return mapPage(pageFrom(rows.map(toAnswer), input.page.limit, (a) => [a.position] as const), ({ position: _, ...a }) => a);
}

/** One answer and its thread, opened: the two members, or a coordinator of either time bank. */
export async function threadOf(deps: Deps, caller: Caller, input: { networkId: string; answerId: string }): Promise<{ answer: AnswerRow; messages: MessageRow[]; revision: number }> {
  const answer = await answerOf(deps, input.networkId, input.answerId);
  await mayReadThread(deps, caller, input.networkId, answer);
  const row = await answerColumns(deps.database.db).where('a.answer_id', '=', input.answerId).executeTakeFirst();
  if (!row) throw new Rejection('answer-not-found', 'There is no such answer in this network.', 404);
  const rows = await deps.database.db.selectFrom('timebank_answer_messages').selectAll().where('answer_id', '=', input.answerId).orderBy('position').execute();
  const texts = await deps.vault.openTexts(rows.map((r) => JSON.parse(r.message)));
  const revision = (await deps.store.readStream(answerStream(input.answerId))).at(-1)?.revision ?? -1;
  return { answer: toAnswer(row), messages: rows.map((r, i) => ({ messageId: r.message_id, fromId: r.from_id, text: texts[i]!, sentAt: r.sent_at })), revision };
}

async function mayReadThread(deps: Deps, caller: Caller, networkId: string, answer: Answer): Promise<void> {
  const own = await requireMember(deps.store, networkId, caller);
  const person = subjectOf(caller);
  if (person === answer.answererId || person === answer.ownerId) return;
  if (caller.onBehalfOf === null && own.roles.includes('coordinator')) return;
  throw new Rejection('forbidden', 'Only the two members in this thread, or a coordinator, can read it.', 403);
}

const toArrangement = (r: Record<string, unknown>): ArrangementRow => ({
  arrangementId: r.arrangement_id as string, postId: r.post_id as string, networkId: r.network_id as string, postTitle: (r.title as string | null) ?? '', answerId: r.answer_id as string | null,
  providerId: r.provider_id as string, providerNetworkId: r.provider_network_id as string, receiverId: r.receiver_id as string, receiverNetworkId: r.receiver_network_id as string,
  category: r.category as string, brokered: r.brokered as boolean, arrangedAt: r.arranged_at as string, exchangeId: r.exchange_id as string | null, position: Number(r.position),
});

/** A member's arrangements, as giver or receiver, newest first; `waiting` keeps those not yet logged. */
export async function arrangementsOf(deps: Deps, caller: Caller, input: { networkId: string; page: Page; waiting?: boolean }): Promise<Paged<Omit<ArrangementRow, 'position'>, readonly [number]>> {
  await requireMember(deps.store, input.networkId, caller);
  const person = subjectOf(caller);
  let q = deps.database.db
    .selectFrom('timebank_arrangements as r')
    .leftJoin('timebank_answer_posts as p', 'p.post_id', 'r.post_id')
    .selectAll('r')
    .select('p.title')
    .where((w) => w.or([w.and([w('r.provider_id', '=', person), w('r.provider_network_id', '=', input.networkId)]), w.and([w('r.receiver_id', '=', person), w('r.receiver_network_id', '=', input.networkId)])]));
  if (input.waiting) q = q.where('r.exchange_id', 'is', null);
  const rows = (await keyset(q, ['r.position'], 'desc', input.page).execute()).map(toArrangement);
  return mapPage(pageFrom(rows, input.page.limit, (a) => [a.position] as const), ({ position: _, ...a }) => a);
}

/** One arrangement, with what logging it prefills: its parties, a coordinator of a bank it belongs to. */
export async function arrangementOf(deps: Deps, caller: Caller, input: { networkId: string; arrangementId: string }): Promise<ArrangementRow & { revision: number }> {
  const own = await requireMember(deps.store, input.networkId, caller);
  const row = await deps.database.db
    .selectFrom('timebank_arrangements as r')
    .leftJoin('timebank_answer_posts as p', 'p.post_id', 'r.post_id')
    .selectAll('r')
    .select('p.title')
    .where('r.arrangement_id', '=', input.arrangementId)
    .executeTakeFirst();
  const a = row ? toArrangement(row) : undefined;
  if (!a || ![a.networkId, a.providerNetworkId, a.receiverNetworkId].includes(input.networkId)) throw new Rejection('arrangement-not-found', 'There is no such arrangement in this network.', 404);
  const person = subjectOf(caller);
  const party = person === a.providerId || person === a.receiverId;
  if (!party && !(caller.onBehalfOf === null && own.roles.includes('coordinator'))) throw new Rejection('forbidden', 'Only the two people in this arrangement, or a coordinator, can see it.', 403);
  const revision = (await deps.store.readStream(postStream(a.postId))).at(-1)?.revision ?? -1;
  return { ...a, revision };
}

/** The figures coordinators read: per month and category, newest month first. */
export async function postFigures(deps: Deps, caller: Caller, input: { networkId: string; months?: number }): Promise<FigureRow[]> {
  await requireMember(deps.store, input.networkId, caller, ['coordinator']);
  const rows = await deps.database.db
    .selectFrom('timebank_post_figures')
    .select(['month', 'category', 'offers', 'requests', 'answers', 'arrangements', 'exchanges'])
    .where('network_id', '=', input.networkId)
    .orderBy('month', 'desc')
    .orderBy('category')
    .limit((input.months ?? 12) * 50)
    .execute();
  return rows;
}

/** Open offers and requests now, by category: what a coordinator matches from. */
export async function openPostsByCategory(deps: Deps, caller: Caller, input: { networkId: string }): Promise<Array<{ category: string; offers: number; requests: number }>> {
  await requireMember(deps.store, input.networkId, caller, ['coordinator']);
  const { rows } = await sql<{ category: string; offers: string; requests: string }>`
    SELECT category, count(*) FILTER (WHERE kind = 'offer') AS offers, count(*) FILTER (WHERE kind = 'request') AS requests
    FROM timebank_answer_posts WHERE network_id = ${input.networkId} AND status = 'open' GROUP BY category ORDER BY category`.execute(deps.database.db);
  return rows.map((r) => ({ category: r.category, offers: Number(r.offers), requests: Number(r.requests) }));
}

/** Open posts of this network a coordinator may broker from, by title, a page at a time. */
export async function openPosts(deps: Deps, caller: Caller, input: { networkId: string; page: KeysetPage<readonly [string, string]> }) {
  await requireMember(deps.store, input.networkId, caller, ['coordinator']);
  const query = deps.database.db.selectFrom('timebank_answer_posts').selectAll().where('network_id', '=', input.networkId).where('status', '=', 'open');
  const rows = await keyset(query, ['title', 'post_id'], 'asc', input.page).execute();
  return mapPage(pageFrom(rows, input.page.limit, (r) => [r.title, r.post_id] as const), (r) => ({ postId: r.post_id, title: r.title, kind: r.kind, ownerId: r.owner_id, category: r.category }));
}
