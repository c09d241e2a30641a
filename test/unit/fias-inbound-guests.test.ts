// FIAS guest records on the room core ("Guest Data"): GI/GO/GC with sharers, room moves and resync
// records, through the real RoomService, checked in the store, in AstDB, in the guest table and in
// what the room hooks did (wake-ups cancelled or moved, messages cleared or moved).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cleanRoom } from '../../src/store/rooms.js';
import { createFiasInbound } from '../../src/fias/inbound/index.js';
import { fiasHarness, NOW, pendingWakeup, snapshot, typed } from './support/fias-harness.js';

const T = { timeout: 10_000 };

describe('FIAS GI (check-in)', T, () => {
  it('to an empty room: caller name "GT GF GN", CS mapped (2 → 4), checked in, language kept', async () => {
    const h = fiasHarness();
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '12345'],
      ['GN', 'Smith'],
      ['GF', 'John'],
      ['GT', 'Mr.'],
      ['GL', 'EA'],
      ['CS', '2'],
      ['GS', 'N'],
    ]);
    const room = h.store.rows.get('8001')!;
    assert.equal(room.guestName, 'Mr. John Smith');
    assert.equal(room.classOfService, 4);
    assert.equal(room.checkedInAt?.getTime(), NOW);
    assert.equal(h.ami.room('8001').name, 'Mr. John Smith');
    assert.equal(h.ami.room('8001').class, '4');
    assert.deepEqual(
      h.guests.rows.map((g) => [g.room, g.reservation, g.language, g.sharer]),
      [['8001', '12345', 'EA', false]],
    );
  });

  it("without CS the class is CheckIn's default 1; without any name the room number", async () => {
    const h = fiasHarness();
    await h.rooms.update('8002', (r) => ({ ...r, classOfService: 5 }));
    await h.send('GI', [
      ['RN', '8002'],
      ['G#', '1'],
    ]);
    assert.equal(h.store.rows.get('8002')?.classOfService, 1);
    assert.equal(h.store.rows.get('8002')?.guestName, '8002');
  });

  it('the CS mapping is an option: {0:1,1:2,2:3,3:4}', async () => {
    const h = fiasHarness();
    const custom = createFiasInbound({
      rooms: h.rooms,
      guests: h.guests,
      lamps: h.lamps,
      wakeups: h.wakeups,
      fiasWakeups: h.wakeups,
      log: h.logs.log,
      timeZone: 'UTC',
      classMap: { '0': 1, '1': 2, '2': 3, '3': 4 },
    });
    await custom.handle(
      typed('RE', [
        ['RN', '8003'],
        ['CS', '3'],
      ]),
    );
    assert.equal(h.store.rows.get('8003')?.classOfService, 4);
  });

  it('a name is bounded to 64 characters (Chinese cut between characters)', async () => {
    const h = fiasHarness();
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '7'],
      ['GN', '张'.repeat(70)],
    ]);
    assert.equal(h.store.rows.get('8001')?.guestName, '张'.repeat(64));
  });

  it('a name the room cannot show (a " as ExtenName refuses it) is refused: nothing applied, warned', async () => {
    const h = fiasHarness();
    const before = await snapshot(h);
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '7'],
      ['GN', 'O"Brien'],
    ]);
    assert.equal(await snapshot(h), before);
    assert.match(String(h.refusals()[0]?.reason), /must not contain " or \\/);
  });

  it('an unknown room is refused: nothing in the store, AstDB or the guest table', async () => {
    const h = fiasHarness();
    const before = await snapshot(h);
    await h.send('GI', [
      ['RN', '9999'],
      ['G#', '7'],
      ['GN', 'Nobody'],
    ]);
    assert.equal(await snapshot(h), before);
    assert.equal(h.refusals()[0]?.reason, 'RN 9999 is not a room extension of this hotel');
  });
});

