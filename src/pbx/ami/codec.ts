// The AMI wire format, no I/O: Asterisk's bytes into messages, an action into bytes.
//   Asterisk Call Manager/<version>\r\n          the greeting, once, skipped
//   Key: Value\r\n … \r\n                        one message: headers up to an empty line
// Keys are lower-cased (AMI header names are case-insensitive); a header that comes again makes its
// value an array, in order; `Variable: name=value` and `ChanVariable: name=value` headers become a
// map. Values are kept as sent after the ": " (Asterisk puts exactly one space there).
// An Asterisk older than 14 answers Command with `Response: Follows`, raw output lines and
// `--END COMMAND--`: that block becomes { response: 'follows', actionid, content }.
import type { AmiMessage } from '../types.js';

/** A message Asterisk never sends (its own are far smaller): past this, the peer is not AMI. */
export const MAX_AMI_MESSAGE_BYTES = 4_194_304;

export class AmiMessageTooLarge extends Error {
  constructor() {
    super(`AMI message larger than ${MAX_AMI_MESSAGE_BYTES} bytes`);
  }
}

const GREETING = 'Asterisk Call Manager';
const MAPS = new Set(['variable', 'chanvariable']);

export class AmiReader {
  /** The current line's bytes so far (a chunk may end inside a line, or inside a UTF-8 character). */
  #partial: Buffer[] = [];
  #partialBytes = 0;
  #message: AmiMessage = {};
  #headers = 0;
  /** The stream's first line not yet read: the greeting, when it is one. */
  #first = true;
  /** Bytes of the current message (and of the line being read), for the bound above. */
  #bytes = 0;
  /** Inside a `Response: Follows` block: its lines so far; `ended` once --END COMMAND-- came. */
  #follows: { lines: string[]; ended: boolean } | undefined;

  /** Feeds one chunk; returns the messages it completed, in order. Throws AmiMessageTooLarge. */
  push(chunk: Buffer): AmiMessage[] {
    const out: AmiMessage[] = [];
    let pos = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, pos);
      if (nl === -1) {
        if (pos < chunk.length) this.#keep(chunk.subarray(pos));
        return out;
      }
      let line = chunk.subarray(pos, nl);
      if (this.#partialBytes) {
        line = Buffer.concat([...this.#partial, line]);
        this.#partial = [];
        this.#partialBytes = 0;
      }
      pos = nl + 1;
      this.#line(line[line.length - 1] === 0x0d ? line.subarray(0, line.length - 1) : line, out);
    }
  }

  #keep(piece: Buffer): void {
    this.#partialBytes += piece.length;
    if (this.#bytes + this.#partialBytes > MAX_AMI_MESSAGE_BYTES) throw new AmiMessageTooLarge();
    this.#partial.push(piece);
  }

  #line(raw: Buffer, out: AmiMessage[]): void {
    this.#bytes += raw.length + 1;
    if (this.#bytes > MAX_AMI_MESSAGE_BYTES) throw new AmiMessageTooLarge();
    if (raw.length === 0 && !this.#follows) this.#bytes = 0;
    const line = raw.toString('utf8');
    if (this.#follows) return this.#followLine(line, out);
    if (this.#headers === 0 && /^response:\s*follows/i.test(line)) {
      this.#follows = { lines: [line], ended: false };
      return;
    }
    if (line.length === 0) {
      if (this.#headers > 0) out.push(this.#message);
      this.#message = {};
      this.#headers = 0;
      return;
    }
    if (this.#first) {
      this.#first = false;
      if (line.startsWith(GREETING)) return;
    }
    const colon = line.indexOf(':');
    // A line without a colon is not a header (nothing of ours reads one): left out.
    if (colon <= 0) return;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.charCodeAt(colon + 1) === 0x20 ? line.slice(colon + 2) : line.slice(colon + 1);
    this.#headers++;
    const m = this.#message;
    if (MAPS.has(key)) {
      const eq = value.indexOf('=');
      const map = typeof m[key] === 'object' && !Array.isArray(m[key]) ? m[key] : (m[key] = {});
      if (eq === -1) map[value] = '';
      else map[value.slice(0, eq)] = value.slice(eq + 1);
      return;
    }
    const had = m[key];
    if (had === undefined) m[key] = value;
    else if (Array.isArray(had)) had.push(value);
    else if (typeof had === 'string') m[key] = [had, value];
  }

  #followLine(line: string, out: AmiMessage[]): void {
    const block = this.#follows!;
    if (!block.ended) {
      block.lines.push(line);
      if (line === '--END COMMAND--') block.ended = true;
      return;
    }
    if (line.length > 0) return void block.lines.push(line);
    this.#follows = undefined;
    this.#bytes = 0;
    const content = block.lines.join('\n');
    const id = /actionid: ([^\r\n]+)/i.exec(content);
    out.push({ response: 'follows', content, ...(id && { actionid: id[1]! }) });
  }
}

/**
 * One action as Asterisk reads it: `Action` and `ActionID` first, then the fields in order. The names
 * and values must already be checked (fields.ts buildAction: no CR, LF or NUL, no overlong line).
 */
export function encodeAction(request: Readonly<Record<string, string>>): string {
  let text = '';
  for (const [key, value] of Object.entries(request)) text += `${NAMES[key] ?? key}: ${value}\r\n`;
  return `${text}\r\n`;
}

/** buildAction's own two keys, as Asterisk's documentation spells them (it reads any case). */
const NAMES: Readonly<Record<string, string>> = { action: 'Action', actionid: 'ActionID' };
