// AriClient against the real ari-client library and a fake ARI server: the swagger documents ari-client
// downloads (trimmed to the events resource) and a hand-made WebSocket endpoint that the test drives.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
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

type Mode = 'ok' | '401' | '404' | 'html' | 'reset' | 'refuse-ws';

/** Serves ARI's API description and accepts the events WebSocket. */
class FakeAri extends EventEmitter<{ socket: [Duplex]; request: [string] }> {
  mode: Mode = 'ok';
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
    const url = req.url ?? '';
    this.emit('request', url);
    const json = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (this.mode === '401') {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"message":"Authentication required"}');
    } else if (this.mode === '404') {
      res.writeHead(404);
      res.end();
    } else if (this.mode === 'html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>starting</html>');
    } else if (url.startsWith('/ari/api-docs/resources.json')) {
      json({
        swaggerVersion: '1.1',
        basePath: `http://127.0.0.1:${this.port}/ari`,
        apis: [{ path: '/api-docs/events.{format}' }],
      });
    } else if (this.mode === 'reset') {
      req.socket.destroy();
    } else if (url.startsWith('/ari/api-docs/events.json')) {
      json(eventsApi(this.port));
    } else {
      res.writeHead(404);
      res.end();
    }
  }

  #upgrade(req: http.IncomingMessage, socket: Duplex): void {
    this.upgrades += 1;
    socket.on('error', () => {});
    if (this.mode === 'refuse-ws') {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const accept = createHash('sha1')
      .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    // A close frame from the client (opcode 8): answer it and end, as a server does.
    socket.on('data', (data: Buffer) => {
      if (((data[0] ?? 0) & 0x0f) === 8) socket.end(Buffer.from([0x88, 0]));
    });
    this.emit('socket', socket);
  }
}

function eventsApi(port: number): unknown {
  return {
    swaggerVersion: '1.1',
    basePath: `http://127.0.0.1:${port}/ari`,
    resourcePath: '/api-docs/events.{format}',
    apis: [
      {
        path: '/events',
        operations: [
          { httpMethod: 'GET', nickname: 'eventWebsocket', responseClass: 'Message', parameters: [] },
        ],
      },
    ],
    models: {
      Message: { id: 'Message', properties: { type: { type: 'string', required: true } } },
      StasisStart: {
        id: 'StasisStart',
        properties: {
          args: { type: 'List[string]', required: true },
          channel: { type: 'Channel', required: true },
        },
      },
    },
  };
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

test('connects (API description + WebSocket for our app) and goes connecting → ready', async () => {
  const { fake, client, states } = await setup();
  const upgraded = waitFor(fake, 'socket', DEADLINE);
  assert.throws(
    () => client.client(),
    (err: unknown) => err instanceof PbxUnavailableError && err.reason === 'down',
  );
  await started(client);
  await upgraded;
  assert.deepEqual(states, ['ready']);
  // REST goes through our own pool (AriHttp), not through ari-client's resources.
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
  // ari-client has no model for this type and throws inside its socket handler (unguarded upstream).
  fake.send(JSON.stringify({ type: 'SomethingNew', application: 'pms-test' }));
  fake.send(JSON.stringify({ type: 'StasisStart', args: [], channel: { id: 'c2', name: 'x', state: 'Up' } }));
  await two;
  assert.deepEqual(
    all.map((e) => e.type),
    ['SomethingNew', 'StasisStart'],
  );
  assert.ok(lines.some((l) => l.msg === 'ARI message is not JSON; ignored'));
  assert.ok(lines.some((l) => l.msg === 'ARI message is not an event (no type); ignored'));
  assert.ok(lines.some((l) => String(l.msg).startsWith('ari-client could not process an ARI event')));
  assert.equal(client.state, 'ready');
});

test('a dropped WebSocket gives ready → reconnecting → ready with a new client, and ready again', async () => {
  const { fake, client, states } = await setup();
  await started(client);
  const readyAgain = waitFor(client, 'ready', DEADLINE);
  fake.dropSockets();
  await readyAgain;
  assert.deepEqual(states, ['ready', 'reconnecting', 'ready']);
  // The dropped client had already scheduled its own retry (100 ms). Nothing announces that it was
  // suppressed, so give it well past that time, then check that it never reached the server.
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal(fake.upgrades, 2, 'the initial socket and ours; the retired client opened none');
  assert.equal(fake.sockets.size, 1);
  assert.equal(client.state, 'ready');
});

for (const [mode, reason] of [
  ['401', /ARI username or password refused/],
  ['404', /ARI not yet/],
  ['html', /connect failed/],
  ['reset', /socket hang up|ECONNRESET|request failed/],
  ['refuse-ws', /WebSocket/],
] as const) {
  test(`regression: ${mode} while connecting (ari-client would crash or hang) → reconnecting, then ready once fixed`, async () => {
    const { fake, client, capture } = await setup(mode);
    client.start();
    await loggedLine(capture, (l) => l.state === 'reconnecting' && reason.test(String(l.reason)));
    fake.mode = 'ok';
    await waitFor(client, 'ready', DEADLINE);
    assert.equal(fake.sockets.size, 1);
  });
}

test('an ARI server that never answers fails the attempt after connectTimeoutMs', async () => {
  const fake = new FakeAri();
  await fake.listen();
  const hung = http.createServer(() => {});
  await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
  const port = (hung.address() as { port: number }).port;
  const { log, lines } = captureLogger();
  const client = new AriClient(ariConfig(port, { connectTimeoutMs: 300 }), log);
  cleanups.push(async () => {
    await client.stop();
    hung.closeAllConnections();
    await new Promise<void>((resolve) => hung.close(() => resolve()));
    await fake.close();
  });
  const retried = waitFor(client, 'state', DEADLINE, (s) => s === 'reconnecting');
  client.start();
  await retried;
  assert.match(String(lines.find((l) => l.state === 'reconnecting')?.reason), /not ready within 300 ms/);
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

test('library noise (the swagger deprecation line) goes to the debug log, not to console.log', async (t) => {
  const { client, lines } = await setup();
  const consoleLog = t.mock.method(console, 'log');
  await started(client);
  assert.equal(consoleLog.mock.callCount(), 0);
  assert.ok(
    lines.some(
      (l) => l.level === 20 && String(JSON.stringify(l.args)).includes('deprecated version of Swagger'),
    ),
  );
});
