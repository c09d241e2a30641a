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
import { describe, Link, type Attempt, type LinkDriver } from '../../links/link.js';
import type { Logger } from '../../log.js';
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

/** One connection: the library's events WebSocket and our REST pool of the same epoch. */
interface AriConnection {
  lib: LibClient;
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
    containLibrary(this.#log);
    const driver: LinkDriver<AriConnection> = {
      open: (attempt) => this.#open(attempt),
      close: async (conn) => {
        conn.http.destroy();
        await retireClient(conn.lib);
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

  /** Loads the API description, opens the events WebSocket for our application, builds the REST pool. */
  #open(attempt: Attempt): Promise<AriConnection> {
    const { url, username, password, maxSockets, requestTimeoutMs } = this.#config;
    return new Promise<AriConnection>((resolve, reject) => {
      let lib: LibClient | undefined;
      let up = false;
      const down = (reason: string): void => {
        if (up) return attempt.lost(reason);
        if (lib) void retireClient(lib);
        reject(new Error(reason));
      };
      attempt.signal.addEventListener('abort', () => {
        if (!up) down('attempt abandoned');
      });
      attempt.stage = 'loading the API description';
      connectLibrary(url, username, password).then(
        (client) =>
          this.#guard(() => {
            lib = client;
            if (!attempt.current) return down('attempt abandoned');
            guardSockets(
              client,
              (raw) => attempt.current && this.#dispatcher.dispatchRaw(raw) !== undefined,
              (err) =>
                this.#log.warn(
                  { err },
                  'ari-client could not process an ARI event; its instance events skipped it',
                ),
            );
            client.on('WebSocketConnected', () =>
              this.#guard(() => {
                if (up || !attempt.current) return;
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
                resolve({ lib: client, http, rest: createAriRest(http) });
              }),
            );
            client.on('WebSocketReconnecting', (err: unknown) =>
              this.#guard(() =>
                down(`WebSocket lost: ${err === undefined ? 'closed by Asterisk' : describe(err)}`),
              ),
            );
            client.on('WebSocketMaxRetries', (err: unknown) =>
              this.#guard(() => down(`ari-client gave up: ${describe(err)}`)),
            );
            attempt.stage = 'opening the events WebSocket';
            Promise.resolve(client.start(this.#config.app)).then(undefined, (err: unknown) =>
              this.#guard(() => down(`WebSocket failed: ${describe(err)}`)),
            );
          }),
        (err: unknown) => this.#guard(() => down(`connect failed: ${describe(err)}${hint(err)}`)),
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
