// Changing the log behind Hearth's back, as someone holding the database's keys could: the
// immutability trigger is off for the one transaction that makes the change.
import { sql } from 'kysely';
import type { Db } from '../../src/db/database.ts';

export async function tamper(db: Db, change: (trx: Db) => Promise<unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE events DISABLE TRIGGER events_immutable`.execute(trx);
    await change(trx);
    await sql`ALTER TABLE events ENABLE TRIGGER events_immutable`.execute(trx);
  });
}

/** Edits an event's data in place, leaving its hash as it was. */
export function editData(db: Db, streamId: string, revision: number, data: unknown): Promise<void> {
  return tamper(db, (trx) => sql`UPDATE events SET data = ${JSON.stringify(data)}::jsonb WHERE stream_id = ${streamId} AND stream_revision = ${revision}`.execute(trx));
}

/** Edits an event's data and gives it the hash it would then have had, as a careful forger would. */
export function forge(db: Db, streamId: string, revision: number, data: unknown): Promise<void> {
  return tamper(db, async (trx) => {
    await sql`UPDATE events SET data = ${JSON.stringify(data)}::jsonb WHERE stream_id = ${streamId} AND stream_revision = ${revision}`.execute(trx);
    await rehash(trx, sql`stream_id = ${streamId} AND stream_revision = ${revision}`);
  });
}

/**
 * Removes a stream's last event and covers the tracks: later positions moved down so none is
 * missing, the stream's head set back, and every hash made again.
 */
export function removeLastEvent(db: Db, streamId: string): Promise<void> {
  return tamper(db, async (trx) => {
    const { rows } = await sql<{ position: number }>`
      DELETE FROM events WHERE stream_id = ${streamId} AND stream_revision = (SELECT max(stream_revision) FROM events WHERE stream_id = ${streamId})
      RETURNING global_position AS position`.execute(trx);
    const removed = Number(rows[0]!.position);
    // Through negative numbers, so that no two rows hold one position on the way.
    await sql`UPDATE events SET global_position = -(global_position - 1) WHERE global_position > ${removed}`.execute(trx);
    await sql`UPDATE events SET global_position = -global_position WHERE global_position < 0`.execute(trx);
    await sql`UPDATE streams SET revision = revision - 1 WHERE stream_id = ${streamId}`.execute(trx);
    await rehash(trx, sql`true`);
  });
}

/** Gives the chosen events, in stream order, the hashes the database's own function makes. */
async function rehash(trx: Db, which: ReturnType<typeof sql>): Promise<void> {
  const { rows } = await sql<{ position: number }>`SELECT global_position AS position FROM events WHERE ${which} ORDER BY stream_id, stream_revision`.execute(trx);
  for (const { position } of rows) {
    await sql`
      UPDATE events e
         SET hash = hearth_event_hash(coalesce((SELECT p.hash FROM events p WHERE p.stream_id = e.stream_id AND p.stream_revision = e.stream_revision - 1), ''::bytea), e)
       WHERE e.global_position = ${position}`.execute(trx);
  }
}

/**
 * Edits an event's data and makes its hash, and the hash of every later event of its stream, again
 * with the database's own function: every chain holds, as after a careful forger's work.
 */
export function rewrite(db: Db, streamId: string, revision: number, data: unknown): Promise<void> {
  return tamper(db, async (trx) => {
    await sql`UPDATE events SET data = ${JSON.stringify(data)}::jsonb WHERE stream_id = ${streamId} AND stream_revision = ${revision}`.execute(trx);
    await rehash(trx, sql`stream_id = ${streamId} AND stream_revision >= ${revision}`);
  });
}

/** Deletes the newest event of the log and nothing else: its stream's head and the projections' checkpoints stay past the log's end. */
export function removeNewestEvent(db: Db): Promise<void> {
  return tamper(db, (trx) => sql`DELETE FROM events WHERE global_position = (SELECT max(global_position) FROM events)`.execute(trx));
}

/** Empties the log, as TRUNCATE by someone who switched off the trigger against it. */
export async function truncateEvents(db: Db): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`ALTER TABLE events DISABLE TRIGGER events_not_truncated`.execute(trx);
    await sql`TRUNCATE events`.execute(trx);
    await sql`ALTER TABLE events ENABLE TRIGGER events_not_truncated`.execute(trx);
  });
}
