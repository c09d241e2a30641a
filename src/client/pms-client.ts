// A PMS-side client of the protocol: what a front-desk system does, for tests and tools. It sends
// requests, matches replies by SeqID, and hands out unsolicited pushes (e.g. LeaveMessage) separately.
import { connect, type Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { FrameParser, serialize, type FieldList, type Frame } from '../protocol/index.js';

export interface PmsClientEvents {
  /** A frame that answers no request of ours (a push from the PBX). */
  push: [frame: Frame];
  /** A frame the codec could not read, or a reply nobody waits for. */
  stray: [frame: Frame | string];
  close: [];
}

export class PmsClient extends EventEmitter<PmsClientEvents> {
  private readonly parser = new FrameParser({ maxFrameBytes: 16 * 1024 * 1024 });
  private readonly waiting = new Map<
    string,
    {
      frames: Frame[];
      want: (f: Frame[]) => boolean;
      done: (f: Frame[]) => void;
      fail: (err: Error) => void;
    }
  >();
  private seq = 0;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    super();
    socket.on('data', (chunk: Buffer) => {
      for (const r of this.parser.push(chunk)) {
        if (r.ok) this.onFrame(r.frame);
        else this.emit('stray', r.error.message);
      }
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.once('close', () => {
      // A request whose reply can no longer come fails now, not at its timeout.
      for (const [seqId, w] of this.waiting) {
        this.waiting.delete(seqId);
        w.fail(new Error(`connection closed before the reply to SeqID ${seqId}`));
      }
      this.emit('close');
    });
    socket.on('error', () => undefined);
  }

  /** `localAddress`: the source address to connect from (e.g. 127.0.0.2, a second host on loopback). */
  static connect(
    port: number,
    host = '127.0.0.1',
    timeoutMs = 5_000,
    localAddress?: string,
  ): Promise<PmsClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host, localAddress });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new PmsClient(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** A client over a socket that is already connected (a TLS socket after its handshake). */
  static over(socket: Socket): PmsClient {
    return new PmsClient(socket);
  }

  /**
   * Sends a request (ServiceType and SeqID added unless given) and resolves with its reply frames:
   * one frame, or for multi-message answers every frame up to the one with `Islast: 1`.
   */
  request(fields: FieldList, timeoutMs = 10_000): Promise<Frame[]> {
    const given = new Map(fields.map(([k, v]) => [k, String(v)]));
    const seqId = given.get('SeqID') ?? `c${++this.seq}`;
    const frame: FieldList = [
      ...(given.has('ServiceType') ? [] : [['ServiceType', 'PMS'] as const]),
      ...fields.filter(([k]) => k !== 'SeqID'),
      ['SeqID', seqId],
    ];
    if (this.socket.destroyed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(seqId);
        reject(new Error(`no reply to SeqID ${seqId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(seqId, {
        frames: [],
        want: (fs) => fs[fs.length - 1]?.get('Islast') !== '0',
        done: (fs) => {
          clearTimeout(timer);
          resolve(fs);
        },
        fail: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.socket.write(serialize(frame));
    });
  }

  /** Sends one request and resolves with its single reply frame. */
  async call(fields: FieldList, timeoutMs?: number): Promise<Frame> {
    const frames = await this.request(fields, timeoutMs);
    return frames[0]!;
  }

  /** Writes raw bytes (tests of malformed input). */
  writeRaw(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** The next frame matching `pred` (default: any push), within `timeoutMs`. */
  nextPush(pred: (f: Frame) => boolean = () => true, timeoutMs = 10_000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const on = (f: Frame): void => {
        if (!pred(f)) return;
        cleanup();
        resolve(f);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no push within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off('push', on);
      };
      this.on('push', on);
    });
  }

  close(): Promise<void> {
    this.socket.end();
    return this.closed;
  }

  private onFrame(frame: Frame): void {
    const seqId = frame.get('SeqID');
    const w = seqId === undefined ? undefined : this.waiting.get(seqId);
    if (w && frame.has('Response')) {
      w.frames.push(frame);
      if (w.want(w.frames)) {
        this.waiting.delete(seqId!);
        w.done(w.frames);
      }
      return;
    }
    if (frame.has('Response')) this.emit('stray', frame);
    else this.emit('push', frame);
  }
}
