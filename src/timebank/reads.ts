// What the time bank shows, and to whom: a member's account, statement and exchanges (the member,
// or a coordinator), one exchange (its parties, or a coordinator), the network's rules, figures
// and directory (any member), and every account, gift and exchange of the network at once
// (coordinators, who keep members from running too far into debt). Routes and pages only parse,
// call and map; a list is read a page at a time from where the previous page ended.
import { sql } from 'kysely';
import { Rejection } from '../commands/decider.ts';
import type { Caller, Deps } from '../access/caller.ts';
import { shownName } from '../access/person.ts';
import { formatMinutes } from '../units.ts';
import { keyset, mapPage, pageFrom, type Page, type Paged } from '../db/keyset.ts';
import type { Role } from '../access/membership.ts';
import { requireMember as memberOf } from '../access/guard.ts';
import { domainEvents } from '../eventstore/events.ts';
import { accountStream, CLEARING, COMMUNITY, ORGANISATION } from './account.ts';
import { exchangeStream } from './exchange.ts';
import { settingsDecider, timebankStream, type SettingsEvent, type TimebankSettings } from './settings.ts';

/** Near a limit: within this share of the way from nothing to the limit. */
export const NEAR_LIMIT_PERCENT = 80;

// ---- who may read what ----

const requireMember = (deps: Deps, caller: Caller, networkId: string, roles?: readonly Role[]) => memberOf(deps.store, networkId, caller, roles);

/** A member's own account, statement and exchanges: the member, or a coordinator of the network. */
async function mayReadAccount(deps: Deps, caller: Caller, networkId: string, personId: string): Promise<void> {
  await requireMember(deps, caller, networkId, caller.personId === personId ? undefined : ['coordinator']);
}

/** One exchange: its parties, or a coordinator of either time bank it belongs to; `own` is the reader's membership there. */
function mayReadExchange(own: { roles: readonly Role[] }, caller: Caller, exchange: { providerId: string; receiverId: string }): void {
  const party = exchange.providerId === caller.personId || exchange.receiverId === caller.personId;
  if (!party && !own.roles.includes('coordinator')) throw new Rejection('forbidden', 'Only the people in this exchange, or a coordinator, can see it.', 403);
}

/** Every account, and the export of every exchange: coordinators. */
const mayReadNetworkLedger = (deps: Deps, caller: Caller, networkId: string) => requireMember(deps, caller, networkId, ['coordinator']).then(() => undefined);
/** The network's figures, rules and directory: any member. */
const mayReadNetwork = (deps: Deps, caller: Caller, networkId: string) => requireMember(deps, caller, networkId).then(() => undefined);

/** A network's rules and the revision of their stream (its ETag). */
async function rulesOf(deps: Deps, networkId: string): Promise<{ settings: TimebankSettings; revision: number }> {
  const history = await deps.store.readStream(timebankStream(networkId));
  const settings = domainEvents<SettingsEvent>(history).reduce(settingsDecider.evolve, settingsDecider.initialState);
  return { settings, revision: history.at(-1)?.revision ?? -1 };
}

/** The revision of one stream: the ETag of the resource it holds. */
async function revisionOf(deps: Deps, resource: { account: { networkId: string; personId: string } } | { exchangeId: string }): Promise<number> {
  const stream = 'account' in resource ? accountStream(resource.account.networkId, resource.account.personId) : exchangeStream(resource.exchangeId);
  return (await deps.store.readStream(stream)).at(-1)?.revision ?? -1;
}

/** A party's name, with their time bank's when it is not the one reading. */
const named = (name: string, network: string | null | undefined) => (network ? `${name} (${network})` : name);

// ---- exchanges ----

/** 'confirming' and 'reversing' while the hours move, a moment as a rule; longer only if a process stopped half way. */
export type ExchangeStatus = 'logged' | 'disputed' | 'confirming' | 'confirmed' | 'cancelled' | 'reversing' | 'reversed';

export interface Exchange {
  exchangeId: string;
  occurredOn: string;
  providerId: string;
  providerName: string;
  receiverId: string;
  receiverName: string;
  minutes: number;
  creditedMinutes: number;
  category: string;
  description: string;
  status: ExchangeStatus;
  loggedBy: string;
}

