// Wake-up burst benchmark: a 300-room hotel where every room asked for 07:00. The real scheduler and
// store (MariaDB of lab/lab.env) with a caller that stands in for ARI (each call "rings and plays" for a
// fixed time), so the figures are the engine's own: how late the calls start against their due second
// under the ceilings, whether the ceilings hold, how long setting 300 AlarmClocks takes.
//
//   npx tsx bench/wakeup-burst.ts [rooms=300] [callSeconds=8] [maxConcurrent=20] [perSecond=5]
//
// Uses its own database (pms_wakeup_bench), dropped at the start.
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../src/log.js';
import { Store } from '../src/store/db.js';
import { WakeupStore } from '../src/store/wakeups.js';
import type { CallOutcome, CallRequest, WakeupCaller } from '../src/wakeup/caller.js';
import { WakeupScheduler } from '../src/wakeup/scheduler.js';
import { labConfig } from '../test/lab/lab.js';

const [ROOMS, CALL_SECONDS, MAX_CONCURRENT, PER_SECOND] = [300, 8, 20, 5].map((d, i) =>
  Number(process.argv[2 + i] ?? d),
) as [number, number, number, number];
const DB = 'pms_wakeup_bench';

class TimedCaller implements WakeupCaller {
  readonly starts: number[] = [];
  active = 0;
  peak = 0;
  async call(_req: CallRequest, onAnswered: (at: number) => void): Promise<CallOutcome> {
    this.starts.push(Date.now());
    this.peak = Math.max(this.peak, ++this.active);
    await new Promise((r) => setTimeout(r, CALL_SECONDS * 1000));
    this.active--;
    onAnswered(Date.now());
    return { result: 'answered' };
  }
}

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

async function main(): Promise<void> {
  const config = labConfig({ db: { database: DB } });
  const first = new Store(config.db, silentLogger());
  await first.start();
  await first.knex.raw(`DROP DATABASE IF EXISTS ${DB}`);
  await first.stop();
  const store = new Store(config.db, silentLogger());
  await store.start();
  const wakeups = new WakeupStore(store);

  // Every room's AlarmClock, as the PMS sends them (one replace transaction each), due in 15 s.
  const due = Math.ceil((Date.now() + 15_000) / 1000) * 1000;
  const t0 = performance.now();
  for (let i = 0; i < ROOMS; i++)
    await wakeups.replace(
      String(8000 + i),
      [
        {
          strategy: 1,
          localDate: '2026-11-21',
          localStart: '07:00',
          dueAt: due,
          frequencyMin: 5,
          maxAttempts: 3,
          file: 'fpm-world-mix.gsm',
        },
      ],
      Date.now(),
    );
  const setMs = performance.now() - t0;
  console.log(
    `set: ${ROOMS} AlarmClocks stored in ${setMs.toFixed(0)} ms (${(setMs / ROOMS).toFixed(1)} ms each)`,
  );

  const caller = new TimedCaller();
  const scheduler = new WakeupScheduler(
    wakeups,
    caller,
    { ...config.wakeup, maxConcurrentCalls: MAX_CONCURRENT, callsPerSecond: PER_SECOND },
    silentLogger(),
  );
  const rss0 = process.memoryUsage().rss;
  await scheduler.start();
  while (
    (await store.knex('wakeup_occurrences').where({ state: 'answered' }).count({ n: '*' }))[0]!.n !== ROOMS
  )
    await new Promise((r) => setTimeout(r, 200));
  scheduler.stop();
  const late = caller.starts.map((s) => s - due).sort((a, b) => a - b);
  let maxPerSecond = 0;
  for (const s of caller.starts)
    maxPerSecond = Math.max(maxPerSecond, caller.starts.filter((o) => o >= s && o < s + 1000).length);
  console.log(
    `rooms ${ROOMS}, call ${CALL_SECONDS} s, ceilings ${MAX_CONCURRENT} concurrent / ${PER_SECOND} per second`,
  );
  console.log(
    `first call: ${late[0]} ms after due; median start ${pct(late, 0.5)} ms; p99 ${pct(late, 0.99)} ms; last ${late.at(-1)} ms`,
  );
  console.log(
    `peak concurrent calls: ${caller.peak}; most starts in one second: ${maxPerSecond}; all ${caller.starts.length} placed, 0 dropped`,
  );
  console.log(
    `ideal last start at ${PER_SECOND} calls/s: ${(((ROOMS - 1) / PER_SECOND) * 1000).toFixed(0)} ms; RSS ${(rss0 / 2 ** 20).toFixed(0)} → ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
  );
  await store.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
