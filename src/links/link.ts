// The one state machine of the engine's external links (AMI, ARI, the database), written once, after
// ioredis' event handler: a named state, a connection epoch, guarded emits, capped jittered backoff
// and a keepalive probe. Each link brings a driver that knows how to open, probe and close one
// connection of its kind; everything about *when* is decided here.
//
// Why a missed deadline drops the connection: a server that hangs (frozen process, a network that
// drops packets) never resets the socket, so the link would stay `ready` while every request waits.
// Dropping it makes requests fail at once ("PBX unreachable", "Database unavailable") and the
// reconnect loop is then the probe: it keeps trying, with backoff, until the server answers again.
import { EventEmitter } from 'node:events';
import type { BackoffConfig, KeepaliveConfig } from '../config/index.js';
import type { Logger } from '../log.js';
import { backoffDelay } from './backoff.js';

/** Like ioredis: every external link has one of these named states. */
export type LinkState = 'connecting' | 'ready' | 'reconnecting' | 'end';

export interface LinkEvents {
  state: [state: LinkState, previous: LinkState];
  /** Connected (again): re-sync now. */
  ready: [];
}

export interface LinkOptions {
  /** For the logs: `AMI`, `ARI`, `database`. */
  label: string;
  connectTimeoutMs: number;
  reconnect: BackoffConfig;
  keepalive?: KeepaliveConfig | undefined;
}

/** One connection attempt, as the driver sees it. */
export interface Attempt {
  readonly epoch: number;
  /** Still the link's current attempt or connection (not timed out, replaced or stopped). */
  readonly current: boolean;
  /** The connection of this attempt dropped (or misbehaved): the link reconnects. Stale calls are ignored. */
  lost(reason: string): void;
  /** Aborted when the link gives up on this attempt or connection: the driver releases what it opened. */
  readonly signal: AbortSignal;
  /** Where the attempt is, for the log line when it times out (e.g. "no login answer"). */
  stage: string;
}

export interface LinkDriver<C> {
  /** Opens one connection; resolves once it is usable. May report a later drop through `attempt.lost`. */
  open(attempt: Attempt): Promise<C>;
  /** Releases a connection the link is done with (dropped, replaced, stopped). Must not throw. */
  close(conn: C, reason: string): Promise<void>;
  /** Resolves if the connection still answers (AMI Ping, SELECT 1). Bounded by the link. */
  probe?(conn: C): Promise<void>;
}

/** Bound on how long stop() waits for the driver to close the connection. */
const CLOSE_WAIT_MS = 2_000;

export class Link<C> extends EventEmitter<LinkEvents> {
  #state: LinkState = 'connecting';
  #started = false;
  #epoch = 0;
  #conn: C | undefined;
  #abort: AbortController | undefined;
  #attemptTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #keepaliveTimer: NodeJS.Timeout | undefined;
  /** Consecutive failed attempts since the link was last ready; drives the backoff. */
  #failures = 0;
  #lastReason: string | undefined;

  constructor(
    private readonly driver: LinkDriver<C>,
    private readonly options: LinkOptions,
    private readonly log: Logger,
  ) {
    super();
  }

  get state(): LinkState {
    return this.#state;
  }

  /** The ready connection; undefined unless the link is `ready`. */
  get connection(): C | undefined {
    return this.#state === 'ready' ? this.#conn : undefined;
  }

  /** The connection epoch: it changes with every attempt, so callers can tell an old connection. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Why the link last left `ready` or failed to connect (for error messages and the console). */
  get lastReason(): string | undefined {
    return this.#lastReason;
  }

