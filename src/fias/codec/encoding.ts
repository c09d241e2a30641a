// The three code pages a FIAS link may run in (`fias.encoding`). FIAS data is 8-bit ("Understanding
// FIAS", "Data Bytes Format": 0x20-0x7E plus 0x80-0xFF for other alphabets), so the PMS and we must agree
// on a code page; Node has latin1 and UTF-8, code page 850 is a table. All three are ASCII-compatible,
// so the framing bytes (STX, ETX, `|`) never occur inside a character and records can be split on bytes
// before decoding.
import { CP850_HIGH } from './cp850.js';

export type FiasEncoding = 'latin1' | 'cp850' | 'utf8';
export const FIAS_ENCODINGS: readonly FiasEncoding[] = ['latin1', 'cp850', 'utf8'];

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const CP850_DECODE = String.fromCodePoint(...CP850_HIGH);
const CP850_ENCODE = new Map<number, number>(CP850_HIGH.map((cp, i) => [cp, 0x80 + i]));

/** Decodes one field's bytes; undefined when they are not valid in `encoding` (only UTF-8 can fail). */
export function decodeText(bytes: Uint8Array, encoding: FiasEncoding): string | undefined {
  if (encoding === 'utf8') {
    try {
      return utf8Decoder.decode(bytes);
    } catch {
      return undefined;
    }
  }
  if (encoding === 'latin1')
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  let out = '';
  for (const b of bytes) out += b < 0x80 ? String.fromCharCode(b) : CP850_DECODE[b - 0x80];
  return out;
}

/**
 * Encodes text, or returns the first character `encoding` cannot represent. Never substitutes '?':
 * a guest's name must reach the wire as written or not at all. A lone surrogate has no UTF-8 form either.
 */
export function encodeText(
  text: string,
  encoding: FiasEncoding,
): { ok: true; bytes: Buffer } | { ok: false; char: string } {
  if (encoding === 'utf8') {
    const lone = loneSurrogate(text);
    if (lone !== undefined) return { ok: false, char: lone };
    return { ok: true, bytes: Buffer.from(text, 'utf8') };
  }
  const bytes = Buffer.alloc(text.length);
  let n = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const b = cp < 0x80 ? cp : encoding === 'latin1' ? (cp <= 0xff ? cp : undefined) : CP850_ENCODE.get(cp);
    if (b === undefined) return { ok: false, char: ch };
    bytes[n++] = b;
  }
  return { ok: true, bytes: bytes.subarray(0, n) };
}

/** The first unpaired surrogate of `text`, if any (Buffer.from would silently write U+FFFD for it). */
function loneSurrogate(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) return text[i]!;
  }
  return undefined;
}

/** `U+00FC "ü"`, for messages about a character. */
export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const printable =
    cp >= 0x20 && cp !== 0x7f && !(cp >= 0x80 && cp <= 0x9f) && !(cp >= 0xd800 && cp <= 0xdfff);
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}${printable ? ` "${ch}"` : ''}`;
}