/** The exchange belongs to this time bank: it was logged here, or its receiver's account is kept here. */
const exchangesOwnedBy = (deps: Deps, networkId: string) =>
  deps.database.db
    .selectFrom('timebank_exchanges as x')
    .selectAll('x')
    .where((eb) => eb.or([eb('x.network_id', '=', networkId), eb('x.receiver_network_id', '=', networkId)]));
type OwnedExchanges = ReturnType<typeof exchangesOwnedBy>;

/**
 * The time bank's exchanges with their parties' names. `chosen` narrows them to those a read wants
 * before the names are joined, so that a page of twenty joins twenty rows, not all of a member's.
 */
const exchangesIn = (deps: Deps, networkId: string, chosen: (owned: OwnedExchanges) => OwnedExchanges = (owned) => owned) =>
  deps.database.db
    .selectFrom(chosen(exchangesOwnedBy(deps, networkId)).as('x'))
    .leftJoin('people as p', 'p.person_id', 'x.provider_id')
    .leftJoin('people as r', 'r.person_id', 'x.receiver_id')
    // A party kept by another time bank is named with it.
    .leftJoin('networks as pn', (join) => join.onRef('pn.network_id', '=', 'x.network_id').on('x.network_id', '<>', networkId))
    .leftJoin('networks as rn', (join) => join.onRef('rn.network_id', '=', 'x.receiver_network_id').on('x.receiver_network_id', '<>', networkId))
    .select(['x.exchange_id', 'x.occurred_on', 'x.provider_id', 'p.name as provider', 'p.erased as providerErased', 'pn.name as providerNetwork', 'x.receiver_id', 'r.name as receiver', 'r.erased as receiverErased', 'rn.name as receiverNetwork', 'x.minutes', 'x.credited', 'x.category', 'x.description', 'x.status', 'x.logged_by']);
type ExchangeRow = Awaited<ReturnType<ReturnType<typeof exchangesIn>['execute']>>[number];

// Descriptions are sealed in the read table: one vault read opens a whole page.
async function shaped(deps: Deps, rows: ExchangeRow[]): Promise<Exchange[]> {
  const descriptions = await deps.vault.openTexts(rows.map((r) => r.description));
  return rows.map((r, i) => ({
    exchangeId: r.exchange_id,
    occurredOn: r.occurred_on,
    providerId: r.provider_id,
    providerName: named(shownName(r.provider, r.providerErased), r.providerNetwork),
    receiverId: r.receiver_id,
    receiverName: named(shownName(r.receiver, r.receiverErased), r.receiverNetwork),
    minutes: r.minutes,
    creditedMinutes: r.credited,
    category: r.category,
    description: descriptions[i]!,
    status: r.status as ExchangeStatus,
    loggedBy: r.logged_by,
  }));
}

/**
 * A member's exchanges, newest first: `waiting` those waiting for someone to confirm or disputed,
 * `settled` the rest, every one when left out. The member, or a coordinator.
 */
export async function exchangesOf(
  deps: Deps,
  caller: Caller,
  input: { networkId: string; personId: string; state?: 'waiting' | 'settled' | undefined; page: Page<readonly [string, number]> },
): Promise<Paged<Exchange, readonly [string, number]>> {
  const { networkId, personId, state, page } = input;
  await mayReadAccount(deps, caller, networkId, personId);
  const rows = await exchangesIn(deps, networkId, (owned) => {
    let mine = owned.where((eb) => eb.or([eb('x.provider_id', '=', personId), eb('x.receiver_id', '=', personId)]));
    if (state) mine = mine.where('x.status', state === 'waiting' ? 'in' : 'not in', ['logged', 'disputed', 'confirming']);
    return keyset(mine, ['x.occurred_on', 'x.position'], 'desc', page);
  })
    .select('x.position')
    .orderBy('x.occurred_on', 'desc')
    .orderBy('x.position', 'desc')
    .execute();
  const found = pageFrom(rows, page.limit, (r) => [r.occurred_on, Number(r.position)] as const);
  return { items: await shaped(deps, found.items), next: found.next };
}

