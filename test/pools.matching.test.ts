// Matching bank lines to a pool's ledger: by amount within a window of days, preferring a line
// that names the entry's reference, then the nearer date; one to one, whatever the order given,
// and never a guess between two equally good candidates.
import t from 'tap';
import fc from 'fast-check';
import { readStatement, type BankLine } from '../src/pools/bank-statement.ts';
import { matchLines, unmatched, type LedgerEntry, type Match } from '../src/pools/matching.ts';

const line = (lineId: string, on: string, pence: number, description = ''): BankLine => ({ lineId, line: 0, on, description, pence, balancePence: null });
const entry = (entryId: string, on: string, pence: number, reference = ''): LedgerEntry => ({ entryId, on, pence, reference });

t.test('a month of a pool, from a Lloyds statement', async (t) => {
  const { lines } = readStatement([
    'Transaction Date,Transaction Type,Sort Code,Account Number,Transaction Description,Debit Amount,Credit Amount,Balance',
    "30/01/2026,FPO,'30-94-57,12345678,ARMLEY HELPING HANDS INV 1047,86.40,,3232.70",
    "12/01/2026,FPO,'30-94-57,12345678,LEEDS COMMUNITY TRANSPORT,25.00,,3319.10",
    "09/01/2026,FPO,'30-94-57,12345678,ARMLEY HELPING HANDS INV 1041,86.40,,3344.10",
    "06/01/2026,DD,'30-94-57,12345678,WATERSIDE INSURANCE,12.50,,3430.50",
    "02/01/2026,FPI,'30-94-57,12345678,LEEDS CC DP HOLDER 0012,,1250.00,3443.00",
  ].join('\n'));
  const ledger = [
    entry('contribution', '2025-12-31', 125000, 'HOLDER-0012'),
    entry('invoice-1041', '2026-01-07', -8640, 'INV-1041'),
    entry('invoice-1047', '2026-01-28', -8640, 'inv-1047'),
    entry('transport', '2026-01-10', -2500, 'LCT'),
    entry('grant', '2026-01-15', 50000, 'Lottery'),
  ];
  const matches = matchLines(lines, ledger);
  const byEntry = Object.fromEntries(matches.map((m) => [m.entryId, [lines.find((l) => l.lineId === m.lineId)!.description, m.how]]));
  t.same(byEntry, {
    contribution: ['LEEDS CC DP HOLDER 0012', 'amount-date-reference'],
    'invoice-1041': ['ARMLEY HELPING HANDS INV 1041', 'amount-date-reference'],
    'invoice-1047': ['ARMLEY HELPING HANDS INV 1047', 'amount-date-reference'],
    transport: ['LEEDS COMMUNITY TRANSPORT', 'amount-date'],
  });
  const left = unmatched(lines, ledger, matches);
  t.same(left.lines.map((l) => l.description), ['WATERSIDE INSURANCE'], 'a direct debit not yet in the ledger');
  t.same(left.entries.map((e) => e.entryId), ['grant'], 'a grant not yet in the bank');
});

t.test('the rules', async (t) => {
  t.same(matchLines([line('L', '2026-03-02', -1000)], [entry('E', '2026-03-05', -1000)]), [{ lineId: 'L', entryId: 'E', how: 'amount-date' }], 'same amount, three days apart');
  t.same(matchLines([line('L', '2026-03-02', -1000)], [entry('E', '2026-03-02', 1000)]), [], 'money in is not money out');
  t.same(matchLines([line('L', '2026-03-02', -1000)], [entry('E', '2026-03-02', -1001)]), [], 'a penny out');
  t.same(matchLines([line('L', '2026-03-10', -1000)], [entry('E', '2026-03-02', -1000)]), [], 'eight days apart, outside the window');
  t.same(matchLines([line('L', '2026-02-26', -1000)], [entry('E', '2026-03-05', -1000)]), [{ lineId: 'L', entryId: 'E', how: 'amount-date' }], 'seven days apart over the end of February');
  t.same(matchLines([line('L', '2026-03-10', -1000)], [entry('E', '2026-03-02', -1000)], { windowDays: 10 }), [{ lineId: 'L', entryId: 'E', how: 'amount-date' }], 'a wider window');
  t.same(matchLines([line('L', '2026-03-03', -1000)], [entry('E', '2026-03-02', -1000)], { windowDays: 0 }), [], 'no window at all');

  const refs = [line('near', '2026-03-02', -1000, 'CORNER SHOP'), line('named', '2026-03-06', -1000, 'HELPING HANDS inv/2231')];
  t.same(matchLines(refs, [entry('E', '2026-03-02', -1000, 'INV-2231')]), [{ lineId: 'named', entryId: 'E', how: 'amount-date-reference' }], 'the reference outranks the nearer date');

  const dates = [line('far', '2026-03-06', -1000), line('near', '2026-03-03', -1000)];
  t.same(matchLines(dates, [entry('E', '2026-03-02', -1000)]), [{ lineId: 'near', entryId: 'E', how: 'amount-date' }], 'then the nearer date');

  const short = [line('a', '2026-03-02', -1000, 'AB SERVICES'), line('b', '2026-03-02', -1000, 'CD SERVICES')];
  t.same(matchLines(short, [entry('E', '2026-03-02', -1000, 'AB')]), [], 'a two-letter reference tells nothing apart');
  t.same(matchLines([line('a', '2026-03-02', -1000, 'AB SERVICES')], [entry('E', '2026-03-02', -1000, 'AB')]), [{ lineId: 'a', entryId: 'E', how: 'amount-date' }], 'and is no reference match');
  t.same(matchLines([line('a', '2026-03-02', 500, 'Transfer from M. O\'Brien ref: dp 0012')], [entry('E', '2026-03-02', 500, 'DP-0012')]), [{ lineId: 'a', entryId: 'E', how: 'amount-date-reference' }], 'letters and digits only, any case');
});

