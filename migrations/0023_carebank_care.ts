import { sql, type Kysely } from 'kysely';

// Care records as their pages list them (projection "carebank-care"): who gave care to whom, when,
// how long, and whether it is waiting, disputed or banked. Rebuilt from the care streams' events.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE carebank_care (
      care_id uuid PRIMARY KEY,
      network_id uuid NOT NULL,
      volunteer_id uuid NOT NULL,
      recipient_id uuid NOT NULL,
      minutes integer NOT NULL,
      activity text NOT NULL,
      occurred_on text NOT NULL,
      logged_by uuid NOT NULL,
      status text NOT NULL,
      settled_by uuid,
      position bigint NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX carebank_care_by_volunteer ON carebank_care (network_id, volunteer_id)`.execute(db);
  await sql`CREATE INDEX carebank_care_by_recipient ON carebank_care (network_id, recipient_id)`.execute(db);
  await sql`CREATE INDEX carebank_care_waiting ON carebank_care (network_id, status)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE carebank_care`.execute(db);
}
