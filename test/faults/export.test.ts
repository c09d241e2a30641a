// Fault suite (issue 12): a PMS client that stops reading in the middle of a 100,000-record GetCDR
// export. The engine drops that session after session.drainTimeoutSec, the load on another session
// goes on unharmed (exports have their own database pool), and a full export afterwards is whole.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PmsClient } from '../../src/client/pms-client.js';
import { requireLab } from '../lab/lab.js';
import { labDatabase } from '../lab/engine.js';
import { FAULT_ACCOUNT } from './engine-child.js';
import { assertHealthy, describeFigures, runScenario } from './scenario.js';

const CDR_DB = 'pms_fault_cdr';
const RECORDS = 100_000;
const DRAIN_SEC = 5;
const RANGE: Array<[string, string]> = [
  ['StartTime', '2025-01-01 00:00:00'],
  ['EndTime', '2025-12-31 23:59:59'],
];

async function login(port: number): Promise<PmsClient> {
  const c = await PmsClient.connect(port);
  const r = await c.call([
    ['Action', 'UserLogin'],
    ['CallMethod', 'Account'],
    ['User', FAULT_ACCOUNT.user],
    ['Password', FAULT_ACCOUNT.password],
  ]);
  assert.equal(r.get('Response'), 'Success', r.get('Message'));
  return c;
}

describe('fault suite: a PMS that stops reading an export', { timeout: 600_000 }, () => {
  before(async () => {
    await requireLab();
    const db = await labDatabase({ multipleStatements: true });
    await db.query(`DROP DATABASE IF EXISTS ${CDR_DB}; CREATE DATABASE ${CDR_DB}; USE ${CDR_DB};`);
    const { readFile } = await import('node:fs/promises');
    await db.query(await readFile('asterisk-conf/sql/cdr.sql', 'utf8'));
    // 100,000 answered room-to-room calls, one a minute through 2025 (MariaDB's sequence engine).
    await db.query(
      `INSERT INTO cdr (calldate, clid, src, dst, dcontext, channel, dstchannel, lastapp, duration, billsec, disposition, uniqueid)
       SELECT '2025-01-01 00:00:00' + INTERVAL seq MINUTE, '"Guest" <7000>', '7000', '8001', 'pms-rooms',
              CONCAT('PJSIP/7000-', LPAD(HEX(seq), 8, '0')), CONCAT('PJSIP/8001-', LPAD(HEX(seq), 8, '0')),
              'Dial', 30, 25, 'ANSWERED', CONCAT('fault.', seq)
       FROM seq_1_to_${RECORDS}`,
    );
    await db.end();
  });
  after(async () => {
    const db = await labDatabase();
    await db.query(`DROP DATABASE IF EXISTS ${CDR_DB}`);
    await db.end();
  });

  it(`stalled in the middle of a ${RECORDS}-record export: dropped after the drain deadline, the load unharmed, the next export whole`, async () => {
    let stalled: PmsClient | undefined;
    let stalledAt = 0;
    let dropLog: number | undefined;
    const f = await runScenario({
      name: `PMS stops reading a ${RECORDS}-record export`,
      database: 'pms_fault_export',
      engineEnv: { PMS_CDR_DATABASE: CDR_DB, PMS_DRAIN_TIMEOUT_SEC: String(DRAIN_SEC) },
      async inject(ctx) {
        stalled = await login(ctx.engine.port);
        const firstData = new Promise<void>((r) => stalled!.socket.once('data', () => r()));
        stalled
          .request([['Action', 'Query'], ['CallMethod', 'GetCDR'], ...RANGE], 120_000)
          .catch(() => undefined);
        await firstData;
        stalled.socket.pause(); // in the middle of the export: stops reading, keeps the connection
        stalledAt = Date.now();
        const dropped = await ctx.engine.waitLog(
          (l) => l.msg === 'client stopped reading a multi-message reply: dropping it',
          (DRAIN_SEC + 20) * 1000,
          stalledAt,
        );
        dropLog = dropped.time - stalledAt;
      },
      holdMs: 12_000,
      async lift() {},
    });
    console.log(describeFigures(f));
    // The kernel's loopback buffers take MBs after the client stops reading, so the engine's wait (and
    // its deadline) starts a little after the stall.
    assert.ok(
      dropLog !== undefined && dropLog >= DRAIN_SEC * 1000 && dropLog < (DRAIN_SEC + 10) * 1000,
      `dropped ${dropLog} ms after it stopped reading (deadline ${DRAIN_SEC} s from the engine's first wait)`,
    );
    console.log(`stalled export dropped ${dropLog} ms after the client stopped reading`);
    stalled?.socket.destroy();
    assertHealthy(f, { noFaultFelt: true });
  });

  it('after it, an export read to the end is whole', async () => {
    // runScenario stopped its engine; this one reads the same table through a fresh engine.
    const { startEngineChild } = await import('./engine-child.js');
    const engine = await startEngineChild({
      database: 'pms_fault_export',
      hotelRooms: '7000-7019,8001-8005,9000-9019',
      env: { PMS_CDR_DATABASE: CDR_DB },
    });
    try {
      const c = await login(engine.port);
      const t0 = performance.now();
      const frames = await c.request([['Action', 'Query'], ['CallMethod', 'GetCDR'], ...RANGE], 120_000);
      const ms = performance.now() - t0;
      const sum = frames.reduce((n, fr) => n + Number(fr.get('Sum')), 0);
      console.log(`full export: ${sum} records in ${frames.length} messages, ${(ms / 1000).toFixed(1)} s`);
      assert.equal(frames[0]!.get('Total'), String(RECORDS));
      assert.equal(sum, RECORDS);
      await c.close();
    } finally {
      await engine.stop();
    }
  });
});