t.test('never a guess: equally good candidates are left for a manual match', async (t) => {
  const twins = [line('a', '2026-03-02', -200, 'BUS FARE'), line('b', '2026-03-02', -200, 'BUS FARE')];
  t.same(matchLines(twins, [entry('E', '2026-03-02', -200)]), [], 'two lines, one entry');
  t.same(matchLines(twins, [entry('E', '2026-03-02', -200), entry('F', '2026-03-02', -200)]), [], 'two lines, two entries, nothing to tell them apart');
  t.same(matchLines([line('a', '2026-03-01', -200), line('b', '2026-03-03', -200)], [entry('E', '2026-03-02', -200)]), [], 'a day either side');
  t.same(matchLines([line('a', '2026-03-02', -200)], [entry('E', '2026-03-01', -200), entry('F', '2026-03-03', -200)]), [], 'two entries a day either side of one line');

  const told = [line('a', '2026-03-02', -200, 'BUS FARE TKT 771'), line('b', '2026-03-02', -200, 'BUS FARE TKT 772')];
  t.same(matchLines(told, [entry('E', '2026-03-02', -200, 'TKT772'), entry('F', '2026-03-02', -200, 'TKT771')]), [
    { lineId: 'a', entryId: 'F', how: 'amount-date-reference' },
    { lineId: 'b', entryId: 'E', how: 'amount-date-reference' },
  ], 'references tell them apart');

  // Once the referenced pair is set aside, the other two are alone with each other.
  const rest = [line('a', '2026-03-02', -200, 'PAYMENT 4471'), line('b', '2026-03-02', -200, 'PAYMENT')];
  t.same(matchLines(rest, [entry('E', '2026-03-02', -200, '4471'), entry('F', '2026-03-03', -200)]), [
    { lineId: 'a', entryId: 'E', how: 'amount-date-reference' },
    { lineId: 'b', entryId: 'F', how: 'amount-date' },
  ]);
});

t.test('each id is given once', async (t) => {
  t.throws(() => matchLines([line('a', '2026-03-02', 1), line('a', '2026-03-02', 1)], []));
  t.throws(() => matchLines([], [entry('E', '2026-03-02', 1), entry('E', '2026-03-02', 1)]));
});

t.test('property: one to one, within the rules, whatever the order', async () => {
  // Few amounts, days and references, so that collisions and ties are common.
  const amount = fc.constantFrom(-2500, -1000, 1000, 2500);
  const day = fc.integer({ min: 1, max: 20 }).map((d) => `2026-03-${String(d).padStart(2, '0')}`);
  const reference = fc.constantFrom('', 'AB', 'INV-101', 'INV-102', 'DP 0012');
  const description = fc.constantFrom('', 'SHOP', 'HELPING HANDS INV 101', 'inv102 TRANSPORT', 'LEEDS CC DP-0012 AB');
  const world = fc.record({
    lines: fc.array(fc.record({ on: day, pence: amount, description }), { maxLength: 14 }),
    entries: fc.array(fc.record({ on: day, pence: amount, reference }), { maxLength: 14 }),
    window: fc.integer({ min: 0, max: 8 }),
    shuffle: fc.array(fc.double({ noNaN: true }), { minLength: 28, maxLength: 28 }),
  });
  const mix = <T>(xs: T[], keys: number[]) => xs.map((x, i) => ({ x, k: keys[i]! })).sort((a, b) => a.k - b.k).map((p) => p.x);
  const key = (ms: Match[]) => ms.map((m) => `${m.lineId}>${m.entryId}:${m.how}`).sort();

  fc.assert(
    fc.property(world, ({ lines: l, entries: e, window, shuffle }) => {
      const lines = l.map((x, i) => line(`line-${i}`, x.on, x.pence, x.description));
      const entries = e.map((x, i) => entry(`entry-${i}`, x.on, x.pence, x.reference));
      const matches = matchLines(lines, entries, { windowDays: window });

      const lineIds = matches.map((m) => m.lineId);
      const entryIds = matches.map((m) => m.entryId);
      if (new Set(lineIds).size !== lineIds.length || new Set(entryIds).size !== entryIds.length) return false;
      for (const m of matches) {
        const b = lines.find((x) => x.lineId === m.lineId)!;
        const g = entries.find((x) => x.entryId === m.entryId)!;
        if (b.pence !== g.pence) return false;
        if (Math.abs(Date.parse(b.on) - Date.parse(g.on)) > window * 86_400_000) return false;
      }
      const left = unmatched(lines, entries, matches);
      if (left.lines.length + matches.length !== lines.length || left.entries.length + matches.length !== entries.length) return false;

      const again = matchLines(mix(lines, shuffle.slice(0, 14)), mix(entries, shuffle.slice(14)), { windowDays: window });
      return JSON.stringify(key(again)) === JSON.stringify(key(matches)) && JSON.stringify(again) === JSON.stringify(matches);
    }),
    { numRuns: 500 },
  );
});
