// The batcher behind group commit and batched reads: what is submitted in one turn of the event
// loop goes together; what arrives while a batch runs goes in the next; items holding the same
// thing never share a batch; a batch that fails as a whole is run again item by item, so that one
// item's fault is not another's.
import t from 'tap';
import { Batcher } from '../src/eventstore/batcher.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));
/** Lets the batcher take what was submitted so far, as a later turn of the event loop would. */
const taken = () => new Promise<void>((r) => setImmediate(r));

t.test('alone, an item runs at once; what arrives meanwhile runs together next', async (t) => {
  const batches: string[][] = [];
  const batcher = new Batcher<string, string>({ max: 10, run: async (items) => (batches.push(items), await tick(), items.map((i) => i.toUpperCase())) });
  const first = batcher.submit('a');
  await taken();
  const results = await Promise.all([first, ...['b', 'c', 'd'].map((i) => batcher.submit(i))]);
  t.same(results, ['A', 'B', 'C', 'D'], 'each caller gets its own result');
  t.same(batches, [['a'], ['b', 'c', 'd']]);
});

t.test('items submitted in one turn go together', async (t) => {
  const batches: string[][] = [];
  const batcher = new Batcher<string, string>({ max: 10, concurrency: 2, run: async (items) => (batches.push(items), await tick(), items) });
  t.same(await Promise.all(['a', 'b', 'c'].map((i) => batcher.submit(i))), ['a', 'b', 'c']);
  t.same(batches, [['a', 'b', 'c']], 'one batch, though two could run at once');
});

t.test('no more than max in a batch, oldest first', async (t) => {
  const batches: number[][] = [];
  const batcher = new Batcher<number, number>({ max: 2, run: async (items) => (batches.push(items), await tick(), items) });
  const first = batcher.submit(1);
  await taken();
  await Promise.all([first, ...[2, 3, 4, 5].map((i) => batcher.submit(i))]);
  t.same(batches, [[1], [2, 3], [4, 5]]);
});

t.test('items holding the same thing go in different batches', async (t) => {
  const batches: string[][] = [];
  const batcher = new Batcher<{ id: string; streams: string[] }, string>({
    max: 10,
    holds: (item) => item.streams,
    run: async (items) => (batches.push(items.map((i) => i.id)), await tick(), items.map((i) => i.id)),
  });
  const first = batcher.submit({ id: 'first', streams: ['x'] });
  await taken();
  await Promise.all([
    first,
    batcher.submit({ id: 'a', streams: ['x', 'y'] }),
    batcher.submit({ id: 'b', streams: ['y'] }),
    batcher.submit({ id: 'c', streams: ['z'] }),
  ]);
  t.same(batches, [['first'], ['a', 'c'], ['b']], 'b waits, since a holds y; c goes with a');
});

t.test('a batch that fails as a whole is run again item by item', async (t) => {
  const runs: string[][] = [];
  const batcher = new Batcher<string, string>({
    max: 10,
    run: async (items) => {
      runs.push(items);
      await tick();
      if (items.includes('bad')) throw new Error(`cannot take ${items.join(',')}`);
      return items;
    },
  });
  const first = batcher.submit('warm');
  await taken();
  const settled = await Promise.allSettled(['ok', 'bad', 'fine'].map((i) => batcher.submit(i)));
  await first;
  t.same(settled.map((s) => s.status), ['fulfilled', 'rejected', 'fulfilled']);
  t.match((settled[1] as PromiseRejectedResult).reason, { message: 'cannot take bad' }, 'the fault is the faulty item\'s alone');
  t.same(runs, [['warm'], ['ok', 'bad', 'fine'], ['ok'], ['bad'], ['fine']]);
});

t.test('with concurrency 2, two batches run at once', async (t) => {
  let running = 0;
  let most = 0;
  const batcher = new Batcher<number, number>({ max: 1, concurrency: 2, run: async (items) => { most = Math.max(most, ++running); await tick(); running--; return items; } });
  await Promise.all([1, 2, 3, 4].map((i) => batcher.submit(i)));
  t.equal(most, 2);
});
