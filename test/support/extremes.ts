// Events at the edges of what their schemas allow, and a way past the schemas: the store itself,
// as a direct write to the database or an event kept from before a schema was tightened reaches it.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { z } from 'zod';
import { v7 as uuidv7 } from 'uuid';
import type { Hearth } from '../../src/hearth.ts';
import { PostgresEventStore } from '../../src/eventstore/postgres.ts';
import type { EventStore, NewEvent } from '../../src/eventstore/port.ts';
import { metadata } from './events.ts';
import { EARLIEST_DATE, LATEST_DATE } from '../../src/bounds.ts';

/** The store beneath the schema checks: what it is given is written as it is. */
export function uncheckedStore(hearth: Hearth): EventStore {
  return new PostgresEventStore(hearth.database.db, hearth.database.kind);
}

export function event(type: string, data: unknown, schemaVersion = 1): NewEvent {
  return { id: uuidv7(), type, schemaVersion, data, metadata: metadata() };
}

export const someId = () => randomUUID();

// ---- The extreme values an event schema allows, from its JSON Schema (zod's own rendering). ----

type Json = Record<string, any>;
export type Edge = 'max' | 'min';

/**
 * Text at the edge of Unicode but free of NUL: characters outside the Basic Multilingual Plane
 * (two UTF-16 units each), the last valid code points, combining marks, no-break space, and the
 * quoting characters of JSON and SQL.
 */
const EDGE_TEXT = ['\u{10FFFD}', 'é', '\u0301', '\u00A0', '\uFFFD', '𝌆', "'", '"', '\\', '%', '_', '\u{1F600}', 'ÿ', '\uFFFC'];

/** A string of exactly `length` UTF-16 units of edge text, never splitting a surrogate pair. */
export function edgeText(length: number): string {
  let text = '';
  for (let i = 0; text.length < length; i++) {
    const next = EDGE_TEXT[i % EDGE_TEXT.length]!;
    text += text.length + next.length <= length ? next : 'x';
  }
  return text;
}

// The window every date of an input or event lies in: its edges are the extremes a schema allows.
const EARLIEST = { date: EARLIEST_DATE, 'date-time': `${EARLIEST_DATE}T00:00:00.000Z` };
const LATEST = { date: LATEST_DATE, 'date-time': `${LATEST_DATE}T23:59:59.999Z` };
/** Marks a sealed value, to be sealed for real with the event's person's key. */
export const SEALED = 'v1.to-be-sealed';

/** The JSON Schema of a zod schema, as `extreme` and `arbitrary` read it. */
export function jsonSchemaOf(schema: z.ZodType): Json {
  return z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as Json;
}

/** One value at the `edge` of what the JSON Schema allows: every optional field present at max, absent at min. */
export function extreme(s: Json, edge: Edge): unknown {
  if ('const' in s) return s.const;
  if (s.enum) return edge === 'max' ? s.enum.at(-1) : s.enum[0];
  const branches = s.anyOf ?? s.oneOf;
  if (branches) {
    const notNull = branches.filter((b: Json) => b.type !== 'null');
    return edge === 'min' && notNull.length < branches.length ? null : extreme(notNull[0] ?? branches[0], edge);
  }
  const type = Array.isArray(s.type) ? (edge === 'min' && s.type.includes('null') ? 'null' : s.type.find((x: string) => x !== 'null')) : s.type;
  switch (type) {
    case 'null':
      return null;
    case 'boolean':
      return edge === 'max';
    case 'integer':
    case 'number': {
      const max = Math.min(s.maximum ?? Number.MAX_SAFE_INTEGER, s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : Infinity);
      const min = Math.max(s.minimum ?? Number.MIN_SAFE_INTEGER, s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -Infinity);
      return edge === 'max' ? max : min;
    }
    case 'string':
      return extremeString(s, edge);
    case 'array': {
      const count = edge === 'max' ? Math.min(s.maxItems ?? 12, 12) : (s.minItems ?? 0);
      return Array.from({ length: count }, () => extreme(s.items ?? {}, edge));
    }
    case 'object':
    case undefined: {
      if (!s.properties) return {};
      const required = new Set<string>(s.required ?? []);
      return Object.fromEntries(Object.entries(s.properties as Record<string, Json>).filter(([k]) => edge === 'max' || required.has(k)).map(([k, v]) => [k, extreme(v, edge)]));
    }
  }
  throw new Error(`no extreme for ${JSON.stringify(s)}`);
}

function extremeString(s: Json, edge: Edge): string {
  if (s.format === 'uuid') return randomUUID();
  if (s.format === 'date' || s.format === 'date-time') return (edge === 'max' ? LATEST : EARLIEST)[s.format as 'date'];
  if (s.format === 'starts_with' || s.pattern === '^v1\\..*') return SEALED;
  if (s.format === 'email') return edge === 'max' ? `${'a'.repeat(64)}@${'b'.repeat(60)}.example` : 'a@b.co';
  if (s.pattern) return fc.sample(fc.stringMatching(new RegExp(s.pattern), { size: edge === 'max' ? 'large' : 'xsmall' }), { seed: 18, numRuns: 1 })[0]!;
  return edge === 'max' ? edgeText(Math.min(s.maxLength ?? 5000, 5000)) : 'x'.repeat(Math.max(s.minLength ?? 0, 0));
}

/** Values anywhere between the edges, each leaf at one edge or the other or somewhere between. */
export function arbitrary(s: Json): fc.Arbitrary<unknown> {
  const edges = fc.constantFrom<Edge>('max', 'min').map((edge) => extreme(s, edge));
  if ('const' in s || s.enum) return s.enum ? fc.constantFrom(...s.enum) : fc.constant(s.const);
  const branches = s.anyOf ?? s.oneOf;
  if (branches) return fc.oneof(...branches.map((b: Json) => arbitrary(b)));
  const type = Array.isArray(s.type) ? s.type.find((x: string) => x !== 'null') : s.type;
  switch (type) {
    case 'integer':
      return fc.oneof(
        edges,
        fc.integer({
          min: Math.max(s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : (s.minimum ?? -(2 ** 31)), -(2 ** 31)),
          max: Math.min(s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : (s.maximum ?? 2 ** 31), 2 ** 31),
        }),
      );
    case 'string':
      if (s.format || s.pattern) return edges;
      return fc.oneof(edges, fc.string({ unit: 'grapheme', minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 60, 60) }).filter((x) => !x.includes('\u0000') && x.length <= (s.maxLength ?? Infinity)));
    case 'array':
      return fc.array(arbitrary(s.items ?? {}), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 4, 4) });
    case 'object':
      if (!s.properties) return fc.constant({});
      return fc.record(Object.fromEntries(Object.entries(s.properties as Record<string, Json>).map(([k, v]) => [k, arbitrary(v)])), { requiredKeys: s.required ?? [] });
    default:
      return edges;
  }
}
