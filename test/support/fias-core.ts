// The room core on a real store for FIAS integration tests: RoomService (fake AMI), the wake-up
// service on the real schedule, the FIAS stores and inbound, and a caller scripted per call.
import type { Config } from '../../src/config/index.js';
import { createFiasInbound } from '../../src/fias/inbound/index.js';
import { silentLogger } from '../../src/log.js';
import { AstDb } from '../../src/pbx/astdb.js';
import { RoomMirror } from '../../src/rooms/mirror.js';
import { RoomSet } from '../../src/rooms/room-set.js';
import { RoomService } from '../../src/rooms/service.js';
import type { Store } from '../../src/store/db.js';
import { FiasGuestStore } from '../../src/store/fias-guests.js';
import { FiasLampStore } from '../../src/store/fias-lamps.js';
import { FiasOutboxStore } from '../../src/store/fias-outbox.js';
import { FiasWakeupStore } from '../../src/store/fias-wakeups.js';
import { RoomStore } from '../../src/store/rooms.js';
import { WakeupStore } from '../../src/store/wakeups.js';
import type { CallOutcome, CallRequest, WakeupCaller } from '../../src/wakeup/caller.js';
import type { WakeupScheduler } from '../../src/wakeup/scheduler.js';
import { WakeupService } from '../../src/wakeup/service.js';
import { FakeAmi } from '../unit/support/fake-pbx.js';

/** Each call ends with the next scripted result (then answered), after 20 ms. */
export class ScriptedCaller implements WakeupCaller {
  readonly calls: string[] = [];
  script: Array<CallOutcome['result']> = [];
  async call(req: CallRequest, onAnswered: (at: number) => void): Promise<CallOutcome> {
    this.calls.push(req.extension);
    await new Promise((r) => setTimeout(r, 20));
    const result = this.script.shift() ?? 'answered';
    if (result === 'answered') onAnswered(Date.now());
    return { result, cause: result === 'busy' ? 17 : undefined };
  }
}

/** The room core on the real store with a fake AMI, as the engine wires it, with the FIAS inbound. */
export function fiasCore(store: Store, config: Config) {
  const ami = new FakeAmi();
  const roomStore = new RoomStore(store);
  const rooms = new RoomService(
    roomStore,
    new RoomMirror(new AstDb(ami), config.numbering),
    ami,
    RoomSet.parse(config.hotel.rooms),
    silentLogger(),
  );
  const wakeupStore = new WakeupStore(store);
  let scheduler: { rearm(): void } = { rearm: () => undefined };
  const wakeups = new WakeupService(
    wakeupStore,
    { rearm: () => scheduler.rearm() } as unknown as WakeupScheduler,
    rooms,
    config,
    silentLogger(),
  );
  rooms.addHooks(wakeups);
  const fiasWakeups = new FiasWakeupStore(store);
  const outbox = new FiasOutboxStore(store, silentLogger());
  const inbound = createFiasInbound({
    rooms,
    guests: new FiasGuestStore(store),
    lamps: new FiasLampStore(store),
    wakeups,
    fiasWakeups,
    log: silentLogger(),
    timeZone: config.hotel.timeZone,
  });
  return {
    inbound,
    roomStore,
    wakeupStore,
    fiasWakeups,
    outbox,
    attach: (s: WakeupScheduler) => {
      scheduler = s;
    },
  };
}
