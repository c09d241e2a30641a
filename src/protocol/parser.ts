// Frame reader for the PMS `Key: Value` protocol (seed 000 §4; decisions in docs/pms-protocol.md).
// Fed arbitrary chunks of bytes, it hands out whole frames or error values; it never throws on input.
// Lenient: `\n` or `\r\n` line ends, spaces around keys and values, no space after the colon, blank
// frames ignored. A line is split on the byte 0x0A, which never occurs inside a multi-byte UTF-8
// character, so a character split across chunks is decoded only once its line is complete.
import { FrameError, type Frame, type ParseResult } from './frame.js';

export interface ParserOptions {
  /** Largest frame accepted, in bytes including line ends (default 64 KiB). */
  maxFrameBytes?: number;
  /** An oversized frame that runs on for this many more bytes without ending is a flood (default 1 MiB). */
  maxDiscardBytes?: number;
}

const LF = 0x0a;
const CR = 0x0d;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export class FrameParser {
  private readonly maxFrameBytes: number;
  private readonly maxDiscardBytes: number;
  /** Bytes of the current, incomplete line. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Fields of the frame being read, in order. */
  private fields = new Map<string, string>();
  private frameBytes = 0;
  /** The first problem of the current frame; reported when the frame ends. */
  private problem: FrameError | undefined;
  /** After an oversized frame: skipping bytes up to the next empty line. */
  private discarding = false;
  private discardedBytes = 0;
  private discardLineLen = 0;
  private flooded = false;

  constructor(options: ParserOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? 65_536;
    this.maxDiscardBytes = options.maxDiscardBytes ?? 1_048_576;
  }

  /** Feeds one chunk; returns the frames and errors it completed, in order. */
  push(chunk: Uint8Array): ParseResult[] {
    const out: ParseResult[] = [];
    if (this.flooded) return out;
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let pos = 0;
    while (pos < buf.length && !this.flooded) {
      if (this.discarding) {
        pos = this.discard(buf, pos, out);
        continue;
      }
      const nl = buf.indexOf(LF, pos);
      const end = nl === -1 ? buf.length : nl;
      const piece = buf.subarray(pos, end);
      if (this.frameBytes + this.pendingBytes + piece.length + 1 > this.maxFrameBytes) {
        this.tooLarge(out);
        continue; // the discard step skips (and counts) the rest, from this position on
      }
      if (nl === -1) {
        this.pending.push(piece);
        this.pendingBytes += piece.length;
        break;
      }
      const line = this.pendingBytes ? Buffer.concat([...this.pending, piece]) : piece;
      this.pending = [];
      this.pendingBytes = 0;
      this.frameBytes += line.length + 1;
      this.line(line, out);
      pos = nl + 1;
    }
    return out;
  }

  private line(raw: Buffer, out: ParseResult[]): void {
    let text: string;
    try {
      text = utf8.decode(raw[raw.length - 1] === CR ? raw.subarray(0, raw.length - 1) : raw);
    } catch {
      this.note(new FrameError('bad-utf8', 'Invalid UTF-8 in frame'));
      return;
    }
    if (text.trim() === '') {
      this.endFrame(out);
      return;
    }
    const colon = text.indexOf(':');
    if (colon === -1) {
      this.note(new FrameError('no-colon', `Malformed line (no colon): "${preview(text)}"`));
      return;
    }
    const key = text.slice(0, colon).trim();
    const value = text.slice(colon + 1).trim();
    if (key === '') {
      this.note(new FrameError('empty-key', `Malformed line (empty key): "${preview(text)}"`));
    } else if (this.fields.has(key)) {
      this.note(new FrameError('duplicate-key', `Duplicate key ${preview(key)} in frame`));
    } else if (hasControl(key) || hasControl(value)) {
      this.note(new FrameError('control-char', `Control character in line "${preview(key)}"`));
    } else {
      this.fields.set(key, value);
    }
  }

  private endFrame(out: ParseResult[]): void {
    if (this.problem) {
      out.push({ ok: false, error: this.problem.withFields(this.fields) });
    } else if (this.fields.size > 0) {
      out.push({ ok: true, frame: this.fields as Frame });
    }
    this.reset();
  }

  private tooLarge(out: ParseResult[]): void {
    const err = new FrameError('too-large', `Frame exceeds ${this.maxFrameBytes} bytes`).withFields(
      this.fields,
    );
    out.push({ ok: false, error: err });
    this.discarding = true;
    // Bytes already buffered for the current line are discarded too. They count toward the line's
    // length the way `discard` counts (blanks excluded), so a line of spaces split across chunks still
    // ends the oversized frame, as it does when it arrives whole.
    this.discardedBytes = this.pendingBytes;
    this.discardLineLen = this.pending.reduce((n, b) => n + nonBlank(b), 0);
    this.reset();
  }

  /** Skips bytes until an empty line ends the oversized frame; returns the position after it. */
  private discard(buf: Buffer, pos: number, out: ParseResult[]): number {
    for (let i = pos; i < buf.length; i++) {
      const b = buf[i];
      this.discardedBytes++;
      if (b === LF) {
        if (this.discardLineLen === 0) {
          this.discarding = false;
          return i + 1;
        }
        this.discardLineLen = 0;
      } else if (b !== CR && b !== 0x20 && b !== 0x09) {
        this.discardLineLen++;
      }
      if (this.discardedBytes > this.maxDiscardBytes) {
        this.flooded = true;
        out.push({
          ok: false,
          error: new FrameError('flood', 'Oversized frame never ends: closing connection'),
        });
        return buf.length;
      }
    }
    return buf.length;
  }

  private note(err: FrameError): void {
    this.problem ??= err;
  }

  private reset(): void {
    this.fields = new Map();
    this.frameBytes = 0;
    this.problem = undefined;
    this.pending = [];
    this.pendingBytes = 0;
  }
}

/** Bytes of `b` that make a line non-empty while discarding: all but CR, space and tab. */
function nonBlank(b: Buffer): number {
  let n = 0;
  for (const c of b) if (c !== CR && c !== 0x20 && c !== 0x09) n++;
  return n;
}

function hasControl(s: string): boolean {
  // Tab is tolerated inside values (trimmed at the ends); other C0 controls and DEL are not.
  // eslint-disable-next-line no-control-regex
  return /[\x00-\x08\x0a-\x1f\x7f]/.test(s);
}

function preview(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
