// Wake-up records ("Wakeup"): WR sets and WC clears a wake-up (either side may send them), WA is the
// one final answer per wake-up, after the last attempt. WA's DA/TI are the requested time as the WR
// carried it, seconds included, never the clock time: that is how the PMS pairs answer and request.
import type { FiasRecord } from '../record.js';
import { Reader, Writer, type Built, type Checked } from './check.js';
import type { Stamp } from './control.js';
import {
  formatDate,
  formatTime,
  oneOf,
  parseDate,
  parseRoom,
  parseTime,
  type FiasDate,
  type FiasTime,
} from './values.js';

export interface WakeupRequest {
  readonly id: 'WR';
  readonly room: string;
  readonly date: FiasDate;
  readonly time: FiasTime;
  readonly extra: ReadonlyMap<string, string>;
}

/** WC: one wake-up (`at`), or, with DA and TI both empty, every wake-up of the room (`at` absent). */
export interface WakeupClear {
  readonly id: 'WC';
  readonly room: string;
  readonly at?: Stamp;
  readonly extra: ReadonlyMap<string, string>;
}

/**
 * WA's AS, from "AS - Answer Statuses": OK, NR no response, BY busy, DE deleted, UR unprocessable. RY
 * (retry) is left out on purpose: WA must be final, an intermediate result would be taken as the end.
 */
export const WAKEUP_ANSWERS = ['OK', 'NR', 'BY', 'DE', 'UR'] as const;
export type WakeupAnswerStatus = (typeof WAKEUP_ANSWERS)[number];
export const parseWakeupAnswer = oneOf(WAKEUP_ANSWERS, 'a wake-up answer (OK, NR, BY, DE, UR)');

export interface WakeupAnswer {
  readonly id: 'WA';
  readonly room: string;
  readonly date: FiasDate;
  readonly time: FiasTime;
  readonly status: WakeupAnswerStatus;
  readonly extra: ReadonlyMap<string, string>;
}

export function validateWR(record: FiasRecord): Checked<WakeupRequest> {
  const r = new Reader(record);
  const room = r.req('RN', parseRoom);
  const date = r.req('DA', parseDate);
  const time = r.req('TI', parseTime);
  return r.done((extra) => ({ id: 'WR', room: room!, date: date!, time: time!, extra }));
}

/**
 * WC needs DA and TI present: both empty clears all (the spec's "clear all" form), both set clears one.
 * A WC without them is refused rather than read as "clear all": clearing every wake-up of a room is
 * not something to do on a record that merely lost its fields.
 */
export function validateWC(record: FiasRecord): Checked<WakeupClear> {
  const r = new Reader(record);
  const room = r.req('RN', parseRoom);
  const da = r.take('DA');
  const ti = r.take('TI');
  if (da === undefined) r.fail('WC without DA');
  else if (ti === undefined) r.fail('WC without TI');
  else if ((da === '') !== (ti === '')) r.fail('WC with only one of DA and TI empty');
  let at: Stamp | undefined;
  if (!r.failed && da !== '') {
    const date = parseDate(da!);
    const time = parseTime(ti!);
    if ('bad' in date) r.fail(`WC with a bad DA ${JSON.stringify(da)}: ${date.bad}`);
    else if ('bad' in time) r.fail(`WC with a bad TI ${JSON.stringify(ti)}: ${time.bad}`);
    else at = { date, time };
  }
  return r.done((extra) => ({ id: 'WC', room: room!, at, extra }));
}

export function validateWA(record: FiasRecord): Checked<WakeupAnswer> {
  const r = new Reader(record);
  const room = r.req('RN', parseRoom);
  const date = r.req('DA', parseDate);
  const time = r.req('TI', parseTime);
  const status = r.req('AS', parseWakeupAnswer);
  return r.done((extra) => ({ id: 'WA', room: room!, date: date!, time: time!, status: status!, extra }));
}

export interface WakeupAnswerInput {
  readonly room: string;
  /** The requested wake-up, as the WR gave it. */
  readonly date: FiasDate;
  readonly time: FiasTime;
  readonly status: WakeupAnswerStatus;
}

export function buildWA(input: WakeupAnswerInput): Built {
  const w = new Writer('WA');
  w.check('RN', input.room, parseRoom);
  w.put('DA', formatDate(input.date));
  w.put('TI', formatTime(input.time));
  w.check('AS', input.status, parseWakeupAnswer);
  return w.done();
}
