// One person's membership of one network: how they joined, who approved it, their roles, and the
// DBS checks recorded for them there. One stream each, so approvals and role changes for a
// member are decided on everything that happened to that membership.
import { z } from 'zod';
import { Rejection, type Decider } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { id, isoDate, isoDateTime, reasonText } from '../bounds.ts';
import { networkKinds, networkName } from '../networks/network.ts';
import type { CommandContext } from '../commands/decide.ts';

export const roles = ['member', 'coordinator', 'treasurer', 'board', 'mentor', 'family'] as const;
export type Role = (typeof roles)[number];
export const roleList = z.array(z.enum(roles)).min(1).max(roles.length).refine((r) => new Set(r).size === r.length, 'must not repeat a role');

export const dbsCheckTypes = ['basic', 'standard', 'enhanced', 'enhanced_with_barred_lists'] as const;

const ids = { networkId: id(), personId: id() };
export const MembershipRequested = defineEvent('access.MembershipRequested', z.strictObject({ ...ids }));
export const MemberInvited = defineEvent('access.MemberInvited', z.strictObject({ ...ids, invitedBy: z.string() }));
export const MembershipApproved = defineEvent(
  'access.MembershipApproved',
  z.strictObject({
    ...ids, approvedBy: z.string(), approvedAt: isoDateTime(), roles: roleList,
    /** A member moved in from another system keeps the number they had there. */
    formerMemberNumber: z.string().regex(/^\d{1,12}$/).optional(),
  }),
);
/** A coordinator turned down a request to join; the person may ask again later. */
export const MembershipDeclined = defineEvent('access.MembershipDeclined', z.strictObject({ ...ids, declinedBy: z.string(), declinedAt: isoDateTime() }));
export const MemberRolesChanged = defineEvent('access.MemberRolesChanged', z.strictObject({ ...ids, roles: roleList, reason: reasonText() }));
export const DbsCheckRecorded = defineEvent(
  'access.DbsCheckRecorded',
  z.strictObject({ ...ids, checkType: z.enum(dbsCheckTypes), issuedOn: isoDate(), expiresOn: isoDate() }),
);
/** The member left the network, by their own act or recorded by a coordinator; they may ask to join again. */
export const MemberLeft = defineEvent('access.MemberLeft', z.strictObject({ ...ids, leftBy: z.string(), leftAt: isoDateTime(), reason: reasonText().optional() }));

/**
 * A membership's command still to come, and the context the request ran it under, kept where the
 * process began (a person's stream naming the network they join, a network's coordination stream
 * marking a coordinator stepping down), so that whoever carries it on (the request's retry, or the
 * sweeper after a crash) writes it once, as the request would have.
 */
export const membershipPlan = z.strictObject({
  membership: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('ApproveMembership'), approvedBy: z.string().min(1), roles: roleList, now: isoDateTime() }),
    z.strictObject({ type: z.literal('AcceptInvitation'), now: isoDateTime() }),
    z.strictObject({ type: z.literal('EnrolMember'), approvedBy: z.string().min(1), roles: roleList, now: isoDateTime(), formerMemberNumber: z.string().regex(/^\d{1,12}$/).optional() }),
    z.strictObject({ type: z.literal('ChangeRoles'), roles: roleList, reason: reasonText() }),
    z.strictObject({ type: z.literal('LeaveNetwork'), leftBy: z.string().min(1), now: isoDateTime(), reason: reasonText().optional() }),
  ]),
  actor: z.string().min(1),
  onBehalfOf: id().nullable(),
  commandId: id(),
  correlationId: id(),
  causationId: id().nullable(),
  now: isoDateTime(),
  /** A network's founder, enrolled before the network is written: the network then opened, by them, under the same command. */
  opens: z.strictObject({ name: networkName, kind: z.enum(networkKinds) }).optional(),
});
export type MembershipPlan = z.infer<typeof membershipPlan>;

/** A membership's command kept to be carried on, with the context it runs under; none for a command no process carries on. */
export function planOf(command: MembershipCommand, context: CommandContext, opens?: MembershipPlan['opens']): MembershipPlan | undefined {
  const { actor, onBehalfOf, commandId, correlationId, causationId, now } = context;
  const ran = { actor, onBehalfOf, commandId, correlationId, causationId, now, ...(opens ? { opens } : {}) };
  switch (command.type) {
    case 'ApproveMembership':
      return { membership: { type: command.type, approvedBy: command.approvedBy, roles: command.roles, now: command.now }, ...ran };
    case 'AcceptInvitation':
      return { membership: { type: command.type, now: command.now }, ...ran };
    case 'EnrolMember':
      return { membership: { type: command.type, approvedBy: command.approvedBy, roles: command.roles, now: command.now, ...(command.formerMemberNumber ? { formerMemberNumber: command.formerMemberNumber } : {}) }, ...ran };
    case 'ChangeRoles':
      return { membership: { type: command.type, roles: command.roles, reason: command.reason }, ...ran };
    case 'LeaveNetwork':
      return { membership: { type: command.type, leftBy: command.leftBy, now: command.now, ...(command.reason ? { reason: command.reason } : {}) }, ...ran };
    default:
      return undefined;
  }
}
/**
 * A coordinator is about to stop coordinating: their membership, at the revision named, is the one
 * the step-down will change. Written on the network's coordination stream before the membership,
 * so that two of the last coordinators stepping down at once meet on one stream (see
 * coordinationDecider).
 */
