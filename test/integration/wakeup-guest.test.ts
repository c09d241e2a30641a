// The guest's side of a wake-up on the lab phones (issue 11): the guest presses 1 to confirm or 2 to
// snooze (rung again after the snooze), and a room that never answers makes reception's phone ring
// with "the wake-up call for room N was not answered"; the PMS gets each final result pushed
// (`CallMethod: WakeupResult`). Wake-ups are set for the coming minute (AlarmClock has minute
// resolution). This file's engine has its own database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PmsClient } from '../../src/client/pms-client.js';
import type { Frame } from '../../src/protocol/index.js';
import { WakeupStore } from '../../src/store/wakeups.js';
import { minuteAfter } from '../lab/burst.js';
import { labDatabase, startLabEngine, type LabEngine } from '../lab/engine.js';
import { requireLab } from '../lab/lab.js';
import { phone, type Phone } from '../lab/phone.js';

const DB = 'pms_wakeup_guest_it';
const MIN_RMS = 0.02;
const RECEPTION = '8003';

async function setAlarm(pms: PmsClient, ext: string, value: string): Promise<void> {
  const r = await pms.call(
    [
      ['Action', 'Set'],
      ['CallMethod', 'AlarmClock'],
      ['Phone', ext],
      ['AlarmClock', value],
    ],
    30_000,
  );
  assert.equal(r.get('Response'), 'Success', r.get('Message'));
}

/** The WakeupResult push for `ext`, within `timeoutMs`. */
function resultPush(pms: PmsClient, ext: string, timeoutMs: number): Promise<Frame> {
  return pms.nextPush((f) => f.get('CallMethod') === 'WakeupResult' && f.get('Phone') === ext, timeoutMs);
}

