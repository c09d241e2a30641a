// The FIAS link state machine (src/fias/link.ts), driven by a fake clock and a fake adapter. Each
// transition of src/fias/link-states.ts has a test named after it (the last test checks that):
//   T01 CLOSED      enable()                              → WAIT_LS      connect
//   T02 CLOSED      enable(), contract ended              → EXPIRED
//   T03 WAIT_LS     connected()                           → WAIT_LS      3 s listen timer
//   T04 WAIT_LS     LS from the PMS                       → WAIT_LS      LD, LR…, LA
//   T05 WAIT_LS     3 s without a record                  → WAIT_LS      LD, LR…, LA
//   T06 WAIT_LS     LA (or a data record) after our LA    → ESTABLISHED  linkUp
//   T07 WAIT_LS     TCP not open within connectTimeoutSec → EXPECTION    close
//   T08 WAIT_LS     no LA within initTimeoutSec           → EXPECTION    close
//   T09 WAIT_LS     disconnected()                        → EXPECTION
//   T10 WAIT_LS     LE from the PMS                       → WAIT_LS      LE
//   T11 EXPECTION   backoff delay elapsed                 → WAIT_LS      connect
//   T12 EXPECTION   backoff delay elapsed, contract ended → EXPIRED
//   T13 ESTABLISHED keepaliveSec elapsed                  → ESTABLISHED  LS
//   T14 ESTABLISHED LA after our LS                       → ESTABLISHED  next LS timer
//   T15 ESTABLISHED no LA within ackTimeoutSec            → EXPECTION    close, linkDown
//   T16 ESTABLISHED disconnected()                        → EXPECTION    linkDown
//   T17 ESTABLISHED LS from the PMS                       → ESTABLISHED  LD, LR…, LA
//   T18 ESTABLISHED LE from the PMS                       → WAIT_LS      LE, linkDown
//   T19 WAIT_LS     a non-LS record after the PMS's LE    → ESTABLISHED  linkUp
//   T20 WAIT_LS     keepaliveSec of silence after its LE  → EXPECTION    close
//   T21 ESTABLISHED disconnect()                          → WAIT_LE      LE, linkDown
//   T22 WAIT_LE     LE from the PMS                       → CLOSED       close
//   T23 WAIT_LE     no LE within leTimeoutSec             → CLOSED       close
//   T24 WAIT_LE     disconnected()                        → CLOSED
//   T25 WAIT_LS, EXPECTION  disconnect()                  → CLOSED       close
//   T26 ESTABLISHED disable()                             → DISABLED     LE, linkDown, close
//   T27 CLOSED, WAIT_LS, EXPECTION, WAIT_LE  disable()    → DISABLED     close
//   T28 DISABLED    enable()                              → CLOSED → WAIT_LS
//   T29 DISABLED    enable(), contract ended              → CLOSED → EXPIRED
//   T30 ESTABLISHED expire() or end date reached          → EXPIRED      LE, linkDown, close
//   T31 CLOSED, WAIT_LS, EXPECTION, WAIT_LE  expiry       → EXPIRED      close
//   T32 EXPIRED     setExpiresAt(later or none)           → CLOSED (→ WAIT_LS if enabled)
//   T33 ESTABLISHED requestResync()                       → no sending   DR
//   T34 ESTABLISHED DS from the PMS                       → resync window resyncStart
//   T35 ESTABLISHED DE from the PMS                       → sending      resyncEnd
//   T36 ESTABLISHED no DS / record within resyncTimeoutSec → sending     resyncEnd(incomplete)
// T21–T36 (operator commands, contract end, resync) are tested in fias-link-ops.test.ts; stale
// connections, adapter failures, re-entrant listeners and options in fias-link-guards.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FIAS_LINK_TRANSITIONS } from '../../src/fias/link-states.js';
import { fiasRecord } from '../../src/fias/record.js';
import { establish, makeLink, RECORDS, T0 } from './support/fake-fias-link.js';

const fields = (r: { fields: ReadonlyMap<string, string> }): [string, string][] => [...r.fields];

