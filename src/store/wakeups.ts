// The wake-up schedule in the store (tables of migration 002). Every state change of an occurrence is
// one transaction with a row lock, so a check-out, a room change or a new AlarmClock racing a call in
// progress never loses or doubles anything: the later writer sees the earlier one's state.
import type { Knex } from 'knex';
import type { Store } from './db.js';
import {
  fromAttemptRow,
  fromRow,
  type Attempt,
  type AttemptRow,
  type CallResult,
  type FinishDetails,
  type NewOccurrence,
  type Occurrence,
  type OccurrenceState,
  type RecoverOptions,
  type Row,
  type StartedAttempt,
} from './wakeup-records.js';

const OPEN: OccurrenceState[] = ['pending', 'calling'];

export class WakeupStore {
  /** Told after every change of the schedule (the operator console); must not throw. */
  onChanged: (() => void) | undefined;

  constructor(private readonly store: Store) {}

  /** Replaces the room's open wake-ups by `planned` (a new AlarmClock); returns how many it cancelled. */
  replace(extension: string, planned: NewOccurrence[], now: number, tx?: unknown): Promise<number> {
    return this.inTx(tx, async (k) => {
      const cancelled = await this.cancelIn(k, extension, now);
      await this.add(extension, planned, now, k);
      return cancelled;
    });
  }

  /**
   * Adds occurrences to the room's others (a FIAS WR: one more wake-up, nothing replaced); returns
   * their ids in the order given. One insert each, so every id is known whatever the driver reports.
   */
  add(extension: string, planned: NewOccurrence[], now: number, tx?: unknown): Promise<number[]> {
    return this.inTx(tx, async (k) => {
      const ids: number[] = [];
      for (const p of planned) {
        const [id] = await k('wakeup_occurrences').insert({
          extension,
          strategy: p.strategy,
          local_date: p.localDate,
          local_start: p.localStart,
          due_at: p.dueAt,
          frequency_min: p.frequencyMin,
          max_attempts: p.maxAttempts,
          file: p.file,
          next_attempt_at: p.dueAt,
          state: 'pending',
          created_at: now,
        });
        ids.push(Number(id));
      }
      return ids;
    });
  }

  /** Cancels the open occurrences among `ids` (a FIAS WC); returns how many it cancelled. */
  cancelIds(ids: readonly number[], now: number, tx?: unknown): Promise<number> {
    if (!ids.length) return Promise.resolve(0);
    return this.inTx(tx, (k) =>
      k('wakeup_occurrences')
        .whereIn('id', ids)
        .whereIn('state', OPEN)
        .update({ state: 'cancelled', next_attempt_at: null, finished_at: now }),
    );
  }

  /** One transaction for a caller that writes its own rows with the wake-ups (FIAS wake-ups). */
  transaction<T>(fn: (tx: unknown) => Promise<T>): Promise<T> {
    return this.store.transaction((trx) => fn(trx));
  }

  /** Check-out: the room's open wake-ups are cancelled (a call in progress gets no further attempt). */
  cancel(extension: string, now: number, tx?: unknown): Promise<number> {
    return this.inTx(tx, (k) => this.cancelIn(k, extension, now));
  }

  /** Room change: open wake-ups follow the guest; the target room's own are cancelled first. */
  move(from: string, to: string, now: number, tx?: unknown): Promise<number> {
    return this.inTx(tx, async (k) => {
      await this.cancelIn(k, to, now);
      return k('wakeup_occurrences')
        .where({ extension: from })
        .whereIn('state', OPEN)
        .update({ extension: to });
    });
  }

  /** The earliest pending attempt time, or undefined when nothing is pending. */
  async nextDue(): Promise<number | undefined> {
    const row = await this.store.run((k) =>
      k('wakeup_occurrences').where({ state: 'pending' }).min({ t: 'next_attempt_at' }).first(),
    );
    const t = (row as { t: unknown } | undefined)?.t;
    return t === null || t === undefined ? undefined : Number(t);
  }

  /** Pending occurrences due by `until`, earliest first. */
  async due(until: number, limit: number): Promise<Occurrence[]> {
    const rows = await this.store.run((k) =>
      k('wakeup_occurrences')
        .where({ state: 'pending' })
        .andWhere('next_attempt_at', '<=', until)
        .orderBy([{ column: 'next_attempt_at' }, { column: 'id' }])
        .limit(limit),
    );
    return (rows as Row[]).map(fromRow);
  }

