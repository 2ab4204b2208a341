// Signed digests of the event log: at a position, the head of the log's chain of event hashes there
// (src/eventstore/hash.ts; before version 2, sha256 over every hash of PostgreSQL's own chain up to
// it), how many events that is, and when it was taken, signed with an Ed25519 key derived from
// HEARTH_SECRET. Version 2 is the same on every store. The key is never in the
// database, so whoever can only change the database can change the log and recompute every hash,
// but cannot sign a digest that agrees; and a copy of the digests kept elsewhere (downloaded by a
// treasurer, published) still shows a change when the rows here are deleted too.
import { createHash, createPrivateKey, createPublicKey, hkdfSync, sign, verify, type Hash, type KeyObject } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { EventStore } from '../eventstore/port.ts';
import { headsAt, START, type LogPoint } from './log-hashes.ts';

export const logDigestSchema = z.strictObject({
  position: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  events: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  head: z.string().regex(/^[0-9a-f]{64}$/),
  recordedAt: z.iso.datetime(),
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/).describe('Ed25519, the raw 32 bytes in base64url'),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/).describe('Ed25519 over the digest, base64url'),
  version: z.literal(2).optional().describe("2: the head of the chain of hashes writers keep, the same on every store; absent: of PostgreSQL's own chain"),
});

export type LogDigest = z.infer<typeof logDigestSchema>;

/** The signing key and the public key to publish, as base64url of its raw 32 bytes. */
export interface DigestKey {
  privateKey: KeyObject;
  publicKey: string;
}

// DER around a raw Ed25519 key (RFC 8410), so node:crypto takes the 32 bytes as a key.
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

/** HKDF from the server's secret with its own label: the key wraps nothing else, and needs no storage of its own. */
export function digestKey(secret: Buffer): DigestKey {
  const seed = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'hearth log digests ed25519 v1', 32));
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  const raw = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32);
  return { privateKey, publicKey: raw.toString('base64url') };
}

/** The bytes signed: fixed text, so that anyone can check a digest with any Ed25519 tool. */
export function signedText(d: Pick<LogDigest, 'position' | 'events' | 'head' | 'recordedAt' | 'version'>): Buffer {
  return Buffer.from(`hearth log digest v${d.version ?? 1}\nposition ${d.position}\nevents ${d.events}\nhead ${d.head}\nrecorded ${d.recordedAt}\n`, 'utf8');
}

export function isPublicKey(text: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(text) && Buffer.from(text, 'base64url').length === 32;
}

/** Whether the digest's signature holds under `publicKey` (not the key the digest names: anyone can name their own). */
export function signatureHolds(d: LogDigest, publicKey: string): boolean {
  if (!isPublicKey(publicKey)) return false;
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, Buffer.from(publicKey, 'base64url')]), format: 'der', type: 'spki' });
    return verify(null, signedText(d), key, Buffer.from(d.signature, 'base64url'));
  } catch {
    return false;
  }
}

interface Row {
  position: string | number;
  events: string | number;
  head: string;
  recorded_at: Date | string;
  public_key: string;
  signature: string;
  version: number;
}

const fromRow = (r: Row): LogDigest => ({
  position: Number(r.position),
  events: Number(r.events),
  head: r.head,
  recordedAt: new Date(r.recorded_at).toISOString(),
  publicKey: r.public_key,
  signature: r.signature,
  ...(r.version === 2 ? { version: 2 as const } : {}),
});

/** Every digest recorded, oldest first. */
export async function listLogDigests(db: Db): Promise<LogDigest[]> {
  const { rows } = await sql<Row>`SELECT * FROM log_digests ORDER BY position`.execute(db);
  return rows.map(fromRow);
}

/** The log, and where the newest digests are kept (the database, whichever store holds the events). */
export interface DigestDeps {
  store: EventStore;
  db: Db;
}

/** Whether the store numbers its events 1, 2, 3 (PostgreSQL), so that a position is also a count. */
const dense = (store: EventStore) => store.kind !== 'eventstoredb';

