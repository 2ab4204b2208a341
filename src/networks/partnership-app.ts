// Partnerships between time banks, as use cases: a coordinator of one network proposes, a
// coordinator of the other accepts, a coordinator of either ends it. Any member may see the list.
import { Rejection } from '../commands/decider.ts';
import { decideAcross } from '../commands/decide.ts';
import { contextOf, type Caller, type Deps } from '../access/caller.ts';
import { requireMember } from '../access/guard.ts';
import { networkDecider, networkStream } from './network.ts';
import { partnershipDecider, partnershipStream, type PartnershipCommand } from './partnership.ts';
import { sql } from 'kysely';
import { keyset, mapPage, pageFrom, type Page } from '../db/keyset.ts';

export interface PartnershipInput {
  networkId: string;
  partnerNetworkId: string;
}

/** One command on the pair's stream, by a coordinator of the network named first; the partner must exist. */
async function onPartnership(deps: Deps, caller: Caller, input: PartnershipInput, command: (by: { networkId: string; personId: string }) => PartnershipCommand) {
  await requireMember(deps.store, input.networkId, caller, ['coordinator']);
  const by = { networkId: input.networkId, personId: caller.personId };
  const d = await decideAcross(
    deps.store,
    { partnership: [partnershipStream(input.networkId, input.partnerNetworkId), partnershipDecider] as const, partner: [networkStream(input.partnerNetworkId), networkDecider] as const },
    (s) => {
      if (s.partner.status !== 'open') throw new Rejection('network-not-found', 'There is no such network.', 404, 'partnerNetworkId');
      return { partnership: partnershipDecider.decide(command(by), s.partnership) };
    },
    contextOf(deps, caller),
    { ifMatch: { stream: 'partnership', revision: caller.ifMatch } },
  );
  return { status: d.states.partnership.status, revision: d.revisions.partnership, position: d.position };
}

export const proposePartnership = (deps: Deps, caller: Caller, input: PartnershipInput) =>
  onPartnership(deps, caller, input, (by) => ({ type: 'ProposePartnership', by, partnerNetworkId: input.partnerNetworkId }));

export const acceptPartnership = (deps: Deps, caller: Caller, input: PartnershipInput) =>
  onPartnership(deps, caller, input, (by) => ({ type: 'AcceptPartnership', by, partnerNetworkId: input.partnerNetworkId }));

export const endPartnership = (deps: Deps, caller: Caller, input: PartnershipInput & { reason: string }) =>
  onPartnership(deps, caller, input, (by) => ({ type: 'EndPartnership', by, partnerNetworkId: input.partnerNetworkId, reason: input.reason }));

/** A network's partnerships, each with its status, who proposed it and the partner's name. */
export async function listPartnerships(deps: Deps, caller: Caller, networkId: string, page: Page<readonly [string, string]>) {
  await requireMember(deps.store, networkId, caller);
  const query = deps.database.db
    .selectFrom('partnerships as p')
    .leftJoin('networks as n', 'n.network_id', 'p.partner_network_id')
    .select(['p.partner_network_id', 'n.name', 'p.status', 'p.proposed_by_network_id', sql<string>`coalesce(n.name, '')`.as('sort_name')])
    .where('p.network_id', '=', networkId);
  const rows = await keyset(query, [sql`coalesce(n.name, '')`, 'p.partner_network_id'], 'asc', page).execute();
  return mapPage(pageFrom(rows, page.limit, (r) => [r.sort_name, r.partner_network_id] as const), (r) => ({
    partnerNetworkId: r.partner_network_id,
    partnerName: r.name ?? 'unknown',
    status: r.status,
    proposedBy: r.proposed_by_network_id === networkId ? ('this network' as const) : ('partner' as const),
  }));
}
