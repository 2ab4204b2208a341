// The hearth command: serve, migrate, look after projections, and audit the ledger.
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, isDatabaseUrl, isEventStoreDbUrl, loadConfig, type Config } from './config.ts';
import { createLogger } from './log.ts';
import { existingSecret, openDatabase, openHearth, type Hearth } from './hearth.ts';
import { migrateToLatest, tableExists } from './db/migrate.ts';
import { buildApp, type App } from './http/app.ts';
import { Ledger, Refused } from './cli/ledger.ts';
import { ledgerCommands, UsageError, type Flags } from './cli/commands.ts';
import { loadDemo } from './cli/demo.ts';
import { auditDifferences, auditLines, verifyAudit, type AuditOptions } from './audit/verify.ts';
import { notificationSender } from './notify/sender.ts';
import { isPublicKey, listLogDigests, parseJsonLines, toJsonLines } from './audit/log-digests.ts';
import { keepDailyDigests, signingKey } from './audit/app.ts';
import { poolCommands } from './cli/pool-commands.ts';
import { voucherCommands } from './cli/voucher-commands.ts';
import { coopCommands } from './cli/coop-commands.ts';
import { closePostsOfDeparted } from './timebank/posts-app.ts';
import { keepFinishing } from './processes.ts';
import { progressLine, type Progress, type ProgressOut } from './cli/progress.ts';
import { backup } from './backup/backup.ts';
import { restore } from './backup/restore.ts';
import { BackupRefused } from './backup/file.ts';
import { openPostgres, type Database } from './db/database.ts';
import { CopyConflict, copyLog, copyReportLines, verifyCopy } from './eventstore/copy.ts';
import { EventStoreDbEventStore } from './eventstore/eventstoredb.ts';
import { PostgresEventStore } from './eventstore/postgres.ts';
import type { EventStore } from './eventstore/port.ts';

const commands = { ...ledgerCommands, ...poolCommands, ...coopCommands, ...voucherCommands };

const usage = `Usage: hearth <command>

Commands:
  serve [--no-projections]     start the HTTP server (and the projections, unless told not to)
  project                      a projection worker: follows every projection it can take the lease
                               of, and takes over those of a worker that stops
  migrate                      apply pending database migrations
  projections status           each projection's position, lag, state and parked scopes
  projections rebuild NAME     rebuild a projection beside the live one and swap it in
  audit verify [--digests FILE] [--public-key KEY]
                               check the event log's hash chains and recorded digests, and compare
                               a rebuild of every projection with its live tables; exits 1 naming
                               each difference. With --digests, also check the log against signed
                               digests kept elsewhere (under KEY, else this server's own key)
  audit digests                print the log's signed digests, one JSON object a line, to keep
                               elsewhere
  backup FILE                  write everything Hearth keeps in its database to FILE, in one
                               snapshot, sealed under HEARTH_SECRET (which the file does not hold)
  restore FILE                 load a backup into a database that holds no events, and bring it up
                               to this version's migrations (see docs/backups.md)
  eventstore copy --to TARGET  copy the event log, each event to its stream at its revision, in the
                               log's order, into the event store TARGET (esdb://… or kurrentdb://…;
                               postgres://… to rehearse); run again, it goes on where it stopped.
                               Exits 1 if TARGET holds another event where one belongs
  eventstore verify --to TARGET
                               check that TARGET holds the log's events in the same order and
                               nothing more; exits 1 naming each difference (see docs/scaling.md)
  demo                         load a small time bank with learning vouchers, a care-bank scheme, a
                               Neighbourhood Network pool and a care co-operative, and show their reports

Networks, time bank, care bank and pools, acting as a person (--as EMAIL or person id):
${Object.values(ledgerCommands).map((c) => `  ${c.usage}`).join('\n')}

Pooled budgets (amounts in pounds, such as 12.50):
${Object.values(poolCommands).map((c) => `  ${c.usage}`).join('\n')}

Learning vouchers (amounts in pounds; session times UTC, such as 2026-03-01T14:00):
${Object.values(voucherCommands).map((c) => `  ${c.usage}`).join('\n')}

A care co-operative: its share register and its members' votes on spending (amounts in pounds):
${Object.values(coopCommands).map((c) => `  ${c.usage}`).join('\n')}
  Commands that change the ledger take --key K (an Idempotency-Key, to retry safely) and
  --on-behalf-of PERSON (a coordinator acting for a member). Times: 90, 1:30 or 1.5h.

Configuration is read from environment variables; see the README.`;