  /**
   * Starts an attempt of occurrence `id` if it is still pending: state `calling`, one more attempt,
   * an attempt row. Undefined when it was cancelled, moved to a final state or taken meanwhile.
   */
  begin(id: number, now: number): Promise<StartedAttempt | undefined> {
    return this.inTx(undefined, async (k) => {
      const row = (await k('wakeup_occurrences').where({ id }).forUpdate().first()) as Row | undefined;
      if (!row || row.state !== 'pending') return undefined;
      const occurrence = fromRow(row);
      const attempt = occurrence.attempts + 1;
      await k('wakeup_occurrences').where({ id }).update({ state: 'calling', attempts: attempt });
      const [attemptId] = await k('wakeup_attempts').insert({
        occurrence_id: id,
        attempt,
        extension: occurrence.extension,
        planned_at: occurrence.nextAttemptAt ?? occurrence.dueAt,
        started_at: now,
      });
      return {
        occurrence: { ...occurrence, state: 'calling', attempts: attempt },
        attemptId: Number(attemptId),
        attempt,
      };
    });
  }

  markAnswered(attemptId: number, at: number): Promise<void> {
    return this.store.run(async (k) => {
      await k('wakeup_attempts').where({ id: attemptId }).update({ answered_at: at });
    });
  }

  /**
   * Ends an attempt. Answered → the occurrence is done. Otherwise another attempt `retryMs` after this
   * one started, or, after the last, the occurrence ends with this result. An occurrence cancelled
   * during the call stays cancelled. Returns the occurrence's state afterwards.
   */
  finish(
    started: StartedAttempt,
    result: CallResult,
    details: FinishDetails,
  ): Promise<{ state: OccurrenceState; nextAttemptAt: number | null }> {
    return this.inTx(undefined, async (k) => {
      await this.endAttempt(k, started.attemptId, result, details);
      return this.settle(k, started.occurrence.id, result, details);
    });
  }

  /**
   * The engine's own link failed (ARI down, reset, timeout): the attempt is recorded as `linkfault`
   * and does not count; the same attempt is placed again at `retryAt`. After `maxFaults` such
   * failures of one attempt it counts as `failed` after all, so a broken link ends, bounded.
   * Returns the state afterwards and whether it counted.
   */
  release(
    started: StartedAttempt,
    details: FinishDetails & { retryAt: number; maxFaults: number },
  ): Promise<{ state: OccurrenceState; nextAttemptAt: number | null; counted: boolean }> {
    return this.inTx(undefined, async (k) => {
      await this.endAttempt(k, started.attemptId, 'linkfault', details);
      const faults = await k('wakeup_attempts')
        .where({ occurrence_id: started.occurrence.id, attempt: started.attempt, result: 'linkfault' })
        .count({ n: '*' })
        .first();
      if (Number((faults as { n: unknown }).n) > details.maxFaults)
        return { ...(await this.settle(k, started.occurrence.id, 'failed', details)), counted: true };
      const row = (await k('wakeup_occurrences').where({ id: started.occurrence.id }).forUpdate().first()) as
        Row | undefined;
      if (!row || row.state !== 'calling')
        return { state: row?.state ?? 'cancelled', nextAttemptAt: null, counted: false };
      await k('wakeup_occurrences')
        .where({ id: row.id })
        .update({ state: 'pending', attempts: Number(row.attempts) - 1, next_attempt_at: details.retryAt });
      return { state: 'pending', nextAttemptAt: details.retryAt, counted: false };
    });
  }

  private async endAttempt(
    k: Knex,
    attemptId: number,
    result: CallResult | 'linkfault',
    details: FinishDetails,
  ): Promise<void> {
    await k('wakeup_attempts')
      .where({ id: attemptId })
      .update({
        ended_at: details.now,
        result,
        cause: details.cause ?? null,
        detail: details.detail?.slice(0, 200) ?? null,
      });
  }

  /** The occurrence after an attempt's result: done, another attempt, or a snooze call. */
  private async settle(
    k: Knex,
    id: number,
    result: CallResult,
    details: FinishDetails,
  ): Promise<{ state: OccurrenceState; nextAttemptAt: number | null }> {
    const { now } = details;
    const row = (await k('wakeup_occurrences').where({ id }).forUpdate().first()) as Row | undefined;
    if (!row || row.state !== 'calling') return { state: row?.state ?? 'cancelled', nextAttemptAt: null };
    const attempts = Number(row.attempts);
    let update: Partial<Row>;
    if (result === 'snoozed') {
      // One more call after the snooze, as an attempt of its own (on top of those left, if any).
      update = {
        state: 'pending',
        next_attempt_at: now + (details.snoozeMs ?? details.retryMs),
        max_attempts: Math.max(Number(row.max_attempts), attempts + 1),
      };
    } else if (result !== 'answered' && attempts < Number(row.max_attempts)) {
      update = { state: 'pending', next_attempt_at: Math.max(now, details.startedAt + details.retryMs) };
    } else {
      const final: OccurrenceState = result === 'unconfirmed' ? 'noanswer' : result;
      update = { state: final, next_attempt_at: null, finished_at: now };
    }
    await k('wakeup_occurrences').where({ id }).update(update);
    return {
      state: update.state as OccurrenceState,
      nextAttemptAt: (update.next_attempt_at as number | null) ?? null,
    };
  }

