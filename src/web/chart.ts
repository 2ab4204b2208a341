// Charts drawn on the server as SVG, so they need no script and print as they show. Each is an
// image with a title and a description a screen reader reads, and the same figures follow in a
// table, for anyone who would rather read numbers than a picture. Colours and text pass AA
// contrast on white; bars and lines are told apart by their labels, never by colour alone.
import { html, type Html } from '../http/html.ts';

interface Point {
  label: string;
  value: number;
}

interface Chart {
  /** Unique on the page: the title and description are referred to by id. */
  id: string;
  title: string;
  description: string;
  format: (value: number) => string;
  /** The labels up the side, when they are said more briefly than the figures (£1,200 for £1,200.00). */
  axisFormat?: (value: number) => string;
}

// Drawn for the narrowest screen, 320 CSS pixels less the page's margins (and 1280 at 400% zoom),
// so that the picture is never shrunk and its text is never under FONT pixels; wider screens only
// enlarge it (see figure.chart in the stylesheet).
export const WIDTH = 280;
export const FONT = 14;
const HEIGHT = 220;
const RIGHT = 8;
const TOP = 12;
const BOTTOM = 44;
/** A generous width of one character at FONT, so that the labels up the side always fit. */
const CHARACTER = 8.5;
const INK = '#0b0c0c';
const LINE = '#1d4e89';
const GRID = '#b1b4b6';

/** Round steps for an axis from lo to hi: 1, 2 or 5 times a power of ten. */
function ticks(lo: number, hi: number, most = 5): number[] {
  if (lo === hi) return [lo];
  const raw = (hi - lo) / most;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step / 2; v += step) out.push(v);
  return out;
}

function frame(chart: Chart, plot: Html, table: Html): Html {
  return html`<figure class="chart"><svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${chart.id}-title ${chart.id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="${chart.id}-title">${chart.title}</title><desc id="${chart.id}-desc">${chart.description}</desc>${plot}</svg><figcaption>${chart.title}. The figures are in the table below.</figcaption></figure>${table}`;
}

function figuresTable(chart: Chart, labelHeading: string, valueHeading: string, points: Point[]): Html {
  return html`<div class="table-scroll"><table><caption>${chart.title}: the figures</caption><thead><tr><th scope="col">${labelHeading}</th><th scope="col" class="num">${valueHeading}</th></tr></thead><tbody>${points.map((p) => html`<tr><th scope="row">${p.label}</th><td class="num">${chart.format(p.value)}</td></tr>`)}</tbody></table></div>`;
}

/** Where the plot starts: past the widest label up the side. */
const leftOf = (chart: Chart, lo: number, hi: number) => Math.ceil(Math.max(...ticks(lo, hi).map((v) => (chart.axisFormat ?? chart.format)(v).length)) * CHARACTER) + 12;

function yAxis(chart: Chart, lo: number, hi: number, y: (v: number) => number): Html {
  const left = leftOf(chart, lo, hi);
  return html`${ticks(lo, hi).map(
    (v) => html`<line x1="${left}" x2="${WIDTH - RIGHT}" y1="${y(v)}" y2="${y(v)}" stroke="${GRID}" stroke-width="1"/><text x="${left - 6}" y="${y(v) + 5}" text-anchor="end" font-size="${FONT}" fill="${INK}">${(chart.axisFormat ?? chart.format)(v)}</text>`,
  )}`;
}

/** A value over time, such as a pool's balance at the end of each day or month. */
export function lineChart(chart: Chart & { xLabel: string; yLabel: string; points: Point[] }): Html {
  const { points } = chart;
  const values = points.map((p) => p.value);
  const [lo, hi] = [Math.min(0, ...values), Math.max(0, ...values)];
  const span = ticks(lo, hi);
  const [low, high] = [span[0]!, span[span.length - 1]!];
  const y = (v: number) => TOP + (HEIGHT - TOP - BOTTOM) * (high === low ? 0.5 : (high - v) / (high - low));
  const LEFT = leftOf(chart, low, high);
  const x = (i: number) => LEFT + (WIDTH - LEFT - RIGHT) * (points.length === 1 ? 0.5 : i / (points.length - 1));
  // Few labels along the bottom, so they never overlap: the first, the last and one between;
  // the ends are anchored inwards so that they are not cut off.
  const every = Math.max(1, Math.ceil(points.length / 2));
  const last = points.length - 1;
  const labelled = points.map((p, i) => ({ p, i })).filter(({ i }) => i === last || (i % every === 0 && last - i >= every / 2));
  const plot = html`${yAxis(chart, low, high, y)}
    <polyline fill="none" stroke="${LINE}" stroke-width="3" points="${points.map((p, i) => `${x(i)},${y(p.value)}`).join(' ')}"/>
    ${points.map((p, i) => html`<circle cx="${x(i)}" cy="${y(p.value)}" r="4" fill="${LINE}"/>`)}
    ${labelled.map(({ p, i }) => html`<text x="${x(i)}" y="${HEIGHT - BOTTOM + 22}" text-anchor="${points.length > 1 && i === points.length - 1 ? 'end' : points.length > 1 && i === 0 ? 'start' : 'middle'}" font-size="${FONT}" fill="${INK}">${p.label}</text>`)}
    <text x="${(LEFT + WIDTH - RIGHT) / 2}" y="${HEIGHT - 6}" text-anchor="middle" font-size="${FONT}" fill="${INK}">${chart.xLabel}</text>`;
  return frame(chart, plot, figuresTable(chart, chart.xLabel, chart.yLabel, points));
}

/** A few amounts side by side, such as the votes for, against and abstaining. */
export function barChart(chart: Chart & { bars: Point[] }): Html {
  const { bars } = chart;
  const span = ticks(0, Math.max(1, ...bars.map((b) => b.value)));
  const high = span[span.length - 1]!;
  const y = (v: number) => TOP + TOP + (HEIGHT - TOP - TOP - BOTTOM) * ((high - v) / high);
  const LEFT = leftOf(chart, 0, high);
  const slot = (WIDTH - LEFT - RIGHT) / Math.max(1, bars.length);
  const plot = html`${yAxis(chart, 0, high, y)}
    ${bars.map((b, i) => {
      const x = LEFT + slot * i + slot * 0.2;
      return html`<rect x="${x}" y="${y(b.value)}" width="${slot * 0.6}" height="${y(0) - y(b.value)}" fill="${LINE}"/><text x="${x + slot * 0.3}" y="${y(b.value) - 6}" text-anchor="middle" font-size="${FONT}" font-weight="bold" fill="${INK}">${chart.format(b.value)}</text><text x="${x + slot * 0.3}" y="${HEIGHT - BOTTOM + 22}" text-anchor="middle" font-size="${FONT}" fill="${INK}">${b.label}</text>`;
    })}`;
  return frame(chart, plot, figuresTable(chart, 'What', 'How many', bars));
}
