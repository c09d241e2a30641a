// A PMS server whose FIAS link talks to the simulator (ESTABLISHED before the tests run), and one
// without a FIAS link: what the operator-command tests (FiasStatus, FiasLink, pms-cli fias) stand on.
import { loadConfig } from '../../../src/config/index.js';
import { FiasWire } from '../../../src/fias/wire.js';
import type { PostingQuery } from '../../../src/handlers/types.js';
import { silentLogger } from '../../../src/log.js';
import { FiasSim } from '../../fias/sim.js';
import { FakeInbound, FakeOutbox } from './fake-fias-ports.js';
import { startHarness, type Harness } from './harness.js';

export interface FiasOperatorRig {
  sim: FiasSim;
  wire: FiasWire;
  /** The server with the FIAS link. */
  h: Harness;
  /** A server without one. */
  off: Harness;
  close(): Promise<void>;
}

export async function startFiasOperatorRig(postings?: PostingQuery): Promise<FiasOperatorRig> {
  const sim = new FiasSim();
  const port = await sim.listen();
  const config = loadConfig({
    env: {},
    values: {
      ami: { username: 'x', password: 'x' },
      ari: { username: 'x', password: 'x' },
      hotel: { rooms: '8001-8004', timeZone: 'Europe/Rome' },
      fias: { enabled: true, host: '127.0.0.1', port, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } },
    },
  });
  const wire = new FiasWire({
    fias: config.fias,
    timeZone: config.hotel.timeZone,
    log: silentLogger(),
    inbound: new FakeInbound(),
    outbox: new FakeOutbox(),
  });
  wire.start();
  await wire.waitForState('ESTABLISHED', 5_000);
  const h = await startHarness({}, [], undefined, silentLogger(), { fias: wire, postings });
  const off = await startHarness();
  return {
    sim,
    wire,
    h,
    off,
    close: async () => {
      await h.close();
      await off.close();
      await wire.stop(1_000);
      await sim.close();
    },
  };
}