export const CoordinatorSteppingDown = defineEvent('access.CoordinatorSteppingDown', z.strictObject({ ...ids, membershipRevision: z.number().int().min(0), then: membershipPlan.optional() }));

export const membershipEventTypes = [MembershipRequested, MemberInvited, MembershipApproved, MembershipDeclined, MemberRolesChanged, DbsCheckRecorded, MemberLeft, CoordinatorSteppingDown];
export type MembershipEvent =
  | DomainEvent<typeof MembershipRequested>
  | DomainEvent<typeof MemberInvited>
  | DomainEvent<typeof MembershipApproved>
  | DomainEvent<typeof MembershipDeclined>
  | DomainEvent<typeof MemberRolesChanged>
  | DomainEvent<typeof DbsCheckRecorded>
  | DomainEvent<typeof MemberLeft>;

type Ids = { networkId: string; personId: string };
export type MembershipCommand =
  | ({ type: 'RequestMembership' } & Ids)
  | ({ type: 'InviteMember'; invitedBy: string } & Ids)
  | ({ type: 'ApproveMembership'; approvedBy: string; roles: Role[]; now: string } & Ids)
  | ({ type: 'DeclineMembership'; declinedBy: string; now: string } & Ids)
  | ({ type: 'AcceptInvitation'; now: string } & Ids)
  /** The network's founder, or a person a coordinator records directly: active at once. */
  | ({ type: 'EnrolMember'; approvedBy: string; roles: Role[]; now: string; formerMemberNumber?: string } & Ids)
  | ({ type: 'ChangeRoles'; roles: Role[]; reason: string } & Ids)
  | ({ type: 'RecordDbsCheck'; checkType: (typeof dbsCheckTypes)[number]; issuedOn: string; expiresOn: string } & Ids)
  /** The member leaves, or a coordinator records that they left. */
  | ({ type: 'LeaveNetwork'; leftBy: string; now: string; reason?: string } & Ids);

export interface DbsCheck {
  checkType: (typeof dbsCheckTypes)[number];
  issuedOn: string;
  expiresOn: string;
}

export type MembershipState =
  | { status: 'none' }
  | { status: 'requested' }
  | { status: 'invited'; invitedBy: string }
  | { status: 'declined' }
  | { status: 'left' }
  | { status: 'active'; roles: Role[]; dbs: DbsCheck | null };

export const membershipStream = (networkId: string, personId: string) => `membership-${networkId}-${personId}`;

