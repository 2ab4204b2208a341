// Copying the event log from one store into another, as a PostgreSQL deployment that grows moves
// its events into EventStoreDB: every event to its own stream at its own revision, with its id,
// type, schema version, data and metadata as they were stored (never upcast), in the log's order.
// Positions are the target's own (EventStoreDB's are commit positions), so a copy is checked by
// order, never by position.
import { isDeepStrictEqual } from 'node:util';
import { WrongExpectedRevision, type EventStore, type ExpectedRevision, type NewEvent, type RecordedEvent } from './port.ts';

/** Told as the copy or the check goes: the source's position reached, out of its head. */
export type OnProgress = (done: number, total?: number) => void;

/** All a copy asks of its source: it reads the log and never writes to it. */
export type LogSource = Pick<EventStore, 'readAll' | 'headPosition'>;

const PAGE = 500;

export interface CopySummary {
  /** Events read from the source. */
  events: number;
  /** Of those, written to the target by this run. */
  copied: number;
  /** Of those, found in the target already, from an earlier run. */
  alreadyThere: number;
  /** The source's head when the copy started. */
  head: number;
}

/** The target holds something else where the source's event belongs: the copy stops there. */
export class CopyConflict extends Error {
  constructor(
    readonly streamId: string,
    readonly revision: number,
    what: string,
  ) {
    super(`the target's stream ${streamId} ${what} at revision ${revision}: the copy stopped there`);
    this.name = 'CopyConflict';
  }
}

/**
 * Copies the source's log into the target, page by page in global order. Safe to run again, and
 * to resume after a failure: an event the target holds already (same stream, revision and id) is
 * left as it is; another event in its place stops the copy with a CopyConflict.
 */
export async function copyLog(source: LogSource, target: EventStore, options: { pageSize?: number; onProgress?: OnProgress } = {}): Promise<CopySummary> {
  const head = await source.headPosition();
  const summary: CopySummary = { events: 0, copied: 0, alreadyThere: 0, head };
  for await (const page of pagesOf(source, options.pageSize ?? PAGE)) {
    for (const commit of commitsIn(page)) {
      const written = await copyCommit(target, commit);
      summary.copied += written;
      summary.alreadyThere += commit.length - written;
    }
    summary.events += page.length;
    options.onProgress?.(page.at(-1)!.position, head);
  }
  return summary;
}

async function* pagesOf(store: LogSource, pageSize: number): AsyncGenerator<RecordedEvent[]> {
  let after = 0;
  for (;;) {
    const page = await store.readAll({ after, maxCount: pageSize });
    if (page.length === 0) return;
    yield page;
    after = page.at(-1)!.position;
  }
}

/**
 * The page cut where a command's write to one stream ends: consecutive events of one stream from
 * one command go in one append, as they were written. A write cut by the page's end goes in two.
 */
function commitsIn(page: RecordedEvent[]): RecordedEvent[][] {
  const commits: RecordedEvent[][] = [];
  for (const event of page) {
    const current = commits.at(-1);
    const last = current?.at(-1);
    const sameWrite = last !== undefined && last.streamId === event.streamId && last.revision + 1 === event.revision && last.metadata.commandId === event.metadata.commandId;
    if (sameWrite) current!.push(event);
    else commits.push([event]);
  }
  return commits;
}

/** Appends one write where the source has it; the number of its events written now. */
async function copyCommit(target: EventStore, events: RecordedEvent[]): Promise<number> {
  const first = events[0]!;
  const expected: ExpectedRevision = first.revision === 0 ? 'no_stream' : first.revision - 1;
  try {
    const result = await target.append(first.streamId, events.map(asWritten), expected);
    return result.replayed ? 0 : events.length;
  } catch (err) {
    if (!(err instanceof WrongExpectedRevision)) throw err;
  }
  // The store replays an append only when all of its ids are where they were put; a write cut
  // differently by an earlier run's pages is found here, event by event.
  const there = await target.readStream(first.streamId, { fromRevision: first.revision, maxCount: events.length });
  if (there.length === 0) throw new CopyConflict(first.streamId, first.revision, 'lacks the events before the one the source has');
  const same = there.findIndex((e, i) => e.revision !== events[i]!.revision || e.id !== events[i]!.id);
  if (same !== -1) throw new CopyConflict(first.streamId, events[same]!.revision, 'holds another event');
  if (there.length === events.length) return 0;
  return copyCommit(target, events.slice(there.length));
}