describe('wake-up: confirm, snooze, reception alert (lab phones)', { timeout: 300_000 }, () => {
  let lab: LabEngine;
  let store: WakeupStore;
  const phones = new Map<string, Phone>();

  before(async () => {
    await requireLab();
    const db = await labDatabase();
    await db.query(`DROP DATABASE IF EXISTS ${DB}`);
    await db.end();
    lab = await startLabEngine({
      db: { database: DB },
      ari: { app: `pms-wakeup-guest-${process.pid}` },
      // Lab clock: one minute of `frequency` or snooze lasts 2 s; snooze 3 "minutes" = 6 s.
      wakeup: {
        minuteSeconds: 2,
        ringSeconds: 8,
        snoozeMinutes: 3,
        keyWaitSeconds: 4,
        receptionExtension: RECEPTION,
      },
    });
    store = new WakeupStore(lab.engine.store);
    for (const ext of ['8001', '8002', '8003', '8004']) phones.set(ext, phone(ext));
    await Promise.all([...phones.values()].map((p) => p.ready()));
  });

  after(async () => {
    for (const p of phones.values()) p.close();
    await lab?.pms.close();
    await lab?.engine.stop();
  });

  const attemptsOf = async (ext: string, dueAt: number) => {
    const o = (await store.forRoom(ext)).find((x) => x.dueAt === dueAt);
    assert.ok(o, `a wake-up for ${ext}`);
    return { o, attempts: await store.attempts(o.id) };
  };

  it('key 1 confirms; key 2 snoozes and the room is rung again after the snooze', async () => {
    const due = minuteAfter(5_000);
    await setAlarm(lab.pms, '8001', `${due.hhmm}**5*1*fpm-world-mix.gsm*3&`);
    await setAlarm(lab.pms, '8002', `${due.hhmm}**5*1*pms-wakeup.ulaw*3&`);
    const pushed1 = resultPush(lab.pms, '8001', due.at - Date.now() + 60_000);
    const pushed2 = resultPush(lab.pms, '8002', due.at - Date.now() + 90_000);
    const [p1, p2] = [phones.get('8001')!, phones.get('8002')!];
    const wait = due.at - Date.now() + 20_000;
    await Promise.all([p1.waitForEvent('CALL_ESTABLISHED', wait), p2.waitForEvent('CALL_ESTABLISHED', wait)]);
    // Two seconds into the prompt (the guest is awake): the keys, as RFC 4733 events from the phone.
    await new Promise((r) => setTimeout(r, 2_000));
    await Promise.all([p1.sendDigits('1'), p2.sendDigits('2')]);
    await Promise.all([p1.waitForEvent('CALL_CLOSED', 30_000), p2.waitForEvent('CALL_CLOSED', 30_000)]);
    const heard1 = await p1.lastRecording();
    assert.ok(heard1.rms > MIN_RMS, `8001 heard the prompt (RMS ${heard1.rms})`);
    // The call ends soon after the key: the prompt was cut short, "thank you" played, hung up.
    assert.ok(heard1.seconds < 12, `8001's call lasted ${heard1.seconds} s after confirming`);

    // The snooze call: 6 s after the first attempt; this time nobody presses anything (confirmed by default).
    await p2.waitForEvent('CALL_ESTABLISHED', 30_000);
    await p2.waitForEvent('CALL_CLOSED', 40_000);
    const heard2 = await p2.lastRecording();
    assert.ok(heard2.rms > MIN_RMS, `8002 heard the snooze call's prompt (RMS ${heard2.rms})`);

    const r1 = await attemptsOf('8001', due.at);
    assert.equal(r1.o.state, 'answered');
    assert.deepEqual(
      r1.attempts.map((a) => [a.result, a.detail]),
      [['answered', 'confirmed with key 1']],
    );
    const r2 = await attemptsOf('8002', due.at);
    assert.equal(r2.o.state, 'answered');
    assert.deepEqual(
      r2.attempts.map((a) => [a.attempt, a.result]),
      [
        [1, 'snoozed'],
        [2, 'answered'],
      ],
    );
    assert.match(r2.attempts[0]!.detail ?? '', /key 2/);
    const gap = r2.attempts[1]!.startedAt - r2.attempts[0]!.startedAt;
    // The snooze counts from the key (2 s into the call) plus the goodbye: 6 s after that.
    assert.ok(gap >= 6_000 && gap < 20_000, `snooze call ${gap} ms after the first`);
    const [f1, f2] = await Promise.all([pushed1, pushed2]);
    assert.equal(f1.get('Result'), 'answered');
    assert.equal(f1.get('Attempts'), '1');
    assert.equal(f2.get('Result'), 'answered');
    assert.equal(f2.get('Attempts'), '2');
    assert.equal(f1.get('Time'), due.hhmm);
    console.log(
      `# 8001 confirmed with 1 (call ${heard1.seconds.toFixed(1)} s); 8002 snoozed with 2, rung again ${gap} ms later`,
    );
  });

  it('a room that never answers: after its last attempt reception rings and hears the alert; the PMS gets "noanswer"', async () => {
    const due = minuteAfter(5_000);
    // 8004 answers only by hand: 2 attempts, 10 s apart, each rings 8 s.
    await setAlarm(lab.pms, '8004', `${due.hhmm}**5*1*fpm-world-mix.gsm*2&`);
    const pushed = resultPush(lab.pms, '8004', due.at - Date.now() + 60_000);
    const reception = phones.get(RECEPTION)!;
    const before = reception.events().length;
    const frame = await pushed;
    assert.equal(frame.get('Result'), 'noanswer');
    assert.equal(frame.get('Attempts'), '2');
    const incoming = await reception.waitForEvent('CALL_INCOMING', 30_000);
    assert.ok(reception.events().indexOf(incoming) >= before, 'reception rang after the wake-up ended');
    assert.equal(incoming.callerName, 'Wake-up 8004', 'reception sees which room');
    await reception.waitForEvent('CALL_CLOSED', 40_000);
    const heard = await reception.lastRecording();
    // "Attention, reception. The wake-up call for room" (4.4 s) 8-0-0-4 "was not answered" (1.5 s).
    assert.ok(
      heard.rms > MIN_RMS && heard.seconds > 6,
      `reception heard ${heard.seconds} s, RMS ${heard.rms}`,
    );
    const r = await attemptsOf('8004', due.at);
    assert.equal(r.o.state, 'noanswer');
    assert.deepEqual(
      r.attempts.map((a) => a.result),
      ['noanswer', 'noanswer'],
    );
    console.log(
      `# 8004 unanswered: reception ${RECEPTION} heard the alert (${heard.seconds.toFixed(1)} s, RMS ${heard.rms})`,
    );
  });
});
