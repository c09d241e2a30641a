// Streaming FIAS record reader. On TCP, records are framed by STX and ETX with no LRC and no ACK/NAK
// ("TCP / IP", "Framing"). Fed arbitrary chunks, it hands out whole records or error values and never
// throws on input. It buffers at most maxRecordBytes: a longer record is refused and skipped to its end.
//
// Decisions, recorded here (the reader is their one source):
// - Bytes outside STX…ETX are noise: one error value per run of noise, then resync at the next STX.
// - An STX inside a record starts a new record; the partial one is an error value.
// - Fields are read by ID, never by position; their order is kept (a Map) but carries no meaning.
// - A duplicate field ID is an error value, except GS right after RO (see OLD_ROOM_SHARE).
// - A last field without its trailing `|` is accepted: ETX ends it unambiguously ("Field types" asks
//   for the `|`; we write it always and do not refuse a PMS that forgets it).
// - An empty field is a value (""): FIAS sends empty fields on purpose (SF, WC's DA/TI).
// - Unknown record IDs and field IDs are read like any other; the link layer decides what to do.
import type { FiasRecord } from '../record.js';
import { decodeText, type FiasEncoding } from './encoding.js';
import { FiasFrameError } from './errors.js';
import { BAR, ETX, hex, isControlByte, isFieldIdByte, OLD_ROOM_SHARE, RECORD_ID, STX } from './fields.js';

export interface FiasParserOptions {
  /** The link's code page (`fias.encoding`); default latin1. */
  encoding?: FiasEncoding;
  /**
   * Largest record accepted, in bytes between STX and ETX (default 8192). FIAS records stay under 2000
   * characters (LD's RL field); UTF-8 may take up to three bytes for one of them.
   */
  maxRecordBytes?: number;
}

export type FiasParseResult = { ok: true; record: FiasRecord } | { ok: false; error: FiasFrameError };

type State = 'outside' | 'inside' | 'discarding';

export class FiasParser {
  readonly encoding: FiasEncoding;
  readonly maxRecordBytes: number;
  private state: State = 'outside';
  /** The record being read (copies: the caller may reuse its chunks). */
  private parts: Buffer[] = [];
  private size = 0;
  private noiseReported = false;

  constructor(options: FiasParserOptions = {}) {
    this.encoding = options.encoding ?? 'latin1';
    this.maxRecordBytes = options.maxRecordBytes ?? 8192;
    if (!Number.isInteger(this.maxRecordBytes) || this.maxRecordBytes < 3)
      throw new RangeError(`maxRecordBytes must be an integer >= 3, got ${this.maxRecordBytes}`);
  }

  /** Feeds one chunk; returns the records and errors it completed, in order. */
  push(chunk: Uint8Array): FiasParseResult[] {
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: FiasParseResult[] = [];
    let pos = 0;
    while (pos < buf.length) {
      if (this.state === 'outside') {
        const stx = buf.indexOf(STX, pos);
        if (stx !== pos) this.noise(buf[pos]!, out);
        if (stx === -1) break;
        this.begin();
        pos = stx + 1;
        continue;
      }
      const end = nextFrameByte(buf, pos);
      if (this.state === 'discarding') {
        if (end === -1) break;
        if (buf[end] === STX) this.begin();
        else this.state = 'outside';
        pos = end + 1;
        continue;
      }
      const stop = end === -1 ? buf.length : end;
      if (this.size + (stop - pos) > this.maxRecordBytes) {
        out.push(
          fail(
            'too-large',
            `Record exceeds ${this.maxRecordBytes} bytes: skipped to its end`,
            this.id(buf.subarray(pos, stop)),
          ),
        );
        this.state = 'discarding';
        this.drop();
        continue; // the discarding state finds the record's end from this position
      }
      if (stop > pos) {
        this.parts.push(Buffer.from(buf.subarray(pos, stop)));
        this.size += stop - pos;
      }
      if (end === -1) break;
      if (buf[end] === ETX) {
        out.push(parseRecordBody(Buffer.concat(this.parts, this.size), this.encoding));
        this.state = 'outside';
        this.drop();
      } else {
        out.push(fail('unterminated', `STX inside a record: ${this.size} bytes dropped`, this.id()));
        this.begin();
      }
      pos = end + 1;
    }
    return out;
  }

