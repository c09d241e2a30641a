// Fault suite (issue 12): the engine process SIGKILLed mid-load and started again. Commands in flight
// are lost with the connection (the store says whether they landed); nothing is half-applied, AstDB
// equals the store after the restart's re-sync, and the wake-ups due meanwhile ring once.
import { before, describe, it } from 'node:test';
import { requireLab } from '../lab/lab.js';
import { assertHealthy, describeFigures, runScenario } from './scenario.js';

describe('fault suite: the engine', { timeout: 600_000 }, () => {
  before(requireLab);

  it('the engine SIGKILLed mid-load and restarted 3 s later', async () => {
    const f = await runScenario({
      name: 'engine SIGKILL, restart after 3 s',
      database: 'pms_fault_engine',
      inject: (ctx) => ctx.engine.kill(),
      holdMs: 3_000,
      lift: (ctx) => ctx.engine.restart(),
    });
    console.log(describeFigures(f));
    // The load's session dies with the engine: its heartbeats meanwhile have nobody to answer them.
    assertHealthy(f, { beatsMayBeLost: true });
  });
});