function asWritten(event: RecordedEvent): NewEvent {
  return { id: event.id, type: event.type, schemaVersion: event.schemaVersion, data: event.data, metadata: event.metadata };
}

/** What of an event the copy has otherwise than the source. */
export type EventField = 'streamId' | 'revision' | 'id' | 'type' | 'schemaVersion' | 'data' | 'metadata';

/**
 * One event where the logs part: named by the source's stream, revision and id (the target's for
 * an event only it holds), and by the fields that differ, never by what they hold.
 */
export interface CopyDifference {
  /** Its place in the log, counting from 1: positions differ between stores, order does not. */
  event: number;
  streamId: string;
  revision: number;
  eventId: string;
  kind: 'differs' | 'missing' | 'extra';
  fields: EventField[];
}

export interface CopyReport {
  /** Events read from the source and from the target. */
  sourceEvents: number;
  targetEvents: number;
  /** Every event that differs, is missing from the target or is only in it. */
  differing: number;
  /** The first of them. */
  differences: CopyDifference[];
}

const fields: EventField[] = ['streamId', 'revision', 'id', 'type', 'schemaVersion', 'data', 'metadata'];

/**
 * Reads both logs in their order and compares them event by event; the target must hold the
 * source's events, in the same order, and nothing more. Only reads, from both.
 */
export async function verifyCopy(source: LogSource, target: LogSource, options: { pageSize?: number; shown?: number; onProgress?: OnProgress } = {}): Promise<CopyReport> {
  const shown = options.shown ?? 20;
  const head = await source.headPosition();
  const report: CopyReport = { sourceEvents: 0, targetEvents: 0, differing: 0, differences: [] };
  const note = (difference: CopyDifference) => {
    report.differing++;
    if (report.differences.length < shown) report.differences.push(difference);
  };
  const theirs = eventsOf(target, options.pageSize ?? PAGE)[Symbol.asyncIterator]();
  for await (const ours of eventsOf(source, options.pageSize ?? PAGE)) {
    report.sourceEvents++;
    const next = await theirs.next();
    if (next.done) {
      note({ event: report.sourceEvents, ...named(ours), kind: 'missing', fields: [] });
    } else {
      report.targetEvents++;
      const differ = fields.filter((f) => !isDeepStrictEqual(ours[f], next.value[f]));
      if (differ.length > 0) note({ event: report.sourceEvents, ...named(ours), kind: 'differs', fields: differ });
    }
    options.onProgress?.(ours.position, head);
  }
  for (let next = await theirs.next(); !next.done; next = await theirs.next()) {
    report.targetEvents++;
    note({ event: report.targetEvents, ...named(next.value), kind: 'extra', fields: [] });
  }
  return report;
}

async function* eventsOf(store: LogSource, pageSize: number): AsyncGenerator<RecordedEvent> {
  for await (const page of pagesOf(store, pageSize)) yield* page;
}

const named = (e: RecordedEvent) => ({ streamId: e.streamId, revision: e.revision, eventId: e.id });

/** The report as the command prints it: ids, revisions and field names, never an event's data. */
export function copyReportLines(report: CopyReport): string[] {
  if (report.differing === 0) return [`The target holds the source's ${report.sourceEvents} events, in the same order, and nothing more.`];
  const lines = [
    `The target differs from the source at ${report.differing} event${report.differing === 1 ? '' : 's'} (the source holds ${report.sourceEvents}, the target ${report.targetEvents})${report.differing > report.differences.length ? `; the first ${report.differences.length}` : ''}:`,
  ];
  for (const d of report.differences) {
    const what = d.kind === 'missing' ? 'not in the target' : d.kind === 'extra' ? 'in the target only' : `${d.fields.join(', ')} differ${d.fields.length === 1 ? 's' : ''}`;
    lines.push(`  event ${d.event}: stream ${d.streamId}, revision ${d.revision}, id ${d.eventId}: ${what}`);
  }
  return lines;
}
