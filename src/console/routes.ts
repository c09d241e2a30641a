// The console's HTTP API. Reads (any logged-in account): the state (links, sessions, FIAS, events),
// the room board, the wake-ups of today and tomorrow, the PMS conversation, the live event stream.
// Actions (grade 1, CSRF header): re-sync AstDB, set or cancel a wake-up, the FIAS link commands,
// the call records of a period as CSV. Without login: /healthz, /readyz, /metrics.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../engine.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Conversation } from './conversation.js';
import type { LinkBoard } from './links.js';
import type { LiveStreams } from './live.js';
import { toRecord } from '../cdr/classify.js';
import { cleanRoom } from '../store/rooms.js';
import { formatLocal, parseLocal } from '../time/zone.js';
import { login, requireAdmin, requireCsrf, requireSession, cookieOptions, type AuthDeps } from './auth.js';
import { COOKIE } from './sessions.js';
import { hotelDays, roomBoard, wakeupView, type RoomSources } from './views.js';

const ROOM = /^\d{1,10}$/;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const LOCAL = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$/;
const CSV_HEADER =
  'src,dst,trunk,callstart,talkstart,callend,duration,billsec,calltype,disposition,direction\n';

type Guard = (req: FastifyRequest, reply: FastifyReply) => boolean;

/** What the routes use of the console server (server.ts). */
export interface ConsoleParts {
  readonly app: FastifyInstance;
  readonly engine: Engine;
  readonly board: LinkBoard;
  readonly conversation: Conversation;
  readonly live: LiveStreams;
  readonly metrics: Metrics;
  roomSources(): RoomSources;
}

