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
// Transfers are written in batches, each one atomic with its line of the log, so a run cut short is
// finished by running it again. A member erased since an earlier run is not recorded again, nor
// any row of theirs: the import skips and counts them.
import { createHash } from 'node:crypto';
import { inParallel } from '../parallel.ts';
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { v5 as uuidv5 } from 'uuid';
import { Rejection } from '../commands/decider.ts';
import { decideAcross, readStates, type CommandContext, type Folder, type Reads, type StreamRead } from '../commands/decide.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { membershipDecider, membershipStream } from '../access/membership.ts';
import { isErased, registerPerson } from '../access/register.ts';
import { personDecider, personStream, type PersonalDetails } from '../access/person.ts';
import type { SealedText } from '../access/vault.ts';
import type { Hearth } from '../hearth.ts';
import { accountRead, accountStream, chestPostings, ORGANISATION, type NetworkHolder } from './account.ts';
import { exchangeDecider, exchangeStream, importedExchange } from './exchange.ts';
import { rulesRead, settingsDecider } from './settings.ts';
import { postDecider, postStream } from './post.ts';
import { id } from '../bounds.ts';
import { minutes as minutesSchema } from '../units.ts';
import { readMovingIn, type ImportFile, type MovingIn, type Side, type Transfer } from './timeoverflow.ts';

export { importColumns, readMovingIn, filesOf, type ImportFile, type MovingIn } from './timeoverflow.ts';

export const IMPORTED_CATEGORY = 'imported';
const FORMER_MEMBERS = 'former members';
const NAMESPACE = '6f1c9a52-3b8e-4d71-9a0e-2c5d8b7e4f13';
/** Transfers written in one atomic batch. */
export const BATCH = 1000;

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
/** A batch of transfers brought over from another system, on the network's import stream. */
export const TransfersImported = defineEvent('timebank.TransfersImported', z.strictObject({ networkId: id(), transfers: z.array(importedTransfer).min(1).max(BATCH) }));
export const importEventTypes = [TransfersImported];
type ImportLogEvent = DomainEvent<typeof TransfersImported>;
export type ImportedTransfer = z.infer<typeof importedTransfer>;

export const importStream = (networkId: string) => `timebank-import-${networkId}`;
/** Every transfer imported so far, read once at the start of a run. */
const logFolder: Folder<ImportedTransfer[], ImportLogEvent> = { initialState: [], evolve: (s, e) => (e.type === TransfersImported.type ? s.concat(e.data.transfers) : s) };
/**
 * An account as a batch reads it: only held at its revision, as history is taken as it was (no
 * limit applies), so its balance is not worked out again from every posting it holds, batch after batch.
 */