test('T01 CLOSED → WAIT_LS on enable(): the adapter is asked to connect', () => {
  const { link, adapter } = makeLink();
  assert.equal(link.state, 'CLOSED');
  link.enable();
  assert.equal(link.state, 'WAIT_LS');
  assert.equal(link.phase, 'connecting');
  assert.equal(adapter.conns.length, 1);
  assert.deepEqual(adapter.log, ['CLOSED->WAIT_LS', 'connect']);
  assert.equal(adapter.lastChange().why, 'operator enabled the link');
  assert.equal(link.canSendData(), false);
});

test('T02 CLOSED → EXPIRED on enable() when the contract end date has passed: no connect', () => {
  const { link, adapter } = makeLink({ expiresAt: new Date(Date.UTC(2026, 0, 1)) });
  link.enable();
  assert.equal(link.state, 'EXPIRED');
  assert.equal(adapter.conns.length, 0);
  assert.match(adapter.lastChange().why, /contract ended at 2026-01-01 01:00:00/); // Rome time
});

test('T03 WAIT_LS connected(): listens 3 s, sends nothing before', () => {
  const h = makeLink();
  h.link.enable();
  h.adapter.conn.connected();
  assert.equal(h.link.phase, 'listening');
  h.clock.advance(2_999);
  assert.deepEqual(h.adapter.sent, []);
  assert.equal(h.link.state, 'WAIT_LS');
});

test("T04 WAIT_LS LS from the PMS: LD (IFPB, our V#), one LR per record type, LA, stamped in the hotel's time", () => {
  const h = makeLink();
  h.link.enable();
  h.adapter.conn.connected();
  h.clock.advance(500);
  h.adapter.pms('LS', { DA: '260115', TI: '110000' });
  assert.deepEqual(h.adapter.sentIds(), ['LD', 'LR', 'LR', 'LR', 'LR', 'LA']);
  const [ld, ...rest] = h.adapter.sent.map((s) => s.record);
  // 10:00:00.500 UTC is 11:00:00 in Rome.
  assert.deepEqual(fields(ld!), [
    ['DA', '260115'],
    ['TI', '110000'],
    ['V#', '1.0'],
    ['IF', 'PB'],
  ]);
  assert.deepEqual(
    rest.slice(0, 4).map(fields),
    Object.entries(RECORDS).map(([id, fl]) => [
      ['RI', id],
      ['FL', fl],
    ]),
  );
  assert.deepEqual(fields(rest[4]!), [
    ['DA', '260115'],
    ['TI', '110000'],
  ]);
  assert.equal(h.link.phase, 'init-sent');
  assert.equal(h.link.state, 'WAIT_LS', 'not ESTABLISHED until the PMS answers our LA');
});

test('T04 stamps DA/TI in the configured zone, across midnight', () => {
  const h = makeLink({ timeZone: 'Asia/Shanghai' });
  h.clock.jump(10.5 * 3_600_000 + 15_000); // 20:30:15 UTC = 04:30:15 next day in Shanghai
  h.link.enable();
  h.adapter.pms('LS');
  assert.deepEqual(fields(h.adapter.sent[0]!.record).slice(0, 2), [
    ['DA', '260116'],
    ['TI', '043015'],
  ]);
});

test('T05 WAIT_LS 3 s without a record: we start the link with LD/LR/LA ourselves (no LS)', () => {
  const h = makeLink();
  h.link.enable();
  h.adapter.conn.connected();
  h.clock.advance(3_000);
  assert.deepEqual(h.adapter.sentIds(), ['LD', 'LR', 'LR', 'LR', 'LR', 'LA']);
  assert.equal(h.adapter.sent[0]!.at, 3_000);
  assert.equal(h.link.phase, 'init-sent');
  // A late LS from the PMS is answered again.
  h.adapter.pms('LS');
  assert.deepEqual(h.adapter.sentIds(6), ['LD', 'LR', 'LR', 'LR', 'LR', 'LA']);
});

test('T06 WAIT_LS → ESTABLISHED on the PMS LA: up within 3 s when the PMS sends LS', () => {
  const h = makeLink();
  h.link.enable();
  h.adapter.conn.connected();
  h.clock.advance(200);
  h.adapter.pms('LS');
  h.clock.advance(100);
  h.adapter.pms('LA');
  assert.equal(h.link.state, 'ESTABLISHED');
  assert.deepEqual(h.adapter.ups, [300]);
  assert.deepEqual(h.adapter.canSend, [true]);
  assert.equal(h.link.canSendData(), true);
  assert.equal(h.adapter.lastChange().why, 'PMS answered our LA: link alive');
});