export const membershipDecider: Decider<MembershipCommand, MembershipState, MembershipEvent> = {
  initialState: { status: 'none' },

  evolve(state, event) {
    switch (event.type) {
      case 'access.MembershipRequested':
        return { status: 'requested' };
      case 'access.MemberInvited':
        return { status: 'invited', invitedBy: event.data.invitedBy };
      case 'access.MembershipApproved':
        return { status: 'active', roles: event.data.roles, dbs: null };
      case 'access.MembershipDeclined':
        return { status: 'declined' };
      case 'access.MemberRolesChanged':
        return state.status === 'active' ? { ...state, roles: event.data.roles } : state;
      case 'access.DbsCheckRecorded':
        return state.status === 'active' ? { ...state, dbs: { checkType: event.data.checkType, issuedOn: event.data.issuedOn, expiresOn: event.data.expiresOn } } : state;
      case 'access.MemberLeft':
        return { status: 'left' };
    }
  },

  decide(command, state) {
    const ids = { networkId: command.networkId, personId: command.personId };
    switch (command.type) {
      case 'RequestMembership':
        if (state.status === 'active') throw new Rejection('already-a-member', 'You are already a member of this network.', 409);
        if (state.status === 'requested') return [];
        return [{ type: 'access.MembershipRequested', data: ids }];
      case 'InviteMember':
        if (state.status === 'active') throw new Rejection('already-a-member', 'This person is already a member.', 409);
        if (state.status === 'invited') return [];
        return [{ type: 'access.MemberInvited', data: { ...ids, invitedBy: command.invitedBy } }];
      case 'ApproveMembership':
        if (state.status !== 'requested') throw new Rejection('nothing-to-approve', 'This person has not asked to join, or is already a member.', 409);
        return [{ type: 'access.MembershipApproved', data: { ...ids, approvedBy: command.approvedBy, approvedAt: command.now, roles: command.roles } }];
      case 'DeclineMembership':
        if (state.status === 'declined') return [];
        if (state.status === 'active') throw new Rejection('already-a-member', 'This person is already a member: change their roles instead.', 409);
        if (state.status !== 'requested') throw new Rejection('nothing-to-decline', 'This person has not asked to join.', 409);
        return [{ type: 'access.MembershipDeclined', data: { ...ids, declinedBy: command.declinedBy, declinedAt: command.now } }];
      case 'AcceptInvitation':
        if (state.status !== 'invited') throw new Rejection('no-invitation', 'There is no invitation to accept.', 409);
        // The coordinator who invited approved the membership when they invited.
        return [{ type: 'access.MembershipApproved', data: { ...ids, approvedBy: state.invitedBy, approvedAt: command.now, roles: ['member'] } }];
      case 'EnrolMember':
        if (state.status === 'active') throw new Rejection('already-a-member', 'This person is already a member.', 409);
        return [
          {
            type: 'access.MembershipApproved',
            data: { ...ids, approvedBy: command.approvedBy, approvedAt: command.now, roles: command.roles, ...(command.formerMemberNumber ? { formerMemberNumber: command.formerMemberNumber } : {}) },
          },
        ];
      case 'ChangeRoles':
        if (state.status !== 'active') throw new Rejection('not-a-member', 'This person is not a member of the network.', 404);
        if (sameRoles(state.roles, command.roles)) return [];
        return [{ type: 'access.MemberRolesChanged', data: { ...ids, roles: command.roles, reason: command.reason } }];
      case 'RecordDbsCheck':
        if (state.status !== 'active') throw new Rejection('not-a-member', 'This person is not a member of the network.', 404);
        if (command.expiresOn <= command.issuedOn) throw new Rejection('dbs-dates', 'The expiry date must come after the issue date.', 422, 'expiresOn');
        return [{ type: 'access.DbsCheckRecorded', data: { ...ids, checkType: command.checkType, issuedOn: command.issuedOn, expiresOn: command.expiresOn } }];
      case 'LeaveNetwork':
        if (state.status === 'left') return [];
        if (state.status !== 'active') throw new Rejection('not-a-member', 'This person is not a member of the network.', 404);
        return [{ type: 'access.MemberLeft', data: { ...ids, leftBy: command.leftBy, leftAt: command.now, ...(command.reason ? { reason: command.reason } : {}) } }];
    }
  },
};

function sameRoles(a: readonly Role[], b: readonly Role[]): boolean {
  return a.length === b.length && a.every((r) => b.includes(r));
}

// "A network keeps a coordinator" spans the coordinators' memberships, and a store that commits
// one stream at a time cannot hold them all still. So every step-down is decided on one stream
// per network first: it names the membership and the revision the step-down is decided on, and
// a coordinator so named is not counted while their membership is still at that revision. When
// the membership moves on (the step-down written, or anything else) the mark no longer counts:
// the membership says itself whether they coordinate. A step-down stopped between its two writes
// only ever counts one coordinator too few, which refuses more, never less.

export const coordinationStream = (networkId: string) => `coordination-${networkId}`;

/** Who is stepping down, by the revision of their membership the step-down was decided on. */
export type CoordinationState = { steppingDown: Record<string, number> };
export type CoordinationEvent = DomainEvent<typeof CoordinatorSteppingDown>;
/** The other coordinators as their memberships were read: each still coordinating, at this revision. */
export type CoordinationCommand = { type: 'BeginStepDown'; networkId: string; personId: string; membershipRevision: number; others: Array<{ personId: string; revision: number }>; then?: MembershipPlan };

export const coordinationDecider: Decider<CoordinationCommand, CoordinationState, CoordinationEvent> = {
  initialState: { steppingDown: {} },
  evolve: (state, event) => ({ steppingDown: { ...state.steppingDown, [event.data.personId]: event.data.membershipRevision } }),
  decide(command, state) {
    const counted = command.others.filter((o) => o.personId !== command.personId && state.steppingDown[o.personId] !== o.revision);
    if (counted.length === 0) throw new Rejection('last-coordinator', 'This is the network’s last coordinator. Make another member a coordinator first.', 409);
    if (state.steppingDown[command.personId] === command.membershipRevision) return [];
    return [{ type: 'access.CoordinatorSteppingDown', data: { networkId: command.networkId, personId: command.personId, membershipRevision: command.membershipRevision, ...(command.then ? { then: command.then } : {}) } }];
  },
};

/** Whether a membership holds the coordinator's role now. */
export const coordinating = (m: MembershipState): boolean => m.status === 'active' && m.roles.includes('coordinator');
