// The README's walk-through for a new tester, step by step with the same commands, on the real lab:
// `make lab`'s engine start (lab/engine.sh start) prints how to register a softphone; a baresip
// configured only from that printout registers as the room; `bin/pms-cli.js check-in` gives it a guest
// (AstDB and the caller name another room's phone shows); `bin/pms-cli.js wakeup` for the coming
// minute makes the softphone ring and hear the wake-up prompt.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { astDbGet, LAB_PHONES_DIR, labEnv, registeredPhones, requireLab } from '../lab/lab.js';
import { LAB_SILENCE, phone, type Phone } from '../lab/phone.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');

interface Run {
  code: number;
  out: string;
  err: string;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}, timeout = 90_000): Promise<Run> {
  return new Promise((done) =>
    execFile(cmd, args, { cwd: ROOT, timeout, env: { ...process.env, ...env } }, (err, out, errText) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out, err: errText }),
    ),
  );
}

async function until(pred: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What `make lab` printed for the tester. */
interface Printed {
  room: string;
  password: string;
  server: string;
  cliEnv: Record<string, string>;
}

function readPrintout(text: string): Printed {
  const field = (label: string): string => {
    const m = new RegExp(`^\\s*${label}\\s+(\\S+)\\s*$`, 'm').exec(text);
    assert.ok(m, `make lab printed no "${label}" line:\n${text}`);
    return m[1]!;
  };
  const exp = /^\s*export (.+)$/m.exec(text);
  assert.ok(exp, `make lab printed no export line for pms-cli:\n${text}`);
  const cliEnv = Object.fromEntries(
    exp[1]!
      .trim()
      .split(/\s+/)
      .map((kv) => kv.split('=', 2) as [string, string]),
  );
  return {
    room: field('extension / user name / auth name'),
    password: field('password'),
    server: field('SIP server \\(UDP\\)'),
    cliEnv,
  };
}

/** A baresip set up the way a tester sets up a softphone: account, password and server only. */
function startSoftphone(p: Printed): { proc: ChildProcess; dir: string } {
  const env = labEnv();
  const dir = join(LAB_PHONES_DIR, p.room);
  const mods = [
    '/usr/lib/baresip/modules',
    '/usr/lib/x86_64-linux-gnu/baresip/modules',
    '/usr/local/lib/baresip/modules',
  ].find((d) => existsSync(join(d, 'ctrl_tcp.so')));
  assert.ok(mods, "baresip's modules (ctrl_tcp.so) not found");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'recordings'), { recursive: true });
  const rtp = Number(env[`LAB_PHONE_${p.room}_RTP_PORT`]);
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method\t\tepoll',
      `sip_listen\t\t127.0.0.1:${env[`LAB_PHONE_${p.room}_SIP_PORT`]}`,
      `rtp_ports\t\t${rtp}-${rtp + 9}`,
      `audio_source\t\taufile,${LAB_SILENCE}`,
      `snd_path\t\t${join(dir, 'recordings')}`,
      `ctrl_tcp_listen\t\t127.0.0.1:${env[`LAB_PHONE_${p.room}_CTRL_PORT`]}`,
      `module_path\t\t${mods}`,
      'module\t\t\tg711.so',
      'module\t\t\taufile.so',
      'module\t\t\tsndfile.so',
      'module_app\t\taccount.so',
      'module_app\t\tmenu.so',
      'module_app\t\tctrl_tcp.so',
      '',
    ].join('\n'),
  );
  // answermode=auto stands in for the tester picking up.
  writeFileSync(
    join(dir, 'accounts'),
    `<sip:${p.room}@${p.server}>;auth_user=${p.room};auth_pass=${p.password};answermode=auto;regint=60\n`,
  );
  const proc = spawn('baresip', ['-f', dir], { stdio: 'ignore', detached: true });
  return { proc, dir };
}

