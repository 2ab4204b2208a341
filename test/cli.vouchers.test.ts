// Learning vouchers from the hearth command, run in-process through the binary's entry point on one PGlite: the
// demo's vouchers, a gift given, paid for and used, what its giver sees, a session refused the
// second time, the expiry run and the treasurer's liability report.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { daysAgo } from '../src/dates.ts';
import { decideAcross } from '../src/commands/decide.ts';
import { expiryFrom, voucherDecider, voucherStream } from '../src/vouchers/voucher.ts';
import { contextFor } from './support/given.ts';
import { parseStart, parseVoucherShares } from '../src/cli/voucher-commands.ts';
import { UsageError } from '../src/cli/commands.ts';
import { demoHearth } from './support/demo.ts';

const { hearth: h, hearthCommand: hearth, demo } = await demoHearth(t);
const as = (first: string) => ['--as', `${first}@demo.hearth.example`];
// Taken afresh for each test, so that a run across midnight does not date one step yesterday and the next today.
let today = daysAgo(0);
t.beforeEach(() => {
  today = daysAgo(0);
});

const network = /Kirkstall Time Bank: ([0-9a-f-]{36})/.exec(demo.stdout)?.[1] ?? '';

/** The usage message a parser refuses with, or null when it accepts. */
const usageError = (fn: () => unknown) => {
  try {
    fn();
    return null;
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
};

t.test('session times and shares as typed at the desk', async (t) => {
  t.equal(parseStart('2026-03-01T14:00'), '2026-03-01T14:00:00.000Z', 'times are UTC');
  t.equal(parseStart('2026-03-01 14:00'), '2026-03-01T14:00:00.000Z');
  t.equal(parseStart(' 2026-03-01T14:00:30Z '), '2026-03-01T14:00:30.000Z');
  t.equal(parseStart('2026-03-01T14:00:30.250Z'), '2026-03-01T14:00:30.250Z');
  for (const wrong of ['yesterday', '2026-03-01', '2026-02-30T10:00', '2026-03-01T24:00', '2026-03-01T14:00+01:00', '14:00']) {
    t.match(usageError(() => parseStart(wrong)), /is not a time: give the day and the time the session started/, `"${wrong}" is refused`);
  }
  const [l1, l2, l3, v1, v2] = ['a1', 'a2', 'a3', 'b1', 'b2'].map((n) => `0190f0a0-0000-7000-8000-0000000000${n}`) as [string, string, string, string, string];
  t.same(parseVoucherShares(`${l1}:${v1}:8.00,${l2}:${v2},${l3}:own:£7.50`), [
    { learnerId: l1, voucherId: v1, pence: 800 },
    { learnerId: l2, voucherId: v2, pence: null },
    { learnerId: l3, voucherId: null, pence: 750 },
  ], "a voucher's part, a sessions voucher's whole session, and a learner's own money");
  t.match(usageError(() => parseVoucherShares(`${l3}:own`)), /should be a learner, their voucher/, 'their own money needs an amount');
  t.match(usageError(() => parseVoucherShares(l1)), /should be a learner, their voucher/, 'a share names a voucher or own');
  t.match(usageError(() => parseVoucherShares(`${l1}:${v1}:8.00:9`)), /should be a learner, their voucher/);
  t.match(usageError(() => parseVoucherShares(`${l1}:${v1}:8.001`)), /not an amount of money/, 'no fraction of a penny');
});

t.test("the demo's vouchers: what is held, and what expired back to the giver", async (t) => {
  t.equal(demo.status, 0, demo.stderr);
  t.match(demo.stdout, /Learning vouchers in Kirkstall Time Bank \(the treasurer is tom@demo\.hearth\.example\): £99\.00 held for learners from £208\.00 paid; £73\.00 redeemed in sessions\./);
  t.match(demo.stdout, /Expired: Stan Lowe's voucher from Jake Lowe, 3 sessions unused, £36\.00 back to Jake Lowe\./);
  t.match(demo.stdout, /Audit verified/);
});

t.test('a voucher given, paid for, used, seen by its giver, expired and reported', async (t) => {
  const members = await hearth('network', 'members', '--network', network, ...as('coordinator'));
  t.equal(members.status, 0, members.stderr);
  const idOf = (name: string) => new RegExp(`([0-9a-f-]{36})  ${name}`).exec(members.stdout)?.[1] ?? '';
  const [walter, edna, ann] = [idOf('Walter Greenwood'), idOf('Edna Firth'), idOf('Ann Whitaker')];
  t.ok(walter && edna && ann, 'members listed by name');

  // Karen gives Walter four watercolour sessions at £12.50; the demo's policy: a year, then the learning fund.
  const given = await hearth('voucher', 'give', '--network', network, '--learner', walter, '--activity', 'Watercolours', '--sessions', '4', '--per-session', '12.50', '--occasion', "Father's Day", '--message', 'Paint the Abbey for us. Karen', ...as('karen'));
  t.equal(given.status, 0, given.stderr);
  const expiresOn = expiryFrom(today, { expiryMonths: 12, atExpiry: 'learning-fund' });
  t.match(given.stdout, new RegExp(`^Voucher [0-9a-f-]{36} for £50\\.00; it can be used until ${expiresOn}\\. It is held for the learner once the treasurer records the money\\.`));
  const voucher = /Voucher ([0-9a-f-]{36})/.exec(given.stdout)?.[1] ?? '';

  const paid = await hearth('voucher', 'pay', '--network', network, '--voucher', voucher, '--amount', '50', '--reference', 'K FIRTH WATERCOLOURS', ...as('tom'));
  t.equal(paid.status, 0, paid.stderr);
  t.equal(paid.stdout.trim(), `Recorded £50.00 for voucher ${voucher}: it is held for the learner.`);

  const lesson = ['voucher', 'redeem', '--network', network, '--learner', walter, '--voucher', voucher, '--activity', 'Watercolours', '--starts-at', `${today}T09:00`, ...as('priya')];
  const redeemed = await hearth(...lesson);
  t.equal(redeemed.status, 0, redeemed.stderr);
  t.match(redeemed.stdout, new RegExp(`^Redeemed session [0-9a-f-]{36} on voucher ${voucher}\\.`));
  const again = await hearth(...lesson);
  t.equal(again.status, 1, 'the same session again is refused');
  t.match(again.stderr, /Refused: .*already been redeemed/);
  t.match(again.stderr, /\/startsAt: /, 'naming the field');

  const shown = await hearth('voucher', 'show', '--network', network, '--voucher', voucher, ...as('karen'));
  t.equal(shown.status, 0, shown.stderr);
  t.equal(
    shown.stdout.trimEnd(),
    [
      "Father's Day: 4 sessions of Watercolours for £50.00, from Karen Firth to Walter Greenwood",
      '"Paint the Abbey for us. Karen"',
      `Bought ${today}; paid ${today}; lasts until ${expiresOn}, then what is left goes to the learning fund.`,
      'held: £37.50 left (3 sessions); £12.50 used in 1 session.',
      `  ${today}  Watercolours             Priya Shah               £12.50`,
    ].join('\n'),
    'the giver sees how the gift was used: the session, its date and its mentor',
  );

  // A voucher that ran out a month ago cannot be given through the API, which dates a gift today:
  // this one purchase is written by the domain's command, dated back; the rest is the CLI's.
  const lapsed = randomUUID();
  const message = await h.vault.seal(ann, 'For the art club, Edna. Ann');
  await decideAcross(h.store, { voucher: [voucherStream(lapsed), voucherDecider] }, (s) => ({ voucher: voucherDecider.decide({
    type: 'BuyVoucher', voucherId: lapsed, networkId: network, giverId: ann, learnerId: edna, value: { kind: 'amount', pence: 2_000 }, occasion: 'Thank you', message,
    policy: { expiryMonths: 12, atExpiry: 'learning-fund' }, today: daysAgo(400),
  }, s.voucher) }), contextFor(ann));
  const paidLate = await hearth('voucher', 'pay', '--network', network, '--voucher', lapsed, '--amount', '£20.00', '--reference', 'A WHITAKER', '--date', daysAgo(399), ...as('tom'));
  t.equal(paidLate.status, 0, paidLate.stderr);

  const expired = await hearth('voucher', 'expire', '--network', network, ...as('tom'));
  t.equal(expired.status, 0, expired.stderr);
  t.equal(expired.stdout.trimEnd(), `Expired 1 voucher:\n  ${lapsed}      £20.00 to the learning fund`, 'only the voucher past its last day');

  const report = await hearth('voucher', 'liability', '--network', network, ...as('tom'));
  t.equal(report.status, 0, report.stderr);
  t.match(report.stdout, new RegExp(`^Learning vouchers held for learners at the end of ${today}: £136\\.50 outstanding\\n`), "the demo's £99.00 and Walter's £37.50");
  t.match(report.stdout, /\nEdna Firth\s+2\s+£110\.00\s+£45\.00\s+£0\.00\s+£20\.00\s+£45\.00\n/);
  t.match(report.stdout, /\nWalter Greenwood\s+1\s+£50\.00\s+£12\.50\s+£0\.00\s+£0\.00\s+£37\.50\n/);
  t.match(report.stdout, /\ntotal\s+6\s+£278\.00\s+£85\.50\s+£0\.00\s+£56\.00\s+£136\.50\n/, 'paid = redeemed + refunded + expired + outstanding');
  t.match(report.stdout, new RegExp(`\\n  ${today}  Edna Firth's voucher from Ann Whitaker: £20\\.00 to the learning fund\\n`));
  t.match(report.stdout, /Expired back to givers £36\.00; to the learning fund £20\.00; the learning fund holds £20\.00\./);

  t.match(report.stdout, /Paid back to givers £0\.00; still owed to givers £36\.00; paid out of the learning fund £0\.00\./, 'what expired back to givers is owed them until it is paid out');

  // The learning fund's £20.00 spent only by a payment with a purpose that someone else approves.
  const asked = await hearth('voucher', 'fund-request', '--network', network, '--amount', '15.00', '--payee', 'Leeds Libraries', '--purpose', 'Tablets for the computer class', ...as('tom'));
  t.equal(asked.status, 0, asked.stderr);
  const payment = /payment ([0-9a-f-]{36})/.exec(asked.stdout)?.[1] ?? '';
  const own = await hearth('voucher', 'fund-approve', '--network', network, '--payment', payment, ...as('tom'));
  t.equal(own.status, 1, 'not by whoever asked');
  t.match(own.stderr, /someone else approves it/);
  const fund = await hearth('voucher', 'fund', '--network', network, ...as('tom'));
  t.equal(fund.status, 0, fund.stderr);
  t.match(fund.stdout, new RegExp(`^The learning fund at the end of ${today}: £20\\.00 \\(£20\\.00 from expired vouchers, £0\\.00 paid out\\)\\n${payment}  ${today}  requested\\s+£15\\.00  Leeds Libraries: Tablets for the computer class; asked for by `));

  const refused = await hearth('voucher', 'pay', '--network', network, '--voucher', voucher, '--amount', '12.505', '--reference', 'x', ...as('tom'));
  t.equal(refused.status, 2, 'a fraction of a penny is not sent at all');
  t.match(refused.stderr, /not an amount of money/);

  const audit = await hearth('audit', 'verify');
  t.equal(audit.status, 0, audit.stdout + audit.stderr);
});
