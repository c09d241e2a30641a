// The FIAS link's operator commands, contract end and resync windows: transitions T21–T36 of
// src/fias/link-states.ts (the full list is at the top of fias-link.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fiasRecord } from '../../src/fias/record.js';
import { establish, makeLink, T0 } from './support/fake-fias-link.js';

const PS = fiasRecord('PS', [
  ['RN', '101'],
  ['P#', '1'],
]);

test('T21 ESTABLISHED → WAIT_LE on disconnect(): LE sent, linkDown, nothing sendable', () => {
  const h = makeLink();
  establish(h);
  h.link.disconnect();
  assert.equal(h.link.state, 'WAIT_LE');
  assert.equal(h.adapter.sentIds().at(-1), 'LE');
  assert.deepEqual(h.adapter.downs, ['operator disconnected the link']);
  assert.equal(h.link.canSendData(), false);
  assert.deepEqual(h.adapter.closes, [], 'the connection waits for the PMS LE');
});

test("T22 WAIT_LE → CLOSED on the PMS's LE: closed, and no reconnect until enable()", () => {
  const h = makeLink();
  establish(h);
  h.link.disconnect();
  h.adapter.pms('GI', { RN: '102' }); // sent before the PMS saw our LE: it will not come again
  h.clock.advance(500);
  h.adapter.pms('LE');
  assert.equal(h.link.state, 'CLOSED');
  assert.equal(h.adapter.lastChange().why, 'PMS answered our LE');
  assert.deepEqual(
    h.adapter.closes.map((c) => c.at),
    [500],
  );
  assert.deepEqual(
    h.adapter.data.map((r) => r.id),
    ['GI'],
  );
  h.clock.advance(24 * 3_600_000);
  assert.equal(h.adapter.conns.length, 1);
  assert.deepEqual(h.clock.pending(), [], 'no timer left running');
  h.link.enable();
  assert.equal(h.link.state, 'WAIT_LS');
  assert.equal(h.adapter.conns.length, 2);
});

test('T23 WAIT_LE → CLOSED when no LE comes within leTimeoutSec', () => {
  const h = makeLink();
  establish(h);
  h.link.disconnect();
  h.clock.advance(1_999);
  assert.equal(h.link.state, 'WAIT_LE');
  h.clock.advance(1);
  assert.equal(h.link.state, 'CLOSED');
  assert.equal(h.adapter.lastChange().why, 'no LE within 2 s of ours');
  assert.equal(h.adapter.closes.length, 1);
});

test('T24 WAIT_LE → CLOSED when the connection drops first', () => {
  const h = makeLink();
  establish(h);
  h.link.disconnect();
  h.adapter.conn.disconnected('EOF');
  assert.equal(h.link.state, 'CLOSED');
  assert.deepEqual(h.adapter.closes, []);
  h.clock.advance(60_000);
  assert.equal(h.adapter.conns.length, 1, 'no reconnect');
});

test('T25 WAIT_LS or EXPECTION → CLOSED on disconnect(): no LE (never established), no retry', () => {
  const h = makeLink();
  h.link.enable();
  h.adapter.pms('LS');
  const sent = h.adapter.sent.length;
  h.link.disconnect();
  assert.equal(h.link.state, 'CLOSED');
  assert.equal(h.adapter.sent.length, sent, 'no LE');
  assert.equal(h.adapter.closes.length, 1);

  const e = makeLink();
  e.link.enable();
  e.adapter.conn.disconnected('ECONNREFUSED');
  e.link.disconnect();
  assert.equal(e.link.state, 'CLOSED');
  e.clock.advance(60_000);
  assert.equal(e.adapter.conns.length, 1, 'the pending retry was cancelled');
});

test("T26 ESTABLISHED → DISABLED on disable(): LE, linkDown, closed on the PMS's LE or after 2 s", () => {
  for (const pmsAnswers of [true, false]) {
    const h = makeLink();
    establish(h);
    h.link.disable();
    assert.equal(h.link.state, 'DISABLED');
    assert.equal(h.adapter.lastChange().why, 'operator disabled the link');
    assert.equal(h.adapter.sentIds().at(-1), 'LE');
    assert.deepEqual(h.adapter.downs, ['operator disabled the link']);
    if (pmsAnswers) h.adapter.pms('LE');
    else h.clock.advance(2_000);
    assert.equal(h.adapter.closes.length, 1);
    assert.equal(h.link.state, 'DISABLED');
    h.clock.advance(3_600_000);
    assert.equal(h.adapter.conns.length, 1, 'no reconnect while DISABLED');
    assert.equal(h.adapter.sentIds().filter((id) => id === 'LS').length, 0, 'no alive check');
  }
});

