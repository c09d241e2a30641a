// A warning that may repeat hundreds of times a second (a connection flood): the first of a burst is
// logged at once, the rest are counted and summed up in one line per interval, so a flood cannot
// flood the log too.
import type { Logger } from 'pino';

export class BurstLog {
  private suppressed = 0;
  private timer: NodeJS.Timeout | undefined;
  private last: object = {};

  constructor(
    private readonly log: Logger,
    private readonly msg: string,
    private readonly intervalMs = 10_000,
  ) {}

  note(fields: object): void {
    if (this.timer) {
      this.suppressed++;
      this.last = fields;
      return;
    }
    this.log.warn(fields, this.msg);
    this.arm();
  }

  /** Logs what is still counted (at shutdown). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.suppressed) this.log.warn({ ...this.last, suppressed: this.suppressed }, this.msg);
    this.suppressed = 0;
  }

  private arm(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.suppressed) return;
      // The sum of the burst so far; a burst that goes on is summed again an interval later.
      this.log.warn({ ...this.last, suppressed: this.suppressed, intervalMs: this.intervalMs }, this.msg);
      this.suppressed = 0;
      this.arm();
    }, this.intervalMs);
    this.timer.unref();
  }
}
