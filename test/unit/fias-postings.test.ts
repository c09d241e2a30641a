// FIAS call charges (src/fias/postings/): which call records are posted and as what PS; the pump's
// one-at-a-time rule with its P#, the PA outcomes and the timeout that sends the same PS again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.js';
import type { CallRecord } from '../../src/cdr/classify.js';
import { parseTariffs, type Tariffs } from '../../src/domain/tariffs.js';
import { postingFor, type Costing } from '../../src/fias/postings/charge.js';
import { CallChargePoller } from '../../src/fias/postings/poller.js';
import { PostingPump } from '../../src/fias/postings/pump.js';
import type { FiasRecord } from '../../src/fias/record.js';
import { buildPS } from '../../src/fias/records/index.js';
import type { PostingDraft, StoredPosting } from '../../src/store/fias-postings.js';
import { captureLog } from './support/capture-log.js';

const T = { timeout: 10_000 };
const config = loadConfig({
  env: {},
  values: {
    ami: { username: 'x', password: 'x' },
    ari: { username: 'x', password: 'x' },
    hotel: { rooms: '8001-8004', timeZone: 'Europe/Rome' },
    numbering: { outsideCode: '9', nationalPrefix: '0', internationalPrefix: '00', localAreaCode: '0512' },
  },
});
const ctx = {
  numbering: config.numbering,
  isRoom: (e: string) => ['8001', '8002', '8003', '8004'].includes(e),
  cdrTimeZone: 'UTC',
  hotelTimeZone: 'Europe/Rome',
  costing: { mode: 'duration' } as Costing,
};
const call = (o: Partial<CallRecord> = {}): CallRecord => ({
  id: 1,
  calldate: '2026-12-03 11:58:07',
  src: '8001',
  dst: '900441234567',
  billsec: 65,
  disposition: 'ANSWERED',
  ...o,
});
const IN = new Date('2026-12-01T10:00:00Z');
const text = (r: FiasRecord): string => `${r.id}|${[...r.fields].map(([k, v]) => k + v + '|').join('')}`;

describe('FIAS call charges: which calls, as what PS', T, () => {
  it('an answered outside call from a checked-in room: PT T, DD without the outside code, DU billed, DA/TI local, PC/CT its type', () => {
    const d = postingFor(call(), ctx, () => IN);
    assert.ok(typeof d !== 'string', String(d));
    const built = buildPS({ ...d, postingNumber: 7 });
    assert.ok(built.ok);
    assert.equal(
      text(built.record),
      'PS|RN8001|DA261203|TI125807|P#7|PTT|DD00441234567|DU000105|PCI|CTInternational|',
    );
  });

  it('costed by us (fias.callCharges amount): PT C with TA = setup + started blocks × price, per call type', () => {
    const tariffs = parseTariffs('local:0+10/60,longdistance:25+30/60,international:50+150/30') as Tariffs;
    const priced = { ...ctx, costing: { mode: 'amount', tariffs } as Costing };
    const ps = (c: Partial<CallRecord>): string => {
      const d = postingFor(call(c), priced, () => IN);
      assert.ok(typeof d !== 'string', String(d));
      const built = buildPS({ ...d, postingNumber: 3 });
      assert.ok(built.ok);
      return text(built.record);
    };
    // 65 s international: 50 + ceil(65/30)=3 × 150 = 500.
    assert.equal(ps({}), 'PS|RN8001|DA261203|TI125807|P#3|PTC|DD00441234567|TA500|PCI|CTInternational|');
    // 60 s local (within the area code): one started minute, no setup: 10; 61 s: two minutes.
    assert.match(ps({ dst: '905121234', billsec: 60 }), /\|PTC\|DD05121234\|TA10\|PCL\|CTLocal\|$/);
    assert.match(ps({ dst: '905121234', billsec: 61 }), /\|TA20\|/);
    // 1 s national: 25 + 30.
    assert.match(ps({ dst: '90612345', billsec: 1 }), /\|DD0612345\|TA55\|PCN\|CTNational\|$/);
  });

  it('the tariff table: every outside type once, type:setup+price/seconds, refusals in words', () => {
    assert.deepEqual(parseTariffs('local:0+10/60, longdistance:25+30/60,international:50+150/1'), {
      local: { setup: 0, price: 10, blockSec: 60 },
      longdistance: { setup: 25, price: 30, blockSec: 60 },
      international: { setup: 50, price: 150, blockSec: 1 },
    });
    assert.equal(parseTariffs('local:0+10/60,longdistance:25+30/60'), 'no tariff for international');
    assert.match(
      String(parseTariffs('local:0+10/60,local:0+10/60,international:1+1/1')),
      /local is given twice/,
    );
    assert.match(String(parseTariffs('free:0+0/60')), /"free" is not a call type/);
    assert.match(String(parseTariffs('local:0+10/0,longdistance:1+1/1,international:1+1/1')), /block of 0 s/);
    assert.match(String(parseTariffs('local:1.5+10/60')), /not type:setup\+price\/seconds/);
    assert.match(String(parseTariffs('')), /not type:setup/);
  });

  it('the config: amount needs a tariff table, a bad one is refused at load, off and duration need none', () => {
    const load = (fias: Record<string, unknown>) => () =>
      loadConfig({
        env: {},
        values: {
          ami: { username: 'x', password: 'x' },
          ari: { username: 'x', password: 'x' },
          hotel: { rooms: '8001-8004' },
          fias,
        },
      });
    assert.throws(load({ callCharges: 'amount' }), /fias.tariffs: required when fias.callCharges is amount/);
    assert.throws(load({ callCharges: 'amount', tariffs: 'local:1+1/60' }), /no tariff for longdistance/);
    assert.throws(
      load({ callCharges: 'sometimes' }),
      /fias.callCharges.*must be one of duration, amount, off/,
    );
    assert.equal(load({ callCharges: 'off' })().fias.callCharges, 'off');
    assert.equal(load({})().fias.callCharges, 'duration');
  });

  it('no posting: inside calls, unanswered ones, not from a room, a vacant room, checked in after the call', () => {
    const why = (c: Partial<CallRecord>, since: Date | null = IN): unknown =>
      postingFor(call(c), ctx, () => since);
    assert.equal(why({ dst: '8002' }), 'not an outside call');
    assert.equal(why({ disposition: 'NO ANSWER', billsec: 0 }), 'not answered');
    assert.equal(why({ billsec: 0 }), 'not answered');
    assert.equal(why({ src: '7001' }), 'not from a room');
    assert.equal(why({}, null), 'room not checked in at the call');
    assert.equal(why({}, new Date('2026-12-03T12:00:00Z')), 'room not checked in at the call');
    assert.equal(why({ dst: '9*12' }), 'dialled number is not 1-20 digits');
    assert.equal(why({ dst: '9112' }), 'emergency call: never charged');
    assert.equal(why({ dst: '112' }), 'emergency call: never charged');
  });
});

