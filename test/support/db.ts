// Real databases for tests: an in-memory PGlite loaded from a migrated template, and a fresh
// database on the PostgreSQL server at TEST_DATABASE_URL (dropped afterwards).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { openPostgres, openPgliteInMemory, pgliteParsers, type Database } from '../../src/db/database.ts';
import { migrateToLatest, migrationFolder } from '../../src/db/migrate.ts';
import type { Tables } from '../../src/db/tables.ts';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface Backend {
  name: 'pglite' | 'postgres';
  open(): Promise<Database>;
}

let postgresAnswered: Promise<boolean> | undefined;

/** Whether the PostgreSQL server answers. CI sets HEARTH_REQUIRE_POSTGRES=1, so there it must. */
export function postgresAvailable(): Promise<boolean> {
  postgresAnswered ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch (err) {
      if (process.env.HEARTH_REQUIRE_POSTGRES === '1') {
        throw new Error(`PostgreSQL is required (HEARTH_REQUIRE_POSTGRES=1) but ${TEST_DATABASE_URL} does not answer: ${(err as Error).message}`);
      }
      return false;
    }
  })();
  return postgresAnswered;
}

/** A new, migrated database on the server, copied from a migrated template; `close` drops it. */
export async function freshPostgres(options: { max?: number } = {}): Promise<Database> {
  const name = `hearth_test_${randomBytes(6).toString('hex')}`;
  const template = await postgresTemplate();
  await onServer((admin) => admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  const database = await openPostgres(databaseUrl(name), { max: options.max ?? 20 });
  return {
    ...database,
    async close() {
      await database.close();
      await onServer((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function onServer<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

function databaseUrl(name: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

let templateMade: Promise<string> | undefined;

/**
 * A database on the server migrated once per set of migrations, that each test's database is
 * copied from: a copy costs a fraction of running every migration. Test files run side by side, so
 * each migrates a template under a name of its own and renames it into place; the first rename wins.
 * Nothing connects to the template once it is in place, as a copy requires.
 */
function postgresTemplate(): Promise<string> {
  templateMade ??= (async () => {
    const template = `hearth_template_${migrationsHash()}`;
    const exists = async () => onServer(async (admin) => (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template])).rowCount === 1);
    if (await exists()) return template;
    const partial = `${template}_${randomBytes(4).toString('hex')}`;
    await onServer((admin) => admin.query(`CREATE DATABASE ${partial}`));
    const database = await openPostgres(databaseUrl(partial), { max: 1 });
    await migrateToLatest(database.db);
    await database.close();
    try {
      await onServer((admin) => admin.query(`ALTER DATABASE ${partial} RENAME TO ${template}`));
    } catch (err) {
      if ((err as { code?: string }).code !== '42P04') throw err;
      await onServer((admin) => admin.query(`DROP DATABASE IF EXISTS ${partial} WITH (FORCE)`));
    }
    return template;
  })();
  return templateMade;
}

/** Changes whenever a migration is added or changed, so that a template is never out of date. */
function migrationsHash(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(migrationFolder).sort()) hash.update(file).update(readFileSync(join(migrationFolder, file)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * A migrated database for a test whose subject is not the store (pages, guards): the PostgreSQL
 * server where there is one, whose native queries leave the test's process and the two cores to
 * the work under test, and PGlite otherwise. The use cases are tested on both.
 */
export async function serverFirstDatabase(): Promise<Database> {
  return (await serverFirstBackend()).open();
}

/**
 * The one store a scenario through the API runs on: the PostgreSQL server where there is one, and
 * PGlite otherwise. The store itself, the projections, the audit's chains and the use cases are
 * tested on both; the demo, which writes to every area, runs on PGlite in the crawl and the CLI.
 */
export async function serverFirstBackend(): Promise<Backend> {
  const [pglite, postgres] = await backends();
  return postgres ?? pglite!;
}

/** A migrated in-memory PGlite. A new one costs seconds; loading the cached template, well under one. */
export async function freshPglite(): Promise<Database> {
  return openPgliteInMemory(new Blob([new Uint8Array(await pgliteTemplate())]));
}

/** An in-memory PGlite loaded from a dump (the migrated template when none is given), that can be dumped again. */
export async function dumpablePglite(from?: Buffer): Promise<{ database: Database; dump(): Promise<Buffer> }> {
  const pglite = new PGlite({ loadDataDir: new Blob([new Uint8Array(from ?? (await pgliteTemplate()))]), parsers: pgliteParsers });
  await pglite.waitReady;
  const db = new Kysely<Tables>({ dialect: new PGliteDialect(pglite) });
  return {
    database: { db, kind: 'pglite', close: () => db.destroy() },
    dump: async () => Buffer.from(await (await pglite.dumpDataDir('gzip')).arrayBuffer()),
  };
}

async function pgliteTemplate(): Promise<Buffer> {
  const path = join(tmpdir(), `hearth-pglite-template-${migrationsHash()}.tar.gz`);
  if (existsSync(path)) return readFileSync(path);
  const pglite = new PGlite();
  await pglite.waitReady;
  const db = new Kysely<any>({ dialect: new PGliteDialect(pglite) });
  await migrateToLatest(db);
  const dump = Buffer.from(await (await pglite.dumpDataDir('gzip')).arrayBuffer());
  await db.destroy();
  const partial = `${path}.${process.pid}`;
  writeFileSync(partial, dump);
  renameSync(partial, path);
  return dump;
}

/** PGlite always; PostgreSQL when its server answers. */
export async function backends(): Promise<Backend[]> {
  const list: Backend[] = [{ name: 'pglite', open: freshPglite }];
  if (await postgresAvailable()) list.push({ name: 'postgres', open: () => freshPostgres() });
  return list;
}
