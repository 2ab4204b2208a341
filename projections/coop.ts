// The co-ops' register, funds, applications, withdrawals, interest and dividends, and their
// proposals with the electorate, ballots, proxies and payments. Everything comes from the event's
// own data and position, so a rebuild writes the same rows.
import { sql } from 'kysely';
import type { z } from 'zod';
import { PaymentMade } from '../src/pools/pool.ts';
import type { Db } from '../src/db/database.ts';
import type { Projection } from '../src/projections/engine.ts';
import type { RecordedEvent } from '../src/eventstore/port.ts';
import { domainEvents } from '../src/eventstore/events.ts';
import { societyEventTypes, type SocietyEvent } from '../src/coop/society.ts';
import { proposalEventTypes, type ProposalEvent } from '../src/coop/proposal.ts';

interface Movement {
  personId: string;
  kind: 'issue' | 'membership' | 'withdrawal' | 'transfer-out' | 'transfer-in' | 'forfeit';
  on: string;
  /** What it did to the member's holding. */
  pence: number;
  ref: string | null;
}

async function move(db: Db, networkId: string, position: number, movements: Movement[]): Promise<void> {
  const rows = movements
    .filter((m) => m.pence !== 0)
    .map((m, line) => ({ network_id: networkId, position, line, person_id: m.personId, kind: m.kind, record_date: m.on, pence: m.pence, ref: m.ref }));
  if (rows.length > 0) await db.insertInto('coop_share_movements').values(rows).execute();
}

async function changeCoop(db: Db, networkId: string, change: { funds?: number; reserves?: number; suspended?: boolean; rules?: unknown }): Promise<void> {
  const set = {
    ...(change.funds ? { funds_pence: sql<number>`funds_pence + ${change.funds}` } : {}),
    ...(change.reserves ? { reserves_pence: sql<number>`reserves_pence + ${change.reserves}` } : {}),
    ...(change.suspended !== undefined ? { withdrawals_suspended: change.suspended } : {}),
    ...(change.rules ? { rules: JSON.stringify(change.rules) } : {}),
  };
  if (Object.keys(set).length > 0) await db.updateTable('coops').set(set).where('network_id', '=', networkId).execute();
}

