// Networks: opening one (whoever opens it coordinates it), renaming it, its safeguarding policy,
// and the reads of them. Partnerships between networks live in partnership.ts.
import { v5 as uuidv5 } from 'uuid';
import type { Selectable } from 'kysely';
import { Rejection } from '../commands/decider.ts';
import { decideAcross, readStates } from '../commands/decide.ts';
import type { NetworksTable } from '../db/tables.ts';
import { keyset, mapPage, pageFrom, type Page } from '../db/keyset.ts';
import { contextOf, type Caller, type Deps } from '../access/caller.ts';
import { enrolFounder, writeOpening, type Written } from '../access/app.ts';
import { networkDecider, networkStream, type networkKinds } from './network.ts';

type Kind = (typeof networkKinds)[number];

export async function openNetwork(deps: Deps, caller: Caller, input: { name: string; kind: Kind }): Promise<Written & { networkId: string }> {
  const networkId = uuidv5('network', caller.commandId);
  const context = contextOf(deps, { ...caller, onBehalfOf: null });
  // The founder is enrolled first, so that no network is ever open without a coordinator, their
  // stream keeping what opens it. Stopped before the network is written, the founder holds a
  // membership of a network that is not open, which no command acts on, until the retry of this
  // request (same key) or the sweeper opens it.
  const opens = { name: input.name, kind: input.kind };
  const enrolled = await enrolFounder(deps, caller, networkId, opens);
  const opened = await writeOpening(deps, context, networkId, opens, caller.personId);
  return { networkId, revision: opened.revisions.network, position: Math.max(opened.position, enrolled.position) };
}

export async function renameNetwork(deps: Deps, caller: Caller, input: { networkId: string; name: string }): Promise<Written> {
  const { networkId, name } = input;
  return onNetwork(deps, caller, networkId, (state) => networkDecider.decide({ type: 'RenameNetwork', networkId, name }, state));
}

export async function setSafeguardingPolicy(deps: Deps, caller: Caller, input: { networkId: string; requireDbsForSafeguarded: boolean }): Promise<Written> {
  const { networkId, requireDbsForSafeguarded } = input;
  return onNetwork(deps, caller, networkId, (state) => networkDecider.decide({ type: 'SetSafeguardingPolicy', networkId, requireDbsForSafeguarded }, state));
}

/** Where the network's members get help; sealed, as it may be someone's own phone or email. */
export async function setHelpContact(deps: Deps, caller: Caller, input: { networkId: string; helpContact: string }): Promise<Written> {
  const { networkId } = input;
  const helpContact = await deps.vault.sealText(input.helpContact, [caller.personId]);
  return onNetwork(deps, caller, networkId, (state) => networkDecider.decide({ type: 'SetHelpContact', networkId, helpContact, setBy: caller.personId }, state));
}

/** Each network the caller belongs to, with how its members get help (null where none is set). */
export async function helpContacts(deps: Deps, caller: Caller): Promise<Array<{ networkId: string; name: string; helpContact: string | null }>> {
  const rows = await deps.database.db
    .selectFrom('networks')
    .innerJoin('memberships', 'memberships.network_id', 'networks.network_id')
    .select(['networks.network_id', 'networks.name'])
    .where('memberships.person_id', '=', caller.personId)
    .where('memberships.status', '=', 'active')
    .orderBy('networks.name')
    .execute();
  const states = await Promise.all(rows.map(async (r) => (await readStates(deps.store, { network: [networkStream(r.network_id), networkDecider] })).network));
  const contacts = await deps.vault.openTexts(states.map((s) => (s.status === 'open' ? (s.helpContact ?? null) : null)));
  return rows.map((r, i) => ({ networkId: r.network_id, name: r.name, helpContact: contacts[i] || null }));
}

async function onNetwork(deps: Deps, caller: Caller, networkId: string, decide: (state: Parameters<typeof networkDecider.decide>[1]) => ReturnType<typeof networkDecider.decide>): Promise<Written> {
  const done = await decideAcross(
    deps.store,
    { network: [networkStream(networkId), networkDecider] },
    (s) => ({ network: decide(s.network) }),
    contextOf(deps, caller),
    { ifMatch: { stream: 'network', revision: caller.ifMatch } },
  );
  return { revision: done.revisions.network, position: done.position };
}

export interface NetworkView {
  networkId: string;
  name: string;
  kind: Kind;
  openedAt: string;
  /** Whether care for a member flagged for safeguarding needs a current DBS check. */
  requireDbsForSafeguarded: boolean;
  revision: number;
}

/** One network as its members see it, with the revision of its stream for an ETag. */
export async function readNetwork(deps: Deps, input: { networkId: string }): Promise<NetworkView> {
  const row = await deps.database.db.selectFrom('networks').selectAll().where('network_id', '=', input.networkId).executeTakeFirst();
  if (!row) throw new Rejection('network-not-found', 'There is no network with that id.', 404);
  return toNetwork(row);
}

/** The networks the caller belongs to, by name, a page at a time. */
export async function myNetworks(deps: Deps, caller: Caller, page: Page<readonly [string, string]>) {
  const query = deps.database.db
    .selectFrom('networks')
    .innerJoin('memberships', 'memberships.network_id', 'networks.network_id')
    .selectAll('networks')
    .where('memberships.person_id', '=', caller.personId)
    .where('memberships.status', '=', 'active');
  const rows = await keyset(query, ['networks.name', 'networks.network_id'], 'asc', page).execute();
  return mapPage(pageFrom(rows, page.limit, (r) => [r.name, r.network_id] as const), toNetwork);
}

function toNetwork(row: Selectable<NetworksTable>): NetworkView {
  return { networkId: row.network_id, name: row.name, kind: row.kind as Kind, openedAt: row.opened_at, requireDbsForSafeguarded: row.require_dbs_for_safeguarded, revision: Number(row.revision) };
}
