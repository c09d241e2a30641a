// pms-cli against a real PMS server with fake PBX services (the unit harness): the frames each friendly
// command sends, what it prints, its exit codes, and interactive mode showing replies and pushes.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { splitWords, UsageError } from '../../src/cli/args.js';
import { buildRequest } from '../../src/cli/commands.js';
import { runCli } from '../../src/cli/run.js';
import { ADMIN, startHarness, type Harness } from './support/harness.js';

/** Polls `pred` every 20 ms until it holds (the CLI's output is a stream, not an event to wait on). */
async function waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const BIN = fileURLToPath(new URL('../../bin/pms-cli.js', import.meta.url));

interface Run {
  code: number;
  out: string;
  err: string;
}

function io(stdin = new PassThrough()): {
  stdin: PassThrough;
  stdout: PassThrough;
  stderr: PassThrough;
  env: Record<string, string>;
  text: () => { out: string; err: string };
} {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { stdin, stdout, stderr, env: {}, text: () => ({ out, err }) };
}

describe('pms-cli words', () => {
  it('splits lines like a shell: quotes, backslashes, UTF-8 names', () => {
    assert.deepEqual(splitWords(`check-in 8001 --name "Li Lei" --limit 3`), [
      'check-in',
      '8001',
      '--name',
      'Li Lei',
      '--limit',
      '3',
    ]);
    assert.deepEqual(splitWords(`name 8002 '王 小明'`), ['name', '8002', '王 小明']);
    assert.deepEqual(splitWords(`raw "Name=a \\"b\\"" x\\ y ''`), ['raw', 'Name=a "b"', 'x y', '']);
    assert.throws(() => splitWords('name 8001 "Li'), UsageError);
  });

  it('builds the frames of the friendly commands', () => {
    const fields = (line: string): Array<[string, string]> =>
      buildRequest(splitWords(line)).fields.map(([k, v]) => [k, String(v)]);
    assert.deepEqual(fields(`check-in 8001 --name "Li Lei" --limit 3`), [
      ['Action', 'Set'],
      ['CallMethod', 'CheckIn'],
      ['Phone', '8001'],
      ['Name', 'Li Lei'],
      ['Limit', '3'],
    ]);
    assert.deepEqual(fields('checkout 8001').slice(1), [
      ['CallMethod', 'ExtenClean'],
      ['Phone', '8001'],
    ]);
    assert.deepEqual(fields('name 8001 Li Lei').slice(2), [
      ['Phone', '8001'],
      ['Name', 'Li Lei'],
    ]);
    assert.deepEqual(fields('limit 8001 5').slice(1), [
      ['CallMethod', 'ExtenLimit'],
      ['Phone', '8001'],
      ['Limit', '5'],
    ]);
    assert.deepEqual(fields('dnd 8001 on --from "2026-03-08 22:00" --to 2026-03-09T07:00:00').slice(2), [
      ['Phone', '8001'],
      ['Use', '1'],
      ['Start', '2026-03-08 22:00:00'],
      ['End', '2026-03-09 07:00:00'],
    ]);
    assert.deepEqual(fields('voicemail 8001 on --mwi on --email a@b.c --attach off').slice(1), [
      ['CallMethod', 'VoiceMail'],
      ['Phone', '8001'],
      ['Use', '1'],
      ['Usevmwi', '1'],
      ['Email', 'a@b.c'],
      ['Attach', '0'],
    ]);
    // seed 000 §5.4.5: start*end*frequency*days*file*num&, the deprecated end left empty.
    assert.deepEqual(fields('wakeup 8001 07:30').slice(1), [
      ['CallMethod', 'AlarmClock'],
      ['Phone', '8001'],
      ['AlarmClock', '07:30**5*1*fpm-world-mix.gsm*3&'],
    ]);
    assert.deepEqual(
      fields('wakeup 8001 07:30 17:30 --every 10 --days 2 --file wake.ulaw --attempts 5').at(-1),
      ['AlarmClock', '07:30**10*2*wake.ulaw*5&17:30**10*2*wake.ulaw*5&'],
    );
    assert.deepEqual(fields('wakeup 8001 --cancel').at(-1), ['AlarmClock', '']);
    assert.deepEqual(fields('change-room 8001 8002').slice(1), [
      ['CallMethod', 'ChangeRoom'],
      ['FromPhone', '8001'],
      ['ToPhone', '8002'],
    ]);
    assert.deepEqual(fields('cdr 2026-03-08'), [
      ['Action', 'Query'],
      ['CallMethod', 'GetCDR'],
      ['StartTime', '2026-03-08 00:00:00'],
      ['EndTime', '2026-03-08 23:59:59'],
    ]);
    assert.deepEqual(
      fields(
        'cdr 2026-03-01 2026-03-07 --type longdistance --direction outbound --src-group Floor8 --page-size 20 --page 2',
      ).slice(2),
      [
        ['StartTime', '2026-03-01 00:00:00'],
        ['EndTime', '2026-03-07 23:59:59'],
        ['CallType', 'longdistance'],
        ['Direction', '1'],
        ['SrcType', '1'],
        ['SrcNum', 'Floor8'],
        ['PageCnt', '20'],
        ['PageNo', '2'],
      ],
    );
    assert.deepEqual(fields('raw Action=Set CallMethod=ExtenName Phone=8001 "Name=a=b"'), [
      ['Action', 'Set'],
      ['CallMethod', 'ExtenName'],
      ['Phone', '8001'],
      ['Name', 'a=b'],
    ]);
  });

  it('refuses malformed words before sending anything', () => {
    for (const line of [
      'limit 8001 9',
      'limit 8001',
      'check-in abc',
      'check-in 8001 --nmae x',
      'dnd 8001 maybe',
      'dnd 8001 on --from "2026-03-08 22:00"',
      'wakeup 8001 7:30',
      'wakeup 8001',
      'wakeup 8001 07:30 --cancel',
      'wakeup 8001 07:30 --every 2',
      'wakeup 8001 07:30 --file ../../etc/passwd',
      'cdr yesterday',
      'cdr 2026-03-08 --page 2',
      'raw Phone=8001',
      'frobnicate 8001',
    ])
      assert.throws(() => buildRequest(splitWords(line)), UsageError, line);
  });
});

