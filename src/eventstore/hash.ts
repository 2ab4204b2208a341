// Tamper evidence kept by the writer, the same on every store. Each event carries, in its metadata,
// a hash chained to the previous event of its stream:
//
//   hash = sha256(previous || field(stream) || field(revision) || field(id) || field(type)
//                 || field(schemaVersion) || field(canonical data) || field(canonical metadata))
//
// where `previous` is the previous event's hash (32 bytes), or nothing at revision 0 or after an
// event written before hashes were kept, field(x) is x's text in UTF-8 preceded by its length in
// bytes as a 4-byte big-endian integer, and the canonical form of JSON has its keys sorted and no
// spaces. The metadata is hashed without the hash itself. The global position is left out: on
// EventStoreDB it is known only once the event is written.
//
// Through the log, in its order, runs a second chain (`logHead`): each event's hash folded into
// the one before, so the head at any position can be carried on from an earlier head, and a
// signed head shows any event up to it changed, removed or moved.
import { createHash } from 'node:crypto';
import type { RecordedEvent } from './port.ts';

/** JSON with its object keys sorted and no spaces; undefined members left out, as JSON leaves them. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

const field = (text: string) => {
  const utf8 = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(utf8.length);
  return [length, utf8];
};

/** What an event's hash covers: where it stands in its stream, and all it holds. */
export type Hashed = Pick<RecordedEvent, 'streamId' | 'revision' | 'id' | 'type' | 'schemaVersion' | 'data' | 'metadata'>;

/** The event's hash, as 64 hex digits, chained to `previous` (the previous event's, or null). */
export function eventHash(previous: string | null, e: Hashed): string {
  const { hash: _own, ...metadata } = e.metadata;
  const hash = createHash('sha256');
  if (previous !== null) hash.update(Buffer.from(previous, 'hex'));
  for (const text of [e.streamId, String(e.revision), e.id, e.type, String(e.schemaVersion), canonicalJson(e.data), canonicalJson(metadata)]) {
    for (const part of field(text)) hash.update(part);
  }
  return hash.digest('hex');
}

/** The hash an event carries, or, written before hashes were kept, the hash of it alone: what the log's chain folds in. */
export const hashOf = (e: Hashed): string => e.metadata.hash ?? eventHash(null, e);

/** The log's chain carried on by one event: sha256 over the head before it (nothing at the start) and the event's hash. */
export function logHead(previous: string | null, e: Hashed): string {
  const hash = createHash('sha256');
  if (previous !== null) hash.update(Buffer.from(previous, 'hex'));
  return hash.update(Buffer.from(hashOf(e), 'hex')).digest('hex');
}
