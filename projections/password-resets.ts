// Which person each reset is for, so a reset link (which names only the reset) finds its person's
// stream. Whether the reset still holds is decided on that stream, not here.
import type { z } from 'zod';
import type { Projection } from '../src/projections/engine.ts';
import { PasswordResetIssued, PersonErased } from '../src/access/person.ts';

export const passwordResetsProjection: Projection = {
  name: 'password_resets',
  tables: ['password_resets'],
  handles: [PasswordResetIssued.type, PersonErased.type],
  async apply(db, event) {
    if (event.type === PasswordResetIssued.type) {
      const data = event.data as z.infer<typeof PasswordResetIssued.schema>;
      await db.insertInto('password_resets').values({ reset_id: data.resetId, person_id: data.personId }).onConflict((oc) => oc.column('reset_id').doNothing()).execute();
      return;
    }
    const data = event.data as z.infer<typeof PersonErased.schema>;
    await db.deleteFrom('password_resets').where('person_id', '=', data.personId).execute();
  },
};
