// The pumps between the FIAS link and the room core (src/fias/pump.ts), with in-memory fakes of
// FiasInbound and FiasOutbox and a link whose canSendData() the test flips.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FiasLinkError } from '../../src/fias/link-options.js';
import { fiasRecord, type FiasRecord } from '../../src/fias/record.js';
import type { FiasOutbox } from '../../src/fias/ports.js';
import { InboundPump, OutboxPump } from '../../src/fias/pump.js';
import { captureLog } from './support/capture-log.js';
import { FakeInbound, FakeOutbox } from './support/fake-fias-ports.js';

const T = { timeout: 10_000 };
const gi = (room: string) => fiasRecord('GI', [['RN', room]]);
const wa = (room: string) =>
  fiasRecord('WA', [
    ['RN', room],
    ['DA', '260115'],
    ['TI', '063000'],
    ['AS', 'OK'],
  ]);

class FakeLink {
  can = false;
  readonly sent: FiasRecord[] = [];
  canSendData(): boolean {
    return this.can;
  }
  sendData(r: FiasRecord): void {
    if (!this.can) throw new FiasLinkError('cannot-send', 'not now');
    this.sent.push(r);
  }
}

/** Resolves once `pred` holds, checking after each macrotask; rejects after `ms`. */
async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe('FIAS inbound pump', () => {
  it('applies records one at a time in arrival order, however long each takes', T, async () => {
    const inbound = new FakeInbound((n) => [30, 0, 10][n] ?? 0);
    const pump = new InboundPump({ inbound, log: captureLog().log });
    for (const room of ['8001', '8002', '8003']) pump.push(gi(room));
    await pump.idle();
    assert.deepEqual(
      inbound.handled.map((m) => ('room' in m ? m.room : '')),
      ['8001', '8002', '8003'],
    );
    assert.equal(inbound.maxInFlight, 1);
  });

  it('a record past its deadline is logged and the next one goes ahead', T, async () => {
    const cap = captureLog();
    const outcomes: boolean[] = [];
    const stuck = { handle: (): Promise<void> => new Promise(() => undefined) };
    const pump = new InboundPump({
      inbound: stuck,
      log: cap.log,
      deadlineMs: 50,
      outcome: (ok) => outcomes.push(ok),
    });
    pump.push(gi('8001'));
    pump.push(gi('8002'));
    await pump.idle();
    assert.deepEqual(outcomes, [false, false]);
    const late = cap.withMsg('FIAS record not applied in time: going on with the next one');
    assert.deepEqual(
      late.map((l) => l.room),
      ['8001', '8002'],
    );
  });

  it(
    'a rejection is logged and does not stop the chain; an invalid record never reaches the core',
    T,
    async () => {
      const cap = captureLog();
      const seen: string[] = [];
      let invalid = 0;
      const inbound = {
        handle: (m: { id: string }): Promise<void> => {
          seen.push(m.id);
          return m.id === 'GI' ? Promise.reject(new Error('database down')) : Promise.resolve();
        },
      };
      const pump = new InboundPump({ inbound, log: cap.log, invalid: () => invalid++ });
      pump.push(gi('8001'));
      pump.push(fiasRecord('GO', [['RN', '']]));
      pump.push(fiasRecord('GO', [['RN', '8001']]));
      await pump.idle();
      assert.deepEqual(seen, ['GI', 'GO']);
      assert.equal(invalid, 1);
      assert.equal(cap.withMsg('FIAS record could not be applied')[0]?.err, 'database down');
    },
  );
});

describe('FIAS outbox pump', () => {
  it('sends nothing while the link may not; drains in order when it may', T, async () => {
    const link = new FakeLink();
    const outbox = new FakeOutbox();
    const pump = new OutboxPump({ link, outbox, log: captureLog().log });
    pump.start();
    outbox.add(wa('8001'));
    outbox.add(wa('8002'));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(link.sent.length, 0);
    link.can = true;
    pump.wake(); // what canSendChanged(true) does
    await until(() => outbox.waiting === 0, 2_000, 'drained');
    outbox.add(wa('8003')); // onAdded wakes it
    await until(() => link.sent.length === 3, 2_000, 'the third');
    assert.deepEqual(
      link.sent.map((r) => r.fields.get('RN')),
      ['8001', '8002', '8003'],
    );
    await pump.stop();
  });

  it(
    'a link that goes down while the outbox answers keeps the record for later (at least once)',
    T,
    async () => {
      const link = new FakeLink();
      link.can = true;
      const inner = new FakeOutbox();
      let release: (() => void) | undefined;
      const slow: FiasOutbox = {
        peek: () => new Promise((r) => (release = () => void inner.peek().then(r))),
        sent: (id) => inner.sent(id),
        onAdded: (l) => inner.onAdded(l),
      };
      // Its third peek never answers: the deadline bounds stop().
      const pump = new OutboxPump({ link, outbox: slow, log: captureLog().log, deadlineMs: 200 });
      inner.add(wa('8001'));
      pump.start();
      await until(() => release !== undefined, 1_000, 'peek');
      link.can = false;
      release!();
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(link.sent.length, 0, 'not sent after the link went down');
      assert.equal(inner.waiting, 1, 'still first in the outbox');
      link.can = true;
      release = undefined;
      pump.wake();
      await until(() => release !== undefined, 1_000, 'second peek');
      release!();
      await until(() => inner.waiting === 0, 1_000, 'sent');
      assert.equal(link.sent.length, 1);
      await pump.stop();
    },
  );

  it('an outbox whose sent() fails sends the record again after the retry delay', T, async () => {
    const link = new FakeLink();
    link.can = true;
    const inner = new FakeOutbox();
    let failures = 1;
    const flaky: FiasOutbox = {
      peek: () => inner.peek(),
      sent: (id) => (failures-- > 0 ? Promise.reject(new Error('store down')) : inner.sent(id)),
      onAdded: (l) => inner.onAdded(l),
    };
    const cap = captureLog();
    const pump = new OutboxPump({ link, outbox: flaky, log: cap.log, retryMs: 30 });
    inner.add(wa('8001'));
    pump.start();
    await until(() => inner.waiting === 0, 2_000, 'sent after the retry');
    assert.equal(link.sent.length, 2, 'written twice: at least once');
    assert.equal(cap.withMsg('FIAS outbox failed: records wait for the next attempt').length, 1);
    await pump.stop();
  });

  it('an outbox that never answers is given up on within its deadline', T, async () => {
    const link = new FakeLink();
    link.can = true;
    const cap = captureLog();
    const hung: FiasOutbox = {
      peek: () => new Promise(() => undefined),
      sent: () => Promise.resolve(),
      onAdded: () => () => undefined,
    };
    const pump = new OutboxPump({ link, outbox: hung, log: cap.log, deadlineMs: 40, retryMs: 60_000 });
    pump.start();
    await until(() => cap.lines.length > 0, 2_000, 'the log line');
    assert.match(String(cap.lines[0]!.err), /FIAS outbox peek took longer than 40 ms/);
    await pump.stop();
  });
});
