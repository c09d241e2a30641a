// Room state end to end on the lab: PMS commands → engine → store + AstDB → dialplan → real phones.
// What a hotel would check: a room dials exactly what its class allows, DND makes it busy, the guest's
// name shows on the called phone, room changes and check-outs move/clear everything, bad input
// changes nothing (store and AstDB), and a PBX that lost its AstDB gets it back on its own.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PmsClient } from '../../src/client/pms-client.js';
import type { Engine } from '../../src/engine.js';
import { cleanRoom } from '../../src/store/rooms.js';
import { formatLocal } from '../../src/time/zone.js';
import { asteriskCli, requireLab, waitForAsterisk } from '../lab/lab.js';
import { startLabEngine } from '../lab/engine.js';
import { phone } from '../lab/phone.js';
import { cdrFor } from '../lab/cdr.js';
import { waitFor } from '../support/wait.js';

const ROOMS = ['8001', '8002', '8003', '8004'];

/** One number per category of seed 000 §5.4.1, in the lab's numbering (lab/lab.env). */
const CATEGORIES: Array<{ category: number; what: string; number: string }> = [
  { category: 1, what: 'this PBX (room 8002)', number: '8002' },
  { category: 2, what: 'enterprise', number: '7001' },
  { category: 3, what: 'local', number: '987654321' },
  { category: 4, what: 'national long distance', number: '901012345678' },
  { category: 5, what: 'international', number: '900442079460000' },
];

/** AstDB values of one room, read back through the Asterisk CLI. */
async function astdbRoom(ext: string): Promise<Record<string, string>> {
  const out = await asteriskCli(`database show pms/${ext}`);
  const values: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^\/pms\/\d+\/(\w+)\s*:\s?(.*?)\s*$/.exec(line);
    if (m) values[m[1]!] = m[2]!;
  }
  return values;
}

