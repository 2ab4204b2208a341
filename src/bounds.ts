// The bounds of every input, in one place. A value that passes these schemas can be recorded,
// projected into a read table and shown on a page: PostgreSQL refuses a NUL in text, a lone
// surrogate cannot be encoded as UTF-8, and a date like 0000-01-01 or 9999-12-31 is a typing
// slip that would otherwise sit in the ledger for ever. Text over its limit is refused, never cut.
import { z } from 'zod';

/** The earliest date Hearth accepts anywhere: older than anyone it will record. */
export const EARLIEST_DATE = '1900-01-01';
/** The latest date Hearth accepts anywhere: further than any expiry, rule or plan it will hold. */
export const LATEST_DATE = '2100-12-31';

const NUL = /\u0000/;
// In a `u` pattern a well-formed pair is one code point, so only a surrogate left alone matches.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
// C0 and C1 controls, DEL included; tab, line feed and carriage return are judged apart.
const CONTROL = /[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const LINE_BREAK_OR_TAB = /[\t\n\r]/;
// Characters that change the direction text is shown in, or show nothing at all: in a name they
// let one person pass for another ("Eve" and "Eve\u200B" look alike; an override reverses what follows).
const BIDI_OR_INVISIBLE = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\u200B-\u200D\u2060\uFEFF]/;

export interface TextOptions {
  /** The fewest characters, after trimming; 1 unless said. 0 lets the text be left empty. */
  min?: number;
  /** Whether the text may run over several lines (and hold tabs): descriptions, reasons, messages. */
  lines?: boolean;
}

function plain(value: string, lines: boolean): string | undefined {
  if (NUL.test(value)) return 'must not contain a NUL character (U+0000)';
  if (LONE_SURROGATE.test(value)) return 'must not contain a broken character (a lone UTF-16 surrogate)';
  if (CONTROL.test(value)) return 'must not contain control characters';
  if (!lines && LINE_BREAK_OR_TAB.test(value)) return 'must be on one line, without tabs';
  return undefined;
}

/** Free text of at most `max` characters, trimmed, without NUL, lone surrogates or control characters. */
export function text(max: number, options: TextOptions = {}) {
  const min = options.min ?? 1;
  const lines = options.lines ?? false;
  return z
    .string()
    .trim()
    .min(min, min === 1 ? 'must not be empty' : `must be at least ${min} characters`)
    .max(max, `must be at most ${max} characters`)
    .superRefine((value, ctx) => {
      const problem = plain(value, lines);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
    });
}

/**
 * What names something or someone: a person, a network, a payee, a category, an occasion, a
 * reference. One line, and nothing invisible or direction-changing, so what is shown is what is held.
 */
export function name(max: number, options: Pick<TextOptions, 'min'> = {}) {
  return text(max, { min: options.min }).refine((value) => !BIDI_OR_INVISIBLE.test(value), {
    message: 'must not contain invisible or direction-changing characters',
  });
}

/** Why something was done: up to 500 characters, over several lines if need be. */
export function reasonText() {
  return text(500, { lines: true });
}

const windowMessage = `must be a date from ${EARLIEST_DATE} to ${LATEST_DATE}`;
const inWindow = (date: string) => date >= EARLIEST_DATE && date <= LATEST_DATE;

/** A calendar date, YYYY-MM-DD, inside Hearth's window. */
export function isoDate() {
  return z.iso.date().refine(inWindow, { message: windowMessage });
}

/** A moment, ISO 8601 with a time and zone, whose date lies inside Hearth's window. */
export function isoDateTime() {
  return z.iso.datetime().refine((value) => inWindow(value.slice(0, 10)), { message: windowMessage });
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const MAX_UUID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

/** An id: a UUID that names something, so neither the nil nor the max UUID. */
export function id() {
  return z.uuid().refine((value) => value !== NIL_UUID && value.toLowerCase() !== MAX_UUID, {
    message: 'must be the id of something, not the nil or max UUID',
  });
}

/** Why a step of a process was refused, as the process records it: the problem's type and its words. */
export const refusalFields = { problem: z.string().min(1).max(100), detail: z.string().min(1).max(500) };
