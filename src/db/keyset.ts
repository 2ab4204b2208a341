// Keyset paging: a page starts after the sort key of the previous page's last row, and is read
// with one row more than asked, which only says whether there is a next page. Never OFFSET, which
// reads and throws away every row before the page.
import { sql, type Expression, type SelectQueryBuilder } from 'kysely';

/** Where a page ends: the values of its sort key, in the order of the list's ORDER BY. */
export type Key = readonly (string | number)[];
export interface Page<K extends Key = Key> {
  limit: number;
  after?: K;
}
export interface Paged<T, K extends Key = Key> {
  items: T[];
  next: K | null;
}

/** Every row, for what must stay whole (an export, a download): one page without a bound. */
export const whole: { readonly limit: number } = { limit: Number.MAX_SAFE_INTEGER - 1 };

/**
 * Orders the query by `columns` (every one the same way, the last unique, none null: coalesce
 * one that may be), starts it after `page.after` by comparing the row of them, and asks for
 * limit + 1 rows.
 */
export function keyset<QB extends SelectQueryBuilder<any, any, any>>(query: QB, columns: ReadonlyArray<string | Expression<unknown>>, direction: 'asc' | 'desc', page: Page): QB {
  const exprs = columns.map((c) => (typeof c === 'string' ? sql.ref(c) : c));
  const refs = sql.join(exprs);
  let q = query;
  for (const e of exprs) q = q.orderBy(e, direction) as QB;
  if (page.after) q = q.where(sql<boolean>`(${refs}) ${sql.raw(direction === 'asc' ? '>' : '<')} (${sql.join(page.after.map((v) => sql`${v}`))})`) as QB;
  return q.limit(page.limit + 1) as QB;
}

/** The page of rows read by `keyset`, and the key of its last row when there is more. */
export function pageFrom<R, K extends Key>(rows: R[], limit: number, keyOf: (row: R) => K): Paged<R, K> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last !== undefined ? keyOf(last) : null };
}

/** The same page with its rows turned into what the list shows. */
export const mapPage = <R, T, K extends Key>(page: Paged<R, K>, map: (row: R) => T): Paged<T, K> => ({ items: page.items.map(map), next: page.next });