/** One exchange and its stream's revision (its ETag): its parties, or a coordinator. */
export async function exchangeOf(deps: Deps, caller: Caller, input: { networkId: string; exchangeId: string }): Promise<{ exchange: Exchange; revision: number }> {
  const { networkId, exchangeId } = input;
  const own = await requireMember(deps, caller, networkId);
  const row = await exchangesIn(deps, networkId, (owned) => owned.where('x.exchange_id', '=', exchangeId)).executeTakeFirst();
  if (!row) throw new Rejection('exchange-not-found', 'There is no such exchange in this network.', 404);
  mayReadExchange(own, caller, { providerId: row.provider_id, receiverId: row.receiver_id });
  const revision = await revisionOf(deps, { exchangeId });
  return { exchange: (await shaped(deps, [row]))[0]!, revision };
}

/** Every exchange of the time bank, oldest first, for a spreadsheet: coordinators. */
export async function exchangesExport(deps: Deps, caller: Caller, input: { networkId: string }) {
  const { networkId } = input;
  await mayReadNetworkLedger(deps, caller, networkId);
  return shaped(deps, await exchangesIn(deps, networkId).orderBy('x.occurred_on').orderBy('x.position').execute());
}

// ---- a member's account ----

/** A member's balance and limits, and its stream's revision (its ETag): the member, or a coordinator. */
export async function accountOf(deps: Deps, caller: Caller, input: { networkId: string; personId: string }) {
  const { networkId, personId } = input;
  await mayReadAccount(deps, caller, networkId, personId);
  const [row, { settings }, revision] = await Promise.all([
    deps.database.db.selectFrom('timebank_accounts').selectAll().where('network_id', '=', networkId).where('holder', '=', personId).executeTakeFirst(),
    rulesOf(deps, networkId),
    revisionOf(deps, { account: { networkId, personId } }),
  ]);
  const balance = row?.balance ?? 0;
  return {
    account: { personId, balanceMinutes: balance, balance: formatMinutes(balance), lowerMinutes: row?.lower_override ?? settings.lowerMinutes, upperMinutes: row?.upper_override ?? settings.upperMinutes },
    revision,
  };
}

/**
 * A statement from `from` to `to`, with opening and closing balances; across two time banks a
 * line names the other member and their time bank. The member, or a coordinator.
 */
export async function statementOf(deps: Deps, caller: Caller, input: { networkId: string; personId: string; from: string; to: string }) {
  const { networkId, personId, from, to } = input;
  await mayReadAccount(deps, caller, networkId, personId);
  const { db } = deps.database;
  const opening = await db
    .selectFrom('timebank_entries')
    .select(sql<number>`coalesce(sum(minutes), 0)::bigint`.as('total'))
    .where('network_id', '=', networkId).where('holder', '=', personId).where('entry_date', '<', from)
    .executeTakeFirstOrThrow();
  const lines = await db
    .selectFrom('timebank_entries as e')
    .leftJoin('people', (join) => join.on(sql`people.person_id::text`, '=', sql.ref('e.counterparty')))
    // Across two time banks, the other member's time bank.
    .leftJoin('timebank_exchanges as x', (join) => join.onRef('x.exchange_id', '=', 'e.ref').on('x.receiver_network_id', 'is not', null))
    .leftJoin('networks as n', (join) => join.on(sql`n.network_id`, '=', sql`CASE WHEN x.network_id = e.network_id THEN x.receiver_network_id ELSE x.network_id END`))
    .select(['e.entry_date', 'e.minutes', 'e.reason', 'e.counterparty', 'e.category', 'e.description', 'people.name', 'people.erased', 'n.name as network'])
    .where('e.network_id', '=', networkId).where('e.holder', '=', personId).where('e.entry_date', '>=', from).where('e.entry_date', '<=', to)
    .orderBy('e.entry_date').orderBy('e.position')
    .execute();
  const descriptions = await deps.vault.openTexts(lines.map((l) => l.description));
  // A printed statement says whose it is.
  const holder = await db.selectFrom('people').select(['name', 'erased']).where('person_id', '=', personId).executeTakeFirst();
  const openingMinutes = Number(opening.total);
  const closingMinutes = lines.reduce((sum, l) => sum + l.minutes, openingMinutes);
  return {
    personId, name: holder ? shownName(holder.name, holder.erased) : null, networkId, from, to,
    opening: { minutes: openingMinutes, text: formatMinutes(openingMinutes) },
    closing: { minutes: closingMinutes, text: formatMinutes(closingMinutes) },
    entries: lines.map((l, i) => ({
      date: l.entry_date, minutes: l.minutes, text: formatMinutes(l.minutes), reason: l.reason, category: l.category, description: descriptions[i]!,
      with: l.counterparty === COMMUNITY ? 'community chest' : l.counterparty === ORGANISATION ? "the network's own account" : named(shownName(l.name, l.erased), l.network),
      ...(l.network ? { network: l.network } : {}),
    })),
  };
}

