// GetCDR's validation, record format and message split, with a fake record source (the SQL filters
// are tested against MariaDB in test/integration/getcdr.test.ts).
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PmsClient } from '../../src/client/pms-client.js';
import { callType, channelName, toRecord } from '../../src/cdr/classify.js';
import type { CdrRow } from '../../src/cdr/classify.js';
import { loadConfig } from '../../src/config/index.js';
import { startHarness, type Harness } from './support/harness.js';

const numbering = loadConfig({
  env: {},
  values: {
    ami: { username: 'x', password: 'x' },
    ari: { username: 'x', password: 'x' },
    hotel: { rooms: '8001' },
    numbering: { localAreaCode: '0512', enterprisePrefixes: ['7'] },
  },
}).numbering;

const row = (over: Partial<CdrRow> = {}): CdrRow => ({
  calldate: '2012-03-08 09:21:32',
  src: '8001',
  dst: '9013092815562',
  channel: 'PJSIP/8001-00000001',
  dstchannel: 'PJSIP/to_suzhou-00000002',
  duration: 420,
  billsec: 397,
  disposition: 'ANSWERED',
  ...over,
});

describe('call records: classification', () => {
  it('calltype follows the hotel numbering like the dialplan does', () => {
    const cases: Array<[string, string]> = [
      ['8002', 'free'],
      ['7001', 'free'],
      ['987654321', 'local'],
      ['9051287654321', 'local'],
      ['901012345678', 'longdistance'],
      ['900442079460000', 'international'],
      ['110', 'local'],
      ['9110', 'local'],
      ['9', 'free'],
    ];
    for (const [dst, type] of cases) assert.equal(callType(dst, numbering), type, dst);
  });

  it('trunk names come from PJSIP and Local channel names', () => {
    assert.equal(channelName('PJSIP/carrier-0000001a'), 'carrier');
    assert.equal(channelName('Local/12345@lab-trunk-far-0000000a;1'), 'lab-trunk-far');
    assert.equal(channelName('SIP/to_suzhou-00000002'), 'to_suzhou');
  });

  it("the seed's demo record, byte for byte", () => {
    const ctx = {
      numbering,
      trunks: new Set(['to_suzhou']),
      cdrTimeZone: 'Asia/Shanghai',
      hotelTimeZone: 'Asia/Shanghai',
    };
    assert.equal(
      toRecord(row(), ctx),
      '8001,9013092815562,to_suzhou,2012-03-08 09:21:32,2012-03-08 09:21:55,2012-03-08 09:28:32,420,397,longdistance,8,1',
    );
    const unanswered = toRecord(row({ disposition: 'NO ANSWER', billsec: 0, duration: 20 }), ctx);
    assert.equal(unanswered.split(',')[4], '', 'no talkstart when not answered');
    assert.equal(unanswered.split(',')[9], '4');
    const inbound = toRecord(
      row({
        channel: 'PJSIP/to_suzhou-0000000a',
        dstchannel: 'PJSIP/8001-0000000b',
        src: '13092815562',
        dst: '8001',
      }),
      ctx,
    );
    assert.deepEqual(inbound.split(',').slice(-3), ['free', '8', '2']);
    const shifted = toRecord(row(), { ...ctx, cdrTimeZone: 'UTC' });
    assert.equal(shifted.split(',')[3], '2012-03-08 17:21:32');
  });
});

