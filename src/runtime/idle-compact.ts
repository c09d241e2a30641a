// Gives back the memory of a burst the engine knows of. An AstDB re-sync (at start, and whenever AMI
// or the database comes back) reads every room and sends six AMI actions per room; V8 grows its heap
// for it (young generation and old space) and keeps it: node never tells V8 that the process is idle,
// so V8's memory reducer does not start on its own. Full collections once the burst is over return it
// (a 2,005-room hotel on the lab: RSS ~120 → ~75 MiB; the live heap is ~14 MiB either way). Each
// round is one pause of some 40 ms, twice per burst, 10 and 20 s after it.
//
// The process owns its heap, so main.ts arms this, not the Engine (tests run many engines in one
// process). Without a way to collect (a runtime that refuses the flag) it does nothing.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Quiet time after the last burst before collecting. */
export const COMPACT_DELAY_MS = 10_000;

let collect: (() => void) | null | undefined;

/**
 * V8's full collection, as `node --expose-gc` gives it (`gc()`), taken at run time: the flag is set
 * only while a new context is made, which is how that context gets the function.
 */
export function fullCollection(): (() => void) | undefined {
  if (collect === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === 'function') collect = exposed;
    else {
      try {
        setFlagsFromString('--expose-gc');
        const fn = runInNewContext('gc') as unknown;
        collect = typeof fn === 'function' ? (fn as () => void) : null;
      } catch {
        collect = null;
      } finally {
        setFlagsFromString('--no-expose-gc');
      }
    }
  }
  return collect ?? undefined;
}

export class IdleCompactor {
  #timer: NodeJS.Timeout | undefined;

  /** `gc`: the collection to run; by default V8's, taken at the first burst (not at start-up). */
  constructor(
    private readonly done: (ms: number) => void = () => undefined,
    private readonly delayMs = COMPACT_DELAY_MS,
    private gc?: () => void,
  ) {}

  /** A burst just ended: collect once `delayMs` passed without another, and once more after that. */
  burstEnded(): void {
    this.gc ??= fullCollection();
    if (!this.gc) return;
    this.#arm(2);
  }

  #arm(rounds: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const t0 = performance.now();
      // The first collection frees the burst's objects; the second compacts the old space that the
      // first left sparse, so that its pages are returned.
      this.gc!();
      this.gc!();
      this.done(performance.now() - t0);
      // V8 shrinks its young generation only once it sees a low allocation rate, which the first
      // round's idle time gives it: a second round then returns that too.
      if (rounds > 1) this.#arm(rounds - 1);
    }, this.delayMs);
    // Never what keeps the process alive.
    this.#timer.unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
