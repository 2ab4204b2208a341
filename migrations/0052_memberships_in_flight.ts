import { sql, type Kysely } from 'kysely';

// Joining a network is a process of two writes: the person's stream names the network, with what
// then makes them a member; then the membership (and, for a network's founder, the network). This
// table holds each person's stream naming a network with such a plan until the membership is active
// (a founder's until the network is open: projection "memberships"), so that the sweeper finds,
// with the memberships and networks beside it, those not yet done, and looks only at them.
// A coordinator stepping down is marked on the network's coordination stream, with the membership's
// change to come, before the membership: the second table holds the marks with such a plan, which
// the sweeper carries on while the membership is still at the marked revision.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE memberships_joining (network_id uuid NOT NULL, person_id uuid NOT NULL, position bigint NOT NULL, opens_network boolean NOT NULL, PRIMARY KEY (network_id, person_id))`.execute(db);
  await sql`CREATE TABLE coordinators_stepping_down (network_id uuid NOT NULL, person_id uuid NOT NULL, membership_revision bigint NOT NULL, position bigint NOT NULL, PRIMARY KEY (network_id, person_id, membership_revision))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE coordinators_stepping_down`.execute(db);
  await sql`DROP TABLE memberships_joining`.execute(db);
}
