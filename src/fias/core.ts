// The FIAS room core put together for the engine: the records from the PMS applied through the room
// service (src/fias/inbound/), the durable outbox of records for the PMS, and the two listeners that
// fill it (one WA per FIAS wake-up after its last attempt; an RE when a room's message counts change),
// and the call charges (postings/: call records polled into numbered PS, sent one at a time).
import { parseClassMap, type Config, type FiasClassMap } from '../config/index.js';
import type { Logger } from '../log.js';
import type { RoomService } from '../rooms/service.js';
import type { Store } from '../store/db.js';
import { FiasGuestStore } from '../store/fias-guests.js';
import { FiasLampStore } from '../store/fias-lamps.js';
import { FiasOutboxStore } from '../store/fias-outbox.js';
import { FiasPostingStore } from '../store/fias-postings.js';
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
import { parseTariffs } from '../domain/tariffs.js';
import type { Costing } from './postings/charge.js';
import { CallChargePoller, type CallRecordSource } from './postings/poller.js';
import { PostingPump } from './postings/pump.js';
import { resyncAfterDataLoss } from './data-loss.js';
import type { FiasWire } from './wire.js';

export interface FiasCore {
  inbound: FiasInboundCore;
  outbox: FiasOutboxStore;
  /** For the wake-up scheduler's final results, beside the engine's own listener. */
  onWakeupFinal: (r: FinalResult) => void;
  /** For the voicemail service's count changes, beside the LeaveMessage push. */
  onMessageCounts: (ext: string, counts: MessageCounts) => void;
  /** Once the store is ready: queues the WA of wake-ups that ended while the engine was stopping. */
  recover: () => Promise<number>;
  /** Call records into postings; start() with the engine. Undefined with fias.callCharges off. */
  charges: CallChargePoller | undefined;
  /** Sends them; start(link) once the link exists, wake() when it may send again. */
  postings: PostingPump;
  /** What was posted and answered (FiasPostings). */
  postingStore: FiasPostingStore;
}

export function buildFiasCore(o: {
  config: Config;
  store: Store;
  rooms: RoomService;
  wakeups: WakeupService;
  calls: CallRecordSource;
  /** Shows a room's front-desk lamp on its phone as the store now has it (after an RE ML). */
  showLamp?: (room: string) => Promise<void>;
  log: Logger;
}): FiasCore {
  const log = o.log.child({ component: 'fias' });
  const outbox = new FiasOutboxStore(o.store, log);
  const fiasWakeups = new FiasWakeupStore(o.store);
  const postingStore = new FiasPostingStore(o.store);
  const postings = new PostingPump(postingStore, o.config.fias.postingAckTimeoutSec * 1000, log);
  const costing = costingOf(o.config.fias);
  const charges =
    costing &&
    new CallChargePoller({
      store: postingStore,
      calls: o.calls,
      charge: {
        numbering: o.config.numbering,
        isRoom: (ext) => o.rooms.rooms.has(ext),
        cdrTimeZone: o.config.cdr.timeZone || o.config.hotel.timeZone,
        hotelTimeZone: o.config.hotel.timeZone,
        costing,
      },
      checkedInAt: async (room) => (await o.rooms.get(room)).checkedInAt,
      added: () => postings.wake(),
      log,
    });
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
    postingAnswer: (pa) => postings.answer(pa),
    showLamp: o.showLamp,
  });
  return {
    inbound,
    outbox,
    onWakeupFinal: fiasWakeupResults(fiasWakeups, outbox, log),
    onMessageCounts: fiasMessageCounts(outbox, log),
    recover: () => recoverFiasAnswers(fiasWakeups, outbox, log),
    charges,
    postings,
    postingStore,
  };
}

/** fias.callCharges with fias.tariffs, validated at load; undefined when charges are off. */
function costingOf(fias: Config['fias']): Costing | undefined {
  if (fias.callCharges === 'off') return undefined;
  if (fias.callCharges === 'duration') return { mode: 'duration' };
  const tariffs = parseTariffs(fias.tariffs);
  if (typeof tariffs === 'string') throw new TypeError(`fias.tariffs: ${tariffs}`);
  return { mode: 'amount', tariffs };
}

/** fias.classMap, validated at load. */
function classMapOf(raw: string): FiasClassMap {
  const parsed = parseClassMap(raw);
  if (typeof parsed === 'string') throw new TypeError(`fias.classMap: ${parsed}`);
  return parsed;
}

/**
 * Ties the room core to the link once both exist: the call charges are posted on it (woken whenever
 * it may send again), and our DR follows a local data loss. Returns the function that undoes it.
 */
export function attachFiasCore(
  core: FiasCore,
  wire: FiasWire,
  roomsWereEmpty: () => Promise<boolean>,
  log: Logger,
): () => void {
  core.postings.start(wire.link);
  const offCanSend = wire.onCanSend((can) => can && core.postings.wake());
  const stopDr = resyncAfterDataLoss(wire, roomsWereEmpty, log.child({ link: 'fias' }));
  return () => {
    stopDr();
    offCanSend();
    core.charges?.stop();
    core.postings.stop();
  };
}