  /** Starts connecting; the link then keeps itself up until stop(). Calling it again does nothing. */
  start(): void {
    if (this.#state === 'end') throw new Error(`${this.options.label} link was stopped; create a new one`);
    if (this.#started) return;
    this.#started = true;
    this.#connect();
  }

  /** Closes the link for good (state `end`). */
  async stop(): Promise<void> {
    if (this.#state === 'end') return;
    this.#epoch++;
    this.#clearTimers();
    this.#abort?.abort();
    const conn = this.#conn;
    this.#conn = undefined;
    this.#setState('end', {});
    if (conn !== undefined) await this.#close(conn, 'link stopped', CLOSE_WAIT_MS);
  }

  /**
   * The connection `conn` missed a deadline or broke: drop it and reconnect. Ignored unless `conn`
   * is the current connection, so a late failure of an old one never drops its successor.
   */
  drop(conn: C, reason: string): void {
    if (this.#state !== 'ready' || conn !== this.#conn) return;
    this.#lost(this.#epoch, reason);
  }

  #connect(): void {
    const epoch = ++this.#epoch;
    const { connectTimeoutMs, label } = this.options;
    const isCurrent = (): boolean => this.#epoch === epoch && this.#state !== 'end';
    const abort = (this.#abort = new AbortController());
    const attempt: Attempt = {
      epoch,
      get current(): boolean {
        return isCurrent();
      },
      lost: (reason) => this.#guard(() => this.#lost(epoch, reason)),
      signal: abort.signal,
      stage: 'connecting',
    };
    this.#attemptTimer = setTimeout(
      () => this.#guard(() => this.#lost(epoch, `not ready within ${connectTimeoutMs} ms: ${attempt.stage}`)),
      connectTimeoutMs,
    );
    this.log.debug({ epoch }, `${label} connecting`);
    let opened: Promise<C>;
    try {
      opened = this.driver.open(attempt);
    } catch (err) {
      opened = Promise.reject(err as Error);
    }
    opened.then(
      (conn) => this.#guard(() => this.#opened(epoch, conn)),
      (err: unknown) => this.#guard(() => this.#lost(epoch, describe(err))),
    );
  }

  #opened(epoch: number, conn: C): void {
    if (epoch !== this.#epoch || this.#state === 'end') {
      void this.#close(conn, 'attempt abandoned', CLOSE_WAIT_MS);
      return;
    }
    clearTimeout(this.#attemptTimer);
    this.#conn = conn;
    this.#failures = 0;
    this.#lastReason = undefined;
    this.#setState('ready', { epoch });
    this.#scheduleKeepalive(epoch);
    // A listener may drop the link again (a failed re-sync does not, but a driver might).
    if (epoch === this.#epoch) this.#emitSafe('ready');
  }

  /** The attempt or connection of `epoch` failed: close it, retry after the backoff. */
  #lost(epoch: number, reason: string): void {
    if (epoch !== this.#epoch || this.#state === 'end') return;
    this.#epoch++;
    this.#clearTimers();
    this.#abort?.abort();
    const conn = this.#conn;
    this.#conn = undefined;
    if (conn !== undefined) void this.#close(conn, reason, CLOSE_WAIT_MS);
    this.#lastReason = reason;
    this.#failures += 1;
    const delayMs = backoffDelay(this.#failures, this.options.reconnect);
    this.#retryTimer = setTimeout(() => this.#guard(() => this.#connect()), delayMs);
    this.#setState('reconnecting', { attempt: this.#failures, nextDelayMs: delayMs, reason });
  }

  #scheduleKeepalive(epoch: number): void {
    const keepalive = this.options.keepalive;
    const probe = this.driver.probe?.bind(this.driver);
    if (!keepalive || keepalive.intervalMs <= 0 || !probe) return;
    this.#keepaliveTimer = setTimeout(() => {
      const conn = this.#conn;
      if (epoch !== this.#epoch || conn === undefined) return;
      withTimeout(probe(conn), keepalive.timeoutMs).then(
        () => this.#guard(() => epoch === this.#epoch && this.#scheduleKeepalive(epoch)),
        (err: unknown) => this.#guard(() => this.#lost(epoch, `keepalive failed: ${describe(err)}`)),
      );
    }, keepalive.intervalMs);
    this.#keepaliveTimer.unref();
  }

  async #close(conn: C, reason: string, waitMs: number): Promise<void> {
    try {
      await withTimeout(this.driver.close(conn, reason), waitMs);
    } catch (err) {
      this.log.warn({ err: describe(err) }, `${this.options.label} connection not closed cleanly`);
    }
  }

  #clearTimers(): void {
    clearTimeout(this.#attemptTimer);
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#keepaliveTimer);
  }

  #setState(next: LinkState, details: Record<string, unknown>): void {
    const previous = this.#state;
    const level = next === 'reconnecting' ? 'warn' : 'info';
    const { label } = this.options;
    if (previous === next) {
      // Another failed attempt while reconnecting: still one line, so the retries are visible.
      this.log[level]({ state: next, ...details }, `${label} connect attempt failed`);
      return;
    }
    this.#state = next;
    this.log[level]({ state: next, previous, ...details }, `${label} link ${next}`);
    this.#emitSafe('state', next, previous);
  }

  /** A listener that throws is logged; it must not break the link's own bookkeeping. */
  #emitSafe<K extends keyof LinkEvents>(name: K, ...args: LinkEvents[K]): void {
    try {
      (this.emit as (name: K, ...args: LinkEvents[K]) => boolean)(name, ...args);
    } catch (err) {
      this.log.error({ err, listenerOf: name }, `${this.options.label} link listener threw`);
    }
  }

  /** Runs from timers and socket callbacks: an exception would stop the engine. Log it instead. */
  #guard(fn: () => unknown): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err }, `${this.options.label} link handler threw`);
    }
  }
}

/** Rejects with a TimeoutError if `p` has not settled after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not answered in ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

export function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  return err === undefined ? 'unknown' : String(err);
}
