import { sql, type Kysely } from 'kysely';

// The care bank's obligation as at a date, as recorded on a day: each entry carries the day it was
// recorded (the day its care was confirmed, or its pledge, gift or claim made), taken from the
// event's own metadata. Entries already projected are given theirs from the event log where it is
// in this database; on EventStoreDB they stay empty, counted as recorded on the day they are
// dated, until `hearth projections rebuild carebank`.
//
// And the age bands kept for holders as they are erased (projection "carebank"): a band from each
// day on, never a date of birth.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE carebank_entries ADD COLUMN recorded_on text`.execute(db);
  const { rows } = await sql<{ present: boolean }>`SELECT to_regclass('public.events') IS NOT NULL AS present`.execute(db);
  if (rows[0]?.present) {
    await sql`
      UPDATE carebank_entries c SET recorded_on = left(e.metadata->>'recordedAt', 10)
        FROM events e
       WHERE e.global_position = c.position`.execute(db);
  }
  await sql`
    CREATE TABLE carebank_age_bands (
      network_id uuid NOT NULL,
      holder text NOT NULL,
      from_on text NOT NULL,
      band text NOT NULL,
      erased_on text NOT NULL,
      PRIMARY KEY (network_id, holder, from_on)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE carebank_age_bands`.execute(db);
  await sql`ALTER TABLE carebank_entries DROP COLUMN recorded_on`.execute(db);
}
