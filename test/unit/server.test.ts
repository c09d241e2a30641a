// Sessions over real TCP on loopback, with a fake PBX: login, heartbeat, refusals, bad input, floods,
// idle timeout, broadcast, and what a PBX outage does to a command.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { ProtocolError } from '../../src/errors.js';
import { defineHandler } from '../../src/handlers/types.js';
import { SEED_DEMOS } from '../fixtures/seed-demos.js';
import { HEARTBEAT, loginFields, OPERATOR, startHarness, type Harness } from './support/harness.js';
import { within } from '../support/wait.js';

/** Raw socket: sends bytes, collects reply bytes until `count` frames (\r\n\r\n) arrived. */
async function rawExchange(port: number, bytes: string, count = 1): Promise<string> {
  const sock = connect({ port, host: '127.0.0.1' });
  await once(sock, 'connect');
  sock.write(bytes);
  const text = await readFrames(sock, count);
  sock.destroy();
  return text;
}

function readFrames(sock: Socket, count: number, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`only got ${JSON.stringify(buf)}`)), timeoutMs);
    sock.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      if (buf.split('\r\n\r\n').length - 1 >= count) {
        clearTimeout(timer);
        resolve(buf);
      }
    });
  });
}

const demo = (name: string): string => SEED_DEMOS.find((d) => d.name.startsWith(name))!.bytes;

describe('session: seed demos on the wire', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ accounts: [{ user: 'admin', password: 'admin', grade: 1 }] });
  });
  after(() => h.close());

  it('5.1 login demo gets the exact success reply, with Grade and without the password', async () => {
    const reply = await rawExchange(h.port, demo('5.1 login request'));
    assert.equal(
      reply,
      'ServiceType: PMS\r\nAction: UserLogin\r\nSeqID: 123456\r\nResponse: Success\r\nCallMethod: Account\r\n' +
        'User: admin\r\nGrade: 1\r\n\r\n',
    );
  });

  it('5.3 heartbeat demo is answered, even before login', async () => {
    const reply = await rawExchange(h.port, demo('5.3 heartbeat request'));
    assert.equal(
      reply,
      'ServiceType: PMS\r\nAction: UserLogin\r\nSeqID: 123456\r\nResponse: Success\r\nCallMethod: HeartBeat\r\n\r\n',
    );
  });

  it('a wrong password gets the seed error reply', async () => {
    const bytes = demo('5.1 login request').replace('Password: admin', 'Password: nope');
    const reply = await rawExchange(h.port, bytes);
    assert.equal(
      reply,
      'ServiceType: PMS\r\nAction: UserLogin\r\nSeqID: 123456\r\nResponse: Error\r\nCallMethod: Account\r\n' +
        'Message: User Login failed, Password Wrong !\r\n\r\n',
    );
  });

  it('5.4.2 demo sent before login: the command is refused for login, the stray Name frame for its missing Action', async () => {
    const reply = await rawExchange(h.port, demo('5.4.2 ExtenName'), 2);
    const [first, second] = reply.split('\r\n\r\n');
    assert.match(
      first!,
      /SeqID: 123456\r\nResponse: Error\r\nCallMethod: ExtenName\r\nPhone: 8001\r\nMessage: Login required/,
    );
    assert.match(second!, /Response: Error\r\nMessage: Missing Action/);
  });
});

