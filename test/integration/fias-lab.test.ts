// FIAS on the real lab (issue 13): the engine links to the IFC simulator (test/fias/sim.ts) as an
// Opera interface would be reached, on a fresh database (so the engine asks for a resync with DR), and
// the PMS's records change what real calls do: a GI's name is shown on the called baresip phone and
// its CS is enforced on a real call, an RE DN makes the room busy, a WR rings the phone with the
// prompt and exactly one WA|ASOK comes back with the requested DA/TI (an unanswered one exactly one
// WA|ASNR), WAs of wake-ups that rang while the PMS was away go out in order once the link is back, a
// DS … DE resync checks out the guests the PMS no longer has, *61 from a room phone sends RE RS with
// a beep, outside calls become call charges (PS, one at a time, each waiting for its PA), an RE ML
// lights the room phone's lamp (and *98 tells the guest), a GO checks the room out and puts it out.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Engine } from '../../src/engine.js';
import { formatLocal } from '../../src/time/zone.js';
import { FiasSim } from '../fias/sim.js';
import { cdrFor } from '../lab/cdr.js';
import { labDatabase, startLabEngine } from '../lab/engine.js';
import { astDbGet, requireLab, setPhonesMwi } from '../lab/lab.js';
import { lamp, phone } from '../lab/phone.js';

const DB = 'pms_fias_lab_it';
const MIN_RMS = 0.02;

/** DA and TI (yyMMdd, HHmmss) of `at` in the hotel's zone. */
function daTi(at: Date, tz: string): { da: string; ti: string } {
  const local = formatLocal(at, tz); // YYYY-MM-DD hh:mm:ss
  return {
    da: local.slice(2, 4) + local.slice(5, 7) + local.slice(8, 10),
    ti: local.slice(11, 13) + local.slice(14, 16) + local.slice(17, 19),
  };
}

