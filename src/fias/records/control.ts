// Link control and resync records: LS, LD, LR, LA, LE ("Communications and Link Control", "Usage of
// LS LD LA LE Records") and DR, DS, DE ("Database Synchronization"). All carry the sender's DA/TI.
import { isFieldId, RECORD_ID } from '../codec/fields.js';
import type { FiasRecord } from '../record.js';
import { Reader, Writer, type Built, type Checked } from './check.js';
import {
  ascii,
  bad,
  formatDate,
  formatTime,
  INTERFACE_TYPES,
  oneOf,
  parseDate,
  parseTime,
  type FiasDate,
  type FiasTime,
  type InterfaceType,
  type Rule,
} from './values.js';

export interface Stamp {
  readonly date: FiasDate;
  readonly time: FiasTime;
}

/**
 * LS, LA, LE from the PMS and DS, DE: their DA/TI say when the sender wrote them and nothing more, so
 * they are optional; when present they must be a real date and time.
 */
export interface StampedRecord {
  readonly id: 'LS' | 'LA' | 'LE' | 'DS' | 'DE';
  readonly date?: FiasDate;
  readonly time?: FiasTime;
  readonly extra: ReadonlyMap<string, string>;
}

/** LD: who we are (V#, AN max 10) and what (IF, "IF - Interface Types"; PB for a PBX). */
export interface LinkDescription {
  readonly id: 'LD';
  readonly date: FiasDate;
  readonly time: FiasTime;
  readonly version: string;
  readonly interfaceType: InterfaceType;
  readonly extra: ReadonlyMap<string, string>;
}

/** LR: one record type (RI) and every field we use in it, both directions (FL, concatenated IDs). */
export interface LinkRecordDefinition {
  readonly id: 'LR';
  readonly recordId: string;
  readonly fieldIds: readonly string[];
  readonly extra: ReadonlyMap<string, string>;
}

/** DR: our request for a database resync (only after a local data loss, never periodically). */
export interface ResyncRequest {
  readonly id: 'DR';
  readonly date: FiasDate;
  readonly time: FiasTime;
  readonly extra: ReadonlyMap<string, string>;
}

export const parseVersion = ascii(10);
export const parseInterfaceType = oneOf(INTERFACE_TYPES, 'an interface type of the IF table');
export const parseRecordId: Rule<string> = (raw) => (RECORD_ID.test(raw) ? raw : bad('not a record ID'));

/** FL: field IDs of two characters each, at least one, none twice. */
export const parseFieldList: Rule<string[]> = (raw) => {
  if (raw.length === 0 || raw.length % 2 !== 0) return bad('not a list of 2-character field IDs');
  const ids = raw.match(/.{2}/g) ?? [];
  if (!ids.every(isFieldId)) return bad('holds a character that cannot be in a field ID');
  if (new Set(ids).size !== ids.length) return bad('names a field twice');
  return ids;
};

const STAMPED = ['LS', 'LA', 'LE', 'DS', 'DE'] as const;

export function validateStamped(record: FiasRecord): Checked<StampedRecord> {
  const id = STAMPED.find((x) => x === record.id);
  if (id === undefined) return { ok: false, message: `${record.id} is not LS, LA, LE, DS or DE` };
  const r = new Reader(record);
  const date = r.opt('DA', parseDate);
  const time = r.opt('TI', parseTime);
  return r.done((extra) => ({ id, date, time, extra }));
}

export function validateLD(record: FiasRecord): Checked<LinkDescription> {
  const r = new Reader(record);
  const date = r.req('DA', parseDate);
  const time = r.req('TI', parseTime);
  const version = r.req('V#', parseVersion);
  const interfaceType = r.req('IF', parseInterfaceType);
  return r.done((extra) => ({
    id: 'LD',
    date: date!,
    time: time!,
    version: version!,
    interfaceType: interfaceType!,
    extra,
  }));
}

export function validateLR(record: FiasRecord): Checked<LinkRecordDefinition> {
  const r = new Reader(record);
  const recordId = r.req('RI', parseRecordId);
  const fieldIds = r.req('FL', parseFieldList);
  return r.done((extra) => ({ id: 'LR', recordId: recordId!, fieldIds: fieldIds!, extra }));
}

export function validateDR(record: FiasRecord): Checked<ResyncRequest> {
  const r = new Reader(record);
  const date = r.req('DA', parseDate);
  const time = r.req('TI', parseTime);
  return r.done((extra) => ({ id: 'DR', date: date!, time: time!, extra }));
}

function stamped(id: string, stamp: Stamp): Writer {
  const w = new Writer(id);
  w.put('DA', formatDate(stamp.date));
  w.put('TI', formatTime(stamp.time));
  return w;
}

/** LS: start the link, or (while Alive) check it, at most once every 5 minutes ("Alive-Check"). */
export const buildLS = (stamp: Stamp): Built => stamped('LS', stamp).done();
/** LA: ends our LD/LR sequence ("LD - Link Description, LR - Link Record"). */
export const buildLA = (stamp: Stamp): Built => stamped('LA', stamp).done();
export const buildLE = (stamp: Stamp): Built => stamped('LE', stamp).done();
export const buildDR = (stamp: Stamp): Built => stamped('DR', stamp).done();

export interface LinkDescriptionInput extends Stamp {
  readonly version: string;
  /** Default PB: a PBX ("IF - Interface Types"). */
  readonly interfaceType?: InterfaceType;
}

export function buildLD(input: LinkDescriptionInput): Built {
  const w = stamped('LD', input);
  w.check('V#', input.version, parseVersion);
  w.check('IF', input.interfaceType ?? 'PB', parseInterfaceType);
  return w.done();
}

export interface LinkRecordInput {
  readonly recordId: string;
  readonly fieldIds: readonly string[];
}

/** LR: RI then FL, an order the spec fixes for this one record. */
export function buildLR(input: LinkRecordInput): Built {
  const w = new Writer('LR');
  w.check('RI', input.recordId, parseRecordId);
  if (!input.fieldIds.every((f) => f.length === 2)) w.fail('LR: bad FL: a field ID is not 2 characters');
  w.check('FL', input.fieldIds.join(''), parseFieldList);
  return w.done();
}
