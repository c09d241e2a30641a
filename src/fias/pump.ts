// The two pumps between the FIAS link and the room core (src/fias/ports.ts).
//
// Inbound: every data record the link hands on is validated (src/fias/records/) and applied through
// FiasInbound one at a time, in arrival order: FIAS gives the last record for a room the last word
// ("Database Synchronization"), so order matters more than speed. Each record has a deadline; one that
// misses it is logged and the next one goes ahead (the room core's per-room lock still orders two
// records of one room; the PMS's next resync repairs what was missed).
//
// Outbox: while the link may send (canSendData()), the oldest record of FiasOutbox is sent and then
// marked sent. Delivery is at least once: a record is marked sent only after the socket took it, so a
// link that drops between the write and the mark, or a mark that fails, sends it again later. The PMS
// treats the records we send as idempotent: a repeated WA answers the same wake-up (its DA/TI are the
// requested time, "Wakeup"), a repeated RE restates a room's status ("Room Data"). Postings (PS) are
// paired with their PA by P# and are the posting feature's to retry, never this pump's.
import { clip, type Logger } from '../log.js';
import { FiasLinkError } from './link-options.js';
import type { FiasInbound, FiasOutbox } from './ports.js';
import type { FiasRecord } from './record.js';
import { validateRecord, type FiasMessage } from './records/index.js';

/** How long one record may take on the room core before the next one goes ahead. */
export const INBOUND_DEADLINE_MS = 30_000;
/** How long the outbox may take to answer peek() or sent(). */
export const OUTBOX_DEADLINE_MS = 10_000;
/** After an outbox failure, try again this much later. */
export const OUTBOX_RETRY_MS = 5_000;

/** A typed failure of a pump's wait, for the logs. */
export class FiasPumpTimeout extends Error {
  override readonly name = 'FiasPumpTimeout';
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} took longer than ${ms} ms`);
  }
}

export interface InboundPumpOptions {
  inbound: FiasInbound;
  log: Logger;
  deadlineMs?: number;
  /** Counts a record the PMS sent that failed validation. */
  invalid?: () => void;
  /** Counts a record applied (true) or refused, failed or late (false). */
  outcome?: (ok: boolean) => void;
}

export class InboundPump {
  #chain: Promise<void> = Promise.resolve();
  readonly #o: InboundPumpOptions;

  constructor(options: InboundPumpOptions) {
    this.#o = options;
  }

  /** One data record from the link (GI, GO, GC, RE, WR, WC, PA…). */
  push(record: FiasRecord): void {
    const checked = validateRecord(record);
    if (!checked.ok) {
      this.#o.invalid?.();
      this.#o.log.warn(
        { id: clip(record.id, 4), problem: clip(checked.message, 200) },
        'FIAS record invalid: dropped',
      );
      return;
    }
    this.enqueue(checked.value);
  }

  /** A typed message, in order behind the ones already queued (DS/DE of a resync come this way). */
  enqueue(msg: FiasMessage): void {
    this.#chain = this.#chain.then(() => this.#apply(msg));
  }

  /** Resolves once every record queued so far is done (applied, failed or timed out). */
  idle(): Promise<void> {
    return this.#chain;
  }

  async #apply(msg: FiasMessage): Promise<void> {
    const ms = this.#o.deadlineMs ?? INBOUND_DEADLINE_MS;
    try {
      await withDeadline(this.#o.inbound.handle(msg), ms, `applying FIAS ${msg.id}`);
      this.#o.outcome?.(true);
    } catch (err) {
      this.#o.outcome?.(false);
      const late = err instanceof FiasPumpTimeout;
      this.#o.log.error(
        { id: msg.id, room: 'room' in msg ? msg.room : undefined, err: clip(describe(err), 200) },
        late
          ? 'FIAS record not applied in time: going on with the next one'
          : 'FIAS record could not be applied',
      );
    }
  }
}

/** What the outbox pump needs of the link. */
export interface SendingLink {
  canSendData(): boolean;
  sendData(record: FiasRecord): void;
}

export interface OutboxPumpOptions {
  link: SendingLink;
  outbox: FiasOutbox;
  log: Logger;
  deadlineMs?: number;
  retryMs?: number;
}

export class OutboxPump {
  readonly #o: OutboxPumpOptions;
  #running = false;
  #again = false;
  #stopped = false;
  #retry: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #done: Promise<void> = Promise.resolve();

  constructor(options: OutboxPumpOptions) {
    this.#o = options;
  }

  start(): void {
    this.#stopped = false;
    this.#unsubscribe ??= this.#o.outbox.onAdded(() => this.wake());
    this.wake();
  }

  /** Stops waking; resolves when a run in progress ends (its waits are bounded). */
  stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    clearTimeout(this.#retry);
    return this.#done;
  }

  /** A record was added, or the link may send again: drain what waits. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    this.#done = this.#run().finally(() => (this.#running = false));
  }

  async #run(): Promise<void> {
    const { link, outbox, log } = this.#o;
    const ms = this.#o.deadlineMs ?? OUTBOX_DEADLINE_MS;
    try {
      do {
        this.#again = false;
        while (!this.#stopped && link.canSendData()) {
          const next = await withDeadline(outbox.peek(), ms, 'FIAS outbox peek');
          // The link may have changed during the wait: the record stays first, for the next run.
          if (next === undefined || this.#stopped || !link.canSendData()) break;
          try {
            link.sendData(next.record);
          } catch (err) {
            if (err instanceof FiasLinkError && err.code === 'cannot-send') break;
            throw err;
          }
          await withDeadline(outbox.sent(next.id), ms, 'FIAS outbox sent');
        }
      } while (this.#again && !this.#stopped);
    } catch (err) {
      log.error(
        { err: clip(describe(err), 200), retryInMs: this.#o.retryMs ?? OUTBOX_RETRY_MS },
        'FIAS outbox failed: records wait for the next attempt',
      );
      this.#scheduleRetry();
    }
  }

  #scheduleRetry(): void {
    if (this.#stopped) return;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => this.wake(), this.#o.retryMs ?? OUTBOX_RETRY_MS);
    this.#retry.unref();
  }
}

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FiasPumpTimeout(what, ms)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
