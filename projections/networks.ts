// The networks list: one row per network, with the revision a client sends back in If-Match.
import type { Projection } from '../src/projections/engine.ts';
import { NetworkOpened, NetworkRenamed, SafeguardingPolicySet } from '../src/networks/network.ts';
import type { z } from 'zod';
import type { Updateable } from 'kysely';
import type { Tables } from '../src/db/tables.ts';

export const networksProjection: Projection = {
  name: 'networks',
  tables: ['networks'],
  handles: [NetworkOpened.type, NetworkRenamed.type, SafeguardingPolicySet.type],
  async apply(db, event) {
    // Every change moves the revision a client sends back in If-Match.
    const changed = async (networkId: string, set: Updateable<Tables['networks']>) => {
      await db
        .updateTable('networks')
        .set({ ...set, revision: event.revision, updated_position: event.position })
        .where('network_id', '=', networkId)
        .execute();
    };
    switch (event.type) {
      case NetworkOpened.type: {
        const data = event.data as z.infer<typeof NetworkOpened.schema>;
        await db
          .insertInto('networks')
          .values({
            network_id: data.networkId,
            name: data.name,
            kind: data.kind,
            opened_at: data.openedAt,
            revision: event.revision,
            updated_position: event.position,
          })
          .execute();
        return;
      }
      case NetworkRenamed.type: {
        const data = event.data as z.infer<typeof NetworkRenamed.schema>;
        return changed(data.networkId, { name: data.name });
      }
      case SafeguardingPolicySet.type: {
        const data = event.data as z.infer<typeof SafeguardingPolicySet.schema>;
        return changed(data.networkId, { require_dbs_for_safeguarded: data.requireDbsForSafeguarded });
      }
    }
  },
};
