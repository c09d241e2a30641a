// Fires wake-ups at their due second. The store is the schedule: this keeps one timer for the earliest
// pending attempt, hands what is due to the burst queue, and writes every attempt and result back.
// Nothing is held only in memory: after a crash the next start recomputes everything from the store.
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import type { Occurrence, StartedAttempt, WakeupStore } from '../store/wakeups.js';
import type { WakeupCaller } from './caller.js';
import { everyMinute, type Ticker } from './cron.js';
import { Pacer } from './pacer.js';
import { CallQueue } from './queue.js';

/** Longest single sleep: a long timer is re-armed from the store now and then (clock steps, drift). */
const MAX_SLEEP_MS = 60_000;
/** A timer may fire a little early against the wall clock; take what is due this close. */
const EARLY_MS = 250;
const BATCH = 500;

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

  constructor(
    private readonly store: Pick<
      WakeupStore,
      'nextDue' | 'due' | 'begin' | 'finish' | 'markAnswered' | 'recover'
    >,
    private readonly caller: WakeupCaller,
    private readonly config: Config['wakeup'],
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
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

  /** Once per engine, before the first firing (a second pass would take our own calls for a dead engine's). */
  async #recover(): Promise<void> {
    const now = this.now();
    const { interrupted, missed } = await this.store.recover(now, this.config.graceSeconds * 1000);
    this.#recovered = true;
    if (interrupted)
      this.log.warn({ interrupted }, 'wake-up calls cut short by an engine stop are placed again');
    for (const o of missed)
      this.log.error(
        {
          event: 'wakeup.missed',
          room: o.extension,
          occurrence: o.id,
          due: new Date(o.dueAt).toISOString(),
          lateSeconds: Math.round((now - (o.nextAttemptAt ?? o.dueAt)) / 1000),
        },
        'WAKE-UP MISSED: the engine was down past the grace period',
      );
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
      if (!this.#recovered) await this.#recover();
      const now = this.now();
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
      { extension: o.extension, file: o.file, label: `o${o.id}-a${attempt}` },
      (at) => void this.store.markAnswered(started.attemptId, at).catch(() => undefined),
    );
    await this.#finish(started, outcome, startedAt, base);
  }

  async #finish(
    started: StartedAttempt,
    outcome: Awaited<ReturnType<WakeupCaller['call']>>,
    startedAt: number,
    base: Record<string, unknown>,
  ): Promise<void> {
    const retryMs = started.occurrence.frequencyMin * this.config.minuteSeconds * 1000;
    const after = await this.store.finish(started, outcome.result, {
      now: this.now(),
      startedAt,
      retryMs,
      cause: outcome.cause,
      detail: outcome.detail,
    });
    const fields = { ...base, result: outcome.result, cause: outcome.cause, detail: outcome.detail };
    if (after.state === 'pending') {
      this.log.info(
        { event: 'wakeup.retry', ...fields, nextAt: new Date(after.nextAttemptAt!).toISOString() },
        'wake-up not answered; next attempt scheduled',
      );
    } else if (after.state === 'answered') {
      this.log.info({ event: 'wakeup.done', ...fields, final: 'answered' }, 'wake-up answered');
    } else if (after.state === 'cancelled') {
      this.log.info({ event: 'wakeup.cancelled', ...fields }, 'wake-up was cancelled during the call');
    } else {
      this.log.error(
        { event: 'wakeup.done', ...fields, final: after.state },
        `WAKE-UP NOT ANSWERED after every attempt: ${after.state}`,
      );
    }
    this.rearm();
  }
}