/** hh:mm of the next minute at least 15 s away, in the engine's zone (lab.env sets none: the system's). */
function comingMinute(): { hhmm: string; at: Date } {
  const at = new Date(Date.now() + 15_000);
  at.setSeconds(0, 0);
  at.setMinutes(at.getMinutes() + 1);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return { hhmm: `${pad(at.getHours())}:${pad(at.getMinutes())}`, at };
}

describe('README walk-through on the lab: make lab, a softphone, pms-cli, a wake-up call', () => {
  let printed: Printed;
  let softphone: { proc: ChildProcess; dir: string } | undefined;
  let sp: Phone | undefined;
  let other: Phone | undefined;
  const cli = (...args: string[]): Promise<Run> =>
    run(process.execPath, ['bin/pms-cli.js', ...args], printed.cliEnv);

  before(async () => {
    await requireLab();
    const started = await run('bash', ['lab/engine.sh', 'start']);
    assert.equal(started.code, 0, `lab/engine.sh start failed:\n${started.out}${started.err}`);
    printed = readPrintout(started.out);
  });

  after(async () => {
    sp?.close();
    other?.close();
    if (printed) await cli('checkout', printed.room);
    if (softphone?.proc.pid) process.kill(softphone.proc.pid, 'SIGTERM');
    const stopped = await run('bash', ['lab/engine.sh', 'stop']);
    assert.equal(stopped.code, 0, stopped.err);
  });

  it('prints a room no lab phone uses, its password and the SIP server', () => {
    const env = labEnv();
    assert.ok(!env.LAB_PHONES!.split(',').includes(printed.room), 'a lab phone would lose its registration');
    assert.equal(printed.server, `${env.LAB_SIP_HOST}:${env.LAB_SIP_PORT}`);
    assert.equal(printed.cliEnv.PMS_CLI_PORT, env.LAB_ENGINE_PORT);
  });

  it('a softphone set up from the printout registers as the room', async () => {
    softphone = startSoftphone(printed);
    await until(
      async () => (await registeredPhones()).includes(printed.room),
      15_000,
      `${printed.room} registered`,
    );
    sp = phone(printed.room);
    await sp.ready();
  });

  it('pms-cli check-in gives the room its guest: AstDB, and the name another room sees', async () => {
    const r = await cli('check-in', printed.room, '--name', 'Li Lei', '--limit', '3');
    assert.equal(r.code, 0, `${r.out}${r.err}`);
    assert.match(r.out, /^Response: Success$/m);
    assert.equal(await astDbGet('pms', `${printed.room}/name`), 'Li Lei');
    assert.equal(await astDbGet('pms', `${printed.room}/class`), '3');

    other = phone('8001');
    await other.ready();
    const call = await sp!.dial('8001', { holdMs: 300 });
    assert.ok(call.established, `call to 8001: ${call.closedReason}`);
    await sp!.waitForEvent('CALL_CLOSED'); // this call's, so that the wake-up's is the next one
    const incoming = await other.waitForEvent('CALL_INCOMING', 10_000);
    assert.equal(incoming.callerName, 'Li Lei');
  });

  it('pms-cli wakeup for the coming minute: the softphone rings and hears the prompt', async () => {
    const { hhmm, at } = comingMinute();
    const r = await cli('wakeup', printed.room, hhmm);
    assert.equal(r.code, 0, `${r.out}${r.err}`);
    assert.match(r.out, new RegExp(`^AlarmClock: ${hhmm}\\*`, 'm'));
    const ring = await sp!.waitForEvent('CALL_INCOMING', at.getTime() - Date.now() + 60_000);
    assert.ok(Date.now() >= at.getTime() - 1_000, 'rang before the wake-up time');
    assert.equal(ring.direction, 'incoming');
    await sp!.waitForEvent('CALL_CLOSED', 60_000); // the prompt played, the engine hung up
    const heard = await sp!.lastRecording();
    assert.ok(heard.seconds > 2, `the wake-up call lasted ${heard.seconds} s`);
    assert.ok(heard.rms > 0.01, `the softphone heard silence (rms ${heard.rms})`);
  });
});
