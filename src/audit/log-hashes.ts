// The hashes writers keep (src/eventstore/hash.ts), checked through the event store, so the same on
// PostgreSQL and on EventStoreDB: each event's hash against the event and its stream's previous
// hash, and the head of the log's chain of them wherever a digest was taken.
import { createHash } from 'node:crypto';
import { NO_STREAM, type EventStore, type RecordedEvent } from '../eventstore/port.ts';
import { eventHash, logHead } from '../eventstore/hash.ts';

/** The log as stored, beneath the wrappers that check, upcast and cache what is read. */
export function storedLog(store: EventStore): EventStore {
  let inner = store;
  while ('inner' in inner && inner.inner) inner = inner.inner as EventStore;
  return inner;
}

/** Where the log's chain stands after an event: its position, how many events up to it, and the head. */
export interface LogPoint {
  position: number;
  events: number;
  head: string | null;
}

export const START: LogPoint = { position: 0, events: 0, head: null };

/** What a digest of a log with no events records: sha256 of nothing. */
export const EMPTY_LOG = createHash('sha256').digest('hex');

/** The head a digest records at a point. */
export const headOf = (at: LogPoint): string => at.head ?? EMPTY_LOG;

const PAGE = 5000;

/** Reads the log in its order after `from`, up to `to` if given, carrying the log's chain on; `visit` sees each event and the point after it. */
export async function walkLog(store: EventStore, visit: (e: RecordedEvent, at: LogPoint) => void, from: LogPoint = START, to = Number.POSITIVE_INFINITY): Promise<LogPoint> {
  const log = storedLog(store);
  let at = from;
  for (;;) {
    const page = await log.readAll({ after: at.position, maxCount: PAGE });
    for (const e of page) {
      if (e.position > to) return at;
      at = { position: e.position, events: at.events + 1, head: logHead(at.head, e) };
      visit(e, at);
    }
    if (page.length < PAGE) return at;
  }
}

export interface HashCheck {
  events: number;
  streams: number;
  /** Events written before writers kept hashes: on PostgreSQL, the database's own chain covers them. */
  unhashed: number;
  /** Events whose hash is not that of the event chained to the one before it, or that lack one where their stream keeps them. */
  broken: Array<{ streamId: string; revision: number; position: number }>;
  /** Revisions a stream lacks before or between its events. */
  gaps: Array<{ streamId: string; fromRevision: number; toRevision: number }>;
}

/**
 * Every event's hash recomputed in one pass over the log; `visit` sees each event as stored on the
 * way. An event that follows a gap cannot be judged, and is reported with the gap.
 */
export async function checkHashes(store: EventStore, visit: (e: RecordedEvent) => void = () => {}): Promise<HashCheck> {
  const last = new Map<string, { revision: number; hash: string | null }>();
  const check: HashCheck = { events: 0, streams: 0, unhashed: 0, broken: [], gaps: [] };
  await walkLog(store, (e) => {
    visit(e);
    check.events++;
    const before = last.get(e.streamId) ?? { revision: NO_STREAM, hash: null };
    last.set(e.streamId, { revision: e.revision, hash: e.metadata.hash ?? null });
    if (e.revision !== before.revision + 1) {
      check.gaps.push({ streamId: e.streamId, fromRevision: before.revision + 1, toRevision: e.revision - 1 });
      return;
    }
    if (e.metadata.hash === undefined) check.unhashed++;
    // A hash missing after its stream began keeping them was taken off, as writers keep them from then on.
    const holds = e.metadata.hash === undefined ? before.hash === null : eventHash(before.hash, e) === e.metadata.hash;
    if (!holds) check.broken.push({ streamId: e.streamId, revision: e.revision, position: e.position });
  });
  check.streams = last.size;
  return check;
}

/** The log's chain at each of `positions` (those the log reaches), in one pass from `from`. */
export async function headsAt(store: EventStore, positions: Iterable<number>, from: LogPoint = START): Promise<Map<number, LogPoint>> {
  const wanted = [...new Set(positions)].filter((p) => p > from.position).sort((a, b) => a - b);
  const found = new Map<number, LogPoint>();
  if (wanted.length === 0) return found;
  let next = 0;
  let previous = from;
  const end = await walkLog(
    store,
    (_e, at) => {
      // A wanted position the log skips (EventStoreDB's are not dense) stands where the event before it left the chain.
      while (next < wanted.length && wanted[next]! <= at.position) {
        const p = wanted[next++]!;
        found.set(p, p === at.position ? at : { ...previous, position: p });
      }
      previous = at;
    },
    from,
    wanted.at(-1)!,
  );
  for (; next < wanted.length && wanted[next]! <= end.position; next++) found.set(wanted[next]!, { ...end, position: wanted[next]! });
  return found;
}