/** Where a command writes what it says, and the Hearth it works on when one is already open. */
export interface CommandIo {
  log(line: string): void;
  error(line: string): void;
  /** Open already (tests keep one open across commands); otherwise opened from the configuration. */
  hearth?: Hearth;
  /** The API on that Hearth, built already; otherwise built for the command. */
  app?: App;
  /** Where long commands say how far they have got; among the error lines when not given. */
  progress?: ProgressOut;
}

const processIo: CommandIo = { log: (line) => console.log(line), error: (line) => console.error(line), progress: process.stderr };

/** Run in-process with no stream of its own, progress joins the command's error lines, as stderr would hold it. */
function progressOf(io: CommandIo, what: string): Progress {
  return progressLine(what, { out: io.progress ?? { write: (text) => io.error(text.replace(/\n$/, '')) } });
}

/**
 * The hearth command, to its exit code: what the binary runs, and what tests run in-process
 * against an open Hearth. A configuration mistake exits 2, any other failure 1.
 */
export async function hearthCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  try {
    return await main(argv, io);
  } catch (err) {
    io.error(err instanceof ConfigError ? err.message : `hearth: ${err instanceof Error ? err.message : String(err)}`);
    return err instanceof ConfigError ? 2 : 1;
  }
}

async function main(argv: string[], io: CommandIo): Promise<number> {
  const ledgerFlags = ['as', 'network', 'person', 'provider', 'receiver', 'minutes', 'category', 'description', 'date', 'exchange', 'gift', 'volunteer', 'recipient', 'activity', 'care', 'recorded-on', 'method', 'account', 'from', 'to', 'as-at', 'key', 'on-behalf-of', 'reason', 'name', 'rate', 'lower', 'upper', 'longest', 'relative', 'minimum-age', 'claim-from-age', 'daily-cap', 'lifetime-cap', 'effective-from', 'pool', 'two-approvers-above', 'source', 'holder', 'amount', 'reference', 'payee', 'purpose', 'invoice', 'for', 'to-pool', 'payment', 'status', 'entry', 'period-end', 'reinvest', 'claw-backs', 'line', 'entries', 'format', 'table', 'voucher', 'learner', 'occasion', 'message', 'sessions', 'per-session', 'starts-at', 'mentor', 'fee', 'shares', 'expiry-months', 'at-expiry', 'given', 'classes', 'membership-share', 'min-holding', 'max-holding', 'notice-days', 'interest-cap', 'class', 'application', 'withdrawal', 'document', 'basis', 'participation', 'proposal', 'title', 'closes', 'quorum', 'threshold', 'grantor', 'proxy', 'choice', 'voter', 'organisation-as'];
  const parsed = parseArgs({
    args: joinNegativeValues(argv, new Set([...ledgerFlags, 'digests', 'public-key'])),
    allowPositionals: true,
    options: {
      'no-projections': { type: 'boolean', default: false },
      csv: { type: 'boolean', default: false },
      secret: { type: 'boolean', default: false },
      'hide-results': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      digests: { type: 'string' },
      'public-key': { type: 'string' },
      ...Object.fromEntries(ledgerFlags.map((f) => [f, { type: 'string' as const }])),
    },
  });
  const { positionals } = parsed;
  const values = parsed.values as Flags;
  const [command, sub, name] = positionals;
  if (values.help || !command) {
    io.log(usage);
    return command || values.help ? 0 : 2;
  }
  const config = io.hearth?.config ?? loadConfig();
  switch (command) {
    case 'project':
      return project(config);
    case 'serve':
      return serve({ ...config, PROJECTIONS: config.PROJECTIONS && !values['no-projections'] });
    case 'migrate':
      return migrate(config, io);
    case 'projections':
      if (sub === 'status') return projectionsStatus(config, io);
      if (sub === 'rebuild' && name) return projectionsRebuild(config, name, io);
      break;
    case 'audit':
      if (sub === 'verify') return auditVerify(config, io, parsed.values.digests, parsed.values['public-key']);
      if (sub === 'digests') return auditDigests(config, io);
      break;
    case 'backup':
      if (sub) return backupCommand(config, io, sub);
      break;
    case 'restore':
      if (sub) return restoreCommand(config, io, sub);
      break;
    case 'eventstore':
      if (sub === 'copy' || sub === 'verify') return withCopyTarget(config, io, typeof values.to === 'string' ? values.to : undefined, sub, sub === 'copy' ? copyCommand : verifyCommand);
      break;
    case 'demo':
      return withLedger(config, io, async (ledger) => loadDemo(ledger, (line) => io.log(line)));
    case 'network':
    case 'timebank':
    case 'carebank':
    case 'pool':
    case 'voucher':
    case 'coop':
    case 'proposal': {
      const ledgerCommand = commands[`${command} ${sub}`];
      if (!ledgerCommand) break;
      return withLedger(config, io, async (ledger) => {
        if (typeof values.as !== 'string') throw new UsageError('--as is needed: the email or person id of whoever is acting.');
        await ledger.actAs(values.as);
        io.log(await ledgerCommand.run(ledger, values, positionals.slice(2)));
      });
    }
  }
  io.error(usage);
  return 2;
}