export function registerRoutes(c: ConsoleParts, auth: AuthDeps): void {
  const { app, engine } = c;
  const config = engine.config;
  const tz = config.hotel.timeZone;
  const seen: Guard = (req, reply) => requireSession(auth, req, reply);
  const acts: Guard = (req, reply) =>
    requireSession(auth, req, reply) && requireCsrf(req, reply) && requireAdmin(req, reply);
  const guarded =
    (guard: Guard, fn: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown> | unknown) =>
    async (req: FastifyRequest, reply: FastifyReply) => (guard(req, reply) ? fn(req, reply) : reply);
  const fail = (reply: FastifyReply, code: number, error: string) => reply.code(code).send({ error });

  // --- without login ------------------------------------------------------------------------------
  app.get('/healthz', async () => ({ status: 'ok', uptimeSec: Math.round(process.uptime()) }));
  app.get('/readyz', async (_req, reply) => {
    const links: Record<string, string> = {
      ami: engine.ami.state,
      ari: engine.ari.state,
      db: engine.store.state,
    };
    if (engine.fias) links.fias = engine.fias.status().state;
    const ready =
      links.ami === 'ready' &&
      links.ari === 'ready' &&
      links.db === 'ready' &&
      (links.fias === undefined || links.fias === 'ESTABLISHED');
    return reply.code(ready ? 200 : 503).send({ ready, links });
  });
  app.get('/metrics', async (_req, reply) => {
    const m = await c.metrics.render();
    return reply.type(m.contentType).send(m.body);
  });

  // --- login ---------------------------------------------------------------------------------------
  app.post('/api/login', (req, reply) => login(auth, req, reply));
  app.post(
    '/api/logout',
    guarded(
      (req, reply) => requireSession(auth, req, reply) && requireCsrf(req, reply),
      (req, reply) => {
        auth.sessions.close(req.consoleSession!.id);
        c.live.end();
        reply.clearCookie(COOKIE, cookieOptions(auth));
        return reply.code(204).send();
      },
    ),
  );
  app.get(
    '/api/me',
    guarded(seen, (req) => {
      const s = req.consoleSession!;
      return { user: s.user, grade: s.grade, csrf: s.csrf };
    }),
  );

  // --- reads ---------------------------------------------------------------------------------------
  app.get(
    '/api/state',
    guarded(seen, () => ({
      hotel: { rooms: engine.rooms.rooms.size, timeZone: tz },
      links: c.board.status(),
      sessions: engine.server.sessionViews(),
      fias: engine.fias?.status() ?? null,
      events: c.board.recent(),
    })),
  );
  app.get(
    '/api/rooms',
    guarded(seen, async () => ({ rooms: await roomBoard(c.roomSources(), cleanRoom) })),
  );
  app.get(
    '/api/wakeups',
    guarded(seen, async () => {
      const days = hotelDays(Date.now(), tz);
      return { days, wakeups: (await engine.wakeupStore.onDays(days)).map(wakeupView) };
    }),
  );
  app.get(
    '/api/conversation',
    guarded(seen, () => ({ sessions: c.conversation.all() })),
  );
  app.get(
    '/api/events',
    guarded(seen, (req, reply) => {
      const id = req.consoleSession!.id;
      reply.hijack();
      if (!c.live.open(reply.raw, () => auth.sessions.get(id) !== undefined))
        reply.raw.writeHead(503).end('too many live streams');
    }),
  );

  // --- actions (grade 1) ----------------------------------------------------------------------------
  app.post(
    '/api/resync',
    guarded(acts, async (req, reply) => {
      try {
        const rooms = await engine.rooms.resync();
        const voicemail = await engine.voicemail.resync();
        auth.log.info({ user: req.consoleSession!.user, ...rooms }, 'console: AstDB re-synced');
        return { ...rooms, voicemail };
      } catch (err) {
        return fail(reply, 503, `Re-sync failed: ${(err as Error).message}`);
      }
    }),
  );
  app.post(
    '/api/wakeups',
    guarded(acts, async (req, reply) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const { extension, time } = b;
      const date = b.date ?? hotelDays(Date.now(), tz)[0];
      if (typeof extension !== 'string' || !ROOM.test(extension) || !engine.rooms.rooms.has(extension))
        return fail(reply, 400, 'extension: not a room of hotel.rooms');
      if (typeof time !== 'string' || !HHMM.test(time)) return fail(reply, 400, 'time: HH:MM (24 h)');
      if (typeof date !== 'string' || !DAY.test(date)) return fail(reply, 400, 'date: YYYY-MM-DD');
      const due = parseLocal(`${date} ${time}:00`, tz);
      if (!due) return fail(reply, 400, 'date/time: not a time in the hotel zone');
      if (due.getTime() <= Date.now()) return fail(reply, 400, 'date/time: in the past');
      const id = await engine.wakeups.addOnce(
        extension,
        due.getTime(),
        config.fias.wakeupAttempts,
        async () => undefined,
      );
      auth.log.info(
        { user: req.consoleSession!.user, room: extension, occurrence: id },
        'console: wake-up set',
      );
      return { id, extension, dueAt: due.getTime() };
    }),
  );
  app.delete(
    '/api/wakeups/:id',
    guarded(acts, async (req, reply) => {
      const id = Number((req.params as { id: string }).id);
      if (!Number.isSafeInteger(id) || id < 1) return fail(reply, 400, 'id: a wake-up id');
      const days = hotelDays(Date.now(), tz);
      const o = (await engine.wakeupStore.onDays(days)).find((w) => w.id === id);
      if (!o) return fail(reply, 404, 'no such wake-up today or tomorrow');
      const cancelled = await engine.wakeups.cancelSome(o.extension, async () => [id]);
      if (!cancelled) return fail(reply, 409, `wake-up ${id} is ${o.state}: nothing to cancel`);
      auth.log.info({ user: req.consoleSession!.user, occurrence: id }, 'console: wake-up cancelled');
      return { id, cancelled };
    }),
  );
  app.post(
    '/api/fias/:command',
    guarded(acts, (req, reply) => {
      const command = (req.params as { command: string }).command;
      const fias = engine.fias;
      if (!fias) return fail(reply, 409, 'FIAS is not enabled (fias.enabled)');
      if (command === 'enable') fias.enable();
      else if (command === 'disable') fias.disable();
      else if (command === 'disconnect') fias.disconnect();
      else return fail(reply, 400, 'command: enable, disable or disconnect');
      auth.log.info({ user: req.consoleSession!.user, command }, 'console: FIAS link command');
      return fias.status();
    }),
  );
  app.get(
    '/api/cdr.csv',
    guarded(
      (req, reply) => requireSession(auth, req, reply) && requireAdmin(req, reply),
      async (req, reply) => {
        const q = req.query as Record<string, unknown>;
        const [from, to] = [q.from, q.to].map((v) =>
          typeof v === 'string' && LOCAL.test(v)
            ? parseLocal(v.replace('T', ' ').padEnd(19, ':00'), tz)
            : undefined,
        );
        if (!from || !to || from > to)
          return fail(reply, 400, 'from, to: YYYY-MM-DD hh:mm[:ss] in the hotel time, from ≤ to');
        const cdrTz = config.cdr.timeZone || tz;
        const ctx = {
          numbering: config.numbering,
          trunks: new Set(config.cdr.trunks),
          cdrTimeZone: cdrTz,
          hotelTimeZone: tz,
        };
        const rows = engine.cdr.rows({ from: formatLocal(from, cdrTz), to: formatLocal(to, cdrTz) });
        reply.type('text/csv; charset=utf-8');
        reply.header(
          'content-disposition',
          `attachment; filename="calls-${formatLocal(from, tz).slice(0, 10)}.csv"`,
        );
        return reply.send(Readable.from(csv(rows, ctx)));
      },
    ),
  );
}

/** The records as CSV lines, streamed as the database yields them. */
async function* csv(
  rows: AsyncIterable<Parameters<typeof toRecord>[0]>,
  ctx: Parameters<typeof toRecord>[1],
): AsyncGenerator<string> {
  yield CSV_HEADER;
  for await (const row of rows) yield `${toRecord(row, ctx)}\n`;
}