describe('pms-cli against a PMS server', () => {
  let h: Harness;
  const creds = (): string[] => ['--port', String(h.port), '--user', ADMIN.user];
  const env = (): Record<string, string> => ({ PMS_CLI_PASSWORD: ADMIN.password });
  async function cli(...argv: string[]): Promise<Run> {
    const x = io();
    x.env = env();
    const code = await runCli([...creds(), ...argv], x);
    return { code, ...x.text() };
  }

  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());
  beforeEach(() => {
    h.store.rows.clear();
    h.ami.db.clear();
    h.rooms.forget();
  });

  it('check-in prints the Success reply, exits 0, and the room is checked in', async () => {
    const r = await cli('check-in', '8001', '--name', 'Li Lei', '--limit', '3');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Response: Success$/m);
    assert.match(r.out, /^CallMethod: CheckIn$/m);
    assert.match(r.out, /^Name: Li Lei$/m);
    assert.equal(h.ami.room('8001').name, 'Li Lei');
    assert.equal(h.ami.room('8001').class, '3');
  });

  it('exits 1 and prints the engine message on Response: Error', async () => {
    const r = await cli('limit', '9999', '3');
    assert.equal(r.code, 1);
    assert.match(r.out, /^Response: Error$/m);
    assert.match(r.out, /^Message: Phone 9999 is not a room extension of this hotel$/m);
  });

  it('exits 2 on a usage mistake without connecting', async () => {
    const x = io();
    const code = await runCli(['--port', '1', 'limit', '8001', '9'], x);
    assert.equal(code, 2);
    assert.match(x.text().err, /dialling class is 1 to 5/);
    assert.match(x.text().err, /usage: pms-cli limit <room> <1-5>/);
  });

  it('exits 1 when the login is refused, and never prints the password', async () => {
    const x = io();
    x.env = { PMS_CLI_PASSWORD: 'wrong-pass' };
    const code = await runCli([...creds(), 'checkout', '8001'], x);
    assert.equal(code, 1);
    assert.match(x.text().err, /login as admin refused/);
    assert.doesNotMatch(x.text().err + x.text().out, /wrong-pass/);
  });

  it('exits 3 when nothing listens on the port', async () => {
    const free = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    const x = io();
    const code = await runCli(['--port', String(free), 'checkout', '8001'], x);
    assert.equal(code, 3);
    assert.match(x.text().err, /cannot connect to the engine at 127\.0\.0\.1:/);
  });

  it('interactive mode prints replies and unsolicited LeaveMessage pushes as they arrive', async () => {
    const x = io();
    x.env = env();
    const done = runCli(creds(), x);
    x.stdin.write(`check-in 8002 --name "王 小明"\n`);
    await waitFor(() => /Name: 王 小明/.test(x.text().out), 5_000, 'check-in reply');
    await waitFor(
      () =>
        h.server.broadcast('Query', 'LeaveMessage', [
          ['Phone', '8002'],
          ['LeaveNewMessage', '1'],
          ['LeaveOldMessage', '0'],
        ]) === 1,
      5_000,
      'a logged-in session to push to',
    );
    await waitFor(() => /LeaveNewMessage: 1/.test(x.text().out), 5_000, 'the push printed');
    assert.match(x.text().out, />>> push Query\/LeaveMessage\n[^]*Phone: 8002\n/);
    x.stdin.write('limit 8002 7\nlimit 9999 4\nlimit 8002 4\n');
    x.stdin.end();
    assert.equal(await done, 1, 'a Response: Error in the session makes the exit code 1');
    assert.match(x.text().err, /dialling class is 1 to 5/);
    assert.match(x.text().out, /^Message: Phone 9999 is not a room extension of this hotel$/m);
    assert.match(x.text().out, /^Limit: 4$/m);
    assert.equal(h.ami.room('8002').class, '4');
  });

  it('bin/pms-cli.js runs from the clone with the same exit codes', async () => {
    const run = (...argv: string[]): Promise<Run> =>
      new Promise((resolve) =>
        execFile(
          process.execPath,
          [BIN, ...creds(), ...argv],
          { env: { ...process.env, ...env() }, timeout: 20_000 },
          (err, out, errText) =>
            resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out, err: errText }),
        ),
      );
    const ok = await run('checkout', '8003');
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /^CallMethod: ExtenClean$/m);
    const bad = await run('checkout', '9999');
    assert.equal(bad.code, 1, bad.err);
  });
});
