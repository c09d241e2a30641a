// The whole engine against the lab: it comes up with AMI, ARI and the database ready, answers the
// seed's login and heartbeat demos, keeps answering them while Asterisk restarts, and the real
// entry point (src/main.ts) starts, refuses bad configuration and stops cleanly on SIGTERM.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { PmsClient } from '../../src/client/pms-client.js';
import { Engine } from '../../src/engine.js';
import { silentLogger } from '../../src/log.js';
import { SEED_DEMOS } from '../fixtures/seed-demos.js';
import { asteriskCli, labConfig, labEnv, requireLab, waitForAsterisk } from '../lab/lab.js';
import { waitFor, within } from '../support/wait.js';

const HEARTBEAT: Array<[string, string]> = [
  ['Action', 'UserLogin'],
  ['CallMethod', 'HeartBeat'],
];
const ACCOUNTS = [{ user: 'admin', password: 'admin', grade: 1 as const }];

function until(
  cond: () => boolean,
  what: string,
  timeoutMs = 30_000,
  emitters: NodeJS.EventEmitter[] = [],
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (cond()) return resolve();
    const check = (): void => {
      if (!cond()) return;
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const poll = setInterval(check, 100);
    const cleanup = (): void => {
      clearTimeout(timer);
      clearInterval(poll);
      for (const e of emitters) e.off('state', check);
    };
    for (const e of emitters) e.on('state', check);
  });
}

describe('engine on the lab', () => {
  let engine: Engine;
  let port: number;

  before(async () => {
    await requireLab();
    engine = new Engine(labConfig({ accounts: ACCOUNTS }), silentLogger());
    port = await engine.start();
    await until(
      () => engine.ami.state === 'ready' && engine.ari.state === 'ready' && engine.store.state === 'ready',
      'AMI, ARI and the database to be ready',
      30_000,
      [engine.ami, engine.ari, engine.store],
    );
  });
  after(() => engine?.stop());

  it('answers the seed login and heartbeat demos byte for byte', async () => {
    const c = await PmsClient.connect(port);
    const replies: string[] = [];
    c.socket.on('data', (d: Buffer) => replies.push(d.toString('utf8')));
    // A LeaveMessage push (engine-made SeqID) may come in between, e.g. when the counts of a room
    // differ from what an earlier run stored: the replies themselves must be byte for byte.
    const ownFrames = (): string[] =>
      replies
        .join('')
        .split(/(?<=\r\n\r\n)/)
        .filter((f) => f.endsWith('\r\n\r\n'))
        .filter((f) => !(f.includes('Action: Query\r\n') && f.includes('CallMethod: LeaveMessage\r\n')));
    for (const name of ['5.1 login request', '5.3 heartbeat request']) {
      const before = ownFrames().length;
      c.writeRaw(SEED_DEMOS.find((d) => d.name === name)!.bytes);
      await until(() => ownFrames().length > before, `reply to ${name}`, 5_000);
    }
    const own = ownFrames().join('');
    assert.equal(
      own,
      'ServiceType: PMS\r\nAction: UserLogin\r\nSeqID: 123456\r\nResponse: Success\r\nCallMethod: Account\r\nUser: admin\r\nGrade: 1\r\n\r\n' +
        'ServiceType: PMS\r\nAction: UserLogin\r\nSeqID: 123456\r\nResponse: Success\r\nCallMethod: HeartBeat\r\n\r\n',
    );
    await c.close();
  });

  it('keeps answering login and heartbeat while Asterisk restarts, and its links come back', async () => {
    const c = await PmsClient.connect(port);
    await asteriskCli('core restart now');
    await until(() => engine.ami.state !== 'ready', 'the AMI link to notice the restart', 15_000, [
      engine.ami,
    ]);
    const login = await c.call([
      ['Action', 'UserLogin'],
      ['CallMethod', 'Account'],
      ['User', 'admin'],
      ['Password', 'admin'],
    ]);
    assert.equal(login.get('Response'), 'Success');
    assert.equal((await c.call(HEARTBEAT)).get('Response'), 'Success');
    await waitForAsterisk(60_000);
    await until(
      () => engine.ami.state === 'ready' && engine.ari.state === 'ready',
      'AMI and ARI to be ready again',
      60_000,
      [engine.ami, engine.ari],
    );
    const uptime = await engine.ami.action('CoreStatus');
    assert.equal(uptime.response, 'Success');
    await c.close();
  });
});

describe('engine process (src/main.ts)', () => {
  before(requireLab);

  const start = (env: Record<string, string>) =>
    spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  it('refuses a bad configuration with exit code 2 and a message naming the key', async () => {
    const child = start({ ...labEnv(), PMS_LISTEN_PORT: 'five' });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await waitFor(child, 'exit', 30_000)) as [number];
    assert.equal(code, 2);
    assert.match(stderr, /listen\.port \(environment PMS_LISTEN_PORT\): must be a whole number, got "five"/);
  });

  it('starts, warns about admin/admin, serves the PMS, and exits 0 on SIGTERM closing its sessions', async () => {
    const child = start({
      ...labEnv(),
      PMS_LISTEN_PORT: '0',
      PMS_LISTEN_HOST: '127.0.0.1',
      PMS_DB_DATABASE: 'pms_engine_test',
    });
    const lines: Array<Record<string, unknown>> = [];
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (l) => {
      try {
        lines.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        lines.push({ raw: l });
      }
    });
    const listening = () => lines.find((l) => l.msg === 'PMS server listening');
    await until(() => listening() !== undefined, 'the engine to listen', 20_000);
    assert.ok(
      lines.some((l) => l.level === 40 && /admin\/admin/.test(String(l.msg))),
      'default admin warning',
    );
    const c = await PmsClient.connect(Number(listening()!.port));
    assert.equal((await c.call(HEARTBEAT)).get('Response'), 'Success');
    const t0 = Date.now();
    child.kill('SIGTERM');
    const [code] = (await waitFor(child, 'exit', 10_000)) as [number];
    await within(c.closed, 5_000, 'the PMS connection to close');
    assert.equal(code, 0);
    assert.ok(Date.now() - t0 < 10_000);
    assert.ok(lines.some((l) => l.msg === 'engine stopped'));
    assert.ok(!lines.some((l) => JSON.stringify(l).includes('lab-only-ami')), 'no secret in the logs');
  });
});