test('T06 WAIT_LS → ESTABLISHED: up at 3 s when the PMS stays silent until our LA', () => {
  const h = makeLink();
  h.link.enable();
  h.adapter.conn.connected();
  h.clock.advance(3_000);
  h.adapter.pms('LA');
  assert.equal(h.link.state, 'ESTABLISHED');
  assert.deepEqual(h.adapter.ups, [3_000]);
});

test('T06 WAIT_LS → ESTABLISHED on a data record after our LA (the PMS sends data only once Alive)', () => {
  const h = makeLink();
  h.link.enable();
  h.adapter.pms('LS');
  h.adapter.pms('GI', { RN: '101', 'G#': '7' });
  assert.equal(h.link.state, 'ESTABLISHED');
  assert.deepEqual(
    h.adapter.data.map((r) => r.id),
    ['GI'],
  );
});

test('records before our LD/LR/LA are ignored, an LA included', () => {
  const h = makeLink();
  h.link.enable();
  h.adapter.conn.connected();
  h.adapter.pms('GI', { RN: '101' });
  h.adapter.pms('LA');
  h.adapter.pms('RE', { RN: '101', DN: 'Y' });
  assert.equal(h.link.state, 'WAIT_LS');
  assert.equal(h.link.phase, 'listening');
  assert.deepEqual(h.adapter.data, []);
  assert.deepEqual(h.adapter.ups, []);
  assert.throws(() => h.link.sendData(fiasRecord('PS', [['RN', '101']])), { code: 'cannot-send' });
});

test('T07 WAIT_LS → EXPECTION when the TCP connection is not open within connectTimeoutSec', () => {
  const h = makeLink({ connectTimeoutSec: 10 });
  h.link.enable();
  h.clock.advance(9_999);
  assert.equal(h.link.state, 'WAIT_LS');
  h.clock.advance(1);
  assert.equal(h.link.state, 'EXPECTION');
  assert.equal(h.adapter.lastChange().why, 'TCP connection not open within 10 s');
  assert.equal(h.adapter.closes.length, 1, 'the attempt is abandoned');
});

test('T08 WAIT_LS → EXPECTION when no LA comes within initTimeoutSec of our LD/LR/LA', () => {
  const h = makeLink();
  h.link.enable();
  h.adapter.pms('LS');
  h.clock.advance(29_999);
  assert.equal(h.link.state, 'WAIT_LS');
  h.clock.advance(1);
  assert.equal(h.link.state, 'EXPECTION');
  assert.equal(h.adapter.lastChange().why, 'no LA within 30 s of our LD/LR/LA');
  assert.equal(h.adapter.closes.length, 1);
});

test('T09 WAIT_LS → EXPECTION on disconnected(): a failed connect and a lost connection', () => {
  const h = makeLink();
  h.link.enable();
  h.adapter.conn.disconnected('ECONNREFUSED');
  assert.equal(h.link.state, 'EXPECTION');
  assert.equal(h.adapter.lastChange().why, 'TCP connect failed: ECONNREFUSED');
  h.clock.advance(1_000);
  h.adapter.conn.connected();
  h.adapter.conn.disconnected('ECONNRESET');
  assert.equal(h.adapter.lastChange().why, 'TCP connection lost: ECONNRESET');
  assert.deepEqual(h.adapter.closes, [], 'close() is not asked for a connection already gone');
});

test('T10 WAIT_LS LE from the PMS: answered with LE, connection kept', () => {
  const h = makeLink();
  h.link.enable();
  h.adapter.pms('LS');
  h.adapter.pms('LE');
  assert.equal(h.adapter.sentIds().at(-1), 'LE');
  assert.equal(h.link.state, 'WAIT_LS');
  assert.equal(h.link.phase, 'pms-ended');
  assert.deepEqual(h.adapter.closes, []);
});

