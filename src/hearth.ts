// Puts Hearth together from its configuration: the relational store, the event store on top of
// it (or on EventStoreDB), and the projection engine.
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { openPglite, openPostgres, type Database } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { CheckedEventStore } from './eventstore/events.ts';
import { EventStoreDbEventStore } from './eventstore/eventstoredb.ts';
import { PostgresEventStore } from './eventstore/postgres.ts';
import type { EventStore } from './eventstore/port.ts';
import { ProjectionEngine } from './projections/engine.ts';
import { eventRegistry } from './events.ts';
import { projections } from '../projections/index.ts';

export interface Hearth {
  config: Config;
  log: Logger;
  database: Database;
  store: EventStore;
  engine: ProjectionEngine;
  close(): Promise<void>;
}

export async function openDatabase(config: Config): Promise<Database> {
  return config.DATABASE_URL ? openPostgres(config.DATABASE_URL) : openPglite(config.DATA_DIR);
}

export async function openHearth(config: Config, log: Logger, options: { database?: Database } = {}): Promise<Hearth> {
  const database = options.database ?? (await openDatabase(config));
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) log.info({ migrations: applied }, 'migrations applied');
    const raw = config.EVENTSTOREDB_URL
      ? new EventStoreDbEventStore(config.EVENTSTOREDB_URL)
      : new PostgresEventStore(database.db, database.kind, config.PROJECTION_POLL_MS);
    const store = new CheckedEventStore(raw, eventRegistry);
    const engine = new ProjectionEngine(database.db, store, projections, log, {
      batchSize: config.PROJECTION_BATCH_SIZE,
      pollMs: config.PROJECTION_POLL_MS,
    });
    await engine.register();
    return {
      config,
      log,
      database,
      store,
      engine,
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
