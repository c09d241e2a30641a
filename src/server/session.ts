// One PMS (or operator console) connection. Replies go out strictly in the order the requests came;
// a bad frame gets its error reply in that order too. The one exception is the heartbeat (seed 000
// §5.3): it is answered at once, past whatever command is in flight, because the PMS declares the link
// dead after three unanswered heartbeats (15 s) while a command may legitimately take up to its 30 s
// deadline.
//
// Pipelining: commands that change rooms (the dispatcher's plan) run concurrently when they touch
// different rooms, up to session.maxInFlight at once; commands on the same room run in the order they
// came (a lock per room within the session, then the room service's lock across sessions). Their
// replies wait for the replies of the requests before them. Every other frame (login, logout, an
// export) runs alone: after everything before it is answered, and before anything after it starts.
// The socket stops being read while maxQueuedFrames wait to start (TCP backpressure).
// Explicit states: `open` → `closing` → `closed`.
import type { Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Account } from '../config/index.js';
import { isHeartbeat } from '../handlers/heartbeat.js';
import { KeyedLock } from '../rooms/lock.js';
import type { SessionControl } from '../handlers/types.js';
import { FrameParser, serialize, type FieldList, type Frame } from '../protocol/index.js';
import { clip } from '../log.js';
import { errorReply } from './envelope.js';
import type { Dispatcher } from './dispatcher.js';
import type { FrameError } from '../protocol/frame.js';
import { normalizeAddress, type FailureOutcome, type LoginGuard } from './login-guard.js';

export type SessionState = 'open' | 'closing' | 'closed';

/** Longest stretch a multi-message answer runs before other connections get a turn. */
const YIELD_EVERY_MS = 10;

export interface SessionOptions {
  idleTimeoutSec: number;
  maxFrameBytes: number;
  maxDiscardBytes: number;
  /** Failed logins tolerated on one connection before it is closed. */
  maxFailedLogins?: number;
  /** Frames waiting to start before the socket stops being read (backpressure). */
  maxQueuedFrames?: number;
  /** Room commands of this session running at once (on different rooms); 1 answers one at a time. */
  maxInFlight?: number;
  /** Unsent reply bytes tolerated (a client that never reads) before the connection is dropped. */
  maxBufferedBytes?: number;
  /** A connection not logged in after this long is closed. */
  loginTimeoutSec?: number;
  /** A multi-message reply whose reader has not drained the socket in this time ends the session. */
  drainTimeoutSec?: number;
}

type Item = { frame: Frame } | { error: FrameError };

/** A started request: its replies, written once it is done and every request before it was written. */
interface Slot {
  replies: FieldList[];
  done: boolean;
  /** The session closes once this slot's replies are written. */
  closeAfter?: string;
}

/** What the session tells its observer (the console's conversation view, the session list). */
export interface SessionTap {
  /** A frame read or written; heartbeats and their answers are flagged (the console keeps them apart). */
  frame(dir: 'in' | 'out', fields: Iterable<readonly [string, string | number]>, heartbeat: boolean): void;
  loggedIn(user: string): void;
  loggedOut(): void;
}

export class Session implements SessionControl {
  readonly remote: string;
  /** The peer's IP (IPv4-mapped IPv6 as IPv4): the login guard's key. */
  readonly address: string;
  private _state: SessionState = 'open';
  private _account: Account | undefined;
  private readonly parser: FrameParser;
  private readonly queue: Item[] = [];
  /** Started requests, in the order they came; the head is written first. */
  private readonly slots: Slot[] = [];
  private inFlight = 0;
  /** A frame running alone holds the session. */
  private alone = false;
  /** Frames of this session on the same room start in the order they came. */
  private readonly roomOrder = new KeyedLock();
  /** Heartbeats in flight, answered in their own order, outside `queue`. */
  private heartbeats: Promise<void> = Promise.resolve();
  private paused = false;
  private corked = false;
  private failedLogins = 0;
  /**
   * Set once the session is to close after the reply in hand is written (too many failed logins, a
   * lockout): frames queued behind it are no longer answered.
   */
  private closeAfterReply: string | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private loginTimer: NodeJS.Timeout | undefined;
  private readonly opts: Required<SessionOptions>;

