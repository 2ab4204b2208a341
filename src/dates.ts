// Calendar dates as the ledger writes them: ISO 8601 (YYYY-MM-DD), in UTC.

/** The date n days before today. */
export const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

export const today = () => daysAgo(0);

/** The date n days after (or, for negative n, before) an ISO date. */
export const addDays = (iso: string, n: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** Whole days from one ISO date to another (negative when `to` comes first). */
export const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
