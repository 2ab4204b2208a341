// The bounds of every input, one by one: what each builder takes, what it refuses, and that a
// refusal says why in words a person can read.
import t from 'tap';
import { EARLIEST_DATE, LATEST_DATE, id, isoDate, isoDateTime, name, reasonText, text } from '../src/bounds.ts';
import { MAX_BALANCE_MINUTES, MAX_MINUTES, MAX_PENCE, lowerLimitMinutes, minutes, pence, signedMinutes, signedPence, upperLimitMinutes, wholePence } from '../src/units.ts';
import type { z } from 'zod';

/** The message a schema refuses a value with; undefined when it takes it. */
const refusal = (schema: z.ZodType, value: unknown) => {
  const parsed = schema.safeParse(value);
  return parsed.success ? undefined : parsed.error.issues[0]!.message;
};
const takes = (schema: z.ZodType, value: unknown) => schema.safeParse(value).data;

t.test('text refuses what PostgreSQL and UTF-8 cannot hold, and says so', async (t) => {
  const one = text(20);
  t.equal(takes(one, '  Weeding  '), 'Weeding', 'trimmed');
  t.match(refusal(one, 'Eve\u0000Null'), /NUL/);
  t.match(refusal(one, 'Eve\ud800'), /lone UTF-16 surrogate/, 'a high surrogate alone');
  t.match(refusal(one, '\udc00Eve'), /lone UTF-16 surrogate/, 'a low surrogate alone');
  t.match(refusal(one, 'Eve\udc00\ud800'), /lone UTF-16 surrogate/, 'two halves the wrong way round');
  t.equal(takes(one, 'Eve 🌻'), 'Eve 🌻', 'a pair of surrogates is one character');
  t.match(refusal(one, 'Eve\u001b[31m'), /control characters/, 'an escape');
  t.match(refusal(one, 'Eve\u007f'), /control characters/, 'DEL');
  t.match(refusal(one, 'Eve\u0085'), /control characters/, 'a C1 control');
  t.match(refusal(one, 'Ann\nAtkinson'), /one line/, 'one line unless lines are allowed');
  t.match(refusal(one, 'Ann\tAtkinson'), /one line, without tabs/);
  t.equal(takes(text(40, { lines: true }), 'Weeding\r\nand\tpruning'), 'Weeding\r\nand\tpruning', 'lines and tabs where allowed');
  t.match(refusal(text(40, { lines: true }), 'Weeding\u0000'), /NUL/, 'but never a NUL');
  t.match(refusal(text(40, { lines: true }), 'Weed\u000bing'), /control characters/, 'nor a vertical tab');
  t.equal(takes(text(40, { lines: true }), 'Weeding \u202e and \u200b'), 'Weeding \u202e and \u200b', 'free text is not a name: direction marks pass');
});

t.test('text over its limit is refused, not cut; empty only where allowed', async (t) => {
  t.equal(takes(text(5), 'abcde'), 'abcde');
  t.equal(refusal(text(5), 'abcdef'), 'must be at most 5 characters');
  t.equal(refusal(text(5), '   '), 'must not be empty', 'blank is empty once trimmed');
  t.equal(takes(text(5, { min: 0 }), ''), '');
  t.equal(refusal(text(5, { min: 3 }), 'ab'), 'must be at least 3 characters');
  t.equal(takes(reasonText(), 'x'.repeat(500)), 'x'.repeat(500));
  t.equal(refusal(reasonText(), 'x'.repeat(501)), 'must be at most 500 characters');
  t.equal(takes(reasonText(), 'Moved away.\nBalance kept.'), 'Moved away.\nBalance kept.', 'a reason may run over lines');
});

t.test('a name shows what it holds', async (t) => {
  const person = name(200);
  t.equal(takes(person, 'Siobhán Ó Ceallaigh'), 'Siobhán Ó Ceallaigh');
  t.equal(takes(person, 'محمد علي'), 'محمد علي', 'right-to-left letters are letters');
  for (const [label, char] of [
    ['LEFT-TO-RIGHT EMBEDDING', '\u202a'], ['RIGHT-TO-LEFT EMBEDDING', '\u202b'], ['POP DIRECTIONAL FORMATTING', '\u202c'],
    ['LEFT-TO-RIGHT OVERRIDE', '\u202d'], ['RIGHT-TO-LEFT OVERRIDE', '\u202e'], ['LEFT-TO-RIGHT ISOLATE', '\u2066'],
    ['RIGHT-TO-LEFT ISOLATE', '\u2067'], ['FIRST STRONG ISOLATE', '\u2068'], ['POP DIRECTIONAL ISOLATE', '\u2069'],
    ['LEFT-TO-RIGHT MARK', '\u200e'], ['RIGHT-TO-LEFT MARK', '\u200f'], ['ARABIC LETTER MARK', '\u061c'],
    ['ZERO WIDTH SPACE', '\u200b'], ['ZERO WIDTH NON-JOINER', '\u200c'], ['ZERO WIDTH JOINER', '\u200d'],
    ['WORD JOINER', '\u2060'], ['ZERO WIDTH NO-BREAK SPACE', '\ufeff'],
  ] as const) {
    t.equal(refusal(person, `Eve${char}Atkinson`), 'must not contain invisible or direction-changing characters', label);
  }
  t.match(refusal(person, 'Eve\u0000'), /NUL/, 'and everything text refuses');
  t.match(refusal(person, 'Ann\nAtkinson'), /one line/);
  t.equal(refusal(name(3), 'Anne'), 'must be at most 3 characters');
  t.equal(takes(name(140, { min: 0 }), ''), '', 'a reference that may be left out');
});

