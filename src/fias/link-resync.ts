// The database-resync window of an established FIAS link ("Database Synchronization"): our DR, the
// PMS's DS, its records (with SF), its DE. The spec forbids sending anything while the PMS resyncs, so
// the link's canSendData() is false whenever this is active. Both waits have a deadline: DR → DS (a
// newer PMS ignores a DR it finds unneeded, without telling), and the gap between two records.
import type { FiasResyncResult } from './link-ports.js';

export interface ResyncHooks {
  /** (Re)arms the link's one resync timer. */
  arm(ms: number, fire: () => void): void;
  disarm(): void;
  start(): void;
  end(result: FiasResyncResult): void;
  /** The reason canSendData() is about to change (for canSendChanged). */
  changed(why: string): void;
}

export class LinkResync {
  #state: 'none' | 'requested' | 'running' = 'none';

  constructor(
    private readonly timeoutMs: number,
    private readonly hooks: ResyncHooks,
  ) {}

  get state(): 'none' | 'requested' | 'running' {
    return this.#state;
  }

  /** Between our DR and the PMS's DE, or inside a DS…DE window. */
  get active(): boolean {
    return this.#state !== 'none';
  }

  /** Our DR is out. */
  requested(): void {
    this.#state = 'requested';
    this.hooks.changed('our DR: nothing is sent until the PMS sends DE');
    const s = this.timeoutMs / 1000;
    this.hooks.arm(this.timeoutMs, () =>
      this.end(false, `no DS within ${s} s of our DR (the PMS may ignore a DR it finds unneeded)`),
    );
  }

  /** DS from the PMS, asked for or not. */
  started(): void {
    if (this.#state !== 'running') {
      this.#state = 'running';
      this.hooks.changed('PMS sent DS: nothing is sent until its DE');
      this.hooks.start();
    }
    this.#armIdle();
  }

  /** A data record while established: inside the window it proves the resync still runs. */
  record(): void {
    if (this.#state === 'running') this.#armIdle();
  }

  end(complete: boolean, why: string): void {
    if (this.#state === 'none') return;
    this.#state = 'none';
    this.hooks.disarm();
    this.hooks.changed(why);
    this.hooks.end({ complete, why });
  }

  #armIdle(): void {
    const s = this.timeoutMs / 1000;
    this.hooks.arm(this.timeoutMs, () => this.end(false, `no record for ${s} s during the resync`));
  }
}
