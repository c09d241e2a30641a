// Records for the PMS (WA, RE…), durable in the store until the link has sent them, oldest first
// ("Wakeup": one WA per wake-up, so a restart must neither lose nor repeat one). A record may carry a
// dedupe key (WA:<occurrence>): adding it twice keeps the first, whatever restarts came between.
//
// Bounded: at most `cap` unsent records. Over the cap a new record is refused with a warning and the
// older ones are kept (they are what the PMS has waited for longest; a link that is down that long
// is an operator's problem, and the warning says so). Sent records are kept `keepSentMs` for
// inspection, then pruned.
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { FiasOutbox } from '../fias/ports.js';
import { fiasRecord, type FiasRecord } from '../fias/record.js';
import type { Store } from './db.js';

export const OUTBOX_CAP = 10_000;
export const OUTBOX_KEEP_SENT_MS = 7 * 86_400_000;

export interface AddOptions {
  /** At most one record per key, ever (e.g. `WA:<occurrence id>`). */
  key?: string;
}

/** The outbox as producers see it: `add` in or out of a transaction, `notify` once it committed. */
export interface FiasOutboxQueue extends FiasOutbox {
  /**
   * Queues `record`; false when its key was queued before or the outbox is full. Within `tx` the
   * caller calls notify() after the commit (a listener that peeks earlier would not see it).
   */
  add(record: FiasRecord, options?: AddOptions, tx?: unknown): Promise<boolean>;
  notify(): void;
}

interface Row {
  id: number | string;
  record_id: string;
  fields: string;
}

export class FiasOutboxStore implements FiasOutboxQueue {
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly options: { cap?: number; keepSentMs?: number } = {},
    private readonly now: () => number = Date.now,
  ) {}

  async add(record: FiasRecord, options: AddOptions = {}, tx?: unknown): Promise<boolean> {
    const cap = this.options.cap ?? OUTBOX_CAP;
    const added = await this.on(tx, async (k) => {
      const count = await k('fias_outbox').whereNull('sent_at').count({ n: '*' }).first();
      if (Number((count as { n: unknown }).n) >= cap) {
        this.log.warn(
          { record: record.id, key: options.key, cap },
          'FIAS outbox full: record dropped, the older ones are kept (is the PMS link down?)',
        );
        return false;
      }
      const inserted = await k('fias_outbox')
        .insert({
          record_id: record.id,
          fields: JSON.stringify([...record.fields]),
          dedupe_key: options.key ?? null,
          created_at: this.now(),
        })
        .onConflict('dedupe_key')
        .ignore();
      // MariaDB reports 0 as the id of an ignored duplicate.
      return Number(inserted[0] ?? 0) > 0;
    });
    if (added && !tx) this.notify();
    return added;
  }

  /** Records not sent yet. */
  async depth(): Promise<number> {
    const row = await this.store.run((k) => k('fias_outbox').whereNull('sent_at').count({ n: '*' }).first());
    return Number((row as { n: unknown } | undefined)?.n ?? 0);
  }

  async peek(): Promise<{ id: number; record: FiasRecord } | undefined> {
    const row = (await this.store.run((k) => k('fias_outbox').whereNull('sent_at').orderBy('id').first())) as
      Row | undefined;
    if (!row) return undefined;
    return {
      id: Number(row.id),
      record: fiasRecord(row.record_id, JSON.parse(row.fields) as [string, string][]),
    };
  }

  async sent(id: number): Promise<void> {
    const now = this.now();
    await this.store.run(async (k) => {
      await k('fias_outbox').where({ id }).whereNull('sent_at').update({ sent_at: now });
      await k('fias_outbox')
        .whereNotNull('sent_at')
        .andWhere('sent_at', '<', now - (this.options.keepSentMs ?? OUTBOX_KEEP_SENT_MS))
        .delete();
    });
  }

  onAdded(listener: () => void): () => void {
    const own = (): void => listener();
    this.listeners.add(own);
    return () => this.listeners.delete(own);
  }

  notify(): void {
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'FIAS outbox listener failed');
      }
    }
  }

  private on<T>(tx: unknown, fn: (k: Knex) => Promise<T>): Promise<T> {
    if (tx) return fn(tx as Knex.Transaction);
    return this.store.transaction((trx) => fn(trx));
  }
}
