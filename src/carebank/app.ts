// The care bank's use cases: every rule of who may do what, and the streams each decision rests
// on. Routes, pages and the command line reach the care bank only through these functions.
import { sql } from 'kysely';
import { v5 as uuidv5 } from 'uuid';
import { contextOf, subjectOf, type Caller, type Deps } from '../access/caller.ts';
import type { CommandContext } from '../commands/decide.ts';
import type { PersonEvent } from '../access/person.ts';
import { addDays } from '../dates.ts';
import { Forbidden, holdingRole } from '../access/guard.ts';
import { membershipDecider, membershipStream, type MembershipState } from '../access/membership.ts';
import { personDecider, personStream } from '../access/person.ts';
import { currentDetails } from '../access/register.ts';
import { todayOn } from '../clock.ts';
import { endedAs, stepContext, type Ended } from '../commands/process.ts';
import { decideAcross, readStates, type EventsByName, type Reads, type States } from '../commands/decide.ts';
import { Rejection } from '../commands/decider.ts';
import { domainEvents } from '../eventstore/events.ts';
import { networkDecider, networkStream, requireKind } from '../networks/network.ts';
import { formatMinutes } from '../units.ts';
import { shownName } from '../access/person.ts';
import {
  AGE_BANDS,
  ageBandsStream,
  bandOf,
  decideKeepAgeBands,
  keptBandOn,
  monthEnds,
  type AgeBand,
  type BankEvent,
  bankFolder,
  bankStream,
  CareConfirmationRefused,
  careFolder,
  careStream,
  decideClaim,
  decideBanking,
  decideCareEnd,
  decideConfirmCare,
  decideDisputeCare,
  decideDonation,
  decideLogCare,
  decidePledge,
  decideReceipt,
  movesOut,
  type BankEntryData,
  POOL,
  settleRefusal,
  type CareActor,
  type CareEvent,
  type CareState,
  type LogCare,
} from './bank.ts';
import { ageOn, rulesOn, schemeDecider, schemeStream, type Rules, type SchemeEvent } from './scheme.ts';
import { keyset, pageFrom, type Page } from '../db/keyset.ts';

/** What a write answers: the revision of the resource it names (its ETag), and the position written. */
export interface Written {
  revision: number;
  position: number;
}

const membershipOf = (networkId: string, personId: string) => [membershipStream(networkId, personId), membershipDecider] as const;

/** The actor's own membership, as a decision reads it, and what it allows them. */
function actingAs(caller: Caller, own: MembershipState): CareActor {
  if (own.status !== 'active') throw new Forbidden('You are not a member of this network.');
  if (caller.onBehalfOf !== null && !own.roles.includes('coordinator')) throw new Forbidden("Only a coordinator of this network may act on a member's behalf.");
  return { personId: caller.personId, onBehalfOf: caller.onBehalfOf, coordinates: own.roles.includes('coordinator') };
}

/** Banked hours move only out of the bank of a member of the scheme. */
function requireHolder(holder: MembershipState): void {
  if (holder.status !== 'active') throw new Forbidden('Only members of this scheme hold banked hours in it.');
}

/** A person's age on a date, from their sealed date of birth; null when it is not recorded. */
async function ageOf(deps: Deps, personId: string, on: string): Promise<number | null> {
  const dob = (await currentDetails(deps, personId))?.dateOfBirth;
  return dob ? ageOn(dob, on) : null;
}

/**
 * The streams safeguarding reads: both people's memberships, whether the person cared for is
 * flagged, and the policy of their network (in the care bank, the scheme's own).
 */
const circleReads = (networkId: string, volunteerId: string, recipientId: string) => ({
  volunteer: membershipOf(networkId, volunteerId),
  recipient: membershipOf(networkId, recipientId),
  recipientPerson: [personStream(recipientId), personDecider] as const,
  network: [networkStream(networkId), networkDecider] as const,
});

type CircleStates = {
  volunteer: MembershipState;
  recipient: MembershipState;
  recipientPerson: ReturnType<typeof personDecider.evolve>;
  network: ReturnType<typeof networkDecider.evolve>;
};

const circleOf = (s: CircleStates) => ({
  volunteer: s.volunteer,
  recipient: s.recipient,
  recipientNeedsSafeguarding: s.recipientPerson.status === 'active' && s.recipientPerson.needsSafeguarding,
  policy: { requireDbsForSafeguarded: s.network.status === 'open' && s.network.requireDbsForSafeguarded },
});

