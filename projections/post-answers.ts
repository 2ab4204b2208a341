// Answers, their threads and the arrangements they lead to, as pages list them; and the figures a
// coordinator reads: offers and requests posted, answered, arranged and turned into exchanges, per
// network, month and category. The few facts of a post it needs are kept in its own table, so it
// depends on no other projection.
import type { z } from 'zod';
import { sql, type Insertable } from 'kysely';
import type { Projection } from '../src/projections/engine.ts';
import type { Db } from '../src/db/database.ts';
import type { TimebankAnswerMessagesTable } from '../src/db/tables.ts';
import { ArrangementLogged, PostArranged, PostClosed, PostEdited, PostPaused, PostPublished, PostRenewed } from '../src/timebank/post.ts';
import { AnswerMessageSent, AnswerWithdrawn, PostAnswered } from '../src/timebank/answer.ts';
import { storedText } from '../src/access/vault.ts';

type Figure = 'offers' | 'requests' | 'answers' | 'arrangements' | 'exchanges';
const figures: Figure[] = ['offers', 'requests', 'answers', 'arrangements', 'exchanges'];

async function count(db: Db, networkId: string, month: string, category: string, figure: Figure): Promise<void> {
  const row = Object.fromEntries(figures.map((f) => [f, f === figure ? 1 : 0])) as Record<Figure, number>;
  await db
    .insertInto('timebank_post_figures')
    .values({ network_id: networkId, month, category, ...row })
    .onConflict((oc) => oc.columns(['network_id', 'month', 'category']).doUpdateSet({ [figure]: sql`timebank_post_figures.${sql.ref(figure)} + 1` }))
    .execute();
}

async function categoryOf(db: Db, postId: string): Promise<string | undefined> {
  return (await db.selectFrom('timebank_answer_posts').select('category').where('post_id', '=', postId).executeTakeFirst())?.category;
}

/** A message of a thread, kept sealed; written once, however often its event is seen. */
async function addMessage(db: Db, message: Insertable<TimebankAnswerMessagesTable>): Promise<void> {
  await db.insertInto('timebank_answer_messages').values(message).onConflict((oc) => oc.column('message_id').doNothing()).execute();
}

const statusOf: Record<string, string> = { [PostPaused.type]: 'paused', [PostRenewed.type]: 'open', [PostClosed.type]: 'closed' };

export const postAnswersProjection: Projection = {
  name: 'post_answers',
  tables: ['timebank_answer_posts', 'timebank_answers', 'timebank_answer_messages', 'timebank_arrangements', 'timebank_post_figures'],
  handles: [PostPublished.type, PostEdited.type, ...Object.keys(statusOf), PostArranged.type, ArrangementLogged.type, PostAnswered.type, AnswerMessageSent.type, AnswerWithdrawn.type],
  async apply(db, event) {
    const at = event.metadata.recordedAt;
    const month = at.slice(0, 7);
    switch (event.type) {
      case PostPublished.type: {
        const e = event.data as z.infer<typeof PostPublished.schema>;
        await db
          .insertInto('timebank_answer_posts')
          .values({ post_id: e.postId, network_id: e.networkId, kind: e.kind, owner_id: e.ownerId, title: e.title, category: e.category, status: 'open' })
          .onConflict((oc) => oc.column('post_id').doNothing())
          .execute();
        await count(db, e.networkId, month, e.category, e.kind === 'offer' ? 'offers' : 'requests');
        return;
      }
      case PostEdited.type: {
        const e = event.data as z.infer<typeof PostEdited.schema>;
        await db.updateTable('timebank_answer_posts').set({ title: e.title, category: e.category }).where('post_id', '=', e.postId).execute();
        return;
      }
      case PostPaused.type:
      case PostRenewed.type:
      case PostClosed.type: {
        const e = event.data as { postId: string };
        await db.updateTable('timebank_answer_posts').set({ status: statusOf[event.type]! }).where('post_id', '=', e.postId).execute();
        return;
      }
      case PostArranged.type: {
        const e = event.data as z.infer<typeof PostArranged.schema>;
        await db.updateTable('timebank_answer_posts').set({ status: 'arranged' }).where('post_id', '=', e.postId).execute();
        await db
          .insertInto('timebank_arrangements')
          .values({
            arrangement_id: e.arrangementId, post_id: e.postId, network_id: e.networkId, answer_id: e.answerId ?? null, provider_id: e.providerId, provider_network_id: e.providerNetworkId,
            receiver_id: e.receiverId, receiver_network_id: e.receiverNetworkId, category: e.category, brokered: e.brokered, arranged_by: e.arrangedBy, arranged_at: at, exchange_id: null, position: event.position,
          })
          .onConflict((oc) => oc.column('arrangement_id').doNothing())
          .execute();
        if (e.answerId) await db.updateTable('timebank_answers').set({ status: 'accepted' }).where('answer_id', '=', e.answerId).execute();
        await count(db, e.networkId, month, e.category, 'arrangements');
        return;
      }
      case ArrangementLogged.type: {
        const e = event.data as z.infer<typeof ArrangementLogged.schema>;
        await db.updateTable('timebank_arrangements').set({ exchange_id: e.exchangeId }).where('arrangement_id', '=', e.arrangementId).execute();
        const category = await categoryOf(db, e.postId);
        if (category !== undefined) await count(db, e.networkId, month, category, 'exchanges');
        return;
      }
      case PostAnswered.type: {
        const e = event.data as z.infer<typeof PostAnswered.schema>;
        // Answering again after withdrawing opens the same answer again, its thread kept.
        await db
          .insertInto('timebank_answers')
          .values({
            answer_id: e.answerId, post_id: e.postId, network_id: e.networkId, answerer_id: e.answererId, answerer_network_id: e.answererNetworkId, owner_id: e.ownerId,
            status: 'open', answered_at: at, last_message_at: at, messages: 1, position: event.position,
          })
          .onConflict((oc) => oc.column('answer_id').doUpdateSet({ status: 'open', last_message_at: at, messages: sql`timebank_answers.messages + 1`, position: event.position }))
          .execute();
        // The answer's own words open its thread.
        await addMessage(db, { message_id: event.id, answer_id: e.answerId, from_id: e.answererId, message: storedText(e.message), sent_at: at, position: event.position });
        const category = await categoryOf(db, e.postId);
        if (category !== undefined) await count(db, e.networkId, month, category, 'answers');
        return;
      }
      case AnswerMessageSent.type: {
        const e = event.data as z.infer<typeof AnswerMessageSent.schema>;
        await addMessage(db, { message_id: e.messageId, answer_id: e.answerId, from_id: e.fromId, message: storedText(e.message), sent_at: at, position: event.position });
        await db.updateTable('timebank_answers').set({ last_message_at: at, messages: sql`messages + 1` }).where('answer_id', '=', e.answerId).execute();
        return;
      }
      case AnswerWithdrawn.type: {
        const e = event.data as z.infer<typeof AnswerWithdrawn.schema>;
        await db.updateTable('timebank_answers').set({ status: 'withdrawn' }).where('answer_id', '=', e.answerId).execute();
        return;
      }
    }
  },
};
