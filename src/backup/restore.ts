// Restoring a backup into a database that holds no events: the file is read through once to
// check it whole before anything is written, the database is brought to the migrations the file
// names, and then every table is loaded in one transaction, which either restores everything or
// nothing. Events go in through the hash-chain trigger like any other insert, so each hash is
// made again by the database and must come out byte for byte as the file holds it.
import { sql } from 'kysely';
import type { Database, Db } from '../db/database.ts';
import { appliedMigrations, knownMigrations, migrateToLatest, migrateUpTo, tableExists } from '../db/migrate.ts';
import { APPEND_LOCK, catalogTables, exactTextSettings, type CatalogTable } from './catalog.ts';
import { BackupRefused, openBackup, readRows, type BackupTable, type Header, type OpenedBackup } from './file.ts';
import type { OnProgress } from './backup.ts';

export interface RestoreSummary {
  file: string;
  /** When the backup was taken, and by which version of Hearth. */
  createdAt: string;
  hearth: string;
  head: number;
  tables: Array<{ name: string; rows: number }>;
  /** Migrations this Hearth applied after loading: those it has that the backup's database had not. */
  migratedAfter: string[];
}

export async function restore(database: Database, secret: Buffer, file: string, options: { onProgress?: OnProgress } = {}): Promise<RestoreSummary> {
  const backup = await openBackup(file, secret);
  const { header } = backup;
  await refuseUnknownMigrations(header);
  await readThrough(backup);
  const { db } = database;
  await refuseUnlessEmpty(db, header);
  await migrateUpTo(db, header.migrations.at(-1)!);

  const total = header.tables.reduce((sum, t) => sum + t.rows, 0);
  let done = 0;
  await db.transaction().execute(async (trx) => {
    await exactTextSettings(trx);
    await sql`SELECT pg_advisory_xact_lock(${APPEND_LOCK})`.execute(trx);
    if (await holdsEvents(trx)) throw new BackupRefused('this database holds events now: nothing was restored');
    const tables = matchTables(await catalogTables(trx), header.tables);
    // Whatever a database with no events holds (the starting points of the projections, a stream
    // a refused command named) is replaced by the backup's.
    for (const table of [...tables.values()].reverse()) await sql`DELETE FROM ${sql.table(table.name)}`.execute(trx);
    for await (const { table, lines } of readRows(backup)) {
      await load(trx, tables.get(table.name)!, table, lines);
      done += lines.length;
      options.onProgress?.(done, total);
    }
    const { rows } = await sql<{ head: string }>`SELECT coalesce(max(global_position), 0)::text AS head FROM events`.execute(trx);
    if (Number(rows[0]!.head) !== header.head) throw new BackupRefused(`${file} is damaged: its events end at position ${rows[0]!.head}, not ${header.head} as its header says`);
    for (const { name, value } of header.sequences) if (value !== null) await sql`SELECT setval(${name}::regclass, ${value}::bigint)`.execute(trx);
  });
  const migratedAfter = await migrateToLatest(db);
  return { file, createdAt: header.createdAt, hearth: header.hearth, head: header.head, tables: header.tables.map(({ name, rows }) => ({ name, rows })), migratedAfter };
}

/** A backup from a newer Hearth holds tables this one cannot make: it is refused before it is read. */
async function refuseUnknownMigrations(header: Header): Promise<void> {
  const known = await knownMigrations();
  const unknown = header.migrations.filter((m) => !known.includes(m));
  if (unknown.length > 0) {
    throw new BackupRefused(`the backup was made by a newer Hearth (${header.hearth}), with migrations this one does not know (${unknown.join(', ')}): restore it with that version or a later one`);
  }
  if (header.migrations.some((m, i) => known[i] !== m)) {
    throw new BackupRefused(`the backup's migrations (${header.migrations.join(', ')}) are not those this Hearth applies, in the same order: restore it with the version that made it (${header.hearth})`);
  }
}

/** Reads the whole file, so that a damaged or altered one is refused before anything is written. */
async function readThrough(backup: OpenedBackup): Promise<void> {
  for await (const { table, lines } of readRows(backup)) {
    for (const line of lines) {
      const row = parsed(line);
      if (!Array.isArray(row) || row.length !== table.columns.length || row.some((v) => v !== null && typeof v !== 'string')) {
        throw new BackupRefused(`${backup.file} is damaged: a row of ${table.name} does not fit its columns`);
      }
    }
  }
}

function parsed(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

async function refuseUnlessEmpty(db: Db, header: Header): Promise<void> {
  const applied = await appliedMigrations(db);
  if (applied.some((m, i) => header.migrations[i] !== m)) {
    const beyond = applied.filter((m) => !header.migrations.includes(m));
    throw new BackupRefused(
      `this database has migrations the backup's had not${beyond.length ? ` (${beyond.join(', ')})` : ''}: restore into a new database, before Hearth has started on it, or with the Hearth version the backup was made with (${header.hearth})`,
    );
  }
  if (await holdsEvents(db)) {
    throw new BackupRefused('this database already holds events: a backup is restored only into a database without any (a new one), and nothing was written');
  }
}

async function holdsEvents(db: Db): Promise<boolean> {
  if (!(await tableExists(db, 'events'))) return false;
  const { rows: found } = await sql<{ any: boolean }>`SELECT EXISTS (SELECT 1 FROM events) AS any`.execute(db);
  return found[0]!.any;
}

/** The database's tables by name, once every table of the file is found there with the same columns. */
function matchTables(catalog: CatalogTable[], tables: BackupTable[]): Map<string, CatalogTable> {
  const byName = new Map(catalog.map((t) => [t.name, t]));
  for (const table of tables) {
    const found = byName.get(table.name);
    if (!found || found.columns.map((c) => c.name).join(',') !== table.columns.join(',')) {
      throw new BackupRefused(`the backup's table ${table.name} does not match this database's after its migrations: nothing was restored`);
    }
  }
  return new Map(catalog.filter((t) => tables.some((f) => f.name === t.name)).map((t) => [t.name, t]));
}

/**
 * One INSERT of a batch of rows, each value read back from its text by its column's type. The
 * events' hashes the chain trigger makes are compared with those in the file.
 */
async function load(trx: Db, target: CatalogTable, table: BackupTable, lines: string[]): Promise<void> {
  const columns = sql.join(target.columns.map((c) => sql.ref(c.name)));
  const values = sql.join(target.columns.map((c, i) => sql`(r->>${sql.lit(i)})::${sql.raw(c.type)}`));
  const insert = sql`INSERT INTO ${sql.table(table.name)} (${columns})
    SELECT ${values} FROM json_array_elements(${`[${lines.join(',')}]`}::json) WITH ORDINALITY AS s(r, n) ORDER BY n`;
  if (table.name !== 'events') {
    await insert.execute(trx);
    return;
  }
  const { rows } = await sql<{ position: string; hash: string }>`${insert} RETURNING global_position::text AS position, hash::text AS hash`.execute(trx);
  const made = new Map(rows.map((r) => [r.position, r.hash]));
  const position = table.columns.indexOf('global_position');
  const hash = table.columns.indexOf('hash');
  for (const line of lines) {
    const row = JSON.parse(line) as Array<string | null>;
    if (made.get(row[position]!) !== row[hash]) {
      throw new BackupRefused(`the event at position ${row[position]} does not chain to the hash the backup holds: the backup is damaged or was altered, and nothing was restored`);
    }
  }
}
