// The engine's AMI link: one TCP connection at a time, with an explicit state, our own reconnect loop
// and our own ActionID correlation. The wire format is codec.ts's; no AMI library.
//
// Deliberately absent (the AMI library we used before had each of them, and each was a trap):
//   - a queue of actions written before login, replayed later: an action while we are not `ready` is
//     refused at once instead (the caller answers "PBX unreachable");
//   - a reconnect of the socket's own: the link machine retries with capped exponential backoff and
//     jitter, a fresh socket per attempt;
//   - correlation that drops list events or never times out: PendingActions.
//
// Fate of actions in flight when the link drops: rejected with PbxUnavailableError('ami','lost'),
// never replayed (an Originate replayed after a reconnect could ring a guest twice). A dropped
// connection is *reset*, not ended: an end() would leave our unsent actions queued in the kernel, to
// reach Asterisk when the network comes back — after the store rolled them back and the re-sync wrote
// AstDB. The state, epochs, backoff and the keepalive Ping are the shared link machine's
// (src/links/link.ts).
import { EventEmitter } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import type { Config } from '../../config/index.js';
import { AmiActionError, PbxUnavailableError } from '../../errors.js';
import { Link, type Attempt, type LinkDriver } from '../../links/link.js';
import type { Logger } from '../../log.js';
import type {
  AmiEvent,
  AmiFields,
  AmiLink,
  AmiLinkEvents,
  AmiMessage,
  AmiResult,
  LinkState,
} from '../types.js';
import { AmiReader, encodeAction } from './codec.js';
import { buildAction } from './fields.js';
import { PendingActions, text } from './pending.js';

/** Bound on how long a close waits for the socket to close after asking for it. */
const CLOSE_WAIT_MS = 2_000;

/** One logged-in AMI connection and the actions in flight on it. */
interface AmiConnection {
  socket: Socket;
  reader: AmiReader;
  pending: PendingActions;
  attempt: Attempt;
  /** Set while the socket is corked for this turn of the event loop (see #send). */
  corked?: boolean;
}

export class AmiClient extends EventEmitter<AmiLinkEvents> implements AmiLink {
  readonly #config: Config['ami'];
  readonly #log: Logger;
  readonly #link: Link<AmiConnection>;
  #actionSeq = 0;

