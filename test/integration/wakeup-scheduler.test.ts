// The wake-up scheduler on the real store (the lab's MariaDB) with a scripted caller instead of ARI:
// bursts under the ceilings, retries, crash recovery, and check-out / room change racing a call.
// The calls themselves are shown on the lab phones in wakeup.test.ts.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Config } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { Store } from '../../src/store/db.js';
import { WakeupStore } from '../../src/store/wakeups.js';
import type { NewOccurrence } from '../../src/store/wakeup-records.js';
import type { CallOutcome, CallRequest, WakeupCaller } from '../../src/wakeup/caller.js';
import { WakeupScheduler, type FinalResult } from '../../src/wakeup/scheduler.js';
import { labConfig, requireLab } from '../lab/lab.js';

const DB = 'pms_wakeup_sched_it';

/** A caller whose outcomes the test scripts per room; records every call with its start time. */
class ScriptedCaller implements WakeupCaller {
  readonly calls: Array<CallRequest & { at: number }> = [];
  active = 0;
  peak = 0;
  script = new Map<string, Array<CallOutcome['result'] | CallOutcome>>();
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
    const next = this.script.get(req.extension)?.shift() ?? 'answered';
    const outcome = typeof next === 'string' ? { result: next } : next;
    if (outcome.result === 'answered' || outcome.result === 'snoozed') onAnswered(Date.now());
    return { cause: outcome.result === 'busy' ? 17 : undefined, ...outcome };
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

describe('wake-up scheduler on MariaDB', { timeout: 240_000 }, () => {
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

  let finals: FinalResult[] = [];
  const start = async (
    config: Partial<Config['wakeup']> = {},
    storeOf: WakeupStore = wakeups,
    timing: Partial<WakeupScheduler['timing']> = {},
  ): Promise<WakeupScheduler> => {
    finals = [];
    scheduler = new WakeupScheduler(
      storeOf,
      caller,
      { ...WAKEUP, ...config },
      process.env.DBG ? (await import('pino')).pino() : silentLogger(),
      Date.now,
      (r) => finals.push(r),
    );
    Object.assign(scheduler.timing, timing);
    await scheduler.start();
    return scheduler;
  };
  const stateOf = async (ext: string): Promise<string | undefined> => (await wakeups.forRoom(ext))[0]?.state;

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
  it('the calls-per-second ceiling paces the starts evenly (40 due at once, 5/s: about 8 s, never a bunch)', async () => {
    const due = Date.now() + 800;
    for (let i = 0; i < 40; i++) await wakeups.replace(String(8200 + i), [occurrence(due)], Date.now());
    caller.holdMs = 20; // concurrency is no limit here: only the pace is
    await start({ maxConcurrentCalls: 40, callsPerSecond: 5 }, wakeups);
    await until(() => caller.calls.length === 40, 20_000);
    const at = caller.calls.map((c) => c.at);
    const span = at[39]! - at[0]!;
    // 39 gaps of 200 ms; without the pacer all 40 start within a few hundred ms.
    assert.ok(span >= 39 * 200 * 0.9, `40 starts spread over ${span} ms`);
    for (const t of at) {
      const inSecond = at.filter((o) => o >= t && o < t + 1000).length;
      assert.ok(inSecond <= 6, `${inSecond} calls started within one second at 5/s`);
    }
  });

  it('a store write that fails once at the end of a call is retried: no occurrence stays `calling`', async () => {
    caller.script.set('8001', ['noanswer', 'answered']);
    let failures = 1;
    const flaky = Object.create(wakeups) as WakeupStore;
    flaky.finish = (...args) => {
      if (failures-- > 0)
        return Promise.reject(new Error('Connection lost: The server closed the connection.'));
      return wakeups.finish(...args);
    };
    await wakeups.replace('8001', [occurrence(Date.now() + 300)], Date.now());
    await start({}, flaky, { persistDelaysMs: [200] });
    await until(async () => (await stateOf('8001')) === 'answered');
    const o = (await wakeups.forRoom('8001'))[0]!;
    assert.deepEqual(
      (await wakeups.attempts(o.id)).map((a) => a.result),
      ['noanswer', 'answered'],
      'the first result was written on the retry, then the second attempt was placed',
    );
  });

  it('a result that cannot be written for a while is written by the sweep once the database answers again', async () => {
    let down = true;
    const flaky = Object.create(wakeups) as WakeupStore;
    flaky.finish = (...args) => (down ? Promise.reject(new Error('ETIMEDOUT')) : wakeups.finish(...args));
    await wakeups.replace('8001', [occurrence(Date.now() + 300)], Date.now());
    const s = await start({}, flaky, { persistDelaysMs: [50, 50], stuckSweepMs: 100, callMarginMs: 0 });
    await until(() => caller.calls.length === 1);
    await new Promise((r) => setTimeout(r, 600)); // the retries are spent; the row is `calling`
    assert.equal(await stateOf('8001'), 'calling');
    down = false;
    await until(async () => {
      s.rearm();
      return (await stateOf('8001')) === 'answered';
    });
    assert.equal(caller.calls.length, 1, 'the sweep wrote the result: the guest was not called again');
  });

  it('an attempt stuck in `calling` that nobody works on is re-armed by the sweep and placed again', async () => {
    await wakeups.replace('8001', [occurrence(Date.now() - 1_000)], Date.now());
    const s = await start({ ringSeconds: 0.2 }, wakeups, { stuckSweepMs: 100, callMarginMs: 300 });
    await until(async () => (await stateOf('8001')) === 'answered');
    // A second occurrence taken by `begin` but never handed to a call (a lost write, a bug).
    await wakeups.replace('8002', [occurrence(Date.now() - 1_000)], Date.now());
    const o2 = (await wakeups.forRoom('8002'))[0]!;
    assert.ok(await wakeups.begin(o2.id, Date.now()));
    await until(async () => {
      s.rearm();
      return (await stateOf('8002')) === 'answered';
    });
    assert.deepEqual(
      (await wakeups.attempts(o2.id)).map((a) => [a.attempt, a.result]),
      [
        [1, 'interrupted'],
        [1, 'answered'],
      ],
    );
  });

  it("an engine-side failure is placed again within seconds and is not the guest's attempt", async () => {
    const fault: CallOutcome = { result: 'failed', linkFault: true, detail: 'ARI: socket hang up' };
    caller.script.set('8001', [fault, fault, 'answered']);
    await wakeups.replace('8001', [occurrence(Date.now() + 200, { maxAttempts: 1 })], Date.now());
    await start({ linkRetrySeconds: 1, linkRetries: 3 });
    await until(async () => (await stateOf('8001')) === 'answered', 10_000);
    const o = (await wakeups.forRoom('8001'))[0]!;
    const attempts = await wakeups.attempts(o.id);
    assert.deepEqual(
      attempts.map((a) => [a.attempt, a.result]),
      [
        [1, 'linkfault'],
        [1, 'linkfault'],
        [1, 'answered'],
      ],
      'num 1: had the faults counted, the guest would never have been rung',
    );
    const gaps = attempts.slice(1).map((a, i) => a.startedAt - attempts[i]!.startedAt);
    for (const g of gaps) assert.ok(g >= 1000 && g < 3000, `placed again ${g} ms later`);
  });

  it('engine-side failures are bounded: past wakeup.linkRetries the attempt counts as failed and ends', async () => {
    const fault: CallOutcome = { result: 'failed', linkFault: true, detail: 'ARI: timeout' };
    caller.script.set('8001', [fault, fault, fault]);
    await wakeups.replace('8001', [occurrence(Date.now() + 200, { maxAttempts: 1 })], Date.now());
    await start({ linkRetrySeconds: 1, linkRetries: 2 });
    await until(async () => (await stateOf('8001')) === 'failed', 10_000);
    assert.equal(caller.calls.length, 3);
    assert.deepEqual(
      finals.map((f) => [f.occurrence.extension, f.state]),
      [['8001', 'failed']],
    );
  });

  it('snooze: one more call after the snooze length, as its own attempt; no answer after every attempt is reported once', async () => {
    caller.script.set('8001', ['snoozed', 'answered']);
    caller.script.set('8002', ['noanswer', 'noanswer']);
    const due = Date.now() + 300;
    await wakeups.replace('8001', [occurrence(due, { maxAttempts: 1 })], Date.now());
    await wakeups.replace('8002', [occurrence(due, { maxAttempts: 2 })], Date.now());
    // snooze 5 minutes of 0.2 s = 1 s
    await start({ snoozeMinutes: 5 });
    await until(async () => (await stateOf('8001')) === 'answered' && (await stateOf('8002')) === 'noanswer');
    const o = (await wakeups.forRoom('8001'))[0]!;
    const attempts = await wakeups.attempts(o.id);
    assert.deepEqual(
      attempts.map((a) => [a.attempt, a.result]),
      [
        [1, 'snoozed'],
        [2, 'answered'],
      ],
    );
    const gap = attempts[1]!.startedAt - attempts[0]!.startedAt;
    assert.ok(gap >= 1000 && gap < 2500, `snooze call ${gap} ms after the first`);
    assert.deepEqual(finals.map((f) => [f.occurrence.extension, f.state, f.attempts]).sort(), [
      ['8001', 'answered', 2],
      ['8002', 'noanswer', 2],
    ]);
  });
});
