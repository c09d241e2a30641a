// Local wall-clock times of the hotel (the PMS speaks in them, seed 000 §5.4.3) to and from UTC
// instants, for any IANA time zone, daylight saving included, without a date library.

const LOCAL = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The system's own time zone (the default of the hotel's). */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Wall-clock fields of `date` in `tz`. */
function wallClock(date: Date, tz: string): [number, number, number, number, number, number] {
  const parts = Object.fromEntries(
    formatter(tz)
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return [+parts.year!, +parts.month!, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!];
}

/** Offset of `tz` from UTC at instant `date`, in milliseconds (east positive). */
function offsetMs(date: Date, tz: string): number {
  const [y, mo, d, h, mi, s] = wallClock(date, tz);
  return Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(date.getTime() / 1000) * 1000;
}

/**
 * Parses `YYYY-MM-DD hh:mm:ss` as a wall-clock time in `tz`. Undefined when the text is not such a
 * time or not a real date (2026-02-30, 24:00:00). A time skipped by a daylight-saving jump is taken
 * as the instant the clocks jumped to; an ambiguous one (clocks going back) as its first occurrence.
 */
export function parseLocal(text: string, tz: string): Date | undefined {
  const m = LOCAL.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(asUtc);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d)
    return undefined;
  if (h > 23 || mi > 59 || s > 59) return undefined;
  // Candidates from the offsets in force a day before and a day after (no zone changes its offset
  // twice in two days) and at the naive instant: around a transition they differ.
  const DAY = 86_400_000;
  const candidates = [asUtc - DAY, asUtc, asUtc + DAY].map((t) => asUtc - offsetMs(new Date(t), tz));
  const exact = candidates.filter((t) => formatLocal(new Date(t), tz) === text);
  // Repeated hour: its first occurrence. Skipped hour: the later candidate, past the jump.
  return new Date(exact.length ? Math.min(...exact) : Math.max(...candidates));
}

/** `YYYY-MM-DD hh:mm:ss` of instant `date` in `tz`. */
export function formatLocal(date: Date, tz: string): string {
  const [y, mo, d, h, mi, s] = wallClock(date, tz);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(y, 4)}-${p(mo)}-${p(d)} ${p(h)}:${p(mi)}:${p(s)}`;
}