/**
 * The log's chain at a position, carried on from the newest version 2 digest recorded before it:
 * a digest a day, or one at each closing, leaves little to read. Null past the log's end.
 */
export async function logPointAt({ store, db }: DigestDeps, position: number): Promise<LogPoint | null> {
  const { rows } = await sql<{ position: string | number; events: string | number; head: string }>`
    SELECT position, events, head FROM log_digests WHERE version = 2 AND position <= ${position} ORDER BY position DESC LIMIT 1`.execute(db);
  const base = rows[0] ? { position: Number(rows[0].position), events: Number(rows[0].events), head: rows[0].head } : START;
  if (base.position === position) return base;
  return (await headsAt(store, [position], base)).get(position) ?? null;
}

/**
 * Signs and records a digest of the log at its head; null when the log is empty or, where events
 * are numbered 1, 2, 3, does not hold every position up to its head (a digest of a log with a hole
 * would sign the damage: audit verify names it instead). Recording the same position twice keeps
 * the first.
 */
export async function recordLogDigest(deps: DigestDeps, key: DigestKey, clock: Clock): Promise<LogDigest | null> {
  const position = await deps.store.headPosition();
  if (position === 0) return null;
  const point = await logPointAt(deps, position);
  if (!point?.head || (dense(deps.store) && point.events !== position)) return null;
  const digest = { position, events: point.events, head: point.head, recordedAt: clock.now().toISOString(), version: 2 as const };
  const signature = sign(null, signedText(digest), key.privateKey).toString('base64url');
  const written = await sql<Row>`
    INSERT INTO log_digests (position, events, head, recorded_at, public_key, signature, version)
    VALUES (${position}, ${digest.events}, ${digest.head}, ${digest.recordedAt}, ${key.publicKey}, ${signature}, 2)
    ON CONFLICT (position) DO NOTHING RETURNING *`.execute(deps.db);
  if (written.rows[0]) return fromRow(written.rows[0]);
  const kept = await sql<Row>`SELECT * FROM log_digests WHERE position = ${position}`.execute(deps.db);
  return kept.rows[0] ? fromRow(kept.rows[0]) : null;
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Records a digest when the newest is a day old or more and the log has moved since, or is of an
 * earlier version (the first after an upgrade: later digests and closings carry on from it rather
 * than read the whole log); null when none was due.
 */
export async function recordLogDigestIfDue(deps: DigestDeps, key: DigestKey, clock: Clock): Promise<LogDigest | null> {
  const { rows } = await sql<{ position: string | number; recorded_at: Date | string; version: number }>`SELECT position, recorded_at, version FROM log_digests ORDER BY position DESC LIMIT 1`.execute(deps.db);
  const newest = rows[0];
  if (newest) {
    const moved = (await deps.store.headPosition()) > Number(newest.position);
    if (!moved || (newest.version === 2 && clock.now().getTime() - new Date(newest.recorded_at).getTime() < DAY_MS)) return null;
  }
  return recordLogDigest(deps, key, clock);
}

/** One line of JSON a digest, in a fixed order of fields. */
export function toJsonLines(digests: LogDigest[]): string {
  return digests.map((d) => `${JSON.stringify(logDigestSchema.parse(d))}\n`).join('');
}

/** Digests kept elsewhere, one JSON object a line; a line that is not one is refused, by number. */
export function parseJsonLines(text: string): LogDigest[] {
  const digests: LogDigest[] = [];
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`line ${i + 1} of the digests is not JSON`);
    }
    const parsed = logDigestSchema.safeParse(value);
    if (!parsed.success) throw new Error(`line ${i + 1} of the digests is not a digest: ${parsed.error.issues.map((e) => `${e.path.join('.') || '(whole)'} ${e.message}`).join('; ')}`);
    digests.push(parsed.data);
  }
  return digests;
}

export interface DigestFinding {
  position: number;
  /** signature: not signed by the key trusted; missing: the log ends before it or lacks events up to it; differs: the events up to it are not those signed. */
  kind: 'signature' | 'missing' | 'differs';
  detail: string;
}

