// Every movement of banked care minutes, dated and with the day it was recorded: balances and
// obligations as at any date, as recorded on any day. The age bands kept for erased holders. And
// the hours moved out of one bank and not yet received in another, for the sweeper.
import type { z } from 'zod';
import type { Projection } from '../src/projections/engine.ts';
import { AgeBandsKept, BankEntry, movesOut } from '../src/carebank/bank.ts';

export const carebankProjection: Projection = {
  name: 'carebank',
  tables: ['carebank_entries', 'carebank_age_bands', 'carebank_moves_in_flight'],
  handles: [BankEntry.type, AgeBandsKept.type],
  async apply(db, event) {
    if (event.type === AgeBandsKept.type) {
      const k = event.data as z.infer<typeof AgeBandsKept.schema>;
      await db
        .insertInto('carebank_age_bands')
        .values(k.bands.map((b) => ({ network_id: k.networkId, holder: k.holder, from_on: b.from, band: b.band, erased_on: k.erasedOn })))
        // Kept once for a holder; a day named twice (no decision writes one) keeps its first band.
        .onConflict((oc) => oc.columns(['network_id', 'holder', 'from_on']).doNothing())
        .execute();
      return;
    }
    const e = event.data as z.infer<typeof BankEntry.schema>;
    if (movesOut(e)) {
      await db.insertInto('carebank_moves_in_flight').values({ ref: e.ref, network_id: e.networkId, holder: e.holder, position: event.position }).onConflict((oc) => oc.column('ref').doNothing()).execute();
    } else if (e.kind === 'pledge-received' || e.kind === 'pool-received') {
      await db.deleteFrom('carebank_moves_in_flight').where('ref', '=', e.ref).execute();
    }
    await db
      .insertInto('carebank_entries')
      .values({
        network_id: e.networkId, holder: e.holder, position: event.position, entry_date: e.entryDate, minutes: e.minutes, kind: e.kind, ref: e.ref, counterparty: e.counterparty, rules_version: e.rulesVersion,
        // The day of the command's clock, as the event says it was recorded.
        recorded_on: event.metadata.recordedAt.slice(0, 10),
      })
      .execute();
  },
};
