// The TCP side of the FIAS link: carries out what src/fias/link.ts asks (connect, send, close) on a
// real socket and reports back through the connection handle it was given. The PMS's interface (IFC)
// is the server, we are the client; records are STX…ETX with no LRC or ACK/NAK on TCP ("TCP / IP").
// One FiasParser per connection, so a half record of a dead connection never joins the next one.
import { connect as netConnect, type Socket } from 'node:net';
import { clip, type Logger } from '../log.js';
import { encodeRecord, FiasParser, type FiasEncoding } from './codec/index.js';
import type { FiasLinkConnection, FiasLinkOutputs } from './link-ports.js';
import type { FiasRecord } from './record.js';

/** A PMS that stops reading while we write this much is dropped: the link reconnects. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Largest record read (the parser's bound). FIAS records stay under 2000 characters. */
export const MAX_RECORD_BYTES = 8192;
/** Frame errors logged per window; more are counted and summed up once the window ends. */
const ERROR_LINES_PER_WINDOW = 5;
const ERROR_WINDOW_MS = 10_000;

export interface FiasAdapterOptions {
  host: string;
  port: number;
  encoding: FiasEncoding;
  /** The link has its own connect deadline; this one is a backstop so no socket outlives it. */
  connectTimeoutMs: number;
  maxRecordBytes?: number;
  maxBufferedBytes?: number;
  log: Logger;
  /** Counts each record read from (in) or written to (out) the wire, for the status. */
  count?: (direction: 'in' | 'out', record: FiasRecord) => void;
  /** Opens the socket; default net.connect. Tests pass one that never connects. */
  connectSocket?: (host: string, port: number) => Socket;
  /** Counts each frame error (garbage, oversized or malformed record) read from the wire. */
  frameError?: () => void;
}

interface Current {
  socket: Socket;
  conn: FiasLinkConnection;
  timer: NodeJS.Timeout | undefined;
  reported: boolean;
}

export class FiasTcpAdapter implements Pick<FiasLinkOutputs, 'connect' | 'send' | 'close'> {
  readonly #o: FiasAdapterOptions;
  readonly #log: Logger;
  #current: Current | undefined;
  readonly #errors = new RateLimited(ERROR_LINES_PER_WINDOW, ERROR_WINDOW_MS);

  constructor(options: FiasAdapterOptions) {
    this.#o = options;
    this.#log = options.log;
  }

  /** True while a socket is open or opening (tests, shutdown). */
  get busy(): boolean {
    return this.#current !== undefined;
  }

  connect(conn: FiasLinkConnection): void {
    this.#destroy('replaced by a new connection');
    const { host, port } = this.#o;
    const socket = this.#o.connectSocket ? this.#o.connectSocket(host, port) : netConnect({ host, port });
    socket.setNoDelay(true);
    const cur: Current = { socket, conn, timer: undefined, reported: false };
    this.#current = cur;
    const parser = new FiasParser({
      encoding: this.#o.encoding,
      maxRecordBytes: this.#o.maxRecordBytes ?? MAX_RECORD_BYTES,
    });
    // A socket that never connects (a firewall dropping SYNs) is destroyed, whatever the link does.
    cur.timer = setTimeout(
      () =>
        socket.destroy(
          new Error(`TCP connect to ${host}:${port} not open within ${this.#o.connectTimeoutMs} ms`),
        ),
      this.#o.connectTimeoutMs + 1_000,
    );
    cur.timer.unref();
    let lastError: string | undefined;
    socket.on('connect', () => {
      clearTimeout(cur.timer);
      this.#log.info({ host, port, epoch: conn.epoch }, 'FIAS TCP connection open');
      conn.connected();
    });
    socket.on('data', (chunk: Buffer) => {
      for (const r of parser.push(chunk)) {
        if (this.#current !== cur) return; // closed by a record's handling: the rest is of no use
        if (r.ok) {
          this.#o.count?.('in', r.record);
          conn.received(r.record);
        } else {
          this.#o.frameError?.();
          this.#noteFrameError(r.error.code, r.error.message, r.error.recordId);
        }
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      lastError = err.code ? `${err.code} ${err.message}` : err.message;
    });
    socket.on('close', () => {
      clearTimeout(cur.timer);
      if (this.#current === cur) this.#current = undefined;
      if (cur.reported) return;
      cur.reported = true;
      conn.disconnected(lastError ?? 'closed by the PMS');
    });
  }

  send(record: FiasRecord): void {
    const cur = this.#current;
    if (!cur || cur.socket.destroyed) {
      this.#log.debug({ id: record.id }, 'FIAS record not written: no connection');
      return;
    }
    const enc = encodeRecord(record, this.#o.encoding);
    if (!enc.ok) {
      // Our builders validate first: a record that cannot be encoded is an engine bug. It is dropped
      // whole rather than written in part, which would desynchronise the PMS's reader.
      this.#log.error(
        { id: record.id, code: enc.error.code, field: enc.error.field, err: clip(enc.error.message, 200) },
        'FIAS record cannot be encoded (engine bug): dropped',
      );
      return;
    }
    cur.socket.write(enc.bytes);
    this.#o.count?.('out', record);
    const buffered = cur.socket.writableLength;
    const max = this.#o.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
    if (buffered > max) {
      this.#log.warn({ buffered, max }, 'FIAS PMS is not reading: dropping the connection');
      cur.socket.destroy(new Error(`PMS not reading: ${buffered} bytes waiting to be sent`));
    }
  }

  close(why: string): void {
    this.#destroy(why);
  }

  /** Closes whatever is open, at shutdown. */
  destroy(): void {
    this.#destroy('engine stopping');
    this.#errors.flush((n) => this.#summary(n));
  }

  #destroy(why: string): void {
    const cur = this.#current;
    if (!cur) return;
    this.#current = undefined;
    cur.reported = true; // the link asked for this close: it needs no disconnected()
    clearTimeout(cur.timer);
    this.#log.info({ why, epoch: cur.conn.epoch }, 'FIAS TCP connection closed');
    cur.socket.destroy();
  }

  #noteFrameError(code: string, message: string, recordId: string | undefined): void {
    const fields = { code, recordId, err: clip(message, 200) };
    this.#errors.note(
      () => this.#log.warn(fields, 'FIAS bytes from the PMS unreadable: skipped'),
      (n) => this.#summary(n),
    );
  }

  #summary(suppressed: number): void {
    this.#log.warn({ suppressed }, 'FIAS bytes from the PMS unreadable: more errors not logged');
  }
}

/** At most `lines` lines per window; the rest are counted and summed up in one line afterwards. */
class RateLimited {
  #start = 0;
  #lines = 0;
  #suppressed = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly lines: number,
    private readonly windowMs: number,
  ) {}

  note(line: () => void, summary: (n: number) => void): void {
    const now = Date.now();
    if (now - this.#start >= this.windowMs) {
      this.#start = now;
      this.#lines = 0;
    }
    if (this.#lines < this.lines) {
      this.#lines++;
      line();
      return;
    }
    this.#suppressed++;
    if (this.#timer) return;
    this.#timer = setTimeout(() => this.flush(summary), this.windowMs - (now - this.#start));
    this.#timer.unref();
  }

  flush(summary: (n: number) => void): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#suppressed > 0) summary(this.#suppressed);
    this.#suppressed = 0;
  }
}
