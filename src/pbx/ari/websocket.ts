// The client end of one WebSocket (RFC 6455), just what ARI's events stream needs: the opening
// handshake over node:http(s), text messages in (fragmented or not), pings answered, the closing
// handshake. Nothing is sent but control frames: ARI's events socket only talks to us.
//
// It never emits 'error': every failure (refused, HTTP status instead of 101, a bad frame, a reset)
// ends in exactly one 'close' whose `reason` says what happened, so a caller cannot miss one and no
// socket error can become an uncaught exception. Nothing here reconnects: the link (links/link.ts)
// decides that, and a closed socket stays closed.
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';

export interface WebSocketClose {
  /** The close code the server sent, 1006 when the connection ended without a closing handshake. */
  code: number;
  /** What happened, for the log: `HTTP 401 Unauthorized`, `ECONNREFUSED …`, `closed by the server (1001 …)`. */
  reason: string;
  /** The HTTP status when the server answered the handshake with something other than 101. */
  status?: number | undefined;
}

export interface WebSocketEvents {
  open: [];
  message: [text: string];
  close: [info: WebSocketClose];
}

export interface WebSocketOptions {
  headers?: Record<string, string>;
  /** A bigger message fails the connection (code 1009). Default 16 MiB: ARI events are small. */
  maxMessageBytes?: number;
  /** After close() or the server's close frame, the TCP connection is destroyed if still up. Default 1000. */
  closeWaitMs?: number;
}

export type WebSocketState = 'connecting' | 'open' | 'closing' | 'closed';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

export class WebSocketClient extends EventEmitter<WebSocketEvents> {
  #state: WebSocketState = 'connecting';
  readonly #request: http.ClientRequest;
  readonly #maxMessageBytes: number;
  readonly #closeWaitMs: number;
  #socket: Duplex | undefined;
  /** Bytes received and not yet parsed, and how many the next frame needs at least. */
  #chunks: Buffer[] = [];
  #received = 0;
  #need = 2;
  /** The fragments of a message still arriving (its first frame's opcode was text or binary). */
  #fragments: Buffer[] | undefined;
  #fragmentBytes = 0;
  #closeSent = false;
  #closeInfo: WebSocketClose | undefined;
  #closeTimer: NodeJS.Timeout | undefined;
  #closed: Promise<void>;

