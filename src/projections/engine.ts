// Runs projections: reads the log in batches and applies each batch in one transaction together
// with the projection's checkpoint, so a crash at any point leaves rows and checkpoint agreeing.
// An event a handler cannot apply parks its scope (its network, or its stream when it names no
// network) rather than stopping the projection for everyone: the event is rolled back to a
// savepoint, recorded in projection_parked, and the later events of that scope are set aside too,
// so that scope's rows stay as they were before it and every other scope carries on. A person
// clears it by fixing forward and rebuilding.
// Every batch first locks its checkpoint row and checks that it still starts where the batch
// does; that makes two runners of one projection (or a runner and a rebuild) harmless to each other.
// Which runner follows a projection is settled by a lease: one row per projection naming the
// process that holds it until a time it keeps pushing forward. Many processes can start the
// engine; each projection runs in one of them, and when that one dies another takes it over as
// soon as the lease runs out, from the checkpoint.
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Tables } from '../db/tables.ts';
import { AppendSignal, type EventStore, type RecordedEvent } from '../eventstore/port.ts';
import { readLog, SharedLog, type Readable } from './shared-log.ts';
import { Batcher } from '../eventstore/batcher.ts';
import { compareParked, compareTable, type TableDifference } from './compare.ts';

export interface Projection {
  /** Lower-case letters, digits and underscores: it names a scratch schema during a rebuild. */
  name: string;
  /** The tables it owns. Migrations create them; a rebuild recreates them beside the live ones. */
  tables: readonly (keyof Tables)[];
  /** Event types it applies; it skips every other type. */
  handles: readonly string[];
  /**
   * Applies one event it handles, or (applyBatch) a batch of them in order, with a few set-wise
   * statements for projections that see most of the log; a projection gives one or the other.
   * A batch must leave the rows its events leave applied one at a time (a test checks each).
   * Writes through `db` only: during a rebuild it points at the scratch tables.
   */
  apply?(db: Db, event: RecordedEvent): Promise<void>;
  applyBatch?(db: Db, events: RecordedEvent[]): Promise<void>;
}

/** A scope a projection has parked: the event that failed, and how many of the scope's events are set aside since. */
export interface ParkedScope {
  /** A network's id, or a stream's name when the event names no network. */
  scope: string;
  position: number;
  eventType: string;
  /** Why the event failed: an error's class and message or a database error's code, never row values. */
  error: string | null;
  /** Events of the scope set aside, the failing one included. */
  events: number;
}

export interface ProjectionStatus {
  name: string;
  position: number;
  lag: number;
  /** Parked: running, with some scopes set aside. Failed: stopped (only a checkpoint from before parking existed can say so). */
  status: 'running' | 'parked' | 'failed';
  failedPosition: number | null;
  error: string | null;
  parked: ParkedScope[];
}

/** A rebuild beside the live projection, compared with it (see ProjectionEngine.compare). */
export interface ProjectionComparison {
  name: string;
  /** Where both stood: the live checkpoint, to which the rebuild was taken. */
  position: number;
  /** Events the rebuild read. */
  events: number;
  status: 'running' | 'failed';
  /** The tables that differ; empty when the rebuild holds exactly what the live projection does. */
  differences: TableDifference[];
}

/** How far scratch tables have been built: the last position applied, and how many events were read. */
interface Built {
  position: number;
  events: number;
}

/** Told how far a long piece of work has got: how much is done, of how much when that is known. */
export type OnProgress = (done: number, total?: number) => void;

export interface EngineOptions {
  batchSize?: number;
  pollMs?: number;
  /** After a batch at the head of the log, how long to let more appends come before reading again. */
  lingerMs?: number;
  /** How long a lease lasts unless renewed; the holder renews it every third of that. */
  leaseMs?: number;
}