export interface LogDigestCheck {
  checked: number;
  /** Digests of PostgreSQL's own chain (before version 2), which a log moved into EventStoreDB no longer keeps: not checked there. */
  notHere: number;
  /** Up to where the log agrees with every digest checked: the last digest that holds before the first that does not. */
  holdsUpTo: number | null;
  findings: DigestFinding[];
}

/**
 * Checks digests against the log: each signature under `publicKey` first (a digest that is not
 * signed by it proves nothing about the log), then the head at each digest's position, all in one
 * pass over the log for each version. The first digest that differs bounds the first changed
 * position between the digest that held before it and its own.
 */
export async function checkLogDigests(deps: DigestDeps, digests: LogDigest[], publicKey: string): Promise<LogDigestCheck> {
  const findings: DigestFinding[] = [];
  const trusted: LogDigest[] = [];
  for (const d of digests) {
    if (signatureHolds(d, publicKey)) trusted.push(d);
    else findings.push({ position: d.position, kind: 'signature', detail: `the digest at position ${d.position} is not signed by the public key ${publicKey}` });
  }
  trusted.sort((a, b) => a.position - b.position);
  const checkable = trusted.filter((d) => d.version === 2 || dense(deps.store));
  const logHead = await deps.store.headPosition();
  const [v1, v2] = await Promise.all([
    postgresHeadsAt(deps.db, checkable.filter((d) => d.version !== 2).map((d) => d.position)),
    headsAt(deps.store, checkable.filter((d) => d.version === 2).map((d) => d.position)),
  ]);

  let holdsUpTo: number | null = null;
  let firstBad: number | null = null;
  for (const d of checkable) {
    const point = (d.version === 2 ? v2 : v1).get(d.position);
    const bound = holdsUpTo === null ? `positions 1 to ${d.position}` : `positions ${holdsUpTo + 1} to ${d.position}`;
    if (logHead < d.position || !point) {
      findings.push({ position: d.position, kind: 'missing', detail: `the log ends at position ${logHead}, before the digest at position ${d.position}: ${range(logHead + 1, d.position)} missing` });
    } else if (point.events !== d.events) {
      findings.push({ position: d.position, kind: 'missing', detail: `the log holds ${point.events} events up to position ${d.position}, the digest ${d.events}: events are missing in ${bound}` });
    } else if (point.head !== d.head) {
      findings.push({ position: d.position, kind: 'differs', detail: `the log up to position ${d.position} is not the log signed: the first change is in ${bound}` });
    } else {
      if (firstBad === null) holdsUpTo = d.position;
      continue;
    }
    firstBad ??= d.position;
  }
  return { checked: digests.length, notHere: trusted.length - checkable.length, holdsUpTo, findings };
}

/**
 * Heads of PostgreSQL's own chain (before version 2): sha256 over the hash column of every event
 * up to each position, read in batches and fed to one running sha256, its state copied at each
 * position so that the log is read once.
 */
async function postgresHeadsAt(db: Db, positions: number[]): Promise<Map<number, LogPoint>> {
  const heads = new Map<number, LogPoint>();
  const hash: Hash = createHash('sha256');
  let events = 0;
  let after = 0;
  for (const position of positions) {
    while (after < position) {
      const batch = await sql<{ global_position: string | number; hash: Uint8Array | null }>`
        SELECT global_position, hash FROM events WHERE global_position > ${after} AND global_position <= ${position}
         ORDER BY global_position LIMIT 10000`.execute(db);
      if (batch.rows.length === 0) {
        after = position;
        break;
      }
      for (const r of batch.rows) if (r.hash) hash.update(r.hash);
      events += batch.rows.length;
      after = Number(batch.rows.at(-1)!.global_position);
    }
    heads.set(position, { position, events, head: hash.copy().digest('hex') });
  }
  return heads;
}

function range(from: number, to: number): string {
  return from === to ? `position ${from}` : `positions ${from} to ${to}`;
}
