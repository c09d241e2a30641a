// The wake-ups the PMS asked for (WR, "Wakeup"), each paired with the scheduler's occurrence, with the
// DA/TI exactly as the WR carried them: the one WA after the last attempt must echo them, seconds
// included, never the clock time. The occurrence itself (wakeup_occurrences) is the schedule; its
// extension follows room moves, so the room a wake-up rings now is read from there.
import type { Knex } from 'knex';
import type { Store } from './db.js';
import type { OccurrenceState } from './wakeup-records.js';

export type FiasWakeupState = 'set' | 'cleared' | 'answered';

export interface FiasWakeup {
  occurrenceId: number;
  /** The room the WR named. */
  room: string;
  /** DA and TI as received (YYMMDD, HHMMSS). */
  date: string;
  time: string;
  state: FiasWakeupState;
  createdAt: number;
}

/** A FIAS wake-up whose occurrence ended but whose WA is not queued yet (an engine that stopped). */
export interface UnansweredWakeup extends FiasWakeup {
  /** The room it rang (after moves). */
  extension: string;
  final: OccurrenceState;
}

export interface FiasWakeupRepo {
  add(w: Omit<FiasWakeup, 'state'>, tx?: unknown): Promise<void>;
  /** The row of an occurrence, locked for update inside `tx`. */
  get(occurrenceId: number, tx?: unknown): Promise<FiasWakeup | undefined>;
  /** Occurrences of the room's FIAS wake-ups still to ring (that DA/TI only, when given). */
  open(room: string, at: { date: string; time: string } | undefined, tx?: unknown): Promise<number[]>;
  mark(occurrenceIds: readonly number[], state: FiasWakeupState, tx?: unknown): Promise<void>;
  unanswered(): Promise<UnansweredWakeup[]>;
  transaction<T>(fn: (tx: unknown) => Promise<T>): Promise<T>;
}

const OPEN: OccurrenceState[] = ['pending', 'calling'];
const FINAL: OccurrenceState[] = ['answered', 'busy', 'noanswer', 'failed', 'missed'];

interface Row {
  occurrence_id: number | string;
  room: string;
  date: string;
  time: string;
  state: FiasWakeupState;
  created_at: number | string;
}

export class FiasWakeupStore implements FiasWakeupRepo {
  constructor(private readonly store: Store) {}

  add(w: Omit<FiasWakeup, 'state'>, tx?: unknown): Promise<void> {
    return this.on(tx, async (k) => {
      await k('fias_wakeups').insert({
        occurrence_id: w.occurrenceId,
        room: w.room,
        date: w.date,
        time: w.time,
        state: 'set',
        created_at: w.createdAt,
      });
    });
  }

  get(occurrenceId: number, tx?: unknown): Promise<FiasWakeup | undefined> {
    return this.on(tx, async (k) => {
      const q = k('fias_wakeups').where({ occurrence_id: occurrenceId });
      const row = (await (tx ? q.forUpdate() : q).first()) as Row | undefined;
      return row && fromRow(row);
    });
  }

  open(room: string, at: { date: string; time: string } | undefined, tx?: unknown): Promise<number[]> {
    return this.on(tx, async (k) => {
      const q = k('fias_wakeups as f')
        .join('wakeup_occurrences as o', 'o.id', 'f.occurrence_id')
        .where('o.extension', room)
        .whereIn('o.state', OPEN)
        .andWhere('f.state', 'set')
        .select('f.occurrence_id as id')
        .orderBy('f.occurrence_id');
      if (at) void q.andWhere({ 'f.date': at.date, 'f.time': at.time });
      const rows = (await q) as Array<{ id: number | string }>;
      return rows.map((r) => Number(r.id));
    });
  }

  mark(occurrenceIds: readonly number[], state: FiasWakeupState, tx?: unknown): Promise<void> {
    if (!occurrenceIds.length) return Promise.resolve();
    return this.on(tx, async (k) => {
      await k('fias_wakeups').whereIn('occurrence_id', occurrenceIds).update({ state });
    });
  }

  unanswered(): Promise<UnansweredWakeup[]> {
    return this.on(undefined, async (k) => {
      const rows = (await k('fias_wakeups as f')
        .join('wakeup_occurrences as o', 'o.id', 'f.occurrence_id')
        .where('f.state', 'set')
        .whereIn('o.state', FINAL)
        .select('f.*', 'o.extension as extension', 'o.state as final')
        .orderBy('f.occurrence_id')) as Array<Row & { extension: string; final: OccurrenceState }>;
      return rows.map((r) => ({ ...fromRow(r), extension: r.extension, final: r.final }));
    });
  }

  transaction<T>(fn: (tx: unknown) => Promise<T>): Promise<T> {
    return this.store.transaction((trx) => fn(trx));
  }

  private on<T>(tx: unknown, fn: (k: Knex) => Promise<T>): Promise<T> {
    if (tx) return fn(tx as Knex.Transaction);
    return this.store.run(fn);
  }
}

function fromRow(r: Row): FiasWakeup {
  return {
    occurrenceId: Number(r.occurrence_id),
    room: r.room,
    date: r.date,
    time: r.time,
    state: r.state,
    createdAt: Number(r.created_at),
  };
}
