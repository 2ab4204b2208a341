// Learning vouchers as the pages say them: what a voucher is for, what is left of it, and when a
// session was, in the words a family member or a mentor would use. Times are said as they are in
// the UK; the ledger keeps them as instants.
import type { Money } from './vouchers-types.ts';
import type { VoucherValue } from '../vouchers/voucher.ts';
import { formatPence } from '../units.ts';
import { plural } from './words.ts';

const LONDON = 'Europe/London';

/** "6 sessions of Computer skills at £15.00 each", or "£50.00 to spend on learning". */
export function valueWords(value: VoucherValue): string {
  return value.kind === 'sessions' ? `${plural(value.sessions, 'session')} of ${value.activity} at ${formatPence(value.pencePerSession)} each` : `${formatPence(value.pence)} to spend on learning`;
}

/** A short name for a voucher in a list or a choice. */
export function shortValue(value: VoucherValue): string {
  return value.kind === 'sessions' ? `${plural(value.sessions, 'session')} of ${value.activity}` : `${formatPence(value.pence)} for learning`;
}

/** What is left: "4 of 6 sessions left (£60.00)", or "£30.00 of £50.00 left". */
export function leftWords(value: VoucherValue, left: Money, leftSessions: number | null): string {
  if (value.kind === 'sessions') return `${leftSessions ?? 0} of ${plural(value.sessions, 'session')} left (${left.pounds})`;
  return `${left.pounds} of ${formatPence(value.pence)} left`;
}

/** The UK's offset from UTC at an instant, in milliseconds. */
function offsetAt(ms: number): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: LONDON, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - (ms - (ms % 1000));
}

/** A day and a time on a UK clock, as the instant it was. */
export function ukInstant(date: string, hours: number, minutes: number): string {
  const [year, month, day] = date.split('-').map(Number);
  const wall = Date.UTC(year!, month! - 1, day!, hours, minutes);
  // The offset is that of the instant itself, which can differ from the wall time's on the night the clocks change.
  const first = wall - offsetAt(wall);
  return new Date(wall - offsetAt(first)).toISOString();
}

/** A time typed as people write it: 14:30, 2.30pm, 9am, 10. Undefined when it is not a time. */
export function readClock(text: string): { hours: number; minutes: number } | undefined {
  const match = /^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$/i.exec(text.trim().replace(/\s+/g, ' '));
  if (!match) return undefined;
  let hours = Number(match[1]);
  const minutes = Number(match[2] ?? 0);
  const half = match[3]?.toLowerCase();
  if (minutes > 59) return undefined;
  if (half) {
    if (hours < 1 || hours > 12) return undefined;
    hours = (hours % 12) + (half === 'pm' ? 12 : 0);
  } else if (hours > 23) return undefined;
  return { hours, minutes };
}