async function applySociety(db: Db, event: RecordedEvent): Promise<void> {
  const e = domainEvents<SocietyEvent>([event])[0]!;
  const at = event.position;
  switch (e.type) {
    case 'coop.CoopFounded': {
      const d = e.data;
      await db.insertInto('coops').values({ network_id: d.networkId, name: d.name, rules: JSON.stringify(d.rules), founded_on: d.foundedOn, funds_pence: 0, reserves_pence: 0, withdrawals_suspended: false }).execute();
      return;
    }
    case 'coop.RulesChanged':
      await changeCoop(db, e.data.networkId, { rules: e.data.rules });
      return;
    case 'coop.SharesApplied': {
      const d = e.data;
      await db
        .insertInto('coop_applications')
        .values({ application_id: d.applicationId, network_id: d.networkId, person_id: d.personId, member_class: d.memberClass, pence: d.pence, status: 'applied', applied_on: d.appliedOn })
        .execute();
      return;
    }
    case 'coop.SharesIssued': {
      const d = e.data;
      await db.updateTable('coop_applications').set({ status: 'issued', issued_on: d.issuedOn }).where('application_id', '=', d.applicationId).execute();
      // Only the issue that admits a member takes a membership share.
      if (d.membershipSharePence > 0) {
        await db.insertInto('coop_members').values({ network_id: d.networkId, person_id: d.personId, admission: at, member_class: d.memberClass, admitted_on: d.issuedOn }).execute();
      }
      await move(db, d.networkId, at, [
        { personId: d.personId, kind: 'membership', on: d.issuedOn, pence: d.membershipSharePence, ref: d.applicationId },
        { personId: d.personId, kind: 'issue', on: d.issuedOn, pence: d.pence, ref: d.applicationId },
      ]);
      await changeCoop(db, d.networkId, { funds: d.membershipSharePence + d.pence });
      return;
    }
    case 'coop.ApplicationDeclined':
      await db.updateTable('coop_applications').set({ status: 'declined', decline_reason: e.data.reason }).where('application_id', '=', e.data.applicationId).execute();
      return;
    case 'coop.WithdrawalRequested': {
      const d = e.data;
      await db
        .insertInto('coop_withdrawals')
        .values({ withdrawal_id: d.withdrawalId, network_id: d.networkId, person_id: d.personId, pence: d.pence, paid_pence: 0, requested_on: d.requestedOn, due_on: d.dueOn })
        .execute();
      return;
    }
    case 'coop.WithdrawalPaid': {
      const d = e.data;
      await db.updateTable('coop_withdrawals').set({ paid_pence: sql`paid_pence + ${d.pence}` }).where('withdrawal_id', '=', d.withdrawalId).execute();
      await move(db, d.networkId, at, [{ personId: d.personId, kind: 'withdrawal', on: d.paidOn, pence: -d.pence, ref: d.withdrawalId }]);
      await changeCoop(db, d.networkId, { funds: -d.pence });
      return;
    }
    case 'coop.WithdrawalsSuspended':
    case 'coop.WithdrawalsResumed':
      await changeCoop(db, e.data.networkId, { suspended: e.type === 'coop.WithdrawalsSuspended' });
      return;
    case 'coop.SharesTransferred': {
      const d = e.data;
      await move(db, d.networkId, at, [
        { personId: d.fromPersonId, kind: 'transfer-out', on: d.on, pence: -d.pence, ref: d.transferId },
        { personId: d.toPersonId, kind: 'transfer-in', on: d.on, pence: d.pence, ref: d.transferId },
      ]);
      return;
    }
    case 'coop.MembershipEnded': {
      const d = e.data;
      await db.updateTable('coop_members').set({ ended_on: d.on, end_reason: d.reason }).where('network_id', '=', d.networkId).where('person_id', '=', d.personId).where('ended_on', 'is', null).execute();
      await move(db, d.networkId, at, [{ personId: d.personId, kind: 'forfeit', on: d.on, pence: -d.forfeitedPence, ref: null }]);
      await changeCoop(db, d.networkId, { reserves: d.forfeitedPence });
      return;
    }
    case 'coop.InterestPaid':
    case 'coop.DividendPaid': {
      const d = e.data;
      const total = d.allocations.reduce((sum, a) => sum + a.pence, 0);
      const dividend = e.type === 'coop.DividendPaid' ? e.data : null;
      await db
        .insertInto('coop_declarations')
        .values({
          declaration_id: d.declarationId, network_id: d.networkId, position: at, kind: dividend ? 'dividend' : 'interest', rate_basis_points: 'rateBasisPoints' in d ? d.rateBasisPoints : null,
          basis: dividend?.basis ?? null, pence: total, period_from: d.periodFrom, period_to: d.periodTo, paid_on: d.paidOn, declared_by: d.declaredBy,
        })
        .execute();
      if (d.allocations.length > 0) {
        await db
          .insertInto('coop_allocations')
          .values(d.allocations.map((a) => ({ declaration_id: d.declarationId, person_id: a.personId, network_id: d.networkId, pence: a.pence, participation: 'participation' in a ? a.participation : null })))
          .execute();
      }
      await changeCoop(db, d.networkId, { funds: -total });
      return;
    }
    case 'coop.IncomeReceived':
      await changeCoop(db, e.data.networkId, { funds: e.data.pence });
      return;
    case 'coop.FundsSpent':
      await changeCoop(db, e.data.networkId, { funds: -e.data.pence });
      await inFlight(db, { proposal_id: e.data.proposalId, position: event.position });
      return;
  }
}

