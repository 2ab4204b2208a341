// The stretch of the log an engine's projections last read, kept in memory so that projections
// following close behind one another read the log once between them, rather than once each.
// A read is answered from the stretch when it starts inside it, else from the store; a read at
// the stretch's end extends it, one read of the store at a time however many projections ask.
// What the store returned after a position is complete up to the last event it returned (the
// store never returns an event before one still to commit), so the stretch is exactly the log
// between its two ends, and a projection reading from it sees what it would have read itself.
import { UndecodableEvent } from '../eventstore/events.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';

/** An event as a projection reads it; one that does not meet its schema comes marked, to be parked rather than stop the read. */
export type Readable = RecordedEvent & { undecodable?: unknown };

export class SharedLog {
  /** The events after `#start`, in order, with no gap but those of the log itself. */
  #events: Readable[] = [];
  #start = 0;
  /** The read that is extending the stretch, and where it started. */
  #extending: { after: number; read: Promise<Readable[]> } | undefined;

  constructor(
    private readonly store: EventStore,
    /** Events read from the store at once when the stretch is extended. */
    private readonly readSize: number,
    /** Most events kept; the oldest go first. */
    private readonly capacity: number,
  ) {}

  get #end(): number {
    return this.#events.at(-1)?.position ?? this.#start;
  }

  /** At most `maxCount` events after the position `after`. */
  async read(after: number, maxCount: number): Promise<Readable[]> {
    if (after >= this.#start && after < this.#end) return this.#from(after, maxCount);
    // Behind the stretch: read for this one alone, and keep the stretch for those following it.
    if (after < this.#start) return readLog(this.store, after, maxCount);
    // Ahead of it: the stretch starts again where this reader is.
    if (after > this.#end) [this.#events, this.#start, this.#extending] = [[], after, undefined];
    const joined = this.#extending?.after === after;
    const events = await (joined ? this.#extending!.read : this.#extend(after, maxCount));
    // A read joined under way may have begun before the append that woke this reader: found
    // empty, it does not say the log ends here, and this reader reads for itself.
    if (joined && events.length === 0) return (await this.#extend(after, maxCount)).slice(0, maxCount);
    return events.slice(0, maxCount);
  }

  /** Reads the store after `after`, the stretch taking what it returns if it still ends there then. */
  #extend(after: number, maxCount: number): Promise<Readable[]> {
    const extending = { after, read: readLog(this.store, after, Math.max(this.readSize, maxCount)) };
    this.#extending = extending;
    void extending.read.then(
      (events) => this.#extended(extending, events),
      () => {
        if (this.#extending === extending) this.#extending = undefined;
      },
    );
    return extending.read;
  }

  #extended(extending: { after: number }, events: Readable[]): void {
    if (this.#extending !== extending) return;
    this.#extending = undefined;
    if (extending.after !== this.#end) return;
    this.#events.push(...events);
    const over = this.#events.length - this.capacity;
    if (over > 0) {
      this.#start = this.#events[over - 1]!.position;
      this.#events = this.#events.slice(over);
    }
  }

  #from(after: number, maxCount: number): Readable[] {
    // The first event after `after`, by binary search: positions rise along the stretch.
    let low = 0;
    let high = this.#events.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#events[mid]!.position <= after) low = mid + 1;
      else high = mid;
    }
    return this.#events.slice(low, low + maxCount);
  }
}

/** Reads a batch of the log; an event that does not meet its schema ends the batch, marked, rather than failing the read. */
export async function readLog(store: EventStore, after: number, maxCount: number): Promise<Readable[]> {
  try {
    return await store.readAll({ after, maxCount });
  } catch (err) {
    if (!(err instanceof UndecodableEvent)) throw err;
    return [...err.before, { ...err.event, undecodable: err.reason }];
  }
}
