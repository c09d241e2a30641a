// The wake-up scheduler on the real store (the lab's MariaDB) with a scripted caller instead of ARI:
// bursts under the ceilings, retries, crash recovery, and check-out / room change racing a call.
// The calls themselves are shown on the lab phones in wakeup.test.ts.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Config } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { Store } from '../../src/store/db.js';
import { WakeupStore, type NewOccurrence } from '../../src/store/wakeups.js';
import type { CallOutcome, CallRequest, WakeupCaller } from '../../src/wakeup/caller.js';
import { WakeupScheduler } from '../../src/wakeup/scheduler.js';
import { labConfig, requireLab } from '../lab/lab.js';

const DB = 'pms_wakeup_sched_it';

/** A caller whose outcomes the test scripts per room; records every call with its start time. */
class ScriptedCaller implements WakeupCaller {
  readonly calls: Array<CallRequest & { at: number }> = [];
  active = 0;
  peak = 0;
  script = new Map<string, Array<CallOutcome['result']>>();
  holdMs = 50;
  /** When set, calls wait for it before they end. */
  gate: Promise<void> | undefined;

  async call(req: CallRequest, onAnswered: (at: number) => void): Promise<CallOutcome> {
    this.calls.push({ ...req, at: Date.now() });
    this.active++;
    this.peak = Math.max(this.peak, this.active);
    await new Promise((r) => setTimeout(r, this.holdMs));
    await this.gate;
    this.active--;
    const result = this.script.get(req.extension)?.shift() ?? 'answered';
    if (result === 'answered') onAnswered(Date.now());
    return { result, cause: result === 'busy' ? 17 : undefined };
  }
}

const WAKEUP: Config['wakeup'] = {
  ...labConfig().wakeup,
  // 1 frequency minute = 0.2 s: retries of frequency 5 come 1 s apart.
  minuteSeconds: 0.2,
  graceSeconds: 60,
  maxConcurrentCalls: 5,
  callsPerSecond: 20,
};

