// `pms-engine`, the engine's own command (bin/pms-engine.js): `hash-password` through the real bin,
// its exit codes, the no-echo terminal reader, and `pms-engine` / `pms-engine run` starting the engine.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseHash, verifyPassword } from '../../src/domain/password-hash.js';
import { PmsClient } from '../../src/client/pms-client.js';
import { readPassword, PasswordInputError } from '../../src/engine-cli/read-password.js';
import { HEARTBEAT, loginFields, startHarness } from './support/harness.js';
import { within } from '../support/wait.js';

const BIN = fileURLToPath(new URL('../../bin/pms-engine.js', import.meta.url));

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function pmsEngine(args: string[], stdin: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pms-engine ${args.join(' ')} did not exit in 20 s: ${out} ${err}`));
    }, 20_000);
    // 'close', not 'exit': it comes once stdout and stderr have ended too.
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
    child.stdin.end(stdin);
  });
}

describe('pms-engine hash-password', { timeout: 60_000 }, () => {
  it('hashes a password read from a pipe; the hash logs in over TCP; the password is never printed', async () => {
    const r = await pmsEngine(['hash-password'], 'Front desk 7!\n');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^scrypt\$32768\$8\$1\$[^$\s]+\$[^$\s]+\n$/);
    assert.doesNotMatch(r.out + r.err, /Front desk/);
    const stored = parseHash(r.out.trim());
    assert.ok(typeof stored !== 'string', String(stored));
    assert.equal(await verifyPassword('Front desk 7!', stored), true);
    assert.equal(await verifyPassword('Front desk 7', stored), false);

    const h = await startHarness({ accounts: [{ user: 'fo', password: r.out.trim(), grade: 1 }] });
    try {
      const c = await h.client();
      assert.equal((await c.call(loginFields('fo', 'wrong'))).get('Response'), 'Error');
      const ok = await c.call(loginFields('fo', 'Front desk 7!'));
      assert.equal(ok.get('Response'), 'Success');
      assert.equal(ok.get('Grade'), '1');
    } finally {
      await h.close();
    }
  });

  it('a last line without newline counts; CRLF is trimmed', async () => {
    const r = await pmsEngine(['hash-password'], 'pw-from-windows\r\n');
    assert.equal(r.code, 0, r.err);
    const stored = parseHash(r.out.trim());
    assert.ok(typeof stored !== 'string');
    assert.equal(await verifyPassword('pw-from-windows', stored), true);
    const bare = await pmsEngine(['hash-password'], 'no-newline');
    assert.equal(bare.code, 0, bare.err);
  });

  it('exit code 2: empty input, two lines, extra arguments, an unknown command', async () => {
    for (const [args, stdin, why] of [
      [['hash-password'], '', /empty password/],
      [['hash-password'], '\n', /empty password/],
      [['hash-password'], 'one\ntwo\n', /single line/],
      [['hash-password', 'secret-on-the-command-line'], '', /usage: pms-engine/],
      [['frobnicate'], '', /usage: pms-engine/],
      [['run', 'extra'], '', /usage: pms-engine/],
    ] as const) {
      const r = await pmsEngine([...args], stdin);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.equal(r.out, '', 'nothing on stdout, where a hash would go');
      assert.match(r.err, why);
    }
    const help = await pmsEngine(['help'], '');
    assert.equal(help.code, 0);
    assert.match(help.out, /pms-engine hash-password/);
  });
});

describe('the terminal password reader', { timeout: 10_000 }, () => {
  const tty = (): PassThrough & { isTTY: boolean; setRawMode: (raw: boolean) => void; raw: boolean[] } => {
    const s = new PassThrough() as PassThrough & {
      isTTY: boolean;
      setRawMode: (r: boolean) => void;
      raw: boolean[];
    };
    s.isTTY = true;
    s.raw = [];
    s.setRawMode = (r) => s.raw.push(r);
    return s;
  };

  it('reads in raw mode without echo, asks twice, honours backspace', async () => {
    const input = tty();
    const prompt = new PassThrough();
    let shown = '';
    prompt.on('data', (d: Buffer) => (shown += d.toString()));
    const pw = readPassword(input, prompt);
    input.write('se');
    input.write('x\u007fcret\r');
    await new Promise((r) => setImmediate(r));
    input.write('secret\r');
    assert.equal(await pw, 'secret');
    assert.equal(shown, 'Password: \nAgain: \n', 'only the prompts, no echo');
    assert.deepEqual(input.raw, [true, false, true, false], 'raw mode on while typing, off after');
  });

  it('two different entries, or Ctrl-C, hash nothing', async () => {
    const a = tty();
    const pa = readPassword(a, new PassThrough());
    a.write('one\r');
    await new Promise((r) => setImmediate(r));
    a.write('two\r');
    await assert.rejects(pa, (e: Error) => e instanceof PasswordInputError && /differ/.test(e.message));
    const b = tty();
    const pb = readPassword(b, new PassThrough());
    b.write('abc\u0003');
    await assert.rejects(pb, (e: Error) => e instanceof PasswordInputError && /aborted/.test(e.message));
    assert.deepEqual(b.raw, [true, false]);
  });
});

describe('pms-engine starts the engine', { timeout: 60_000 }, () => {
  // Asterisk and the database point at a closed port: the engine must listen for the PMS anyway,
  // and this test must never touch a lab that may be running on this machine.
  const env = {
    PATH: process.env.PATH ?? '',
    PMS_LISTEN_HOST: '127.0.0.1',
    PMS_LISTEN_PORT: '0',
    PMS_HOTEL_ROOMS: '8001-8004',
    PMS_AMI_HOST: '127.0.0.1',
    PMS_AMI_PORT: '1',
    PMS_AMI_USERNAME: 'x',
    PMS_AMI_PASSWORD: 'x',
    PMS_ARI_URL: 'http://127.0.0.1:1',
    PMS_ARI_USERNAME: 'x',
    PMS_ARI_PASSWORD: 'x',
    PMS_DB_HOST: '127.0.0.1',
    PMS_DB_PORT: '1',
    PMS_ACCOUNTS: '[{"user":"fo","password":"plain-pw","grade":1}]',
  };

  for (const args of [[], ['run']]) {
    it(`\`pms-engine ${args.join(' ')}\` listens, answers a heartbeat, warns of the plaintext account, exits 0 on SIGTERM`, async () => {
      const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        const lines: Array<Record<string, unknown>> = [];
        const listening = new Promise<number>((resolve) => {
          createInterface({ input: child.stdout }).on('line', (line) => {
            const rec = JSON.parse(line) as Record<string, unknown>;
            lines.push(rec);
            if (rec.msg === 'PMS server listening') resolve(rec.port as number);
          });
        });
        const port = await within(listening, 20_000, 'the engine to listen');
        const c = await PmsClient.connect(port);
        assert.equal((await c.call(HEARTBEAT)).get('Response'), 'Success');
        c.socket.destroy();
        const warning = lines.find((l) => String(l.msg).includes('plaintext'));
        assert.equal(warning?.user, 'fo');
        assert.doesNotMatch(JSON.stringify(lines), /plain-pw/);
        child.kill('SIGTERM');
        assert.equal(await within(exited, 15_000, 'the engine to exit'), 0);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    });
  }
});
