// The events WebSocket client (src/pbx/ari/websocket.ts) against a raw server that writes frames byte
// by byte as the test says: fragments, long lengths, pings, close frames, protocol errors.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, test } from 'node:test';
import { WebSocketClient, type WebSocketClose, type WebSocketOptions } from '../../src/pbx/ari/websocket.js';
import { within } from '../support/wait.js';

const DEADLINE = 5_000;
const T = { timeout: 10_000 };

interface ClientFrame {
  opcode: number;
  payload: Buffer;
}

/** The server's end of one connection: raw writes out, the client's (unmasked) frames in. */
class Peer extends EventEmitter<{ frame: [ClientFrame] }> {
  readonly frames: ClientFrame[] = [];
  #pending = Buffer.alloc(0);

  constructor(readonly socket: Duplex) {
    super();
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
  }

  /** The next client frame (or one already received and not yet taken). */
  async next(): Promise<ClientFrame> {
    const taken = this.frames.shift();
    if (taken) return taken;
    await within(once(this, 'frame'), DEADLINE, 'a frame from the client');
    return this.frames.shift()!;
  }

  #read(chunk: Buffer): void {
    this.#pending = Buffer.concat([this.#pending, chunk]);
    for (;;) {
      const buf = this.#pending;
      if (buf.length < 2) return;
      assert.ok((buf[1]! & 0x80) !== 0, 'a client frame must be masked');
      let length = buf[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        length = buf.readUInt16BE(2);
        offset = 4;
      }
      if (buf.length < offset + 4 + length) return;
      const mask = buf.subarray(offset, offset + 4);
      const payload = Buffer.from(buf.subarray(offset + 4, offset + 4 + length));
      for (let i = 0; i < payload.length; i += 1) payload[i] = payload[i]! ^ mask[i % 4]!;
      this.#pending = buf.subarray(offset + 4 + length);
      this.frames.push({ opcode: buf[0]! & 0x0f, payload });
      this.emit('frame', this.frames[this.frames.length - 1]!);
    }
  }
}

/** A server frame: unmasked, FIN unless `fin` is false, with the shortest length encoding. */
function frame(opcode: number, payload: Buffer | string, fin = true): Buffer {
  const body = Buffer.from(payload);
  const first = (fin ? 0x80 : 0) | opcode;
  if (body.length < 126) return Buffer.concat([Buffer.from([first, body.length]), body]);
  if (body.length < 65_536) {
    const header = Buffer.from([first, 126, 0, 0]);
    header.writeUInt16BE(body.length, 2);
    return Buffer.concat([header, body]);
  }
  const header = Buffer.alloc(10);
  header[0] = first;
  header[1] = 127;
  header.writeBigUInt64BE(BigInt(body.length), 2);
  return Buffer.concat([header, body]);
}

function accept(key: string | string[] | undefined): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Upgrade = (req: http.IncomingMessage, socket: Duplex) => void;