test('T27 CLOSED, WAIT_LS, EXPECTION or WAIT_LE → DISABLED on disable(): closed, no LE', () => {
  const closed = makeLink();
  closed.link.disable();
  assert.deepEqual(closed.adapter.log, ['CLOSED->DISABLED']);

  const waiting = makeLink();
  waiting.link.enable();
  waiting.link.disable();
  assert.equal(waiting.link.state, 'DISABLED');
  assert.equal(waiting.adapter.closes.length, 1);
  assert.deepEqual(waiting.adapter.sent, []);

  const failing = makeLink();
  failing.link.enable();
  failing.adapter.conn.disconnected('ECONNREFUSED');
  failing.link.disable();
  failing.clock.advance(60_000);
  assert.equal(failing.adapter.conns.length, 1, 'the retry was cancelled');

  const ending = makeLink();
  establish(ending);
  ending.link.disconnect();
  ending.link.disable();
  assert.equal(ending.link.state, 'DISABLED');
  ending.clock.advance(2_000); // the bounded LE wait still closes the connection
  assert.equal(ending.adapter.closes.length, 1);
});

test('T28 DISABLED → CLOSED → WAIT_LS on enable()', () => {
  const h = makeLink();
  h.link.disable();
  h.link.enable();
  assert.deepEqual(
    h.adapter.changes.map((c) => `${c.from}->${c.to}`),
    ['CLOSED->DISABLED', 'DISABLED->CLOSED', 'CLOSED->WAIT_LS'],
  );
  assert.equal(h.adapter.conns.length, 1);

  // Enabled again while our LE still waits for the PMS's: that connection is closed, not leaked.
  const e = makeLink();
  establish(e);
  e.link.disable();
  e.link.enable();
  assert.deepEqual(e.adapter.log.slice(-4), ['DISABLED->CLOSED', 'close', 'CLOSED->WAIT_LS', 'connect']);
  assert.equal(e.adapter.closes.length, 1);
  assert.equal(e.adapter.conns.length, 2);
  e.adapter.conns[0]!.conn.received(fiasRecord('LE'));
  assert.equal(e.adapter.closes.length, 1, 'the old handle is stale');
});

test('T29 DISABLED → CLOSED → EXPIRED on enable() when the contract ended meanwhile', () => {
  const h = makeLink({ expiresAt: new Date(T0 + 60_000) });
  h.link.disable();
  h.clock.advance(120_000);
  assert.equal(h.link.state, 'DISABLED', 'the operator switch is kept');
  h.link.enable();
  assert.equal(h.link.state, 'EXPIRED');
  assert.equal(h.adapter.conns.length, 0);
  // A notice while disabled works the same way.
  const n = makeLink();
  n.link.disable();
  n.link.expire('licence revoked');
  n.link.enable();
  assert.equal(n.link.state, 'EXPIRED');
  assert.equal(n.adapter.lastChange().why, 'licence revoked');
});

test('T30 ESTABLISHED → EXPIRED at the contract end date (timer) and on an expiry notice', () => {
  const h = makeLink({ expiresAt: new Date(T0 + 2 * 3_600_000 + 5_000) });
  establish(h);
  h.adapter.answersAliveChecks = true;
  h.clock.advance(2 * 3_600_000 + 4_999);
  assert.equal(h.adapter.sentIds().filter((id) => id === 'LS').length, 24, 'alive checks every 300 s');
  assert.equal(h.link.state, 'ESTABLISHED');
  h.clock.advance(1);
  assert.equal(h.link.state, 'EXPIRED');
  assert.match(h.adapter.lastChange().why, /contract ended at 2026-01-15 13:00:05/);
  assert.equal(h.adapter.sentIds().at(-1), 'LE');
  assert.equal(h.adapter.downs.length, 1);
  h.adapter.pms('LE');
  assert.equal(h.adapter.closes.length, 1);

  const n = makeLink();
  establish(n);
  n.link.expire();
  assert.equal(n.link.state, 'EXPIRED');
  assert.equal(n.adapter.lastChange().why, 'PMS service expired (notice)');
  n.clock.advance(3_600_000);
  assert.equal(n.adapter.conns.length, 1, 'no reconnect while EXPIRED');
});

test('T31 CLOSED, WAIT_LS, EXPECTION or WAIT_LE → EXPIRED on expiry: closed, no LE, no retry', () => {
  const closed = makeLink({ expiresAt: new Date(T0 + 1_000) });
  closed.clock.advance(1_000);
  assert.equal(closed.link.state, 'EXPIRED');

  const waiting = makeLink();
  waiting.link.enable();
  waiting.adapter.pms('LS');
  const sent = waiting.adapter.sent.length;
  waiting.link.expire();
  assert.equal(waiting.adapter.sent.length, sent, 'no LE');
  assert.equal(waiting.adapter.closes.length, 1);

  const failing = makeLink({ expiresAt: new Date(T0 + 500) });
  failing.link.enable();
  failing.adapter.conn.disconnected('ECONNREFUSED');
  failing.clock.advance(500);
  assert.equal(failing.link.state, 'EXPIRED');
  failing.clock.advance(60_000);
  assert.equal(failing.adapter.conns.length, 1);

  const ending = makeLink();
  establish(ending);
  ending.link.disconnect();
  ending.link.expire();
  assert.equal(ending.link.state, 'EXPIRED');
  ending.adapter.pms('LE');
  assert.equal(ending.adapter.closes.length, 1);
});