const heldOnly: Folder<null, unknown> = { initialState: null, evolve: () => null };
/** How many: what each batch holds the log at. */
const countFolder: Folder<number, ImportLogEvent> = { initialState: 0, evolve: (n, e) => (e.type === TransfersImported.type ? n + e.data.transfers.length : n) };

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
    // A member moving in is recorded by this network, as one a coordinator records who is not
    // online, and their own stream says they joined it, as every membership does.
    await registerPerson(hearth, context, personId, p.details, false, networkId);
    // Their stream names the network before the membership is approved, one stream at a time, as
    // every joining does.
    await decideAcross(
      store,
      { person: [personStream(personId), personDecider] as const },
      (s) => (s.person.status !== 'active' || s.person.networks.includes(networkId) ? {} : { person: personDecider.decide({ type: 'RecordNetworkJoined', personId, networkId }, s.person) }),
      { ...context, commandId: idFor(`joined/${p.uid}`) },
    );
    const enrolled = await decideAcross(
      store,
      { membership: [membershipStream(networkId, personId), membershipDecider] as const },
      (s) =>
        s.membership.status === 'active'
          ? {}
          : { membership: membershipDecider.decide({ type: 'EnrolMember', networkId, personId, approvedBy: base.actor, roles: ['member'], now: base.now, ...(p.number ? { formerMemberNumber: p.number } : {}) }, s.membership) },
      { ...context, commandId: idFor(`join/${p.uid}`) },
    );
    position = Math.max(position, enrolled.position);
  });

  // ---- transfers ----
  const { log: prior } = await readStates(store, { log: [importStream(networkId), logFolder] as const });
  // A row naming a member erased since is left aside, whether or not it was imported before.
  const erasedLines: number[] = [];
  const kept = data.transfers.filter((t) => {
    const named = erased.has(personOf(t.from)) || erased.has(personOf(t.to));
    if (named) erasedLines.push(t.line);
    return !named;
  });
  const matched = matchTransfers(prior, kept);
  const fresh = matched.fresh;
  written += matched.already.length;
  progress();
  let logged = prior.length;
  // While one batch is written, the next one's titles are sealed.
  const batches = Array.from({ length: Math.ceil(fresh.length / BATCH) }, (_, k) => fresh.slice(k * BATCH, (k + 1) * BATCH));
  let sealing = batches.length > 0 ? sealBatch(hearth, batches[0]!, personOf) : undefined;
  for (let k = 0; k < batches.length; k++) {
    const sealed = await sealing!;
    sealing = k + 1 < batches.length ? sealBatch(hearth, batches[k + 1]!, personOf) : undefined;
    try {
      position = Math.max(position, await writeBatch(hearth, networkId, batches[k]!, sealed, logged, personOf, base, options));
      logged += batches[k]!.length;
    } catch (err) {
      if (sealing) await hearth.vault.discardTexts([...(await sealing).values()]);
      throw err;
    }
    written += batches[k]!.length;
    progress();
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
 * One batch of new transfers, with its line of the import log, in one atomic write: every account
 * it touches is read once and held at that revision, and the log at the count this run matched
 * against, so a second import running at the same moment cannot write the same transfers twice.
 */
async function writeBatch(
  hearth: Hearth,
  networkId: string,
  batch: Transfer[],
  sealed: Map<number, SealedText>,
  /** How many transfers the log holds: what this run matched against, and what it has written since. */
  count: number,
  personOf: (s: Side) => string,
  base: Omit<CommandContext, 'commandId'>,
  options: ImportOptions,
): Promise<number> {
  const { store } = hearth;
  const commandId = uuidv5(`${networkId}/batch/${count}`, options.importId);
  const refOf = (i: number) => uuidv5(`transfer/${i}`, commandId);
  const texts = [...sealed.values()];

  const reads: Reads = { log: [importStream(networkId), countFolder] as StreamRead };
  const account = (holder: string) => {
    const name = `account ${holder}`;
    reads[name] ??= [accountStream(networkId, holder), heldOnly] as StreamRead;
    return name;
  };
  type Out = Record<string, Array<{ type: string; data: unknown }>>;
  const plan: Array<(out: Out) => void> = [];
  const add = (out: Out, name: string, events: ReadonlyArray<{ type: string; data: unknown }>) => (out[name] ??= []).push(...events);
  const logged: ImportedTransfer[] = [];
  batch.forEach((t, i) => {
    const ref = refOf(i);
    logged.push({ ...identityOf(t), ref });
    const provider = personOf(t.to);
    const receiver = personOf(t.from);
    if (sealed.has(i)) {
      const name = `exchange ${i}`;
      const exchangeId = ref;
      reads[name] = [exchangeStream(exchangeId), exchangeDecider] as StreamRead;
      const e = {
        exchangeId, networkId, providerId: provider, receiverId: receiver, minutes: t.minutes, category: IMPORTED_CATEGORY,
        ratePercent: 100, credited: t.minutes, description: sealed.get(i)!, occurredOn: t.occurredOn, loggedBy: base.actor,
      };
      // Posted as a live confirmation posts: the same function builds the postings.
      const postings = importedExchange(e, base.actor);
      const [p, r] = [account(provider), account(receiver)];
      plan.push((out) => {
        add(out, name, postings.exchange);
        add(out, p, postings.provider);
        add(out, r, postings.receiver);
      });
    } else {
      // The organisation's side is its own account (or the chest): paid out of it, a grant; paid into it, a donation.
      const reason = t.from.kind === 'organisation' ? 'grant' : 'donation';
      const member = reason === 'grant' ? provider : receiver;
      const holder = options.organisationAs ?? ORGANISATION;
      const postings = chestPostings({ networkId, member, minutes: t.minutes, reason, ref, occurredOn: t.occurredOn, holder });
      const [m, o] = [account(member), account(holder)];
      plan.push((out) => {
        add(out, m, postings.member);
        add(out, o, postings.chest);
      });
    }
  });
  const done = await hearth.vault.recording(texts, () =>
    decideAcross(
      store,
      reads,
      (s) => {
        if (s.log !== count) throw new Rejection('import-concurrent', 'Another import into this time bank ran at the same moment. Run this one again: what either wrote is recognised.', 409);
        const out: Out = { log: [{ type: TransfersImported.type, data: { networkId, transfers: logged } }] };
        for (const step of plan) step(out);
        return out;
      },
      { ...base, commandId },
      { maxAttempts: 2 },
    ),
  );
  return done.position;
}
