// The treasurer's liability report adds up: every learner with a voucher paid for has a row, nothing
// held for them or not, and the rows add up to the totals. Histories are decided by the voucher's
// own decider and written by the projection itself into one PGlite (no store, no HTTP), each under
// a network of its own: the testers' case worked by hand, then random histories with fast-check.
import t from 'tap';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { Rejection } from '../src/commands/decider.ts';
import { addDays } from '../src/dates.ts';
import type { RecordedEvent } from '../src/eventstore/port.ts';
import { vouchersProjection } from '../projections/vouchers.ts';
import { liabilityAsAt, type Liability } from '../src/vouchers/books.ts';
import { voucherDecider, type VoucherCommand, type VoucherState, type VoucherValue } from '../src/vouchers/voucher.ts';
import { freshPglite } from './support/db.ts';

const database = await freshPglite();
t.teardown(() => database.close());
const { db } = database;
const START = '2025-01-01';
let position = 0;

/** One voucher's life: each command decided on its state and what it decides projected at once. Refusals (more than is left, say) write nothing. */
async function voucherLife(networkId: string, learnerId: string, value: VoucherValue, steps: Array<{ day: number; command: (today: string) => VoucherCommand }>): Promise<void> {
  const voucherId = randomUUID();
  let state: VoucherState = voucherDecider.initialState;
  const buy = (today: string): VoucherCommand => ({
    type: 'BuyVoucher', voucherId, networkId, giverId: randomUUID(), learnerId, value, occasion: 'Birthday', message: 'sealed', policy: { expiryMonths: 12, atExpiry: 'learning-fund' }, today,
  });
  for (const step of [{ day: 0, command: buy }, ...steps]) {
    const today = addDays(START, step.day);
    let events;
    try {
      events = voucherDecider.decide(step.command(today), state);
    } catch (err) {
      if (err instanceof Rejection) continue;
      throw err;
    }
    for (const event of events) {
      state = voucherDecider.evolve(state, event);
      position += 1;
      const recorded: RecordedEvent = {
        id: randomUUID(), type: event.type, schemaVersion: 1, data: event.data, streamId: `voucher-${voucherId}`, revision: 0, position,
        metadata: { actor: 'test', onBehalfOf: null, commandId: randomUUID(), correlationId: randomUUID(), causationId: null, recordedAt: `${today}T12:00:00.000Z` },
      };
      await vouchersProjection.apply!(db, recorded);
    }
  }
}

const pay = (pence: number) => (today: string): VoucherCommand => ({ type: 'RecordPayment', pence, reference: 'GIFT', receivedOn: today, recordedBy: randomUUID(), today });
const use = (pence: number | null, activity = 'Painting') => (today: string): VoucherCommand => ({ type: 'Redeem', sessionId: randomUUID(), mentorId: randomUUID(), activity, deliveredOn: today, pence, redeemedBy: randomUUID(), today });
const refund = (pence: number) => (today: string): VoucherCommand => ({ type: 'Refund', pence, reason: 'Asked for', recordedBy: randomUUID(), today });
const expire = () => (today: string): VoucherCommand => ({ type: 'Expire', today });

type Figures = Omit<Liability['totals'], 'vouchers'>;
const columns = ['paid', 'redeemed', 'refunded', 'expired', 'outstanding'] as const;
const sumOf = (rows: Liability['learners']) => Object.fromEntries(['vouchers', ...columns].map((c) => [c, rows.reduce((sum, r) => sum + r[c as keyof Figures | 'vouchers'], 0)]));

