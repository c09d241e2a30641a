// Seeded generators for the codec and server fuzz tests: a PRNG that can be replayed from its seed
// (`FUZZ_SEED`), valid frames the strict writer accepts, and mutations of their bytes.
import { serialize } from '../../../src/protocol/index.js';

/** The run's seed: the variable `name` (`FUZZ_SEED`) when set (to replay a failure), else a fresh one. */
export function fuzzSeed(name = 'FUZZ_SEED'): number {
  const env = process.env[name];
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`${name} must be a uint32: ${env}`);
    return n;
  }
  return (Math.random() * 0x1_0000_0000) >>> 0;
}

/** mulberry32: small, fast, good enough to drive a fuzzer, and the same sequence for the same seed. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
}

const KEY_FIRST = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'];
const KEY_REST = [...KEY_FIRST, ...'0123456789_-'];
const PROTOCOL_KEYS = [
  'ServiceType',
  'Action',
  'SeqID',
  'CallMethod',
  'Phone',
  'Name',
  'Use',
  'Start',
  'End',
];
/** Value characters: ASCII, colons and spaces inside, tab inside, Chinese, accents, an emoji, C1 controls. */
const VALUE_CHARS = [
  ...'abcXYZ0189 :*&,.-_/()!?=',
  '\t',
  '张',
  '三',
  '丰',
  '李',
  'é',
  'ü',
  '€',
  '😀',
  '\u0085',
  '\u3000',
  '\u00a0',
];

function key(rng: Rng): string {
  if (rng.chance(0.4)) return rng.pick(PROTOCOL_KEYS);
  let k = rng.pick(KEY_FIRST);
  const n = rng.int(0, 14);
  for (let i = 0; i < n; i++) k += rng.pick(KEY_REST);
  return k;
}

function value(rng: Rng, maxLen: number): string {
  const n = rng.chance(0.1) ? 0 : rng.int(1, maxLen);
  let v = '';
  for (let i = 0; i < n; i++) v += rng.pick(VALUE_CHARS);
  // The reader trims values (JavaScript whitespace, which includes U+3000 and U+00A0).
  return v.trim();
}

/** A frame the strict writer accepts: 1..10 unique keys, values without CR/LF or C0 controls but tab. */
export function validFrame(rng: Rng, longValues = false): Array<[string, string]> {
  const fields = new Map<string, string>();
  const n = rng.int(1, 10);
  while (fields.size < n) fields.set(key(rng), value(rng, longValues && rng.chance(0.2) ? 600 : 24));
  return [...fields];
}

/** The same frame as a lenient client might write it: LF or CRLF, no space or extra spaces. */
export function lenientBytes(rng: Rng, fields: ReadonlyArray<[string, string]>): Buffer {
  let s = '';
  const eol = (): string => (rng.chance(0.5) ? '\r\n' : '\n');
  for (const [k, v] of fields) {
    const pad = (): string => rng.pick(['', ' ', '  ', '\t']);
    s += `${pad()}${k}${pad()}:${rng.pick(['', ' ', '   '])}${v}${pad()}${eol()}`;
  }
  s += eol();
  return Buffer.from(s, 'utf8');
}

/** How a fuzz run hands its bytes to a parser: at once, in random pieces, or one byte at a time. */
export type FeedMode = 'whole' | 'split' | 'bytewise';

/** `buf` cut as `mode` says (split: into 1 to 8 random pieces). */
export function chunksFor(rng: Rng, mode: FeedMode, buf: Buffer): Buffer[] {
  if (mode === 'whole') return [buf];
  if (mode === 'split') return randomSplit(rng, buf, rng.int(1, 8));
  return Array.from({ length: buf.length }, (_, i) => buf.subarray(i, i + 1));
}

/** Feeds `chunks` to a parser's `push`; a throw is returned as such, never raised. */
export function feed<R>(parser: { push(chunk: Buffer): R[] }, chunks: Buffer[]): R[] | { thrown: unknown } {
  const out: R[] = [];
  try {
    for (const c of chunks) out.push(...parser.push(c));
  } catch (thrown) {
    return { thrown };
  }
  return out;
}

export { serialize };

