// What Hearth keeps in its database, read from PostgreSQL's catalog rather than listed by hand, so
// that a table a migration adds is backed up without anyone remembering to add it here.
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

export interface CatalogTable {
  name: string;
  columns: Array<{ name: string; type: string }>;
}

/**
 * Not backed up: the migrations' own bookkeeping (a restore runs the migrations the file names
 * instead), and projection leases, which belong to the processes running now, not to the ledger.
 */
const notKept = new Set(['kysely_migration', 'kysely_migration_lock', 'projection_leases']);

/**
 * The tables of Hearth's schema in an order they can be loaded in (a table after those its
 * foreign keys name), each with the columns a row is written with: generated columns are left
 * out, since the database makes them again.
 */
export async function catalogTables(db: Db): Promise<CatalogTable[]> {
  const { rows } = await sql<{ table: string; column: string; type: string }>`
    SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type
      FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
     WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND c.relkind IN ('r', 'p')
       AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
     ORDER BY c.relname, a.attnum`.execute(db);
  const { rows: references } = await sql<{ child: string; parent: string }>`
    SELECT child.relname AS child, parent.relname AS parent
      FROM pg_constraint k JOIN pg_class child ON child.oid = k.conrelid JOIN pg_class parent ON parent.oid = k.confrelid
     WHERE k.contype = 'f' AND child.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND k.conrelid <> k.confrelid`.execute(db);
  const tables = new Map<string, CatalogTable>();
  for (const row of rows) {
    if (notKept.has(row.table)) continue;
    const table = tables.get(row.table) ?? { name: row.table, columns: [] };
    table.columns.push({ name: row.column, type: row.type });
    tables.set(row.table, table);
  }
  const ordered: CatalogTable[] = [];
  const placed = new Set<string>();
  const place = (name: string, path: Set<string>) => {
    if (placed.has(name) || path.has(name) || !tables.has(name)) return;
    path.add(name);
    for (const r of references) if (r.child === name) place(r.parent, path);
    placed.add(name);
    ordered.push(tables.get(name)!);
  };
  for (const name of tables.keys()) place(name, new Set());
  return ordered;
}

/** Sequences in Hearth's schema and where each stands (none today: positions are numbered by the append itself). */
export async function sequences(db: Db): Promise<Array<{ name: string; value: string | null }>> {
  const { rows } = await sql<{ name: string; value: string | null }>`
    SELECT sequencename AS name, last_value::text AS value FROM pg_sequences WHERE schemaname = current_schema() ORDER BY sequencename`.execute(db);
  return rows;
}

/**
 * Values travel as their text forms, which PostgreSQL reads back exactly (jsonb as it was
 * stored, timestamps to the microsecond, floats to the last digit) under the same settings on
 * both sides. Set inside the transaction that reads or writes the rows.
 */
export async function exactTextSettings(db: Db): Promise<void> {
  await sql`SET LOCAL DateStyle = 'ISO, YMD'`.execute(db);
  await sql`SET LOCAL TimeZone = 'UTC'`.execute(db);
  await sql`SET LOCAL IntervalStyle = 'postgres'`.execute(db);
  await sql`SET LOCAL extra_float_digits = 3`.execute(db);
  await sql`SET LOCAL bytea_output = 'hex'`.execute(db);
}

/** The events table's lock (migrations/0001): whoever numbers events waits while a restore holds it. */
export const APPEND_LOCK = 4841736105;
