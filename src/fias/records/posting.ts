// Call charges ("SPA & other charge systems", "Posting Simple", "Posting Answer"). We send PS, one at
// a time, and wait for its PA (30 s at least, "Time outs waiting for Responses"); P# pairs them.
// A telephone charge is either costed by the PMS (PT T: dialled digits and duration, or meter pulses)
// or costed by us (PT C with the amount TA, in minor units without a decimal point).
import type { FiasRecord } from '../record.js';
import { Reader, Writer, type Built, type Checked } from './check.js';
import {
  bad,
  digits,
  formatAmount,
  formatDate,
  formatDuration,
  formatPostingNumber,
  formatTime,
  isBad,
  oneOf,
  parseAmount,
  parseAnswerStatus,
  parseDate,
  parseDuration,
  parsePostingNumber,
  parseRoom,
  parseTime,
  text,
  type AnswerStatus,
  type Bad,
  type FiasDate,
  type FiasTime,
  type Rule,
} from './values.js';

/** DD: dialled digits, unformatted (N, max 20). */
export const parseDialledDigits = digits(20);
/** MP: meter or tax pulses (N, max 10). */
export const parsePulses: Rule<number> = (raw) => {
  const d = digits(10)(raw);
  return isBad(d) ? d : Number(d);
};
const formatPulses = (n: number): string | Bad =>
  Number.isInteger(n) && n >= 0 && n <= 9_999_999_999
    ? String(n)
    : bad('not a pulse count of at most 10 digits');
/** SO: the sales outlet (N, max 5), needed when one interface posts more than one posting type. */
export const parseSalesOutlet = digits(5);
/** CT in PS: ANS max 20. */
export const parsePostingText = text(20);
/** PC ("Posting Call Type", AN 1): L local, N national, I international, as in "Examples Posting Simple". */
export const POSTING_CALL_TYPES = ['L', 'N', 'I'] as const;
export type PostingCallType = (typeof POSTING_CALL_TYPES)[number];
const parsePostingCallType = oneOf(POSTING_CALL_TYPES, 'L, N or I');

export type PostingCharge =
  | { readonly type: 'duration'; readonly dialledDigits: string; readonly durationSec: number } // PT T, DD + DU
  | { readonly type: 'pulses'; readonly pulses: number; readonly dialledDigits?: string } // PT T, MP
  | { readonly type: 'amount'; readonly amount: number; readonly dialledDigits?: string }; // PT C, TA

export interface Posting {
  readonly id: 'PS';
  readonly room: string;
  /** DA/TI: the start of the call ("Examples Posting Simple"). */
  readonly date: FiasDate;
  readonly time: FiasTime;
  readonly postingNumber: number;
  readonly charge: PostingCharge;
  readonly callType?: PostingCallType;
  readonly clearText?: string;
  readonly salesOutlet?: string;
  readonly extra: ReadonlyMap<string, string>;
}

export interface PostingAnswer {
  readonly id: 'PA';
  readonly status: AnswerStatus;
  /** Echo of our P#; without it an answer cannot be paired with its posting, so it is required. */
  readonly postingNumber: number;
  /** CT: why, on errors. The spec says max 50, but OPERA sends longer: not bounded here. */
  readonly clearText?: string;
  readonly room?: string;
  readonly date?: FiasDate;
  readonly time?: FiasTime;
  readonly extra: ReadonlyMap<string, string>;
}

function readCharge(r: Reader): PostingCharge | undefined {
  const pt = r.req('PT', oneOf(['T', 'C'] as const, 'T or C (M, minibar, is not ours)'));
  const dd = r.opt('DD', parseDialledDigits);
  const du = r.opt('DU', parseDuration);
  const mp = r.opt('MP', parsePulses);
  const ta = r.opt('TA', parseAmount);
  const refuse = (message: string): undefined => void r.fail(message);
  if (r.failed) return undefined;
  if (pt === 'C')
    return ta === undefined
      ? refuse('PS with PT C without TA')
      : { type: 'amount', amount: ta, dialledDigits: dd };
  if (du !== undefined && mp !== undefined)
    return refuse('PS with PT T with both DU and MP: one costing method');
  if (mp !== undefined) return { type: 'pulses', pulses: mp, dialledDigits: dd };
  if (du === undefined) return refuse('PS with PT T without DU or MP');
  if (dd === undefined) return refuse('PS with PT T and DU without DD');
  return { type: 'duration', dialledDigits: dd, durationSec: du };
}

export function validatePS(record: FiasRecord): Checked<Posting> {
  const r = new Reader(record);
  const room = r.req('RN', parseRoom);
  const date = r.req('DA', parseDate);
  const time = r.req('TI', parseTime);
  const postingNumber = r.req('P#', parsePostingNumber);
  const charge = readCharge(r);
  const callType = r.opt('PC', parsePostingCallType);
  const clearText = r.opt('CT', parsePostingText);
  const salesOutlet = r.opt('SO', parseSalesOutlet);
  return r.done((extra) => ({
    id: 'PS',
    room: room!,
    date: date!,
    time: time!,
    postingNumber: postingNumber!,
    charge: charge!,
    callType,
    clearText,
    salesOutlet,
    extra,
  }));
}

export function validatePA(record: FiasRecord): Checked<PostingAnswer> {
  const r = new Reader(record);
  const status = r.req('AS', parseAnswerStatus);
  const postingNumber = r.req('P#', parsePostingNumber);
  const clearText = r.opt('CT', text(2000));
  const room = r.opt('RN', parseRoom);
  const date = r.opt('DA', parseDate);
  const time = r.opt('TI', parseTime);
  return r.done((extra) => ({
    id: 'PA',
    status: status!,
    postingNumber: postingNumber!,
    clearText,
    room,
    date,
    time,
    extra,
  }));
}

export interface PostingInput {
  readonly room: string;
  readonly date: FiasDate;
  readonly time: FiasTime;
  readonly postingNumber: number;
  readonly charge: PostingCharge;
  readonly callType?: PostingCallType;
  readonly clearText?: string;
  readonly salesOutlet?: string;
}

/** PS: RN, DA, TI, P#, PT, then the charge's fields, PC, CT and SO. */
export function buildPS(input: PostingInput): Built {
  const w = new Writer('PS');
  w.check('RN', input.room, parseRoom);
  w.put('DA', formatDate(input.date));
  w.put('TI', formatTime(input.time));
  w.put('P#', formatPostingNumber(input.postingNumber));
  const c = input.charge;
  w.put('PT', c.type === 'amount' ? 'C' : 'T');
  if (c.dialledDigits !== undefined) w.check('DD', c.dialledDigits, parseDialledDigits);
  if (c.type === 'duration') w.put('DU', formatDuration(c.durationSec));
  else if (c.type === 'pulses') w.put('MP', formatPulses(c.pulses));
  else w.put('TA', formatAmount(c.amount));
  if (input.callType !== undefined) w.check('PC', input.callType, parsePostingCallType);
  if (input.clearText !== undefined) w.check('CT', input.clearText, parsePostingText);
  if (input.salesOutlet !== undefined) w.check('SO', input.salesOutlet, parseSalesOutlet);
  return w.done();
}
