// A projection writes a batch of rows in one statement: the rows go to PostgreSQL as one JSON
// array, unpacked by json_to_recordset. That needs each column's type as well as its name, so a
// read table is described once here (its columns, their types, its key) and every statement that
// writes it is built from that description.
import { sql, type Kysely } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Tables } from '../db/tables.ts';

/** The PostgreSQL types read tables use, as json_to_recordset must be told them. */
export type ColumnType = 'uuid' | 'text' | 'integer' | 'bigint' | 'boolean' | 'jsonb' | 'text[]' | 'timestamptz' | 'date';

type Column<T extends keyof Tables> = keyof Tables[T] & string;

/** A batch of rows for a table: each row names the columns it writes, every row the same ones. */
export type Rows<T extends keyof Tables> = ReadonlyArray<Partial<Record<Column<T>, unknown>>>;

export interface ReadTable<T extends keyof Tables> {
  /** Inserts the rows; a row whose key is there already is an error. */
  insert(db: Db, rows: Rows<T>): Promise<void>;
  /** Inserts the rows whose key is not there yet, and leaves those that are: rows an event always writes the same way. */
  insertNew(db: Db, rows: Rows<T>): Promise<void>;
  /**
   * Inserts the rows, and where a row's key is there already sets each other column the rows
   * write to the new value; or adds the new value to it (`add`), or leaves it as it was (`keep`:
   * a column a new row needs, such as a starting balance, but an update must not touch).
   */
  upsert(db: Db, rows: Rows<T>, how?: { add?: ReadonlyArray<Column<T>>; keep?: ReadonlyArray<Column<T>> }): Promise<void>;
}

export function readTable<T extends keyof Tables>(table: T, columns: { [C in Column<T>]?: ColumnType }, key: ReadonlyArray<Column<T>>): ReadTable<T> {
  const written = (rows: Rows<T>) => {
    const names = Object.keys(rows[0] ?? {}) as Column<T>[];
    for (const name of names) if (!columns[name]) throw new Error(`${table} has no column ${name} described`);
    return names;
  };
  // Built with the query builder, not raw SQL, so that a rebuild's withSchema sends it to the scratch tables.
  const insert = (db: Kysely<any>, rows: Rows<T>, names: Column<T>[]) =>
    db
      .insertInto(table as string)
      .columns(names)
      .expression(
        sql`SELECT ${sql.join(names.map((n) => sql.id('x', n)))}
              FROM json_to_recordset(${JSON.stringify(rows)}::json) AS x(${sql.join(names.map((n) => sql`${sql.id(n)} ${sql.raw(columns[n]!)}`))})`,
      );
  return {
    async insert(db, rows) {
      if (rows.length === 0) return;
      await insert(db, rows, written(rows)).execute();
    },
    async insertNew(db, rows) {
      if (rows.length === 0) return;
      await insert(db, rows, written(rows))
        .onConflict((oc) => oc.columns(key).doNothing())
        .execute();
    },
    async upsert(db, rows, how = {}) {
      if (rows.length === 0) return;
      const names = written(rows);
      const set = Object.fromEntries(
        names
          .filter((n) => !key.includes(n) && !how.keep?.includes(n))
          // The row already there is named by the bare table name, in a rebuild's scratch schema too.
          .map((n) => [n, how.add?.includes(n) ? sql`${sql.id(table, n)} + excluded.${sql.id(n)}` : sql`excluded.${sql.id(n)}`]),
      );
      await insert(db, rows, names)
        .onConflict((oc) => (Object.keys(set).length === 0 ? oc.columns(key).doNothing() : oc.columns(key).doUpdateSet(set)))
        .execute();
    },
  };
}
