// The PMS protocol server: a TCP listener (default 0.0.0.0:5078) with one Session per connection, and
// the broadcast path for frames the engine pushes unasked (LeaveMessage, seed 000 §5.4.9).
import { createServer, type Server } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { FieldList } from '../protocol/index.js';
import type { Dispatcher } from './dispatcher.js';
import { Session } from './session.js';

export class PmsServer {
  private readonly server: Server;
  private readonly sessions = new Set<Session>();
  private nextSession = 1;
  private seq = 0;

  constructor(
    private readonly config: Pick<Config, 'listen' | 'session'>,
    private readonly dispatcher: Dispatcher,
    private readonly log: Logger,
  ) {
    this.server = createServer((socket) => {
      const id = `s${this.nextSession++}`;
      const slog = this.log.child({ session: id, remote: `${socket.remoteAddress}:${socket.remotePort}` });
      const session = new Session(id, socket, this.dispatcher, this.config.session, slog, (s) =>
        this.sessions.delete(s),
      );
      this.sessions.add(session);
      slog.info({ clients: this.sessions.size }, 'client connected');
    });
    this.server.on('error', (err) => this.log.error({ err }, 'PMS server error'));
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
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sessions) s.close('server shutting down');
    await Promise.race([closed, new Promise((r) => setTimeout(r, graceMs).unref())]);
  }
}
