// What ships is what the lab runs: the lab's Asterisk loads every shipped config (asterisk-conf/ and
// the generated rooms) without an ERROR in its log and has the modules they need; its root filesystem
// holds every package of docker/asterisk/packages.txt (the Asterisk image's list); its rooms are the
// ones pms-provision generates from lab.env.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RoomSet } from '../../src/rooms/room-set.js';
import { asteriskCli, LAB_ROOTFS, labEnv, requireLab } from '../lab/lab.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const ETC = join(LAB_ROOTFS, 'etc/asterisk');
const LOG = join(LAB_ROOTFS, 'var/log/asterisk/messages.log');

function run(cmd: string, args: string[], env?: Record<string, string>): Promise<string> {
  return new Promise((done, fail) =>
    execFile(cmd, args, { cwd: ROOT, timeout: 60_000, env }, (err, stdout, stderr) =>
      err ? fail(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : done(stdout),
    ),
  );
}

/** Resolves once the file has not grown for `quietMs` (Asterisk has finished logging a reload). */
async function logSettled(file: string, quietMs = 1_500, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let size = statSync(file).size;
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > deadline) throw new Error(`${file} still growing after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
    const now = statSync(file).size;
    if (now !== size) {
      size = now;
      since = Date.now();
    }
  }
}

describe('the shipped Asterisk configuration on the lab', () => {
  before(requireLab);

  it('installs asterisk-conf/ unchanged, except the files the lab replaces with lab/asterisk/', () => {
    const replaced = readdirSync(join(ROOT, 'lab/asterisk'));
    assert.deepEqual(
      readdirSync(join(ROOT, 'asterisk-conf')).filter((n) => replaced.includes(n)),
      ['extensions_pms_trunk.conf'],
      'only the trunk is replaced (the other lab files are credentials the shipped files include)',
    );
    for (const name of readdirSync(join(ROOT, 'asterisk-conf'))) {
      if (!name.endsWith('.conf') || replaced.includes(name)) continue;
      assert.equal(
        readFileSync(join(ETC, name), 'utf8'),
        readFileSync(join(ROOT, 'asterisk-conf', name), 'utf8'),
        `${name} in the lab differs from asterisk-conf/${name}`,
      );
    }
  });

  it('loads the shipped extensions_pms_trunk.conf too (swapped in for a dialplan reload, then back)', async () => {
    const file = join(ETC, 'extensions_pms_trunk.conf');
    const lab = readFileSync(file, 'utf8');
    const from = statSync(LOG).size;
    try {
      writeFileSync(file, readFileSync(join(ROOT, 'asterisk-conf/extensions_pms_trunk.conf'), 'utf8'));
      await asteriskCli('dialplan reload');
      await logSettled(LOG);
      const shown = await asteriskCli('dialplan show pms-trunk');
      assert.doesNotMatch(shown, /lab-trunk-far/, 'the shipped trunk is loaded, not the lab one');
      assert.match(shown, /no trunk configured/, 'the shipped [pms-trunk] placeholder');
    } finally {
      writeFileSync(file, lab);
      await asteriskCli('dialplan reload');
      await logSettled(LOG);
    }
    const errors = readFileSync(LOG)
      .subarray(from)
      .toString('utf8')
      .split('\n')
      .filter((l) => /\] ERROR\[/.test(l));
    assert.deepEqual(errors, []);
    assert.match(await asteriskCli('dialplan show pms-trunk'), /lab-trunk-far/, 'the lab trunk is back');
  });

  it('has the rooms pms-provision generates from lab.env, all of them loaded as endpoints', async () => {
    const env = labEnv();
    const pmsVars = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('PMS_')));
    const generated = await run(process.execPath, ['bin/pms-provision.js', 'pjsip'], {
      PATH: process.env.PATH ?? '',
      ...pmsVars,
    });
    assert.equal(readFileSync(join(ETC, 'pjsip_rooms.conf'), 'utf8'), generated);
    const endpoints = await asteriskCli('pjsip show endpoints');
    for (const room of RoomSet.parse(env.PMS_HOTEL_ROOMS!))
      assert.match(endpoints, new RegExp(`^\\s*Endpoint:\\s+${room}\\b`, 'm'), `endpoint ${room}`);
  });

  it('reloads every config file without an ERROR in the log, with the modules the configs need', async () => {
    // Asterisk skips files it has already loaded unchanged: touch them all so each is parsed again.
    const now = new Date();
    for (const name of readdirSync(ETC)) {
      const f = join(ETC, name);
      if (statSync(f).isFile()) utimesSync(f, now, now);
    }
    const from = statSync(LOG).size;
    await asteriskCli('core reload');
    await logSettled(LOG);
    const lines = readFileSync(LOG).subarray(from).toString('utf8').split('\n');
    assert.ok(
      lines.some((l) => /Reloading module 'pbx_config\.so'/.test(l)) &&
        lines.some((l) => /Reloading module 'app_voicemail\.so'/.test(l)),
      'the reload left no trace in the log: is messages.log the log Asterisk writes?',
    );
    const errors = lines.filter((l) => /\] ERROR\[/.test(l));
    assert.deepEqual(errors, [], 'ERROR lines while reloading the shipped configuration');

    const needed = [
      'chan_pjsip.so',
      'res_pjsip.so',
      'res_pjsip_mwi.so',
      'res_pjsip_registrar.so',
      'res_ari.so',
      'res_stasis.so',
      'res_http_websocket.so',
      'app_voicemail.so',
      'app_dial.so',
      'func_db.so',
      'res_odbc.so',
      'cdr_adaptive_odbc.so',
      'pbx_config.so',
    ];
    const modules = await asteriskCli('module show');
    for (const m of needed)
      assert.match(modules, new RegExp(`^${m.replace('.', '\\.')}\\s.*\\bRunning\\b`, 'm'), `${m} running`);
    assert.match(await asteriskCli('cdr show status'), /Adaptive ODBC/);
  });

  it('runs in a root filesystem holding every package of docker/asterisk/packages.txt', async () => {
    const listed = readFileSync(join(ROOT, 'docker/asterisk/packages.txt'), 'utf8')
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean);
    const out = await run('chroot', [
      LAB_ROOTFS,
      'dpkg-query',
      '-W',
      '-f',
      '${Package} ${db:Status-Status}\\n',
      ...listed,
    ]);
    const installed = new Map(
      out
        .trim()
        .split('\n')
        .map((l) => l.split(' ') as [string, string]),
    );
    for (const p of listed) assert.equal(installed.get(p), 'installed', `${p} in the lab rootfs`);
  });
});

describe('ops/pms-engine.service', () => {
  it('is a unit systemd accepts without a warning (systemd-analyze verify; lab/up.sh installs it)', async () => {
    const r = await new Promise<{ code: number; out: string }>((done) =>
      execFile(
        'systemd-analyze',
        ['verify', join(ROOT, 'ops/pms-engine.service')],
        { timeout: 30_000 },
        (err, stdout, stderr) =>
          done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: `${stdout}${stderr}` }),
      ),
    );
    assert.equal(r.code, 0, r.out);
    assert.equal(r.out.trim(), '', 'systemd-analyze printed warnings');
  });
});