describe('session: login, logout and refusals', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('unknown user and missing fields are refused with a message; no grade is given', async () => {
    const c = await h.client();
    const r = await c.call(loginFields('ghost', 'x'));
    assert.equal(r.get('Response'), 'Error');
    assert.equal(r.get('Message'), 'User Login failed, Password Wrong !');
    assert.equal(r.has('Grade'), false);
    const r2 = await c.call([
      ['Action', 'UserLogin'],
      ['CallMethod', 'Account'],
      ['User', 'admin'],
    ]);
    assert.equal(r2.get('Message'), 'User Login failed, User and Password are required');
  });

  it('an operator account logs in with grade 2', async () => {
    const c = await h.client();
    const r = await c.call(loginFields(OPERATOR.user, OPERATOR.password));
    assert.equal(r.get('Response'), 'Success');
    assert.equal(r.get('Grade'), '2');
  });

  it('every command before login is refused; SeqID is echoed on every reply', async () => {
    const c = await h.client();
    for (const method of ['ExtenLimit', 'CheckIn', 'ExtenClean']) {
      const r = await c.call([
        ['Action', 'Set'],
        ['SeqID', `q-${method}`],
        ['CallMethod', method],
        ['Phone', '8001'],
      ]);
      assert.equal(r.get('Response'), 'Error');
      assert.equal(r.get('SeqID'), `q-${method}`);
      assert.match(r.get('Message')!, /Login required/);
    }
    const logout = await c.call([
      ['Action', 'UserLogout'],
      ['CallMethod', 'Account'],
    ]);
    assert.match(logout.get('Message')!, /Login required/);
  });

  it('unknown Action and CallMethod are named in the error; every command of the protocol is served', async () => {
    const c = await h.loggedIn();
    const a = await c.call([
      ['Action', 'Frobnicate'],
      ['CallMethod', 'X'],
    ]);
    assert.equal(a.get('Message'), 'Unknown Action: Frobnicate');
    const m = await c.call([
      ['Action', 'Set'],
      ['CallMethod', 'ExtenColour'],
    ]);
    assert.equal(m.get('Message'), 'Unknown CallMethod: ExtenColour for Action Set');
    // seed 000 §5.1-5.4.10, PMS → PBX: each reaches its handler (an empty request fails its
    // validation, never as unknown). LeaveMessage goes PBX → PMS only.
    const PROTOCOL: Array<[string, string]> = [
      ['UserLogin', 'Account'],
      ['UserLogout', 'Account'],
      ['UserLogin', 'HeartBeat'],
      ...[
        'ExtenLimit',
        'ExtenName',
        'ExtenDND',
        'VoiceMail',
        'AlarmClock',
        'ChangeRoom',
        'CheckIn',
        'ExtenClean',
      ].map((m): [string, string] => ['Set', m]),
      ['Query', 'GetCDR'],
    ];
    for (const [action, method] of PROTOCOL) {
      const r = await c.call([
        ['Action', action],
        ['CallMethod', method],
      ]);
      assert.doesNotMatch(r.get('Message') ?? '', /Unknown|not available/, `${action}/${method}`);
    }
    const st = await c.call([
      ['ServiceType', 'HIS'],
      ['Action', 'UserLogin'],
      ['CallMethod', 'HeartBeat'],
    ]);
    assert.equal(st.get('Message'), 'Unsupported ServiceType: HIS (expected PMS)');
  });

  it('logout ends the login (connection stays open); logging out someone else is refused', async () => {
    const c = await h.loggedIn();
    const wrong = await c.call([
      ['Action', 'UserLogout'],
      ['CallMethod', 'Account'],
      ['User', 'console'],
    ]);
    assert.equal(wrong.get('Response'), 'Error');
    assert.equal(wrong.get('User'), 'console');
    const ok = await c.call([
      ['Action', 'UserLogout'],
      ['CallMethod', 'Account'],
      ['User', 'admin'],
      ['Password', 's3cret-admin'],
    ]);
    assert.equal(ok.get('Response'), 'Success');
    assert.equal(ok.get('User'), 'admin');
    const after = await c.call([
      ['Action', 'Set'],
      ['CallMethod', 'ExtenClean'],
      ['Phone', '8001'],
    ]);
    assert.match(after.get('Message')!, /Login required/);
    assert.equal((await c.call(HEARTBEAT)).get('Response'), 'Success');
  });

  it('five failed logins close the connection', async () => {
    const c = await h.client();
    for (let i = 0; i < 5; i++)
      assert.equal((await c.call(loginFields('admin', `bad${i}`))).get('Response'), 'Error');
    await within(c.closed, 5_000, 'the server to close the connection');
  });

  it('pipelined requests are answered in order', async () => {
    const c = await h.loggedIn();
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => c.call([...HEARTBEAT, ['SeqID', `p${i}`]])),
    );
    assert.deepEqual(
      replies.map((r) => r.get('SeqID')),
      Array.from({ length: 20 }, (_, i) => `p${i}`),
    );
  });
});

