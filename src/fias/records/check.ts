// Field-by-field reading and writing of one record, first problem wins. Validators read fields BY ID
// (FIAS field order carries no meaning, "Field types") and keep the fields they do not know in `extra`
// ("Overview": fields a system does not use are skipped, not refused). Builders write in a fixed order.
import { OLD_ROOM_SHARE } from '../codec/index.js';
import { fiasRecord, type FiasRecord } from '../record.js';
import { isBad, type Bad, type Rule } from './values.js';

/** A validator's answer: the typed value, or why the record is refused. */
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };
/** A builder's answer: the record to send, or why it cannot be built. */
export type Built = { ok: true; record: FiasRecord } | { ok: false; message: string };

export class Reader {
  private problem: string | undefined;
  private readonly used = new Set<string>();
  constructor(readonly record: FiasRecord) {}

  /** A field that must be present (empty data is present). */
  req<T>(fid: string, rule: Rule<T>): T | undefined {
    const raw = this.take(fid);
    if (raw === undefined) {
      this.fail(`${this.record.id} without ${fid}`);
      return undefined;
    }
    return this.apply(fid, raw, rule);
  }

  opt<T>(fid: string, rule: Rule<T>): T | undefined {
    const raw = this.take(fid);
    return raw === undefined ? undefined : this.apply(fid, raw, rule);
  }

  /** A field whose presence is the information (SF: "no data"). */
  flag(fid: string): boolean {
    return this.take(fid) !== undefined;
  }

  /** The raw text of a field, marked as read. */
  take(fid: string): string | undefined {
    this.used.add(fid);
    return this.record.fields.get(fid);
  }

  fail(message: string): void {
    this.problem ??= message;
  }

  get failed(): boolean {
    return this.problem !== undefined;
  }

  /** The typed value built by `make` (called only when every field was fine), or the first problem. */
  done<T>(make: (extra: ReadonlyMap<string, string>) => T): Checked<T> {
    if (this.problem !== undefined) return { ok: false, message: this.problem };
    const extra = new Map([...this.record.fields].filter(([k]) => !this.used.has(k)));
    return { ok: true, value: make(extra) };
  }

  private apply<T>(fid: string, raw: string, rule: Rule<T>): T | undefined {
    const v = rule(raw);
    if (!isBad(v)) return v;
    const shown = raw.length > 24 ? `${raw.slice(0, 24)}…` : raw;
    const name = fid === OLD_ROOM_SHARE ? 'GS after RO' : fid;
    this.fail(`${this.record.id} with a bad ${name} ${JSON.stringify(shown)}: ${v.bad}`);
    return undefined;
  }
}

export class Writer {
  private problem: string | undefined;
  private readonly fields: Array<[string, string]> = [];
  constructor(readonly id: string) {}

  /** A formatted value (or the reason it could not be formatted). */
  put(fid: string, value: string | Bad): void {
    if (isBad(value)) this.fail(`${this.id}: bad ${fid}: ${value.bad}`);
    else this.fields.push([fid, value]);
  }

  /** A text value checked by the same rule the validator applies. */
  check(fid: string, value: string, rule: Rule<unknown>): void {
    const v = rule(value);
    this.put(fid, isBad(v) ? v : value);
  }

  fail(message: string): void {
    this.problem ??= message;
  }

  done(): Built {
    return this.problem !== undefined
      ? { ok: false, message: this.problem }
      : { ok: true, record: fiasRecord(this.id, this.fields) };
  }
}