test('T11 EXPECTION → WAIT_LS after the backoff: delays double and stop at the cap', () => {
  const h = makeLink(); // reconnect 1 s … 8 s, jitter at its top
  h.link.enable();
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    h.adapter.conn.disconnected('ECONNREFUSED');
    const failedAt = h.clock.elapsed;
    const before = h.adapter.conns.length;
    h.clock.advance(10_000);
    assert.equal(h.adapter.conns.length, before + 1);
    delays.push(h.adapter.conns.at(-1)!.at - failedAt);
    assert.equal(h.link.state, 'WAIT_LS');
  }
  assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  assert.deepEqual(
    h.adapter.changes.filter((c) => c.to === 'EXPECTION').map((c) => c.retryInMs),
    delays,
  );
  // Established again, the count starts over.
  h.adapter.pms('LS');
  h.adapter.pms('LA');
  h.adapter.conn.disconnected('ECONNRESET');
  assert.equal(h.adapter.lastChange().retryInMs, 1_000);
});

test('T11 the backoff jitter comes from the injected random source (equal jitter: half fixed)', () => {
  const h = makeLink({}, () => 0);
  h.link.enable();
  h.adapter.conn.disconnected('x');
  assert.equal(h.adapter.lastChange().retryInMs, 500);
});

test('T12 EXPECTION → EXPIRED when the backoff ends after the contract end date', () => {
  const h = makeLink({ expiresAt: new Date(T0 + 60_000) });
  h.link.enable();
  h.adapter.conn.disconnected('ECONNREFUSED');
  h.clock.jump(120_000); // the wall clock passes the end date; the expiry timer is not due yet
  h.clock.advance(1_000);
  assert.equal(h.link.state, 'EXPIRED');
  assert.equal(h.adapter.conns.length, 1, 'no new connect');
  h.clock.advance(3_600_000);
  assert.equal(h.adapter.conns.length, 1, 'still none an hour later');
});

test('T13 ESTABLISHED alive check: LS every keepaliveSec, never more often than every 300 s', () => {
  for (const [keepaliveSec, expectMs] of [
    [60, 300_000],
    [600, 600_000],
  ] as const) {
    const h = makeLink({ keepaliveSec });
    establish(h);
    const from = h.adapter.sent.length;
    h.clock.advance(expectMs - 1);
    assert.deepEqual(h.adapter.sentIds(from), [], `keepaliveSec ${keepaliveSec}: nothing before`);
    h.clock.advance(1);
    assert.deepEqual(h.adapter.sentIds(from), ['LS']);
    assert.equal(h.adapter.sent.at(-1)!.record.fields.has('TI'), true);
    h.adapter.pms('LA');
    h.clock.advance(expectMs);
    assert.deepEqual(h.adapter.sentIds(from), ['LS', 'LS']);
    assert.equal(h.adapter.sent.at(-1)!.at - h.adapter.sent.at(-2)!.at, expectMs);
  }
});

test('T14 ESTABLISHED LA after our LS: alive, no LA back, next LS a full interval later', () => {
  const h = makeLink();
  establish(h);
  const from = h.adapter.sent.length;
  h.clock.advance(300_000);
  h.clock.advance(2_000);
  h.adapter.pms('LA');
  h.clock.advance(10_000);
  assert.equal(h.link.state, 'ESTABLISHED');
  assert.deepEqual(h.adapter.sentIds(from), ['LS'], 'an LA is never answered with LA');
  h.clock.advance(290_000);
  assert.deepEqual(h.adapter.sentIds(from), ['LS', 'LS']);
  assert.equal(h.adapter.sent.at(-1)!.at - h.adapter.sent.at(-2)!.at, 302_000);
});

test('T15 ESTABLISHED → EXPECTION when no LA comes within ackTimeoutSec of our LS', () => {
  const h = makeLink();
  establish(h);
  h.clock.advance(300_000 + 2_999);
  assert.equal(h.link.state, 'ESTABLISHED');
  h.clock.advance(1);
  assert.equal(h.link.state, 'EXPECTION');
  assert.equal(h.adapter.lastChange().why, 'no LA within 3 s of our LS');
  assert.deepEqual(h.adapter.downs, ['no LA within 3 s of our LS']);
  assert.equal(h.adapter.closes.length, 1);
  assert.deepEqual(h.adapter.canSend, [true, false]);
  h.clock.advance(1_000);
  assert.equal(h.link.state, 'WAIT_LS', 'reconnects');
  assert.equal(h.adapter.conns.length, 2);
});

