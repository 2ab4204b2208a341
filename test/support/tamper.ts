// Changing the log behind Hearth's back, as someone holding the database's keys could: the
// immutability trigger is off for the one transaction that makes the change. A careful forger
// makes both chains again: PostgreSQL's own, and the one writers keep in each event's metadata.
import { sql } from 'kysely';
import type { Db } from '../../src/db/database.ts';
import { eventHash } from '../../src/eventstore/hash.ts';

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

/**
 * Gives the chosen events, in stream order, the hash writers would have given them (those that
 * carry one), then the hashes the database's own function makes.
 */
async function rehash(trx: Db, which: ReturnType<typeof sql>): Promise<void> {
  const { rows } = await sql<{ position: number }>`SELECT global_position AS position FROM events WHERE ${which} ORDER BY stream_id, stream_revision`.execute(trx);
  for (const { position } of rows) {
    const { rows: [e] } = await sql<{ stream_id: string; stream_revision: number; event_id: string; type: string; schema_version: number; data: unknown; metadata: Record<string, unknown>; previous: string | null }>`
      SELECT e.*, (SELECT p.metadata->>'hash' FROM events p WHERE p.stream_id = e.stream_id AND p.stream_revision = e.stream_revision - 1) AS previous
        FROM events e WHERE e.global_position = ${position}`.execute(trx);
    if (e && typeof e.metadata.hash === 'string') {
      const hash = eventHash(e.previous, { streamId: e.stream_id, revision: Number(e.stream_revision), id: e.event_id, type: e.type, schemaVersion: Number(e.schema_version), data: e.data, metadata: e.metadata as never });
      await sql`UPDATE events SET metadata = jsonb_set(metadata, '{hash}', to_jsonb(${hash}::text)) WHERE global_position = ${position}`.execute(trx);
    }
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
