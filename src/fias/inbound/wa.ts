// WA, the one answer per FIAS wake-up ("Wakeup": a single final result; an intermediate one would be
// taken as final). It is queued when the scheduler reports the wake-up's final result, after the last
// attempt: answered → OK, busy → BY, no answer, failed or missed → NR ("AS - Answer Statuses"), with
// DA/TI as the WR gave them. The row's state and the outbox row (unique key WA:<occurrence>) are
// written in one transaction, so a result reported twice, or again after a restart, queues one WA.
// A wake-up not from FIAS (AlarmClock) has no row and gets nothing.
import type { Logger } from 'pino';
import type { FiasOutboxQueue } from '../../store/fias-outbox.js';
import type { FiasWakeupRepo } from '../../store/fias-wakeups.js';
import type { OccurrenceState } from '../../store/wakeup-records.js';
import type { FinalResult } from '../../wakeup/scheduler.js';
import {
  buildWA,
  parseDate,
  parseTime,
  type FiasDate,
  type FiasTime,
  type WakeupAnswerStatus,
} from '../records/index.js';

export function answerStatus(state: OccurrenceState): WakeupAnswerStatus | undefined {
  if (state === 'answered') return 'OK';
  if (state === 'busy') return 'BY';
  if (state === 'noanswer' || state === 'failed' || state === 'missed') return 'NR';
  return undefined; // pending, calling, cancelled: not a final answer
}

/** Queues the WA of one occurrence; true when queued now (false: not FIAS, or queued before). */
export async function answerWakeup(
  store: FiasWakeupRepo,
  outbox: FiasOutboxQueue,
  occurrenceId: number,
  extension: string,
  state: OccurrenceState,
  log: Logger,
): Promise<boolean> {
  const status = answerStatus(state);
  if (!status) return false;
  const added = await store.transaction(async (tx) => {
    const row = await store.get(occurrenceId, tx);
    if (!row || row.state !== 'set') return false;
    const built = buildWA({
      room: extension,
      date: parseDate(row.date) as FiasDate,
      time: parseTime(row.time) as FiasTime,
      status,
    });
    if (!built.ok) {
      log.error({ occurrence: occurrenceId, err: built.message }, 'FIAS WA could not be built');
      return false;
    }
    const queued = await outbox.add(built.record, { key: `WA:${occurrenceId}` }, tx);
    await store.mark([occurrenceId], 'answered', tx);
    return queued;
  });
  if (added) {
    outbox.notify();
    log.info({ record: 'WA', room: extension, occurrence: occurrenceId, status }, 'FIAS WA queued');
  }
  return added;
}

/**
 * The listener the wiring attaches beside the scheduler's onFinal. Errors are logged: a WA not
 * queued now is queued by recoverFiasAnswers at the next start.
 */
export function fiasWakeupResults(
  store: FiasWakeupRepo,
  outbox: FiasOutboxQueue,
  log: Logger,
): (r: FinalResult) => void {
  return (r) => {
    answerWakeup(store, outbox, r.occurrence.id, r.occurrence.extension, r.state, log).catch((err: unknown) =>
      log.error(
        { occurrence: r.occurrence.id, err: (err as Error).message },
        'FIAS WA not queued now; queued when the store is back (recoverFiasAnswers)',
      ),
    );
  };
}

/**
 * FIAS wake-ups whose result was final but whose WA was never queued (the engine stopped between
 * the two): queued now. Run when the store is ready. Returns how many were queued.
 */
export async function recoverFiasAnswers(
  store: FiasWakeupRepo,
  outbox: FiasOutboxQueue,
  log: Logger,
): Promise<number> {
  let n = 0;
  for (const w of await store.unanswered())
    if (await answerWakeup(store, outbox, w.occurrenceId, w.extension, w.final, log)) n++;
  return n;
}
