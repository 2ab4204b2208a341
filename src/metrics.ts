// What an operator watches Hearth by, in Prometheus' text format. Each Hearth keeps a registry of
// its own, as one process may open several (the tests open dozens); the process's own figures
// (memory, event-loop delay) are kept once per process, as there is one process however many
// Hearths it holds. No label names a person, a network or any id: a request is counted by its
// route's pattern, a refusal by its problem type, a projection by its name.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AppendObserver } from './eventstore/port.ts';
import type { ProjectionStatus } from './projections/engine.ts';

/** How a command ended, as the API answered it. */
export type CommandOutcome = 'written' | 'replayed' | 'refused' | 'conflict' | 'failed';

/** What is read afresh at each scrape: figures that live in the database, not in this process. */
export interface ScrapeSources {
  status(): Promise<{ head: number; projections: ProjectionStatus[] }>;
  /** Notifications due and not yet sent; absent when this Hearth sends none. */
  backlog?: () => Promise<number>;
}

let processRegistry: Registry | undefined;

/** Memory, CPU, handles and event-loop delay: prom-client's default metrics, gathered once per process. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class Metrics implements AppendObserver {
  readonly registry = new Registry();
  #sources: ScrapeSources | undefined;

  readonly #requests = new Counter({
    name: 'hearth_http_requests_total',
    help: 'HTTP requests answered, by route pattern (unmatched for none), method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly #latency = new Histogram({
    name: 'hearth_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route pattern and method',
    labelNames: ['route', 'method'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly #commands = new Counter({
    name: 'hearth_commands_total',
    help: 'State-changing requests by outcome: written, replayed (a retry that wrote nothing), refused and conflict (by problem type), failed',
    labelNames: ['outcome', 'problem'] as const,
    registers: [this.registry],
  });
  readonly #appends = new Counter({
    name: 'hearth_appends_total',
    help: 'Appends to the event store: written, or replayed (every event already there)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly #appendEvents = new Histogram({
    name: 'hearth_append_events',
    help: 'Events per append',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
    registers: [this.registry],
  });
  readonly #batchCommands = new Histogram({
    name: 'hearth_append_batch_commands',
    help: 'Appends written together in one commit (group commit, PostgreSQL and PGlite)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });
  readonly #head = new Gauge({ name: 'hearth_log_head_position', help: 'Global position of the newest event', registers: [this.registry] });
  readonly #position = this.#perProjection('hearth_projection_position', 'The last position each projection has applied');
  readonly #lag = this.#perProjection('hearth_projection_lag_events', 'Events between each projection and the head of the log');
  readonly #stopped = this.#perProjection('hearth_projection_failed', '1 when the projection has stopped on a failure, else 0');
  readonly #parked = this.#perProjection('hearth_projection_parked_scopes', 'Scopes the projection has set aside after an event failed in them');
  // Registered only once a Hearth that sends notifications says so: without a sender, a backlog means nothing.
  readonly #backlog = new Gauge({ name: 'hearth_notification_backlog', help: 'Notifications due and not yet sent', registers: [] });

  /** A gauge with one figure for each projection, by its name. */
  #perProjection(name: string, help: string) {
    return new Gauge({ name, help, labelNames: ['projection'] as const, registers: [this.registry] });
  }

  /** Where the figures read at each scrape come from; set once the engine and the database are open. */
  readFrom(sources: ScrapeSources): void {
    this.#sources = sources;
    if (sources.backlog) this.registry.registerMetric(this.#backlog);
  }

  request(route: string, method: string, status: number, seconds: number): void {
    this.#requests.inc({ route, method, status });
    this.#latency.observe({ route, method }, seconds);
  }

  command(outcome: CommandOutcome, problem = ''): void {
    this.#commands.inc({ outcome, problem });
  }

  appended(events: number, replayed: boolean): void {
    this.#appends.inc({ outcome: replayed ? 'replayed' : 'written' });
    this.#appendEvents.observe(events);
  }

  batched(commands: number): void {
    this.#batchCommands.observe(commands);
  }

  /** The text Prometheus reads: this Hearth's figures, the database's read now, then the process's. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    if (this.#sources) {
      const { head, projections } = await this.#sources.status();
      this.#head.set(head);
      for (const p of projections) {
        this.#position.set({ projection: p.name }, p.position);
        this.#lag.set({ projection: p.name }, p.lag);
        this.#stopped.set({ projection: p.name }, p.status === 'failed' ? 1 : 0);
        this.#parked.set({ projection: p.name }, p.parked.length);
      }
      if (this.#sources.backlog) this.#backlog.set(await this.#sources.backlog());
    }
    const merged = Registry.merge([this.registry, processMetrics()]);
    return { contentType: merged.contentType, text: await merged.metrics() };
  }
}
