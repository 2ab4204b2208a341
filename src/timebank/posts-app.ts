// Offers and requests, as use cases: publishing, changing, pausing, renewing and closing a post,
// and finding posts. Every rule of who may do or see what is here; routes, pages and the CLI only
// parse, call and map. A post is decided on its own stream with the streams its rules rest on
// (the network's kinds of help, the owner's membership, each partnership it is shared under), so
// a partnership ended at the same moment makes the command read and decide again.
import { sql, type SqlBool, type Expression } from 'kysely';
import { v5 as uuidv5 } from 'uuid';
import { Rejection, type Actor } from '../commands/decider.ts';
import { decideAcross, readStates, type StreamRead } from '../commands/decide.ts';
import { contextOf, subjectOf, type Caller, type Deps } from '../access/caller.ts';
import { requireMember } from '../access/guard.ts';
import { membershipDecider, membershipStream } from '../access/membership.ts';
import { personDecider, personStream } from '../access/person.ts';
import { networkDecider, networkKinds, networkStream, requireKind } from '../networks/network.ts';
import { partnershipDecider, partnershipStream, type PartnershipState } from '../networks/partnership.ts';
import { todayOn } from '../clock.ts';
import { rulesRead, settingsDecider } from './settings.ts';
import { domainEvents } from '../eventstore/events.ts';
import { mayView, postDecider, postStream, type PostCommand, type PostDetails, type PostEvent, type PostKind, type PostState, type weekdays } from './post.ts';
import { keyset, mapPage, pageFrom, type Page, type Paged } from '../db/keyset.ts';

export interface Written {
  revision: number;
  position: number;
}

/** What a caller says of a post: the description in clear, sealed here before anything is decided. */
export interface PostInput {
  title: string;
  description: string;
  category: string;
  tags: string[];
  area: string | null;
  suits: { note: string; weekdays: Array<(typeof weekdays)[number]> };
  neededBy: string | null;
  sharedWith: string[];
}

/** The actor that closes the posts of a member who left or was erased. */
export const POSTS_ACTOR = 'system:posts';

const timeBankKinds = networkKinds.filter((kind) => kind !== 'care_bank_scheme');

/**
 * The caller as the post decider sees them. Acting for a member (On-Behalf-Of), a coordinator
 * posts and changes as that member; as themselves, a coordinator may change any post of the network.
 */
async function actorIn(deps: Deps, caller: Caller, networkId: string): Promise<Actor> {
  const own = await requireMember(deps.store, networkId, caller);
  return { personId: subjectOf(caller), isCoordinator: caller.onBehalfOf === null && own.roles.includes('coordinator') };
}

/** The streams a post's details are judged on: the network's kinds of help, and each partnership it names. */
function rulesReads(networkId: string, sharedWith: readonly string[]) {
  const partners: Record<string, StreamRead<PartnershipState>> = Object.fromEntries(
    [...new Set(sharedWith)].filter((n) => n !== networkId).map((n) => [`partner:${n}`, [partnershipStream(networkId, n), partnershipDecider] as const]),
  );
  return { rules: rulesRead(networkId), network: [networkStream(networkId), networkDecider] as const, ...partners };
}

function rulesFrom(s: Record<string, unknown>, sharedWith: readonly string[]) {
  const settings = s.rules as ReturnType<typeof settingsDecider.evolve>;
  requireKind(s.network as ReturnType<typeof networkDecider.evolve>, timeBankKinds, 'A time bank');
  return {
    categories: Object.keys(settings.categories),
    activePartners: sharedWith.filter((n) => (s[`partner:${n}`] as PartnershipState | undefined)?.status === 'active'),
  };
}

async function sealed(deps: Deps, ownerId: string, input: PostInput): Promise<PostDetails> {
  return { ...input, description: await deps.vault.sealText(input.description, [ownerId]) };
}

