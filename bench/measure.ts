// What every benchmark section shares: percentiles of latencies, and one shape of result row.

export interface Row {
  section: string;
  system: string;
  /** Concurrent writers or connections, where that is the variable. */
  writers?: number;
  /** Throughput: commands, requests or events per second. */
  perSecond?: number;
  p50?: number;
  p99?: number;
  p999?: number;
  /** Of the confirmations, the share answered 409 (the HTTP runs). */
  conflictShare?: number;
  /** Each target's ratio to its anchor (bench/targets.ts), as written in the table. */
  ratios?: string[];
  /** Anything else a section measures (peak RSS in MB, counts). */
  note?: string;
}

export function percentiles(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => Number((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(2));
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999) };
}

export function markdownTable(rows: Row[]): string {
  const cell = (v: number | string | undefined) => (v === undefined ? '' : String(v));
  return [
    '| section | system | writers | per second | p50 ms | p99 ms | p99.9 ms | ratio to anchor (target) | note |',
    '|---|---|---:|---:|---:|---:|---:|---|---|',
    ...rows.map((r) => `| ${r.section} | ${r.system} | ${cell(r.writers)} | ${cell(r.perSecond)} | ${cell(r.p50)} | ${cell(r.p99)} | ${cell(r.p999)} | ${cell(r.ratios?.join('; '))} | ${cell(r.note)} |`),
  ].join('\n');
}
