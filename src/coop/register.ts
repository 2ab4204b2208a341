// The co-op's books, read from the projection: the society, its register of members and their
// holdings as at any past day, a member's holding and its history, and the proposals. Holdings are
// sums of dated share movements, so the register as at a day is a query, never a stored copy.
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { keyset, mapPage, pageFrom, type Page } from '../db/keyset.ts';
import { Rejection } from '../commands/decider.ts';
import { holderName } from '../pools/books.ts';
import type { CoopRules } from './society.ts';

/** Movements of the non-withdrawable membership share; every other kind moves withdrawable shares. */
const MEMBERSHIP_KINDS = ['membership', 'forfeit'];
const membershipKinds = sql.join(MEMBERSHIP_KINDS.map((k) => sql.lit(k)));

export interface Coop {
  networkId: string;
  name: string;
  rules: CoopRules;
  foundedOn: string;
  fundsPence: number;
  reservesPence: number;
  withdrawalsSuspended: boolean;
  /** Members now. */
  members: number;
}

export async function coopOf(db: Db, networkId: string): Promise<Coop> {
  const row = await db
    .selectFrom('coops as c')
    .selectAll('c')
    .select((eb) => eb.selectFrom('coop_members').select(sql<number>`count(*)::integer`.as('n')).where('network_id', '=', networkId).where('ended_on', 'is', null).as('members'))
    .where('c.network_id', '=', networkId)
    .executeTakeFirst();
  if (!row) throw new Rejection('coop-not-found', 'This network has no co-op yet.', 404);
  return {
    networkId,
    name: row.name,
    rules: row.rules as CoopRules,
    foundedOn: row.founded_on,
    fundsPence: Number(row.funds_pence),
    reservesPence: Number(row.reserves_pence),
    withdrawalsSuspended: row.withdrawals_suspended,
    members: Number(row.members ?? 0),
  };
}

/**
 * Share capital at the end of a day: every member's shares, membership shares included, and shares
 * of members who have left still awaiting their withdrawal. Forfeit membership shares are reserves.
 */
export async function shareCapitalAsAt(db: Db, networkId: string, asAt: string): Promise<number> {
  const row = await db
    .selectFrom('coop_share_movements')
    .select(sql<number>`coalesce(sum(pence), 0)::bigint`.as('p'))
    .where('network_id', '=', networkId)
    .where('record_date', '<=', asAt)
    .executeTakeFirstOrThrow();
  return Number(row.p);
}

export interface RegisterLine {
  personId: string;
  name: string;
  memberClass: string;
  admittedOn: string;
  /** The day they ceased to be a member, for a former member; null for a member on that day. */
  ceasedOn: string | null;
  membershipSharePence: number;
  sharesPence: number;
}

/**
 * The register of members at the end of a day, as s.30 of the 2014 Act asks: who was a member
 * then, of which class, when admitted, and what each held; and every former member admitted by
 * then, with the day they ceased. A member admitted again has a line for each admission. Held as
 * at that day, membership share and movements included.
 */