/** A member posts an offer or a request in their time bank; a coordinator may post for a member (On-Behalf-Of). */
export async function publishPost(deps: Deps, caller: Caller, input: { networkId: string; kind: PostKind; details: PostInput }): Promise<Written & { postId: string }> {
  const { networkId, kind } = input;
  const by = await actorIn(deps, caller, networkId);
  const ownerId = subjectOf(caller);
  const postId = uuidv5('post', caller.commandId);
  const today = todayOn(deps.clock);
  const details = await sealed(deps, ownerId, input.details);
  const d = await deps.vault.recording([details.description], () =>
    decideAcross(
      deps.store,
      { post: [postStream(postId), postDecider] as const, owner: [membershipStream(networkId, ownerId), membershipDecider] as const, ...rulesReads(networkId, details.sharedWith) },
      (s) => {
        if (s.owner.status !== 'active') throw new Rejection('unknown-member', 'This person is not an active member of this time bank.', 422);
        const rules = rulesFrom(s, details.sharedWith);
        return { post: postDecider.decide({ type: 'PublishPost', postId, networkId, kind, ownerId, details, rules, by, today }, s.post as PostState) };
      },
      contextOf(deps, caller),
    ),
  );
  return { postId, revision: d.revisions.post, position: d.position };
}

/** The post, when it belongs to this time bank. */
async function postIn(deps: Deps, networkId: string, postId: string) {
  const { post } = await readStates(deps.store, { post: [postStream(postId), postDecider] as const });
  if (post.status === 'none' || post.post.networkId !== networkId) throw new Rejection('post-not-found', 'There is no such offer or request in this time bank.', 404);
  return post;
}

async function onPost(deps: Deps, caller: Caller, input: { networkId: string; postId: string }, command: (by: Actor, today: string) => PostCommand): Promise<Written> {
  await postIn(deps, input.networkId, input.postId);
  const by = await actorIn(deps, caller, input.networkId);
  const today = todayOn(deps.clock);
  const d = await decideAcross(
    deps.store,
    { post: [postStream(input.postId), postDecider] as const },
    (s) => ({ post: postDecider.decide(command(by, today), s.post) }),
    contextOf(deps, caller),
    { ifMatch: { stream: 'post', revision: caller.ifMatch } },
  );
  return { revision: d.revisions.post, position: d.position };
}

/** The owner, or a coordinator, changes what a post says; not once it is closed or arranged. */
export async function editPost(deps: Deps, caller: Caller, input: { networkId: string; postId: string; details: PostInput }): Promise<Written> {
  const { networkId, postId } = input;
  const post = await postIn(deps, networkId, postId);
  const by = await actorIn(deps, caller, networkId);
  const today = todayOn(deps.clock);
  const current = await deps.vault.openText(post.post.description);
  // An unchanged description keeps its sealed text, so saving the form unchanged writes nothing.
  const details: PostDetails = current === input.details.description ? { ...input.details, description: post.post.description } : await sealed(deps, post.post.ownerId, input.details);
  const fresh = details.description === post.post.description ? [] : [details.description];
  const d = await deps.vault.recording(fresh, () =>
    decideAcross(
      deps.store,
      { post: [postStream(postId), postDecider] as const, ...rulesReads(networkId, details.sharedWith) },
      (s) => ({ post: postDecider.decide({ type: 'EditPost', details, rules: rulesFrom(s, details.sharedWith), by, today }, s.post as PostState) }),
      contextOf(deps, caller),
      { ifMatch: { stream: 'post', revision: caller.ifMatch } },
    ),
  );
  return { revision: d.revisions.post, position: d.position };
}

export const pausePost = (deps: Deps, caller: Caller, input: { networkId: string; postId: string }) => onPost(deps, caller, input, (by) => ({ type: 'PausePost', by }));
export const renewPost = (deps: Deps, caller: Caller, input: { networkId: string; postId: string }) => onPost(deps, caller, input, (by, today) => ({ type: 'RenewPost', by, today }));
export const closePost = (deps: Deps, caller: Caller, input: { networkId: string; postId: string; reason?: string }) =>
  onPost(deps, caller, input, (by) => ({ type: 'ClosePost', by, ...(input.reason ? { reason: input.reason } : {}) }));

// ---- members who leave ----

/**
 * Closes the open and paused posts of a member who left a network (or, without a network, was
 * erased). Each close has a command id that follows from the post, so running this twice, or
 * after a crash half way, closes each post once.
 */
export async function closePostsOf(deps: Pick<Deps, 'database' | 'store' | 'clock'>, input: { personId: string; networkId?: string; why: 'owner-left' | 'owner-erased' }): Promise<number> {
  let q = deps.database.db.selectFrom('timebank_posts').select('post_id').where('owner_id', '=', input.personId).where('status', 'in', ['open', 'paused']);
  if (input.networkId) q = q.where('network_id', '=', input.networkId);
  const rows = await q.execute();
  for (const { post_id } of rows) await closeOfDeparted(deps, post_id, input.why);
  return rows.length;
}

