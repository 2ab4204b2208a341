// Moving in from TimeOverflow: what its reports hold (read and checked whole in timeoverflow.ts)
// becomes what Hearth itself would have recorded. Members become people without an account who
// keep their old member number; a transfer between two members becomes a confirmed exchange, one
// with the organisation a grant from or a donation to the organisation's account; offers and
// inquiries become posts in their categories. History is taken as it was: no limit, category or
// date rule is applied to it.
//
// A later export adds only what is new. What was imported is logged on the network's import stream
// (when, to the second; the minutes; a digest of the post; each side's member number, or the
// organisation, or a former member): a row of a later export is the same transfer when all of that
// matches, a member since become inactive or deleted matching the number they had. Rows that could
// be one of several transfers already imported, with different members, are reported, not guessed.
// Transfers are written in batches, each a process: begun on the log with every posting it plans,
// then written a stream at a time and ended, so that it runs on a store that commits one stream
// at a time. A batch cut short is finished by the sweeper, or first thing by the next run. A
// member erased since an earlier run is not recorded again, nor any row of theirs: the import
// skips and counts them.
import { createHash } from 'node:crypto';
import { inParallel } from '../parallel.ts';
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { v5 as uuidv5 } from 'uuid';
import { Rejection } from '../commands/decider.ts';
import { decideAcross, readStates, type CommandContext, type Folder, type StreamRead } from '../commands/decide.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { membershipDecider, membershipStream, planOf } from '../access/membership.ts';
import { isErased, registerPerson } from '../access/register.ts';
import { personDecider, personStream, type PersonalDetails } from '../access/person.ts';
import { sealedText, type SealedText } from '../access/vault.ts';
import type { Deps } from '../access/caller.ts';
import { stepContext } from '../commands/process.ts';
import type { Hearth } from '../hearth.ts';
import { accountRead, accountStream, chestPostings, ORGANISATION, type NetworkHolder } from './account.ts';
import { exchangeStream, importedExchange } from './exchange.ts';
import { rulesRead, settingsDecider } from './settings.ts';
import { postDecider, postStream } from './post.ts';
import { id, isoDate } from '../bounds.ts';
import { minutes as minutesSchema } from '../units.ts';
import { readMovingIn, type ImportFile, type MovingIn, type Side, type Transfer } from './timeoverflow.ts';

export { importColumns, readMovingIn, filesOf, type ImportFile, type MovingIn } from './timeoverflow.ts';

export const IMPORTED_CATEGORY = 'imported';
const FORMER_MEMBERS = 'former members';
const NAMESPACE = '6f1c9a52-3b8e-4d71-9a0e-2c5d8b7e4f13';
/**
 * Transfers planned in one batch: its begun event, titles sealed, stays far below what EventStoreDB
 * takes in one append (1 MiB), even when every title is as long as the reports allow.
 */
export const BATCH = 100;
/** Streams of a batch written at once. */
const WIDTH = 64;
/** Batches carried out at once. */
const BATCHES_AT_ONCE = 3;
/** Transfers in one line of the log as written before batches were processes, with their postings in the same write. */
const WRITTEN_WHOLE = 1000;

