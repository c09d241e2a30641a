// The caller name a FIAS guest gets: "GT GF GN" (title, first name, name; the parts present, trimmed),
// cut to the longest name seed 000 keeps, then checked by the very rule ExtenName applies
// (handlers/fields.ts nameField): a character a phone display cannot take safely refuses the record.
// FIAS lets the PMS fold title and first name into GN itself ("Guest In notification" example note);
// then GN alone arrives and is shown as it is.
import { ProtocolError } from '../../errors.js';
import { MAX_NAME_CHARS, nameField } from '../../handlers/fields.js';
import type { FiasGuest } from '../../store/fias-guests.js';
import { FiasRefusal } from './context.js';

/** The parts of a name, stored (null = none) or as a record carries them (absent = none). */
type NameParts = { [K in 'title' | 'firstName' | 'name']?: FiasGuest[K] | undefined };

export function callerName(guest: NameParts | undefined, room: string): string {
  if (!guest) return room;
  const joined = [guest.title, guest.firstName, guest.name]
    .map((p) => p?.trim() ?? '')
    .filter((p) => p !== '')
    .join(' ');
  // Bounded by characters, not bytes: a Chinese name is cut between characters, never inside one.
  const bounded = [...joined].slice(0, MAX_NAME_CHARS).join('').trim();
  try {
    // No name at all: the room number, as CheckIn's default (seed 000 §5.4.7).
    return nameField(new Map([['Guest name', bounded]]), 'Guest name') ?? room;
  } catch (err) {
    if (err instanceof ProtocolError) throw new FiasRefusal(err.message, { room });
    throw err;
  }
}
