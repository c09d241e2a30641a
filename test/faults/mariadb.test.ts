// Fault suite (issue 12): MariaDB stopped and frozen under a continuous PMS load with wake-ups due
// during the fault. See scenario.ts for what is checked.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { requireLab } from '../lab/lab.js';
import { assertHealthy, describeFigures, fault, runScenario } from './scenario.js';

describe('fault suite: MariaDB', { timeout: 900_000 }, () => {
  before(requireLab);

  it('MariaDB stopped for 20 s and started again: commands answer "Database unavailable" at once, the link comes back and re-syncs', async () => {
    const f = await runScenario({
      name: 'MariaDB stopped 20 s',
      database: 'pms_fault_dbstop',
      inject: () => fault('mariadb-stop'),
      holdMs: 20_000,
      lift: () => fault('mariadb-start'),
    });
    console.log(describeFigures(f));
    assertHealthy(f);
    assert.ok(
      f.detectedMs !== undefined && f.detectedMs < 8_000,
      `the database link left ready within 8 s (${f.detectedMs} ms)`,
    );
  });

  it('MariaDB frozen for 15 s (SIGSTOP): heartbeats answered within 1 s, the database link leaves ready, nothing half-applied', async () => {
    const f = await runScenario({
      name: 'MariaDB frozen 15 s',
      database: 'pms_fault_dbfreeze',
      inject: () => fault('mariadb-freeze'),
      holdMs: 15_000,
      lift: () => fault('mariadb-thaw'),
    });
    console.log(describeFigures(f));
    assertHealthy(f);
    assert.ok(
      f.detectedMs !== undefined && f.detectedMs < 10_000,
      `the database link left ready within 10 s (${f.detectedMs} ms)`,
    );
  });
});
