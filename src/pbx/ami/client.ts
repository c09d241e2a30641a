// The engine's AMI link: one asterisk-manager connection at a time, with an explicit state, our own
// reconnect loop and our own ActionID correlation.
//
// What we take from asterisk-manager: the TCP socket, its line parser (`rawevent`) and `login()`
// (only that sets its internal `authenticated` flag, without which `action()` queues instead of
// writing). What we do not use, and why:
//   - its `held` queue, which replays actions written before login minutes later: an action while
//     we are not `ready` is refused at once instead (the caller answers "PBX unreachable");
//   - `keepConnected`, which retries every 10–60 s and prints to the console: the link machine
//     retries with capped exponential backoff and jitter, a fresh Manager per attempt;
//   - its `once(actionId)` correlation, which drops list events and never times out: PendingActions.
//
// Fate of actions in flight when the link drops: rejected with PbxUnavailableError('ami','lost'),
// never replayed (an Originate replayed after a reconnect could ring a guest twice). The state,
// epochs, backoff and the keepalive Ping are the shared link machine's (src/links/link.ts).
import { EventEmitter } from 'node:events';
import type { Config } from '../../config/index.js';
import { PbxUnavailableError } from '../../errors.js';
import { Link, type Attempt, type LinkDriver } from '../../links/link.js';
import type { Logger } from '../../log.js';
import type { AmiEvent, AmiFields, AmiLink, AmiLinkEvents, AmiResult, LinkState } from '../types.js';
import { buildAction } from './fields.js';
import { connectManager, createManager, type Manager } from './manager.js';
import type { Socket } from 'node:net';
import { PendingActions, text, toAmiMessage } from './pending.js';

/** Bound on how long a close waits for the socket to close after asking for it. */
const CLOSE_WAIT_MS = 2_000;

/** One logged-in AMI connection and the actions in flight on it. */
interface AmiConnection {
  manager: Manager;
  pending: PendingActions;
  attempt: Attempt;
  socket: Socket | undefined;
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
    if (socket && !conn.corked) {
      conn.corked = true;
      socket.cork();
      process.nextTick(() => {
        conn.corked = false;
        socket.uncork();
      });
    }
    const written = conn.manager.action(request);
    if (written !== actionId) {
      // The library only renames an ActionID that collides with one of its listeners; never ours.
      conn.pending.cancel(actionId, new Error(`asterisk-manager renamed ActionID ${actionId} to ${written}`));
    }
    return answer;
  }

  /** Connects, logs in and waits for FullyBooted; the link bounds it all with connectTimeoutMs. */
  #open(attempt: Attempt): Promise<AmiConnection> {
    const { host, port, username, password } = this.#config;
    const manager = createManager(host, username, password);
    const conn: AmiConnection = {
      manager,
      attempt,
      socket: undefined,
      pending: new PendingActions((actionId) => manager.removeAllListeners(actionId)),
    };
    guardLibraryListeners(manager, this.#log);
    return new Promise<AmiConnection>((resolve, reject) => {
      let up = false;
      /** FullyBooted seen (it may arrive before the login callback runs). */
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
        conn.socket?.resetAndDestroy();
        retire(manager);
        reject(new Error(cause));
      };
      // Given up on (timed out, stopped) before it was up: nobody else will close this socket.
      attempt.signal.addEventListener('abort', () => {
        if (!up) down('attempt abandoned');
      });
      manager.on('rawevent', (raw) =>
        this.#guard(() => {
          if (!attempt.current) return;
          const message = toAmiMessage(raw);
          const event = text(message, 'event');
          if (event === 'FullyBooted') {
            booted = true;
            if (loggedIn) becomeUp();
          }
          if (conn.pending.handle(message)) return;
          if (event === undefined || !up) return; // e.g. the answer to the library's own Login
          this.#emitSafe('event', { event, fields: message } satisfies AmiEvent);
        }),
      );
      // 'close' always follows an error; only record the cause.
      manager.on('error', (error) => {
        lastError = error instanceof Error ? error.message : String(error);
      });
      manager.on('end', () => this.#guard(() => down('connection ended by Asterisk')));
      manager.on('close', () => this.#guard(() => down('connection closed')));
      attempt.stage = 'connecting';
      conn.socket = connectManager(manager, port, host, () =>
        this.#guard(() => {
          if (!attempt.current) return;
          attempt.stage = 'no login answer';
          manager.login((error) =>
            this.#guard(() => {
              if (error) {
                const message = typeof error.message === 'string' ? error.message : 'login refused';
                down(`login failed: ${message}`);
                return;
              }
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
    if (stopped) return closeManager(conn.manager);
    // Dropped: discard whatever is still queued for Asterisk (see connectManager).
    conn.socket?.resetAndDestroy();
    retire(conn.manager);
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

/**
 * asterisk-manager runs its own `rawevent` listener inside the socket's data callback; it can throw on
 * odd input (a repeated `UserEvent` header). Wrap it so that such a message is logged and dropped.
 */
function guardLibraryListeners(manager: Manager, log: Logger): void {
  for (const listener of manager.listeners('rawevent')) {
    manager.removeListener('rawevent', listener);
    manager.on('rawevent', (raw) => {
      try {
        listener(raw);
      } catch (err) {
        log.warn({ err }, 'asterisk-manager could not process an AMI message; dropped');
      }
    });
  }
}

/**
 * Closes a connection we are done with. A socket still connecting cannot be closed through the
 * library (its disconnect() only ends an open socket, and forgets it either way): close it as soon
 * as it connects.
 */
function retire(manager: Manager): void {
  if (manager.isConnected()) manager.disconnect();
  else manager.on('connect', () => manager.disconnect());
}

function closeManager(manager: Manager): Promise<void> {
  if (!manager.isConnected()) {
    retire(manager);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, CLOSE_WAIT_MS);
    manager.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    manager.disconnect();
  });
}
