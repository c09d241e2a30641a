// A scripted AMI server for unit tests: greets like Asterisk, answers Login, announces FullyBooted,
// answers actions from per-action scripts, and can drop connections or stay silent.
import { EventEmitter, once } from 'node:events';
import net from 'node:net';

/** One AMI message: header name → value, in order. */
export type AmiBlock = Record<string, string>;

/** A request as received, keys lower-cased. */
export type AmiRequest = Record<string, string>;

/**
 * What a script answers: blocks to write, each given the request's ActionID, or 'silent' to answer
 * nothing (the script may answer later through `conn.send`).
 */
export type Script = (request: AmiRequest, conn: FakeConnection) => AmiBlock[] | 'silent';

export interface FakeAmiOptions {
  username?: string;
  secret?: string;
  /** Send FullyBooted right after a successful login (Asterisk does when it is already booted). */
  booted?: boolean;
  /** Close the connection after a failed login. */
  closeOnAuthFailure?: boolean;
  /** Answer Login at all (false: accept the TCP connection and stay silent). */
  answerLogin?: boolean;
}

export class FakeConnection {
  loggedIn = false;
  constructor(readonly socket: net.Socket) {}

  send(block: AmiBlock): void {
    if (this.socket.destroyed) return;
    const lines = Object.entries(block).map(([k, v]) => `${k}: ${v}\r\n`);
    this.socket.write(`${lines.join('')}\r\n`);
  }
}

export class FakeAmi extends EventEmitter<{
  connection: [FakeConnection];
  action: [AmiRequest, FakeConnection];
  login: [ok: boolean, FakeConnection];
}> {
  username: string;
  secret: string;
  booted: boolean;
  closeOnAuthFailure: boolean;
  answerLogin: boolean;
  /** Every non-login request received, in order. */
  readonly requests: AmiRequest[] = [];
  /** Bytes received after login, on all connections (to prove that nothing was written). */
  bytesAfterLogin = 0;
  readonly #scripts = new Map<string, Script>();
  readonly #connections = new Set<FakeConnection>();
  readonly #server: net.Server;
  #port = 0;

  constructor(options: FakeAmiOptions = {}) {
    super();
    this.username = options.username ?? 'pms';
    this.secret = options.secret ?? 'secret';
    this.booted = options.booted ?? true;
    this.closeOnAuthFailure = options.closeOnAuthFailure ?? false;
    this.answerLogin = options.answerLogin ?? true;
    this.#server = net.createServer((socket) => this.#accept(socket));
  }

  get port(): number {
    return this.#port;
  }

  get connections(): FakeConnection[] {
    return [...this.#connections];
  }

  async listen(port = 0): Promise<number> {
    this.#server.listen(port, '127.0.0.1');
    await once(this.#server, 'listening');
    const address = this.#server.address();
    this.#port = typeof address === 'object' && address ? address.port : 0;
    return this.#port;
  }

  /** Stops listening (new connections are refused) and drops every connection. */
  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Answers `action` (case-insensitive) with `script` from now on. */
  script(action: string, script: Script): void {
    this.#scripts.set(action.toLowerCase(), script);
  }

  /** Drops every connection at once, like a crashing Asterisk. */
  dropAll(): void {
    for (const conn of this.#connections) conn.socket.destroy();
    this.#connections.clear();
  }

  /** Boots now: FullyBooted to every logged-in connection. */
  boot(): void {
    this.booted = true;
    this.broadcast({ Event: 'FullyBooted', Privilege: 'system,all', Status: 'Fully Booted' });
  }

  broadcast(block: AmiBlock): void {
    for (const conn of this.#connections) if (conn.loggedIn) conn.send(block);
  }

  #accept(socket: net.Socket): void {
    const conn = new FakeConnection(socket);
    this.#connections.add(conn);
    socket.on('close', () => this.#connections.delete(conn));
    socket.on('error', () => {});
    socket.write('Asterisk Call Manager/9.0.0\r\n');
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      if (conn.loggedIn) this.bytesAfterLogin += Buffer.byteLength(chunk);
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\r\n\r\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 4);
        this.#onRequest(conn, parse(block));
      }
    });
    this.emit('connection', conn);
  }

  #onRequest(conn: FakeConnection, request: AmiRequest): void {
    const action = (request.action ?? '').toLowerCase();
    const actionId = request.actionid;
    const withId = (block: AmiBlock): AmiBlock =>
      actionId === undefined ? block : { ...block, ActionID: actionId };
    if (action === 'login') {
      if (!this.answerLogin) return;
      const ok = request.username === this.username && request.secret === this.secret;
      if (ok) {
        conn.loggedIn = true;
        conn.send(withId({ Response: 'Success', Message: 'Authentication accepted' }));
        if (this.booted) conn.send({ Event: 'FullyBooted', Privilege: 'system,all', Status: 'Fully Booted' });
      } else {
        conn.send(withId({ Response: 'Error', Message: 'Authentication failed' }));
        if (this.closeOnAuthFailure) conn.socket.end();
      }
      this.emit('login', ok, conn);
      return;
    }
    this.requests.push(request);
    this.emit('action', request, conn);
    const script = this.#scripts.get(action);
    const answer = script
      ? script(request, conn)
      : [{ Response: 'Error', Message: 'Invalid/unknown command' }];
    if (answer === 'silent') return;
    for (const block of answer) conn.send(withId(block));
  }
}

function parse(block: string): AmiRequest {
  const out: AmiRequest = {};
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}

export { waitFor } from '../../support/wait.js';
