// Every movement of banked care minutes, dated: balances and obligations as at any date.
import type { z } from 'zod';
import type { Projection } from '../src/projections/engine.ts';
import { BankEntry } from '../src/carebank/bank.ts';

export const carebankProjection: Projection = {
  name: 'carebank',
  tables: ['carebank_entries'],
  handles: [BankEntry.type],
  async apply(db, event) {
    const e = event.data as z.infer<typeof BankEntry.schema>;
    await db
      .insertInto('carebank_entries')
      .values({ network_id: e.networkId, holder: e.holder, position: event.position, entry_date: e.entryDate, minutes: e.minutes, kind: e.kind, ref: e.ref, counterparty: e.counterparty, rules_version: e.rulesVersion })
      .execute();
  },
};
