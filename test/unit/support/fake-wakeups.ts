// Wake-up service stand-in for session tests: records what AlarmClock asked for.
import type { WakeupControl } from '../../../src/handlers/types.js';
import type { Strategy } from '../../../src/wakeup/strategy.js';

export class FakeWakeups implements WakeupControl {
  readonly calls: Array<{ extension: string; strategies: readonly Strategy[] }> = [];

  set(extension: string, strategies: readonly Strategy[]): Promise<{ planned: number; cancelled: number }> {
    this.calls.push({ extension, strategies });
    return Promise.resolve({ planned: strategies.reduce((n, s) => n + s.days, 0), cancelled: 0 });
  }
}
