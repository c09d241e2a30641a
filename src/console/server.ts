// The operator console (issue 14): the engine's own HTTP server (Fastify), off unless http.enabled.
// It serves the page (src/console/public/, from the package: no CDN), its JSON API and live events
// (routes.ts), /healthz and /readyz without login, and /metrics (src/telemetry/metrics.ts).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Engine } from '../engine.js';
import { PbxUnavailableError, StoreUnavailableError } from '../errors.js';
import { AccountBook } from '../server/accounts.js';
import type { TelemetryEvents } from '../telemetry/bus.js';
import { Metrics } from '../telemetry/metrics.js';
import type { AuthDeps } from './auth.js';
import { Conversation } from './conversation.js';
import { LinkBoard } from './links.js';
import { LiveStreams } from './live.js';
import { registerRoutes } from './routes.js';
import { ConsoleSessions } from './sessions.js';
import { someRooms, type RoomSources, type RoomView } from './views.js';

const PUBLIC = join(dirname(fileURLToPath(import.meta.url)), 'public');
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export class ConsoleServer {
  readonly app: FastifyInstance;
  readonly live = new LiveStreams();
  readonly board: LinkBoard;
  readonly conversation: Conversation;
  readonly metrics: Metrics;
  private readonly offs: Array<() => void> = [];

  constructor(
    readonly engine: Engine,
    private readonly log: Logger,
  ) {
    const http = engine.config.http;
    const tls = http.certFile && http.keyFile;
    this.app = Fastify({
      logger: false,
      bodyLimit: 16 * 1024,
      trustProxy: false,
      ...(tls ? { https: { cert: readFileSync(http.certFile), key: readFileSync(http.keyFile) } } : {}),
    });
    this.board = new LinkBoard(
      [
        { link: 'ami', state: engine.ami.state },
        { link: 'ari', state: engine.ari.state },
        { link: 'db', state: engine.store.state },
        ...(engine.fias ? [{ link: 'fias' as const, state: engine.fias.status().state }] : []),
      ],
      Date.now(),
    );
    this.conversation = new Conversation(http.conversationFrames);
    this.metrics = new Metrics(engine);
    const auth: AuthDeps = {
      accounts: new AccountBook(engine.config.accounts),
      guard: engine.server.guard,
      sessions: new ConsoleSessions(http.sessionHours * 3_600_000),
      secureCookie: Boolean(tls),
      ttlMs: http.sessionHours * 3_600_000,
      log,
    };
    // The page loads only its own files; nothing may frame it; API answers are never cached.
    this.app.addHook('onSend', async (req, reply, payload) => {
      reply.header('content-security-policy', CSP);
      reply.header('x-frame-options', 'DENY');
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      if (req.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
      return payload;
    });
    // A link that is down is the engine's state, not a bug: 503 with its reason; anything else 500
    // without detail (logged). Fastify's own 4xx (a bad body, a wrong content type) pass through.
    this.app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
      if (err instanceof StoreUnavailableError || err instanceof PbxUnavailableError)
        return reply.code(503).send({ error: `Unavailable: ${err.message}` });
      if (err.statusCode && err.statusCode < 500)
        return reply.code(err.statusCode).send({ error: err.message });
      this.log.error({ err }, 'console request failed');
      return reply.code(500).send({ error: 'Internal error' });
    });
    void this.app.register(fastifyCookie);
    void this.app.register(fastifyStatic, { root: PUBLIC, prefix: '/', index: 'index.html' });
    registerRoutes(this, auth);
    this.follow();
  }

  /** Pushes the engine's telemetry to the open pages (rooms and wake-ups batched every 200 ms). */
  private follow(): void {
    const t = this.engine.telemetry;
    const rooms = new Set<string>();
    let wakeups = false;
    let timer: NodeJS.Timeout | undefined;
    const flush = (): void => {
      timer = undefined;
      const changed = [...rooms];
      rooms.clear();
      if (wakeups) this.live.send('wakeups', {});
      wakeups = false;
      // Nobody looking: nothing to read (a night audit's check-outs cost the store nothing more).
      if (changed.length && this.live.size)
        void this.roomsNow(changed)
          .then((views) => this.live.send('rooms', views))
          .catch((err: unknown) => this.log.debug({ err }, 'console: rooms not read'));
    };
    const soon = (): void => {
      timer ??= setTimeout(flush, 200);
    };
    const on = <K extends keyof TelemetryEvents>(name: K, fn: (...a: TelemetryEvents[K]) => void): void => {
      const listener = fn as (...a: unknown[]) => void;
      t.on(name, listener as never);
      this.offs.push(() => t.off(name, listener as never));
    };
    on('link', (c) => {
      const event = this.board.change(c);
      this.live.send('link', { status: this.board.status().find((l) => l.link === c.link), event });
    });
    const loggedIn = new Set<string>();
    on('session', (s) => {
      this.live.send('session', s);
      if (s.state === 'closed') {
        loggedIn.delete(s.id);
        this.conversation.ended(s.id);
        this.live.send('event', this.board.add(sessionEvent(s.id, s.remote, s.user, 'closed')));
      } else if (s.user && !loggedIn.has(s.id)) {
        loggedIn.add(s.id);
        this.live.send('event', this.board.add(sessionEvent(s.id, s.remote, s.user, 'logged in')));
      }
    });
    on('frame', (f) => {
      this.conversation.add(f);
      this.live.send('frame', f);
    });
    on('rooms', (exts) => {
      for (const e of exts) rooms.add(e);
      soon();
    });
    on('wakeups', () => {
      wakeups = true;
      soon();
    });
    this.offs.push(() => clearTimeout(timer));
  }

  roomsNow(extensions: string[]): Promise<RoomView[]> {
    return someRooms(this.roomSources(), extensions);
  }

  roomSources(): RoomSources {
    const e = this.engine;
    return {
      rooms: e.rooms.rooms,
      list: () => e.roomStore.list(),
      get: (ext: string) => e.roomStore.get(ext),
      counts: () => e.voicemailCounts.all(),
      lamps: () => e.lamps.lit(),
    };
  }

  async listen(): Promise<string> {
    const { host, port, certFile } = this.engine.config.http;
    const address = await this.app.listen({ host, port });
    const url = address.replace('http://', certFile ? 'https://' : 'http://');
    this.log.info({ url }, 'operator console listening');
    return url;
  }

  get port(): number {
    const a = this.app.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  async close(): Promise<void> {
    for (const off of this.offs) off();
    this.metrics.close();
    this.live.close();
    await this.app.close();
  }
}

function sessionEvent(id: string, remote: string, user: string | null, what: string) {
  return {
    at: Date.now(),
    kind: 'session' as const,
    level: what === 'closed' ? ('info' as const) : ('ok' as const),
    text: `PMS session ${id} (${user ?? 'not logged in'}, ${remote}) ${what}`,
  };
}
