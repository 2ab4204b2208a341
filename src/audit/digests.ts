// The digests recorded when periods were closed, each taken again over the log as it stands.
// A chain cannot show the last events of a stream removed, or a stream rewritten from the first
// changed event onwards; a digest over every hash up to its position shows both.
import type { RecordedEvent } from '../eventstore/port.ts';
import { PeriodClosed } from '../pools/pool.ts';
import { hashesUpTo } from './chain.ts';
import { headOf, headsAt } from './log-hashes.ts';
import type { DigestDeps } from './log-digests.ts';

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
  /** Digests over PostgreSQL's own chain (before version 2), which a log moved into EventStoreDB no longer keeps: not checked there. */
  notHere: number;
  mismatches: DigestMismatch[];
}

/** A period's closing as stored: its digest read from the event's data, not through its schema, so that a digest edited out of shape is a finding, not an error. */
export const isClosing = (e: RecordedEvent) => e.type === PeriodClosed.type;

export async function checkDigests(deps: DigestDeps, closings: readonly RecordedEvent[]): Promise<DigestCheck> {
  const read = closings.map((e) => {
    const digest = (e.data as { digest?: { upToPosition?: unknown; sha256?: unknown; version?: unknown } } | null)?.digest;
    const upToPosition = digest?.upToPosition;
    const valid = typeof upToPosition === 'number' && Number.isSafeInteger(upToPosition) && upToPosition >= 0 && typeof digest?.sha256 === 'string';
    return { at: { streamId: e.streamId, revision: e.revision, position: e.position }, digest: valid ? { upToPosition, sha256: digest.sha256 as string, version: digest.version === 2 ? 2 : 1 } : null };
  });
  const dense = deps.store.kind !== 'eventstoredb';
  const heads = await headsAt(deps.store, read.flatMap((r) => (r.digest?.version === 2 ? [r.digest.upToPosition] : [])));
  const mismatches: DigestMismatch[] = [];
  let notHere = 0;
  for (const { at, digest } of read) {
    if (!digest) {
      mismatches.push({ ...at, upToPosition: null, reason: 'no digest recorded' });
      continue;
    }
    const { upToPosition } = digest;
    if (digest.version === 1 && !dense) {
      notHere++;
      continue;
    }
    const found = digest.version === 2 ? heads.get(upToPosition) : await hashesUpTo(deps.db, upToPosition).then((h) => ({ events: h.events, head: h.sha256 }));
    const head = found && (digest.version === 2 ? headOf({ position: upToPosition, ...found }) : found.head);
    if (head !== digest.sha256) {
      const missing = !found ? ' (the log does not reach it)' : dense && found.events !== upToPosition ? ` (the log holds ${found.events} events up to it, not ${upToPosition})` : '';
      mismatches.push({ ...at, upToPosition, reason: `the log up to position ${upToPosition} no longer has the digest recorded${missing}` });
    }
  }
  return { checked: closings.length, notHere, mismatches };
}
