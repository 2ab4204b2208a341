// The outbox: one row for each notification an event owes each person, written in the same
// transaction as this projection's checkpoint, so every event is turned into notifications exactly
// once. Rows are keyed by a uuid derived from the event and the recipient, and what was sent is
// kept in notification_deliveries (not owned here): a rebuild writes the same ids again and the
// sender finds them delivered. Who is to be told (a network's approvers, a voucher's giver) comes
// from tables this projection keeps itself, so a rebuild addresses every row as it was addressed.
import type { z } from 'zod';
import { sql } from 'kysely';
import { v5 as uuidv5 } from 'uuid';
import type { Projection } from '../src/projections/engine.ts';
import { readTable } from '../src/projections/upsert.ts';
import type { Db } from '../src/db/database.ts';
import type { RecordedEvent } from '../src/eventstore/port.ts';
import type { NotificationOutboxTable } from '../src/db/tables.ts';
import type { Insertable } from 'kysely';
import { ExchangeLogged } from '../src/timebank/exchange.ts';
import { PaymentSubmitted, TransferSubmitted } from '../src/pools/payment.ts';
import { ProposalMade, VotingOpened } from '../src/coop/proposal.ts';
import { VoucherBought, VoucherRedeemed } from '../src/vouchers/voucher.ts';
import { PoolOpened } from '../src/pools/pool.ts';
import { MembershipApproved, MemberRolesChanged } from '../src/access/membership.ts';
import { PasswordResetIssued, WayInInvited } from '../src/access/person.ts';
import type { NotificationKind } from '../src/notify/choices.ts';

/** A password reset and an invitation to a way in are kinds of their own: always sent, whatever the person chose. */
export type OutboxKind = NotificationKind | 'password-reset' | 'way-in-invitation';
/** Sent whatever the recipient chose: they asked for it, or have no account to choose with. */
export const alwaysSent: readonly OutboxKind[] = ['password-reset', 'way-in-invitation'];

/** Who approves a pool's payments (src/http/pools.ts): never whoever submitted it or benefits from it. */
const APPROVER_ROLES = ['treasurer', 'board'];
/** How long before a ballot closes its voters are reminded. */
export const CLOSING_SOON_MINUTES = 24 * 60;

const NAMESPACE = 'f6d1c0a4-6b1e-5d8e-9f3a-2c7b4e1a9d05';
/** The same notification always has the same id: in a rebuild, and as its Message-ID. */
export const notificationId = (eventId: string, recipientId: string, kind: OutboxKind) => uuidv5(`${eventId}:${recipientId}:${kind}`, NAMESPACE);

type Row = Insertable<NotificationOutboxTable>;

const outbox = readTable(
  'notification_outbox',
  {
    notification_id: 'uuid', event_id: 'uuid', position: 'bigint', recipient_id: 'uuid', kind: 'text', network_id: 'uuid', subject_id: 'uuid',
    due_at: 'timestamptz', expires_at: 'timestamptz', recorded_at: 'timestamptz',
  },
  ['notification_id'],
);

function row(event: RecordedEvent, recipientId: string, kind: OutboxKind, subjectId: string, networkId: string | null, extra: { dueAt?: string; expiresAt?: string } = {}): Row {
  return {
    notification_id: notificationId(event.id, recipientId, kind),
    event_id: event.id,
    position: event.position,
    recipient_id: recipientId,
    kind,
    network_id: networkId,
    subject_id: subjectId,
    due_at: extra.dueAt ?? event.metadata.recordedAt,
    expires_at: extra.expiresAt ?? null,
    recorded_at: event.metadata.recordedAt,
  };
}

/** The people who did this, themselves or through someone acting for them: nobody is told of their own doing. */
const doers = (event: RecordedEvent) => new Set([event.metadata.actor, event.metadata.onBehalfOf].filter((p): p is string => p !== null));

