// The PMS protocol server: a TCP listener (default 0.0.0.0:5078) with one Session per connection, and
// the broadcast path for frames the engine pushes unasked (LeaveMessage, seed 000 §5.4.9).
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { lockedOutMessage } from '../handlers/login.js';
import { serialize, type FieldList } from '../protocol/index.js';
import { BurstLog } from './burst-log.js';
import type { Dispatcher } from './dispatcher.js';
import { errorReply } from './envelope.js';
import { LoginGuard, normalizeAddress } from './login-guard.js';
import { Session } from './session.js';

/** How often expired lockouts are swept (and their end logged). */
const SWEEP_MS = 5_000;

export class PmsServer {
  private readonly server: Server;
  private readonly sessions = new Set<Session>();
  private nextSession = 1;
  private seq = 0;
  /** Failed logins per source address, shared by every session of this server. */
  readonly guard: LoginGuard;
  private readonly refusedLocked: BurstLog;
  private readonly refusedFull: BurstLog;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly config: Pick<Config, 'listen' | 'session'>,
    private readonly dispatcher: Dispatcher,
    private readonly log: Logger,
  ) {
    this.guard = new LoginGuard(config.session, log);
    this.refusedLocked = new BurstLog(log, 'connection refused: address locked out');
    this.refusedFull = new BurstLog(log, 'connection refused: too many connections');
    this.sweeper = setInterval(() => this.guard.sweep(), SWEEP_MS).unref();
    this.server = createServer((socket) => this.accept(socket));
    this.server.on('error', (err) => this.log.error({ err }, 'PMS server error'));
  }

  private accept(socket: Socket): void {
    const address = normalizeAddress(socket.remoteAddress ?? '');
    const lockedSec = this.guard.lockedFor(address);
    if (lockedSec > 0) {
      this.refusedLocked.note({ remote: address, lockedForSec: lockedSec });
      return refuse(socket, lockedOutMessage(lockedSec));
    }
    // Caps: idle sockets that never log in (or a flood of them) must not exhaust file descriptors
    // and memory, nor crowd out the PMS. Closed sessions leave `sessions` when their socket closes.
    const { maxConnections, maxUnauthenticated } = this.config.session;
    const unauthenticated = this.unauthenticated;
    if (this.sessions.size >= maxConnections || unauthenticated >= maxUnauthenticated) {
      const which =
        this.sessions.size >= maxConnections
          ? `the engine takes at most ${maxConnections} connections (session.maxConnections)`
          : `at most ${maxUnauthenticated} connections may wait to log in (session.maxUnauthenticated)`;
      this.refusedFull.note({ remote: address, connections: this.sessions.size, unauthenticated, which });
      return refuse(socket, `Too many connections: ${which}; try again later`);
    }
    const id = `s${this.nextSession++}`;
    const slog = this.log.child({ session: id, remote: `${socket.remoteAddress}:${socket.remotePort}` });
    const session = new Session(
      id,
      socket,
      this.dispatcher,
      this.config.session,
      slog,
      (s) => this.sessions.delete(s),
      this.guard,
    );
    this.sessions.add(session);
    slog.info({ clients: this.sessions.size }, 'client connected');
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<number> {
    const { host, port } = this.config.listen;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        const bound = this.port;
        this.log.info({ host, port: bound }, 'PMS server listening');
        resolve(bound);
      });
    });
  }

  get port(): number {
    const addr = this.server.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  }

  /** Open sessions not logged in (yet). */
  get unauthenticated(): number {
    let n = 0;
    for (const s of this.sessions) if (!s.account && s.state === 'open') n++;
    return n;
  }

  /** Logged-in sessions. */
  get clients(): number {
    return [...this.sessions].filter((s) => s.account && s.state === 'open').length;
  }

  /**
   * Sends an unsolicited frame to every logged-in session. `fields` are the frame's body after
   * ServiceType/Action/SeqID/CallMethod; the engine makes up the SeqID. Returns how many got it.
   */
  broadcast(action: string, callMethod: string, fields: FieldList): number {
    const frame: FieldList = [
      ['ServiceType', 'PMS'],
      ['Action', action],
      ['SeqID', String(++this.seq)],
      ['CallMethod', callMethod],
      ...fields,
    ];
    let sent = 0;
    for (const s of this.sessions) if (s.account && s.push(frame)) sent++;
    this.log.debug({ action, callMethod, sent }, 'broadcast');
    return sent;
  }

  /** Stops accepting, closes every session, resolves when all are gone (or after `graceMs`). */
  async close(graceMs = 3_000): Promise<void> {
    clearInterval(this.sweeper);
    this.refusedLocked.flush();
    this.refusedFull.flush();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sessions) s.close('server shutting down');
    await Promise.race([closed, new Promise((r) => setTimeout(r, graceMs).unref())]);
  }
}

/**
 * Closes a connection that is not given a session, with one error frame saying why (a technician at
 * the PMS sees it); destroyed soon after even if the peer never reads.
 */
function refuse(socket: Socket, message: string): void {
  socket.on('error', () => undefined);
  socket.end(serialize(errorReply({ action: 'UserLogin', callMethod: 'Account' }, message)));
  setTimeout(() => socket.destroy(), 1_000).unref();
}
