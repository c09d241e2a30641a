// Call records as the PMS sees them (seed 000 §5.4.10): each cdr row becomes
// src,dst,trunk,callstart,talkstart,callend,duration,billsec,calltype,disposition,direction.
// The same rules run in SQL for filtering (query.ts); keep the two in step.
import type { Config } from '../config/index.js';
import { formatLocal, parseLocal } from '../time/zone.js';

export type CallType = 'free' | 'local' | 'longdistance' | 'international';
export const CALL_TYPES: readonly CallType[] = ['free', 'local', 'longdistance', 'international'];

/** calltype from the dialled number: without the outside code a call stays inside (free). */
export function callType(dst: string, n: Config['numbering']): CallType {
  const out = n.outsideCode;
  const rest = dst.startsWith(out) && dst.length > out.length ? dst.slice(out.length) : undefined;
  if (n.emergencyNumbers.includes(dst) || (rest !== undefined && n.emergencyNumbers.includes(rest)))
    return 'local';
  if (rest === undefined) return 'free';
  if (rest.startsWith(n.internationalPrefix)) return 'international';
  if (n.localAreaCode !== '' && rest.startsWith(n.localAreaCode)) return 'local';
  if (rest.startsWith(n.nationalPrefix)) return 'longdistance';
  return 'local';
}

/** The trunk-like name of a CDR channel: `PJSIP/<name>-<id>` → name, `Local/<n>@<context>-<id>;1` → context. */
export function channelName(channel: string): string {
  const at = channel.indexOf('@');
  const body = at >= 0 ? channel.slice(at + 1) : channel.slice(channel.indexOf('/') + 1);
  return body.replace(/;\d+$/, '').replace(/-[0-9a-f]+$/i, '');
}

/** Seed 000 §5.4.10: 8 answered, 2 busy, 4 no answer, 1 failed (congestion and anything else too). */
export function dispositionCode(disposition: string): 1 | 2 | 4 | 8 {
  switch (disposition.toUpperCase()) {
    case 'ANSWERED':
      return 8;
    case 'BUSY':
      return 2;
    case 'NO ANSWER':
      return 4;
    default:
      return 1;
  }
}

export interface CdrRow {
  /** calldate as written by Asterisk, `YYYY-MM-DD hh:mm:ss` in its own time zone. */
  calldate: string;
  src: string;
  dst: string;
  channel: string;
  dstchannel: string;
  duration: number;
  billsec: number;
  disposition: string;
}

/** The columns of a call record a FIAS call charge needs (asterisk-conf/sql/cdr.sql). */
export interface CallRecord {
  id: number;
  /** `YYYY-MM-DD hh:mm:ss` in cdr.timeZone. */
  calldate: string;
  src: string;
  dst: string;
  billsec: number;
  disposition: string;
}

export interface RecordContext {
  numbering: Config['numbering'];
  trunks: ReadonlySet<string>;
  /** Zone of calldate, and the hotel's (what the PMS reads). */
  cdrTimeZone: string;
  hotelTimeZone: string;
}

/** One record, fields in the seed's order; `,` and `&` in values (never in a sane CDR) become `_`. */
export function toRecord(row: CdrRow, ctx: RecordContext): string {
  const outTrunk = channelName(row.dstchannel);
  const inTrunk = channelName(row.channel);
  const direction =
    row.dstchannel && ctx.trunks.has(outTrunk) ? 1 : row.channel && ctx.trunks.has(inTrunk) ? 2 : 0;
  const trunk = direction === 1 ? outTrunk : direction === 2 ? inTrunk : '';
  const start = parseLocal(row.calldate, ctx.cdrTimeZone)?.getTime();
  const zone = ctx.hotelTimeZone;
  // Written out rather than mapped over: this runs once per exported record. Times, numbers and the
  // call type are the engine's own text and never hold the characters `safe` replaces.
  return (
    `${safe(row.src)},${safe(row.dst)},${safe(trunk)},${at(start, 0, zone)},` +
    `${row.billsec > 0 ? at(start, row.duration - row.billsec, zone) : ''},${at(start, row.duration, zone)},` +
    `${safe(String(row.duration))},${safe(String(row.billsec))},${callType(row.dst, ctx.numbering)},` +
    `${dispositionCode(row.disposition)},${direction}`
  );
}

const UNSAFE = /[,&\r\n]/g;
function safe(value: string): string {
  return value.replace(UNSAFE, '_');
}

/** The hotel's wall clock `offsetSec` after `start` (epoch ms), '' without a start. */
function at(start: number | undefined, offsetSec: number, zone: string): string {
  return start === undefined ? '' : formatLocal(new Date(start + offsetSec * 1000), zone);
}
