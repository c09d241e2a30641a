// Typed FIAS records: one pure validator per record type the engine uses (FiasRecord → typed value or
// a specific message) and builders for the ones it sends. The link layer receives records from the
// codec, validates them here, and hands typed values on; unknown record IDs are its decision.
import type { FiasRecord } from '../record.js';
import type { Checked } from './check.js';
import {
  validateDR,
  validateLD,
  validateLR,
  validateStamped,
  type LinkDescription,
  type LinkRecordDefinition,
  type ResyncRequest,
  type StampedRecord,
} from './control.js';
import {
  validateGC,
  validateGI,
  validateGO,
  type GuestChange,
  type GuestIn,
  type GuestOut,
} from './guest.js';
import { validatePA, validatePS, type Posting, type PostingAnswer } from './posting.js';
import { validateRE, type RoomEquipment } from './room.js';
import {
  validateWA,
  validateWC,
  validateWR,
  type WakeupAnswer,
  type WakeupClear,
  type WakeupRequest,
} from './wakeup.js';

/** Every record the engine reads or writes, discriminated by `id`. */
export type FiasMessage =
  | StampedRecord
  | LinkDescription
  | LinkRecordDefinition
  | ResyncRequest
  | GuestIn
  | GuestOut
  | GuestChange
  | RoomEquipment
  | WakeupRequest
  | WakeupClear
  | WakeupAnswer
  | Posting
  | PostingAnswer;

export type FiasMessageId = FiasMessage['id'];

const VALIDATORS: Record<FiasMessageId, (record: FiasRecord) => Checked<FiasMessage>> = {
  LS: validateStamped,
  LA: validateStamped,
  LE: validateStamped,
  DS: validateStamped,
  DE: validateStamped,
  LD: validateLD,
  LR: validateLR,
  DR: validateDR,
  GI: validateGI,
  GO: validateGO,
  GC: validateGC,
  RE: validateRE,
  WR: validateWR,
  WC: validateWC,
  WA: validateWA,
  PS: validatePS,
  PA: validatePA,
};

export const FIAS_MESSAGE_IDS = Object.keys(VALIDATORS) as FiasMessageId[];

export function isFiasMessageId(id: string): id is FiasMessageId {
  return Object.hasOwn(VALIDATORS, id);
}

/** Validates a record of any type the engine uses; another record ID is refused as unknown. */
export function validateRecord(record: FiasRecord): Checked<FiasMessage> {
  if (!isFiasMessageId(record.id))
    return { ok: false, message: `Record ${record.id} is not one the engine uses` };
  return VALIDATORS[record.id](record);
}

export type { Built, Checked } from './check.js';
export {
  buildDR,
  buildLA,
  buildLD,
  buildLE,
  buildLR,
  buildLS,
  validateDR,
  validateLD,
  validateLR,
  validateStamped,
  type LinkDescription,
  type LinkDescriptionInput,
  type LinkRecordDefinition,
  type LinkRecordInput,
  type ResyncRequest,
  type Stamp,
  type StampedRecord,
} from './control.js';
export {
  validateGC,
  validateGI,
  validateGO,
  type GuestChange,
  type GuestData,
  type GuestIn,
  type GuestOut,
} from './guest.js';
export {
  buildPS,
  validatePA,
  validatePS,
  type Posting,
  type PostingAnswer,
  type PostingCharge,
  type PostingInput,
} from './posting.js';
export { buildRE, validateRE, type RoomEquipment, type RoomEquipmentInput } from './room.js';
export {
  buildWA,
  validateWA,
  validateWC,
  validateWR,
  WAKEUP_ANSWERS,
  type WakeupAnswer,
  type WakeupAnswerInput,
  type WakeupAnswerStatus,
  type WakeupClear,
  type WakeupRequest,
} from './wakeup.js';
export {
  ANSWER_STATUSES,
  isBad,
  formatDate,
  formatDuration,
  formatTime,
  INTERFACE_TYPES,
  isValidDate,
  isValidTime,
  parseDate,
  parseDuration,
  parseTime,
  ROOM_STATUSES,
  type AnswerStatus,
  type Bad,
  type ClassOfService,
  type FiasDate,
  type FiasTime,
  type InterfaceType,
  type RoomStatus,
  type Voicemail,
} from './values.js';