test('T32 EXPIRED → CLOSED → WAIT_LS on a later end date; no end date works too; a past one does not', () => {
  const h = makeLink({ expiresAt: new Date(T0 - 1) });
  h.link.enable();
  assert.equal(h.link.state, 'EXPIRED');
  h.link.setExpiresAt(new Date(T0 - 1_000));
  assert.equal(h.link.state, 'EXPIRED');
  h.link.setExpiresAt(new Date(T0 + 365 * 86_400_000));
  assert.deepEqual(
    h.adapter.changes.slice(-2).map((c) => `${c.from}->${c.to}`),
    ['EXPIRED->CLOSED', 'CLOSED->WAIT_LS'],
  );
  assert.match(h.adapter.changes.at(-2)!.why, /contract end date moved to 2027-01-15/);

  const n = makeLink();
  establish(n);
  n.link.expire();
  n.link.setExpiresAt(undefined);
  assert.equal(n.link.state, 'WAIT_LS');

  // Operator-disconnected, then expired: renewing shows CLOSED and waits for enable().
  const off = makeLink();
  establish(off);
  off.link.disconnect();
  off.adapter.pms('LE');
  off.link.expire();
  off.link.setExpiresAt(undefined);
  assert.equal(off.link.state, 'CLOSED');
  assert.equal(off.adapter.conns.length, 1);
});

test('T33 ESTABLISHED requestResync(): DR sent, then nothing may be sent until DE', () => {
  const h = makeLink();
  establish(h);
  h.link.requestResync();
  const dr = h.adapter.sent.at(-1)!.record;
  assert.equal(dr.id, 'DR');
  assert.deepEqual([...dr.fields.keys()], ['DA', 'TI']);
  assert.equal(h.link.canSendData(), false);
  assert.deepEqual(h.adapter.canSend, [true, false]);
  assert.throws(() => h.link.sendData(PS), { code: 'cannot-send' });
  assert.throws(() => h.link.requestResync(), { code: 'resync-refused' });
  assert.equal(h.link.state, 'ESTABLISHED', 'the link itself is up');
});

test('T34 ESTABLISHED DS from the PMS: resync window, records delivered, no alive check inside it', () => {
  const h = makeLink();
  establish(h);
  h.clock.advance(290_000);
  h.adapter.pms('DS');
  assert.deepEqual(h.adapter.resyncs, ['start']);
  assert.equal(h.link.canSendData(), false, 'a PMS-started resync also stops sending');
  const from = h.adapter.sent.length;
  for (let i = 0; i < 5; i++) {
    h.clock.advance(5_000); // crosses the 300 s alive-check deadline
    h.adapter.pms('GI', { RN: `10${i}`, SF: '' });
  }
  assert.deepEqual(h.adapter.sentIds(from), [], 'no LS during the resync');
  assert.equal(h.adapter.data.length, 5);
  assert.equal(h.link.state, 'ESTABLISHED');
});

test('T35 ESTABLISHED DE from the PMS: resync ends, sending resumes', () => {
  const h = makeLink();
  establish(h);
  h.link.requestResync();
  h.adapter.pms('DS');
  h.adapter.pms('GI', { RN: '101', SF: '' });
  h.adapter.pms('DE');
  assert.deepEqual(h.adapter.resyncs, ['start', { complete: true, why: 'PMS sent DE' }]);
  assert.equal(h.link.canSendData(), true);
  assert.deepEqual(h.adapter.canSend, [true, false, true]);
  h.link.sendData(PS);
  assert.equal(h.adapter.sentIds().at(-1), 'PS');
});

test('T36 ESTABLISHED resync given up: a DR without DS, a DS…DE window gone silent, a lost link', () => {
  const h = makeLink();
  establish(h);
  h.link.requestResync();
  h.clock.advance(29_999);
  assert.equal(h.link.canSendData(), false);
  h.clock.advance(1);
  assert.equal(h.link.canSendData(), true);
  assert.deepEqual(h.adapter.resyncs, [
    { complete: false, why: 'no DS within 30 s of our DR (the PMS may ignore a DR it finds unneeded)' },
  ]);

  h.adapter.pms('DS');
  h.clock.advance(20_000);
  h.adapter.pms('GI', { RN: '101', SF: '' }); // each record restarts the wait
  h.clock.advance(29_999);
  assert.equal(h.link.canSendData(), false);
  h.clock.advance(1);
  assert.equal(h.link.canSendData(), true);
  assert.deepEqual(h.adapter.resyncs.at(-1), {
    complete: false,
    why: 'no record for 30 s during the resync',
  });

  h.adapter.pms('DS');
  h.adapter.conn.disconnected('ECONNRESET');
  assert.deepEqual(h.adapter.resyncs.at(-1), {
    complete: false,
    why: 'link left ESTABLISHED: TCP connection lost: ECONNRESET',
  });
});
