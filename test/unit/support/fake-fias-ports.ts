// In-memory fakes of the two seams to the room core (src/fias/ports.ts): an inbound that records what
// it is given (optionally slowly, to show records are applied one at a time), and an outbox.
import type { FiasInbound, FiasOutbox } from '../../../src/fias/ports.js';
import type { FiasRecord } from '../../../src/fias/record.js';
import type { FiasMessage } from '../../../src/fias/records/index.js';

export class FakeInbound implements FiasInbound {
  readonly handled: FiasMessage[] = [];
  /** Most records being handled at once (1: in order, one at a time). */
  maxInFlight = 0;
  #inFlight = 0;
  readonly #waiters: { n: number; resolve: () => void }[] = [];

  /** Milliseconds the n-th record takes (default none). */
  constructor(private readonly delayMs: (n: number) => number = () => 0) {}

  async handle(msg: FiasMessage): Promise<void> {
    this.#inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
    const ms = this.delayMs(this.handled.length);
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
    this.#inFlight--;
    this.handled.push(msg);
    for (const w of this.#waiters.filter((x) => this.handled.length >= x.n)) w.resolve();
  }

  /** Resolves once `n` records are handled, or rejects after `ms`. */
  waitFor(n: number, ms: number): Promise<void> {
    if (this.handled.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`inbound: ${this.handled.length} of ${n} records within ${ms} ms`)),
        ms,
      );
      this.#waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

export class FakeOutbox implements FiasOutbox {
  readonly #items: { id: number; record: FiasRecord }[] = [];
  readonly #listeners = new Set<() => void>();
  readonly sentIds: number[] = [];
  #next = 1;

  add(record: FiasRecord): number {
    const id = this.#next++;
    this.#items.push({ id, record });
    for (const l of this.#listeners) l();
    return id;
  }
  get waiting(): number {
    return this.#items.length;
  }
  peek(): Promise<{ id: number; record: FiasRecord } | undefined> {
    return Promise.resolve(this.#items[0]);
  }
  sent(id: number): Promise<void> {
    const i = this.#items.findIndex((x) => x.id === id);
    if (i !== -1) this.#items.splice(i, 1);
    this.sentIds.push(id);
    return Promise.resolve();
  }
  onAdded(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
