// The time bank's ledger against real stores: random command sequences compared with a simple
// model (fast-check). Confirmations racing for one member's limit are in timebank.race.
import t from 'tap';
import { refused } from './support/given.ts';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { freshPglite } from './support/db.ts';
import { testHearth } from './support/hearth.ts';
import { COMMUNITY } from '../src/timebank/account.ts';
import { cancelExchange, confirmExchange, donateToChest, grantFromChest, reverseExchange, setNetworkLimits } from '../src/timebank/app.ts';
import { balanceOn as balance, callerFor, enrol, logExchangeToday as logExchange } from './support/timebank.ts';

t.test('random command sequences agree with a simple model, and every network sums to zero', async (t) => {
  const hearth = await testHearth(await freshPglite());
  t.teardown(() => hearth.close());
  const LOWER = -120;
  const UPPER = 180;
  const coordinator = randomUUID();

  const command = fc.oneof(
    fc.record({ kind: fc.constant('log' as const), p: fc.nat(3), r: fc.nat(3), minutes: fc.integer({ min: 1, max: 150 }) }),
    fc.record({ kind: fc.constant('confirm' as const), i: fc.nat(20) }),
    fc.record({ kind: fc.constant('cancel' as const), i: fc.nat(20) }),
    fc.record({ kind: fc.constant('reverse' as const), i: fc.nat(20) }),
    fc.record({ kind: fc.constant('donate' as const), m: fc.nat(3), minutes: fc.integer({ min: 1, max: 90 }) }),
    fc.record({ kind: fc.constant('grant' as const), m: fc.nat(3), minutes: fc.integer({ min: 1, max: 90 }) }),
  );

  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
      const networkId = randomUUID();
      const members = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      await enrol(hearth, networkId, coordinator, ['coordinator']);
      for (const m of members) await enrol(hearth, networkId, m);
      await setNetworkLimits(hearth, callerFor(coordinator), { networkId, lowerMinutes: LOWER, upperMinutes: UPPER, maxExchangeMinutes: 720, reason: 'test' });

      // The model: plain numbers and a list, written from the rules, not from the code.
      const model = new Map<string, number>([...members, COMMUNITY].map((h) => [h, 0]));
      const exchanges: Array<{ id: string; p: string; r: string; minutes: number; status: string }> = [];
      const get = (h: string) => model.get(h)!;

      for (const c of commands) {
        if (c.kind === 'log') {
          if (c.p === c.r) continue;
          const [p, r] = [members[c.p]!, members[c.r]!];
          exchanges.push({ id: await logExchange(hearth, networkId, p, r, c.minutes), p, r, minutes: c.minutes, status: 'logged' });
        } else if (c.kind === 'confirm' || c.kind === 'cancel' || c.kind === 'reverse') {
          const e = exchanges[c.i];
          if (!e) continue;
          if (c.kind === 'confirm') {
            const allowed = e.status === 'logged' && get(e.r) - e.minutes >= LOWER && get(e.p) + e.minutes <= UPPER;
            const outcome = await refused(confirmExchange(hearth, callerFor(e.r), { networkId, exchangeId: e.id }));
            if (e.status === 'confirmed') continue;
            if (allowed !== (outcome === null)) throw new Error(`confirm: model says ${allowed}, Hearth said ${outcome}`);
            if (allowed) {
              model.set(e.r, get(e.r) - e.minutes).set(e.p, get(e.p) + e.minutes);
              e.status = 'confirmed';
            }
          } else if (c.kind === 'cancel') {
            const outcome = await refused(cancelExchange(hearth, callerFor(e.p), { networkId, exchangeId: e.id, reason: 'test' }));
            if ((e.status === 'logged') !== (outcome === null)) throw new Error(`cancel of a ${e.status} exchange: Hearth said ${outcome}`);
            if (e.status === 'logged') e.status = 'cancelled';
          } else {
            const outcome = await refused(reverseExchange(hearth, callerFor(coordinator), { networkId, exchangeId: e.id, reason: 'test' }));
            if (e.status === 'reversed') continue;
            if ((e.status === 'confirmed') !== (outcome === null)) throw new Error(`reverse of a ${e.status} exchange: Hearth said ${outcome}`);
            if (e.status === 'confirmed') {
              model.set(e.r, get(e.r) + e.minutes).set(e.p, get(e.p) - e.minutes);
              e.status = 'reversed';
            }
          }
        } else if (c.kind === 'donate') {
          const m = members[c.m]!;
          const allowed = get(m) - c.minutes >= LOWER;
          const outcome = await refused(donateToChest(hearth, callerFor(m), { networkId, minutes: c.minutes }));
          if (allowed !== (outcome === null)) throw new Error(`donate: model says ${allowed}, Hearth said ${outcome}`);
          if (allowed) model.set(m, get(m) - c.minutes).set(COMMUNITY, get(COMMUNITY) + c.minutes);
        } else {
          const m = members[c.m]!;
          const allowed = get(COMMUNITY) - c.minutes >= 0 && get(m) + c.minutes <= UPPER;
          const outcome = await refused(grantFromChest(hearth, callerFor(coordinator), { networkId, personId: m, minutes: c.minutes }));
          if (allowed !== (outcome === null)) throw new Error(`grant: model says ${allowed}, Hearth said ${outcome}`);
          if (allowed) model.set(COMMUNITY, get(COMMUNITY) - c.minutes).set(m, get(m) + c.minutes);
        }
      }

      let sum = 0;
      for (const holder of [...members, COMMUNITY]) {
        const actual = await balance(hearth, networkId, holder);
        if (actual !== get(holder)) throw new Error(`${holder}: Hearth has ${actual}, the model ${get(holder)}`);
        sum += actual;
      }
      if (sum !== 0) throw new Error(`the network sums to ${sum}`);
    }),
    { numRuns: 25 },
  );
  t.pass('25 random sequences of up to 25 commands agreed with the model');
});