async function applyProposal(db: Db, event: RecordedEvent): Promise<void> {
  const e = domainEvents<ProposalEvent>([event])[0]!;
  switch (e.type) {
    case 'coop.ProposalMade': {
      const d = e.data;
      await db
        .insertInto('coop_proposals')
        .values({
          proposal_id: d.proposalId, network_id: d.networkId, title: d.title, pence: d.pence, payee: d.payee, purpose: d.purpose,
          source_kind: d.source.kind, source_pool_id: d.source.kind === 'pool' ? d.source.poolId : null, closes_at: d.closesAt,
          quorum_percent: d.quorumPercent, threshold_percent: d.thresholdPercent, secret: d.secret, hide_results_until_close: d.hideResultsUntilClose,
          proposed_by: d.proposedBy, made_at: d.madeAt, status: 'draft',
        })
        .execute();
      return;
    }
    case 'coop.VotingClosing':
      await db.updateTable('coop_proposals').set({ status: 'closing' }).where('proposal_id', '=', e.data.proposalId).execute();
      return;
    case 'coop.VotingOpened': {
      const d = e.data;
      await db.updateTable('coop_proposals').set({ status: 'open', opened_at: d.openedAt }).where('proposal_id', '=', d.proposalId).execute();
      // An INSERT of no rows is not SQL.
      if (d.electorate.length === 0) return;
      await db
        .insertInto('coop_electorate')
        .values(d.electorate.map((x) => ({ proposal_id: d.proposalId, person_id: x.personId, member_class: x.memberClass, weight: x.weight })))
        .execute();
      return;
    }
    case 'coop.ProxyRecorded': {
      const d = e.data;
      const proxy = { proxy_id: d.proxyId, document_reference: d.documentReference, recorded_by: d.recordedBy, recorded_at: d.recordedAt };
      await db
        .insertInto('coop_proxies')
        .values({ proposal_id: d.proposalId, grantor_id: d.grantorId, ...proxy })
        .onConflict((oc) => oc.columns(['proposal_id', 'grantor_id']).doUpdateSet(proxy))
        .execute();
      return;
    }
    case 'coop.VoteCast': {
      const d = e.data;
      // A secret ballot's event carries only the sealed choice, and that is not kept here.
      await db.insertInto('coop_ballots').values({ proposal_id: d.proposalId, position: event.position, voter_id: d.voterId, cast_by: d.castBy, cast_at: d.castAt, choice: d.choice }).execute();
      return;
    }
    case 'coop.ProposalClosed': {
      const d = e.data;
      await db
        .updateTable('coop_proposals')
        .set({ status: 'closed', closed_at: d.closedAt, electorate: d.electorate, ballots: d.ballots, votes_for: d.for, votes_against: d.against, votes_abstain: d.abstain, quorum_met: d.quorumMet, passed: d.passed })
        .where('proposal_id', '=', d.proposalId)
        .execute();
      return;
    }
    case 'coop.ProposalPaid': {
      const d = e.data;
      await db.deleteFrom('coop_payments_in_flight').where('proposal_id', '=', d.proposalId).execute();
      await db
        .insertInto('coop_proposal_payments')
        .values({
          proposal_id: d.proposalId, payment_id: d.paymentId, pence: d.pence, source_kind: d.source.kind, source_pool_id: d.source.kind === 'pool' ? d.source.poolId : null,
          invoice_reference: d.invoiceReference, paid_on: d.paidOn, paid_by: d.paidBy,
        })
        .execute();
      return;
    }
  }
}

const proposalTypes = new Set<string>(proposalEventTypes.map((t) => t.type));

/**
 * Money out for a proposal, not yet seen recorded on the proposal: for the sweeper. A payment
 * written before payments went one stream at a time recorded the proposal paid first.
 */
async function inFlight(db: Db, row: { proposal_id: string; position: number }): Promise<void> {
  const paid = await db.selectFrom('coop_proposal_payments').select('proposal_id').where('proposal_id', '=', row.proposal_id).executeTakeFirst();
  if (!paid) await db.insertInto('coop_payments_in_flight').values(row).onConflict((oc) => oc.column('proposal_id').doNothing()).execute();
}

/** A pool's payment that a co-op's members voted for is theirs to see recorded on the proposal. */
async function applyPoolPayment(db: Db, event: RecordedEvent): Promise<void> {
  const d = event.data as z.infer<typeof PaymentMade.schema>;
  if (d.proposalId) await inFlight(db, { proposal_id: d.proposalId, position: event.position });
}

export const coopProjection: Projection = {
  name: 'coop',
  tables: ['coops', 'coop_members', 'coop_share_movements', 'coop_applications', 'coop_withdrawals', 'coop_declarations', 'coop_allocations', 'coop_proposals', 'coop_electorate', 'coop_ballots', 'coop_proxies', 'coop_proposal_payments', 'coop_payments_in_flight'],
  handles: [...societyEventTypes, ...proposalEventTypes, PaymentMade].map((t) => t.type),
  apply: (db, event) => (event.type === PaymentMade.type ? applyPoolPayment(db, event) : proposalTypes.has(event.type) ? applyProposal(db, event) : applySociety(db, event)),
};
