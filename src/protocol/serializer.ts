// Strict writer: exactly `Key: Value\r\n` per field and `\r\n` to end the frame (seed 000 §4).
// A key or value that could break the framing is a programming error here, not something to escape:
// values from the PMS were parsed line by line and cannot hold CR/LF, and engine values are checked.

export type FieldList = ReadonlyArray<readonly [string, string | number]>;

export function serialize(fields: FieldList | ReadonlyMap<string, string>): Buffer {
  let out = '';
  for (const [key, raw] of fields) {
    const value = String(raw);
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(key))
      throw new TypeError(`Invalid frame key ${JSON.stringify(key)}`);
    if (/[\r\n]/.test(value)) throw new TypeError(`CR/LF in value of ${key}`);
    out += `${key}: ${value}\r\n`;
  }
  return Buffer.from(`${out}\r\n`, 'utf8');
}
