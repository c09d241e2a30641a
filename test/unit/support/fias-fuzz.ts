// Seeded generators for the FIAS codec fuzz: valid records the writer accepts in a given code page,
// and mutations of their bytes aimed at the framing (STX, ETX, `|`), the field IDs and the data.
import { OLD_ROOM_SHARE, type FiasEncoding } from '../../../src/fias/codec/index.js';
import { fiasRecord, type FiasRecord } from '../../../src/fias/record.js';
import type { Rng } from './fuzz.js';

const KNOWN_IDS = [
  'LS',
  'LD',
  'LR',
  'LA',
  'LE',
  'GI',
  'GO',
  'GC',
  'RE',
  'WR',
  'WC',
  'WA',
  'PS',
  'PA',
  'DR',
  'DS',
  'DE',
];
const ID_CHARS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789$'];
const KNOWN_FIELDS = [
  'RN',
  'G#',
  'GN',
  'GF',
  'GT',
  'GL',
  'GS',
  'CS',
  'SF',
  'DA',
  'TI',
  'RO',
  'P#',
  'PT',
  'TA',
  'CT',
  'AS',
];
/** Printable ASCII but `|`: any of them may be a field ID character. */
const FIELD_CHARS = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).filter(
  (c) => c !== '|',
);
const ASCII_DATA = [...FIELD_CHARS, ' ', ' ', 'a', 'e', '0', '1'];
const HIGH: Record<FiasEncoding, string[]> = {
  latin1: [...'éüßñØ¿ÿ£¤µ÷ÀÆ\u00a0'],
  cp850: [...'éüßñØ¿ÿ£ı░═ƒ¤µ÷ÀÆ\u00a0'],
  utf8: [...'éüßñØ¿ÿıƒ€張三丰李', '😀', '\u3000', '\u2028'],
};

function recordId(rng: Rng): string {
  return rng.chance(0.8) ? rng.pick(KNOWN_IDS) : rng.pick(ID_CHARS) + rng.pick(ID_CHARS);
}

function fieldId(rng: Rng): string {
  return rng.chance(0.6) ? rng.pick(KNOWN_FIELDS) : rng.pick(FIELD_CHARS) + rng.pick(FIELD_CHARS);
}

function data(rng: Rng, encoding: FiasEncoding, maxLen: number): string {
  if (rng.chance(0.15)) return '';
  const n = rng.int(1, maxLen);
  let s = '';
  for (let i = 0; i < n; i++) s += rng.chance(0.8) ? rng.pick(ASCII_DATA) : rng.pick(HIGH[encoding]);
  return s;
}

/** A record the writer accepts in `encoding`: unique keys, GS never right after RO unless as RO.GS. */
export function validRecord(rng: Rng, encoding: FiasEncoding, maxLen = 24): FiasRecord {
  const fields = new Map<string, string>();
  const n = rng.int(0, 10);
  let prev = '';
  for (let i = 0; i < n; i++) {
    let key = fieldId(rng);
    if (key === 'GS' && prev === 'RO') key = OLD_ROOM_SHARE;
    if (fields.has(key)) continue;
    fields.set(key, data(rng, encoding, maxLen));
    prev = key;
  }
  return fiasRecord(recordId(rng), fields);
}

export type FiasMutation =
  | 'random-byte'
  | 'insert-byte'
  | 'delete-byte'
  | 'stx'
  | 'etx'
  | 'bar'
  | 'double-bar'
  | 'control'
  | 'noise'
  | 'duplicate-field'
  | 'high-byte'
  | 'invalid-utf8'
  | 'huge'
  | 'truncate'
  | 'drop-trailing-bar';

export const FIAS_MUTATIONS: readonly FiasMutation[] = [
  'random-byte',
  'insert-byte',
  'delete-byte',
  'stx',
  'etx',
  'bar',
  'double-bar',
  'control',
  'noise',
  'duplicate-field',
  'high-byte',
  'invalid-utf8',
  'huge',
  'truncate',
  'drop-trailing-bar',
];

const INVALID_UTF8: number[][] = [
  [0xff],
  [0xc0, 0x80],
  [0xe5, 0xbc],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0x80],
];

function splice(buf: Buffer, at: number, del: number, ins: ArrayLike<number>): Buffer {
  return Buffer.concat([buf.subarray(0, at), Buffer.from(ins as number[]), buf.subarray(at + del)]);
}

/** One mutation of `kind` on `buf` (a new buffer); `huge` sizes the run of bytes of 'huge'. */
export function mutate(rng: Rng, buf: Buffer, kind: FiasMutation, huge: number): Buffer {
  const at = rng.int(0, buf.length);
  const inside = Math.min(at, Math.max(0, buf.length - 1));
  switch (kind) {
    case 'random-byte':
      return buf.length === 0 ? Buffer.from([rng.int(0, 255)]) : splice(buf, inside, 1, [rng.int(0, 255)]);
    case 'insert-byte':
      return splice(buf, at, 0, [rng.int(0, 255)]);
    case 'delete-byte':
      return buf.length === 0 ? buf : splice(buf, inside, 1, []);
    case 'stx':
      return splice(buf, at, 0, [0x02]);
    case 'etx':
      return splice(buf, at, 0, [0x03]);
    case 'bar':
      return splice(buf, at, 0, [0x7c]);
    case 'double-bar': {
      const i = buf.indexOf(0x7c, at);
      return i === -1 ? splice(buf, at, 0, [0x7c, 0x7c]) : splice(buf, i, 0, [0x7c]);
    }
    case 'control':
      return splice(buf, at, 0, [
        rng.pick([0x00, 0x01, 0x04, 0x06, 0x09, 0x0a, 0x0d, 0x10, 0x15, 0x1b, 0x1f, 0x7f]),
      ]);
    case 'noise': {
      const junk = Buffer.alloc(rng.int(1, 32));
      for (let i = 0; i < junk.length; i++)
        junk[i] = rng.chance(0.3) ? rng.pick([0x0d, 0x0a, 0x06, 0x15, 0x05]) : rng.int(0, 255);
      return splice(buf, at, 0, junk);
    }
    case 'duplicate-field': {
      // Copy one "|XXdata" run right after itself: the same field ID twice.
      const start = buf.indexOf(0x7c, at);
      const end = start === -1 ? -1 : buf.indexOf(0x7c, start + 1);
      return end === -1 ? buf : splice(buf, end, 0, buf.subarray(start, end));
    }
    case 'high-byte':
      return splice(buf, at, 0, [rng.int(0x80, 0xff)]);
    case 'invalid-utf8':
      return splice(buf, at, 0, rng.pick(INVALID_UTF8));
    case 'huge':
      return splice(buf, at, 0, Buffer.alloc(huge, rng.pick([0x41, 0x7c, 0xe9])));
    case 'truncate':
      return buf.subarray(0, at);
    case 'drop-trailing-bar': {
      const i = buf.lastIndexOf(Buffer.from('|\x03'), at);
      return i === -1 ? buf : splice(buf, i, 1, []);
    }
  }
}
