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

/** Wall-clock fields of `date` in `tz`, from Intl (slow: a few microseconds a call). */
function wallClock(date: Date, tz: string): [number, number, number, number, number, number] {
  const parts = Object.fromEntries(
    formatter(tz)
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return [+parts.year!, +parts.month!, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!];
}

/** Offset of `tz` from UTC at the whole second `ms` (a multiple of 1000), from Intl. */
function exactOffsetMs(ms: number, tz: string): number {
  const [y, mo, d, h, mi, s] = wallClock(new Date(ms), tz);
  return Date.UTC(y, mo - 1, d, h, mi, s) - ms;
}

const HOUR_MS = 3_600_000;
/** Hours remembered per zone before its cache starts again (a few years of hours: memory stays small). */
const MAX_CACHED_HOURS = 50_000;
/**
 * Offset per zone and UTC hour (hours since the epoch), or NaN for an hour in which it changes. A GetCDR
 * export formats three times per record: Intl for each would cap it near 10,000 records/s.
 */
const hourOffsets = new Map<string, Map<number, number>>();

/**
 * Offset of `tz` from UTC at instant `date`, in milliseconds (east positive). An hour whose first
 * and last second have the same offset is taken to have it throughout (no zone changes its offset
 * twice within an hour); for an hour with a change, every instant is asked of Intl.
 */
function offsetMs(date: Date, tz: string): number {
  const ms = Math.floor(date.getTime() / 1000) * 1000;
  if (!Number.isFinite(ms)) return exactOffsetMs(ms, tz); // Intl's RangeError, as before
  const hour = Math.floor(ms / HOUR_MS);
  let zone = hourOffsets.get(tz);
  if (!zone) hourOffsets.set(tz, (zone = new Map()));
  let offset = zone.get(hour);
  if (offset === undefined) {
    const first = exactOffsetMs(hour * HOUR_MS, tz);
    const last = exactOffsetMs(hour * HOUR_MS + HOUR_MS - 1000, tz);
    offset = first === last ? first : NaN;
    if (zone.size >= MAX_CACHED_HOURS) zone.clear();
    zone.set(hour, offset);
  }
  return Number.isNaN(offset) ? exactOffsetMs(ms, tz) : offset;
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
  const before = offsetMs(new Date(asUtc - DAY), tz);
  const at = offsetMs(new Date(asUtc), tz);
  // No change within a day either side (nearly every call): the one candidate is the answer.
  if (before === at && at === offsetMs(new Date(asUtc + DAY), tz)) return new Date(asUtc - at);
  const candidates = [asUtc - DAY, asUtc, asUtc + DAY].map((t) => asUtc - offsetMs(new Date(t), tz));
  const exact = candidates.filter((t) => formatLocal(new Date(t), tz) === text);
  // Repeated hour: its first occurrence. Skipped hour: the later candidate, past the jump.
  return new Date(exact.length ? Math.min(...exact) : Math.max(...candidates));
}

/** `YYYY-MM-DD hh:mm:ss` of instant `date` in `tz`. */
export function formatLocal(date: Date, tz: string): string {
  const offset = offsetMs(date, tz);
  // The wall clock is the UTC reading of the instant shifted by the offset.
  const w = new Date(Math.floor(date.getTime() / 1000) * 1000 + offset);
  return (
    `${String(w.getUTCFullYear()).padStart(4, '0')}-${two(w.getUTCMonth() + 1)}-${two(w.getUTCDate())} ` +
    `${two(w.getUTCHours())}:${two(w.getUTCMinutes())}:${two(w.getUTCSeconds())}`
  );
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