t.test("the testers' case: a learner with nothing left still has a row, then and a year on", async (t) => {
  const networkId = randomUUID();
  const [edna, iris] = [randomUUID(), randomUUID()];
  // Edna: £160.00, paid on day 1 and all of it used in four sessions of £40.00 by day 40.
  await voucherLife(networkId, edna, { kind: 'amount', pence: 16_000 }, [{ day: 1, command: pay(16_000) }, ...[10, 20, 30, 40].map((day) => ({ day, command: use(4_000) }))]);
  // Iris: £74.00, paid on day 2, never used; it expires a year and a few days on, to the learning fund.
  await voucherLife(networkId, iris, { kind: 'amount', pence: 7_400 }, [{ day: 2, command: pay(7_400) }, { day: 400, command: expire() }]);

  const at50 = await liabilityAsAt(db, networkId, addDays(START, 50));
  const row = (r: Liability, id: string) => r.learners.find((l) => l.learner.personId === id);
  t.match(row(at50, edna), { vouchers: 1, paid: 16_000, redeemed: 16_000, refunded: 0, expired: 0, outstanding: 0 }, 'Edna: £160 paid, £160 used, nothing held, and still a row');
  t.match(row(at50, iris), { vouchers: 1, paid: 7_400, redeemed: 0, outstanding: 7_400 });
  t.same(at50.totals, { vouchers: 2, paid: 23_400, redeemed: 16_000, refunded: 0, expired: 0, outstanding: 7_400 }, '£234.00 paid: £160 + £74');
  t.same(sumOf(at50.learners), at50.totals, 'the rows add up to £234.00, not £74.00');

  const yearOn = await liabilityAsAt(db, networkId, addDays(START, 410));
  t.equal(yearOn.learners.length, 2, 'a year on, nothing is held for either, and both still have their rows');
  t.match(row(yearOn, iris), { paid: 7_400, expired: 7_400, outstanding: 0 });
  t.same(yearOn.totals, { vouchers: 2, paid: 23_400, redeemed: 16_000, refunded: 0, expired: 7_400, outstanding: 0 });
  t.same(sumOf(yearOn.learners), yearOn.totals);
  t.equal(yearOn.expiredToLearningFund, 7_400);
});

t.test('on any history, as at any day: a row for each learner paid for, adding up to the totals', async (t) => {
  const learners = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const step = fc.oneof(
    fc.record({ kind: fc.constant('use' as const), pence: fc.integer({ min: 1, max: 6_000 }) }),
    fc.record({ kind: fc.constant('refund' as const), pence: fc.integer({ min: 1, max: 6_000 }) }),
    fc.record({ kind: fc.constant('expire' as const) }),
  );
  const voucher = fc.record({
    learner: fc.nat({ max: learners.length - 1 }),
    value: fc.oneof(
      fc.integer({ min: 100, max: 10_000 }).map((pence): VoucherValue => ({ kind: 'amount', pence })),
      fc.record({ sessions: fc.integer({ min: 1, max: 4 }), pence: fc.integer({ min: 100, max: 2_500 }) }).map(({ sessions, pence }): VoucherValue => ({ kind: 'sessions', activity: 'Painting', sessions, pencePerSession: pence })),
    ),
    // Never paid for (null), or paid some days after it was given.
    paidAfter: fc.option(fc.integer({ min: 0, max: 60 })),
    steps: fc.array(fc.record({ gap: fc.integer({ min: 0, max: 120 }), step }), { maxLength: 5 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(voucher, { minLength: 1, maxLength: 5 }), fc.array(fc.integer({ min: 0, max: 900 }), { minLength: 1, maxLength: 3 }), async (vouchers, days) => {
      const networkId = randomUUID();
      for (const v of vouchers) {
        const steps: Array<{ day: number; command: (today: string) => VoucherCommand }> = [];
        let day = v.paidAfter ?? 0;
        if (v.paidAfter !== null) steps.push({ day, command: pay(v.value.kind === 'amount' ? v.value.pence : v.value.sessions * v.value.pencePerSession) });
        for (const { gap, step: s } of v.steps) {
          day += gap;
          steps.push({ day, command: s.kind === 'use' ? use(v.value.kind === 'amount' ? s.pence : null) : s.kind === 'refund' ? refund(s.pence) : expire() });
        }
        await voucherLife(networkId, learners[v.learner]!, v.value, steps);
      }
      for (const d of days) {
        const asAt = addDays(START, d);
        const r = await liabilityAsAt(db, networkId, asAt);
        const paidFor = await db.selectFrom('vouchers').select(['learner_id']).where('network_id', '=', networkId).where('paid_on', '<=', asAt).execute();
        // Every learner with a voucher paid for by then, once; the rows add up to the totals.
        if (JSON.stringify([...new Set(paidFor.map((p) => p.learner_id))].sort()) !== JSON.stringify(r.learners.map((l) => l.learner.personId).sort())) return false;
        if (JSON.stringify(sumOf(r.learners)) !== JSON.stringify(r.totals)) return false;
        if (r.totals.vouchers !== paidFor.length) return false;
        // Each row, and so the totals: paid = redeemed + refunded + expired + outstanding, none below nothing.
        for (const l of [...r.learners, { ...r.totals }]) {
          if (l.paid !== l.redeemed + l.refunded + l.expired + l.outstanding) return false;
          if (columns.some((c) => l[c] < 0)) return false;
        }
        if (r.expiredToGiver + r.expiredToLearningFund !== r.totals.expired) return false;
      }
      return true;
    }),
    { numRuns: 40 },
  );
  t.pass('40 random histories, each asked as at several days');
});
