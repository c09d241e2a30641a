// GetCDR (seed 000 §5.4.10) against a call-record table of known content: the test creates
// asteriskcdrdb_test.cdr (asterisk-conf/sql/cdr.sql), seeds the rows below, and checks every reply
// against records worked out by hand from them: each filter alone and combined, the inclusive time
// bounds, paging (the last partial page, a page past the end), group filters, the split of a page and
// of an export over several messages (cdr.maxRecordsPerMessage 7), every error, the seed's own demo
// request byte for byte, and the conversion from the zone Asterisk writes in to the hotel's.
//
// The lab's numbering (lab/lab.env): outside code 9, local area 0512, national prefix 0,
// international prefix 00, enterprise prefix 7, emergency 110,119,120,122.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame } from '../../src/protocol/index.js';
import { PmsClient } from '../../src/client/pms-client.js';
import { requireLab } from '../lab/lab.js';
import {
  type Row,
  ROWS,
  W_START,
  W_END,
  DEMO_RECORD,
  record,
  between,
  inGroup,
  answer,
  seedDatabase,
  type Session,
  startEngine,
} from '../fixtures/cdr-seed.js';
import { waitFor } from '../support/wait.js';
type Fields = Array<[string, string]>;

describe('GetCDR on a seeded call-record table', () => {
  let s: Session;
  const getCdr = (fields: Fields): Promise<Frame[]> =>
    s.pms.request([['Action', 'Query'], ['CallMethod', 'GetCDR'], ...fields]);
  /** An export (no paging) of W with these filters: every message checked, the records returned. */
  const exportW = async (fields: Fields, expected: Row[]): Promise<void> => {
    const frames = await getCdr([['StartTime', W_START], ['EndTime', W_END], ...fields]);
    const n = expected.length;
    const got = answer(frames, { total: n, pageNo: 1, pageCnt: n, count: n });
    assert.deepEqual(
      got,
      expected.map((r) => record(r)),
    );
  };
  const error = async (fields: Fields, message: RegExp): Promise<void> => {
    const frames = await getCdr(fields);
    assert.equal(frames.length, 1);
    const f = frames[0]!;
    assert.equal(f.get('Response'), 'Error', JSON.stringify([...f]));
    assert.equal(f.get('CallMethod'), 'GetCDR');
    assert.match(f.get('Message') ?? '', message, JSON.stringify([...f]));
    assert.equal(f.has('Record'), false);
  };

  before(async () => {
    await requireLab();
    await seedDatabase();
    s = await startEngine({ hotel: 'UTC', cdr: 'UTC' });
  });
  after(async () => {
    await s?.pms.close();
    await s?.engine.stop();
  });

  it('the hand-made expectations hold together (37 rows in W, 5 of them international)', () => {
    assert.equal(between(W_START, W_END).length, 37);
    assert.equal(between(W_START, W_END, (r) => r.type === 'international').length, 5);
    assert.equal(
      record(ROWS[24]!),
      '8002,900442079460000,lab-trunk-far,2026-03-03 23:59:00,2026-03-03 23:59:20,2026-03-04 00:01:00,120,100,international,8,1',
    );
  });

  it('an export of W without filters: all 37 rows in calldate then id order, 6 messages', async () => {
    const frames = await getCdr([
      ['StartTime', W_START],
      ['EndTime', W_END],
    ]);
    assert.equal(frames.length, 6);
    const got = answer(frames, { total: 37, pageNo: 1, pageCnt: 37, count: 37 });
    assert.deepEqual(
      got,
      between(W_START, W_END).map((r) => record(r)),
    );
    // Row 26 (inserted late) comes first; rows 12/13 and 27/28 share a calldate and keep id order.
    assert.match(got[0]!, /^8004,8001,,2026-03-01 07:00:00,/);
  });

  it('empty filter values mean no filter', async () => {
    await exportW(
      [
        ['CallType', ''],
        ['Disposition', ''],
        ['Direction', ''],
        ['SrcType', ''],
        ['SrcNum', ''],
        ['DstType', ''],
        ['DstNum', ''],
        ['PageCnt', ''],
        ['PageNo', ''],
      ],
      between(W_START, W_END),
    );
  });

  it('the time bounds are inclusive, to the second', async () => {
    // W's bounds: rows 36 (a second before) and 37 (a second after) are out.
    const frames = await getCdr([
      ['StartTime', '2026-02-28 23:59:59'],
      ['EndTime', '2026-03-06 00:00:00'],
    ]);
    const got = answer(frames, { total: 39, pageNo: 1, pageCnt: 39, count: 39 });
    assert.equal(got[0], record(ROWS[35]!));
    assert.equal(got[38], record(ROWS[36]!));
    // A one-second range holds exactly the rows of that second.
    const one = await getCdr([
      ['StartTime', '2026-03-01 12:00:00'],
      ['EndTime', '2026-03-01 12:00:00'],
    ]);
    assert.deepEqual(answer(one, { total: 2, pageNo: 1, pageCnt: 2, count: 2 }), [
      record(ROWS[11]!),
      record(ROWS[12]!),
    ]);
  });

  for (const type of ['free', 'local', 'longdistance', 'international'] as const) {
    it(`CallType ${type}`, () =>
      exportW(
        [['CallType', type]],
        between(W_START, W_END, (r) => r.type === type),
      ));
  }

  it('the call types by hand: local includes the area code and emergency numbers', async () => {
    const frames = await getCdr([
      ['StartTime', W_START],
      ['EndTime', W_END],
      ['CallType', 'local'],
    ]);
    const dsts = answer(frames, { total: 8, pageNo: 1, pageCnt: 8, count: 8 }).map((r) => r.split(',')[1]);
    assert.deepEqual(dsts, [
      '987654321',
      '9051287654321',
      '9110',
      '987654321',
      '9051212345678',
      '98765432',
      '987654321',
      '120',
    ]);
  });

  it('Disposition 8: answered only', () =>
    exportW(
      [['Disposition', '8']],
      between(W_START, W_END, (r) => r.disposition === 'ANSWERED'),
    ));

  for (const d of ['0', '1', '2', '4', '9']) {
    it(`Disposition ${d}: every call not answered (busy, no answer, failed)`, () =>
      exportW(
        [['Disposition', d]],
        between(W_START, W_END, (r) => r.disposition !== 'ANSWERED'),
      ));
  }

  for (const dir of [0, 1, 2] as const) {
    it(`Direction ${dir}`, () =>
      exportW(
        [['Direction', String(dir)]],
        between(W_START, W_END, (r) => r.dir === dir),
      ));
  }

  it('Direction 2 by hand: the four calls from the carrier trunk', async () => {
    const frames = await getCdr([
      ['StartTime', W_START],
      ['EndTime', W_END],
      ['Direction', '2'],
    ]);
    assert.deepEqual(answer(frames, { total: 4, pageNo: 1, pageCnt: 4, count: 4 }), [
      '13912345678,8001,carrier,2026-03-01 11:00:00,2026-03-01 11:00:05,2026-03-01 11:00:45,45,40,free,8,2',
      '051287654321,8004,carrier,2026-03-01 11:30:00,,2026-03-01 11:30:25,25,0,free,4,2',
      '13800000000,8002,carrier,2026-03-03 06:30:00,2026-03-03 06:30:10,2026-03-03 06:40:00,600,590,free,8,2',
      '02112345678,8003,carrier,2026-03-04 15:00:00,,2026-03-04 15:00:02,2,0,free,2,2',
    ]);
  });

  it('SrcNum (type 0 and type empty) matches the number exactly', async () => {
    await exportW(
      [
        ['SrcType', '0'],
        ['SrcNum', '8004'],
      ],
      between(W_START, W_END, (r) => r.src === '8004'),
    );
    await exportW([['SrcNum', '13912345678']], [ROWS[9]!]);
    // Exactly: no prefix or substring match.
    await exportW([['SrcNum', '800']], []);
  });

  it('DstNum (type 0) matches the number exactly', async () => {
    await exportW(
      [
        ['DstType', '0'],
        ['DstNum', '8001'],
      ],
      between(W_START, W_END, (r) => r.dst === '8001'),
    );
    await exportW(
      [['DstNum', '900442079460000']],
      between(W_START, W_END, (r) => r.dst === '900442079460000'),
    );
  });

  it('SrcType 1 / DstType 1: group names from cdr.groups', async () => {
    await exportW(
      [
        ['SrcType', '1'],
        ['SrcNum', 'VIP'],
      ],
      between(W_START, W_END, (r) => inGroup('VIP', r.src)),
    );
    await exportW(
      [
        ['DstType', '1'],
        ['DstNum', 'Floor8'],
      ],
      between(W_START, W_END, (r) => inGroup('Floor8', r.dst)),
    );
    // Both: from the VIP room to a Floor8 room; that is row 26 only.
    await exportW(
      [
        ['SrcType', '1'],
        ['SrcNum', 'VIP'],
        ['DstType', '1'],
        ['DstNum', 'Floor8'],
      ],
      [ROWS[25]!],
    );
  });

  it('filters combine (AND)', async () => {
    await exportW(
      [
        ['CallType', 'longdistance'],
        ['Disposition', '8'],
        ['Direction', '1'],
        ['SrcNum', '8001'],
      ],
      [ROWS[4]!, ROWS[23]!],
    );
    await exportW(
      [
        ['Disposition', '4'],
        ['Direction', '2'],
      ],
      [ROWS[10]!, ROWS[29]!],
    );
    // The refused international call is the only internal-direction international one.
    await exportW(
      [
        ['CallType', 'international'],
        ['Direction', '0'],
      ],
      [ROWS[8]!],
    );
    await exportW(
      [
        ['SrcType', '1'],
        ['SrcNum', 'Floor8'],
        ['CallType', 'free'],
        ['Disposition', '8'],
        ['Direction', '0'],
        ['DstType', '0'],
        ['DstNum', '8003'],
      ],
      between(W_START, W_END, (r) => r.dst === '8003' && r.disposition === 'ANSWERED' && r.dir === 0),
    );
  });

  it('nothing matches: Total 0, Sum 0, Islast 1, an empty Record', async () => {
    const frames = await getCdr([
      ['StartTime', '2030-01-01 00:00:00'],
      ['EndTime', '2030-12-31 23:59:59'],
    ]);
    assert.equal(frames.length, 1);
    const f = frames[0]!;
    assert.equal(f.get('Response'), 'Success');
    assert.equal(f.get('Total'), '0');
    assert.equal(f.get('Sum'), '0');
    assert.equal(f.get('Islast'), '1');
    assert.equal(f.get('Record'), '');
  });

  it('pages of 10: pages 1–3 split 7 + 3, the last page (4) has the 7 left, page 5 is empty', async () => {
    const all = between(W_START, W_END).map((r) => record(r));
    for (let page = 1; page <= 4; page++) {
      const frames = await getCdr([
        ['StartTime', W_START],
        ['EndTime', W_END],
        ['PageCnt', '10'],
        ['PageNo', String(page)],
      ]);
      const count = page < 4 ? 10 : 7;
      assert.equal(frames.length, page < 4 ? 2 : 1, `page ${page}`);
      const got = answer(frames, { total: 37, pageNo: page, pageCnt: 10, count });
      assert.deepEqual(got, all.slice((page - 1) * 10, page * 10), `page ${page}`);
    }
    const past = await getCdr([
      ['StartTime', W_START],
      ['EndTime', W_END],
      ['PageCnt', '10'],
      ['PageNo', '5'],
    ]);
    assert.deepEqual(answer(past, { total: 37, pageNo: 5, pageCnt: 10, count: 0 }), []);
    assert.equal(past[0]!.get('Record'), '');
  });

  it('a page of exactly 2 × maxRecordsPerMessage is 2 full messages, no empty third', async () => {
    const frames = await getCdr([
      ['StartTime', W_START],
      ['EndTime', W_END],
      ['PageCnt', '14'],
      ['PageNo', '2'],
    ]);
    assert.equal(frames.length, 2);
    const got = answer(frames, { total: 37, pageNo: 2, pageCnt: 14, count: 14 });
    assert.deepEqual(
      got,
      between(W_START, W_END)
        .map((r) => record(r))
        .slice(14, 28),
    );
  });

  it('pages with a filter, and PageCnt without PageNo is page 1', async () => {
    const expected = between(W_START, W_END, (r) => r.dir === 1).map((r) => record(r));
    assert.equal(expected.length, 19);
    const page3 = await getCdr([
      ['StartTime', W_START],
      ['EndTime', W_END],
      ['Direction', '1'],
      ['PageCnt', '8'],
      ['PageNo', '3'],
    ]);
    assert.deepEqual(answer(page3, { total: 19, pageNo: 3, pageCnt: 8, count: 3 }), expected.slice(16));
    const page1 = await getCdr([
      ['StartTime', W_START],
      ['EndTime', W_END],
      ['Direction', '1'],
      ['PageCnt', '8'],
    ]);
    assert.equal(page1.length, 2);
    assert.deepEqual(answer(page1, { total: 19, pageNo: 1, pageCnt: 8, count: 8 }), expected.slice(0, 8));
  });

  it('an export of the whole table: 48 rows over 7 messages (7 × 6 + 6)', async () => {
    const frames = await getCdr([
      ['StartTime', '2000-01-01 00:00:00'],
      ['EndTime', '2099-12-31 23:59:59'],
    ]);
    assert.equal(frames.length, 7);
    const got = answer(frames, { total: 48, pageNo: 1, pageCnt: 48, count: 48 });
    assert.deepEqual(
      got,
      between('2000-01-01 00:00:00', '2099-12-31 23:59:59').map((r) => record(r)),
    );
  });

  it("the seed's demo request, byte for byte: fields in order, the demo record", async () => {
    const c = await PmsClient.connect(s.port);
    try {
      await c.call([
        ['Action', 'UserLogin'],
        ['CallMethod', 'Account'],
        ['User', 'frontdesk'],
        ['Password', 'lab-frontdesk'],
      ]);
      const frames = await c.request([
        ['ServiceType', 'PMS'],
        ['Action', 'Query'],
        ['SeqID', '123456'],
        ['CallMethod', 'GetCDR'],
        ['StartTime', '2012-02-24 09:02:35'],
        ['EndTime', '2012-05-24 23:30:00'],
        ['CallType', 'longdistance'],
        ['Disposition', '8'],
        ['Direction', '1'],
        ['SrcType', '0'],
        ['SrcNum', '8001'],
        ['DstType', ''],
        ['DstNum', ''],
        ['PageCnt', '10'],
        ['PageNo', '1'],
      ]);
      assert.equal(frames.length, 1);
      assert.deepEqual(
        [...frames[0]!],
        [
          ['ServiceType', 'PMS'],
          ['Action', 'Query'],
          ['SeqID', '123456'],
          ['Response', 'Success'],
          ['CallMethod', 'GetCDR'],
          ['Total', '3'],
          ['PageNo', '1'],
          ['PageCnt', '10'],
          ['Sum', '3'],
          ['Islast', '1'],
          [
            'Record',
            '8001,901012345678,lab-trunk-far,2012-02-24 09:02:35,2012-02-24 09:02:45,2012-02-24 09:04:15,100,90,longdistance,8,1&' +
              `${DEMO_RECORD}&` +
              '8001,9051099998888,lab-trunk-far,2012-05-24 23:30:00,2012-05-24 23:30:01,2012-05-24 23:30:10,10,9,longdistance,8,1&',
          ],
        ],
      );
    } finally {
      await c.close();
    }
  });

  it("the seed's demo bytes on the wire: the reply is exactly these bytes", async () => {
    const c = await PmsClient.connect(s.port);
    try {
      await c.call([
        ['Action', 'UserLogin'],
        ['CallMethod', 'Account'],
        ['User', 'frontdesk'],
        ['Password', 'lab-frontdesk'],
      ]);
      const chunks: Buffer[] = [];
      c.socket.on('data', (d: Buffer) => chunks.push(d));
      const stray = waitFor(c, 'stray', 10_000); // SeqID 123456 is no request of the client's
      c.writeRaw(
        [
          'ServiceType: PMS',
          'Action: Query',
          'SeqID: 123456',
          'CallMethod: GetCDR',
          'StartTime: 2012-03-08 09:21:32',
          'EndTime: 2012-03-08 09:21:32',
          'CallType: longdistance',
          'Disposition: 8',
          'Direction: 1',
          'SrcType: 0',
          'SrcNum: 8001',
          'DstType: ',
          'DstNum: ',
          'PageCnt: 10',
          'PageNo: 1',
        ]
          .map((l) => `${l}\r\n`)
          .join('') + '\r\n',
      );
      await stray;
      assert.equal(
        Buffer.concat(chunks).toString('utf8'),
        'ServiceType: PMS\r\nAction: Query\r\nSeqID: 123456\r\nResponse: Success\r\nCallMethod: GetCDR\r\n' +
          'Total: 1\r\nPageNo: 1\r\nPageCnt: 10\r\nSum: 1\r\nIslast: 1\r\n' +
          `Record: ${DEMO_RECORD}&\r\n\r\n`,
      );
    } finally {
      await c.close();
    }
  });

  describe('errors', () => {
    const range: Fields = [
      ['StartTime', W_START],
      ['EndTime', W_END],
    ];
    it('StartTime missing, empty or malformed: the message names StartTime', async () => {
      await error([['EndTime', W_END]], /StartTime/);
      await error(
        [
          ['StartTime', ''],
          ['EndTime', W_END],
        ],
        /StartTime/,
      );
      await error(
        [
          ['StartTime', '2026/03/01 00:00:00'],
          ['EndTime', W_END],
        ],
        /StartTime/,
      );
      await error(
        [
          ['StartTime', '2026-02-30 00:00:00'],
          ['EndTime', W_END],
        ],
        /StartTime/,
      );
      await error(
        [
          ['StartTime', '2026-03-01'],
          ['EndTime', W_END],
        ],
        /StartTime/,
      );
    });
    it('EndTime missing or malformed: the message names EndTime', async () => {
      await error([['StartTime', W_START]], /EndTime/);
      await error(
        [
          ['StartTime', W_START],
          ['EndTime', '2026-03-05 24:00:00'],
        ],
        /EndTime/,
      );
      await error(
        [
          ['StartTime', W_START],
          ['EndTime', 'tomorrow'],
        ],
        /EndTime/,
      );
    });
    it('EndTime before StartTime', async () => {
      await error(
        [
          ['StartTime', '2026-03-05 00:00:01'],
          ['EndTime', '2026-03-05 00:00:00'],
        ],
        /EndTime|StartTime/,
      );
    });
    it('an unknown CallType: the message names it', async () => {
      await error([...range, ['CallType', 'mobile']], /mobile/);
      await error([...range, ['CallType', 'Local']], /Local/);
    });
    it('Disposition, Direction, SrcType, DstType out of range', async () => {
      await error([...range, ['Disposition', 'x']], /Disposition/);
      await error([...range, ['Disposition', '-1']], /Disposition/);
      await error([...range, ['Direction', '3']], /Direction/);
      await error([...range, ['Direction', 'out']], /Direction/);
      await error([...range, ['SrcType', '2'], ['SrcNum', '8001']], /SrcType/);
      await error([...range, ['DstType', '2'], ['DstNum', '8001']], /DstType/);
    });
    it('an unknown group name', async () => {
      await error([...range, ['SrcType', '1'], ['SrcNum', 'Penthouse']], /Penthouse|group/i);
      await error([...range, ['DstType', '1'], ['DstNum', 'Penthouse']], /Penthouse|group/i);
    });
    it('PageNo / PageCnt zero, negative, not a number, too large; PageNo without PageCnt', async () => {
      await error([...range, ['PageCnt', '0'], ['PageNo', '1']], /PageCnt/);
      await error([...range, ['PageCnt', '-5'], ['PageNo', '1']], /PageCnt/);
      await error([...range, ['PageCnt', 'ten'], ['PageNo', '1']], /PageCnt/);
      await error([...range, ['PageCnt', '1001'], ['PageNo', '1']], /PageCnt/);
      await error([...range, ['PageCnt', '10'], ['PageNo', '0']], /PageNo/);
      await error([...range, ['PageCnt', '10'], ['PageNo', '-1']], /PageNo/);
      await error([...range, ['PageCnt', '10'], ['PageNo', 'one']], /PageNo/);
      await error([...range, ['PageNo', '2']], /PageCnt|PageNo/);
    });
    it('the session survives the errors: a good request still works', async () => {
      await exportW([['SrcNum', '13912345678']], [ROWS[9]!]);
    });
  });
});

