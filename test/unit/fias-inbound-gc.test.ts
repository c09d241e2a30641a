// FIAS GC on the room core ("Guest Data Change notification"): data changes and room moves by case
// (the only guest into an empty room, a sharer moving out, a guest joining an occupied room), through
// the real RoomService: the store, AstDB, the guest table, and what the room hooks did.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cleanRoom } from '../../src/store/rooms.js';
import { fiasHarness, pendingWakeup, snapshot } from './support/fias-harness.js';

const T = { timeout: 10_000 };

describe('FIAS GC (guest change, room move)', T, () => {
  it('name, language and CS of the reservation change; the room shows the new name', async () => {
    const h = fiasHarness();
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '12345'],
      ['GN', 'Guest, Mr.'],
      ['GL', 'EA'],
    ]);
    await h.send('GC', [
      ['RN', '8001'],
      ['G#', '12345'],
      ['GN', 'Gast, Hr.'],
      ['GL', 'GE'],
      ['CS', '0'],
    ]);
    assert.equal(h.store.rows.get('8001')?.guestName, 'Gast, Hr.');
    assert.equal(h.store.rows.get('8001')?.classOfService, 1);
    assert.equal(h.guests.rows[0]?.language, 'GE');
    assert.deepEqual(h.events, []);
  });

  it('a GC for an unknown reservation is refused', async () => {
    const h = fiasHarness();
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '1'],
      ['GN', 'A'],
    ]);
    const before = await snapshot(h);
    await h.send('GC', [
      ['RN', '8001'],
      ['G#', '2'],
      ['GN', 'B'],
    ]);
    assert.equal(await snapshot(h), before);
    assert.equal(h.refusals().length, 1);
  });

  it('RO move of the only guest to an empty room = ChangeRoom: state, wake-ups and messages follow', async () => {
    const h = fiasHarness();
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '12345'],
      ['GN', 'Guest, Mr.'],
      ['CS', '2'],
    ]);
    await h.rooms.update('8001', (r) => ({ ...r, dnd: { on: true, start: null, end: null } }));
    const wakeup = await pendingWakeup(h, '8001');
    await h.send('GC', [
      ['RN', '8002'],
      ['GS', 'N'],
      ['G#', '12345'],
      ['GN', 'Guest, Mr.'],
      ['RO', '8001'],
      ['RO.GS', 'N'],
    ]);
    assert.deepEqual(h.store.rows.get('8001'), cleanRoom('8001'));
    const moved = h.store.rows.get('8002')!;
    assert.equal(moved.guestName, 'Guest, Mr.');
    assert.equal(moved.classOfService, 4);
    assert.equal(moved.dnd.on, true);
    assert.equal(h.ami.room('8002').name, 'Guest, Mr.');
    assert.equal(h.wakeups.occurrences.get(wakeup)?.extension, '8002');
    assert.equal(h.wakeups.occurrences.get(wakeup)?.state, 'pending');
    assert.deepEqual(h.events, ['messages moved 8001>8002']);
    assert.deepEqual(
      h.guests.rows.map((g) => [g.room, g.reservation]),
      [['8002', '12345']],
    );
  });

  it('a sharer moving out: only that guest moves; the old room stays occupied with its wake-ups', async () => {
    const h = fiasHarness();
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '1'],
      ['GN', 'Stays'],
      ['CS', '3'],
      ['GS', 'N'],
    ]);
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '2'],
      ['GN', 'Moves'],
      ['GS', 'Y'],
    ]);
    const wakeup = await pendingWakeup(h, '8001');
    await h.send('GC', [
      ['RN', '8003'],
      ['GS', 'N'],
      ['G#', '2'],
      ['GN', 'Moves'],
      ['RO', '8001'],
      ['RO.GS', 'Y'],
    ]);
    assert.equal(h.store.rows.get('8001')?.guestName, 'Stays');
    assert.equal(h.store.rows.get('8003')?.guestName, 'Moves');
    assert.equal(h.store.rows.get('8003')?.classOfService, 5, "the old room's class");
    assert.notEqual(h.store.rows.get('8003')?.checkedInAt, null);
    assert.equal(h.wakeups.occurrences.get(wakeup)?.extension, '8001');
    assert.equal(h.wakeups.occurrences.get(wakeup)?.state, 'pending');
    assert.deepEqual(h.events, []);
    assert.deepEqual(h.guests.rows.map((g) => [g.room, g.reservation]).sort(), [
      ['8001', '1'],
      ['8003', '2'],
    ]);
    assert.equal(h.logs.withMsg('FIAS GC: the old room share flag disagrees with our guests').length, 0);
  });

  it("the primary guest moving out of a share: the old room shows the sharer's name", async () => {
    const h = fiasHarness();
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '1'],
      ['GN', 'Primary'],
      ['GS', 'N'],
    ]);
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '2'],
      ['GN', 'Sharer'],
      ['GS', 'Y'],
    ]);
    await h.send('GC', [
      ['RN', '8002'],
      ['G#', '1'],
      ['RO', '8001'],
    ]);
    assert.equal(h.store.rows.get('8001')?.guestName, 'Sharer');
    assert.equal(h.store.rows.get('8002')?.guestName, 'Primary');
  });

  it('the last guest moving into an occupied room joins it as a sharer; the old room is cleaned', async () => {
    const h = fiasHarness();
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '1'],
      ['GN', 'Mover'],
    ]);
    await h.send('GI', [
      ['RN', '8002'],
      ['G#', '2'],
      ['GN', 'Resident'],
      ['CS', '1'],
    ]);
    await h.send('GC', [
      ['RN', '8002'],
      ['GS', 'Y'],
      ['G#', '1'],
      ['RO', '8001'],
      ['RO.GS', 'N'],
    ]);
    assert.equal(h.store.rows.get('8002')?.guestName, 'Resident');
    assert.equal(h.store.rows.get('8002')?.classOfService, 3);
    assert.deepEqual(h.store.rows.get('8001'), cleanRoom('8001'));
    assert.deepEqual(h.events, ['messages cleared 8001']);
    assert.deepEqual(
      h.guests.rows.filter((g) => g.room === '8002').map((g) => [g.reservation, g.sharer]),
      [
        ['2', false],
        ['1', true],
      ],
    );
  });

  it('share flags that disagree with our guests are logged; our table decides', async () => {
    const h = fiasHarness();
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '1'],
      ['GN', 'Alone'],
    ]);
    await h.send('GC', [
      ['RN', '8002'],
      ['GS', 'N'],
      ['G#', '1'],
      ['RO', '8001'],
      ['RO.GS', 'Y'],
    ]);
    assert.equal(h.logs.withMsg('FIAS GC: the old room share flag disagrees with our guests').length, 1);
    assert.equal(h.store.rows.get('8002')?.guestName, 'Alone');
    assert.deepEqual(h.store.rows.get('8001'), cleanRoom('8001'));
  });

  it('an unknown old room (RO) is refused: nothing applied', async () => {
    const h = fiasHarness();
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '1'],
      ['GN', 'A'],
    ]);
    const before = await snapshot(h);
    await h.send('GC', [
      ['RN', '8001'],
      ['G#', '1'],
      ['RO', '9999'],
    ]);
    assert.equal(await snapshot(h), before);
    assert.equal(h.refusals()[0]?.reason, 'RO 9999 is not a room extension of this hotel');
  });

  it('a seed 000 ExtenClean of the room empties its FIAS guest list (room hook)', async () => {
    const h = fiasHarness();
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '1'],
      ['GN', 'A'],
    ]);
    await h.rooms.clean('8001');
    assert.deepEqual(h.guests.rows, []);
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '2'],
      ['GN', 'Next'],
      ['CS', '3'],
    ]);
    assert.equal(h.store.rows.get('8001')?.classOfService, 5, 'a fresh check-in, not a sharer');
  });
});