/** A server whose upgrades `onUpgrade` answers (default: a correct 101); yields each accepted Peer. */
async function serve(onUpgrade?: Upgrade) {
  const peers = new EventEmitter<{ peer: [Peer] }>();
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const sockets = new Set<Duplex>();
  server.on('upgrade', (req, socket: Duplex, head) => {
    sockets.add(socket);
    socket.on('error', () => {});
    if (onUpgrade) return onUpgrade(req, socket);
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(req.headers['sec-websocket-key'])}\r\n\r\n`,
    );
    const peer = new Peer(socket);
    if (head.length) socket.unshift(head);
    peers.emit('peer', peer);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ari/events?app=t`;
  return { url, peers };
}

/** A client connected to a fresh default server, with its Peer, and every message and the close. */
async function connected(options: WebSocketOptions = {}) {
  const { url, peers } = await serve();
  const peerP = within(once(peers, 'peer'), DEADLINE, 'the upgrade') as Promise<[Peer]>;
  const ws = new WebSocketClient(url, options);
  const messages: string[] = [];
  ws.on('message', (text) => messages.push(text));
  const closed = new Promise<WebSocketClose>((resolve) => ws.once('close', resolve));
  cleanups.push(() => ws.terminate());
  await within(once(ws, 'open'), DEADLINE, 'open');
  const [peer] = await peerP;
  return { ws, peer, messages, closed };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > DEADLINE) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('a text message, a fragmented one with a ping inside, answered by a masked pong', T, async () => {
  const { peer, messages } = await connected();
  peer.socket.write(frame(0x1, '{"type":"A"}'));
  peer.socket.write(frame(0x1, '{"type":', false));
  peer.socket.write(frame(0x9, 'hi'));
  peer.socket.write(frame(0x0, '"B"', false));
  peer.socket.write(frame(0x0, '}'));
  await until(() => messages.length === 2, 'two messages');
  assert.deepEqual(messages, ['{"type":"A"}', '{"type":"B"}']);
  const pong = await peer.next();
  assert.equal(pong.opcode, 0xa);
  assert.equal(pong.payload.toString(), 'hi');
});

test('16- and 64-bit lengths, written a few bytes at a time, arrive whole', T, async () => {
  const { peer, messages } = await connected();
  const medium = 'm'.repeat(300);
  const big = 'b'.repeat(70_000);
  const bytes = Buffer.concat([frame(0x1, medium), frame(0x1, big)]);
  for (let i = 0; i < bytes.length; i += 7_001) peer.socket.write(bytes.subarray(i, i + 7_001));
  await until(() => messages.length === 2, 'two messages');
  assert.equal(messages[0], medium);
  assert.equal(messages[1], big);
});

test('frames that came with the 101 itself are not lost', T, async () => {
  const { url } = await serve((req, socket) => {
    socket.write(
      Buffer.concat([
        Buffer.from(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(req.headers['sec-websocket-key'])}\r\n\r\n`,
        ),
        frame(0x1, 'first'),
      ]),
    );
  });
  const ws = new WebSocketClient(url);
  cleanups.push(() => ws.terminate());
  const [text] = (await within(once(ws, 'message'), DEADLINE, 'the message')) as [string];
  assert.equal(text, 'first');
});

test("the server's close frame is answered and ends the socket with its code", T, async () => {
  const { ws, peer, closed } = await connected();
  const code = Buffer.alloc(2);
  code.writeUInt16BE(1001);
  peer.socket.write(frame(0x8, Buffer.concat([code, Buffer.from('shutting down')])));
  const answer = await peer.next();
  assert.equal(answer.opcode, 0x8);
  assert.equal(answer.payload.readUInt16BE(0), 1001);
  peer.socket.end();
  const info = await within(closed, DEADLINE, 'close');
  assert.equal(info.code, 1001);
  assert.match(info.reason, /closed by the server \(1001 shutting down\)/);
  assert.equal(ws.state, 'closed');
});

test('a connection cut without a close frame closes with 1006', T, async () => {
  const { peer, closed } = await connected();
  peer.socket.destroy();
  const info = await within(closed, DEADLINE, 'close');
  assert.equal(info.code, 1006);
});

for (const [name, bytes, code] of [
  ['a masked frame from the server', Buffer.from([0x81, 0x82, 1, 2, 3, 4, 5, 6]), 1002],
  ['reserved bits', Buffer.from([0xc1, 0]), 1002],
  ['an unknown opcode', Buffer.from([0x83, 0]), 1002],
  ['a fragmented ping', Buffer.from([0x09, 0]), 1002],
  ['a continuation outside a message', Buffer.from([0x80, 0]), 1002],
  ['a message over maxMessageBytes', frame(0x1, 'x'.repeat(200)), 1009],
  [
    'fragments over maxMessageBytes',
    Buffer.concat([frame(0x1, 'x'.repeat(90), false), frame(0x0, 'y'.repeat(90))]),
    1009,
  ],
] as const) {
  test(`protocol error: ${name} → close frame ${code} to the server, then closed`, T, async () => {
    const { peer, closed, messages } = await connected({ maxMessageBytes: 100 });
    peer.socket.write(bytes);
    const sent = await peer.next();
    assert.equal(sent.opcode, 0x8);
    assert.equal(sent.payload.readUInt16BE(0), code);
    const info = await within(closed, DEADLINE, 'close');
    assert.equal(info.code, code);
    assert.match(info.reason, /^protocol error: /);
    assert.deepEqual(messages, []);
  });
}

test('close() when open: a close frame 1000, the server answers, then closed "by us"', T, async () => {
  const { ws, peer, closed } = await connected();
  const done = ws.close();
  const sent = await peer.next();
  assert.equal(sent.opcode, 0x8);
  assert.equal(sent.payload.readUInt16BE(0), 1000);
  peer.socket.end(frame(0x8, sent.payload));
  await within(done, DEADLINE, 'close() to resolve');
  assert.equal((await closed).reason, 'closed by us');
});

test('close() with a server that never answers: terminated after closeWaitMs', T, async () => {
  const { ws, peer } = await connected({ closeWaitMs: 100 });
  const started = Date.now();
  await within(ws.close(), DEADLINE, 'close() to resolve');
  assert.ok(Date.now() - started < 2_000);
  assert.equal((await peer.next()).opcode, 0x8);
});

test('close() during the handshake: never opens, even when the 101 comes later', T, async () => {
  let complete: (() => void) | undefined;
  const { url } = await serve((req, socket) => {
    complete = () =>
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(req.headers['sec-websocket-key'])}\r\n\r\n`,
      );
  });
  const ws = new WebSocketClient(url);
  let opened = false;
  ws.on('open', () => (opened = true));
  await until(() => complete !== undefined, 'the upgrade request');
  await within(ws.close(), DEADLINE, 'close() to resolve');
  complete!();
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(opened, false);
  assert.equal(ws.state, 'closed');
});

for (const [name, answer, expected] of [
  [
    '401',
    'HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\n{}',
    { status: 401, reason: /HTTP 401 Unauthorized/ },
  ],
  [
    'a wrong accept key',
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bad\r\n\r\n',
    { status: undefined, reason: /not a WebSocket upgrade/ },
  ],
] as const) {
  test(`handshake refused (${name}): one close with the reason, no open`, T, async () => {
    const { url } = await serve((_req, socket) => socket.write(answer));
    const ws = new WebSocketClient(url);
    let opened = false;
    ws.on('open', () => (opened = true));
    const [info] = (await within(once(ws, 'close'), DEADLINE, 'close')) as [WebSocketClose];
    assert.equal(info.status, expected.status);
    assert.match(info.reason, expected.reason);
    assert.equal(opened, false);
  });
}

test('connection refused: one close with the error code', T, async () => {
  const { url } = await serve();
  cleanups.splice(0).forEach((cleanup) => void cleanup());
  await new Promise((resolve) => setTimeout(resolve, 50));
  const ws = new WebSocketClient(url);
  const [info] = (await within(once(ws, 'close'), DEADLINE, 'close')) as [WebSocketClose];
  assert.match(info.reason, /ECONNREFUSED/);
});
