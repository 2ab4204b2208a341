// A person known to Hearth: someone with an account, or someone a coordinator records who is not
// online at all. Personal details travel only sealed (see vault.ts); the decider never sees them.
import { z } from 'zod';
import { Rejection, type Decider } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';
import { id, isoDate, isoDateTime, text, name } from '../bounds.ts';
import { membershipPlan, type MembershipPlan } from './membership.ts';

const sealed = z.string().startsWith('v1.');

export const PersonRegistered = defineEvent(
  'access.PersonRegistered',
  // recordedIn: the network whose coordinator recorded a person who is not online. Its
  // coordinators may act for them while they have no account (see consent.ts).
  z.strictObject({ personId: id(), details: sealed, hasAccount: z.boolean(), registeredAt: isoDateTime(), recordedIn: id().optional() }),
);
export const PersonalDetailsChanged = defineEvent('access.PersonalDetailsChanged', z.strictObject({ personId: id(), details: sealed }));
export const PasswordChanged = defineEvent('access.PasswordChanged', z.strictObject({ personId: id() }));
export const SafeguardingFlagged = defineEvent('access.SafeguardingFlagged', z.strictObject({ personId: id(), needsSafeguarding: z.boolean() }));
export const PersonErased = defineEvent('access.PersonErased', z.strictObject({ personId: id(), erasedAt: isoDateTime() }));
// A person recorded without an account takes the way in their coordinator gave them.
export const AccountClaimed = defineEvent('access.AccountClaimed', z.strictObject({ personId: id(), claimedAt: isoDateTime() }));
// Written with each membership that becomes active, before it, on the person's own stream: the
// networks a person belongs to are then one stream, which a decision about them (erasure) holds
// still. Since joining became a process, with what makes them a member.
export const NetworkJoined = defineEvent('access.NetworkJoined', z.strictObject({ personId: id(), networkId: id(), then: membershipPlan.optional() }));
// A way back in for someone who forgot their password: sent by email, or read out by a
// coordinator. The event holds no secret: the code is derived from resetId with the server's
// secret (see reset.ts), so it can be sent and checked, and goes stale with the next reset or
// password change.
export const PasswordResetIssued = defineEvent(
  'access.PasswordResetIssued',
  z.strictObject({ personId: id(), resetId: id(), via: z.enum(['email', 'coordinator']), issuedBy: id().optional(), expiresAt: isoDateTime() }),
);

// A coordinator invites a person recorded without an account to take a way in, by email to the
// address on file. The event holds no secret: the code in the mail's link is derived from
// invitationId with the server's secret (see wayInCode in app.ts), and works once, like a printed one.
export const WayInInvited = defineEvent(
  'access.WayInInvited',
  z.strictObject({ personId: id(), invitationId: id(), networkId: id(), invitedBy: id(), expiresAt: isoDateTime() }),
);

export const personEventTypes = [PersonRegistered, PersonalDetailsChanged, PasswordChanged, SafeguardingFlagged, PersonErased, NetworkJoined, AccountClaimed, PasswordResetIssued, WayInInvited];
export type PersonEvent =
  | DomainEvent<typeof PersonRegistered>
  | DomainEvent<typeof PersonalDetailsChanged>
  | DomainEvent<typeof PasswordChanged>
  | DomainEvent<typeof SafeguardingFlagged>
  | DomainEvent<typeof PersonErased>
  | DomainEvent<typeof NetworkJoined>
  | DomainEvent<typeof AccountClaimed>
  | DomainEvent<typeof PasswordResetIssued>
  | DomainEvent<typeof WayInInvited>;

/** What Hearth holds about a person, sealed as one value. */
export const personalDetails = z.strictObject({
  name: name(200),
  email: z.email().max(254).optional(),
  phone: z.string().trim().regex(/^[0-9+() -]{6,20}$/, 'must be a phone number').optional(),
  /** A second number, as TimeOverflow keeps one. */
  alternativePhone: z.string().trim().regex(/^[0-9+() -]{6,20}$/, 'must be a phone number').optional(),
  dateOfBirth: isoDate().optional(),
  /** A postal address: a co-operative society's register of members holds each member's (the 2014 Act, s.30). */
  postalAddress: text(300, { lines: true }).optional(),
  notes: text(2000, { min: 0, lines: true }).optional(),
});
export type PersonalDetails = z.infer<typeof personalDetails>;

export type PersonCommand =
  | { type: 'RegisterPerson'; personId: string; details: string; hasAccount: boolean; now: string; recordedIn?: string }
  | { type: 'ChangeDetails'; personId: string; details: string }
  | { type: 'RecordPasswordChange'; personId: string }
  | { type: 'FlagSafeguarding'; personId: string; needsSafeguarding: boolean }
  | { type: 'ErasePerson'; personId: string; now: string }
  | { type: 'RecordNetworkJoined'; personId: string; networkId: string; then?: MembershipPlan }
  | { type: 'ClaimAccount'; personId: string; now: string }
  | { type: 'InviteWayIn'; personId: string; invitationId: string; networkId: string; invitedBy: string; expiresAt: string }
  | { type: 'IssuePasswordReset'; personId: string; resetId: string; via: 'email' | 'coordinator'; issuedBy?: string; expiresAt: string }
  /** The code of this reset was checked by the caller, who holds the secret; the decider says whether the reset still holds. */
  | { type: 'ResetPassword'; personId: string; resetId: string; now: string };

/** The one reset that can still set a password: the latest issued, until a password is set. */
export interface PendingReset {
  resetId: string;
  via: 'email' | 'coordinator';
  expiresAt: string;
}

