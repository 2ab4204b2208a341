// Offers and requests as members find them: one row a post, its status, and the partner time
// banks it is shared with. The description stays sealed here, as in the event.
import type { z } from 'zod';
import type { Projection } from '../src/projections/engine.ts';
import { storedText } from '../src/access/vault.ts';
import { PostArranged, PostClosed, PostEdited, PostPaused, PostPublished, PostRenewed } from '../src/timebank/post.ts';

type Details = Omit<z.infer<typeof PostEdited.schema>, 'postId' | 'networkId' | 'editedBy'>;

const columns = (d: Details) => ({
  title: d.title,
  description: storedText(d.description),
  category: d.category,
  tags: d.tags,
  tag_words: d.tags.join(' '),
  area: d.area,
  suits_note: d.suits.note,
  weekdays: d.suits.weekdays,
  needed_by: d.neededBy,
});

export const postsProjection: Projection = {
  name: 'posts',
  tables: ['timebank_posts', 'timebank_post_shares'],
  handles: [PostPublished.type, PostEdited.type, PostPaused.type, PostRenewed.type, PostClosed.type, PostArranged.type],
  async apply(db, event) {
    const { postId } = event.data as { postId: string };
    const set = (values: Record<string, unknown>) => db.updateTable('timebank_posts').set({ ...values, revision: event.revision }).where('post_id', '=', postId).execute();
    const share = async (networkIds: readonly string[]) => {
      await db.deleteFrom('timebank_post_shares').where('post_id', '=', postId).execute();
      if (networkIds.length > 0) await db.insertInto('timebank_post_shares').values(networkIds.map((network_id) => ({ post_id: postId, network_id }))).execute();
    };
    switch (event.type) {
      case PostPublished.type: {
        const d = event.data as z.infer<typeof PostPublished.schema>;
        await db
          .insertInto('timebank_posts')
          .values({
            post_id: postId,
            network_id: d.networkId,
            kind: d.kind,
            owner_id: d.ownerId,
            ...columns(d),
            status: 'open',
            open_until: d.openUntil,
            published_at: event.metadata.recordedAt,
            published_position: event.position,
            revision: event.revision,
          })
          .onConflict((oc) => oc.column('post_id').doNothing())
          .execute();
        await share(d.sharedWith);
        return;
      }
      case PostEdited.type: {
        const d = event.data as z.infer<typeof PostEdited.schema>;
        await set(columns(d));
        await share(d.sharedWith);
        return;
      }
      case PostPaused.type:
        return void (await set({ status: 'paused' }));
      case PostRenewed.type:
        return void (await set({ status: 'open', open_until: (event.data as z.infer<typeof PostRenewed.schema>).openUntil }));
      case PostClosed.type:
        return void (await set({ status: 'closed' }));
      case PostArranged.type:
        return void (await set({ status: 'arranged' }));
    }
  },
};
