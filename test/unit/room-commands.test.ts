// The six room commands through a real session, with an in-memory store and a fake AMI that keeps an
// AstDB: replies, what the store holds, what AstDB holds, and that a refusal changes nothing anywhere.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PmsClient } from '../../src/client/pms-client.js';
import { cleanRoom } from '../../src/store/rooms.js';
import { startHarness, type Harness } from './support/harness.js';

const set = (method: string, fields: Array<[string, string]>): Array<[string, string]> => [
  ['Action', 'Set'],
  ['CallMethod', method],
  ...fields,
];

describe('room commands', () => {
  let h: Harness;
  let c: PmsClient;
  before(async () => {
    h = await startHarness();
    c = await h.loggedIn();
  });
  after(() => h.close());
  beforeEach(() => {
    h.store.rows.clear();
    h.ami.db.clear();
    h.ami.failWhen = undefined;
    h.ami.state = 'ready';
    // A new, empty store and AstDB behind the service: what it knew of them is gone (as at a reconnect).
    h.rooms.forget();
  });

  /** Sends a command, expects an error with `message`, and checks nothing changed anywhere. */
  async function refused(
    method: string,
    fields: Array<[string, string]>,
    message: string | RegExp,
  ): Promise<void> {
    const storeBefore = JSON.stringify([...h.store.rows]);
    const dbBefore = JSON.stringify([...h.ami.db]);
    const r = await c.call(set(method, fields));
    assert.equal(r.get('Response'), 'Error', `${method} ${JSON.stringify(fields)} was accepted`);
    if (typeof message === 'string') assert.equal(r.get('Message'), message);
    else assert.match(r.get('Message')!, message);
    assert.equal(JSON.stringify([...h.store.rows]), storeBefore, 'store changed');
    assert.equal(JSON.stringify([...h.ami.db]), dbBefore, 'AstDB changed');
  }

  it('5.4.1 ExtenLimit (seed demo) sets the class in the store and AstDB and echoes Phone and Limit', async () => {
    const r = await c.call(
      set('ExtenLimit', [
        ['SeqID', '123456'],
        ['Phone', '8001'],
        ['Limit', '4'],
      ]),
    );
    assert.deepEqual(
      [...r],
      [
        ['ServiceType', 'PMS'],
        ['Action', 'Set'],
        ['SeqID', '123456'],
        ['Response', 'Success'],
        ['CallMethod', 'ExtenLimit'],
        ['Phone', '8001'],
        ['Limit', '4'],
      ],
    );
    assert.equal((await h.store.get('8001')).classOfService, 4);
    assert.equal(h.ami.db.get('pms/8001/class'), '4');
  });

  it('ExtenLimit refusals: unknown room, not digits, Limit 0/6/x/missing', async () => {
    await refused(
      'ExtenLimit',
      [
        ['Phone', '8999'],
        ['Limit', '2'],
      ],
      'Phone 8999 is not a room extension of this hotel',
    );
    await refused(
      'ExtenLimit',
      [
        ['Phone', '80;01'],
        ['Limit', '2'],
      ],
      'Phone must be an extension (digits only), got "80;01"',
    );
    await refused('ExtenLimit', [['Limit', '2']], 'Phone is required');
    for (const bad of ['0', '6', 'x', '1.5', ' 3 4'])
      await refused(
        'ExtenLimit',
        [
          ['Phone', '8001'],
          ['Limit', bad],
        ],
        /^Limit must be 1 to 5, got /,
      );
    await refused('ExtenLimit', [['Phone', '8001']], 'Limit is required (1 to 5)');
  });

  it('5.4.2 ExtenName stores a Chinese name and mirrors it; an empty Name clears it', async () => {
    const r = await c.call(
      set('ExtenName', [
        ['Phone', '8001'],
        ['Name', '张三丰'],
      ]),
    );
    assert.equal(r.get('Response'), 'Success');
    assert.equal(r.get('Name'), '张三丰');
    assert.equal((await h.store.get('8001')).guestName, '张三丰');
    assert.equal(h.ami.db.get('pms/8001/name'), '张三丰');
    await c.call(
      set('ExtenName', [
        ['Phone', '8001'],
        ['Name', ''],
      ]),
    );
    assert.equal((await h.store.get('8001')).guestName, null);
    assert.equal(h.ami.db.get('pms/8001/name'), '');
  });

  it('ExtenName refusals: control characters, bidi overrides, quotes, over 64 characters', async () => {
    await refused(
      'ExtenName',
      [
        ['Phone', '8001'],
        ['Name', 'a\tb'],
      ],
      'Name must not contain control characters',
    );
    await refused(
      'ExtenName',
      [
        ['Phone', '8001'],
        ['Name', 'evil\u202egnp.exe'],
      ],
      'Name must not contain bidirectional control characters',
    );
    await refused(
      'ExtenName',
      [
        ['Phone', '8001'],
        ['Name', 'a "quoted" name'],
      ],
      'Name must not contain " or \\',
    );
    await refused(
      'ExtenName',
      [
        ['Phone', '8001'],
        ['Name', '张'.repeat(65)],
      ],
      'Name is longer than 64 characters',
    );
    const ok = await c.call(
      set('ExtenName', [
        ['Phone', '8001'],
        ['Name', '张'.repeat(64)],
      ]),
    );
    assert.equal(ok.get('Response'), 'Success');
  });

  it('5.4.3 ExtenDND (seed demo) stores the window in UTC and mirrors epochs; Use 0 clears it', async () => {
    const r = await c.call(
      set('ExtenDND', [
        ['Phone', '8001'],
        ['Use', '1'],
        ['Start', '2012-03-08 07:30:00'],
        ['End', '2012-03-08 15:30:00'],
      ]),
    );
    assert.deepEqual([...r].slice(5), [
      ['Phone', '8001'],
      ['Use', '1'],
      ['Start', '2012-03-08 07:30:00'],
      ['End', '2012-03-08 15:30:00'],
    ]);
    // Asia/Shanghai is UTC+8.
    const room = await h.store.get('8001');
    assert.deepEqual(room.dnd, {
      on: true,
      start: new Date('2012-03-07T23:30:00Z'),
      end: new Date('2012-03-08T07:30:00Z'),
    });
    assert.deepEqual(h.ami.room('8001'), {
      class: '1',
      name: '',
      dnd: '1',
      dnd_from: String(Date.parse('2012-03-07T23:30:00Z') / 1000),
      dnd_until: String(Date.parse('2012-03-08T07:30:00Z') / 1000),
      group: 'Default',
    });
    await c.call(
      set('ExtenDND', [
        ['Phone', '8001'],
        ['Use', '0'],
      ]),
    );
    assert.deepEqual((await h.store.get('8001')).dnd, { on: false, start: null, end: null });
    assert.equal(h.ami.db.get('pms/8001/dnd'), '0');
  });

  it('ExtenDND Use 1 without a window is on until cancelled', async () => {
    const r = await c.call(
      set('ExtenDND', [
        ['Phone', '8002'],
        ['Use', '1'],
      ]),
    );
    assert.equal(r.get('Response'), 'Success');
    assert.equal(r.has('Start'), false);
    assert.deepEqual(h.ami.room('8002').dnd_from, '0');
    assert.deepEqual(h.ami.room('8002').dnd_until, '0');
  });

  it('ExtenDND refusals: malformed or impossible times, End not after Start, half a window, Use 2', async () => {
    const dnd = (start: string, end: string): Array<[string, string]> => [
      ['Phone', '8001'],
      ['Use', '1'],
      ['Start', start],
      ['End', end],
    ];
    await refused(
      'ExtenDND',
      dnd('2012-03-08 7:30', '2012-03-08 15:30:00'),
      'Start must be a real time YYYY-MM-DD hh:mm:ss, got "2012-03-08 7:30"',
    );
    await refused(
      'ExtenDND',
      dnd('2012-02-30 07:30:00', '2012-03-08 15:30:00'),
      /^Start must be a real time/,
    );
    await refused('ExtenDND', dnd('2012-03-08 07:30:00', '2012-03-08 24:00:00'), /^End must be a real time/);
    await refused('ExtenDND', dnd('2012-03-08 15:30:00', '2012-03-08 07:30:00'), 'End must be after Start');
    await refused('ExtenDND', dnd('2012-03-08 07:30:00', '2012-03-08 07:30:00'), 'End must be after Start');
    await refused(
      'ExtenDND',
      [
        ['Phone', '8001'],
        ['Use', '1'],
        ['Start', '2012-03-08 07:30:00'],
      ],
      /^Start and End must be given together/,
    );
    await refused(
      'ExtenDND',
      [
        ['Phone', '8001'],
        ['Use', '2'],
      ],
      'Use must be 0 or 1, got "2"',
    );
    await refused('ExtenDND', [['Phone', '8001']], 'Use is required (0 or 1)');
  });

  it('5.4.7 CheckIn defaults: Name = the number, Limit = 1; with values it sets both', async () => {
    const r = await c.call(
      set('CheckIn', [
        ['Phone', '8001'],
        ['Name', ''],
        ['Limit', ''],
      ]),
    );
    assert.deepEqual([...r].slice(5), [
      ['Phone', '8001'],
      ['Name', '8001'],
      ['Limit', '1'],
    ]);
    const r2 = await c.call(
      set('CheckIn', [
        ['Phone', '8002'],
        ['Name', 'Ms Müller'],
        ['Limit', '3'],
      ]),
    );
    assert.equal(r2.get('Limit'), '3');
    const room = await h.store.get('8002');
    assert.equal(room.guestName, 'Ms Müller');
    assert.equal(room.classOfService, 3);
    assert.ok(room.checkedInAt instanceof Date);
    assert.equal(h.ami.db.get('pms/8002/name'), 'Ms Müller');
    await refused(
      'CheckIn',
      [
        ['Phone', '8002'],
        ['Limit', '9'],
      ],
      'Limit must be 1 to 5, got "9"',
    );
  });

  it('5.4.8 ExtenClean resets everything and runs the clean hooks in the same transaction', async () => {
    const cleaned: string[] = [];
    h.rooms.addHooks({ clean: async (ext) => void cleaned.push(ext) });
    await c.call(
      set('CheckIn', [
        ['Phone', '8003'],
        ['Name', '李四'],
        ['Limit', '5'],
      ]),
    );
    await c.call(
      set('ExtenDND', [
        ['Phone', '8003'],
        ['Use', '1'],
      ]),
    );
    const r = await c.call(set('ExtenClean', [['Phone', '8003']]));
    assert.deepEqual([...r].slice(5), [['Phone', '8003']]);
    assert.deepEqual(await h.store.get('8003'), cleanRoom('8003'));
    assert.deepEqual(h.ami.room('8003'), {
      class: '1',
      name: '',
      dnd: '0',
      dnd_from: '0',
      dnd_until: '0',
      group: 'Default',
    });
    assert.ok(cleaned.includes('8003'));
  });

  it('5.4.6 ChangeRoom moves name, class and DND; the old room is clean, in store and AstDB', async () => {
    await c.call(
      set('CheckIn', [
        ['Phone', '8001'],
        ['Name', '王五'],
        ['Limit', '4'],
      ]),
    );
    await c.call(
      set('ExtenDND', [
        ['Phone', '8001'],
        ['Use', '1'],
      ]),
    );
    const r = await c.call(
      set('ChangeRoom', [
        ['FromPhone', '8001'],
        ['ToPhone', '8002'],
      ]),
    );
    assert.deepEqual([...r].slice(5), [
      ['FromPhone', '8001'],
      ['ToPhone', '8002'],
    ]);
    const moved = await h.store.get('8002');
    assert.equal(moved.guestName, '王五');
    assert.equal(moved.classOfService, 4);
    assert.equal(moved.dnd.on, true);
    assert.deepEqual(await h.store.get('8001'), cleanRoom('8001'));
    assert.deepEqual(h.ami.room('8002'), {
      class: '4',
      name: '王五',
      dnd: '1',
      dnd_from: '0',
      dnd_until: '0',
      group: 'Default',
    });
    assert.equal(h.ami.room('8001').class, '1');
    assert.equal(h.ami.room('8001').name, '');
    await refused(
      'ChangeRoom',
      [
        ['FromPhone', '8002'],
        ['ToPhone', '8002'],
      ],
      'FromPhone and ToPhone are the same room',
    );
    await refused(
      'ChangeRoom',
      [
        ['FromPhone', '8002'],
        ['ToPhone', '9999'],
      ],
      'ToPhone 9999 is not a room extension of this hotel',
    );
  });

  it('with the PBX down a room command is refused at once and nothing is stored', async () => {
    h.ami.state = 'reconnecting';
    await refused(
      'ExtenLimit',
      [
        ['Phone', '8001'],
        ['Limit', '3'],
      ],
      'PBX unreachable: AMI link is reconnecting',
    );
    await refused(
      'ChangeRoom',
      [
        ['FromPhone', '8001'],
        ['ToPhone', '8002'],
      ],
      'PBX unreachable: AMI link is reconnecting',
    );
  });

  it('a link that drops in the middle of the AstDB write leaves the store as it was, and AstDB restored', async () => {
    await c.call(
      set('CheckIn', [
        ['Phone', '8001'],
        ['Name', 'Before'],
        ['Limit', '2'],
      ]),
    );
    const storeBefore = await h.store.get('8001');
    let failures = 1;
    // The change writes only its changed keys (name, class): the link drops at the second.
    h.ami.failWhen = (name, f) => name === 'DBPut' && f.Key === '8001/class' && failures-- > 0;
    const r = await c.call(
      set('CheckIn', [
        ['Phone', '8001'],
        ['Name', 'After'],
        ['Limit', '5'],
      ]),
    );
    assert.equal(r.get('Response'), 'Error');
    assert.equal(r.get('Message'), 'PBX unreachable: AMI link lost');
    assert.deepEqual(await h.store.get('8001'), storeBefore);
    assert.equal(h.ami.db.get('pms/8001/name'), 'Before');
    assert.equal(h.ami.db.get('pms/8001/class'), '2');
  });

  it('a ChangeRoom that fails half-way rolls back both rooms', async () => {
    await c.call(
      set('CheckIn', [
        ['Phone', '8001'],
        ['Name', 'Guest'],
        ['Limit', '3'],
      ]),
    );
    const before = JSON.stringify([...h.store.rows]);
    const astdb8001 = h.ami.room('8001');
    h.ami.failWhen = (name, f) => name === 'DBPut' && f.Key === '8002/class';
    const r = await c.call(
      set('ChangeRoom', [
        ['FromPhone', '8001'],
        ['ToPhone', '8002'],
      ]),
    );
    assert.equal(r.get('Message'), 'PBX unreachable: AMI link lost');
    assert.equal(JSON.stringify([...h.store.rows]), before);
    assert.deepEqual(h.ami.room('8001'), astdb8001);
    // 8002 was never written: what the restore could write of it is its clean state (class is missing, = 1).
    assert.deepEqual(h.ami.room('8002'), {
      name: '',
      dnd: '0',
      dnd_from: '0',
      dnd_until: '0',
      group: 'Default',
    });
  });

  it('a change writes only the AstDB keys whose values change; an unchanged one writes nothing', async () => {
    const puts = (): string[] =>
      h.ami.sent.filter((a) => a.name === 'DBPut').map((a) => String(a.fields.Key));
    const saves: string[] = [];
    const save = h.store.save.bind(h.store);
    h.store.save = async (room, tx) => {
      saves.push(room.extension);
      return save(room, tx);
    };
    try {
      // The room's first write since the links came up is whole: its AstDB is not known yet.
      await c.call(
        set('ExtenName', [
          ['Phone', '8002'],
          ['Name', 'First'],
        ]),
      );
      h.ami.sent.length = 0;
      await c.call(
        set('ExtenName', [
          ['Phone', '8002'],
          ['Name', 'Second'],
        ]),
      );
      assert.deepEqual(puts(), ['8002/name']);
      assert.equal(h.ami.db.get('pms/8002/name'), 'Second');
      assert.equal((await h.store.get('8002')).guestName, 'Second');
      h.ami.sent.length = 0;
      saves.length = 0;
      const same = await c.call(
        set('ExtenName', [
          ['Phone', '8002'],
          ['Name', 'Second'],
        ]),
      );
      assert.equal(same.get('Response'), 'Success');
      assert.deepEqual(puts(), []);
      assert.deepEqual(saves, []);
      // After the links changed (a reconnect: Asterisk may have lost its AstDB), the next write is whole.
      h.rooms.forget();
      h.ami.db.clear();
      await c.call(
        set('ExtenLimit', [
          ['Phone', '8002'],
          ['Limit', '4'],
        ]),
      );
      assert.deepEqual(h.ami.room('8002'), {
        class: '4',
        name: 'Second',
        dnd: '0',
        dnd_from: '0',
        dnd_until: '0',
        group: 'Default',
      });
    } finally {
      h.store.save = save;
    }
  });

  it('a change that failed is written whole next time, from the store read again', async () => {
    await c.call(
      set('CheckIn', [
        ['Phone', '8003'],
        ['Name', 'Kept'],
        ['Limit', '2'],
      ]),
    );
    h.ami.failWhen = (name, f) => name === 'DBPut' && f.Key === '8003/name';
    const r = await c.call(
      set('ExtenName', [
        ['Phone', '8003'],
        ['Name', 'Lost'],
      ]),
    );
    assert.equal(r.get('Response'), 'Error');
    h.ami.failWhen = undefined;
    // The store changed behind the service (as a lost commit that was kept would): it is read again.
    h.store.rows.set('8003', { ...(await h.store.get('8003')), classOfService: 5 });
    h.ami.sent.length = 0;
    await c.call(
      set('ExtenName', [
        ['Phone', '8003'],
        ['Name', 'Again'],
      ]),
    );
    assert.equal(h.ami.sent.filter((a) => a.name === 'DBPut').length, 6);
    assert.equal(h.ami.db.get('pms/8003/class'), '5');
    assert.equal((await h.store.get('8003')).classOfService, 5);
  });

  it('re-sync writes the numbering and every configured room from the store', async () => {
    await c.call(
      set('CheckIn', [
        ['Phone', '8004'],
        ['Name', 'Resync'],
        ['Limit', '5'],
      ]),
    );
    h.ami.db.clear();
    const { rooms } = await h.rooms.resync();
    assert.equal(rooms, 5); // 8001-8004 and 8101
    assert.equal(h.ami.db.get('pms/8004/class'), '5');
    assert.equal(h.ami.db.get('pms/8004/name'), 'Resync');
    assert.equal(h.ami.db.get('pms/8101/class'), '1');
    assert.equal(h.ami.db.get('pms/numbering/outside'), '9');
    assert.equal(h.ami.db.get('pms/numbering/emergency'), '110,112,119,120,122');
  });

  it('re-sync writes what the store holds when it takes the room, not an earlier snapshot (regression)', async () => {
    // A check-in committed after re-sync listed the rooms used to be overwritten with a clean room.
    await c.call(
      set('CheckIn', [
        ['Phone', '8003'],
        ['Name', 'Late guest'],
        ['Limit', '4'],
      ]),
    );
    const list = h.store.list.bind(h.store);
    h.store.list = async () => [];
    try {
      h.ami.db.clear();
      await h.rooms.resync();
    } finally {
      h.store.list = list;
    }
    assert.equal(h.ami.db.get('pms/8003/name'), 'Late guest');
    assert.equal(h.ami.db.get('pms/8003/class'), '4');
  });

  it('concurrent commands on one room from two sessions do not lose an update', async () => {
    const other = await h.loggedIn();
    await Promise.all([
      c.call(
        set('ExtenLimit', [
          ['Phone', '8001'],
          ['Limit', '5'],
        ]),
      ),
      other.call(
        set('ExtenName', [
          ['Phone', '8001'],
          ['Name', 'Both'],
        ]),
      ),
    ]);
    const room = await h.store.get('8001');
    assert.equal(room.classOfService, 5);
    assert.equal(room.guestName, 'Both');
  });
});

describe('request deadline', () => {
  it('regression: a command answered "timed out" while queued behind its room is never applied later', async () => {
    const h = await startHarness({}, [], 300);
    try {
      const c = await h.loggedIn();
      let release!: () => void;
      const held = h.rooms.exclusive('8001', () => new Promise<void>((r) => (release = r)));
      const r = await c.call(
        set('ExtenName', [
          ['Phone', '8001'],
          ['Name', 'Too late'],
        ]),
      );
      assert.equal(r.get('Response'), 'Error');
      assert.equal(r.get('Message'), 'Request timed out in the engine: it may not have been applied');
      release();
      await held;
      // The queued command now gets the lock: it must give up, not write what the PMS was told failed.
      const r2 = await c.call(
        set('ExtenLimit', [
          ['Phone', '8001'],
          ['Limit', '3'],
        ]),
      );
      assert.equal(r2.get('Response'), 'Success');
      assert.equal((await h.store.get('8001')).guestName, null);
      assert.equal(h.ami.db.get('pms/8001/name'), '');
    } finally {
      await h.close();
    }
  });
});
