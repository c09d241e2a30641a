// The composition root wires the FIAS link only when fias.enabled, with the room core's handler and
// outbox (src/fias/core.ts) unless told otherwise: `placeholder` runs the link alone (every record
// logged at warn as not applied), a given FiasInbound replaces the room core.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, type Config, type DeepPartial } from '../../src/config/index.js';
import { Engine } from '../../src/engine.js';
import { FiasSim } from '../fias/sim.js';
import { captureLog } from './support/capture-log.js';
import { FakeInbound } from './support/fake-fias-ports.js';

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

  it('enabled with the placeholder: records are received and logged as not applied', T, async () => {
    const sim = new FiasSim();
    const port = await sim.listen();
    const cap = captureLog();
    const engine = new Engine(config({ enabled: true, host: '127.0.0.1', port }), cap.log, {
      placeholder: true,
    });
    const fias = engine.fias!;
    try {
      fias.start();
      await fias.waitForState('ESTABLISHED', 5_000);
      sim.send('GI|RN8001|GNRossi|');
      await fias.inbound.idle();
      const deadline = Date.now() + 3_000;
      while (cap.withMsg('FIAS record not applied: no room-core handler for FIAS yet').length === 0) {
        assert.ok(Date.now() < deadline, 'the placeholder logged the GI');
        await new Promise((r) => setTimeout(r, 10));
        await fias.inbound.idle();
      }
      const line = cap.withMsg('FIAS record not applied: no room-core handler for FIAS yet')[0]!;
      assert.equal(line.level, 40, 'warn');
      assert.deepEqual([line.id, line.room, line.link], ['GI', '8001', 'fias']);
    } finally {
      await fias.stop(1_000);
      await sim.close();
    }
    assert.equal(fias.link.state, 'CLOSED', 'stop ended the link');
    assert.ok(sim.ids().includes('LE'), 'with an LE to the PMS');
  });

  it(
    'enabled by default: the room core takes the records (here its database is down: the GI fails, it is not logged as a placeholder)',
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
        assert.equal(cap.withMsg('FIAS record not applied: no room-core handler for FIAS yet').length, 0);
      } finally {
        await fias.stop(1_000);
        await sim.close();
      }
    },
  );

  it("the room core's FiasInbound, when given, gets the records instead", T, async () => {
    const sim = new FiasSim();
    const port = await sim.listen();
    const inbound = new FakeInbound();
    const engine = new Engine(config({ enabled: true, host: '127.0.0.1', port }), captureLog().log, {
      inbound,
    });
    try {
      engine.fias!.start();
      await engine.fias!.waitForState('ESTABLISHED', 5_000);
      sim.send('GO|RN8002|');
      await inbound.waitFor(1, 3_000);
      assert.equal(inbound.handled[0]!.id, 'GO');
    } finally {
      await engine.fias!.stop(1_000);
      await sim.close();
    }
  });
});
