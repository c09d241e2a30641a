// ARI REST over node:http with a pool of our own. ari-client's REST path (swagger-client → shred)
// used Node's global agent: unbounded sockets, no deadline, so a wake-up burst of 100+ originates
// ended in `socket hang up` and a stalled request never settled. Here every instance owns one
// bounded keep-alive agent, every try has a deadline, and transient failures are retried a few times.
//
// Fate of requests in flight: each settles on its own (answer, error or deadline); destroy() rejects
// all of them and every later call. Retries resend the request as it was: callers make POSTs
// idempotent (originate with a fixed channelId answers 409 to a duplicate).
import type http from 'node:http';
import type { Logger } from '../../log.js';
import { createPool, type AriPool } from './pool.js';

export type AriMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type AriQuery = Record<string, string | number | boolean | undefined>;
export type AriHttpErrorCode = 'timeout' | 'reset' | 'refused' | 'http' | 'bad-response';

export interface AriHttpOptions {
  /** Asterisk's HTTP server, e.g. http://127.0.0.1:8088; ARI lives under `/ari`. */
  url: string;
  username: string;
  password: string;
  /** Most sockets open to Asterisk at once; further requests wait for a free one. Default 8. */
  maxSockets?: number;
  /** Deadline of one try (queue wait + connect + whole response). Default 10000. */
  requestTimeoutMs?: number;
  /** An idle pooled socket is closed after this. Default 4000: below Asterisk's session_keep_alive
   * (15000), so we never reuse a socket the server is about to close. */
  idleSocketMs?: number;
  /** Extra tries after a transient failure. Default 2. */
  retries?: number;
  /** Wait before retry n is n × this. Default 250. */
  retryDelayMs?: number;
  /** Told when a request failed for good because Asterisk did not answer in time. */
  onTimeout?: (what: string) => void;
}

export interface AriRequestOptions {
  query?: AriQuery;
  body?: unknown;
  timeoutMs?: number;
  /** Retry transient failures (default true). */
  retry?: boolean;
}

export interface AriHttpStats {
  /** Calls of request(), retries not counted. */
  requests: number;
  /** Extra tries made after a transient failure. */
  retries: number;
  /** Calls of request() that rejected. */
  failures: number;
  sockets: number;
  freeSockets: number;
  peakSockets: number;
}

/** An ARI REST call that failed; `transient` says whether trying again may help. */
export class AriHttpError extends Error {
  override readonly name = 'AriHttpError';
  readonly status: number | undefined;
  readonly transient: boolean;
  /** The `message` of ARI's JSON error body (e.g. "Channel not found"), if it had one. */
  readonly ariMessage: string | undefined;

  constructor(
    readonly code: AriHttpErrorCode,
    readonly method: AriMethod,
    readonly path: string,
    detail: { status?: number; transient: boolean; ariMessage?: string; reason: string; cause?: unknown },
  ) {
    super(`ARI ${method} ${path} failed: ${detail.reason}`, { cause: detail.cause });
    this.status = detail.status;
    this.transient = detail.transient;
    this.ariMessage = detail.ariMessage;
  }
}

