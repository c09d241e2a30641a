// Netstring framing (`LEN:payload,`) as spoken by baresip's ctrl_tcp module. Pure: knows nothing of
// sockets or baresip; fed chunks, it hands out payloads, and bad input comes back as an error value.

export function encodeNetstring(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}:`, 'ascii'), body, Buffer.from(',', 'ascii')]);
}

export type NetstringItem = { payload: string } | { error: string };

/** Longest length prefix accepted: 9 digits (< 1 GB), far above any baresip message. */
const MAX_DIGITS = 9;

export class NetstringReader {
  private buffer: Buffer = Buffer.alloc(0);

  /** Feeds a chunk; returns the payloads (and errors) it completes. After an error the reader is reset. */
  push(chunk: Buffer): NetstringItem[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const out: NetstringItem[] = [];
    for (;;) {
      const colon = this.buffer.indexOf(0x3a); // ':'
      if (colon < 0) {
        if (this.buffer.length > MAX_DIGITS || !/^\d*$/.test(this.buffer.toString('ascii'))) {
          return this.fail(
            out,
            `bad netstring length prefix ${JSON.stringify(this.buffer.toString('latin1'))}`,
          );
        }
        return out;
      }
      const digits = this.buffer.subarray(0, colon).toString('ascii');
      if (!/^\d{1,9}$/.test(digits))
        return this.fail(out, `bad netstring length prefix ${JSON.stringify(digits)}`);
      const length = Number(digits);
      const end = colon + 1 + length;
      if (this.buffer.length < end + 1) return out;
      if (this.buffer[end] !== 0x2c)
        return this.fail(out, `netstring of ${length} bytes does not end with ","`);
      out.push({ payload: this.buffer.subarray(colon + 1, end).toString('utf8') });
      this.buffer = this.buffer.subarray(end + 1);
    }
  }

  private fail(out: NetstringItem[], error: string): NetstringItem[] {
    this.buffer = Buffer.alloc(0);
    out.push({ error });
    return out;
  }
}
