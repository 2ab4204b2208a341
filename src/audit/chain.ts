// The event log's hash chains (migrations/0009) checked, and the digest a period's closing records.
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db/database.ts';

export interface ChainCheck {
  events: number;
  streams: number;
  /** Events whose stored hash is not the hash of their row chained to their predecessor's stored hash. */
  broken: Array<{ streamId: string; revision: number; position: number }>;
  /** Revisions a stream lacks: before or between its events, or after its last one up to where the stream's head says it ends. */
  gaps: Array<{ streamId: string; fromRevision: number; toRevision: number }>;
  /** Positions missing from the log, which numbers its events without gaps (see migrations/0001). */
  missingPositions: Array<{ from: number; to: number }>;
}

/**
 * The hash of migrations/0009 written out again, over the event row in scope: the check recomputes
 * every hash without calling code kept in the database it checks.
 */
function eventHash(previous: RawBuilder<unknown>): RawBuilder<Uint8Array> {
  const columns = ['global_position', 'stream_id', 'stream_revision', 'event_id', 'type', 'schema_version', 'data', 'metadata'];
  const fields = columns.map((c) => sql`int4send(length(convert_to(${sql.ref(c)}::text, 'UTF8'))) || convert_to(${sql.ref(c)}::text, 'UTF8')`);
  return sql`sha256(${previous} || ${sql.join(fields, sql` || `)})`;
}

/**
 * Recomputes every chain in one pass over the log. An event that follows a gap cannot be judged
 * (its predecessor is gone) and is reported with the gap instead.
 */
export async function brokenChains(db: Db): Promise<ChainCheck> {
  const { rows } = await sql<{ finding: 'broken' | 'gap' | 'positions'; stream_id: string | null; low: number; high: number; position: number | null }>`
    SELECT finding, stream_id, low, high, position FROM (
      SELECT CASE WHEN coalesce(previous_revision, -1) <> stream_revision - 1 THEN 'gap'
                  WHEN hash IS DISTINCT FROM ${eventHash(sql`CASE WHEN stream_revision = 0 THEN ''::bytea ELSE previous_hash END`)} THEN 'broken'
             END AS finding,
             stream_id, coalesce(previous_revision, -1) + 1 AS low, stream_revision AS high, global_position AS position
        FROM (SELECT e.*, lag(e.hash) OVER w AS previous_hash, lag(e.stream_revision) OVER w AS previous_revision
                FROM events e WINDOW w AS (PARTITION BY e.stream_id ORDER BY e.stream_revision)) chained
    ) judged WHERE finding IS NOT NULL
    UNION ALL
    SELECT 'gap', s.stream_id, coalesce(l.last, -1) + 1, s.revision + 1, NULL
      FROM streams s LEFT JOIN (SELECT stream_id, max(stream_revision) AS last FROM events GROUP BY stream_id) l ON l.stream_id = s.stream_id
     WHERE s.revision > coalesce(l.last, -1)
    UNION ALL
    SELECT 'positions', NULL, coalesce(previous, 0) + 1, global_position, NULL
      FROM (SELECT global_position, lag(global_position) OVER (ORDER BY global_position) AS previous FROM events) p
     WHERE global_position <> coalesce(previous, 0) + 1
    ORDER BY 1, 2, 3`.execute(db);
  const counts = await sql<{ events: number; streams: number }>`
    SELECT count(*)::integer AS events, (SELECT count(*)::integer FROM streams WHERE revision >= 0) AS streams FROM events`.execute(db);
  // low and high bound what is missing: [low, high) for a gap, ending at the event (or head) after it.
  return {
    ...counts.rows[0]!,
    broken: rows.filter((r) => r.finding === 'broken').map((r) => ({ streamId: r.stream_id!, revision: Number(r.high), position: Number(r.position) })),
    gaps: rows.filter((r) => r.finding === 'gap').map((r) => ({ streamId: r.stream_id!, fromRevision: Number(r.low), toRevision: Number(r.high) - 1 })),
    missingPositions: rows.filter((r) => r.finding === 'positions').map((r) => ({ from: Number(r.low), to: Number(r.high) - 1 })),
  };
}

/** sha256 over the hashes of the events up to `position`, in order, and how many there are. */
export async function hashesUpTo(db: Db, position: number): Promise<{ events: number; sha256: string }> {
  if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`a digest covers the log up to a position, not ${position}`);
  const { rows } = await sql<{ events: number; sha256: string }>`
    SELECT count(*)::integer AS events, encode(sha256(coalesce(string_agg(hash, ''::bytea ORDER BY global_position), ''::bytea)), 'hex') AS sha256
      FROM events WHERE global_position <= ${position}`.execute(db);
  return rows[0]!;
}

/**
 * The digest a treasurer's closing of a period records: sha256, as 64 hex digits, over the hashes
 * of every event up to `position` in position order. Every hash is chained to its stream's history
 * and fixed in length, so a later change to any of those events, or one removed, changes it.
 * Refuses a position the log does not hold every event up to (EventStoreDB keeps no hashes here):
 * such a digest would not stay fixed.
 */
export async function digestUpTo(db: Db, position: number): Promise<string> {
  const { events, sha256 } = await hashesUpTo(db, position);
  if (events !== position) throw new Error(`the log holds ${events} events up to position ${position}, not ${position}: no digest can be taken`);
  return sha256;
}
