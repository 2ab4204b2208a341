// Care records as pages list them: logged, then disputed or confirmed, each by whom; being
// confirmed while the volunteer's bank takes the hours.
import type { z } from 'zod';
import type { Projection } from '../src/projections/engine.ts';
import { CareConfirmationRefused, CareConfirmationStarted, CareConfirmed, CareDisputed, CareLogged } from '../src/carebank/bank.ts';

export const carebankCareProjection: Projection = {
  name: 'carebank_care',
  tables: ['carebank_care'],
  handles: [CareLogged.type, CareConfirmed.type, CareDisputed.type, CareConfirmationStarted.type, CareConfirmationRefused.type],
  async apply(db, event) {
    if (event.type === CareLogged.type) {
      const e = event.data as z.infer<typeof CareLogged.schema>;
      await db
        .insertInto('carebank_care')
        .values({
          care_id: e.careId, network_id: e.networkId, volunteer_id: e.volunteerId, recipient_id: e.recipientId, minutes: e.minutes, activity: e.activity,
          occurred_on: e.occurredOn, logged_by: e.loggedBy, status: 'logged', settled_by: null, position: event.position,
        })
        .execute();
      return;
    }
    if (event.type === CareConfirmationStarted.type || event.type === CareConfirmationRefused.type) {
      // Who settled it last stays until the confirmation ends.
      const e = event.data as { careId: string; resumes?: string };
      await db.updateTable('carebank_care').set({ status: e.resumes ?? 'confirming' }).where('care_id', '=', e.careId).execute();
      return;
    }
    const e = event.data as { careId: string; confirmedBy?: string; disputedBy?: string };
    const [status, by] = event.type === CareConfirmed.type ? ['confirmed', e.confirmedBy!] : ['disputed', e.disputedBy!];
    await db.updateTable('carebank_care').set({ status, settled_by: by }).where('care_id', '=', e.careId).execute();
  },
};
