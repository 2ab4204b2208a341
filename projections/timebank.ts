// Balances, statement lines and exchanges, from the exchanges and the accounts' postings.
import type { z } from 'zod';
import { sql } from 'kysely';
import type { Projection } from '../src/projections/engine.ts';
import { AccountLimitsSet, Posted } from '../src/timebank/account.ts';
import { ExchangeCancelled, ExchangeConfirmed, ExchangeDisputed, ExchangeLogged, ExchangeReversed } from '../src/timebank/exchange.ts';

const settled: Record<string, { status: string; by: string }> = {
  [ExchangeConfirmed.type]: { status: 'confirmed', by: 'confirmedBy' },
  [ExchangeDisputed.type]: { status: 'disputed', by: 'disputedBy' },
  [ExchangeCancelled.type]: { status: 'cancelled', by: 'cancelledBy' },
  [ExchangeReversed.type]: { status: 'reversed', by: 'reversedBy' },
};

export const timebankProjection: Projection = {
  name: 'timebank',
  tables: ['timebank_accounts', 'timebank_entries', 'timebank_exchanges'],
  handles: [ExchangeLogged.type, ...Object.keys(settled), Posted.type, AccountLimitsSet.type],
  async apply(db, event) {
    if (event.type === ExchangeLogged.type) {
      const e = event.data as z.infer<typeof ExchangeLogged.schema>;
      await db
        .insertInto('timebank_exchanges')
        .values({
          exchange_id: e.exchangeId, network_id: e.networkId, provider_id: e.providerId, receiver_id: e.receiverId, receiver_network_id: e.receiverNetworkId ?? null, minutes: e.minutes, credited: e.credited,
          rate_percent: e.ratePercent, category: e.category, description: e.description, occurred_on: e.occurredOn, status: 'logged', logged_by: e.loggedBy, settled_by: null, position: event.position,
        })
        .execute();
      return;
    }
    const change = settled[event.type];
    if (change) {
      const data = event.data as Record<string, string>;
      await db.updateTable('timebank_exchanges').set({ status: change.status, settled_by: data[change.by]! }).where('exchange_id', '=', data.exchangeId!).execute();
      return;
    }
    if (event.type === AccountLimitsSet.type) {
      const d = event.data as z.infer<typeof AccountLimitsSet.schema>;
      await db
        .insertInto('timebank_accounts')
        .values({ network_id: d.networkId, holder: d.holder, balance: 0, lower_override: d.lowerMinutes, upper_override: d.upperMinutes })
        .onConflict((oc) => oc.columns(['network_id', 'holder']).doUpdateSet({ lower_override: d.lowerMinutes, upper_override: d.upperMinutes }))
        .execute();
      return;
    }
    const p = event.data as z.infer<typeof Posted.schema>;
    const exchange = p.reason === 'exchange' || p.reason === 'reversal'
      ? await db.selectFrom('timebank_exchanges').select(['occurred_on', 'category', 'description']).where('exchange_id', '=', p.ref).executeTakeFirst()
      : undefined;
    await db
      .insertInto('timebank_entries')
      .values({
        network_id: p.networkId, holder: p.holder, position: event.position,
        // An exchange is dated when it happened; a reversal, a donation or a grant when recorded,
        // unless it was brought over from another system with its own date.
        entry_date: p.reason === 'exchange' && exchange ? exchange.occurred_on : (p.occurredOn ?? event.metadata.recordedAt.slice(0, 10)),
        minutes: p.minutes, reason: p.reason, ref: p.ref, counterparty: p.counterparty, category: exchange?.category ?? null, description: exchange?.description ?? null,
      })
      .execute();
    await db
      .insertInto('timebank_accounts')
      .values({ network_id: p.networkId, holder: p.holder, balance: p.minutes, lower_override: null, upper_override: null })
      .onConflict((oc) => oc.columns(['network_id', 'holder']).doUpdateSet({ balance: sql`timebank_accounts.balance + ${p.minutes}` }))
      .execute();
  },
};
