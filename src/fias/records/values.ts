// One rule per kind of FIAS field value, shared by the validators (text → value) and the builders
// (value → text). Formats are those of "Data Types" (D = YYMMDD, T = HHMMSS, N, M without a decimal
// point to the PMS) and of each field's row in "Appendix C - Field ID" and the record tables. A rule
// returns the value, or a Bad with the reason; the record layer adds the record and field to it.

export interface Bad {
  readonly bad: string;
}
export type Rule<T> = (raw: string) => T | Bad;
export const bad = (reason: string): Bad => ({ bad: reason });
export const isBad = (x: unknown): x is Bad => typeof x === 'object' && x !== null && 'bad' in x;

/** A calendar date. FIAS sends YY: we read it as 20YY (the spec's own examples start at 2000). */
export interface FiasDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}
export interface FiasTime {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const two = (n: number): string => String(n).padStart(2, '0');
const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

export function isValidDate(d: FiasDate): boolean {
  return (
    Number.isInteger(d.year) &&
    d.year >= 2000 &&
    d.year <= 2099 &&
    Number.isInteger(d.month) &&
    d.month >= 1 &&
    d.month <= 12 &&
    Number.isInteger(d.day) &&
    d.day >= 1 &&
    d.day <= daysIn(d.year, d.month)
  );
}

export function isValidTime(t: FiasTime): boolean {
  const within = (n: number, max: number): boolean => Number.isInteger(n) && n >= 0 && n <= max;
  return within(t.hour, 23) && within(t.minute, 59) && within(t.second, 59);
}

export const parseDate: Rule<FiasDate> = (raw) => {
  if (!/^\d{6}$/.test(raw)) return bad('not a date (YYMMDD)');
  const d = {
    year: 2000 + Number(raw.slice(0, 2)),
    month: Number(raw.slice(2, 4)),
    day: Number(raw.slice(4, 6)),
  };
  return isValidDate(d) ? d : bad('no such date');
};

export const parseTime: Rule<FiasTime> = (raw) => {
  if (!/^\d{6}$/.test(raw)) return bad('not a time (HHMMSS)');
  const t = {
    hour: Number(raw.slice(0, 2)),
    minute: Number(raw.slice(2, 4)),
    second: Number(raw.slice(4, 6)),
  };
  return isValidTime(t) ? t : bad('no such time');
};

export function formatDate(d: FiasDate): string | Bad {
  return isValidDate(d)
    ? `${two(d.year - 2000)}${two(d.month)}${two(d.day)}`
    : bad('not a date in 2000-2099');
}

export function formatTime(t: FiasTime): string | Bad {
  return isValidTime(t) ? `${two(t.hour)}${two(t.minute)}${two(t.second)}` : bad('not a time of day');
}

/** DU, a call's duration, has format T ("Posting Simple"): HHMMSS, so under 24 hours. */
export const parseDuration: Rule<number> = (raw) => {
  const t = parseTime(raw);
  return isBad(t) ? bad('not a duration (HHMMSS)') : t.hour * 3600 + t.minute * 60 + t.second;
};

export function formatDuration(sec: number): string | Bad {
  if (!Number.isInteger(sec) || sec < 0 || sec >= 86_400)
    return bad('not a whole number of seconds under 24 h');
  return formatTime({
    hour: Math.floor(sec / 3600),
    minute: Math.floor(sec / 60) % 60,
    second: sec % 60,
  }) as string;
}

/** Printable: no C0, DEL or C1 control (the codec already refuses C0 and DEL on the wire). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/** ANS text ("Data Types"): any printable character of the code page, up to `max` characters. */
export function text(max: number, min = 0): Rule<string> {
  return (raw) => {
    if (CONTROL.test(raw)) return bad('contains a control character');
    if (raw.includes('|')) return bad('contains "|", which FIAS cannot carry in data');
    const n = [...raw].length;
    if (n > max) return bad(`longer than ${max} characters`);
    if (n < min) return bad('empty');
    return raw;
  };
}

/** AN text: printable ASCII (V#), `|` aside. */
export function ascii(max: number, min = 1): Rule<string> {
  return (raw) =>
    new RegExp(`^[\\x20-\\x7b\\x7d\\x7e]{${min},${max}}$`).test(raw)
      ? raw
      : bad(`not ${min}-${max} printable ASCII characters other than "|"`);
}

/** N: digits only, kept as text where leading zeros are significant (G#, DD, SO). */
export function digits(max: number): Rule<string> {
  return (raw) => (new RegExp(`^\\d{1,${max}}$`).test(raw) ? raw : bad(`not 1-${max} digits`));
}

/**
 * RN, the room: letters and digits, 1-16 characters. The spec gives ANS max 8, "longer with Suite8 or
 * OPERA"; we want no spaces or signs in what becomes an extension, and we leave room for long numbers.
 */
export const parseRoom: Rule<string> = (raw) =>
  /^[A-Za-z0-9]{1,16}$/.test(raw) ? raw : bad('not a room number (1-16 letters and digits)');

/** G#, the reservation number: N, max 10 ("Guest In notification"). */
export const parseReservation = digits(10);

export const parseYesNo: Rule<boolean> = (raw) =>
  raw === 'Y' ? true : raw === 'N' ? false : bad('not Y or N');

/** CS ("CS - Class of Service (COS)"): 0 barred/internal, 1 local, 2 national, 3 unrestricted. */
export type ClassOfService = 0 | 1 | 2 | 3;
export const parseClassOfService: Rule<ClassOfService> = (raw) =>
  /^[0-3]$/.test(raw) ? (Number(raw) as ClassOfService) : bad('not a class of service 0-3');

/**
 * RS ("RS - Room Maid Statuses", "DND & Make Up Room"): 1-6 the maid statuses (dirty/clean/inspected ×
 * vacant/occupied), 8 DND on, 9 make-up room on, 10 both off. 7 is not defined.
 */
export type RoomStatus = 1 | 2 | 3 | 4 | 5 | 6 | 8 | 9 | 10;
export const ROOM_STATUSES: readonly RoomStatus[] = [1, 2, 3, 4, 5, 6, 8, 9, 10];
export const parseRoomStatus: Rule<RoomStatus> = (raw) =>
  /^(?:[1-689]|10)$/.test(raw) ? (Number(raw) as RoomStatus) : bad('not a room status (1-6, 8, 9, 10)');

/** VM ("Voice Mail notification"): Y/N, or 4 digits: unread count then read count, two digits each. */
export type Voicemail = { kind: 'flag'; on: boolean } | { kind: 'counts'; unread: number; read: number };
export const parseVoicemail: Rule<Voicemail> = (raw) => {
  if (raw === 'Y' || raw === 'N') return { kind: 'flag', on: raw === 'Y' };
  if (/^\d{4}$/.test(raw))
    return { kind: 'counts', unread: Number(raw.slice(0, 2)), read: Number(raw.slice(2)) };
  return bad('not Y, N or 4 digits (unread, read)');
};

export function formatVoicemail(vm: Voicemail): string | Bad {
  if (vm.kind === 'flag') return vm.on ? 'Y' : 'N';
  const count = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 99;
  if (!count(vm.unread) || !count(vm.read)) return bad('message counts must be 0-99');
  return `${two(vm.unread)}${two(vm.read)}`;
}

/** P# ("Linking Records"): 1-99999999, no leading zeros, no sign. */
export const parsePostingNumber: Rule<number> = (raw) =>
  /^[1-9]\d{0,7}$/.test(raw) ? Number(raw) : bad('not a posting number 1-99999999 without leading zeros');

export function formatPostingNumber(n: number): string | Bad {
  return Number.isInteger(n) && n >= 1 && n <= 99_999_999
    ? String(n)
    : bad('not a posting number 1-99999999');
}

/** TA (M, max 15, "Data Types"): to the PMS in minor units, no decimal point; a leading '-' allowed. */
export const parseAmount: Rule<number> = (raw) =>
  /^-?\d{1,14}$/.test(raw) && raw.length <= 15
    ? Number(raw)
    : bad('not an amount (digits, no decimal point)');

export function formatAmount(n: number): string | Bad {
  const s = String(n);
  return Number.isSafeInteger(n) && s.length <= 15 ? s : bad('not a whole amount of at most 15 characters');
}

/** AS codes of "AS - Answer Statuses". */
export const ANSWER_STATUSES = [
  'AA',
  'AN',
  'BM',
  'BY',
  'CD',
  'CO',
  'DE',
  'DM',
  'DN',
  'FX',
  'IA',
  'NA',
  'NF',
  'NG',
  'NM',
  'NP',
  'NR',
  'OK',
  'RY',
  'UR',
] as const;
export type AnswerStatus = (typeof ANSWER_STATUSES)[number];
export function oneOf<T extends string>(values: readonly T[], what: string): Rule<T> {
  return (raw) => ((values as readonly string[]).includes(raw) ? (raw as T) : bad(`not ${what}`));
}
export const parseAnswerStatus = oneOf(ANSWER_STATUSES, 'an answer status');

/** IF codes of "IF - Interface Types"; a PBX is PB. */
export const INTERFACE_TYPES = ['CA', 'DL', 'EM', 'MB', 'PB', 'PO', 'VI', 'VM', 'MS', 'WW'] as const;
export type InterfaceType = (typeof INTERFACE_TYPES)[number];
