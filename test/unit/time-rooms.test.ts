import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatLocal, isValidTimeZone, parseLocal } from '../../src/time/zone.js';
import { RoomSet } from '../../src/rooms/room-set.js';
import { KeyedLock } from '../../src/rooms/lock.js';

describe('hotel time zone', () => {
  it('reads wall-clock times in the zone and writes them back', () => {
    assert.equal(
      parseLocal('2012-03-08 07:30:00', 'Asia/Shanghai')?.toISOString(),
      '2012-03-07T23:30:00.000Z',
    );
    assert.equal(
      parseLocal('2026-07-01 12:00:00', 'Europe/Berlin')?.toISOString(),
      '2026-07-01T10:00:00.000Z',
    );
    assert.equal(
      parseLocal('2026-01-01 12:00:00', 'Europe/Berlin')?.toISOString(),
      '2026-01-01T11:00:00.000Z',
    );
    assert.equal(formatLocal(new Date('2012-03-07T23:30:00Z'), 'Asia/Shanghai'), '2012-03-08 07:30:00');
  });

  it('is daylight-saving safe: a skipped time maps past the jump, a repeated one to its first occurrence', () => {
    // New York, 2026-03-08 02:00 EST → 03:00 EDT: 02:30 does not exist.
    const skipped = parseLocal('2026-03-08 02:30:00', 'America/New_York')!;
    assert.ok(
      skipped.getTime() >= Date.parse('2026-03-08T07:00:00Z') &&
        skipped.getTime() <= Date.parse('2026-03-08T07:30:00Z'),
    );
    // 2026-11-01 01:30 happens twice (EDT then EST): the first is 05:30Z.
    assert.equal(
      parseLocal('2026-11-01 01:30:00', 'America/New_York')?.toISOString(),
      '2026-11-01T05:30:00.000Z',
    );
    // East of UTC too (this once came out as the second occurrence): Berlin 2026-10-25 02:30 is
    // 00:30Z (CEST) then 01:30Z (CET); Sydney 2026-04-05 02:30 is 15:30Z (AEDT) then 16:30Z (AEST).
    assert.equal(
      parseLocal('2026-10-25 02:30:00', 'Europe/Berlin')?.toISOString(),
      '2026-10-25T00:30:00.000Z',
    );
    assert.equal(
      parseLocal('2026-04-05 02:30:00', 'Australia/Sydney')?.toISOString(),
      '2026-04-04T15:30:00.000Z',
    );
    // Round trip across a whole year in a DST zone.
    for (let m = 1; m <= 12; m++) {
      const text = `2026-${String(m).padStart(2, '0')}-15 08:00:00`;
      assert.equal(formatLocal(parseLocal(text, 'Europe/London')!, 'Europe/London'), text);
    }
  });

  it(
    'formats like Intl itself, every 7 minutes over days of offset changes (the hourly cache)',
    { timeout: 20_000 },
    () => {
      // Zones with whole-hour, half-hour (Lord Howe) and odd (Kathmandu, Chatham) offsets and changes.
      const days: Array<[string, string]> = [
        ['Europe/Berlin', '2026-03-29'],
        ['Europe/Berlin', '2026-10-25'],
        ['America/New_York', '2026-11-01'],
        ['Australia/Lord_Howe', '2026-04-05'],
        ['Australia/Lord_Howe', '2026-10-04'],
        ['Pacific/Chatham', '2026-04-05'],
        ['Asia/Kathmandu', '2026-06-01'],
        ['UTC', '2026-06-01'],
      ];
      for (const [tz, day] of days) {
        const intl = new Intl.DateTimeFormat('sv-SE', {
          timeZone: tz,
          hourCycle: 'h23',
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
          second: '2-digit',
        });
        const start = Date.parse(`${day}T00:00:00Z`) - 86_400_000;
        for (let t = start; t < start + 3 * 86_400_000; t += 7 * 60_000 + 13_000) {
          const text = formatLocal(new Date(t), tz);
          assert.equal(text, intl.format(new Date(t)), `${tz} ${new Date(t).toISOString()}`);
          const back = parseLocal(text, tz)!;
          // A repeated wall-clock time reads as its first occurrence; every other one as itself.
          assert.ok(back.getTime() <= t && formatLocal(back, tz) === text, `${tz} ${text}`);
        }
      }
    },
  );

  it('refuses what is not a real time', () => {
    for (const bad of [
      '2026-02-29 07:00:00',
      '2026-13-01 00:00:00',
      '2026-01-01 24:00:00',
      '2026-01-01 23:60:00',
      '2026-1-1 07:00:00',
      '2026-01-01T07:00:00',
      '',
    ])
      assert.equal(parseLocal(bad, 'UTC'), undefined, bad);
    assert.ok(parseLocal('2024-02-29 07:00:00', 'UTC'));
    assert.equal(isValidTimeZone('Asia/Shanghai'), true);
    assert.equal(isValidTimeZone('Nowhere/City'), false);
  });
});

describe('room set', () => {
  it('takes numbers and ranges, and nothing else', () => {
    const s = RoomSet.parse('8001-8004, 8101,0901-0902');
    assert.equal(s.size, 7);
    assert.deepEqual([...s], ['8001', '8002', '8003', '8004', '8101', '0901', '0902']);
    for (const yes of ['8001', '8004', '8101', '0901']) assert.equal(s.has(yes), true, yes);
    for (const no of ['8005', '800', '08001', '8101 ', '901', '', '8001;'])
      assert.equal(s.has(no), false, no);
  });

  it('explains a bad value', () => {
    assert.throws(() => RoomSet.parse('8004-8001'), /the end is below the start/);
    assert.throws(() => RoomSet.parse('800-8001'), /same number of digits/);
    assert.throws(() => RoomSet.parse('80a1'), /not an extension or a range/);
    assert.throws(() => RoomSet.parse(' , '), /must list the room extensions/);
    assert.throws(() => RoomSet.parse('10000-99999'), /at most 20000/);
  });
});

describe('keyed lock', () => {
  it('runs one holder per key at a time, other keys in parallel, and survives a failing holder', async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a1 = lock.run('a', async () => {
      order.push('a1 start');
      await gate;
      order.push('a1 end');
    });
    const a2 = lock.run(['b', 'a'], async () => void order.push('a2'));
    const c = lock.run('c', async () => void order.push('c'));
    await c;
    assert.deepEqual(order, ['a1 start', 'c']);
    release();
    await Promise.all([a1, a2]);
    assert.deepEqual(order, ['a1 start', 'c', 'a1 end', 'a2']);
    await assert.rejects(lock.run('a', async () => Promise.reject(new Error('x'))));
    assert.equal(await lock.run('a', async () => 'after'), 'after');
  });
});