test('T16 ESTABLISHED → EXPECTION on disconnected(): linkDown, reconnect', () => {
  const h = makeLink();
  establish(h);
  h.adapter.conn.disconnected('ECONNRESET');
  assert.equal(h.link.state, 'EXPECTION');
  assert.deepEqual(h.adapter.downs, ['TCP connection lost: ECONNRESET']);
  h.clock.advance(1_000);
  assert.equal(h.adapter.conns.length, 2);
});

test('T17 ESTABLISHED LS from the PMS: LD/LR/LA sent again, still ESTABLISHED', () => {
  const h = makeLink();
  establish(h);
  const from = h.adapter.sent.length;
  h.adapter.pms('LS');
  assert.deepEqual(h.adapter.sentIds(from), ['LD', 'LR', 'LR', 'LR', 'LR', 'LA']);
  assert.equal(h.link.state, 'ESTABLISHED');
  assert.deepEqual(h.adapter.downs, []);
  h.adapter.pms('LA'); // its answer to our LA
  assert.equal(h.link.state, 'ESTABLISHED');
});

test("T18 ESTABLISHED → WAIT_LS on the PMS's LE: answered with LE, linkDown, connection kept", () => {
  const h = makeLink();
  establish(h);
  h.adapter.pms('LE', { DA: '260115', TI: '110000' });
  assert.equal(h.adapter.sentIds().at(-1), 'LE');
  assert.equal(h.link.state, 'WAIT_LS');
  assert.equal(h.link.phase, 'pms-ended');
  assert.deepEqual(h.adapter.downs, ['PMS sent LE']);
  assert.equal(h.link.canSendData(), false, 'chargeable records stay in the outbox');
  assert.deepEqual(h.adapter.closes, []);
  // The usual end: the IFC drops TCP; we reconnect.
  h.adapter.conn.disconnected('EOF');
  assert.match(h.adapter.lastChange().why, /PMS closed the connection after its LE/);
});

test("T19 WAIT_LS → ESTABLISHED on the PMS's next record after its LE, without LS", () => {
  const h = makeLink();
  establish(h);
  h.adapter.pms('LE');
  h.clock.advance(60_000);
  h.adapter.pms('GI', { RN: '101' });
  assert.equal(h.link.state, 'ESTABLISHED');
  assert.deepEqual(h.adapter.ups, [0, 60_000]);
  assert.deepEqual(
    h.adapter.data.map((r) => r.id),
    ['GI'],
  );
  assert.equal(h.link.canSendData(), true);
});

test("T19 after the PMS's LE an LS runs the start-up again", () => {
  const h = makeLink();
  establish(h);
  h.adapter.pms('LE');
  const from = h.adapter.sent.length;
  h.adapter.pms('LS');
  assert.deepEqual(h.adapter.sentIds(from), ['LD', 'LR', 'LR', 'LR', 'LR', 'LA']);
  h.adapter.pms('LA');
  assert.equal(h.link.state, 'ESTABLISHED');
});

test("T20 WAIT_LS → EXPECTION after keepaliveSec without a record since the PMS's LE", () => {
  const h = makeLink();
  establish(h);
  h.adapter.pms('LE');
  h.clock.advance(299_999);
  assert.equal(h.link.state, 'WAIT_LS');
  h.clock.advance(1);
  assert.equal(h.link.state, 'EXPECTION');
  assert.equal(h.adapter.lastChange().why, "no record within 300 s of the PMS's LE");
  assert.equal(h.adapter.closes.length, 1);
});

test('every transition of the table has a test named after it', () => {
  const sources = ['fias-link.test.ts', 'fias-link-ops.test.ts']
    .map((f) => readFileSync(new URL(f, import.meta.url), 'utf8'))
    .join('\n');
  const missing = FIAS_LINK_TRANSITIONS.filter(
    (t) => !new RegExp(`^test\\(['"\`]${t.id} `, 'm').test(sources),
  );
  assert.deepEqual(
    missing.map((t) => t.id),
    [],
  );
  assert.equal(FIAS_LINK_TRANSITIONS.length, 36);
});
