// Run-to-completion for the FIAS link: an input (a record, a timer, an operator command) is handled
// whole before any output it caused is delivered, and outputs go out in the order they were made.
// So a listener may call back into the link (disable() from stateChanged): its input then runs at
// once, on a consistent state, and its outputs join the end of the queue being delivered.
import type { Logger } from '../log.js';

export class LinkQueue {
  readonly #queue: (() => void)[] = [];
  #flushing = false;

  constructor(private readonly log: Logger) {}

  /** Queues an output; `onError` runs if it throws (after the error is logged). */
  push(output: () => void, onError?: (err: unknown) => void): void {
    this.#queue.push(() => {
      try {
        output();
      } catch (err) {
        this.log.error({ err }, 'FIAS link output threw');
        onError?.(err);
      }
    });
  }

  /** Handles one input, then `settle` (bookkeeping that may queue more), then delivers the queue. */
  run(input: () => void, settle: () => void): void {
    try {
      input();
      settle();
    } catch (err) {
      this.log.error({ err }, 'FIAS link handler threw');
    }
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) next();
    } finally {
      this.#flushing = false;
    }
  }
}
