// The composition root wires the FIAS link only when fias.enabled, with the room core's handler and
// outbox (src/fias/core.ts) unless a test gives its own.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, type Config, type DeepPartial } from '../../src/config/index.js';
import { Engine } from '../../src/engine.js';
import { FiasSim } from '../fias/sim.js';
import { captureLog } from './support/capture-log.js';
import { FakeInbound, FakeOutbox } from './support/fake-fias-ports.js';

const T = { timeout: 20_000 };
const config = (fias: DeepPartial<Config['fias']>): Config =>
  loadConfig({
    env: {},
    values: {
      ami: { username: 'x', password: 'x' },
      ari: { username: 'x', password: 'x' },
      hotel: { rooms: '8001-8004', timeZone: 'Europe/Rome' },
      fias,
    },
  });

describe('engine FIAS wiring', () => {
  it('no FIAS link unless fias.enabled', () => {
    assert.equal(new Engine(config({}), captureLog().log).fias, undefined);
  });

  it(
    'enabled by default: the room core takes the records (here its database is down: the GI fails)',
    T,
    async () => {
      const sim = new FiasSim();
      const port = await sim.listen();
      const cap = captureLog();
      const engine = new Engine(config({ enabled: true, host: '127.0.0.1', port }), cap.log);
      const fias = engine.fias!;
      try {
        fias.start();
        await fias.waitForState('ESTABLISHED', 5_000);
        sim.send('GI|RN8001|G#77|GNRossi|');
        const deadline = Date.now() + 5_000;
        while (fias.status().applied + fias.status().failed === 0) {
          assert.ok(Date.now() < deadline, 'the room core settled the GI');
          await new Promise((r) => setTimeout(r, 10));
        }
        assert.equal(fias.status().failed, 1, 'not applied: the store was never started');
      } finally {
        await fias.stop(1_000);
        await sim.close();
      }
    },
  );

  it('given ports get the records instead of the room core; stop ends the link with an LE', T, async () => {
    const sim = new FiasSim();
    const port = await sim.listen();
    const inbound = new FakeInbound();
    const engine = new Engine(config({ enabled: true, host: '127.0.0.1', port }), captureLog().log, {
      inbound,
      outbox: new FakeOutbox(),
    });
    const fias = engine.fias!;
    try {
      fias.start();
      await fias.waitForState('ESTABLISHED', 5_000);
      sim.send('GO|RN8002|');
      sim.send('GI|RN8001|GNRossi|');
      await inbound.waitFor(2, 3_000);
      assert.deepEqual(
        inbound.handled.map((m) => [m.id, 'room' in m ? m.room : undefined]),
        [
          ['GO', '8002'],
          ['GI', '8001'],
        ],
      );
    } finally {
      await fias.stop(1_000);
      await sim.close();
    }
    assert.equal(fias.link.state, 'CLOSED', 'stop ended the link');
    assert.ok(sim.ids().includes('LE'), 'with an LE to the PMS');
  });
});