  /** Starts the opening handshake to `url` (ws: or wss:); 'open' or 'close' follows. */
  constructor(url: string | URL, options: WebSocketOptions = {}) {
    super();
    this.#maxMessageBytes = options.maxMessageBytes ?? 16 * 1024 * 1024;
    this.#closeWaitMs = options.closeWaitMs ?? 1000;
    this.#closed = new Promise((resolve) => this.once('close', () => resolve()));
    const target = new URL(url);
    if (target.protocol !== 'ws:' && target.protocol !== 'wss:')
      throw new Error(`not a WebSocket URL: ${target.protocol}`);
    const key = randomBytes(16).toString('base64');
    const request = target.protocol === 'wss:' ? https.request : http.request;
    this.#request = request({
      protocol: target.protocol === 'wss:' ? 'https:' : 'http:',
      hostname: target.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: target.port,
      path: target.pathname + target.search,
      method: 'GET',
      agent: false,
      headers: {
        ...options.headers,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': key,
      },
    });
    this.#request.on('error', (err: NodeJS.ErrnoException) =>
      this.#finish({ code: 1006, reason: err.code ? `${err.code} ${err.message}` : err.message }),
    );
    this.#request.on('response', (res) => {
      // Not an upgrade: 401 (password), 404 or 503 (Asterisk starting), or not a WebSocket server.
      const status = res.statusCode ?? 0;
      res.resume();
      this.#finish({ code: 1006, status, reason: `HTTP ${status} ${res.statusMessage ?? ''}`.trim() });
      this.#request.destroy();
    });
    this.#request.on('upgrade', (res, socket, head) => {
      const expected = createHash('sha1')
        .update(key + GUID)
        .digest('base64');
      if (this.#state !== 'connecting') {
        socket.destroy();
      } else if (
        String(res.headers.upgrade).toLowerCase() !== 'websocket' ||
        res.headers['sec-websocket-accept'] !== expected
      ) {
        socket.destroy();
        this.#finish({ code: 1006, reason: 'handshake answer is not a WebSocket upgrade' });
      } else {
        this.#opened(socket, head);
      }
    });
    this.#request.end();
  }

  get state(): WebSocketState {
    return this.#state;
  }

  /**
   * Closes the connection: with the closing handshake when open (the server's answer, or
   * closeWaitMs, ends it), at once otherwise. Resolves once 'close' has been emitted.
   */
  close(code = 1000, reason = ''): Promise<void> {
    if (this.#state === 'connecting') this.terminate('closed before it opened');
    else if (this.#state === 'open') {
      this.#state = 'closing';
      this.#closeInfo = { code, reason: 'closed by us' };
      this.#sendClose(code, reason);
      this.#armCloseTimer();
    }
    return this.#closed;
  }

  /** Ends the connection at once, without a closing handshake. */
  terminate(reason = 'terminated'): void {
    if (this.#state === 'closed') return;
    this.#socket?.destroy();
    this.#request.destroy();
    this.#finish(this.#closeInfo ?? { code: 1006, reason });
  }

  #opened(socket: Duplex, head: Buffer): void {
    this.#socket = socket;
    this.#state = 'open';
    const tcp = socket as Duplex & { setNoDelay?: (noDelay: boolean) => void };
    tcp.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.#closeInfo ??= { code: 1006, reason: err.code ? `${err.code} ${err.message}` : err.message };
    });
    socket.on('close', () => this.#finish(this.#closeInfo ?? { code: 1006, reason: 'closed by the server' }));
    this.emit('open');
    if (head.length > 0) this.#receive(head);
  }

  #receive(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#received += chunk.length;
    // Frames are parsed while the connection is open or we wait for the server's close frame; the
    // chunks of a big frame are joined once it is complete, not at every chunk.
    while ((this.#state === 'open' || this.#state === 'closing') && this.#received >= this.#need) {
      const buf = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
      const frame = parseFrame(buf, this.#maxMessageBytes);
      if ('need' in frame) {
        this.#chunks = [buf];
        this.#need = frame.need;
        return;
      }
      if ('error' in frame) return this.#fail(frame.code, frame.error);
      const rest = buf.subarray(frame.size);
      this.#chunks = rest.length ? [rest] : [];
      this.#received = rest.length;
      this.#need = 2;
      this.#frame(frame.fin, frame.opcode, frame.payload);
    }
  }

  #frame(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case OP_PING:
        return this.#send(OP_PONG, payload);
      case OP_PONG:
        return;
      case OP_CLOSE:
        return this.#peerClosed(payload);
      case OP_TEXT:
      case OP_BINARY:
        if (this.#fragments) return this.#fail(1002, 'a new message inside a fragmented one');
        if (fin) return this.#message(payload);
        this.#fragments = [payload];
        this.#fragmentBytes = payload.length;
        return;
      case OP_CONTINUATION: {
        if (!this.#fragments) return this.#fail(1002, 'a continuation frame outside a message');
        this.#fragments.push(payload);
        this.#fragmentBytes += payload.length;
        if (this.#fragmentBytes > this.#maxMessageBytes) return this.#fail(1009, 'message too big');
        if (!fin) return;
        const whole = Buffer.concat(this.#fragments);
        this.#fragments = undefined;
        this.#fragmentBytes = 0;
        return this.#message(whole);
      }
      default:
        return this.#fail(1002, `unknown opcode ${opcode}`);
    }
  }

  #message(payload: Buffer): void {
    // Closing: messages still arriving are dropped. Bad UTF-8 is replaced, not fatal: the reader
    // refuses what it cannot parse, and the connection carries on.
    if (this.#state === 'open') this.emit('message', payload.toString('utf8'));
  }

  /** The server's close frame: answered (unless we started the closing handshake), then TCP ends. */
  #peerClosed(payload: Buffer): void {
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    const text = payload.subarray(2).toString('utf8');
    this.#closeInfo ??= {
      code,
      reason: `closed by the server (${code}${text ? ` ${text}` : ''})`,
    };
    this.#state = 'closing';
    if (!this.#closeSent) this.#sendClose(payload.length >= 2 ? code : 1000, '');
    this.#socket?.end();
    this.#armCloseTimer();
  }

  /** A protocol error: tell the server why (if we still can), end the connection, closed now. */
  #fail(code: number, reason: string): void {
    this.#closeInfo ??= { code, reason: `protocol error: ${reason}` };
    if (!this.#closeSent) this.#sendClose(code, '');
    const socket = this.#socket;
    this.#socket = undefined; // #finish must not destroy it before the close frame is out
    if (socket) {
      socket.end();
      setTimeout(() => socket.destroy(), this.#closeWaitMs).unref();
    }
    this.#finish(this.#closeInfo);
  }

  #sendClose(code: number, reason: string): void {
    this.#closeSent = true;
    const text = Buffer.from(reason).subarray(0, 123);
    const payload = Buffer.alloc(2 + text.length);
    payload.writeUInt16BE(code, 0);
    text.copy(payload, 2);
    this.#send(OP_CLOSE, payload);
  }

  #send(opcode: number, payload: Buffer): void {
    const socket = this.#socket;
    // Nothing follows our close frame.
    if (!socket || socket.destroyed || !socket.writable || (this.#closeSent && opcode !== OP_CLOSE)) return;
    socket.write(frame(opcode, payload));
  }

  #armCloseTimer(): void {
    if (this.#closeTimer) return;
    this.#closeTimer = setTimeout(() => this.terminate(), this.#closeWaitMs);
    this.#closeTimer.unref();
  }

  #finish(info: WebSocketClose): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    clearTimeout(this.#closeTimer);
    this.#socket?.destroy();
    this.#fragments = undefined;
    this.#chunks = [];
    this.emit('close', info);
  }
}

type Parsed =
  | { fin: boolean; opcode: number; payload: Buffer; size: number }
  | { error: string; code: number }
  | { need: number };

/**
 * One frame from the start of `buf`: the bytes it needs when incomplete, an error (with its close
 * code) when it breaks the rules.
 */
export function parseFrame(buf: Buffer, maxBytes: number): Parsed {
  if (buf.length < 2) return { need: 2 };
  const b0 = buf[0]!;
  const b1 = buf[1]!;
  const fin = (b0 & 0x80) !== 0;
  const opcode = b0 & 0x0f;
  if ((b0 & 0x70) !== 0) return { code: 1002, error: 'reserved bits set (no extension was agreed)' };
  if ((b1 & 0x80) !== 0) return { code: 1002, error: 'a masked frame from the server' };
  let length = b1 & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buf.length < 4) return { need: 4 };
    length = buf.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buf.length < 10) return { need: 10 };
    const long = buf.readBigUInt64BE(2);
    if (long > BigInt(maxBytes)) return { code: 1009, error: 'message too big' };
    length = Number(long);
    offset = 10;
  }
  if (opcode >= 0x8 && (!fin || length > 125)) return { code: 1002, error: 'a bad control frame' };
  if (length > maxBytes) return { code: 1009, error: 'message too big' };
  if (buf.length < offset + length) return { need: offset + length };
  return { fin, opcode, payload: buf.subarray(offset, offset + length), size: offset + length };
}

/** One final, masked control frame (≤ 125 bytes; a client masks everything it sends). */
function frame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const header = Buffer.from([0x80 | opcode, 0x80 | payload.length, ...mask]);
  const masked = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i += 1) masked[i] = payload[i]! ^ mask[i % 4]!;
  return Buffer.concat([header, masked]);
}