describe('GetCDR converts calldate from cdr.timeZone to the hotel zone', () => {
  let s: Session;
  const getCdr = (fields: Fields): Promise<Frame[]> =>
    s.pms.request([['Action', 'Query'], ['CallMethod', 'GetCDR'], ...fields]);
  before(async () => {
    await requireLab();
    await seedDatabase();
  });
  after(async () => {
    await s?.pms.close();
    await s?.engine.stop();
  });

  it('cdr.timeZone UTC, hotel Asia/Shanghai: times +8 h, the range is read in hotel time', async () => {
    s = await startEngine({ hotel: 'Asia/Shanghai', cdr: 'UTC' });
    // 2026-03-02 in Shanghai = 2026-03-01 16:00:00 .. 2026-03-02 15:59:59 UTC: rows 38, 14–17
    // (39 is a second early; 18, at 18:00 UTC, is 02:00 on the 3rd in Shanghai).
    const frames = await getCdr([
      ['StartTime', '2026-03-02 00:00:00'],
      ['EndTime', '2026-03-02 23:59:59'],
    ]);
    const expected = [ROWS[37]!, ROWS[13]!, ROWS[14]!, ROWS[15]!, ROWS[16]!];
    assert.deepEqual(expected, between('2026-03-01 16:00:00', '2026-03-02 15:59:59'));
    const got = answer(frames, { total: 5, pageNo: 1, pageCnt: 5, count: 5 });
    assert.deepEqual(
      got,
      expected.map((r) => record(r, 8 * 3600)),
    );
    assert.equal(
      got[2],
      '8003,901012345678,lab-trunk-far,2026-03-02 15:45:10,2026-03-02 15:46:10,2026-03-02 15:46:11,61,1,longdistance,8,1',
    );
  });

  it('cdr.timeZone empty: calldate is already in the hotel zone, nothing is shifted', async () => {
    await s.pms.close();
    await s.engine.stop();
    s = await startEngine({ hotel: 'Asia/Shanghai', cdr: '' });
    const frames = await getCdr([
      ['StartTime', '2026-03-02 00:00:00'],
      ['EndTime', '2026-03-02 23:59:59'],
    ]);
    const expected = between('2026-03-02 00:00:00', '2026-03-02 23:59:59');
    assert.equal(expected.length, 7);
    const got = answer(frames, { total: 7, pageNo: 1, pageCnt: 7, count: 7 });
    assert.deepEqual(
      got,
      expected.map((r) => record(r)),
    );
  });
});