class MemoryPostings {
  rows: StoredPosting[] = [];
  last: number | undefined;
  floor = 0;
  next = 1;
  async cursor(newest: () => Promise<number>): Promise<{ last: number; floor: number }> {
    if (this.last === undefined) this.last = this.floor = await newest();
    return { last: this.last, floor: this.floor };
  }
  async add(drafts: readonly PostingDraft[], lastCdrId: number): Promise<StoredPosting[]> {
    const fresh = drafts.filter((d) => d.cdrId > this.floor && !this.rows.some((r) => r.cdrId === d.cdrId));
    const added = fresh.map((d) => {
      const p: StoredPosting = {
        id: this.rows.length + 1,
        postingNumber: this.next++,
        cdrId: d.cdrId,
        room: d.room,
        record: d.build(this.next - 1),
        state: 'queued',
        answer: null,
        answerText: null,
        attempts: 0,
        createdAt: 0,
        sentAt: null,
        answeredAt: null,
      };
      this.rows.push(p);
      return p;
    });
    this.last = Math.max(this.last ?? 0, lastCdrId);
    return added;
  }
  async nextOpen(): Promise<StoredPosting | undefined> {
    return this.rows.find((r) => r.state === 'queued' || r.state === 'sent');
  }
  async markSent(id: number): Promise<void> {
    const r = this.rows[id - 1]!;
    r.state = 'sent';
    r.attempts++;
  }
  async answered(id: number, status: string, text?: string): Promise<boolean> {
    const r = this.rows[id - 1]!;
    r.state = status === 'OK' ? 'ok' : 'refused';
    r.answer = status;
    r.answerText = text ?? null;
    return true;
  }
}

/** A draft of a PS for call(), for the pump's tests. */
const draft = (cdrId: number): PostingDraft => {
  const d = postingFor(call(), ctx, () => IN);
  assert.ok(typeof d !== 'string');
  return {
    cdrId,
    room: d.room,
    build: (postingNumber) => {
      const built = buildPS({ ...d, postingNumber });
      assert.ok(built.ok);
      return built.record;
    },
  };
};
const pumpOf = (store: MemoryPostings, ackMs: number): PostingPump =>
  new PostingPump(
    {
      next: () => store.nextOpen(),
      markSent: (id) => store.markSent(id),
      answered: (id, status, text) => store.answered(id, status, text),
    },
    ackMs,
    captureLog().log,
  );

