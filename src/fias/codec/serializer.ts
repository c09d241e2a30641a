// Strict FIAS record writer: STX, the record ID, `|`, each field as ID + data + `|` in the map's order,
// ETX ("Record-ID types", "Field types"; TCP framing without LRC, "TCP / IP"). Nothing that could break
// the framing or be misread reaches the wire: control characters (C0, DEL and C1), `|` in data (FIAS
// has no escape for it) and characters the code page cannot hold are refused, never replaced.
import type { FiasRecord } from '../record.js';
import { describeChar, encodeText, type FiasEncoding } from './encoding.js';
import { FiasEncodeError } from './errors.js';
import { ETX, isFieldId, OLD_ROOM_SHARE, RECORD_ID, STX } from './fields.js';

export type FiasEncodeResult = { ok: true; bytes: Buffer } | { ok: false; error: FiasEncodeError };

const BAR_BYTE = Buffer.from('|');

/** Encodes a record, or says why it cannot be written. For data that did not come from our builders. */
export function encodeRecord(record: FiasRecord, encoding: FiasEncoding): FiasEncodeResult {
  const { id } = record;
  const fail = (code: FiasEncodeError['code'], message: string, field?: string): FiasEncodeResult => ({
    ok: false,
    error: new FiasEncodeError(code, message, id, field),
  });
  if (!RECORD_ID.test(id))
    return fail('bad-record-id', `Record ID ${JSON.stringify(id)}: expected two characters A-Z, 0-9 or $`);
  const parts: Buffer[] = [Buffer.from([STX]), Buffer.from(id, 'latin1'), BAR_BYTE];
  let prev = '';
  for (const [key, value] of record.fields) {
    let fid = key;
    if (key === OLD_ROOM_SHARE) {
      // The old room's share flag exists on the wire only as a GS written right after RO.
      if (prev !== 'RO') return fail('share-flag-order', `${OLD_ROOM_SHARE} in ${id} must follow RO`, key);
      fid = 'GS';
    } else if (!isFieldId(key)) {
      return fail(
        'bad-field-id',
        `Field ID ${JSON.stringify(key)} in ${id}: expected two printable ASCII characters`,
        key,
      );
    } else if (key === 'GS' && prev === 'RO') {
      // Written here, it would be read back as the old room's flag (see OLD_ROOM_SHARE).
      return fail('share-flag-order', `GS right after RO in ${id} would describe the old room: move it`, key);
    }
    const bad = badChar(value);
    if (bad === '|') return fail('separator-in-data', `"|" in field ${key} of ${id} cannot be written`, key);
    if (bad !== undefined)
      return fail('control-char', `Control character ${describeChar(bad)} in field ${key} of ${id}`, key);
    const enc = encodeText(value, encoding);
    if (!enc.ok)
      return fail(
        'unrepresentable',
        `${describeChar(enc.char)} in field ${key} of ${id} has no ${encoding} form`,
        key,
      );
    parts.push(Buffer.from(fid, 'latin1'), enc.bytes, BAR_BYTE);
    prev = fid;
  }
  parts.push(Buffer.from([ETX]));
  return { ok: true, bytes: Buffer.concat(parts) };
}

/** Encodes a record our code built; a record that cannot be written is a bug: FiasEncodeError is thrown. */
export function serializeRecord(record: FiasRecord, encoding: FiasEncoding): Buffer {
  const r = encodeRecord(record, encoding);
  if (!r.ok) throw r.error;
  return r.bytes;
}

/** The first `|` or control character (C0, DEL, C1) of `value`. */
function badChar(value: string): string | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x7c || c < 0x20 || (c >= 0x7f && c <= 0x9f)) return value[i];
  }
  return undefined;
}
