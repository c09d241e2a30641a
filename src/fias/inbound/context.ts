// What every FIAS record handler of the room core shares: its dependencies, the options the wiring
// maps from the configuration, the room check, the CS mapping, and the typed refusal.
import type { Logger } from 'pino';
import type { FiasClassMap } from '../../config/index.js';
import type { RoomService } from '../../rooms/service.js';
import type { FiasGuestRepo } from '../../store/fias-guests.js';
import type { FiasLampRepo } from '../../store/fias-lamps.js';
import type { FiasWakeupRepo } from '../../store/fias-wakeups.js';
import type { ClassOfService } from '../../store/rooms.js';
import type { WakeupService } from '../../wakeup/service.js';
import type { ClassOfService as FiasClass, PostingAnswer } from '../records/index.js';

/** 0 barred → 1 this PBX only, 1 local → 3, 2 national → 4, 3 unrestricted → 5 (docs/fias.md). */
export const DEFAULT_CLASS_MAP: FiasClassMap = { '0': 1, '1': 3, '2': 4, '3': 5 };
export const DEFAULT_WAKEUP_ATTEMPTS = 3;

export interface FiasInboundOptions {
  /** FIAS CS ("CS - Class of Service (COS)") → our ExtenLimit class (seed 000 §5.4.1). */
  classMap?: FiasClassMap;
  /** Attempts of a FIAS wake-up (5 minutes apart, as an AlarmClock strategy's default). */
  wakeupAttempts?: number;
  /** The hotel's zone: WR's DA/TI are its wall-clock time. */
  timeZone: string;
}

export interface FiasInboundDeps extends FiasInboundOptions {
  rooms: RoomService;
  guests: FiasGuestRepo;
  lamps: FiasLampRepo;
  wakeups: Pick<WakeupService, 'addOnce' | 'cancelSome'>;
  fiasWakeups: FiasWakeupRepo;
  log: Logger;
  now?: () => number;
  /** The PMS's answers to our call charges (src/fias/postings/pump.ts), in order with the rest. */
  postingAnswer?: (pa: PostingAnswer) => void;
  /** Shows the room's front-desk lamp as the store now has it, once an RE ML is committed. */
  showLamp?: (room: string) => Promise<void>;
}

/**
 * A record the room core does not apply (unknown room, unknown reservation, a name it cannot show):
 * logged as a warning, nothing applied. Not an engine fault, so FiasInbound.handle resolves.
 */
export class FiasRefusal extends Error {
  override readonly name = 'FiasRefusal';
  constructor(
    message: string,
    readonly context: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export class InboundContext {
  readonly classMap: FiasClassMap;
  readonly wakeupAttempts: number;
  readonly now: () => number;
  /** Between DS and DE ("Database Synchronization"). */
  resyncing = false;
  /** Room → reservations (G#, '' room-based) a GI or GC named since the DS: the DE keeps these. */
  readonly named = new Map<string, Set<string>>();

  constructor(readonly deps: FiasInboundDeps) {
    this.classMap = deps.classMap ?? DEFAULT_CLASS_MAP;
    this.wakeupAttempts = deps.wakeupAttempts ?? DEFAULT_WAKEUP_ATTEMPTS;
    this.now = deps.now ?? Date.now;
  }

  get log(): Logger {
    return this.deps.log;
  }

  /** RN/RO must be a room of this hotel before anything is read or written for it. */
  requireRoom(room: string, field = 'RN'): string {
    if (!this.deps.rooms.rooms.has(room))
      throw new FiasRefusal(`${field} ${room} is not a room extension of this hotel`, { room });
    return room;
  }

  /** A GI or GC of the resync named this guest: the DE keeps it. */
  keep(room: string, reservation: string): void {
    const set = this.named.get(room) ?? new Set<string>();
    set.add(reservation);
    this.named.set(room, set);
  }

  classOf(cs: FiasClass): ClassOfService {
    return this.classMap[String(cs) as keyof FiasClassMap];
  }
}
