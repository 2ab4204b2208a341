// The hearth command in-process: the entry point the binary runs, on one Hearth kept open for the
// test file, so that a command costs its requests rather than a process and a database opening.
// test/cli.test.ts keeps running the binary itself, in real processes.
import { hearthCommand } from '../../src/cli.ts';
import type { Hearth } from '../../src/hearth.ts';
import type { App } from '../../src/http/app.ts';

/** What a run of the command left: as spawnSync reports a process. */
export interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

export type HearthCommand = (...args: string[]) => Promise<Ran>;

/**
 * The command run against this Hearth and its API (none for commands that make no requests), its
 * output captured line by line as the console prints it.
 */
export function commandOn(hearth: Hearth, app?: App): HearthCommand {
  return async (...args) => {
    let stdout = '';
    let stderr = '';
    const status = await hearthCommand(args, { hearth, app, log: (line) => (stdout += `${line}\n`), error: (line) => (stderr += `${line}\n`) });
    return { status, stdout, stderr };
  };
}