// ---- the network ----

/** The network's categories and limits, and their stream's revision (its ETag): any member. */
export async function networkRules(deps: Deps, caller: Caller, input: { networkId: string }): Promise<{ settings: TimebankSettings; revision: number }> {
  await mayReadNetwork(deps, caller, input.networkId);
  return rulesOf(deps, input.networkId);
}

/** The active members by name, so that members can say who they gave time to or received it from: any member. */
export async function directory(deps: Deps, caller: Caller, input: { networkId: string; page: Page<readonly [string, string]> }): Promise<Paged<{ personId: string; name: string }, readonly [string, string]>> {
  const { networkId, page } = input;
  await mayReadNetwork(deps, caller, networkId);
  const query = deps.database.db
    .selectFrom('memberships as m')
    .innerJoin('people as p', 'p.person_id', 'm.person_id')
    .select(['m.person_id', 'p.name'])
    .where('m.network_id', '=', networkId)
    .where('m.status', '=', 'active')
    .where('p.erased', '=', false)
    .where('p.name', 'is not', null);
  const found = pageFrom(await keyset(query, ['p.name', 'm.person_id'], 'asc', page).execute(), page.limit, (r) => [r.name!, r.person_id] as const);
  return mapPage(found, (r) => ({ personId: r.person_id, name: r.name! }));
}

/** The network's figures by month; exchanges with partner time banks count on both sides. Any member. */
export async function figures(deps: Deps, caller: Caller, input: { networkId: string }) {
  const { networkId } = input;
  await mayReadNetwork(deps, caller, networkId);
  const { db } = deps.database;
  const [total, months] = await Promise.all([
    db.selectFrom('timebank_accounts').select(sql<number>`coalesce(sum(balance), 0)::bigint`.as('total')).where('network_id', '=', networkId).executeTakeFirstOrThrow(),
    // An exchange is this time bank's when it was logged here, or its receiver's account is kept here.
    sql<{ month: string; exchanges: number; minutes: number; active: number }>`
      WITH confirmed AS (
        SELECT substr(occurred_on, 1, 7) AS month, credited,
               CASE WHEN network_id = ${networkId}::uuid THEN provider_id END AS our_provider,
               CASE WHEN coalesce(receiver_network_id, network_id) = ${networkId}::uuid THEN receiver_id END AS our_receiver
          FROM timebank_exchanges
         WHERE (network_id = ${networkId}::uuid OR receiver_network_id = ${networkId}::uuid) AND status = 'confirmed')
      SELECT month, count(*)::int AS exchanges, sum(credited)::bigint AS minutes,
             (SELECT count(DISTINCT person)::int FROM (
                SELECT our_provider AS person FROM confirmed c2 WHERE c2.month = c.month
                UNION SELECT our_receiver FROM confirmed c2 WHERE c2.month = c.month) parties) AS active
        FROM confirmed c GROUP BY month ORDER BY month`.execute(db),
  ]);
  return {
    totalBalanceMinutes: Number(total.total),
    months: months.rows.map((m) => ({ month: m.month, exchanges: m.exchanges, minutes: m.minutes, hours: formatMinutes(m.minutes), activeMembers: m.active })),
  };
}

// ---- the coordinators' ledger ----