/**
 * Banked hours, their rules and claims are kept in a care-bank scheme, or in a neighbourhood
 * network that runs one among its services; never in a time bank or a co-operative, where hours
 * given are a time bank's credits or nothing.
 */
async function requireScheme(deps: Deps, networkId: string): Promise<void> {
  const { network } = await readStates(deps.store, { network: [networkStream(networkId), networkDecider] as const });
  requireKind(network, ['care_bank_scheme', 'neighbourhood_network'], 'A care bank');
}

/** A new version of the scheme's rules (coordinators); If-Match names the rules' revision. */
export async function versionRules(deps: Deps, caller: Caller, input: { networkId: string; rules: Rules }): Promise<Written> {
  const { networkId, rules } = input;
  await requireScheme(deps, networkId);
  const done = await decideAcross(
    deps.store,
    { rules: [schemeStream(networkId), schemeDecider], actor: membershipOf(networkId, caller.personId) },
    (s) => {
      holdingRole(s.actor, ['coordinator']);
      return { rules: schemeDecider.decide({ type: 'VersionRules', networkId, rules }, s.rules) };
    },
    contextOf(deps, caller),
    { ifMatch: { stream: 'rules', revision: caller.ifMatch } },
  );
  return { revision: done.revisions.rules, position: done.position };
}

/** The scheme's rules: every version, and those in force today (any member). */
export async function schemeRules(deps: Deps, caller: Caller, input: { networkId: string }) {
  const { networkId } = input;
  const [history, { actor }] = await Promise.all([
    deps.store.readStream(schemeStream(networkId)),
    readStates(deps.store, { actor: membershipOf(networkId, caller.personId) }),
  ]);
  if (actor.status !== 'active') throw new Forbidden('You are not a member of this network.');
  const scheme = domainEvents<SchemeEvent>(history).reduce(schemeDecider.evolve, schemeDecider.initialState);
  return { revision: history.at(-1)?.revision ?? -1, inForce: rulesOn(scheme, todayOn(deps.clock)), versions: scheme.versions };
}

export type CareInput = Omit<LogCare, 'careId' | 'networkId' | 'by' | 'circle' | 'today'>;

/** Care given, logged by the volunteer or a coordinator; the record's id follows from the command's. */
export async function logCare(deps: Deps, caller: Caller, input: { networkId: string } & CareInput): Promise<Written & { careId: string }> {
  const { networkId, ...care } = input;
  await requireScheme(deps, networkId);
  const careId = uuidv5('care', caller.commandId);
  const today = todayOn(deps.clock);
  const done = await decideAcross(
    deps.store,
    { care: [careStream(careId), careFolder], actor: membershipOf(networkId, caller.personId), ...circleReads(networkId, care.volunteerId, care.recipientId) },
    (s) => decideLogCare({ careId, networkId, ...care, by: actingAs(caller, s.actor), circle: circleOf(s), today }, s),
    contextOf(deps, caller),
  );
  return { careId, revision: done.revisions.care, position: done.position };
}

/** A care record as it is now, read from its own stream; not found outside its scheme. */
async function recordIn(deps: Deps, networkId: string, careId: string): Promise<{ state: Exclude<CareState, { status: 'none' }>; revision: number }> {
  const history = await deps.store.readStream(careStream(careId));
  const state = domainEvents<CareEvent>(history).reduce(careFolder.evolve, careFolder.initialState);
  if (state.status === 'none' || state.care.networkId !== networkId) throw new Rejection('care-not-found', 'There is no such care record in this scheme.', 404);
  return { state, revision: history.at(-1)!.revision };
}

/**
 * Care confirmed by the person cared for, or a coordinator who is no party to it: the hours are
 * banked for the volunteer. A process (bank.ts): begun on the care record, the volunteer's bank
 * written on its own, then the record ended; a cap another confirmation reached meanwhile is
 * answered as the refusal, and the care waits as before. If-Match names the care record's revision.
 */
