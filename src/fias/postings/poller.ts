// Turns new call records into postings: every `pollMs` it reads the call records after the cursor and
// the last 50 before it (asterisk-conf/sql/cdr.sql `id`; a record exists once the call has ended, and
// two that commit at once may do so out of id order), keeps those postingFor accepts, and numbers them
// in one transaction with the cursor (src/store/fias-postings.ts), which posts each record once. A
// poll the database cannot serve is logged and tried again at the next one; the cursor has not moved.
import type { Logger } from '../../log.js';
import type { FiasPostingStore, PostingDraft } from '../../store/fias-postings.js';
import { buildPS } from '../records/index.js';
import type { CallRecord } from '../../cdr/classify.js';
import { postingFor, type ChargeContext } from './charge.js';

export interface CallRecordSource {
  /** The newest call record's id (0 for none). */
  newestId(): Promise<number>;
  /** Up to `limit` call records after `id`, in id order. */
  after(id: number, limit: number): Promise<CallRecord[]>;
}

/** Records read again behind the cursor, for one that committed after a higher id was read. */
const LOOK_BACK = 50;

export interface PollerDeps {
  store: Pick<FiasPostingStore, 'cursor' | 'add'>;
  calls: CallRecordSource;
  charge: ChargeContext;
  /** When the room was checked in (null: vacant), read when its call is looked at. */
  checkedInAt: (room: string) => Promise<Date | null>;
  /** New postings were numbered. */
  added: () => void;
  log: Logger;
  pollMs?: number;
  batch?: number;
}

export class CallChargePoller {
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<number> | undefined;
  /** Ids this process has looked at within the look-back: not looked at again (no room read each poll). */
  readonly #seen = new Set<number>();

  constructor(private readonly d: PollerDeps) {}

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.poll().catch(() => undefined), this.d.pollMs ?? 5_000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One poll (never two at once); the number of postings it numbered. */
  poll(): Promise<number> {
    this.#polling ??= this.#poll()
      .catch((err: unknown) => {
        this.d.log.warn(
          { err: (err as Error).message },
          'FIAS call charges: poll failed, retried at the next',
        );
        throw err;
      })
      .finally(() => (this.#polling = undefined));
    return this.#polling;
  }

  async #poll(): Promise<number> {
    const { last, floor } = await this.d.store.cursor(() => this.d.calls.newestId());
    const from = Math.max(floor, last - LOOK_BACK);
    for (const id of this.#seen) if (id <= from) this.#seen.delete(id);
    const read = await this.d.calls.after(from, this.d.batch ?? 500);
    const calls = read.filter((c) => !this.#seen.has(c.id));
    if (!calls.length) return 0;
    const drafts: PostingDraft[] = [];
    for (const call of calls) {
      const since = this.d.charge.isRoom(call.src) ? await this.d.checkedInAt(call.src) : null;
      const draft = postingFor(call, this.d.charge, () => since);
      if (typeof draft === 'string') {
        this.d.log.debug(
          { cdrId: call.id, src: call.src, dst: call.dst, why: draft },
          'call record: no posting',
        );
        continue;
      }
      const probe = buildPS({ ...draft, postingNumber: 1 });
      if (!probe.ok) {
        this.d.log.warn({ cdrId: call.id, err: probe.message }, 'call record: its PS cannot be built');
        continue;
      }
      drafts.push({
        cdrId: call.id,
        room: draft.room,
        build: (postingNumber) => {
          const built = buildPS({ ...draft, postingNumber });
          if (!built.ok) throw new Error(`PS ${postingNumber}: ${built.message}`);
          return built.record;
        },
      });
    }
    const added = await this.d.store.add(drafts, read[read.length - 1]!.id);
    for (const c of calls) this.#seen.add(c.id); // only once they are stored: a failed poll looks again
    if (added.length) {
      this.d.log.info({ postings: added.map((p) => [p.postingNumber, p.room]) }, 'FIAS call charges queued');
      this.d.added();
    }
    return added.length;
  }
}