describe('FIAS sharers: the room stays occupied until the last guest leaves', T, () => {
  it('two GI, one GO → still occupied (name of who stays); second GO → ExtenClean', async () => {
    const h = fiasHarness();
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '100'],
      ['GN', 'First'],
      ['GS', 'N'],
      ['CS', '3'],
    ]);
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '200'],
      ['GN', 'Second'],
      ['GS', 'Y'],
    ]);
    assert.equal(h.store.rows.get('8001')?.guestName, 'First', 'the primary guest is shown');
    assert.equal(h.store.rows.get('8001')?.classOfService, 5, 'a sharer without CS keeps the class');
    const wakeup = await pendingWakeup(h, '8001');

    await h.send('GO', [
      ['RN', '8001'],
      ['G#', '100'],
      ['GS', 'Y'],
    ]);
    const room = h.store.rows.get('8001')!;
    assert.equal(room.guestName, 'Second');
    assert.equal(room.classOfService, 5);
    assert.notEqual(room.checkedInAt, null);
    assert.equal(h.wakeups.occurrences.get(wakeup)?.state, 'pending', 'no wake-up cancelled');
    assert.deepEqual(h.events, [], 'no message cleared');

    await h.send('GO', [
      ['RN', '8001'],
      ['G#', '200'],
      ['GS', 'N'],
    ]);
    assert.deepEqual(h.store.rows.get('8001'), cleanRoom('8001'));
    assert.equal(h.ami.room('8001').name, '');
    assert.equal(h.ami.room('8001').class, '1');
    assert.equal(h.wakeups.occurrences.get(wakeup)?.state, 'cancelled');
    assert.deepEqual(h.events, ['messages cleared 8001']);
    assert.deepEqual(h.guests.rows, []);
  });

  it('the primary guest leaving first: the sharer becomes the name shown', async () => {
    const h = fiasHarness();
    await h.send('GI', [
      ['RN', '8002'],
      ['G#', '1'],
      ['GN', 'Alpha'],
      ['GS', 'N'],
    ]);
    await h.send('GI', [
      ['RN', '8002'],
      ['G#', '2'],
      ['GN', 'Beta'],
      ['GS', 'Y'],
    ]);
    await h.send('GI', [
      ['RN', '8002'],
      ['G#', '3'],
      ['GN', 'Gamma'],
      ['GS', 'Y'],
    ]);
    await h.send('GO', [
      ['RN', '8002'],
      ['G#', '1'],
    ]);
    assert.equal(h.store.rows.get('8002')?.guestName, 'Beta');
  });

  it('a GO for an unknown reservation is refused: nothing changes', async () => {
    const h = fiasHarness();
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '1'],
      ['GN', 'Alpha'],
    ]);
    const before = await snapshot(h);
    await h.send('GO', [
      ['RN', '8001'],
      ['G#', '999'],
    ]);
    assert.equal(await snapshot(h), before);
    assert.match(String(h.refusals()[0]?.reason), /reservation 999/);
  });

  it('a room-based GO (no G#) checks the whole room out', async () => {
    const h = fiasHarness();
    await h.send('GI', [
      ['RN', '8003'],
      ['GN', 'Share1'],
      ['G#', '1'],
    ]);
    await h.send('GI', [
      ['RN', '8003'],
      ['GN', 'Share2'],
      ['G#', '2'],
    ]);
    await h.send('GO', [['RN', '8003']]);
    assert.deepEqual(h.store.rows.get('8003'), cleanRoom('8003'));
    assert.deepEqual(h.events, ['messages cleared 8003']);
  });

  it('a GO for a vacant room without guests changes nothing', async () => {
    const h = fiasHarness();
    await h.send('GO', [['RN', '8004']]);
    assert.deepEqual(h.events, []);
    assert.equal(h.store.rows.has('8004'), false);
  });
});

describe('FIAS SF (resync records): compare and update, no side effects', T, () => {
  it('GI with SF for a guest already in: name and class only; check-in time, wake-ups, messages stay', async () => {
    const h = fiasHarness();
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '1'],
      ['GN', 'Guest, Mr.'],
      ['CS', '1'],
    ]);
    await h.rooms.update('8001', (r) => ({ ...r, dnd: { on: true, start: null, end: null } }));
    const checkedIn = h.store.rows.get('8001')?.checkedInAt;
    const wakeup = await pendingWakeup(h, '8001');
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '1'],
      ['GN', 'Gast, Hr.'],
      ['GL', 'GE'],
      ['CS', '3'],
      ['SF', ''],
    ]);
    const room = h.store.rows.get('8001')!;
    assert.equal(room.guestName, 'Gast, Hr.');
    assert.equal(room.classOfService, 5);
    assert.equal(room.checkedInAt?.getTime(), checkedIn?.getTime());
    assert.equal(room.dnd.on, true);
    assert.equal(h.wakeups.occurrences.get(wakeup)?.state, 'pending');
    assert.deepEqual(h.events, []);
    assert.equal(h.guests.rows[0]?.language, 'GE');
  });

  it('GI with SF and no CS leaves the class as it is (no default applied)', async () => {
    const h = fiasHarness();
    await h.rooms.update('8002', (r) => ({ ...r, classOfService: 4 }));
    await h.send('GI', [
      ['RN', '8002'],
      ['G#', '5'],
      ['GN', 'Resync'],
      ['SF', ''],
    ]);
    assert.equal(h.store.rows.get('8002')?.classOfService, 4);
    assert.equal(h.store.rows.get('8002')?.guestName, 'Resync');
  });

  it('GO with SF of the last guest: vacant (name, check-in, class 1), but no wake-up cancelled, no message cleared', async () => {
    const h = fiasHarness();
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '1'],
      ['GN', 'Leaving'],
      ['CS', '3'],
    ]);
    const wakeup = await pendingWakeup(h, '8001');
    await h.send('GO', [
      ['RN', '8001'],
      ['GS', 'N'],
      ['SF', ''],
    ]);
    const room = h.store.rows.get('8001')!;
    assert.equal(room.guestName, null);
    assert.equal(room.checkedInAt, null);
    assert.equal(room.classOfService, 1);
    assert.equal(h.wakeups.occurrences.get(wakeup)?.state, 'pending');
    assert.deepEqual(h.events, []);
    assert.deepEqual(h.guests.rows, []);
  });
});
