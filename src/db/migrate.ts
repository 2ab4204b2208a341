import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileMigrationProvider, Migrator, sql, type MigrationResultSet } from 'kysely';
import type { Db } from './database.ts';

export const migrationFolder = fileURLToPath(new URL('../../migrations', import.meta.url));

const provider = new FileMigrationProvider({ fs, path, migrationFolder });
const migrator = (db: Db) => new Migrator({ db, provider });

/** Applies every pending migration; returns the names applied. Throws naming the one that failed. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  return applied(await migrator(db).migrateToLatest());
}

/** Applies pending migrations up to and including the one named (a restore brings a database to its backup's). */
export async function migrateUpTo(db: Db, name: string): Promise<string[]> {
  return applied(await migrator(db).migrateTo(name));
}

/** The migrations this Hearth knows, in the order they apply. */
export async function knownMigrations(): Promise<string[]> {
  return Object.keys(await provider.getMigrations()).sort();
}

/** Whether the database has a table of this name yet (a new database has none of Hearth's). */
export async function tableExists(db: Db, name: string): Promise<boolean> {
  const { rows } = await sql<{ present: boolean }>`SELECT to_regclass(${name}) IS NOT NULL AS present`.execute(db);
  return rows[0]?.present === true;
}

/** The migrations a database has had applied, in order, including any this Hearth does not know. */
export async function appliedMigrations(db: Db): Promise<string[]> {
  if (!(await tableExists(db, 'kysely_migration'))) return [];
  const names = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db);
  return names.rows.map((r) => r.name);
}

function applied({ error, results = [] }: MigrationResultSet): string[] {
  const failed = results.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
