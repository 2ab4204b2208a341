// A scratch database on the PostgreSQL at DATABASE_URL for one benchmark, so the figures are not
// skewed by whatever is already there; dropped afterwards, connections and all.
import pg from 'pg';
import pino from 'pino';
import { openPostgres } from '../src/db/database.ts';
import { loadConfig } from '../src/config.ts';
import { openHearth, type Hearth } from '../src/hearth.ts';

export async function scratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('set DATABASE_URL to the PostgreSQL server to measure');
  const name = `hearth_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** Hearth on a scratch database, with a pool of this many connections. */
export async function scratchHearth(connections: number): Promise<{ hearth: Hearth; url: string; drop(): Promise<void> }> {
  const scratch = await scratchDatabase();
  const database = await openPostgres(scratch.url, { max: connections });
  const hearth = await openHearth(loadConfig({ DATABASE_URL: scratch.url }), pino({ level: process.env.BENCH_LOG_LEVEL ?? 'error' }, pino.destination(2)), { database });
  return {
    hearth,
    url: scratch.url,
    async drop() {
      await hearth.close();
      await scratch.drop();
    },
  };
}
