// Wake-up bursts: the queue (concurrency ceiling, due order, nothing dropped) and the pacer (calls per
// second, evenly spaced, first come first served).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pacer } from '../../src/wakeup/pacer.js';
import { CallQueue } from '../../src/wakeup/queue.js';

interface Item {
  key: number;
  dueAt: number;
}

/** A queue whose calls last `callMs`; records start order and the concurrency seen. */
function harness(maxConcurrent: number, callMs: number) {
  const started: number[] = [];
  let active = 0;
  let maxActive = 0;
  let finished = 0;
  let onFinish: () => void = () => undefined;
  const queue = new CallQueue<Item>(
    { maxConcurrent },
    async (item) => {
      active++;
      maxActive = Math.max(maxActive, active);
      started.push(item.key);
      await new Promise((r) => setTimeout(r, callMs));
      active--;
      finished++;
      onFinish();
    },
    (_item, err) => assert.fail(String(err)),
  );
  const allDone = (n: number): Promise<void> =>
    new Promise((resolve) => {
      onFinish = () => finished === n && resolve();
      if (finished === n) resolve();
    });
  return { queue, started, allDone, maxActive: () => maxActive };
}

describe('wake-up call queue', () => {
  it('holds the concurrency ceiling and starts waiting calls in due order as calls end', async () => {
    const h = harness(3, 40);
    // Pushed out of order: the first three take the free slots at once, the rest wait sorted by due time.
    for (const k of [5, 1, 4, 2, 3, 7, 6, 9, 8, 10])
      assert.equal(h.queue.push({ key: k, dueAt: 1000 + k }), true);
    assert.equal(h.queue.push({ key: 5, dueAt: 1005 }), false, 'already waiting or running');
    assert.equal(h.queue.push({ key: 6, dueAt: 1006 }), false, 'already waiting');
    await h.allDone(10);
    await new Promise((r) => setImmediate(r));
    assert.equal(h.maxActive(), 3);
    assert.equal(h.queue.peakRunning, 3);
    assert.deepEqual(h.started, [5, 1, 4, 2, 3, 6, 7, 8, 9, 10]);
    assert.equal(h.queue.waiting, 0);
    assert.equal(h.queue.running, 0);
  });

  it('stop() starts nothing more and hands back what was waiting', async () => {
    const h = harness(1, 30);
    for (let k = 1; k <= 3; k++) h.queue.push({ key: k, dueAt: k });
    const left = h.queue.stop();
    assert.deepEqual(
      left.map((i) => i.key),
      [2, 3],
    );
    assert.equal(h.queue.push({ key: 9, dueAt: 9 }), false);
    await h.allDone(1);
    assert.deepEqual(h.started, [1]);
  });
});

describe('wake-up pacer', () => {
  it('spaces slots 1/perSecond apart, in call order: at most perSecond in any second', async () => {
    const t0 = performance.now();
    const pacer = new Pacer(4, () => performance.now() - t0);
    const got: Array<{ n: number; at: number }> = [];
    await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        pacer.slot().then(() => got.push({ n, at: performance.now() - t0 })),
      ),
    );
    assert.deepEqual(
      got.map((g) => g.n),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.ok(got[0]!.at < 50, 'the first slot is immediate');
    // On the grid: slot k never before first + k × 250 ms (a late timer may shorten one gap, never
    // bunch: at most one slot of catch-up).
    for (const [k, g] of got.entries())
      assert.ok(g.at - got[0]!.at >= k * 250 - 1, `slot ${k} at ${(g.at - got[0]!.at).toFixed(1)} ms`);
    for (const g of got) assert.ok(got.filter((o) => o.at >= g.at && o.at < g.at + 1000).length <= 5);
  });

  it('slots keep to their grid: a caller a little late does not push every later slot back', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
    let clock = 0;
    const pacer = new Pacer(4, () => clock);
    await pacer.slot(); // slot at 0; the grid goes on at 250, 500, …
    clock = 300; // the next caller comes 50 ms after its slot (a loaded machine at 07:00)
    await pacer.slot(); // at once
    let third = false;
    void pacer.slot().then(() => (third = true));
    await flush();
    clock = 499;
    t.mock.timers.tick(199);
    await flush();
    assert.equal(third, false, 'not before its slot');
    clock = 500;
    t.mock.timers.tick(1);
    await flush();
    assert.equal(third, true, 'at 500 ms, on the grid (pushed back it would wait until 550)');
  });

  it('a caller arriving after a quiet spell starts at once', async () => {
    const pacer = new Pacer(2);
    await pacer.slot();
    await new Promise((r) => setTimeout(r, 600));
    const t = performance.now();
    await pacer.slot();
    assert.ok(performance.now() - t < 50);
  });
});
