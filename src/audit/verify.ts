// `hearth audit verify`: the event log's hashes and recorded digests taken again, the same on every
// store (and on PostgreSQL its own chain too), and every projection rebuilt beside its live tables
// and compared with them. Any difference is named.
import { sql } from 'kysely';
import type { Hearth } from '../hearth.ts';
import type { OnProgress, ProjectionComparison } from '../projections/engine.ts';
import type { TableDifference } from '../projections/compare.ts';
import { brokenChains, type ChainCheck } from './chain.ts';
import { checkDigests, isClosing, type DigestCheck } from './digests.ts';
import { checkLogDigests, digestKey, listLogDigests, type LogDigest, type LogDigestCheck } from './log-digests.ts';
import { checkHashes, type HashCheck } from './log-hashes.ts';
import type { RecordedEvent } from '../eventstore/port.ts';

export interface AuditReport {
  /** Each event's hash as its writer chained it, on any store. */
  hashes: HashCheck;
  /** PostgreSQL's own chain, kept by the database (migration 0009); null when the events are on EventStoreDB. */
  chains: ChainCheck | null;
  digests: DigestCheck;
  /** The signed digests recorded in this database, under this server's key. */
  signed: LogDigestCheck;
  /** Signed digests kept elsewhere (--digests FILE), under the public key given or this server's. */
  kept: LogDigestCheck | null;
  /** Where the log ends, and what stands past it: events are missing there. */
  head: HeadCheck;
  projections: Array<ProjectionComparison | { name: string; error: string }>;
}

export interface HeadCheck {
  position: number;
  /** Projections whose checkpoints stand past the log's head. */
  checkpoints: Array<{ name: string; position: number }>;
}

export interface AuditOptions {
  /** Digests kept outside this database, to check the log against. */
  digests?: LogDigest[];
  /** The public key those digests were published with; this server's own when not given. */
  publicKey?: string;
  /** Told after each check (the chains, each kind of digest, each projection compared) how many are done of how many. */
  onProgress?: OnProgress;
}

/** The most differences `auditLines` lists; the rest are counted. */
export const LISTED = 20;

export async function verifyAudit({ store, database, engine, secret }: Pick<Hearth, 'store' | 'database' | 'engine' | 'secret'>, options: AuditOptions = {}): Promise<AuditReport> {
  const onPostgres = store.kind !== 'eventstoredb';
  const own = digestKey(secret).publicKey;
  const position = await store.headPosition();
  const { rows } = await sql<{ name: string; position: string | number }>`
    SELECT name, position FROM projection_checkpoints WHERE position > ${position} ORDER BY position DESC, name`.execute(database.db);
  // The checks, counted as they are done: the hashes, PostgreSQL's chain, each kind of digest, then each projection.
  const logChecks = 3 + (onPostgres ? 1 : 0) + (options.digests ? 1 : 0);
  const total = logChecks + engine.projections.length;
  let done = 0;
  const checked = <T>(result: T): T => {
    options.onProgress?.(++done, total);
    return result;
  };
  options.onProgress?.(0, total);
  const deps = { store, db: database.db };
  const closings: RecordedEvent[] = [];
  const report: AuditReport = {
    hashes: checked(await checkHashes(store, (e) => isClosing(e) && closings.push(e))),
    chains: onPostgres ? checked(await brokenChains(database.db)) : null,
    digests: checked(await checkDigests(deps, closings)),
    signed: checked(await checkLogDigests(deps, await listLogDigests(database.db), own)),
    kept: options.digests ? checked(await checkLogDigests(deps, options.digests, options.publicKey ?? own)) : null,
    head: { position, checkpoints: rows.map((r) => ({ name: r.name, position: Number(r.position) })) },
    projections: [],
  };
  for (const { name } of engine.projections) {
    try {
      report.projections.push(await engine.compare(name));
    } catch (err) {
      // A rebuild that cannot be made (an edited event that no longer reads, say) is a finding too.
      report.projections.push({ name, error: err instanceof Error ? err.message : String(err) });
    }
    checked(undefined);
  }
  return report;
}

/** The report as `hearth audit verify` prints it: what was checked, then every difference or that there are none. */
export function auditLines(report: AuditReport, listed = LISTED): string[] {
  const differences = auditDifferences(report);
  if (differences.length === 0) return [...auditSummary(report), 'No differences.'];
  // An emptied log leaves a finding for every stream: the first lines say where to look, the count how much is wrong.
  const more = differences.length > listed ? [`  and ${count(differences.length - listed, 'more difference')} not listed`] : [];
  return [...auditSummary(report), `${count(differences.length, 'difference')}:`, ...differences.slice(0, listed).map((line) => `  ${line}`), ...more];
}