const sideKey = z.string().regex(/^(\d{1,12}|organisation|former)$/);
const importedTransfer = z.strictObject({
  /** When, to the second, in UTC; or the day alone, when the file gave no time. */
  at: z.string().regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?$/),
  minutes: minutesSchema,
  /** A digest of the post's title: enough to tell transfers apart, without keeping the words. */
  post: z.string().regex(/^[0-9a-f]{16}$/),
  from: sideKey,
  to: sideKey,
  /** The exchange, grant or donation it became. */
  ref: id(),
});
/** A transfer as a begun batch plans it: enough to write its postings with nothing else at hand. */
const plannedTransfer = importedTransfer.extend({
  occurredOn: isoDate(),
  /** Whose accounts it moves: a member's, or the network's own account or chest. */
  fromHolder: z.string().min(1).max(40),
  toHolder: z.string().min(1).max(40),
  /** Between two members, an exchange, with its title sealed; absent for a grant or a donation. */
  description: sealedText.optional(),
});
/** A batch of transfers brought over from another system, written with its postings in one atomic write (imports before batches were processes). */
export const TransfersImported = defineEvent('timebank.TransfersImported', z.strictObject({ networkId: id(), transfers: z.array(importedTransfer).min(1).max(WRITTEN_WHOLE) }));
/** A batch claimed on the network's import log, with every posting it will write: what any process needs to carry it on. */
export const ImportBatchBegun = defineEvent('timebank.ImportBatchBegun', z.strictObject({ networkId: id(), batchId: id(), importedBy: id(), transfers: z.array(plannedTransfer).min(1).max(BATCH) }));
/** Every stream of a begun batch written. */
export const ImportBatchEnded = defineEvent('timebank.ImportBatchEnded', z.strictObject({ networkId: id(), batchId: id() }));
export const importEventTypes = [TransfersImported, ImportBatchBegun, ImportBatchEnded];
type ImportLogEvent = DomainEvent<typeof TransfersImported> | DomainEvent<typeof ImportBatchBegun> | DomainEvent<typeof ImportBatchEnded>;
export type ImportedTransfer = z.infer<typeof importedTransfer>;
type PlannedTransfer = z.infer<typeof plannedTransfer>;
type BatchBegun = z.infer<typeof ImportBatchBegun.schema>;

export const importStream = (networkId: string) => `timebank-import-${networkId}`;
/** Every transfer imported so far (a batch begun counts: it will be finished), and the batches begun and not ended. */
const logFolder: Folder<{ transfers: ImportedTransfer[]; inFlight: ReadonlyMap<string, BatchBegun> }, ImportLogEvent> = {
  initialState: { transfers: [], inFlight: new Map() },
  evolve: (s, e) => {
    switch (e.type) {
      case TransfersImported.type:
        return { ...s, transfers: s.transfers.concat(e.data.transfers) };
      case ImportBatchBegun.type:
        return { transfers: s.transfers.concat(e.data.transfers.map(({ at, minutes, post, from, to, ref }) => ({ at, minutes, post, from, to, ref }))), inFlight: new Map(s.inFlight).set(e.data.batchId, e.data) };
      case ImportBatchEnded.type: {
        const inFlight = new Map(s.inFlight);
        inFlight.delete(e.data.batchId);
        return { ...s, inFlight };
      }
      default:
        return s;
    }
  },
};
/** A stream a step writes whatever it holds: history is taken as it was (no limit applies). */
const heldOnly: Folder<null, unknown> = { initialState: null, evolve: () => null };
/** How many: what each batch holds the log at. */
const countFolder: Folder<number, ImportLogEvent> = { initialState: 0, evolve: (n, e) => (e.type === TransfersImported.type || e.type === ImportBatchBegun.type ? n + e.data.transfers.length : n) };

/** How far a run has got: the CLI shows it. Rows checked are every row of every file; rows written, transfers and posts. */
export interface ImportProgress {
  networkId: string;
  checked: number;
  written: number;
  total: number;
}
export const importProgress = new EventEmitter<{ progress: [ImportProgress] }>();

const keyOf = (s: Side) => (s.kind === 'member' ? s.number : s.kind);
const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
const identityOf = (t: Transfer) => ({ at: t.at, minutes: t.minutes, post: digest(t.post), from: keyOf(t.from), to: keyOf(t.to) });
/** A side of a later export fits one imported before: the same, or a member who has since left (or come back). */
const fits = (now: string, before: string) => now === before || (now === 'former' && /^\d/.test(before)) || (before === 'former' && /^\d/.test(now));
const sidesOf = (x: { from: string; to: string }) => `${x.from}>${x.to}`;

