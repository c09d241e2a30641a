// The FIAS room core put together for the engine: the records from the PMS applied through the room
// service (src/fias/inbound/), the durable outbox of records for the PMS, and the two listeners that
// fill it (one WA per FIAS wake-up after its last attempt; an RE when a room's message counts change).
import { parseClassMap, type Config, type FiasClassMap } from '../config/index.js';
import type { Logger } from '../log.js';
import type { RoomService } from '../rooms/service.js';
import type { Store } from '../store/db.js';
import { FiasGuestStore } from '../store/fias-guests.js';
import { FiasLampStore } from '../store/fias-lamps.js';
import { FiasOutboxStore } from '../store/fias-outbox.js';
import { FiasWakeupStore } from '../store/fias-wakeups.js';
import type { MessageCounts } from '../voicemail/service.js';
import type { FinalResult } from '../wakeup/scheduler.js';
import type { WakeupService } from '../wakeup/service.js';
import {
  createFiasInbound,
  fiasMessageCounts,
  fiasWakeupResults,
  recoverFiasAnswers,
  type FiasInboundCore,
} from './inbound/index.js';

export interface FiasCore {
  inbound: FiasInboundCore;
  outbox: FiasOutboxStore;
  /** For the wake-up scheduler's final results, beside the engine's own listener. */
  onWakeupFinal: (r: FinalResult) => void;
  /** For the voicemail service's count changes, beside the LeaveMessage push. */
  onMessageCounts: (ext: string, counts: MessageCounts) => void;
  /** Once the store is ready: queues the WA of wake-ups that ended while the engine was stopping. */
  recover: () => Promise<number>;
}

export function buildFiasCore(o: {
  config: Config;
  store: Store;
  rooms: RoomService;
  wakeups: WakeupService;
  log: Logger;
}): FiasCore {
  const log = o.log.child({ component: 'fias' });
  const outbox = new FiasOutboxStore(o.store, log);
  const fiasWakeups = new FiasWakeupStore(o.store);
  const inbound = createFiasInbound({
    rooms: o.rooms,
    guests: new FiasGuestStore(o.store),
    lamps: new FiasLampStore(o.store),
    wakeups: o.wakeups,
    fiasWakeups,
    log,
    timeZone: o.config.hotel.timeZone,
    classMap: classMapOf(o.config.fias.classMap),
    wakeupAttempts: o.config.fias.wakeupAttempts,
  });
  return {
    inbound,
    outbox,
    onWakeupFinal: fiasWakeupResults(fiasWakeups, outbox, log),
    onMessageCounts: fiasMessageCounts(outbox, log),
    recover: () => recoverFiasAnswers(fiasWakeups, outbox, log),
  };
}

/** fias.classMap, validated at load. */
function classMapOf(raw: string): FiasClassMap {
  const parsed = parseClassMap(raw);
  if (typeof parsed === 'string') throw new TypeError(`fias.classMap: ${parsed}`);
  return parsed;
}
