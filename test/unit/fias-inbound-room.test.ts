// FIAS room and wake-up records on the room core: RE from the PMS (CS, DN, ML), WR/WC on the wake-up
// service with the exact DA/TI kept, the one WA per wake-up after its last attempt, DS…DE, the RE
// with message counts for the PMS, and the dispatcher's order and refusals.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fiasMessageCounts, fiasWakeupResults, recoverFiasAnswers } from '../../src/fias/inbound/index.js';
import { PbxUnavailableError } from '../../src/errors.js';
import { fiasHarness, NOW, typed, type FiasHarness } from './support/fias-harness.js';

const T = { timeout: 10_000 };

/** Waits until the outbox holds `n` records (WA is queued asynchronously), bounded. */
async function outboxHas(h: FiasHarness, n: number): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (h.outbox.rows.length < n) {
    if (Date.now() > deadline) assert.fail(`outbox has ${h.outbox.rows.length} records, expected ${n}`);
    await new Promise((r) => setImmediate(r));
  }
}
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

describe('FIAS RE from the PMS', T, () => {
  it('CS → class through the mapping; DN Y → DND on with no window; DN N → off', async () => {
    const h = fiasHarness();
    await h.send('RE', [
      ['RN', '8001'],
      ['CS', '3'],
    ]);
    assert.equal(h.store.rows.get('8001')?.classOfService, 5);
    assert.equal(h.ami.room('8001').class, '5');
    await h.send('RE', [
      ['RN', '8001'],
      ['DN', 'Y'],
    ]);
    assert.deepEqual(h.store.rows.get('8001')?.dnd, { on: true, start: null, end: null });
    assert.equal(h.ami.room('8001').dnd, '1');
    await h.send('RE', [
      ['RN', '8001'],
      ['CS', '2'],
      ['DN', 'N'],
    ]);
    assert.deepEqual(h.store.rows.get('8001')?.dnd, { on: false, start: null, end: null });
    assert.equal(h.store.rows.get('8001')?.classOfService, 4);
  });

  it('ML Y/N records the PMS message lamp (and changes no room state)', async () => {
    const h = fiasHarness();
    await h.send('RE', [
      ['RN', '8002'],
      ['ML', 'Y'],
      ['G#', '12345'],
    ]);
    assert.equal(await h.lamps.isOn('8002'), true);
    assert.equal(h.store.rows.has('8002'), false);
    await h.send('RE', [
      ['RN', '8002'],
      ['ML', 'N'],
    ]);
    assert.equal(await h.lamps.isOn('8002'), false);
  });

  it('the lamp goes with check-out and follows a room move', async () => {
    const h = fiasHarness();
    await h.send('RE', [
      ['RN', '8001'],
      ['ML', 'Y'],
    ]);
    await h.rooms.move('8001', '8003');
    assert.equal(await h.lamps.isOn('8003'), true);
    assert.equal(await h.lamps.isOn('8001'), false);
    await h.rooms.clean('8003');
    assert.equal(await h.lamps.isOn('8003'), false);
  });

  it('RS, ID and VM from the PMS are ignored; an unknown room is refused', async () => {
    const h = fiasHarness();
    await h.send('RE', [
      ['RN', '8001'],
      ['RS', '3'],
    ]);
    assert.equal(h.store.rows.has('8001'), false);
    await h.send('RE', [
      ['RN', '8999'],
      ['CS', '3'],
    ]);
    assert.equal(h.store.rows.has('8999'), false);
    assert.equal(h.refusals()[0]?.reason, 'RN 8999 is not a room extension of this hotel');
  });
});

