// Balances, statement lines and exchanges, from the exchanges and the accounts' postings.
import type { z } from 'zod';
import { sql } from 'kysely';
import type { Projection } from '../src/projections/engine.ts';
import { readTable } from '../src/projections/upsert.ts';
import { AccountLimitsSet, CLEARING, Posted } from '../src/timebank/account.ts';
import { PartnershipAccepted, PartnershipEnded, PartnershipProposed } from '../src/networks/partnership.ts';
import {
  ExchangeCancelled,
  ExchangeConfirmationRefused,
  ExchangeConfirmationStarted,
  ExchangeConfirmed,
  ExchangeDisputed,
  ExchangeLogged,
  ExchangeReversalStarted,
  ExchangeReversed,
} from '../src/timebank/exchange.ts';
import { storedText } from '../src/access/vault.ts';
import { GiftBegun, GiftEnded, GiftRefused } from '../src/timebank/gift.ts';
import { ImportBatchBegun, ImportBatchEnded } from '../src/timebank/import.ts';

// Each change of an exchange's status, and who made it; a confirmation or reversal under way, or
// refused, keeps the last settler (the one who disputed it, say).
const settled: Record<string, { status: (data: Record<string, string>) => string; by?: string }> = {
  [ExchangeConfirmed.type]: { status: () => 'confirmed', by: 'confirmedBy' },
  [ExchangeDisputed.type]: { status: () => 'disputed', by: 'disputedBy' },
  [ExchangeCancelled.type]: { status: () => 'cancelled', by: 'cancelledBy' },
  [ExchangeReversed.type]: { status: () => 'reversed', by: 'reversedBy' },
  [ExchangeConfirmationStarted.type]: { status: () => 'confirming' },
  [ExchangeReversalStarted.type]: { status: () => 'reversing' },
  [ExchangeConfirmationRefused.type]: { status: (data) => data.resumes! },
};

const partnershipStatus: Record<string, 'proposed' | 'active' | 'ended'> = {
  [PartnershipProposed.type]: 'proposed',
  [PartnershipAccepted.type]: 'active',
  [PartnershipEnded.type]: 'ended',
};

type Logged = z.infer<typeof ExchangeLogged.schema>;
type Posting = z.infer<typeof Posted.schema>;

const accountsTable = readTable('timebank_accounts', { network_id: 'uuid', holder: 'text', balance: 'bigint', lower_override: 'bigint', upper_override: 'bigint' }, ['network_id', 'holder']);
const entriesTable = readTable(
  'timebank_entries',
  { network_id: 'uuid', holder: 'text', position: 'bigint', entry_date: 'text', minutes: 'bigint', reason: 'text', ref: 'uuid', counterparty: 'text', category: 'text', description: 'text' },
  ['network_id', 'holder', 'position'],
);
const exchangesTable = readTable(
  'timebank_exchanges',
  {
    exchange_id: 'uuid', network_id: 'uuid', provider_id: 'uuid', receiver_id: 'uuid', receiver_network_id: 'uuid', minutes: 'bigint', credited: 'bigint', rate_percent: 'bigint',
    category: 'text', description: 'text', occurred_on: 'text', status: 'text', logged_by: 'uuid', settled_by: 'uuid', position: 'bigint',
  },
  ['exchange_id'],
);

const giftsTable = readTable('timebank_gifts_in_flight', { gift_id: 'uuid', network_id: 'uuid', position: 'bigint' }, ['gift_id']);
const importsTable = readTable('timebank_imports_in_flight', { batch_id: 'uuid', network_id: 'uuid', position: 'bigint' }, ['batch_id']);

