// Voicemail on the lab (seed 000 §5.4.4, §5.4.9): PMS VoiceMail → include file → app_voicemail;
// a real caller leaves a real message (a tone) after 8001 rang unanswered; the PMS gets LeaveMessage
// (latency printed); the room phone's lamp NOTIFY follows Usevmwi; the guest listens with *98;
// check-out deletes the messages; hostile values change nothing; Usevmwi and ChangeRoom move the
// messages; after an AMI outage the counts are read again. Takes about 70 s (20 s of ringing, greetings).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { PmsClient } from '../../src/client/pms-client.js';
import type { Engine } from '../../src/engine.js';
import type { Frame } from '../../src/protocol/index.js';
import { asteriskCli, requireLab, setPhonesMwi } from '../lab/lab.js';
import { spoolEntries, spoolMessages } from '../lab/spool.js';
import { cdrFor } from '../lab/cdr.js';
import { startLabEngine } from '../lab/engine.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { LAB_SILENCE, LAB_TONE, lamp, lampSeen, phone, type Phone } from '../lab/phone.js';
import { waitFor } from '../support/wait.js';

const set = (pms: PmsClient, method: string, fields: Array<[string, string]>): Promise<Frame> =>
  pms.call([['Action', 'Set'], ['CallMethod', method], ...fields]);

function soxRms(file: string): Promise<number> {
  return new Promise((res, rej) =>
    execFile('sox', [file, '-n', 'stat'], (err, _o, stderr) => {
      if (err) return rej(err);
      const m = /RMS\s+amplitude:\s+([\d.]+)/.exec(stderr);
      if (!m) rej(new Error(stderr));
      else res(Number(m[1]));
    }),
  );
}

/**
 * Resolves once app_voicemail starts recording into the mailbox: it creates its temporary message
 * file in <mailbox>/tmp right after the greeting, as the beep plays (the greeting's length varies
 * with the machine's load, so the test waits for this instead of a fixed time).
 */
async function recordingStarted(spoolRoot: string, mailbox: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while ((await spoolEntries(spoolRoot, resolve(mailbox, 'tmp'))).length === 0) {
    if (Date.now() > deadline) assert.fail(`no recording started in ${mailbox} within ${ms} ms`);
    await sleep(50);
  }
}

