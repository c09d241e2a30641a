// The one place where an AMI action is turned into header lines, and so the one place where AMI
// injection is stopped: a CR or LF in a value would end the header (or the whole action) and let the
// rest be read by Asterisk as headers or actions of its own.
import { UnsafeValueError } from '../../errors.js';
import type { AmiFields } from '../types.js';

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const LINE_BREAK_OR_NUL = /[\r\n\0]/;

/**
 * Asterisk reads each AMI line into a 1024-byte buffer and drops a longer line with only a warning in
 * its own log (manager.c `get_input`); the action would then time out here with no clue. Refuse it.
 */
export const MAX_LINE_BYTES = 1022;

/** Header names that AmiClient sets itself; a caller's copy would break correlation. */
const RESERVED = new Set(['action', 'actionid']);

/**
 * Validates an action and returns the request object for codec.ts's encodeAction (`action` and `actionid`
 * first, then the caller's fields; `undefined` fields left out). Throws UnsafeValueError and builds
 * nothing if any name or value could not be sent safely.
 */
export function buildAction(name: string, fields: AmiFields, actionId: string): Record<string, string> {
  checkName('Action', name);
  checkValue('Action', name);
  const request: Record<string, string> = { action: name, actionid: actionId };
  for (const [key, raw] of Object.entries(fields)) {
    if (raw === undefined) continue;
    checkName(key, key);
    if (RESERVED.has(key.toLowerCase())) {
      throw new UnsafeValueError(key, `AMI field ${key} is set by the engine and may not be given`);
    }
    const value = stringify(key, raw);
    checkValue(key, value);
    request[key] = value;
  }
  return request;
}

function stringify(key: string, value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new UnsafeValueError(key, `AMI field ${key} is not a finite number`);
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      // The type forbids it; a caller in plain JS could still pass an object.
      throw new UnsafeValueError(key, `AMI field ${key} must be a string, number or boolean`);
  }
}

function checkName(field: string, name: string): void {
  if (!FIELD_NAME.test(name)) {
    throw new UnsafeValueError(field, `AMI field name ${JSON.stringify(name)} is not allowed`);
  }
}

function checkValue(field: string, value: string): void {
  if (LINE_BREAK_OR_NUL.test(value)) {
    throw new UnsafeValueError(field, `AMI field ${field} contains a line break or NUL`);
  }
  if (Buffer.byteLength(field) + 2 + Buffer.byteLength(value) > MAX_LINE_BYTES) {
    throw new UnsafeValueError(field, `AMI field ${field} is longer than an AMI line may be`);
  }
}
