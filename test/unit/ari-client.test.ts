// AriClient against a fake ARI server: a hand-made events WebSocket endpoint that the test drives, and
// the answers Asterisk's HTTP server gives instead of an upgrade (401, 404 while it starts, …).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import net, { type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, test } from 'node:test';
import { pino } from 'pino';
import type { Config } from '../../src/config/index.js';
import { PbxUnavailableError } from '../../src/errors.js';
import { AriClient } from '../../src/pbx/ari/client.js';
import { AriHttpError } from '../../src/pbx/ari/http.js';
import type { AriEvent, StasisStartEvent } from '../../src/pbx/ari/events.js';
import type { LinkState } from '../../src/pbx/types.js';
import { waitFor } from '../support/wait.js';
import { within } from '../support/wait.js';

const DEADLINE = 5_000;

type Mode = 'ok' | '401' | '404' | 'html' | 'reset' | 'refuse-ws' | 'hold';

/** Accepts the events WebSocket, or answers its upgrade as `mode` says. */
class FakeAri extends EventEmitter<{ socket: [Duplex]; request: [string]; held: [complete: () => void] }> {
  mode: Mode = 'ok';
  /** The URL of the last upgrade request. */
  lastUpgrade = '';
  readonly sockets = new Set<Duplex>();
  /** WebSocket upgrade requests received, accepted or not. */
  upgrades = 0;
  readonly #server = http.createServer((req, res) => this.#http(req, res));
  port = 0;