describe('session: garbage and oversized input', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ session: { maxFrameBytes: 1024, maxDiscardBytes: 8192 } });
  });
  after(() => h.close());

  it('a line without a colon gets an error echoing SeqID, and the session goes on', async () => {
    const c = await h.loggedIn();
    const errors: string[] = [];
    c.on('stray', (f) => errors.push(typeof f === 'string' ? f : `${f.get('SeqID')}|${f.get('Message')}`));
    const reply = c.nextPush(() => true, 100).catch(() => undefined);
    c.writeRaw('Action: UserLogin\r\nSeqID: g1\r\nthis is garbage\r\nCallMethod: HeartBeat\r\n\r\n');
    await reply;
    const hb = await c.call(HEARTBEAT);
    assert.equal(hb.get('Response'), 'Success');
    assert.deepEqual(errors, ['g1|Malformed line (no colon): "this is garbage"']);
  });

  it('an oversized frame is refused; the session and its neighbour go on', async () => {
    const c = await h.loggedIn();
    const neighbour = await h.loggedIn();
    const strays: string[] = [];
    c.on('stray', (f) => strays.push(typeof f === 'string' ? f : f.get('Message')!));
    c.writeRaw(`Action: Set\r\nSeqID: big\r\nCallMethod: ExtenName\r\nName: ${'z'.repeat(5000)}\r\n\r\n`);
    assert.equal((await c.call(HEARTBEAT)).get('Response'), 'Success');
    assert.deepEqual(strays, ['Frame exceeds 1024 bytes']);
    assert.equal((await neighbour.call(HEARTBEAT)).get('Response'), 'Success');
  });

  it('an endless flood closes only that connection; the server keeps serving', async () => {
    const c = await h.loggedIn();
    const neighbour = await h.loggedIn();
    const chunk = 'x'.repeat(1000);
    for (let i = 0; i < 20 && !c.socket.destroyed; i++) c.writeRaw(chunk);
    await within(c.closed, 5_000, 'the flooding connection to close');
    assert.equal((await neighbour.call(HEARTBEAT)).get('Response'), 'Success');
    const fresh = await h.loggedIn();
    assert.equal((await fresh.call(HEARTBEAT)).get('Response'), 'Success');
  });

  it('binary noise does not kill the server', async () => {
    const sock = connect({ port: h.port, host: '127.0.0.1' });
    await once(sock, 'connect');
    const noise = Buffer.alloc(4000);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 256;
    sock.write(noise);
    sock.destroy();
    const c = await h.loggedIn();
    assert.equal((await c.call(HEARTBEAT)).get('Response'), 'Success');
  });
});

describe('session: idle timeout, many clients, broadcast', () => {
  let h: Harness;
  before(async () => {
    // 100 clients log in at once: all of them wait to log in together.
    h = await startHarness({ session: { idleTimeoutSec: 1, maxUnauthenticated: 100 } });
  });
  after(() => h.close());

  it('a silent session is closed after the idle timeout', async () => {
    const c = await h.loggedIn();
    const t0 = Date.now();
    await within(c.closed, 4_000, 'the idle session to close');
    const waited = Date.now() - t0;
    assert.ok(waited >= 900 && waited < 4_000, `closed after ${waited} ms`);
  });

  it('serves 100 concurrent clients', async () => {
    const clients = await Promise.all(Array.from({ length: 100 }, () => h.loggedIn()));
    const replies = await Promise.all(clients.map((c) => c.call(HEARTBEAT)));
    assert.equal(replies.filter((r) => r.get('Response') === 'Success').length, 100);
    for (const c of clients) c.socket.destroy();
  });

  it('a broadcast reaches every logged-in session, not the others, with an engine SeqID', async () => {
    const a = await h.loggedIn();
    const b = await h.loggedIn();
    const anon = await h.client();
    const anonGot: unknown[] = [];
    anon.on('push', (f) => anonGot.push(f));
    const gotA = a.nextPush((f) => f.get('CallMethod') === 'LeaveMessage');
    const gotB = b.nextPush((f) => f.get('CallMethod') === 'LeaveMessage');
    const sent = h.server.broadcast('Query', 'LeaveMessage', [
      ['Phone', '8001'],
      ['LeaveNewMessage', 1],
      ['LeaveOldMessage', 0],
    ]);
    assert.ok(sent >= 2);
    for (const f of [await gotA, await gotB]) {
      assert.deepEqual(
        [...f.keys()],
        ['ServiceType', 'Action', 'SeqID', 'CallMethod', 'Phone', 'LeaveNewMessage', 'LeaveOldMessage'],
      );
      assert.match(f.get('SeqID')!, /^\d+$/);
      assert.equal(f.get('LeaveNewMessage'), '1');
    }
    assert.equal((await anon.call(HEARTBEAT)).get('Response'), 'Success');
    assert.deepEqual(anonGot, []);
  });
});

