// Validation of the fields room commands share. Each function reads one field of the frame and either
// returns a typed value or throws ProtocolError with a message naming the field and what is wrong, so
// nothing from the PMS reaches the store or Asterisk unchecked.
import { ProtocolError } from '../errors.js';
import type { Frame } from '../protocol/index.js';
import type { RoomSet } from '../rooms/room-set.js';
import type { ClassOfService } from '../store/rooms.js';
import { parseLocal } from '../time/zone.js';
import { isValidEmail } from '../voicemail/conf.js';

/** Guest names longer than this (in characters) are refused: phones show ~20, AstDB and CDRs keep it. */
export const MAX_NAME_CHARS = 64;

/** A room extension of this hotel. */
export function phoneField(frame: Frame, key: string, rooms: RoomSet): string {
  const v = frame.get(key);
  if (v === undefined || v === '') throw new ProtocolError(`${key} is required`);
  if (!/^\d{1,10}$/.test(v))
    throw new ProtocolError(`${key} must be an extension (digits only), got "${clip(v)}"`);
  if (!rooms.has(v)) throw new ProtocolError(`${key} ${v} is not a room extension of this hotel`);
  return v;
}

/** Dialling class 1..5 (seed 000 §5.4.1); `fallback` when the field is absent or empty. */
export function limitField(frame: Frame, fallback?: ClassOfService): ClassOfService {
  const v = frame.get('Limit');
  if ((v === undefined || v === '') && fallback !== undefined) return fallback;
  if (v === undefined || v === '') throw new ProtocolError('Limit is required (1 to 5)');
  if (!/^[1-5]$/.test(v)) throw new ProtocolError(`Limit must be 1 to 5, got "${clip(v)}"`);
  return Number(v) as ClassOfService;
}

/** A 0/1 switch such as `Use`. */
export function flagField(frame: Frame, key: string, fallback?: boolean): boolean {
  const v = frame.get(key);
  if ((v === undefined || v === '') && fallback !== undefined) return fallback;
  if (v === '0') return false;
  if (v === '1') return true;
  throw new ProtocolError(
    v === undefined || v === '' ? `${key} is required (0 or 1)` : `${key} must be 0 or 1, got "${clip(v)}"`,
  );
}

/** A `YYYY-MM-DD hh:mm:ss` wall-clock time of the hotel, as a UTC instant; undefined when absent/empty. */
export function timeField(frame: Frame, key: string, timeZone: string): Date | undefined {
  const v = frame.get(key);
  if (v === undefined || v === '') return undefined;
  const t = parseLocal(v, timeZone);
  if (!t) throw new ProtocolError(`${key} must be a real time YYYY-MM-DD hh:mm:ss, got "${clip(v)}"`);
  return t;
}

/**
 * A guest name: any UTF-8 text (Chinese included) up to MAX_NAME_CHARS characters, trimmed. Control
 * characters, bidirectional overrides (which could disguise a name on a display) and the two
 * characters that need quoting in a SIP display name (`"` and `\`) are refused rather than altered.
 * Undefined when absent or empty.
 */
export function nameField(frame: Frame, key = 'Name'): string | undefined {
  const v = frame.get(key)?.trim();
  if (v === undefined || v === '') return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(v))
    throw new ProtocolError(`${key} must not contain control characters`);
  if (/[\u202a-\u202e\u2066-\u2069\u200e\u200f]/.test(v))
    throw new ProtocolError(`${key} must not contain bidirectional control characters`);
  if (/["\\]/.test(v)) throw new ProtocolError(`${key} must not contain " or \\`);
  if ([...v].length > MAX_NAME_CHARS)
    throw new ProtocolError(`${key} is longer than ${MAX_NAME_CHARS} characters`);
  return v;
}

/**
 * An e-mail address (VoiceMail `Email`, seed 000 §5.4.4): empty or absent = none (null). Only plain
 * addresses (letters, digits and . _ % + - before the @, a dotted host name after it, at most 254
 * characters) are accepted, so nothing that could change voicemail.conf (`,` `|` `;` `=>` ...) passes.
 */
export function emailField(frame: Frame, key = 'Email'): string | null {
  const v = frame.get(key)?.trim();
  if (v === undefined || v === '') return null;
  if (!isValidEmail(v))
    throw new ProtocolError(
      `${key} must be an e-mail address such as guest@example.com, or empty; got "${clip(v)}"`,
    );
  return v;
}

function clip(s: string): string {
  return s.length > 32 ? `${s.slice(0, 32)}…` : s;
}