  /**
   * After a start (or the database coming back): attempts left `calling` by an engine that died are
   * recorded as interrupted and do not count; then every pending occurrence more than `graceMs` late
   * is recorded as missed. Returns what it changed, for the log.
   */
  recover(
    now: number,
    graceMs: number,
    options: RecoverOptions = {},
  ): Promise<{ interrupted: number; missed: Occurrence[] }> {
    return this.inTx(undefined, async (k) => {
      const all = (await k('wakeup_occurrences').where({ state: 'calling' }).forUpdate()) as Row[];
      const calling: Row[] = [];
      for (const row of all) {
        if (options.exclude?.has(Number(row.id))) continue;
        const open = (await k('wakeup_attempts')
          .where({ occurrence_id: row.id })
          .whereNull('ended_at')
          .orderBy('attempt', 'desc')
          .first()) as AttemptRow | undefined;
        const startedAt = open ? Number(open.started_at) : 0;
        if (options.startedBefore !== undefined && startedAt >= options.startedBefore) continue;
        calling.push(row);
        // A call still up in Asterisk is placed again at once: the caller finds it and adopts it.
        const live = options.live?.has(Number(row.id));
        if (open)
          await k('wakeup_attempts')
            .where({ id: open.id })
            .update({ ended_at: now, result: 'interrupted', detail: 'the engine stopped during the call' });
        await k('wakeup_occurrences')
          .where({ id: row.id })
          .update({
            state: 'pending',
            attempts: Math.max(0, Number(row.attempts) - 1),
            next_attempt_at: live ? now : open ? startedAt : Number(row.next_attempt_at ?? now),
          });
      }
      const late = (await k('wakeup_occurrences')
        .where({ state: 'pending' })
        .andWhere('next_attempt_at', '<', now - graceMs)
        .forUpdate()) as Row[];
      if (late.length)
        await k('wakeup_occurrences')
          .whereIn(
            'id',
            late.map((r) => r.id),
          )
          .update({ state: 'missed', next_attempt_at: null, finished_at: now });
      return { interrupted: calling.length, missed: late.map(fromRow) };
    });
  }

  /** Occurrences in `calling`, with the attempt in progress: what a restarted engine may find in Asterisk. */
  async calling(): Promise<Occurrence[]> {
    const rows = await this.store.run((k) => k('wakeup_occurrences').where({ state: 'calling' }));
    return (rows as Row[]).map(fromRow);
  }

  /** A room's occurrences (all states), for operators and tests; newest plan first by due time. */
  async forRoom(extension: string): Promise<Occurrence[]> {
    const rows = await this.store.run((k) =>
      k('wakeup_occurrences')
        .where({ extension })
        .orderBy([{ column: 'due_at' }, { column: 'id' }]),
    );
    return (rows as Row[]).map(fromRow);
  }

  /**
   * Every occurrence planned for the local days `days` (YYYY-MM-DD), with its attempts, by due time:
   * the console's wake-up list.
   */
  async onDays(days: readonly string[]): Promise<Array<Occurrence & { calls: Attempt[] }>> {
    return this.store.run(async (k) => {
      const rows = (await k('wakeup_occurrences')
        .whereIn('local_date', [...days])
        .orderBy([{ column: 'due_at' }, { column: 'id' }])) as Row[];
      const ids = rows.map((r) => r.id);
      const attempts = ids.length
        ? ((await k('wakeup_attempts')
            .whereIn('occurrence_id', ids)
            .orderBy(['occurrence_id', 'attempt'])) as AttemptRow[])
        : [];
      const byOccurrence = new Map<number, Attempt[]>();
      for (const a of attempts.map(fromAttemptRow)) {
        const list = byOccurrence.get(a.occurrenceId) ?? [];
        list.push(a);
        byOccurrence.set(a.occurrenceId, list);
      }
      return rows.map(fromRow).map((o) => ({ ...o, calls: byOccurrence.get(o.id) ?? [] }));
    });
  }

  async attempts(occurrenceId: number): Promise<Attempt[]> {
    const rows = await this.store.run((k) =>
      k('wakeup_attempts').where({ occurrence_id: occurrenceId }).orderBy('attempt'),
    );
    return (rows as AttemptRow[]).map(fromAttemptRow);
  }

  private async cancelIn(k: Knex, extension: string, now: number): Promise<number> {
    return k('wakeup_occurrences')
      .where({ extension })
      .whereIn('state', OPEN)
      .update({ state: 'cancelled', next_attempt_at: null, finished_at: now });
  }

  private async inTx<T>(tx: unknown, fn: (k: Knex) => Promise<T>): Promise<T> {
    const result = tx ? await fn(tx as Knex.Transaction) : await this.store.transaction((trx) => fn(trx));
    this.onChanged?.();
    return result;
  }
}