export async function registerAsAt(db: Db, networkId: string, asAt: string): Promise<{ shareCapitalPence: number; members: RegisterLine[]; formerMembers: RegisterLine[] }> {
  const [{ rows }, shareCapitalPence] = await Promise.all([
    sql<{ person_id: string; name: string | null; erased: boolean | null; member_class: string; admitted_on: string; ceased_on: string | null; membership: number; shares: number }>`
      SELECT m.person_id, pe.name, pe.erased, m.member_class, m.admitted_on,
             CASE WHEN m.ended_on <= ${asAt} THEN m.ended_on END AS ceased_on,
             coalesce(sum(s.pence) FILTER (WHERE s.kind IN (${membershipKinds})), 0)::bigint AS membership,
             coalesce(sum(s.pence) FILTER (WHERE s.kind NOT IN (${membershipKinds})), 0)::bigint AS shares
        FROM coop_members m
        LEFT JOIN people pe ON pe.person_id = m.person_id
        LEFT JOIN coop_share_movements s ON s.network_id = m.network_id AND s.person_id = m.person_id AND s.record_date <= ${asAt}
       WHERE m.network_id = ${networkId} AND m.admitted_on <= ${asAt}
       GROUP BY m.person_id, m.admission, pe.name, pe.erased, m.member_class, m.admitted_on, m.ended_on`.execute(db),
    shareCapitalAsAt(db, networkId, asAt),
  ]);
  const lines = rows
    .map((r) => ({
      personId: r.person_id, name: holderName(r), memberClass: r.member_class, admittedOn: r.admitted_on, ceasedOn: r.ceased_on,
      membershipSharePence: Number(r.membership), sharesPence: Number(r.shares),
    }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en-GB') || a.personId.localeCompare(b.personId) || a.admittedOn.localeCompare(b.admittedOn));
  const members = lines.filter((l) => l.ceasedOn === null);
  // What someone admitted again holds is on their line as a member: their earlier line shows none of it.
  const again = new Set(members.map((l) => l.personId));
  const formerMembers = lines.filter((l) => l.ceasedOn !== null).map((l) => (again.has(l.personId) ? { ...l, membershipSharePence: 0, sharesPence: 0 } : l));
  return { shareCapitalPence, members, formerMembers };
}

export interface Holding {
  personId: string;
  name: string;
  status: 'member' | 'ended';
  memberClass: string;
  admittedOn: string;
  endedOn: string | null;
  membershipSharePence: number;
  sharesPence: number;
  /** Asked to withdraw and not yet paid: still held. */
  withdrawingPence: number;
  history: Array<{ date: string; kind: string; pence: number; reference: string | null }>;
  allocations: Array<{ declarationId: string; kind: string; paidOn: string; pence: number }>;
}

/** A member's holding now, and every movement of it; refused for someone who was never a member. */
export async function holdingOf(db: Db, networkId: string, personId: string): Promise<Holding> {
  const [admission, movements, withdrawing, allocations, person] = await Promise.all([
    db.selectFrom('coop_members').selectAll().where('network_id', '=', networkId).where('person_id', '=', personId).orderBy('admission', 'desc').executeTakeFirst(),
    db.selectFrom('coop_share_movements').selectAll().where('network_id', '=', networkId).where('person_id', '=', personId).orderBy('record_date').orderBy('position').orderBy('line').execute(),
    db
      .selectFrom('coop_withdrawals')
      .select(sql<number>`coalesce(sum(pence - paid_pence), 0)::bigint`.as('p'))
      .where('network_id', '=', networkId)
      .where('person_id', '=', personId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('coop_allocations as a')
      .innerJoin('coop_declarations as d', 'd.declaration_id', 'a.declaration_id')
      .select(['a.declaration_id', 'd.kind', 'd.paid_on', 'a.pence'])
      .where('a.network_id', '=', networkId)
      .where('a.person_id', '=', personId)
      .orderBy('d.paid_on')
      .orderBy('d.position')
      .execute(),
    db.selectFrom('people').select(['name', 'erased']).where('person_id', '=', personId).executeTakeFirst(),
  ]);
  if (!admission) throw new Rejection('not-a-coop-member', 'That person has never been a member of this co-op.', 404, 'personId');
  const sum = (membership: boolean) => movements.filter((m) => MEMBERSHIP_KINDS.includes(m.kind) === membership).reduce((s, m) => s + Number(m.pence), 0);
  return {
    personId,
    name: holderName(person ?? { name: null, erased: null }),
    status: admission.ended_on === null ? 'member' : 'ended',
    memberClass: admission.member_class,
    admittedOn: admission.admitted_on,
    endedOn: admission.ended_on,
    membershipSharePence: sum(true),
    sharesPence: sum(false),
    withdrawingPence: Number(withdrawing.p),
    history: movements.map((m) => ({ date: m.record_date, kind: m.kind, pence: Number(m.pence), reference: m.ref })),
    allocations: allocations.map((a) => ({ declarationId: a.declaration_id, kind: a.kind, paidOn: a.paid_on, pence: Number(a.pence) })),
  };
}

/** A page of the co-op's proposals, newest first. */
export async function proposalsOf(db: Db, networkId: string, page: Page<readonly [string, string]>) {
  const rows = await keyset(db.selectFrom('coop_proposals').selectAll().where('network_id', '=', networkId), ['made_at', 'proposal_id'], 'desc', page).execute();
  return pageFrom(rows, page.limit, (r) => [r.made_at, r.proposal_id] as const);
}

export async function proposalOf(db: Db, networkId: string, proposalId: string) {
  const [proposal, payment, electorate] = await Promise.all([
    db.selectFrom('coop_proposals').selectAll().where('proposal_id', '=', proposalId).where('network_id', '=', networkId).executeTakeFirst(),
    db.selectFrom('coop_proposal_payments').selectAll().where('proposal_id', '=', proposalId).executeTakeFirst(),
    db.selectFrom('coop_electorate').select(sql<number>`count(*)::integer`.as('n')).where('proposal_id', '=', proposalId).executeTakeFirstOrThrow(),
  ]);
  if (!proposal) throw new Rejection('proposal-not-found', 'There is no such proposal in this co-op.', 404);
  return { proposal, payment: payment ?? null, electorate: Number(electorate.n) };
}

/** Every ballot cast on a proposal, in order, with the voter's name. */
export async function ballotsOf(db: Db, proposalId: string) {
  const rows = await db
    .selectFrom('coop_ballots as b')
    .leftJoin('people as pe', 'pe.person_id', 'b.voter_id')
    .select(['b.voter_id', 'b.cast_by', 'b.cast_at', 'b.choice', 'pe.name', 'pe.erased'])
    .where('b.proposal_id', '=', proposalId)
    .orderBy('b.position')
    .execute();
  return rows.map((r) => ({ voterId: r.voter_id, name: holderName(r), castBy: r.cast_by, castAt: r.cast_at, choice: r.choice }));
}

/**
 * Participation in the network's time bank in a period, for a patronage dividend: each person's
 * minutes given plus received in exchanges confirmed and dated in it. In id order, so the same
 * figures always share a dividend alike.
 */
export async function timebankParticipation(db: Db, networkId: string, from: string, to: string, personId?: string): Promise<Array<{ personId: string; participation: number }>> {
  const only = personId === undefined ? sql`` : sql`WHERE person_id = ${personId}`;
  const { rows } = await sql<{ person_id: string; minutes: number }>`
    SELECT person_id, sum(minutes)::bigint AS minutes FROM (
      SELECT provider_id AS person_id, minutes FROM timebank_exchanges
       WHERE network_id = ${networkId} AND status = 'confirmed' AND occurred_on BETWEEN ${from} AND ${to}
      UNION ALL
      SELECT receiver_id, minutes FROM timebank_exchanges
       WHERE coalesce(receiver_network_id, network_id) = ${networkId} AND status = 'confirmed' AND occurred_on BETWEEN ${from} AND ${to}
    ) x ${only} GROUP BY person_id ORDER BY person_id`.execute(db);
  return rows.map((r) => ({ personId: r.person_id, participation: Number(r.minutes) }));
}

/** Applications for shares, newest first, with the applicant's name. */
/** A page of applications for shares, newest first. */
export async function applicationsOf(db: Db, networkId: string, status: string | undefined, page: Page<readonly [string, string]>) {
  let query = db.selectFrom('coop_applications as a').leftJoin('people as pe', 'pe.person_id', 'a.person_id').selectAll('a').select(['pe.name', 'pe.erased']).where('a.network_id', '=', networkId);
  if (status) query = query.where('a.status', '=', status);
  const rows = await keyset(query, ['a.applied_on', 'a.application_id'], 'desc', page).execute();
  return mapPage(pageFrom(rows, page.limit, (r) => [r.applied_on, r.application_id] as const), (r) => ({ ...r, name: holderName(r) }));
}

/** A page of the notices to withdraw not yet paid in full, soonest due first, with what is left to pay. */
export async function withdrawalsWaiting(db: Db, networkId: string, page: Page<readonly [string, string]>) {
  const query = db
    .selectFrom('coop_withdrawals as w')
    .leftJoin('people', 'people.person_id', 'w.person_id')
    .select(['w.withdrawal_id', 'w.person_id', 'w.pence', 'w.paid_pence', 'w.requested_on', 'w.due_on', 'people.name', 'people.erased'])
    .where('w.network_id', '=', networkId)
    .where(sql<boolean>`w.pence > w.paid_pence`);
  const rows = await keyset(query, ['w.due_on', 'w.withdrawal_id'], 'asc', page).execute();
  return mapPage(pageFrom(rows, page.limit, (r) => [r.due_on, r.withdrawal_id] as const), (r) => ({
    withdrawalId: r.withdrawal_id,
    personId: r.person_id,
    name: holderName({ name: r.name, erased: r.erased }),
    requestedOn: r.requested_on,
    dueOn: r.due_on,
    leftPence: Number(r.pence) - Number(r.paid_pence),
  }));
}