describe('FIAS WR / WC / WA', T, () => {
  it("WR: one wake-up at DA/TI in the hotel's zone (seconds kept), wakeupAttempts attempts; a repeat adds none", async () => {
    const h = fiasHarness({ wakeupAttempts: 4 });
    await h.send('WR', [
      ['RN', '8001'],
      ['DA', '261204'],
      ['TI', '070030'],
    ]);
    await h.send('WR', [
      ['RN', '8001'],
      ['DA', '261204'],
      ['TI', '070030'],
    ]);
    const all = [...h.wakeups.occurrences.values()];
    assert.equal(all.length, 1);
    // 07:00:30 in Asia/Shanghai (UTC+8) is 23:00:30 UTC the day before.
    assert.equal(new Date(all[0]!.dueAt).toISOString(), '2026-12-03T23:00:30.000Z');
    assert.equal(all[0]!.maxAttempts, 4);
    assert.deepEqual(
      [...h.wakeups.fias.values()].map((w) => [w.room, w.date, w.time, w.state]),
      [['8001', '261204', '070030', 'set']],
    );
  });

  it('busy, busy, answered → exactly one WA, AS OK, DA/TI echoing the request', async () => {
    const h = fiasHarness();
    const onFinal = fiasWakeupResults(h.wakeups, h.outbox, h.logs.log);
    await h.send('WR', [
      ['RN', '8001'],
      ['DA', '261204'],
      ['TI', '063015'],
    ]);
    const [id] = [...h.wakeups.occurrences.keys()];
    for (const result of ['busy', 'busy', 'answered'] as const) {
      const final = h.wakeups.attempt(id!, result);
      if (final) onFinal(final);
    }
    await outboxHas(h, 1);
    onFinal({ occurrence: h.wakeups.occurrences.get(id!)!, state: 'answered', attempts: 3 }); // reported again
    await settle();
    assert.deepEqual(h.outbox.texts(), ['WA|RN8001|DA261204|TI063015|ASOK|']);
    assert.equal(h.outbox.notified, 1);
  });

  it('busy on every attempt → one WA BY; no answer → NR; a wake-up not from FIAS → nothing', async () => {
    const h = fiasHarness();
    const onFinal = fiasWakeupResults(h.wakeups, h.outbox, h.logs.log);
    await h.send('WR', [
      ['RN', '8001'],
      ['DA', '261204'],
      ['TI', '070000'],
    ]);
    await h.send('WR', [
      ['RN', '8002'],
      ['DA', '261204'],
      ['TI', '071500'],
    ]);
    const alarmClock = await h.wakeups.addOnce('8003', NOW, 1, () => Promise.resolve());
    const [a, b] = [...h.wakeups.fias.keys()];
    for (let i = 0; i < 3; i++) {
      const fa = h.wakeups.attempt(a!, 'busy');
      if (fa) onFinal(fa);
      const fb = h.wakeups.attempt(b!, 'noanswer');
      if (fb) onFinal(fb);
    }
    onFinal(h.wakeups.attempt(alarmClock, 'answered')!);
    await outboxHas(h, 2);
    await settle();
    assert.deepEqual(h.outbox.texts().sort(), [
      'WA|RN8001|DA261204|TI070000|ASBY|',
      'WA|RN8002|DA261204|TI071500|ASNR|',
    ]);
  });

  it('WA names the room the wake-up rang after a move', async () => {
    const h = fiasHarness();
    const onFinal = fiasWakeupResults(h.wakeups, h.outbox, h.logs.log);
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '1'],
      ['GN', 'Mover'],
    ]);
    await h.send('WR', [
      ['RN', '8001'],
      ['DA', '261204'],
      ['TI', '070000'],
    ]);
    await h.send('GC', [
      ['RN', '8004'],
      ['G#', '1'],
      ['RO', '8001'],
    ]);
    const [id] = [...h.wakeups.fias.keys()];
    onFinal(h.wakeups.attempt(id!, 'answered')!);
    await outboxHas(h, 1);
    assert.deepEqual(h.outbox.texts(), ['WA|RN8004|DA261204|TI070000|ASOK|']);
  });

  it('WC clears the wake-up with that DA/TI only; a cleared wake-up gets no WA', async () => {
    const h = fiasHarness();
    const onFinal = fiasWakeupResults(h.wakeups, h.outbox, h.logs.log);
    await h.send('WR', [
      ['RN', '8001'],
      ['DA', '261204'],
      ['TI', '070000'],
    ]);
    await h.send('WR', [
      ['RN', '8001'],
      ['DA', '261205'],
      ['TI', '070000'],
    ]);
    await h.send('WC', [
      ['RN', '8001'],
      ['DA', '261204'],
      ['TI', '070000'],
    ]);
    const [first, second] = [...h.wakeups.occurrences.values()];
    assert.equal(first?.state, 'cancelled');
    assert.equal(second?.state, 'pending');
    assert.equal(h.wakeups.fias.get(first!.id)?.state, 'cleared');
    onFinal({ occurrence: first!, state: 'answered', attempts: 1 });
    await settle();
    assert.deepEqual(h.outbox.rows, []);
  });

  it('WC with DA and TI empty clears every FIAS wake-up of the room, not an AlarmClock one', async () => {
    const h = fiasHarness();
    await h.send('WR', [
      ['RN', '8001'],
      ['DA', '261204'],
      ['TI', '070000'],
    ]);
    await h.send('WR', [
      ['RN', '8001'],
      ['DA', '261205'],
      ['TI', '080000'],
    ]);
    await h.send('WR', [
      ['RN', '8002'],
      ['DA', '261205'],
      ['TI', '080000'],
    ]);
    const alarmClock = await h.wakeups.addOnce('8001', NOW, 3, () => Promise.resolve());
    await h.send('WC', [
      ['RN', '8001'],
      ['DA', ''],
      ['TI', ''],
    ]);
    const states = [...h.wakeups.occurrences.values()].map((o) => [o.extension, o.state]);
    assert.deepEqual(states, [
      ['8001', 'cancelled'],
      ['8001', 'cancelled'],
      ['8002', 'pending'],
      ['8001', 'pending'],
    ]);
    assert.equal(h.wakeups.occurrences.get(alarmClock)?.state, 'pending');
  });

  it('a WC with no matching wake-up changes nothing; WR/WC for an unknown room are refused', async () => {
    const h = fiasHarness();
    await h.send('WC', [
      ['RN', '8001'],
      ['DA', '261204'],
      ['TI', '070000'],
    ]);
    assert.equal(h.logs.withMsg('FIAS WC: no such wake-up pending').length, 1);
    await h.send('WR', [
      ['RN', '7001'],
      ['DA', '261204'],
      ['TI', '070000'],
    ]);
    await h.send('WC', [
      ['RN', '7001'],
      ['DA', ''],
      ['TI', ''],
    ]);
    assert.equal(h.refusals().length, 2);
    assert.equal(h.wakeups.occurrences.size, 0);
  });

  it('recoverFiasAnswers: a final wake-up whose WA was never queued (engine stopped) gets it once', async () => {
    const h = fiasHarness();
    await h.send('WR', [
      ['RN', '8001'],
      ['DA', '261204'],
      ['TI', '070000'],
    ]);
    const [id] = [...h.wakeups.fias.keys()];
    h.wakeups.attempt(id!, 'answered'); // the result the engine never reported
    assert.equal(await recoverFiasAnswers(h.wakeups, h.outbox, h.logs.log), 1);
    assert.equal(await recoverFiasAnswers(h.wakeups, h.outbox, h.logs.log), 0);
    assert.deepEqual(h.outbox.texts(), ['WA|RN8001|DA261204|TI070000|ASOK|']);
  });
});