/**
 * Which rows of an export are already imported, which are new, and which could be one of several
 * imported transfers between different members: those are reported, never guessed.
 */
export function matchTransfers(prior: readonly ImportedTransfer[], transfers: readonly Transfer[]): { fresh: Transfer[]; already: Transfer[]; ambiguous: Transfer[] } {
  const groups = new Map<string, { prior: Array<ImportedTransfer & { used?: boolean }>; rows: Transfer[] }>();
  const groupOf = (k: string) => groups.get(k) ?? groups.set(k, { prior: [], rows: [] }).get(k)!;
  for (const p of prior) groupOf(`${p.at}|${p.minutes}|${p.post}`).prior.push({ ...p });
  for (const t of transfers) {
    const i = identityOf(t);
    groupOf(`${i.at}|${i.minutes}|${i.post}`).rows.push(t);
  }
  const fresh: Transfer[] = [];
  const already: Transfer[] = [];
  const ambiguous: Transfer[] = [];
  for (const g of groups.values()) {
    // The same sides first; a row names each transfer once, so each imported one is used once.
    const left: Transfer[] = [];
    for (const t of g.rows) {
      const exact = g.prior.find((p) => !p.used && sidesOf(p) === sidesOf(identityOf(t)));
      if (exact) {
        exact.used = true;
        already.push(t);
      } else left.push(t);
    }
    // Then a member become inactive or deleted since, by the number they had.
    const alike = new Map<string, Transfer[]>();
    for (const t of left) alike.set(sidesOf(identityOf(t)), [...(alike.get(sidesOf(identityOf(t))) ?? []), t]);
    for (const rows of alike.values()) {
      const i = identityOf(rows[0]!);
      const candidates = g.prior.filter((p) => !p.used && fits(i.from, p.from) && fits(i.to, p.to));
      const interchangeable = new Set(candidates.map(sidesOf)).size <= 1;
      rows.forEach((t, n) => {
        if (n < candidates.length) {
          candidates[n]!.used = true;
          already.push(t);
        } else if (candidates.length === 0 || interchangeable) fresh.push(t);
        else ambiguous.push(t);
      });
    }
  }
  const order = (a: Transfer, b: Transfer) => a.file.localeCompare(b.file) || a.line - b.line;
  return { fresh: fresh.sort(order), already, ambiguous: ambiguous.sort(order) };
}

export interface BalanceDifference {
  formerMemberNumber: string;
  personId: string;
  /** What the old system showed, rounded to the nearest minute (halves away from zero). */
  expectedMinutes: number;
  importedMinutes: number;
}

export interface ImportSummary {
  files: MovingIn['files'];
  members: number;
  /** Transfer rows read (those between two former members apart). */
  transfers: number;
  /** Rows already imported by an earlier run: nothing written for them. */
  alreadyImported: number;
  /** Rows that could be one of several transfers imported before: nothing written, for the coordinator to look at. */
  ambiguous: Array<{ file: string; line: number }>;
  /** Rows between two former members, which move nothing here. */
  withinFormerMembers: number;
  /** Members erased since an earlier run, and the lines of the rows that name them: none written. */
  erased: { members: number; lines: number[] };
  posts: { published: number; alreadyImported: number };
  /** Each member of the members report whose balance here is not the one the old system showed. */
  balanceDifferences: BalanceDifference[];
  minutes: number;
  position: number;
}

export interface ImportOptions {
  /** Stable for one request: with the log's revision, what makes each batch's command id. */
  importId: string;
  /** Where the exporter's organisation goes: the network's own account unless the coordinator says the chest. */
  organisationAs?: NetworkHolder;
}

/** Reads the files (checked whole) and writes them into a network. */
export async function importFiles(hearth: Hearth, networkId: string, files: readonly ImportFile[], base: Omit<CommandContext, 'commandId'>, options: ImportOptions): Promise<ImportSummary> {
  return importMovingIn(hearth, networkId, readMovingIn(files), base, options);
}

