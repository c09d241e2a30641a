// Time as the FIAS link sees it: an injected clock, so the state machine stays I/O-free and tests
// drive every deadline by hand instead of sleeping; and the link's named timers on top of it.

export interface LinkTimer {
  /** Stops the timer; cancelling one that fired or was cancelled does nothing. */
  cancel(): void;
}

export interface LinkClock {
  /** Milliseconds since the Unix epoch (stamps DA/TI and checks the contract end date). */
  now(): number;
  /** Calls `fire` once after `delayMs`. */
  setTimer(delayMs: number, fire: () => void): LinkTimer;
}

/** The real clock. Timers are unref'd: a pending link deadline alone should not keep the engine alive. */
export const systemLinkClock: LinkClock = {
  now: () => Date.now(),
  setTimer(delayMs, fire) {
    const t = setTimeout(fire, delayMs);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

/**
 * At most one timer per name: arming a name again replaces it. A callback runs through `run` (the
 * link's input loop) and only if its timer is still the armed one, so a timer cancelled or re-armed
 * while its callback was already queued by the clock never acts.
 */
export class LinkTimers<N extends string> {
  readonly #armed = new Map<N, LinkTimer>();

  constructor(
    private readonly clock: LinkClock,
    private readonly run: (fn: () => void) => void,
  ) {}

  arm(name: N, ms: number, fire: () => void): void {
    this.disarm(name);
    const t = this.clock.setTimer(ms, () =>
      this.run(() => {
        if (this.#armed.get(name) !== t) return;
        this.#armed.delete(name);
        fire();
      }),
    );
    this.#armed.set(name, t);
  }

  disarm(name: N): void {
    this.#armed.get(name)?.cancel();
    this.#armed.delete(name);
  }

  has(name: N): boolean {
    return this.#armed.has(name);
  }

  /** Cancels every timer but those in `keep`. */
  disarmAll(keep: readonly N[]): void {
    for (const name of [...this.#armed.keys()]) if (!keep.includes(name)) this.disarm(name);
  }
}
