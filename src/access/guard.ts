// Authorisation, decided on the server for every command and query. Roles are read from the
// member's own membership stream, not from a projection, so a role just granted or removed
// counts at once.
import type { FastifyRequest } from 'fastify';
import { Rejection } from '../commands/decider.ts';
import { readStates, type StreamRead } from '../commands/decide.ts';
import type { Database } from '../db/database.ts';
import type { EventStore } from '../eventstore/port.ts';
import { membershipDecider, membershipStream, type MembershipEvent, type MembershipState, type Role } from './membership.ts';
import { personDecider, personStream } from './person.ts';
import { reachRefusal, reachWithinRefusal, type Reach } from './consent.ts';
import type { Principal } from './sessions.ts';

export class Unauthenticated extends Error {
  constructor() {
    super('Sign in first.');
    this.name = 'Unauthenticated';
  }
}

/** A refusal of who asks, not of what they ask: always 403, problem type forbidden. */
export class Forbidden extends Rejection {
  constructor(message: string) {
    super('forbidden', message, 403);
    this.name = 'Forbidden';
  }
}

export function signedIn(request: FastifyRequest): Principal {
  if (!request.principal) throw new Unauthenticated();
  return request.principal;
}

export async function membershipOf(store: EventStore, networkId: string, personId: string): Promise<MembershipState> {
  return (await readStates(store, { membership: [membershipStream(networkId, personId), membershipDecider] })).membership;
}

/** Refuses, naming the field, the first of these people who is not an active member; all are read at once. */
export async function requireActiveMembers(store: EventStore, networkId: string, people: Array<[personId: string, field: string]>): Promise<void> {
  const memberships = await Promise.all(people.map(([personId]) => membershipOf(store, networkId, personId)));
  const unknown = people.find((_, i) => memberships[i]!.status !== 'active');
  if (unknown) throw new Rejection('unknown-member', 'This person is not an active member of this network.', 422, unknown[1]);
}

export type ActiveMembership = Extract<MembershipState, { status: 'active' }>;

/** The principal's active membership of the network, holding one of `anyOf` when given. */
export async function requireMember(store: EventStore, networkId: string, principal: Pick<Principal, 'personId'>, anyOf?: readonly Role[]): Promise<ActiveMembership> {
  return holdingRole(await membershipOf(store, networkId, principal.personId), anyOf);
}

/** The membership, when it is active and holds one of `anyOf` (when given); for a decision that has read it. */
export function holdingRole(membership: MembershipState, anyOf?: readonly Role[]): ActiveMembership {
  if (membership.status !== 'active') throw new Forbidden('You are not a member of this network.');
  if (anyOf && !membership.roles.some((r) => anyOf.includes(r))) {
    throw new Forbidden(`Only a ${anyOf.join(' or ')} of this network may do this.`);
  }
  return membership;
}

/**
 * Whether a coordinator may act for a person in this network (On-Behalf-Of); the person's id when
 * they may. Acting for a member, a coordinator does exactly what the member could, and no more.
 */
export async function actFor(deps: ConsentDeps, coordinatorId: string, networkId: string, personId: string): Promise<string> {
  const [reach, invitation] = await Promise.all([reachOf(deps, coordinatorId, personId, [networkId]), membershipOf(deps.store, networkId, personId)]);
  const refusal = reachWithinRefusal(reach, networkId, invitation.status === 'invited');
  if (refusal) throw new Forbidden(refusal);
  return personId;
}

/** Whether a coordinator may export or erase a person, or act for them outside any one network. */
export async function mayReach(deps: ConsentDeps, coordinatorId: string, personId: string): Promise<Reach> {
  const reach = await reachOf(deps, coordinatorId, personId);
  if (reach.person.status === 'none') throw new Rejection('person-not-found', 'There is no such person.', 404, 'personId');
  const refusal = reachRefusal(reach);
  if (refusal) throw new Rejection('not-yours-to-reach', refusal, 403, 'personId');
  return reach;
}

export type ConsentDeps = { store: EventStore; database?: Database | undefined };

/**
 * What a consent check rests on, read from the streams: the person's own stream names the networks
 * they joined, and the coordinator's membership streams say where they coordinate. Memberships
 * the read tables know of that predate the person's own record are added: a longer list only
 * refuses more.
 */
export async function reachOf(deps: ConsentDeps, coordinatorId: string, personId: string, alsoAsk: readonly string[] = []): Promise<Reach> {
  const [{ person }, rows] = await Promise.all([
    readStates(deps.store, { person: [personStream(personId), personDecider] }),
    // LEGACY: without the read tables (the old wrappers), the person's own stream alone.
    deps.database?.db.selectFrom('memberships').select('network_id').where('person_id', '=', personId).where('status', '=', 'active').execute(),
  ]);
  const networks = [...new Set([...(person.status === 'none' ? [] : person.networks), ...(rows ?? []).map((r) => r.network_id)])];
  const recordedIn = person.status !== 'none' && person.recordedIn ? [person.recordedIn] : [];
  const coordinates = await coordinatedBy(deps.store, coordinatorId, [...new Set([...networks, ...recordedIn, ...alsoAsk])]);
  return { person, networks, coordinates };
}

/** Of these networks, those the person is an active coordinator of, read from their membership streams. */
export async function coordinatedBy(store: EventStore, personId: string, networkIds: readonly string[]): Promise<Set<string>> {
  const reads: Record<string, StreamRead<MembershipState, MembershipEvent>> = Object.fromEntries(networkIds.map((n) => [n, [membershipStream(n, personId), membershipDecider] as const]));
  const states = await readStates(store, reads);
  return new Set(networkIds.filter((n) => { const m = states[n]!; return m.status === 'active' && m.roles.includes('coordinator'); }));
}