/** Who holds a lease: this host and process, and a random part so that a restarted process is someone new. */
const newHolder = () => `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

/** A checkpoint to move past events its projection does not handle. */
interface PassOver {
  name: string;
  from_position: number;
  to_position: number;
  holder: string | null;
}

/** A row of projection_parked as the engine writes it. */
interface ParkedRow {
  projection: string;
  scope: string;
  position: number;
  event_type: string;
  error: string | null;
}

/** The scope an event parks: its network, when it names one, else its stream. */
export function scopeOf(event: RecordedEvent): string {
  const networkId = (event.data as { networkId?: unknown } | null | undefined)?.networkId;
  return typeof networkId === 'string' && networkId !== '' ? networkId : event.streamId;
}

export class ProjectionEngine {
  readonly #byName: Map<string, Projection>;
  readonly #advanced = new AppendSignal();
  readonly #batchSize: number;
  readonly #pollMs: number;
  readonly #lingerMs: number;
  readonly #leaseMs: number;
  /** What the projections following here read of the log, read once between them. */
  readonly #log: SharedLog;
  /** This engine's name in the lease table. */
  readonly holder = newHolder();
  #stop = new AbortController();
  #loops: Promise<void>[] = [];

  constructor(
    private readonly db: Db,
    private readonly store: EventStore,
    readonly projections: readonly Projection[],
    private readonly log: Logger,
    options: EngineOptions = {},
  ) {
    for (const p of projections) {
      if (!/^[a-z][a-z0-9_]*$/.test(p.name)) throw new Error(`projection name ${p.name} must be lower-case letters, digits and _`);
      if (!p.apply === !p.applyBatch) throw new Error(`projection ${p.name} must give apply or applyBatch, not both or neither`);
    }
    this.#byName = new Map(projections.map((p) => [p.name, p]));
    this.#batchSize = options.batchSize ?? 500;
    this.#pollMs = options.pollMs ?? 250;
    this.#lingerMs = options.lingerMs ?? 0;
    this.#leaseMs = options.leaseMs ?? 6000;
    // Reads four batches at a time, and keeps forty: projections that far apart still share reads.
    this.#log = new SharedLog(store, this.#batchSize * 4, this.#batchSize * 40);
  }

  /** Creates missing checkpoint rows; safe to call from several processes at once. */
  async register(): Promise<void> {
    if (this.projections.length === 0) return;
    await this.db
      .insertInto('projection_checkpoints')
      .values(this.projections.map((p) => ({ name: p.name })))
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
  }

  async start(): Promise<void> {
    await this.register();
    this.#stop = new AbortController();
    // Each projection's loop waits on the one stop signal at once: as many listeners as projections, and no leak.
    setMaxListeners(this.projections.length + 10, this.#stop.signal);
    this.#loops = this.projections.map((p) => this.#follow(p, this.#stop.signal));
  }

  /** Stops following, and gives up this engine's leases so that another process need not wait for them to run out. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.all(this.#loops);
    this.#loops = [];
    await this.db.deleteFrom('projection_leases').where('holder', '=', this.holder).execute();
  }

  /** Which process holds each projection's lease, and until when. */
  async leases(): Promise<Array<{ name: string; holder: string; expiresAt: Date }>> {
    const rows = await this.db.selectFrom('projection_leases').selectAll().where('name', 'in', [...this.#byName.keys()]).orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, holder: r.holder, expiresAt: new Date(r.expires_at) }));
  }

  projection(name: string): Projection {
    const p = this.#byName.get(name);
    if (!p) throw new Error(`no projection named ${name} (there are: ${[...this.#byName.keys()].join(', ')})`);
    return p;
  }

  /** Applies at most one batch. Returns how many events it moved past (0 when caught up or failed). */
  async runOnce(name: string): Promise<number> {
    const p = this.projection(name);
    const checkpoint = await this.#checkpoint(p.name);
    if (!checkpoint || checkpoint.status === 'failed') return 0;
    const events = await this.#log.read(checkpoint.position, this.#batchSize);
    if (events.length === 0) return 0;
    return (await this.#applyBatch(p, checkpoint.position, events)) ? events.length : 0;
  }

  async status(): Promise<{ head: number; projections: ProjectionStatus[] }> {
    const names = [...this.#byName.keys()];
    const [head, rows, parked] = await Promise.all([
      this.store.headPosition(),
      this.db.selectFrom('projection_checkpoints').selectAll().where('name', 'in', names).orderBy('name').execute(),
      this.parked(names),
    ]);
    return {
      head,
      projections: rows.map((r) => {
        const scopes = parked.get(r.name) ?? [];
        return {
          name: r.name,
          position: Number(r.position),
          lag: Math.max(0, head - Number(r.position)),
          status: r.status === 'failed' ? 'failed' : scopes.length > 0 ? 'parked' : 'running',
          failedPosition: r.failed_position === null ? null : Number(r.failed_position),
          error: r.error,
          parked: scopes,
        };
      }),
    };
  }

  /** The scopes each named projection has parked, by the position of the event that parked them. */
  async parked(names: readonly string[] = [...this.#byName.keys()]): Promise<Map<string, ParkedScope[]>> {
    const byProjection = new Map<string, ParkedScope[]>();
    if (names.length === 0) return byProjection;
    const { rows } = await sql<{ projection: string; scope: string; position: number; event_type: string; error: string | null; events: number }>`
      SELECT p.projection, p.scope, p.position, p.event_type, p.error, g.events
        FROM (SELECT projection, scope, min(position) AS first, count(*)::integer AS events
                FROM projection_parked WHERE projection = ANY(${[...names]}::text[]) GROUP BY projection, scope) g
        JOIN projection_parked p ON p.projection = g.projection AND p.position = g.first
       ORDER BY p.projection, p.position`.execute(this.db);
    for (const r of rows) {
      const scopes = byProjection.get(r.projection) ?? [];
      scopes.push({ scope: r.scope, position: Number(r.position), eventType: r.event_type, error: r.error, events: r.events });
      byProjection.set(r.projection, scopes);
    }
    return byProjection;
  }

  /** Waits until every named projection has passed `position`; false on timeout. */
  async waitFor(names: readonly string[], position: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await this.db.selectFrom('projection_checkpoints').select(['position']).where('name', 'in', [...names]).execute();
      if (rows.length === names.length && rows.every((r) => Number(r.position) >= position)) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      // Woken at once by this process's runners; polled for runners in other processes.
      await this.#advanced.wait(Math.min(left, 50));
    }
  }

  /**
   * Builds the projection afresh into scratch tables, then swaps them in with the checkpoint in one
   * transaction, so readers see the old tables or the new ones, never a half-built table.
   */
  async rebuild(name: string, onProgress?: OnProgress): Promise<{ position: number; events: number }> {
    const p = this.projection(name);
    await this.register();
    const scratch = `rebuild_${p.name}`;
    const { position, events } = await this.#build(p, scratch, Infinity, onProgress);
    await this.db.transaction().execute(async (trx) => {
      await trx.selectFrom('projection_checkpoints').select('name').where('name', '=', p.name).forUpdate().execute();
      for (const table of p.tables) {
        await sql`DROP TABLE ${sql.id('public', table)}`.execute(trx);
        await sql`ALTER TABLE ${sql.id(scratch, table)} SET SCHEMA public`.execute(trx);
      }
      // What the rebuild parked replaces what the live projection had: a scope fixed forward is clear again.
      await trx.deleteFrom('projection_parked').where('projection', '=', p.name).execute();
      await sql`INSERT INTO projection_parked SELECT * FROM ${sql.id(scratch, 'projection_parked')}`.execute(trx);
      await sql`DROP TABLE ${sql.id(scratch, 'projection_parked')}`.execute(trx);
      await sql`DROP SCHEMA ${sql.id(scratch)}`.execute(trx);
      await trx
        .updateTable('projection_checkpoints')
        .set({ position, status: 'running', failed_position: null, error: null, updated_at: new Date() })
        .where('name', '=', p.name)
        .execute();
    });
    this.log.info({ projection: p.name, position, events }, 'projection rebuilt');
    this.#advanced.notify();
    return { position, events };
  }

  /**
   * Rebuilds the projection beside the live tables up to exactly where the live one stands, and
   * compares them table by table; the live tables are only read, and the scratch ones dropped.
   * The comparison holds the checkpoint row FOR SHARE, so that no batch of a runner (here or in
   * another process) lands while it reads; the events the live projection applied while the
   * scratch tables were built are applied to them first, under the same lock.
   */
  async compare(name: string): Promise<ProjectionComparison> {
    const p = this.projection(name);
    await this.register();
    // Not rebuild_<name>: an operator's rebuild may be running beside the audit.
    const scratch = `verify_${p.name}`;
    try {
      let built = await this.#build(p, scratch, (await this.#checkpoint(p.name))!.position);
      for (;;) {
        // Read before locking: on PGlite the one connection is the transaction's while it lasts.
        const ahead = await readLog(this.store, built.position, this.#batchSize * REBUILD_BATCHES);
        const compared = await this.db.transaction().execute(async (trx) => {
          const live = await trx.selectFrom('projection_checkpoints').select(['position', 'status']).where('name', '=', p.name).forShare().executeTakeFirstOrThrow();
          const position = Number(live.position);
          if (position < built.position) throw new Error(`projection ${p.name} went back from position ${built.position} to ${position} during the comparison`);
          if (position > (ahead.at(-1)?.position ?? built.position)) return undefined;
          const caughtUp = ahead.filter((e) => e.position <= position);
          await applyParking(p, trx.withSchema(scratch), caughtUp);
          const differences: TableDifference[] = [];
          for (const table of p.tables) {
            const difference = await compareTable(trx, table, scratch);
            if (difference) differences.push(difference);
          }
          const parked = await compareParked(trx, p.name, scratch);
          if (parked) differences.push(parked);
          return { name: p.name, position, events: built.events + caughtUp.length, status: live.status, differences };
        });
        if (compared) return compared;
        // The live projection got further than the log had when read ahead: follow it, and look again.
        const live = (await this.#checkpoint(p.name))!.position;
        const from = built.position;
        built = await this.#fill(p, scratch, built, live);
        // Nothing more to follow: the log has lost the events the live projection applied (deleted, truncated), and looking again would never end.
        if (built.position === from) throw new Error(`projection ${p.name} has applied events up to position ${live}, but the log holds none after position ${from} up to it: events are missing`);
      }
    } finally {
      await sql`DROP SCHEMA IF EXISTS ${sql.id(scratch)} CASCADE`.execute(this.db);
    }
  }

  /** Makes the projection's tables afresh in the schema `scratch` and applies the log to them, up to `upTo` (else its head). */
  async #build(p: Projection, scratch: string, upTo = Infinity, onProgress?: OnProgress): Promise<Built> {
    await sql`DROP SCHEMA IF EXISTS ${sql.id(scratch)} CASCADE`.execute(this.db);
    await sql`CREATE SCHEMA ${sql.id(scratch)}`.execute(this.db);
    const deferred: string[] = [];
    for (const table of p.tables) {
      await sql`CREATE TABLE ${sql.id(scratch, table)} (LIKE ${sql.id('public', table)} INCLUDING ALL)`.execute(this.db);
      await this.#nameIndexesAsLive(scratch, table);
      deferred.push(...(await this.#deferIndexes(scratch, table)));
    }
    // The scratch schema keeps its own record of what it parked, the rows of this projection only.
    await sql`CREATE TABLE ${sql.id(scratch, 'projection_parked')} (LIKE ${sql.id('public', 'projection_parked')} INCLUDING ALL)`.execute(this.db);
    const built = await this.#fill(p, scratch, { position: 0, events: 0 }, upTo, onProgress);
    for (const index of deferred) await sql.raw(index).execute(this.db);
    return built;
  }

  /**
   * Applies the events after `from` up to `upTo` to the scratch tables. Larger batches than when
   * following, and the next read under way while a batch is applied: a rebuild is one long read of
   * the log.
   */
  async #fill(p: Projection, scratch: string, from: Built, upTo = Infinity, onProgress?: OnProgress): Promise<Built> {
    const scratchDb = this.db.withSchema(scratch);
    // Progress is counted in positions of the log, towards its head as it stood at the start.
    const head = onProgress ? Math.min(upTo, await this.store.headPosition()) : 0;
    const read = (after: number) => {
      const reading = readLog(this.store, after, this.#batchSize * REBUILD_BATCHES);
      // Should a batch fail, the read under way is abandoned: its failure is not news.
      reading.catch(() => {});
      return reading;
    };
    let { position, events: count } = from;
    for (let next = position < upTo ? read(position) : undefined; next; ) {
      const events = (await next).filter((e) => e.position <= upTo);
      if (events.length === 0) break;
      const last = events.at(-1)!.position;
      next = last < upTo ? read(last) : undefined;
      const parked = await scratchDb.transaction().execute((trx) => applyParking(p, trx, events));
      this.#saidParked(p, parked, scratch);
      position = last;
      count += events.length;
      onProgress?.(position, Math.max(head, position));
    }
    return { position, events: count };
  }

  /**
   * Indexes that serve only reads are dropped from a scratch table while it is filled, and made
   * again, once, from the sorted rows afterwards: cheaper than keeping them up to date row by row.
   * Unique indexes stay, for the projection's own upserts and lookups. Returns the statements that
   * make them again, under their live names.
   */
  async #deferIndexes(scratch: string, table: string): Promise<string[]> {
    const { rows } = await sql<{ indexname: string; indexdef: string }>`
      SELECT i.indexname, i.indexdef FROM pg_indexes i
        JOIN pg_class c ON c.relname = i.indexname
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = i.schemaname
        JOIN pg_index x ON x.indexrelid = c.oid
       WHERE i.schemaname = ${scratch} AND i.tablename = ${table} AND NOT x.indisunique`.execute(this.db);
    for (const index of rows) await sql`DROP INDEX ${sql.id(scratch, index.indexname)}`.execute(this.db);
    return rows.map((index) => index.indexdef);
  }

  /** LIKE names the copied indexes itself; give them the live names so later migrations still find them. */
  async #nameIndexesAsLive(scratch: string, table: string): Promise<void> {
    const { rows } = await sql<{ schemaname: string; indexname: string; shape: string }>`
      SELECT schemaname, indexname, regexp_replace(indexdef, '^CREATE (UNIQUE )?INDEX \\S+ ON \\S+', 'CREATE \\1INDEX ON') AS shape
        FROM pg_indexes WHERE tablename = ${table} AND schemaname IN ('public', ${scratch})`.execute(this.db);
    for (const copy of rows.filter((r) => r.schemaname === scratch)) {
      const live = rows.find((r) => r.schemaname === 'public' && r.shape === copy.shape);
      if (live && live.indexname !== copy.indexname) {
        await sql`ALTER INDEX ${sql.id(scratch, copy.indexname)} RENAME TO ${sql.id(live.indexname)}`.execute(this.db);
      }
    }
  }

  async #follow(p: Projection, signal: AbortSignal): Promise<void> {
    // When the lease must next be renewed; 0 while this engine does not hold it.
    let renewAt = 0;
    // Where the checkpoint stands, as this runner last wrote it; read again whenever a batch finds it elsewhere.
    let at: number | undefined;
    // Far behind the head, each batch twice the last, up to a rebuild's: catching up is one long
    // read of the log, and fewer, larger transactions make it sooner. At the head, batches are small again.
    let size = this.#batchSize;
    while (!signal.aborted) {
      try {
        if (Date.now() >= renewAt) {
          renewAt = (await this.#lease(p.name)) ? Date.now() + this.#leaseMs / 3 : 0;
          if (renewAt === 0) {
            // Another process follows it; look again in case that one dies.
            at = undefined;
            await sleep(Math.min(this.#leaseMs / 3, 1000), signal);
            continue;
          }
        }
        if (at === undefined) {
          const checkpoint = await this.#checkpoint(p.name);
          if (!checkpoint || checkpoint.status === 'failed') {
            // A failed projection waits for a rebuild (perhaps from another process) to clear it.
            await sleep(this.#pollMs * 4, signal);
            continue;
          }
          at = checkpoint.position;
        }
        const events = await this.#log.read(at, size);
        size = events.length < this.#batchSize ? this.#batchSize : Math.min(size * 2, this.#batchSize * REBUILD_BATCHES);
        if (events.length === 0) {
          await this.store.waitForAppend(this.#pollMs, signal);
          continue;
        }
        if (await this.#applyBatch(p, at, events, this.holder)) at = events.at(-1)!.position;
        else [renewAt, at] = [0, undefined];
        // At the head of the log: a write that follows soon is applied with those after it, in one
        // transaction rather than one each. A reader waiting for this batch is not held up by it.
        if (events.length < this.#batchSize && this.#lingerMs > 0) await sleep(this.#lingerMs, signal);
      } catch (err) {
        at = undefined;
        if (signal.aborted) break;
        this.log.error({ projection: p.name, err: describe(err) }, 'projection could not read or apply a batch; retrying');
        await sleep(this.#pollMs * 4, signal);
      }
    }
  }

  /** Takes the projection's lease, or keeps it: true while this engine holds it. */
  async #lease(name: string): Promise<boolean> {
    const until = sql<Date>`now() + ${`${this.#leaseMs} milliseconds`}::interval`;
    const row = await this.db
      .insertInto('projection_leases')
      .values({ name, holder: this.holder, expires_at: until })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder: this.holder, expires_at: until })
          // Only a lease that has run out, or is ours, changes hands.
          .where((eb) => eb.or([eb('projection_leases.expires_at', '<', sql<Date>`now()`), eb('projection_leases.holder', '=', this.holder)])),
      )
      .returning('holder')
      .executeTakeFirst();
    return row?.holder === this.holder;
  }

  /**
   * True when the batch was applied (some of its events perhaps parked); false when another runner
   * got there first, or the lease was lost (when one is named, it must still be held). A transient
   * failure (a lost connection, a serialization failure, a deadlock) is thrown, and the batch tried again.
   */
  async #applyBatch(p: Projection, from: number, events: Readable[], holder?: string): Promise<boolean> {
    const to = events.at(-1)!.position;
    // Most batches hold nothing a given projection handles: its checkpoint is moved on in one statement.
    if (!events.some((e) => p.handles.includes(e.type))) return this.#passing.submit({ name: p.name, from_position: from, to_position: to, holder: holder ?? null });
    // First as one piece, with no savepoint; a batch that fails, or holds an event that meets no
    // schema, is applied event by event, to park what fails.
    const applied = await this.#applyLive(p, from, events, holder, events.some((e) => e.undecodable !== undefined)).catch((err) => {
      if (err instanceof WholeBatchFailed) return this.#applyLive(p, from, events, holder, true);
      throw err;
    });
    if (!applied) return false;
    this.#saidParked(p, applied);
    this.#advanced.notify();
    return true;
  }

  /**
   * One transaction: the checkpoint locked and checked, the lease asked after and the scopes parked
   * read, all in one statement; the events applied; the checkpoint moved. Undefined when another
   * runner got there first or the lease was lost.
   */
  #applyLive(p: Projection, from: number, events: Readable[], holder: string | undefined, oneByOne: boolean): Promise<ParkedRow[] | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ position: string; status: string; leased: boolean; parked: string[] }>`
        SELECT c.position, c.status,
               (${holder ?? null}::text IS NULL OR EXISTS (SELECT 1 FROM projection_leases l WHERE l.name = c.name AND l.holder = ${holder ?? null} AND l.expires_at > now())) AS leased,
               ARRAY(SELECT DISTINCT scope FROM projection_parked WHERE projection = c.name) AS parked
          FROM projection_checkpoints c WHERE c.name = ${p.name} FOR UPDATE OF c`.execute(trx);
      const row = rows[0];
      if (!row || Number(row.position) !== from || row.status !== 'running') return undefined;
      // A worker paused past its lease (a long collection, a frozen host) must not write: another has the projection now.
      if (!row.leased) return undefined;
      const parked = await applyParking(p, trx, events, { parkedScopes: new Set(row.parked), oneByOne });
      await trx.updateTable('projection_checkpoints').set({ position: events.at(-1)!.position, updated_at: new Date() }).where('name', '=', p.name).execute();
      return parked;
    });
  }

  /**
   * Moves checkpoints past events their projections do not handle, on the same conditions as a
   * batch applied: most batches hold nothing for most projections, and the projections passing
   * over them at the same moment are moved on in one statement.
   */
  readonly #passing = new Batcher<PassOver, boolean>({
    max: 64,
    run: async (passes) => {
      const { rows } = await sql<{ name: string }>`
        UPDATE projection_checkpoints c SET position = x.to_position, updated_at = now()
          FROM json_to_recordset(${JSON.stringify(passes)}::json) AS x(name text, from_position bigint, to_position bigint, holder text)
         WHERE c.name = x.name AND c.position = x.from_position AND c.status = 'running'
           AND (x.holder IS NULL OR EXISTS (SELECT 1 FROM projection_leases l WHERE l.name = x.name AND l.holder = x.holder AND l.expires_at > now()))
        RETURNING c.name`.execute(this.db);
      const moved = new Set(rows.map((r) => r.name));
      if (moved.size > 0) this.#advanced.notify();
      return passes.map((pass) => moved.has(pass.name));
    },
  });

  /** Logs each scope newly parked, once its transaction has committed. */
  #saidParked(p: Projection, parked: ParkedRow[], scratch?: string): void {
    for (const row of parked) {
      if (row.error === null) continue;
      this.log.error(
        { projection: p.name, ...(scratch ? { rebuild: scratch } : {}), scope: row.scope, position: row.position, eventType: row.event_type, err: row.error },
        'projection parked a scope: its handler failed on an event; other scopes carry on',
      );
    }
  }

  async #checkpoint(name: string) {
    const row = await this.db.selectFrom('projection_checkpoints').select(['position', 'status']).where('name', '=', name).executeTakeFirst();
    return row && { position: Number(row.position), status: row.status };
  }
}

/** An error's class and message, or a database error's code and constraint: never row values, which may be personal. */
function describe(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((err as { code: string }).code)) {
    const e = err as { code: string; constraint?: string; table?: string; routine?: string };
    return `database error ${e.code}${e.constraint ? ` on ${e.constraint}` : ''}${e.table ? ` in ${e.table}` : ''}`;
  }
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** Forty following batches make one rebuild batch: fewer, larger statements while the log is read whole. */
const REBUILD_BATCHES = 40;

/**
 * Applies the events a projection handles within the transaction `trx`, parking rather than
 * failing: events of a scope already parked are set aside (recorded, not applied), and an event
 * that fails is rolled back to a savepoint and parks its scope. A transient failure is thrown, for
 * the whole batch to be tried again. Writes through `trx` only, so that a rebuild's scratch schema
 * keeps its own record. Returns the rows it parked.
 */
async function applyParking(p: Projection, trx: Db, events: Readable[], live?: { parkedScopes: Set<string>; oneByOne: boolean }): Promise<ParkedRow[]> {
  const handled = events.filter((e) => p.handles.includes(e.type));
  if (handled.length === 0) return [];
  const parkedScopes =
    live?.parkedScopes ?? new Set((await trx.selectFrom('projection_parked').select('scope').distinct().where('projection', '=', p.name).execute()).map((r) => r.scope));
  const rows: ParkedRow[] = [];
  const park = (e: Readable, error: string | null) => {
    parkedScopes.add(scopeOf(e));
    // Bounded: a reason names a field or a code, and a long one is only more of the same.
    rows.push({ projection: p.name, scope: scopeOf(e), position: e.position, event_type: e.type, error: error === null ? null : error.slice(0, 500) });
  };
  const open: Readable[] = [];
  for (const e of handled) {
    if (parkedScopes.has(scopeOf(e))) park(e, null);
    else open.push(e);
  }
  if (open.length === 0) return insertParked(trx, rows);
  // Most batches hold no failing event: all of it at once, as the projection prefers. Following
  // the log, that is done with no savepoint: a failure ends the transaction, and the batch is
  // applied again, one event at a time.
  if (live && !live.oneByOne) {
    try {
      await applyAll(p, trx, open);
    } catch (err) {
      throw isTransient(err) ? err : new WholeBatchFailed();
    }
    return insertParked(trx, rows);
  }
  if (live || open.some((e) => e.undecodable !== undefined) || (await attempt(trx, () => applyAll(p, trx, open)))) {
    // One at a time, to find which fail; each scope that fails is parked and its later events set aside.
    for (const e of open) {
      if (parkedScopes.has(scopeOf(e))) {
        park(e, null);
        continue;
      }
      const failure = e.undecodable !== undefined ? { failed: e.undecodable } : await attempt(trx, () => applyAll(p, trx, [e]));
      if (failure) park(e, e.undecodable !== undefined ? `does not meet its schema: ${describe(e.undecodable)}` : describe(failure.failed));
    }
  }
  return insertParked(trx, rows);
}

/** Records the events set aside; returns them. */
async function insertParked(trx: Db, rows: ParkedRow[]): Promise<ParkedRow[]> {
  if (rows.length > 0) {
    rows.sort((a, b) => a.position - b.position);
    await trx.insertInto('projection_parked').values(rows).onConflict((oc) => oc.columns(['projection', 'position']).doNothing()).execute();
  }
  return rows;
}

/** A batch that failed applied whole, with no savepoint to go back to: it is applied again event by event. */
class WholeBatchFailed extends Error {}

/** Runs `work` under a savepoint: undefined when it succeeded, else what it failed with, its writes undone. */
async function attempt(trx: Db, work: () => Promise<void>): Promise<{ failed: unknown } | undefined> {
  await sql`SAVEPOINT apply_events`.execute(trx);
  try {
    await work();
  } catch (err) {
    if (isTransient(err)) throw err;
    // Should the connection be gone after all, this throws too, and the batch is tried again.
    await sql`ROLLBACK TO SAVEPOINT apply_events`.execute(trx);
    return { failed: err };
  }
  await sql`RELEASE SAVEPOINT apply_events`.execute(trx);
  return undefined;
}

/**
 * SQLSTATE classes that say "this event's data cannot be applied": a data exception (22), a
 * constraint (23), a statement the data made invalid (42), a cardinality or routine exception
 * (21, 2F, P0). Any other database error (a lost connection, a serialization failure, a
 * deadlock, a shutdown, a cancelled statement) says "try again", as does a lost connection
 * reported without a code; an error of the handler's own code (a TypeError, a refusal) is the
 * event's.
 */
const DETERMINISTIC_CLASSES = new Set(['21', '22', '23', '2F', '42', 'P0']);

function isTransient(err: unknown): boolean {
  const code = err && typeof err === 'object' && 'code' in err ? (err as { code: unknown }).code : undefined;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return !DETERMINISTIC_CLASSES.has(code.slice(0, 2));
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true;
  return err instanceof Error && /connection terminated|connection.*(closed|ended)|client has encountered a connection error|timeout/i.test(err.message);
}

/** Applies the events a projection handles: all at once when it can, else one by one. */
async function applyAll(p: Projection, db: Db, events: RecordedEvent[]): Promise<void> {
  const handled = events.filter((e) => p.handles.includes(e.type));
  if (handled.length === 0) return;
  if (p.applyBatch) return p.applyBatch(db, handled);
  for (const event of handled) await p.apply!(db, event);
}
