// Typed access to asterisk-manager@0.2 (CommonJS, no types). Only the parts AmiClient uses are typed;
// the library's own reconnect (`keepConnected`), held-action queue and action correlation are
// deliberately left unused (see client.ts).
import { createRequire } from 'node:module';
import net, { type Socket } from 'node:net';

/** One parsed AMI message as the library emits it on `rawevent` (keys lower-cased). */
export type RawAmiMessage = Record<string, unknown>;

export interface ManagerEvents {
  rawevent: (message: RawAmiMessage) => void;
  connect: () => void;
  close: (hadError?: boolean) => void;
  end: () => void;
  error: (error: unknown) => void;
}

/** The asterisk-manager instance: an object that forwards a subset of EventEmitter. */
export interface Manager {
  connect(port: number, host: string, callback?: () => void): void;
  /** Sends `Action: login` with the constructor's credentials; sets the library's `authenticated` flag. */
  login(callback?: (error?: RawAmiMessage | null) => void): void;
  /** Writes one action; `actionid` in `request` is used as the ActionID. Returns the ActionID used. */
  action(request: Record<string, string>, callback?: () => void): string;
  disconnect(callback?: () => void): void;
  isConnected(): boolean;
  on<E extends keyof ManagerEvents>(event: E, listener: ManagerEvents[E]): void;
  removeListener(event: string, listener: (...args: never[]) => void): void;
  removeAllListeners(event?: string): void;
  listeners(event: string): ((...args: unknown[]) => void)[];
}

type ManagerFactory = (
  port: number | undefined,
  host: string,
  username: string,
  password: string,
  events: boolean,
) => Manager;

const require = createRequire(import.meta.url);
const factory = require('asterisk-manager') as ManagerFactory;

/**
 * A fresh, unconnected Manager. Port `undefined` keeps the library from connecting (and logging in)
 * on its own; the caller connects with `connect(port, host, cb)` and logs in with `login(cb)`.
 */
export function createManager(host: string, username: string, password: string): Manager {
  return factory(undefined, host, username, password, true);
}

/**
 * `manager.connect(port, host, callback)`, returning the socket it opened. The library keeps its
 * socket private, but a connection dropped because Asterisk stopped answering must be *reset*, not
 * ended: an end() leaves our unsent actions queued in the kernel, and they would reach Asterisk when
 * the network comes back — after the store rolled them back and the re-sync wrote AstDB. The library
 * creates its socket synchronously inside connect(), through the shared `net` module.
 */
export function connectManager(
  manager: Manager,
  port: number,
  host: string,
  callback: () => void,
): Socket | undefined {
  const original = net.createConnection;
  let socket: Socket | undefined;
  net.createConnection = ((...args: Parameters<typeof net.createConnection>) => {
    socket = original(...args);
    return socket;
  }) as typeof net.createConnection;
  try {
    manager.connect(port, host, callback);
  } finally {
    net.createConnection = original;
  }
  return socket;
}