t.test('dates lie in the window', async (t) => {
  t.equal(EARLIEST_DATE, '1900-01-01');
  t.equal(LATEST_DATE, '2100-12-31');
  const date = isoDate();
  t.equal(takes(date, '1900-01-01'), '1900-01-01', 'the first day');
  t.equal(takes(date, '2100-12-31'), '2100-12-31', 'the last day');
  t.equal(takes(date, '2028-02-29'), '2028-02-29');
  for (const outside of ['0000-01-01', '1899-12-31', '2101-01-01', '9999-12-31']) {
    t.equal(refusal(date, outside), 'must be a date from 1900-01-01 to 2100-12-31', outside);
  }
  t.ok(refusal(date, '2026-02-30'), 'not a day of the calendar');
  t.ok(refusal(date, '2026-1-5'), 'not ISO 8601');
  const moment = isoDateTime();
  t.equal(takes(moment, '2026-12-05T07:20:00Z'), '2026-12-05T07:20:00Z');
  t.equal(takes(moment, '1900-01-01T00:00:00.000Z'), '1900-01-01T00:00:00.000Z');
  t.equal(refusal(moment, '0000-01-01T00:00:00Z'), 'must be a date from 1900-01-01 to 2100-12-31');
  t.equal(refusal(moment, '9999-12-31T23:59:59Z'), 'must be a date from 1900-01-01 to 2100-12-31');
});

t.test('an id names something', async (t) => {
  const ids = id();
  t.equal(takes(ids, '0190f5a8-7b7c-7cc3-9f11-4e5a2b9c1d00'), '0190f5a8-7b7c-7cc3-9f11-4e5a2b9c1d00');
  t.equal(refusal(ids, '00000000-0000-0000-0000-000000000000'), 'must be the id of something, not the nil or max UUID');
  t.equal(refusal(ids, 'ffffffff-ffff-ffff-ffff-ffffffffffff'), 'must be the id of something, not the nil or max UUID');
  t.ok(refusal(ids, 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF'), 'in capitals too');
  t.ok(refusal(ids, 'not-a-uuid'));
});

t.test('amounts have ceilings that fit the read tables, and their sums stay exact', async (t) => {
  t.equal(MAX_MINUTES, 1_000_000);
  t.equal(MAX_PENCE, 100_000_000, '£1m');
  t.equal(takes(minutes, MAX_MINUTES), MAX_MINUTES);
  t.equal(refusal(minutes, MAX_MINUTES + 1), 'must be at most 1000000 minutes');
  t.equal(refusal(minutes, 0), 'must be more than zero');
  t.equal(takes(pence, MAX_PENCE), MAX_PENCE);
  t.equal(refusal(pence, Number.MAX_SAFE_INTEGER), 'must be at most £1,000,000', 'the voucher of issue 18');
  t.equal(refusal(wholePence, MAX_PENCE + 1), 'must be at most £1,000,000');
  t.equal(takes(wholePence, 0), 0);
  t.equal(takes(signedMinutes, -MAX_MINUTES), -MAX_MINUTES, 'a correction either way');
  t.ok(refusal(signedMinutes, -MAX_MINUTES - 1));
  t.equal(takes(signedPence, -MAX_PENCE), -MAX_PENCE);
  t.ok(refusal(signedPence, MAX_PENCE + 1));
  t.equal(refusal(upperLimitMinutes, 2_147_483_648), `must be at most ${MAX_BALANCE_MINUTES} minutes`, 'the limit that stopped every time bank');
  t.equal(refusal(lowerLimitMinutes, -2_147_483_648), `must be at least -${MAX_BALANCE_MINUTES} minutes`);
  t.equal(refusal(lowerLimitMinutes, 1), 'must not be above zero');
  // A balance lies between its limits, and the column that holds it is a 32-bit integer.
  t.ok(MAX_BALANCE_MINUTES + MAX_MINUTES < 2 ** 31, 'a balance at its limit, plus one exchange, fits the 32-bit column');
  // A register or a pool adds amounts up: at £1m each, ninety million of them before a sum is inexact.
  t.ok(MAX_PENCE * 90_000_000 < Number.MAX_SAFE_INTEGER, 'ninety million amounts at the ceiling still sum exactly');
});
