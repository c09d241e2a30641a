// GetCDR (seed 000 §5.4.10) on real calls: room phones of the lab call each other, the enterprise,
// and the city, the country and abroad through the lab trunk; then the PMS asks for the records of
// just those calls (a time range around them, the calling room) and checks each one against the row
// Asterisk wrote: who called whom, the trunk, call type, direction, disposition and the times.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PmsClient } from '../../src/client/pms-client.js';
import type { Engine } from '../../src/engine.js';
import type { Frame } from '../../src/protocol/index.js';
import { formatLocal, systemTimeZone } from '../../src/time/zone.js';
import { requireLab } from '../lab/lab.js';
import { startLabEngine } from '../lab/engine.js';
import { phone, type Phone } from '../lab/phone.js';
import { cdrFor, type CdrRow } from '../lab/cdr.js';

const ROOMS = ['8001', '8002', '8003', '8004'];
const TRUNK = 'lab-trunk-far';
// Asterisk in the lab writes calldate in its host's local time, which is this host's: with the hotel
// in that zone too, callstart is calldate unchanged.
const ZONE = systemTimeZone();
const DISPOSITION_CODE: Record<string, string> = {
  ANSWERED: '8',
  BUSY: '2',
  'NO ANSWER': '4',
  FAILED: '1',
  CONGESTION: '1',
};

interface Expected {
  src: string;
  dst: string;
  trunk: string;
  calltype: string;
  direction: string;
  /** The disposition Asterisk must have written. */
  disposition: string;
  row?: CdrRow;
}

/** `YYYY-MM-DD hh:mm:ss` plus `seconds` (wall-clock arithmetic). */
function addSeconds(text: string, seconds: number): string {
  const t = Date.parse(`${text.replace(' ', 'T')}Z`) + seconds * 1000;
  return new Date(t).toISOString().slice(0, 19).replace('T', ' ');
}

/** All records of a GetCDR answer, each split into its 11 fields; every message checked. */
function records(frames: Frame[], total?: number): string[][] {
  const out: string[][] = [];
  frames.forEach((f, i) => {
    assert.equal(f.get('Response'), 'Success', JSON.stringify([...f]));
    assert.equal(f.get('Islast'), i === frames.length - 1 ? '1' : '0');
    const text = f.get('Record') ?? '';
    const recs = text === '' ? [] : text.slice(0, -1).split('&');
    assert.equal(f.get('Sum'), String(recs.length));
    out.push(...recs.map((r) => r.split(',')));
  });
  assert.equal(frames[0]!.get('Total'), String(total ?? out.length));
  return out;
}

