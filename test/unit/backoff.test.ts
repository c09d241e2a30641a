import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffCeiling, backoffDelay } from '../../src/links/backoff.js';

const config = { initialDelayMs: 250, maxDelayMs: 5_000 };

test('backoff ceiling doubles from the initial delay and stops at the cap', () => {
  const ceilings = [1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffCeiling(n, config));
  assert.deepEqual(ceilings, [250, 500, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000]);
});

test('backoff never exceeds the cap, even after very many attempts', () => {
  assert.equal(backoffCeiling(1_000_000, config), 5_000);
  assert.equal(
    backoffDelay(1_000_000, config, () => 0.999_999),
    5_000,
  );
});

test('backoff jitter stays within [ceiling/2, ceiling]', () => {
  for (let attempt = 1; attempt <= 10; attempt++) {
    const ceiling = backoffCeiling(attempt, config);
    assert.equal(
      backoffDelay(attempt, config, () => 0),
      ceiling / 2,
    );
    assert.equal(
      backoffDelay(attempt, config, () => 0.999_999),
      ceiling,
    );
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(attempt, config);
      assert.ok(
        delay >= ceiling / 2 && delay <= ceiling,
        `attempt ${attempt}: ${delay} outside [${ceiling / 2}, ${ceiling}]`,
      );
    }
  }
});

test('backoff is jittered: delays of one attempt are not all equal', () => {
  const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(3, config)));
  assert.ok(delays.size > 10, `only ${delays.size} distinct delays`);
});

test('backoff sequence grows with the attempt number (same random draw)', () => {
  const delays = [1, 2, 3, 4, 5].map((n) => backoffDelay(n, config, () => 0.5));
  for (let i = 1; i < delays.length; i++) assert.ok(delays[i]! > delays[i - 1]!, `${delays.join(', ')}`);
});

test('backoff tolerates odd inputs: attempt 0, a cap below the initial delay, a bad random', () => {
  assert.equal(backoffCeiling(0, config), 250);
  assert.equal(backoffCeiling(3, { initialDelayMs: 1_000, maxDelayMs: 100 }), 1_000);
  assert.equal(
    backoffDelay(1, config, () => Number.NaN),
    125,
  );
  assert.equal(
    backoffDelay(1, config, () => 7),
    250,
  );
});
