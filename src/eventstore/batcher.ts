// Work that arrives while a batch is running waits, and runs together in the next batch: one
// round trip (and, for appends, one commit) for many callers instead of one each. Alone, a call
// runs at once, so nobody waits for company; what is submitted in the same turn of the event loop
// (a command's reads of several streams, asked together) goes with it. Should a batch fail as a
// whole, each of its items is run alone, so that one caller's fault is not another's.

interface Waiting<In, Out> {
  item: In;
  resolve: (out: Out) => void;
  reject: (err: unknown) => void;
}

export interface BatcherOptions<In, Out> {
  /** Runs a batch; returns one result per item, in order. */
  run(items: In[]): Promise<Out[]>;
  /** What an item holds (the streams it writes); two items holding the same thing go in different batches. */
  holds?(item: In): string[];
  max: number;
  /** Batches under way at once: while one commits, the next can be judged. */
  concurrency?: number;
  /** Told each batch's size as it is taken, for the metrics. */
  taken?(size: number): void;
}

export class Batcher<In, Out> {
  #queue: Array<Waiting<In, Out>> = [];
  #running = 0;

  constructor(private readonly options: BatcherOptions<In, Out>) {}

  submit(item: In): Promise<Out> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (this.#running < (this.options.concurrency ?? 1)) {
        this.#running++;
        queueMicrotask(() => void this.#drain());
      }
    });
  }

  /** Runs batches until none waits; counted as running from when it was scheduled. */
  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#take();
      this.options.taken?.(batch.length);
      try {
        const results = await this.options.run(batch.map((w) => w.item));
        batch.forEach((w, i) => w.resolve(results[i]!));
      } catch (err) {
        if (batch.length === 1) batch[0]!.reject(err);
        else for (const w of batch) await this.options.run([w.item]).then(([out]) => w.resolve(out!), w.reject);
      }
    }
    this.#running--;
  }

  /** The oldest waiting items that fit together. */
  #take(): Array<Waiting<In, Out>> {
    const batch: Array<Waiting<In, Out>> = [];
    const rest: Array<Waiting<In, Out>> = [];
    const held = new Set<string>();
    for (const waiting of this.#queue) {
      const holds = this.options.holds?.(waiting.item) ?? [];
      if (batch.length < this.options.max && holds.every((h) => !held.has(h))) {
        for (const h of holds) held.add(h);
        batch.push(waiting);
      } else rest.push(waiting);
    }
    this.#queue = rest;
    return batch;
  }
}
