// The FIAS TCP adapter's own guarantees (src/fias/adapter.ts), apart from the link: a socket that
// never connects is destroyed and reported once, a record that cannot be encoded is never written,
// and a report comes once per connection however the socket ends.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { FiasTcpAdapter } from '../../src/fias/adapter.js';
import { loadConfig } from '../../src/config/index.js';
import type { FiasLinkConnection } from '../../src/fias/link.js';
import { fiasRecord, type FiasRecord } from '../../src/fias/record.js';
import { FiasWire } from '../../src/fias/wire.js';
import { FiasSim } from '../fias/sim.js';
import { captureLog } from './support/capture-log.js';
import { FakeInbound, FakeOutbox } from './support/fake-fias-ports.js';

const T = { timeout: 10_000 };

/** A socket that never connects (a firewall dropping SYNs), and the list of those made. */
function blackhole(): { made: Socket[]; connectSocket: () => Socket } {
  const made: Socket[] = [];
  return { made, connectSocket: () => (made.push(new Socket()), made.at(-1)!) };
}

function fakeConn(): FiasLinkConnection & { events: string[]; records: FiasRecord[] } {
  const events: string[] = [];
  const records: FiasRecord[] = [];
  return {
    epoch: 1,
    current: true,
    events,
    records,
    connected: () => void events.push('connected'),
    disconnected: (why) => void events.push(`disconnected: ${why}`),
    received: (r) => void records.push(r),
  };
}

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('FIAS TCP adapter', () => {
  it(
    "a connect that never completes: the link's deadline closes it and the socket is destroyed",
    T,
    async () => {
      const hole = blackhole();
      const config = loadConfig({
        env: {},
        values: {
          ami: { username: 'x', password: 'x' },
          ari: { username: 'x', password: 'x' },
          hotel: { rooms: '8001', timeZone: 'Europe/Rome' },
          fias: {
            enabled: true,
            host: '192.0.2.1',
            port: 5010,
            connectTimeoutSec: 1,
            reconnect: { initialDelayMs: 5_000, maxDelayMs: 5_000 },
          },
        },
      });
      const wire = new FiasWire({
        fias: config.fias,
        timeZone: 'Europe/Rome',
        log: captureLog().log,
        inbound: new FakeInbound(),
        outbox: new FakeOutbox(),
        connectSocket: hole.connectSocket,
      });
      const t0 = Date.now();
      wire.start();
      await wire.waitForState('EXPECTION', 3_000);
      const ms = Date.now() - t0;
      assert.ok(ms >= 950 && ms < 2_000, `${ms} ms`);
      assert.match(wire.status().why, /TCP connection not open within 1 s/);
      assert.equal(hole.made.length, 1);
      assert.ok(hole.made[0]!.destroyed, 'the hanging socket is destroyed');
      assert.equal(wire.adapter.busy, false);
      await wire.stop(500);
    },
  );

  it('its own backstop destroys a hanging socket and reports it once, should the link not', T, async () => {
    const hole = blackhole();
    const adapter = new FiasTcpAdapter({
      host: '192.0.2.1',
      port: 5010,
      encoding: 'latin1',
      connectTimeoutMs: 50,
      log: captureLog().log,
      connectSocket: hole.connectSocket,
    });
    const conn = fakeConn();
    adapter.connect(conn);
    await until(() => conn.events.length > 0, 3_000, 'the report');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(conn.events, ['disconnected: TCP connect to 192.0.2.1:5010 not open within 50 ms']);
    assert.ok(hole.made[0]!.destroyed);
  });

  it(
    'a record that cannot be encoded is logged as an engine bug and nothing of it is written',
    T,
    async () => {
      const sim = new FiasSim({ silent: true });
      const port = await sim.listen();
      const cap = captureLog();
      const adapter = new FiasTcpAdapter({
        host: '127.0.0.1',
        port,
        encoding: 'latin1',
        connectTimeoutMs: 2_000,
        log: cap.log,
      });
      const conn = fakeConn();
      adapter.connect(conn);
      await until(() => conn.events.includes('connected'), 3_000, 'connected');
      adapter.send(
        fiasRecord('GI', [
          ['RN', '8001'],
          ['GN', '王'],
        ]),
      ); // no latin1 form
      adapter.send(
        fiasRecord('GI', [
          ['RN', '8001'],
          ['GN', 'a|b'],
        ]),
      );
      adapter.send(fiasRecord('GI', [['RN', '8002']]));
      await sim.waitFor((r) => r.record.id === 'GI', 3_000, 'the good GI');
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(sim.ids(), ['GI']);
      assert.equal(sim.frameErrors.length, 0, 'no half record reached the PMS');
      const bugs = cap.withMsg('FIAS record cannot be encoded (engine bug): dropped');
      assert.deepEqual(
        bugs.map((l) => l.code),
        ['unrepresentable', 'separator-in-data'],
      );
      adapter.destroy();
      await sim.close();
    },
  );

  it('the PMS closing the connection is reported once; a close we asked for is not reported', T, async () => {
    const sim = new FiasSim({ silent: true });
    const port = await sim.listen();
    const adapter = new FiasTcpAdapter({
      host: '127.0.0.1',
      port,
      encoding: 'latin1',
      connectTimeoutMs: 2_000,
      log: captureLog().log,
    });
    const a = fakeConn();
    adapter.connect(a);
    await until(() => a.events.includes('connected'), 3_000, 'connected');
    sim.drop();
    await until(() => a.events.length === 2, 3_000, 'the report');
    assert.match(a.events[1]!, /^disconnected: /);
    const b = fakeConn();
    adapter.connect(b);
    await until(() => b.events.includes('connected'), 3_000, 'connected again');
    adapter.close('test');
    await sim.waitEvent('closed', 3_000);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(b.events, ['connected']);
    await sim.close();
  });
});