describe('room state on the lab', () => {
  let engine: Engine;
  let pms: PmsClient;
  const set = (method: string, fields: Array<[string, string]>) =>
    pms.call([['Action', 'Set'], ['CallMethod', method], ...fields]);
  const ok = async (method: string, fields: Array<[string, string]>) => {
    const r = await set(method, fields);
    assert.equal(r.get('Response'), 'Success', `${method}: ${r.get('Message')}`);
    return r;
  };
  const tz = (): string => engine.config.hotel.timeZone;

  before(async () => {
    await requireLab();
    ({ engine, pms } = await startLabEngine());
  });
  after(async () => {
    for (const ext of ROOMS) await set('ExtenClean', [['Phone', ext]]).catch(() => undefined);
    await pms?.close();
    await engine?.stop();
  });

  it('ExtenClean puts every room in the clean state, in AstDB too', async () => {
    for (const ext of ROOMS) await ok('ExtenClean', [['Phone', ext]]);
    assert.deepEqual(await astdbRoom('8001'), {
      class: '1',
      dnd: '0',
      dnd_from: '0',
      dnd_until: '0',
      group: 'Default',
      name: '',
    });
  });

  for (let limit = 1; limit <= 5; limit++) {
    it(`ExtenLimit ${limit}: room 8001 reaches exactly the categories up to ${limit}, and the CDR says so`, async () => {
      await ok('ExtenLimit', [
        ['Phone', '8001'],
        ['Limit', String(limit)],
      ]);
      for (const { category, what, number } of CATEGORIES) {
        const since = new Date(Date.now() - 1000);
        const call = await phone('8001').dial(number, { holdMs: 400, timeoutMs: 15_000 });
        const allowed = category <= limit;
        assert.equal(
          call.established,
          allowed,
          `class ${limit} dialling ${what} (${number}): ${call.closedReason}`,
        );
        const row = await cdrFor({ src: '8001', dst: number, since });
        if (allowed) {
          assert.equal(row.disposition, 'ANSWERED', `${what}: ${JSON.stringify(row)}`);
          assert.doesNotMatch(row.userfield, /refused/);
        } else {
          assert.notEqual(row.disposition, 'ANSWERED', `${what}: ${JSON.stringify(row)}`);
          assert.match(row.userfield, new RegExp(`^pms:refused`), `${what}: ${JSON.stringify(row)}`);
        }
      }
    });
  }

  /** Calls 8002 from 8003; returns the outcome, its CDR row, and both as text for messages. */
  const call8002 = async () => {
    const since = new Date(Date.now() - 1000);
    const outcome = await phone('8003').dial('8002', { holdMs: 300, timeoutMs: 15_000 });
    const cdr = await cdrFor({ src: '8003', dst: '8002', since });
    return { outcome, cdr, info: `${outcome.closedReason}; CDR ${JSON.stringify(cdr)}` };
  };
  /** What dialplan.test.ts checks for a call refused for DND: busy (486) and the CDR says pms:dnd. */
  const assertDndBusy = (c: Awaited<ReturnType<typeof call8002>>, what: string): void => {
    assert.equal(c.outcome.established, false, `${what}: ${c.info}`);
    assert.match(c.outcome.closedReason, /486|busy/i, `${what}: ${c.info}`);
    assert.equal(c.cdr.userfield, 'pms:dnd', `${what}: ${c.info}`);
    assert.equal(c.cdr.disposition, 'BUSY', `${what}: ${c.info}`);
  };
  const assertRings = (c: Awaited<ReturnType<typeof call8002>>, what: string): void => {
    assert.equal(c.outcome.established, true, `${what}: ${c.info}`);
    assert.notEqual(c.cdr.userfield, 'pms:dnd', `${what}: ${c.info}`);
    assert.equal(c.cdr.disposition, 'ANSWERED', `${what}: ${c.info}`);
  };

  it('DND on 8002: 8003 gets busy (486, CDR pms:dnd); after Use 0 the call rings 8002', async () => {
    await ok('ExtenDND', [
      ['Phone', '8002'],
      ['Use', '1'],
    ]);
    assertDndBusy(await call8002(), 'DND on');
    await ok('ExtenDND', [
      ['Phone', '8002'],
      ['Use', '0'],
    ]);
    assertRings(await call8002(), 'DND off');
  });

  it('a DND window in the past or the future is not active (rings); one around now is (486, pms:dnd)', async () => {
    const at = (minutes: number): string => formatLocal(new Date(Date.now() + minutes * 60_000), tz());
    const windows: Array<[string, number, number, boolean]> = [
      ['past', -120, -60, false],
      ['future', 60, 120, false],
      ['around now', -5, 60, true],
    ];
    for (const [what, from, until, active] of windows) {
      await ok('ExtenDND', [
        ['Phone', '8002'],
        ['Use', '1'],
        ['Start', at(from)],
        ['End', at(until)],
      ]);
      const c = await call8002();
      if (active) assertDndBusy(c, `window ${what}`);
      else assertRings(c, `window ${what}`);
    }
    await ok('ExtenDND', [
      ['Phone', '8002'],
      ['Use', '0'],
    ]);
  });

  it('ExtenName with a Chinese name: a call from the room shows it on the called phone', async () => {
    await ok('ExtenName', [
      ['Phone', '8001'],
      ['Name', '张三丰'],
    ]);
    const callee = phone('8002');
    const call = await phone('8001').dial('8002', { holdMs: 300 });
    assert.equal(call.established, true, call.closedReason);
    const incoming = await callee.waitForEvent('CALL_INCOMING', 5_000);
    assert.equal(incoming.callerName, '张三丰');
  });

  it('ChangeRoom 8001 → 8003 moves name, class and DND; 8001 is clean (store and AstDB)', async () => {
    await ok('CheckIn', [
      ['Phone', '8001'],
      ['Name', '王五'],
      ['Limit', '4'],
    ]);
    await ok('ExtenDND', [
      ['Phone', '8001'],
      ['Use', '1'],
    ]);
    await ok('ChangeRoom', [
      ['FromPhone', '8001'],
      ['ToPhone', '8003'],
    ]);
    const moved = await engine.rooms.get('8003');
    assert.equal(moved.guestName, '王五');
    assert.equal(moved.classOfService, 4);
    assert.equal(moved.dnd.on, true);
    assert.deepEqual(await engine.rooms.get('8001'), cleanRoom('8001'));
    assert.deepEqual(await astdbRoom('8003'), {
      class: '4',
      dnd: '1',
      dnd_from: '0',
      dnd_until: '0',
      group: 'Default',
      name: '王五',
    });
    assert.deepEqual(await astdbRoom('8001'), {
      class: '1',
      dnd: '0',
      dnd_from: '0',
      dnd_until: '0',
      group: 'Default',
      name: '',
    });
    // The moved DND is live: 8002 calling 8003 is busy.
    const busy = await phone('8002').dial('8003', { holdMs: 300 });
    assert.equal(busy.established, false);
  });

  it('ExtenClean clears everything of 8003', async () => {
    await ok('ExtenClean', [['Phone', '8003']]);
    assert.deepEqual(await engine.rooms.get('8003'), cleanRoom('8003'));
    assert.deepEqual(await astdbRoom('8003'), {
      class: '1',
      dnd: '0',
      dnd_from: '0',
      dnd_until: '0',
      group: 'Default',
      name: '',
    });
  });

  it('bad input gets a clear error and changes nothing, in the store and in AstDB', async () => {
    await ok('CheckIn', [
      ['Phone', '8004'],
      ['Name', 'Keep'],
      ['Limit', '2'],
    ]);
    const storeBefore = await engine.rooms.get('8004');
    const astdbBefore = await astdbRoom('8004');
    const cases: Array<[string, Array<[string, string]>, RegExp]> = [
      [
        'ExtenLimit',
        [
          ['Phone', '8999'],
          ['Limit', '3'],
        ],
        /8999 is not a room extension/,
      ],
      [
        'ExtenLimit',
        [
          ['Phone', '8004'],
          ['Limit', '6'],
        ],
        /Limit must be 1 to 5/,
      ],
      [
        'ExtenDND',
        [
          ['Phone', '8004'],
          ['Use', '1'],
          ['Start', '2026-13-01 00:00:00'],
          ['End', '2026-12-01 00:00:00'],
        ],
        /Start must be a real time/,
      ],
      [
        'ExtenName',
        [
          ['Phone', '8004'],
          ['Name', 'bell\u0007name'],
        ],
        /[Cc]ontrol character/,
      ],
      [
        'CheckIn',
        [
          ['Phone', '8004'],
          ['Name', 'x'],
          ['Limit', '0'],
        ],
        /Limit must be 1 to 5/,
      ],
      [
        'ChangeRoom',
        [
          ['FromPhone', '8004'],
          ['ToPhone', '80 01'],
        ],
        /ToPhone must be an extension/,
      ],
    ];
    for (const [method, fields, message] of cases) {
      const r = await set(method, fields);
      assert.equal(r.get('Response'), 'Error', `${method} accepted ${JSON.stringify(fields)}`);
      assert.match(r.get('Message')!, message);
    }
    assert.deepEqual(await engine.rooms.get('8004'), storeBefore);
    assert.deepEqual(await astdbRoom('8004'), astdbBefore);
  });

  it('after Asterisk loses its AstDB and restarts, the room state is back without any PMS command', async () => {
    await ok('CheckIn', [
      ['Phone', '8002'],
      ['Name', 'Restart 李'],
      ['Limit', '5'],
    ]);
    await asteriskCli('database deltree pms');
    assert.deepEqual(await astdbRoom('8002'), {});
    const resynced = waitFor(engine, 'resynced', 90_000);
    await asteriskCli('core restart now');
    await waitForAsterisk(60_000);
    await resynced;
    assert.deepEqual(await astdbRoom('8002'), {
      class: '5',
      dnd: '0',
      dnd_from: '0',
      dnd_until: '0',
      group: 'Default',
      name: 'Restart 李',
    });
    assert.equal((await asteriskCli('database get pms numbering/outside')).trim(), 'Value: 9');
    // And the dialplan uses it: class 5 reaches an international number again.
    const call = await phone('8002').dial(CATEGORIES[4]!.number, { holdMs: 300 });
    assert.equal(call.established, true, call.closedReason);
  });
});
