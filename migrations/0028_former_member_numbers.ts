import { sql, type Kysely } from 'kysely';

// A member moved in from TimeOverflow keeps the number they had there, shown in the member list.
// Existing rows have none: only imports from now on record one, so nothing is read again.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE memberships ADD COLUMN former_member_number text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE memberships DROP COLUMN former_member_number`.execute(db);
}
