// Strategies → due instants, in the hotel's time zone (daylight saving included): pure, no I/O.
import { formatLocal, parseLocal } from '../time/zone.js';
import type { Strategy } from './strategy.js';

export interface PlannedOccurrence {
  /** Index of the strategy in the AlarmClock value (1-based). */
  strategy: number;
  /** The hotel's local date of this occurrence, `YYYY-MM-DD`. */
  localDate: string;
  /** When it is due (UTC ms). */
  dueAt: number;
}

/**
 * Every occurrence of every strategy: `days` consecutive local dates at `start`, beginning today if
 * `start` is this minute or later, else tomorrow (a wake-up set for the current minute rings at once).
 * A start time that a daylight-saving jump skips rings at the instant the clocks jumped to; one that
 * occurs twice rings at its first occurrence.
 */
export function planOccurrences(
  strategies: readonly Strategy[],
  now: Date,
  timeZone: string,
): PlannedOccurrence[] {
  const today = formatLocal(now, timeZone).slice(0, 10);
  const planned: PlannedOccurrence[] = [];
  strategies.forEach((s, i) => {
    const first = at(today, s.start, timeZone);
    let offset = first + 60_000 <= now.getTime() ? 1 : 0;
    for (let day = 0; day < s.days; day++, offset++) {
      const localDate = addDays(today, offset);
      planned.push({ strategy: i + 1, localDate, dueAt: at(localDate, s.start, timeZone) });
    }
  });
  return planned.sort((a, b) => a.dueAt - b.dueAt);
}

function at(localDate: string, hhmm: string, timeZone: string): number {
  const d = parseLocal(`${localDate} ${hhmm}:00`, timeZone);
  if (!d) throw new Error(`not a local time: ${localDate} ${hhmm}`);
  return d.getTime();
}

function addDays(localDate: string, days: number): string {
  const [y, m, d] = localDate.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}