  constructor(
    readonly id: string,
    private readonly socket: Socket,
    private readonly dispatcher: Dispatcher,
    options: SessionOptions,
    private readonly log: Logger,
    private readonly onClosed: (s: Session) => void,
    private readonly guard?: LoginGuard,
    private readonly tap?: SessionTap,
  ) {
    this.opts = {
      maxFailedLogins: 5,
      maxQueuedFrames: 64,
      maxInFlight: 64,
      maxBufferedBytes: 4 * 1024 * 1024,
      loginTimeoutSec: 30,
      drainTimeoutSec: 30,
      ...options,
    };
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.address = normalizeAddress(socket.remoteAddress ?? '');
    this.parser = new FrameParser(options);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'socket error'));
    socket.on('close', () => this.onSocketClosed());
    this.armIdle();
    this.loginTimer = setTimeout(() => this.loginTimedOut(), this.opts.loginTimeoutSec * 1000);
  }

  get state(): SessionState {
    return this._state;
  }
  get account(): Account | undefined {
    return this._account;
  }

  login(account: Account): void {
    this._account = account;
    this.tap?.loggedIn(account.user);
    this.failedLogins = 0;
    this.guard?.succeeded(this.address);
    clearTimeout(this.loginTimer);
  }
  logout(): void {
    this._account = undefined;
    this.tap?.loggedOut();
  }
  loginFailed(): FailureOutcome {
    const outcome = this.guard?.failed(this.address) ?? { delayMs: 0, lockedOut: false };
    // Closed after the reply is written (and its delay spent): the client still learns why. Frames
    // it pipelined behind this one are not answered (else every queued guess would still be checked).
    if (outcome.lockedOut) this.closeAfterReply = 'login locked out';
    else if (++this.failedLogins >= this.opts.maxFailedLogins)
      this.closeAfterReply = 'too many failed logins';
    return outcome;
  }
  lockedOutFor(): number {
    const sec = this.guard?.lockedFor(this.address) ?? 0;
    if (sec > 0) this.closeAfterReply = 'login locked out';
    return sec;
  }

  /** Writes an unsolicited frame (a push). False when the session cannot take it. */
  push(fields: FieldList): boolean {
    if (this._state !== 'open') return false;
    return this.write(fields);
  }

  close(reason: string): void {
    if (this._state !== 'open') return;
    this._state = 'closing';
    this.log.info({ reason, user: this._account?.user }, 'closing session');
    clearTimeout(this.idleTimer);
    clearTimeout(this.loginTimer);
    this.socket.end();
    // A peer that never reads its last bytes must not keep the session alive.
    setTimeout(() => this.socket.destroy(), 2_000).unref();
  }

  private onData(chunk: Buffer): void {
    this.armIdle();
    for (const r of this.parser.push(chunk)) {
      const heartbeat = r.ok && isHeartbeat(r.frame);
      this.tap?.frame('in', r.ok ? r.frame : r.error.fields, heartbeat);
      if (r.ok && heartbeat) this.answerHeartbeat(r.frame);
      else this.queue.push(r.ok ? { frame: r.frame } : { error: r.error });
    }
    if (this.queue.length >= this.opts.maxQueuedFrames && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    this.pump();
  }

  /** Starts what may start now: room commands up to the cap, or the next frame that runs alone. */
  private pump(): void {
    while (this._state === 'open' && !this.closeAfterReply && !this.alone) {
      const item = this.queue[0];
      if (!item || this.inFlight >= this.opts.maxInFlight) break;
      if ('error' in item) {
        this.queue.shift();
        this.refuseFrame(item.error);
        continue;
      }
      const plan = this.dispatcher.plan(item.frame, this);
      if (plan === 'alone' && this.inFlight > 0) break;
      this.queue.shift();
      if (plan === 'alone') void this.runAlone(item.frame);
      else this.start(item.frame, plan);
    }
    if (this.paused && this.queue.length < this.opts.maxQueuedFrames / 2) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private start(frame: Frame, rooms: readonly string[]): void {
    const slot: Slot = { replies: [], done: false };
    this.slots.push(slot);
    this.inFlight++;
    // The dispatcher's request logger names the SeqID (no child logger of our own per command).
    void this.roomOrder
      .run([...rooms], async () => {
        for await (const reply of this.dispatcher.dispatch(frame, this, this.log)) slot.replies.push(reply);
      })
      .catch((err: unknown) =>
        this.log.error({ err, seqId: clip(frame.get('SeqID')) }, 'request failed (bug)'),
      )
      .finally(() => {
        slot.done = true;
        this.inFlight--;
        this.flush();
        this.pump();
      });
  }

  /** Writes the replies of the requests done at the head, in order. */
  private flush(): void {
    while (this.slots[0]?.done) {
      const slot = this.slots.shift()!;
      for (const reply of slot.replies) this.write(reply);
      if (slot.closeAfter) this.close(slot.closeAfter);
    }
  }

  private async runAlone(frame: Frame): Promise<void> {
    this.alone = true;
    this.inFlight++;
    try {
      await this.answer(frame);
    } catch (err) {
      this.log.error({ err }, 'request failed (bug)');
    } finally {
      this.inFlight--;
      this.alone = false;
    }
    if (this.closeAfterReply) this.close(this.closeAfterReply);
    this.pump();
  }

  /** Out of the queue: the dispatcher may run it while a queued request is still in flight. */
  private answerHeartbeat(frame: Frame): void {
    const log = this.log.child({ seqId: clip(frame.get('SeqID')) });
    this.heartbeats = this.heartbeats
      .then(async () => {
        if (this._state !== 'open') return;
        for await (const reply of this.dispatcher.dispatch(frame, this, log)) this.write(reply, true);
      })
      .catch((err: unknown) => log.error({ err }, 'heartbeat failed'));
  }

  private async answer(frame: Frame): Promise<void> {
    const log = this.log.child({ seqId: clip(frame.get('SeqID')) });
    // Leaving this loop early (return) calls return() on the dispatcher's generator, which ends the
    // handler's stream: its finally blocks run and release what they hold (a database connection).
    let slice = performance.now();
    for await (const reply of this.dispatcher.dispatch(frame, this, log)) {
      if (!this.write(reply)) return;
      // A multi-message answer (a GetCDR export) waits for the client to read what was sent, so a
      // slow reader slows the export instead of filling the engine's memory.
      if (this.socket.writableNeedDrain && !(await this.drained())) return;
      // Rows already buffered are turned into messages in microtasks alone, which would hold off
      // every other session's I/O (heartbeats included) until the socket buffer is full: give the
      // event loop a turn every few milliseconds.
      if (performance.now() - slice > YIELD_EVERY_MS) {
        await nextTurn();
        slice = performance.now();
      }
    }
  }

  /** True once the socket drained; false when it closed or did not drain in time (then it is dropped). */
  private drained(): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        this.socket.off('drain', onDrain);
        this.socket.off('close', onClose);
        resolve(ok);
      };
      const onDrain = (): void => finish(true);
      const onClose = (): void => finish(false);
      const timer = setTimeout(() => {
        this.log.warn(
          { buffered: this.socket.writableLength, drainTimeoutSec: this.opts.drainTimeoutSec },
          'client stopped reading a multi-message reply: dropping it',
        );
        this.drop();
        finish(false);
      }, this.opts.drainTimeoutSec * 1000);
      this.socket.on('drain', onDrain);
      this.socket.on('close', onClose);
    });
  }

  private loginTimedOut(): void {
    if (this._state !== 'open' || this._account) return;
    const reason = `no successful login within ${this.opts.loginTimeoutSec} s`;
    this.write(
      errorReply(
        { action: 'UserLogin', callMethod: 'Account' },
        `Login timeout: ${reason}; closing the connection`,
      ),
    );
    this.close(reason);
  }

  /** Destroys the socket at once: for a peer that does not read, so nothing more can be sent. */
  private drop(): void {
    if (this._state === 'open') this._state = 'closing';
    clearTimeout(this.idleTimer);
    clearTimeout(this.loginTimer);
    this.socket.destroy();
  }

  private refuseFrame(err: FrameError): void {
    const env = {
      action: err.fields.get('Action'),
      seqId: err.fields.get('SeqID'),
      callMethod: err.fields.get('CallMethod'),
    };
    this.log.info({ code: err.code, seqId: clip(env.seqId) }, 'malformed frame refused');
    // In its place among the replies: after those of the requests before it.
    const slot: Slot = { replies: [errorReply(env, err.message)], done: true };
    if (err.fatal) this.closeAfterReply = slot.closeAfter = `flood: ${err.message}`;
    this.slots.push(slot);
    this.flush();
  }

  private write(fields: FieldList, heartbeat = false): boolean {
    if (this._state !== 'open') return false;
    this.tap?.frame('out', fields, heartbeat);
    if (this.socket.writableLength > this.opts.maxBufferedBytes) {
      this.log.warn(
        { buffered: this.socket.writableLength },
        'client does not read its replies: dropping it',
      );
      this.drop();
      return false;
    }
    // Replies of one turn of the event loop leave in one write (pipelined commands answered together).
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(serialize(fields));
    return true;
  }

  private armIdle(): void {
    if (this.opts.idleTimeoutSec <= 0) return;
    if (this.idleTimer) this.idleTimer.refresh();
    else
      this.idleTimer = setTimeout(
        () => this.close(`idle for ${this.opts.idleTimeoutSec} s`),
        this.opts.idleTimeoutSec * 1000,
      );
  }

  private onSocketClosed(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.loginTimer);
    if (this._state === 'closed') return;
    if (this._state === 'open') this.log.info({ user: this._account?.user }, 'client disconnected');
    this._state = 'closed';
    this.queue.length = 0;
    this.onClosed(this);
  }
}
