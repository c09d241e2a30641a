// node-cron behind one typed function: the scheduler's once-a-minute safety sweep. Precise firing is
// the scheduler's own timer; the sweep catches what a timer could miss (a clock step, a failed query).
import cron from 'node-cron';

export interface Ticker {
  stop(): void;
}

/** Runs `fn` at second 0 of every minute until stopped; overlapping runs are skipped. */
export function everyMinute(name: string, fn: () => Promise<void>): Ticker {
  const task = cron.schedule('0 * * * * *', () => fn(), { name, noOverlap: true, unref: true });
  return { stop: () => void task.destroy() };
}
