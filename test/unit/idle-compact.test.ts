// The memory given back after a re-sync (src/runtime/idle-compact.ts): when the collections run, and
// that the runtime's full collection is really obtained and frees memory.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fullCollection, IdleCompactor } from '../../src/runtime/idle-compact.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(pred: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(5);
  }
}

describe('idle compaction after a burst', { timeout: 30_000 }, () => {
  it('collects twice per round, in two rounds, delayMs after the last burst', async () => {
    let calls = 0;
    const at: number[] = [];
    const c = new IdleCompactor(
      () => at.push(performance.now()),
      100,
      () => calls++,
    );
    c.burstEnded();
    await sleep(50);
    c.burstEnded(); // a second burst re-arms the wait
    const last = performance.now();
    await until(() => calls === 2, 'the first round');
    assert.ok(at[0]! - last >= 95, `the first round came ${at[0]! - last} ms after the last burst`);
    await until(() => calls === 4, 'the second round');
    assert.ok(at[1]! - at[0]! >= 95, `the second round came ${at[1]! - at[0]!} ms after the first`);
    await sleep(300);
    assert.equal(calls, 4, 'a third round');
  });

  it('stop() cancels what is armed', async () => {
    let calls = 0;
    const c = new IdleCompactor(undefined, 50, () => calls++);
    c.burstEnded();
    c.stop();
    await sleep(120);
    assert.equal(calls, 0);
  });

  it('the runtime gives its full collection, and it frees an unreachable heap', () => {
    const gc = fullCollection();
    assert.equal(typeof gc, 'function');
    const before = process.memoryUsage().heapUsed;
    let junk: unknown[] | undefined = Array.from({ length: 300_000 }, (_, i) => ({ i, s: `x${i}` }));
    assert.ok(junk.length > 0);
    const grown = process.memoryUsage().heapUsed;
    junk = undefined;
    gc!();
    const after = process.memoryUsage().heapUsed;
    assert.ok(grown - before > 10 * 1024 * 1024, `the test heap grew only ${grown - before} bytes`);
    assert.ok(after < grown - 10 * 1024 * 1024, `collected from ${grown} to ${after} bytes only`);
  });
});
