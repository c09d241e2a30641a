// Fires wake-ups at their due second. The store is the schedule: this keeps one timer for the earliest
// pending attempt, hands what is due to the burst queue, and writes every attempt and result back.
// Nothing is held only in memory: after a crash the next start recomputes everything from the store.
import type { AttemptRecord } from '../telemetry/bus.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import type { WakeupStore } from '../store/wakeups.js';
import type { Occurrence, OccurrenceState, StartedAttempt } from '../store/wakeup-records.js';
import { channelIdOf, type CallOutcome, type WakeupCaller } from './caller.js';
import { everyMinute, type Ticker } from './cron.js';
import { Pacer } from './pacer.js';
import { CallQueue } from './queue.js';

/** Longest single sleep: a long timer is re-armed from the store now and then (clock steps, drift). */
const MAX_SLEEP_MS = 60_000;
/** A timer may fire a little early against the wall clock; take what is due this close. */
const EARLY_MS = 250;
const BATCH = 500;
/** How often the sweep looks for attempts stuck in `calling` and for wake-ups overdue past grace. */
const STUCK_SWEEP_MS = 30_000;
/** Past ring time, how long an answered call may take (prompts, keys, goodbye) before it is stuck. */
const CALL_MARGIN_MS = 4 * 60_000;
/** Retries of a store write that ends an attempt, before it is left to the sweeps: 1+2+4+8+16 s. */
const PERSIST_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 16_000];

/** A wake-up that ended for good: answered, or not (busy, noanswer, failed, missed). */
export interface FinalResult {
  occurrence: Occurrence;
  state: OccurrenceState;
  attempts: number;
  detail?: string;
}

/** An attempt whose end could not be written yet: written again on every sweep until it is. */
interface Unsettled {
  started: StartedAttempt;
  outcome: CallOutcome;
  startedAt: number;
  base: Record<string, unknown>;
}

interface Due {
  key: number;
  dueAt: number;
  occurrence: Occurrence;
}

export class WakeupScheduler {
  readonly queue: CallQueue<Due>;
  private readonly pacer: Pacer;
  #timer: NodeJS.Timeout | undefined;
  #ticker: Ticker | undefined;
  #running = false;
  #recovered = false;
  #ticking: Promise<void> | undefined;
  #again = false;
  #lastStuckSweep = 0;
  readonly #unsettled = new Map<number, Unsettled>();
  /** Timings of the safety nets; tests shorten them. */
  readonly timing = {
    persistDelaysMs: PERSIST_DELAYS_MS as readonly number[],
    stuckSweepMs: STUCK_SWEEP_MS,
    callMarginMs: CALL_MARGIN_MS,
  };

  constructor(
    private readonly store: Pick<
      WakeupStore,
      'nextDue' | 'due' | 'begin' | 'finish' | 'release' | 'markAnswered' | 'recover' | 'calling'
    >,
    private readonly caller: WakeupCaller,
    private readonly config: Config['wakeup'],
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    /** A wake-up ended for good (reception alert, PMS push); errors are the listener's. */
    private readonly onFinal: (r: FinalResult) => void = () => undefined,
    /** Every attempt that ended and counted, with how late it was placed (/metrics). */
    private readonly onAttempt: (a: AttemptRecord) => void = () => undefined,
  ) {
    this.queue = new CallQueue<Due>(
      { maxConcurrent: config.maxConcurrentCalls },
      (due) => this.#attempt(due.occurrence),
      (due, err) =>
        this.log.error(
          { err, occurrence: due.key },
          'wake-up attempt failed (bug); retried on the next sweep',
        ),
    );
    this.pacer = new Pacer(config.callsPerSecond, now);
  }

  /**
   * Starts from the store: attempts cut short by a dead engine are re-placed, wake-ups more than
   * `graceSeconds` overdue are recorded as missed, then the timer is armed. Run when the store is ready.
   */
  async start(): Promise<void> {
    this.#running = true;
    this.#ticker ??= everyMinute('pms-wakeup-sweep', () => this.#tick());
    await this.#tick();
  }

