// What waits for a person, and which notifications they choose. The waiting list is read from the
// read tables the other domains already keep, for every network the person belongs to, in the
// roles they hold there: nothing of its own to project.
import { sql } from 'kysely';
import { decideAcross, readStates } from '../commands/decide.ts';
import { contextOf, type Caller, type Deps } from '../access/caller.ts';
import type { Written } from '../access/app.ts';
import { choiceDecider, choicesStream, kindsOn, type NotificationKind } from './choices.ts';

export async function notificationChoices(deps: Deps, caller: Caller): Promise<{ kinds: readonly NotificationKind[]; chosen: boolean; revision: number }> {
  const { choices } = await readStates(deps.store, { choices: [choicesStream(caller.personId), choiceDecider] });
  const revision = (await deps.store.readStream(choicesStream(caller.personId), { direction: 'backwards', maxCount: 1 }))[0]?.revision ?? -1;
  return { kinds: kindsOn(choices), chosen: choices.kinds !== null, revision };
}

/** Only one's own choice: nobody chooses for someone else, so On-Behalf-Of is not taken here (the route's guard says so). */
export async function chooseNotifications(deps: Deps, caller: Caller, input: { kinds: readonly NotificationKind[] }): Promise<Written> {
  const personId = caller.personId;
  const done = await decideAcross(
    deps.store,
    { choices: [choicesStream(personId), choiceDecider] },
    (s) => ({ choices: choiceDecider.decide({ type: 'ChooseNotifications', personId, kinds: input.kinds }, s.choices) }),
    contextOf(deps, { ...caller, onBehalfOf: null }),
    { ifMatch: { stream: 'choices', revision: caller.ifMatch } },
  );
  return { revision: done.revisions.choices, position: done.position };
}

export const waitingKinds = ['exchanges-to-confirm', 'care-to-confirm', 'care-disputed', 'join-requests', 'payments-to-approve', 'open-ballots', 'vouchers-awaiting-payment', 'arrangements-to-log'] as const;
export type WaitingKind = (typeof waitingKinds)[number];

export interface Waiting {
  kind: WaitingKind;
  networkId: string;
  networkName: string | null;
  count: number;
  /** The page that acts on it. */
  href: string;
  /** When the ballot closes (open ballots only). */
  closesAt?: string;
}

