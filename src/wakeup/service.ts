// Wake-up calls as the rest of the engine sees them: AlarmClock replaces a room's schedule, and the
// schedule follows the room (check-out cancels it, a room change moves it) through the room hooks.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import type { RoomHooks, RoomService } from '../rooms/service.js';
import type { WakeupStore } from '../store/wakeups.js';
import type { Occurrence } from '../store/wakeup-records.js';
import { planOccurrences } from './schedule.js';
import type { WakeupScheduler } from './scheduler.js';
import { DEFAULT_PROMPT, MIN_FREQUENCY, promptParts, type Strategy } from './strategy.js';
import { formatLocal } from '../time/zone.js';

/** The prompt library: `<dir>/<format>/<name>.<format>` (see sounds/README.md). */
export class PromptLibrary {
  constructor(private readonly dir: string) {}

  /** Whether `file` (a syntax-checked bare name) is a readable file of the library. */
  has(file: string): boolean {
    const { format } = promptParts(file);
    try {
      return statSync(join(this.dir, format, file)).isFile();
    } catch {
      return false;
    }
  }
}

export class WakeupService implements RoomHooks {
  constructor(
    private readonly store: WakeupStore,
    private readonly scheduler: WakeupScheduler,
    private readonly rooms: RoomService,
    private readonly config: Pick<Config, 'hotel'>,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Replaces the room's wake-ups by `strategies` (empty: cancel them all). Runs under the room's lock,
   * so it never interleaves with a check-out or a room change of the same room.
   */
  async set(
    extension: string,
    strategies: readonly Strategy[],
    signal?: AbortSignal,
  ): Promise<{ planned: number; cancelled: number }> {
    const now = this.now();
    const planned = planOccurrences(strategies, new Date(now), this.config.hotel.timeZone).map((p) => {
      const s = strategies[p.strategy - 1]!;
      return {
        ...p,
        localStart: s.start,
        frequencyMin: s.frequency,
        maxAttempts: s.attempts,
        file: s.file,
      };
    });
    const cancelled = await this.rooms.exclusive(
      extension,
      () => this.store.replace(extension, planned, now),
      signal,
    );
    this.scheduler.rearm();
    this.log.info(
      {
        event: 'wakeup.set',
        room: extension,
        planned: planned.length,
        cancelled,
        first: planned[0] && new Date(planned[0].dueAt).toISOString(),
      },
      planned.length ? 'wake-up calls set' : 'wake-up calls cancelled',
    );
    return { planned: planned.length, cancelled };
  }

  /**
   * One more wake-up of the room at `dueAt` (a FIAS WR), beside its others: rings `attempts` times,
   * 5 minutes apart, with the default prompt. `link` runs in the same transaction with the new
   * occurrence's id (the FIAS table pairs it with the requested DA/TI). Under the room's lock.
   */
  async addOnce(
    extension: string,
    dueAt: number,
    attempts: number,
    link: (occurrenceId: number, tx: unknown) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<number> {
    const local = formatLocal(new Date(dueAt), this.config.hotel.timeZone);
    const occurrence = {
      strategy: 1,
      localDate: local.slice(0, 10),
      localStart: local.slice(11, 16),
      dueAt,
      frequencyMin: MIN_FREQUENCY,
      maxAttempts: attempts,
      file: DEFAULT_PROMPT,
    };
    const id = await this.rooms.exclusive(
      extension,
      () =>
        this.store.transaction(async (tx) => {
          const [created] = await this.store.add(extension, [occurrence], this.now(), tx);
          await link(created!, tx);
          return created!;
        }),
      signal,
    );
    this.scheduler.rearm();
    this.log.info(
      { event: 'wakeup.set', room: extension, occurrence: id, due: new Date(dueAt).toISOString() },
      'one wake-up call added',
    );
    return id;
  }

  /**
   * Cancels the room's wake-ups that `pick` selects, reading in the same transaction under the room's
   * lock (a FIAS WC); `pick` may write its own rows there too. Returns how many were cancelled.
   */
  async cancelSome(
    extension: string,
    pick: (tx: unknown) => Promise<number[]>,
    signal?: AbortSignal,
  ): Promise<number> {
    const cancelled = await this.rooms.exclusive(
      extension,
      () => this.store.transaction(async (tx) => this.store.cancelIds(await pick(tx), this.now(), tx)),
      signal,
    );
    this.scheduler.rearm();
    this.log.info({ event: 'wakeup.cancel', room: extension, cancelled }, 'wake-up calls cancelled');
    return cancelled;
  }

  forRoom(extension: string): Promise<Occurrence[]> {
    return this.store.forRoom(extension);
  }

  // Room hooks: inside the check-out / room change transaction, then re-arm once committed.
  async clean(extension: string, tx: unknown): Promise<void> {
    await this.store.cancel(extension, this.now(), tx);
  }

  async move(from: string, to: string, tx: unknown): Promise<void> {
    await this.store.move(from, to, this.now(), tx);
  }

  afterClean(): Promise<void> {
    this.scheduler.rearm();
    return Promise.resolve();
  }

  afterMove(): Promise<void> {
    this.scheduler.rearm();
    return Promise.resolve();
  }
}
