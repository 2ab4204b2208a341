// How far a long command has got, on stderr, so that stdout stays the command's answer.
//
//   const progress = progressLine('events rebuilt', { out: process.stderr });
//   progress(done, total?);   // as often as the work likes: counts only, never names or ids
//   progress.end();           // once, when the work is over (also after a failure)
//
// On a terminal the line is rewritten in place at each update (at most ten times a second);
// anywhere else (a log, a pipe, cron's mail) a plain line is written at most every `everyMs`
// (5 s unless told), and one more at the end with the last figures.

/** Where the line goes: stderr, or anything that takes text and may say it is a terminal. */
export interface ProgressOut {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressOptions {
  out?: ProgressOut;
  /** Off a terminal, the least time between two lines; 5 s unless told. */
  everyMs?: number;
  /** The clock the intervals are measured by. */
  now?: () => number;
}

export interface Progress {
  (done: number, total?: number): void;
  end(): void;
}

const REDRAW_MS = 100;

export function progressLine(what: string, options: ProgressOptions = {}): Progress {
  const out = options.out ?? process.stderr;
  const now = options.now ?? Date.now;
  const terminal = out.isTTY === true;
  const every = terminal ? REDRAW_MS : (options.everyMs ?? 5_000);
  let last: { done: number; total?: number } | undefined;
  let shownAt = now();
  let shown = '';
  const text = () => (last ? `${what}: ${last.done}${last.total === undefined ? '' : ` of ${last.total}${last.total > 0 ? ` (${Math.floor((last.done / last.total) * 100)}%)` : ''}`}` : '');
  const show = () => {
    shown = text();
    shownAt = now();
    // \x1b[K clears what a longer line before left on the terminal.
    out.write(terminal ? `\r${shown}\x1b[K` : `${shown}\n`);
  };
  const progress = ((done: number, total?: number) => {
    last = total === undefined ? { done } : { done, total };
    if (now() - shownAt >= every) show();
  }) as Progress;
  progress.end = () => {
    if (!last) return;
    if (text() !== shown) show();
    if (terminal) out.write('\n');
    last = undefined;
  };
  return progress;
}
