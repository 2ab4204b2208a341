// Authorisation, decided on the server for every command and query. Roles are read from the
// member's own membership stream, not from a projection, so a role just granted or removed
// counts at once.
import type { FastifyRequest } from 'fastify';
import { fold, Rejection, type Actor } from '../commands/decider.ts';
import type { EventStore } from '../eventstore/port.ts';
import { membershipDecider, membershipStream, type MembershipEvent, type MembershipState, type Role } from './membership.ts';
import type { Principal } from './sessions.ts';

export class Unauthenticated extends Error {
  constructor() {
    super('Sign in first.');
    this.name = 'Unauthenticated';
  }
}

export class Forbidden extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Forbidden';
  }
}

export function signedIn(request: FastifyRequest): Principal {
  if (!request.principal) throw new Unauthenticated();
  return request.principal;
}

export async function membershipOf(store: EventStore, networkId: string, personId: string): Promise<MembershipState> {
  const events = await store.readStream(membershipStream(networkId, personId));
  return fold(membershipDecider, events as unknown as MembershipEvent[]);
}

/** Refuses, naming the field, the first of these people who is not an active member; all are read at once. */
export async function requireActiveMembers(store: EventStore, networkId: string, people: Array<[personId: string, field: string]>): Promise<void> {
  const memberships = await Promise.all(people.map(([personId]) => membershipOf(store, networkId, personId)));
  const unknown = people.find((_, i) => memberships[i]!.status !== 'active');
  if (unknown) throw new Rejection('unknown-member', 'This person is not an active member of this network.', 422, unknown[1]);
}

export type ActiveMembership = Extract<MembershipState, { status: 'active' }>;

/** The principal's active membership of the network, holding one of `anyOf` when given. */
export async function requireMember(store: EventStore, networkId: string, principal: Principal, anyOf?: readonly Role[]): Promise<ActiveMembership> {
  const membership = await membershipOf(store, networkId, principal.personId);
  if (membership.status !== 'active') throw new Forbidden('You are not a member of this network.');
  if (anyOf && !membership.roles.some((r) => anyOf.includes(r))) {
    throw new Forbidden(`Only a ${anyOf.join(' or ')} of this network may do this.`);
  }
  return membership;
}

export interface Acting {
  /** Who did it. */
  actor: string;
  /** Whose action it is: the actor, or the member they act for. */
  subject: string;
  onBehalfOf: string | null;
}

/**
 * The acting person as a decider sees them. Acting on a member's behalf, a coordinator does
 * exactly what the member could, and no more.
 */
export async function actorIn(store: EventStore, networkId: string, request: FastifyRequest): Promise<{ acting: Acting; by: Actor }> {
  const acting = await actingIn(store, networkId, request);
  const own = await requireMember(store, networkId, signedIn(request));
  return { acting, by: { personId: acting.subject, isCoordinator: acting.onBehalfOf === null && own.roles.includes('coordinator') } };
}

/**
 * Who a request acts as within a network. With an On-Behalf-Of header a coordinator acts for a
 * member of that network; the events record both.
 */
export async function actingIn(store: EventStore, networkId: string, request: FastifyRequest): Promise<Acting> {
  const principal = signedIn(request);
  const header = request.headers['on-behalf-of'];
  const onBehalfOf = typeof header === 'string' && header !== principal.personId ? header : null;
  if (!onBehalfOf) return { actor: principal.personId, subject: principal.personId, onBehalfOf: null };
  await requireMember(store, networkId, principal, ['coordinator']);
  const member = await membershipOf(store, networkId, onBehalfOf);
  if (member.status === 'none') throw new Forbidden('A coordinator can act only for people who belong to, or have been invited to, this network.');
  return { actor: principal.personId, subject: onBehalfOf, onBehalfOf };
}

/**
 * Whether a coordinator may act for a person in this network; the person's id when they may.
 * Acting for a member, a coordinator does exactly what the member could, and no more.
 */
export async function actFor(deps: { store: EventStore }, coordinatorId: string, networkId: string, personId: string): Promise<string> {
  const [own, member] = await Promise.all([membershipOf(deps.store, networkId, coordinatorId), membershipOf(deps.store, networkId, personId)]);
  if (own.status !== 'active' || !own.roles.includes('coordinator')) throw new Forbidden('Only a coordinator of this network may act on a member\'s behalf.');
  if (member.status !== 'active') throw new Forbidden('A coordinator can act only for members of this network.');
  return personId;
}
