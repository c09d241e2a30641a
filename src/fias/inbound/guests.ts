// The guest list of a room and what the room shows of it, shared by GI, GO and GC ("Guest Data").
import type { FiasGuest } from '../../store/fias-guests.js';
import { primaryGuest } from '../../store/fias-guests.js';
import type { GuestData } from '../records/index.js';
import { callerName } from './guest-name.js';

/** The reservation key: G#, or '' for a room-based PMS that sends none. */
export const reservationOf = (r: { reservation?: string }): string => r.reservation ?? '';

/**
 * The guest after a GI/GC: the fields the record carries replace the stored ones, the others stay
 * ("Guest Data": only statuses listed in the record change). A new guest starts from nothing.
 */
export function mergeGuest(
  existing: FiasGuest | undefined,
  msg: GuestData,
  room: string,
  sharer: boolean,
  now: number,
): FiasGuest {
  return {
    room,
    reservation: reservationOf(msg),
    name: msg.name ?? existing?.name ?? null,
    firstName: msg.firstName ?? existing?.firstName ?? null,
    title: msg.title ?? existing?.title ?? null,
    language: msg.language ?? existing?.language ?? null,
    sharer: existing?.sharer ?? sharer,
    createdAt: existing?.createdAt ?? now,
  };
}

/** `guests` with `guest` in place of the same reservation (its arrival order kept) or added last. */
export function withGuest(guests: readonly FiasGuest[], guest: FiasGuest): FiasGuest[] {
  const i = guests.findIndex((g) => g.reservation === guest.reservation);
  return i < 0 ? [...guests, guest] : guests.map((g, j) => (j === i ? guest : g));
}

/** The room's displayed name: its primary guest's caller name. */
export function displayName(guests: readonly FiasGuest[], room: string): string {
  return callerName(primaryGuest(guests), room);
}
