import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { pino } from 'pino';
import type { Config } from '../../src/config/index.js';
import { AmiActionError, PbxUnavailableError, UnsafeValueError } from '../../src/errors.js';
import { AmiClient } from '../../src/pbx/ami/client.js';
import type { AmiEvent, LinkState } from '../../src/pbx/types.js';
import { within } from '../support/wait.js';
import { FakeAmi, waitFor, type AmiBlock, type AmiRequest, type FakeConnection } from './support/fake-ami.js';

const DEADLINE = 3_000;

function amiConfig(port: number, overrides: Partial<Config['ami']> = {}): Config['ami'] {
  return {
    host: '127.0.0.1',
    port,
    username: 'pms',
    password: 'secret',
    actionTimeoutMs: 2_000,
    connectTimeoutMs: 1_000,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    keepalive: { intervalMs: 0, timeoutMs: 500 },
    ...overrides,
  };
}

/** A pino logger whose lines end up in `lines` (parsed), to check what was logged. */
function captureLogger(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(
  options: ConstructorParameters<typeof FakeAmi>[0] = {},
  overrides: Partial<Config['ami']> = {},
): Promise<{ fake: FakeAmi; client: AmiClient; states: LinkState[]; lines: Record<string, unknown>[] }> {
  const fake = new FakeAmi(options);
  await fake.listen();
  const { log, lines } = captureLogger();
  const client = new AmiClient(amiConfig(fake.port, overrides), log);
  const states: LinkState[] = [];
  client.on('state', (state) => states.push(state));
  cleanups.push(async () => {
    await client.stop();
    await fake.close();
  });
  return { fake, client, states, lines };
}

async function started(client: AmiClient): Promise<void> {
  const ready = waitFor(client, 'ready', DEADLINE);
  client.start();
  await ready;
}

test('connects, logs in, waits for FullyBooted and goes connecting → ready', async () => {
  const { client, states } = await setup();
  assert.equal(client.state, 'connecting');
  await started(client);
  assert.equal(client.state, 'ready');
  assert.deepEqual(states, ['ready']);
});

test('concurrent actions answered out of order each get their own answer', async () => {
  const { fake, client } = await setup();
  const held: { request: AmiRequest; conn: FakeConnection }[] = [];
  fake.script('Ping', (request, conn) => {
    held.push({ request, conn });
    return 'silent';
  });
  await started(client);
  const arrived = waitFor(fake, 'action', DEADLINE, () => fake.requests.length === 3);
  const answers = ['a', 'b', 'c'].map((tag) => client.action('Ping', { Tag: tag }));
  await arrived;
  // Answer c, a, b: each answer echoes the tag of its own request.
  for (const index of [2, 0, 1]) {
    const { request, conn } = held[index]!;
    conn.send({ Response: 'Success', ActionID: request.actionid!, Message: `pong ${request.tag}` });
  }
  const results = await Promise.all(answers);
  assert.deepEqual(
    results.map((r) => r.message),
    ['pong a', 'pong b', 'pong c'],
  );
  assert.equal(new Set(held.map((h) => h.request.actionid)).size, 3, 'ActionIDs are unique');
});

test('a list action is collected into one result, up to the Complete event', async () => {
  const { fake, client } = await setup();
  fake.script('DBGet', (request): AmiBlock[] => [
    { Response: 'Success', EventList: 'start', Message: 'Result will follow' },
    { Event: 'DBGetResponse', Family: request.family!, Key: request.key!, Val: 'hello' },
    { Event: 'DBGetComplete', EventList: 'Complete', ListItems: '1' },
  ]);
  await started(client);
  const unsolicited: AmiEvent[] = [];
  client.on('event', (e) => unsolicited.push(e));
  const result = await client.action('DBGet', { Family: 'pms', Key: 'room101' });
  assert.equal(result.response, 'Success');
  assert.equal(result.message, 'Result will follow');
  assert.equal(result.events.length, 1);
  assert.equal(result.events[0]!.event, 'DBGetResponse');
  assert.equal(result.events[0]!.fields.val, 'hello');
  assert.deepEqual(unsolicited, [], 'list events are not also emitted as unsolicited events');
});

test('Response: Error rejects with AmiActionError carrying the message', async () => {
  const { fake, client } = await setup();
  fake.script('DBDel', () => [{ Response: 'Error', Message: 'Database entry not found' }]);
  await started(client);
  await assert.rejects(client.action('DBDel', { Family: 'pms', Key: 'x' }), (err: unknown) => {
    assert.ok(err instanceof AmiActionError);
    assert.equal(err.action, 'DBDel');
    assert.equal(err.amiMessage, 'Database entry not found');
    return true;
  });
});

test('an unanswered action times out with PbxUnavailableError(timeout) and drops the link; it reconnects, a late answer is ignored', async () => {
  const { fake, client, states } = await setup();
  let late: (() => void) | undefined;
  fake.script('Ping', (request, conn) => {
    late = () => conn.send({ Response: 'Success', ActionID: request.actionid! });
    return 'silent';
  });
  await started(client);
  const events: AmiEvent[] = [];
  client.on('event', (e) => events.push(e));
  const readyAgain = waitFor(client, 'ready', DEADLINE);
  const t0 = performance.now();
  await assert.rejects(client.action('Ping', {}, { timeoutMs: 150 }), (err: unknown) => {
    assert.ok(err instanceof PbxUnavailableError);
    assert.equal(err.link, 'ami');
    assert.equal(err.reason, 'timeout');
    assert.equal(err.message, 'AMI Ping not answered in 150 ms');
    return true;
  });
  assert.ok(performance.now() - t0 >= 140);
  // Asterisk stopped answering: the link says so at once, it does not stay "ready".
  assert.equal(client.state, 'reconnecting');
  await assert.rejects(client.action('Ping'), { reason: 'down', message: 'AMI link is reconnecting' });
  late!();
  await readyAgain;
  assert.deepEqual(states, ['ready', 'reconnecting', 'ready']);
  fake.script('Ping', () => [{ Response: 'Success', Ping: 'Pong' }]);
  assert.equal((await client.action('Ping')).response, 'Success');
  assert.deepEqual(
    events.filter((e) => e.event !== 'FullyBooted'),
    [],
    'the late answer on the old connection went nowhere',
  );
});

test('the keepalive Ping finds a server that stopped answering, with no traffic: ready → reconnecting', async () => {
  const { fake, client, lines } = await setup({}, { keepalive: { intervalMs: 100, timeoutMs: 100 } });
  fake.script('Ping', () => [{ Response: 'Success', Ping: 'Pong' }]);
  await started(client);
  // Healthy: several probes answered, the link stays up.
  await waitFor(fake, 'action', DEADLINE, () => fake.requests.filter((r) => r.action === 'Ping').length >= 3);
  assert.equal(client.state, 'ready');
  // Frozen server: the socket stays open, nothing is answered.
  fake.script('Ping', () => 'silent');
  const t0 = performance.now();
  await waitFor(client, 'state', DEADLINE, (s) => s === 'reconnecting');
  const ms = performance.now() - t0;
  assert.ok(ms < 400, `took ${ms.toFixed(0)} ms (interval 100 + timeout 100)`);
  assert.match(String(lines.find((l) => l.state === 'reconnecting')?.reason), /keepalive failed/);
});

test('regression: a dropped connection is reset, so actions still queued never reach Asterisk later', async () => {
  const { fake, client } = await setup();
  fake.script('Ping', () => 'silent');
  await started(client);
  const socket = fake.connections[0]!.socket;
  const gone = new Promise<string>((resolve) => {
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    socket.on('end', () => resolve('end'));
  });
  await assert.rejects(client.action('Ping', {}, { timeoutMs: 100 }), { reason: 'timeout' });
  // A graceful end() would deliver queued bytes, then FIN ('end'); a reset discards them.
  assert.equal(await within(gone, DEADLINE, 'the old socket closed'), 'ECONNRESET');
});

test('actions in flight are rejected with PbxUnavailableError(lost) when the server drops', async () => {
  const { fake, client, states } = await setup();
  fake.script('Ping', () => 'silent');
  await started(client);
  const arrived = waitFor(fake, 'action', DEADLINE, () => fake.requests.length === 2);
  const inFlight = [client.action('Ping'), client.action('Ping')];
  await arrived;
  const reconnecting = waitFor(client, 'state', DEADLINE, (s) => s === 'reconnecting');
  fake.dropAll();
  for (const answer of inFlight) {
    await assert.rejects(answer, (err: unknown) => {
      assert.ok(err instanceof PbxUnavailableError);
      assert.equal(err.reason, 'lost');
      return true;
    });
  }
  await reconnecting;
  assert.deepEqual(states.slice(0, 2), ['ready', 'reconnecting']);
});

test('reconnects after a drop: ready → reconnecting → ready, and ready is emitted again', async () => {
  const { fake, client, states, lines } = await setup();
  fake.script('Ping', () => [{ Response: 'Success', Ping: 'Pong' }]);
  await started(client);
  let readies = 0;
  client.on('ready', () => readies++);
  const readyAgain = waitFor(client, 'ready', DEADLINE);
  fake.dropAll();
  await readyAgain;
  assert.deepEqual(states, ['ready', 'reconnecting', 'ready']);
  assert.equal(readies, 1);
  assert.equal((await client.action('Ping')).response, 'Success');
  const change = lines.find((l) => l.state === 'reconnecting');
  assert.ok(change, 'the state change is logged');
  assert.equal(typeof change.nextDelayMs, 'number');
  assert.equal(typeof change.attempt, 'number');
});

test('an action while the link is down is refused at once (well under 50 ms)', async () => {
  const fake = new FakeAmi();
  await fake.listen();
  const port = fake.port;
  await fake.close(); // nothing listens there now: every connect is refused
  const client = new AmiClient(amiConfig(port), pino({ level: 'silent' }));
  cleanups.push(() => client.stop());
  const reconnecting = waitFor(client, 'state', DEADLINE, (s) => s === 'reconnecting');
  client.start();
  await reconnecting;
  const t0 = performance.now();
  await assert.rejects(client.action('Ping'), (err: unknown) => {
    assert.ok(err instanceof PbxUnavailableError);
    assert.equal(err.reason, 'down');
    assert.equal(err.message, 'AMI link is reconnecting');
    return true;
  });
  const elapsed = performance.now() - t0;
  assert.ok(elapsed < 50, `took ${elapsed.toFixed(1)} ms`);
  console.log(`fail-fast while down: ${elapsed.toFixed(2)} ms`);
});

test('an action before start() is refused with the link state in the message', async () => {
  const client = new AmiClient(amiConfig(1), pino({ level: 'silent' }));
  await assert.rejects(client.action('Ping'), {
    name: 'PbxUnavailableError',
    message: 'AMI link is connecting',
  });
});

test('a wrong secret is retried with growing delays, never a crash, and logs in once fixed', async () => {
  const { fake, client, states, lines } = await setup({ secret: 'other' });
  const failures: number[] = [];
  fake.on('login', (ok) => {
    if (!ok) failures.push(performance.now());
  });
  const threeFailures = waitFor(fake, 'login', DEADLINE, () => failures.length === 4);
  client.start();
  await threeFailures;
  assert.equal(client.state, 'reconnecting');
  assert.deepEqual(states, ['reconnecting']);
  const retries = lines.filter((l) => l.state === 'reconnecting');
  assert.ok(retries.length >= 3);
  assert.ok(
    retries.every((l) => String(l.reason).includes('Authentication failed')),
    JSON.stringify(retries[0]),
  );
  // Ceilings 20, 40, 80 ms with jitter in [half, full]: the third delay is longer than the first.
  const delays = retries.map((l) => Number(l.nextDelayMs));
  assert.ok(delays[0]! <= 20 && delays[2]! >= 40, delays.join(', '));
  fake.secret = 'secret';
  await waitFor(client, 'ready', DEADLINE);
  assert.deepEqual(states, ['reconnecting', 'ready']);
});

test('a login refused and closed by the server is handled the same way', async () => {
  const { fake, client } = await setup({ secret: 'other', closeOnAuthFailure: true });
  let refusals = 0;
  const twice = waitFor(fake, 'login', DEADLINE, () => ++refusals === 2);
  client.start();
  await twice;
  assert.equal(client.state, 'reconnecting');
});

test('a value with CR/LF is refused with UnsafeValueError and nothing is written', async () => {
  const { fake, client } = await setup();
  fake.script('Ping', () => [{ Response: 'Success' }]);
  await started(client);
  for (const bad of ['x\r\nAction: Originate', 'x\ny', 'x\ry', 'x\0y']) {
    await assert.rejects(client.action('Ping', { Data: bad }), UnsafeValueError);
  }
  await assert.rejects(client.action('Ping', { 'Bad Name': 'x' }), UnsafeValueError);
  await assert.rejects(client.action('Ping\r\nAction: Originate'), UnsafeValueError);
  await assert.rejects(client.action('Ping', { ActionID: 'mine' }), UnsafeValueError);
  await assert.rejects(client.action('Ping', { Data: 'x'.repeat(2_000) }), UnsafeValueError);
  assert.equal(fake.bytesAfterLogin, 0, 'nothing reached the socket');
  // Still usable, and the first bytes written are the valid action.
  assert.equal((await client.action('Ping', { Data: 'ok', N: 3, B: true })).response, 'Success');
  assert.equal(fake.requests.length, 1);
  assert.equal(fake.requests[0]!.data, 'ok');
  assert.equal(fake.requests[0]!.n, '3');
  assert.equal(fake.requests[0]!.b, 'true');
});

test('unsolicited events are emitted as {event, fields}', async () => {
  const { fake, client } = await setup();
  await started(client);
  const got = waitFor<[AmiEvent]>(client, 'event', DEADLINE, (e) => e.event === 'MessageWaiting');
  fake.broadcast({ Event: 'MessageWaiting', Mailbox: '101@default', Waiting: '1' });
  const [event] = await got;
  assert.equal(event.fields.mailbox, '101@default');
  assert.equal(event.fields.waiting, '1');
});

test('waits for FullyBooted when Asterisk is still booting', async () => {
  const { fake, client, states } = await setup({ booted: false });
  const loggedIn = waitFor(fake, 'login', DEADLINE);
  client.start();
  await loggedIn;
  // Logged in but not booted: not ready, actions refused.
  await assert.rejects(client.action('Ping'), (err: unknown) => err instanceof PbxUnavailableError);
  assert.equal(client.state, 'connecting');
  const ready = waitFor(client, 'ready', DEADLINE);
  fake.boot();
  await ready;
  assert.deepEqual(states, ['ready']);
});

test('a server that never answers Login fails the attempt after connectTimeoutMs', async () => {
  const { client, lines } = await setup({ answerLogin: false }, { connectTimeoutMs: 200 });
  const reconnecting = waitFor(client, 'state', DEADLINE, (s) => s === 'reconnecting');
  const t0 = performance.now();
  client.start();
  await reconnecting;
  assert.ok(performance.now() - t0 >= 190);
  assert.match(
    String(lines.find((l) => l.state === 'reconnecting')?.reason),
    /not ready within 200 ms: no login answer/,
  );
});

test('stop() rejects actions in flight, ends the link, closes the socket, never reconnects', async () => {
  const { fake, client, states } = await setup();
  fake.script('Ping', () => 'silent');
  await started(client);
  const arrived = waitFor(fake, 'action', DEADLINE);
  const inFlight = assert.rejects(
    client.action('Ping'),
    (err: unknown) => err instanceof PbxUnavailableError && err.reason === 'lost',
  );
  await arrived;
  const closed = waitFor(fake.connections[0]!.socket, 'close', DEADLINE);
  await client.stop();
  await inFlight;
  await closed;
  assert.equal(client.state, 'end');
  assert.deepEqual(states, ['ready', 'end']);
  await assert.rejects(client.action('Ping'), /AMI link is end/);
  assert.equal(fake.connections.length, 0);
  assert.throws(() => client.start());
});

test('a throwing event listener is logged and does not break the link', async () => {
  const { fake, client, lines } = await setup();
  fake.script('Ping', () => [{ Response: 'Success' }]);
  await started(client);
  client.on('event', () => {
    throw new Error('listener bug');
  });
  fake.broadcast({ Event: 'MessageWaiting', Mailbox: '101@default' });
  assert.equal((await client.action('Ping')).response, 'Success');
  assert.ok(lines.some((l) => l.msg === 'AMI link listener threw'));
});

test('regression: a repeated header (an old AMI library threw on a repeated UserEvent) comes as an array', async () => {
  const { fake, client } = await setup();
  fake.script('Ping', () => [{ Response: 'Success' }]);
  await started(client);
  const seen = new Promise<AmiEvent>((resolve) => client.on('event', resolve));
  fake.connections[0]!.socket.write('Event: UserEvent\r\nUserEvent: a\r\nUserEvent: b\r\n\r\n');
  const event = await within(seen, 2_000, 'the UserEvent');
  assert.deepEqual(event.fields.userevent, ['a', 'b']);
  assert.equal((await client.action('Ping')).response, 'Success');
});

test('a Response: Follows block (old Command output) resolves its action', async () => {
  const { fake, client } = await setup();
  fake.script('Command', (request, conn) => {
    conn.socket.write(
      `Response: Follows\r\nActionID: ${request.actionid}\r\nline 1\r\n--END COMMAND--\r\n\r\n`,
    );
    return 'silent';
  });
  await started(client);
  const result = await client.action('Command', { Command: 'core show uptime' });
  assert.equal(result.response, 'follows');
  assert.match(String(result.fields.content), /line 1/);
});
