// How far a long command has got: one line rewritten in place on a terminal, a plain line now and
// then anywhere else, and one at the end; `audit verify` and `projections rebuild` report through it.
import t from 'tap';
import { progressLine } from '../src/cli/progress.ts';
import { auditDifferences, verifyAudit } from '../src/audit/verify.ts';
import { caughtUp } from './support/hearth.ts';
import { commandOn } from './support/cli.ts';
import { openApp, send, setUp, signUp } from './support/http.ts';

function written(isTTY: boolean) {
  const chunks: string[] = [];
  return { out: { isTTY, write: (text: string) => chunks.push(text) }, chunks };
}

t.test('on a terminal, one line rewritten in place, at most ten times a second', async (t) => {
  let clock = 0;
  const { out, chunks } = written(true);
  const progress = progressLine('Events', { out, now: () => clock });
  progress(1, 200);
  clock = 150;
  progress(50, 200);
  clock = 200;
  progress(60, 200);
  clock = 300;
  progress(200, 200);
  progress.end();
  t.same(chunks, ['\rEvents: 50 of 200 (25%)\x1b[K', '\rEvents: 200 of 200 (100%)\x1b[K', '\n'], 'redrawn in place, then left on its own line');
});

t.test('anywhere else, a plain line at most every interval, and one at the end', async (t) => {
  let clock = 0;
  const { out, chunks } = written(false);
  const progress = progressLine('Rows written', { out, everyMs: 1000, now: () => clock });
  for (let done = 1; done <= 25; done++) {
    clock = done * 100;
    progress(done);
  }
  progress.end();
  t.same(chunks, ['Rows written: 10\n', 'Rows written: 20\n', 'Rows written: 25\n'], 'no total given: counts alone');
  progress.end();
  t.equal(chunks.length, 3, 'ended once');

  const quiet = written(false);
  const short = progressLine('Checks', { out: quiet.out, now: () => clock });
  short(3, 4);
  clock += 4_999;
  short(4, 4);
  short.end();
  t.same(quiet.chunks, ['Checks: 4 of 4 (100%)\n'], 'within the default 5 s, only the line at the end');

  const idle = written(false);
  progressLine('Nothing', { out: idle.out }).end();
  t.same(idle.chunks, [], 'no work reported, no line');
});

t.test('audit verify and projections rebuild say how far they have got', async (t) => {
  const { hearth, app, close } = await openApp();
  t.teardown(close);
  const coordinator = await signUp(app, 'Cath Coordinator');
  await setUp(send(app, 'POST', '/api/v1/networks', { name: 'Bramley Time Bank', kind: 'time_bank' }, coordinator.auth), 201);
  t.ok(await caughtUp(hearth));

  const seen: Array<[number, number | undefined]> = [];
  const report = await verifyAudit(hearth, { onProgress: (done, total) => seen.push([done, total]) });
  t.same(auditDifferences(report), []);
  const total = 4 + hearth.engine.projections.length;
  t.same(seen, Array.from({ length: total + 1 }, (_, done) => [done, total]), "the writers' hashes, PostgreSQL's chain, two kinds of digest and each projection, one by one, of all there are");

  const positions: number[] = [];
  const rebuilt = await hearth.engine.rebuild('networks', (done, of) => positions.push(done, of ?? -1));
  t.ok(positions.length >= 2, 'positions reported');
  t.same(positions.slice(-2), [rebuilt.position, rebuilt.position], 'ending at the position rebuilt, of the head');

  const hearthCommand = commandOn(hearth, app);
  const rebuild = await hearthCommand('projections', 'rebuild', 'networks');
  t.equal(rebuild.status, 0, rebuild.stderr);
  t.match(rebuild.stderr, /^Rebuilding networks, position: (\d+) of \1 \(100%\)$/m, 'off a terminal, the last figures once');
  t.notOk(rebuild.stdout.includes('position:'), 'stdout keeps the answer alone');
});
