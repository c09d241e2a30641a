// What the wake-up schedule holds (tables of migration 002): occurrences and their call attempts as the
// engine sees them, the options of the store's operations, and the mapping from table rows.

export type OccurrenceState =
  'pending' | 'calling' | 'answered' | 'busy' | 'noanswer' | 'failed' | 'missed' | 'cancelled';

/** How one call attempt ended (a final occurrence state takes the first four). */
export type AttemptResult = 'answered' | 'busy' | 'noanswer' | 'failed';

/**
 * What a guest's call gave: an attempt result, or `snoozed` (the guest asked to be called again) or
 * `unconfirmed` (answered, no key, with wakeup.noKeyConfirms off: counts as not answered).
 */
export type CallResult = AttemptResult | 'snoozed' | 'unconfirmed';

export interface NewOccurrence {
  strategy: number;
  localDate: string;
  localStart: string;
  dueAt: number;
  frequencyMin: number;
  maxAttempts: number;
  file: string;
}

/** An occurrence as stored: what was planned, and how its calls went. */
export interface Occurrence extends NewOccurrence {
  id: number;
  extension: string;
  attempts: number;
  nextAttemptAt: number | null;
  state: OccurrenceState;
  createdAt: number;
  finishedAt: number | null;
}

export interface Attempt {
  id: number;
  occurrenceId: number;
  attempt: number;
  extension: string;
  plannedAt: number;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  /** `linkfault`: the engine's own link failed; placed again, not counted. */
  result: CallResult | 'interrupted' | 'linkfault' | null;
  cause: number | null;
  detail: string | null;
}

/** The call to place now, as `begin` handed it out. */
export interface StartedAttempt {
  occurrence: Occurrence;
  attemptId: number;
  attempt: number;
}

export interface FinishDetails {
  now: number;
  startedAt: number;
  /** Spacing of attempts (frequency). */
  retryMs: number;
  /** Snooze length, for `snoozed`. */
  snoozeMs?: number;
  cause?: number;
  detail?: string;
}

export interface RecoverOptions {
  /** Occurrences whose call is still up in Asterisk (to be adopted): due again at once. */
  live?: Set<number>;
  /** Only attempts started before this instant (the sweep for stuck rows); default all. */
  startedBefore?: number;
  /** Occurrences this engine is still working on: left alone. */
  exclude?: Set<number>;
}

export interface Row {
  id: number;
  extension: string;
  strategy: number;
  local_date: string;
  local_start: string;
  due_at: number | string;
  frequency_min: number;
  max_attempts: number;
  file: string;
  attempts: number;
  next_attempt_at: number | string | null;
  state: OccurrenceState;
  created_at: number | string;
  finished_at: number | string | null;
}

export interface AttemptRow {
  id: number;
  occurrence_id: number;
  attempt: number;
  extension: string;
  planned_at: number | string;
  started_at: number | string;
  answered_at: number | string | null;
  ended_at: number | string | null;
  result: Attempt['result'];
  cause: number | null;
  detail: string | null;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

export function fromRow(r: Row): Occurrence {
  return {
    id: Number(r.id),
    extension: r.extension,
    strategy: Number(r.strategy),
    localDate: r.local_date,
    localStart: r.local_start,
    dueAt: Number(r.due_at),
    frequencyMin: Number(r.frequency_min),
    maxAttempts: Number(r.max_attempts),
    file: r.file,
    attempts: Number(r.attempts),
    nextAttemptAt: num(r.next_attempt_at),
    state: r.state,
    createdAt: Number(r.created_at),
    finishedAt: num(r.finished_at),
  };
}

export function fromAttemptRow(r: AttemptRow): Attempt {
  return {
    id: Number(r.id),
    occurrenceId: Number(r.occurrence_id),
    attempt: Number(r.attempt),
    extension: r.extension,
    plannedAt: Number(r.planned_at),
    startedAt: Number(r.started_at),
    answeredAt: num(r.answered_at),
    endedAt: num(r.ended_at),
    result: r.result,
    cause: r.cause === null ? null : Number(r.cause),
    detail: r.detail,
  };
}
