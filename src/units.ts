// Hearth's units, in one place: time in whole minutes, money in whole pence, never floating
// point. The API's schemas, the pages and the command line parse and show them from here.
import { z } from 'zod';
import { Rejection } from './commands/decider.ts';

/**
 * Ceilings. No single amount is larger than these: a million minutes is nearly two years of
 * time without a break, and £1m is more than any pool, voucher or share Hearth is for. They keep
 * every amount inside the read tables' columns (minutes are 32-bit integers there) and every sum
 * of them far under 2^53, where JavaScript numbers stop being exact.
 */
export const MAX_MINUTES = 1_000_000;
export const MAX_PENCE = 100_000_000;
/**
 * The most a balance may be set to run to, either way: a time bank's limits. A balance stays
 * between its limits, so it fits a 32-bit column with room to spare.
 */
export const MAX_BALANCE_MINUTES = 100 * MAX_MINUTES;
/** A lower balance limit: not above zero, and not below -MAX_BALANCE_MINUTES. */
export const lowerLimitMinutes = z.number().int('must be whole minutes').max(0, 'must not be above zero').min(-MAX_BALANCE_MINUTES, `must be at least -${MAX_BALANCE_MINUTES} minutes`);
/** An upper balance limit: not below zero, and not above MAX_BALANCE_MINUTES. */
export const upperLimitMinutes = z.number().int('must be whole minutes').min(0, 'must not be below zero').max(MAX_BALANCE_MINUTES, `must be at most ${MAX_BALANCE_MINUTES} minutes`);
/**
 * The most any sum of pence may reach and still be exact as a JavaScript number. Sums that can
 * grow without end (a register's income over the years) are kept as bigint or checked against this.
 */
export const MAX_BALANCE_PENCE = Number.MAX_SAFE_INTEGER;

/** A length of time given or received: whole minutes, more than zero, at most MAX_MINUTES. */
export const minutes = z.number().int('must be whole minutes').positive('must be more than zero').max(MAX_MINUTES, `must be at most ${MAX_MINUTES} minutes`);
/** A correction of time: whole minutes, either way, at most MAX_MINUTES. */
export const signedMinutes = z.number().int('must be whole minutes').min(-MAX_MINUTES, `must be at least -${MAX_MINUTES} minutes`).max(MAX_MINUTES, `must be at most ${MAX_MINUTES} minutes`);
/** An amount of money: whole pence, more than zero, at most MAX_PENCE (£1m). */
export const pence = z.number().int('must be whole pence').positive('must be more than zero').max(MAX_PENCE, 'must be at most £1,000,000');
/** An amount of money that may be nothing: whole pence, not negative, at most MAX_PENCE. */
export const wholePence = z.number().int('must be whole pence').min(0, 'must not be negative').max(MAX_PENCE, 'must be at most £1,000,000');
/** A correction of money: whole pence, either way, at most MAX_PENCE. */
export const signedPence = z.number().int('must be whole pence').min(-MAX_PENCE, 'must be at least -£1,000,000').max(MAX_PENCE, 'must be at most £1,000,000');

/** Minutes as h:mm, with a sign when negative. */
export function formatMinutes(value: number): string {
  const sign = value < 0 ? '-' : '';
  const m = Math.abs(value);
  return `${sign}${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`;
}

/**
 * Minutes from "90", "1:30" or "1.5h", as people write a length of time; undefined when it is
 * not one. People think of care in hours, the ledger keeps minutes.
 */
export function parseMinutes(text: string): number | undefined {
  const trimmed = text.trim();
  const hm = /^(\d+):([0-5]\d)$/.exec(trimmed);
  if (hm) return Number(hm[1]) * 60 + Number(hm[2]);
  const hours = /^(\d+)(?:\.(\d{1,2}))?h$/.exec(trimmed);
  if (hours) return Number(hours[1]) * 60 + Math.round((Number((hours[2] ?? '').padEnd(2, '0')) * 60) / 100);
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  return undefined;
}

/** Pence as pounds: £1,234.05, with a sign when negative. */
export function formatPence(amount: number): string {
  const sign = amount < 0 ? '-' : '';
  const p = Math.abs(amount);
  return `${sign}£${Math.floor(p / 100).toLocaleString('en-GB')}.${String(p % 100).padStart(2, '0')}`;
}

/** Pence as pounds, without the pence when there are none: £1,200, but £12.50. */
export const formatPounds = (amount: number): string => (amount % 100 === 0 ? formatPence(amount).slice(0, -3) : formatPence(amount));

/** Pence from pounds as people write them (12.50, £1,234.05, 7), never through floating point; undefined when it is not an amount. */
export function poundsToPence(text: string): number | undefined {
  const match = /^(-?)£?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) return undefined;
  const amount = Number(match[2]!.replace(/,/g, '')) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] ? -amount : amount;
}

/** An amount both ways, as the API answers it. */
export const asMoney = (amount: number) => ({ pence: amount, pounds: formatPence(amount) });

/**
 * A whole number read back from the database (int8 comes as text) as a number, exactly: beyond
 * 2^53 − 1 a number can no longer hold every whole value, and a figure that has grown that far
 * (a sum, most likely) is refused with a problem the reader can act on rather than shown wrong.
 */
export function exactWhole(text: string | bigint): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    throw new Rejection('figure-beyond-exact-range', 'A figure here has grown beyond what can be shown exactly (more than 9,007,199,254,740,991); a coordinator can put it right with a correcting entry.', 422);
  }
  return n;
}
