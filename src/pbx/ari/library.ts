// Typed access to ari-client@2.2 (CommonJS, no types) and containment of the ways it can stop the
// process or hang. Observed with ari-client 2.2.0 / swagger-client 2.0.26 / shred / ws 6:
//   1. swagger-client's `SwaggerApi.fail` calls the failure callback and then `throw`s, from inside an
//      HTTP callback: a 401 (wrong ARI password), a 404 (Asterisk's HTTP server up before res_ari, as
//      during a restart) or a non-JSON body is an uncaught exception (reproduced: the process exits).
//   2. A connection error in the middle of the swagger download or of a REST call is emitted by shred
//      as `request_error`, which nobody listens to: the promise never settles.
//   3. The WebSocket `message` handler runs `JSON.parse` and looks up the event's model unguarded:
//      bad JSON, or an event type it has no model for, is an uncaught exception.
//   4. `Client.stop()` on a socket still connecting lets the library schedule a reconnect, and a
//      reconnect timer already scheduled cannot be cancelled: a client we dropped could open a second
//      WebSocket for our Stasis app later (Asterisk then moves the app to it, and unregisters the app
//      when that socket closes).
//   5. swagger-client logs through an implicit global `log` that prints to the console (the "deprecated version
//      of Swagger" line on every connect) and keeps every message in `log.history` forever.
// The fixes below are small and local: HTTP handler errors become rejected promises, socket messages
// are parsed by us first, retired clients can never open a socket, library logs go to pino at debug.
import { createRequire } from 'node:module';
import type { Logger } from '../../log.js';

/** The part of a `ws@6` WebSocket we touch. */
export interface LibWebSocket {
  readonly readyState: number;
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: (...args: never[]) => void): unknown;
  close(): void;
  terminate(): void;
}

/** An ari-client Client: an EventEmitter plus one property per ARI resource (`channels`, …). */
export interface LibClient {
  start(apps: string): PromiseLike<void>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeAllListeners(event?: string): unknown;
  _ws?: LibWebSocket;
  _wsClosed?: boolean;
  [resource: string]: unknown;
}

interface SwaggerResponse {
  status: number;
  statusText: string;
  data: Buffer;
  headers: Record<string, string>;
}
type Handler = (...args: unknown[]) => unknown;
interface HttpRequest {
  on?: Record<string, Handler>;
  url?: string;
  method?: string;
}
interface ShredClient {
  shred: { request(options: HttpRequest): unknown };
}
interface SwaggerModule {
  ShredHttpClient: { prototype: { execute(this: ShredClient, obj: HttpRequest): unknown } };
}

const WS_OPEN = 1;
const WS_CLOSED = 3;
const requireHere = createRequire(import.meta.url);
// Resolve swagger-client from ari-client's own location so that we patch the instance it uses.
const ari = requireHere('ari-client') as {
  connect(url: string, user: string, pass: string): PromiseLike<LibClient>;
};
const requireFromAri = createRequire(requireHere.resolve('ari-client'));
const swagger = requireFromAri('swagger-client') as SwaggerModule;

/** Where the libraries' own log lines go; the latest AriClient's logger. */
let sink: Logger | undefined;
let contained = false;

/** Applies the process-wide fixes once (idempotent) and routes library logs to `log`. */
export function containLibrary(log: Logger): void {
  sink = log;
  if (contained) return;
  contained = true;

  // (5) swagger-client calls the free variable `log`: replace the global it created.
  (globalThis as { log?: unknown }).log = (...args: unknown[]) =>
    sink?.debug(
      { library: 'swagger-client', args: args.map((a) => String(a).slice(0, 200)) },
      'ari-client log',
    );

  // (1) and (2): every HTTP request of swagger-client goes through ShredHttpClient.execute. Wrap its
  // handlers so that a throw, or a transport error, reaches the request's own error callback.
  const proto = swagger.ShredHttpClient.prototype;
  const execute = proto.execute;
  proto.execute = function (this: ShredClient, obj: HttpRequest) {
    const swaggerOn = obj?.on ?? {};
    const shred = this.shred;
    const request = shred.request;
    shred.request = (options: HttpRequest) => {
      const on = options.on ?? (options.on = {});
      let failed = false;
      const fail = (message: string): void => {
        if (failed) return;
        failed = true;
        try {
          swaggerOn.error?.(syntheticResponse(message));
        } catch (err) {
          // SwaggerApi.fail throws after calling its failure callback: the promise is settled already.
          sink?.debug({ err: String(err) }, 'ari-client request failed');
        }
      };
      for (const [name, handler] of Object.entries(on)) {
        on[name] = function (this: unknown, ...args: unknown[]) {
          try {
            return handler.apply(this, args);
          } catch (err) {
            sink?.debug({ err: String(err), url: options.url }, `ari-client ${name} handler threw`);
            if (name !== 'error') fail(`ARI request failed: ${String(err)}`);
            return undefined;
          }
        };
      }
      on.request_error = (error: unknown) => fail(`ARI request failed: ${String(error)}`);
      return request.call(shred, options);
    };
    return execute.call(this, obj);
  };
}

function syntheticResponse(message: string): SwaggerResponse {
  return { status: 0, statusText: message, data: Buffer.from(message), headers: {} };
}

/** ari-client's connect (HTTP + swagger download), as a native promise. */
export function connectLibrary(url: string, username: string, password: string): Promise<LibClient> {
  return Promise.resolve(ari.connect(url, username, password));
}

const retired = new WeakSet<LibClient>();
const noop = (): void => {};

/**
 * (3) and (4): every WebSocket the library assigns to `client._ws` passes through here. On a live
 * client its `message` listener is wrapped: `onMessage` sees the raw text first (and may refuse it),
 * and a throw from the library's own handler is reported instead of escaping. On a retired client
 * the socket is killed before it can connect.
 */
export function guardSockets(
  client: LibClient,
  onMessage: (raw: string) => boolean,
  onLibraryError: (err: unknown) => void,
): void {
  let current = client._ws;
  Object.defineProperty(client, '_ws', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (ws: LibWebSocket) => {
      current = ws;
      ws.on('error', noop); // abortHandshake emits 'error' before the library listens
      if (retired.has(client)) {
        ws.terminate();
        return;
      }
      const on = ws.on;
      ws.on = function (this: LibWebSocket, event: string, listener: (...args: never[]) => void) {
        if (event !== 'message') return on.call(this, event, listener);
        return on.call(this, event, (data: unknown) => {
          try {
            if (onMessage(String(data))) (listener as (data: unknown) => void)(data);
          } catch (err) {
            onLibraryError(err);
          }
        });
      };
    },
  });
}

/**
 * Drops a client for good: its socket is closed (cleanly if open) and it can never open another.
 * Resolves when the socket is closed, or after `waitMs`.
 */
export function retireClient(client: LibClient, waitMs = 2_000): Promise<void> {
  retired.add(client);
  client.removeAllListeners();
  // The library skips its reconnect when `_wsClosed` is true and then resets it: keep it true.
  Object.defineProperty(client, '_wsClosed', { configurable: true, get: () => true, set: noop });
  const ws = client._ws;
  if (!ws || ws.readyState === WS_CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, waitMs);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (ws.readyState === WS_OPEN) ws.close();
    else ws.terminate();
  });
}