export async function importMovingIn(hearth: Hearth, networkId: string, data: MovingIn, base: Omit<CommandContext, 'commandId'>, options: ImportOptions): Promise<ImportSummary> {
  const { store } = hearth;
  // The exporter's organisation: the network's own account, unless the coordinator says the chest.
  const organisation = options.organisationAs ?? ORGANISATION;
  const idFor = (what: string) => uuidv5(`${networkId}/${what}`, NAMESPACE);
  const personOf = (side: Side) => (side.kind === 'organisation' ? organisation : idFor(`member/${side.kind === 'member' ? side.number : FORMER_MEMBERS}`));
  const total = data.transfers.length + data.posts.length;
  let written = 0;
  const progress = () => importProgress.emit('progress', { networkId, checked: total + data.withinFormerMembers.length, written, total });
  progress();
  let position = 0;

  // ---- members ----
  const people = [...data.members.values()].map((m) => ({ uid: m.number, number: m.number as string | undefined, details: detailsOf(m) }));
  if (data.transfers.some((t) => t.from.kind === 'former' || t.to.kind === 'former')) people.push({ uid: FORMER_MEMBERS, number: undefined, details: { name: 'Former members (imported)' } });
  const erased = new Set<string>();
  await inParallel(people, async (p) => {
    const personId = idFor(`member/${p.uid}`);
    if (await isErased(hearth, personId)) erased.add(personId);
  });
  // Members are independent of each other: recorded several at a time, their writes share commits.
  await inParallel(people, async (p) => {
    const personId = idFor(`member/${p.uid}`);
    if (erased.has(personId)) return;
    const context = { ...base, commandId: idFor(`enrol/${p.uid}`), onBehalfOf: personId };
    const enrol = { type: 'EnrolMember' as const, networkId, personId, approvedBy: base.actor, roles: ['member' as const], now: base.now, ...(p.number ? { formerMemberNumber: p.number } : {}) };
    const enrolling = { ...context, commandId: idFor(`join/${p.uid}`) };
    // A member moving in is recorded by this network, as one a coordinator records who is not
    // online: their own stream says they joined it, and what enrols them, in the same write; then
    // the membership, one stream at a time, as every joining is. Stopped in between, the sweeper
    // or the next run enrols them.
    await registerPerson(hearth, context, personId, p.details, false, { networkId, then: planOf(enrol, enrolling)! });
    // Recorded by a run before joining was written this way: their stream names the network now.
    await decideAcross(
      store,
      { person: [personStream(personId), personDecider] as const },
      (s) => (s.person.status !== 'active' || s.person.networks.includes(networkId) ? {} : { person: personDecider.decide({ type: 'RecordNetworkJoined', personId, networkId }, s.person) }),
      { ...context, commandId: idFor(`joined/${p.uid}`) },
    );
    const enrolled = await decideAcross(
      store,
      { membership: [membershipStream(networkId, personId), membershipDecider] as const },
      (s) => (s.membership.status === 'active' ? {} : { membership: membershipDecider.decide(enrol, s.membership) }),
      enrolling,
    );
    position = Math.max(position, enrolled.position);
  });

  // ---- transfers ----
  // What a run cut short began is finished first: then this run matches against a log whose every batch is written.
  position = Math.max(position, await finishImports(hearth, networkId));
  const { log } = await readStates(store, { log: [importStream(networkId), logFolder] as const });
  // A row naming a member erased since is left aside, whether or not it was imported before.
  const erasedLines: number[] = [];
  const kept = data.transfers.filter((t) => {
    const named = erased.has(personOf(t.from)) || erased.has(personOf(t.to));
    if (named) erasedLines.push(t.line);
    return !named;
  });
  const matched = matchTransfers(log.transfers, kept);
  const fresh = matched.fresh;
  written += matched.already.length;
  progress();
  let logged = log.transfers.length;
  // While one batch is written, the next one's titles are sealed.
  const batches = Array.from({ length: Math.ceil(fresh.length / BATCH) }, (_, k) => fresh.slice(k * BATCH, (k + 1) * BATCH));
  let sealing = batches.length > 0 ? sealBatch(hearth, batches[0]!, personOf) : undefined;
  // Batches are begun in turn, each on the log as the one before left it; a few are carried out at
  // once, as their streams are their own (accounts take postings in any order).
  const carrying: Array<Promise<void>> = [];
  const carried = async (done: Promise<number>, size: number) => {
    position = Math.max(position, await done);
    written += size;
    progress();
  };
  try {
    for (let k = 0; k < batches.length; k++) {
      const sealed = await sealing!;
      sealing = k + 1 < batches.length ? sealBatch(hearth, batches[k + 1]!, personOf) : undefined;
      const begun = await beginBatch(hearth, networkId, batches[k]!, sealed, logged, personOf, base, options);
      logged += batches[k]!.length;
      const carryingOut = carried(carryOutBatch(hearth, begun), batches[k]!.length);
      // Handled here, so that a failure while the next batch begins does not go unheard; thrown below.
      carryingOut.catch(() => undefined);
      carrying.push(carryingOut);
      if (carrying.length >= BATCHES_AT_ONCE) await carrying.shift();
    }
  } catch (err) {
    if (sealing) await hearth.vault.discardTexts([...(await sealing).values()]);
    throw err;
  } finally {
    // Whatever else failed, what was begun is carried out, or left for the sweeper, before this answers.
    const left = await Promise.allSettled(carrying);
    const failed = left.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  // ---- offers and requests, in their categories ----
  const posts = { published: 0, alreadyImported: 0 };
  const categories = [...new Set(data.posts.map((p) => p.category))];
  if (categories.length > 0) {
    const defined = await decideAcross(
      store,
      { rules: rulesRead(networkId) },
      (s) => ({ rules: categories.filter((c) => s.rules.categories[c] === undefined).flatMap((category) => settingsDecider.decide({ type: 'DefineCategory', networkId, category, ratePercent: 100 }, s.rules)) }),
      { ...base, commandId: idFor(`categories/${categories.join('\n')}`) },
    );
    position = Math.max(position, defined.position);
  }
  const today = base.now.slice(0, 10);
  await inParallel(data.posts, async (p) => {
    const ownerId = idFor(`member/${p.ownerNumber}`);
    written++;
    if (erased.has(ownerId)) return;
    const postId = idFor(`post/${p.kind}/${p.oldId}`);
    const details = { title: p.title, description: { clear: '' } as SealedText, category: p.category, tags: p.tags, area: null, suits: { note: '', weekdays: [] }, neededBy: null, sharedWith: [] };
    const done = await decideAcross(
      store,
      { post: [postStream(postId), postDecider] as const },
      // Its category was made one of the network's kinds of help above; an imported post is shared with no one.
      (s) => (s.post.status !== 'none' ? {} : { post: postDecider.decide({ type: 'PublishPost', postId, networkId, kind: p.kind, ownerId, details, rules: { categories: [p.category], activePartners: [] }, by: { personId: base.actor, isCoordinator: true }, today }, s.post) }),
      { ...base, commandId: idFor(`publish/${postId}`) },
    );
    if (done.replayed || !done.events.post?.length) posts.alreadyImported++;
    else posts.published++;
    position = Math.max(position, done.position);
    if (written % 100 === 0) progress();
  });
  progress();

  // ---- balances, against what the old system showed ----
  const balanceDifferences: BalanceDifference[] = [];
  await inParallel([...data.members.values()], async (m) => {
    const personId = idFor(`member/${m.number}`);
    if (m.balanceMinutes === null || erased.has(personId)) return;
    const { account } = await readStates(store, { account: accountRead(networkId, personId) });
    if (account.balance !== m.balanceMinutes) balanceDifferences.push({ formerMemberNumber: m.number, personId, expectedMinutes: m.balanceMinutes, importedMinutes: account.balance });
  });
  balanceDifferences.sort((a, b) => Number(a.formerMemberNumber) - Number(b.formerMemberNumber));

  return {
    files: data.files,
    members: people.length - erased.size,
    transfers: data.transfers.length - erasedLines.length,
    alreadyImported: matched.already.length,
    ambiguous: matched.ambiguous.map((t) => ({ file: t.file, line: t.line })),
    withinFormerMembers: data.withinFormerMembers.length,
    erased: { members: erased.size, lines: erasedLines },
    posts,
    balanceDifferences,
    minutes: data.transfers.reduce((sum, t) => sum + t.minutes, 0),
    position,
  };
}

const detailsOf = (m: MovingIn['members'] extends Map<string, infer M> ? M : never): PersonalDetails => ({
  name: m.name,
  ...(m.email ? { email: m.email } : {}),
  ...(m.phone ? { phone: m.phone } : {}),
  ...(m.alternativePhone ? { alternativePhone: m.alternativePhone } : {}),
});

/** The titles of a batch's exchanges between members, by their place in the batch. */
async function sealBatch(hearth: Hearth, batch: Transfer[], personOf: (s: Side) => string): Promise<Map<number, SealedText>> {
  const exchanges = batch.flatMap((t, i) => (t.from.kind !== 'organisation' && t.to.kind !== 'organisation' ? [{ t, i }] : []));
  // The title may name either party, or someone one of them cares for: erasing either makes it unreadable.
  const texts = await hearth.vault.sealTexts(exchanges.map(({ t }) => ({ text: t.description, concerns: [personOf(t.from), personOf(t.to)] })));
  return new Map(exchanges.map(({ i }, n) => [i, texts[n]!]));
}

/**
 * Begins one batch of new transfers: its line of the import log, every posting it plans with its
 * sealed title, in one write to the log held at the count this run matched against, so that a
 * second import running at the same moment cannot claim the same transfers twice.
 */
async function beginBatch(
  hearth: Hearth,
  networkId: string,
  batch: Transfer[],
  sealed: Map<number, SealedText>,
  /** How many transfers the log holds: what this run matched against, and what it has written since. */
  count: number,
  personOf: (s: Side) => string,
  base: Omit<CommandContext, 'commandId'>,
  options: ImportOptions,
): Promise<BatchBegun> {
  const batchId = uuidv5(`${networkId}/batch/${count}`, options.importId);
  const transfers: PlannedTransfer[] = batch.map((t, i) => ({
    ...identityOf(t),
    ref: uuidv5(`transfer/${i}`, batchId),
    occurredOn: t.occurredOn,
    fromHolder: personOf(t.from),
    toHolder: personOf(t.to),
    ...(sealed.has(i) ? { description: sealed.get(i)! } : {}),
  }));
  const begun: BatchBegun = { networkId, batchId, importedBy: base.actor, transfers };
  await hearth.vault.recording([...sealed.values()], () =>
    decideAcross(
      hearth.store,
      { log: [importStream(networkId), countFolder] as const },
      (s) => {
        if (s.log !== count) throw new Rejection('import-concurrent', 'Another import into this time bank ran at the same moment. Run this one again: what either wrote is recognised.', 409);
        return { log: [{ type: ImportBatchBegun.type, data: begun }] };
      },
      { ...base, commandId: batchId },
    ),
  );
  return begun;
}

type StreamWrite = { streamId: string; events: Array<{ type: string; data: unknown }> };

/**
 * What a begun batch writes, stream by stream: each exchange between members on a stream of its
 * own, logged and confirmed as a live confirmation posts; each account touched, all of its
 * postings in the batch's order in one write. History is taken as it was: nothing here is refused.
 */
export function batchWrites(b: BatchBegun): { exchanges: StreamWrite[]; accounts: StreamWrite[] } {
  const exchanges: StreamWrite[] = [];
  const accounts = new Map<string, Array<{ type: string; data: unknown }>>();
  const post = (holder: string, events: ReadonlyArray<{ type: string; data: unknown }>) => accounts.set(holder, [...(accounts.get(holder) ?? []), ...events]);
  for (const t of b.transfers) {
    if (t.description) {
      const e = {
        exchangeId: t.ref, networkId: b.networkId, providerId: t.toHolder, receiverId: t.fromHolder, minutes: t.minutes, category: IMPORTED_CATEGORY,
        ratePercent: 100, credited: t.minutes, description: t.description, occurredOn: t.occurredOn, loggedBy: b.importedBy,
      };
      const postings = importedExchange(e, b.importedBy);
      exchanges.push({ streamId: exchangeStream(t.ref), events: postings.exchange });
      post(t.toHolder, postings.provider);
      post(t.fromHolder, postings.receiver);
    } else {
      // The organisation's side is its own account (or the chest): paid out of it, a grant; paid into it, a donation.
      const reason = t.from === 'organisation' ? 'grant' : 'donation';
      const [member, holder] = reason === 'grant' ? [t.toHolder, t.fromHolder] : [t.fromHolder, t.toHolder];
      const postings = chestPostings({ networkId: b.networkId, member, minutes: t.minutes, reason, ref: t.ref, occurredOn: t.occurredOn, holder: holder as NetworkHolder });
      post(member, postings.member);
      post(holder, postings.chest);
    }
  }
  return { exchanges, accounts: [...accounts].map(([holder, events]) => ({ streamId: accountStream(b.networkId, holder), events })) };
}

/**
 * Writes what a begun batch plans, a stream at a time and several streams at once, each write
 * under an id derived from the batch, then ends the batch on the log: the run that began it, a
 * later run or the sweeper may each carry it on, and every posting is written once.
 */
async function carryOutBatch(deps: Pick<Deps, 'store' | 'clock'>, b: BatchBegun): Promise<number> {
  const step = stepContext(deps.clock, b.importedBy, b.batchId);
  let position = 0;
  const write = async (w: StreamWrite) => {
    const done = await decideAcross(deps.store, { stream: [w.streamId, heldOnly] as StreamRead }, () => ({ stream: w.events }), step(`write ${w.streamId}`));
    position = Math.max(position, done.position);
  };
  const { exchanges, accounts } = batchWrites(b);
  // Every exchange before any posting: a statement line takes its date and title from the exchange,
  // as the projection has it. Many at once: each is a new stream, and the store reads and commits
  // them together.
  await inParallel(exchanges, write, WIDTH);
  await inParallel(accounts, write, WIDTH);
  const ended = await decideAcross(deps.store, { log: [importStream(b.networkId), heldOnly] as StreamRead }, () => ({ log: [{ type: ImportBatchEnded.type, data: { networkId: b.networkId, batchId: b.batchId } }] }), step('end'));
  return Math.max(position, ended.position);
}

/** Carries on every batch of a network's imports begun and not ended (a run cut short): the sweeper's way in, and each run's first step. */
export async function finishImports(deps: Pick<Deps, 'store' | 'clock'>, networkId: string): Promise<number> {
  const { log } = await readStates(deps.store, { log: [importStream(networkId), logFolder] as const });
  let position = 0;
  for (const b of log.inFlight.values()) position = Math.max(position, await carryOutBatch(deps, b));
  return position;
}

/** Networks with an import's batch begun and not yet ended, as the read table has them. */
export async function unfinishedImports(deps: Pick<Deps, 'database'>): Promise<string[]> {
  const rows = await deps.database.db.selectFrom('timebank_imports_in_flight').select('network_id').distinct().execute();
  return rows.map((r) => r.network_id);
}
