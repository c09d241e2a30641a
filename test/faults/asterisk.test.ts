// Fault suite (issue 12): Asterisk restarted, killed, frozen, and its AMI port cut, under a continuous
// PMS load with wake-ups due during the fault. See scenario.ts for what is checked.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { requireLab } from '../lab/lab.js';
import { assertHealthy, describeFigures, fault, runScenario } from './scenario.js';

describe('fault suite: Asterisk', { timeout: 1_200_000 }, () => {
  before(requireLab);

  it('core restart now: every command answered, nothing half-applied, AstDB = store, wake-ups once', async () => {
    const f = await runScenario({
      name: 'Asterisk core restart now',
      database: 'pms_fault_restart',
      prepare: () => fault('asterisk-ready'),
      inject: () => fault('asterisk-restart'),
      holdMs: 0,
      // Asterisk hangs up every channel at once, takes about a second to shut down, then boots: the
      // wake-ups fall due in that time. With the CLI checked beforehand (prepare), the command lands
      // well within 800 ms; a call placed before it would be cut, and the phone checks would say so.
      dueAfterFaultMs: 800,
      lift: () => fault('asterisk-start'),
    });
    console.log(describeFigures(f));
    assertHealthy(f);
  });

  it('Asterisk SIGKILLed and started 8 s later: the same', async () => {
    const f = await runScenario({
      name: 'Asterisk SIGKILL, start after 8 s',
      database: 'pms_fault_kill',
      inject: () => fault('asterisk-kill'),
      holdMs: 8_000,
      lift: () => fault('asterisk-start'),
    });
    console.log(describeFigures(f));
    assertHealthy(f);
  });

  it('Asterisk frozen 10 s (SIGSTOP): heartbeats answered within 1 s throughout, the AMI link leaves ready, commands fail fast', async () => {
    const f = await runScenario({
      name: 'Asterisk frozen 10 s',
      database: 'pms_fault_freeze',
      inject: () => fault('asterisk-freeze'),
      holdMs: 10_000,
      lift: () => fault('asterisk-thaw'),
    });
    console.log(describeFigures(f));
    assertHealthy(f);
    assert.ok(
      f.detectedMs !== undefined && f.detectedMs - f.injectMs < 8_000,
      `a link left ready within 8 s of the freeze (${f.detectedMs} ms after it was timed, in place after ${f.injectMs} ms)`,
    );
  });

  it('the network to AMI cut (no reset, no FIN) for 15 s: the AMI keepalive finds it, commands fail fast, the link comes back', async () => {
    const f = await runScenario({
      name: 'AMI port cut 15 s (iptables DROP)',
      database: 'pms_fault_amicut',
      // On a fresh machine the first cut would install iptables first, seconds after the fault is timed.
      prepare: () => fault('ami-ready'),
      inject: () => fault('ami-cut'),
      holdMs: 15_000,
      lift: () => fault('ami-restore'),
    });
    console.log(describeFigures(f));
    assertHealthy(f);
    // From the moment the rules were in place (iptables can wait for its lock on a busy machine).
    assert.ok(
      f.detectedMs !== undefined && f.detectedMs - f.injectMs < 10_000,
      `the AMI link left ready within 10 s of the cut (${f.detectedMs} ms after it was timed, in place after ${f.injectMs} ms)`,
    );
  });
});