/** Applied records of the room core so far (status), to wait for the next ones. */
async function appliedReach(engine: Engine, n: number, ms: number): Promise<void> {
  await eventually(async () => engine.fias!.status().applied >= n, true, ms, `${n} FIAS records applied`);
}

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
    // 8001 shows its message lamp (the RE ML test); a stuck phone is restarted (lab.ts).
    await setPhonesMwi(['8001'], 6);
    const db = await labDatabase();
    await db.query(`DROP DATABASE IF EXISTS ${DB}`);
    await db.end();
    sim = new FiasSim();
    const port = await sim.listen();
    ({ engine } = await startLabEngine({
      db: { database: DB },
      ari: { app: `pms-fias-lab-${process.pid}` },
      // A lost PMS is retried within a second (the link-loss test).
      fias: { enabled: true, host: '127.0.0.1', port, reconnect: { initialDelayMs: 200, maxDelayMs: 1_000 } },
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
    await setPhonesMwi([]);
  });

  it('the link is ESTABLISHED within 3 s of the engine starting it (the simulator sends LS)', () => {
    console.log(`FIAS link established ${establishedMs} ms after the engine started it`);
    assert.ok(establishedMs < 3_000, `${establishedMs} ms`);
  });

  it('a fresh database: one DR at the first link (a local data loss), answered with DS … DE; sending resumes', async () => {
    const dr = await sim.waitFor((r) => r.record.id === 'DR', 20_000, 'DR');
    await eventually(async () => engine.fias!.status().canSend, true, 10_000, 'sending resumed after the DE');
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(sim.received.filter((r) => r.record.id === 'DR').length, 1, 'one DR, not periodic');
    assert.ok(dr.alive, 'the DR came once the link was Alive');
    console.log(`fresh database: DR ${dr.at - sim.aliveAt!} ms after the link was Alive`);
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
    const { da, ti } = daTi(due, tz);
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
    const { da, ti } = daTi(due, tz);
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

  it('link loss: the WAs of wake-ups that rang while the PMS was away wait in the outbox and go out in order, one each, once the link is back', async () => {
    const tz = engine.config.hotel.timeZone;
    const dueA = new Date(Math.ceil((Date.now() + 6_000) / 1000) * 1000);
    const dueB = new Date(dueA.getTime() + 3_000);
    const a = daTi(dueA, tz);
    const b = daTi(dueB, tz);
    const applied = engine.fias!.status().applied;
    sim.send(`WR|RN8001|DA${a.da}|TI${a.ti}|`);
    sim.send(`WR|RN8003|DA${b.da}|TI${b.ti}|`);
    await appliedReach(engine, applied + 2, 5_000);
    const port = sim.port;
    const p1 = phone('8001');
    const p3 = phone('8003');
    let downMs = 0;
    /** While the PMS is away: both phones woken, both WAs held in the outbox. */
    const pmsAway = async (): Promise<void> => {
      await engine.fias!.waitForState('EXPECTION', 5_000);
      const lostAt = Date.now();
      await p1.waitForEvent('CALL_INCOMING', 30_000);
      await p3.waitForEvent('CALL_INCOMING', 30_000);
      await p1.waitForEvent('CALL_CLOSED', 40_000);
      await p3.waitForEvent('CALL_CLOSED', 40_000);
      const heard = [await p1.lastRecording(), await p3.lastRecording()];
      for (const h of heard) assert.ok(h.rms >= MIN_RMS, `the phone heard the prompt (RMS ${h.rms})`);
      const db = await labDatabase();
      const [waiting] = (await db.query(
        `SELECT record_id, fields FROM ${DB}.fias_outbox WHERE sent_at IS NULL ORDER BY id`,
      )) as unknown as [Array<{ record_id: string; fields: string }>];
      await db.end();
      assert.equal(waiting.length, 2, `both WAs wait in the outbox: ${JSON.stringify(waiting)}`);
      assert.equal(engine.fias!.link.state, 'EXPECTION', 'the link was down the whole time');
      downMs = Date.now() - lostAt;
    };
    await sim.close(); // the PMS interface is gone: nobody listens on its port any more
    try {
      await pmsAway();
    } finally {
      p1.close();
      p3.close();
      if (sim.port === 0) {
        sim = new FiasSim({ port }); // the PMS comes back on the same port
        await sim.listen();
      }
    }
    await engine.fias!.waitForState('ESTABLISHED', 10_000);
    const first = await sim.waitFor((r) => r.record.id === 'WA', 15_000, 'first WA');
    const from = sim.received.indexOf(first) + 1;
    const second = await sim.waitFor((r) => r.record.id === 'WA', 15_000, 'second WA', from);
    await new Promise((r) => setTimeout(r, 3_000));
    const all = sim.received.filter((r) => r.record.id === 'WA');
    assert.deepEqual(
      all.map((r) => Object.fromEntries(r.record.fields)),
      [
        { RN: '8001', DA: a.da, TI: a.ti, AS: 'OK' },
        { RN: '8003', DA: b.da, TI: b.ti, AS: 'OK' },
      ],
      'one WA each, in the order the wake-ups ended, DA/TI as requested',
    );
    assert.ok(
      all.every((r) => r.alive),
      'nothing sent before the link was Alive again (LD/LR/LA answered)',
    );
    console.log(
      `link loss: PMS away ${(downMs / 1000).toFixed(1)} s while 8001 and 8003 were woken; ` +
        `both WAs out in order ${second.at - sim.aliveAt!} ms after the link was Alive again`,
    );
  });

  it('DS … DE: the PMS resyncs; a guest it no longer has is checked out (store and AstDB), a named one updated', async () => {
    const tz = engine.config.hotel.timeZone;
    let applied = engine.fias!.status().applied;
    sim.send('GI|RN8002|G#8201|GNGone|');
    sim.send('GI|RN8003|G#8301|GNBefore|');
    await appliedReach(engine, (applied += 2), 5_000);
    await eventually(() => astDbGet('pms', '8002/name'), 'Gone', 5_000, 'AstDB name of 8002');
    const at = daTi(new Date(), tz);
    sim.send(`DS|DA${at.da}|TI${at.ti}|`);
    sim.send('GI|RN8001|G#7001|GNRossi|GFMario|SF|'); // still in house (the GO test checks it out)
    sim.send('GI|RN8003|G#8301|GNAfter|SF|');
    sim.send(`DE|DA${at.da}|TI${at.ti}|`);
    await eventually(() => astDbGet('pms', '8003/name'), 'After', 10_000, 'AstDB name of 8003');
    await eventually(() => astDbGet('pms', '8002/name'), '', 10_000, 'AstDB name of 8002 (swept)');
    assert.equal(await astDbGet('pms', '8001/name'), 'Mario Rossi', 'the guest the resync named stays');
    assert.equal((await engine.rooms.get('8002')).checkedInAt, null, '8002 vacant in the store');
    assert.equal(engine.fias!.link.state, 'ESTABLISHED');
  });

  it('*61 from a room phone: RE RN RS ID on the link and a beep; a bad code gets three error beeps and sends nothing', async () => {
    const from = sim.received.length;
    const p = phone('8002');
    const t0 = Date.now();
    const ok = await p.dial('*61312', { holdMs: 10_000, timeoutMs: 15_000 });
    assert.equal(ok.established, true, ok.closedReason);
    const confirm = await p.lastRecording();
    const re = await sim.waitFor((r) => r.record.id === 'RE', 15_000, 'RE', from);
    assert.deepEqual(Object.fromEntries(re.record.fields), { RN: '8002', RS: '3', ID: '12' });
    const bad = await p.dial('*617', { holdMs: 10_000, timeoutMs: 15_000 });
    assert.equal(bad.established, true, bad.closedReason);
    const refused = await p.lastRecording();
    p.close();
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(sim.received.slice(from).filter((r) => r.record.id === 'RE').length, 1, 'nothing for *617');
    // Taken: one beep (Asterisk's, 0.44 s); refused: three error beeps (1.08 s).
    assert.ok(confirm.rms >= MIN_RMS, `the beep heard (RMS ${confirm.rms})`);
    assert.ok(refused.rms >= MIN_RMS, `the error beeps heard (RMS ${refused.rms})`);
    assert.ok(confirm.seconds >= 0.2 && confirm.seconds < 0.7, `the beep lasts ${confirm.seconds} s`);
    assert.ok(refused.seconds >= 0.8 && refused.seconds < 2, `the error beeps last ${refused.seconds} s`);
    assert.notEqual(confirm.file, refused.file, 'two calls, two recordings');
    console.log(
      `*61312 from 8002: RE|RN8002|RS3|ID12| on the link ${re.at - t0} ms after the dial; heard a beep of ${confirm.seconds.toFixed(2)} s; *617 three error beeps, ${refused.seconds.toFixed(2)} s, nothing sent`,
    );
  });

  it('call charges: an outside call from a checked-in room becomes a PS (P# 1); the next PS waits for its PA; NG is kept, not sent again', async () => {
    sim.answerPostings = null; // the PMS answers by hand here
    const from = sim.received.length;
    sim.send('RE|RN8003|CS3|'); // unrestricted: class 5
    await eventually(() => astDbGet('pms', '8003/class'), '5', 5_000, 'AstDB class of 8003');
    const p = phone('8003');
    const t0 = Date.now();
    const first = await p.dial('90512111', { holdMs: 2_000, timeoutMs: 15_000 });
    assert.equal(first.established, true, first.closedReason);
    const endedAt = Date.now();
    const second = await p.dial('900441234567', { holdMs: 2_000, timeoutMs: 15_000 });
    assert.equal(second.established, true, second.closedReason);
    p.close();
    const ps1 = await sim.waitFor((r) => r.record.id === 'PS', 20_000, 'first PS', from);
    const f1 = Object.fromEntries(ps1.record.fields);
    assert.deepEqual([f1.RN, f1['P#'], f1.PT, f1.DD], ['8003', '1', 'T', '0512111']);
    assert.match(f1.DU!, /^00000[1-3]$/, `DU ${f1.DU} (about 2 s billed)`);
    await new Promise((r) => setTimeout(r, 8_000)); // the second call's record is there by now
    assert.equal(
      sim.received.slice(from).filter((r) => r.record.id === 'PS').length,
      1,
      'one PS outstanding',
    );
    sim.send('PA|ASOK|P#1|RN8003|');
    const ps2 = await sim.waitFor(
      (r) => r.record.id === 'PS' && r.record.fields.get('P#') === '2',
      20_000,
      'second PS',
      from,
    );
    assert.equal(ps2.record.fields.get('DD'), '00441234567');
    sim.send('PA|ASNG|P#2|RN8003|CTNo post allowed|');
    const db = await labDatabase();
    let rows: Array<{ posting_number: number; state: string; answer: string; answer_text: string | null }> =
      [];
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      [rows] = (await db.query(
        `SELECT posting_number, state, answer, answer_text FROM ${DB}.fias_postings ORDER BY id`,
      )) as unknown as [typeof rows];
      if (rows.length === 2 && rows[1]!.state !== 'sent') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await db.end();
    sim.answerPostings = 'OK';
    assert.deepEqual(
      rows.map((r) => [r.posting_number, r.state, r.answer, r.answer_text]),
      [
        [1, 'ok', 'OK', null],
        [2, 'refused', 'NG', 'No post allowed'],
      ],
    );
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(sim.received.slice(from).filter((r) => r.record.id === 'PS').length, 2, 'NG not retried');
    console.log(
      `call charges: PS P#1 on the link ${ps1.at - endedAt} ms after the call ended (${ps1.at - t0} ms after the dial); ` +
        `P#2 ${ps2.at - ps1.at} ms after P#1, sent once its PA came`,
    );
  });

  it("RE ML Y: the room phone's lamp lights and *98 tells the guest; ML N puts it out; ML Y again, then GO puts it out", async () => {
    const p = phone('8001');
    await p.ready();
    let from = p.events().length;
    let t0 = Date.now();
    sim.send('RE|RN8001|MLY|');
    const litMs = (await lamp(p, from, true, 5_000)) - t0;
    // The guest dials voicemail: the front-desk prompt (4.8 s), then the call ends (no mailbox).
    const told = await p.dial('*98', { holdMs: 8_000, timeoutMs: 15_000 });
    assert.equal(told.established, true, told.closedReason);
    const heard = await p.lastRecording();
    assert.ok(heard.rms >= MIN_RMS, `the front-desk prompt heard (RMS ${heard.rms})`);
    assert.ok(heard.seconds >= 3.5, `the prompt lasts ${heard.seconds} s`);
    from = p.events().length;
    t0 = Date.now();
    sim.send('RE|RN8001|MLN|');
    const outMs = (await lamp(p, from, false, 5_000)) - t0;
    from = p.events().length;
    sim.send('RE|RN8001|MLY|');
    await lamp(p, from, true, 5_000);
    from = p.events().length;
    t0 = Date.now();
    sim.send('GO|RN8001|G#7001|');
    const goMs = (await lamp(p, from, false, 5_000)) - t0;
    p.close();
    console.log(
      `RE ML: 8001's lamp on ${litMs} ms after MLY, off ${outMs} ms after MLN; *98 played ${heard.seconds.toFixed(1)} s ` +
        `of the front-desk prompt (RMS ${heard.rms.toFixed(3)}); the GO put the lamp out ${goMs} ms after it was sent`,
    );
  });

  it('GO (the one sent above): the room is checked out (name cleared, class 1)', async () => {
    await eventually(() => astDbGet('pms', '8001/name'), '', 5_000, 'AstDB name of 8001');
    assert.equal(await astDbGet('pms', '8001/class'), '1');
  });
});
