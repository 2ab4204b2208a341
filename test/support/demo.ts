// The demo, loaded once for every test file that starts from it. Loading it takes most of a CPU
// for half a minute, so the first file to need it keeps a snapshot of its database, with its
// secret and what it printed; the others load the snapshot in a second. The snapshot is named by
// the source it was made from and the day (the demo dates things from today), so a change to
// either makes a new one.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import type { Hearth } from '../../src/hearth.ts';
import { buildApp, type App } from '../../src/http/app.ts';
import { commandOn, type HearthCommand, type Ran } from './cli.ts';
import { dumpablePglite } from './db.ts';
import { testHearth } from './hearth.ts';

const root = new URL('../../', import.meta.url).pathname;

interface Snapshot {
  secret: string;
  demo: Ran;
}

/**
 * A Hearth holding the demo, its projections running, with the hearth command on it, and what
 * `hearth demo` printed when it loaded it; `settings` as testHearth takes them. Closed when the
 * test file ends.
 */
export async function demoHearth(t: Test, settings: Record<string, string> = {}): Promise<{ hearth: Hearth; app: App; hearthCommand: HearthCommand; demo: Ran }> {
  const path = join(tmpdir(), `hearth-demo-${sourceHash()}`);
  const kept = await snapshot(path);
  const { database, dump } = await dumpablePglite(kept?.data);
  const secret = kept?.secret ?? randomBytes(32).toString('base64');
  const hearth = await testHearth(database, { ...settings, HEARTH_SECRET: secret });
  await hearth.engine.start();
  const app = await buildApp(hearth);
  t.teardown(async () => {
    await app.close();
    await hearth.close();
  });
  const hearthCommand = commandOn(hearth, app);
  if (kept) return { hearth, app, hearthCommand, demo: kept.demo };

  const demo = await hearthCommand('demo');
  if (demo.status === 0) {
    // Leases released and every projection caught up, so that a loaded snapshot starts where this left off.
    await hearth.engine.stop();
    writeFileSync(`${path}.tar.gz`, await dump());
    writeFileSync(`${path}.json.${process.pid}`, JSON.stringify({ secret, demo } satisfies Snapshot));
    renameSync(`${path}.json.${process.pid}`, `${path}.json`);
    await hearth.engine.start();
  }
  rmSync(`${path}.lock`, { force: true });
  return { hearth, app, hearthCommand, demo };
}

/** The snapshot kept at this path, waiting while another process makes it; undefined when this one is to make it. */
async function snapshot(path: string): Promise<(Snapshot & { data: Buffer }) | undefined> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    if (existsSync(`${path}.json`)) {
      return { ...(JSON.parse(readFileSync(`${path}.json`, 'utf8')) as Snapshot), data: readFileSync(`${path}.tar.gz`) };
    }
    try {
      closeSync(openSync(`${path}.lock`, 'wx'));
      writeFileSync(`${path}.lock`, String(process.pid));
      return undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(readFileSync(`${path}.lock`, 'utf8'));
    if (owner && !alive(owner)) rmSync(`${path}.lock`, { force: true });
    if (Date.now() > deadline) throw new Error(`The demo snapshot at ${path} was not made within ten minutes.`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The source that makes the demo (the code, the projections, the migrations) and today's date. */
function sourceHash(): string {
  const hash = createHash('sha256').update(new Date().toISOString().slice(0, 10));
  const walk = (dir: string) => {
    for (const name of readdirSync(join(root, dir)).sort()) {
      const file = join(dir, name);
      if (statSync(join(root, file)).isDirectory()) walk(file);
      else hash.update(file).update(readFileSync(join(root, file)));
    }
  };
  for (const dir of ['src', 'projections', 'migrations']) walk(dir);
  return hash.digest('hex').slice(0, 16);
}