async function closeOfDeparted(deps: Pick<Deps, 'store' | 'clock'>, postId: string, why: 'owner-left' | 'owner-erased'): Promise<void> {
  const commandId = uuidv5(`close-departed/${postId}`, uuidv5.URL);
  await decideAcross(
    deps.store,
    { post: [postStream(postId), postDecider] as const },
    // Recorded by Hearth on the owner's behalf: the event names the owner as who closed it.
    (s) => (s.post.status === 'none' ? {} : { post: postDecider.decide({ type: 'ClosePostOfDeparted', why, by: s.post.post.ownerId }, s.post) }),
    contextOf(deps, { personId: POSTS_ACTOR, onBehalfOf: null, commandId, correlationId: commandId }),
  );
}

/**
 * The catch-up: every post still open or paused whose owner has left its time bank or was erased
 * is closed. Cheap (two indexed reads), and run at start, so a crash between a member leaving and
 * their posts closing leaves nothing open.
 */
export async function closePostsOfDeparted(deps: Deps): Promise<number> {
  const { db } = deps.database;
  const left = await db
    .selectFrom('timebank_posts as p')
    .innerJoin('memberships as m', (j) => j.onRef('m.network_id', '=', 'p.network_id').onRef('m.person_id', '=', 'p.owner_id'))
    .select('p.post_id')
    .where('p.status', 'in', ['open', 'paused'])
    .where('m.status', '=', 'left')
    .execute();
  const erased = await db
    .selectFrom('timebank_posts as p')
    .innerJoin('people as pe', 'pe.person_id', 'p.owner_id')
    .select('p.post_id')
    .where('p.status', 'in', ['open', 'paused'])
    .where('pe.erased', '=', true)
    .execute();
  for (const { post_id } of erased) await closeOfDeparted(deps, post_id, 'owner-erased');
  const erasedIds = new Set(erased.map((r) => r.post_id));
  for (const { post_id } of left) if (!erasedIds.has(post_id)) await closeOfDeparted(deps, post_id, 'owner-left');
  return left.length + erased.length;
}

// ---- finding posts ----

export interface PostSummary {
  postId: string;
  networkId: string;
  kind: PostKind;
  ownerId: string;
  ownerName: string;
  title: string;
  category: string;
  tags: string[];
  area: string | null;
  suits: { note: string; weekdays: string[] };
  neededBy: string | null;
  status: 'open' | 'paused' | 'arranged' | 'closed';
  openUntil: string;
  publishedAt: string;
  /** Where the post was published, when that is a partner time bank rather than the one searched. */
  fromNetwork: string | null;
}

export interface PostQuery {
  networkId: string;
  text?: string;
  kind?: PostKind;
  category?: string;
  tag?: string;
  area?: string;
  /** The cursor: the published position of the last post of the previous page. */
  before?: number;
  limit: number;
}

/** How a viewer in a network is judged for safeguarding: coordinators and members with a current DBS check see every post. */
async function viewerIn(deps: Deps, caller: Caller, networkId: string) {
  const member = await requireMember(deps.store, networkId, caller);
  const personId = subjectOf(caller);
  const coordinator = caller.onBehalfOf === null && member.roles.includes('coordinator');
  // Acting for a member, the coordinator sees what the member would.
  const own = personId === caller.personId ? member : (await readStates(deps.store, { m: [membershipStream(networkId, personId), membershipDecider] as const })).m;
  const today = todayOn(deps.clock);
  const checked = own.status === 'active' && own.dbs !== null && own.dbs.expiresOn > today;
  return { personId, coordinator, seesAll: coordinator || checked, own };
}

const summaryColumns = [
  'p.post_id', 'p.network_id', 'p.kind', 'p.owner_id', 'p.title', 'p.category', 'p.tags', 'p.area', 'p.suits_note', 'p.weekdays', 'p.needed_by', 'p.status', 'p.open_until', 'p.published_at', 'p.published_position',
] as const;

type SummaryRow = {
  post_id: string; network_id: string; kind: 'offer' | 'request'; owner_id: string; title: string; category: string; tags: string[]; area: string | null; suits_note: string; weekdays: string[];
  needed_by: string | null; status: PostSummary['status']; open_until: string; published_at: Date | string; published_position: number | string; owner_name: string | null; owner_erased: boolean | null; network_name: string | null;
};

