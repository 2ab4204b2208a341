// Puts Hearth together from its configuration: the relational store, the event store on top of
// it (or on EventStoreDB), the projection engine, and the metrics that watch them.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { systemClock, type Clock } from './clock.ts';
import { openPglite, openPostgres, type Database } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { CheckedEventStore } from './eventstore/events.ts';
import { CachingEventStore } from './eventstore/cache.ts';
import { EventStoreDbEventStore } from './eventstore/eventstoredb.ts';
import { PostgresEventStore } from './eventstore/postgres.ts';
import type { EventStore } from './eventstore/port.ts';
import { ProjectionEngine } from './projections/engine.ts';
import { eventRegistry } from './events.ts';
import { createProjections } from '../projections/index.ts';
import { PersonalDataVault } from './access/vault.ts';
import { Metrics } from './metrics.ts';
import { outboxBacklog } from './notify/outbox.ts';

export interface Hearth {
  config: Config;
  /** The one clock: every command's time comes from it. */
  clock: Clock;
  log: Logger;
  database: Database;
  store: EventStore;
  engine: ProjectionEngine;
  vault: PersonalDataVault;
  /** This Hearth's own metrics, apart from any other Hearth in the process. */
  metrics: Metrics;
  /** The server's 32-byte secret: wraps personal data keys and keys email lookups. */
  secret: Buffer;
  close(): Promise<void>;
}

/** HEARTH_SECRET, or one kept in DATA_DIR/secret.key and made on first start. */
export function loadSecret(config: Config, log: Logger): Buffer {
  const found = existingSecret(config);
  if (found) return found;
  const file = join(config.DATA_DIR, 'secret.key');
  mkdirSync(config.DATA_DIR, { recursive: true });
  const secret = randomBytes(32);
  writeFileSync(file, secret.toString('base64'), { mode: 0o600, flag: 'wx' });
  log.warn({ file }, 'made a new secret for personal data; back it up, or set HEARTH_SECRET');
  return secret;
}

/** HEARTH_SECRET, or the one kept in DATA_DIR/secret.key; undefined when there is neither, making none. */
export function existingSecret(config: Config): Buffer | undefined {
  if (config.HEARTH_SECRET) return Buffer.from(config.HEARTH_SECRET, 'base64');
  const file = join(config.DATA_DIR, 'secret.key');
  return existsSync(file) ? Buffer.from(readFileSync(file, 'utf8').trim(), 'base64') : undefined;
}

export async function openDatabase(config: Config): Promise<Database> {
  return config.DATABASE_URL ? openPostgres(config.DATABASE_URL) : openPglite(config.DATA_DIR);
}

export async function openHearth(config: Config, log: Logger, options: { database?: Database; clock?: Clock } = {}): Promise<Hearth> {
  const database = options.database ?? (await openDatabase(config));
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) log.info({ migrations: applied }, 'migrations applied');
    const metrics = new Metrics();
    const raw = config.EVENTSTOREDB_URL
      ? new EventStoreDbEventStore(config.EVENTSTOREDB_URL, metrics)
      : new PostgresEventStore(database.db, database.kind, config.PROJECTION_POLL_MS, metrics, config.EVENT_STORE_COMMITS === 'one-stream');
    const store = new CachingEventStore(new CheckedEventStore(raw, eventRegistry));
    const secret = loadSecret(config, log);
    const vault = new PersonalDataVault(database.db, secret);
    const engine = new ProjectionEngine(database.db, store, createProjections({ vault }), log, {
      batchSize: config.PROJECTION_BATCH_SIZE,
      pollMs: config.PROJECTION_POLL_MS,
      lingerMs: config.PROJECTION_LINGER_MS,
      leaseMs: config.PROJECTION_LEASE_MS,
    });
    await engine.register();
    const clock = options.clock ?? systemClock;
    metrics.readFrom({ status: () => engine.status(), ...(config.SMTP_HOST ? { backlog: () => outboxBacklog({ database, clock }) } : {}) });
    return {
      config,
      clock,
      log,
      database,
      store,
      engine,
      vault,
      metrics,
      secret,
      async close() {
        await engine.stop();
        await store.close();
        await database.close();
      },
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}
