// The networks list: one row per network, with the revision a client sends back in If-Match.
import type { Projection } from '../src/projections/engine.ts';
import { NetworkOpened, NetworkRenamed, SafeguardingPolicySet } from '../src/networks/network.ts';
import type { z } from 'zod';

export const networksProjection: Projection = {
  name: 'networks',
  tables: ['networks'],
  handles: [NetworkOpened.type, NetworkRenamed.type, SafeguardingPolicySet.type],
  async apply(db, event) {
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
        await db
          .updateTable('networks')
          .set({ name: data.name, revision: event.revision, updated_position: event.position })
          .where('network_id', '=', data.networkId)
          .execute();
        return;
      }
      case SafeguardingPolicySet.type: {
        const data = event.data as z.infer<typeof SafeguardingPolicySet.schema>;
        await db
          .updateTable('networks')
          .set({ require_dbs_for_safeguarded: data.requireDbsForSafeguarded, revision: event.revision, updated_position: event.position })
          .where('network_id', '=', data.networkId)
          .execute();
        return;
      }
    }
  },
};
