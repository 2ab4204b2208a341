// The targets the benchmarks are held to, each a ratio of one figure to its anchor: another
// system's figure in the same run (Emmett's appends, a plain SELECT, the API read a page shows),
// another figure of Hearth's own, or a figure measured before the work on speed began on the same
// kind of machine. Each row a target names gets its ratio; `npm run bench` fails when one is missed.
import type { Row } from './measure.ts';

export interface Target {
  /** The row the target is about, and what is measured of it. */
  row: (r: Row) => boolean;
  figure: (r: Row) => number | undefined;
  /** The anchor: a row of the same run and its figure, or a fixed figure. */
  anchor: { row: (r: Row) => boolean; figure: (r: Row) => number | undefined; name: string } | { value: number; name: string };
  /** The ratio is at least this (throughput), or at most (latency, share of refusals). */
  atLeast?: number;
  atMost?: number;
}

/** Requests per second and p99 of the HTTP log-and-confirm run before the work on speed: 2 cores, PostgreSQL 15. */
const BEFORE = { requestsPerSecond: 264, p99: 103 };

const system = (section: string, name: string, writers?: number) => (r: Row) => r.section === section && r.system === name && (writers === undefined || r.writers === writers);
const perSecond = (r: Row) => r.perSecond;
const p99 = (r: Row) => r.p99;

export const targets: Target[] = [
  ...[
    [1, 1],
    [8, 2],
    [32, 2],
  ].map(([writers, atLeast]) => ({
    row: system('append', 'Hearth', writers),
    figure: perSecond,
    anchor: { row: system('append', 'Emmett', writers), figure: perSecond, name: `Emmett at ${writers}` },
    atLeast,
  })),
  { row: system('http', 'HTTP log + confirm'), figure: perSecond, anchor: { value: BEFORE.requestsPerSecond, name: `${BEFORE.requestsPerSecond}/s before` }, atLeast: 3 },
  { row: system('http', 'HTTP log + confirm'), figure: p99, anchor: { value: BEFORE.p99, name: `p99 ${BEFORE.p99} ms before` }, atMost: 1 },
  {
    row: system('http', 'HTTP skew: 80% touch 1%'),
    figure: p99,
    anchor: { row: system('http', 'HTTP log + confirm'), figure: p99, name: 'p99 of the even run' },
    atMost: 1,
  },
  // A share, anchored at 1: fewer than 1 confirmation in 1,000 answers 409.
  { row: system('http', 'HTTP skew: 80% touch 1%'), figure: (r) => r.conflictShare, anchor: { value: 1, name: 'share answered 409' }, atMost: 0.001 },
  ...[
    ["a member's time page", "a member's account over the API"],
    ["a year's statement page", "a year's statement over the API"],
  ].map(([page, api]) => ({ row: system('pages', page!), figure: perSecond, anchor: { row: system('pages', api!), figure: perSecond, name: api! }, atLeast: 0.5 })),
  {
    row: (r: Row) => r.section === 'projections' && r.system.startsWith('catch-up'),
    figure: perSecond,
    anchor: { row: system('projections', 'plain SELECT of the events'), figure: perSecond, name: 'plain SELECT' },
    atLeast: 0.5,
  },
];

export interface Miss {
  row: Row;
  ratio: number;
  wanted: string;
}

/**
 * Gives each row a target names its ratio to the anchor (a row with two targets, the first's), and
 * returns the targets missed. A target whose row or anchor this run did not measure is not checked.
 */
export function checkTargets(rows: Row[]): Miss[] {
  const misses: Miss[] = [];
  for (const target of targets) {
    const row = rows.find(target.row);
    const anchorRow = 'value' in target.anchor ? undefined : rows.find(target.anchor.row);
    const anchor = 'value' in target.anchor ? target.anchor.value : anchorRow && target.anchor.figure(anchorRow);
    const figure = row && target.figure(row);
    if (!row || figure === undefined || anchor === undefined || anchor === 0) continue;
    const ratio = figure / anchor;
    const wanted = target.atLeast !== undefined ? `≥ ${target.atLeast}` : `≤ ${target.atMost}`;
    const met = target.atLeast !== undefined ? ratio >= target.atLeast : ratio <= target.atMost!;
    row.ratios = [...(row.ratios ?? []), `${formatRatio(ratio)} of ${target.anchor.name} (${wanted})${met ? '' : ' MISSED'}`];
    if (!met) misses.push({ row, ratio, wanted });
  }
  return misses;
}

const formatRatio = (ratio: number) => (ratio >= 0.01 || ratio === 0 ? ratio.toFixed(2) : ratio.toPrecision(2));