const INVALID_UTF8 = [
  [0xff],
  [0xfe],
  [0xc0, 0x80], // overlong NUL
  [0xe5, 0xbc], // truncated 3-byte character
  [0xed, 0xa0, 0x80], // an encoded surrogate
  [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
  [0x80],
];

export type MutationKind =
  | 'random-byte'
  | 'insert-byte'
  | 'delete-byte'
  | 'crlf-injection'
  | 'lf-injection'
  | 'lone-cr'
  | 'missing-colon'
  | 'nul'
  | 'invalid-utf8'
  | 'huge-value'
  | 'near-bound'
  | 'empty-lines'
  | 'duplicate-line'
  | 'truncate'
  | 'control-char'
  | 'random-junk';

export const MUTATIONS: readonly MutationKind[] = [
  'random-byte',
  'insert-byte',
  'delete-byte',
  'crlf-injection',
  'lf-injection',
  'lone-cr',
  'missing-colon',
  'nul',
  'invalid-utf8',
  'huge-value',
  'near-bound',
  'empty-lines',
  'duplicate-line',
  'truncate',
  'control-char',
  'random-junk',
];

function splice(buf: Buffer, at: number, del: number, ins: ArrayLike<number>): Buffer {
  return Buffer.concat([buf.subarray(0, at), Buffer.from(ins as number[]), buf.subarray(at + del)]);
}

/**
 * Applies one mutation of `kind` to `buf` (a new buffer). `hugeBytes` sizes the 'huge-value' line;
 * 'near-bound' fills the first frame to a few bytes under `maxFrameBytes`, then adds a line of blanks.
 */
export function mutate(
  rng: Rng,
  buf: Buffer,
  kind: MutationKind,
  hugeBytes: number,
  maxFrameBytes: number,
): Buffer {
  const at = rng.int(0, buf.length);
  const inside = Math.min(at, Math.max(0, buf.length - 1));
  switch (kind) {
    case 'random-byte':
      if (buf.length === 0) return Buffer.from([rng.int(0, 255)]);
      return splice(buf, inside, 1, [rng.int(0, 255)]);
    case 'insert-byte':
      return splice(buf, at, 0, [rng.int(0, 255)]);
    case 'delete-byte':
      return buf.length === 0 ? buf : splice(buf, inside, 1, []);
    case 'crlf-injection':
      return splice(buf, at, 0, [...Buffer.from(rng.pick(['\r\n', '\r\n\r\n', '\r\nAction: Set\r\n']))]);
    case 'lf-injection':
      return splice(buf, at, 0, [0x0a]);
    case 'lone-cr': {
      const i = buf.indexOf('\r\n', rng.int(0, buf.length));
      return i === -1 ? splice(buf, at, 0, [0x0d]) : splice(buf, i, 2, [0x0d]);
    }
    case 'missing-colon': {
      const i = buf.indexOf(':', rng.int(0, buf.length));
      return i === -1 ? splice(buf, at, 0, [...Buffer.from('no colon here\r\n')]) : splice(buf, i, 1, []);
    }
    case 'nul':
      return splice(buf, at, 0, [0x00]);
    case 'invalid-utf8':
      return splice(buf, at, 0, rng.pick(INVALID_UTF8));
    case 'huge-value': {
      const line = Buffer.from(`Huge: ${'h'.repeat(hugeBytes)}\r\n`);
      return splice(buf, rng.chance(0.5) ? 0 : at, 0, rng.chance(0.5) ? line : line.subarray(0, -2));
    }
    case 'near-bound': {
      const fill = `P: ${'p'.repeat(maxFrameBytes - 5 - rng.int(0, 12))}\r\n`;
      return Buffer.concat([Buffer.from(`${fill}${' '.repeat(rng.int(1, 12))}\r\n`), buf]);
    }
    case 'empty-lines':
      return splice(buf, at, 0, [
        ...Buffer.from(rng.pick(['\r\n', '\n', ' \r\n', '\t\n']).repeat(rng.int(2, 200))),
      ]);
    case 'duplicate-line': {
      const start = buf.lastIndexOf(0x0a, Math.max(0, at - 1)) + 1;
      const end = buf.indexOf(0x0a, start);
      return end === -1 ? buf : splice(buf, end + 1, 0, buf.subarray(start, end + 1));
    }
    case 'truncate':
      return buf.subarray(0, at);
    case 'control-char':
      return splice(buf, at, 0, [rng.pick([0x01, 0x07, 0x08, 0x0b, 0x0c, 0x1b, 0x7f])]);
    case 'random-junk': {
      const junk = Buffer.alloc(rng.int(1, 64));
      for (let i = 0; i < junk.length; i++) junk[i] = rng.int(0, 255);
      return splice(buf, at, 0, junk);
    }
  }
}

/** `buf` cut at `cuts` random positions (chunks may be empty, as a socket never gives them, harmless). */
export function randomSplit(rng: Rng, buf: Buffer, cuts: number): Buffer[] {
  const points = Array.from({ length: cuts }, () => rng.int(0, buf.length)).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}
