// The hotel's room extensions, configured once as a list of numbers and ranges ("8001-8099,8101").
// Every Phone/FromPhone/ToPhone from the PMS must be one of them before anything is applied.

export const MAX_ROOMS = 20_000;

export class RoomSet {
  private constructor(
    /** Inclusive ranges of equal-length digit strings, e.g. ["8001","8099"]. */
    private readonly ranges: ReadonlyArray<readonly [string, string]>,
    readonly size: number,
  ) {}

  /** Parses the configuration value; throws an Error whose message says what to fix. */
  static parse(spec: string): RoomSet {
    const ranges: Array<[string, string]> = [];
    let size = 0;
    const tokens = spec.split(',').map((t) => t.trim());
    if (tokens.every((t) => t === ''))
      throw new Error('must list the room extensions, e.g. "8001-8099,8101"');
    for (const token of tokens) {
      if (token === '') continue;
      const m = /^(\d{1,10})(?:\s*-\s*(\d{1,10}))?$/.exec(token);
      if (!m) throw new Error(`"${token}" is not an extension or a range like 8001-8099`);
      const lo = m[1]!;
      const hi = m[2] ?? lo;
      if (hi.length !== lo.length)
        throw new Error(`range ${token}: both ends must have the same number of digits`);
      if (Number(hi) < Number(lo)) throw new Error(`range ${token}: the end is below the start`);
      size += Number(hi) - Number(lo) + 1;
      ranges.push([lo, hi]);
    }
    if (size > MAX_ROOMS) throw new Error(`lists ${size} extensions; at most ${MAX_ROOMS} are supported`);
    return new RoomSet(ranges, size);
  }

  has(extension: string): boolean {
    if (!/^\d{1,10}$/.test(extension)) return false;
    const n = Number(extension);
    return this.ranges.some(
      ([lo, hi]) => extension.length === lo.length && n >= Number(lo) && n <= Number(hi),
    );
  }

  /** Every extension, in order of the configuration. */
  *[Symbol.iterator](): Iterator<string> {
    for (const [lo, hi] of this.ranges)
      for (let n = Number(lo); n <= Number(hi); n++) yield String(n).padStart(lo.length, '0');
  }
}