describe('session: handler failures and the PBX link', () => {
  let h: Harness;
  const pingPbx = defineHandler({
    action: 'Set',
    callMethod: 'TestPing',
    requiresLogin: true,
    errorEcho: ['Phone'],
    parse: (f) => {
      if (!/^\d+$/.test(f.get('Phone') ?? '')) throw new ProtocolError('Phone must be digits');
      return {};
    },
    async handle(_req, { services }) {
      await services.ami.action('Ping');
      return [['Pong', 'yes']];
    },
  });
  const boom = defineHandler({
    action: 'Set',
    callMethod: 'TestBoom',
    requiresLogin: true,
    errorEcho: [],
    parse: () => ({}),
    handle: async () => {
      throw new TypeError('cannot read properties of undefined');
    },
  });
  const hang = defineHandler({
    action: 'Set',
    callMethod: 'TestHang',
    requiresLogin: true,
    errorEcho: [],
    parse: () => ({}),
    handle: () => new Promise(() => undefined),
  });
  before(async () => {
    h = await startHarness({}, [pingPbx, boom, hang], 300);
  });
  after(() => h.close());

  const ping: Array<[string, string]> = [
    ['Action', 'Set'],
    ['CallMethod', 'TestPing'],
    ['Phone', '8001'],
  ];

  it('with the PBX down a command fails at once saying the PBX is unreachable; login and heartbeat still work', async () => {
    h.ami.state = 'reconnecting';
    try {
      const c = await h.client();
      assert.equal((await c.call(loginFields('admin', 's3cret-admin'))).get('Response'), 'Success');
      const t0 = Date.now();
      const r = await c.call(ping);
      assert.ok(Date.now() - t0 < 200);
      assert.equal(r.get('Response'), 'Error');
      assert.equal(r.get('Phone'), '8001');
      assert.equal(r.get('Message'), 'PBX unreachable: AMI link is reconnecting');
      assert.equal((await c.call(HEARTBEAT)).get('Response'), 'Success');
    } finally {
      h.ami.state = 'ready';
    }
    const c = await h.loggedIn();
    assert.equal((await c.call(ping)).get('Pong'), 'yes');
  });

  it('a validation error reaches the client and nothing is sent to the PBX', async () => {
    const c = await h.loggedIn();
    const before = h.ami.sent.length;
    const r = await c.call([
      ['Action', 'Set'],
      ['CallMethod', 'TestPing'],
      ['Phone', '80;01'],
    ]);
    assert.equal(r.get('Message'), 'Phone must be digits');
    assert.equal(h.ami.sent.length, before);
  });

  it('a handler bug becomes "Internal error" and the session goes on', async () => {
    const c = await h.loggedIn();
    const r = await c.call([
      ['Action', 'Set'],
      ['CallMethod', 'TestBoom'],
    ]);
    assert.equal(r.get('Message'), 'Internal error: the request was not applied');
    assert.equal((await c.call(HEARTBEAT)).get('Response'), 'Success');
  });

  it('a handler that never answers is cut off by the deadline, never a hang', async () => {
    const c = await h.loggedIn();
    const r = await c.call([
      ['Action', 'Set'],
      ['CallMethod', 'TestHang'],
    ]);
    assert.match(r.get('Message')!, /timed out/);
  });
});
