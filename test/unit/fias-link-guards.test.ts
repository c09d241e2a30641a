// The FIAS link's guards (src/fias/link.ts): stale connection events, an adapter that fails, a listener
// that calls back into the link, what sendData refuses, and the checked options.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FiasLinkError } from '../../src/fias/link.js';
import { fiasRecord } from '../../src/fias/record.js';
import { establish, makeLink } from './support/fake-fias-link.js';

test('stale connection events are ignored: an old socket cannot touch the new link', () => {
  const h = makeLink();
  establish(h);
  const old = h.adapter.conn;
  h.clock.advance(303_000); // missed LA: the link closes `old` itself
  assert.equal(h.link.state, 'EXPECTION');
  assert.equal(old.current, false);
  old.disconnected('late close'); // the adapter's close arrives late
  assert.equal(h.adapter.changes.filter((c) => c.to === 'EXPECTION').length, 1);
  h.clock.advance(1_000);
  const fresh = h.adapter.conn;
  assert.notEqual(fresh.epoch, old.epoch);
  fresh.connected();
  old.received(fiasRecord('LS'));
  old.received(fiasRecord('LA'));
  old.received(fiasRecord('GI', [['RN', '1']]));
  old.disconnected('ECONNRESET');
  assert.equal(h.link.state, 'WAIT_LS');
  assert.equal(h.link.phase, 'listening');
  assert.deepEqual(h.adapter.data, []);
  assert.equal(fresh.current, true);
});

test('a send the adapter cannot carry out loses the connection (EXPECTION)', () => {
  const h = makeLink();
  establish(h);
  h.adapter.sendThrows = true;
  h.link.sendData(fiasRecord('PS', [['RN', '101']]));
  assert.equal(h.link.state, 'EXPECTION');
  assert.match(h.adapter.lastChange().why, /adapter failed: EPIPE/);
});

test('a listener may call back into the link; outputs keep their order', () => {
  const h = makeLink();
  h.adapter.onState = (c) => c.to === 'ESTABLISHED' && h.link.disable();
  h.link.enable();
  h.adapter.pms('LS');
  h.adapter.pms('LA');
  assert.equal(h.link.state, 'DISABLED');
  // The listener's disable() ran inside the delivery of 'WAIT_LS->ESTABLISHED': its outputs follow
  // those the first input had already queued, so every listener sees the same order of events.
  assert.deepEqual(h.adapter.log.slice(-8), [
    'send LA',
    'WAIT_LS->ESTABLISHED',
    'linkUp',
    'canSend true',
    'send LE',
    'ESTABLISHED->DISABLED',
    'linkDown',
    'canSend false',
  ]);
});

test('sendData refuses link records and works while ESTABLISHED', () => {
  const h = makeLink();
  establish(h);
  assert.throws(
    () => h.link.sendData(fiasRecord('LS')),
    (e) => e instanceof FiasLinkError && e.code === 'link-record',
  );
  h.link.sendData(fiasRecord('PS', [['RN', '101']]));
  assert.equal(h.adapter.sentIds().at(-1), 'PS');
});

test('options are checked: a bad record list is a typed error', () => {
  assert.throws(() => makeLink({ records: { GI: 'RNG' } }), {
    name: 'FiasLinkError',
    code: 'invalid-option',
  });
  assert.throws(() => makeLink({ records: { LS: 'DATI' } }), /link record/);
  assert.throws(() => makeLink({ timeZone: 'Mars/Base' }), /IANA/);
  assert.equal(makeLink({ keepaliveSec: 10 }).link.options.keepaliveMs, 300_000);
});