/**
 * `--amount -5.00` as the help shows it: parseArgs takes a value that starts with a dash for
 * another option and refuses it as ambiguous, so a negative amount, time or number given to an
 * option that takes a value is joined to it (`--amount=-5.00`) first. Only something that reads
 * as a negative figure is joined: `--key --as` stays a mistake to report.
 */
export function joinNegativeValues(argv: readonly string[], takesValue: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (arg.startsWith('--') && !arg.includes('=') && takesValue.has(arg.slice(2)) && next !== undefined && /^-£?\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** Ledger work in-process; a refusal is printed as the API's problem details, and exits 1. */
async function withLedger(config: Config, io: CommandIo, work: (ledger: Ledger) => Promise<void>): Promise<number> {
  const ledger = io.hearth ? await Ledger.over(io.hearth, io.app) : await Ledger.open(config);
  try {
    await work(ledger);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.error(err.message);
      return 2;
    }
    if (err instanceof Refused) {
      io.error(`Refused: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await ledger.close();
  }
}

async function closePostsOfDepartedAtStart(hearth: Hearth, log: ReturnType<typeof createLogger>): Promise<void> {
  try {
    await hearth.engine.waitFor(['posts', 'memberships', 'people'], await hearth.store.headPosition(), 60_000);
    const closed = await closePostsOfDeparted(hearth);
    if (closed > 0) log.info({ closed }, 'posts of departed members closed');
  } catch (err) {
    log.warn({ err: err instanceof Error ? err.name : 'unknown' }, 'closing posts of departed members failed; it runs again at the next start');
  }
}

async function serve(config: Config): Promise<number> {
  const log = createLogger(config.LOG_LEVEL);
  const hearth = await openHearth(config, log);
  const app = await buildApp(hearth);
  // Where the projections run, so does the finishing of confirmations a stopped process left in flight.
  let stopFinishing = async () => {};
  if (config.PROJECTIONS) {
    await hearth.engine.start();
    stopFinishing = keepFinishing(hearth);
    // Posts whose owner left or was erased, left open by a crash between the two writes, close
    // once the read tables have caught up. Cheap, and in the background: it does not hold up the start.
    void closePostsOfDepartedAtStart(hearth, log);
  }
  const stopDigests = keepDailyDigests(hearth);
  const sender = notificationSender(hearth, config, log);
  sender?.start();
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  log.info({ address, eventStore: hearth.store.kind, readStore: hearth.database.kind, projections: config.PROJECTIONS }, 'Hearth is listening');

  return new Promise<number>((resolve) => {
    const shutdown = async (signal: string) => {
      log.info({ signal }, 'shutting down');
      await stopDigests();
      await stopFinishing();
      await sender?.stop();
      await app.close();
      await hearth.close();
      resolve(0);
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
}

/** A projection worker: no HTTP, only the projections, each under its lease; SIGTERM hands the leases back. */
async function project(config: Config): Promise<number> {
  const log = createLogger(config.LOG_LEVEL);
  const hearth = await openHearth(config, log);
  await hearth.engine.start();
  const stopFinishing = keepFinishing(hearth);
  log.info({ holder: hearth.engine.holder, eventStore: hearth.store.kind, readStore: hearth.database.kind, leaseMs: config.PROJECTION_LEASE_MS }, 'projection worker started');
  return new Promise<number>((resolve) => {
    const shutdown = async (signal: string) => {
      log.info({ signal }, 'projection worker stopping');
      await stopFinishing();
      await hearth.close();
      resolve(0);
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
}

async function migrate(config: Config, io: CommandIo): Promise<number> {
  const database = io.hearth?.database ?? (await openDatabase(config));
  try {
    const applied = await migrateToLatest(database.db);
    io.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Already up to date.');
    return 0;
  } finally {
    if (!io.hearth) await database.close();
  }
}

/** Work on the Hearth given, or on one opened for it and closed after. */
async function withHearth(config: Config, io: CommandIo, work: (hearth: Hearth) => Promise<number>): Promise<number> {
  const hearth = io.hearth ?? (await openHearth(config, createLogger('warn')));
  try {
    return await work(hearth);
  } finally {
    if (!io.hearth) await hearth.close();
  }
}

function projectionsStatus(config: Config, io: CommandIo): Promise<number> {
  return withHearth(config, io, async (hearth) => {
    const { head, projections } = await hearth.engine.status();
    io.log(`Head of the log: ${head}`);
    for (const p of projections) {
      const failure = p.status === 'failed' ? `  FAILED at ${p.failedPosition}: ${p.error}` : '';
      io.log(`${p.name.padEnd(24)} position ${String(p.position).padStart(10)}  lag ${String(p.lag).padStart(8)}  ${p.status}${failure}`);
      for (const parked of p.parked) {
        io.log(`  parked ${parked.scope} at ${parked.position} (${parked.eventType}, ${parked.events} event${parked.events === 1 ? '' : 's'} set aside): ${parked.error ?? ''}`);
      }
    }
    if (projections.some((p) => p.parked.length > 0)) io.log('Fix forward with a correcting event where the data was wrong, then `hearth projections rebuild NAME`.');
    return projections.some((p) => p.status !== 'running') ? 1 : 0;
  });
}

function projectionsRebuild(config: Config, name: string, io: CommandIo): Promise<number> {
  return withHearth(config, io, async (hearth) => {
    const started = Date.now();
    const progress = progressOf(io, `Rebuilding ${name}, position`);
    const { position, events } = await hearth.engine.rebuild(name, progress).finally(progress.end);
    io.log(`Rebuilt ${name} from ${events} events up to position ${position} in ${seconds(started)}.`);
    return 0;
  });
}

function auditVerify(config: Config, io: CommandIo, file: string | undefined, publicKey: string | undefined): Promise<number> {
  if (publicKey !== undefined && !isPublicKey(publicKey)) {
    io.error('--public-key: give the Ed25519 public key as Hearth shows it, 43 characters of base64url.');
    return Promise.resolve(2);
  }
  if (publicKey !== undefined && file === undefined) {
    io.error('--public-key checks digests kept elsewhere: give them with --digests FILE.');
    return Promise.resolve(2);
  }
  let options: AuditOptions = {};
  if (file !== undefined) {
    try {
      options = { digests: parseJsonLines(readFileSync(file, 'utf8')), publicKey };
    } catch (err) {
      io.error(`--digests: ${err instanceof Error && 'code' in err ? `cannot read ${file}` : (err as Error).message}`);
      return Promise.resolve(2);
    }
  }
  return withHearth(config, io, async (hearth) => {
    const progress = progressOf(io, 'Audit checks done');
    const report = await verifyAudit(hearth, { ...options, onProgress: progress }).finally(progress.end);
    for (const line of auditLines(report)) io.log(line);
    return auditDifferences(report).length === 0 ? 0 : 1;
  });
}

/** The digests as a file to keep: one JSON object a line, oldest first; the public key to stderr, so that stdout is the file alone. */
function auditDigests(config: Config, io: CommandIo): Promise<number> {
  return withHearth(config, io, async (hearth) => {
    const text = toJsonLines(await listLogDigests(hearth.database.db));
    if (text) io.log(text.replace(/\n$/, ''));
    io.error(`Public key (Ed25519, base64url): ${signingKey(hearth).publicKey}`);
    return 0;
  });
}

/** Work on the database given, or on one opened for it, with the secret it was sealed under; a refused file exits 1 saying why. */
async function withSecret(config: Config, io: CommandIo, work: (database: Database, secret: Buffer) => Promise<void>): Promise<number> {
  if (config.EVENTSTOREDB_URL) {
    io.error('The events are in EventStoreDB (EVENTSTOREDB_URL): back it up with its own tools, and PostgreSQL beside it (see docs/backups.md).');
    return 2;
  }
  const secret = io.hearth?.secret ?? existingSecret(config);
  if (!secret) {
    io.error('HEARTH_SECRET is not set and DATA_DIR holds no secret.key: give the secret of the Hearth whose data this is.');
    return 2;
  }
  const database = io.hearth?.database ?? (await openDatabase(config));
  try {
    await work(database, secret);
    return 0;
  } catch (err) {
    if (!(err instanceof BackupRefused)) throw err;
    io.error(`Refused: ${err.message}`);
    return 1;
  } finally {
    if (!io.hearth) await database.close();
  }
}

const counts = (tables: Array<{ name: string; rows: number }>) =>
  `  ${tables.filter((t) => t.rows > 0).map((t) => `${t.name} ${t.rows.toLocaleString('en-GB')}`).join(', ')}`;
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const size = (bytes: number) => (bytes < 1_000_000 ? `${(bytes / 1000).toFixed(1)} kB` : `${(bytes / 1_000_000).toFixed(1)} MB`);

function backupCommand(config: Config, io: CommandIo, file: string): Promise<number> {
  return withSecret(config, io, async (database, secret) => {
    const started = Date.now();
    const progress = progressOf(io, 'Rows backed up');
    const done = await backup(database, secret, file, { onProgress: progress }).finally(progress.end);
    const rows = done.tables.reduce((sum, t) => sum + t.rows, 0);
    io.log(`Backed up ${rows.toLocaleString('en-GB')} rows, the log up to position ${done.head}, to ${file} (${size(done.bytes)}) in ${seconds(started)}:`);
    io.log(counts(done.tables));
    io.log('HEARTH_SECRET is not in the file, and the file cannot be read without it: keep the secret apart from the backups.');
  });
}

function restoreCommand(config: Config, io: CommandIo, file: string): Promise<number> {
  return withSecret(config, io, async (database, secret) => {
    const started = Date.now();
    const progress = progressOf(io, 'Rows restored');
    const done = await restore(database, secret, file, { onProgress: progress }).finally(progress.end);
    io.log(`Restored ${file} (taken ${done.createdAt} by Hearth ${done.hearth}), the log up to position ${done.head}, in ${seconds(started)}:`);
    io.log(counts(done.tables));
    if (done.migratedAfter.length > 0) io.log(`Then applied: ${done.migratedAfter.join(', ')}`);
    io.log('Check it with `hearth audit verify`. Erasures made after the backup was taken are not in it: make them again (see docs/backups.md).');
  });
}

/**
 * The configured PostgreSQL (or PGlite) log as the source, read only, and the store --to names as
 * the target: EventStoreDB, or a PostgreSQL server committing one stream at a time as EventStoreDB
 * does, migrated before a copy. Neither connection string is printed: it may hold a password.
 */
async function withCopyTarget(
  config: Config,
  io: CommandIo,
  to: string | undefined,
  sub: 'copy' | 'verify',
  work: (io: CommandIo, source: PostgresEventStore, target: EventStore) => Promise<number>,
): Promise<number> {
  if (config.EVENTSTOREDB_URL) {
    io.error('The events are in EventStoreDB already (EVENTSTOREDB_URL): the copy reads them from PostgreSQL, so run it without EVENTSTOREDB_URL.');
    return 2;
  }
  if (to === undefined || !(isEventStoreDbUrl(to) || isDatabaseUrl(to))) {
    io.error(`--to: give the event store to ${sub === 'copy' ? 'copy into' : 'check'}, as esdb://host:2113[?options] (or kurrentdb://…), or postgres://… to rehearse on PostgreSQL.`);
    return 2;
  }
  if (to === config.DATABASE_URL) {
    io.error('--to names the database the events are in: give another store.');
    return 2;
  }
  const database = io.hearth?.database ?? (await openDatabase(config));
  try {
    if (!(await tableExists(database.db, 'events'))) {
      io.error('This database holds no event log: is DATABASE_URL or DATA_DIR the right one?');
      return 2;
    }
    const source = new PostgresEventStore(database.db, database.kind);
    const target = isEventStoreDbUrl(to) ? { store: new EventStoreDbEventStore(to), close: async () => {} } : await oneStreamPostgres(to, sub === 'copy');
    try {
      return await work(io, source, target.store);
    } finally {
      await target.store.close();
      await target.close();
    }
  } finally {
    if (!io.hearth) await database.close();
  }
}

async function oneStreamPostgres(url: string, migrate: boolean): Promise<{ store: EventStore; close(): Promise<void> }> {
  const database = await openPostgres(url, { max: 2 });
  try {
    if (migrate) await migrateToLatest(database.db);
    else if (!(await tableExists(database.db, 'events'))) throw new Error('the target holds no event log');
    return { store: new PostgresEventStore(database.db, database.kind, undefined, undefined, true), close: () => database.close() };
  } catch (err) {
    await database.close();
    throw err;
  }
}

async function copyCommand(io: CommandIo, source: PostgresEventStore, target: EventStore): Promise<number> {
  const started = Date.now();
  const progress = progressOf(io, 'Copying the log, position');
  try {
    const done = await copyLog(source, target, { onProgress: progress }).finally(progress.end);
    io.log(`Copied the log up to position ${done.head}, ${done.events.toLocaleString('en-GB')} events (${done.copied.toLocaleString('en-GB')} written now, ${done.alreadyThere.toLocaleString('en-GB')} there already), in ${seconds(started)}.`);
    io.log('Check the copy with `hearth eventstore verify --to TARGET` before Hearth uses it (see docs/scaling.md).');
    return 0;
  } catch (err) {
    if (!(err instanceof CopyConflict)) throw err;
    io.error(`Stopped: ${err.message}; the events before it are copied, none after it (see docs/scaling.md).`);
    return 1;
  }
}

async function verifyCommand(io: CommandIo, source: PostgresEventStore, target: EventStore): Promise<number> {
  const progress = progressOf(io, 'Comparing the log, position');
  const report = await verifyCopy(source, target, { onProgress: progress }).finally(progress.end);
  for (const line of copyReportLines(report)) io.log(line);
  return report.differing === 0 ? 0 : 1;
}

// Run when this is the hearth binary (bin/hearth.js, however it is linked); imported, it only exports.
const binary = fileURLToPath(new URL('../bin/hearth.js', import.meta.url));
if (process.argv[1] && realpathSync(process.argv[1]) === binary) hearthCommand(process.argv.slice(2)).then((code) => process.exit(code));