  /**
   * Once per engine, before the first firing (a second pass would take our own calls for a dead
   * engine's). It first asks Asterisk which wake-up calls a dead engine left up: the attempts they
   * belong to are placed again at once (and so adopted, not placed twice); the others are hung up.
   * While the PBX cannot be asked nothing is placed (it could not ring anyway): false.
   */
  async #recover(): Promise<boolean> {
    const live = this.caller.liveChannels ? await this.caller.liveChannels() : [];
    if (live === undefined) return false;
    const owners = new Map<string, number>();
    for (const o of await this.store.calling()) owners.set(channelIdOf(o, o.attempts), o.id);
    const adopt = new Set<number>();
    for (const id of live) {
      const owner = owners.get(id);
      if (owner !== undefined) adopt.add(owner);
      else {
        this.log.warn({ channelId: id }, 'wake-up channel of a dead engine owns no open attempt: hung up');
        await this.caller.hangup?.(id);
      }
    }
    const now = this.now();
    const { interrupted, missed } = await this.store.recover(now, this.config.graceSeconds * 1000, {
      live: adopt,
    });
    this.#recovered = true;
    this.#lastStuckSweep = now;
    if (interrupted)
      this.log.warn(
        { interrupted, adopted: adopt.size },
        'wake-up calls cut short by an engine stop are placed again (those still up in Asterisk are adopted)',
      );
    this.#missed(missed, now);
    return true;
  }

  /**
   * The sweep's safety net: an attempt this engine no longer works on (its end could not be written
   * and is not waiting to be) that stays `calling` past ring time + margin is placed again; wake-ups
   * overdue past grace (the PBX or the database was away) become missed.
   */
  async #sweepStuck(now: number): Promise<void> {
    if (now - this.#lastStuckSweep < this.timing.stuckSweepMs) return;
    this.#lastStuckSweep = now;
    const stuckMs = this.config.ringSeconds * 1000 + this.timing.callMarginMs;
    const owned = new Set<number>([...this.#unsettled.keys()]);
    for (const key of this.queue.runningKeys()) owned.add(key);
    const { interrupted, missed } = await this.store.recover(now, this.config.graceSeconds * 1000, {
      startedBefore: now - stuckMs,
      exclude: owned,
    });
    if (interrupted)
      this.log.error({ interrupted }, 'wake-up attempts stuck in calling were re-armed by the sweep');
    this.#missed(missed, now);
  }

  #missed(missed: Occurrence[], now: number): void {
    for (const o of missed) {
      this.#final({ occurrence: o, state: 'missed', attempts: o.attempts });
      this.log.error(
        {
          event: 'wakeup.missed',
          room: o.extension,
          occurrence: o.id,
          due: new Date(o.dueAt).toISOString(),
          lateSeconds: Math.round((now - (o.nextAttemptAt ?? o.dueAt)) / 1000),
        },
        'WAKE-UP MISSED: not placed within the grace period (engine, PBX or database away)',
      );
    }
  }

  #final(r: FinalResult): void {
    try {
      this.onFinal(r);
    } catch (err) {
      this.log.error({ err, occurrence: r.occurrence.id }, 'wake-up final-result listener threw');
    }
  }

  /** Stops firing. Calls in progress end on their own; their rows are settled by the next start. */
  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#ticker?.stop();
    this.#ticker = undefined;
    this.queue.stop();
  }

  /** The schedule changed (new AlarmClock, check-out, room change): look at the store again. */
  rearm(): void {
    if (this.#running) void this.#tick();
  }

  /** Queues what is due and arms the timer for the next; one at a time, re-run if asked meanwhile. */
  async #tick(): Promise<void> {
    if (this.#ticking) {
      this.#again = true;
      return this.#ticking;
    }
    this.#ticking = (async () => {
      do {
        this.#again = false;
        await this.#tickOnce();
      } while (this.#again && this.#running);
    })().finally(() => (this.#ticking = undefined));
    return this.#ticking;
  }

  async #tickOnce(): Promise<void> {
    if (!this.#running) return;
    clearTimeout(this.#timer);
    try {
      if (!this.#recovered && !(await this.#recover())) return; // ARI away: `rearm` on its ready
      await this.#settleUnsettled();
      const now = this.now();
      await this.#sweepStuck(now);
      for (const o of await this.store.due(now + EARLY_MS, BATCH))
        this.queue.push({ key: o.id, dueAt: o.nextAttemptAt ?? o.dueAt, occurrence: o });
      const next = await this.store.nextDue();
      if (next === undefined || !this.#running) return;
      // What is queued is pending too: the next timer is for the first one not yet queued, or a
      // short look again while the queue works through a burst.
      const delay = next <= now + EARLY_MS ? 1000 : Math.min(next - this.now(), MAX_SLEEP_MS);
      this.#timer = setTimeout(() => void this.#tick(), Math.max(0, delay));
    } catch (err) {
      // The database is away: the minute sweep tries again, and a start after an outage recovers.
      this.log.error(
        { err: (err as Error).message },
        'wake-up schedule not readable now; retrying on the next sweep',
      );
    }
  }

  async #attempt(queued: Occurrence): Promise<void> {
    // Taken up to EARLY_MS ahead (a tick runs whenever another call ends): never placed early, so a
    // retry keeps its `frequency` and a wake-up its second.
    const early = (queued.nextAttemptAt ?? queued.dueAt) - this.now();
    if (early > 0) await new Promise((r) => setTimeout(r, early));
    // The calls-per-second pace, right before the attempt is opened and placed (a few ms apart).
    await this.pacer.slot();
    const started = await this.store.begin(queued.id, this.now());
    if (!started) return; // cancelled, moved to a final state or taken meanwhile
    const { occurrence: o, attempt } = started;
    const startedAt = this.now();
    const late = startedAt - (queued.nextAttemptAt ?? o.dueAt);
    const base = {
      room: o.extension,
      occurrence: o.id,
      attempt,
      of: o.maxAttempts,
      file: o.file,
      lateMs: late,
    };
    this.log.info({ event: 'wakeup.attempt', ...base }, 'wake-up call placed');
    const outcome = await this.caller.call(
      { extension: o.extension, file: o.file, channelId: channelIdOf(o, attempt) },
      (at) => void this.store.markAnswered(started.attemptId, at).catch(() => undefined),
    );
    await this.#persist({ started, outcome, startedAt, base });
  }

  /** Writes the attempt's end, retrying a failed write; if it still fails the sweeps keep trying. */
  async #persist(u: Unsettled): Promise<void> {
    for (let i = 0; ; i++) {
      try {
        await this.#finish(u);
        return;
      } catch (err) {
        const delay = this.timing.persistDelaysMs[i];
        const context = { occurrence: u.started.occurrence.id, err: (err as Error).message };
        if (delay === undefined || !this.#running) {
          this.#unsettled.set(u.started.occurrence.id, u);
          this.log.error(
            context,
            'wake-up result not written; the sweep writes it when the database is back',
          );
          return;
        }
        this.log.warn({ ...context, retryInMs: delay }, 'wake-up result not written; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  async #settleUnsettled(): Promise<void> {
    for (const [key, u] of [...this.#unsettled]) {
      await this.#finish(u); // throws while the database is away: the tick logs it, the sweep retries
      this.#unsettled.delete(key);
    }
  }

  async #finish(u: Unsettled): Promise<void> {
    const { started, outcome, startedAt, base } = u;
    const retryMs = started.occurrence.frequencyMin * this.config.minuteSeconds * 1000;
    const details = {
      now: this.now(),
      startedAt,
      retryMs,
      snoozeMs: this.config.snoozeMinutes * this.config.minuteSeconds * 1000,
      cause: outcome.cause,
      detail: outcome.detail,
    };
    const fields = { ...base, result: outcome.result, cause: outcome.cause, detail: outcome.detail };
    if (outcome.linkFault) {
      const retryAt = details.now + this.config.linkRetrySeconds * 1000;
      const after = await this.store.release(started, {
        ...details,
        retryAt,
        maxFaults: this.config.linkRetries,
      });
      if (!after.counted) {
        this.log.warn(
          { event: 'wakeup.linkfault', ...fields, nextAt: new Date(retryAt).toISOString() },
          "wake-up call failed on the engine's side (not the guest's attempt); placed again shortly",
        );
        this.rearm();
        return;
      }
      this.onAttempt({ room: started.occurrence.extension, result: 'failed', lateMs: Number(base.lateMs) });
      this.#report(started, after, { ...fields, result: 'failed' });
      return;
    }
    const after = await this.store.finish(started, outcome.result, details);
    this.onAttempt({
      room: started.occurrence.extension,
      result: outcome.result,
      lateMs: Number(base.lateMs),
    });
    this.#report(started, after, fields);
  }

  #report(
    started: StartedAttempt,
    after: { state: OccurrenceState; nextAttemptAt: number | null },
    fields: Record<string, unknown>,
  ): void {
    if (after.state === 'pending') {
      this.log.info(
        { event: 'wakeup.retry', ...fields, nextAt: new Date(after.nextAttemptAt!).toISOString() },
        'wake-up not answered; next attempt scheduled',
      );
    } else if (after.state === 'answered') {
      this.log.info({ event: 'wakeup.done', ...fields, final: 'answered' }, 'wake-up answered');
      this.#final(this.#finalOf(started, after.state, fields));
    } else if (after.state === 'cancelled') {
      this.log.info({ event: 'wakeup.cancelled', ...fields }, 'wake-up was cancelled during the call');
    } else {
      this.log.error(
        { event: 'wakeup.done', ...fields, final: after.state },
        `WAKE-UP NOT ANSWERED after every attempt: ${after.state}`,
      );
      this.#final(this.#finalOf(started, after.state, fields));
    }
    this.rearm();
  }

  #finalOf(started: StartedAttempt, state: OccurrenceState, fields: Record<string, unknown>): FinalResult {
    return {
      occurrence: started.occurrence,
      state,
      attempts: started.attempt,
      detail: fields.detail as string | undefined,
    };
  }
}