const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);
/** ARI answers are small; a bigger body is a wrong server, not something to buffer. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export class AriHttp {
  readonly #log: Pick<Logger, 'warn' | 'debug'>;
  readonly #onTimeout: ((what: string) => void) | undefined;
  readonly #pool: AriPool;
  readonly #target: { protocol: string; hostname: string; port: string; base: string };
  readonly #auth: string;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  /** Requests on the wire or waiting for a socket; destroy() ends them. */
  readonly #live = new Map<http.ClientRequest, () => void>();
  readonly #counts = { requests: 0, retries: 0, failures: 0 };
  #destroyed = false;

  constructor(options: AriHttpOptions, log: Pick<Logger, 'warn' | 'debug'>) {
    const url = new URL(options.url);
    const maxSockets = options.maxSockets ?? 8;
    this.#pool = createPool(url.protocol === 'https:', maxSockets, options.idleSocketMs ?? 4000);
    this.#target = {
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port,
      base: `${url.pathname.replace(/\/+$/, '')}/ari`,
    };
    this.#auth = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    this.#timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#retries = options.retries ?? 2;
    this.#retryDelayMs = options.retryDelayMs ?? 250;
    this.#log = log;
    this.#onTimeout = options.onTimeout;
  }

  /** One ARI call: 2xx → parsed JSON (undefined when empty), else rejects with AriHttpError. */
  async request<T>(method: AriMethod, path: string, options: AriRequestOptions = {}): Promise<T> {
    this.#counts.requests += 1;
    const retries = options.retry === false ? 0 : this.#retries;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return (await this.#try(method, path, options)) as T;
      } catch (err) {
        const error = err as AriHttpError;
        if (!error.transient || attempt > retries || this.#destroyed) {
          this.#counts.failures += 1;
          this.#log.debug({ method, path, err: error }, 'ARI request failed');
          if (error.code === 'timeout' && !this.#destroyed) this.#onTimeout?.(`${method} ${path}`);
          throw error;
        }
        this.#counts.retries += 1;
        this.#log.warn({ method, path, try: attempt + 1, err: error }, 'ARI request retried');
        await new Promise((resolve) => setTimeout(resolve, this.#retryDelayMs * attempt));
      }
    }
  }

  stats(): AriHttpStats {
    return { ...this.#counts, ...this.#pool.stats() };
  }

  /** Closes every socket; requests in flight and all later ones reject (code 'refused', not transient). */
  destroy(): void {
    this.#destroyed = true;
    for (const [req, abort] of this.#live) {
      abort();
      resetSocket(req);
      req.destroy();
    }
    this.#pool.close();
  }

  #try(method: AriMethod, path: string, options: AriRequestOptions): Promise<unknown> {
    if (this.#destroyed) return Promise.reject(destroyedError(method, path));
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const headers: http.OutgoingHttpHeaders = {
      authorization: this.#auth,
      accept: 'application/json',
      ...(payload && { 'content-type': 'application/json', 'content-length': payload.length }),
    };
    const { base, ...target } = this.#target;
    return new Promise((resolve, reject) => {
      const req = this.#pool.request({
        ...target,
        method,
        path: base + path + queryString(options.query),
        headers,
        agent: this.#pool.agent,
      });
      let settled = false;
      const settle = (error: AriHttpError | undefined, value?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#live.delete(req);
        if (error) reject(error);
        else resolve(value);
      };
      const fail = (code: AriHttpErrorCode, transient: boolean, reason: string): void => {
        settle(new AriHttpError(code, method, path, { transient, reason }));
        resetSocket(req);
        req.destroy(); // frees the pool slot too
      };
      this.#live.set(req, () => settle(destroyedError(method, path)));
      // One deadline for the whole try: queue wait, connect, request and the complete answer.
      const timer = setTimeout(() => fail('timeout', true, `no answer in ${timeoutMs} ms`), timeoutMs);
      req.on('error', (err) => settle(ofSocket(err, method, path)));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_BODY_BYTES) chunks.push(chunk);
          else fail('bad-response', false, 'body too large');
        });
        res.on('end', () => {
          const answer = ofResponse(res.statusCode ?? 0, Buffer.concat(chunks), method, path);
          settle(answer.error, answer.value);
        });
        const cut = (): void => fail('reset', true, 'answer cut short');
        res.on('error', cut);
        res.on('close', () => (res.complete ? undefined : cut()));
      });
      req.end(payload);
    });
  }
}

function queryString(query: AriQuery | undefined): string {
  const pairs = Object.entries(query ?? {}).flatMap(([key, value]) =>
    value === undefined ? [] : [`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`],
  );
  return pairs.length ? `?${pairs.join('&')}` : '';
}

/** A transport error: which kind, and whether trying again may help. */
function ofSocket(err: NodeJS.ErrnoException, method: AriMethod, path: string): AriHttpError {
  const reason = err.code ? `${err.code} ${err.message}` : err.message;
  const kind = (code: AriHttpErrorCode, transient: boolean): AriHttpError =>
    new AriHttpError(code, method, path, { transient, reason, cause: err });
  switch (err.code) {
    case 'ECONNRESET': // also Node's "socket hang up"
    case 'EPIPE':
    case 'ECONNABORTED':
      return kind('reset', true);
    case 'ETIMEDOUT':
      return kind('timeout', true);
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EAI_AGAIN':
      return kind('refused', true);
    default: // ENOTFOUND, a bad header value…: the same request would fail again
      return kind('refused', false);
  }
}

function ofResponse(
  status: number,
  body: Buffer,
  method: AriMethod,
  path: string,
): { error?: AriHttpError; value?: unknown } {
  const text = body.toString('utf8');
  let json: unknown;
  let parsed = true;
  try {
    json = text.trim() === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = false;
  }
  if (status >= 200 && status < 300) {
    if (parsed) return { value: json };
    const reason = `HTTP ${status} with a body that is not JSON`;
    return { error: new AriHttpError('bad-response', method, path, { status, transient: false, reason }) };
  }
  const message = (json as { message?: unknown } | undefined)?.message;
  const ariMessage = typeof message === 'string' ? message : undefined;
  const transient = TRANSIENT_STATUS.has(status);
  const reason = ariMessage === undefined ? `HTTP ${status}` : `HTTP ${status} ${ariMessage}`;
  return { error: new AriHttpError('http', method, path, { status, transient, ariMessage, reason }) };
}

/**
 * A request given up on is reset (RST), not closed (FIN): a frozen Asterisk whose kernel has taken the
 * bytes would otherwise read them when it thaws and carry out, say, an Originate the engine already
 * counted as failed and placed again (a guest rung twice).
 */
function resetSocket(req: http.ClientRequest): void {
  const socket = req.socket as (http.ClientRequest['socket'] & { resetAndDestroy?: () => void }) | null;
  if (!socket || socket.destroyed || typeof socket.resetAndDestroy !== 'function') return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy(); // a TLS socket has no TCP handle of its own to reset
  }
}

function destroyedError(method: AriMethod, path: string): AriHttpError {
  return new AriHttpError('refused', method, path, { transient: false, reason: 'ARI client destroyed' });
}