export type PersonState =
  | { status: 'none' }
  | { status: 'active'; hasAccount: boolean; needsSafeguarding: boolean; networks: string[]; recordedIn: string | null; reset?: PendingReset }
  /** What is left: ids only, so that what they belonged to (and who may see what is left) still holds. */
  | { status: 'erased'; networks: string[]; recordedIn: string | null };

export const personStream = (personId: string) => `person-${personId}`;

export const personDecider: Decider<PersonCommand, PersonState, PersonEvent> = {
  initialState: { status: 'none' },

  evolve(state, event) {
    switch (event.type) {
      case 'access.PersonRegistered':
        return { status: 'active', hasAccount: event.data.hasAccount, needsSafeguarding: false, networks: [], recordedIn: event.data.recordedIn ?? null };
      case 'access.AccountClaimed':
        return state.status === 'active' ? { ...state, hasAccount: true } : state;
      case 'access.NetworkJoined':
        return state.status === 'active' && !state.networks.includes(event.data.networkId) ? { ...state, networks: [...state.networks, event.data.networkId] } : state;
      case 'access.SafeguardingFlagged':
        return state.status === 'active' ? { ...state, needsSafeguarding: event.data.needsSafeguarding } : state;
      case 'access.PersonErased':
        return { status: 'erased', networks: state.status === 'active' ? state.networks : [], recordedIn: state.status === 'active' ? state.recordedIn : null };
      case 'access.PasswordResetIssued':
        return state.status === 'active' ? { ...state, reset: { resetId: event.data.resetId, via: event.data.via, expiresAt: event.data.expiresAt } } : state;
      case 'access.PasswordChanged': {
        if (state.status !== 'active' || state.reset === undefined) return state;
        const { reset: _used, ...rest } = state;
        return rest;
      }
      case 'access.PersonalDetailsChanged':
      case 'access.WayInInvited':
        return state;
    }
  },

  decide(command, state) {
    if (command.type === 'RegisterPerson') {
      if (state.status !== 'none') throw new Rejection('person-exists', 'This person is already registered.', 409);
      const recordedIn = command.recordedIn === undefined ? {} : { recordedIn: command.recordedIn };
      return [{ type: 'access.PersonRegistered', data: { personId: command.personId, details: command.details, hasAccount: command.hasAccount, registeredAt: command.now, ...recordedIn } }];
    }
    if (state.status === 'none') throw new Rejection('person-not-found', 'There is no such person.', 404);
    if (state.status === 'erased') {
      if (command.type === 'ErasePerson') return [];
      throw new Rejection('person-erased', 'This person has been erased.', 409);
    }
    switch (command.type) {
      case 'ChangeDetails':
        return [{ type: 'access.PersonalDetailsChanged', data: { personId: command.personId, details: command.details } }];
      case 'RecordPasswordChange':
        return [{ type: 'access.PasswordChanged', data: { personId: command.personId } }];
      case 'FlagSafeguarding':
        if (state.needsSafeguarding === command.needsSafeguarding) return [];
        return [{ type: 'access.SafeguardingFlagged', data: { personId: command.personId, needsSafeguarding: command.needsSafeguarding } }];
      case 'ErasePerson':
        return [{ type: 'access.PersonErased', data: { personId: command.personId, erasedAt: command.now } }];
      case 'ClaimAccount':
        if (state.hasAccount) throw new Rejection('already-has-account', 'This person already has an account: sign in.', 409);
        return [{ type: 'access.AccountClaimed', data: { personId: command.personId, claimedAt: command.now } }];
      case 'InviteWayIn':
        if (state.hasAccount) throw new Rejection('already-has-account', 'This person already has an account: they sign in themselves.', 409, 'personId');
        return [{ type: 'access.WayInInvited', data: { personId: command.personId, invitationId: command.invitationId, networkId: command.networkId, invitedBy: command.invitedBy, expiresAt: command.expiresAt } }];
      case 'IssuePasswordReset': {
        // A person without an account has no password to reset: their coordinator gives a way in instead.
        if (!state.hasAccount) throw new Rejection('no-account', 'This person has no account yet: give them a way in instead.', 409, 'personId');
        const issuedBy = command.issuedBy === undefined ? {} : { issuedBy: command.issuedBy };
        return [{ type: 'access.PasswordResetIssued', data: { personId: command.personId, resetId: command.resetId, via: command.via, ...issuedBy, expiresAt: command.expiresAt } }];
      }
      case 'ResetPassword': {
        // One message for a reset replaced by a later one and one already used: either way, ask again.
        if (state.reset?.resetId !== command.resetId) throw new Rejection('reset-not-current', 'This reset has been used or replaced by a later one. Ask for a new one.', 422, 'code');
        if (Date.parse(state.reset.expiresAt) <= Date.parse(command.now)) throw new Rejection('reset-expired', 'This reset has expired. Ask for a new one.', 422, 'code');
        return [{ type: 'access.PasswordChanged', data: { personId: command.personId } }];
      }
      case 'RecordNetworkJoined':
        if (state.networks.includes(command.networkId)) return [];
        return [{ type: 'access.NetworkJoined', data: { personId: command.personId, networkId: command.networkId, ...(command.then ? { then: command.then } : {}) } }];
    }
  },
};

/** A person's name as every list and statement shows it: an erased person, or one never named, is not named. */
export const shownName = (name: string | null | undefined, erased: boolean | null | undefined): string => (erased ? 'erased member' : (name ?? 'unknown'));
