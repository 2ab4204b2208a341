// A backup of everything Hearth keeps in its database (the events with their positions, hashes
// and metadata, every read table, the checkpoints, and the vault's wrapped keys) taken in one
// snapshot, so that the tables agree with the events and with each other. On PostgreSQL that is
// a REPEATABLE READ, read-only transaction; PGlite's single connection gives the same.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { Database, Db } from '../db/database.ts';
import { appliedMigrations } from '../db/migrate.ts';
import { catalogTables, exactTextSettings, sequences, type CatalogTable } from './catalog.ts';
import { BackupRefused, FORMAT, FORMAT_VERSION, writeBackupFile, type BackupTable } from './file.ts';

/** Told as rows are written or loaded: rows done so far, out of the total when it is known. */
export type OnProgress = (done: number, total?: number) => void;

export interface BackupSummary {
  file: string;
  bytes: number;
  createdAt: string;
  /** The global position of the newest event backed up. */
  head: number;
  tables: Array<{ name: string; rows: number }>;
  migrations: string[];
}

export const hearthVersion: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const FETCH_ROWS = 1000;

/** Events in the order they were numbered, so that each chains to one already loaded when restored. */
const orderedBy: Record<string, string> = { events: 'global_position' };

export async function backup(database: Database, secret: Buffer, file: string, options: { onProgress?: OnProgress } = {}): Promise<BackupSummary> {
  return database.db.transaction().execute(async (trx) => {
    await sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`.execute(trx);
    await exactTextSettings(trx);
    const migrations = await appliedMigrations(trx);
    if (migrations.length === 0) throw new BackupRefused('this database holds nothing of Hearth’s: is DATABASE_URL or DATA_DIR the right one?');
    const catalog = await catalogTables(trx);
    const tables: BackupTable[] = [];
    for (const table of catalog) {
      const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(table.name)}`.execute(trx);
      tables.push({ name: table.name, columns: table.columns.map((c) => c.name), rows: Number(rows[0]!.n) });
    }
    const { rows: head } = await sql<{ head: string }>`SELECT coalesce(max(global_position), 0)::text AS head FROM events`.execute(trx);
    const header = {
      format: FORMAT,
      version: FORMAT_VERSION,
      hearth: hearthVersion,
      createdAt: new Date().toISOString(),
      store: database.kind,
      head: Number(head[0]!.head),
      migrations,
      tables,
      sequences: await sequences(trx),
    } as const;
    const total = tables.reduce((sum, t) => sum + t.rows, 0);
    let done = 0;
    async function* rows(): AsyncGenerator<string[]> {
      for (const table of catalog) {
        for await (const lines of rowsOf(trx, table)) {
          done += lines.length;
          options.onProgress?.(done, total);
          yield lines;
        }
      }
    }
    const bytes = await writeBackupFile(file, header, rows(), secret);
    return { file, bytes, createdAt: header.createdAt, head: header.head, tables: tables.map(({ name, rows }) => ({ name, rows })), migrations: header.migrations };
  });
}

/** A table's rows through a cursor, a thousand at a time, each as a JSON array of its columns' text. */
async function* rowsOf(trx: Db, table: CatalogTable): AsyncGenerator<string[]> {
  const columns = sql.join(table.columns.map((c) => sql`${sql.ref(c.name)}::text`));
  const order = orderedBy[table.name] ? sql`ORDER BY ${sql.ref(orderedBy[table.name]!)}` : sql``;
  await sql`DECLARE hearth_backup NO SCROLL CURSOR FOR SELECT to_json(ARRAY[${columns}])::text AS r FROM ${sql.table(table.name)} ${order}`.execute(trx);
  try {
    for (;;) {
      const { rows } = await sql<{ r: string }>`FETCH FORWARD ${sql.raw(String(FETCH_ROWS))} FROM hearth_backup`.execute(trx);
      if (rows.length > 0) yield rows.map((row) => row.r);
      if (rows.length < FETCH_ROWS) break;
    }
  } finally {
    await sql`CLOSE hearth_backup`.execute(trx);
  }
}
