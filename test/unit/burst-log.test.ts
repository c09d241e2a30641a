// BurstLog (src/server/burst-log.ts): a flood of the same warning is one line at once, then one
// summary per interval with the count, and nothing while quiet.
import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { BurstLog } from '../../src/server/burst-log.js';
import { captureLog } from './support/capture-log.js';

describe('burst log', () => {
  it('logs the first of a burst at once, sums up the rest per interval, starts afresh after a quiet interval', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const cap = captureLog();
      const b = new BurstLog(cap.log, 'refused', 10_000);
      for (let i = 0; i < 500; i++) b.note({ remote: `10.0.0.${i % 250}` });
      assert.deepEqual(
        cap.lines.map((l) => [l.msg, l.remote, l.suppressed]),
        [['refused', '10.0.0.0', undefined]],
      );
      mock.timers.tick(10_000);
      assert.equal(cap.lines.length, 2);
      assert.deepEqual([cap.lines[1]!.suppressed, cap.lines[1]!.remote], [499, '10.0.0.249']);
      b.note({ remote: 'x' });
      mock.timers.tick(10_000);
      assert.equal(cap.lines[2]!.suppressed, 1, 'a burst that goes on is summed again');
      mock.timers.tick(10_000);
      assert.equal(cap.lines.length, 3, 'nothing while quiet');
      b.note({ remote: 'y' });
      assert.deepEqual(
        [cap.lines.length, cap.lines[3]!.remote, cap.lines[3]!.suppressed],
        [4, 'y', undefined],
      );
      b.note({ remote: 'z' });
      b.flush();
      assert.equal(cap.lines[4]!.suppressed, 1, 'flush logs what is still counted');
    } finally {
      mock.timers.reset();
    }
  });
});
