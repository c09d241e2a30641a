// Wake-up bursts (07:00 in a 300-room hotel): at most `maxConcurrent` calls in progress; excess calls
// wait in order of due time and start as soon as a call ends: never dropped. (The calls-per-second
// pace is the Pacer's, at the originate.) Holds only what is due now; the store is the schedule.

export interface QueueItem {
  /** Identity: an item already waiting or running is not queued twice. */
  key: number;
  /** When it was due (UTC ms): the queue's order. */
  dueAt: number;
}

export interface QueueLimits {
  maxConcurrent: number;
}

export class CallQueue<T extends QueueItem> {
  readonly #waiting: T[] = [];
  readonly #running = new Set<number>();
  #stopped = false;
  #peak = 0;

  constructor(
    private readonly limits: QueueLimits,
    private readonly run: (item: T) => Promise<void>,
    private readonly onError: (item: T, err: unknown) => void,
  ) {}

  /** Queues `item` unless it waits or runs already; returns whether it was queued. */
  push(item: T): boolean {
    if (this.#stopped || this.has(item.key)) return false;
    // Insert in order (due time, then key): bursts arrive nearly sorted, so scan from the end.
    let i = this.#waiting.length;
    while (i > 0 && compare(this.#waiting[i - 1]!, item) > 0) i--;
    this.#waiting.splice(i, 0, item);
    this.#pump();
    return true;
  }

  has(key: number): boolean {
    return this.#running.has(key) || this.#waiting.some((w) => w.key === key);
  }

  /** Keys of the calls in progress. */
  runningKeys(): number[] {
    return [...this.#running];
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  get running(): number {
    return this.#running.size;
  }

  /** Most calls ever in progress at once (for logs, tests and the benchmark). */
  get peakRunning(): number {
    return this.#peak;
  }

  /** Starts nothing more; calls in progress finish on their own. Returns what was still waiting. */
  stop(): T[] {
    this.#stopped = true;
    return this.#waiting.splice(0);
  }

  #pump(): void {
    while (!this.#stopped && this.#waiting.length && this.#running.size < this.limits.maxConcurrent) {
      const item = this.#waiting.shift()!;
      this.#running.add(item.key);
      this.#peak = Math.max(this.#peak, this.#running.size);
      void this.#start(item);
    }
  }

  async #start(item: T): Promise<void> {
    try {
      await this.run(item);
    } catch (err) {
      this.onError(item, err);
    } finally {
      this.#running.delete(item.key);
      this.#pump();
    }
  }
}

function compare(a: QueueItem, b: QueueItem): number {
  return a.dueAt - b.dueAt || a.key - b.key;
}