const toSummary = (networkId: string) => (r: SummaryRow): PostSummary => ({
  postId: r.post_id,
  networkId: r.network_id,
  kind: r.kind,
  ownerId: r.owner_id,
  ownerName: r.owner_erased ? 'erased member' : (r.owner_name ?? 'a member'),
  title: r.title,
  category: r.category,
  tags: r.tags,
  area: r.area,
  suits: { note: r.suits_note, weekdays: r.weekdays },
  neededBy: r.needed_by,
  status: r.status,
  openUntil: r.open_until,
  publishedAt: new Date(r.published_at).toISOString(),
  fromNetwork: r.network_id === networkId ? null : (r.network_name ?? 'a partner time bank'),
});

function selectPosts(deps: Pick<Deps, 'database'>) {
  return deps.database.db
    .selectFrom('timebank_posts as p')
    .leftJoin('people as pe', 'pe.person_id', 'p.owner_id')
    .leftJoin('networks as n', 'n.network_id', 'p.network_id')
    .select(summaryColumns)
    .select(['pe.name as owner_name', 'pe.erased as owner_erased', 'n.name as network_name']);
}

/**
 * The open offers and requests a member may find in their time bank: its own, and those partner
 * time banks in an active partnership shared with it; newest first, a page at a time. Posts of a
 * member who needs safeguarding, where their time bank requires a DBS check, are left out for a
 * viewer without a current one: nothing says a post was left out, so the flag never shows.
 */
export async function findPosts(deps: Deps, caller: Caller, query: PostQuery): Promise<{ items: PostSummary[]; next: number | null }> {
  const { networkId } = query;
  const viewer = await viewerIn(deps, caller, networkId);
  // The time banks whose posts may be shared here: its active partners, a short list read first,
  // so that without any the search is one range of the open-posts index.
  const partners = (await deps.database.db.selectFrom('partnerships').select('partner_network_id').where('network_id', '=', networkId).where('status', '=', 'active').execute()).map((r) => r.partner_network_id);
  const q = findPostsQuery(deps, viewer, partners, query);
  const rows = (await q.execute()) as SummaryRow[];
  const items = rows.slice(0, query.limit).map(toSummary(networkId));
  const last = rows.length > query.limit ? rows[query.limit - 1]! : null;
  return { items, next: last ? Number(last.published_position) : null };
}

/** The search as one statement: exported so the benchmark can ask PostgreSQL how it runs it. */
export function findPostsQuery(deps: Pick<Deps, 'database'>, viewer: { personId: string; seesAll: boolean }, partners: readonly string[], query: PostQuery) {
  const { networkId } = query;
  let q = selectPosts(deps).where('p.status', '=', 'open');
  q =
    partners.length === 0
      ? q.where('p.network_id', '=', networkId)
      : q.where((eb) =>
          eb.or([
            eb('p.network_id', '=', networkId),
            eb.and([
              eb('p.network_id', 'in', partners),
              eb.exists(eb.selectFrom('timebank_post_shares as s').select(sql`1`.as('one')).whereRef('s.post_id', '=', 'p.post_id').where('s.network_id', '=', networkId)),
            ]),
          ]),
        );
  if (query.text) q = q.where(sql<SqlBool>`p.search @@ websearch_to_tsquery('english', ${query.text})`);
  if (query.kind) q = q.where('p.kind', '=', query.kind);
  if (query.category) q = q.where('p.category', '=', query.category);
  if (query.tag) q = q.where(sql<SqlBool>`p.tags @> ARRAY[${query.tag.toLowerCase()}]::text[]`);
  if (query.area) q = q.where(sql<SqlBool>`lower(p.area) = lower(${query.area})`);
  if (query.before !== undefined) q = q.where('p.published_position', '<', query.before);
  if (!viewer.seesAll) {
    q = q.where((eb) =>
      eb.or([
        eb('p.owner_id', '=', viewer.personId),
        eb.not(
          eb.exists(
            eb
              .selectFrom('people as sp')
              .innerJoin('networks as sn', 'sn.network_id', 'p.network_id')
              .select(sql`1`.as('one'))
              .whereRef('sp.person_id', '=', 'p.owner_id')
              .where('sp.needs_safeguarding', '=', true)
              .where('sn.require_dbs_for_safeguarded', '=', true),
          ),
        ) as Expression<SqlBool>,
      ]),
    );
  }
  return q.orderBy('p.published_position', 'desc').limit(query.limit + 1);
}

/**
 * One post with its description, for a member who may see it: of this time bank, or shared with
 * it under an active partnership, and not withheld for safeguarding. Its owner and coordinators
 * see it whatever its status; others only while it is open.
 */
