// People as coordinators see them: a name to find them by, whether they can sign in, whether
// they need safeguarding. The name is opened from the sealed event with the person's key; once
// they are erased the key is gone, and a rebuild finds nothing to show but "erased".
import type { z } from 'zod';
import type { Projection } from '../src/projections/engine.ts';
import type { PersonalDataVault } from '../src/access/vault.ts';
import type { Db } from '../src/db/database.ts';
import { AccountClaimed, PersonalDetailsChanged, PersonErased, PersonRegistered, SafeguardingFlagged, type PersonalDetails } from '../src/access/person.ts';

export function peopleProjection(vault: PersonalDataVault): Projection {
  const nameOf = async (db: Db, personId: string, details: string) => withoutNul((await vault.open<PersonalDetails>(personId, details, db))?.name ?? null);
  return {
    name: 'people',
    tables: ['people'],
    handles: [PersonRegistered.type, PersonalDetailsChanged.type, SafeguardingFlagged.type, PersonErased.type, AccountClaimed.type],
    async apply(db, event) {
      switch (event.type) {
        case PersonRegistered.type: {
          const data = event.data as z.infer<typeof PersonRegistered.schema>;
          const name = await nameOf(db, data.personId, data.details);
          await db
            .insertInto('people')
            .values({ person_id: data.personId, name, erased: name === null, has_account: data.hasAccount, registered_at: data.registeredAt })
            .execute();
          return;
        }
        case PersonalDetailsChanged.type: {
          const data = event.data as z.infer<typeof PersonalDetailsChanged.schema>;
          const name = await nameOf(db, data.personId, data.details);
          if (name !== null) await db.updateTable('people').set({ name }).where('person_id', '=', data.personId).execute();
          return;
        }
        case SafeguardingFlagged.type: {
          const data = event.data as z.infer<typeof SafeguardingFlagged.schema>;
          await db.updateTable('people').set({ needs_safeguarding: data.needsSafeguarding }).where('person_id', '=', data.personId).execute();
          return;
        }
        case AccountClaimed.type: {
          const data = event.data as z.infer<typeof AccountClaimed.schema>;
          await db.updateTable('people').set({ has_account: true }).where('person_id', '=', data.personId).execute();
          return;
        }
        case PersonErased.type: {
          const data = event.data as z.infer<typeof PersonErased.schema>;
          await db.updateTable('people').set({ name: null, erased: true, has_account: false }).where('person_id', '=', data.personId).execute();
          return;
        }
      }
    },
  };
}

/**
 * PostgreSQL text cannot hold NUL. The schemas refuse it, but a sealed name was checked only when
 * it was sealed, perhaps under older rules: shown with a replacement character rather than
 * stopping the projection.
 */
function withoutNul(name: string | null): string | null {
  return name === null ? null : name.replaceAll('\u0000', '\uFFFD');
}
