// The one clock. A command's time comes from here through its context, so tests can set it.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands where it is set: for tests. */
export function fixedClock(at: string | Date): Clock & { set(at: string | Date): void } {
  let current = new Date(at);
  return { now: () => new Date(current), set: (next) => (current = new Date(next)) };
}

/** The clock's instant, ISO 8601 UTC. */
export const isoNow = (clock: Clock) => clock.now().toISOString();
/** The clock's calendar date, YYYY-MM-DD in UTC. */
export const todayOn = (clock: Clock) => isoNow(clock).slice(0, 10);