export async function confirmCare(deps: Deps, caller: Caller, input: { networkId: string; careId: string }): Promise<Written> {
  const { networkId, careId } = input;
  const { state } = await recordIn(deps, networkId, careId);
  const { volunteerId, recipientId, occurredOn } = state.care;
  const volunteerAge = await ageOf(deps, volunteerId, occurredOn);
  const today = todayOn(deps.clock);
  const context = contextOf(deps, caller);
  const begun = await decideAcross(
    deps.store,
    {
      care: [careStream(careId), careFolder],
      bank: [bankStream(networkId, volunteerId), bankFolder],
      scheme: [schemeStream(networkId), schemeDecider],
      actor: membershipOf(networkId, caller.personId),
      ...circleReads(networkId, volunteerId, recipientId),
    },
    (s) => decideConfirmCare({ by: actingAs(caller, s.actor), volunteerAge, circle: circleOf(s), today, processId: context.commandId }, s),
    context,
    { ifMatch: { stream: 'care', revision: caller.ifMatch } },
  );
  const end = await finishCare(deps, careId);
  if (end.state.status === 'confirmed') return { revision: end.revision, position: Math.max(begun.position, end.position) };
  if (end.refused) throw new Rejection(end.refused.problem, end.refused.detail, 409);
  throw new Rejection('care-settled', `This care is ${end.state.status}.`, 409);
}

/** Carries on the confirmation under way on a care record, if one is: the bank's entry, then the end. Each written once, whoever carries it on. */
export async function finishCare(deps: Pick<Deps, 'store' | 'clock'>, careId: string): Promise<Ended<CareState>> {
  const history = await deps.store.readStream(careStream(careId));
  const state = domainEvents<CareEvent>(history).reduce(careFolder.evolve, careFolder.initialState);
  if (state.status !== 'confirming') return endedAs(state, history, CareConfirmationRefused.type);
  const { processId, confirmedBy, entry } = state.confirming;
  const context = stepContext(deps.clock, confirmedBy, processId);
  const banked = await decideAcross(
    deps.store,
    { bank: [bankStream(entry.networkId, entry.holder), bankFolder], scheme: [schemeStream(entry.networkId), schemeDecider] },
    (s) => ({ bank: decideBanking(entry, s) }),
    context('bank'),
  );
  const outcome = banked.events.bank?.[0];
  const refused = outcome?.type === 'carebank.BankEntryRefused' ? { problem: outcome.data.problem, detail: outcome.data.detail } : undefined;
  const end = await decideAcross(deps.store, { care: [careStream(careId), careFolder] }, (s) => ({ care: decideCareEnd(s.care, processId, refused) }), context('end'));
  return { state: end.states.care, revision: end.revisions.care, position: end.position, ...(refused ? { refused } : {}) };
}

/** Care records whose confirmation is under way, as the read table has them. */
export async function unfinishedCare(deps: Pick<Deps, 'database'>): Promise<string[]> {
  const rows = await deps.database.db.selectFrom('carebank_care').select('care_id').where(sql<boolean>`status = 'confirming'`).execute();
  return rows.map((r) => r.care_id);
}

/**
 * Care disputed by whoever could confirm it, saying what is wrong; nothing is banked, and a
 * coordinator who is no party to it settles it. If-Match names the care record's revision.
 */
export async function disputeCare(deps: Deps, caller: Caller, input: { networkId: string; careId: string; reason: string }): Promise<Written> {
  const { networkId, careId } = input;
  const { state } = await recordIn(deps, networkId, careId);
  // What is wrong may describe either party: erasing either makes it unreadable.
  const reason = await deps.vault.sealText(input.reason, [state.care.volunteerId, state.care.recipientId]);
  const done = await deps.vault.recording([reason], () =>
    decideAcross(
      deps.store,
      { care: [careStream(careId), careFolder], actor: membershipOf(networkId, caller.personId) },
      (s) => decideDisputeCare({ by: actingAs(caller, s.actor), reason }, s),
      contextOf(deps, caller),
      { ifMatch: { stream: 'care', revision: caller.ifMatch } },
    ),
  );
  return { revision: done.revisions.care, position: done.position };
}

/**
 * The care a member gave, received or logged, newest first; for a coordinator, also all care in
 * the scheme still waiting or disputed. Each says whether the reader may confirm it now, by the
 * same rule confirming asks, so a page offers only what would be accepted.
 */