  private begin(): void {
    this.state = 'inside';
    this.noiseReported = false;
    this.drop();
  }

  private drop(): void {
    this.parts = [];
    this.size = 0;
  }

  private noise(first: number, out: FiasParseResult[]): void {
    if (this.noiseReported) return;
    this.noiseReported = true;
    out.push(fail('noise', `Bytes outside STX…ETX (first ${hex(first)}): skipped up to the next STX`));
  }

  /** The record ID read so far (with `more`, bytes not yet kept), for error context. */
  private id(more?: Buffer): string | undefined {
    const head = Buffer.concat(more ? [...this.parts, more] : this.parts)
      .subarray(0, 2)
      .toString('latin1');
    return RECORD_ID.test(head) ? head : undefined;
  }
}

/** Position of the next STX or ETX from `pos`, or -1. */
function nextFrameByte(buf: Buffer, pos: number): number {
  for (let i = pos; i < buf.length; i++) if (buf[i] === STX || buf[i] === ETX) return i;
  return -1;
}

function fail(
  code: FiasFrameError['code'],
  message: string,
  recordId?: string,
  field?: string,
): FiasParseResult {
  return { ok: false, error: new FiasFrameError(code, message, recordId, field) };
}

/** Reads what was between STX and ETX. Exported for tests and tools; the parser is the normal entry. */
export function parseRecordBody(body: Buffer, encoding: FiasEncoding): FiasParseResult {
  const head = body.subarray(0, 2);
  const id = head.toString('latin1');
  if (!RECORD_ID.test(id)) {
    const what = head.some(isControlByte) ? 'contains a control character' : `is ${JSON.stringify(id)}`;
    return fail('bad-record-id', `Record ID ${what}: expected two characters A-Z, 0-9 or $`);
  }
  if (body.length === 2 || body[2] !== BAR)
    return fail('no-separator', `Record ID ${id} is not followed by |`, id);
  const fields = new Map<string, string>();
  let prev = '';
  let pos = 3;
  while (pos < body.length) {
    const bar = body.indexOf(BAR, pos);
    const end = bar === -1 ? body.length : bar;
    const problem = readField(body.subarray(pos, end), id, prev, fields, encoding);
    if (problem) return { ok: false, error: problem };
    prev = body.subarray(pos, pos + 2).toString('latin1');
    pos = end + 1;
  }
  return { ok: true, record: { id, fields } };
}

function readField(
  seg: Buffer,
  id: string,
  prev: string,
  fields: Map<string, string>,
  encoding: FiasEncoding,
): FiasFrameError | undefined {
  if (seg.length < 2) {
    const what = seg.length === 0 ? 'An empty field (||)' : 'A field of one character';
    const after = prev ? `after ${prev}` : 'first';
    return new FiasFrameError(
      'bad-field',
      `${what} in ${id} (${after}): a field starts with a 2-character ID`,
      id,
    );
  }
  for (const b of seg.subarray(0, 2)) {
    if (isControlByte(b))
      return new FiasFrameError('control-char', `Control character ${hex(b)} in a field ID of ${id}`, id);
    if (!isFieldIdByte(b))
      return new FiasFrameError(
        'bad-field-id',
        `Field ID with byte ${hex(b)} in ${id}: not printable ASCII`,
        id,
      );
  }
  const fid = seg.subarray(0, 2).toString('latin1');
  const data = seg.subarray(2);
  const ctl = data.findIndex(isControlByte);
  if (ctl !== -1)
    return new FiasFrameError(
      'control-char',
      `Control character ${hex(data[ctl]!)} in field ${fid} of ${id}`,
      id,
      fid,
    );
  const text = decodeText(data, encoding);
  if (text === undefined)
    return new FiasFrameError('bad-utf8', `Invalid UTF-8 in field ${fid} of ${id}`, id, fid);
  const key = fid === 'GS' && prev === 'RO' ? OLD_ROOM_SHARE : fid;
  if (fields.has(key)) return new FiasFrameError('duplicate-field', `Field ${fid} twice in ${id}`, id, fid);
  fields.set(key, text);
  return undefined;
}
