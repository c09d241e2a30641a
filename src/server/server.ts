// The PMS protocol server: a TCP listener (default 0.0.0.0:5078), optionally a TLS one (tls.*, 5079),
// one Session per connection on either, the per-address login guard and the connection caps shared by
// both, and the broadcast path for frames the engine pushes unasked (LeaveMessage, seed 000 §5.4.9).
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { lockedOutMessage } from '../handlers/login.js';
import { serialize, type FieldList } from '../protocol/index.js';
import { BurstLog } from './burst-log.js';
import type { Dispatcher } from './dispatcher.js';
import { errorReply } from './envelope.js';
import { LoginGuard, normalizeAddress } from './login-guard.js';
import { Session, type SessionTap } from './session.js';
import { maskFrame, type SessionView, type Telemetry } from '../telemetry/bus.js';
import { tlsOptions } from './tls-options.js';

/** How often expired lockouts are swept (and their end logged). */
const SWEEP_MS = 5_000;

export class PmsServer {
  private readonly server: Server;
  private tlsServer: TlsServer | undefined;
  private readonly sessions = new Set<Session>();
  /** What the console shows of each open session. */
  private readonly views = new Map<Session, SessionView>();
  private nextSession = 1;
  private seq = 0;
  /** Failed logins per source address, shared by every session of this server. */
  readonly guard: LoginGuard;
  private readonly refusedLocked: BurstLog;
  private readonly refusedFull: BurstLog;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly config: Pick<Config, 'listen' | 'session' | 'tls'>,
    private readonly dispatcher: Dispatcher,
    private readonly log: Logger,
    private readonly telemetry?: Telemetry,
  ) {
    this.guard = new LoginGuard(config.session, log);
    this.refusedLocked = new BurstLog(log, 'connection refused: address locked out');
    this.refusedFull = new BurstLog(log, 'connection refused: too many connections');
    this.sweeper = setInterval(() => this.guard.sweep(), SWEEP_MS).unref();
    this.server = createServer((socket) => this.accept(socket, 'tcp'));
    this.server.on('error', (err) => this.log.error({ err }, 'PMS server error'));
  }

  private accept(socket: Socket, transport: 'tcp' | 'tls'): void {
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
    const slog = this.log.child({
      session: id,
      remote: `${socket.remoteAddress}:${socket.remotePort}`,
      ...(transport === 'tls' ? { transport } : {}),
    });
    const session: Session = new Session(
      id,
      socket,
      this.dispatcher,
      this.config.session,
      slog,
      (s) => {
        this.sessions.delete(s);
        this.observe(s, { state: 'closed' });
        this.views.delete(s);
      },
      this.guard,
      this.tapFor(() => session, id),
    );
    this.sessions.add(session);
    this.views.set(session, {
      id,
      remote: session.remote,
      user: null,
      since: Date.now(),
      lastHeartbeat: null,
      state: 'open',
    });
    this.observe(session, {});
    slog.info({ clients: this.sessions.size }, 'client connected');
  }

  /**
   * Starts listening (and the TLS listener when tls.enabled: its files are read now, a problem
   * rejects with a ConfigError); resolves with the bound plain port (useful with port 0).
   */
  async listen(): Promise<number> {
    const { host, port } = this.config.listen;
    const tls = this.config.tls;
    // Read before anything listens: a bad file must not leave the plain port bound.
    const options = tls.enabled ? tlsOptions(tls) : undefined;
    await listenOn(this.server, host, port);
    this.log.info({ host, port: this.port }, 'PMS server listening');
    if (options) {
      const server = createTlsServer(options, (socket) => this.accept(socket, 'tls'));
      // Sockets still in their handshake are not sessions yet: node's own cap bounds them.
      server.maxConnections = this.config.session.maxConnections;
      const failed = new BurstLog(this.log, 'TLS handshake failed', 10_000);
      server.on('tlsClientError', (err, socket) =>
        failed.note({ remote: socket.remoteAddress, err: err.message.slice(0, 200) }),
      );
      server.on('error', (err) => this.log.error({ err }, 'PMS TLS server error'));
      await listenOn(server, tls.host, tls.port);
      this.tlsServer = server;
      this.log.info(
        { host: tls.host, port: this.tlsPort, clientCert: tls.requireClientCert },
        'PMS TLS server listening',
      );
    }
    return this.port;
  }

  get port(): number {
    const addr = this.server.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  }

  /** The bound TLS port; 0 when TLS is off. */
  get tlsPort(): number {
    const addr = this.tlsServer?.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  }

  /** The open sessions as the console lists them. */
  sessionViews(): SessionView[] {
    return [...this.views.values()];
  }

  private tapFor(session: () => Session, id: string): SessionTap | undefined {
    const t = this.telemetry;
    if (!t) return undefined;
    return {
      frame: (dir, fields, heartbeat) => {
        if (heartbeat) {
          if (dir === 'in') this.observe(session(), { lastHeartbeat: Date.now() });
          return;
        }
        // Masked and timestamped only when someone looks (a GetCDR export writes thousands of frames).
        if (t.listenerCount('frame'))
          t.tell('frame', { session: id, dir, at: Date.now(), text: maskFrame(fields) });
      },
      loggedIn: (user) => this.observe(session(), { user }),
      loggedOut: () => this.observe(session(), { user: null }),
    };
  }

  /** Updates the session's view and tells the console. */
  private observe(s: Session, change: Partial<SessionView>): void {
    const before = this.views.get(s);
    if (!before) return;
    const view = { ...before, ...change };
    this.views.set(s, view);
    this.telemetry?.tell('session', view);
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
    const closing = [this.server, this.tlsServer].filter((x): x is Server => x?.listening === true);
    const closed = Promise.all(closing.map((x) => new Promise<void>((resolve) => x.close(() => resolve()))));
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
  // Read and drop what the peer sends: a socket nobody reads never sees the peer's FIN, and would
  // stay open (and hold server.close) until the timer below.
  socket.resume();
  socket.end(serialize(errorReply({ action: 'UserLogin', callMethod: 'Account' }, message)));
  setTimeout(() => socket.destroy(), 1_000).unref();
}

function listenOn(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