export async function careList(deps: Deps, caller: Caller, input: { networkId: string; page: Page<readonly [number]> }) {
  const { networkId, page } = input;
  const { actor } = await readStates(deps.store, { actor: membershipOf(networkId, caller.personId) });
  if (actor.status !== 'active') throw new Forbidden('You are not a member of this network.');
  const coordinates = actor.roles.includes('coordinator');
  const me = caller.personId;
  const query = deps.database.db
    .selectFrom('carebank_care as c')
    .leftJoin('people as v', 'v.person_id', 'c.volunteer_id')
    .leftJoin('people as r', 'r.person_id', 'c.recipient_id')
    .select(['c.care_id', 'c.position', 'c.volunteer_id', 'c.recipient_id', 'c.minutes', 'c.activity', 'c.occurred_on', 'c.logged_by', 'c.status', 'v.name as volunteer_name', 'v.erased as volunteer_erased', 'r.name as recipient_name', 'r.erased as recipient_erased'])
    .where('c.network_id', '=', networkId)
    .where((w) => {
      const mine = [w('c.volunteer_id', '=', me), w('c.recipient_id', '=', me), w('c.logged_by', '=', me)];
      return w.or(coordinates ? [...mine, w('c.status', 'in', ['logged', 'disputed'])] : mine);
    });
  const found = pageFrom(await keyset(query, ['c.position'], 'desc', page).execute(), page.limit, (r) => [Number(r.position)] as const);
  return {
    next: found.next,
    items: found.items.map((r) => {
      const care = { careId: r.care_id, networkId, volunteerId: r.volunteer_id, recipientId: r.recipient_id, minutes: r.minutes, activity: r.activity as LogCare['activity'], occurredOn: r.occurred_on, loggedBy: r.logged_by };
      return {
        ...care,
        status: r.status as 'logged' | 'disputed' | 'confirming' | 'confirmed',
        volunteerName: shownName(r.volunteer_name, r.volunteer_erased),
        recipientName: shownName(r.recipient_name, r.recipient_erased),
        ...asReader(care, r.status, me, coordinates),
      };
    }),
  };
}

/** A care record, for its volunteer, the person cared for, whoever logged it, or a coordinator. */
export async function careRecord(deps: Deps, caller: Caller, input: { networkId: string; careId: string }) {
  const { networkId, careId } = input;
  const [{ state, revision }, { actor }] = await Promise.all([recordIn(deps, networkId, careId), readStates(deps.store, { actor: membershipOf(networkId, caller.personId) })]);
  const { care } = state;
  const party = [care.volunteerId, care.recipientId, care.loggedBy].includes(caller.personId);
  if (actor.status !== 'active' || (!party && !actor.roles.includes('coordinator'))) {
    throw new Forbidden('Only the volunteer, the person cared for, or a coordinator may read this care record.');
  }
  const people = await deps.database.db.selectFrom('people').select(['person_id', 'name', 'erased']).where('person_id', 'in', [care.volunteerId, care.recipientId]).execute();
  const nameOf = (personId: string) => {
    const p = people.find((x) => x.person_id === personId);
    return shownName(p?.name, p?.erased);
  };
  const refused = 'refused' in state && state.refused ? state.refused : null;
  return { revision, status: state.status, ...care, ...asReader(care, state.status, caller.personId, actor.roles.includes('coordinator')), volunteerName: nameOf(care.volunteerId), recipientName: nameOf(care.recipientId), lastRefusal: refused };
}

/**
 * Whether the reader may confirm (or dispute) care now, by the rule confirming asks: waiting care
 * by whoever may settle it, disputed care only by a coordinator who is no party to it.
 */
function asReader(care: Parameters<typeof settleRefusal>[0], status: string, personId: string, coordinates: boolean) {
  const open = status === 'logged' || (status === 'disputed' && coordinates);
  return { youMayConfirm: open && settleRefusal(care, { personId, onBehalfOf: null, coordinates }, 'confirm') === undefined };
}

/** Banked hours pledged to a named relative in the scheme, by their holder (or a coordinator for them). */
export async function pledge(deps: Deps, caller: Caller, input: { networkId: string; relativeId: string; minutes: number }): Promise<Written> {
  const { networkId, relativeId, minutes } = input;
  await requireScheme(deps, networkId);
  const from = subjectOf(caller);
  return moveHours(deps, caller, { giver: [bankStream(networkId, from), bankFolder], holder: membershipOf(networkId, from), relative: membershipOf(networkId, relativeId) }, (s) => {
    requireHolder(s.holder);
    return decidePledge({ networkId, from, relativeId, minutes, ref: uuidv5('pledge', caller.commandId), today: todayOn(deps.clock) }, s);
  });
}

