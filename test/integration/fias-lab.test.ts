// FIAS on the real lab (issue 13): the engine links to the IFC simulator (test/fias/sim.ts) as an
// Opera interface would be reached, and the PMS's records change what real calls do: a GI's name is
// shown on the called baresip phone and its CS is enforced on a real call, an RE DN makes the room
// busy, a WR rings the phone with the prompt and exactly one WA|ASOK comes back with the requested
// DA/TI, a GO checks the room out.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Engine } from '../../src/engine.js';
import { formatLocal } from '../../src/time/zone.js';
import { FiasSim } from '../fias/sim.js';
import { cdrFor } from '../lab/cdr.js';
import { labDatabase, startLabEngine } from '../lab/engine.js';
import { astDbGet, requireLab } from '../lab/lab.js';
import { phone } from '../lab/phone.js';

const DB = 'pms_fias_lab_it';
const MIN_RMS = 0.02;

/** Polls until `fn` gives `want` (AstDB follows the store within the room's transaction). */
async function eventually<T>(fn: () => Promise<T>, want: T, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (last === want) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what}: ${JSON.stringify(last)} instead of ${JSON.stringify(want)} after ${ms} ms`);
}

describe('FIAS on the lab: the simulator as the PMS, real calls', { timeout: 300_000 }, () => {
  let sim: FiasSim;
  let engine: Engine;
  let establishedMs = NaN;

  before(async () => {
    await requireLab();
    const db = await labDatabase();
    await db.query(`DROP DATABASE IF EXISTS ${DB}`);
    await db.end();
    sim = new FiasSim();
    const port = await sim.listen();
    ({ engine } = await startLabEngine({
      db: { database: DB },
      ari: { app: `pms-fias-lab-${process.pid}` },
      fias: { enabled: true, host: '127.0.0.1', port },
      // Retries 10 s apart (AlarmClock frequency 5 in lab minutes of 2 s), each call ringing 8 s.
      wakeup: { minuteSeconds: 2, ringSeconds: 8 },
    }));
    await engine.fias!.waitForState('ESTABLISHED', 10_000);
    // From the link's first move (CLOSED → WAIT_LS, at engine.start()) to ESTABLISHED.
    const moves = engine.fias!.status().transitions;
    const start = moves.find((t) => t.to === 'WAIT_LS')!;
    const up = moves.find((t) => t.to === 'ESTABLISHED')!;
    establishedMs = Date.parse(up.at) - Date.parse(start.at);
  });
  after(async () => {
    for (const ext of ['8001', '8002', '8003']) await engine?.rooms.clean(ext).catch(() => undefined);
    await engine?.stop();
    await sim?.close();
  });

  it('the link is ESTABLISHED within 3 s of the engine starting it (the simulator sends LS)', () => {
    console.log(`FIAS link established ${establishedMs} ms after the engine started it`);
    assert.ok(establishedMs < 3_000, `${establishedMs} ms`);
  });

  it('GI: the guest name is shown on the called phone, and CS 0 (barred) keeps the room to internal calls', async () => {
    sim.send('GI|RN8001|G#7001|GNRossi|GFMario|CS0|');
    await eventually(() => astDbGet('pms', '8001/name'), 'Mario Rossi', 5_000, 'AstDB name of 8001');
    assert.equal(await astDbGet('pms', '8001/class'), '1', 'CS 0 → class 1');
    const callee = phone('8002');
    const incoming = callee.waitForEvent('CALL_INCOMING', 15_000);
    const call = await phone('8001').dial('8002', { holdMs: 300, timeoutMs: 15_000 });
    assert.equal(call.established, true, call.closedReason);
    assert.equal((await incoming).callerName, 'Mario Rossi');
    callee.close();
    const since = new Date(Date.now() - 1000);
    const outside = await phone('8001').dial('987654321', { holdMs: 300, timeoutMs: 15_000 });
    assert.equal(outside.established, false, 'a local call is refused for class 1');
    assert.match((await cdrFor({ src: '8001', dst: '987654321', since })).userfield, /^pms:refused/);
  });

  it('RE DN Y: a real call to the room gets busy (486); DN N: it rings again', async () => {
    sim.send('RE|RN8002|DNY|');
    await eventually(() => astDbGet('pms', '8002/dnd'), '1', 5_000, 'AstDB dnd of 8002');
    const busy = await phone('8003').dial('8002', { holdMs: 300, timeoutMs: 15_000 });
    assert.equal(busy.established, false);
    assert.match(busy.closedReason, /486|busy/i);
    sim.send('RE|RN8002|DNN|');
    await eventually(() => astDbGet('pms', '8002/dnd'), '0', 5_000, 'AstDB dnd of 8002');
    const rings = await phone('8003').dial('8002', { holdMs: 300, timeoutMs: 15_000 });
    assert.equal(rings.established, true, rings.closedReason);
  });

  it('WR: the phone rings at the requested second and hears the prompt; exactly one WA|ASOK echoes DA/TI', async () => {
    const tz = engine.config.hotel.timeZone;
    const due = new Date(Math.ceil((Date.now() + 8_000) / 1000) * 1000);
    const local = formatLocal(due, tz); // YYYY-MM-DD hh:mm:ss
    const da = local.slice(2, 4) + local.slice(5, 7) + local.slice(8, 10);
    const ti = local.slice(11, 13) + local.slice(14, 16) + local.slice(17, 19);
    const p = phone('8003');
    const from = sim.received.length;
    sim.send(`WR|RN8003|DA${da}|TI${ti}|`);
    const incoming = await p.waitForEvent('CALL_INCOMING', 30_000);
    const lateMs = Date.now() - due.getTime();
    assert.equal(incoming.callerName, engine.config.wakeup.callerIdName);
    await p.waitForEvent('CALL_CLOSED', 40_000);
    const heard = await p.lastRecording();
    p.close();
    assert.ok(heard.rms >= MIN_RMS, `8003 heard the prompt (RMS ${heard.rms})`);
    const wa = await sim.waitFor((r) => r.record.id === 'WA', 30_000, 'WA', from);
    assert.deepEqual(Object.fromEntries(wa.record.fields), { RN: '8003', DA: da, TI: ti, AS: 'OK' });
    // Nothing else comes for it: one WA per wake-up.
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(sim.received.slice(from).filter((r) => r.record.id === 'WA').length, 1);
    console.log(
      `WR: 8003 rang ${lateMs} ms after the requested second, heard ${heard.seconds.toFixed(1)} s; one WA|ASOK`,
    );
  });

  it('an unanswered WR: 3 attempts, then exactly one WA|ASNR with the requested DA/TI', async () => {
    const tz = engine.config.hotel.timeZone;
    const due = new Date(Math.ceil((Date.now() + 5_000) / 1000) * 1000);
    const local = formatLocal(due, tz);
    const da = local.slice(2, 4) + local.slice(5, 7) + local.slice(8, 10);
    const ti = local.slice(11, 13) + local.slice(14, 16) + local.slice(17, 19);
    const p = phone('8004'); // answers only by hand: it never answers here
    const from = sim.received.length;
    sim.send(`WR|RN8004|DA${da}|TI${ti}|`);
    for (let i = 1; i <= 3; i++) await p.waitForEvent('CALL_INCOMING', 30_000);
    const wa = await sim.waitFor((r) => r.record.id === 'WA', 60_000, 'WA', from);
    p.close();
    assert.deepEqual(Object.fromEntries(wa.record.fields), { RN: '8004', DA: da, TI: ti, AS: 'NR' });
    const wasAt = wa.at - due.getTime();
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(
      sim.received.slice(from).filter((r) => r.record.id === 'WA').length,
      1,
      'one WA, not one per attempt',
    );
    console.log(
      `unanswered WR: 3 attempts, one WA|ASNR ${(wasAt / 1000).toFixed(1)} s after the requested time`,
    );
  });

  it('GO: the room is checked out (name cleared, class 1)', async () => {
    sim.send('GO|RN8001|G#7001|');
    await eventually(() => astDbGet('pms', '8001/name'), '', 5_000, 'AstDB name of 8001');
    assert.equal(await astDbGet('pms', '8001/class'), '1');
  });
});
