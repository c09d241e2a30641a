// RE, room equipment ("Room Data"), both ways. From the PMS: CS class of service, DN do-not-disturb,
// ML message lamp (and, with SF, in a resync). To the PMS: RS room/maid status, ID who set it, VM the
// voicemail state. Any mix of them may share one record ("Room Data": several statuses at once).
import type { FiasRecord } from '../record.js';
import { Reader, Writer, type Built, type Checked } from './check.js';
import {
  formatVoicemail,
  parseClassOfService,
  parseReservation,
  parseRoom,
  parseRoomStatus,
  parseVoicemail,
  parseYesNo,
  text,
  type ClassOfService,
  type RoomStatus,
  type Voicemail,
} from './values.js';

export interface RoomEquipment {
  readonly id: 'RE';
  readonly room: string;
  readonly classOfService?: ClassOfService;
  readonly dnd?: boolean;
  readonly messageLight?: boolean;
  readonly roomStatus?: RoomStatus;
  readonly maidId?: string;
  readonly voicemail?: Voicemail;
  /** G#: a guest-based message lamp. */
  readonly reservation?: string;
  readonly resync: boolean;
  readonly extra: ReadonlyMap<string, string>;
}

/** ID, the user who changed the status: ANS max 16. */
export const parseMaidId = text(16, 1);

export function validateRE(record: FiasRecord): Checked<RoomEquipment> {
  const r = new Reader(record);
  const room = r.req('RN', parseRoom);
  const value = {
    classOfService: r.opt('CS', parseClassOfService),
    dnd: r.opt('DN', parseYesNo),
    messageLight: r.opt('ML', parseYesNo),
    roomStatus: r.opt('RS', parseRoomStatus),
    maidId: r.opt('ID', parseMaidId),
    voicemail: r.opt('VM', parseVoicemail),
    reservation: r.opt('G#', parseReservation),
    resync: r.flag('SF'),
  };
  return r.done((extra) => ({ id: 'RE', room: room!, ...value, extra }));
}

export interface RoomEquipmentInput {
  readonly room: string;
  readonly roomStatus?: RoomStatus;
  readonly maidId?: string;
  readonly voicemail?: Voicemail;
}

/** RE to the PMS: RN, then RS, ID, VM as given. DN cannot be sent to the PMS ("Room Data"). */
export function buildRE(input: RoomEquipmentInput): Built {
  const w = new Writer('RE');
  w.check('RN', input.room, parseRoom);
  if (input.roomStatus === undefined && input.maidId === undefined && input.voicemail === undefined)
    w.fail('RE: nothing to send (no RS, ID or VM)');
  if (input.roomStatus !== undefined) w.check('RS', String(input.roomStatus), parseRoomStatus);
  if (input.maidId !== undefined) w.check('ID', input.maidId, parseMaidId);
  if (input.voicemail !== undefined) w.put('VM', formatVoicemail(input.voicemail));
  return w.done();
}
