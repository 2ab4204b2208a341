// Who belongs to which network, in what roles, approved by whom and when, with their DBS expiry;
// and the joinings under way, for the sweeper: a person's stream naming a network with what then
// makes them a member, until the membership is active (a founder's, for good: one a network) or
// the person erased; and the coordinators marked stepping down with the change to come.
import type { z } from 'zod';
import { sql } from 'kysely';
import type { Projection } from '../src/projections/engine.ts';
import { CoordinatorSteppingDown, DbsCheckRecorded, MemberInvited, MemberLeft, MemberRolesChanged, MembershipApproved, MembershipDeclined, MembershipRequested } from '../src/access/membership.ts';
import { NetworkJoined, PersonErased } from '../src/access/person.ts';

type Ids = { networkId: string; personId: string };

export const membershipsProjection: Projection = {
  name: 'memberships',
  tables: ['memberships', 'memberships_joining', 'coordinators_stepping_down'],
  handles: [MembershipRequested.type, MemberInvited.type, MembershipApproved.type, MembershipDeclined.type, MemberRolesChanged.type, DbsCheckRecorded.type, MemberLeft.type, NetworkJoined.type, PersonErased.type, CoordinatorSteppingDown.type],
  async apply(db, event) {
    const { networkId, personId } = event.data as Ids;
    const key = (qb: any) => qb.where('network_id', '=', networkId).where('person_id', '=', personId);
    switch (event.type) {
      case NetworkJoined.type:
        const { then } = event.data as z.infer<typeof NetworkJoined.schema>;
        if (then) {
          await db.insertInto('memberships_joining').values({ network_id: networkId, person_id: personId, position: event.position, opens_network: then.opens !== undefined }).onConflict((oc) => oc.doNothing()).execute();
        }
        return;
      case CoordinatorSteppingDown.type: {
        const d = event.data as z.infer<typeof CoordinatorSteppingDown.schema>;
        if (d.then) {
          await db.insertInto('coordinators_stepping_down').values({ network_id: networkId, person_id: personId, membership_revision: d.membershipRevision, position: event.position }).onConflict((oc) => oc.doNothing()).execute();
        }
        return;
      }
      case PersonErased.type:
        await db.deleteFrom('memberships_joining').where('person_id', '=', personId).execute();
        return;
      case MembershipRequested.type:
      case MemberInvited.type:
        await db
          .insertInto('memberships')
          .values({ network_id: networkId, person_id: personId, status: event.type === MembershipRequested.type ? 'requested' : 'invited', roles: sql`'{}'::text[]`, approved_by: null, approved_at: null, dbs_type: null, dbs_expires_on: null, former_member_number: null, revision: event.revision })
          .onConflict((oc) => oc.columns(['network_id', 'person_id']).doUpdateSet({ status: sql`excluded.status`, revision: event.revision }))
          .execute();
        return;
      case MembershipApproved.type: {
        const data = event.data as z.infer<typeof MembershipApproved.schema>;
        // A founder's row stays until the network is open, which the sweeper reads beside it.
        await key(db.deleteFrom('memberships_joining')).where('opens_network', '=', false).execute();
        await db
          .insertInto('memberships')
          .values({
            network_id: networkId, person_id: personId, status: 'active', roles: sql`${data.roles}::text[]`, approved_by: data.approvedBy, approved_at: data.approvedAt, dbs_type: null, dbs_expires_on: null,
            former_member_number: data.formerMemberNumber ?? null, revision: event.revision,
          })
          .onConflict((oc) =>
            oc.columns(['network_id', 'person_id']).doUpdateSet({
              status: 'active', roles: sql`excluded.roles`, approved_by: data.approvedBy, approved_at: data.approvedAt,
              former_member_number: sql`coalesce(excluded.former_member_number, memberships.former_member_number)`, revision: event.revision,
            }),
          )
          .execute();
        return;
      }
      case MembershipDeclined.type:
        // Kept as 'declined' rather than removed, so the person sees the answer on their own page;
        // asking again sets it back to 'requested'.
        await key(db.updateTable('memberships').set({ status: 'declined', revision: event.revision })).execute();
        return;
      case MemberRolesChanged.type: {
        const data = event.data as z.infer<typeof MemberRolesChanged.schema>;
        await key(db.updateTable('memberships').set({ roles: sql`${data.roles}::text[]`, revision: event.revision })).execute();
        return;
      }
      case MemberLeft.type:
        // Kept as 'left', so coordinators see who has gone; asking to join again sets it back.
        await key(db.updateTable('memberships').set({ status: 'left', revision: event.revision })).execute();
        return;
      case DbsCheckRecorded.type: {
        const data = event.data as z.infer<typeof DbsCheckRecorded.schema>;
        await key(db.updateTable('memberships').set({ dbs_type: data.checkType, dbs_expires_on: data.expiresOn, revision: event.revision })).execute();
        return;
      }
    }
  },
};
