// The engine-owned voicemail include file: the rooms' mailboxes, rendered from the store. Pure text
// in, text out; the only place a mailbox line is built, so the only place where a value could break
// voicemail.conf. Every value that reaches a line is either produced here (password, options) or
// checked/neutralised here (extension, context, name, e-mail): whatever the store holds, the file
// parses and every other mailbox still loads.
//
// app_voicemail's mailbox line: `<mailbox> => <password>,<full name>,<email>,<pager email>,<options>`,
// options `key=value` separated by `|`. Asterisk's config reader ends a value at `;` (a comment)
// and treats `[` at a line start as a section; app_voicemail splits on `,` and `|`. None of these can
// appear in a rendered value.
import { createHmac } from 'node:crypto';

export interface MailboxSettings {
  enabled: boolean;
  /** Usevmwi: the room phone's message lamp follows this mailbox. */
  mwi: boolean;
  email: string | null;
  attach: boolean;
}

export interface MailboxEntry {
  extension: string;
  guestName: string | null;
  voicemail: MailboxSettings;
}

export interface Contexts {
  /** Rooms whose lamp stays off (Usevmwi: 0). */
  plain: string;
  /** Rooms whose lamp is lit (Usevmwi: 1): the room endpoints watch <room>@mwi. */
  mwi: string;
  /** Every room's front-desk lamp (desk-lamps.ts): the endpoints watch <room>@desk too. */
  desk: string;
}

/** E-mail addresses the engine accepts (and so the only ones that can reach the file). */
export const EMAIL =
  /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
export const MAX_EMAIL_LENGTH = 254;
const EXTENSION = /^\d{1,10}$/;
const CONTEXT = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_FULL_NAME_CHARS = 40;

export function isValidEmail(v: string): boolean {
  return v.length <= MAX_EMAIL_LENGTH && EMAIL.test(v);
}

/** The context a room's mailbox lives in. */
export function contextOf(settings: Pick<MailboxSettings, 'mwi'>, contexts: Contexts): string {
  return settings.mwi ? contexts.mwi : contexts.plain;
}

/**
 * The mailbox's full name (voicemail.conf field 2, used in e-mails and the directory): the guest's
 * name reduced to letters, digits, spaces and `.`, `-`, `'` (any script), or "Room <ext>".
 */
export function fullName(entry: Pick<MailboxEntry, 'extension' | 'guestName'>): string {
  const cleaned = [
    ...(entry.guestName ?? '')
      .replace(/[^\p{L}\p{N} .'-]/gu, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  ]
    .slice(0, MAX_FULL_NAME_CHARS)
    .join('')
    .trim();
  return cleaned || `Room ${entry.extension}`;
}

/**
 * The mailbox password. The guest reaches the mailbox from the room phone without one (the dialplan
 * skips it); this one only keeps others out should some other dialplan offer VoiceMailMain. It is a
 * keyed hash of the extension with a secret of this engine process (stable while it runs, so an
 * unchanged store renders an unchanged file), and the leading `-` stops it being changed by phone.
 */
export function passwordFor(extension: string, secret: string): string {
  const digest = createHmac('sha256', secret).update(extension).digest();
  return `-${(digest.readUInt32BE(0) % 100_000_000).toString().padStart(8, '0')}`;
}

/** One mailbox line, or undefined when the entry cannot be written safely (it is then left out). */
export function mailboxLine(entry: MailboxEntry, secret: string): string | undefined {
  if (!EXTENSION.test(entry.extension)) return undefined;
  const email = entry.voicemail.email && isValidEmail(entry.voicemail.email) ? entry.voicemail.email : '';
  const options = [`attach=${entry.voicemail.attach ? 'yes' : 'no'}`, 'saycid=no', 'envelope=no'];
  return `${entry.extension} => ${passwordFor(entry.extension, secret)},${fullName(entry)},${email},,${options.join('|')}`;
}

const DESK: MailboxSettings = { enabled: true, mwi: true, email: null, attach: false };

/**
 * The whole include file: the enabled mailboxes among `entries`, then a front-desk mailbox for each of
 * `rooms` (every room of the hotel, voicemail or not).
 */
export function renderInclude(
  entries: MailboxEntry[],
  contexts: Contexts,
  secret: string,
  rooms: Iterable<string> = [],
): string {
  for (const c of [contexts.plain, contexts.mwi, contexts.desk])
    if (!CONTEXT.test(c)) throw new Error(`voicemail context ${JSON.stringify(c)} is not a valid name`);
  const enabled = entries
    .filter((e) => e.voicemail.enabled)
    .sort((a, b) => a.extension.localeCompare(b.extension));
  const section = (context: string, mwi: boolean): string[] => [
    `[${context}]`,
    ...enabled
      .filter((e) => e.voicemail.mwi === mwi)
      .map((e) => mailboxLine(e, secret))
      .filter((l): l is string => l !== undefined),
  ];
  const desk = [...rooms]
    .sort((a, b) => a.localeCompare(b))
    .map((extension) => mailboxLine({ extension, guestName: 'Front desk', voicemail: DESK }, secret))
    .filter((l): l is string => l !== undefined);
  return [
    "; The hotel rooms' mailboxes. WRITTEN BY THE PMS ENGINE from its database, rewritten at every",
    '; change and whenever it connects to Asterisk: do not edit, edits are lost. Included by',
    '; voicemail.conf. Rooms with the message lamp (Usevmwi: 1) are in the second context; the third',
    "; holds the front-desk lamp of every room (a marker while the PMS's message lamp is on).",
    '',
    ...section(contexts.plain, false),
    '',
    ...section(contexts.mwi, true),
    '',
    `[${contexts.desk}]`,
    ...desk,
    '',
  ].join('\n');
}
