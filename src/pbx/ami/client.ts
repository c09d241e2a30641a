// The engine's AMI link: one asterisk-manager connection at a time, with an explicit state, our own
// reconnect loop and our own ActionID correlation.
//
// What we take from asterisk-manager: the TCP socket, its line parser (`rawevent`) and `login()`
// (only that sets its internal `authenticated` flag, without which `action()` queues instead of
// writing). What we do not use, and why:
//   - its `held` queue, which replays actions written before login minutes later: an action while
//     we are not `ready` is refused at once instead (the caller answers "PBX unreachable");
//   - `keepConnected`, which retries every 10–60 s and prints to the console: we retry with capped
//     exponential backoff and jitter, a fresh Manager per attempt;
//   - its `once(actionId)` correlation, which drops list events and never times out: PendingActions.
//
// Fate of actions in flight when the link drops: rejected with PbxUnavailableError('ami','lost'),
// never replayed (an Originate replayed after a reconnect could ring a guest twice).
import { EventEmitter } from 'node:events';
import type { Config } from '../../config/index.js';
import { PbxUnavailableError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { backoffDelay } from '../backoff.js';
import type { AmiEvent, AmiFields, AmiLink, AmiLinkEvents, AmiResult, LinkState } from '../types.js';
import { buildAction } from './fields.js';
import { createManager, type Manager, type RawAmiMessage } from './manager.js';
import { PendingActions, text, toAmiMessage } from './pending.js';

/** Where the current connection attempt is. */
type Phase = 'connecting' | 'login' | 'booting' | 'up';

/** Bound on how long stop() waits for the socket to close after asking for it. */
const CLOSE_WAIT_MS = 2_000;

export class AmiClient extends EventEmitter<AmiLinkEvents> implements AmiLink {
  readonly #config: Config['ami'];
  readonly #log: Logger;
  readonly #pending: PendingActions;
  #state: LinkState = 'connecting';
  #started = false;
  #manager: Manager | undefined;
  #phase: Phase = 'connecting';
  /** FullyBooted seen on the current connection (it may arrive before the login callback runs). */
  #booted = false;
  /** Guards the current attempt: connect + login, then the wait for FullyBooted. */
  #attemptTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  /** Consecutive failed attempts since the link was last ready; drives the backoff. */
  #failures = 0;
  /** Attempts since start(), for the logs. */
  #attempt = 0;
  #actionSeq = 0;
  /** Socket error of the current connection, reported with the state change that follows. */
  #lastError: string | undefined;

  constructor(config: Config['ami'], log: Logger) {
    super();
    this.#config = config;
    this.#log = log.child({ link: 'ami' });
    this.#pending = new PendingActions((actionId) => this.#manager?.removeAllListeners(actionId));
  }

  /** `connecting` until the first login, `ready`, `reconnecting` after a drop or failure, `end` after stop(). */
  get state(): LinkState {
    return this.#state;
  }

  /** Starts connecting; the link then keeps itself up until stop(). Calling it again does nothing. */
  start(): void {
    if (this.#state === 'end') throw new Error('AmiClient was stopped; create a new one');
    if (this.#started) return;
    this.#started = true;
    this.#log.info(
      { state: this.#state, host: this.#config.host, port: this.#config.port },
      'AMI link connecting',
    );
    this.#connect();
  }

  async stop(): Promise<void> {
    if (this.#state === 'end') return;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#attemptTimer);
    const manager = this.#manager;
    this.#manager = undefined;
    this.#pending.rejectAll(
      (action, actionId) =>
        new PbxUnavailableError('ami', 'lost', 'PBX unreachable: AMI link stopped', { action, actionId }),
    );
    this.#setState('end', {});
    if (manager) await closeManager(manager);
  }

  async action(
    name: string,
    fields: AmiFields = {},
    options: { timeoutMs?: number } = {},
  ): Promise<AmiResult> {
    const manager = this.#manager;
    if (this.#state !== 'ready' || !manager) {
      throw new PbxUnavailableError('ami', 'down', `PBX unreachable: AMI link is ${this.#state}`, {
        action: name,
      });
    }
    const actionId = `pms-${++this.#actionSeq}`;
    const request = buildAction(name, fields, actionId);
    const answer = this.#pending.add(actionId, name, options.timeoutMs ?? this.#config.actionTimeoutMs);
    const written = manager.action(request);
    if (written !== actionId) {
      // The library only renames an ActionID that collides with one of its listeners; never ours.
      this.#pending.cancel(
        actionId,
        new Error(`asterisk-manager renamed ActionID ${actionId} to ${written}`),
      );
    }
    return answer;
  }

  #connect(): void {
    const attempt = ++this.#attempt;
    const { host, port, username, password, connectTimeoutMs } = this.#config;
    const manager = createManager(host, username, password);
    this.#manager = manager;
    this.#phase = 'connecting';
    this.#booted = false;
    guardLibraryListeners(manager, this.#log);

    manager.on('rawevent', (raw) => this.#guard(() => this.#onMessage(manager, raw)));
    manager.on('error', (error) => this.#guard(() => this.#onSocketError(manager, error)));
    manager.on('end', () => this.#guard(() => this.#lost(manager, 'connection ended by Asterisk')));
    manager.on('close', () => this.#guard(() => this.#lost(manager, 'connection closed')));

    this.#attemptTimer = setTimeout(
      () => this.#guard(() => this.#lost(manager, `no login within ${connectTimeoutMs} ms (${this.#phase})`)),
      connectTimeoutMs,
    );
    this.#log.debug({ attempt }, 'AMI connecting');
    manager.connect(port, host, () =>
      this.#guard(() => {
        if (manager !== this.#manager) return;
        this.#phase = 'login';
        manager.login((error) => this.#guard(() => this.#onLogin(manager, error)));
      }),
    );
  }

  #onLogin(manager: Manager, error: RawAmiMessage | null | undefined): void {
    if (manager !== this.#manager) return;
    if (error) {
      const message = typeof error.message === 'string' ? error.message : 'login refused';
      this.#lost(manager, `login failed: ${message}`);
      return;
    }
    this.#phase = 'booting';
    if (this.#booted) {
      this.#ready(manager);
      return;
    }
    // Asterisk is still booting: it broadcasts FullyBooted when done. Bounded like the login.
    clearTimeout(this.#attemptTimer);
    this.#attemptTimer = setTimeout(
      () =>
        this.#guard(() =>
          this.#lost(
            manager,
            `no FullyBooted event within ${this.#config.connectTimeoutMs} ms ` +
              '(Asterisk still booting, or the AMI user lacks read=system)',
          ),
        ),
      this.#config.connectTimeoutMs,
    );
    this.#log.info({ attempt: this.#attempt }, 'AMI logged in; waiting for Asterisk to finish booting');
  }

  #onMessage(manager: Manager, raw: RawAmiMessage): void {
    if (manager !== this.#manager) return;
    const message = toAmiMessage(raw);
    const event = text(message, 'event');
    if (event === 'FullyBooted') {
      this.#booted = true;
      if (this.#phase === 'booting') this.#ready(manager);
    }
    if (this.#pending.handle(message)) return;
    if (event === undefined) return; // e.g. the answer to the library's own Login action
    const amiEvent: AmiEvent = { event, fields: message };
    this.#emitSafe('event', amiEvent);
  }

  #onSocketError(manager: Manager, error: unknown): void {
    if (manager !== this.#manager) return;
    // 'close' always follows; only record the cause for the log line of the state change.
    this.#lastError = error instanceof Error ? error.message : String(error);
  }

  #ready(manager: Manager): void {
    clearTimeout(this.#attemptTimer);
    this.#phase = 'up';
    this.#failures = 0;
    this.#lastError = undefined;
    this.#setState('ready', { attempt: this.#attempt });
    if (manager === this.#manager) this.#emitSafe('ready');
  }

  /** The current connection dropped or the attempt failed: reject in-flight actions, retry later. */
  #lost(manager: Manager, reason: string): void {
    if (manager !== this.#manager || this.#state === 'end') return;
    clearTimeout(this.#attemptTimer);
    this.#manager = undefined;
    retire(manager);
    const cause = this.#lastError ? `${reason}: ${this.#lastError}` : reason;
    this.#lastError = undefined;
    this.#pending.rejectAll(
      (action, actionId) =>
        new PbxUnavailableError('ami', 'lost', 'PBX unreachable: AMI link lost', { action, actionId, cause }),
    );
    this.#failures += 1;
    const delayMs = backoffDelay(this.#failures, this.#config.reconnect);
    this.#retryTimer = setTimeout(() => this.#guard(() => this.#connect()), delayMs);
    this.#setState('reconnecting', { attempt: this.#attempt, nextDelayMs: delayMs, reason: cause });
  }

  #setState(next: LinkState, details: Record<string, unknown>): void {
    const previous = this.#state;
    const level = next === 'reconnecting' ? 'warn' : 'info';
    if (previous === next) {
      // Another failed attempt while reconnecting: still one line, so the retries are visible.
      this.#log[level]({ state: next, ...details }, 'AMI connect attempt failed');
      return;
    }
    this.#state = next;
    this.#log[level]({ state: next, previous, ...details }, `AMI link ${next}`);
    this.#emitSafe('state', next, previous);
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
