// Compares a live projection table with its rebuild, row for row: EXCEPT ALL both ways, so a row
// held twice counts twice (every column's type needs an equality: jsonb, not json). Read tables
// hold personal data, such as people's names, so a difference is told by counts, rows' keys and
// the names of the columns that differ, never by other values.
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

export interface TableDifference {
  table: string;
  /** Rows the live table holds that the rebuild does not. */
  onlyLive: number;
  /** Rows the rebuild holds that the live table does not. */
  onlyRebuilt: number;
  /** A few of those rows by primary key: in which table the key is, and, when in both, which columns differ. */
  examples: Array<{ key: Record<string, string>; in: 'live' | 'rebuilt' | 'both'; columns: string[] }>;
}

const EXAMPLES = 3;

/** Undefined when public.`table` and `scratch`.`table` hold the same rows. */
export async function compareTable(db: Db, table: string, scratch: string): Promise<TableDifference | undefined> {
  const live = sql.id('public', table);
  const rebuilt = sql.id(scratch, table);
  const diff = sql`
    only_live AS (SELECT * FROM ${live} EXCEPT ALL SELECT * FROM ${rebuilt}),
    only_rebuilt AS (SELECT * FROM ${rebuilt} EXCEPT ALL SELECT * FROM ${live})`;
  const counts = await sql<{ only_live: number; only_rebuilt: number }>`
    WITH ${diff} SELECT (SELECT count(*) FROM only_live)::integer AS only_live, (SELECT count(*) FROM only_rebuilt)::integer AS only_rebuilt`.execute(db);
  const { only_live: onlyLive, only_rebuilt: onlyRebuilt } = counts.rows[0]!;
  if (onlyLive === 0 && onlyRebuilt === 0) return undefined;

  const { key, columns } = await shape(db, table);
  if (key.length === 0) return { table, onlyLive, onlyRebuilt, examples: [] };
  const keys = sql.join(key.map((k) => sql.id(k)));
  const on = (alias: string) => sql.join(key.map((k) => sql`${sql.id(alias, k)} = ${sql.id('k', k)}`), sql` AND `);
  const { rows } = await sql<{ key: Record<string, string>; in_live: boolean; in_rebuilt: boolean; columns: string[] }>`
    WITH ${diff},
    k AS (SELECT ${keys} FROM only_live UNION SELECT ${keys} FROM only_rebuilt ORDER BY ${keys} LIMIT ${EXAMPLES})
    SELECT jsonb_build_object(${sql.join(key.map((k) => sql`${k}::text, ${sql.id('k', k)}::text`))}) AS key,
           ${sql.id('l', key[0]!)} IS NOT NULL AS in_live, ${sql.id('r', key[0]!)} IS NOT NULL AS in_rebuilt,
           array_remove(ARRAY[${sql.join(columns.map((c) => sql`CASE WHEN ${sql.id('l', c)} IS DISTINCT FROM ${sql.id('r', c)} THEN ${c}::text END`))}], NULL) AS columns
      FROM k LEFT JOIN ${live} l ON ${on('l')} LEFT JOIN ${rebuilt} r ON ${on('r')}
     ORDER BY ${sql.join(key.map((k) => sql.id('k', k)))}`.execute(db);
  return {
    table,
    onlyLive,
    onlyRebuilt,
    examples: rows.map((r) => ({ key: r.key, in: r.in_live && r.in_rebuilt ? 'both' : r.in_live ? 'live' : 'rebuilt', columns: r.in_live && r.in_rebuilt ? r.columns : [] })),
  };
}

/** The live table's columns, in order, and its primary key's. */
async function shape(db: Db, table: string): Promise<{ key: string[]; columns: string[] }> {
  const { rows } = await sql<{ name: string; key_order: number | null }>`
    SELECT a.attname AS name, array_position(i.indkey::int2[], a.attnum) AS key_order
      FROM pg_attribute a
      LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
     WHERE a.attrelid = format('%I.%I', 'public', ${table}::text)::regclass AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum`.execute(db);
  return {
    key: rows.filter((r) => r.key_order !== null).sort((a, b) => a.key_order! - b.key_order!).map((r) => r.name),
    columns: rows.map((r) => r.name),
  };
}

/**
 * The events a projection set aside, live and rebuilt, by scope, position and type (not when, nor
 * the wording of the error); undefined when both set aside the same. The scratch schema's record
 * holds this projection's rows only.
 */
export async function compareParked(db: Db, projection: string, scratch: string): Promise<TableDifference | undefined> {
  const live = sql`SELECT scope, position, event_type FROM public.projection_parked WHERE projection = ${projection}`;
  const rebuilt = sql`SELECT scope, position, event_type FROM ${sql.id(scratch, 'projection_parked')}`;
  const { rows } = await sql<{ position: number; in_live: boolean }>`
    SELECT position, true AS in_live FROM (${live} EXCEPT ALL ${rebuilt}) l
    UNION ALL
    SELECT position, false AS in_live FROM (${rebuilt} EXCEPT ALL ${live}) r
    ORDER BY position`.execute(db);
  if (rows.length === 0) return undefined;
  return {
    table: 'projection_parked',
    onlyLive: rows.filter((r) => r.in_live).length,
    onlyRebuilt: rows.filter((r) => !r.in_live).length,
    examples: rows.slice(0, EXAMPLES).map((r) => ({ key: { projection, position: String(r.position) }, in: r.in_live ? 'live' : 'rebuilt', columns: [] })),
  };
}
