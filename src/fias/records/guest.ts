// Guest records from the PMS ("Guest Data": GI check-in, GO check-out, GC data change or room move).
// RN is the only field every one of them needs; G# and GS matter when the hotel has sharers. SF marks
// a record of a database resync: compare and update, with no side effects ("Database Synchronization").
import { OLD_ROOM_SHARE } from '../codec/index.js';
import type { FiasRecord } from '../record.js';
import { Reader, type Checked } from './check.js';
import {
  parseClassOfService,
  parseDate,
  parseReservation,
  parseRoom,
  parseTime,
  parseYesNo,
  text,
  type ClassOfService,
  type FiasDate,
  type FiasTime,
} from './values.js';

/** What GI and GC share: the guest's data. Name parts are any printable text of the code page. */
export interface GuestData {
  readonly room: string;
  readonly reservation?: string;
  /** GS: another reservation shares the room. */
  readonly shared?: boolean;
  /** GN (max 200), GF first name (max 80), GT title (max 20). */
  readonly name?: string;
  readonly firstName?: string;
  readonly title?: string;
  /** GL: a code of "GL - Guest Languages" (EA, GE, FR…), max 10. */
  readonly language?: string;
  readonly classOfService?: ClassOfService;
  readonly arrival?: FiasDate;
  readonly departure?: FiasDate;
  readonly date?: FiasDate;
  readonly time?: FiasTime;
  /** SF present: part of a database resync. */
  readonly resync: boolean;
  readonly extra: ReadonlyMap<string, string>;
}

export interface GuestIn extends GuestData {
  readonly id: 'GI';
}

/** GC. With RO it is a room move from RO to RN; `oldRoomShared` is the GS sent right after RO. */
export interface GuestChange extends GuestData {
  readonly id: 'GC';
  readonly oldRoom?: string;
  readonly oldRoomShared?: boolean;
}

/** GO carries the room and, guest-based, G# and GS; in a resync often RN and SF alone. */
export interface GuestOut {
  readonly id: 'GO';
  readonly room: string;
  readonly reservation?: string;
  readonly shared?: boolean;
  readonly date?: FiasDate;
  readonly time?: FiasTime;
  readonly resync: boolean;
  readonly extra: ReadonlyMap<string, string>;
}

function guestData(r: Reader): Omit<GuestData, 'extra'> {
  return {
    room: r.req('RN', parseRoom)!,
    reservation: r.opt('G#', parseReservation),
    shared: r.opt('GS', parseYesNo),
    name: r.opt('GN', text(200)),
    firstName: r.opt('GF', text(80)),
    title: r.opt('GT', text(20)),
    language: r.opt('GL', text(10)),
    classOfService: r.opt('CS', parseClassOfService),
    arrival: r.opt('GA', parseDate),
    departure: r.opt('GD', parseDate),
    date: r.opt('DA', parseDate),
    time: r.opt('TI', parseTime),
    resync: r.flag('SF'),
  };
}

export function validateGI(record: FiasRecord): Checked<GuestIn> {
  const r = new Reader(record);
  const data = guestData(r);
  return r.done((extra) => ({ id: 'GI', ...data, extra }));
}

export function validateGC(record: FiasRecord): Checked<GuestChange> {
  const r = new Reader(record);
  const data = guestData(r);
  const oldRoom = r.opt('RO', parseRoom);
  const oldRoomShared = r.opt(OLD_ROOM_SHARE, parseYesNo);
  return r.done((extra) => ({ id: 'GC', ...data, oldRoom, oldRoomShared, extra }));
}

export function validateGO(record: FiasRecord): Checked<GuestOut> {
  const r = new Reader(record);
  const room = r.req('RN', parseRoom);
  const reservation = r.opt('G#', parseReservation);
  const shared = r.opt('GS', parseYesNo);
  const date = r.opt('DA', parseDate);
  const time = r.opt('TI', parseTime);
  const resync = r.flag('SF');
  return r.done((extra) => ({ id: 'GO', room: room!, reservation, shared, date, time, resync, extra }));
}
