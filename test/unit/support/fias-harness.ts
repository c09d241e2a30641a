// The FIAS records on a real RoomService (in-memory store, fake AMI with an AstDB), with the FIAS
// tables and the wake-up service in memory. A recorder hook stands where voicemail's hooks are, so a
// test sees whether a change cleared or moved the room's messages.
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/index.js';
import { createFiasInbound, type FiasInboundCore } from '../../../src/fias/inbound/index.js';
import { fiasRecord } from '../../../src/fias/record.js';
import { validateRecord, type FiasMessage } from '../../../src/fias/records/index.js';
import { AstDb } from '../../../src/pbx/astdb.js';
import { RoomMirror } from '../../../src/rooms/mirror.js';
import { RoomSet } from '../../../src/rooms/room-set.js';
import { RoomService } from '../../../src/rooms/service.js';
import { captureLog, type CapturedLog } from './capture-log.js';
import { FakeAmi } from './fake-pbx.js';
import { FakeFiasWakeups, MemoryFiasGuests, MemoryFiasLamps, MemoryOutbox } from './fias-memory.js';
import { MemoryRooms } from './memory-rooms.js';

export const TIME_ZONE = 'Asia/Shanghai';
export const NOW = Date.parse('2026-12-03T10:00:00Z');

export interface FiasHarness {
  ami: FakeAmi;
  store: MemoryRooms;
  rooms: RoomService;
  guests: MemoryFiasGuests;
  lamps: MemoryFiasLamps;
  wakeups: FakeFiasWakeups;
  outbox: MemoryOutbox;
  inbound: FiasInboundCore;
  logs: CapturedLog;
  /** What the voicemail hooks would have done: "messages cleared 8001", "messages moved 8001>8002". */
  events: string[];
  /** Validates the record as the link does, then hands it to the inbound. */
  send(id: string, fields: Array<[string, string]>): Promise<void>;
  /** Warnings logged with this message. */
  refusals(): Array<Record<string, unknown>>;
}

export function typed(id: string, fields: Array<[string, string]>): FiasMessage {
  const checked = validateRecord(fiasRecord(id, fields));
  assert.ok(checked.ok, `test record ${id} invalid: ${checked.ok ? '' : checked.message}`);
  return checked.value;
}

/** Everything a record could change, as one string: compare before and after to see nothing moved. */
export async function snapshot(h: FiasHarness): Promise<string> {
  return JSON.stringify([
    [...h.store.rows],
    [...h.ami.db],
    h.guests.rows,
    [...h.wakeups.occurrences],
    h.events,
  ]);
}

/** A wake-up pending in `room`, to see whether a change cancels or moves it. */
export async function pendingWakeup(h: FiasHarness, room: string): Promise<number> {
  return h.wakeups.addOnce(room, NOW + 3_600_000, 3, () => Promise.resolve());
}

export function fiasHarness(options: { wakeupAttempts?: number } = {}): FiasHarness {
  const config = loadConfig({
    env: {},
    values: {
      ami: { username: 'x', password: 'x' },
      ari: { username: 'x', password: 'x' },
      hotel: { rooms: '8001-8004,8101', timeZone: TIME_ZONE },
    },
  });
  const ami = new FakeAmi();
  const store = new MemoryRooms();
  const logs = captureLog('debug');
  const rooms = new RoomService(
    store,
    new RoomMirror(new AstDb(ami), config.numbering),
    ami,
    RoomSet.parse(config.hotel.rooms),
    logs.log,
  );
  const events: string[] = [];
  rooms.addHooks({
    afterClean: async (ext) => void events.push(`messages cleared ${ext}`),
    afterMove: async (from, to) => void events.push(`messages moved ${from}>${to}`),
  });
  const wakeups = new FakeFiasWakeups();
  rooms.addHooks(wakeups);
  const guests = new MemoryFiasGuests();
  const lamps = new MemoryFiasLamps();
  const outbox = new MemoryOutbox();
  const inbound = createFiasInbound({
    rooms,
    guests,
    lamps,
    wakeups,
    fiasWakeups: wakeups,
    log: logs.log,
    timeZone: TIME_ZONE,
    now: () => NOW,
    ...options,
  });
  return {
    ami,
    store,
    rooms,
    guests,
    lamps,
    wakeups,
    outbox,
    inbound,
    logs,
    events,
    send: (id, fields) => inbound.handle(typed(id, fields)),
    refusals: () => logs.withMsg('FIAS record refused: nothing applied'),
  };
}