/** What was checked, a line each. */
export function auditSummary(report: AuditReport): string[] {
  const { hashes, chains, digests, signed, kept, projections } = report;
  const unhashed = hashes.unhashed ? ` (${count(hashes.unhashed, 'event')} written before writers kept hashes${chains ? ", which PostgreSQL's own chain covers" : ''})` : '';
  const lines = [`Event log: ${count(hashes.events, 'event')} in ${count(hashes.streams, 'stream')}, every hash recomputed${unhashed}.`];
  if (chains) lines.push(`PostgreSQL's own chain: ${count(chains.events, 'event')}, every hash recomputed.`);
  const notHere = (n: number) => (n ? ` (${n} taken over PostgreSQL's own chain, not kept here, not checked)` : '');
  lines.push(`Digests: ${digests.checked} recorded at the closing of periods, each taken again${notHere(digests.notHere)}.`);
  lines.push(`Signed digests: ${signed.checked} recorded here, each signature and head taken again${notHere(signed.notHere)}.`);
  if (kept) lines.push(`Digests kept elsewhere: ${kept.checked} checked, signature then head${notHere(kept.notHere)}; the log agrees with them ${kept.holdsUpTo === null ? 'at no position' : `up to position ${kept.holdsUpTo}`}${kept.findings.length ? ' and then differs' : ''}.`);
  lines.push(`Projections: ${projections.length} rebuilt beside the live tables and compared:`);
  for (const p of projections) {
    const state = 'error' in p ? 'could not be rebuilt' : `position ${p.position}${p.status === 'failed' ? ' (stopped)' : ''}, ${p.differences.length ? 'differs' : 'equal'}`;
    lines.push(`  ${p.name.padEnd(24)} ${state}`);
  }
  return lines;
}

/** Every difference found, a line each; none when all is well. */
export function auditDifferences(report: AuditReport): string[] {
  const lines: string[] = [];
  const { hashes, chains, digests, signed, kept, head, projections } = report;
  for (const f of kept?.findings ?? []) lines.push(`digest kept elsewhere at position ${f.position}: ${f.detail}`);
  for (const f of signed.findings) lines.push(`signed digest recorded here at position ${f.position}: ${f.detail}`);
  const [furthest] = head.checkpoints;
  if (furthest) {
    const names = head.checkpoints.map((c) => c.name).join(', ');
    lines.push(`log: ends at position ${head.position}, but ${count(head.checkpoints.length, 'projection')} (${names}) applied events up to position ${furthest.position}: ${range('position', head.position + 1, furthest.position)} missing`);
  }
  // An event is named once, whichever chain finds it: the writers' or PostgreSQL's own (which also sees gaps at a stream's end).
  const broken = new Map([...hashes.broken, ...(chains?.broken ?? [])].map((e) => [`${e.streamId} ${e.revision}`, e]));
  for (const e of broken.values()) {
    lines.push(`stream ${e.streamId} revision ${e.revision} (position ${e.position}): its hash does not match the event and the hash before it`);
  }
  const gaps = new Map([...hashes.gaps, ...(chains?.gaps ?? [])].map((g) => [`${g.streamId} ${g.fromRevision}`, g]));
  for (const g of gaps.values()) lines.push(`stream ${g.streamId}: ${range('revision', g.fromRevision, g.toRevision)} missing`);
  for (const m of chains?.missingPositions ?? []) lines.push(`log: ${range('position', m.from, m.to)} missing`);
  for (const d of digests.mismatches) lines.push(`digest recorded at stream ${d.streamId} revision ${d.revision} (position ${d.position}): ${d.reason}`);
  for (const p of projections) {
    if ('error' in p) lines.push(`projection ${p.name}: could not be rebuilt: ${p.error}`);
    else for (const t of p.differences) lines.push(`projection ${p.name}, table ${t.table}: ${tableDifference(t)}`);
  }
  return lines;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function range(what: string, from: number, to: number): string {
  return from === to ? `${what} ${from}` : `${what}s ${from} to ${to}`;
}

function tableDifference(t: TableDifference): string {
  const examples = t.examples.map((e) => {
    const key = Object.entries(e.key).map(([column, value]) => `${column}=${value}`).join(' ');
    return e.in === 'both' ? `${key} (${e.columns.join(', ')} differ${e.columns.length === 1 ? 's' : ''})` : `${key} (only ${e.in === 'live' ? 'live' : 'rebuilt'})`;
  });
  return `${count(t.onlyLive, 'row')} only in the live table, ${count(t.onlyRebuilt, 'row')} only in the rebuild${examples.length ? `; e.g. ${examples.join('; ')}` : ''}`;
}
