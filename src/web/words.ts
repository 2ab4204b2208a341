// Figures as people say them: "1 hour 30 minutes", "2 December 2026". Money is said by the
// pools' formatPence: "£1,234.50".

/** "1 session", "3 sessions". */
export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A length of time in words; negative amounts are said without the sign, the page says which way. */
export function hoursAndMinutes(minutes: number): string {
  const m = Math.abs(minutes);
  const hours = Math.floor(m / 60);
  const rest = m % 60;
  if (hours === 0) return plural(rest, 'minute');
  return rest === 0 ? plural(hours, 'hour') : `${plural(hours, 'hour')} ${plural(rest, 'minute')}`;
}

const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** 2026-12-02 as 2 December 2026. */
export function longDate(iso: string): string {
  const [year, month, day] = iso.slice(0, 10).split('-').map(Number);
  return `${day} ${months[month! - 1]} ${year}`;
}

// People here read clocks in UK time, summer or winter.
const clock = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: 'numeric', minute: '2-digit', hour12: true });
const calendar = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });

/** An instant as a UK clock and calendar showed it: 2026-12-02T15:45:00Z as "3:45pm on 2 December 2026". */
export function ukTime(iso: string): string {
  const at = new Date(iso);
  const parts = Object.fromEntries(clock.formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.hour}:${parts.minute}${(parts.dayPeriod ?? '').toLowerCase()} on ${longDate(calendar.format(at))}`;
}
