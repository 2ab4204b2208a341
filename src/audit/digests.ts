// The digests recorded when periods were closed, each taken again over the log as it stands.
// A chain cannot show the last events of a stream removed, or a stream rewritten from the first
// changed event onwards; a digest over every hash up to its position shows both.
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { PeriodClosed } from '../pools/pool.ts';
import { hashesUpTo } from './chain.ts';

export interface DigestMismatch {
  /** The event that recorded the digest. */
  streamId: string;
  revision: number;
  position: number;
  /** What the digest covers, as recorded; null when the event holds no readable digest. */
  upToPosition: number | null;
  /** What differs, in words. */
  reason: string;
}

export interface DigestCheck {
  checked: number;
  mismatches: DigestMismatch[];
}

export async function checkDigests(db: Db): Promise<DigestCheck> {
  // Read from the rows as stored, not through the event schemas: a digest edited out of shape is a finding, not an error.
  const { rows } = await sql<{ stream_id: string; stream_revision: number; global_position: number; up_to_position: unknown; sha256: unknown }>`
    SELECT stream_id, stream_revision, global_position, data->'digest'->'upToPosition' AS up_to_position, data->'digest'->'sha256' AS sha256
      FROM events WHERE type = ${PeriodClosed.type} ORDER BY global_position`.execute(db);
  const mismatches: DigestMismatch[] = [];
  for (const row of rows) {
    const at = { streamId: row.stream_id, revision: Number(row.stream_revision), position: Number(row.global_position) };
    const { up_to_position: upToPosition, sha256: recorded } = row;
    if (typeof upToPosition !== 'number' || !Number.isSafeInteger(upToPosition) || upToPosition < 0 || typeof recorded !== 'string') {
      mismatches.push({ ...at, upToPosition: null, reason: 'no digest recorded' });
      continue;
    }
    const found = await hashesUpTo(db, upToPosition);
    if (found.sha256 !== recorded) {
      const missing = found.events === upToPosition ? '' : ` (the log holds ${found.events} events up to it, not ${upToPosition})`;
      mismatches.push({ ...at, upToPosition, reason: `the log up to position ${upToPosition} no longer has the digest recorded${missing}` });
    }
  }
  return { checked: rows.length, mismatches };
}