/** Banked hours given to the scheme's pool. */
export async function donateToPool(deps: Deps, caller: Caller, input: { networkId: string; minutes: number }): Promise<Written> {
  const { networkId, minutes } = input;
  await requireScheme(deps, networkId);
  const from = subjectOf(caller);
  return moveHours(deps, caller, { giver: [bankStream(networkId, from), bankFolder], holder: membershipOf(networkId, from) }, (s) => {
    requireHolder(s.holder);
    return decideDonation({ networkId, from, minutes, ref: uuidv5('donation', caller.commandId), today: todayOn(deps.clock) }, s);
  });
}

/**
 * Hours moved out of the giver's bank, decided and written there alone, then carried into the
 * receiver's. The answer names the giver's bank and the position of the receipt, so that a read
 * after it sees both banks.
 */
async function moveHours<R extends { giver: readonly [string, typeof bankFolder] } & Reads>(deps: Deps, caller: Caller, reads: R, decide: (s: States<R>) => { giver: BankEvent[] }): Promise<Written> {
  const given = await decideAcross(deps.store, reads, decide as (s: States<R>) => EventsByName<R>, contextOf(deps, caller));
  const entry = (given.events.giver as BankEvent[] | undefined)?.[0];
  if (entry?.type !== 'carebank.BankEntry' || !movesOut(entry.data)) throw new Error('moving hours wrote no entry out of the giver\'s bank');
  const received = await receive(deps, caller.personId, entry.data);
  return { revision: given.revisions.giver, position: Math.max(given.position, received.position) };
}

/** The receiver's side of hours moved out of a bank, written once whoever carries it on: its ids follow from the move's ref. */
function receive(deps: Pick<Deps, 'store' | 'clock'>, by: string, given: Parameters<typeof decideReceipt>[0]) {
  return decideAcross(deps.store, { receiver: [bankStream(given.networkId, given.counterparty), bankFolder] }, () => ({ receiver: decideReceipt(given) }), stepContext(deps.clock, by, given.ref)('receive'));
}

/** Carries a move of hours left half done into the receiver's bank: the giver's entry, found on their bank, says what to write. */
export async function finishMove(deps: Pick<Deps, 'store' | 'clock' | 'database'>, ref: string): Promise<void> {
  const row = await deps.database.db.selectFrom('carebank_moves_in_flight').selectAll().where('ref', '=', ref).executeTakeFirst();
  if (!row) return;
  const history = await deps.store.readStream(bankStream(row.network_id, row.holder));
  const out = history.find((e) => e.type === 'carebank.BankEntry' && (e.data as BankEntryData).ref === ref && movesOut(e.data as BankEntryData));
  if (out) await receive(deps, out.metadata.actor, out.data as Parameters<typeof decideReceipt>[0]);
}

/** Hours moved out of a bank and not yet seen received, as the read table has them. */
export async function unfinishedMoves(deps: Pick<Deps, 'database'>): Promise<string[]> {
  const rows = await deps.database.db.selectFrom('carebank_moves_in_flight').select('ref').execute();
  return rows.map((r) => r.ref);
}

/** Care claimed from the claimant's own banked hours, from the age the rules in force allow. */
export async function claimCare(deps: Deps, caller: Caller, input: { networkId: string; minutes: number }): Promise<Written> {
  const { networkId, minutes } = input;
  await requireScheme(deps, networkId);
  const claimantId = subjectOf(caller);
  const today = todayOn(deps.clock);
  const claimantAge = await ageOf(deps, claimantId, today);
  const done = await decideAcross(
    deps.store,
    { bank: [bankStream(networkId, claimantId), bankFolder], scheme: [schemeStream(networkId), schemeDecider], holder: membershipOf(networkId, claimantId) },
    (s) => {
      requireHolder(s.holder);
      return decideClaim({ networkId, claimantId, minutes, claimantAge, ref: uuidv5('claim', caller.commandId), today }, s);
    },
    contextOf(deps, caller),
  );
  return { revision: done.revisions.bank, position: done.position };
}