describe('FIAS DS … DE', T, () => {
  it('marks the resync window and logs its start and end with the records applied', async () => {
    const h = fiasHarness();
    await h.send('DS', [
      ['DA', '261203'],
      ['TI', '125047'],
    ]);
    assert.equal(h.inbound.resyncing, true);
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '12345'],
      ['GS', 'N'],
      ['SF', ''],
    ]);
    await h.send('GO', [
      ['RN', '8002'],
      ['GS', 'N'],
      ['SF', ''],
    ]);
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '12345'],
      ['GN', 'Last wins'],
      ['SF', ''],
    ]);
    await h.send('DE', [
      ['DA', '261203'],
      ['TI', '125200'],
    ]);
    assert.equal(h.inbound.resyncing, false);
    assert.equal(h.logs.withMsg('FIAS database resync started').length, 1);
    assert.equal(h.logs.withMsg('FIAS database resync ended')[0]?.records, 3);
    assert.equal(h.store.rows.get('8001')?.guestName, 'Last wins');
    assert.deepEqual(h.events, [], 'no side effect during the resync');
  });

  it('at the DE a FIAS guest no record of the resync named checks out (vacant, no side effect); named guests, sharers and seed-000 rooms stay', async () => {
    const h = fiasHarness();
    const gi = (room: string, res: string, name: string, sf = false): Promise<void> =>
      h.send('GI', [
        ['RN', room],
        ['G#', res],
        ['GN', name],
        ...(sf ? ([['SF', '']] as Array<[string, string]>) : []),
      ]);
    await gi('8001', '1', 'Stays');
    await gi('8002', '2', 'Left');
    await gi('8004', '41', 'Sharer one');
    await gi('8004', '42', 'Sharer two');
    // 8003 checked in over seed 000: no FIAS guest, the PMS's resync does not own it.
    await h.rooms.update('8003', (r) => ({ ...r, guestName: 'Desk', checkedInAt: new Date() }));
    h.events.length = 0;
    await h.send('DS', []);
    await gi('8001', '1', 'Stays', true);
    await gi('8004', '42', 'Sharer two', true);
    await h.send('DE', []);
    assert.equal(h.store.rows.get('8001')?.guestName, 'Stays');
    assert.equal(h.store.rows.get('8002')?.guestName ?? null, null, '8002 swept');
    assert.equal(h.store.rows.get('8002')?.checkedInAt ?? null, null);
    assert.equal(h.store.rows.get('8003')?.guestName, 'Desk', 'seed 000 guest left alone');
    assert.equal(h.store.rows.get('8004')?.guestName, 'Sharer two', 'the sharer the PMS named stays');
    assert.deepEqual(
      (await h.guests.all()).map((g) => [g.room, g.reservation]),
      [
        ['8001', '1'],
        ['8004', '42'],
      ],
    );
    assert.equal(h.logs.withMsg('FIAS database resync ended')[0]?.swept, 2);
    assert.deepEqual(h.events, [], 'no side effect: a resync GO clears no messages or wake-ups');
  });

  it('a DS with no DE (the link gave up on the resync) sweeps nothing', async () => {
    const h = fiasHarness();
    await h.send('GI', [
      ['RN', '8002'],
      ['G#', '2'],
      ['GN', 'Left'],
    ]);
    await h.send('DS', []);
    assert.equal(h.store.rows.get('8002')?.guestName, 'Left');
    assert.equal((await h.guests.all()).length, 1);
  });

  it('a DE without a DS is logged', async () => {
    const h = fiasHarness();
    await h.send('DE', []);
    assert.equal(h.logs.withMsg('FIAS DE without a DS').length, 1);
  });
});