describe('GetCDR on real calls of the lab', () => {
  let engine: Engine;
  let pms: PmsClient;
  let p8001: Phone;
  let p8003: Phone;
  let from = '';
  let to = '';
  const calls8001: Expected[] = [];
  const calls8003: Expected[] = [];
  const ok = async (method: string, fields: Array<[string, string]>): Promise<void> => {
    const r = await pms.call([['Action', 'Set'], ['CallMethod', method], ...fields]);
    assert.equal(r.get('Response'), 'Success', `${method}: ${r.get('Message')}`);
  };
  const getCdr = (src: string): Promise<Frame[]> =>
    pms.request([
      ['Action', 'Query'],
      ['CallMethod', 'GetCDR'],
      ['StartTime', from],
      ['EndTime', to],
      ['SrcType', '0'],
      ['SrcNum', src],
    ]);

  before(async () => {
    await requireLab();
    ({ engine, pms } = await startLabEngine({
      hotel: { timeZone: ZONE },
      cdr: { timeZone: '', trunks: [TRUNK] },
    }));
    for (const ext of ROOMS) await ok('ExtenClean', [['Phone', ext]]);
    p8001 = phone('8001');
    p8003 = phone('8003');
    await Promise.all([p8001.ready(), p8003.ready()]);

    // calldate has whole seconds: the range starts at the second before the first call.
    from = formatLocal(new Date(Date.now() - 1000), ZONE);
    await ok('ExtenLimit', [
      ['Phone', '8001'],
      ['Limit', '5'],
    ]);
    const outgoing: Array<[string, string, string]> = [
      ['8002', '', 'free'],
      ['7001', TRUNK, 'free'],
      ['987654321', TRUNK, 'local'],
      ['901012345678', TRUNK, 'longdistance'],
      ['900442079460000', TRUNK, 'international'],
    ];
    for (const [dst, trunk, calltype] of outgoing) {
      const since = new Date();
      const call = await p8001.dial(dst, { holdMs: 1500, timeoutMs: 15_000 });
      assert.equal(call.established, true, `8001 → ${dst}: ${call.closedReason}`);
      calls8001.push({
        src: '8001',
        dst,
        trunk,
        calltype,
        direction: trunk ? '1' : '0',
        disposition: 'ANSWERED',
        row: await cdrFor({ src: '8001', dst, since }),
      });
    }

    // 8004 answers by hand (manual answer mode): nobody does, 8003 gives up after 2 s.
    let since = new Date();
    const unanswered = await p8003.dial('8004', { timeoutMs: 2_000 });
    assert.equal(unanswered.established, false, unanswered.closedReason);
    calls8003.push({
      src: '8003',
      dst: '8004',
      trunk: '',
      calltype: 'free',
      direction: '0',
      disposition: 'NO ANSWER',
      row: await cdrFor({ src: '8003', dst: '8004', since }),
    });

    // 8002 in do-not-disturb: 8003 gets busy.
    await ok('ExtenDND', [
      ['Phone', '8002'],
      ['Use', '1'],
    ]);
    since = new Date();
    const busy = await p8003.dial('8002', { holdMs: 300, timeoutMs: 10_000 });
    assert.equal(busy.established, false, busy.closedReason);
    await ok('ExtenDND', [
      ['Phone', '8002'],
      ['Use', '0'],
    ]);
    calls8003.push({
      src: '8003',
      dst: '8002',
      trunk: '',
      calltype: 'free',
      direction: '0',
      disposition: 'BUSY',
      row: await cdrFor({ src: '8003', dst: '8002', since }),
    });
    to = formatLocal(new Date(Date.now() + 1000), ZONE);
  });
  after(async () => {
    for (const ext of ROOMS)
      await pms
        ?.call([
          ['Action', 'Set'],
          ['CallMethod', 'ExtenClean'],
          ['Phone', ext],
        ])
        .catch(() => undefined);
    p8001?.close();
    p8003?.close();
    await pms?.close();
    await engine?.stop();
  });

  const check = (got: string[][], calls: Expected[]): void => {
    assert.equal(got.length, calls.length, `records: ${JSON.stringify(got)}`);
    got.forEach((rec, i) => {
      const want = calls[i]!;
      const row = want.row!;
      const what = `record ${i + 1} (${want.src} → ${want.dst}): ${rec.join(',')}; row ${JSON.stringify(row)}`;
      assert.equal(rec.length, 11, what);
      const [src, dst, trunk, callstart, talkstart, callend, duration, billsec, calltype, disp, dir] = rec;
      // What Asterisk wrote is what the test expects of the call...
      assert.equal(row.disposition, want.disposition, what);
      if (want.trunk) assert.match(row.dstchannel, /^Local\/\d+@lab-trunk-far-[0-9a-f]+;1$/, what);
      // ...and the record says the same.
      assert.equal(src, want.src, what);
      assert.equal(dst, want.dst, what);
      assert.equal(trunk, want.trunk, what);
      assert.equal(calltype, want.calltype, what);
      assert.equal(dir, want.direction, what);
      assert.equal(disp, DISPOSITION_CODE[want.disposition], what);
      assert.equal(callstart, formatLocal(row.calldate, ZONE), what);
      assert.equal(duration, String(row.duration), what);
      assert.equal(billsec, String(row.billsec), what);
      assert.equal(callend, addSeconds(callstart!, row.duration), what);
      if (want.disposition === 'ANSWERED') {
        assert.ok(row.billsec >= 1, `billsec ≥ 1 after 1.5 s on the line: ${what}`);
        assert.equal(talkstart, addSeconds(callstart!, row.duration - row.billsec), what);
      } else {
        assert.equal(row.billsec, 0, what);
        assert.equal(talkstart, '', what);
      }
    });
  };

  it("8001's five answered calls: internal, enterprise, local, national, international", async () => {
    check(records(await getCdr('8001')), calls8001);
  });

  it("8003's calls: no answer from 8004 (disposition 4), busy from 8002 in DND (2)", async () => {
    check(records(await getCdr('8003')), calls8003);
  });

  it('Disposition and Direction filters pick the same calls out of the range', async () => {
    const only = async (fields: Array<[string, string]>): Promise<string[]> =>
      records(
        await pms.request([
          ['Action', 'Query'],
          ['CallMethod', 'GetCDR'],
          ['StartTime', from],
          ['EndTime', to],
          ['SrcNum', '8003'],
          ...fields,
        ]),
      ).map((r) => r[1]!);
    assert.deepEqual(await only([['Disposition', '4']]), ['8004', '8002']);
    assert.deepEqual(await only([['Disposition', '8']]), []);
    const outbound = records(
      await pms.request([
        ['Action', 'Query'],
        ['CallMethod', 'GetCDR'],
        ['StartTime', from],
        ['EndTime', to],
        ['SrcNum', '8001'],
        ['Direction', '1'],
        ['PageCnt', '2'],
        ['PageNo', '2'],
      ]),
      4,
    );
    assert.deepEqual(
      outbound.map((r) => r[1]),
      ['901012345678', '900442079460000'],
    );
  });
});
