// RoomService.decide: a change whose outcome is decided inside the room's transaction (the FIAS guest
// list is read and written there). A room state is saved and mirrored; 'clean' is exactly a check-out
// (clean hooks in the transaction, afterClean after); 'keep' leaves the room; a throw rolls back all.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/log.js';
import { AstDb } from '../../src/pbx/astdb.js';
import { RoomMirror } from '../../src/rooms/mirror.js';
import { RoomSet } from '../../src/rooms/room-set.js';
import { RoomService } from '../../src/rooms/service.js';
import { cleanRoom } from '../../src/store/rooms.js';
import { loadConfig } from '../../src/config/index.js';
import { FakeAmi } from './support/fake-pbx.js';
import { MemoryRooms } from './support/memory-rooms.js';

function setup(): { rooms: RoomService; store: MemoryRooms; ami: FakeAmi; calls: string[] } {
  const config = loadConfig({
    env: {},
    values: {
      ami: { username: 'x', password: 'x' },
      ari: { username: 'x', password: 'x' },
      hotel: { rooms: '8001-8004' },
    },
  });
  const ami = new FakeAmi();
  const store = new MemoryRooms();
  const rooms = new RoomService(
    store,
    new RoomMirror(new AstDb(ami), config.numbering),
    ami,
    RoomSet.parse('8001-8004'),
    silentLogger(),
  );
  const calls: string[] = [];
  rooms.addHooks({
    clean: async (ext, tx) => void calls.push(`clean ${ext} ${tx ? 'in tx' : 'no tx'}`),
    afterClean: async (ext) => void calls.push(`afterClean ${ext}`),
  });
  return { rooms, store, ami, calls };
}

describe('RoomService.decide', { timeout: 10_000 }, () => {
  it('a room state is saved and mirrored, in the transaction the decision saw', async () => {
    const { rooms, store, ami, calls } = setup();
    let sawTx: unknown;
    const out = await rooms.decide('8001', async (before, tx) => {
      sawTx = tx;
      return { ...before, guestName: 'Ada', classOfService: 3 };
    });
    assert.ok(sawTx instanceof Map, 'the decision ran inside the store transaction');
    assert.equal(typeof out === 'object' && out.guestName, 'Ada');
    assert.equal(store.rows.get('8001')?.guestName, 'Ada');
    assert.equal(ami.room('8001').class, '3');
    assert.deepEqual(calls, []);
  });

  it("'clean' is a check-out: clean hooks inside the transaction, afterClean after, room clean", async () => {
    const { rooms, store, ami, calls } = setup();
    await rooms.update('8002', (r) => ({ ...r, guestName: 'Bob', classOfService: 5 }));
    await rooms.decide('8002', () => Promise.resolve('clean'));
    assert.deepEqual(store.rows.get('8002'), cleanRoom('8002'));
    assert.equal(ami.room('8002').name, '');
    assert.deepEqual(calls, ['clean 8002 in tx', 'afterClean 8002']);
  });

  it('clean() still runs the hooks exactly as before', async () => {
    const { rooms, calls } = setup();
    await rooms.clean('8003');
    assert.deepEqual(calls, ['clean 8003 in tx', 'afterClean 8003']);
  });

  it("'keep' leaves the room and runs no hook", async () => {
    const { rooms, store, calls } = setup();
    await rooms.update('8001', (r) => ({ ...r, guestName: 'Cy' }));
    const writes = store.rows.get('8001');
    assert.equal(await rooms.decide('8001', () => Promise.resolve('keep')), 'keep');
    assert.deepEqual(store.rows.get('8001'), writes);
    assert.deepEqual(calls, []);
  });

  it('a throw rolls the room back and is the rejection', async () => {
    const { rooms, store } = setup();
    await rooms.update('8001', (r) => ({ ...r, guestName: 'Dee' }));
    await assert.rejects(
      rooms.decide('8001', () => Promise.reject(new Error('guest table refused'))),
      /guest table refused/,
    );
    assert.equal(store.rows.get('8001')?.guestName, 'Dee');
  });

  it('runs under the room lock: two decisions on one room never interleave', async () => {
    const { rooms } = setup();
    const order: string[] = [];
    const slow = (name: string) => async (before: Parameters<Parameters<RoomService['decide']>[1]>[0]) => {
      order.push(`${name} start`);
      await new Promise((r) => setTimeout(r, 20));
      order.push(`${name} end`);
      return before;
    };
    await Promise.all([rooms.decide('8004', slow('a')), rooms.decide('8004', slow('b'))]);
    assert.deepEqual(order, ['a start', 'a end', 'b start', 'b end']);
  });
});
