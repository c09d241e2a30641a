// The FIAS link's plumbing (src/fias/link.ts): which connection handle is the current one, and the
// run-to-completion queue every input and output goes through (link-queue.ts), with the adapter's
// outputs on a connection (connect, send, close). The state machine decides; this carries it out.
import type { Logger } from '../log.js';
import {
  linkConnection,
  type ConnectionInputs,
  type FiasLinkOutputs,
  type LinkConnection,
} from './link-ports.js';
import { LinkQueue } from './link-queue.js';
import type { FiasRecord } from './record.js';

export class LinkIo {
  readonly #queue: LinkQueue;
  #conn: LinkConnection | undefined;
  #epoch = 0;

  /**
   * `inputs` receive what the current connection reports; `settle` runs after every input, before its
   * outputs are delivered.
   */
  constructor(
    private readonly out: Pick<FiasLinkOutputs, 'connect' | 'send' | 'close'>,
    private readonly log: Logger,
    private readonly inputs: ConnectionInputs,
    private readonly settle: () => void,
  ) {
    this.#queue = new LinkQueue(log);
  }

  /** Changes with every connection attempt. */
  get epoch(): number {
    return this.#epoch;
  }

  get connected(): boolean {
    return this.#conn !== undefined;
  }

  /** A new connection handle, now the current one: its calls act only while it stays so. */
  attach(): LinkConnection {
    const epoch = ++this.#epoch;
    const c = linkConnection(
      epoch,
      (h) => this.#conn === h,
      (fn) => this.input(fn),
      (what) => this.log.debug({ epoch, what }, 'FIAS stale connection event ignored'),
      this.inputs,
    );
    this.#conn = c;
    return c;
  }

  /** Asks the adapter to open `c` (a failure to do so loses it). */
  connect(c: LinkConnection): void {
    this.emit(() => this.out.connect(c), c);
  }

  /** The adapter reported the connection gone: forget it (no close() for it). */
  lost(): void {
    this.#conn = undefined;
  }

  /** Forgets the current connection and asks the adapter to close it. */
  drop(why: string): void {
    if (this.#conn === undefined) return;
    this.#conn = undefined;
    this.emit(() => this.out.close(why));
  }

  /** Writes `record` on the current connection, if there is one. */
  send(record: FiasRecord): void {
    if (this.#conn !== undefined) this.emit(() => this.out.send(record), this.#conn);
  }

  /** Queues an output. If connect/send throws (`conn` given), that connection is unusable: lost. */
  emit(fn: () => void, conn?: LinkConnection): void {
    this.#queue.push(fn, conn && ((err) => conn.disconnected(`adapter failed: ${describe(err)}`)));
  }

  /** Every input runs through here: handled whole, then `settle`, then the outputs delivered. */
  input(fn: () => void): void {
    this.#queue.run(fn, this.settle);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
