// Which call records become call charges for the PMS, and the PS each one is (FIAS "Posting
// Simple"): an answered outside call (billed seconds > 0, dialled with the outside code) from a room
// of this hotel that was checked in when the call started. The PMS costs it (PT T): DD the number
// after the outside code, DU the billed seconds, DA/TI the call's start in the hotel's time.
import type { Config } from '../../config/index.js';
import { callType, type CallRecord } from '../../cdr/classify.js';
import { formatLocal, parseLocal } from '../../time/zone.js';
import type { FiasDate, FiasTime, PostingInput } from '../records/index.js';

export interface ChargeContext {
  numbering: Config['numbering'];
  isRoom: (extension: string) => boolean;
  cdrTimeZone: string;
  hotelTimeZone: string;
}

/** A posting for `call` (its P# still to come), or why there is none. */
export function postingFor(
  call: CallRecord,
  ctx: ChargeContext,
  checkedInAt: (room: string) => Date | null,
): Omit<PostingInput, 'postingNumber'> | string {
  if (!ctx.isRoom(call.src)) return 'not from a room';
  if (call.disposition.toUpperCase() !== 'ANSWERED' || call.billsec <= 0) return 'not answered';
  if (callType(call.dst, ctx.numbering) === 'free') return 'not an outside call';
  const out = ctx.numbering.outsideCode;
  const dialled = call.dst.slice(out.length);
  if (!/^\d{1,20}$/.test(dialled)) return 'dialled number is not 1-20 digits';
  const start = parseLocal(call.calldate, ctx.cdrTimeZone);
  if (!start) return `call start ${JSON.stringify(call.calldate)} unreadable`;
  const since = checkedInAt(call.src);
  if (since === null || since.getTime() > start.getTime() + 1_000) return 'room not checked in at the call';
  const local = formatLocal(start, ctx.hotelTimeZone); // YYYY-MM-DD hh:mm:ss
  const date: FiasDate = {
    year: Number(local.slice(0, 4)),
    month: Number(local.slice(5, 7)),
    day: Number(local.slice(8, 10)),
  };
  const time: FiasTime = {
    hour: Number(local.slice(11, 13)),
    minute: Number(local.slice(14, 16)),
    second: Number(local.slice(17, 19)),
  };
  return {
    room: call.src,
    date,
    time,
    charge: { type: 'duration', dialledDigits: dialled, durationSec: call.billsec },
  };
}
