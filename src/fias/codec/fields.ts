// What a record's body looks like inside STX…ETX ("Record-ID types", "Field types"): a record ID, `|`,
// then fields, each a 2-character field ID, its data and `|`. Shared by the reader and the writer.

export const STX = 0x02;
export const ETX = 0x03;
export const BAR = 0x7c;

/**
 * Record IDs are two characters: letters and digits in every record this engine uses, `$` in the EFT
 * records ($A, $S… in "Appendix C - Field ID"), which we parse so that the link layer can ignore them.
 */
export const RECORD_ID = /^[A-Z0-9$]{2}$/;

/**
 * Field IDs are two printable ASCII characters ("Field types": ANS). Most are letters; some carry a
 * digit or a sign: G#, P#, V#, M#, G+, $2, A0-A9, D1-D9… `|` would end the field, so it never is one.
 */
export function isFieldIdByte(b: number): boolean {
  return b >= 0x21 && b <= 0x7e && b !== BAR;
}

export function isFieldId(id: string): boolean {
  return id.length === 2 && isFieldIdByte(id.charCodeAt(0)) && isFieldIdByte(id.charCodeAt(1));
}

/** C0 controls and DEL: never FIAS data ("Data Bytes Format"). */
export function isControlByte(b: number): boolean {
  return b < 0x20 || b === 0x7f;
}

/**
 * The key under which a GS that follows RO is kept. In a room move (GC with RO) the PMS sends GS twice,
 * each right after the room it describes: after RN for the new room, after RO for the old one ("Guest
 * Data", the guest-based case study "Room Move"). Both must survive in a map keyed by field ID, so the
 * second one gets this key; being four characters long, it can never collide with a real field ID.
 */
export const OLD_ROOM_SHARE = 'RO.GS';

export function hex(b: number): string {
  return `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;
}