describe('GetCDR over a session', () => {
  let h: Harness;
  let c: PmsClient;
  before(async () => {
    h = await startHarness({ cdr: { maxRecordsPerMessage: 3 } });
    c = await h.loggedIn();
  });
  after(() => h.close());
  beforeEach(() => {
    h.cdr.table = [];
  });

  const query = (fields: Array<[string, string]>) =>
    c.request([
      ['Action', 'Query'],
      ['CallMethod', 'GetCDR'],
      ['StartTime', '2012-02-24 09:02:35'],
      ['EndTime', '2012-05-24 23:30:00'],
      ...fields,
    ]);

  it('nothing matching: Total 0, one message, Sum 0, Islast 1, empty Record', async () => {
    const [m, ...more] = await query([]);
    assert.equal(more.length, 0);
    assert.deepEqual([...m!].slice(5), [
      ['Total', '0'],
      ['PageNo', '1'],
      ['PageCnt', '0'],
      ['Sum', '0'],
      ['Islast', '1'],
      ['Record', ''],
    ]);
  });

  it('an export of 7 records with 3 per message: 3 + 3 + 1, Islast 0 0 1, records in order', async () => {
    h.cdr.table = Array.from({ length: 7 }, (_, i) => row({ src: `800${i}` }));
    const msgs = await query([]);
    assert.deepEqual(
      msgs.map((m) => [m.get('Sum'), m.get('Islast'), m.get('Total'), m.get('PageCnt')]),
      [
        ['3', '0', '7', '7'],
        ['3', '0', '7', '7'],
        ['1', '1', '7', '7'],
      ],
    );
    const srcs = msgs.flatMap((m) =>
      m
        .get('Record')!
        .split('&')
        .filter(Boolean)
        .map((r) => r.split(',')[0]),
    );
    assert.deepEqual(srcs, ['8000', '8001', '8002', '8003', '8004', '8005', '8006']);
    assert.ok(msgs.every((m) => m.get('Record')!.endsWith('&')));
  });

  it('exactly one full message is also the last (Islast 1), not followed by an empty one', async () => {
    h.cdr.table = Array.from({ length: 3 }, () => row());
    const msgs = await query([]);
    assert.deepEqual(
      msgs.map((m) => [m.get('Sum'), m.get('Islast')]),
      [['3', '1']],
    );
  });

  it('paging asks the source for the right slice and echoes PageNo/PageCnt', async () => {
    h.cdr.table = Array.from({ length: 12 }, () => row());
    const msgs = await query([
      ['PageCnt', '5'],
      ['PageNo', '3'],
    ]);
    assert.deepEqual(h.cdr.lastPage, { offset: 10, limit: 5 });
    assert.deepEqual(
      msgs.map((m) => [m.get('Total'), m.get('PageNo'), m.get('PageCnt'), m.get('Sum'), m.get('Islast')]),
      [['12', '3', '5', '2', '1']],
    );
  });

  it('an export asks the source for at most Total rows, from the first', async () => {
    h.cdr.table = Array.from({ length: 7 }, () => row());
    const msgs = await query([]);
    assert.deepEqual(h.cdr.lastPage, { offset: 0, limit: 7 });
    assert.equal(
      msgs.reduce((n, m) => n + Number(m.get('Sum')), 0),
      7,
    );
  });

  it('filters are validated and handed on as SQL-ready values', async () => {
    await query([
      ['CallType', 'longdistance'],
      ['Disposition', '8'],
      ['Direction', '1'],
      ['SrcType', '0'],
      ['SrcNum', '8001'],
      ['DstType', ''],
      ['DstNum', ''],
    ]);
    assert.deepEqual(h.cdr.lastFilter, {
      // The harness hotel is Asia/Shanghai and the cdr table defaults to the same zone.
      from: '2012-02-24 09:02:35',
      to: '2012-05-24 23:30:00',
      callType: 'longdistance',
      answered: true,
      direction: 1,
      src: ['8001'],
      dst: undefined,
    });
  });

  it('bad requests get a specific error', async () => {
    const bad: Array<[Array<[string, string]>, RegExp]> = [
      [[['CallType', 'mobile']], /^Unknown CallType: mobile/],
      [[['Direction', '3']], /^Direction must be 0/],
      [[['Disposition', 'x']], /^Disposition must be 8/],
      [
        [
          ['PageCnt', '10'],
          ['PageNo', '0'],
        ],
        /^PageNo must be a whole number from 1/,
      ],
      [[['PageCnt', '-1']], /^PageCnt must be a whole number from 1 to 1000/],
      [[['PageNo', '2']], /^PageNo needs PageCnt/],
      [
        [
          ['SrcType', '1'],
          ['SrcNum', 'Nowhere'],
        ],
        /^Unknown group: Nowhere/,
      ],
      [
        [
          ['SrcType', '2'],
          ['SrcNum', '8001'],
        ],
        /^SrcType must be 0/,
      ],
      [[['DstNum', "8001' OR 1=1"]], /^DstNum must be a number/],
    ];
    for (const [fields, message] of bad) {
      const [m] = await query(fields);
      assert.equal(m!.get('Response'), 'Error', JSON.stringify(fields));
      assert.match(m!.get('Message')!, message);
    }
    const [noStart] = await c.request([
      ['Action', 'Query'],
      ['CallMethod', 'GetCDR'],
      ['EndTime', '2012-05-24 23:30:00'],
    ]);
    assert.equal(noStart!.get('Message'), 'StartTime is required (YYYY-MM-DD hh:mm:ss)');
    const [reversed] = await c.request([
      ['Action', 'Query'],
      ['CallMethod', 'GetCDR'],
      ['StartTime', '2012-05-24 23:30:00'],
      ['EndTime', '2012-02-24 09:02:35'],
    ]);
    assert.equal(reversed!.get('Message'), 'EndTime is before StartTime');
  });
});
