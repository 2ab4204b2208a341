// Calendar dates as the ledger writes them: ISO 8601 (YYYY-MM-DD), in UTC.
//
// Arithmetic stays on the four-digit calendar, 0000-01-01 to 9999-12-31: a step past either end
// stops at it, so that what comes out is always a date that sorts, compares and prints like the
// others (JavaScript would write the year 10000 as "+010000", and throw past ±275,000 years).
// Inputs are held to a far narrower window where they are read; this only keeps a bad one from
// crashing the arithmetic before it is refused.

const DAY = 86_400_000;
const FIRST = Date.parse('0000-01-01T00:00:00Z');
const LAST = Date.parse('9999-12-31T00:00:00Z');

/** Milliseconds at the start of an ISO date, or NaN when it is not one. */
const startOf = (iso: string) => (/^\d{4}-\d{2}-\d{2}$/.test(iso) ? Date.parse(`${iso}T00:00:00Z`) : Number.NaN);

const onCalendar = (ms: number) => new Date(Math.min(LAST, Math.max(FIRST, ms))).toISOString().slice(0, 10);

function dateOf(iso: string): number {
  const ms = startOf(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO date (YYYY-MM-DD): ${JSON.stringify(iso.slice(0, 40))}`);
  return ms;
}

/** The date n days before today. */
export const daysAgo = (n: number) => onCalendar(Date.now() - n * DAY);

export const today = () => daysAgo(0);

/** The date n days after (or, for negative n, before) an ISO date. */
export const addDays = (iso: string, n: number) => onCalendar(dateOf(iso) + n * DAY);

/** Whole days from one ISO date to another (negative when `to` comes first). */
export const daysBetween = (from: string, to: string) => Math.round((dateOf(to) - dateOf(from)) / DAY);

/** The month (YYYY-MM) n months after (or, for negative n, before) the month of an ISO date or month. */
export function addMonths(isoDateOrMonth: string, n: number): string {
  const year = Number(isoDateOrMonth.slice(0, 4));
  const month = Number(isoDateOrMonth.slice(5, 7));
  if (!/^\d{4}-\d{2}/.test(isoDateOrMonth) || month < 1 || month > 12) throw new RangeError(`not an ISO month (YYYY-MM): ${JSON.stringify(isoDateOrMonth.slice(0, 40))}`);
  const index = Math.min(9999 * 12 + 11, Math.max(0, year * 12 + month - 1 + n));
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}