async function rowsFor(db: Db, event: RecordedEvent): Promise<Row[]> {
  const done = doers(event);
  switch (event.type) {
    case ExchangeLogged.type: {
      const d = event.data as z.infer<typeof ExchangeLogged.schema>;
      done.add(d.loggedBy);
      return [d.providerId, d.receiverId].filter((p) => !done.has(p)).map((p) => row(event, p, 'exchange-to-confirm', d.exchangeId, d.networkId));
    }
    case PaymentSubmitted.type:
    case TransferSubmitted.type: {
      const d = event.data as z.infer<typeof PaymentSubmitted.schema>;
      const pool = await db.selectFrom('notification_subjects').select('network_id').where('subject_id', '=', d.poolId).executeTakeFirst();
      if (!pool) return [];
      // Nor whoever is paid by it: they may not approve it.
      const excluded = new Set([...done, d.submittedBy, ...(d.beneficiaries ?? []).map((b) => b.holderId), ...(d.payeeId ? [d.payeeId] : [])]);
      const approvers = await db
        .selectFrom('notification_roles')
        .select('person_id')
        .where('network_id', '=', pool.network_id)
        .where(sql<boolean>`roles && ${sql`${APPROVER_ROLES}::text[]`}`)
        .orderBy('person_id')
        .execute();
      return approvers.filter((a) => !excluded.has(a.person_id)).map((a) => row(event, a.person_id, 'payment-to-approve', d.paymentId, pool.network_id));
    }
    case VotingOpened.type: {
      const d = event.data as z.infer<typeof VotingOpened.schema>;
      const closing = await db.selectFrom('notification_subjects').select('at').where('subject_id', '=', d.proposalId).executeTakeFirst();
      const proposal = closing?.at ? { closes_at: new Date(closing.at).toISOString() } : undefined;
      return d.electorate.flatMap(({ personId }) => {
        const opened = row(event, personId, 'ballot-opened', d.proposalId, d.networkId);
        if (!proposal) return [opened];
        const closes = Date.parse(proposal.closes_at);
        const remind = new Date(Math.max(Date.parse(d.openedAt), closes - CLOSING_SOON_MINUTES * 60_000)).toISOString();
        // A ballot open for less than a day is announced once, not reminded of at once.
        if (closes - Date.parse(d.openedAt) <= CLOSING_SOON_MINUTES * 60_000) return [{ ...opened, expires_at: proposal.closes_at }];
        return [
          { ...opened, expires_at: proposal.closes_at },
          row(event, personId, 'ballot-closing', d.proposalId, d.networkId, { dueAt: remind, expiresAt: proposal.closes_at }),
        ];
      });
    }
    case VoucherRedeemed.type: {
      const d = event.data as z.infer<typeof VoucherRedeemed.schema>;
      const voucher = await db.selectFrom('notification_subjects').select('person_id').where('subject_id', '=', d.voucherId).executeTakeFirst();
      if (!voucher?.person_id || done.has(voucher.person_id)) return [];
      return [row(event, voucher.person_id, 'voucher-used', d.voucherId, d.networkId)];
    }
    case PasswordResetIssued.type: {
      const d = event.data as z.infer<typeof PasswordResetIssued.schema>;
      if (d.via !== 'email') return [];
      return [row(event, d.personId, 'password-reset', d.resetId, null, { expiresAt: d.expiresAt })];
    }
    case WayInInvited.type: {
      const d = event.data as z.infer<typeof WayInInvited.schema>;
      return [row(event, d.personId, 'way-in-invitation', d.invitationId, d.networkId, { expiresAt: d.expiresAt })];
    }
  }
  return [];
}

/** Keeps what addressing needs; true when the event was one of those. */
async function remember(db: Db, event: RecordedEvent): Promise<boolean> {
  const subject = (subject_id: string, network_id: string, person_id: string | null, at: string | null) =>
    db.insertInto('notification_subjects').values({ subject_id, network_id, person_id, at }).onConflict((oc) => oc.column('subject_id').doUpdateSet({ network_id, person_id, at })).execute();
  switch (event.type) {
    case MembershipApproved.type:
    case MemberRolesChanged.type: {
      const d = event.data as { networkId: string; personId: string; roles: string[] };
      await db
        .insertInto('notification_roles')
        .values({ network_id: d.networkId, person_id: d.personId, roles: sql`${d.roles}::text[]` })
        .onConflict((oc) => oc.columns(['network_id', 'person_id']).doUpdateSet({ roles: sql`excluded.roles` }))
        .execute();
      return true;
    }
    case PoolOpened.type: {
      const d = event.data as z.infer<typeof PoolOpened.schema>;
      await subject(d.poolId, d.networkId, null, null);
      return true;
    }
    case VoucherBought.type: {
      const d = event.data as z.infer<typeof VoucherBought.schema>;
      await subject(d.voucherId, d.networkId, d.giverId, null);
      return true;
    }
    case ProposalMade.type: {
      const d = event.data as z.infer<typeof ProposalMade.schema>;
      await subject(d.proposalId, d.networkId, null, d.closesAt);
      return true;
    }
  }
  return false;
}

export const notificationsProjection: Projection = {
  name: 'notifications',
  tables: ['notification_outbox', 'notification_roles', 'notification_subjects'],
  handles: [
    MembershipApproved.type, MemberRolesChanged.type, PoolOpened.type, VoucherBought.type, ProposalMade.type,
    ExchangeLogged.type, PaymentSubmitted.type, TransferSubmitted.type, VotingOpened.type, VoucherRedeemed.type, PasswordResetIssued.type, WayInInvited.type,
  ],
  // Who is to be told is looked up, and what addressing needs is kept, event by event in order;
  // the rows owed go in together at the end, as no lookup reads them.
  async applyBatch(db, events) {
    const rows: Row[] = [];
    for (const event of events) if (!(await remember(db, event))) rows.push(...(await rowsFor(db, event)));
    await outbox.insertNew(db, rows);
  },
};