export const timebankProjection: Projection = {
  name: 'timebank',
  tables: ['timebank_accounts', 'timebank_entries', 'timebank_exchanges', 'partnerships', 'timebank_gifts_in_flight', 'timebank_imports_in_flight'],
  handles: [ExchangeLogged.type, ...Object.keys(settled), Posted.type, AccountLimitsSet.type, ...Object.keys(partnershipStatus), GiftBegun.type, GiftEnded.type, GiftRefused.type, ImportBatchBegun.type, ImportBatchEnded.type],
  // At most five statements for a whole batch, besides gifts and imports in flight: exchanges
  // logged (already settled, when that is in the batch too), the last status of others, limits
  // last set, entries, and each account's net movement. An exchange is dated when it happened; a
  // reversal, a donation or a grant when recorded, unless it was brought over from another system
  // with its own date.
  async applyBatch(db, events) {
    const logged = new Map<string, Logged & { position: number }>();
    const statuses = new Map<string, { status: string; by: string | null }>();
    const limits = new Map<string, z.infer<typeof AccountLimitsSet.schema>>();
    const postings: Array<Posting & { position: number; recordedOn: string }> = [];
    const partnerships = new Map<string, { network_id: string; partner_network_id: string; status: string; proposed_by_network_id: string | null; updated_position: number }>();
    // Each gift's last word in the batch: begun (in flight), or ended (null).
    const gifts = new Map<string, { gift_id: string; network_id: string; position: number } | null>();
    // The same for each batch of an import.
    const imports = new Map<string, { batch_id: string; network_id: string; position: number } | null>();
    for (const event of events) {
      if (event.type === ImportBatchBegun.type || event.type === ImportBatchEnded.type) {
        const d = event.data as { batchId: string; networkId: string };
        imports.set(d.batchId, event.type === ImportBatchEnded.type ? null : { batch_id: d.batchId, network_id: d.networkId, position: event.position });
        continue;
      }
      if (event.type === GiftBegun.type) {
        const d = event.data as z.infer<typeof GiftBegun.schema>;
        gifts.set(d.giftId, { gift_id: d.giftId, network_id: d.networkId, position: event.position });
        continue;
      }
      if (event.type === GiftEnded.type || event.type === GiftRefused.type) {
        gifts.set((event.data as { giftId: string }).giftId, null);
        continue;
      }
      const change = settled[event.type];
      const partnership = partnershipStatus[event.type];
      if (partnership) {
        // Both sides of the pair, the later event of a batch winning; who proposed is kept from the proposal.
        const d = event.data as z.infer<typeof PartnershipProposed.schema>;
        const proposedBy = event.type === PartnershipProposed.type ? d.proposedBy.networkId : null;
        for (const [a, b] of [[d.networkId, d.partnerNetworkId], [d.partnerNetworkId, d.networkId]] as const) {
          const earlier = partnerships.get(`${a} ${b}`);
          partnerships.set(`${a} ${b}`, { network_id: a, partner_network_id: b, status: partnership, proposed_by_network_id: proposedBy ?? earlier?.proposed_by_network_id ?? null, updated_position: event.position });
        }
      } else if (event.type === ExchangeLogged.type) {
        const e = event.data as Logged;
        logged.set(e.exchangeId, { ...e, position: event.position });
      } else if (change) {
        const data = event.data as Record<string, string>;
        const by = change.by ? data[change.by]! : (statuses.get(data.exchangeId!)?.by ?? null);
        statuses.set(data.exchangeId!, { status: change.status(data), by });
      } else if (event.type === AccountLimitsSet.type) {
        const d = event.data as z.infer<typeof AccountLimitsSet.schema>;
        limits.set(`${d.networkId} ${d.holder}`, d);
      } else {
        postings.push({ ...(event.data as Posting), position: event.position, recordedOn: event.metadata.recordedAt.slice(0, 10) });
      }
    }
    const ended = [...gifts].filter(([, g]) => g === null).map(([id]) => id);
    if (ended.length > 0) await db.deleteFrom('timebank_gifts_in_flight').where('gift_id', 'in', ended).execute();
    await giftsTable.upsert(db, [...gifts.values()].filter((g) => g !== null));
    const importsEnded = [...imports].filter(([, b]) => b === null).map(([id]) => id);
    if (importsEnded.length > 0) await db.deleteFrom('timebank_imports_in_flight').where('batch_id', 'in', importsEnded).execute();
    await importsTable.upsert(db, [...imports.values()].filter((b) => b !== null));
    const rows = (values: unknown[]) => JSON.stringify(values);
    // An exchange logged and settled in the same batch is written once, already settled.
    const settledNow = (id: string) => {
      const change = statuses.get(id);
      statuses.delete(id);
      return change;
    };

    await exchangesTable.insert(
      db,
      [...logged.values()].map((e) => {
        const change = settledNow(e.exchangeId);
        return {
          exchange_id: e.exchangeId, network_id: e.networkId, provider_id: e.providerId, receiver_id: e.receiverId, receiver_network_id: e.receiverNetworkId ?? null,
          minutes: e.minutes, credited: e.credited, rate_percent: e.ratePercent, category: e.category, description: storedText(e.description), occurred_on: e.occurredOn,
          status: change?.status ?? 'logged', logged_by: e.loggedBy, settled_by: change?.by ?? null, position: e.position,
        };
      }),
    );
    if (statuses.size > 0) {
      const changes = sql`json_to_recordset(${rows([...statuses].map(([id, s]) => ({ exchange_id: id, status: s.status, settled_by: s.by })))}::json) AS x(exchange_id uuid, status text, settled_by uuid)`;
      await db
        .updateTable('timebank_exchanges as t')
        .from(changes as never)
        .set({ status: sql`x.status`, settled_by: sql`coalesce(x.settled_by, t.settled_by)` })
        .where(sql<boolean>`t.exchange_id = x.exchange_id`)
        .execute();
    }
    await accountsTable.upsert(db, [...limits.values()].map((d) => ({ network_id: d.networkId, holder: d.holder, balance: 0, lower_override: d.lowerMinutes, upper_override: d.upperMinutes })), { keep: ['balance'] });
    if (partnerships.size > 0) {
      await db
        .insertInto('partnerships')
        .columns(['network_id', 'partner_network_id', 'status', 'proposed_by_network_id', 'updated_position'])
        .expression(sql`
          SELECT x.network_id, x.partner_network_id, x.status, coalesce(x.proposed_by_network_id, x.network_id), x.updated_position
            FROM json_to_recordset(${rows([...partnerships.values()])}::json)
                 AS x(network_id uuid, partner_network_id uuid, status text, proposed_by_network_id uuid, updated_position bigint)`)
        .onConflict((oc) =>
          oc.columns(['network_id', 'partner_network_id']).doUpdateSet({
            status: sql`excluded.status`,
            updated_position: sql`excluded.updated_position`,
            // Accepting or ending keeps who proposed.
            proposed_by_network_id: sql`CASE WHEN excluded.status = 'proposed' THEN excluded.proposed_by_network_id ELSE partnerships.proposed_by_network_id END`,
          }),
        )
        .execute();
    }
    if (postings.length === 0) return;

    // An exchange posting takes the exchange's date, category and description: from this batch, or stored.
    const refs = [...new Set(postings.filter((p) => (p.reason === 'exchange' || p.reason === 'reversal') && !logged.has(p.ref)).map((p) => p.ref))];
    const stored = refs.length === 0 ? [] : await db.selectFrom('timebank_exchanges').select(['exchange_id', 'occurred_on', 'category', 'description', 'provider_id', 'receiver_id']).where('exchange_id', 'in', refs).execute();
    const exchanges = new Map<string, { occurredOn: string; category: string; description: string; providerId: string; receiverId: string }>([
      ...stored.map((x) => [x.exchange_id, { occurredOn: x.occurred_on, category: x.category, description: x.description, providerId: x.provider_id, receiverId: x.receiver_id }] as const),
      ...[...logged.values()].map((e) => [e.exchangeId, { ...e, description: storedText(e.description) }] as const),
    ]);
    await entriesTable.insert(
      db,
      postings.map((p) => {
        const exchange = p.reason === 'exchange' || p.reason === 'reversal' ? exchanges.get(p.ref) : undefined;
        return {
          network_id: p.networkId, holder: p.holder, position: p.position,
          entry_date: p.reason === 'exchange' && exchange ? exchange.occurredOn : (p.occurredOn ?? p.recordedOn),
          minutes: p.minutes, reason: p.reason, ref: p.ref, counterparty: counterpartOf(p, exchange), category: exchange?.category ?? null, description: exchange?.description ?? (p.note ? storedText(p.note) : null),
        };
      }),
    );
    const movement = new Map<string, { network_id: string; holder: string; minutes: number }>();
    for (const p of postings) {
      const key = `${p.networkId} ${p.holder}`;
      const m = movement.get(key) ?? { network_id: p.networkId, holder: p.holder, minutes: 0 };
      movement.set(key, { ...m, minutes: m.minutes + p.minutes });
    }
    await accountsTable.upsert(db, [...movement.values()].map((m) => ({ network_id: m.network_id, holder: m.holder, balance: m.minutes })), { add: ['balance'] });
  },
};

/**
 * Whom a member's line is with. Across two time banks the posting's counterparty is the clearing
 * account that carried the hours; the member's statement names the other member instead.
 */
function counterpartOf(p: Posting, exchange: { providerId: string; receiverId: string } | undefined): string {
  if (p.counterparty !== CLEARING || p.holder === CLEARING || !exchange) return p.counterparty;
  return p.holder === exchange.providerId ? exchange.receiverId : exchange.providerId;
}