  constructor(config: Config['ami'], log: Logger) {
    super();
    this.#config = config;
    this.#log = log.child({ link: 'ami' });
    const driver: LinkDriver<AmiConnection> = {
      open: (attempt) => this.#open(attempt),
      close: (conn, reason) => this.#close(conn, reason),
      // The link bounds the probe and drops the connection itself when it fails.
      probe: (conn) => this.#send(conn, 'Ping', {}, config.keepalive.timeoutMs, false).then(() => undefined),
    };
    this.#link = new Link(
      driver,
      {
        label: 'AMI',
        connectTimeoutMs: config.connectTimeoutMs,
        reconnect: config.reconnect,
        keepalive: config.keepalive,
      },
      this.#log,
    );
    this.#link.on('state', (state, previous) => this.#emitSafe('state', state, previous));
    this.#link.on('ready', () => this.#emitSafe('ready'));
  }

  /** `connecting` until the first login, `ready`, `reconnecting` after a drop or failure, `end` after stop(). */
  get state(): LinkState {
    return this.#link.state;
  }

  /** Why the link last dropped or failed to connect; undefined once it is ready again. */
  get lastReason(): string | undefined {
    return this.#link.lastReason;
  }

  /** Starts connecting; the link then keeps itself up until stop(). Calling it again does nothing. */
  start(): void {
    if (this.#link.state !== 'end')
      this.#log.info({ host: this.#config.host, port: this.#config.port }, 'AMI link connecting');
    this.#link.start();
  }

  async stop(): Promise<void> {
    await this.#link.stop();
  }

  /**
   * Sends one action. An action that misses its deadline also drops the connection: Asterisk (or
   * the network to it) has stopped answering, so the next actions fail at once instead of waiting,
   * and the reconnect loop finds out when it answers again.
   */
  async action(
    name: string,
    fields: AmiFields = {},
    options: { timeoutMs?: number } = {},
  ): Promise<AmiResult> {
    const conn = this.#link.connection;
    if (!conn) {
      throw new PbxUnavailableError('ami', 'down', `AMI link is ${this.#link.state}`, { action: name });
    }
    return this.#send(conn, name, fields, options.timeoutMs ?? this.#config.actionTimeoutMs);
  }

  #send(
    conn: AmiConnection,
    name: string,
    fields: AmiFields,
    timeoutMs: number,
    dropOnTimeout = true,
  ): Promise<AmiResult> {
    const actionId = `pms-${++this.#actionSeq}`;
    const request = buildAction(name, fields, actionId);
    const answer = conn.pending.add(actionId, name, timeoutMs);
    answer.catch((err: unknown) => {
      if (dropOnTimeout && err instanceof PbxUnavailableError && err.reason === 'timeout')
        this.#link.drop(conn, err.message);
    });
    // The actions asked for in one turn of the event loop (a command's keys, pipelined commands)
    // leave in one write: a system call per action costs more than Asterisk takes to answer it.
    const socket = conn.socket;
    if (!conn.corked) {
      conn.corked = true;
      socket.cork();
      process.nextTick(() => {
        conn.corked = false;
        socket.uncork();
      });
    }
    socket.write(encodeAction(request));
    return answer;
  }

  /** Connects, logs in and waits for FullyBooted; the link bounds it all with connectTimeoutMs. */
  #open(attempt: Attempt): Promise<AmiConnection> {
    const { host, port, username, password } = this.#config;
    const socket = createConnection({ host, port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    const conn: AmiConnection = { socket, reader: new AmiReader(), pending: new PendingActions(), attempt };
    return new Promise<AmiConnection>((resolve, reject) => {
      let up = false;
      /** FullyBooted seen (it may arrive before the login answer). */
      let booted = false;
      let loggedIn = false;
      let lastError: string | undefined;
      const becomeUp = (): void => {
        if (up) return;
        up = true;
        resolve(conn);
      };
      const down = (reason: string): void => {
        const cause = lastError ? `${reason}: ${lastError}` : reason;
        if (up) return attempt.lost(cause);
        socket.resetAndDestroy();
        reject(new Error(cause));
      };
      // Given up on (timed out, stopped) before it was up: nobody else will close this socket.
      attempt.signal.addEventListener('abort', () => {
        if (!up) down('attempt abandoned');
      });
      const onMessage = (message: AmiMessage): void => {
        if (!attempt.current) return;
        const event = text(message, 'event');
        if (event === 'FullyBooted') {
          booted = true;
          if (loggedIn) becomeUp();
        }
        if (conn.pending.handle(message)) return;
        if (event === undefined || !up) return;
        this.#emitSafe('event', { event, fields: message } satisfies AmiEvent);
      };
      socket.on('data', (chunk: Buffer) =>
        this.#guard(() => {
          let messages: AmiMessage[];
          try {
            messages = conn.reader.push(chunk);
          } catch (err) {
            // Not AMI (a line past any Asterisk's): drop the connection; 'close' follows.
            lastError = (err as Error).message;
            socket.resetAndDestroy();
            return;
          }
          // One message's handler failing must not lose the others of the chunk.
          for (const message of messages) this.#guard(() => onMessage(message));
        }),
      );
      // 'close' always follows an error; only record the cause.
      socket.on('error', (error) => {
        lastError = error.message;
      });
      socket.on('end', () => this.#guard(() => down('connection ended by Asterisk')));
      socket.on('close', () => this.#guard(() => down('connection closed')));
      attempt.stage = 'connecting';
      socket.once('connect', () =>
        this.#guard(() => {
          if (!attempt.current) return;
          attempt.stage = 'no login answer';
          this.#send(
            conn,
            'Login',
            { Username: username, Secret: password },
            this.#config.connectTimeoutMs,
            false,
          ).then(
            () =>
              this.#guard(() => {
                loggedIn = true;
                if (booted) return becomeUp();
                // Asterisk is still booting: it broadcasts FullyBooted when done.
                attempt.stage =
                  'no FullyBooted event (Asterisk still booting, or the AMI user lacks read=system)';
                this.#log.info(
                  { epoch: attempt.epoch },
                  'AMI logged in; waiting for Asterisk to finish booting',
                );
              }),
            (err: unknown) =>
              this.#guard(() => {
                const message =
                  err instanceof AmiActionError ? err.amiMessage || 'login refused' : (err as Error).message;
                down(`login failed: ${message}`);
              }),
          );
        }),
      );
    });
  }

  /** The connection is done with: its actions in flight are rejected (never replayed), the socket closed. */
  async #close(conn: AmiConnection, reason: string): Promise<void> {
    const stopped = reason === 'link stopped';
    conn.pending.rejectAll(
      (action, actionId) =>
        new PbxUnavailableError('ami', 'lost', stopped ? 'AMI link stopped' : 'AMI link lost', {
          action,
          actionId,
          cause: reason,
        }),
    );
    if (stopped) return endSocket(conn.socket);
    // Dropped: discard whatever is still queued for Asterisk (see the header).
    conn.socket.resetAndDestroy();
  }

  /** A listener that throws is logged; it must not break the link's own bookkeeping. */
  #emitSafe<K extends keyof AmiLinkEvents>(name: K, ...args: AmiLinkEvents[K]): void {
    try {
      (this.emit as (name: K, ...args: AmiLinkEvents[K]) => boolean)(name, ...args);
    } catch (err) {
      this.#log.error({ err, listenerOf: name }, 'AMI link listener threw');
    }
  }

  /**
   * Everything here runs from socket callbacks: an exception (ours or a listener's) would become an
   * uncaught exception and stop the engine. Log it instead.
   */
  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error({ err }, 'AMI link handler threw');
    }
  }
}

/** Ends a connection we stop with (what was written is sent first), reset if it does not close in time. */
function endSocket(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.resetAndDestroy();
      resolve();
    }, CLOSE_WAIT_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.end();
  });
}
