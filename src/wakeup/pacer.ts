// The calls-per-second ceiling, applied right before each attempt is opened and placed: callers get
// slots 1/`perSecond` s apart on a grid, first come first served. An even pace, never `perSecond`
// calls at once and then a pause, so a little latency further on cannot bunch them into a burst.
export class Pacer {
  #next = -Infinity;
  #tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves when this caller may start; slots are handed out in call order. */
  slot(): Promise<void> {
    const mine = this.#tail.then(async () => {
      const wait = this.#next - this.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, Math.ceil(wait)));
      // Slots keep to their grid: a timer that fires late (a loaded machine at 07:00) does not push
      // every later slot back. Never more than one slot of catch-up, so a stall ends in no burst.
      const interval = 1000 / this.perSecond;
      const now = this.now();
      const grid = this.#next === -Infinity ? now : this.#next;
      this.#next = Math.max(grid + interval, now);
    });
    this.#tail = mine;
    return mine;
  }
}