describe('voicemail on the lab', () => {
  let engine: Engine;
  let pms: PmsClient;
  let p8001: Phone;
  let p8002: Phone;
  let p8003: Phone;
  const spool = (ctx: string, ext: string): string => resolve(engine.config.voicemail.spoolDir, ctx, ext);
  /** Messages in a folder; a folder that does not exist is empty only if the spool root exists. */
  const messages = (dir: string): Promise<string[]> => spoolMessages(engine.config.voicemail.spoolDir, dir);
  const leave = (ext: string, n: number, o: number, ms: number) =>
    pms.nextPush(
      (f) =>
        f.get('CallMethod') === 'LeaveMessage' &&
        f.get('Phone') === ext &&
        f.get('LeaveNewMessage') === String(n) &&
        f.get('LeaveOldMessage') === String(o),
      ms,
    );
  before(async () => {
    await requireLab();
    // The room phones that show the lamp subscribe to message waiting for this file only.
    // A stuck phone is restarted; on a loaded machine it took more than three starts (CI, stop 24).
    await setPhonesMwi(['8001', '8002', '8003'], 6);
    ({ engine, pms } = await startLabEngine());
    for (const ext of ['8001', '8002', '8003']) await set(pms, 'ExtenClean', [['Phone', ext]]);
    [p8001, p8002, p8003] = [phone('8001'), phone('8002'), phone('8003')];
    await Promise.all([p8001.ready(), p8002.ready(), p8003.ready()]);
  });
  after(async () => {
    await p8001?.setAutoAnswer(true).catch(() => undefined);
    await p8002?.setAudioSource(LAB_SILENCE).catch(() => undefined);
    for (const ext of ['8001', '8002', '8003'])
      await set(pms, 'ExtenClean', [['Phone', ext]]).catch(() => undefined);
    for (const p of [p8001, p8002, p8003]) p?.close();
    await pms?.close();
    await engine?.stop();
    await setPhonesMwi([]);
  });

  it('VoiceMail creates the mailbox in the include file and Asterisk loads it', async () => {
    const r = await set(pms, 'VoiceMail', [
      ['Phone', '8001'],
      ['Use', '1'],
      ['Usevmwi', '1'],
      ['Email', 'guest@example.com'],
      ['Attach', '0'],
    ]);
    assert.equal(r.get('Response'), 'Success', r.get('Message'));
    assert.deepEqual(
      [r.get('Phone'), r.get('Use'), r.get('Usevmwi'), r.get('Email'), r.get('Attach')],
      ['8001', '1', '1', 'guest@example.com', '0'],
    );
    const file = await readFile(engine.config.voicemail.includeFile, 'utf8');
    assert.match(file, /^8001 => -\d{8},Room 8001,guest@example\.com,,attach=no\|/m);
    assert.deepEqual(await engine.voicemail.loadedMailboxes(), ['8001@pms-vm-mwi']);
  });

  it('hostile values are refused, nothing changes, every mailbox still loads', async () => {
    const ok = await set(pms, 'VoiceMail', [
      ['Phone', '8003'],
      ['Use', '1'],
    ]);
    assert.equal(ok.get('Response'), 'Success', ok.get('Message'));
    const before = await readFile(engine.config.voicemail.includeFile, 'utf8');
    const hostile: Array<[string, string]> = [
      ['Email', 'a@b.com,x|attach=yes'],
      ['Email', 'x@y.com;comment'],
      ['Email', '9999 => 1234,Evil,evil@x.com'],
      ['Email', `${'a'.repeat(300)}@example.com`],
      ['Email', 'not-an-address'],
      ['Use', '1|2'],
      ['Usevmwi', '=>'],
      ['Attach', 'yes'],
      ['Phone', '8001,8002'],
      ['Phone', 'x'.repeat(5000)],
    ];
    for (const [key, value] of hostile) {
      const fields = new Map<string, string>([
        ['Phone', '8002'],
        ['Use', '1'],
      ]);
      fields.set(key, value);
      const r = await set(pms, 'VoiceMail', [...fields]);
      assert.equal(r.get('Response'), 'Error', `${key}=${value.slice(0, 40)} was accepted`);
      assert.ok(r.get('Message')!.includes(key), `message names ${key}: ${r.get('Message')}`);
    }
    assert.equal(await readFile(engine.config.voicemail.includeFile, 'utf8'), before);
    // A guest name full of separators reaches the file neutralised (it is the mailbox's full name).
    const name = await set(pms, 'CheckIn', [
      ['Phone', '8003'],
      ['Name', 'Evil, |x=>y; [general] 张三'],
    ]);
    assert.equal(name.get('Response'), 'Success', name.get('Message'));
    await set(pms, 'VoiceMail', [
      ['Phone', '8003'],
      ['Use', '1'],
    ]);
    const file = await readFile(engine.config.voicemail.includeFile, 'utf8');
    assert.match(file, /^8003 => -\d{8},Evil x y general 张三,,,attach=yes\|/m);
    assert.deepEqual(await engine.voicemail.loadedMailboxes(), ['8001@pms-vm-mwi', '8003@pms-vm']);
    const users = await asteriskCli('voicemail show users');
    assert.match(users, /pms-vm-mwi\s+8001/);
    assert.match(users, /pms-vm\s+8003/);
  });

  it('8002 leaves a real message for 8001 (no answer): LeaveMessage 1/0 within 1 s, lamp NOTIFY', async () => {
    const mwiFrom = p8001.events().length;
    await p8001.setAutoAnswer(false);
    await p8002.setAudioSource(LAB_TONE);
    let pushedAt = 0;
    const pushed = leave('8001', 1, 0, 240_000).then((f) => {
      pushedAt = Date.now();
      return f;
    });
    // 8001 rings for 20 s unanswered, then the voicemail answers the caller: greeting (~10 s), beep,
    // then 4 s of the caller's tone are recorded. The caller hangs up itself; the clock starts there.
    const call = p8002.dial('8001', { timeoutMs: 30_000, holdMs: 300_000 });
    await p8002.waitForEvent('CALL_ESTABLISHED', 30_000);
    await recordingStarted(engine.config.voicemail.spoolDir, spool('pms-vm-mwi', '8001'), 180_000);
    await sleep(4_000);
    assert.equal(pushedAt, 0, 'LeaveMessage before the message was finished');
    const hungUpAt = Date.now();
    await p8002.hangup();
    const outcome = await call;
    assert.ok(outcome.established, `voicemail answered: ${outcome.closedReason}`);
    await pushed;
    const latency = pushedAt - hungUpAt;
    console.log(`LeaveMessage 8001 1/0 arrived ${latency} ms after the caller hung up`);
    assert.ok(latency <= 1_000, `LeaveMessage after ${latency} ms`);
    await p8001.setAutoAnswer(true);
    await p8002.setAudioSource(LAB_SILENCE);
    const msgs = await messages(resolve(spool('pms-vm-mwi', '8001'), 'INBOX'));
    assert.equal(msgs.length, 1);
    const rms = await soxRms(resolve(spool('pms-vm-mwi', '8001'), 'INBOX', msgs[0]!));
    assert.ok(rms > 0.02, `the message is audio, RMS ${rms}`);
    const litAt = await lamp(p8001, mwiFrom, true, 1_000);
    console.log(`8001's lamp-on NOTIFY seen ${litAt - hungUpAt} ms after the caller hung up`);
  });

  it('the guest listens with *98: LeaveMessage 0/1', async () => {
    let pushedAt = 0;
    const pushed = leave('8001', 0, 1, 120_000).then(() => (pushedAt = Date.now()));
    const call = p8001.dial('*98', { timeoutMs: 10_000, holdMs: 300_000 });
    await p8001.waitForEvent('CALL_ESTABLISHED', 10_000);
    // VoiceMailMain greets ("You have 1 new message ..."); 1 plays the new messages; the message is
    // filed as old when the guest hangs up.
    await sleep(1_500);
    await p8001.sendDigits('1');
    await sleep(6_000);
    const hungUpAt = Date.now();
    await p8001.hangup();
    const outcome = await call;
    assert.ok(outcome.established, outcome.closedReason);
    await pushed;
    console.log(`LeaveMessage 8001 0/1 arrived ${pushedAt - hungUpAt} ms after the guest hung up`);
    assert.ok(pushedAt - hungUpAt <= 1_000, `LeaveMessage after ${pushedAt - hungUpAt} ms`);
    assert.equal((await messages(resolve(spool('pms-vm-mwi', '8001'), 'Old'))).length, 1);
    assert.deepEqual(await messages(resolve(spool('pms-vm-mwi', '8001'), 'INBOX')), []);
  });

  it('ExtenClean deletes the messages: gone on disk, LeaveMessage 0/0, lamp off', async () => {
    const mwiFrom = p8001.events().length;
    const pushed = leave('8001', 0, 0, 10_000);
    const sentAt = Date.now();
    const r = await set(pms, 'ExtenClean', [['Phone', '8001']]);
    assert.equal(r.get('Response'), 'Success', r.get('Message'));
    await pushed;
    console.log(`ExtenClean: reply and LeaveMessage 0/0 within ${Date.now() - sentAt} ms`);
    assert.deepEqual(
      await spoolEntries(
        engine.config.voicemail.spoolDir,
        resolve(engine.config.voicemail.spoolDir, 'pms-vm-mwi'),
      ),
      [],
    );
    assert.ok(!(await engine.voicemail.loadedMailboxes()).includes('8001@pms-vm-mwi'));
    await lamp(p8001, mwiFrom, false, 2_000);
  });

  it('Usevmwi 0: a message (DND → voicemail) is pushed, but the phone gets no lamp-on NOTIFY', async () => {
    assert.equal(
      (
        await set(pms, 'VoiceMail', [
          ['Phone', '8003'],
          ['Use', '1'],
          ['Usevmwi', '0'],
        ])
      ).get('Response'),
      'Success',
    );
    assert.equal(
      (
        await set(pms, 'ExtenDND', [
          ['Phone', '8003'],
          ['Use', '1'],
        ])
      ).get('Response'),
      'Success',
    );
    const mwiFrom = p8003.events().length;
    await p8002.setAudioSource(LAB_TONE);
    const pushed = leave('8003', 1, 0, 240_000);
    const since = new Date();
    const call = p8002.dial('8003', { timeoutMs: 10_000, holdMs: 300_000 });
    await p8002.waitForEvent('CALL_ESTABLISHED', 10_000);
    await recordingStarted(engine.config.voicemail.spoolDir, spool('pms-vm', '8003'), 180_000);
    await sleep(4_000);
    await p8002.hangup();
    const outcome = await call;
    await p8002.setAudioSource(LAB_SILENCE);
    assert.ok(outcome.established, outcome.closedReason);
    await pushed;
    assert.equal((await messages(resolve(spool('pms-vm', '8003'), 'INBOX'))).length, 1);
    // The call record still says why the room did not ring; the mailbox answered it.
    const cdr = await cdrFor({ src: '8002', dst: '8003', since });
    assert.equal(cdr.userfield, 'pms:dnd');
    assert.equal(cdr.disposition, 'ANSWERED');
    // The lamp-on NOTIFY of a watched mailbox comes within ~100 ms (test above); give it 2 s.
    await sleep(2_000);
    // 8003 does watch its lamp (its subscription is live; the next test lights it):
    assert.match(await asteriskCli('pjsip show subscriptions inbound'), /Resource: 8003\/message-summary/);
    assert.ok(!lampSeen(p8003, mwiFrom, true), 'no lamp-on NOTIFY for a room with Usevmwi 0');
  });

  it('Usevmwi 0 → 1 moves the message into the watched mailbox: the lamp lights, the counts stay', async () => {
    const mwiFrom = p8003.events().length;
    let pushes = 0;
    const count = (f: Frame): void => {
      if (f.get('CallMethod') === 'LeaveMessage' && f.get('Phone') === '8003') pushes++;
    };
    pms.on('push', count);
    const r = await set(pms, 'VoiceMail', [
      ['Phone', '8003'],
      ['Use', '1'],
      ['Usevmwi', '1'],
    ]);
    assert.equal(r.get('Response'), 'Success', r.get('Message'));
    await lamp(p8003, mwiFrom, true, 2_000);
    pms.off('push', count);
    assert.equal(pushes, 0, 'the counts did not change: no LeaveMessage');
    assert.equal((await messages(resolve(spool('pms-vm-mwi', '8003'), 'INBOX'))).length, 1);
    assert.deepEqual(await messages(resolve(spool('pms-vm', '8003'), 'INBOX')), []);
    assert.deepEqual(await engine.voicemail.loadedMailboxes(), ['8003@pms-vm-mwi']);
  });

  it('ChangeRoom 8003 → 8002 moves settings and messages: LeaveMessage 8002 1/0 and 8003 0/0', async () => {
    const [from3, from2] = [p8003.events().length, p8002.events().length];
    const to = leave('8002', 1, 0, 5_000);
    const from = leave('8003', 0, 0, 5_000);
    const r = await set(pms, 'ChangeRoom', [
      ['FromPhone', '8003'],
      ['ToPhone', '8002'],
    ]);
    assert.equal(r.get('Response'), 'Success', r.get('Message'));
    await Promise.all([to, from]);
    assert.deepEqual((await engine.rooms.get('8002')).voicemail, {
      enabled: true,
      mwi: true,
      email: null,
      attach: true,
    });
    assert.equal((await engine.rooms.get('8003')).voicemail.enabled, false);
    assert.equal((await messages(resolve(spool('pms-vm-mwi', '8002'), 'INBOX'))).length, 1);
    assert.deepEqual(await messages(resolve(spool('pms-vm-mwi', '8003'), 'INBOX')), []);
    assert.deepEqual(await engine.voicemail.loadedMailboxes(), ['8002@pms-vm-mwi']);
    await lamp(p8002, from2, true, 2_000);
    await lamp(p8003, from3, false, 2_000);
  });

  it('after an AMI outage the counts are read again: a change made meanwhile is pushed', async () => {
    // Asterisk does not notice a message filed away behind its back (no MessageWaiting event): only
    // the MailboxCount the engine makes on every AMI ready can find it.
    const box = spool('pms-vm-mwi', '8002');
    const inbox = (await readdir(resolve(box, 'INBOX'))).filter((n) => n.startsWith('msg0000.'));
    assert.ok(inbox.length > 0, 'the message moved to 8002 is there');
    await mkdir(resolve(box, 'Old'), { recursive: true });
    for (const n of inbox) await rename(resolve(box, 'INBOX', n), resolve(box, 'Old', n));
    const pushed = leave('8002', 0, 1, 30_000);
    const back = waitFor(engine, 'resynced', 30_000);
    await engine.ami.action('Logoff').catch(() => undefined); // Asterisk closes the link
    await back;
    await pushed;
  });
});