/** Everything waiting for the signed-in person to act on, network by network. */
export async function waitingFor(deps: Pick<Deps, 'database'>, caller: Pick<Caller, 'personId'>): Promise<Waiting[]> {
  const { db } = deps.database;
  const me = caller.personId;
  const memberships = await db
    .selectFrom('memberships')
    .leftJoin('networks', 'networks.network_id', 'memberships.network_id')
    .select(['memberships.network_id', 'networks.name', 'memberships.roles'])
    .where('memberships.person_id', '=', me)
    .where('memberships.status', '=', 'active')
    .execute();
  const names = new Map(memberships.map((m) => [m.network_id, m.name]));
  const holding = (...roles: string[]) => memberships.filter((m) => m.roles.some((r) => roles.includes(r))).map((m) => m.network_id);
  const inNetworks = [...names.keys()];
  if (inNetworks.length === 0) return [];
  const items: Waiting[] = [];
  const add = (kind: WaitingKind, networkId: string, count: number, href: string, closesAt?: string) =>
    items.push({ kind, networkId, networkName: names.get(networkId) ?? null, count, href, ...(closesAt ? { closesAt } : {}) });

  // Logged by someone else, with me as a party: mine to confirm or dispute.
  const exchanges = await db
    .selectFrom('timebank_exchanges')
    .select(['network_id', sql<number>`count(*)::int`.as('n')])
    .where('status', '=', 'logged')
    .where('logged_by', '!=', me)
    .where((eb) => eb.or([eb('provider_id', '=', me), eb('receiver_id', '=', me)]))
    .where('network_id', 'in', inNetworks)
    .groupBy('network_id')
    .execute();
  for (const e of exchanges) add('exchanges-to-confirm', e.network_id, e.n, `/networks/${e.network_id}/time`);

  // The care bank's rule (settleRefusal in src/carebank/bank.ts): the person cared for confirms
  // care the volunteer's side logged; a coordinator with no part in it settles a dispute.
  const care = await db
    .selectFrom('carebank_care')
    .select(['network_id', sql<number>`count(*)::int`.as('n')])
    .where('status', '=', 'logged')
    .where('recipient_id', '=', me)
    .where('logged_by', '!=', me)
    .where('volunteer_id', '!=', me)
    .where('network_id', 'in', inNetworks)
    .groupBy('network_id')
    .execute();
  for (const c of care) add('care-to-confirm', c.network_id, c.n, `/networks/${c.network_id}/care`);

  const coordinating = holding('coordinator');
  if (coordinating.length > 0) {
    const disputed = await db
      .selectFrom('carebank_care')
      .select(['network_id', sql<number>`count(*)::int`.as('n')])
      .where('status', '=', 'disputed')
      .where('recipient_id', '!=', me)
      .where('volunteer_id', '!=', me)
      .where('network_id', 'in', coordinating)
      .groupBy('network_id')
      .execute();
    for (const d of disputed) add('care-disputed', d.network_id, d.n, `/networks/${d.network_id}/care`);

    const requests = await db
      .selectFrom('memberships')
      .select(['network_id', sql<number>`count(*)::int`.as('n')])
      .where('status', '=', 'requested')
      .where('network_id', 'in', coordinating)
      .groupBy('network_id')
      .execute();
    for (const r of requests) add('join-requests', r.network_id, r.n, `/networks/${r.network_id}/coordinate`);
  }

  // The approvers' rule (src/pools/payment.ts): not whoever submitted it, benefits from it, is paid by it, or has approved it already.
  const approving = holding('treasurer', 'board');
  if (approving.length > 0) {
    const payments = await db
      .selectFrom('pool_payments')
      .innerJoin('pools', 'pools.pool_id', 'pool_payments.pool_id')
      .select(['pools.network_id', 'pool_payments.pool_id', 'pool_payments.payment_id'])
      .where('pool_payments.status', '=', 'submitted')
      .where('pools.network_id', 'in', approving)
      .where('pool_payments.submitted_by', '!=', me)
      .where(sql<boolean>`NOT (pool_payments.approved_by::jsonb ? ${me})`)
      .where(sql<boolean>`NOT EXISTS (SELECT 1 FROM jsonb_array_elements(pool_payments.beneficiaries::jsonb) b WHERE b->>'holderId' = ${me})`)
      .where((eb) => eb.or([eb('pool_payments.payee_id', 'is', null), eb('pool_payments.payee_id', '!=', me)]))
      .orderBy('pool_payments.payment_id')
      .execute();
    for (const networkId of new Set(payments.map((p) => p.network_id))) {
      const mine = payments.filter((p) => p.network_id === networkId);
      add('payments-to-approve', networkId, mine.length, mine.length === 1 ? `/networks/${networkId}/pools/${mine[0]!.pool_id}/payments/${mine[0]!.payment_id}` : `/networks/${networkId}/pools`);
    }
  }

  const ballots = await db
    .selectFrom('coop_electorate')
    .innerJoin('coop_proposals', 'coop_proposals.proposal_id', 'coop_electorate.proposal_id')
    .select(['coop_proposals.network_id', 'coop_proposals.proposal_id', 'coop_proposals.closes_at'])
    .where('coop_electorate.person_id', '=', me)
    .where('coop_proposals.status', '=', 'open')
    .where('coop_proposals.network_id', 'in', inNetworks)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('coop_ballots').select('coop_ballots.voter_id').whereRef('coop_ballots.proposal_id', '=', 'coop_proposals.proposal_id').where('coop_ballots.voter_id', '=', me))))
    .orderBy('coop_proposals.closes_at')
    .execute();
  for (const b of ballots) add('open-ballots', b.network_id, 1, `/networks/${b.network_id}/coop/proposals/${b.proposal_id}/vote`, b.closes_at);

  const keeping = holding('treasurer');
  if (keeping.length > 0) {
    const vouchers = await db
      .selectFrom('vouchers')
      .select(['network_id', sql<number>`count(*)::int`.as('n')])
      .where('status', '=', 'awaiting-payment')
      .where('network_id', 'in', keeping)
      .groupBy('network_id')
      .execute();
    for (const v of vouchers) add('vouchers-awaiting-payment', v.network_id, v.n, `/networks/${v.network_id}/voucher-books`);
  }

  // Help arranged with me as giver or receiver, not yet logged: mine to log once it is given.
  const arranged = await db
    .selectFrom('timebank_arrangements')
    .select(['provider_id', 'provider_network_id', 'receiver_network_id', sql<number>`count(*)::int`.as('n')])
    .where('exchange_id', 'is', null)
    .where((eb) => eb.or([eb.and([eb('provider_id', '=', me), eb('provider_network_id', 'in', inNetworks)]), eb.and([eb('receiver_id', '=', me), eb('receiver_network_id', 'in', inNetworks)])]))
    .groupBy(['provider_id', 'provider_network_id', 'receiver_network_id'])
    .execute();
  const toLog = new Map<string, number>();
  for (const a of arranged) {
    const networkId = a.provider_id === me ? a.provider_network_id : a.receiver_network_id;
    toLog.set(networkId, (toLog.get(networkId) ?? 0) + a.n);
  }
  for (const [networkId, n] of toLog) add('arrangements-to-log', networkId, n, `/networks/${networkId}/time/arrangements`);
  return items;
}