/** A holder's bank is read by the holder, or a coordinator of the scheme. */
async function requireBankReader(deps: Deps, caller: Caller, networkId: string, holder: string): Promise<void> {
  const { actor } = await readStates(deps.store, { actor: membershipOf(networkId, caller.personId) });
  if (actor.status !== 'active') throw new Forbidden('You are not a member of this network.');
  if (caller.personId !== holder && !actor.roles.includes('coordinator')) throw new Forbidden('Only the holder, or a coordinator of this network, may read this bank.');
}

/** A holder's banked hours entry by entry, as at a date (today by default). */
export async function bankAsAt(deps: Deps, caller: Caller, input: { networkId: string; personId: string; asAt?: string }) {
  const { networkId, personId } = input;
  await requireBankReader(deps, caller, networkId, personId);
  const asAt = input.asAt ?? todayOn(deps.clock);
  const entries = await deps.database.db
    .selectFrom('carebank_entries')
    .selectAll()
    .where('network_id', '=', networkId)
    .where('holder', '=', personId)
    .where('entry_date', '<=', asAt)
    .orderBy('entry_date')
    .orderBy('position')
    .execute();
  const balance = entries.reduce((sum, e) => sum + e.minutes, 0);
  return {
    personId,
    asAt,
    balanceMinutes: balance,
    balance: formatMinutes(balance),
    entries: entries.map((e) => ({ date: e.entry_date, minutes: e.minutes, kind: e.kind, rulesVersion: e.rules_version })),
  };
}

export type EntryKind = 'banked' | 'pledged' | 'pledge-received' | 'donated' | 'pool-received' | 'claimed';

/** A holder's balance today and their latest entries, newest first, each naming the other person. */
export async function latestEntries(deps: Deps, caller: Caller, input: { networkId: string; personId: string; page: Page<readonly [string, number]> }) {
  const { networkId, personId } = input;
  await requireBankReader(deps, caller, networkId, personId);
  const { db } = deps.database;
  const mine = db.selectFrom('carebank_entries as e').where('e.network_id', '=', networkId).where('e.holder', '=', personId).where('e.entry_date', '<=', todayOn(deps.clock));
  const [total, rows] = await Promise.all([
    mine.select(sql<number | null>`sum(e.minutes)::bigint`.as('minutes')).executeTakeFirst(),
    keyset(
      mine.leftJoin('people as p', (join) => join.on(sql`p.person_id::text`, '=', sql`e.counterparty`)).select(['e.entry_date', 'e.minutes', 'e.kind', 'e.counterparty', 'e.position', 'p.name', 'p.erased']),
      ['e.entry_date', 'e.position'],
      'desc',
      input.page,
    ).execute(),
  ]);
  const found = pageFrom(rows, input.page.limit, (r) => [r.entry_date, Number(r.position)] as const);
  return {
    balanceMinutes: Number(total?.minutes ?? 0),
    next: found.next,
    items: found.items.map((r) => ({
      date: r.entry_date,
      minutes: r.minutes,
      kind: r.kind as EntryKind,
      with: r.counterparty === null || r.counterparty === POOL ? null : r.erased ? 'erased member' : (r.name ?? null),
    })),
  };
}

/** The bands kept for erased holders, by holder. */
async function keptBands(deps: Deps, networkId: string, holders: string[]) {
  const rows = holders.length === 0 ? [] : await deps.database.db.selectFrom('carebank_age_bands').selectAll().where('network_id', '=', networkId).where('holder', 'in', holders).orderBy('from_on').execute();
  const kept = new Map<string, { erasedOn: string; bands: Array<{ from: string; band: AgeBand }> }>();
  for (const r of rows) {
    const k = kept.get(r.holder) ?? { erasedOn: r.erased_on, bands: [] };
    k.bands.push({ from: r.from_on, band: r.band as AgeBand });
    kept.set(r.holder, k);
  }
  return kept;
}

/** What folds a holder's kept age bands: whether they were kept already. */
const ageBandsFolder = { initialState: { kept: false }, evolve: () => ({ kept: true }) };

/**
 * As a person is erased, before their key goes: in each scheme where they hold a bank, their age
 * band (never their date of birth) on every day their bank moved, each month's end since, and the
 * day before the erasure. The schemes are those their person stream names and those the read
 * table shows them holding hours in (a member enrolled directly has only the latter).
 */
