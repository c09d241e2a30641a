// The engine's ARI link: ari-client for the REST resources and the events WebSocket of our Stasis
// application, with an explicit state and one reconnect policy (ours).
//
// Whenever the WebSocket fails, at the first connect or later, the ari-client instance is retired
// and a new one is created after our capped, jittered backoff: `reconnect.maxDelayMs` is honoured
// and every reconnect downloads the API description again (it may change across an Asterisk
// upgrade). ari-client's own WebSocket retry loop (100 ms doubling to 10 s, giving up after ~43 s,
// then silence) is therefore never left running. See library.ts for the library's sharp edges.
//
// REST calls do not go through ari-client (its HTTP layer used Node's global agent: one socket per
// concurrent request, past Asterisk's http.conf sessionlimit of 100 they were refused as `socket
// hang up`, and no deadline). Each connection epoch has its own AriHttp: a bounded keep-alive pool,
// a deadline per request, bounded retries of transient failures.
//
// Fate of requests in flight on a drop: the epoch's pool is destroyed, so they reject at once (a
// typed AriHttpError) instead of running into a restarted Asterisk; events are not replayed (Asterisk
// does not keep them). Handlers re-sync on `ready`.
import { EventEmitter } from 'node:events';
import type { Config } from '../../config/index.js';
import { PbxUnavailableError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { backoffDelay } from '../backoff.js';
import type { LinkState } from '../types.js';
import { AriDispatcher, type AriEvent, type AriEventMap, type AriHandler } from './events.js';
import { connectLibrary, containLibrary, guardSockets, retireClient, type LibClient } from './library.js';
import { AriHttp } from './http.js';
import type { AriRest } from './rest.js';
import { createAriRest } from './rest-http.js';

export type { AriRest } from './rest.js';

export interface AriLinkEvents {
  state: [state: LinkState, previous: LinkState];
  /** Connected (again) with our Stasis application registered: re-sync now. */
  ready: [];
}

export class AriClient extends EventEmitter<AriLinkEvents> {
  readonly #config: Config['ari'];
  readonly #log: Logger;
  readonly #dispatcher: AriDispatcher;
  #state: LinkState = 'connecting';
  #started = false;
  /** Identifies the current attempt; callbacks of an older attempt compare and bail out. */
  #token: object = {};
  #lib: LibClient | undefined;
  #http: AriHttp | undefined;
  #rest: AriRest | undefined;
  #attemptTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  #attempt = 0;

  constructor(config: Config['ari'], log: Logger) {
    super();
    this.#config = config;
    this.#log = log.child({ link: 'ari', app: config.app });
    this.#dispatcher = new AriDispatcher(this.#log);
    containLibrary(this.#log);
  }

  get state(): LinkState {
    return this.#state;
  }

  /** Starts connecting; the link then keeps itself up until stop(). Calling it again does nothing. */
  start(): void {
    if (this.#state === 'end') throw new Error('AriClient was stopped; create a new one');
    if (this.#started) return;
    this.#started = true;
    this.#log.info({ state: this.#state, url: this.#config.url }, 'ARI link connecting');
    this.#connect();
  }

  /** Closes the link for good (state `end`); resolves when the WebSocket is closed. */
  async stop(): Promise<void> {
    if (this.#state === 'end') return;
    this.#token = {};
    clearTimeout(this.#attemptTimer);
    clearTimeout(this.#retryTimer);
    const lib = this.#lib;
    this.#lib = undefined;
    this.#dropHttp();
    this.#setState('end', {});
    if (lib) await retireClient(lib);
  }

  /** The REST resources; throws PbxUnavailableError('ari','down') unless the link is ready. */
  client(): AriRest {
    if (this.#state !== 'ready' || !this.#rest) {
      throw new PbxUnavailableError('ari', 'down', `PBX unreachable: ARI link is ${this.#state}`);
    }
    return this.#rest;
  }

  /** Counters of the current REST pool (benchmarks, the operator console). */
  httpStats(): ReturnType<AriHttp['stats']> | undefined {
    return this.#http?.stats();
  }

  #dropHttp(): void {
    this.#http?.destroy();
    this.#http = undefined;
    this.#rest = undefined;
  }

  /**
   * Subscribes to one ARI event type (or `*` for all). Each handler runs in its own guard: a throw
   * or a rejected promise is logged and the other handlers still run. Returns the unsubscribe function.
   */
  onEvent<K extends keyof AriEventMap>(type: K, handler: AriHandler<AriEventMap[K]>): () => void;
  onEvent(type: string, handler: AriHandler<AriEvent>): () => void;
  onEvent(type: string, handler: AriHandler<never>): () => void {
    return this.#dispatcher.on(type, handler as AriHandler);
  }

  #connect(): void {
    const token = (this.#token = {});
    const attempt = ++this.#attempt;
    const { url, username, password, connectTimeoutMs } = this.#config;
    this.#attemptTimer = setTimeout(
      () => this.#guard(() => this.#fail(token, `not connected within ${connectTimeoutMs} ms`)),
      connectTimeoutMs,
    );
    this.#log.debug({ attempt }, 'ARI connecting');
    connectLibrary(url, username, password).then(
      (lib) => this.#guard(() => this.#connected(token, lib)),
      (err: unknown) => this.#guard(() => this.#fail(token, `connect failed: ${describe(err)}${hint(err)}`)),
    );
  }

  /** The API description is loaded: open the events WebSocket for our application. */
  #connected(token: object, lib: LibClient): void {
    if (token !== this.#token) {
      void retireClient(lib);
      return;
    }
    this.#lib = lib;
    guardSockets(
      lib,
      (raw) => this.#dispatcher.dispatchRaw(raw) !== undefined,
      (err) =>
        this.#log.warn({ err }, 'ari-client could not process an ARI event; its instance events skipped it'),
    );
    lib.on('WebSocketConnected', () => this.#guard(() => this.#opened(token)));
    lib.on('WebSocketReconnecting', (err: unknown) =>
      this.#guard(() =>
        this.#fail(token, `WebSocket lost: ${err === undefined ? 'closed by Asterisk' : describe(err)}`),
      ),
    );
    lib.on('WebSocketMaxRetries', (err: unknown) =>
      this.#guard(() => this.#fail(token, `ari-client gave up: ${describe(err)}`)),
    );
    Promise.resolve(lib.start(this.#config.app)).then(undefined, (err: unknown) =>
      this.#guard(() => this.#fail(token, `WebSocket failed: ${describe(err)}`)),
    );
  }

  #opened(token: object): void {
    if (token !== this.#token || this.#state === 'end') return;
    clearTimeout(this.#attemptTimer);
    this.#failures = 0;
    const { url, username, password, maxSockets, requestTimeoutMs } = this.#config;
    this.#dropHttp();
    this.#http = new AriHttp({ url, username, password, maxSockets, requestTimeoutMs }, this.#log);
    this.#rest = createAriRest(this.#http);
    this.#setState('ready', { attempt: this.#attempt });
    this.#emitSafe('ready');
  }

  /** The current attempt failed or the socket dropped: retire that client and retry later. */
  #fail(token: object, reason: string): void {
    if (token !== this.#token || this.#state === 'end') return;
    this.#token = {};
    clearTimeout(this.#attemptTimer);
    const lib = this.#lib;
    this.#lib = undefined;
    if (lib) void retireClient(lib);
    this.#dropHttp();
    this.#failures += 1;
    const delayMs = backoffDelay(this.#failures, this.#config.reconnect);
    this.#retryTimer = setTimeout(() => this.#guard(() => this.#connect()), delayMs);
    this.#setState('reconnecting', { attempt: this.#attempt, nextDelayMs: delayMs, reason });
  }

  #setState(next: LinkState, details: Record<string, unknown>): void {
    const previous = this.#state;
    const level = next === 'reconnecting' ? 'warn' : 'info';
    if (previous === next) {
      this.#log[level]({ state: next, ...details }, 'ARI connect attempt failed');
      return;
    }
    this.#state = next;
    this.#log[level]({ state: next, previous, ...details }, `ARI link ${next}`);
    this.#emitSafe('state', next, previous);
  }

  #emitSafe<K extends keyof AriLinkEvents>(name: K, ...args: AriLinkEvents[K]): void {
    try {
      (this.emit as (name: K, ...args: AriLinkEvents[K]) => boolean)(name, ...args);
    } catch (err) {
      this.#log.error({ err, listenerOf: name }, 'ARI link listener threw');
    }
  }

  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error({ err }, 'ARI link handler threw');
    }
  }
}

/** A word for the technician reading the log, where the library's message is cryptic. */
function hint(err: unknown): string {
  const text = describe(err);
  if (/^401\b/.test(text))
    return ' (ARI username or password refused: check ari.conf and PMS_ARI_USERNAME/PASSWORD)';
  // 404 (res_ari not loaded yet) and 503 are what Asterisk's HTTP server answers while it boots.
  if (/^(503\b|Can't read swagger JSON)/.test(text))
    return ' (HTTP server up, ARI not yet: Asterisk starting?)';
  return '';
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  return err === undefined ? 'unknown' : String(err);
}
