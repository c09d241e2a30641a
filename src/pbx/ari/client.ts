// The engine's ARI link: the events WebSocket of our Stasis application (websocket.ts) and the REST
// pool (http.ts), both our own, with an explicit state and one reconnect policy (links/link.ts).
//
// Opening the events WebSocket (/ari/events?app=…) is what registers our Stasis application with
// Asterisk; the link is ready once it is open. Whenever it fails, at the first connect or later, the
// socket is dropped for good and a new one is opened after our capped, jittered backoff
// (`reconnect.maxDelayMs` is honoured); a dropped socket never reopens by itself. The connect
// deadline (`connectTimeoutMs`) covers the handshake, and a socket that is open but silent is found
// by the keepalive probe (ARI asterisk/ping) on the REST pool.
//
// This replaced ari-client 2.2 (swagger-client, shred, ws 6): it downloaded the API description on
// every connect, could throw from inside HTTP and socket callbacks (a 401, a 404 while Asterisk
// started, bad JSON or an event type it had no model for stopped the process), left promises that
// never settled, and a client it had dropped could reconnect later and take our application over.
// It was also a quarter of the engine's start-up time and memory.
//
// REST calls: each connection epoch has its own AriHttp, a bounded keep-alive pool with a deadline
// per request and bounded retries of transient failures. Fate of requests in flight on a drop: the
// epoch's pool is destroyed, so they reject at once (a typed AriHttpError) instead of running into a
// restarted Asterisk; events are not replayed (Asterisk does not keep them). Handlers re-sync on
// `ready`.
import { EventEmitter } from 'node:events';
import type { Config } from '../../config/index.js';
import { PbxUnavailableError } from '../../errors.js';
import { Link, type Attempt, type LinkDriver } from '../../links/link.js';
import type { Logger } from '../../log.js';
import type { LinkState } from '../types.js';
import { AriDispatcher, type AriEvent, type AriEventMap, type AriHandler } from './events.js';
import { AriHttp } from './http.js';
import type { AriRest } from './rest.js';
import { createAriRest } from './rest-http.js';
import { WebSocketClient, type WebSocketClose } from './websocket.js';

export type { AriRest } from './rest.js';

export interface AriLinkEvents {
  state: [state: LinkState, previous: LinkState];
  /** Connected (again) with our Stasis application registered: re-sync now. */
  ready: [];
}

/** One connection: the events WebSocket and the REST pool of the same epoch. */
interface AriConnection {
  ws: WebSocketClient;
  http: AriHttp;
  rest: AriRest;
}

export class AriClient extends EventEmitter<AriLinkEvents> {
  readonly #config: Config['ari'];
  readonly #log: Logger;
  readonly #dispatcher: AriDispatcher;
  readonly #link: Link<AriConnection>;

  constructor(config: Config['ari'], log: Logger) {
    super();
    this.#config = config;
    this.#log = log.child({ link: 'ari', app: config.app });
    this.#dispatcher = new AriDispatcher(this.#log);
    const driver: LinkDriver<AriConnection> = {
      open: (attempt) => this.#open(attempt),
      close: async (conn) => {
        conn.http.destroy();
        await conn.ws.close();
      },
      // Asterisk's own liveness answer (ARI asterisk/ping), on the REST pool the commands use.
      probe: (conn) =>
        conn.http.request('GET', '/asterisk/ping', { retry: false, timeoutMs: config.keepalive.timeoutMs }),
    };
    this.#link = new Link(
      driver,
      {
        label: 'ARI',
        connectTimeoutMs: config.connectTimeoutMs,
        reconnect: config.reconnect,
        keepalive: config.keepalive,
      },
      this.#log,
    );
    this.#link.on('state', (state, previous) => this.#emitSafe('state', state, previous));
    this.#link.on('ready', () => this.#emitSafe('ready'));
  }

  get state(): LinkState {
    return this.#link.state;
  }

  /** Why the link last dropped or failed to connect; undefined once it is ready again. */
  get lastReason(): string | undefined {
    return this.#link.lastReason;
  }

  /** Starts connecting; the link then keeps itself up until stop(). Calling it again does nothing. */
  start(): void {
    if (this.#link.state !== 'end') this.#log.info({ url: this.#config.url }, 'ARI link connecting');
    this.#link.start();
  }

  /** Closes the link for good (state `end`); resolves when the WebSocket is closed. */
  async stop(): Promise<void> {
    await this.#link.stop();
  }

  /** The REST resources; throws PbxUnavailableError('ari','down') unless the link is ready. */
  client(): AriRest {
    const conn = this.#link.connection;
    if (!conn) throw new PbxUnavailableError('ari', 'down', `ARI link is ${this.#link.state}`);
    return conn.rest;
  }

  /** Counters of the current REST pool (benchmarks, the operator console). */
  httpStats(): ReturnType<AriHttp['stats']> | undefined {
    return this.#link.connection?.http.stats();
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

  /** Opens the events WebSocket for our application; once it is open, builds the REST pool. */
  #open(attempt: Attempt): Promise<AriConnection> {
    const { url, username, password, app, maxSockets, requestTimeoutMs } = this.#config;
    return new Promise<AriConnection>((resolve, reject) => {
      let up = false;
      attempt.stage = 'opening the events WebSocket';
      const ws = new WebSocketClient(eventsUrl(url, app, username, password));
      // Aborted (deadline, stop) before it opened: it must never open later.
      attempt.signal.addEventListener('abort', () => {
        if (!up) ws.terminate('attempt abandoned');
      });
      ws.on('message', (raw) =>
        this.#guard(() => {
          if (attempt.current) this.#dispatcher.dispatchRaw(raw);
        }),
      );
      ws.on('open', () =>
        this.#guard(() => {
          if (!attempt.current) return ws.terminate('attempt abandoned');
          up = true;
          const http = new AriHttp(
            {
              url,
              username,
              password,
              maxSockets,
              requestTimeoutMs,
              // A request Asterisk did not answer in time: it or the network has hung.
              onTimeout: (what) => attempt.lost(`ARI ${what} not answered in time`),
            },
            this.#log,
          );
          resolve({ ws, http, rest: createAriRest(http) });
        }),
      );
      ws.on('close', (info) =>
        this.#guard(() => {
          if (up) attempt.lost(`WebSocket lost: ${info.reason}`);
          else reject(new Error(`WebSocket failed: ${info.reason}${hint(info)}`));
        }),
      );
    });
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

/** ARI's events WebSocket for `app`, authenticated as ari-client did it (api_key=user:password). */
function eventsUrl(url: string, app: string, username: string, password: string): URL {
  const base = new URL(url);
  const events = new URL(base.href);
  events.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  events.pathname = `${base.pathname.replace(/\/+$/, '')}/ari/events`;
  const key = `${encodeURIComponent(username)}:${encodeURIComponent(password)}`;
  events.search = `?app=${encodeURIComponent(app)}&api_key=${key}`;
  events.username = '';
  events.password = '';
  return events;
}

/** A word for the technician reading the log, where the answer alone is cryptic. */
function hint(info: WebSocketClose): string {
  if (info.status === 401 || info.status === 403)
    return ' (ARI username or password refused: check ari.conf and PMS_ARI_USERNAME/PASSWORD)';
  // 404 (res_ari not loaded yet) and 503 are what Asterisk's HTTP server answers while it boots.
  if (info.status === 404 || info.status === 503) return ' (HTTP server up, ARI not yet: Asterisk starting?)';
  return '';
}
