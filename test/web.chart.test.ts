// Charts drawn on the server: an image a screen reader can name and describe, and the same figures
// in a table beside it.
import t from 'tap';
import { barChart, lineChart } from '../src/web/chart.ts';
import { formatPence, formatPounds } from '../src/units.ts';
import { layout } from '../src/web/layout.ts';

t.test('a line chart names itself, plots every point, and tables the same figures', async (t) => {
  const points = [
    { label: '1 Oct', value: 120_000 },
    { label: '1 Nov', value: 95_050 },
    { label: '1 Dec', value: -2_500 },
  ];
  const { html } = lineChart({ id: 'balance', title: 'Pool balance', description: 'Fell from £1,200.00 to -£25.00', xLabel: 'Day', yLabel: 'Balance', points, format: formatPence });
  t.match(html, /<svg[^>]*role="img"[^>]*aria-labelledby="balance-title balance-desc"/);
  t.match(html, /<title id="balance-title">Pool balance<\/title><desc id="balance-desc">Fell from £1,200.00 to -£25.00<\/desc>/);
  t.equal(html.match(/<circle /g)?.length, 3, 'one mark per point');
  const polyline = /points="([^"]+)"/.exec(html)![1]!.split(' ').map((p) => p.split(',').map(Number));
  t.ok(polyline[0]![1]! < polyline[1]![1]! && polyline[1]![1]! < polyline[2]![1]!, 'a smaller value is drawn lower');
  for (const p of points) t.match(html, new RegExp(`<th scope="row">${p.label}</th><td class="num">${formatPence(p.value).replace(/[.$]/g, '\\$&')}</td>`), `the table has ${p.label}`);
});

t.test('a bar chart draws bars in proportion, with their values written on them', async (t) => {
  const { html } = barChart({ id: 'votes', title: 'Votes', description: '6 for, 3 against, 1 abstained', bars: [{ label: 'For', value: 6 }, { label: 'Against', value: 3 }, { label: 'Abstain', value: 1 }], format: String });
  const heights = [...html.matchAll(/<rect [^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
  t.equal(heights.length, 3);
  t.ok(Math.abs(heights[0]! / heights[1]! - 2) < 1e-9, 'six is twice as tall as three');
  t.ok(Math.abs(heights[1]! / heights[2]! - 3) < 1e-9, 'three is three times as tall as one');
  t.match(html, /<th scope="row">Against<\/th><td class="num">3<\/td>/);
});

t.test('nothing but zeros still draws, with no division by zero', async (t) => {
  const { html } = barChart({ id: 'none', title: 'No votes yet', description: 'Nobody has voted', bars: [{ label: 'For', value: 0 }], format: String });
  t.notMatch(html, /NaN|Infinity/);
  const line = lineChart({ id: 'flat', title: 'Flat', description: 'Nothing moved', xLabel: 'Day', yLabel: 'Balance', points: [{ label: 'Today', value: 0 }], format: String });
  t.notMatch(line.html, /NaN|Infinity/);
});

t.test('text is never under 14 CSS pixels: drawn for a 320-pixel screen and only ever enlarged', async (t) => {
  const chart = lineChart({ id: 'b', title: 'Balance', description: 'Rose', xLabel: 'Month', yLabel: 'Balance', points: [{ label: 'Oct 2026', value: 0 }, { label: 'Nov 2026', value: 120_000 }, { label: 'Dec 2026', value: 95_050 }], format: formatPence });
  const { html } = chart;
  const width = Number(/viewBox="0 0 (\d+) /.exec(html)![1]);
  // At 320 pixels (or 1280 at 400%) the page leaves 320 less two 1rem margins of 18 pixels.
  t.ok(width <= 320 - 2 * 18, `the drawing is ${width} wide, so it is never shrunk`);
  const sizes = [...html.matchAll(/font-size="(\d+)"/g)].map((m) => Number(m[1]));
  t.ok(sizes.length > 0 && sizes.every((s) => s >= 14), 'every text is at least 14');
  t.match(layout({ title: 'x', body: chart }), /figure\.chart svg \{ width: 100%;/, 'and the stylesheet lets it fill the column');
});

t.test('money up the side is in whole pounds when the steps are, the table keeps the pence', async (t) => {
  const { html } = lineChart({ id: 'b', title: 'Balance', description: 'Rose', xLabel: 'Month', yLabel: 'Balance', points: [{ label: 'Nov', value: 120_000 }, { label: 'Dec', value: 95_050 }], format: formatPence, axisFormat: formatPounds });
  const axis = [...html.matchAll(/text-anchor="end" font-size="\d+" fill="#0b0c0c">(£[^<]+)</g)].map((m) => m[1]);
  t.ok(axis.includes('£1,000') && axis.includes('£0'), `the axis says ${axis.join(', ')}`);
  t.notOk(axis.some((a) => a!.includes('.')), 'with no pence');
  t.match(html, /<td class="num">£950\.50<\/td>/);
  t.equal(formatPounds(1_250), '£12.50', 'an amount with pence keeps them');
  t.equal(formatPounds(-500), '-£5');
});

t.test('a long series is labelled at its ends and middle only, so labels never collide', async (t) => {
  const points = Array.from({ length: 13 }, (_, i) => ({ label: `M${i}`, value: i * 100 }));
  const { html } = lineChart({ id: 'l', title: 'Long', description: 'Rose', xLabel: 'Month', yLabel: 'Balance', points, format: String });
  const labels = [...html.matchAll(/<text x="[\d.]+" y="198" [^>]*>(M\d+)</g)].map((m) => m[1]);
  t.same(labels, ['M0', 'M7', 'M12']);
});