  constructor() {
    super();
    this.#server.on('upgrade', (req, socket) => this.#upgrade(req, socket));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    this.dropSockets();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Sends one WebSocket text frame to every events socket. */
  send(text: string): void {
    const payload = Buffer.from(text);
    const header =
      payload.length < 126
        ? Buffer.from([0x81, payload.length])
        : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
    for (const socket of this.sockets) socket.write(Buffer.concat([header, payload]));
  }

  dropSockets(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  #http(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.emit('request', req.url ?? '');
    res.writeHead(404);
    res.end();
  }

  #upgrade(req: http.IncomingMessage, socket: Duplex): void {
    this.upgrades += 1;
    this.lastUpgrade = req.url ?? '';
    socket.on('error', () => {});
    const answer = (status: string, type: string, body: string): void =>
      void socket.end(
        `HTTP/1.1 ${status}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    switch (this.mode) {
      case '401':
        return answer('401 Unauthorized', 'application/json', '{"message":"Authentication required"}');
      case '404':
        return answer('404 Not Found', 'text/html', '<html>not found</html>');
      case 'html':
        return answer('200 OK', 'text/html', '<html>starting</html>');
      case 'reset':
        return void socket.destroy();
      case 'refuse-ws':
        return answer('503 Service Unavailable', 'text/plain', '');
      case 'hold': // the test completes the handshake when it wants
        return void this.emit('held', () => this.#accept(req, socket));
      case 'ok':
        break;
    }
    this.#accept(req, socket);
  }

  #accept(req: http.IncomingMessage, socket: Duplex): void {
    if (socket.destroyed) return;
    const accept = createHash('sha1')
      .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('end', () => socket.end()); // the client's FIN: close our side too, as Asterisk does
    // A close frame from the client (opcode 8): answer it and end, as a server does.
    socket.on('data', (data: Buffer) => {
      if (((data[0] ?? 0) & 0x0f) === 8) socket.end(Buffer.from([0x88, 0]));
    });
    this.emit('socket', socket);
  }
}

function ariConfig(port: number, overrides: Partial<Config['ari']> = {}): Config['ari'] {
  return {
    url: `http://127.0.0.1:${port}`,
    username: 'pms',
    password: 'secret',
    app: 'pms-test',
    connectTimeoutMs: 2_000,
    requestTimeoutMs: 2_000,
    maxSockets: 4,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    keepalive: { intervalMs: 0, timeoutMs: 500 },
    ...overrides,
  };
}

/** A pino logger whose lines are kept (parsed) and announced as 'line' events on `logged`. */
function captureLogger(): { log: pino.Logger; lines: Record<string, unknown>[]; logged: EventEmitter } {
  const lines: Record<string, unknown>[] = [];
  const logged = new EventEmitter();
  const write = (text: string): void => {
    const line = JSON.parse(text) as Record<string, unknown>;
    lines.push(line);
    logged.emit('line', line);
  };
  return { log: pino({ level: 'debug' }, { write }), lines, logged };
}

/** Resolves once a logged line satisfies `predicate` (already logged or logged later). */
function loggedLine(
  capture: { lines: Record<string, unknown>[]; logged: EventEmitter },
  predicate: (line: Record<string, unknown>) => boolean,
  count = 1,
): Promise<unknown> {
  if (capture.lines.filter(predicate).length >= count) return Promise.resolve();
  return waitFor<[Record<string, unknown>]>(
    capture.logged,
    'line',
    DEADLINE,
    () => capture.lines.filter(predicate).length >= count,
  );
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(mode: Mode = 'ok', overrides: Partial<Config['ari']> = {}) {
  const fake = new FakeAri();
  fake.mode = mode;
  await fake.listen();
  const capture = captureLogger();
  const client = new AriClient(ariConfig(fake.port, overrides), capture.log);
  const states: LinkState[] = [];
  client.on('state', (state) => states.push(state));
  cleanups.push(async () => {
    await client.stop();
    await fake.close();
  });
  return { fake, client, states, lines: capture.lines, capture };
}

async function started(client: AriClient): Promise<void> {
  const ready = waitFor(client, 'ready', DEADLINE);
  client.start();
  await ready;
}

test('connects (the events WebSocket for our app) and goes connecting → ready', async () => {
  const { fake, client, states } = await setup();
  const upgraded = waitFor(fake, 'socket', DEADLINE);
  assert.throws(
    () => client.client(),
    (err: unknown) => err instanceof PbxUnavailableError && err.reason === 'down',
  );
  await started(client);
  await upgraded;
  assert.deepEqual(states, ['ready']);
  // The events of our Stasis application, authenticated as ari-client did it (api_key=user:password).
  assert.equal(fake.lastUpgrade, '/ari/events?app=pms-test&api_key=pms:secret');
  assert.equal(typeof client.client().channels.originate, 'function');
});

test('events reach typed handlers; a throwing or rejecting handler is logged and others still run', async () => {
  const { fake, client, capture } = await setup();
  await started(client);
  const seen: string[] = [];
  client.onEvent('StasisStart', () => {
    throw new Error('handler bug');
  });
  client.onEvent('StasisStart', async () => {
    throw new Error('async handler bug');
  });
  const got = new Promise<StasisStartEvent>((resolve) => client.onEvent('StasisStart', (e) => resolve(e)));
  client.onEvent('*', (e) => void seen.push(e.type));
  fake.send(
    JSON.stringify({
      type: 'StasisStart',
      application: 'pms-test',
      args: ['wake'],
      channel: { id: 'c1', name: 'PJSIP/8001-1', state: 'Up' },
    }),
  );
  const event = await got;
  assert.equal(event.channel.id, 'c1');
  assert.deepEqual(event.args, ['wake']);
  assert.deepEqual(seen, ['StasisStart']);
  await loggedLine(capture, (l) => l.msg === 'ARI event handler failed', 2);
  assert.equal(client.state, 'ready');
});

test('regression: bad JSON, a message without type and an unknown event type on the socket do not crash', async () => {
  const { fake, client, lines } = await setup();
  await started(client);
  const all: AriEvent[] = [];
  const two = new Promise<void>((resolve) =>
    client.onEvent('*', (e) => {
      if (all.push(e) === 2) resolve();
    }),
  );
  fake.send('{not json');
  fake.send('[1,2,3]');
  // ari-client had no model for this type and threw inside its socket handler: it is an event like any.
  fake.send(JSON.stringify({ type: 'SomethingNew', application: 'pms-test' }));
  fake.send(JSON.stringify({ type: 'StasisStart', args: [], channel: { id: 'c2', name: 'x', state: 'Up' } }));
  await two;
  assert.deepEqual(
    all.map((e) => e.type),
    ['SomethingNew', 'StasisStart'],
  );
  assert.ok(lines.some((l) => l.msg === 'ARI message is not JSON; ignored'));
  assert.ok(lines.some((l) => l.msg === 'ARI message is not an event (no type); ignored'));
  assert.equal(client.state, 'ready');
});

test('a dropped WebSocket gives ready → reconnecting → ready with a new socket, and the old one stays closed', async () => {
  const { fake, client, states } = await setup();
  await started(client);
  const readyAgain = waitFor(client, 'ready', DEADLINE);
  fake.dropSockets();
  await readyAgain;
  assert.deepEqual(states, ['ready', 'reconnecting', 'ready']);
  // ari-client's dropped client had a retry of its own scheduled (100 ms) and could open a second
  // socket for our app later. Give it well past that time, then check that nothing else connected.
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal(fake.upgrades, 2, "the initial socket and the link's new one, nothing else");
  assert.equal(fake.sockets.size, 1);
  assert.equal(client.state, 'ready');
});

for (const [mode, reason] of [
  ['401', /ARI username or password refused/],
  ['404', /ARI not yet/],
  ['html', /WebSocket failed: HTTP 200/],
  ['reset', /socket hang up|ECONNRESET/],
  ['refuse-ws', /WebSocket failed: HTTP 503 .*ARI not yet/],
] as const) {
  test(`regression: ${mode} while connecting (ari-client crashed or hung) → reconnecting, then ready once fixed`, async () => {
    const { fake, client, capture } = await setup(mode);
    client.start();
    await loggedLine(capture, (l) => l.state === 'reconnecting' && reason.test(String(l.reason)));
    fake.mode = 'ok';
    await waitFor(client, 'ready', DEADLINE);
    assert.equal(fake.sockets.size, 1);
  });
}

test('an ARI server that never answers fails the attempt after connectTimeoutMs, and drops its socket', async () => {
  // It accepts the connection and reads the upgrade request, but says nothing.
  const held: Socket[] = [];
  const hung = net.createServer((socket) => {
    held.push(socket);
    socket.on('error', () => {});
    socket.resume();
  });
  await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
  const port = (hung.address() as { port: number }).port;
  const { log, lines } = captureLogger();
  const client = new AriClient(ariConfig(port, { connectTimeoutMs: 300 }), log);
  cleanups.push(async () => {
    await client.stop();
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => hung.close(() => resolve()));
  });
  const retried = waitFor(client, 'state', DEADLINE, (s) => s === 'reconnecting');
  client.start();
  await retried;
  assert.match(
    String(lines.find((l) => l.state === 'reconnecting')?.reason),
    /not ready within 300 ms: opening the events WebSocket/,
  );
  // The abandoned handshake's socket is closed: a late 101 on it could never register our app.
  await within(
    new Promise<void>((resolve) => (held[0]!.closed ? resolve() : held[0]!.once('close', () => resolve()))),
    DEADLINE,
    'the abandoned handshake to be closed',
  );
});

test('stop() while the handshake is under way: the socket never opens, even if the server answers later', async () => {
  const { fake, client, states } = await setup('hold');
  const held = waitFor(fake, 'held', DEADLINE);
  client.start();
  const [complete] = (await held) as [() => void];
  await client.stop();
  complete(); // the 101 arrives after the client gave the attempt up
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(fake.sockets.size, 0);
  assert.deepEqual(states, ['end']);
});

test('stop() closes the WebSocket, ends the link, and client() then refuses', async () => {
  const { fake, client, states } = await setup();
  await started(client);
  const socket = [...fake.sockets][0]!;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await client.stop();
  await within(closed, 5_000, 'the fake ARI WebSocket to close');
  assert.deepEqual(states, ['ready', 'end']);
  assert.throws(() => client.client(), { name: 'PbxUnavailableError', message: 'ARI link is end' });
  assert.throws(() => client.start());
});

test('regression: a REST call to an unreachable Asterisk rejects with a typed error (ari-client alone never settled it)', async () => {
  const { fake, client } = await setup();
  await started(client);
  const rest = client.client();
  await fake.close(); // connection refused from now on
  await assert.rejects(
    Promise.race([
      rest.asterisk.getInfo(),
      new Promise((resolve) => setTimeout(resolve, DEADLINE, 'still pending')),
    ]).then((outcome) => {
      if (outcome === 'still pending') assert.fail('the REST call never settled');
    }),
    (err: unknown) => err instanceof AriHttpError && ['refused', 'reset'].includes(err.code),
  );
});