export async function keepAgeBands(deps: Deps, context: CommandContext, personId: string, dateOfBirth: string, erasedOn: string): Promise<void> {
  const person = domainEvents<PersonEvent>(await deps.store.readStream(personStream(personId))).reduce(personDecider.evolve, personDecider.initialState);
  const holding = await deps.database.db.selectFrom('carebank_entries').select('network_id').distinct().where('holder', '=', personId).execute();
  const networks = new Set([...(person.status === 'none' ? [] : person.networks), ...holding.map((h) => h.network_id)]);
  for (const networkId of networks) {
    const entries = domainEvents<BankEvent>(await deps.store.readStream(bankStream(networkId, personId)));
    if (entries.length === 0) continue;
    const days = [...new Set(entries.flatMap((e) => (e.type === 'carebank.BankEntry' ? [e.data.entryDate] : [])))].sort();
    const on = [...new Set([...days, ...monthEnds(days[0]!, erasedOn), addDays(erasedOn, -1)])].filter((d) => d < erasedOn);
    const agesOn = on.map((d) => ({ on: d, age: ageOn(dateOfBirth, d) }));
    await decideAcross(
      deps.store,
      { bands: [ageBandsStream(networkId, personId), ageBandsFolder] as const },
      (s) => ({ bands: decideKeepAgeBands({ networkId, holder: personId, erasedOn, agesOn }, s.bands) }),
      context,
    );
  }
}

/**
 * The scheme's outstanding obligation (banked, unclaimed hours) by holders' age band, as at a
 * date, as recorded on a day (today unless another is asked for): what a guarantor underwrites.
 * Care dated on or before the date but confirmed after the day of recording is left out, so a
 * figure given to the council can be stated again, the same, later. An erased holder is counted
 * in the band kept for them for dates before their erasure. For coordinators, treasurers and the board.
 */
export async function obligation(deps: Deps, caller: Caller, input: { networkId: string; asAt: string; recordedOn?: string | undefined }) {
  const { networkId, asAt } = input;
  const recordedOn = input.recordedOn ?? todayOn(deps.clock);
  const { actor } = await readStates(deps.store, { actor: membershipOf(networkId, caller.personId) });
  holdingRole(actor, ['coordinator', 'treasurer', 'board']);
  const holders = await deps.database.db
    .selectFrom('carebank_entries')
    .select(['holder', sql<number>`sum(minutes)::bigint`.as('minutes')])
    .where('network_id', '=', networkId)
    .where('entry_date', '<=', asAt)
    // Entries from before the day of recording was kept: counted as recorded on the day they were dated.
    .where(sql<boolean>`coalesce(recorded_on, entry_date) <= ${recordedOn}`)
    .groupBy('holder')
    .execute();
  const bands = new Map<string, { holders: number; minutes: number }>();
  const add = (band: string, m: number) => {
    const b = bands.get(band) ?? { holders: 0, minutes: 0 };
    bands.set(band, { holders: b.holders + 1, minutes: b.minutes + m });
  };
  // Each holder's age needs their details opened: all at once, not one after another.
  const owing = holders.filter((h) => Number(h.minutes) !== 0);
  const ages = await Promise.all(owing.map((h) => (h.holder === POOL ? null : ageOf(deps, h.holder, asAt))));
  const kept = await keptBands(deps, networkId, owing.filter((h, i) => h.holder !== POOL && ages[i] === null).map((h) => h.holder));
  owing.forEach((h, i) => {
    const age = ages[i] ?? null;
    const band: AgeBand | null = age !== null ? bandOf(age) : kept.has(h.holder) ? keptBandOn(kept.get(h.holder)!, asAt) : null;
    add(h.holder === POOL ? "the scheme's pool" : (band ?? 'age not known'), Number(h.minutes));
  });
  const total = [...bands.values()].reduce((sum, b) => sum + b.minutes, 0);
  const order = [...AGE_BANDS.map((b) => b.band), 'age not known', "the scheme's pool"];
  return {
    networkId,
    asAt,
    recordedOn,
    outstandingMinutes: total,
    outstanding: formatMinutes(total),
    bands: order.filter((b) => bands.has(b)).map((band) => ({ band, holders: bands.get(band)!.holders, minutes: bands.get(band)!.minutes, hours: formatMinutes(bands.get(band)!.minutes) })),
  };
}
