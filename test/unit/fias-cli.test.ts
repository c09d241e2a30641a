// pms-cli fias status|enable|disable|disconnect: the frames it sends, what it prints and its exit codes
// (0 success, 1 Response: Error, 2 usage), against a PMS server whose FIAS link talks to the simulator.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { splitWords } from '../../src/cli/args.js';
import { buildRequest } from '../../src/cli/commands.js';
import { help } from '../../src/cli/help.js';
import { runCli } from '../../src/cli/run.js';
import type { FiasWire } from '../../src/fias/wire.js';
import { startFiasOperatorRig, type FiasOperatorRig } from './support/fias-operator-rig.js';
import { ADMIN, OPERATOR, type Harness } from './support/harness.js';

const T = { timeout: 20_000 };

describe('pms-cli fias', () => {
  it('builds FiasStatus, FiasLink and FiasPostings frames, and refuses other words before connecting', () => {
    const fields = (line: string) => buildRequest(splitWords(line)).fields.map(([k, v]) => [k, String(v)]);
    assert.deepEqual(fields('fias status'), [
      ['Action', 'Query'],
      ['CallMethod', 'FiasStatus'],
    ]);
    for (const c of ['enable', 'disable', 'disconnect'])
      assert.deepEqual(fields(`fias ${c}`), [
        ['Action', 'Set'],
        ['CallMethod', 'FiasLink'],
        ['Command', c],
      ]);
    assert.deepEqual(fields('fias postings'), [
      ['Action', 'Query'],
      ['CallMethod', 'FiasPostings'],
    ]);
    assert.deepEqual(fields('fias postings 5'), [
      ['Action', 'Query'],
      ['CallMethod', 'FiasPostings'],
      ['Count', '5'],
    ]);
    assert.throws(() => buildRequest(['fias', 'postings', '5', '6']), /at most one count/);
    assert.throws(
      () => buildRequest(['fias', 'restart']),
      /expected status, enable, disable, disconnect or postings/,
    );
    assert.throws(() => buildRequest(['fias']), /status\|enable\|disable\|disconnect\|postings/);
    assert.match(help(), /fias status\|enable\|disable\|disconnect\|postings \[count\]/);
  });

  describe('against a PMS server with a FIAS link', () => {
    let rig: FiasOperatorRig;
    let wire: FiasWire;
    let h: Harness;
    let off: Harness;

    before(async () => {
      rig = await startFiasOperatorRig();
      ({ wire, h, off } = rig);
    });
    after(() => rig?.close());

    async function cli(harness: Harness, account: { user: string; password: string }, ...argv: string[]) {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let out = '';
      let err = '';
      stdout.on('data', (c: Buffer) => (out += c.toString()));
      stderr.on('data', (c: Buffer) => (err += c.toString()));
      const code = await runCli(['--port', String(harness.port), '--user', account.user, ...argv], {
        stdin: new PassThrough(),
        stdout,
        stderr,
        env: { PMS_CLI_PASSWORD: account.password },
      });
      return { code, out, err };
    }

    it('fias status prints the state and exits 0', T, async () => {
      const r = await cli(h, OPERATOR, 'fias', 'status');
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^State: ESTABLISHED$/m);
      assert.match(r.out, /^RecordsIn: \d+$/m);
    });

    it('fias disable / enable as an administrator exit 0 and switch the link', T, async () => {
      const d = await cli(h, ADMIN, 'fias', 'disable');
      assert.equal(d.code, 0, d.out + d.err);
      assert.match(d.out, /^State: DISABLED$/m);
      const e = await cli(h, ADMIN, 'fias', 'enable');
      assert.equal(e.code, 0);
      await wire.waitForState('ESTABLISHED', 5_000);
    });

    it('fias disconnect as an operator exits 1 with the refusal; the link stays up', T, async () => {
      const r = await cli(h, OPERATOR, 'fias', 'disconnect');
      assert.equal(r.code, 1);
      assert.match(r.out, /^Message: FiasLink needs an administrator account \(grade 1\)$/m);
      assert.equal(wire.link.state, 'ESTABLISHED');
    });

    it(
      'exits 1 with "FIAS is not enabled" when the engine has no link; 2 on a usage mistake',
      T,
      async () => {
        const r = await cli(off, ADMIN, 'fias', 'status');
        assert.equal(r.code, 1);
        assert.match(r.out, /^Message: FIAS is not enabled \(fias\.enabled\)$/m);
        const u = await cli(off, ADMIN, 'fias', 'restart');
        assert.equal(u.code, 2);
        assert.match(u.err, /usage: pms-cli fias status\|enable\|disable\|disconnect/);
      },
    );
  });
});