export async function readPost(deps: Deps, caller: Caller, input: { networkId: string; postId: string }) {
  const { networkId, postId } = input;
  const viewer = await viewerIn(deps, caller, networkId);
  // One read gives both the post and its revision (the ETag).
  const history = await deps.store.readStream(postStream(postId));
  const post = (domainEvents(history) as PostEvent[]).reduce(postDecider.evolve, postDecider.initialState);
  const notFound = new Rejection('post-not-found', 'There is no such offer or request, or it is not open to you.', 404);
  if (post.status === 'none') throw notFound;
  const p = post.post;
  const own = p.ownerId === viewer.personId;
  const here = p.networkId === networkId;
  if (!here) {
    const { partnership } = await readStates(deps.store, { partnership: [partnershipStream(networkId, p.networkId), partnershipDecider] as const });
    if (!p.sharedWith.includes(networkId) || partnership.status !== 'active') throw notFound;
  }
  if (!own && !(viewer.coordinator && here) && post.status !== 'open') throw notFound;
  const s = await readStates(deps.store, { owner: [personStream(p.ownerId), personDecider] as const, network: [networkStream(p.networkId), networkDecider] as const });
  const visible = mayView(
    { personId: viewer.personId, membership: viewer.own, isCoordinator: viewer.coordinator },
    p,
    { needsSafeguarding: s.owner.status === 'active' && s.owner.needsSafeguarding, policy: { requireDbsForSafeguarded: s.network.status === 'open' && s.network.requireDbsForSafeguarded } },
    todayOn(deps.clock),
  );
  if (!visible) throw notFound;
  return {
    postId,
    networkId: p.networkId,
    kind: p.kind,
    ownerId: p.ownerId,
    ownerName: s.owner.status === 'active' ? (await ownerName(deps, p.ownerId)) : 'erased member',
    title: p.title,
    description: await deps.vault.openText(p.description),
    category: p.category,
    tags: p.tags,
    area: p.area,
    suits: p.suits,
    neededBy: p.neededBy,
    sharedWith: p.sharedWith,
    status: post.status,
    openUntil: p.openUntil,
    /** Whether the viewer may change it: its owner, or a coordinator of its time bank. */
    mayChange: own || (viewer.coordinator && here),
    revision: history.at(-1)?.revision ?? -1,
  };
}

async function ownerName(deps: Deps, personId: string): Promise<string> {
  const row = await deps.database.db.selectFrom('people').select('name').where('person_id', '=', personId).executeTakeFirst();
  return row?.name ?? 'a member';
}

/** The caller's own posts in this time bank (or, for a coordinator acting for a member, that member's), every status, newest first. */
export async function myPosts(deps: Deps, caller: Caller, input: { networkId: string; page: Page<readonly [number]> }): Promise<Paged<PostSummary, readonly [number]>> {
  await requireMember(deps.store, input.networkId, caller);
  const rows = (await keyset(selectPosts(deps).where('p.owner_id', '=', subjectOf(caller)).where('p.network_id', '=', input.networkId), ['p.published_position'], 'desc', input.page).execute()) as SummaryRow[];
  return mapPage(pageFrom(rows, input.page.limit, (r) => [Number(r.published_position)] as const), toSummary(input.networkId));
}

/**
 * Requests nobody has answered for `days` days, oldest first, for coordinators to broker: open (so
 * not arranged), and with no answer but withdrawn ones.
 */
export async function unansweredRequests(deps: Deps, caller: Caller, input: { networkId: string; days: number; page: Page<readonly [number]> }): Promise<Paged<PostSummary, readonly [number]>> {
  await requireMember(deps.store, input.networkId, caller, ['coordinator']);
  const since = new Date(deps.clock.now().getTime() - input.days * 86_400_000).toISOString();
  const query = selectPosts(deps)
    .where('p.network_id', '=', input.networkId)
    .where('p.kind', '=', 'request')
    .where('p.status', '=', 'open')
    .where(sql<SqlBool>`p.published_at <= ${since}::timestamptz`)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('timebank_answers as a').select('a.answer_id').whereRef('a.post_id', '=', 'p.post_id').where('a.status', '!=', 'withdrawn'))));
  const rows = (await keyset(query, ['p.published_position'], 'asc', input.page).execute()) as SummaryRow[];
  return mapPage(pageFrom(rows, input.page.limit, (r) => [Number(r.published_position)] as const), toSummary(input.networkId));
}
