// Our DR after a local data loss (src/fias/data-loss.ts): once, at the first ESTABLISHED whose room
// table is empty; never when the table holds rooms; a store that cannot answer yet is asked again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resyncAfterDataLoss, type DataLossLink } from '../../src/fias/data-loss.js';
import type { FiasLinkChange } from '../../src/fias/link-states.js';
import { captureLog } from './support/capture-log.js';

const T = { timeout: 10_000 };

class FakeWire implements DataLossLink {
  readonly listeners = new Set<(c: FiasLinkChange) => void>();
  resyncs = 0;
  canSend = true;
  state = 'CLOSED';
  readonly link: DataLossLink['link'];
  constructor() {
    const self = this; // eslint-disable-line @typescript-eslint/no-this-alias
    this.link = {
      get state(): string {
        return self.state;
      },
      requestResync: (): void => void this.resyncs++,
      canSendData: (): boolean => this.canSend,
    };
  }
  onStateChange(l: (c: FiasLinkChange) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  to(to: FiasLinkChange['to']): void {
    const from = this.state as FiasLinkChange['from'];
    this.state = to;
    for (const l of [...this.listeners]) l({ from, to, why: 'test' });
  }
}

const settle = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('FIAS DR after a local data loss', T, () => {
  it('an empty room table at the first link: one DR; later links send none', async () => {
    const wire = new FakeWire();
    let asked = 0;
    resyncAfterDataLoss(wire, async () => (asked++, true), captureLog().log);
    wire.to('WAIT_LS');
    wire.to('ESTABLISHED');
    await settle();
    assert.equal(wire.resyncs, 1);
    wire.to('EXPECTION');
    wire.to('WAIT_LS');
    wire.to('ESTABLISHED');
    await settle();
    assert.deepEqual([wire.resyncs, asked, wire.listeners.size], [1, 1, 0]);
  });

  it('a room table with rooms: no DR, ever', async () => {
    const wire = new FakeWire();
    resyncAfterDataLoss(wire, async () => false, captureLog().log);
    wire.to('ESTABLISHED');
    await settle();
    assert.equal(wire.resyncs, 0);
    assert.equal(wire.listeners.size, 0, 'checked once per process');
  });

  it('a store that cannot answer yet (database down at start) is asked again while the link is up', async () => {
    const wire = new FakeWire();
    const logs = captureLog();
    let calls = 0;
    const isEmpty = async (): Promise<boolean> => {
      if (++calls < 3) throw new Error('database is reconnecting');
      return true;
    };
    resyncAfterDataLoss(wire, isEmpty, logs.log, 10);
    wire.to('ESTABLISHED');
    const deadline = Date.now() + 2_000;
    while (wire.resyncs === 0 && Date.now() < deadline) await settle(5);
    assert.deepEqual([calls, wire.resyncs], [3, 1]);
    assert.equal(
      logs.withMsg('FIAS: cannot tell whether the room table is empty yet; checking again').length,
      2,
    );
  });

  it('no DR when the link cannot send (a resync already running), and none after stop', async () => {
    let wire = new FakeWire();
    wire.canSend = false;
    resyncAfterDataLoss(wire, async () => true, captureLog().log);
    wire.to('ESTABLISHED');
    await settle();
    assert.equal(wire.resyncs, 0);

    wire = new FakeWire();
    let release: (v: boolean) => void = () => undefined;
    const stop = resyncAfterDataLoss(
      wire,
      () => new Promise<boolean>((r) => (release = r)),
      captureLog().log,
    );
    wire.to('ESTABLISHED');
    stop(); // the engine stops while the store is being asked
    release(true);
    await settle();
    assert.equal(wire.resyncs, 0);
  });
});
