// Which call records become call charges for the PMS, and the PS each one is (FIAS "Posting
// Simple"): an answered outside call (billed seconds > 0, dialled with the outside code) from a room
// of this hotel that was checked in when the call started. Emergency numbers are never charged.
// DA/TI are the call's start in the hotel's time, PC/CT its call type (as "Examples Posting
// Simple"), DD the number after the outside code. The charge is either costed by the PMS (PT T with
// DU, the billed seconds: fias.callCharges duration) or by us (PT C with TA from the tariff table:
// amount).
import type { Config } from '../../config/index.js';
import { callType, type CallRecord, type CallType } from '../../cdr/classify.js';
import { costOf, type Tariffs } from '../../domain/tariffs.js';
import { formatLocal, parseLocal } from '../../time/zone.js';
import type { FiasDate, FiasTime, PostingCharge, PostingInput } from '../records/index.js';

/** How a charge is given to the PMS: its duration (the PMS costs it), or the amount of our tariff. */
export type Costing = { readonly mode: 'duration' } | { readonly mode: 'amount'; readonly tariffs: Tariffs };

export interface ChargeContext {
  numbering: Config['numbering'];
  isRoom: (extension: string) => boolean;
  cdrTimeZone: string;
  hotelTimeZone: string;
  costing: Costing;
}

type Outside = Exclude<CallType, 'free'>;
const PC = { local: 'L', longdistance: 'N', international: 'I' } as const;
const CT = { local: 'Local', longdistance: 'National', international: 'International' } as const;

/** A posting for `call` (its P# still to come), or why there is none. */
export function postingFor(
  call: CallRecord,
  ctx: ChargeContext,
  checkedInAt: (room: string) => Date | null,
): Omit<PostingInput, 'postingNumber'> | string {
  if (!ctx.isRoom(call.src)) return 'not from a room';
  if (call.disposition.toUpperCase() !== 'ANSWERED' || call.billsec <= 0) return 'not answered';
  const type = callType(call.dst, ctx.numbering);
  if (type === 'free') return 'not an outside call';
  const out = ctx.numbering.outsideCode;
  const dialled = call.dst.slice(out.length);
  if (ctx.numbering.emergencyNumbers.some((n) => n === call.dst || n === dialled))
    return 'emergency call: never charged';
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
    charge: chargeOf(type, dialled, call.billsec, ctx.costing),
    callType: PC[type],
    clearText: CT[type],
  };
}

function chargeOf(type: Outside, dialled: string, billsec: number, costing: Costing): PostingCharge {
  if (costing.mode === 'duration') return { type: 'duration', dialledDigits: dialled, durationSec: billsec };
  return { type: 'amount', amount: costOf(billsec, costing.tariffs[type]), dialledDigits: dialled };
}
