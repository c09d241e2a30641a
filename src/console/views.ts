// What the console's pages show, read from the engine's own sources: every room of hotel.rooms with
// its state, messages and lamps; the wake-ups of today and tomorrow (the hotel's days) with every
// attempt. Plain JSON values, dates as epoch ms.
import type { RoomSet } from '../rooms/room-set.js';
import type { Room } from '../store/rooms.js';
import type { Attempt, Occurrence } from '../store/wakeup-records.js';
import { formatLocal } from '../time/zone.js';
import type { MessageCounts } from '../voicemail/count-store.js';

export interface RoomView {
  extension: string;
  occupied: boolean;
  guestName: string | null;
  checkedInAt: number | null;
  classOfService: number;
  dnd: { on: boolean; start: number | null; end: number | null };
  voicemail: { enabled: boolean; lamp: boolean };
  deskLamp: boolean;
  messages: { new: number; old: number };
}

export interface RoomSources {
  rooms: RoomSet;
  /** The rooms that are not clean (stored rows), and one room. */
  list(): Promise<Room[]>;
  get(extension: string): Promise<Room>;
  counts(): Promise<Map<string, MessageCounts>>;
  lamps(): Promise<string[]>;
}

const ms = (d: Date | null): number | null => (d ? d.getTime() : null);

function view(r: Room, counts: MessageCounts | undefined, deskLamp: boolean): RoomView {
  return {
    extension: r.extension,
    occupied: r.guestName !== null || r.checkedInAt !== null,
    guestName: r.guestName,
    checkedInAt: ms(r.checkedInAt),
    classOfService: r.classOfService,
    dnd: { on: r.dnd.on, start: ms(r.dnd.start), end: ms(r.dnd.end) },
    voicemail: { enabled: r.voicemail.enabled, lamp: r.voicemail.mwi },
    deskLamp,
    messages: { new: counts?.newMessages ?? 0, old: counts?.oldMessages ?? 0 },
  };
}

/** Every room of the hotel, in hotel.rooms order: three queries whatever its size. */
export async function roomBoard(src: RoomSources, clean: (ext: string) => Room): Promise<RoomView[]> {
  const [stored, counts, lamps] = await Promise.all([src.list(), src.counts(), src.lamps()]);
  const byExt = new Map(stored.map((r) => [r.extension, r]));
  const lit = new Set(lamps);
  return [...src.rooms].map((ext) => view(byExt.get(ext) ?? clean(ext), counts.get(ext), lit.has(ext)));
}

/** The given rooms only (after a change), skipping any not in hotel.rooms. */
export async function someRooms(src: RoomSources, extensions: Iterable<string>): Promise<RoomView[]> {
  const wanted = [...new Set(extensions)].filter((e) => src.rooms.has(e));
  if (!wanted.length) return [];
  const [counts, lamps] = await Promise.all([src.counts(), src.lamps()]);
  const lit = new Set(lamps);
  return Promise.all(wanted.map(async (e) => view(await src.get(e), counts.get(e), lit.has(e))));
}

export interface WakeupView {
  id: number;
  extension: string;
  localDate: string;
  localStart: string;
  dueAt: number;
  state: string;
  maxAttempts: number;
  attempts: number;
  nextAttemptAt: number | null;
  finishedAt: number | null;
  /** Failed for good: not answered, busy, failed or missed. */
  failed: boolean;
  calls: Array<{
    attempt: number;
    plannedAt: number;
    startedAt: number;
    answeredAt: number | null;
    endedAt: number | null;
    result: string | null;
    lateMs: number;
    detail: string | null;
  }>;
}

const FAILED = new Set(['busy', 'noanswer', 'failed', 'missed']);

/** Today and tomorrow in the hotel's zone (YYYY-MM-DD). */
export function hotelDays(now: number, timeZone: string): [string, string] {
  const today = formatLocal(new Date(now), timeZone).slice(0, 10);
  // Noon today plus a day is tomorrow whatever the zone's offset or DST change.
  const noon = Date.parse(`${today}T12:00:00Z`);
  return [today, new Date(noon + 86_400_000).toISOString().slice(0, 10)];
}

export function wakeupView(o: Occurrence & { calls: Attempt[] }): WakeupView {
  return {
    id: o.id,
    extension: o.extension,
    localDate: o.localDate,
    localStart: o.localStart,
    dueAt: o.dueAt,
    state: o.state,
    maxAttempts: o.maxAttempts,
    attempts: o.attempts,
    nextAttemptAt: o.nextAttemptAt,
    finishedAt: o.finishedAt,
    failed: FAILED.has(o.state),
    calls: o.calls.map((a) => ({
      attempt: a.attempt,
      plannedAt: a.plannedAt,
      startedAt: a.startedAt,
      answeredAt: a.answeredAt,
      endedAt: a.endedAt,
      result: a.result,
      lateMs: a.startedAt - a.plannedAt,
      detail: a.detail,
    })),
  };
}