export interface Balance {
  personId: string;
  name: string;
  balanceMinutes: number;
  balance: string;
  lowerMinutes: number;
  upperMinutes: number;
  /** Limits set for this member rather than the network's. */
  ownLimits: boolean;
  /** How far the balance has gone towards the limit on its side. */
  usedPercent: number;
  nearLimit: boolean;
}

/** Every member's balance against their limits, those nearest a limit first: coordinators. */
export async function balances(deps: Deps, caller: Caller, input: { networkId: string; page: Page<readonly [number, string, string]> }): Promise<Paged<Balance, readonly [number, string, string]>> {
  const { networkId, page } = input;
  await mayReadNetworkLedger(deps, caller, networkId);
  const { settings } = await rulesOf(deps, networkId);
  // How far towards its limit, worked out in the query so that pages follow that order.
  const balance = sql<number>`coalesce(a.balance, 0)`;
  const limit = sql<number>`(CASE WHEN coalesce(a.balance, 0) < 0 THEN coalesce(a.lower_override, ${settings.lowerMinutes}::int) ELSE coalesce(a.upper_override, ${settings.upperMinutes}::int) END)`;
  const used = sql<number>`(CASE WHEN ${limit} = 0 THEN (CASE WHEN ${balance} = 0 THEN 0 ELSE 100 END) ELSE floor(${balance}::numeric * 100 / ${limit})::int END)`;
  const name = sql<string>`(CASE WHEN p.erased THEN '' ELSE coalesce(p.name, '') END)`;
  const query = deps.database.db
    .selectFrom('memberships as m')
    .leftJoin('people as p', 'p.person_id', 'm.person_id')
    .leftJoin('timebank_accounts as a', (join) => join.on('a.network_id', '=', networkId).on(sql`a.holder`, '=', sql`m.person_id::text`))
    .select(['m.person_id', 'p.name', 'p.erased', 'a.balance', 'a.lower_override', 'a.upper_override', sql<number>`-${used}`.as('unused'), name.as('sort_name')])
    .where('m.network_id', '=', networkId)
    .where('m.status', '=', 'active');
  const found = pageFrom(await keyset(query, [sql`-${used}`, name, 'm.person_id'], 'asc', page).execute(), page.limit, (r) => [Number(r.unused), r.sort_name, r.person_id] as const);
  return mapPage(found, (r) => {
    const balanceMinutes = r.balance ?? 0;
    const usedPercent = -Number(r.unused);
    return {
      personId: r.person_id,
      name: shownName(r.name, r.erased),
      balanceMinutes,
      balance: formatMinutes(balanceMinutes),
      lowerMinutes: r.lower_override ?? settings.lowerMinutes,
      upperMinutes: r.upper_override ?? settings.upperMinutes,
      ownLimits: r.lower_override !== null || r.upper_override !== null,
      usedPercent,
      nearLimit: usedPercent >= NEAR_LIMIT_PERCENT,
    };
  });
}

/** The community chest, the network's own account, and one clearing account per partner time bank: coordinators. */
export async function networkAccounts(deps: Deps, caller: Caller, input: { networkId: string }) {
  const { networkId } = input;
  await mayReadNetworkLedger(deps, caller, networkId);
  const { db } = deps.database;
  const own = await db.selectFrom('timebank_accounts').select(['holder', 'balance']).where('network_id', '=', networkId).where('holder', 'in', [COMMUNITY, ORGANISATION]).execute();
  const balanceOf = (holder: string) => own.find((r) => r.holder === holder)?.balance ?? 0;
  // A clearing posting's counterparty is the partner time bank.
  const clearing = await db
    .selectFrom('timebank_entries as e')
    .leftJoin('networks as n', (join) => join.on(sql`n.network_id::text`, '=', sql.ref('e.counterparty')))
    .select(['e.counterparty', 'n.name', sql<number>`sum(e.minutes)::bigint`.as('total')])
    .where('e.network_id', '=', networkId).where('e.holder', '=', CLEARING)
    .groupBy(['e.counterparty', 'n.name'])
    .orderBy('n.name')
    .execute();
  const shown = (holder: typeof COMMUNITY | typeof ORGANISATION | typeof CLEARING, name: string, minutes: number, partnerNetworkId: string | null = null) => ({
    holder, name, partnerNetworkId, balanceMinutes: minutes, balance: formatMinutes(minutes),
  });
  return {
    accounts: [
      shown(COMMUNITY, 'Community chest', balanceOf(COMMUNITY)),
      shown(ORGANISATION, "The network's own account", balanceOf(ORGANISATION)),
      ...clearing.map((c) => shown(CLEARING, `Clearing with ${c.name ?? 'a partner time bank'}`, Number(c.total), c.counterparty)),
    ],
  };
}