describe('FIAS dispatcher', T, () => {
  it('applies records one at a time in order (a GO sent right after its GI finds the guest)', async () => {
    const h = fiasHarness();
    await Promise.all([
      h.inbound.handle(
        typed('GI', [
          ['RN', '8001'],
          ['G#', '1'],
          ['GN', 'Quick'],
        ]),
      ),
      h.inbound.handle(
        typed('GO', [
          ['RN', '8001'],
          ['G#', '1'],
        ]),
      ),
    ]);
    assert.equal(h.refusals().length, 0);
    assert.deepEqual(h.events, ['messages cleared 8001']);
  });

  it("link records are not the room core's: ignored", async () => {
    const h = fiasHarness();
    await h.send('LS', [
      ['DA', '261203'],
      ['TI', '120000'],
    ]);
    assert.equal(h.logs.withMsg('FIAS record not for the room core: ignored').length, 1);
  });

  it('the PBX down is not a refusal: handle rejects (the PMS resync repairs), the next record still runs', async () => {
    const h = fiasHarness();
    h.ami.state = 'reconnecting';
    await assert.rejects(
      h.send('GI', [
        ['RN', '8001'],
        ['G#', '1'],
        ['GN', 'A'],
      ]),
      PbxUnavailableError,
    );
    h.ami.state = 'ready';
    await h.send('GI', [
      ['RN', '8001'],
      ['G#', '1'],
      ['GN', 'A'],
    ]);
    assert.equal(h.store.rows.get('8001')?.guestName, 'A');
  });
});

describe('FIAS RE to the PMS on message counts', T, () => {
  it('VM with unread and read counts, two digits each, capped at 99', async () => {
    const h = fiasHarness();
    const push = fiasMessageCounts(h.outbox, h.logs.log);
    push('8001', { newMessages: 2, oldMessages: 3 });
    push('8002', { newMessages: 120, oldMessages: 0 });
    await outboxHas(h, 2);
    assert.deepEqual(h.outbox.texts(), ['RE|RN8001|VM0203|', 'RE|RN8002|VM9900|']);
  });
});