const until = async (ok: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 3_000;
  while (!ok()) {
    assert.ok(Date.now() < deadline, what);
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('FIAS call charges: poller and pump', T, () => {
  it('the poller starts after the newest call record, numbers the postable ones in order, and moves on', async () => {
    const store = new MemoryPostings();
    const records = [
      call({ id: 11 }),
      call({ id: 12, dst: '8003' }),
      call({ id: 13, src: '8002', dst: '90512111' }),
    ];
    let added = 0;
    let roomReads = 0;
    const poller = new CallChargePoller({
      store,
      calls: {
        newestId: async () => 10,
        after: async (id) => records.filter((r) => r.id > id),
      },
      charge: ctx,
      checkedInAt: async () => (roomReads++, IN),
      added: () => added++,
      log: captureLog().log,
    });
    assert.equal(await poller.poll(), 2);
    assert.deepEqual(
      store.rows.map((r) => text(r.record)),
      [
        'PS|RN8001|DA261203|TI125807|P#1|PTT|DD00441234567|DU000105|PCI|CTInternational|',
        'PS|RN8002|DA261203|TI125807|P#2|PTT|DD0512111|DU000105|PCL|CTLocal|',
      ],
    );
    assert.equal(store.last, 13);
    const reads = roomReads;
    assert.equal(await poller.poll(), 0, 'nothing twice');
    assert.equal(roomReads, reads, 'records already looked at are not looked at again');
    assert.equal(added, 1);
    // A record that committed late, below an id already read: the next poll still posts it, once.
    records.push(call({ id: 14, src: '8003' }));
    records.splice(0, 0, call({ id: 9, src: '8004' })); // before the first start: never
    records.push(call({ id: 12.5, src: '8004' }));
    records.sort((x, y) => x.id - y.id);
    assert.equal(await poller.poll(), 2);
    assert.deepEqual(
      store.rows.map((r) => [r.cdrId, r.postingNumber]),
      [
        [11, 1],
        [13, 2],
        [12.5, 3],
        [14, 4],
      ],
    );
    assert.equal(await poller.poll(), 0);
  });

  it('one PS at a time: the next waits for the PA of the first; NG is kept with its text, not sent again', async () => {
    const store = new MemoryPostings();
    for (const id of [1, 2]) await store.add([draft(id)], id);
    const sent: string[] = [];
    const link = {
      canSendData: () => true,
      sendData: (r: FiasRecord) => void sent.push(r.fields.get('P#')!),
    };
    const pump = pumpOf(store, 5_000);
    pump.start(link);
    await until(() => sent.length === 1, 'first PS sent');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(sent, ['1'], 'the second waits for the PA');
    pump.answer({ status: 'OK', postingNumber: 2 }); // not the one in flight: ignored
    pump.answer({ status: 'NG', postingNumber: 1, clearText: 'Room not checked in' });
    await until(() => sent.length === 2, 'second PS sent');
    assert.deepEqual(
      [store.rows[0]!.state, store.rows[0]!.answer, store.rows[0]!.answerText],
      ['refused', 'NG', 'Room not checked in'],
    );
    pump.answer({ status: 'OK', postingNumber: 2 });
    await until(() => store.rows[1]!.state === 'ok', 'second answered');
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(sent, ['1', '2']);
    pump.stop();
  });

  it('no PA in time: the same PS (same P#) goes again; nothing while the link cannot send', async () => {
    const store = new MemoryPostings();
    await store.add([draft(1)], 1);
    const sent: string[] = [];
    let can = false;
    const link = { canSendData: () => can, sendData: (r: FiasRecord) => void sent.push(r.fields.get('P#')!) };
    const pump = pumpOf(store, 40);
    pump.start(link);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(sent, [], 'nothing while the link cannot send');
    can = true;
    pump.wake();
    await until(() => sent.length >= 2, 'sent again after the timeout');
    assert.deepEqual(sent.slice(0, 2), ['1', '1']);
    pump.answer({ status: 'OK', postingNumber: 1 });
    await until(() => store.rows[0]!.state === 'ok', 'answered');
    assert.ok(store.rows[0]!.attempts >= 2);
    pump.stop();
  });
});
