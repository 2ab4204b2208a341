// Calendar dates as the ledger writes them: ISO 8601 (YYYY-MM-DD), in UTC.

/** The date n days before today. */
export const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

export const today = () => daysAgo(0);
