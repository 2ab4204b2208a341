// Opens the relational store: embedded PGlite under DATA_DIR by default, or a PostgreSQL server.
import { mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import { PGlite } from '@electric-sql/pglite';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import type { Tables } from './tables.ts';
import { exactWhole } from '../units.ts';

// int8 comes back as text: as a number when it is one exactly, else refused as a problem (not a
// crash, and on PGlite not a bigint that JSON cannot carry).
pg.types.setTypeParser(pg.types.builtins.INT8, exactWhole);
export const pgliteParsers = { [pg.types.builtins.INT8]: exactWhole };
// Hearth's pools are given the same parser as their own: another library in the process may set
// pg's shared table otherwise (Emmett's store sets int8 to BigInt), and Hearth must read the same.
const hearthTypes = new pg.TypeOverrides();
hearthTypes.setTypeParser(pg.types.builtins.INT8, exactWhole);

export type Db = Kysely<Tables>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Set for a PostgreSQL server; other processes (workers, tests) connect with it. */
  connectionString?: string;
  close(): Promise<void>;
}

export async function openPostgres(connectionString: string, options: { max?: number; applicationName?: string } = {}): Promise<Database> {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10, application_name: options.applicationName ?? 'hearth', types: hearthTypes });
  // An idle connection that the server closes (a restart, a terminated backend) must not take the
  // process down: the pool drops it and the next query opens a new one.
  pool.on('error', () => {});
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  return { db, kind: 'postgres', connectionString, close: () => db.destroy() };
}

/**
 * PGlite is one process's database: a second process opening the same directory would corrupt it,
 * so the directory is claimed with a lock file naming the owner's pid.
 */
export async function openPglite(dataDir: string): Promise<Database> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const release = claimDirectory(dir);
  try {
    const pglite = new PGlite(join(dir, 'pglite'), { parsers: pgliteParsers });
    await pglite.waitReady;
    const db = new Kysely<Tables>({ dialect: new PGliteDialect(pglite) });
    return {
      db,
      kind: 'pglite',
      close: async () => {
        await db.destroy();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

/** An in-memory PGlite, optionally loaded from a dumped data directory (tests use a migrated template). */
export async function openPgliteInMemory(loadDataDir?: Blob | File): Promise<Database> {
  const pglite = new PGlite(loadDataDir ? { loadDataDir, parsers: pgliteParsers } : { parsers: pgliteParsers });
  await pglite.waitReady;
  const db = new Kysely<Tables>({ dialect: new PGliteDialect(pglite) });
  return { db, kind: 'pglite', close: () => db.destroy() };
}

function claimDirectory(dir: string): () => void {
  const lock = join(dir, 'hearth.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(lock, 'utf8'));
      if (owner && isAlive(owner)) {
        throw new Error(`${dir} is in use by process ${owner}; the embedded database serves one process at a time (stop it, or set DATABASE_URL)`);
      }
      rmSync(lock, { force: true });
    }
  }
  throw new Error(`could not claim ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