function occurrence(dueAt: number, extra: Partial<NewOccurrence> = {}): NewOccurrence {
  return {
    strategy: 1,
    localDate: '2026-11-21',
    localStart: '07:00',
    dueAt,
    frequencyMin: 5,
    maxAttempts: 3,
    file: 'fpm-world-mix.gsm',
    ...extra,
  };
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('wake-up scheduler on MariaDB', () => {
  let store: Store;
  let wakeups: WakeupStore;
  let caller: ScriptedCaller;
  let scheduler: WakeupScheduler | undefined;

  before(async () => {
    await requireLab();
    const config = labConfig({ db: { database: DB } });
    const first = new Store(config.db, silentLogger());
    await first.start();
    await first.knex.raw(`DROP DATABASE IF EXISTS ${DB}`);
    await first.stop();
    store = new Store(config.db, silentLogger());
    await store.start();
    wakeups = new WakeupStore(store);
  });

  beforeEach(async () => {
    scheduler?.stop();
    await store.knex('wakeup_attempts').delete();
    await store.knex('wakeup_occurrences').delete();
    caller = new ScriptedCaller();
  });

  after(async () => {
    scheduler?.stop();
    await store?.stop();
  });

  const start = async (config: Partial<Config['wakeup']> = {}): Promise<WakeupScheduler> => {
    scheduler = new WakeupScheduler(
      wakeups,
      caller,
      { ...WAKEUP, ...config },
      process.env.DBG ? (await import('pino')).pino() : silentLogger(),
    );
    await scheduler.start();
    return scheduler;
  };

  it('a burst of 40 rooms due at once: all placed, never more than the ceilings, earliest due first', async () => {
    const due = Date.now() + 1500;
    for (let i = 0; i < 40; i++)
      // Due times 0..39 ms apart, inserted in reverse: the order must come from the due time.
      await wakeups.replace(String(8100 + i), [occurrence(due + (39 - i))], Date.now());
    caller.holdMs = 200;
    const startedAt = Date.now(); // on a busy machine the inserts may take longer than the 1.5 s
    await start({ maxConcurrentCalls: 5, callsPerSecond: 20 });
    await until(
      async () => (await store.knex('wakeup_occurrences').where({ state: 'answered' })).length === 40,
      20_000,
    );
    assert.equal(caller.calls.length, 40);
    assert.equal(caller.peak, 5);
    // Started in due order (8139 first). The queue starts them strictly in order; each then opens its
    // store transaction, which may finish a few ms before an earlier one's: allow for reordering
    // within one concurrency window, never more.
    const order = caller.calls.map((c) => 8139 - Number(c.extension));
    for (const [pos, rank] of order.entries())
      assert.ok(Math.abs(pos - rank) < 5, `due rank ${rank} placed as call ${pos}: ${order.join(',')}`);
    // The queue spaces the starts; each call is recorded after its store transaction, which adds a
    // little jitter: look at 800 ms windows (without the ceiling, all 40 would start within ~0.2 s).
    for (const c of caller.calls) {
      const inSecond = caller.calls.filter((o) => o.at >= c.at && o.at < c.at + 800).length;
      assert.ok(inSecond <= 20, `${inSecond} calls started within one second`);
    }
    const firstLate = caller.calls[0]!.at - Math.max(due, startedAt);
    assert.ok(firstLate >= 0 && firstLate < 500, `first call ${firstLate} ms after its due time`);
  });

  it('busy, busy, answered: three attempts `frequency` apart, final answered; num exhausted → the last result', async () => {
    caller.script.set('8001', ['busy', 'busy', 'answered']);
    caller.script.set('8002', ['noanswer', 'busy', 'failed']);
    const due = Date.now() + 500;
    await wakeups.replace('8001', [occurrence(due)], Date.now());
    await wakeups.replace('8002', [occurrence(due)], Date.now());
    await start();
    const final = async (ext: string) => (await wakeups.forRoom(ext))[0]!;
    await until(
      async () => (await final('8001')).state === 'answered' && (await final('8002')).state === 'failed',
    );
    for (const ext of ['8001', '8002']) {
      const o = await final(ext);
      const attempts = await wakeups.attempts(o.id);
      assert.equal(attempts.length, 3);
      const gaps = attempts.slice(1).map((a, i) => a.startedAt - attempts[i]!.startedAt);
      // 1 s apart plus the time to notice and start the next (generous: a busy CI machine).
      for (const g of gaps) assert.ok(g >= 1000 && g < 2500, `${ext}: attempts ${g} ms apart`);
    }
    assert.deepEqual(
      (await wakeups.attempts((await final('8002')).id)).map((a) => a.result),
      ['noanswer', 'busy', 'failed'],
    );
  });

  it('after a crash: a call cut short is placed again, one late within the grace is placed, one beyond it is missed', async () => {
    const now = Date.now();
    await wakeups.replace('8001', [occurrence(now - 2_000)], now); // will look "calling" (engine died mid-call)
    await wakeups.replace('8002', [occurrence(now - 30_000)], now); // 30 s late, grace 60 s
    await wakeups.replace('8003', [occurrence(now - 120_000)], now); // 2 min late
    const [o1] = await wakeups.forRoom('8001');
    assert.ok(await wakeups.begin(o1!.id, now - 2_000)); // a dead engine's attempt, never finished
    await start();
    await until(async () => caller.calls.length === 2);
    assert.deepEqual(caller.calls.map((c) => c.extension).sort(), ['8001', '8002']);
    await until(async () => (await wakeups.forRoom('8001'))[0]!.state === 'answered');
    const attempts1 = await wakeups.attempts(o1!.id);
    assert.deepEqual(
      attempts1.map((a) => [a.attempt, a.result]),
      [
        [1, 'interrupted'],
        [1, 'answered'],
      ],
    );
    assert.equal((await wakeups.forRoom('8003'))[0]!.state, 'missed');
    assert.equal((await wakeups.attempts((await wakeups.forRoom('8003'))[0]!.id)).length, 0);
  });

  it('check-out during a call: that call ends, no further attempt; a room change moves the next attempts', async () => {
    caller.script.set('8001', ['noanswer']);
    caller.script.set('8002', ['noanswer']);
    let release!: () => void;
    caller.gate = new Promise((r) => (release = r));
    const due = Date.now() + 300;
    await wakeups.replace('8001', [occurrence(due)], Date.now());
    await wakeups.replace('8002', [occurrence(due)], Date.now());
    await start();
    await until(() => caller.calls.length === 2);
    await wakeups.cancel('8001', Date.now()); // ExtenClean of 8001 while it rings
    await wakeups.move('8002', '8004', Date.now()); // ChangeRoom 8002 → 8004 while it rings
    release();
    caller.gate = undefined;
    await until(() => caller.calls.length === 3, 5_000);
    assert.equal(caller.calls[2]!.extension, '8004', 'the next attempt rings the new room');
    await until(async () => (await wakeups.forRoom('8004'))[0]?.state === 'answered');
    assert.equal((await wakeups.forRoom('8001'))[0]!.state, 'cancelled');
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(caller.calls.filter((c) => c.extension === '8001').length, 1, 'no retry after check-out');
  });
});