export interface Gift {
  ref: string;
  holder: typeof COMMUNITY | typeof ORGANISATION;
  kind: 'grant' | 'donation';
  date: string;
  personId: string;
  name: string | null;
  /** To the member: positive for a grant, negative for a donation. */
  minutes: number;
  text: string;
  /** Being made or taken back; made; refused by the member's account after it began (nothing moved); or taken back. */
  status: 'in flight' | 'made' | 'refused' | 'reversed';
  reversed: boolean;
}

/** Grants and donations of the network's own accounts, newest first, each with whether it was reversed. */
const giftsIn = (deps: Deps, networkId: string, o: { page: Page<readonly [number]>; ref?: string }) => {
  let query = deps.database.db
    .selectFrom('timebank_entries as e')
    .leftJoin('people as p', (join) => join.on(sql`p.person_id::text`, '=', sql.ref('e.counterparty')))
    .select(['e.ref', 'e.holder', 'e.reason', 'e.entry_date', 'e.counterparty', 'e.minutes', 'e.position', 'p.name', 'p.erased'])
    .select(sql<boolean>`exists (SELECT 1 FROM timebank_entries r WHERE r.network_id = e.network_id AND r.holder = e.holder AND r.ref = e.ref AND r.reason = 'reversal')`.as('reversed'))
    // A grant the member's account refused after the chest had given it was given back with the
    // same ref: only the member's own entry says the gift was made.
    .select(sql<boolean>`exists (SELECT 1 FROM timebank_entries m WHERE m.network_id = e.network_id AND m.holder = e.counterparty AND m.ref = e.ref AND m.reason = e.reason)`.as('made'))
    .select(sql<boolean>`exists (SELECT 1 FROM timebank_gifts_in_flight f WHERE f.gift_id = e.ref)`.as('in_flight'))
    .where('e.network_id', '=', networkId).where('e.holder', 'in', [COMMUNITY, ORGANISATION]).where('e.reason', 'in', ['grant', 'donation']);
  if (o.ref !== undefined) query = query.where('e.ref', '=', o.ref);
  return keyset(query, ['e.position'], 'desc', o.page).execute();
};
type GiftRow = Awaited<ReturnType<typeof giftsIn>>[number];
const giftShown = (r: GiftRow): Gift => ({
  ref: r.ref, holder: r.holder as Gift['holder'], kind: r.reason as Gift['kind'], date: r.entry_date, personId: r.counterparty,
  name: r.name === null ? null : shownName(r.name, r.erased), minutes: -r.minutes, text: formatMinutes(-r.minutes),
  status: r.in_flight ? 'in flight' : !r.made ? 'refused' : r.reversed ? 'reversed' : 'made', reversed: !r.in_flight && r.made && r.reversed,
});

/** Grants and donations of the community chest and of the network's own account, newest first: coordinators. */
export async function gifts(deps: Deps, caller: Caller, input: { networkId: string; page: Page<readonly [number]> }): Promise<Paged<Gift, readonly [number]>> {
  await mayReadNetworkLedger(deps, caller, input.networkId);
  return mapPage(pageFrom(await giftsIn(deps, input.networkId, { page: input.page }), input.page.limit, (r) => [Number(r.position)] as const), giftShown);
}

/** One grant or donation of the chest or the network's own account: coordinators. */
export async function giftOf(deps: Deps, caller: Caller, input: { networkId: string; ref: string }): Promise<Gift> {
  await mayReadNetworkLedger(deps, caller, input.networkId);
  const [row] = await giftsIn(deps, input.networkId, { page: { limit: 1 }, ref: input.ref });
  if (!row) throw new Rejection('gift-not-found', 'There is no such grant or donation in this network.', 404);
  return giftShown(row);
}
